"""Every command the README shows works as written: its shell blocks (the student's, the
instructor's and the TA's) run, in README order, in a fresh clone of this repository.

The clone reuses this kit's installed .venv through a symlink, to keep the run short; building
.venv from nothing is what .ci/run covers. What a command needs from students (a folder of
submissions, a notebook submitted through nbgrader's exchange) is made by the test, the way
students would make it.
"""
import csv
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from grader.classroom import batch
from tests.classroom import MUTANTS, SOLUTIONS, mutate

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHELL_BLOCK = re.compile(r"^(#{2,4} [^\n]*)$|^```(\w*)\n(.*?)^```", re.M | re.S)

# commands the README shows that cannot run here, each with the reason (matched against a line)
NOT_RUN = {
    r"^make test\b": "the test-suite itself, this test included: .ci/run runs it from a fresh clone",
    r"^make demo\b": "serves until stopped; tests/test_demo.py starts the same app and drives it",
    r"--scheduler|\bdask\b|\bsrun\b|\bsbatch\b|\bsalloc\b": "needs a Dask or Slurm cluster",
    r"train\.py --lecture": "trains on the student's finished nn.py and train.py; tests/test_lecture.py runs it "
                             "on the answer key",
}

# a student fetches the released notebook through the course's exchange, fills it in (the
# answer key's source notebook) and submits it: what `nbgrader collect` then picks up
STUDENT_SUBMITS = """
(
    course=$PWD
    mkdir -p "$STUDENT_HOME" && cd "$STUDENT_HOME"
    nbgrader fetch_assignment micrograd --course micrograd --Exchange.root="$course/exchange"
    cp "$course/source/micrograd/micrograd.ipynb" micrograd/micrograd.ipynb
    nbgrader submit micrograd --course micrograd --Exchange.root="$course/exchange"
)
"""
AFTER_LINE = {"nbgrader release_assignment micrograd": STUDENT_SUBMITS}
SYSTEM_EXCHANGE = pathlib.Path("/usr/local/share/nbgrader/exchange/micrograd")


def shell_blocks(text):
    """[(section heading, [command lines])] of the README's sh blocks, in order."""
    blocks, heading, h2 = [], "", ""
    for m in SHELL_BLOCK.finditer(text):
        if m.group(1):
            heading = m.group(1)
            if heading.startswith("## "):
                h2 = heading
            continue
        if m.group(2) in ("sh", "bash", "shell"):
            blocks.append((h2, heading, [line for line in m.group(3).splitlines()]))
    return blocks


def runnable(lines):
    """The block's lines without the ones NOT_RUN names (and why each was left out)."""
    kept, left_out = [], []
    for line in lines:
        reason = next((why for pattern, why in NOT_RUN.items() if re.search(pattern, line.strip())), None)
        (left_out if reason else kept).append((line, reason))
    return [line for line, _ in kept], [(line.strip(), why) for line, why in left_out]


def command(line):
    """A line without its comment."""
    return line.split("#")[0].strip()


def script(h2, lines):
    out = ["set -euo pipefail"]
    if h2.startswith("## Grading a class"):
        out.append(". .venv/bin/activate  # as the section says")
    for line in lines:
        out.append(line)
        out += [extra for key, extra in AFTER_LINE.items() if key in line]
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def clone():
    missing = [tool for tool in ("git", "make", "cc") if shutil.which(tool) is None]
    if missing:  # what a clone and `make c` take for granted; set-up does not install them
        pytest.skip(f"not installed: {', '.join(missing)}")
    # under /tmp and readable by all: the Gradescope run drops student code to user nobody
    folder = pathlib.Path(tempfile.mkdtemp(prefix="readme-", dir="/tmp"))
    os.chmod(folder, 0o755)
    kit = folder / "kit"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(kit)], check=True)
    (kit / ".venv").symlink_to((ROOT / ".venv").resolve())
    # the class the TA's commands grade: one correct, one with a bug, one not started
    subs = kit / "submissions"
    subs.mkdir()
    for name in ("engine.py", "nn.py", "train.py"):
        (subs / "alice").mkdir(exist_ok=True)
        shutil.copyfile(SOLUTIONS / name, subs / "alice" / name)
        (subs / "carol").mkdir(exist_ok=True)
        shutil.copyfile(kit / "exercises" / name, subs / "carol" / name)
    file, old, new, _ = MUTANTS["tanh_no_chain"]
    mutate(subs / "bob", file, old, new)
    # and classmates with the key's files until each of the README's four shards has a student
    # (an empty shard is an error of its own)
    for name in ("dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj", "olivia"):
        empty = [i for i in range(1, 5) if not any(batch.in_shard(p.name, (i, 4)) for p in subs.iterdir())]
        if any(batch.in_shard(name, (i, 4)) for i in empty):
            shutil.copytree(subs / "alice", subs / name)
    assert all(any(batch.in_shard(p.name, (i, 4)) for p in subs.iterdir()) for i in range(1, 5))
    yield kit
    shutil.rmtree(folder, ignore_errors=True)


def environment(kit):
    # as a new user's shell: no virtual environment active (make's own PATH entry included)
    path = [p for p in os.environ["PATH"].split(os.pathsep) if not p.rstrip("/").endswith(".venv/bin")]
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return dict(env, PATH=os.pathsep.join(path), NO_COLOR="1", STUDENT_HOME=str(kit.parent / "student"))


@pytest.mark.slow
@pytest.mark.requires_unzip
def test_every_readme_command_runs_as_written(clone):
    kit = clone
    blocks = shell_blocks((kit / "README.md").read_text())
    sections = {h2 for h2, _, _ in blocks}
    assert any("students" in s for s in sections) and any("instructors" in s for s in sections)
    assert any("Grading a class" in s for s in sections)
    system_exchange_before = SYSTEM_EXCHANGE.exists()
    env, ran, left_out = environment(kit), [], []
    for h2, heading, lines in blocks:
        lines, skipped = runnable(lines)
        left_out += skipped
        # a make target the README showed before, in the same state, proves nothing new
        lines = [line for line in lines if not (line.startswith("make ") and command(line) in map(command, ran))]
        if not any(line.strip() and not line.strip().startswith("#") for line in lines):
            continue
        started = time.monotonic()
        proc = subprocess.run(["bash", "-c", script(h2, lines)], cwd=kit, env=env, capture_output=True,
                              text=True, timeout=600)
        print(f"{time.monotonic() - started:6.1f} s  {heading}")  # where the time goes (pytest -s)
        assert proc.returncode == 0, f"{heading}:\n" + "\n".join(lines) + f"\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        ran += lines
    commands = "\n".join(ran)
    for wanted in ("make check", "make stubs", "make nbgrader", "grader batch", "grader merge", "make gradescope",
                   "run_autograder", "make release", "make c"):
        assert wanted in commands, f"the README no longer runs {wanted!r}"
    print("not run here:", *(f"  {line}: {why}" for line, why in left_out), sep="\n")

    # what the commands made: the student's report, the C run, the class's grades, every course step
    assert (kit / "build" / "report.html").is_file()
    with open(kit / "grades.csv", newline="") as f:
        grades = {row["student"]: row for row in csv.DictReader(f)}
    assert set(grades) == {p.name for p in (kit / "submissions").iterdir()} >= {"alice", "bob", "carol"}
    assert float(grades["alice"]["total"]) > float(grades["bob"]["total"]) > float(grades["carol"]["total"])
    course = kit / "build" / "nbgrader"
    assert (course / "exchange" / "micrograd" / "outbound" / "micrograd" / "micrograd.ipynb").is_file()
    assert SYSTEM_EXCHANGE.exists() == system_exchange_before  # nothing written outside the course
    with open(course / "grades.csv", newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert float(row["score"]) == float(row["max_score"]) > 0
    assert list((course / "feedback").glob("*/micrograd/micrograd.html"))
    assert list((course / "exchange" / "micrograd" / "feedback").glob("*.html"))  # release_feedback
    results = json.loads((kit / "build" / "gradescope" / "try" / "results" / "results.json").read_text())
    assert results["tests"] and results["score"] == 0  # the clone's exercises are still stubs
    assert (kit / "build" / "student" / "exercises" / "engine.py").is_file()
