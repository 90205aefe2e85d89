"""Running one test id's cases in a child process, contained, and reading back what it sent.

Layers, outermost first (each where the platform has it; `probe()` says which, `plan()` decides
whether that is enough):

- bubblewrap: the child runs in its own PID, network, IPC, UTS and mount namespaces. Its file
  system is the interpreter's files and the system libraries, read-only, the grader's child
  script and the reference pieces its test needs (read-only), and a work folder that is a tmpfs
  of a few MiB holding the student's files, written there from the bytes the parent read (see
  grader/pipeline/intake.py). When the test ends its PID namespace ends, and with it every process the
  student's code started, daemons included.
- seccomp (a BPF program built here, loaded by bubblewrap): no socket of any family, no socketpair,
  no io_uring (which can open sockets on its own), no syscalls of another architecture.
- Landlock (applied by the child to itself, grader/pipeline/child.py): reads only the interpreter's files
  and its own folders, writes only its work folder, no TCP; on kernels with ABI 6, no signals to
  and no abstract unix sockets of processes outside the test.
- cgroups, as root: memory and process count of the whole test (cgroup v2 where the grader's
  cgroup lets it create children with both controllers, else v1's memory and pids controllers).
  Without them (an unprivileged grader), RLIMIT_NPROC in the test's own user namespace bounds the
  number of processes, so memory is bounded by processes x the address-space limit.
- rlimits on CPU time, address space and core dumps; a wall-clock limit enforced here.

That is the fresh core: a sandbox and an interpreter per test id. The forked core
(grader/pipeline/fork_core.py, the default where bubblewrap is there) starts one such sandbox per
submission, holding a template that forks each test id's child into namespaces, cgroups and a work
folder of its own; the child then goes on as a fresh one does (its job, rlimits, Landlock, its
checks, the same pipes and the same checks of what comes back, here).

Cases are handed over one at a time on a pipe, each after the previous one's result came back, so
the child never holds more of the case list than the case it runs. What comes back is checked here:
one JSON event per line, in the expected order, nothing else. Output (stdout and stderr) comes on
a pipe of its own and is cut past the limit.
"""
import ast
import base64
import contextlib
import dataclasses
import functools
import json
import os
import pathlib
import platform
import selectors
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping

from grader.pipeline import protocol
from grader.paths import KIT_ROOT, STUDENT_FILES

CHILD = pathlib.Path(__file__).resolve().parent / "child.py"
MODES = ("required", "available", "none")


@dataclasses.dataclass
class Limits:
    """Per test id: wall seconds, CPU seconds, memory and output bytes, the size of each student
    file, of the work folder, and the number of processes."""

    wall: float = 5.0
    cpu: float = 10.0
    memory: int = 1 << 30
    output: int = 1 << 20
    file: int = 1 << 20
    disk: int = 8 << 20
    processes: int = 64


@dataclasses.dataclass
class RunOutcome:
    """What a child reported: results and errors per case, and how the process ended."""

    test_id: str
    results: dict = dataclasses.field(default_factory=dict)  # case index -> values
    errors: dict = dataclasses.field(default_factory=dict)  # case index -> {type, message, where}
    import_error: dict | None = None
    tamper: list = dataclasses.field(default_factory=list)
    status: str = "ok"  # ok | timeout | crashed | memory | exited | protocol | internal
    message: str = ""
    running_case: int | None = None
    output: str = ""  # what the student's code printed, cut to a few lines
    elapsed: float = 0.0


def resolve_user(name):
    """(uid, gid) of user `name`, or None when not running as root or no name is given."""
    if not name or os.geteuid() != 0:
        return None
    import pwd

    entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid


# ---------------------------------------------------------------------------------------------
# what the platform offers, and whether that is enough

class ConfinementMissing(Exception):
    """Instructor-side grading was asked for, and a protection it needs is missing; the message
    names each one and how to enable it."""


@dataclasses.dataclass(frozen=True)
class Sandbox:
    """The layers a run uses: bubblewrap's path ('' for none), seccomp, the Landlock ABI (0 for
    none), the cgroup version ('v2', 'v1' or '') and the mode that chose them."""

    bwrap: str = ""
    seccomp: bool = False
    landlock: int = 0
    cgroup: str = ""
    mode: str = "available"
    broken: str = ""  # why an installed bubblewrap could not be used

    def describe(self):
        """One line: what confines student code here."""
        if self.mode == "none":
            return 'limits only (opted out: [grading] confinement = "none")'
        layers = (["bubblewrap"] if self.bwrap else []) + (["seccomp"] if self.seccomp else []) + (
            [f"Landlock v{self.landlock}"] if self.landlock else []) + ([f"cgroup {self.cgroup}"] if self.cgroup else [])
        short = dict(SHORT_HOW, **({"bubblewrap": "installed, but it cannot start a sandbox here"} if self.broken else {}))
        gaps = "; ".join(f"no {what}: {short[what]}" if what in short else f"no {what}" for what, _ in missing(self))
        if not layers:
            return f"limits only ({gaps})"
        return " + ".join(layers) + (f" ({gaps})" if gaps else "")


HOW_TO_ENABLE = {
    "bubblewrap": "apt-get install bubblewrap (and allow unprivileged user namespaces: "
                  "sysctl kernel.unprivileged_userns_clone=1 / kernel.apparmor_restrict_unprivileged_userns=0)",
    "seccomp": "a Linux kernel with seccomp filters on x86_64 or aarch64 (needs bubblewrap to load it)",
    "Landlock": "Linux 5.13 or newer with Landlock enabled (boot with lsm=...,landlock)",
}


SHORT_HOW = {"bubblewrap": "apt-get install bubblewrap"}


def missing(sandbox):
    """[(protection, how to enable it)] for every protection instructor-side grading needs that
    `sandbox` does not use."""
    need = {"bubblewrap": sandbox.bwrap, "seccomp": sandbox.seccomp, "Landlock": sandbox.landlock}
    how = dict(HOW_TO_ENABLE)
    if sandbox.broken:
        how["bubblewrap"] = (f"{sandbox.broken}: allow unprivileged user namespaces, and make the interpreter "
                             "readable by the run_as user")
    return [(what, how[what]) for what, have in need.items() if not have]


def probe(python=None, run_as=None):
    """The strongest Sandbox this platform offers for `python` (default: this interpreter), started
    as user `run_as` ((uid, gid), or this process's user)."""
    return _probe(os.path.realpath(python or sys.executable), os.environ.get("PATH", ""), os.geteuid(),
                  tuple(run_as) if run_as else None)


@functools.lru_cache(maxsize=8)
def _probe(python, path, euid, run_as):
    bwrap = shutil.which("bwrap", path=path) or ""
    if bwrap and sys.platform == "linux":
        # user namespaces can be refused (a container's profile, a sysctl, for one user and not
        # another): try once, cheaply, as the user the children will run as
        user = {"user": run_as[0], "group": run_as[1], "extra_groups": []} if run_as else {}
        try:
            trial = subprocess.run([bwrap, *_bwrap_system_args(python), "--", python, "-I", "-S", "-c", ""],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=10, **user)
            broken = "" if trial.returncode == 0 else (trial.stderr.decode("utf-8", "replace").strip()[:200]
                                                       or f"exit status {trial.returncode}")
        except (OSError, subprocess.SubprocessError) as exc:
            broken = str(exc)
        if broken:
            return Sandbox(landlock=_landlock_abi(), cgroup=_cgroup_version(euid),
                           broken=f"{bwrap} is installed but could not start a sandbox here ({broken})")
    else:
        bwrap = ""
    return Sandbox(bwrap=bwrap, seccomp=bool(bwrap) and seccomp_program() is not None,
                   landlock=_landlock_abi(), cgroup=_cgroup_version(euid))


def _landlock_abi():
    from grader.pipeline import child  # standard library only: the same check the child makes

    return child.landlock_abi()


def plan(mode="required", instructor=False, python=None, run_as=None):
    """The Sandbox to run with: under mode "required", instructor-side grading raises
    ConfinementMissing when a protection is missing; "available" takes what there is; "none" runs
    with resource limits only. A student's own check (not `instructor`) always takes what there is."""
    if mode not in MODES:
        raise ValueError(f"confinement must be one of {', '.join(MODES)} (got {mode!r})")
    if mode == "none":
        return Sandbox(mode="none")
    found = dataclasses.replace(probe(python, run_as), mode=mode)
    gaps = missing(found)
    if mode == "required" and instructor and gaps:
        raise ConfinementMissing(
            "refusing to run student code without " + ", ".join(what for what, _ in gaps) + ". "
            + " ".join(f"To enable {what}: {how}." for what, how in gaps)
            + ' To grade anyway, with every report saying so, set [grading] confinement = "none" in grader.toml.')
    return found


# ---------------------------------------------------------------------------------------------
# seccomp: a classic BPF program (struct sock_filter[]) that bubblewrap loads before the child starts

# (audit arch, syscall numbers to refuse with EPERM, the first number of another ABI or None)
_ARCH = {
    "x86_64": (0xC000003E, {"socket": 41, "socketpair": 53, "io_uring_setup": 425}, 0x40000000),  # x32 above
    "aarch64": (0xC00000B7, {"socket": 198, "socketpair": 199, "io_uring_setup": 425}, None),
}
_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
_RET_ALLOW, _RET_KILL, _RET_EPERM = 0x7FFF0000, 0x80000000, 0x00050000 | 1
_SECCOMP_DATA_NR, _SECCOMP_DATA_ARCH = 0, 4  # offsets in struct seccomp_data


def seccomp_program(machine=None):
    """The filter's bytes for this machine's architecture, or None where the kit has no table."""
    entry = _ARCH.get(machine or platform.machine())
    if entry is None:
        return None
    arch, refused, foreign = entry
    numbers = sorted(refused.values())
    n = len(numbers)
    # 0 load arch; 1 same arch? else kill (i386 calls on x86_64 would bypass the numbers below)
    prog = [(_LD_W_ABS, 0, 0, _SECCOMP_DATA_ARCH), (_JEQ_K, 1, 0, arch), (_RET_K, 0, 0, _RET_KILL),
            (_LD_W_ABS, 0, 0, _SECCOMP_DATA_NR)]
    if foreign is not None:  # x32 numbers (bit 30) are another ABI's: past the n checks, ALLOW, EPERM to kill
        prog.append((_JGE_K, n + 2, 0, foreign))
    # each refused number jumps to the EPERM return, past the others and ALLOW
    for i, nr in enumerate(numbers):
        prog.append((_JEQ_K, n - i, 0, nr))
    prog += [(_RET_K, 0, 0, _RET_ALLOW), (_RET_K, 0, 0, _RET_EPERM)]
    if foreign is not None:
        prog.append((_RET_K, 0, 0, _RET_KILL))
    return b"".join(struct.pack("=HBBI", *ins) for ins in prog)


# ---------------------------------------------------------------------------------------------
# cgroups (as root): memory and process count for the whole test

def _cgroup_version(euid):
    if euid != 0 or sys.platform != "linux":
        return ""
    for version in ("v2", "v1"):
        made = _make_cgroups(version, Limits())
        if made:
            _remove_cgroups(made)
            return version
    return ""


def _own_cgroup(controller):
    """This process's cgroup path for `controller` ('' for the v2 hierarchy), or None."""
    try:
        lines = pathlib.Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, names, path = line.split(":", 2)
        if names.split(",") == [controller] or (controller == "" and names == ""):
            return path
    return None


_OPTIONAL = {"memory.swap.max", "memory.memsw.limit_in_bytes"}


def _cgroup_limits(version, limits):
    """{controller: {file: value}} bounding memory and processes ("" the one v2 hierarchy)."""
    if version == "v2":
        return {"": {"memory.max": limits.memory, "memory.swap.max": 0, "pids.max": limits.processes}}
    return {"memory": {"memory.limit_in_bytes": limits.memory, "memory.memsw.limit_in_bytes": limits.memory},
            "pids": {"pids.max": limits.processes}}


def _make_cgroups(version, limits, owner=None):
    """Fresh cgroups bounding memory and processes; their folders, or [] when they cannot be made."""
    name = f"grader-{uuid.uuid4().hex[:12]}"
    wanted = _cgroup_limits(version, limits)
    if version == "v2":
        own = _own_cgroup("")
        root = pathlib.Path("/sys/fs/cgroup")
        bases = [root / own.lstrip("/")] if own is not None and (root / "cgroup.controllers").exists() else []
    else:
        bases = []
        for controller in wanted:
            own = _own_cgroup(controller)
            if own is None:
                return []
            bases.append(pathlib.Path("/sys/fs/cgroup") / controller / own.lstrip("/"))
    made = []
    try:
        for base in bases:
            folder = base / name
            folder.mkdir()
            made.append(folder)
            if owner is not None:  # the unprivileged starter moves itself in
                os.chown(folder / "cgroup.procs", owner[0], owner[1])
        _limit_cgroups(version, made, limits)
    except OSError:
        _remove_cgroups(made)
        return []
    return made


def _limit_cgroups(version, folders, limits):
    """Write `limits` into cgroups made by _make_cgroups (raises OSError)."""
    for folder, settings in zip(folders, _cgroup_limits(version, limits).values()):
        for key, value in settings.items():
            if key in _OPTIONAL and not (folder / key).exists():
                continue  # no swap accounting here: nothing to bound
            (folder / key).write_text(str(value))


def _kill_cgroups(folders):
    for folder in folders:
        try:
            pids = (folder / "cgroup.procs").read_text().split()
        except OSError:
            continue
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, PermissionError, ValueError):
                pass


def _remove_cgroups(folders):
    for folder in folders:
        # killed processes leave their cgroup a moment after the kill (most often well under a
        # millisecond): short waits first, then 5 ms ones, about a second in all
        for attempt in range(210):
            try:
                folder.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                _kill_cgroups([folder])
                time.sleep(0.0005 if attempt < 10 else 0.005)


# ---------------------------------------------------------------------------------------------
# least knowledge: which reference pieces a child gets

@functools.lru_cache(maxsize=None)
def reference_pieces(exercise, ref_dir=None):
    """{relative path: source bytes} of the reference a child of `exercise` (an Exercise, or a
    built-in test id) may hold: the modules its `pieces` name, each without the names it leaves out,
    which stand in for the student's other parts; never the reference of the piece being graded."""
    exercise = _exercise(exercise)
    ref_dir = pathlib.Path(ref_dir or KIT_ROOT / "micrograd_ref")
    if not exercise.pieces:
        return {}
    out = {"micrograd_ref/__init__.py": b""}
    for module, leave_out in exercise.pieces.items():
        source = (ref_dir / f"{module}.py").read_text()
        out[f"micrograd_ref/{module}.py"] = without(source, leave_out).encode()
    return out


@functools.lru_cache(maxsize=None)
def compiled_pieces(exercise, ref_dir="/grader/ref"):
    """reference_pieces with each module's bytecode beside it (`__pycache__`, see pyc), as the child
    at `ref_dir` would compile it: trusted code compiled once here instead of in every child. A
    child of another Python version ignores them and compiles."""
    out = dict(reference_pieces(exercise))
    for rel, data in list(out.items()):
        folder, name = rel.rsplit("/", 1)
        out[f"{folder}/__pycache__/{name[:-3]}.{sys.implementation.cache_tag}.pyc"] = pyc(data, f"{ref_dir}/{rel}")
    return out


@functools.lru_cache(maxsize=64)
def compiled_runner(source):
    """An exercise's child-side source compiled here, once (trusted code), as child.load_runner
    takes it: base64 of its pyc."""
    from grader.pipeline.child import RUNNER_FILE

    return base64.b64encode(pyc(source.encode(), RUNNER_FILE)).decode()


def pyc(data, filename):
    """Trusted source `data` compiled as `filename`, in the layout of an unchecked hash-based .pyc
    (PEP 552): this interpreter's magic number, flags, the source's hash, the marshalled code."""
    import importlib.util
    import marshal

    code = compile(data, filename, "exec", dont_inherit=True)
    header = importlib.util.MAGIC_NUMBER + (1).to_bytes(4, "little") + importlib.util.source_hash(data)
    return header + marshal.dumps(code)


def _exercise(exercise):
    """An Exercise of grader/exercises/, given one or a built-in test id."""
    if isinstance(exercise, str):
        from grader.exercises import kit

        return kit()[exercise]
    return exercise


def without(source, names):
    """`source` (trusted: the reference) without the top-level statements that define or use any of
    `names`, nor those that use what they define, and so on."""
    if not names:
        return source
    tree = ast.parse(source)
    drop, gone = set(), set(names)
    changed = True
    while changed:
        changed = False
        for i, node in enumerate(tree.body):
            if i in drop:
                continue
            defined = _defines(node)
            used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            if defined & gone or used & gone:
                drop.add(i)
                gone |= defined
                changed = True
    lines = source.splitlines(keepends=True)
    keep = []
    for i, node in enumerate(tree.body):
        if i not in drop:
            start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            keep.append("".join(lines[start - 1:node.end_lineno]))
    return "\n".join(keep)


def _defines(node):
    if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
        return {node.name}
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    return set()


# ---------------------------------------------------------------------------------------------
# running a test id

def run_cases(exercise, cases, files, limits=None, python=None, run_as=None, sandbox=None, source=None,
              definitions_only=False, template=None, slot=None):
    """Run `cases` of `exercise` (an Exercise of grader/exercises/, or a built-in test id) in a
    contained child against the student's `files` (name -> bytes, from grader/pipeline/intake.py; a folder is
    read with the same intake); never raises for anything the student's code does. `sandbox`
    (default: what this platform offers) picks the layers, Landlock included (`landlock=0` leaves it out).
    `source`: the relative path of the file this test id loads (grader/pipeline/shapes.py); given, every file
    of `files` is copied (helpers, a package's folders), else the kit's three files only, the part's
    own loaded. `definitions_only`: the child leaves the loaded file's top-level loops and calls out
    (child.definitions). `template`: a fork_core.Template of this submission, whose slot `slot`
    runs the test (the forked core); the fresh core when it is None or cannot."""
    exercise = _exercise(exercise)
    test_id = exercise.id
    limits = limits or Limits()
    if not isinstance(files, Mapping):
        from grader.pipeline import intake

        files = intake.read_submission(files, max_bytes=limits.file).files
    python = os.path.realpath(python or sys.executable)
    sandbox = sandbox if sandbox is not None else plan("available", python=python)
    started = time.monotonic()
    outcome = RunOutcome(test_id)
    names = sorted(n for n in files if _safe_relative(n)) if source else [n for n in STUDENT_FILES if n in files]

    runner = exercise.runner_source()

    def make_job(layout, events_fd):
        return {
            "test_id": test_id, "events_fd": events_fd,
            # the exercise's child-side runner (grader/exercises/child/): code that drives the student's,
            # holding no reference
            "runner": {"source": runner, "code": compiled_runner(runner), "entry": exercise.entry,
                       "args": exercise.entry_args},
            "student_files": names,
            "source": source or f"{test_id.split('.')[0]}.py", "site": layout.get("site", []),
            "definitions_only": bool(definitions_only),
            "limits": dataclasses.asdict(limits), "landlock": bool(sandbox.landlock),
            "read": layout["read"], "write": layout["write"], "ref_dir": layout["ref_dir"],
            "become": list(run_as) if run_as and not sandbox.bwrap else None,
            "nproc": limits.processes if sandbox.bwrap or run_as else None,
        }

    if template is not None and sandbox.bwrap and not template.broken:
        job = make_job(template.layout(), 3)
        # what bubblewrap's --file and --ro-bind-data give a fresh child, in its job instead
        job["files"] = {n: base64.b64encode(files[n]).decode() for n in names}
        job["pieces"] = {rel: base64.b64encode(data).decode() for rel, data in compiled_pieces(exercise).items()}
        ran = template.run(slot, job, cases, limits, started)
        if ran is not None and (ran[4] is not None or any(ran[0])):
            lines, timed_out, output, cut, returncode = ran
            outcome.output = _excerpt(output, cut_at=limits.output if cut else None)
            if returncode is None or returncode < 0:
                outcome.status = "internal"
                outcome.message = ("the grading process could not be set up: "
                                   + (template.setup_failed.get(-returncode, "its namespaces")
                                      if returncode is not None else template.broken or "the template ended"))
                outcome.elapsed = time.monotonic() - started
                return outcome
            if returncode > 128:
                returncode = 128 - returncode
            _interpret(outcome, lines, returncode, timed_out, len(cases), limits, exercise.values)
            outcome.elapsed = time.monotonic() - started
            return outcome
        # the template could not take it (gone before anything ran): the fresh core runs it
    # a scratch folder only where the files are written to disk (no bubblewrap): under bubblewrap
    # they come from memory, and a folder made for nothing outlives a grader that is killed
    with (tempfile.TemporaryDirectory(prefix="grader-") if not sandbox.bwrap else contextlib.nullcontext("")) as scratch:
        try:
            argv, layout, keep_fds = _prepare(exercise, files, names, scratch, python, run_as, sandbox, limits)
        except OSError as exc:
            outcome.status, outcome.message = "internal", f"could not prepare the grading process: {exc}"
            return outcome
        events_r, events_w = os.pipe()
        cases_r, cases_w = os.pipe()
        out_r, out_w = os.pipe()
        job = make_job(layout, events_w)
        cgroups = _make_cgroups(sandbox.cgroup, limits, owner=run_as if sandbox.bwrap else None) \
            if sandbox.cgroup else []
        if cgroups:
            # a tiny starter joins the cgroups and then becomes bubblewrap, so nothing runs outside them
            argv = ["/bin/sh", "-c", 'for f; do [ "$f" = -- ] && break; echo $$ > "$f"; shift; done; shift; exec "$@"',
                    "sh", *[str(c / "cgroup.procs") for c in cgroups], "--", *argv]
        user = {}
        if run_as and sandbox.bwrap:  # bubblewrap itself starts unprivileged, in a user namespace of its own
            user = {"user": run_as[0], "group": run_as[1], "extra_groups": []}
        argv += [str(events_w), str(cases_r)]
        try:
            proc = subprocess.Popen(
                argv, cwd=layout["cwd"], stdin=subprocess.DEVNULL, stdout=out_w, stderr=out_w,
                pass_fds=(events_w, cases_r, *keep_fds), start_new_session=True,
                env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1"}, **user)
        except OSError as exc:
            for fd in (events_r, events_w, cases_r, cases_w, out_r, out_w, *keep_fds):
                os.close(fd)
            _remove_cgroups(cgroups)
            outcome.status, outcome.message = "internal", f"could not start the grading process: {exc}"
            return outcome
        for fd in (events_w, cases_r, out_w, *keep_fds):
            os.close(fd)
        try:
            lines, timed_out, output, cut = _exchange(events_r, cases_w, out_r, job, cases,
                                                      started + limits.wall, limits.output)
        finally:
            _kill(proc, cgroups)
            _remove_cgroups(cgroups)
        outcome.output = _excerpt(output, cut_at=limits.output if cut else None)
    returncode = proc.returncode
    if sandbox.bwrap and returncode is not None and returncode > 128:
        returncode = 128 - returncode  # bubblewrap reports a child killed by signal N as 128 + N
    _interpret(outcome, lines, returncode, timed_out, len(cases), limits, exercise.values)
    outcome.elapsed = time.monotonic() - started
    return outcome


FLOOD = b"\x00flood"  # stands in for what came after the pipe carried more than any grading run sends
MAX_STREAM = 16 << 20  # bytes on the results pipe, at the least: a full legitimate run sends far less


def _prepare(exercise, files, names, scratch, python, run_as, sandbox, limits):
    """(argv, layout, fds to pass) for the child: under bubblewrap its files come from memory;
    without it they are written into `scratch`."""
    pieces = reference_pieces(exercise)
    child_source = CHILD.read_bytes()
    if not sandbox.bwrap:
        scratch = pathlib.Path(scratch)
        work = scratch / "work"
        work.mkdir()
        os.chmod(scratch, 0o755)
        for name in names:
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            (work / name).write_bytes(files[name])
        (scratch / "child.py").write_bytes(child_source)
        for rel, data in pieces.items():
            (scratch / "ref" / rel).parent.mkdir(parents=True, exist_ok=True)
            (scratch / "ref" / rel).write_bytes(data)
        if run_as is not None:
            for path in [work] + [work / n for n in names] + sorted({(work / n).parent for n in names}):
                os.chown(path, *run_as)
        site = scratch / "site"
        site.mkdir()
        for name, real in allowed_packages().items():
            (site / name).symlink_to(real, target_is_directory=True)
        layout = {"cwd": str(work), "read": system_paths(python) + [str(scratch)] + list(allowed_packages().values()),
                  "write": [str(work)], "ref_dir": str(scratch / "ref"), "site": [str(site)]}
        return [python, "-I", "-S", str(scratch / "child.py")], layout, ()
    fds = []
    data_fd = functools.partial(memory_file, fds=fds)
    try:
        argv = [sandbox.bwrap, *_bwrap_system_args(python)]
        if sandbox.seccomp:
            argv += ["--seccomp", data_fd(seccomp_program())]
        argv += ["--size", str(limits.disk), "--tmpfs", "/work"]
        for folder in sorted({os.path.dirname(n) for n in names} - {""}):
            argv += ["--dir", f"/work/{folder}"]
        for name in names:
            argv += ["--file", data_fd(files[name]), f"/work/{name}"]
        argv += ["--ro-bind-data", data_fd(child_source), "/grader/child.py"]
        for name, real in allowed_packages().items():
            argv += ["--ro-bind", real, f"{SITE}/{name}"]
        for rel, data in pieces.items():
            argv += ["--ro-bind-data", data_fd(data), f"/grader/ref/{rel}"]
        argv += ["--remount-ro", "/", "--chdir", "/work", "--", python, "-I", "-S", "/grader/child.py"]
    except OSError:
        for fd in fds:
            os.close(fd)
        raise
    layout = {"cwd": "/", "read": system_paths(python) + ["/grader"], "write": ["/work"], "ref_dir": "/grader/ref",
              "site": [SITE]}
    return argv, layout, tuple(fds)


# Third-party packages student code may import (numpy; graphviz for the lecture's draw_dot, which
# is defined but never run here), read-only, where the grader's environment has them: only these
# packages' folders are bound into the sandbox, at SITE, never the rest of the site-packages.
ALLOWED_PACKAGES = ("numpy", "graphviz")
SITE = "/grader/site"


@functools.lru_cache(maxsize=None)
def allowed_packages():
    """{folder name: real path} of the allowed packages found by the grader's interpreter (numpy's
    wheels carry their libraries in numpy.libs beside it), without importing them."""
    import importlib.util

    found = {}
    for name in ALLOWED_PACKAGES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None or not spec.submodule_search_locations:
            continue
        folder = os.path.realpath(list(spec.submodule_search_locations)[0])
        found[name] = folder
        libs = folder + ".libs"
        if os.path.isdir(libs):
            found[name + ".libs"] = libs
    return found


def _safe_relative(name):
    """A relative path that stays inside the work folder (shapes.py builds them; checked again)."""
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and all(p and p not in (".", "..") for p in parts)


def memory_file(data, fds):
    """An in-memory file holding `data` (bubblewrap's --file / --ro-bind-data / --seccomp read it by
    descriptor), its descriptor appended to `fds` for the caller to close; the descriptor as text."""
    fd = os.memfd_create("grader", os.MFD_CLOEXEC)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    fds.append(fd)
    return str(fd)


def _bwrap_system_args(python):
    """bubblewrap's arguments for the namespaces and the read-only system: /usr and the
    interpreter's installation (its site-packages hidden), /proc, a minimal /dev, nothing else."""
    # a user namespace of its own, in which no further one can be made (a nested one could mount
    # a tmpfs of its own, outside the work folder's size limit)
    # no capabilities either, even for a grader running as root (they would allow mounts of its own)
    args = ["--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL", "--die-with-parent",
            "--new-session", "--hostname", "grader",
            "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "LANG", "C.UTF-8",
            "--setenv", "PYTHONHASHSEED", "0", "--setenv", "OPENBLAS_NUM_THREADS", "1", "--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/lib", "/lib64", "/sbin"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for path in ("/etc/ld.so.cache", "/etc/localtime"):
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    prefix = _prefix(python)
    if not prefix.startswith("/usr/"):
        args += ["--ro-bind", prefix, prefix]
    for site in sorted(pathlib.Path(prefix).glob("lib/python3*/site-packages")):
        # the interpreter's own packages are not the standard library: hidden under an empty, read-only tmpfs
        args += ["--tmpfs", str(site), "--remount-ro", str(site)]
    # /dev's own tmpfs would be writable and of no size limit: read-only (its devices still work)
    args += ["--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev"]
    return args


def _prefix(python):
    """The installation an interpreter belongs to: /usr for /usr/bin/python3, else its bin's parent."""
    bindir = os.path.dirname(os.path.realpath(python))
    return os.path.dirname(bindir) if os.path.basename(bindir) == "bin" else bindir


def system_paths(python=None):
    """What the interpreter itself may need to read: its installation and the system's libraries."""
    python = os.path.realpath(python or sys.executable)
    paths = {_prefix(python), os.path.dirname(python)}
    paths |= {"/usr", "/lib", "/lib64", "/etc/ld.so.cache", "/etc/localtime", "/dev/null", "/dev/urandom"}
    return sorted(paths)


def _exchange(events_fd, cases_fd, out_fd, job, cases, deadline, max_output):
    """Talk to the child until it closes its events pipe or the deadline passes: send the job and
    then one case each time the previous one is answered; collect event lines and output (kept up to
    `max_output` bytes, the rest read and dropped). Returns (lines, timed_out, output, cut)."""
    pending = (json.dumps(job) + "\n").encode()
    sent, ended, lines = 0, False, 0
    chunks, total, output, dropped = [], 0, bytearray(), 0
    cap = max(64 * max_output, MAX_STREAM)
    timed_out = flood = False
    os.set_blocking(cases_fd, False)
    with selectors.DefaultSelector() as sel:
        sel.register(events_fd, selectors.EVENT_READ, "events")
        sel.register(out_fd, selectors.EVENT_READ, "out")
        sel.register(cases_fd, selectors.EVENT_WRITE, "cases")
        writing = True
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            ready = sel.select(timeout=remaining)
            finished = False
            for key, _ in ready:
                if key.data == "cases":
                    try:
                        pending = pending[os.write(cases_fd, pending):]
                    except BlockingIOError:
                        continue
                    except OSError:  # the child is gone or closed its end
                        pending = b""
                    if not pending:
                        sel.unregister(cases_fd)
                        writing = False
                elif key.data == "out":
                    chunk = os.read(out_fd, 65536)
                    if not chunk:
                        sel.unregister(out_fd)
                        continue
                    keep = max(0, min(len(chunk), max_output - len(output)))
                    output += chunk[:keep]
                    dropped += len(chunk) - keep
                else:
                    chunk = os.read(events_fd, 65536)
                    if not chunk:
                        finished = True
                        break
                    total += len(chunk)
                    if total > cap:  # a flood on the results pipe is not results
                        flood = finished = True
                        break
                    chunks.append(chunk)  # joined once: adding bytes to bytes would copy the stream per chunk
                    lines += chunk.count(b"\n")
                    # the child answers "ready", then "start" and a result or an error per case:
                    # case k goes out once 1 + 2k lines came back, the end after the last one
                    while not ended and lines >= 1 + 2 * sent:
                        if sent < len(cases):
                            pending += (json.dumps(cases[sent]) + "\n").encode()
                            sent += 1
                        else:
                            pending += b"\n"  # no more cases
                            ended = True
                    if not writing and pending:
                        sel.register(cases_fd, selectors.EVENT_WRITE, "cases")
                        writing = True
            if finished:
                break
    os.close(events_fd)
    os.close(cases_fd)
    # what the child printed last may still be in the output pipe
    with selectors.DefaultSelector() as sel:
        sel.register(out_fd, selectors.EVENT_READ)
        until = time.monotonic() + 0.2
        while time.monotonic() < until and sel.select(timeout=max(0.0, until - time.monotonic())):
            chunk = os.read(out_fd, 65536)
            if not chunk:
                break
            keep = max(0, min(len(chunk), max_output - len(output)))
            output += chunk[:keep]
            dropped += len(chunk) - keep
    os.close(out_fd)
    lines = b"".join(chunks).split(b"\n")
    return (lines + [FLOOD] if flood else lines), timed_out, bytes(output), dropped > 0


def _kill(proc, cgroups):
    """Every process of the test: the child's process group (its PID namespace under bubblewrap)
    and whatever is left in its cgroups."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    _kill_cgroups(cgroups)
    proc.wait()


def _excerpt(data, max_lines=20, max_chars=2000, cut_at=None):
    text = data.decode("utf-8", "replace")
    lines = text.splitlines()
    cut = "\n".join(lines[:max_lines])[:max_chars]
    if len(lines) > max_lines or len(cut) < len(text.rstrip("\n")):
        cut += "\n… (more output cut)"
    if cut_at is not None:
        cut += f"\n… (output past {cut_at >> 10} KiB was cut)"
    return cut


def _interpret(outcome, lines, returncode, timed_out, n_cases, limits, values=None):
    """Fill `outcome` from the event lines. Every line must be an event of grader/pipeline/protocol.py's
    schema, its results of the shape `values` (default: the built-in exercise's of the outcome's test
    id), in the order the child sends them: anything else marks the run as tampered with."""
    if values is None:
        from grader.exercises import kit

        values = kit()[outcome.test_id].values if outcome.test_id in kit() else protocol.generic
    phase = "begin"  # begin -> cases <-> running -> done; or begin -> [tampered] -> import_error -> done
    expected_next = 0
    killed = timed_out or (returncode is not None and returncode < 0)
    if lines and lines[-1] and lines[-1] is not FLOOD and killed:
        lines = lines[:-1]  # an event cut short by the kill: the kill is what is reported
    for n, raw in enumerate(lines):
        if raw is FLOOD:
            return _protocol(outcome, "far more was sent on it than grading ever sends")
        if not raw:
            if n == len(lines) - 1 or lines[n + 1] is FLOOD:
                continue  # what follows the last newline of a complete stream
            # the child never sends an empty line; one from student code would count as an answer
            # in the case handshake and bring the next cases (hidden ones too) before their turn
            return _protocol(outcome, "an empty line came where the grader sends an event")
        try:
            event = protocol.parse(raw, values)
        except protocol.Invalid as exc:
            return _protocol(outcome, str(exc))
        kind = event["event"]
        allowed = _NEXT[phase]
        if kind not in allowed:
            return _protocol(outcome, f"a {kind!r} event came where the grader sends none")
        if kind == "start":
            if event["case"] != expected_next or expected_next >= n_cases:
                return _protocol(outcome, "cases were started out of order")
            outcome.running_case = expected_next
            expected_next += 1
            phase = "running"
        elif kind in ("result", "error"):
            case = event["case"]
            if case != outcome.running_case:
                return _protocol(outcome, "a result came for a case that was not running")
            if kind == "result":
                outcome.results[case] = event["values"]
            else:
                outcome.errors[case] = {k: event[k] for k in ("type", "message", "where")}
            outcome.running_case = None
            phase = "cases"
        elif kind == "import_error":
            outcome.import_error = {k: event[k] for k in ("type", "message", "where")}
            phase = "import_error"
        elif kind == "tamper":
            outcome.tamper = event["what"]
            phase = "tampered" if phase != "begin" else "tampered_on_import"
        elif kind == "ready":
            phase = "cases"
        elif kind == "done":
            if phase == "cases" and expected_next < n_cases:
                return _protocol(outcome, "it said grading was done before every case had run")
            phase = "done"
    if phase == "done":
        return outcome
    if timed_out:
        outcome.status = "timeout"
        outcome.message = f"did not finish within {limits.wall:g} s (an endless loop, or very slow code?)"
    elif returncode is not None and returncode < 0:
        sig = -returncode
        if sig in (signal.SIGXCPU, signal.SIGKILL):
            outcome.status = "timeout" if sig == signal.SIGXCPU else "memory"
            outcome.message = (
                f"used more than {limits.cpu:g} s of CPU time" if sig == signal.SIGXCPU
                else "was killed, most likely for using too much memory"
            )
        else:
            name = signal.Signals(sig).name if sig in signal.Signals.__members__.values() else str(sig)
            outcome.status = "crashed"
            outcome.message = f"crashed ({name})" + (
                " — a very deep recursion after raising the recursion limit does this" if sig == signal.SIGSEGV else ""
            )
    else:
        outcome.status = "exited"
        outcome.message = (
            f"ended the process (exit status {returncode}) before grading finished: "
            "sys.exit() or os._exit() in your code?"
        )


# which events may follow which: the child's order (grader/pipeline/child.py, main)
_NEXT = {
    "begin": {"ready", "import_error", "tamper"},
    "tampered_on_import": {"import_error", "done"},
    "import_error": {"done"},
    "cases": {"start", "tamper", "done"},
    "running": {"result", "error", "tamper"},
    "tampered": {"done"},
    "done": set(),
}


def _protocol(outcome, reason=""):
    """Mark the run as tampered with: nothing it sent counts."""
    outcome.results.clear()
    outcome.errors.clear()
    outcome.import_error = None
    outcome.running_case = None
    outcome.status = "protocol"
    outcome.message = ("the grader's private results channel was written to by your code, or corrupted"
                       + (f" ({reason})" if reason else ""))
    return outcome
