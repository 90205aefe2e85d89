"""compare.mismatch walks a list of floats without building a path for each close element: the
verdict and the message must be what the element-by-element rule (compare.close) gives."""
from hypothesis import given, strategies as st

from grader.pipeline.compare import close, first_difference

floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 1e-300, 5e-324, 1.0])


@given(st.lists(st.tuples(floats, floats), max_size=20))
def test_a_list_matches_exactly_when_every_element_is_close(pairs):
    got, want = [g for g, _ in pairs], [w for _, w in pairs]
    expected_first = next((i for i, (g, w) in enumerate(pairs) if not close(g, w)), None)
    found = first_difference({"grads": got}, {"grads": want})
    if expected_first is None:
        assert found == ""
    else:
        assert found.startswith(f"grads[{expected_first}]") or f"[{expected_first}]" in found, found


def test_an_int_or_a_tagged_value_among_floats_is_still_judged_one_by_one():
    assert first_difference({"grads": [1.0, {"not_a_number": "str"}]}, {"grads": [1.0, 2.0]}) != ""
    assert first_difference({"grads": [float("nan")]}, {"grads": [float("nan")]}) == ""
    assert first_difference({"grads": [float("inf")]}, {"grads": [1.0]}) != ""
