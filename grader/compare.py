"""Comparing what a student's code returned with what was expected, within documented tolerances.

Tolerances: a number passes when |got - expected| <= ABS_TOL + REL_TOL * |expected| (defaults
1e-9 and 1e-6, instructor-configurable). That admits any correct way of writing a derivative
(1 - tanh(x)**2 or 1 - t*t) and any valid topological order, and rejects every known mistake.
NaN and infinities must match exactly (NaN where NaN is expected); a non-number never passes.
The reference and PyTorch must agree far more tightly (KIT_REL_TOL) or the kit itself is wrong.
"""
import math

REL_TOL = 1e-6
ABS_TOL = 1e-9
KIT_REL_TOL = 1e-8
KIT_ABS_TOL = 1e-10

# names of the values a case returns, as a student would read them
LABELS = {"out": "out.data", "grads": "gradients", "steps": "parameters after each step",
          "losses": "losses", "params": "parameters after training", "order": "parameters() order",
          "zero_grad": "zero_grad()", "structure": "structure"}


def close(got, want, rel=REL_TOL, abs_=ABS_TOL):
    """Are two numbers equal within tolerance (NaN equals NaN, inf equals the same inf)?"""
    if isinstance(got, dict) or not isinstance(got, (int, float)):
        return False
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    if math.isinf(want) or math.isinf(got):
        return got == want
    return abs(got - want) <= abs_ + rel * abs(want)


def describe(x):
    """A value as a student should read it."""
    if isinstance(x, dict) and "not_a_number" in x:
        return f"a {x['not_a_number']} ({x['repr']})"
    if isinstance(x, float):
        if math.isnan(x):
            return "nan"
        return repr(x)
    if isinstance(x, list):
        return "[" + ", ".join(describe(v) for v in x) + "]"
    return repr(x)


def first_difference(got, want, rel=REL_TOL, abs_=ABS_TOL, path=""):
    """'' when `got` matches `want`, else a sentence naming the first place they differ."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return f"{path or 'the result'}: expected values, got {describe(got)}"
        if got.get("structure"):
            return got["structure"]
        for key, w in want.items():
            if key not in got:
                return f"{LABELS.get(key, key)}: missing"
            diff = first_difference(got[key], w, rel, abs_, key if not path else f"{path}.{key}")
            if diff:
                return diff
        return ""
    if isinstance(want, str):  # a check the child made itself: "" means fine
        return got if isinstance(got, str) and got else ("" if got == want else str(got))
    label = LABELS.get(path.split(".")[0], path)
    if isinstance(want, list):
        if not isinstance(got, list):
            return f"{label}: expected a list of {len(want)}, got {describe(got)}"
        if len(got) != len(want):
            return f"{label}: expected {len(want)} values, got {len(got)}"
        for i, (g, w) in enumerate(zip(got, want)):
            diff = first_difference(g, w, rel, abs_, f"{path}[{i}]")
            if diff:
                return diff
        return ""
    if not close(got, want, rel, abs_):
        return f"{path_label(path)}: expected {describe(want)}, got {describe(got)}"
    return ""


def path_label(path):
    head, _, rest = path.partition("[")
    return LABELS.get(head, head) + (f"[{rest}" if rest else "")


def agree(a, b):
    """Do the reference and PyTorch agree on a case (to the kit's tight tolerance)?"""
    return first_difference(a, b, KIT_REL_TOL, KIT_ABS_TOL) == ""
