"""`python -m grader release` (`make release`): build/student/, the kit a student receives.

It holds the exercises (rendered from the answer key), the grader's student-side modules, and a
stand-in `micrograd_ref` (grader/release_ref/) instead of the reference: the reference states
every derivative and the backward pass, which are the answers. Expected values of the public
cases are computed here, from the reference, and shipped as data; PyTorch's come from
grader/data/public_torch.json (current, or the build stops). A student needs no PyTorch.
The build checks that no line of any answer-key block appears in any file it wrote.

With a course's own exercises (grader.toml's [course]), the kit holds them too: their modules in
course/exercises/, a grader.toml naming that folder (nothing else of the instructor's settings),
their stubs in the exercises, and their reference and PyTorch values computed here.
"""
import ast
import json
import pathlib
import re
import shutil
import sys
import tomllib

from grader import config
from grader.builders import stubs
from grader.exercises import kit
from grader.pipeline import cases, expect
from grader.paths import KIT_ROOT, REFERENCE_VALUES, public_torch
from grader.spec import TEST_IDS

DEFAULT_OUT = KIT_ROOT / "build" / "student"
SOLUTIONS = KIT_ROOT / "solutions"
RELEASE_REF = KIT_ROOT / "grader" / "release_ref"
TEMPLATES = KIT_ROOT / "grader" / "templates" / "release"
# what `check` and the notebook course's test cells (MICROGRAD_KIT) need, minus: live PyTorch
# (its values are shipped), and the HTML report, which draws graphs with the reference engine
# (without it, `check` offers no HTML option)
ENTRY_MODULES = ("__main__", "cli", "pipeline.check", "pipeline.child", "pipeline.child_template", "integrations.notebook_check")  # run as scripts by sandbox.py, fork_core.py
NOT_SHIPPED = {"torch_expect", "html_report", "report_graphs", "report_plots"}
SHIPPED_DATA = ("public_torch.json", "report.schema.json")
SHIPPED_REFERENCE = ("data.py",)  # the RNG and data sets: given code, not answers
COURSE_DIR = "course/exercises"  # a course's exercise modules and their child-side sources
WORD = re.compile(r"[A-Za-z_]\w*")


class ReleaseError(Exception):
    """The release cannot be built (stale expectations, answer code found); nothing was replaced."""


def answer_lines(solutions_dir=SOLUTIONS, ids=TEST_IDS):
    """{stripped line: (file, line number)} for every code line inside an answer-key block that can
    identify an answer: lines of fewer than three words (`]`, `return x`, `loss.backward()`,
    `self.t += 1`) are common to any Python and are left out."""
    found = {}
    for path in sorted(pathlib.Path(solutions_dir).glob("*.py")):
        key = stubs.parse_key(path, ids)
        for block in key.blocks:
            for number in range(block.begin + 1, block.end):
                line = key.lines[number - 1].strip()
                if line and not line.startswith("#") and len(WORD.findall(line)) >= 3:
                    found.setdefault(line, (path.name, number))
    return found


def leaks(folder, solutions_dir=SOLUTIONS, ids=TEST_IDS):
    """[(file, line number, answer-key file, line number)] for every line of a file under `folder`
    that is a line of an answer-key block."""
    answers = answer_lines(solutions_dir, ids)
    hits = []
    for path in sorted(p for p in pathlib.Path(folder).rglob("*") if p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            text = path.read_bytes().decode("latin-1")
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip() in answers:
                hits.append((str(path.relative_to(folder)), number, *answers[line.strip()]))
    return hits


def reference_values(registry=None):
    """The reference's values of every public case, keyed as grader/pipeline/expect.py looks them up."""
    registry = registry or kit()
    store = {}
    for exercise in registry:
        for case in exercise.cases():
            store[expect.store_key(exercise.id, case)] = expect.expected(exercise.id, case, exercise)
    return store


def course_torch(registry):
    """PyTorch's values of the public cases of a course's own exercises (the kit's are stored)."""
    own = [t for t in registry.test_ids if t not in kit()]
    if not own:
        return {}
    from grader.pipeline import torch_expect  # the instructor's side has PyTorch; the student's kit does not

    return torch_expect.build_store(own, registry=registry)


def check_torch_store():
    """Stop when the stored PyTorch values do not cover the current public cases."""
    stored = public_torch()
    stale = [t for t in TEST_IDS if t not in stored or stored[t]["digest"] != cases.fingerprint(cases.case_list(t))]
    if stale:
        raise ReleaseError(f"grader/data/public_torch.json is out of date for {', '.join(stale)}: "
                           "run `python -m grader expectations`")


def _module_file(dotted):
    """grader/... file of module `dotted` (relative to grader/: 'check.py', 'exercises/__init__.py'), or None."""
    parts = dotted.split(".")[1:]
    if not parts:
        return "__init__.py"
    for rel in ("/".join(parts) + ".py", "/".join(parts) + "/__init__.py"):
        if (KIT_ROOT / "grader" / rel).is_file():
            return rel
    return None


def grader_modules(entry=ENTRY_MODULES, skip=NOT_SHIPPED):
    """The grader modules `entry` import, directly or not (read from their source, not run), as
    file paths relative to grader/ ('check', 'exercises/engine_ops' without '.py'), with every
    package's __init__ on the way."""
    todo, found = [f"grader.{name}" for name in entry], set()
    while todo:
        dotted = todo.pop()
        rel = _module_file(dotted)
        if rel is None or rel in found or dotted.split(".")[-1] in skip:
            continue
        found.add(rel)
        package = ".".join(dotted.split(".")[:-1]) if not rel.endswith("__init__.py") else dotted
        if package != "grader":
            todo.append(package.rsplit(".", 1)[0] if rel.endswith("__init__.py") else package)
        tree = ast.parse((KIT_ROOT / "grader" / rel).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("grader"):
                todo.append(node.module)
                todo += [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                todo += [a.name for a in node.names if a.name.startswith("grader.")]
    return {rel.removesuffix(".py") for rel in found} | {"__init__"}


def requirements(shipped):
    """The student's dependencies: those of the kit's own that the shipped modules import (no PyTorch)."""
    project = tomllib.loads((KIT_ROOT / "pyproject.toml").read_text())["project"]
    sources = "\n".join((KIT_ROOT / "grader" / name).read_text() for name in shipped)
    imported = set(re.findall(r"^\s*(?:import|from) (\w+)", sources, re.M))
    keep = [dep for dep in project["dependencies"] if re.split(r"[<>=!~;\[ ]", dep)[0] in imported]
    return "\n".join(keep) + "\n"


def build_student_kit(out=DEFAULT_OUT, settings=None):
    """Write the student kit to `out` (replacing it only once the new one is complete); returns `out`.
    `settings`: whose course's exercises the kit holds too (default: the kit's alone)."""
    out = pathlib.Path(out)
    settings = settings or config.Settings()
    registry = settings.registry
    check_torch_store()
    key = stubs.answer_key(settings)
    exercises = stubs.render_exercises(key, registry.test_ids)
    own_torch = course_torch(registry)
    tmp = out.with_name(f".{out.name}.new")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "exercises").mkdir(parents=True)
    for name, text in exercises.items():
        (tmp / "exercises" / name).write_text(text)
    grader_dir = tmp / "grader"
    (grader_dir / "data").mkdir(parents=True)
    shipped = {f"{m}.py" for m in grader_modules()}
    for name in sorted(shipped):
        text = (KIT_ROOT / "grader" / name).read_text()
        (grader_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (grader_dir / name).write_text(text)  # cli.py offers only the commands whose module is here
    # the exercises' child-side sources, which the child runs (read as text, never imported)
    shutil.copytree(KIT_ROOT / "grader" / "exercises" / "child", grader_dir / "exercises" / "child")
    for name in SHIPPED_DATA:
        shutil.copyfile(KIT_ROOT / "grader" / "data" / name, grader_dir / "data" / name)
    if own_torch:
        (grader_dir / "data" / "public_torch.json").write_text(json.dumps({**public_torch(), **own_torch}) + "\n")
    (grader_dir / "data" / REFERENCE_VALUES.name).write_text(json.dumps(reference_values(registry), sort_keys=True) + "\n")
    if settings.course:
        shutil.copytree(settings.course.exercises, tmp / COURSE_DIR, ignore=shutil.ignore_patterns("__pycache__"))
        (tmp / "grader.toml").write_text(f'# the course\'s own exercises\n[course]\nexercises = "{COURSE_DIR}"\n')
    ref_dir = tmp / "micrograd_ref"
    ref_dir.mkdir()
    for path in sorted(RELEASE_REF.glob("*.py")):
        shutil.copyfile(path, ref_dir / path.name)
    for name in SHIPPED_REFERENCE:
        shutil.copyfile(KIT_ROOT / "micrograd_ref" / name, ref_dir / name)
    for name in ("README.md", "Makefile", ".gitignore"):
        shutil.copyfile(TEMPLATES / name.lstrip("."), tmp / name)
    (tmp / "requirements.txt").write_text(requirements(shipped))
    found = leaks(tmp, key, registry.test_ids)
    if found:
        shutil.rmtree(tmp)
        raise ReleaseError("answer code in the release: " + "; ".join(
            f"{f}:{n} is line {kn} of solutions/{k}" for f, n, k, kn in found[:5]))
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    return out


def add_arguments(parser):
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="where (default: build/student)")
    parser.add_argument("--config", help="instructor settings (TOML) whose [course] adds exercises; default: grader.toml")


def run(args):
    try:
        out = build_student_kit(args.out, config.load(getattr(args, "config", None)))
    except (ReleaseError, stubs.AnswerKeyError, config.ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {out}: the student kit (exercises, grader, precomputed expectations; no answers)")
    return 0
