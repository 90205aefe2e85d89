"""Batch grading: the gradebook's every cell on a class of correct, buggy and hostile submissions,
resuming, shards and merging, error rows, and the analytics page."""
import csv
import dataclasses
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

from grader import config
from grader.classroom import analytics, batch
from grader.spec import DEFAULT_POINTS, TEST_IDS
from tests.classroom import HOSTILE, MUTANTS, copy_solutions, make_class

ROOT = pathlib.Path(__file__).resolve().parent.parent


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["student", *TEST_IDS, "total"]
    return {row[0]: dict(zip(rows[0][1:], row[1:])) for row in rows[1:]}


def broken_student(folder, text="def f(:\n"):
    """A submission whose three files do not parse: graded instantly, no child runs."""
    folder.mkdir(parents=True)
    for name in ("engine.py", "nn.py", "train.py"):
        (folder / name).write_text(text)
    return folder


# ---------------------------------------------------------------------------------------------
# quick: the pieces

def test_shards_partition_the_class_deterministically():
    names = [f"student{i:03d}" for i in range(200)]
    shards = [[n for n in names if batch.in_shard(n, (i, 4))] for i in (1, 2, 3, 4)]
    assert sorted(sum(shards, [])) == names  # every student in exactly one shard
    assert all(20 < len(s) < 80 for s in shards)
    # adding students never moves the others
    assert [n for n in names + ["zz_new"] if batch.in_shard(n, (2, 4))][: len(shards[1])] == shards[1]


@pytest.mark.parametrize("text", ["3", "0/2", "3/2", "a/b", "1/0"])
def test_bad_shard_is_a_usage_error(text):
    with pytest.raises(ValueError, match="shard"):
        batch.parse_shard(text)


def test_files_hash_follows_the_graded_files_only(tmp_path):
    s = broken_student(tmp_path / "s")
    before = batch.files_hash(s)
    (s / "notes.txt").write_text("not graded")
    assert batch.files_hash(s) == before
    (s / "nn.py").write_text("x = 1\n")
    assert batch.files_hash(s) != before


def test_resume_skips_unchanged_students_and_regrades_changed_ones(tmp_path):
    klass = tmp_path / "class"
    for name in ("ann", "bob", "cyd"):
        broken_student(klass / name)
    out = tmp_path / "out" / "grades.csv"
    results, graded = batch.grade_class(klass, out, workers=2)
    assert sorted(r["student"] for r in graded) == ["ann", "bob", "cyd"]
    stored = json.loads((out.parent / "grades" / "bob.json").read_text())
    assert stored["files"] == batch.files_hash(klass / "bob") and stored["report"]["score"] == 0

    (klass / "bob" / "engine.py").write_text("x = 1\n")  # bob changed a file
    _, graded = batch.grade_class(klass, out, workers=2)
    assert [r["student"] for r in graded] == ["bob"]
    _, graded = batch.grade_class(klass, out, workers=2, force=True)
    assert len(graded) == 3
    settings = config.Settings()
    settings.points["engine.add"] = 7  # other settings: other grades
    _, graded = batch.grade_class(klass, out, settings, workers=2)
    assert len(graded) == 3
    rows = read_csv(out)
    assert set(rows) == {"ann", "bob", "cyd"} and all(r["total"] == "0" for r in rows.values())


def test_a_submission_the_grader_cannot_grade_is_an_error_row(tmp_path):
    klass = tmp_path / "class"
    broken_student(klass / "ann")
    settings = config.Settings(run_as="no-such-user-here")  # the grader itself fails (as root)
    if os.geteuid() != 0:
        pytest.skip("run_as is only resolved when running as root")
    out = tmp_path / "grades.csv"
    results, _ = batch.grade_class(klass, out, settings, workers=1)
    assert results[0]["report"] is None and "no-such-user-here" in results[0]["error"]
    assert read_csv(out)["ann"] == {**{t: "" for t in TEST_IDS}, "total": "error"}
    assert "no-such-user-here" in out.with_suffix(".html").read_text()


def test_merge_combines_shards_and_refuses_conflicts(tmp_path):
    klass = tmp_path / "class"
    names = [f"s{i}" for i in range(8)]
    for name in names:
        broken_student(klass / name)
    for i in (1, 2):
        batch.grade_class(klass, tmp_path / f"shard{i}.csv", workers=2, shard=(i, 2))
    shard_rows = [read_csv(tmp_path / f"shard{i}.csv") for i in (1, 2)]
    assert not set(shard_rows[0]) & set(shard_rows[1])
    assert subprocess.run([sys.executable, "-m", "grader", "merge", "--out", str(tmp_path / "all.csv"),
                           str(tmp_path / "shard1.csv"), str(tmp_path / "shard2.csv")], cwd=ROOT).returncode == 0
    assert sorted(read_csv(tmp_path / "all.csv")) == names
    assert len(list((tmp_path / "all").glob("*.json"))) == 8
    # the same student graded from different files in two shards cannot be merged silently
    data = json.loads((tmp_path / "shard1" / f"{next(iter(shard_rows[0]))}.json").read_text())
    data["files"] = "0" * 64
    (tmp_path / "shard2" / f"{data['student']}.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match="graded differently"):
        batch.merge(tmp_path / "again.csv", [tmp_path / "shard1.csv", tmp_path / "shard2.csv"])


def test_analytics_groups_raised_exceptions_by_their_recorded_name_not_the_messages_wording():
    def raised(student, problem):
        failure = {"case": 1, "description": "", "inputs": {}, "expected": None, "got": None, "problem": problem}
        test = {"id": "engine.tanh", "score": 0.0, "max_score": 1.0, "status": "failed", "summary": "", "elapsed": 0.1,
                "failure": failure, "detail": {"raised": "TypeError"}}
        return {"student": student, "report": {"tests": [test], "score": 0.0, "max_score": 1.0, "elapsed": 1.0}}

    results = [raised("a", "TypeError: unsupported operand"),
               raised("b", "raised TypeError (its message is not shown: this test has hidden cases)")]
    (tanh,) = analytics.summarize(results, test_ids=("engine.tanh",))["ops"]
    assert tanh.mistakes == [("raised TypeError", 2, ["a", "b"])]


def test_the_pipeline_records_what_the_first_failing_case_raised(tmp_path):
    from grader.config import Settings
    from grader.pipeline import check
    from grader.pipeline.sandbox import Limits

    engine = (ROOT / "solutions" / "engine.py").read_text()
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "engine.py").write_text(engine.replace("def tanh(self):", "def tanh(self):\n        raise KeyError('x')", 1))
    (tanh,) = check.grade(sub, ["engine.tanh"], Settings(limits=Limits(wall=30.0, cpu=20.0))).tests
    assert tanh.status == "failed" and tanh.detail["raised"] == "KeyError"


def test_analytics_counts_from_stored_results():
    def result(student, statuses, elapsed=1.0):
        tests = [{"id": t, "score": 1.0 if s == "passed" else 0.0, "max_score": 1.0, "status": s,
                  "title": "forgot to multiply by out.grad" if s == "failed" else "", "summary": "", "elapsed": 0.1}
                 for t, s in zip(("engine.add", "engine.tanh"), statuses)]
        return {"student": student, "report": {"tests": tests, "score": sum(t["score"] for t in tests),
                                               "max_score": 2.0, "elapsed": elapsed}}

    results = [result("a", ["passed", "failed"], 3.0), result("b", ["passed", "failed"]),
               result("c", ["passed", "passed"], 9.0), {"student": "d", "report": None, "error": "boom"}]
    s = analytics.summarize(results, test_ids=("engine.add", "engine.tanh"))
    add, tanh = s["ops"]
    assert (add.passed, tanh.passed, tanh.failed) == (3, 1, 2)
    assert tanh.mistakes == [("forgot to multiply by out.grad", 2, ["a", "b"])]
    assert s["slowest"][0][0] == "c" and s["errors"] == [("d", "boom")]
    assert s["totals"] == [1.0, 1.0, 2.0] and sum(c for _, c in s["histogram"]) == 3
    html = analytics.render(results)
    assert "forgot to multiply by out.grad" in html and "boom" in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "<script" not in html and "<link" not in html


# ---------------------------------------------------------------------------------------------
# slow: a real class

@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    expected = make_class(root / "class", correct=1)
    proc = subprocess.run([sys.executable, "-m", "grader", "batch", str(root / "class"), "--out",
                           str(root / "out" / "grades.csv")], cwd=ROOT, capture_output=True, text=True)
    return root, expected, proc


@pytest.mark.slow
def test_every_cell_of_the_gradebook(graded_class):
    root, expected, proc = graded_class
    assert proc.returncode == 0, proc.stderr
    rows = read_csv(root / "out" / "grades.csv")
    assert set(rows) == set(expected)
    for student, lose in expected.items():
        for t in TEST_IDS:
            cell = float(rows[student][t])
            if t in lose:
                assert cell < DEFAULT_POINTS[t], (student, t)
            else:
                assert cell == DEFAULT_POINTS[t], (student, t)
        assert float(rows[student]["total"]) == pytest.approx(sum(float(rows[student][t]) for t in TEST_IDS))
    # hostile ones lose everything on what they broke
    for student in HOSTILE:
        assert all(float(rows[student][t]) == 0 for t in expected[student]), student


@pytest.mark.slow
def test_each_student_keeps_a_full_report_and_the_page_shows_the_class(graded_class):
    root, expected, _ = graded_class
    for student in expected:
        data = json.loads((root / "out" / "grades" / f"{student}.json").read_text())
        assert data["files"] == batch.files_hash(root / "class" / student)
        assert [t["id"] for t in data["report"]["tests"]] == list(TEST_IDS)
    hang = json.loads((root / "out" / "grades" / "hang_tanh.json").read_text())["report"]
    tanh = next(t for t in hang["tests"] if t["id"] == "engine.tanh")
    assert tanh["status"] == "error" and "did not finish" in tanh["summary"]
    html = (root / "out" / "grades.html").read_text()
    assert "forgot to multiply by out.grad" in html  # tanh_no_chain's diagnosis, counted per op
    assert f"{len(expected)} students" in html


@pytest.mark.slow
def test_an_interrupted_run_keeps_what_finished_and_resumes(tmp_path):
    klass = tmp_path / "class"
    mutants = dict(list(MUTANTS.items())[:6])
    expected = make_class(klass, correct=1, mutants=mutants, hostile={})
    out = tmp_path / "grades.csv"
    cmd = [sys.executable, "-m", "grader", "batch", str(klass), "--out", str(out), "--jobs", "1"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(list((tmp_path / "grades").glob("*.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    kept = {p.stem: p.read_text() for p in (tmp_path / "grades").glob("*.json")}
    assert 2 <= len(kept) < len(expected)
    assert set(read_csv(out)) == set(kept)  # the CSV holds what finished

    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert f"{len(kept)} already graded from unchanged files" in again.stderr
    assert set(read_csv(out)) == set(expected)
    for student, text in kept.items():  # finished results were reused, not redone
        assert (tmp_path / "grades" / f"{student}.json").read_text() == text


@pytest.mark.slow
def test_hidden_cases_use_pytorch_values_computed_once_for_the_class(tmp_path, torch):
    from grader.pipeline import cases

    copy_solutions(tmp_path / "class" / "ann")
    settings = config.Settings(hidden_seed=4321)
    results, _ = batch.grade_class(tmp_path / "class", tmp_path / "grades.csv", settings, workers=1)
    report = results[0]["report"]
    assert report["hidden"] and report["torch_check"] == "precomputed"  # from the class's store, not live
    assert report["score"] == report["max_score"]
    for t in report["tests"]:
        assert t["hidden_cases"] > 0 and t["total"] > len(cases.case_list(t["id"]))


def test_a_student_is_graded_from_the_bytes_read_not_from_the_folder_later(tmp_path):
    folder = broken_student(tmp_path / "ann")
    files = batch.read_submission(folder)
    assert set(files.files) == {"engine.py", "nn.py", "train.py"} and batch.hash_files(files) == batch.files_hash(folder)
    copy_solutions(folder)  # the folder changes after it was read
    result = batch.grade_student("ann", files, config.Settings(), source=str(folder))
    assert result["report"]["score"] == 0 and result["files"] == batch.hash_files(files) != batch.files_hash(folder)
    assert result["report"]["submission"] == str(folder)
    (folder / "nn.py").unlink()  # a missing file is hashed as missing, and not graded
    assert "nn.py" not in batch.read_submission(folder).files


def test_students_at_once_by_default_one_per_core_within_the_memory():
    settings = config.Settings()  # 1 GiB a test
    gib = 1 << 30
    assert batch.default_workers(settings, cores=2, memory=24 * gib) == 2
    assert batch.default_workers(settings, cores=64, memory=16 * gib) == 16
    assert batch.default_workers(settings, cores=8, memory=gib // 2) == 1
    small = dataclasses.replace(settings, limits=dataclasses.replace(settings.limits, memory=256 << 20))
    assert batch.default_workers(small, cores=64, memory=16 * gib) == 64
