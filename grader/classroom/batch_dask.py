"""`python -m grader batch DIR --scheduler ADDRESS|local`: the class graded on Dask workers.

What goes where:
- The client (this process) reads each student's files once (batch.read_submission) and sends their
  bytes with the task, so workers need no shared filesystem and never see the class folder. They
  need the kit at the client's commit (each task carries batch.kit_version and fails on a worker
  whose kit differs) and its sandbox.
- Hidden cases' PyTorch values are computed once by the client and broadcast to every worker.
- Workers return result dicts; only the client writes them (batch.grade_class), atomically.
- A worker that dies mid-student (killed, out of memory, its machine gone) costs that student one
  retry on another worker: the scheduler's `allowed-failures` is 1 for `--scheduler local`, and the
  README says how to start a shared scheduler so. A student whose second worker dies too, or whose
  grading fails on the workers, is an error row (and graded again by the next run).
- Tasks are submitted a window at a time, so the scheduler holds a few times the cluster's threads
  of submissions, not the whole class.
"""
import contextlib
import dataclasses
import logging
import os
import sys
import uuid

from grader.classroom import batch

MIN_VERSION = "2024.1"
INSTALL = f"{sys.executable} -m pip install 'distributed>={MIN_VERSION}'"
ALLOWED_FAILURES = 1  # workers that may die with a student before it is an error row: one retry
CONNECT_TIMEOUT = "30s"


class DaskUnavailable(Exception):
    """--scheduler cannot be used here: distributed is not installed, or the scheduler cannot be reached."""


def require_distributed():
    """The `distributed` module, or DaskUnavailable saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise DaskUnavailable("--scheduler grades on Dask workers, and Dask's `distributed` package is not "
                              f"installed here; install it with:\n    {INSTALL}\n(or the kit's `dask` extra: "
                              "pip install -e '.[dask]' at the kit's root)") from None
    return distributed


# ---------------------------------------------------------------------------------------------
# on a worker

def grade_task(student, files, settings, store, kit, source):
    """Run on a Dask worker: batch.grade_student, one sandboxed child at a time. A worker's threads are
    the parallelism (one student each), and the workers on a machine cannot see each other: more
    children per student would overload a machine whose threads already match its cores, and a
    child that waits for a core can run out of wall time."""
    settings = dataclasses.replace(settings, jobs=1)
    return batch.grade_student(student, files, settings, store, kit=kit, source=source)


# ---------------------------------------------------------------------------------------------
# on the client

def local_cluster(workers=None):
    """A LocalCluster of `workers` single-threaded worker processes, listening on 127.0.0.1 only
    (its HTTP server on a free port), whose scheduler retries a student once after a worker dies."""
    import dask

    distributed = require_distributed()
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
        return distributed.LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                        processes=True, host="127.0.0.1", dashboard_address=None,
                                        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                                        silence_logs=logging.ERROR)


@contextlib.contextmanager
def connect(scheduler, workers=None):
    """A Client on the scheduler at `scheduler`, or on a local_cluster of `workers` processes when
    `scheduler` is "local"."""
    distributed = require_distributed()
    if scheduler == "local":
        with local_cluster(workers) as cluster, distributed.Client(cluster) as client:
            yield client
        return
    try:
        client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise DaskUnavailable(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    with client:
        yield client


def allowed_failures(client):
    """The scheduler's allowed-failures (None when it cannot be asked)."""
    try:
        return client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.allowed_failures)
    except Exception:  # a scheduler that refuses to run functions: nothing to report
        return None


def grade_on_dask(client, students, settings, store=None, note=None):
    """Yield the result dict of each student folder in `students` as the workers of `client` (see
    connect) finish it (distributed.as_completed). Closing the generator cancels those not yet graded."""
    distributed = require_distributed()
    note = note or (lambda text: print(text, file=sys.stderr))
    failures = allowed_failures(client)
    if failures not in (None, ALLOWED_FAILURES):
        note(f"note: the scheduler lets {failures + 1} workers die with a student before giving up on it "
             f"(allowed-failures = {failures}); start it with DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="
             f"{ALLOWED_FAILURES} for one retry")
    kit = batch.kit_version()
    # one object on every worker (a dict given to scatter would become one future per key)
    shared_store = client.scatter([store], broadcast=True, hash=False)[0] if store is not None else None
    queue = iter(students)
    inflight = {}  # future -> (student, files): what an error row needs
    finished = distributed.as_completed()

    def submit_next():
        student = next(queue, None)
        if student is None:
            return False
        files = batch.read_submission(student, settings.limits.file)
        future = client.submit(grade_task, student.name, files, settings, shared_store, kit, str(student),
                               key=f"grade-{student.name}-{uuid.uuid4().hex[:8]}", retries=1, pure=False)
        inflight[future] = (student.name, files)
        finished.add(future)
        return True

    def top_up():
        window = max(64, 4 * sum(client.nthreads().values()))
        while len(inflight) < window and submit_next():
            pass

    try:
        top_up()
        for future in finished:
            student, files = inflight.pop(future)
            yield outcome(future, student, files, settings)
            future.release()
            top_up()
    finally:
        if inflight:
            client.cancel(list(inflight))


def outcome(future, student, files, settings):
    """The result dict a finished future stands for: the worker's, or an error row saying what failed."""
    if future.status == "finished":
        return future.result()
    if future.status == "cancelled":
        return batch.error_result(student, files, settings, "cancelled on the Dask cluster before it finished")
    exc = future.exception()
    if isinstance(exc, batch.KitMismatch):
        return batch.error_result(student, files, settings, f"KitMismatch: {exc}")
    if type(exc).__name__ == "KilledWorker":
        times = getattr(exc, "allowed_failures", ALLOWED_FAILURES) + 1
        return batch.error_result(student, files, settings, f"a Dask worker died while grading this student, "
                                  f"{times} times (KilledWorker): {exc}")
    return batch.error_result(student, files, settings, f"grading failed on a Dask worker: {type(exc).__name__}: {exc}")
