"""The check command: formats, exit codes, settings files, and the stored PyTorch expectations."""
import json
import os
import pathlib
import subprocess
import sys

import jsonschema
import pytest

from grader import config
from grader.builders import expectations as store
from grader.pipeline import cases, check, expect
from grader.results import SCHEMA_PATH, from_dict
from grader.spec import TEST_IDS

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, **(env or {})))


def test_exit_codes_and_text_report():
    ok = run_cli("check", "engine.add", "--submission", "solutions")
    assert ok.returncode == 0, ok.stderr
    assert "engine.add" in ok.stdout and "2/2" in ok.stdout
    assert "\x1b[" not in ok.stdout  # no colour when not on a terminal
    todo = run_cli("check", "engine.add", "--submission", "exercises")
    assert todo.returncode == 1 and "engine.add" in todo.stdout
    usage = run_cli("check", "--format", "xml")
    assert usage.returncode == 2 and "invalid choice" in usage.stderr
    unknown = run_cli("check", "engin")
    assert unknown.returncode == 2 and "unknown part or test id" in unknown.stderr
    missing = run_cli("check", "--submission", "no/such/folder")
    assert missing.returncode == 2 and "not a folder" in missing.stderr


def test_colour_only_when_asked_and_no_color_respected():
    from grader.views import reports

    report = check.grade(ROOT / "exercises", ["engine.tanh"])
    assert "\x1b[" in reports.text(report, color=True)
    assert "\x1b[" not in reports.text(report, color=False)
    os.environ["NO_COLOR"] = "1"
    try:
        assert reports._use_color() is False
    finally:
        del os.environ["NO_COLOR"]


def test_json_report_matches_the_published_schema(tmp_path):
    out = tmp_path / "report.json"
    proc = run_cli("check", "--submission", "exercises", "--format", "json", "--out", str(out))
    assert proc.returncode == 1
    data = json.loads(out.read_text())
    jsonschema.validate(data, json.loads(SCHEMA_PATH.read_text()))
    assert [t["id"] for t in data["tests"]] == list(TEST_IDS)
    assert from_dict(data).to_dict() == data  # the shape round-trips


def test_gradescope_results_follow_the_specification(tmp_path):
    out = tmp_path / "results.json"
    run_cli("check", "--submission", "solutions", "--format", "gradescope", "--out", str(out))
    data = json.loads(out.read_text())
    assert data["score"] == sum(t["max_score"] for t in data["tests"])
    assert isinstance(data["execution_time"], (int, float))
    for t in data["tests"]:
        assert set(t) >= {"name", "score", "max_score", "status", "output", "visibility", "execution_time"}
        assert t["name"] in TEST_IDS and t["status"] == "passed"
        assert t["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
        assert isinstance(t["execution_time"], (int, float))


def test_settings_file_changes_points_and_is_validated(tmp_path):
    good = tmp_path / "grader.toml"
    good.write_text('[points]\n"engine.tanh" = 10\n[limits]\nwall_seconds = 4\n[grading]\ndeep_recursion = "fail"\n')
    s = config.load(good)
    assert s.points["engine.tanh"] == 10 and s.limits.wall == 4 and s.deep_recursion == "fail"
    proc = run_cli("check", "engine.tanh", "--submission", "solutions", "--config", str(good))
    assert "10/10" in proc.stdout
    for text, message in [
        ("[points]\n\"engine.tanh\" = -1\n", "points.engine.tanh"),
        ("[limits]\nwall_seconds = \"fast\"\n", "limits.wall_seconds"),
        ("[colour]\nx = 1\n", "Additional properties"),
        ("[points\n", "not valid TOML"),
    ]:
        bad = tmp_path / "bad.toml"
        bad.write_text(text)
        with pytest.raises(config.ConfigError, match="bad.toml"):
            config.load(bad)
        proc = run_cli("check", "--config", str(bad))
        assert proc.returncode == 2 and message in proc.stderr, proc.stderr


def test_stored_torch_expectations_are_current(torch):
    """The file `make check` reads instead of importing torch, recomputed live with PyTorch."""
    from grader.pipeline import torch_expect

    stored = json.loads(store.PUBLIC_TORCH.read_text())
    live = torch_expect.build_store()
    assert stored.keys() == live.keys()
    for test_id in live:
        assert stored[test_id]["digest"] == live[test_id]["digest"], f"{test_id}: cases changed; run python -m grader expectations"
        # PyTorch's CPU kernels differ by machine (vector width) in the last bits only: 1e-12 is
        # far below any tolerance a student is graded with, and far above that noise
        assert not check.compare.first_difference(stored[test_id]["values"], live[test_id]["values"], 1e-12, 0)


@pytest.mark.parametrize("test_id", TEST_IDS)
def test_reference_and_torch_agree_on_every_case(torch, test_id):
    """The kit's own consistency: where these disagree the grader would blame nobody (internal error)."""
    from grader.pipeline import torch_expect

    for hidden, seed in [(False, cases.PUBLIC_SEED), (True, 1), (True, 2)]:
        for case in cases.case_list(test_id, seed=seed, hidden=hidden):
            ref, ptorch = expect.expected(test_id, case), torch_expect.expected(test_id, case)
            assert check.compare.agree(ref, ptorch), (test_id, case, ref, ptorch)


def test_cases_are_deterministic_and_hidden_ones_differ():
    for test_id in TEST_IDS:
        assert cases.case_list(test_id) == cases.case_list(test_id)
        assert cases.case_list(test_id, seed=5, hidden=True) != cases.case_list(test_id)
        json.dumps(cases.case_list(test_id))  # plain data


def test_check_does_not_import_torch():
    code = ("import sys; from grader.pipeline.check import grade; grade('exercises', ['engine.add', 'train.loop']); "
            "print('torch' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.stdout.strip() == "False", proc.stderr


@pytest.mark.skipif(os.geteuid() != 0 or not pathlib.Path("/usr/bin/python3").exists(),
                    reason="needs root and a system python3 to drop privileges")
def test_student_code_runs_unprivileged_when_asked(tmp_path, monkeypatch):
    # run_as and Landlock on their own: bubblewrap (which would hide the file altogether) is kept off
    # PATH; tests/test_hostile_containment.py checks run_as inside bubblewrap
    (tmp_path / "no-bwrap").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "no-bwrap"))
    secret = tmp_path / "secret.txt"
    secret.write_text("the answer key")
    secret.chmod(0o600)
    sub = tmp_path / "sub"
    sub.mkdir()
    for name in ("engine.py", "nn.py", "train.py"):
        (sub / name).write_text((ROOT / "solutions" / name).read_text())
    text = (sub / "engine.py").read_text().replace(
        "self.grad += out.grad\n", f"open({str(secret)!r}).read()\n            self.grad += out.grad\n", 1)
    (sub / "engine.py").write_text(text)
    tmp_path.chmod(0o755)
    settings = config.Settings(run_as="nobody", python="/usr/bin/python3")
    report = check.grade(sub, ["engine.add", "engine.mul"], settings)
    add, mul = report.tests
    assert mul.score == mul.max_score  # the rest runs fine as nobody
    assert add.score == 0 and "PermissionError" in add.failure.problem


def test_text_report_shows_brackets_and_markup_literally(tmp_path):
    from grader.views import reports

    report = check.grade(ROOT / "exercises", ["train.cross_entropy"])
    report.tests[0].summary = "logits[target] and [bold]not bold[/bold]"
    out = reports.text(report, color=False, width=200)
    assert "logits[target]" in out and "[bold]not bold[/bold]" in out


def test_torch_expectations_live_stored_or_none(torch):
    """live=True computes with PyTorch; the default reads the stored public values; False never computes."""
    public = check.build_cases("engine.tanh")
    with_hidden = check.build_cases("engine.tanh", hidden_seed=3)
    live, source = check.torch_expectations("engine.tanh", public, live=True)
    assert source == "live"
    stored, source = check.torch_expectations("engine.tanh", public)
    assert source == "precomputed" and not check.compare.first_difference(stored, live, 1e-15, 0)
    partial, source = check.torch_expectations("engine.tanh", with_hidden, live=False)
    assert source == "precomputed" and partial[:len(public)] == stored
    assert partial[len(public):] == [None] * (len(with_hidden) - len(public))
