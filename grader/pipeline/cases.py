"""The cases of every test id: plain data (inputs only), the same for a given seed.

Public cases come from a fixed seed plus hand-picked edges, and are what students see.
Hidden cases (instructor side) add more from a seed the student never sees. Each exercise draws
its own (grader/exercises/); this module is the stage that asks it.
"""
import hashlib
import json

from grader.exercises import PUBLIC_SEED, kit

__all__ = ["PUBLIC_SEED", "case_list", "fingerprint"]


def fingerprint(data):
    """A short fingerprint of plain data (a case, a list of cases), to find or validate stored values."""
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def case_list(test_id, seed=PUBLIC_SEED, hidden=False, registry=None):
    """The list of cases for `test_id`: the public ones, or (hidden=True) a fresh draw from `seed`."""
    registry = registry or kit()
    if test_id not in registry:
        raise ValueError(f"unknown test id {test_id!r}")
    return registry[test_id].cases(seed, hidden)
