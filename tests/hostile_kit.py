"""Helpers for the hostile containment suite: submissions built from the answer key with attack code
spliced in, grading as root (in this process) or as an unprivileged grader (user nobody, in a
subprocess), and looking for processes left behind.
"""
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import textwrap
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
SYSTEM_PYTHON = pathlib.Path("/usr/bin/python3")
# where engine.add's backward does its work in the answer key: attack code goes before it
ADD_BACKWARD = "            self.grad += out.grad\n"
# four processes of 120 MiB each, within a per-process limit and together above a test's 200 MiB:
# prints how many of them lived
MEMORY_HOG = '''
import os, sys, time
if not getattr(sys, "_hogged", False):
    sys._hogged = True
    pids = []
    for _ in range(4):
        pid = os.fork()
        if pid == 0:
            hog = b"x" * (120 << 20)  # each within the per-process limit, together four times it
            time.sleep(3)
            os._exit(0)
        pids.append(pid)
    print("survivors", sum(1 for pid in pids if os.waitpid(pid, 0)[1] == 0))
'''


def can_be_nobody():
    """Whether this machine can run the grader as user nobody (root, setpriv and a system Python)."""
    return os.geteuid() == 0 and shutil.which("setpriv") is not None and SYSTEM_PYTHON.exists()


def world_dir():
    """A fresh folder that user nobody can read (pytest's own tmp_path is private to root)."""
    path = pathlib.Path(tempfile.mkdtemp(prefix="hostile-"))
    path.chmod(0o755)
    return path


def submission(folder, source=SOLUTIONS, engine_add=None, append=None):
    """The three files of `source` in `folder`; `engine_add`: code run in engine.add's backward before
    its gradient line (indented there); `append`: {file: code added at its end}."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("engine.py", "nn.py", "train.py"):
        shutil.copyfile(source / name, folder / name)
    if engine_add is not None:
        text = (folder / "engine.py").read_text()
        assert ADD_BACKWARD in text, "the answer key changed: update tests/hostile_kit.py"
        body = textwrap.indent(textwrap.dedent(engine_add).strip("\n"), " " * 12)
        (folder / "engine.py").write_text(text.replace(ADD_BACKWARD, body + "\n" + ADD_BACKWARD, 1))
    for name, code in (append or {}).items():
        with open(folder / name, "a") as f:
            f.write("\n" + textwrap.dedent(code))
    os.chmod(folder, 0o755)
    for name in ("engine.py", "nn.py", "train.py"):
        if (folder / name).exists() and not (folder / name).is_symlink():
            os.chmod(folder / name, 0o644)
    return folder


RUN_AS_NOBODY = """
import json, sys
from grader import config
from grader.pipeline import check
from grader.pipeline.sandbox import Limits
args = json.loads(sys.argv[1])
settings = config.Settings(limits=Limits(**args["limits"]), confinement=args["confinement"], jobs=args["jobs"])
report = check.grade(args["submission"], args["ids"], settings, instructor=args["instructor"])
print(report.to_json())
"""


def grade(sub, ids, grader="root", limits=None, confinement="required", instructor=False, jobs=2):
    """The report (as plain data) of `sub` on test ids `ids`, graded by this process (`root`, or
    whoever runs the tests) or by user nobody (`nobody`, the system Python, in a subprocess)."""
    from grader import config
    from grader.pipeline import check
    from grader.pipeline.sandbox import Limits

    limits = dict(wall=30.0, cpu=20.0, **(limits or {}))
    if grader != "nobody":
        settings = config.Settings(limits=Limits(**limits), confinement=confinement, jobs=jobs)
        return check.grade(sub, ids, settings, instructor=instructor).to_dict()
    args = dict(submission=str(sub), ids=list(ids), limits=limits, confinement=confinement,
                instructor=instructor, jobs=jobs)
    proc = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", str(SYSTEM_PYTHON),
                           "-c", RUN_AS_NOBODY, json.dumps(args)], cwd=ROOT, capture_output=True, text=True,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
                               "HOME": "/nonexistent"}, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def by_id(report):
    return {t["id"]: t for t in report["tests"]}


def full(test):
    return test["score"] == test["max_score"]


def processes_with(token):
    """Pids of live processes whose command line contains `token`."""
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if token.encode() in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def wait_until_gone(token, seconds=10.0):
    """Pids still alive with `token` after up to `seconds` (a PID namespace ends a moment after
    its first process)."""
    deadline = time.monotonic() + seconds
    while True:
        left = processes_with(token)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)
