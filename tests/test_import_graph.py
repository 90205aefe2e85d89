"""The grader's modules import one another without cycles (at module level, where an import runs
when the module is first imported), and each imports alone in a fresh interpreter."""
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
