"""The forked core, parent side: one bubblewrap sandbox per submission, holding a template process
(grader/pipeline/child_template.py) that forks each test id's child in namespaces of its own.

What a fresh child costs is mostly starting it (bubblewrap, an interpreter, its imports); here
that is paid once per submission, and each test id costs a few forks. Nothing else is shared: the
template holds no student code, case, expected value, reference piece or hidden seed (those go to
each test's child on its own pipes, in its job and cases, exactly as to a fresh child), and each
test's child has its own user, PID, network, IPC, UTS and mount namespaces, its own /work and
/grader/ref, its own cgroups, no capability and no way to make namespaces or mounts, and then the
fresh child's own layers (rlimits, Landlock, its checks) before any student byte is loaded.

`[grading] core = "fresh"` keeps one sandbox and interpreter per test id (grader/pipeline/sandbox.py); the
forked core needs bubblewrap, and falls back to the fresh one where the template cannot start.
"""
import os
import platform
import shutil
import socket
import struct
import subprocess

from grader.pipeline import sandbox as sb

TEMPLATE = sb.CHILD.parent / "child_template.py"
CORES = ("fork", "fresh")
# why a test's namespaces could not be set up, by the waiting process's code (child_template.py)
SETUP_FAILED = {87: "it could not join the test's cgroups", 88: "its namespaces could not be made"}
STATUS_WAIT = 1.0  # seconds a test's status may take once its events pipe has ended
KILL_WAIT = 5.0  # ... once it was told to end the test's namespace


class Template:
    """A running template for `slots` test ids; slot i is the i-th test id run (in a fixed order,
    so every run forks each test id from the same state). Use as a context manager."""

    def __init__(self, sandbox, python, limits, run_as=None, slots=0):
        self.sandbox, self.python, self.limits = sandbox, os.path.realpath(python), limits
        self.broken, self.proc = "", None
        self.socks, theirs, fds = [], [], []
        try:
            for _ in range(slots):
                mine, other = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
                self.socks.append(mine)
                theirs.append(other)
            # inside, the user the sandbox starts as (the fresh core's uid), except root: each
            # test's user namespace maps its uid, and mapping the sandbox's root would need a
            # capability the sandbox does not have
            ids = tuple(run_as) if run_as else (os.geteuid(), os.getegid())
            argv = self._argv(fds, [s.fileno() for s in theirs], *(ids if ids[0] else (1000, 1000)))
            user = {"user": run_as[0], "group": run_as[1], "extra_groups": []} if run_as else {}
            self.proc = subprocess.Popen(
                argv, cwd="/", stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(*[s.fileno() for s in theirs], *fds), start_new_session=True,
                env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}, **user)
        except OSError as exc:
            self.broken = f"could not start the template: {exc}"
        finally:
            for s in theirs:
                s.close()
            for fd in fds:
                os.close(fd)
        self.cgroups = {}  # slot -> the cgroups its waiting process joined at the start
        if not self.broken and sandbox.cgroup:
            self._join_early(sandbox.cgroup)

    def _join_early(self, version):
        """Every slot's waiting process into cgroups of its own now, all at once: a process joining
        a cgroup waits for the kernel (an RCU grace period), and joins close together share that
        wait, where one at each test's start would pay it every time. A slot without them (they
        could not be made) gets its cgroups with its test."""
        for slot, sock in enumerate(self.socks):
            folders = sb._make_cgroups(version, self.limits)
            if not folders:
                return
            fds = []
            try:
                fds = [os.open(folder / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC) for folder in folders]
                socket.send_fds(sock, [b"C"], fds)
            except OSError:
                sb._remove_cgroups(folders)
                return
            finally:
                for fd in fds:
                    os.close(fd)
            self.cgroups[slot] = folders

    def cgroups_for(self, slot, limits):
        """The cgroups slot `slot` joined at the start, bounding `limits` (None: none were made)."""
        folders = self.cgroups.pop(slot, None)
        if folders and (limits.memory, limits.processes) != (self.limits.memory, self.limits.processes):
            try:
                sb._limit_cgroups(self.sandbox.cgroup, folders, limits)
            except OSError:
                pass  # the template's own limits stay: the kernel would refuse only a limit below the usage
        return folders

    def _argv(self, fds, socks, uid, gid):
        def data_fd(data):
            return sb.memory_file(data, fds)

        # the fresh core's system and namespaces, except that namespaces can be made inside (each
        # test's child makes its own, and its seccomp filter then forbids more: child_template.py);
        system = [a for a in sb._bwrap_system_args(self.python) if a != "--disable-userns"]
        argv = [self.sandbox.bwrap, *system, "--uid", str(uid), "--gid", str(gid)]
        if self.sandbox.seccomp:
            argv += ["--seccomp", data_fd(sb.seccomp_program())]
        argv += ["--dir", "/work", "--dir", "/grader/ref"]
        argv += ["--ro-bind-data", data_fd(sb.CHILD.read_bytes()), "/grader/child.py"]
        argv += ["--ro-bind-data", data_fd(TEMPLATE.read_bytes()), "/grader/child_template.py"]
        for name, real in sb.allowed_packages().items():
            argv += ["--ro-bind", real, f"{sb.SITE}/{name}"]
        argv += ["--remount-ro", "/", "--chdir", "/work", "--", self.python, "-s", "-S", "-P",
                 "/grader/child_template.py", str(self.limits.disk), *map(str, socks)]
        # -I would ignore bubblewrap's PYTHONHASHSEED=0 (a set of strings would change order run to
        # run), so its other flags are spelled out; the environment is bubblewrap's cleared one.
        # address randomisation off from the start (it is inherited): else the template executes
        # itself again to turn it off (child.needs_fixing, from child_template.main), a second interpreter start
        setarch = shutil.which("setarch", path="/usr/bin:/bin")
        return ([setarch, platform.machine(), "-R"] if setarch else []) + argv

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        """End the template and every process left in its sandbox."""
        for s in self.socks:
            s.close()
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, 9)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.wait()
        for folders in self.cgroups.values():  # slots that ran no test
            sb._kill_cgroups(folders)
            sb._remove_cgroups(folders)
        self.cgroups = {}

    setup_failed = SETUP_FAILED

    def run(self, slot, job, cases, limits, started):
        """run_forked on this template (the sandbox calls it without importing this module)."""
        return run_forked(self, slot, job, cases, limits, started)

    def layout(self):
        """Where things are inside the sandbox, as sandbox._prepare says it for the fresh core."""
        return {"cwd": "/work", "read": sb.system_paths(self.python) + ["/grader"], "write": ["/work"],
                "ref_dir": "/grader/ref", "site": [sb.SITE]}

    def hand_over(self, slot, fds):
        """Give slot `slot`'s waiting process the test's pipes and cgroup files: False when the
        template is gone (the caller then runs the test in the fresh core)."""
        if self.broken or self.proc is None:
            return False
        try:
            socket.send_fds(self.socks[slot], [b"G"], fds)
            return True
        except OSError as exc:
            self.broken = f"the template is gone ({exc})"
            return False

    def finish(self, slot, kill):
        """The test's exit status as bubblewrap would give it (the code, or 128 + a signal); a
        negative number when its namespaces or cgroups could not be set up; None when the template
        is gone. `kill`: end the test's namespace first (a timeout). Its events pipe has ended
        otherwise, and the status comes at once unless student code closed the pipe and goes on."""
        sock = self.socks[slot]
        try:
            if kill:
                sock.sendall(b"K")
            else:
                sock.settimeout(STATUS_WAIT)
                try:
                    return self._status(sock)
                except TimeoutError:
                    sock.sendall(b"K")
            sock.settimeout(KILL_WAIT)
            return self._status(sock)
        except OSError:
            return None
        finally:
            sock.close()

    def _status(self, sock):
        data = b""
        while len(data) < 4:
            chunk = sock.recv(4 - len(data))
            if not chunk:
                self.broken = self.broken or "the template ended"
                return None
            data += chunk
        return struct.unpack("=i", data)[0]


def start(sandbox, python, limits, run_as, slots, core="fork"):
    """A Template for `slots` test ids when `core` is "fork" and bubblewrap is there, else None
    (the fresh core)."""
    if core != "fork" or not sandbox.bwrap or slots < 1:
        return None
    return Template(sandbox, python, limits, run_as, slots)


def run_forked(template, slot, job, cases, limits, started):
    """Run a test in `template`'s slot: (lines, timed_out, output, cut, returncode), or None when
    the template could not take it (nothing ran). The pipes, the exchange and the cgroups are the
    fresh core's (sandbox._exchange, _make_cgroups); the cgroups are those the slot joined at the
    start, else made now and joined with the test."""
    events_r, events_w = os.pipe()
    cases_r, cases_w = os.pipe()
    out_r, out_w = os.pipe()
    joined = template.cgroups_for(slot, limits)
    version = template.sandbox.cgroup
    cgroups = joined or (sb._make_cgroups(version, limits) if version else [])
    cg_fds = []
    try:
        if not joined:
            cg_fds = [os.open(folder / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC) for folder in cgroups]
        handed = template.hand_over(slot, [events_w, cases_r, out_w, *cg_fds])
    except OSError:
        handed = False
    finally:
        for fd in (events_w, cases_r, out_w, *cg_fds):
            os.close(fd)
    if not handed:
        for fd in (events_r, cases_w, out_r):
            os.close(fd)
        sb._remove_cgroups(cgroups)
        return None
    try:
        lines, timed_out, output, cut = sb._exchange(events_r, cases_w, out_r, job, cases,
                                                     started + limits.wall, limits.output)
        returncode = template.finish(slot, kill=timed_out)
    finally:
        sb._kill_cgroups(cgroups)
        sb._remove_cgroups(cgroups)
    return lines, timed_out, output, cut, returncode

