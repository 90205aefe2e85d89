"""The grader's modules import one another without cycles (at module level, where an import runs
when the module is first imported), each imports alone in a fresh interpreter, and the layout's
layers hold: the pipeline, the views, the class tools, the builders and the integrations import
each other only in the flow's direction, at any level (imports inside functions included)."""
import ast
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
GRADER = ROOT / "grader"
# run as scripts or by other tools, never imported by the grader: the child imports nothing of the kit
NOT_MODULES = {"grader/exercises/child"}


def modules():
    """{dotted name: path} of every module under grader/."""
    out = {}
    for path in sorted(GRADER.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if any(str(rel).startswith(skip) for skip in NOT_MODULES):
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def top_level_imports(path, name, known):
    """The grader modules `path` imports when it is imported (not those imported inside functions)."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("grader"):
            found |= {f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in known}
            if node.module in known:
                found.add(node.module)
    return found - {name}


def test_no_module_of_the_grader_imports_itself_through_others():
    known = modules()
    graph = {name: top_level_imports(path, name, known) for name, path in known.items()}
    cycles = []

    def visit(name, stack):
        for dep in sorted(graph[name]):
            if dep in stack:
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in done:
                visit(dep, stack + [dep])
        done.add(name)

    done = set()
    for name in sorted(graph):
        if name not in done:
            visit(name, [name])
    assert not cycles, " ; ".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("name", sorted(n for n in modules() if n.startswith("grader.exercises")))
def test_each_exercise_module_imports_alone(name):
    proc = subprocess.run([sys.executable, "-c", f"import {name}"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def all_imports(path, name, known):
    """The grader modules `path` imports anywhere, inside functions too (a package import counts as
    its module's when the name imported is a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("grader"):
            subs = {f"{node.module}.{a.name}" for a in node.names} & set(known)
            found |= subs or ({node.module} & set(known))
    return found - {name}


def under(name, prefixes):
    return any(name == p or name.startswith(p + ".") for p in prefixes)


SHARED = ("grader.paths", "grader.atomic", "grader.results", "grader.escape")
SUBPACKAGES = ("grader.pipeline", "grader.views", "grader.classroom", "grader.builders", "grader.integrations")
# (importer, what it never imports, why)
LAYERS = [
    (SHARED, SUBPACKAGES + ("grader.exercises",), "the shared modules sit under every layer"),
    (("grader.pipeline",), ("grader.classroom", "grader.builders", "grader.integrations"),
     "the pipeline grades one submission and knows nothing of who uses it"),
    (("grader.views",), ("grader.pipeline.intake", "grader.pipeline.shapes", "grader.pipeline.cases",
                         "grader.pipeline.sandbox", "grader.pipeline.child", "grader.pipeline.expect",
                         "grader.pipeline.torch_expect", "grader.pipeline.check", "grader.classroom",
                         "grader.builders", "grader.integrations"),
     "a view shows what the pipeline recorded, and runs none of its stages"),
    (("grader.classroom",), ("grader.builders", "grader.integrations"), "class tools grade, they build nothing"),
    (("grader.builders",), ("grader.views", "grader.classroom"), "a builder ships code, it shows no report"),
]
# batch hands a class to its Dask backend, which grades each student with batch's own function
MUTUAL_OK = {frozenset({"grader.classroom.batch", "grader.classroom.batch_dask"})}


@pytest.mark.parametrize("importers, forbidden, why", LAYERS, ids=[layer[0][0] for layer in LAYERS])
def test_each_layer_imports_only_in_the_flows_direction(importers, forbidden, why):
    known = modules()
    wrong = sorted(f"{name} imports {dep}" for name, path in known.items() if under(name, importers)
                   for dep in all_imports(path, name, known) if under(dep, forbidden))
    assert not wrong, f"{why}: " + "; ".join(wrong)


def test_no_two_modules_import_each_other_even_inside_functions():
    known = modules()
    graph = {name: all_imports(path, name, known) for name, path in known.items()}
    mutual = sorted({frozenset({a, b}) for a in graph for b in graph[a] if a in graph.get(b, ())
                     and not b.startswith(a + ".") and not a.startswith(b + ".")} - MUTUAL_OK, key=sorted)
    assert not mutual, "; ".join(" <-> ".join(sorted(pair)) for pair in mutual)


def imported_names(path):
    """Every module name `path` imports, at any level (the module of a `from X import y`, X itself)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


# drawing a recorded graph with the kit's graphviz helper computes nothing (micrograd_ref/draw.py)
VIEWS_MAY_DRAW_WITH = {"micrograd_ref.draw"}


def test_views_evaluate_nothing_of_the_reference():
    """The views draw the numbers the pipeline recorded (graphs, curves, decision-boundary grids):
    no view imports the reference engine, its networks, losses, optimisers or data, at any level."""
    wrong = sorted(f"{name} imports {dep}" for name, path in modules().items() if under(name, ("grader.views",))
                   for dep in imported_names(path)
                   if under(dep, ("micrograd_ref",)) and dep not in VIEWS_MAY_DRAW_WITH)
    assert not wrong, "; ".join(wrong)
