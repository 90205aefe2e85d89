"""`pytest exercises/`: one test per exercise id, graded by the real grader."""
import pathlib
import shutil
import subprocess
import sys

from grader.spec import TEST_IDS

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run_pytest(*args):
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=ROOT, capture_output=True, text=True)


def test_one_test_per_exercise_id():
    proc = run_pytest("exercises/", "--collect-only", "-q")
    ids = [line.split("::")[1] for line in proc.stdout.splitlines() if "::" in line]
    from grader.spec import TEST_IDS

    assert sorted(ids) == sorted(TEST_IDS)


def test_stub_fails_with_the_graders_feedback_and_k_selects():
    proc = run_pytest("exercises/", "-k", "tanh", "-q")
    assert proc.returncode == 1
    assert f"1 failed, {len(TEST_IDS) - 1} deselected" in proc.stdout
    assert "engine.tanh: 0/3" in proc.stdout and "write the local derivative of tanh" in proc.stdout
    assert "case 1:" not in proc.stdout  # a stub's message is said once, not again as a failing case


def test_finished_exercises_pass(tmp_path):
    folder = tmp_path / "mywork"
    shutil.copytree(ROOT / "solutions", folder)
    shutil.copyfile(ROOT / "exercises" / ".stubs-manifest.json", folder / ".stubs-manifest.json")
    text = (folder / "engine.py").read_text().replace("(1 - t**2) * out.grad", "(1 - self.data**2) * out.grad")
    (folder / "engine.py").write_text(text)
    proc = run_pytest(str(folder), "-p", "grader.integrations.pytest_plugin", "-q")  # a folder outside the kit
    assert f"1 failed, {len(TEST_IDS) - 1} passed" in proc.stdout, proc.stdout
    assert "likely mistake: used the input where the output belongs" in proc.stdout
