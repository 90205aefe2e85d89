"""The nbgrader course, built from the answer key: `python -m grader nbgrader` (`make nbgrader`).

    build/nbgrader/
        nbgrader_config.py              course id, and scoring by the kit's grader (no kernel runs a submission)
        source/micrograd/micrograd.ipynb    the answer key as a notebook (instructors' version)
        source/micrograd/micrograd_check.py what the test cells call (no answers in it)
        release/micrograd/              made by `nbgrader generate_assignment micrograd`
        gradebook.db                    nbgrader's; kept across rebuilds, like submitted/ and autograded/

The notebook has one section per student file (engine, nn, train). Each top-level definition of
the key becomes a code cell: an answer cell (`solution: true`) when it holds answers, a read-only
cell when it is given. After each answer cell come its test cells, one per test id, each worth
the test's points. The layout (which cells make which file) goes into the course config and into
micrograd_check.py, so that the files graded are the same inside and outside the kernel.
"""
import ast
import json
import os
import pathlib
import pprint
import re
import secrets
import subprocess
import sys

from grader import config
from grader.atomic import write_atomic
from grader.builders import stubs
from grader.paths import KIT_ROOT
from grader.spec import PARTS
from grader.builders.stubs import AnswerKeyError, render_exercises as check_key, parse_key

ASSIGNMENT = "micrograd"
NOTEBOOK = "micrograd"
COURSE_ID = "micrograd"
DEFAULT_OUT = KIT_ROOT / "build" / "nbgrader"
CHECK_MODULE = "micrograd_check"
CODE_STUB = '# YOUR CODE HERE\nraise NotImplementedError("not written yet")'
HINT_LINE = re.compile(r"\s*#\s*HINT:")
SEED_FILE = "hidden_seed.json"  # in the course folder (instructor side): the seed the course keeps

INTRO = """\
# micrograd: backpropagation, written by you

In this notebook you write the heart of [micrograd](https://github.com/karpathy/micrograd), a
scalar autograd engine: every op's backward pass, `backward()` itself, a small neural network and
its training. Each answer cell holds `raise NotImplementedError(...)` lines where your code goes;
the comments above them (`# HINT:`) point the way.

After each answer cell come its **test cells**, one per exercise. Run one to grade your answer:
it prints what was checked and, when something is off, the first case that fails and the likely
mistake. The tests grade the code of the answer cells only (as they stand when you last ran them),
so keep any helper you write inside an answer cell, and run the answer cell again after a change.

Read-only cells hold code that is given. Your final grade is computed by the course's grader, which
also runs some hidden cases of the same kind.
"""


def _meta(grade_id, grade=False, solution=False, locked=False, points=None):
    """nbgrader cell metadata, schema 3, with exactly the keys nbgrader defines."""
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def _chunks(key):
    """The key's syntax tree and the file cut into top-level pieces: [[name, names, first line, last line]].

    The imports form one piece named "imports"; each definition is a piece with the comment lines
    above it and the statements after it up to the next definition. The module docstring belongs
    to no piece.
    """
    tree = ast.parse("\n".join(key.lines) + "\n")
    body = list(tree.body)
    start = 1
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        start = body.pop(0).end_lineno + 1
    pieces = []
    imports = [node for node in body if isinstance(node, (ast.Import, ast.ImportFrom))]
    for node in body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            pieces.append([node.name, [node.name], first, node.end_lineno])
        elif pieces:
            pieces[-1][3] = node.end_lineno  # a statement between definitions joins the one before it
    if imports:
        pieces.insert(0, ["imports", [], imports[0].lineno, imports[-1].end_lineno])
    # a block's END marker is a comment after the last statement: the piece runs to it
    for piece in pieces:
        piece[3] = max([piece[3]] + [b.end for b in key.blocks if piece[2] <= b.begin <= piece[3]])
    # each piece starts right after the one before it (comments above a definition belong to it)
    for before, piece in zip(pieces, pieces[1:]):
        piece[2] = before[3] + 1
    if pieces:
        pieces[0][2] = max(start, pieces[0][2])
    return tree, pieces


def _cell_source(key, first, last):
    """Lines first..last of the key as a notebook cell: each block in nbgrader's marker form.

    The block's id and message and its hints stay as comments above the markers, so they survive
    `generate_assignment`, which replaces what lies between the markers by the code stub.
    """
    blocks = {b.begin: b for b in key.blocks}
    out, row = [], first
    while row <= last:
        block = blocks.get(row)
        if block is None:
            out.append(key.lines[row - 1])
            row += 1
            continue
        indent = block.indent
        out.append(f"{indent}# {block.id}: {block.message}")
        out += block.stub_lines()[:-1]  # the hints
        out.append(f"{indent}### BEGIN SOLUTION")
        out += [line for line in key.lines[block.begin : block.end - 1] if not HINT_LINE.match(line)]
        out.append(f"{indent}### END SOLUTION")
        row = block.end + 1
    return "\n".join(out).strip("\n")


def _docstring_of(tree, line):
    """The docstring of the innermost function or class around `line` that has one, or ''."""
    best = ""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.lineno <= line <= node.end_lineno:
            doc = ast.get_docstring(node)
            if doc:
                best = doc  # ast.walk goes outside in, so the last match is the innermost
    return best


def _test_source(test_id, points):
    return (f"# Test {test_id} ({points:g} points): grades your answer cells with the micrograd kit's grader.\n"
            f"# Run it to check your work; do not edit this cell.\n"
            f"from {CHECK_MODULE} import check\n"
            f'check("{test_id}")')


def notebook(solutions_dir, points, ids=None):
    """The source notebook (answers in it) and its layout, from the answer key in `solutions_dir`;
    `ids`: the test ids its blocks may name (default: the kit's)."""
    import nbformat
    from nbformat import v4

    ids = tuple(ids or stubs.TEST_IDS)
    check_key(solutions_dir, ids)  # every problem of the key, in the generator's words, before anything else
    cells = [v4.new_markdown_cell(INTRO)]
    layout = {"notebook": NOTEBOOK, "parts": {}, "tests": {}}
    for part in PARTS:
        key = parse_key(pathlib.Path(solutions_dir) / f"{part}.py", ids)
        tree, pieces = _chunks(key)
        header, given_imports = [], []
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                text = ast.get_source_segment("\n".join(key.lines), node)
                # a part imports another (from engine import Value): in the notebook it is already defined
                cross = isinstance(node, ast.ImportFrom) and node.module in PARTS
                (header if cross else given_imports).append(text)
        spec = {"header": "".join(line + "\n" for line in header), "cells": []}
        layout["parts"][part] = spec
        doc = ast.get_docstring(tree) or ""
        cells.append(v4.new_markdown_cell(f"## {part}.py\n\n{doc}"))
        for name, names, first, last in pieces:
            if name == "imports":
                if not given_imports:
                    continue
                source, names = "\n".join(given_imports), [n.split(".")[0] for n in _imported_names(tree)]
            else:
                source = _cell_source(key, first, last)
            inside = [b for b in key.blocks if first <= b.begin <= last]
            kind = "answer" if inside else "given"
            grade_id = f"{kind}_{part}_{name}"
            # given code travels in the layout, so that it is never taken from a submission
            spec["cells"].append({"grade_id": grade_id, "names": names, **({"source": source} if kind == "given" else {})})
            if kind == "given":
                cells.append(v4.new_code_cell(source, metadata=_meta(grade_id, locked=True)))
                continue
            cells.append(v4.new_code_cell(source, metadata=_meta(grade_id, solution=True)))
            for test_id in dict.fromkeys(b.id for b in inside):
                grade_id = test_id.replace(".", "_")
                block = next(b for b in inside if b.id == test_id)
                explain = _docstring_of(tree, block.begin)
                cells.append(v4.new_markdown_cell(
                    f"### {test_id} ({points[test_id]:g} points)\n\nTo do: {block.message}."
                    + (f"\n\n{explain}" if explain else "")))
                cells.append(v4.new_code_cell(_test_source(test_id, points[test_id]),
                                              metadata=_meta(grade_id, grade=True, locked=True,
                                                             points=points[test_id])))
                layout["tests"][grade_id] = {"id": test_id, "points": points[test_id], "cell": f"answer_{part}_{name}"}
    for i, cell in enumerate(cells):
        cell["id"] = cell.metadata.get("nbgrader", {}).get("grade_id") or f"text-{i:02d}"
    nb = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"}})
    nbformat.validate(nb)
    return nb, layout


def _imported_names(tree):
    for node in tree.body:
        if isinstance(node, ast.Import):
            yield from (a.asname or a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module not in PARTS:
            yield from (a.asname or a.name for a in node.names)


CHECK_TEMPLATE = '''\
"""The test cells' side of the micrograd course: grades this notebook's answer cells.

Written by the micrograd kit (`make nbgrader`); do not edit. It finds the kit (the folder holding
grader/ and micrograd_ref/): $MICROGRAD_KIT, else an importable `grader`, else a folder above this
one, else the folder the course was built from. It holds no answers.
"""
import os
import pathlib
import sys

BUILT_FROM = {kit!r}
LAYOUT = {layout}


def check(test_id):
    """Grade one exercise of the notebook: print what was found, return the points earned."""
    if _kit() is None:
        print("The micrograd kit's grader was not found, so nothing was graded. Start Jupyter from the kit's "
              "folder, or set MICROGRAD_KIT to the folder that holds grader/ and micrograd_ref/.")
        return 0.0
    from grader.integrations.notebook_check import check as grade_in_kernel

    return grade_in_kernel(test_id, LAYOUT)


def _kit():
    """The kit's folder, put on sys.path when needed ("importable" when it already is); None if not found."""
    here = pathlib.Path(__file__).resolve().parent
    chosen = os.environ.get("MICROGRAD_KIT")
    if not chosen:
        try:
            import grader.integrations.notebook_check  # noqa: F401  (installed, or already on the path)
            return "importable"
        except ImportError:
            pass
    for place in ([chosen] if chosen else []) + [str(p) for p in [here, *here.parents]] + [BUILT_FROM]:
        if (pathlib.Path(place) / "grader" / "integrations" / "notebook_check.py").is_file():
            if place not in sys.path:
                sys.path.insert(0, place)
            return place
    return None
'''

CONFIG_TEMPLATE = '''\
"""nbgrader settings of the micrograd course. Written by the micrograd kit (`make nbgrader`):
change grader.toml or solutions/ in the kit and rebuild, rather than this file.

Autograde runs no submitted code in a kernel: nbgrader's Execute is taken out of the pipeline and
MicrogradScores takes its place. It grades the answer cells' code with the kit's grader, whose
sandboxed child processes are the only place where student code runs, and writes each test cell's
output and score from that grade; SaveAutoGrades then records those scores. The hidden seed below
adds hidden cases and stays here, on the instructor's side.
"""
import os
import sys

KIT = {kit!r}
if KIT not in sys.path:
    sys.path.insert(0, KIT)

from nbgrader.converters.autograde import Autograde  # noqa: E402
from nbgrader.preprocessors import Execute  # noqa: E402

c = get_config()  # noqa: F821  (defined by the config loader)
c.CourseDirectory.course_id = {course!r}
c.ClearSolutions.code_stub = {{"python": {stub!r}}}
# a deleted test cell comes back (nbgrader's own repair) and is scored like the others
c.OverwriteCells.add_missing_cells = True
# the exchange (release_assignment, collect, release_feedback) in the course folder, not nbgrader's
# system-wide /usr/local/share/nbgrader/exchange; on a shared server, a folder every student reaches
c.Exchange.root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "exchange")

# only what was submitted as files (nbgrader follows links); no character that UTF-8 cannot encode,
# which would fail the notebook's whole grade when nbgrader writes it
c.Autograde.sanitize_preprocessors = ["grader.integrations.nbgrader_scores.SubmittedFiles", "grader.integrations.nbgrader_scores.EncodableText",
                                      *Autograde.class_traits()["sanitize_preprocessors"].default()]
steps = list(Autograde.class_traits()["autograde_preprocessors"].default())
# the submission is graded by the kit's grader, not run in a kernel with the grader's rights
steps[steps.index(Execute)] = "grader.integrations.nbgrader_scores.MicrogradScores"
c.Autograde.autograde_preprocessors = steps
c.MicrogradScores.settings_file = {settings_file!r}
c.MicrogradScores.layout = {layout}
c.MicrogradScores.hidden_seed = {seed}
'''


def hidden_seed(course_dir, settings):
    """The course's hidden seed: grader.toml's, else the one the course already has, else a new one."""
    if settings.hidden_seed is not None:
        return int(settings.hidden_seed)
    stored = pathlib.Path(course_dir) / SEED_FILE
    if stored.is_file():
        return int(json.loads(stored.read_text(encoding="utf-8"))["hidden_seed"])
    return secrets.randbelow(2**31)


def _pretty(data):
    """`data` as a Python literal, one entry a line, for the generated files."""
    return pprint.pformat(data, width=110, sort_dicts=False)


def write_course(course_dir, solutions_dir=None, settings_file=None):
    """Write the course's config and source notebook (not the release); return the layout.
    `solutions_dir` (default: the kit's answer key, with a course's blocks when the settings name one)."""
    import nbformat

    course_dir = pathlib.Path(course_dir).resolve()
    settings = config.load(settings_file)
    ids = settings.registry.test_ids
    points = {t: settings.points[t] for t in ids}
    nb, layout = notebook(solutions_dir or stubs.answer_key(settings), points, ids)
    if settings.course:  # the test cells grade a course's exercises too (the kernel gets no other setting)
        layout["course"] = str(settings.course.exercises)
    source = course_dir / "source" / ASSIGNMENT
    source.mkdir(parents=True, exist_ok=True)
    write_atomic(source / f"{NOTEBOOK}.ipynb", nbformat.writes(nb) + "\n")
    write_atomic(source / f"{CHECK_MODULE}.py",
                 CHECK_TEMPLATE.format(kit=str(KIT_ROOT), layout=_pretty(layout)))
    settings_path = pathlib.Path(settings_file).resolve() if settings_file else (
        config.DEFAULT_FILE if config.DEFAULT_FILE.exists() else "")
    seed = hidden_seed(course_dir, settings)
    write_atomic(course_dir / SEED_FILE, json.dumps({"hidden_seed": seed}) + "\n")
    write_atomic(course_dir / "nbgrader_config.py", CONFIG_TEMPLATE.format(
        kit=str(KIT_ROOT), course=COURSE_ID, stub=CODE_STUB,
        settings_file=str(settings_path), layout=_pretty(layout), seed=seed))
    return layout


def nbgrader(course_dir, *args, check=True, capture=False):
    """Run `nbgrader ARGS...` in `course_dir` with this interpreter (alembic from its folder on PATH)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(pathlib.Path(sys.executable).parent), env.get("PATH", "")])
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course_dir, env=env, check=check,
                          text=True, capture_output=capture)


def build_course(course_dir=DEFAULT_OUT, solutions_dir=None, settings_file=None):
    """Write the course and generate its release (`nbgrader generate_assignment micrograd`)."""
    layout = write_course(course_dir, solutions_dir, settings_file)
    done = nbgrader(course_dir, "generate_assignment", ASSIGNMENT, "--force", check=False, capture=True)
    # nbgrader logs a config file that fails to load and goes on without it: here that is an error
    if done.returncode != 0 or "Exception while loading config file" in done.stderr:
        raise RuntimeError(f"nbgrader generate_assignment failed:\n{done.stdout}{done.stderr}".rstrip())
    return layout


def add_arguments(parser):
    """The options of `python -m grader nbgrader`."""
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT, help="the course folder (default: build/nbgrader/)")
    parser.add_argument("--solutions", type=pathlib.Path,
                        help="the answer key (default: solutions/, with a course's blocks)")
    parser.add_argument("--config", help="instructor settings (TOML): points, limits, hidden seed; default: grader.toml")


def run(args):
    """Build the course; print where it is and what to do next; 0 on success, 1 otherwise."""
    try:
        layout = build_course(args.out, args.solutions, args.config)
    except AnswerKeyError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("The answer key has problems; the course was not built.", file=sys.stderr)
        return 1
    except (config.ConfigError, RuntimeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    total = sum(t["points"] for t in layout["tests"].values())
    out = args.out
    print(f"course written to {out}/: {len(layout['tests'])} test cells, {total:g} points")
    print(f"release ready in {out}/release/{ASSIGNMENT}/; grade with `cd {out} && nbgrader autograde {ASSIGNMENT}`")
    return 0
