"""Exercises from the answer key: `solutions/*.py` → `exercises/*.py` (`python -m grader stubs`).

The answer key marks each answer with comment lines:

    def _backward():
        # BEGIN SOLUTION engine.tanh: write the local derivative of tanh
        # HINT: the derivative is written in terms of the output t, not the input x.
        self.grad += (1 - t**2) * out.grad
        # END SOLUTION

The BEGIN line names the exercise (a test id) and the message a student sees when running the
stub. `# HINT:` lines inside a block survive into the stub as comments; everything else inside is
the answer and is replaced, at the BEGIN line's indentation, by

        # HINT: the derivative is written in terms of the output t, not the input x.
        raise NotImplementedError("engine.tanh: write the local derivative of tanh")

nbgrader's ClearSolutions takes any line holding "BEGIN SOLUTION" as a marker, so the text after
it is compatible with nbgrader; for the same reason a marker may appear only as a comment on a
line of its own, never inside a string.

A course's own exercises (grader.toml's [course] section) come with answer-key blocks of their own,
in files named like the kit's (engine.py, ...) in the course's solutions folder: `answer_key` adds
them to the kit's answer key (a class's methods join the kit's class of that name, after its own;
imports and other definitions go at the top and the end) and every builder uses the result.

`parse_key` and `render_stub` are the library the notebook and release builders use.
`write_exercises` is the generator: it checks every file before writing any, writes atomically,
and never overwrites a file someone edited since it last wrote it (it keeps a manifest of hashes
in `exercises/`) unless forced, and then only after copying that file to a backup folder.
"""
import ast
import functools
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tempfile
import time
import tokenize
from dataclasses import dataclass
from pathlib import Path

from grader.atomic import write_atomic
from grader.paths import KIT_ROOT as ROOT
from grader.paths import MANIFEST
from grader.spec import TEST_IDS

BEGIN, END, HINT = "BEGIN SOLUTION", "END SOLUTION", "HINT:"
BACKUPS = ".stubs-backup"  # at the repository root, beside exercises/; ignored by git

BEGIN_RE = re.compile(r"#\s*BEGIN SOLUTION(?P<rest>.*)")
HEADING_RE = re.compile(r"\s+(?P<id>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)\s*:\s*(?P<message>\S.*?)\s*")
END_RE = re.compile(r"#\s*END SOLUTION\s*")
HINT_RE = re.compile(r"#\s*HINT:\s?(?P<text>.*?)\s*")
MARKER_SYNTAX = "# BEGIN SOLUTION <id>: <message>"

HEADER = """\
# Exercises: {name}, the "{part}" part of the micrograd kit.
#
# Wherever a line says `raise NotImplementedError("{part}.<piece>: ...")`, the code is yours to write:
# replace that line with your answer (the `# HINT:` comments above it point the way). Everything
# else is given; read it, the docstrings explain the math of each piece.
#
# Check your work: `make check exercise={part}` grades this file piece by piece and explains what
# it finds (`make check` grades every part).
#
# Generated from the answer key by `make stubs`: instructors edit solutions/{name} instead.
"""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an answer key, at a file and line."""

    path: Path
    line: int
    message: str

    def __str__(self):
        where = f"{_show(self.path)}:{self.line}" if self.line else _show(self.path)
        return f"{where}: {self.message}"


class AnswerKeyError(Exception):
    """The answer key is malformed; `problems` says where and how. Nothing was written."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class EditedFilesError(Exception):
    """Files in exercises/ differ from what the generator last wrote there. Nothing was written."""

    def __init__(self, paths):
        self.paths = list(paths)
        super().__init__("edited since `make stubs` wrote them: " + ", ".join(_show(p) for p in self.paths))


@dataclass(frozen=True)
class Block:
    """One answer in the key: its exercise id, the stub's message, its hints and where it stands.

    `begin` and `end` are the 1-based line numbers of the BEGIN and END marker lines;
    `indent` is the BEGIN line's indentation, which the stub takes.
    """

    id: str
    message: str
    hints: tuple
    begin: int
    end: int
    indent: str

    def stub_lines(self):
        """The lines that replace the block in an exercise: the hints, then the raise."""
        hints = [f"{self.indent}# {HINT} {hint}".rstrip() for hint in self.hints]
        text = json.dumps(f"{self.id}: {self.message}", ensure_ascii=False)  # also a Python literal
        return hints + [f"{self.indent}raise NotImplementedError({text})"]


@dataclass(frozen=True)
class AnswerKey:
    """A parsed answer-key file: its lines (without line ends) and its blocks, in order."""

    path: Path
    lines: tuple
    blocks: tuple = ()

    @property
    def part(self):
        """The part of the kit this file is (`engine` for engine.py): the first half of its ids."""
        return self.path.stem


def parse_key(path, ids=TEST_IDS):
    """Read an answer-key file and return its `AnswerKey`; raise `AnswerKeyError` if it is malformed.

    `ids` are the exercise ids a block may name; each must also start with the file's name.
    """
    path = Path(path)
    source = path.read_text(encoding="utf-8")
    lines = tuple(source.splitlines())
    try:
        ast.parse(source, filename=str(path))
    except SyntaxError as e:
        raise AnswerKeyError([Problem(path, e.lineno or 1, f"the answer key does not parse: {e.msg}")]) from None

    problems, blocks, open_block = [], [], None
    for kind, text, row, col in _marker_tokens(source):
        where = lines[row - 1]
        if kind == "string":
            problems.append(Problem(path, row, f"'{text}' inside a string: markers must be comments on a line "
                                               "of their own (nbgrader treats any line holding one as a marker)"))
            continue
        if where[:col].strip():
            problems.append(Problem(path, row, f"a marker must stand alone on its line, not after code: {where.strip()}"))
            continue
        if kind == "begin":
            if open_block is not None:
                problems.append(Problem(path, row, f"nested {BEGIN}: the block opened on line "
                                                   f"{open_block['begin']} is not closed yet"))
                continue
            heading = HEADING_RE.fullmatch(BEGIN_RE.fullmatch(text)["rest"])
            if heading is None:
                problems.append(Problem(path, row, f"{BEGIN} needs an exercise id and a message: '{MARKER_SYNTAX}', "
                                                   f"e.g. '# {BEGIN} {path.stem}.x: write ...'"))
                exercise, message = None, ""
            else:
                exercise, message = heading["id"], heading["message"]
                if exercise not in ids:
                    problems.append(Problem(path, row, f"unknown exercise id '{exercise}' (known: {', '.join(ids)})"))
                elif exercise.split(".")[0] != path.stem:
                    problems.append(Problem(path, row, f"'{exercise}' does not belong in {path.name}: "
                                                       f"its ids start with '{path.stem}.'"))
            open_block = {"id": exercise, "message": message, "hints": [], "begin": row, "indent": where[:col]}
        elif kind == "end":
            if open_block is None:
                problems.append(Problem(path, row, f"{END} without a {BEGIN} before it"))
                continue
            problems += _check_block(path, lines, open_block, row)
            blocks.append(Block(open_block["id"], open_block["message"], tuple(open_block["hints"]),
                                open_block["begin"], row, open_block["indent"]))
            open_block = None
        elif kind == "hint":
            if open_block is None:
                problems.append(Problem(path, row, f"'# {HINT}' outside a solution block: hints belong "
                                                   f"between {BEGIN} and {END}"))
            else:
                open_block["hints"].append(HINT_RE.fullmatch(text)["text"])
        else:
            problems.append(Problem(path, row, f"malformed marker '{text}': write '{MARKER_SYNTAX}', "
                                               f"'# {END}' or '# {HINT} <text>'"))
    if open_block is not None:
        problems.append(Problem(path, open_block["begin"], f"{BEGIN} is never closed: add '# {END}' "
                                                           "after the answer"))
    if problems:
        raise AnswerKeyError(problems)
    return AnswerKey(path, lines, tuple(blocks))


def _marker_tokens(source):
    """(kind, text, row, col) for every comment or string that holds a marker, in order.

    kind is "begin", "end", "hint", "malformed" (a comment that mentions a marker but is not one)
    or "string". `tokenize` is what tells a comment from the same text inside a string.
    """
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        text = tok.string
        if tok.type == tokenize.STRING and (BEGIN in text or END in text):
            marker = BEGIN if BEGIN in text else END
            yield "string", marker, tok.start[0] + text[: text.index(marker)].count("\n"), tok.start[1]
        elif tok.type == tokenize.COMMENT:
            if BEGIN_RE.fullmatch(text):
                kind = "begin"
            elif END_RE.fullmatch(text):
                kind = "end"
            elif HINT_RE.fullmatch(text):
                kind = "hint"
            elif BEGIN in text or END in text:
                kind = "malformed"
            else:
                continue
            yield kind, text, tok.start[0], tok.start[1]


def _check_block(path, lines, block, end):
    """Problems with the answer lines of a block (between its markers)."""
    problems, code = [], False
    for row in range(block["begin"] + 1, end):
        line = lines[row - 1]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        code = True
        if not line.startswith(block["indent"]):
            problems.append(Problem(path, row, f"this answer line is indented less than its {BEGIN} "
                                               f"(line {block['begin']}), whose indentation the stub takes"))
            break
    if not code:
        problems.append(Problem(path, block["begin"], "the block holds no answer code, only comments"))
    return problems


def render_stub(key, header=True):
    """The exercise file made from an answer key: each block replaced by its stub, the rest kept.

    With `header`, the file starts with the short explanation of what to do and how to check.
    """
    out = _header(key) if header else []
    row = 1
    for block in key.blocks:
        out += key.lines[row - 1 : block.begin - 1]
        out += block.stub_lines()
        row = block.end + 1
    out += key.lines[row - 1 :]
    return "\n".join(out) + "\n"


def _header(key):
    return HEADER.format(name=key.path.name, part=key.part).splitlines()


def _check_stub(key, text):
    """Problems with the rendered exercise: it must parse, and no stub may run at import time."""
    header_len = len(_header(key))
    try:
        tree = ast.parse(text, filename=str(key.path))
    except SyntaxError as e:
        block, row = _key_line(key, (e.lineno or 1) - header_len)
        if block is None:
            return [Problem(key.path, row, f"the exercise made from this file does not parse here ({e.msg}): "
                                           "check the blocks before this line")]
        return [Problem(key.path, block.begin, f"the stub of {block.id} would not parse ({e.msg}): "
                                               "a block must hold whole statements of one body")]
    in_functions = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            in_functions.update(id(n) for n in ast.walk(node) if n is not node)
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and id(node) not in in_functions:
            block, _ = _key_line(key, node.lineno - header_len)
            if block is not None:
                problems.append(Problem(key.path, block.begin, f"the stub of {block.id} is not inside a function: "
                                                               "it would run on import and make the file unusable"))
    return problems


def _key_line(key, body_row):
    """Which block's stub covers line `body_row` of the rendered body (or ends just before it),
    and the key's line for it: (block, its BEGIN line) or (None, the same line in the key)."""
    shift = 0  # rendered row minus key row, between blocks
    for block in key.blocks:
        first = block.begin + shift
        last = first + len(block.stub_lines()) - 1
        if body_row < first:
            break
        if body_row <= last + 1:
            return block, block.begin
        shift = last - block.end
    return None, max(1, body_row - shift)


def render_exercises(solutions_dir, ids=TEST_IDS):
    """Parse and render every `*.py` of the answer key: {file name: exercise text}.

    Raises `AnswerKeyError` listing every problem in every file; every id of `ids` whose part has
    a file must have at least one block.
    """
    solutions_dir = Path(solutions_dir)
    problems, rendered = [], {}
    paths = sorted(solutions_dir.glob("*.py"))
    if not paths:
        raise AnswerKeyError([Problem(solutions_dir, 0, "no answer-key files (*.py) here")])
    for path in paths:
        try:
            key = parse_key(path, ids)
        except AnswerKeyError as e:
            problems += e.problems
            continue
        text = render_stub(key)
        problems += _check_stub(key, text)
        missing = [i for i in ids if i.split(".")[0] == key.part and i not in {b.id for b in key.blocks}]
        if missing:
            problems.append(Problem(path, 1, f"no block for {', '.join(missing)}: every exercise of "
                                             f"{path.name} needs at least one"))
        rendered[path.name] = text
    if problems:
        raise AnswerKeyError(problems)
    return rendered


# ---------------------------------------------------------------------------------------------
# a course's answer-key blocks, added to the kit's answer key

SOLUTIONS = ROOT / "solutions"


def answer_key(settings=None):
    """The folder of the answer key `settings` grade with: the kit's solutions/, or, for a course with
    answer-key blocks of its own, a folder holding the kit's files with the course's added.

    Raises `AnswerKeyError` naming the course's file and line where its blocks are malformed.
    """
    course = getattr(settings, "course", None)
    if course is None or course.solutions is None:
        return SOLUTIONS
    return _merged(SOLUTIONS, course.solutions, settings.registry.test_ids)


@functools.cache
def _merged(kit_dir, course_dir, ids):
    problems, texts = [], {}
    names = sorted(p.name for p in course_dir.glob("*.py"))
    if not names:
        raise AnswerKeyError([Problem(course_dir, 0, "no answer-key files (*.py) in the course's solutions folder")])
    for name in names:
        course_file, kit_file = course_dir / name, kit_dir / name
        if not kit_file.is_file():
            problems.append(Problem(course_file, 0, f"the kit's answer key has no {name}: a course's files add to "
                                                    f"one of {', '.join(sorted(p.name for p in kit_dir.glob('*.py')))}"))
            continue
        try:
            parse_key(course_file, ids)  # the course's blocks, checked in its own file and lines
        except AnswerKeyError as e:
            problems += e.problems
            continue
        texts[name] = add_blocks(kit_file.read_text(encoding="utf-8"), course_file.read_text(encoding="utf-8"))
    if problems:
        raise AnswerKeyError(problems)
    out = Path(tempfile.mkdtemp(prefix="micrograd-answer-key-"))  # once per process (cached)
    for path in sorted(kit_dir.glob("*.py")):
        (out / path.name).write_text(texts.get(path.name) or path.read_text(encoding="utf-8"), encoding="utf-8")
    return out


def add_blocks(kit_text, course_text):
    """The kit's answer-key file with a course's additions: the methods of each class the course
    file defines join the kit's class of that name (after its own), its imports that the kit's file
    lacks go after the kit's, and every other statement goes at the end."""
    kit_lines, lines = kit_text.splitlines(), course_text.splitlines()
    kit_tree, tree = ast.parse(kit_text), ast.parse(course_text)
    classes = {n.name: n for n in kit_tree.body if isinstance(n, ast.ClassDef)}
    kit_imports = [n for n in kit_tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    have = {ast.unparse(n) for n in kit_imports}
    body = list(tree.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body.pop(0)  # the course file's docstring says what it adds; the kit's file keeps its own
    inserts, imports, tail = {}, [], []
    for node in body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if ast.unparse(node) not in have:
                imports.append(ast.unparse(node))
        elif isinstance(node, ast.ClassDef) and node.name in classes:
            inner = list(node.body)
            if inner and isinstance(inner[0], ast.Expr) and isinstance(inner[0].value, ast.Constant):
                start = inner[0].end_lineno + 1
            else:
                start = node.lineno + 1
            inserts.setdefault(classes[node.name].end_lineno, []).append([""] + lines[start - 1:node.end_lineno])
        else:
            tail += ["", ""] + lines[first - 1:node.end_lineno]
    out = []
    last_import = kit_imports[-1].end_lineno if kit_imports else 0
    for row, line in enumerate(kit_lines, 1):
        out.append(line)
        if row == last_import:
            out += imports
        for chunk in inserts.get(row, []):
            out += chunk
    if imports and not last_import:
        out = imports + [""] + out
    return "\n".join(out + tail).rstrip("\n") + "\n"


def _digest(data):
    return hashlib.sha256(data).hexdigest()


def read_manifest(exercises_dir):
    """{file name: sha256} of what the generator last wrote in `exercises_dir` ({} if it never did)."""
    try:
        return dict(json.loads((Path(exercises_dir) / MANIFEST).read_text())["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return {}  # with no trustworthy record, every file that differs counts as edited


def read_config(exercises_dir):
    """The settings file (a course's grader.toml) the exercises in `exercises_dir` were made for, or None."""
    try:
        name = json.loads((Path(exercises_dir) / MANIFEST).read_text()).get("config")
    except (OSError, ValueError, AttributeError):
        return None
    return (Path(exercises_dir) / name).resolve() if isinstance(name, str) and name else None


def _manifest_text(rendered, exercises_dir=None, config=None):
    data = {
        "about": "written by `make stubs`: the SHA-256 of each file as generated, so that edits are never "
                 "overwritten",
        "files": {name: _digest(text.encode()) for name, text in sorted(rendered.items())},
    }
    if config:  # a course's exercises: graded with its settings (pytest exercises/ reads this)
        data["config"] = os.path.relpath(Path(config).resolve(), Path(exercises_dir).resolve())
    return json.dumps(data, indent=2) + "\n"


@dataclass
class Plan:
    """What generating does in an exercises folder, worked out before anything is written."""

    rendered: dict  # file name -> text to write
    changed: list  # names whose content would change (or appear)
    stale: list  # names the generator wrote before but no longer makes
    edited: list  # names edited since the generator wrote them (among changed and stale)
    manifest: str  # the new manifest's text
    manifest_changed: bool
    backup: Path = None  # where edited files were copied, once they were

    @property
    def up_to_date(self):
        """True when the folder already holds exactly what the generator makes."""
        return not (self.changed or self.stale or self.manifest_changed)


def plan(solutions_dir, exercises_dir, ids=TEST_IDS, config=None):
    """Compare what the answer key generates with what `exercises_dir` holds; write nothing."""
    exercises_dir = Path(exercises_dir)
    rendered = render_exercises(solutions_dir, ids)
    last = read_manifest(exercises_dir)
    changed, stale, edited = [], [], []
    for name in sorted(set(rendered) | set(last)):
        path = exercises_dir / name
        current = path.read_bytes() if path.is_file() else None
        if name in rendered and current == rendered[name].encode():
            continue
        if name in rendered:
            changed.append(name)
        elif current is None:
            continue
        else:
            stale.append(name)
        # A file holding something other than what was last generated was edited by someone,
        # including a file generated here for the first time over existing content.
        if current is not None and last.get(name) != _digest(current):
            edited.append(name)
    manifest = _manifest_text(rendered, exercises_dir, config)
    manifest_path = exercises_dir / MANIFEST
    manifest_changed = not manifest_path.is_file() or manifest_path.read_text() != manifest
    return Plan(rendered, changed, stale, edited, manifest, manifest_changed)


def write_exercises(solutions_dir, exercises_dir, force=False, backup_dir=None, ids=TEST_IDS, config=None):
    """Generate `exercises_dir` from the answer key in `solutions_dir`; return the `Plan` carried out.

    Raises `AnswerKeyError` (a malformed key) or `EditedFilesError` (edited files, without
    `force`) before writing anything. With `force`, each edited file is first copied into a new
    timestamped folder under `backup_dir` (default: `.stubs-backup/` beside `exercises_dir`),
    which `plan.backup` then names. `config`: the course's settings file, named in the manifest.
    """
    exercises_dir = Path(exercises_dir)
    todo = plan(solutions_dir, exercises_dir, ids, config)
    if todo.edited:
        if not force:
            raise EditedFilesError([exercises_dir / name for name in todo.edited])
        backup_dir = Path(backup_dir) if backup_dir else exercises_dir.parent / BACKUPS
        todo.backup = _new_backup_folder(backup_dir)
        for name in todo.edited:
            shutil.copy2(exercises_dir / name, todo.backup / name)
    exercises_dir.mkdir(parents=True, exist_ok=True)
    for name in todo.changed:
        write_atomic(exercises_dir / name, todo.rendered[name])
    for name in todo.stale:
        (exercises_dir / name).unlink()
    if todo.manifest_changed:
        write_atomic(exercises_dir / MANIFEST, todo.manifest)  # last: it vouches for the files above
    return todo


def _new_backup_folder(backup_dir):
    """A fresh folder named after the current time under `backup_dir` (never one that exists)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(1, 1000):
        folder = backup_dir / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            folder.mkdir(parents=True)
            return folder
        except FileExistsError:
            continue
    raise RuntimeError(f"could not make a new backup folder in {backup_dir}")


def _show(path):
    """`path` relative to the current folder when it is below it, for messages."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def add_arguments(parser):
    """The options of `python -m grader stubs`."""
    parser.add_argument("--solutions", type=Path, help="the answer key (default: solutions/, with a course's blocks)")
    parser.add_argument("--exercises", type=Path, default=ROOT / "exercises", help="where to write (default: exercises/)")
    parser.add_argument("--force", action="store_true",
                        help=f"overwrite edited files, after copying each to {BACKUPS}/<time>/ beside the exercises")
    parser.add_argument("--config", help="instructor settings (TOML) whose [course] adds exercises; default: grader.toml")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the exercises are not what the answer key generates")


def run(args):
    """Generate (or with --check, compare) the exercises; print what happened; 0 on success, 1 otherwise."""
    from grader import config

    out = f"{_show(args.exercises)}/"
    try:
        settings = config.load(getattr(args, "config", None))
        ids = settings.registry.test_ids
        solutions = args.solutions or answer_key(settings)
        course_config = (getattr(args, "config", None) or config.DEFAULT_FILE) if settings.course else None
        if args.check:
            todo = plan(solutions, args.exercises, ids, course_config)
            if todo.up_to_date:
                print(f"{out} is what the answer key generates")
                return 0
            names = todo.changed + todo.stale + ([MANIFEST] if todo.manifest_changed else [])
            print(f"{out} differs from what the answer key generates: {', '.join(names)} "
                  "(run `make stubs`)", file=sys.stderr)
            return 1
        todo = write_exercises(solutions, args.exercises, force=args.force, ids=ids, config=course_config)
    except config.ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except AnswerKeyError as e:
        for problem in e.problems:
            print(problem, file=sys.stderr)
        print(f"The answer key has {len(e.problems)} problem(s); nothing was written.", file=sys.stderr)
        return 1
    except EditedFilesError as e:
        print("These files were edited since `make stubs` last wrote them:", file=sys.stderr)
        for path in e.paths:
            print(f"  {_show(path)}", file=sys.stderr)
        print(f"Nothing was written. To regenerate anyway: `make stubs force=1`, which first copies each "
              f"edited file to {BACKUPS}/<time>/. A change meant for every student belongs in solutions/.",
              file=sys.stderr)
        return 1
    if todo.backup is not None:
        print(f"edited files kept in {_show(todo.backup)}/: {', '.join(todo.edited)}")
    if todo.up_to_date:
        print(f"{out} is up to date ({len(todo.rendered)} files)")
    else:
        for name in todo.changed:
            print(f"wrote {out}{name}")
        for name in todo.stale:
            print(f"removed {out}{name} (no longer in the answer key)")
    return 0
