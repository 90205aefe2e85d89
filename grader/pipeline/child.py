"""The child side of grading: runs one test id's cases against a student's code, in its own process.

Started by the parent (grader/pipeline/sandbox.py) as `python -I -S child.py EVENTS_FD CASES_FD`, inside the
sandbox the parent chose (bubblewrap, seccomp, cgroups where there are), in a work folder holding
the student's files. It uses the standard library only and imports nothing of the kit, so student
code cannot reach the grader, PyTorch or the answer key through it; the reference pieces it is
given are only those that stand in for the student's other parts. It never sees an expected value
or the hidden seed, and it holds one case at a time: the job comes first on CASES_FD, then each
case after the previous one was answered, then an empty line. It sends back what the student's code
produced, one JSON line per event on EVENTS_FD. The parent decides what those numbers are worth.

Events (send_event): {"event": "ready"}, {"event": "import_error", ...}, {"event": "start", "case": i},
{"event": "result", "case": i, "values": {...}}, {"event": "error", "case": i, ...},
{"event": "tamper", "what": [...]}, {"event": "done"}.
"""
import _json
import builtins
import importlib.util
import io
import json
import math
import os
import sys
import traceback
import types

# Captured before any student code runs: a student may replace the module attributes, not these.
_dumps, _write, _isinstance, _type, _float, _len, _list = json.dumps, os.write, isinstance, type, float, len, list
_getattr, _setattr, _range, _zip = getattr, setattr, range, zip
_tuple, _frozenset = tuple, frozenset
_fstat, _exit = os.fstat, os._exit
_TAMPERED_PIPE = 86  # exit status: the events pipe was replaced


_GUARDED = (("builtins", builtins), ("math", math), ("json", json), ("os", os), ("sys", sys))
_callable, _vars, _sorted, _dict = callable, vars, sorted, dict


def snapshot():
    """A copy of everything a student could monkeypatch that matters to grading, in tuples that code
    reaching them (gc) cannot change: the guarded modules' names; every name of this module (one
    added would shadow a builtin here, such as `all` in a check), its functions' code and defaults,
    and its classes' attributes."""
    mine = globals()
    modules = _tuple((name, _vars(module), _tuple(_vars(module).items()), _frozenset(_vars(module)))
                                      for name, module in _GUARDED)
    modules += (("grader", mine, _tuple(mine.items()), _frozenset(mine)),)
    functions = [v for v in mine.values() if _isinstance(v, types.FunctionType)]  # the exercise's runner too
    classes = _tuple((k, v, _tuple(_vars(v).items())) for k, v in mine.items()
                     if _isinstance(v, type) and v.__module__ == __name__)
    functions += [v for _, c, _ in classes for v in _vars(c).values() if _isinstance(v, types.FunctionType)]
    return modules, _tuple((f, f.__code__, f.__defaults__, f.__kwdefaults__) for f in functions), classes


def tampered(saved, _mine=globals(), _callable=callable, _sorted=sorted, _setattr=setattr, _delattr=delattr,
             _vars=vars, _list=list):
    """Names replaced since `saved` was taken; the originals are put back, so reporting still works.
    Everything it uses is bound here, before student code runs (main checks that this function's code
    is still its own)."""
    modules, functions, classes = saved
    changed = []
    for name, current, items, keys in modules:
        own = current is _mine
        for key, value in items:
            if (own or _callable(value)) and not key.startswith("__") and current.get(key) is not value:
                changed.append(f"{name}.{key}")
                current[key] = value
        if own:
            for key in [k for k in current if k not in keys and not k.startswith("__")]:
                changed.append(f"{name}.{key}")
                del current[key]
    for f, code, defaults, kwdefaults in functions:
        if f.__code__ is not code or f.__defaults__ is not defaults or f.__kwdefaults__ is not kwdefaults:
            changed.append(f"grader.{f.__name__}" if f.__name__.isidentifier() else "grader.runner")
            f.__code__, f.__defaults__, f.__kwdefaults__ = code, defaults, kwdefaults
    for name, cls, items in classes:
        now = _vars(cls)
        for key, value in items:
            if now.get(key) is not value:
                changed.append(f"grader.{name}")
                _setattr(cls, key, value)
        for key in [k for k in now if k not in {k2 for k2, _ in items}]:
            changed.append(f"grader.{name}")
            _delattr(cls, key)
    return _sorted({c: None for c in changed})


def _not_serializable(x):
    raise TypeError(f"{_type(x).__name__} is not an event value")


# the C encoder itself, made now: json.dumps goes through json's module attributes (its default
# encoder, json.encoder's functions), which student code can replace with an encoder of its own
_ENCODE = _json.make_encoder(None, _not_serializable, _json.encode_basestring_ascii, None, ": ", ", ",
                             False, False, True)


def send_event(fd, pipe, **event):
    """One event to the parent, as a JSON line on `fd`, which must still be the pipe `pipe` (its
    device and inode) the parent gave: student code may put a pipe of its own in its place."""
    info = _fstat(fd)
    if (info.st_dev, info.st_ino) != pipe:
        _exit(_TAMPERED_PIPE)
    data = ("".join(_ENCODE(event, 0)) + "\n").encode()
    while data:
        data = data[_write(fd, data):]


def number(x):
    """A plain float for the parent, or a tagged description of what came back instead."""
    if _type(x) is _float:
        return x
    if _type(x) is int:
        return _float(x) if abs(x) < 2**53 else {"not_a_number": "int", "repr": repr(x)[:80]}
    if _type(x) is bool:
        return _float(x)
    return {"not_a_number": _type(x).__name__, "repr": safe_repr(x)}


def safe_repr(x):
    try:
        return repr(x)[:80]
    except BaseException:
        return "<unprintable>"


def numbers(xs):
    try:
        return [number(x) for x in xs]
    except BaseException:
        return {"not_a_number": _type(xs).__name__, "repr": safe_repr(xs)}


def where(exc, student_files):
    """'engine.py, line 42, in tanh' for the innermost frame in a student file, else ''. A student
    file is one of the work folder's (its path relative to it): the reference's own engine.py, in
    another folder, is never taken for the student's."""
    work = os.getcwd().rstrip("/") + "/"

    def rel(filename):
        filename = filename or ""
        return filename[len(work):] if filename.startswith(work) and filename[len(work):] in student_files else ""

    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if rel(frame.filename):
            return f"{rel(frame.filename)}, line {frame.lineno}, in {frame.name}"
    if _isinstance(exc, SyntaxError) and exc.filename and rel(exc.filename):
        return f"{rel(exc.filename)}, line {exc.lineno}"
    return ""


RUNNER_FILE = "<exercise runner>"  # the filename the exercise's runner is compiled under (load_runner)
MAX_LISTED = 8  # names a missing name's verdict lists as defined, at most


def _innermost(exc):
    frames = traceback.extract_tb(exc.__traceback__)
    return frames[-1] if frames else None


def own_names(module):
    """The classes and functions `module`'s own code defines at its top level, sorted (taken once it
    is loaded, before a runner puts the reference's pieces in its globals)."""
    try:
        return _sorted(k for k, v in _vars(module).items()
                       if _type(k) is str and not k.startswith("_") and _isinstance(v, (type, types.FunctionType))
                       and _getattr(v, "__module__", None) == module.__name__)
    except BaseException:
        return []


def _kind(name):
    return "class" if name[:1].isupper() else "function"


def missing_name(exc, mods, defined):
    """The structure verdict, as values {structure, mistake, missing}, when the exercise's runner
    fetched a name from one of the student's modules (`mods`; `defined`: id -> own_names of each, as
    loaded) that the module does not have
    (no class Neuron in nn.py), else None. The one place any runner's fetch of a student's name, the
    kit's or a course's, becomes a verdict rather than a raw AttributeError: the fetch must be the
    runner's own (its innermost frame), on the student's module itself."""
    try:
        return _missing_name(exc, mods, defined)
    except BaseException:  # an odd object of the student's: the raw error then
        return None


def _missing_name(exc, mods, defined):
    if not _isinstance(exc, AttributeError):
        return None
    obj, name, frame = _getattr(exc, "obj", None), _getattr(exc, "name", None), _innermost(exc)
    if frame is None or frame.filename != RUNNER_FILE or _type(name) is not str or not name:
        return None
    if not any(obj is m for m in mods.values()):
        return None
    file = _getattr(obj, "__file__", None) or ""
    work = os.getcwd().rstrip("/") + "/"
    file = file[_len(work):] if _type(file) is str and file.startswith(work) else f"{obj.__name__}.py"
    own = defined.get(id(obj))
    if own is None:
        own = own_names(obj)
    head = f"{file} has no {_kind(name)} {name}"
    near = [k for k in own if k.lower() == name.lower()]
    if near:
        tail = f"; it defines {near[0]} (names are case-sensitive)"
    elif not own:
        tail = "; it defines no class or function at its top level"
    elif _len(own) <= MAX_LISTED:
        tail = "; it defines " + ", ".join(own)
    else:
        tail = f"; it defines {_len(own)} classes and functions, none of that name"
    return {"structure": f"{head}{tail}", "mistake": "missing_name", "missing": head}


def missing_method(exc, mods, ref=None):
    try:
        return _missing_method(exc, mods, ref or {})
    except BaseException:  # an odd object of the student's: the raw error then
        return None


def _missing_method(exc, mods, ref):
    """'your tanh calls Value.exp, which your Value does not have' when student code (the innermost
    frame in a student file: `where` says which and its line) used an attribute that an object of
    one of the student's own classes does not have; 'your __call__ calls Value.sigmoid, which the
    kit's Value does not have (...)' when it was the kit's Value standing in for the student's
    engine (nn and train tests); else None."""
    if not _isinstance(exc, AttributeError):
        return None
    obj, name, frame = _getattr(exc, "obj", None), _getattr(exc, "name", None), _innermost(exc)
    work = os.getcwd().rstrip("/") + "/"
    if frame is None or not (frame.filename or "").startswith(work) or _type(name) is not str or not name:
        return None  # not raised by the student's own code
    cls = _type(obj)
    line = frame.line or ""
    verb = "calls" if f".{name}(" in line else "uses"
    what = frame.name if frame.name != "<module>" else "code"
    engine = ref.get("student_engine")
    if engine is not None and (cls is engine.Value or cls is ref["engine"].Value):
        has = [k for k in _sorted(_vars(ref["engine"].Value)) if not k.startswith("_") and k not in ("data", "grad")]
        return (f"your {what} {verb} Value.{name}, which the kit's Value does not have (it stands in for your "
                f"engine here, with +, -, *, /, ** and {', '.join(has)})")
    if not any(_vars(m).get(cls.__name__) is cls and cls.__module__ == m.__name__ for m in mods.values()):
        return None  # not the student's class (a float, the kit's Neuron standing in for theirs)
    return f"your {what} {verb} {cls.__name__}.{name}, which your {cls.__name__} does not have"


# ---------------------------------------------------------------------------------------------
# confinement, applied by the child to itself before any student code runs

def limit(limits, nproc=None):
    """Resource limits: CPU seconds, address space, size of written files, no core dumps, and where
    the test has a user of its own (a sandbox's user namespace, or run_as) the number of processes."""
    import resource

    cpu = max(1, int(limits["cpu"]))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory"], limits["memory"]))
    disk = limits.get("disk", limits["output"])
    resource.setrlimit(resource.RLIMIT_FSIZE, (disk, disk))  # files only: output goes to a pipe
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if nproc:
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))


def become(uid, gid, nproc=64):
    """Drop root for an unprivileged user, with few processes allowed."""
    import resource

    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))


class CappedOutput(io.RawIOBase):
    """stdout and stderr of the student's code: written to the output pipe up to `budget[0]` bytes
    in all, then dropped without an error (the parent cuts the pipe at the same limit and says so)."""

    def __init__(self, fd, budget):
        self.fd, self.budget = fd, budget

    def writable(self):
        return True

    def write(self, data):
        n = _len(data)
        room = self.budget[0]
        if room > 0:
            chunk = bytes(data[:room])
            while chunk:
                try:
                    chunk = chunk[_write(self.fd, chunk):]
                except OSError:
                    break
            self.budget[0] = room - n
        return n


def capped_streams(limit_bytes):
    """Replace sys.stdout and sys.stderr by capped writers sharing one budget."""
    budget = [limit_bytes + 1]  # one byte past the limit tells the parent there was more
    for name, fd in (("stdout", 1), ("stderr", 2)):
        stream = io.TextIOWrapper(io.BufferedWriter(CappedOutput(fd, budget)), encoding="utf-8",
                                  errors="backslashreplace", line_buffering=True, write_through=True)
        _setattr(sys, name, stream)


# Linux Landlock: after confine(), this process and its children can read only `read` paths and
# write only under `write` paths, and open no TCP connection. So student code cannot read an
# answer key on disk, or anything else of the grader's, even when it runs as the same user.
_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446
_PR_SET_NO_NEW_PRIVS = 38
_FS_READ = (1 << 0) | (1 << 2) | (1 << 3)  # execute, read file, read dir
_FS_WRITE = (1 << 1) | (1 << 4) | (1 << 5) | (1 << 7) | (1 << 8) | (1 << 14)  # write, rm, mkdir, mkfile, truncate
_FILE_RIGHTS = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 14)


_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6


def landlock_abi():
    """The kernel's Landlock ABI version, or 0 where there is none (or it is refused)."""
    if not sys.platform.startswith("linux"):
        return 0  # syscall 444 means something else elsewhere
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        abi = libc.syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    except (OSError, AttributeError):
        return 0
    return abi if abi > 0 else 0


def confine(read, write):
    """Apply Landlock rules; returns the ABI version used, or 0 where the kernel has no Landlock.

    From ABI 6 on, the domain is also scoped: no signal to a process outside it (the grader, other
    students' tests) and no connection to an abstract unix socket created outside it."""
    import ctypes

    abi = landlock_abi()
    if abi < 1:
        return 0
    libc = ctypes.CDLL(None, use_errno=True)
    handled = (1 << 13) - 1  # every right of ABI 1
    if abi >= 2:
        handled |= 1 << 13  # refer
    if abi >= 3:
        handled |= 1 << 14  # truncate
    net = 0b11 if abi >= 4 else 0  # bind and connect TCP: handled, never allowed
    scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL if abi >= 6 else 0

    class RulesetAttr(ctypes.Structure):
        _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                    ("scoped", ctypes.c_uint64)]

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

    attr = RulesetAttr(handled, net, scoped)
    size = 24 if scoped else 16 if net else 8  # the struct as the kernel's ABI knows it
    ruleset = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for paths, rights in ((read, _FS_READ), (write, _FS_READ | _FS_WRITE)):
            for path in paths:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue  # a path this system does not have
                try:
                    allowed = rights & handled if os.path.isdir(path) else rights & handled & _FILE_RIGHTS
                    rule = PathBeneath(allowed, fd)
                    if libc.syscall(_SYS_ADD_RULE, ruleset, 1, ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
                        raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
                finally:
                    os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if libc.syscall(_SYS_RESTRICT_SELF, ruleset, ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
    return abi


def load(name, path, definitions_only=False):
    """Import the file at `path` as module `name`, registered in sys.modules. `definitions_only`:
    its top-level loops, bare calls, `with` and `if` blocks left out (see definitions)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    if definitions_only:
        with open(path, "rb") as f:
            code = compile(definitions(f.read(), path), path, "exec", dont_inherit=True)
        exec(code, _vars(module))
    else:
        spec.loader.exec_module(module)
    return module


def definitions(source, path):
    """The module's syntax tree with only imports, classes, functions, assignments, `try` blocks and
    docstrings kept at its top level (line numbers unchanged): what a file that runs a whole training
    when imported (no `if __name__ == "__main__":`) can still be graded on."""
    import ast

    tree = ast.parse(source, path)
    keep = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
            ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Try)
    tree.body = [n for n in tree.body
                 if _isinstance(n, keep) or (_isinstance(n, ast.Expr) and _isinstance(n.value, ast.Constant))]
    return tree


def package(name, folder):
    """An empty package `name` whose submodules are found in `folder`: its __init__.py is not run
    (a package's __init__ often imports every part, the graded one's stand-ins included)."""
    module = sys.modules.get(name)
    if module is None:
        module = types.ModuleType(name)
        module.__path__ = [folder]
        sys.modules[name] = module
    return module


def load_part(part, source, ref, definitions_only=False):
    """The student's module for `part`, from the work folder's `source` (grader/pipeline/shapes.py chose it):
    loaded once, registered as `part` and under its package name too (micrograd/engine.py is both
    `engine` and `micrograd.engine`), so `from engine import Value` and `from micrograd.engine import
    Value` both work. Where the reference engine stands in (nn and train tests), it does under both
    names, and a file that defines its own Value next to the graded classes (one file holding
    everything) gets the reference's Value put in its globals once loaded: the Neuron graded is the
    student's, the Value it computes with the reference's, as with the kit's separate files."""
    work = os.getcwd()
    folder, base = os.path.split(source)
    if folder:
        pkg = folder.replace("/", ".")
        package(pkg, os.path.join(work, folder))
        sys.path.insert(0, os.path.join(work, folder))  # siblings by plain name too
    engine = ref.get("student_engine")
    if engine is not None:
        mg = package("micrograd", os.path.join(work, "micrograd"))
        sys.modules["micrograd.engine"] = engine
        _setattr(mg, "engine", engine)
    module = load(part, os.path.join(work, source), definitions_only)
    if folder:
        sys.modules[f"{folder.replace('/', '.')}.{base[:-3]}"] = module
    if engine is not None and base != "engine.py" and _isinstance(_vars(module).get("Value"), type):
        _setattr(module, "Value", engine.Value)
    return module


# ---------------------------------------------------------------------------------------------
# the exercise's own runner: its child-side source (grader/exercises/child/), sent in the job,
# runs in this module's namespace, so it uses the helpers above and its functions are guarded
# against monkeypatching like the child's own

def load_runner(source, code=None):
    """Define the exercise's runner functions here, before any student code runs. `code`: the
    parent's compilation of `source` (base64 of a .pyc's bytes: magic number, flags, hash, code),
    used when this interpreter's magic number is the same, else `source` is compiled here."""
    if code:
        import base64
        import marshal

        data = base64.b64decode(code)
        if data[:4] == importlib.util.MAGIC_NUMBER:
            exec(marshal.loads(data[16:]), globals())
            return
    exec(compile(source, RUNNER_FILE, "exec"), globals())


def load_reference(ref_dir):
    """The reference pieces this test was given (only those: see sandbox.PIECES), loaded before
    student code and then hidden from its imports."""
    present = [name for name in ("data", "engine", "nn", "losses", "optim")
               if os.path.exists(os.path.join(ref_dir, "micrograd_ref", name + ".py"))]
    if not present:
        return {}
    sys.path.insert(0, ref_dir)
    ref = {name: importlib.import_module(f"micrograd_ref.{name}") for name in present}
    sys.path.remove(ref_dir)
    for name in [m for m in sys.modules if m == "micrograd_ref" or m.startswith("micrograd_ref.")]:
        del sys.modules[name]
    importlib.invalidate_caches()
    if "engine" in ref:
        # What `from engine import Value` gets in nn.py and train.py: the reference's Value, as a
        # subclass that takes new attributes, so that student code may keep state on a parameter
        # (an AdamW storing p.m and p.v, as the published micrograd does) where __slots__ would refuse.
        engine = types.ModuleType("engine")
        engine.__dict__.update({k: v for k, v in vars(ref["engine"]).items() if not k.startswith("__")})
        engine.Value = type("Value", (ref["engine"].Value,), {"__module__": "engine"})
        ref["student_engine"] = sys.modules["engine"] = engine
    return ref


class Cases:
    """The parent's side of the case pipe: the job first, then one case per call of next()."""

    def __init__(self, fd):
        self.fd, self.buf = fd, b""

    def line(self):
        while b"\n" not in self.buf:
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return b""
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def next(self):
        """The next case, or None when there are no more."""
        line = self.line()
        return json.loads(line) if line.strip() else None


def lowest(fd):
    """`fd` moved to the lowest free number: in a fresh child the pipes are then 3 and 4 whatever the
    parent's numbers were, so that code touching descriptors behaves the same in every run."""
    new = os.dup(fd)
    if new > fd:
        os.close(new)
        return fd
    os.close(fd)
    return new


_ADDR_NO_RANDOMIZE = 0x0040000


def fixed_addresses():
    """Address space randomisation off and a fixed hash seed, so that object addresses, and with them
    the order of a set of Values (hashed by address), and the order of a set of strings repeat run to
    run: the same submission gets the same report. Both take effect at exec, so the child executes
    itself again once, its descriptors kept (bubblewrap does not turn randomisation off; where
    personality() is refused, addresses stay random)."""
    if not sys.platform.startswith("linux") or not needs_fixing():
        return
    # the pipes at the lowest numbers first: the arguments, and so what is allocated before student
    # code runs, are then the same whatever numbers the parent's descriptors had
    fds = [str(lowest(int(fd))) for fd in sys.argv[1:3]]
    for fd in fds:
        os.set_inheritable(int(fd), True)
    start_again([sys.argv[0], *fds])


def needs_fixing():
    """Turns address space randomisation off for the next exec; True when this process still has
    random addresses or random string hashes (then start_again), False when both are fixed (or
    personality() is refused and hashes are fixed). The forked core's template asks it too."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        current = libc.personality(ctypes.c_ulong(0xFFFFFFFF))
    except (OSError, AttributeError):
        current = -1
    aslr = current >= 0 and not current & _ADDR_NO_RANDOMIZE
    if aslr and libc.personality(ctypes.c_ulong(current | _ADDR_NO_RANDOMIZE)) < 0:
        aslr = False
    return aslr or bool(sys.flags.hash_randomization)


def start_again(argv):
    """Execute this interpreter again with `argv`, hash seed 0. `-I` ignores PYTHONHASHSEED, so this
    start spells out what -I means (-s -S -P) and passes an environment of its own choosing."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "OPENBLAS_NUM_THREADS")}
    env["PYTHONHASHSEED"] = "0"
    os.execve(sys.executable, [sys.executable, "-s", "-S", "-P", *argv], env)


def main():
    fixed_addresses()
    serve(lowest(int(sys.argv[1])), lowest(int(sys.argv[2])))


def write_files(files, folder):
    """The job's files ({relative path: base64}, forked core: grader/pipeline/child_template.py) written into
    `folder`, a fresh tmpfs of this test's own, before any of them is loaded."""
    import base64

    for name, data in files.items():
        parts = name.split("/")
        if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
            continue  # the parent sends only safe relative paths (sandbox._safe_relative): checked again
        path = os.path.join(folder, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))


def serve(fd, cases_fd):
    """Grade one test id: read the job on `cases_fd`, then its cases one at a time; events on `fd`."""
    # the events pipe, as locals of this frame: nothing student code can reach (an object's attributes could be)
    pipe, emit = (os.fstat(fd).st_dev, os.fstat(fd).st_ino), send_event
    cases = Cases(cases_fd)
    job = json.loads(cases.line())
    if "files" in job:  # the forked core: the student's files and the reference pieces come with the job
        write_files(job.pop("files"), os.getcwd())
        write_files(job.pop("pieces"), job["ref_dir"])
    test_id, part = job["test_id"], job["test_id"].split(".")[0]
    student_files = set(job["student_files"])
    source = job.get("source") or part + ".py"
    definitions_only = bool(job.get("definitions_only"))
    limit(job["limits"], job.get("nproc"))
    capped_streams(job["limits"]["output"])
    ref = load_reference(job["ref_dir"]) if part != "engine" else {}
    if job.get("landlock", True):
        confine(read=job["read"], write=job["write"])
    if job.get("become"):
        become(*job["become"], nproc=job.get("nproc") or 64)
    sys.path.insert(0, os.getcwd())
    sys.path.extend(job.get("site", []))  # numpy and graphviz, read-only, where the grader has them
    load_runner(job["runner"]["source"], job["runner"].get("code"))
    sys.dont_write_bytecode = True  # a student file is imported once: its bytecode is never read again
    runner, runner_args = globals()[job["runner"]["entry"]], job["runner"]["args"]
    del job  # nothing of the job is left for student code to find but what this frame needs
    before = snapshot()
    # bound here, before student code: a name or attribute it rebinds later changes none of these
    check, check_code, check_defaults = tampered, tampered.__code__, tampered.__defaults__

    try:
        mods = {part: load_part(part, source, ref, definitions_only)}
    except BaseException as exc:  # SystemExit and KeyboardInterrupt too: nothing may end the child silently
        changed = (check(before) if check.__code__ is check_code and check.__defaults__ is check_defaults
                   else ["grader.tampered"])
        if changed:
            emit(fd, pipe, event="tamper", what=changed[:10])
        emit(fd, pipe, event="import_error", type=_type(exc).__name__, message=safe_str(exc), where=where(exc, student_files))
        emit(fd, pipe, event="done")
        return
    defined = {id(m): own_names(m) for m in mods.values()}  # before the check: it reads the student's classes
    changed = (check(before) if check.__code__ is check_code and check.__defaults__ is check_defaults
                   else ["grader.tampered"])  # before anything is sent: sending needs the real builtins
    if changed:
        emit(fd, pipe, event="tamper", what=changed[:10])
        emit(fd, pipe, event="done")
        return
    emit(fd, pipe, event="ready")

    i = 0
    while True:
        case = cases.next()
        if case is None:
            break
        emit(fd, pipe, event="start", case=i)
        try:
            values, error = runner(mods, case, ref, **runner_args), None
        except BaseException as exc:
            values, error = missing_name(exc, mods, defined), exc
            if values is not None:
                error = None
        case = None
        changed = (check(before) if check.__code__ is check_code and check.__defaults__ is check_defaults
                   else ["grader.tampered"])
        if changed:
            emit(fd, pipe, event="tamper", what=changed[:10])
            break
        if error is not None:
            emit(fd, pipe, event="error", case=i, type=_type(error).__name__,
                 message=missing_method(error, mods, ref) or safe_str(error), where=where(error, student_files))
        else:
            emit(fd, pipe, event="result", case=i, values=values)
        values = error = None
        i += 1
    emit(fd, pipe, event="done")


def safe_str(exc):
    try:
        return str(exc)[:300]
    except BaseException:
        return "<unprintable>"


if __name__ == "__main__":
    main()
