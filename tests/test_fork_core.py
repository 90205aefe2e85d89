"""The forked core (grader/pipeline/fork_core.py, grader/pipeline/child_template.py): one sandbox per submission whose
template forks each test id's child. Each test here is an attack a test id's code could make on the
template, on a sibling test id's child or on the tests that come after it; each asserts the
defended outcome, and what the code saw, so that it fails where the defence is missing.
"""
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from grader import config
from grader.pipeline.sandbox import Limits, probe
from tests.hostile_kit import MEMORY_HOG, ROOT, by_id, full, submission, wait_until_gone, world_dir

SANDBOX = probe()
needs_bwrap = pytest.mark.skipif(not SANDBOX.bwrap, reason="the forked core needs bubblewrap with user namespaces")
pytestmark = needs_bwrap
# every test id's import says which core runs it: a forked child was started as the template
WHICH_CORE = '''
import sys as _sys
print("core", "fork" if _sys.argv[0].endswith("child_template.py") else "fresh")
'''


@pytest.fixture
def folder():
    path = world_dir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def grade(sub, ids, core="fork", jobs=1, **limits):
    from grader.pipeline import check

    settings = config.Settings(limits=Limits(**dict(dict(wall=30.0, cpu=20.0), **limits)), jobs=jobs, core=core)
    return by_id(check.grade(sub, ids, settings).to_dict())


def printed(test, word):
    """The words after `word` on the lines of the test's output that start with it."""
    return [line.split(None, 1)[1] if " " in line else "" for line in test["output"].splitlines()
            if line.split(None, 1)[:1] == [word]]


def test_the_forked_core_runs_by_default_and_the_fresh_one_on_request(folder):
    sub = submission(folder / "sub", append={"engine.py": WHICH_CORE})
    ids = ["engine.add", "engine.mul", "nn.neuron"]
    forked, fresh = grade(sub, ids, jobs=2), grade(sub, ids, core="fresh", jobs=2)
    assert config.Settings().core == "fork"
    assert all(printed(forked[t], "core") == ["fork"] for t in ids[:2]), [forked[t]["output"] for t in ids]
    assert all(printed(fresh[t], "core") == ["fresh"] for t in ids[:2]), [fresh[t]["output"] for t in ids]
    assert all(full(forked[t]) and full(fresh[t]) for t in ids)


def test_the_core_setting_is_checked():
    assert config.from_dict({"grading": {"core": "fresh"}}).core == "fresh"
    with pytest.raises(config.ConfigError, match="core"):
        config.from_dict({"grading": {"core": "threads"}})


SIGNAL_EVERYTHING = '''
import os, signal, sys
if not getattr(sys, "_signalled", False):
    sys._signalled = True
    print("pid", os.getpid(), os.getppid())
    hit = []
    for pid in range(1, 4096):
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, signal.SIGKILL)
            hit.append(pid)
        except OSError:
            pass
    try:
        os.kill(-1, signal.SIGKILL)  # every process this one may signal, but itself
    except OSError:
        pass
    print("signalled", hit)
'''


@pytest.mark.parametrize("jobs", [1, 2], ids=["one-at-a-time", "siblings-at-once"])
def test_a_test_signals_neither_the_template_nor_its_siblings(folder, jobs):
    """Its own PID namespace: the template and the other test ids' children have no PID it can name."""
    sub = submission(folder / "sub", engine_add=SIGNAL_EVERYTHING, append={"engine.py": WHICH_CORE})
    ids = ["engine.add", "engine.mul", "engine.pow", "engine.relu", "engine.tanh"]
    tests = grade(sub, ids, jobs=jobs)
    add = tests["engine.add"]
    assert printed(add, "pid") == ["2 1"], add["output"]  # PID 2 under its own init: nothing outside
    # only its own namespace's init (PID 1) is there to name, and signals from inside do not reach it
    assert printed(add, "signalled") in (["[]"], ["[1]"]), add["output"]
    # the template lived on: every later test id was forked from it, none was run by the fallback
    assert all(printed(tests[t], "core") == ["fork"] for t in ids), {t: tests[t]["output"] for t in ids}
    assert all(full(tests[t]) for t in ids), {t: tests[t]["summary"] for t in ids}


TRACE_AND_READ = '''
import ctypes, os, sys
if not getattr(sys, "_traced", False):
    sys._traced = True
    libc = ctypes.CDLL(None, use_errno=True)
    traced, read, seen = [], [], []
    for pid in range(1, 64):
        if pid == os.getpid():
            continue
        if libc.ptrace(16, pid, None, None) == 0:  # PTRACE_ATTACH
            traced.append(pid)
            libc.ptrace(17, pid, None, None)  # PTRACE_DETACH
        buf = ctypes.create_string_buffer(64)
        local = (ctypes.c_void_p * 2)(ctypes.cast(buf, ctypes.c_void_p), 64)
        remote = (ctypes.c_void_p * 2)(0x400000, 64)
        if libc.syscall(310, pid, local, 1, remote, 1, 0) > 0:  # process_vm_readv
            read.append(pid)
        try:
            with open(f"/proc/{pid}/mem", "rb") as f:
                read.append(pid)
        except OSError:
            pass
        if os.path.exists(f"/proc/{pid}"):  # a path walk, which Landlock does not refuse
            seen.append(pid)
    print("traced", traced)
    print("read", read)
    print("seen", seen)
'''


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="the attack's syscall numbers are x86_64's")
def test_a_test_can_neither_trace_nor_read_the_template_or_a_sibling(folder):
    """Not traceable (another user namespace and no capability; the template is not dumpable; Landlock
    scopes ptrace) and not even listed: /proc is empty in a forked child."""
    sub = submission(folder / "sub", engine_add=TRACE_AND_READ, append={"engine.py": WHICH_CORE})
    tests = grade(sub, ["engine.add", "engine.mul"], jobs=2)
    add = tests["engine.add"]
    assert printed(add, "traced") == ["[]"] and printed(add, "read") == ["[]"], add["output"]
    assert printed(add, "seen") == ["[]"], add["output"]
    assert full(add) and full(tests["engine.mul"])


LEAVE_BEHIND = '''
import ctypes, os, sys, time
if not getattr(sys, "_left", False):
    sys._left = True
    with open("marker", "w") as f:
        f.write("from engine.add")
    libc = ctypes.CDLL(None, use_errno=True)
    shm = libc.shmget(0x6d67, 4096, 0o1666)  # IPC_CREAT | 0666: a System V segment, left behind
    print("left", shm >= 0)
    if os.fork() == 0:  # and a process that goes on writing the marker
        os.setsid()
        if os.fork() == 0:
            for _ in range(300):
                try:
                    with open("/work/marker", "w") as f:
                        f.write("from the daemon")
                except OSError:
                    pass
                time.sleep(0.01)
            os._exit(0)
        os._exit(0)
'''

FIND_IT = '''
import ctypes as _ctypes, os as _os
_found = [what for what, there in (("file", _os.path.exists("marker")),
          ("shm", _ctypes.CDLL(None).shmget(0x6d67, 0, 0) >= 0)) if there]
print("found", _found)
'''


def test_nothing_one_test_leaves_reaches_the_next(folder):
    """A /work of its own (a fresh tmpfs), IPC of its own, and its processes end with it."""
    sub = submission(folder / "sub", engine_add=LEAVE_BEHIND, append={"engine.py": FIND_IT + WHICH_CORE})
    ids = ["engine.add", "engine.mul", "engine.pow"]
    tests = grade(sub, ids, jobs=1)
    assert printed(tests["engine.add"], "left") == ["True"], tests["engine.add"]["output"]
    for t in ids:
        assert printed(tests[t], "found") == ["[]"], (t, tests[t]["output"])
        assert printed(tests[t], "core") == ["fork"], (t, tests[t]["output"])
        assert full(tests[t]), tests[t]["summary"]


NO_WAY_OUT = '''
import ctypes, os, subprocess, sys, threading
if not getattr(sys, "_tried", False):
    sys._tried = True
    libc = ctypes.CDLL(None, use_errno=True)
    print("unshare-user", libc.unshare(0x10000000))
    print("unshare-mount", libc.unshare(0x00020000))
    print("mount", libc.mount(b"none", b"/work", b"tmpfs", 0, None))
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    libc.capget(header, data)
    print("capabilities", sum(data))
    ran = []
    thread = threading.Thread(target=lambda: ran.append(1))
    thread.start()
    thread.join()
    print("thread", ran)
    print("subprocess", subprocess.run(["/bin/true"]).returncode)
'''


def test_a_forked_child_makes_no_namespace_or_mount_and_has_no_capability(folder):
    """What bubblewrap's --disable-userns and --cap-drop give a fresh child, the template gives each
    forked one: a user namespace of its own could mount a tmpfs past the work folder's size. Threads
    and subprocesses still work (clone3 is refused with ENOSYS, and the C library falls back to clone)."""
    sub = submission(folder / "sub", engine_add=NO_WAY_OUT, append={"engine.py": WHICH_CORE})
    add = grade(sub, ["engine.add"])["engine.add"]
    out = add["output"]
    assert printed(add, "core") == ["fork"], out
    assert printed(add, "unshare-user") == ["-1"] and printed(add, "unshare-mount") == ["-1"], out
    assert printed(add, "mount") == ["-1"] and printed(add, "capabilities") == ["0"], out
    assert printed(add, "thread") == ["[1]"] and printed(add, "subprocess") == ["0"], out
    assert full(add), add["summary"]


def test_the_namespace_filter_refuses_namespaces_and_lets_forks_and_threads_through():
    """The seccomp program alone (no sandbox around it), loaded in a process of its own."""
    code = textwrap.dedent('''
        import ctypes, os, sys, threading
        sys.path.insert(0, "grader/pipeline")
        import child_template
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(38, 1, 0, 0, 0)  # no_new_privs: an unprivileged process may then load a filter
        child_template.no_namespaces()
        def errno(result):
            return ctypes.get_errno() if result != 0 else 0
        print("unshare", errno(libc.unshare(0x10000000)))
        print("clone3", errno(libc.syscall(435, None, 0)))
        print("mount", errno(libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)))
        pid = os.fork()
        if pid == 0:
            os._exit(7)
        print("fork", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
        ran = []
        t = threading.Thread(target=lambda: ran.append(1)); t.start(); t.join()
        print("thread", ran)
    ''')
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(None, 1) for line in done.stdout.splitlines())
    assert lines == {"unshare": "1", "clone3": "38", "mount": "1", "fork": "7", "thread": "[1]"}, done.stdout


def test_a_hang_costs_its_test_id_only_and_the_template_goes_on(folder):
    sub = submission(folder / "sub", append={"engine.py": WHICH_CORE})
    engine = sub / "engine.py"
    engine.write_text(engine.read_text().replace("            self.grad += out.grad\n",
                                                 "            while True: pass\n", 1))
    tests = grade(sub, ["engine.add", "engine.mul"], wall=3.0, cpu=20.0)
    assert tests["engine.add"]["score"] == 0 and "did not finish within 3 s" in tests["engine.add"]["summary"]
    assert full(tests["engine.mul"]) and printed(tests["engine.mul"], "core") == ["fork"]


@pytest.mark.parametrize("core", ["fork", "fresh"])
def test_no_scratch_folder_outlives_a_killed_grader(tmp_path, folder, core):
    """Under bubblewrap the files come from memory: no folder is made that a killed grader leaves."""
    token = f"{time.monotonic_ns() % 10**6 + 10**6}.25"
    sub = submission(folder / "sub", engine_add=f'''
import os
os.execv("/bin/sleep", ["sleep", "{token}"])
''')
    code = ("import sys\nfrom grader import config; from grader.pipeline import check\nfrom grader.pipeline.sandbox import Limits\n"
            f"check.grade(sys.argv[1], ['engine.add'], config.Settings(core={core!r}, limits=Limits(wall=60)))\n")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", code, str(sub)], cwd=ROOT, start_new_session=True,
                            env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "TMPDIR": str(scratch)})
    try:
        until = time.monotonic() + 60
        while time.monotonic() < until and not _running(token):
            time.sleep(0.05)
        assert _running(token), "the test id never started"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the grader dies mid-test
        proc.wait()
    assert wait_until_gone(token) == []  # its sandbox ended with it
    assert sorted(p.name for p in scratch.iterdir()) == []


def _running(token):
    for entry in pathlib.Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and token.encode() in (entry / "cmdline").read_bytes():
                return True
        except OSError:
            pass
    return False


needs_cgroups = pytest.mark.skipif(not SANDBOX.cgroup, reason="cgroups of each test need root")


@needs_cgroups
def test_each_slot_waits_alone_in_cgroups_of_its_own_and_unused_ones_end_with_the_template():
    """The waiting processes join their tests' cgroups at the start, all at once; a slot that ran no
    test leaves no cgroup behind."""
    from grader.pipeline import fork_core

    with fork_core.start(SANDBOX, sys.executable, Limits(), None, 3) as template:
        folders = dict(template.cgroups)
        assert sorted(folders) == [0, 1, 2]
        members = {}
        until = time.monotonic() + 30
        while time.monotonic() < until:
            members = {slot: [tuple((f / "cgroup.procs").read_text().split()) for f in fs]
                       for slot, fs in folders.items()}
            if all(m[0] for m in members.values()):
                break
            time.sleep(0.05)
        for slot, lists in members.items():
            assert len(set(lists)) == 1 and len(lists[0]) == 1, members  # one process, in every controller
        assert len({lists[0] for lists in members.values()}) == 3, members  # a process of its own per slot
    assert [f for fs in folders.values() for f in fs if f.exists()] == []


@needs_cgroups
def test_a_tests_memory_is_bounded_when_its_slot_joins_its_cgroups_with_the_test(folder, monkeypatch):
    """Cgroups that could not be made at the template's start come with the test (the usual way, at
    the start, is what every other containment test goes through)."""
    from grader.pipeline import fork_core

    monkeypatch.setattr(fork_core.Template, "_join_early", lambda self, version: None)
    sub = submission(folder / "sub", engine_add=MEMORY_HOG, append={"engine.py": WHICH_CORE})
    tests = grade(sub, ["engine.add", "engine.mul"], memory=200 << 20)
    add = tests["engine.add"]
    survivors = printed(add, "survivors")
    # 4 x 120 MiB never all fit in 200 MiB: hogs (or the whole test) are killed
    assert (survivors and int(survivors[0]) <= 1) or "memory" in add["summary"], (add["summary"], add["output"])
    assert printed(tests["engine.mul"], "core") == ["fork"] and full(tests["engine.mul"])
