"""The lecture's path: `python train.py --lecture` trains the lecture's MLP(3, [4, 4, 1]) on its four
points with the student's squared_error and SGD, printing the loss at each step."""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def lecture(folder):
    return subprocess.run([sys.executable, "train.py", "--lecture"], cwd=folder, capture_output=True, text=True)


def test_the_answer_key_trains_the_lectures_network_step_by_step():
    proc = lecture(ROOT / "solutions")
    assert proc.returncode == 0, proc.stderr
    losses = [float(x) for x in re.findall(r"^step +\d+  loss (\S+)$", proc.stdout, re.M)]
    assert len(losses) == 20
    assert losses[-1] < losses[0] / 10  # the four points are fitted: the loss falls by far
    assert sum(b < a for a, b in zip(losses, losses[1:])) >= 18  # and nearly every step lowers it


def test_the_lecture_run_starts_from_the_lectures_data_and_loss():
    sys.path.insert(0, str(ROOT / "solutions"))
    try:
        import train
        from engine import Value
    finally:
        sys.path.remove(str(ROOT / "solutions"))
    assert train.LECTURE_XS == [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    assert train.LECTURE_YS == [1.0, -1.0, -1.0, 1.0]
    loss = train.squared_error([Value(0.5), Value(-2.0)], [1.0, -1.0])
    assert loss.data == 0.25 + 1.0  # a sum of squares, computed by hand


def test_in_the_exercises_it_says_what_is_still_to_write():
    proc = lecture(ROOT / "exercises")
    assert proc.returncode != 0 and "NotImplementedError" in proc.stderr
