"""Running one test id's cases in a child process, with limits, and reading back what it sent.

The child (grader/child.py) gets a fresh interpreter in isolated mode without site-packages,
a temporary folder with copies of the student's files (and of itself and the reference), its
own process group so that everything it starts can be killed, and a wall-clock limit enforced
here. Before any student code runs it limits itself (CPU time, memory, output), confines itself
with Landlock to reading its interpreter and that folder and writing only its work folder, with
no TCP, and drops to an unprivileged user when asked. What comes back is checked here: one
JSON event per line, in the expected order, nothing else.
"""
import dataclasses
import json
import os
import pathlib
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from grader import protocol

KIT_ROOT = pathlib.Path(__file__).resolve().parent.parent
CHILD = pathlib.Path(__file__).resolve().parent / "child.py"
STUDENT_FILES = ("engine.py", "nn.py", "train.py")


@dataclasses.dataclass
class Limits:
    """Per child: wall seconds, CPU seconds, address space and output bytes."""

    wall: float = 5.0
    cpu: float = 10.0
    memory: int = 1 << 30
    output: int = 1 << 20


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


def prepare(submission, workdir, run_as):
    """Copy the student's files into `workdir`; return their names."""
    names = []
    for name in STUDENT_FILES:
        src = pathlib.Path(submission) / name
        if src.is_file():
            shutil.copyfile(src, pathlib.Path(workdir) / name)
            names.append(name)
    if run_as is not None:
        for path in [workdir] + [pathlib.Path(workdir) / n for n in names]:
            os.chown(path, *run_as)
    return names


def run_cases(exercise, cases, submission, limits=None, python=None, run_as=None, recursion_limit=1000,
              confine=True):
    """Run `cases` of `exercise` (an Exercise of grader/exercises/, or a built-in test id) against the
    student files in `submission` in a child; never raises for anything the student's code does. The
    child limits and confines itself (see child.py)."""
    if isinstance(exercise, str):
        from grader.exercises import kit

        exercise = kit()[exercise]
    test_id = exercise.id
    limits = limits or Limits()
    started = time.monotonic()
    outcome = RunOutcome(test_id)
    with tempfile.TemporaryDirectory(prefix="grader-") as scratch:
        workdir = pathlib.Path(scratch) / "work"
        workdir.mkdir()
        os.chmod(scratch, 0o755)
        names = prepare(submission, workdir, run_as)
        # the child, and the reference it grades nn/train on, are copied in beside the student's
        # files: the child is then confined to this folder and never needs the kit's own
        child = pathlib.Path(scratch) / "child.py"
        shutil.copyfile(CHILD, child)
        shutil.copytree(KIT_ROOT / "micrograd_ref", pathlib.Path(scratch) / "ref" / "micrograd_ref",
                        ignore=shutil.ignore_patterns("__pycache__", "train.py", "draw.py"))
        read_fd, write_fd = os.pipe()
        job = {
            "test_id": test_id,
            "runner": {"source": exercise.runner_source(), "entry": exercise.entry, "args": exercise.entry_args},
            "cases": cases,
            "fd": write_fd,
            "student_files": names,
            "ref_dir": str(pathlib.Path(scratch) / "ref"),
            "scratch": scratch,
            "recursion_limit": recursion_limit,
            "limits": dataclasses.asdict(limits),
            "run_as": list(run_as) if run_as else None,
            "confine": confine,
        }
        job_path = pathlib.Path(scratch) / "job.json"
        job_path.write_text(json.dumps(job))
        out_path = pathlib.Path(scratch) / "output.txt"
        with open(out_path, "wb") as out:
            try:
                # the real interpreter, not a virtual environment's link to it: the child needs the
                # standard library only, and must not depend on files outside what it may read
                proc = subprocess.Popen(
                    [os.path.realpath(python or sys.executable), "-I", "-S", str(child), str(job_path)],
                    cwd=workdir, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                    pass_fds=(write_fd,), start_new_session=True,
                    env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"},
                )
            except OSError as exc:
                os.close(read_fd)
                os.close(write_fd)
                outcome.status, outcome.message = "internal", f"could not start the grading process: {exc}"
                return outcome
            os.close(write_fd)
            lines, timed_out = _read_events(read_fd, proc, started + limits.wall, limits.output)
            _kill_group(proc)
        outcome.output = _excerpt(out_path.read_bytes())
    _interpret(outcome, lines, proc.returncode, timed_out, len(cases), limits, exercise.values)
    outcome.elapsed = time.monotonic() - started
    return outcome


FLOOD = b"\x00flood"  # stands in for what came after the pipe carried more than any grading run sends
MAX_STREAM = 16 << 20  # bytes on the results pipe, at the least: a full legitimate run sends far less


def _read_events(fd, proc, deadline, max_bytes):
    """Lines from the child's pipe until it closes or the deadline passes; a flood ends with FLOOD."""
    chunks, total = [], 0
    cap = max(64 * max_bytes, MAX_STREAM)
    timed_out = flood = False
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            if not sel.select(timeout=remaining):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            total += len(chunk)
            if total > cap:  # a flood on the results pipe is not results
                flood = True
                break
            chunks.append(chunk)  # joined once: adding bytes to bytes would copy the stream per chunk
    os.close(fd)
    lines = b"".join(chunks).split(b"\n")
    return lines + [FLOOD] if flood else lines, timed_out


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def _excerpt(data, max_lines=20, max_chars=2000):
    text = data.decode("utf-8", "replace")
    lines = text.splitlines()
    cut = "\n".join(lines[:max_lines])[:max_chars]
    if len(lines) > max_lines or len(cut) < len(text.rstrip("\n")):
        cut += "\n… (more output cut)"
    return cut


def _interpret(outcome, lines, returncode, timed_out, n_cases, limits, values=None):
    """Fill `outcome` from the event lines. Every line must be an event of grader/protocol.py's
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
    for raw in lines:
        if raw is FLOOD:
            return _protocol(outcome, "far more was sent on it than grading ever sends")
        if not raw:
            continue  # what follows the last newline of a complete stream
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


# which events may follow which: the child's order (grader/child.py, main)
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
