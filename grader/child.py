"""The child side of grading: runs one test id's cases against a student's code, in its own process.

Started by the parent (grader/sandbox.py) as `python -I -S child.py JOB`, in a temporary folder
holding copies of the student's files, with time, memory and output limits. It uses the standard
library only and imports nothing of the kit, so student code cannot reach the grader, PyTorch or
the answer key through it. It never sees an expected value: it only runs cases and sends back
what the student's code produced, one JSON line per event on a private pipe. The parent decides
what those numbers are worth.

Events: {"event": "ready"}, {"event": "import_error", ...}, {"event": "start", "case": i},
{"event": "result", "case": i, "values": {...}}, {"event": "error", "case": i, ...},
{"event": "tamper", "what": [...]}, {"event": "done"}.
"""
import builtins
import importlib.util
import json
import math
import os
import sys
import traceback
import types

# Captured before any student code runs: a student may replace the module attributes, not these.
_dumps, _write, _isinstance, _type, _float, _len, _list = json.dumps, os.write, isinstance, type, float, len, list
_getattr, _setattr, _range, _zip = getattr, setattr, range, zip


_GUARDED = (("builtins", builtins), ("math", math), ("json", json), ("os", os), ("sys", sys))
_callable, _vars, _sorted, _dict = callable, vars, sorted, dict


def snapshot():
    """A copy of everything a student could monkeypatch that matters to grading."""
    saved = {name: _dict(_vars(module)) for name, module in _GUARDED}
    saved["grader"] = {k: v for k, v in globals().items() if _isinstance(v, types.FunctionType)}
    return saved


def tampered(saved):
    """Names replaced since `saved` was taken; the originals are put back, so reporting still works."""
    changed = []
    for name, module in _GUARDED + (("grader", None),):
        current = _vars(module) if module is not None else globals()
        for key, value in saved[name].items():
            if (name == "grader" or _callable(value)) and not key.startswith("__") and current.get(key) is not value:
                changed.append(f"{name}.{key}")
                current[key] = value
    return _sorted(changed)


class Channel:
    """The pipe to the parent: one JSON line per event."""

    def __init__(self, fd):
        self.fd = fd

    def send(self, **event):
        data = (_dumps(event, allow_nan=True) + "\n").encode()
        while data:
            data = data[_write(self.fd, data):]


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
    """'engine.py, line 42, in tanh' for the innermost frame in a student file, else ''."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if os.path.basename(frame.filename) in student_files:
            return f"{os.path.basename(frame.filename)}, line {frame.lineno}, in {frame.name}"
    if _isinstance(exc, SyntaxError) and exc.filename:
        return f"{os.path.basename(exc.filename)}, line {exc.lineno}"
    return ""


# ---------------------------------------------------------------------------------------------
# confinement, applied by the child to itself before any student code runs

def limit(limits):
    """Resource limits: CPU seconds, address space, size of written files, no core dumps."""
    import resource

    cpu = max(1, int(limits["cpu"]))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory"], limits["memory"]))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["output"], limits["output"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def become(uid, gid):
    """Drop root for an unprivileged user, with few processes allowed."""
    import resource

    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    resource.setrlimit(resource.RLIMIT_NPROC, (64, 64))


# Linux Landlock: after confine(), this process and its children can read only `read` paths and
# write only under `write` paths, and open no TCP connection. So student code cannot read an
# answer key on disk, or anything else of the grader's, even when it runs as the same user.
_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446
_PR_SET_NO_NEW_PRIVS = 38
_FS_READ = (1 << 0) | (1 << 2) | (1 << 3)  # execute, read file, read dir
_FS_WRITE = (1 << 1) | (1 << 4) | (1 << 5) | (1 << 7) | (1 << 8) | (1 << 14)  # write, rm, mkdir, mkfile, truncate
_FILE_RIGHTS = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 14)


def confine(read, write):
    """Apply Landlock rules; returns the ABI version used, or 0 where the kernel has no Landlock."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        abi = libc.syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    except (OSError, AttributeError):
        return 0
    if abi < 1:
        return 0
    handled = (1 << 13) - 1  # every right of ABI 1
    if abi >= 2:
        handled |= 1 << 13  # refer
    if abi >= 3:
        handled |= 1 << 14  # truncate
    net = 0b11 if abi >= 4 else 0  # bind and connect TCP: handled, never allowed

    class RulesetAttr(ctypes.Structure):
        _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64)]

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

    attr = RulesetAttr(handled, net)
    size = ctypes.sizeof(attr) if net else 8
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


def system_paths():
    """What the interpreter itself may need to read: its installation and the system's libraries."""
    paths = {sys.base_prefix, sys.base_exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    paths |= {"/usr", "/lib", "/lib64", "/etc/ld.so.cache", "/etc/localtime", "/dev/null", "/dev/urandom"}
    return sorted(paths)


def load(name, path):
    """Import the file at `path` as module `name`, registered in sys.modules."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------------------------------
# the exercise's own runner: its child-side source (grader/exercises/child/), sent in the job,
# runs in this module's namespace, so it uses the helpers above and its functions are guarded
# against monkeypatching like the child's own

def load_runner(source):
    """Define the exercise's runner functions here, before any student code runs."""
    exec(compile(source, "<exercise runner>", "exec"), globals())


def load_reference(ref_dir):
    """The reference modules, loaded before student code and then hidden from its imports."""
    sys.path.insert(0, ref_dir)
    import micrograd_ref.data
    import micrograd_ref.engine
    import micrograd_ref.losses
    import micrograd_ref.nn
    import micrograd_ref.optim

    ref = {name: sys.modules[f"micrograd_ref.{name}"] for name in ("engine", "nn", "losses", "optim", "data")}
    sys.path.remove(ref_dir)
    for name in [m for m in sys.modules if m == "micrograd_ref" or m.startswith("micrograd_ref.")]:
        del sys.modules[name]
    # What `from engine import Value` gets in nn.py and train.py: the reference's Value, as a
    # subclass that takes new attributes, so that student code may keep state on a parameter
    # (an AdamW storing p.m and p.v, as the published micrograd does) where __slots__ would refuse.
    engine = types.ModuleType("engine")
    engine.__dict__.update({k: v for k, v in vars(ref["engine"]).items() if not k.startswith("__")})
    engine.Value = type("Value", (ref["engine"].Value,), {"__module__": "engine"})
    ref["student_engine"] = sys.modules["engine"] = engine
    return ref


def main():
    with open(sys.argv[1]) as f:
        job = json.load(f)
    channel = Channel(job["fd"])
    test_id, part = job["test_id"], job["test_id"].split(".")[0]
    student_files = set(job["student_files"])
    sys.setrecursionlimit(job.get("recursion_limit", 1000))
    limit(job["limits"])
    ref = load_reference(job["ref_dir"]) if part != "engine" else None
    if job.get("confine", True):
        confine(read=system_paths() + [job["scratch"]], write=[os.getcwd()])
    if job.get("run_as"):
        become(*job["run_as"])
    sys.path.insert(0, os.getcwd())
    load_runner(job["runner"]["source"])
    runner, runner_args = globals()[job["runner"]["entry"]], job["runner"]["args"]
    before = snapshot()

    try:
        mods = {part: load(part, os.path.join(os.getcwd(), part + ".py"))}
    except BaseException as exc:  # SystemExit and KeyboardInterrupt too: nothing may end the child silently
        changed = tampered(before)
        if changed:
            channel.send(event="tamper", what=changed[:10])
        channel.send(event="import_error", type=_type(exc).__name__, message=safe_str(exc), where=where(exc, student_files))
        channel.send(event="done")
        return
    changed = tampered(before)  # before anything is sent: sending needs the real builtins
    if changed:
        channel.send(event="tamper", what=changed[:10])
        channel.send(event="done")
        return
    channel.send(event="ready")

    for i, case in enumerate(job["cases"]):
        channel.send(event="start", case=i)
        try:
            values, error = runner(mods, case, ref, **runner_args), None
        except BaseException as exc:
            values, error = None, exc
        changed = tampered(before)
        if changed:
            channel.send(event="tamper", what=changed[:10])
            break
        if error is not None:
            channel.send(event="error", case=i, type=_type(error).__name__, message=safe_str(error),
                         where=where(error, student_files))
        else:
            channel.send(event="result", case=i, values=values)
    channel.send(event="done")


def safe_str(exc):
    try:
        return str(exc)[:300]
    except BaseException:
        return "<unprintable>"


if __name__ == "__main__":
    main()
