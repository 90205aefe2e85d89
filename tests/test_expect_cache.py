"""The reference's values are computed once per process: a batch of students shares its cases."""
from grader.pipeline import cases, expect
from grader.exercises import kit


def test_reference_values_are_computed_once_per_process():
    case = cases.case_list("engine.backward")[0]
    first = expect.expected("engine.backward", case)
    assert expect.expected("engine.backward", dict(case)) is first  # an equal case: the same values
    assert first == kit()["engine.backward"].reference(case)  # and they are the reference's
