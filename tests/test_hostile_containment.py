"""Hostile submissions against the containment of student code: intake, least knowledge, escaping
processes, the network, failing closed and output. Each test asserts the defended outcome (scores
of the attacker and of correct code, files unchanged, nothing leaked, no process left) and fails
without its defence. Where it applies, an attack runs twice: with the grader as root and as an
unprivileged user (nobody), whose sandbox is then an unprivileged user namespace.
"""
import dataclasses
import json
import os
import pathlib
import secrets
import shutil
import socket
import stat
import subprocess
import sys

import pytest

from grader import config
from grader.classroom import batch
from grader.pipeline import intake
from grader.pipeline.sandbox import ConfinementMissing, Limits, probe
from tests.hostile_kit import (EXERCISES, MEMORY_HOG, ROOT, SOLUTIONS, by_id, can_be_nobody, full, grade, submission,
                               wait_until_gone, world_dir)
from tests.test_gradescope import autograder_zip  # noqa: F401  (a fixture)

SANDBOX = probe()
needs_bwrap = pytest.mark.skipif(not SANDBOX.bwrap, reason="needs bubblewrap with user namespaces")
GRADERS = [pytest.param("root", id="as-root"),
           pytest.param("nobody", id="as-nobody", marks=pytest.mark.skipif(
               not can_be_nobody(), reason="needs root, setpriv and /usr/bin/python3 to become nobody"))]
ENGINE = ["engine.add", "engine.mul", "engine.pow", "engine.relu", "engine.tanh", "engine.exp", "engine.log",
          "engine.backward"]


@pytest.fixture
def folder():
    path = world_dir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def no_bwrap(tmp_path, monkeypatch):
    """A PATH on which there is no bubblewrap, as on a machine without it."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return str(empty)


# ---------------------------------------------------------------------------------------------
# 1-2. intake: links, special files and huge files are refused, by name, costing their part only

@pytest.mark.parametrize("grader", GRADERS)
@pytest.mark.parametrize("target", ["answer key", "etc shadow"])
def test_a_linked_engine_is_refused_not_followed(folder, grader, target):
    sub = submission(folder / "sub")
    (sub / "engine.py").unlink()
    (sub / "engine.py").symlink_to(SOLUTIONS / "engine.py" if target == "answer key" else "/etc/shadow")
    report = grade(sub, ["engine.add", "nn.neuron", "train.adamw"], grader)
    tests = by_id(report)
    assert tests["engine.add"]["score"] == 0 and "engine.py is a symbolic link" in tests["engine.add"]["summary"]
    assert full(tests["nn.neuron"]) and full(tests["train.adamw"])  # graded on the reference engine
    if target == "etc shadow":
        assert "root:" not in json.dumps(report)


def test_a_link_to_a_classmates_file_scores_nothing_and_the_classmate_keeps_theirs(tmp_path):
    klass = tmp_path / "class"
    submission(klass / "ann")
    mallory = submission(klass / "mallory", source=EXERCISES)
    (mallory / "nn.py").unlink()
    (mallory / "nn.py").symlink_to(klass / "ann" / "nn.py")
    (klass / "zed").symlink_to(klass / "ann", target_is_directory=True)  # a whole folder that is a link
    before = (klass / "ann" / "nn.py").read_bytes()
    settings = config.Settings(limits=Limits(wall=30, cpu=20))
    results, _ = batch.grade_class(klass, tmp_path / "grades.csv", settings, workers=1)
    reports = {r["student"]: r["report"] for r in results}
    ann, mal = by_id(reports["ann"]), by_id(reports["mallory"])
    assert all(full(t) for t in ann.values())
    assert all(mal[t]["score"] == 0 for t in ("nn.neuron", "nn.layer", "nn.mlp"))
    assert "nn.py is a symbolic link" in mal["nn.neuron"]["summary"]
    if "zed" in reports:  # the batch lists it; the intake must not read ann's files through it
        assert reports["zed"]["score"] == 0 and "is a link" in by_id(reports["zed"])["engine.add"]["summary"]
    assert (klass / "ann" / "nn.py").read_bytes() == before


@pytest.mark.parametrize("kind", ["fifo", "device", "dev zero link"])
def test_special_files_are_refused_without_blocking(folder, kind):
    sub = submission(folder / "sub")
    (sub / "engine.py").unlink()
    if kind == "fifo":
        os.mkfifo(sub / "engine.py")  # an open() that would wait for a writer forever
    elif kind == "device":
        if os.geteuid() != 0:
            pytest.skip("making a device node needs root")
        os.mknod(sub / "engine.py", 0o644 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero's numbers
    else:
        (sub / "engine.py").symlink_to("/dev/zero")
    read = intake.read_submission(sub)
    assert "engine.py" not in read.files and "engine.py" in read.problems["engine.py"]
    report = grade(sub, ["engine.add", "nn.neuron"])
    assert by_id(report)["engine.add"]["score"] == 0 and full(by_id(report)["nn.neuron"])


def test_a_sparse_10_gb_file_is_refused_before_reading(folder):
    sub = submission(folder / "sub")
    with open(sub / "train.py", "r+b") as f:
        f.truncate(10 << 30)  # 10 GB of holes: no disk used, but a plain read() would take 10 GB
    read = intake.read_submission(sub)
    assert "train.py is too large" in read.problems["train.py"] and "train.py" not in read.files
    assert batch.files_hash(sub) == batch.files_hash(sub, read)  # hashed from the intake, not the file
    report = grade(sub, ["train.adamw", "nn.neuron"])
    assert by_id(report)["train.adamw"]["score"] == 0 and "too large" in by_id(report)["train.adamw"]["summary"]
    assert full(by_id(report)["nn.neuron"])


def test_the_file_cap_comes_from_grader_toml(tmp_path):
    settings = config.from_dict({"limits": {"file_kb": 4}})
    assert settings.limits.file == 4096
    sub = submission(tmp_path / "sub")
    assert "too large" in intake.read_submission(sub, max_bytes=settings.limits.file).problems["engine.py"]


def test_syntax_errors_are_found_by_the_child_not_parsed_here(folder, monkeypatch):
    """The parent never parses student source: a syntax error comes back from the child's import."""
    import ast

    def refuse(*args, **kwargs):
        raise AssertionError("the grader parsed student source")

    sub = submission(folder / "sub")
    (sub / "nn.py").write_text("class Module(:\n" + "(" * 10000 + "\n")
    monkeypatch.setattr(ast, "parse", refuse)
    try:
        tests = by_id(grade(sub, ["nn.neuron", "engine.add"]))
    finally:
        monkeypatch.undo()
    assert tests["nn.neuron"]["score"] == 0 and "nn.py, line" in tests["nn.neuron"]["summary"]
    assert "SyntaxError" in tests["nn.neuron"]["summary"] and full(tests["engine.add"])


# ---------------------------------------------------------------------------------------------
# 3. least knowledge: the grader's own pieces are not there to delegate to

FINDER = '''
import gc as _gc, sys as _sys


def _grader_piece(name):
    """The grader's own class or function called `name`, wherever student code can reach it."""
    def ours(obj):
        return getattr(obj, "__name__", None) == name and getattr(obj, "__module__", "") not in (__name__, None)

    def attr(obj):
        try:
            return getattr(obj, name, None)
        except Exception:  # ctypes' loaders, lazy modules and the like
            return None

    for obj in _gc.get_objects():
        if ours(obj):
            return obj
        if isinstance(obj, dict):
            for value in list(obj.values()):
                if ours(attr(value)):
                    return attr(value)
    for module in list(_sys.modules.values()):
        if ours(attr(module)):
            return attr(module)
    frame = _sys._getframe()
    while frame is not None:
        for value in list(frame.f_locals.values()):
            for inner in (value.values() if isinstance(value, dict) else [value]):
                if ours(attr(inner)):
                    return attr(inner)
        frame = frame.f_back
    return None
'''


@pytest.mark.parametrize("grader", GRADERS)
def test_delegating_to_the_grader_scores_nothing(folder, grader):
    sub = submission(folder / "sub", source=EXERCISES, append={
        "nn.py": FINDER + '''
for _name in ("Neuron", "Layer", "MLP"):
    _found = _grader_piece(_name)
    if _found is not None and _found is not globals()[_name]:
        globals()[_name] = _found
''',
        "train.py": FINDER + '''
for _name in ("cross_entropy", "AdamW"):
    _found = _grader_piece(_name)
    if _found is not None and _found is not globals()[_name]:
        globals()[_name] = _found
'''})
    ids = ["nn.neuron", "nn.layer", "nn.mlp", "train.cross_entropy", "train.adamw"]
    tests = by_id(grade(sub, ids, grader))
    assert {t: tests[t]["score"] for t in ids} == {t: 0 for t in ids}, {t: tests[t]["summary"] for t in ids}
    honest = by_id(grade(submission(folder / "honest"), ids, grader))
    assert all(full(honest[t]) for t in ids)


def test_the_child_holds_only_the_case_it_runs(folder):
    """No case list, job or seed anywhere student code can look: only the current case."""
    sub = submission(folder / "sub", engine_add='''
import gc, sys
gc.collect()  # what earlier cases of this very code kept alive in cycles
reachable = list(gc.get_objects())  # containers gc tracks, and every frame's locals up the stack
frame = sys._getframe()
while frame is not None:
    reachable += [frame.f_locals, *frame.f_locals.values()]
    frame = frame.f_back
for obj in list(reachable):
    if isinstance(obj, dict):
        reachable += list(obj.values())
    elif isinstance(obj, (list, tuple)):
        reachable += list(obj)[:10000]
seen = {id(o) for o in reachable if isinstance(o, dict) and {"a", "g", "ga"} <= o.keys()}
jobs = [o for o in reachable if isinstance(o, dict) and (isinstance(o.get("cases"), list) or "hidden_seed" in o)]
lists = [o for o in reachable if isinstance(o, list) and len(o) > 1
         and all(isinstance(c, dict) and "ga" in c for c in o)]
if len(seen) != 1 or jobs or lists:
    self.grad += 1000.0  # found more than the case at hand
reachable = frame = jobs = lists = None
''')
    settings = config.Settings(limits=Limits(wall=30, cpu=20), hidden_seed=4321)
    from grader.pipeline import check

    report = check.grade(sub, ["engine.add"], settings)
    add = report.tests[0]
    assert add.score == add.max_score and add.hidden_cases > 0, add.summary


# ---------------------------------------------------------------------------------------------
# 4. processes: nothing outlives its test, signals nothing outside, and the whole test is bounded

@needs_bwrap
@pytest.mark.parametrize("grader", GRADERS)
def test_a_daemon_dies_with_its_test_and_cannot_signal_outside(folder, grader):
    token = f"{secrets.randbelow(10**6) + 10**6}.{secrets.randbelow(10**6)}"  # a unique sleep length
    victim = subprocess.Popen(["/bin/sleep", "600"], start_new_session=True)  # another student's process, or the grader
    try:
        sub = submission(folder / "sub", engine_add=f'''
import os, signal
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            try:
                os.kill({victim.pid}, sig)
            except OSError:
                pass
        try:
            os.execv("/bin/sleep", ["sleep", "{token}"])
        finally:
            os._exit(0)
    os._exit(0)
''')
        tests = by_id(grade(sub, ["engine.add", "engine.mul"], grader))
        assert full(tests["engine.add"]) and full(tests["engine.mul"])
        assert wait_until_gone(token) == []
        assert victim.poll() is None  # still running, not killed
        with open(f"/proc/{victim.pid}/stat") as f:
            assert f.read().rsplit(")", 1)[1].split()[0] != "T"  # nor stopped
    finally:
        victim.kill()
        victim.wait()


@needs_bwrap
@pytest.mark.parametrize("grader", GRADERS)
def test_a_fork_bomb_is_bounded_per_test_and_leaves_nothing(folder, grader):
    token = f"{secrets.randbelow(10**6) + 10**6}.5"
    sub = submission(folder / "sub", engine_add=f'''
import os, sys
if not getattr(sys, "_bombed", False):
    sys._bombed = True
    forked = 0
    for _ in range(300):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            try:
                os.execv("/bin/sleep", ["sleep", "{token}"])
            finally:
                os._exit(0)
        forked += 1
    print("forked", forked)
''')
    tests = by_id(grade(sub, ["engine.add", "engine.mul"], grader, limits={"processes": 32}))
    printed = [line for line in tests["engine.add"]["output"].splitlines() if line.startswith("forked")]
    assert printed and int(printed[0].split()[1]) < 32, printed
    assert full(tests["engine.mul"])
    assert wait_until_gone(token) == []


@needs_bwrap
@pytest.mark.skipif(not SANDBOX.cgroup, reason="a whole-test memory bound needs cgroups (root)")
def test_memory_is_bounded_for_the_whole_test_not_per_process(folder):
    sub = submission(folder / "sub", engine_add=MEMORY_HOG)
    tests = by_id(grade(sub, ["engine.add", "engine.mul"], limits={"memory": 200 << 20}))
    add = tests["engine.add"]
    printed = [line for line in add["output"].splitlines() if line.startswith("survivors")]
    # 4 x 120 MiB never all fit in 200 MiB: hogs (or the whole test) are killed
    assert (printed and int(printed[0].split()[1]) <= 1) or "memory" in add["summary"], (add["summary"], printed)
    assert full(tests["engine.mul"])


@needs_bwrap
@pytest.mark.parametrize("grader", GRADERS)
def test_filling_the_disk_with_small_files_stops_at_the_work_folders_size(folder, grader):
    sub = submission(folder / "sub", engine_add='''
import os, sys
if not getattr(sys, "_filled", False):
    sys._filled = True
    written = 0
    try:
        for i in range(20000):
            with open(f"fill{i}", "w") as f:
                f.write("x" * 4096)
            written += 1
    except OSError:
        pass
    print("written", written, os.getcwd())
''')
    tests = by_id(grade(sub, ["engine.add", "engine.mul"], grader, limits={"disk": 1 << 20}))
    printed = [line for line in tests["engine.add"]["output"].splitlines() if line.startswith("written")]
    assert printed and int(printed[0].split()[1]) * 4096 <= 1 << 20, printed
    assert full(tests["engine.add"]) and full(tests["engine.mul"])
    assert not pathlib.Path(printed[0].split()[2], "fill0").exists()  # nothing left on the host


# ---------------------------------------------------------------------------------------------
# 5. network: no socket of any family

@needs_bwrap
@pytest.mark.parametrize("grader", GRADERS)
def test_no_udp_no_unix_sockets_no_socketpair(folder, grader):
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    path = str(folder / "listener.sock")
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    unix.bind(path)
    os.chmod(path, 0o777)
    abstract_name = f"\0grader-hostile-{secrets.token_hex(8)}"
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    abstract.bind(abstract_name)
    try:
        sub = submission(folder / "sub", engine_add=f'''
import socket, sys
if not getattr(sys, "_netted", False):
    sys._netted = True
    attempts = {{
        "udp": lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"leak", ("127.0.0.1", {udp.getsockname()[1]})),
        "unix": lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"leak", {path!r}),
        "abstract": lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"leak", {abstract_name!r}),
        "socketpair": lambda: socket.socketpair(),
    }}
    for name, attempt in attempts.items():
        try:
            attempt()
            print(name, "ok")
        except OSError as exc:
            print(name, type(exc).__name__)
''')
        tests = by_id(grade(sub, ["engine.add"], grader))
        lines = dict(line.split(" ", 1) for line in tests["engine.add"]["output"].splitlines() if " " in line)
        assert {k: lines.get(k) for k in ("udp", "unix", "abstract", "socketpair")} == dict.fromkeys(
            ("udp", "unix", "abstract", "socketpair"), "PermissionError"), lines
        for listener in (udp, unix, abstract):
            listener.settimeout(0.2)
            with pytest.raises(socket.timeout):
                listener.recv(16)
    finally:
        for listener in (udp, unix, abstract):
            listener.close()


# ---------------------------------------------------------------------------------------------
# 6. fail closed: instructor-side grading refuses without protection, unless opted out (and says so)

def test_batch_refuses_without_bubblewrap_and_says_how_to_get_it(tmp_path, no_bwrap):
    submission(tmp_path / "class" / "ann")
    with pytest.raises(ConfinementMissing) as refused:
        batch.grade_class(tmp_path / "class", tmp_path / "grades.csv", config.Settings(), workers=1)
    assert "bubblewrap" in str(refused.value) and "apt-get install bubblewrap" in str(refused.value)
    assert not (tmp_path / "grades.csv").exists() and not (tmp_path / "grades").exists()


def _cli(args, path, tmp_path):
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=ROOT, capture_output=True, text=True,
                          env={"PATH": path, "HOME": str(tmp_path)}, timeout=600)


def test_hidden_seed_check_and_batch_refuse_on_the_command_line(tmp_path, no_bwrap):
    sub = submission(tmp_path / "class" / "ann")
    check = _cli(["check", "engine.add", "--submission", str(sub), "--hidden-seed", "7"], no_bwrap, tmp_path)
    assert check.returncode == 2 and "bubblewrap" in check.stderr and "Traceback" not in check.stderr, check.stderr
    run = _cli(["batch", str(tmp_path / "class"), "--out", str(tmp_path / "g.csv")], no_bwrap, tmp_path)
    assert run.returncode == 2 and "apt-get install bubblewrap" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "g.csv").exists()


def test_opting_out_grades_and_every_report_says_so(tmp_path, no_bwrap):
    import jsonschema

    from grader.results import SCHEMA_PATH

    sub = submission(tmp_path / "sub")
    settings_file = tmp_path / "grader.toml"
    settings_file.write_text('[grading]\nconfinement = "none"\n[limits]\nwall_seconds = 30\n')
    out = tmp_path / "report.json"
    run = _cli(["check", "engine.add", "--submission", str(sub), "--hidden-seed", "7", "--config",
                str(settings_file), "--format", "json", "--out", str(out)], no_bwrap, tmp_path)
    assert run.returncode == 0, run.stderr
    data = json.loads(out.read_text())
    jsonschema.validate(data, json.loads(SCHEMA_PATH.read_text()))
    assert "opted out" in data["confinement"] and "opted out" in run.stderr
    from grader.views import reports
    from grader.results import from_dict

    report = from_dict(data)
    for view in ("text", "gradescope"):
        assert "opted out" in reports.render(report, view, color=False), view
    settings = config.load(settings_file)
    results, _ = batch.grade_class(tmp_path / "sub" / "..", tmp_path / "g.csv", settings, workers=1)
    assert all("opted out" in r["report"]["confinement"] for r in results if r["report"])


def test_a_students_own_check_runs_with_what_there_is_and_says_what(tmp_path, no_bwrap):
    sub = submission(tmp_path / "sub")
    run = _cli(["check", "engine.add", "--submission", str(sub)], no_bwrap, tmp_path)
    assert run.returncode == 0, run.stderr
    line = [x for x in run.stdout.splitlines() if x.startswith("sandbox:")]
    assert len(line) == 1 and "no bubblewrap: apt-get install bubblewrap" in line[0], run.stdout


@needs_bwrap
def test_a_full_sandbox_is_reported(tmp_path):
    report = grade(submission(tmp_path / "sub"), ["engine.add"], instructor=True)
    assert report["confinement"].startswith("bubblewrap + seccomp + Landlock")


# ---------------------------------------------------------------------------------------------
# output: past the limit it is cut and noted, never an error

@pytest.mark.parametrize("grader", GRADERS)
def test_huge_output_is_cut_and_noted_never_an_error(folder, grader):
    sub = submission(folder / "sub", engine_add='''
import os
print("y" * (3 << 20))
os.write(1, b"z" * (2 << 20))
''')
    tests = by_id(grade(sub, ["engine.add", "engine.mul"], grader, limits={"output": 64 << 10}))
    add = tests["engine.add"]
    assert full(add), add["summary"]
    assert "File too large" not in json.dumps(add) and "was cut" in add["output"]
    assert full(tests["engine.mul"])


@needs_bwrap
@pytest.mark.skipif(not can_be_nobody(), reason="needs root and /usr/bin/python3 to drop privileges")
def test_run_as_still_drops_privileges_inside_the_sandbox(folder):
    from grader.pipeline import check

    sub = submission(folder / "sub", engine_add='''
import os, sys
if not getattr(sys, "_told", False):
    sys._told = True
    print("uid", os.getuid(), os.getgid())
''')
    settings = config.Settings(run_as="nobody", python="/usr/bin/python3", limits=Limits(wall=30, cpu=20))
    report = check.grade(sub, ["engine.add"], settings)
    add = report.tests[0]
    assert add.score == add.max_score, add.summary
    assert "uid 65534 65534" in add.output, add.output


@needs_bwrap
@pytest.mark.parametrize("grader", GRADERS)
def test_no_nested_user_namespace_for_a_private_tmpfs(folder, grader):
    """A user namespace of its own would let the code mount a tmpfs outside the work folder's limit."""
    sub = submission(folder / "sub", engine_add='''
import ctypes, sys
if not getattr(sys, "_nested", False):
    sys._nested = True
    libc = ctypes.CDLL(None, use_errno=True)
    print("unshare", libc.unshare(0x10000000))  # CLONE_NEWUSER
''')
    tests = by_id(grade(sub, ["engine.add"], grader))
    assert "unshare -1" in tests["engine.add"]["output"], tests["engine.add"]["output"]
    assert full(tests["engine.add"])


@pytest.mark.parametrize("test_id, modules, absent", [
    ("engine.add", set(), set()),
    ("engine.backward", set(), set()),
    ("nn.neuron", {"engine", "data"}, {"Neuron", "Layer", "MLP"}),
    ("nn.layer", {"engine", "data", "nn"}, {"Layer", "MLP"}),
    ("nn.mlp", {"engine", "data", "nn"}, {"MLP"}),
    ("train.cross_entropy", {"engine"}, {"cross_entropy", "loss_fn"}),
    ("train.adamw", {"engine"}, {"AdamW", "SGD"}),
    ("train.loop", {"engine", "data", "nn", "losses", "optim"}, {"train"}),
    ("train.squared_error", {"engine"}, {"squared_error"}),
    ("train.sgd", {"engine"}, {"SGD", "AdamW"}),
    ("engine.numerical_grad", set(), {"Value"}),
])
def test_each_child_gets_only_the_reference_pieces_standing_in_for_other_parts(test_id, modules, absent):
    import ast

    from grader.pipeline.sandbox import reference_pieces

    pieces = reference_pieces(test_id)
    got = {pathlib.PurePath(p).stem for p in pieces} - {"__init__"}
    assert got == modules
    defined = {node.name for source in pieces.values() for node in ast.parse(source).body
               if isinstance(node, (ast.ClassDef, ast.FunctionDef))}
    assert not defined & absent, defined & absent


def test_the_confinement_setting_is_checked_and_defaults_to_required():
    assert config.Settings().confinement == "required"
    assert config.from_dict({"grading": {"confinement": "none"}}).confinement == "none"
    with pytest.raises(config.ConfigError, match="confinement"):
        config.from_dict({"grading": {"confinement": "maybe"}})


def test_the_seccomp_program_refuses_sockets_and_kills_other_abis():
    """An interpreter of the classic BPF the filter is written in, run on seccomp_data by hand."""
    import struct

    from grader.pipeline.sandbox import seccomp_program

    prog = [struct.unpack("=HBBI", seccomp_program("x86_64")[i:i + 8])
            for i in range(0, len(seccomp_program("x86_64")), 8)]

    def verdict(arch, nr):
        data, acc, pc = {0: nr, 4: arch}, 0, 0
        while True:
            code, jt, jf, k = prog[pc]
            if code == 0x20:
                acc = data[k]
            elif code in (0x15, 0x35):
                pc += jt if (acc == k if code == 0x15 else acc >= k) else jf
            elif code == 0x06:
                return k
            pc += 1

    x86_64, i386 = 0xC000003E, 0x40000003
    allow, kill, eperm = 0x7FFF0000, 0x80000000, 0x00050001
    assert [verdict(x86_64, nr) for nr in (41, 53, 425)] == [eperm] * 3  # socket, socketpair, io_uring_setup
    assert [verdict(x86_64, nr) for nr in (0, 1, 42, 57, 59)] == [allow] * 5  # read, write, connect, fork, execve
    assert verdict(x86_64, 0x40000000 + 41) == kill  # x32
    assert verdict(i386, 102) == kill  # socketcall of 32-bit code


@pytest.mark.slow
def test_the_gradescope_autograder_does_not_follow_a_linked_upload(autograder_zip, tmp_path):
    from tests.test_gradescope import autograder_root, run_autograder

    root = autograder_root(autograder_zip, submission(tmp_path / "s"))
    upload = root / "submission" / "hw" / "engine.py"
    upload.unlink()
    upload.symlink_to("/etc/shadow")
    try:
        results = run_autograder(root)
    finally:
        shutil.rmtree(root)
    tests = {t["name"]: t for t in results["tests"]}
    assert "root:" not in json.dumps(results)
    for name, t in tests.items():
        if name.startswith("engine."):
            assert t["score"] == 0 and "engine.py is a symbolic link" in t["output"], t["output"]
        else:
            assert t["score"] == t["max_score"], (name, t["output"])


@needs_bwrap
def test_without_landlock_bubblewrap_alone_leaves_only_the_sized_work_folder_writable():
    """Each layer holds on its own: here bubblewrap, with Landlock left out of the plan (landlock=0)."""
    from grader.pipeline import cases
    from grader.pipeline.sandbox import plan, run_cases

    files = intake.read_submission(submission(world_dir() / "sub", engine_add='''
import os, sys
if not getattr(sys, "_wrote", False):
    sys._wrote = True
    import sysconfig
    for path in ("/dev/shm/fill", "/dev/fill", "/fill", "/usr/fill", "/tmp/fill",
                 sysconfig.get_paths()["purelib"] + "/fill", "fill"):
        try:
            with open(path, "w") as f:
                f.write("x" * 4096)
            print(path, "written")
        except OSError as exc:
            print(path, type(exc).__name__)
    import ctypes
    os.mkdir("mnt")
    mounted = ctypes.CDLL(None, use_errno=True).mount(b"none", b"mnt", b"tmpfs", 0, None)
    print("mount", "written" if mounted == 0 else "refused")  # a tmpfs of its own: no size limit
    caps = [line.split()[1] for line in open("/proc/self/status") if line.startswith("CapEff")]
    print("capabilities", caps[0])
''')).files
    outcome = run_cases("engine.add", cases.case_list("engine.add"), files, Limits(wall=30, cpu=20),
                        sandbox=dataclasses.replace(plan("available"), landlock=0))
    written = [line.split()[0] for line in outcome.output.splitlines() if line.endswith(" written")]
    assert written == ["fill"], outcome.output
    assert "capabilities 0000000000000000" in outcome.output, outcome.output
