"""Batch on Dask: a real LocalCluster of two worker processes on 127.0.0.1 grades a class (correct,
buggy, hanging, hostile) to the same gradebook as the local batch, survives a worker killed
mid-student, and only the client writes results, once each. Without distributed, --scheduler says
how to install it."""
import concurrent.futures
import dataclasses
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

from grader import config
from grader.classroom import batch
from grader.pipeline.sandbox import Limits
from grader.spec import DEFAULT_POINTS, TEST_IDS
from tests.classroom import HOSTILE, MUTANTS, copy_solutions, make_class
from tests.test_batch import broken_student, read_csv

ROOT = pathlib.Path(__file__).resolve().parent.parent

# not a test of limits: room for a loaded machine, while the hanging student still hangs
SETTINGS = config.Settings(limits=Limits(wall=10.0, cpu=10.0))


def test_scheduler_without_distributed_says_how_to_install(tmp_path):
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text("import sys\nsys.modules['distributed'] = None  # import fails\n")
    broken_student(tmp_path / "class" / "ann")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(shim), str(ROOT)]))
    proc = subprocess.run([sys.executable, "-m", "grader", "batch", str(tmp_path / "class"), "--out",
                           str(tmp_path / "grades.csv"), "--scheduler", "local"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert "pip install 'distributed>=" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "grades.csv").exists()
    # and without --scheduler, the kit works without it
    proc = subprocess.run([sys.executable, "-m", "grader", "batch", str(tmp_path / "class"), "--out",
                           str(tmp_path / "grades.csv")], cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert read_csv(tmp_path / "grades.csv")["ann"]["total"] == "0"


def test_a_grader_with_another_kit_refuses_the_task(tmp_path):
    files = batch.read_submission(broken_student(tmp_path / "ann"))
    with pytest.raises(batch.KitMismatch, match="install the client's commit"):
        batch.grade_student("ann", files, SETTINGS, kit="0" * 16)
    assert batch.grade_student("ann", files, SETTINGS, kit=batch.kit_version())["report"]["score"] == 0


def test_the_kit_version_follows_the_grading_code(tmp_path, monkeypatch):
    for package in ("grader", "micrograd_ref"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "engine.py").write_text("x = 1\n")
    monkeypatch.setattr(batch, "KIT_ROOT", tmp_path)
    batch.kit_hash.cache_clear()
    try:
        before = batch.kit_version()
        batch.kit_hash.cache_clear()
        (tmp_path / "micrograd_ref" / "engine.py").write_text("x = 2\n")
        assert batch.kit_version() != before
    finally:
        batch.kit_hash.cache_clear()


# ---------------------------------------------------------------------------------------------
# a real cluster

try:
    import distributed
except ImportError:  # the kit's optional `dask` group
    distributed = None

needs_dask = pytest.mark.skipif(distributed is None, reason="distributed is not installed (the `dask` group)")


def local_cluster():
    """Two single-threaded worker processes on 127.0.0.1, as `--scheduler local --jobs 2` makes them."""
    from grader.classroom import batch_dask

    cluster = batch_dask.local_cluster(workers=2)
    assert [w.nthreads for w in cluster.scheduler.workers.values()] == [1, 1]
    assert cluster.scheduler.allowed_failures == batch_dask.ALLOWED_FAILURES
    return cluster


@pytest.fixture(scope="module")
def cluster():
    if distributed is None:
        pytest.skip("distributed is not installed (the `dask` group)")
    with local_cluster() as cluster:
        yield cluster


@needs_dask
def test_a_scheduler_that_cannot_be_reached_changes_nothing(tmp_path, monkeypatch):
    from grader.classroom import batch_dask

    broken_student(tmp_path / "class" / "ann")
    out = tmp_path / "grades.csv"
    batch.grade_class(tmp_path / "class", out, SETTINGS, workers=1)
    before = out.read_text()
    monkeypatch.setattr(batch_dask, "CONNECT_TIMEOUT", "1s")
    with pytest.raises(batch_dask.DaskUnavailable, match="cannot reach the Dask scheduler at tcp://127.0.0.1:1"):
        batch.grade_class(tmp_path / "class", out, SETTINGS, force=True, scheduler="tcp://127.0.0.1:1")
    assert out.read_text() == before and "ann" in before


def test_workers_grade_the_bytes_sent_not_a_folder_they_read(cluster, tmp_path):
    from grader.classroom import batch_dask

    files = batch.read_submission(copy_solutions(tmp_path / "ann"))
    with distributed.Client(cluster) as client:
        # no such folder anywhere: the worker has only the bytes
        future = client.submit(batch_dask.grade_task, "ann", files, SETTINGS, None, batch.kit_version(),
                               "/nowhere/ann", pure=False)
        result = future.result()
        assert result["report"]["score"] == sum(DEFAULT_POINTS[t] for t in TEST_IDS)
        assert result["report"]["submission"] == "/nowhere/ann" and result["files"] == batch.hash_files(files)
        # a worker whose kit differs fails the task, and the client makes it an error row
        future = client.submit(batch_dask.grade_task, "ann", files, SETTINGS, None, "0" * 16, "/nowhere/ann",
                               pure=False, retries=1)
        distributed.wait(future)
        row = batch_dask.outcome(future, "ann", files, SETTINGS)
        assert row["report"] is None and "KitMismatch" in row["error"] and "commit" in row["error"]


@pytest.mark.slow
def test_hidden_pytorch_values_are_scattered_once_not_sent_per_task(cluster, tmp_path, monkeypatch, torch):
    for name in ("ann", "bob"):
        copy_solutions(tmp_path / "class" / name)
    scattered, stores_sent = [], []
    scatter, submit = distributed.Client.scatter, distributed.Client.submit

    def spy_scatter(self, data, *args, **kwargs):
        scattered.append(kwargs.get("broadcast"))
        return scatter(self, data, *args, **kwargs)

    def spy_submit(self, func, *args, **kwargs):
        stores_sent.append(args[3])  # grade_task(student, files, settings, store, ...)
        return submit(self, func, *args, **kwargs)

    monkeypatch.setattr(distributed.Client, "scatter", spy_scatter)
    monkeypatch.setattr(distributed.Client, "submit", spy_submit)
    settings = dataclasses.replace(SETTINGS, hidden_seed=4321)
    results, _ = batch.grade_class(tmp_path / "class", tmp_path / "grades.csv", settings,
                                   scheduler=cluster.scheduler_address)
    assert scattered == [True]
    assert len(stores_sent) == 2 and all(isinstance(s, distributed.Future) for s in stores_sent)
    for r in results:
        assert r["report"]["hidden"] and r["report"]["torch_check"] == "precomputed"
        assert r["report"]["score"] == r["report"]["max_score"]


SMALL_CLASS = {"mutants": {k: MUTANTS[k] for k in ("add_assign", "tanh_no_chain")},
               "hostile": {k: HOSTILE[k] for k in ("hang_tanh", "memory_bomb", "sys_exit_import", "os_exit_step")}}


def check_cells(rows, expected):
    """Every cell of the gradebook against the class's expectations (not against another run)."""
    assert set(rows) == set(expected)
    for student, lose in expected.items():
        for t in TEST_IDS:
            cell = float(rows[student][t])
            assert (cell < DEFAULT_POINTS[t]) if t in lose else (cell == DEFAULT_POINTS[t]), (student, t)


@pytest.mark.slow
def test_dask_gives_the_same_gradebook_as_the_local_batch(cluster, tmp_path):
    expected = make_class(tmp_path / "class", correct=1, **SMALL_CLASS)
    batch.grade_class(tmp_path / "class", tmp_path / "local" / "grades.csv", SETTINGS, workers=2)
    results, graded = batch.grade_class(tmp_path / "class", tmp_path / "dask" / "grades.csv", SETTINGS,
                                        scheduler=cluster.scheduler_address)
    assert len(graded) == len(expected)
    local, dask = (tmp_path / "local" / "grades.csv").read_text(), (tmp_path / "dask" / "grades.csv").read_text()
    assert dask == local
    check_cells(read_csv(tmp_path / "dask" / "grades.csv"), expected)
    for r in results:  # the same JSON as the local run, timings aside
        assert r["files"] == batch.files_hash(tmp_path / "class" / r["student"])
        assert r["report"]["submission"] == str(tmp_path / "class" / r["student"])
    assert (tmp_path / "dask" / "grades.html").read_text().count("students") >= 1
    # resume: a second run on Dask grades nobody
    _, graded = batch.grade_class(tmp_path / "class", tmp_path / "dask" / "grades.csv", SETTINGS,
                                  scheduler=cluster.scheduler_address)
    assert graded == []


def executing_keys(dask_worker):
    return [ts.key for ts in dask_worker.state.executing]


def kill_workers_grading(address, student, times, settle=1.0):
    """Kill (SIGKILL) the worker process grading `student`, `times` times, each `settle` seconds after
    its grading started; the PIDs killed."""
    killed = []
    with distributed.Client(address) as client:
        deadline = time.monotonic() + 180
        while len(killed) < times and time.monotonic() < deadline:
            try:
                running = client.run(executing_keys)
            except Exception:  # a worker going away mid-call
                time.sleep(0.1)
                continue
            victim = next((w for w, keys in running.items() if any(k.startswith(f"grade-{student}-") for k in keys)),
                          None)
            if victim is None:
                time.sleep(0.05)
                continue
            time.sleep(settle)  # its sandboxed children are running now
            pid = client.run(os.getpid, workers=[victim])[victim]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            while victim in client.scheduler_info()["workers"] and time.monotonic() < deadline:
                time.sleep(0.05)
    return killed


def grade_while_killing(tmp_path, student, times, monkeypatch):
    """Grade a small class on a fresh cluster while killing the worker grading `student` `times` times;
    returns (expected, results, the PIDs killed, {path: writes by the client})."""
    expected = make_class(tmp_path / "class", correct=1, mutants={"add_assign": MUTANTS["add_assign"]},
                          hostile={"hang_tanh": HOSTILE["hang_tanh"]})
    writes, stats = {}, {}
    write_atomic = batch.write_atomic

    def counting_write(path, data, *args, **kwargs):
        write_atomic(path, data, *args, **kwargs)
        writes[pathlib.Path(path)] = writes.get(pathlib.Path(path), 0) + 1
        st = os.stat(path)
        stats[pathlib.Path(path)] = (st.st_ino, st.st_mtime_ns)

    monkeypatch.setattr(batch, "write_atomic", counting_write)
    with local_cluster() as cluster, concurrent.futures.ThreadPoolExecutor(1) as pool:
        killer = pool.submit(kill_workers_grading, cluster.scheduler_address, student, times)
        results, _ = batch.grade_class(tmp_path / "class", tmp_path / "grades.csv", SETTINGS,
                                       scheduler=cluster.scheduler_address)
        killed = killer.result()
    for path, stat in stats.items():  # nobody wrote them after the client did
        st = os.stat(path)
        assert (st.st_ino, st.st_mtime_ns) == stat, path
    return expected, {r["student"]: r for r in results}, killed, writes


@needs_dask
@pytest.mark.slow
def test_a_worker_killed_mid_student_is_survived_and_the_student_graded_elsewhere(tmp_path, monkeypatch):
    expected, results, killed, writes = grade_while_killing(tmp_path, "hang_tanh", 1, monkeypatch)
    assert len(killed) == 1
    assert all(r["report"] is not None for r in results.values()), {s: r["error"] for s, r in results.items()}
    check_cells(read_csv(tmp_path / "grades.csv"), expected)
    # results are written once each, by the client alone, and nothing else is in the folder
    json_files = {tmp_path / "grades" / f"{s}.json" for s in expected}
    assert set(writes) == json_files | {tmp_path / "grades.csv", tmp_path / "grades.html"}
    assert all(n == 1 for n in writes.values()), writes
    assert set((tmp_path / "grades").iterdir()) == json_files


@needs_dask
@pytest.mark.slow
def test_a_student_whose_second_worker_dies_too_is_an_error_row(tmp_path, monkeypatch):
    expected, results, killed, _ = grade_while_killing(tmp_path, "hang_tanh", 2, monkeypatch)
    assert len(killed) == 2
    assert results["hang_tanh"]["report"] is None and "KilledWorker" in results["hang_tanh"]["error"]
    rows = read_csv(tmp_path / "grades.csv")
    assert rows["hang_tanh"] == {**{t: "" for t in TEST_IDS}, "total": "error"}
    del expected["hang_tanh"], rows["hang_tanh"]
    check_cells(rows, expected)
    # the next run grades it again
    work = batch.plan(batch.find_students(tmp_path / "class", skip=[tmp_path / "grades"]), tmp_path / "grades",
                      SETTINGS)
    assert [s.name for s in work.todo] == ["hang_tanh"]


@needs_dask
@pytest.mark.slow
def test_the_command_grades_on_a_local_cluster(tmp_path):
    broken_student(tmp_path / "class" / "ann")
    copy_solutions(tmp_path / "class" / "bob")
    proc = subprocess.run([sys.executable, "-m", "grader", "batch", str(tmp_path / "class"), "--out",
                           str(tmp_path / "grades.csv"), "--scheduler", "local", "--jobs", "2"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = read_csv(tmp_path / "grades.csv")
    assert rows["ann"]["total"] == "0" and float(rows["bob"]["total"]) == sum(DEFAULT_POINTS[t] for t in TEST_IDS)
    assert "on Dask (local)" in proc.stderr and "[2/2]" in proc.stderr


@needs_dask
@pytest.mark.slow
def test_an_interrupted_dask_run_keeps_what_finished_and_resumes(tmp_path):
    mutants = dict(list(MUTANTS.items())[:6])
    expected = make_class(tmp_path / "class", correct=1, mutants=mutants, hostile={})
    out = tmp_path / "grades.csv"
    cmd = [sys.executable, "-m", "grader", "batch", str(tmp_path / "class"), "--out", str(out), "--jobs", "1",
           "--scheduler", "local"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    while len(list((tmp_path / "grades").glob("*.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    kept = {p.stem: p.read_text() for p in (tmp_path / "grades").glob("*.json")}
    assert 2 <= len(kept) < len(expected)
    assert set(read_csv(out)) == set(kept)

    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"{len(kept)} already graded from unchanged files" in again.stderr
    check_cells(read_csv(out), expected)
    for student, text in kept.items():
        assert (tmp_path / "grades" / f"{student}.json").read_text() == text
