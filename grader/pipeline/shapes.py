"""The shapes a micrograd submission comes in, and which file provides each test id's names.

Accepted (`--submission PATH`, PATH a folder or a single file):

- the kit's three files, `engine.py`, `nn.py`, `train.py`;
- one file holding everything (EurekaLabs' `micrograd.py`), its helpers (`utils.py`) beside it;
- a notebook (`.ipynb`): its code cells in order, shell and magic lines (`!pip`, `%matplotlib`,
  `%%time` cells) left out, each cell's lines kept at known line numbers so that an error points
  at "cell N, line M";
- karpathy's package layout, `micrograd/engine.py` and `micrograd/nn.py` (with or without
  `__init__.py`), or that `micrograd` folder given directly.

Which file provides what is found lexically (lines at column 0: `class Neuron`, `def train`): the
grader never parses student source, the child does by importing it, in its sandbox. Every `.py` file of the submission (a bounded number, to a bounded depth, each read by
grader.pipeline.intake: no links, regular files, size cap) is copied into the test's work folder, so helper
modules import. Which file a test id loads is decided here from the files' syntax trees (parsed,
never run): the file of the part's own name first, then `micrograd/<part>.py`, then any other file
defining the names the test id needs at its top level. The child loads that file under the part's
name (grader/pipeline/child.py).
"""
import dataclasses
import errno
import json
import os
import re
import stat

from grader.pipeline import intake
from grader.spec import part_of

# the names each test id needs from the student's code, looked up at the top level of a file
NEEDS = {
    "engine": ("class", "Value"),
    "nn.neuron": ("class", "Neuron"), "nn.layer": ("class", "Layer"), "nn.mlp": ("class", "MLP"),
    "train.cross_entropy": ("def", "cross_entropy"), "train.adamw": ("class", "AdamW"),
    "train.loop": ("def", "train"),
    "engine.numerical_grad": ("def", "numerical_grad"), "train.squared_error": ("def", "squared_error"),
    "train.sgd": ("class", "SGD"),
}
MAX_FILES = 40  # .py and .ipynb files read from a submission
MAX_DEPTH = 2  # folders below the submission's own
NOTEBOOK_MAX_BYTES = 8 << 20  # a notebook carries its outputs: a larger cap than a .py file
SKIP_DIRS = {"__pycache__", ".git", ".ipynb_checkpoints", "venv", ".venv", "env", "node_modules", "site-packages"}


@dataclasses.dataclass(frozen=True)
class Shaped:
    """A submission as graded: `files` (relative path -> bytes, all copied into the work folder),
    `problems` (relative path -> why it was not read), `sources` (test id -> relative path of the
    file it loads), `missing` (test id -> what was looked for, in words), `notebooks` (generated
    path -> (notebook name, [(cell, line) per generated line])), `shape` in words."""

    folder: str
    files: dict
    problems: dict
    sources: dict
    missing: dict
    notebooks: dict
    shape: str
    runs_code: frozenset = frozenset()  # files whose top level does more than define things
    prev_sets: frozenset = frozenset()  # files that keep a Value's inputs in a set (`_prev = set(...)`)

    def origin(self, test_id):
        """The file a test id was graded from, as the student named it."""
        path = self.sources.get(test_id)
        if path is None:
            return ""
        return self.notebooks[path][0] if path in self.notebooks else path

    def locate(self, text):
        """Text with every "generated.py, line N" of a notebook said as the notebook's cell and line."""
        for path, (name, lines) in self.notebooks.items():
            base = re.escape(os.path.basename(path))

            def cell(m, name=name, lines=lines):
                n = int(m.group(1))
                if 0 < n <= len(lines) and lines[n - 1]:
                    return f"{name}, cell {lines[n - 1][0]}, line {lines[n - 1][1]}"
                return f"{name} (code cells joined), line {n}"
            text = re.sub(base + r", line (\d+)", cell, text)
            text = text.replace(os.path.basename(path), name)
        return text


def _need(test_id):
    return NEEDS.get(test_id) or NEEDS[part_of(test_id)]


@dataclasses.dataclass(frozen=True)
class Read:
    """A submission's files as read from disk, before any test id is matched to them: plain data,
    so that one process (batch's client) reads it and another (a worker) grades it. `preferred`:
    the file given directly, when a file was; `refused`: why nothing at all could be read."""

    folder: str
    files: dict
    problems: dict
    notebooks: dict
    preferred: tuple = ()
    refused: str = ""

    def digest(self):
        """A hash of what was read (see digest)."""
        return digest(self.files, self.problems)


def digest(files, problems):
    """A hash of a submission's files as read (names and contents, or why a file was not read): the
    same files give the same hash, whichever reader (this module, grader.pipeline.intake) read them."""
    import hashlib

    h = hashlib.sha256()
    for name in sorted(files):
        h.update(b"F" + name.encode() + b"\0" + files[name] + b"\0")
    for name in sorted(problems):
        h.update(b"P" + name.encode() + b"\0" + problems[name].encode() + b"\0")
    return h.hexdigest()


def discover(path, test_ids, max_bytes=intake.DEFAULT_MAX_BYTES):
    """The Shaped submission at `path` (a folder or a file); never raises for anything in it."""
    return assign(read(path, max_bytes), test_ids)


def read(path, max_bytes=intake.DEFAULT_MAX_BYTES):
    """The files of the submission at `path` (a folder or a file), read through the intake; never
    raises for anything in it."""
    path = os.fspath(path)
    try:
        info = os.lstat(path)
    except OSError as exc:
        return _refused(path, f"{path} cannot be read ({exc.strerror})")
    if stat.S_ISLNK(info.st_mode):
        return _refused(path, f"{path} is a link (links are not followed)")
    if stat.S_ISREG(info.st_mode):
        folder, only = os.path.dirname(os.path.abspath(path)), os.path.basename(path)
        if not (only.endswith(".py") or only.endswith(".ipynb")):
            return _refused(path, f"{only} is neither a Python file (.py) nor a notebook (.ipynb)")
        names, problems = _list(folder, depth=0)
        # the file itself plus the helper modules beside it (no notebooks but this one)
        names = [n for n in names if n == only or (n.endswith(".py") and "/" not in n)]
        preferred = [only]
    elif stat.S_ISDIR(info.st_mode):
        folder, preferred = path, []
        names, problems = _list(folder, depth=MAX_DEPTH)
    else:
        return _refused(path, f"{path} is neither a file nor a folder")
    files, notebooks = {}, {}
    for name in names:
        cap = NOTEBOOK_MAX_BYTES if name.endswith(".ipynb") else max_bytes
        sub = intake.read_submission(os.path.join(folder, os.path.dirname(name)) if "/" in name else folder,
                                     names=(os.path.basename(name),), max_bytes=cap)
        if sub.problems:
            problems[name] = next(iter(sub.problems.values()))
            continue
        data = next(iter(sub.files.values()))
        if name.endswith(".ipynb"):
            code, lines, problem = notebook_source(data, os.path.basename(name))
            if problem:
                problems[name] = problem
                continue
            generated = name[:-len(".ipynb")].replace(".", "_").replace("-", "_").replace(" ", "_") + "_ipynb.py"
            files[generated] = code
            notebooks[generated] = (name, lines)
            if name in preferred:
                preferred = [generated]
        else:
            files[name] = data
    # a `micrograd` folder given directly: its files import each other as micrograd.engine
    if not preferred and os.path.basename(os.path.abspath(folder)) == "micrograd" and \
            any(n in files for n in ("engine.py", "nn.py")) and not any(n.startswith("micrograd/") for n in files):
        files = {f"micrograd/{n}" if "/" not in n else n: d for n, d in files.items()}
        problems = {f"micrograd/{n}" if "/" not in n else n: d for n, d in problems.items()}
        notebooks = {f"micrograd/{n}": v for n, v in notebooks.items()}
    return Read(path, files, problems, notebooks, tuple(preferred))


def assign(read, test_ids):
    """The Shaped submission: which of the `read` files each of `test_ids` loads, and what was not found."""
    if read.refused:
        return _empty(read.folder, test_ids, read.refused)
    path, files, problems, notebooks, preferred = (read.folder, read.files, read.problems, read.notebooks,
                                                   list(read.preferred))
    defined = {name: _defines(data) for name, data in files.items() if name.endswith(".py")}

    def shown(name):
        return notebooks[name][0] if name in notebooks else name

    runs_code = frozenset(name for name in defined if _runs_code(files[name]))
    prev_sets = frozenset(name for name in defined if _PREV_SET.search(files[name]))
    sources, missing = {}, {}
    for test_id in test_ids:
        part = part_of(test_id)
        kind, wanted = _need(test_id)
        order = preferred + [f"{part}.py", f"micrograd/{part}.py"]
        order += sorted((n for n in defined if n not in order), key=lambda n: (n.count("/"), n))
        found = next((n for n in order if n in defined and wanted in defined[n]), None)
        if found is None:
            # a file of the part's own name is graded whatever the lexical scan saw: the child's import
            # then says what is wrong with it (a syntax error, with its line)
            found = next((n for n in (f"{part}.py", f"micrograd/{part}.py") if n in defined), None)
        if found is None and not defined:
            found = next((n for n in (f"{part}.py",) if n in problems), None)
            missing[test_id] = problems.get(found) if found else f"no Python file found in {path}"
            continue
        if found is None:
            where = ", ".join(shown(n) for n in order if n in defined) or "no file"
            missing[test_id] = f"no {wanted} found in {path}; looked for {kind} {wanted} at the top level of {where}"
            if f"{part}.py" in problems:
                missing[test_id] = problems[f"{part}.py"]
            elif not preferred and any(n in defined for n in (f"{p}.py" for p in ("engine", "nn", "train"))):
                missing[test_id] = f"{part}.py not found in {path}; looked for {kind} {wanted} in {where} too"
            continue
        sources[test_id] = found
    shape = ("notebook" if any(s in notebooks for s in sources.values())
             else "package" if any(s.startswith("micrograd/") for s in sources.values())
             else "kit" if all(s == f"{part_of(t)}.py" for t, s in sources.items()) and sources
             else "single file" if len(set(sources.values())) == 1 and sources else "files")
    return Shaped(str(path), files, problems, sources, missing, notebooks, shape, runs_code, prev_sets)


def _refused(path, problem):
    return Read(path, {}, {os.path.basename(path): problem}, {}, (), problem)


def _empty(path, test_ids, problem):
    return Shaped(str(path), {}, {os.path.basename(path): problem}, {}, {t: problem for t in test_ids}, {}, "")


def _list(folder, depth):
    """Relative paths of the .py and .ipynb files under `folder`, at most `depth` folders down,
    without following links; (names, problems)."""
    names, problems = [], {}

    def walk(rel, level):
        full = os.path.join(folder, rel) if rel else folder
        try:
            fd = os.open(full, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError as exc:
            if rel:
                problems[rel] = f"{rel} not read: " + ("it is a link (links are not followed)"
                                                       if exc.errno in (errno.ELOOP, errno.ENOTDIR) else exc.strerror)
            return
        try:
            entries = sorted(os.listdir(fd))
        except OSError:
            entries = []
        finally:
            os.close(fd)
        subdirs = []
        for entry in entries:
            child = f"{rel}/{entry}" if rel else entry
            try:
                info = os.lstat(os.path.join(folder, child))
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                if level < depth and entry not in SKIP_DIRS and not entry.startswith("."):
                    subdirs.append(child)
            elif entry.endswith((".py", ".ipynb")):
                if len(names) >= MAX_FILES:
                    problems.setdefault("...", f"more than {MAX_FILES} Python files: the rest were not read")
                    continue
                names.append(child)  # links and non-regular files are refused by the intake, by name
        for child in subdirs:
            walk(child, level + 1)

    walk("", 0)
    return names, problems


_TOP = re.compile(rb"^(?:class|def|async\s+def)\s+([A-Za-z_]\w*)|^([A-Za-z_]\w*)\s*(?::[^=\n]*)?=(?!=)", re.M)
_PREV_SET = re.compile(rb"\._prev\s*=\s*(?:set|frozenset)\s*\(|\._prev\s*=\s*\{[^}:]*\}")
_QUOTES = re.compile(rb'"""|\'\'\'')


def _top_lines(data):
    """The file's lines at column 0 that are outside triple-quoted strings, found lexically: the
    grader never parses student source (a parser can be made to recurse or to use much memory);
    the child, in its sandbox, does that by importing."""
    inside = None
    for line in data.split(b"\n"):
        starts_inside = inside
        for quote in _QUOTES.findall(line):
            inside = None if inside == quote else (quote if inside is None else inside)
        if starts_inside is None:
            yield line


def _defines(data):
    """The names a file defines at its top level (class, def, NAME = ...), found lexically."""
    names = set()
    for line in _top_lines(data):
        m = _TOP.match(line)
        if m:
            names.add((m.group(1) or m.group(2)).decode("ascii", "replace"))
    return names


_DEFINING = (b"class ", b"def ", b"async ", b"@", b"import ", b"from ", b"#", b")", b"]", b"}", b'"', b"'",
             b"else", b"elif", b"except", b"finally", b"if __name__", b"if '__main__'", b'if "__main__"')
# lines whose `;` belongs to a block that is not run at import (a body on the line of its def or
# class), or that start a docstring or comment
_BLOCKS = (b"class ", b"def ", b"async ", b"#", b'"', b"'", b"if __name__", b"if '__main__'", b'if "__main__"')


def _runs_code(data):
    """Whether the file's top level seems to run more than definitions (a loop, a call, a training):
    a line at column 0 that is none of class, def, decorator, import, comment, string, a main guard or
    a NAME = constant, or one of them followed by `;` and another statement (`import time; time.sleep(9)`);
    a `try:` block counts (its body is indented: code at import). Lexical, so on the side of yes: a
    yes costs one sandboxed import more."""
    for line in _top_lines(data):
        line = line.rstrip()
        if not line or line[:1] in (b" ", b"\t"):
            continue
        if line.startswith(_DEFINING):
            # an import, a constant or a closing bracket, and then `; anything` on the same line
            if b";" in line.split(b"#", 1)[0] and not line.startswith(_BLOCKS):
                return True
            continue
        m = _TOP.match(line)
        if m and m.group(2) and b"(" not in line and b";" not in line:
            continue
        return True
    return False


def notebook_source(data, name):
    """(Python source bytes, [(cell, line) or None per source line], problem) of a notebook's code
    cells in order. Shell (`!pip`) and magic (`%matplotlib`, `%%time` cells) lines become blank
    lines, so every other line keeps its cell and line number. The notebook is data: parsed as
    JSON (size-capped by the intake; nesting too deep for the parser is a problem, not a crash)."""
    try:
        nb = json.loads(data)
    except (ValueError, RecursionError, MemoryError) as exc:
        return None, [], f"{name} is not a readable notebook (its JSON does not parse: {str(exc)[:80]})"
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        return None, [], f"{name} is not a notebook (no list of cells)"
    out, lines = [], []
    number = 0
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        number += 1
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if not isinstance(source, str):
            continue
        cell_lines = source.splitlines()
        whole_cell_magic = bool(cell_lines) and cell_lines[0].lstrip().startswith("%%")
        for k, line in enumerate(cell_lines, 1):
            stripped = line.lstrip()
            if whole_cell_magic and not cell_lines[0].lstrip().startswith(("%%time", "%%timeit", "%%capture")):
                line = ""  # %%bash, %%writefile...: not Python
            elif stripped.startswith(("!", "%")) or (k == 1 and whole_cell_magic):
                line = line[:len(line) - len(stripped)] + "pass" if _inside_block(cell_lines, k) else ""
            out.append(line)
            lines.append((number, k))
        out.append("")
        lines.append(None)
    return ("\n".join(out) + "\n").encode(), lines, ""


def _inside_block(cell_lines, k):
    """Whether line k (1-based) of a cell is indented under a block, where a blank would leave the
    block without a body."""
    line = cell_lines[k - 1]
    return line[:1] in (" ", "\t")
