"""Expected values of every case, from the reference micrograd (live, cheap), or stored.

Each exercise (grader/exercises/) computes its reference values in the same shape its child-side
runner sends, so comparing is a walk over two dicts. PyTorch's opinion of the same cases comes from
grader/pipeline/torch_expect.py.
"""
import functools
import json

from grader.pipeline.cases import fingerprint
from grader.exercises import kit
from grader.paths import reference_values


def store_key(test_id, case):
    """How a case's values are found in a store: the test id and a fingerprint of the case."""
    return f"{test_id}/{fingerprint(case)}"


def expected(test_id, case, exercise=None):
    """The reference's values for one case: stored ones when this build has them, else computed live
    (once per process: a class graded in one process shares its cases)."""
    stored = reference_values().get(store_key(test_id, case))
    if stored is not None:
        return stored
    return _live(exercise or kit()[test_id], json.dumps(case, sort_keys=True))


@functools.lru_cache(maxsize=4096)
def _live(exercise, case_json):
    return exercise.reference(json.loads(case_json))
