"""The Gradescope autograder: its zip's layout, PyTorch's values shipped in it (recomputed live here),
and run_autograder on a temporary root standing in for /autograder, with hostile submissions."""
import json
import os
import pathlib
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile

import pytest

from grader import config
from grader.pipeline import cases, check, compare, expect
from grader.spec import DEFAULT_POINTS, TEST_IDS
from tests.classroom import copy_solutions, mutate

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEED = 20241
FULL = sum(DEFAULT_POINTS.values()) - DEFAULT_POINTS["engine.tanh"] + 5  # with the settings below
VISIBILITY = "[gradescope]\nvisibility = \"visible\"\nhidden_visibility = \"after_published\"\nstdout_visibility = \"hidden\"\n"


def test_gradescope_settings_are_validated():
    s = config.from_dict({"gradescope": {"hidden_visibility": "after_due_date"}})
    assert s.extra["gradescope"] == {"hidden_visibility": "after_due_date"}
    with pytest.raises(config.ConfigError, match="gradescope.hidden_visibility"):
        config.from_dict({"gradescope": {"hidden_visibility": "later"}})
    with pytest.raises(config.ConfigError, match="gradescope"):
        config.from_dict({"gradescope": {"visiblity": "visible"}})


def test_torch_expectations_read_a_given_store_covering_hidden_cases(torch):
    from grader.pipeline import torch_expect

    store = torch_expect.build_store(["engine.tanh"], hidden_seed=SEED)
    all_cases = check.build_cases("engine.tanh", SEED)
    values, source = check.torch_expectations("engine.tanh", all_cases, live=False, store=store)
    assert source == "precomputed" and len(values) == len(all_cases)
    for (case, _), got in zip(all_cases, values):  # PyTorch's derivative, checked by hand
        t = torch.tanh(torch.tensor(case["a"]))
        assert got["grads"][0] == pytest.approx(case["ga"] + case["g"] * (1 - t.item() ** 2), rel=1e-12)
    other = check.build_cases("engine.tanh", SEED + 1)  # other hidden cases: the store does not apply
    values, source = check.torch_expectations("engine.tanh", other, live=False, store=store)
    assert values[-1] is None


# ---------------------------------------------------------------------------------------------
# slow: the zip itself

@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gradescope")
    settings = folder / "grader.toml"
    settings.write_text(VISIBILITY + "[points]\n\"engine.tanh\" = 5\n")
    proc = subprocess.run([sys.executable, "-m", "grader", "gradescope", "--out", str(folder / "autograder.zip"),
                           "--config", str(settings), "--hidden-seed", str(SEED)], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return folder / "autograder.zip"


@pytest.mark.slow
def test_zip_layout(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as z:
        names = set(z.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
        settings = z.read("grader.toml").decode()
    assert {"setup.sh", "run_autograder", "grader.toml", "grader/pipeline/check.py", "micrograd_ref/engine.py"} <= names
    assert all(modes[n] & stat.S_IXUSR for n in ("setup.sh", "run_autograder"))
    assert not any(n.startswith("solutions/") or n.endswith("torch_expect.py") for n in names)
    data = config.from_dict(__import__("tomllib").loads(settings))
    assert data.hidden_seed == SEED and data.points["engine.tanh"] == 5 and data.run_as == "nobody"
    assert data.extra["gradescope"]["hidden_visibility"] == "after_published"


@pytest.mark.slow
def test_shipped_pytorch_values_match_live_pytorch_and_the_reference(autograder_zip, torch):
    from grader.pipeline import torch_expect

    with zipfile.ZipFile(autograder_zip) as z:
        store = json.loads(z.read("grader/data/gradescope_torch.json"))
    for test_id in TEST_IDS:
        chosen = cases.case_list(test_id) + cases.case_list(test_id, seed=SEED, hidden=True)
        assert store[test_id]["digest"] == cases.fingerprint(chosen)
        for case, shipped in zip(chosen, store[test_id]["values"]):
            assert compare.agree(torch_expect.expected(test_id, case), shipped), test_id
            assert compare.agree(expect.expected(test_id, case), shipped), test_id


def autograder_root(autograder_zip, submission_files, edit_settings=None):
    """A temporary /autograder: source/ unzipped, submission/ (in a sub-folder, as uploads often are)."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="autograder-", dir="/tmp"))
    os.chmod(root, 0o755)  # the unprivileged user must reach source/
    (root / "source").mkdir()
    with zipfile.ZipFile(autograder_zip) as z:
        z.extractall(root / "source")
    if edit_settings:
        path = root / "source" / "grader.toml"
        path.write_text(edit_settings(path.read_text()))
    (root / "submission" / "hw").mkdir(parents=True)
    for path in submission_files.iterdir():
        shutil.copyfile(path, root / "submission" / "hw" / path.name)
    (root / "results").mkdir()
    subprocess.run(["chmod", "-R", "a+rX", str(root)], check=True)
    return root


def run_autograder(root):
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable)
    proc = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads((root / "results" / "results.json").read_text())


@pytest.mark.slow
def test_run_autograder_grades_with_hidden_cases(autograder_zip, tmp_path):
    root = autograder_root(autograder_zip, mutate(tmp_path / "s", "engine.py", "self.grad += (1 - t**2) * out.grad",
                                                  "self.grad += (1 - t**2)"))
    try:
        results = run_autograder(root)
    finally:
        shutil.rmtree(root)
    assert set(results) >= {"score", "tests", "stdout_visibility"} and results["stdout_visibility"] == "hidden"
    tests = {t["name"]: t for t in results["tests"]}
    assert list(tests) == list(TEST_IDS)
    points = dict(DEFAULT_POINTS, **{"engine.tanh": 5})
    for name, t in tests.items():
        assert t["max_score"] == points[name]
        if name == "engine.tanh":
            assert t["score"] < 5 and t["status"] == "failed" and t["visibility"] == "after_published"
            assert "forgot to multiply by out.grad" in t["output"]
        else:
            assert t["score"] == t["max_score"] and t["visibility"] == "visible"
            counted = int(t["output"].split()[1])  # "all N cases pass": public and hidden cases
            assert counted > len(cases.case_list(name)), name
    assert results["score"] == pytest.approx(sum(t["score"] for t in tests.values()))


FORGE = """
import json as _json
try:
    with open({path!r}, "w") as _f:
        _json.dump({{"score": 1000, "tests": []}}, _f)
except OSError:
    pass
"""


@pytest.mark.slow
def test_the_reported_results_are_the_graders_own(autograder_zip, tmp_path):
    sub = copy_solutions(tmp_path / "s")
    root = autograder_root(autograder_zip, sub)
    forged = {"score": 1000, "tests": []}
    (root / "results" / "results.json").write_text(json.dumps(forged))  # there before the run
    engine = root / "submission" / "hw" / "engine.py"  # and written by the student's code during it
    engine.write_text(FORGE.format(path=str(root / "results" / "results.json")) + engine.read_text())
    try:
        results = run_autograder(root)
        leftovers = sorted(p.name for p in (root / "results").iterdir())
    finally:
        shutil.rmtree(root)
    assert results != forged and results["score"] == pytest.approx(FULL)
    assert all(t["score"] == t["max_score"] for t in results["tests"]) and len(results["tests"]) == len(TEST_IDS)
    assert leftovers == ["results.json"]  # written through a temporary file and a rename


@pytest.mark.slow
def test_the_container_side_needs_no_pytorch(autograder_zip, tmp_path):
    root = autograder_root(autograder_zip, copy_solutions(tmp_path / "s"))
    code = ("import sys; sys.modules['torch'] = None\n"  # importing torch now fails
            "from grader.integrations import gradescope_run; gradescope_run.main()\n"
            "assert not {'rich', 'jinja2'} & set(sys.modules), 'imports more than the container installs'")
    try:
        proc = subprocess.run([sys.executable, "-c", code], cwd=root / "source", capture_output=True, text=True,
                              env=dict(os.environ, AUTOGRADER_ROOT=str(root)), timeout=300)
        results = json.loads((root / "results" / "results.json").read_text())
    finally:
        shutil.rmtree(root)
    assert proc.returncode == 0, proc.stderr
    assert results["score"] == pytest.approx(FULL)


def test_zip_settings_keep_the_instructors_and_add_the_containers():
    import tomllib

    from grader.builders.gradescope import CONTAINER_PYTHON, settings_toml

    mine = ('[points]\n"engine.add" = 3\n[grading]  # local\npython = "/usr/bin/python3"\njobs = 2\n'
            '[gradescope]\nvisibility = "hidden"\n')
    data = tomllib.loads(settings_toml(mine, 99))
    assert data["points"] == {"engine.add": 3} and data["gradescope"] == {"visibility": "hidden"}
    assert data["grading"] == {"python": CONTAINER_PYTHON, "jobs": 2, "hidden_seed": 99, "run_as": "nobody"}
    assert tomllib.loads(settings_toml("", 1))["grading"]["run_as"] == "nobody"
    with pytest.raises(config.ConfigError):
        settings_toml('[gradescope]\nvisibility = "sometimes"\n', 1)


@pytest.mark.slow
def test_the_readmes_local_run_works_with_relative_paths(autograder_zip, tmp_path):
    """`AUTOGRADER_ROOT=ROOT AUTOGRADER_PYTHON=.venv/bin/python ROOT/source/run_autograder`, from the
    kit's folder, as the README writes it: both paths relative to where it is started."""
    root = autograder_root(autograder_zip, copy_solutions(tmp_path / "s"))
    script = root / "source" / "run_autograder"
    script.chmod(0o755)  # as `unzip` leaves it (zipfile does not keep modes; test_zip_layout checks them)
    relative = os.path.relpath(root, ROOT)
    env = dict(os.environ, AUTOGRADER_ROOT=relative, AUTOGRADER_PYTHON=".venv/bin/python")
    try:
        proc = subprocess.run([f"{relative}/source/run_autograder"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)
        results = json.loads((root / "results" / "results.json").read_text()) if proc.returncode == 0 else None
    finally:
        shutil.rmtree(root)
    assert proc.returncode == 0, proc.stderr
    assert results["score"] == pytest.approx(FULL)


def test_gradescopes_results_are_a_dict_that_the_text_format_writes():
    from grader.results import Report, TestResult
    from grader.views import reports

    t = TestResult("engine.add", 1.0, 2.0, 1, 2, "failed", "1/2 cases pass", hidden_cases=3, elapsed=0.25)
    report = Report("s", [t], 1.0, 2.0, hidden=True)
    data = reports.gradescope(report)
    assert isinstance(data, dict)  # the autograder adds its settings to it without parsing a string back
    assert data["tests"][0] == {"name": "engine.add", "score": 1.0, "max_score": 2.0, "status": "failed",
                                "output": "1/2 cases pass", "visibility": "after_published", "execution_time": 0.25}
    assert json.loads(reports.render(report, "gradescope")) == data


# ---------------------------------------------------------------------------------------------
# every shape check takes, in the container's run (its own process stands in for the container)

CORPUS = ROOT / "tests" / "corpus"


def _upload(dest, shape):
    """An upload as Gradescope stores it: the submission in a folder of its own (hw/)."""
    hw = dest / "submission" / "hw"
    if shape == "notebook":
        hw.mkdir(parents=True)
        shutil.copyfile(CORPUS / "micrograd_lecture.ipynb", hw / "micrograd_lecture.ipynb")
    else:  # "single": micrograd.py and its utils.py; "package": micrograd/engine.py, nn.py, train.py
        shutil.copytree(CORPUS / shape, hw)


@pytest.mark.parametrize("shape", ["single", "notebook", "package"])
def test_the_autograder_grades_every_shape_check_takes(tmp_path, monkeypatch, shape):
    from grader.integrations import gradescope_run

    # each corpus shape holds a right answer to every test id (tests/test_shapes.py checks them without the grader)
    _upload(tmp_path, shape)
    (tmp_path / "results").mkdir()
    settings = tmp_path / "grader.toml"
    settings.write_text(VISIBILITY + "[limits]\nwall_seconds = 60\ncpu_seconds = 60\n"
                        "[grading]\nconfinement = \"available\"\n")
    monkeypatch.setattr(gradescope_run, "SETTINGS", settings)
    monkeypatch.setattr(gradescope_run, "gradescope_torch", lambda: {})  # the public cases' stored values serve
    assert gradescope_run.main(tmp_path) == 0
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    assert [t["name"] for t in results["tests"]] == list(TEST_IDS)  # the results format as before
    assert {t["name"]: t["score"] for t in results["tests"]} == DEFAULT_POINTS, results
    assert results["score"] == pytest.approx(sum(DEFAULT_POINTS.values()))
    assert all(t["number"] == str(i) for i, t in enumerate(results["tests"], 1))


def test_the_autograder_finds_the_submission_in_an_uploaded_folder(tmp_path):
    from grader.integrations.gradescope_run import find_submission

    (tmp_path / "__MACOSX" / "x").mkdir(parents=True)
    (tmp_path / "__MACOSX" / "x" / "engine.py").write_text("")
    (tmp_path / "zip" / "hw" / "micrograd").mkdir(parents=True)
    (tmp_path / "zip" / "hw" / "micrograd" / "engine.py").write_text("")
    assert find_submission(tmp_path) == tmp_path / "zip" / "hw"
    (tmp_path / "zip" / "lecture.ipynb").write_text("{}")
    assert find_submission(tmp_path) == tmp_path / "zip"
