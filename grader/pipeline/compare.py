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


def describe(x, limit=200):
    """A value as a student should read it (cut to about `limit` characters)."""
    if isinstance(x, dict) and "not_a_number" in x:
        text = f"a {x['not_a_number']} ({x.get('repr', '')})"
    elif isinstance(x, float):
        text = "nan" if math.isnan(x) else repr(x)
    elif isinstance(x, list):
        parts, size = [], 0
        for v in x:
            parts.append(describe(v, limit))
            size += len(parts[-1]) + 2
            if size > limit:
                parts.append("...")
                break
        text = "[" + ", ".join(parts) + "]"
    else:
        text = repr(x)
    return text if len(text) <= limit else text[:limit - 3] + "..."


# how a difference is worded where what the student's code returned may not be shown (hidden cases)
WITHHELD = {"wrong": "returned the wrong value", "not_a_number": "returned something that is not a number",
            "missing": "returned nothing for it", "length": "returned the wrong number of values",
            "check": "failed the grader's check"}


def first_difference(got, want, rel=REL_TOL, abs_=ABS_TOL, path=""):
    """'' when `got` matches `want`, else a sentence naming the first place they differ."""
    found = mismatch(got, want, rel, abs_, path)
    return found[2] if found else ""


def withheld_difference(got, want, rel=REL_TOL, abs_=ABS_TOL):
    """Like first_difference, but saying only where and how they differ, never what `got` holds."""
    found = mismatch(got, want, rel, abs_)
    return f"{found[0]}: {WITHHELD[found[1]]}" if found else ""


def mismatch(got, want, rel=REL_TOL, abs_=ABS_TOL, path=""):
    """None when `got` matches `want`, else (what differs, kind, sentence) for the first difference;
    kind is a key of WITHHELD."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return (path or "the result", _kind(got), f"{path or 'the result'}: expected values, got {describe(got)}")
        if got.get("structure"):
            return LABELS["structure"], "check", str(got["structure"])
        for key, w in want.items():
            if key not in got:
                return LABELS.get(key, key), "missing", f"{LABELS.get(key, key)}: missing"
            found = mismatch(got[key], w, rel, abs_, key if not path else f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(want, str):  # a check the child made itself: "" means fine
        message = got if isinstance(got, str) and got else ("" if got == want else str(got))
        return (LABELS.get(path.split(".")[-1], path), "check", message) if message else None
    label = LABELS.get(path.split(".")[0], path)
    if isinstance(want, list):
        if not isinstance(got, list):
            return label, _kind(got), f"{label}: expected a list of {len(want)}, got {describe(got)}"
        if len(got) != len(want):
            return label, "length", f"{label}: expected {len(want)} values, got {len(got)}"
        for i, (g, w) in enumerate(zip(got, want)):
            if type(g) is float and type(w) is float and abs(g - w) <= abs_ + rel * abs(w):
                continue  # close(): the usual case (a 10,000-node chain's grads) without a path made
                # for it; NaN and infinities fail this test and take the full one below
            found = mismatch(g, w, rel, abs_, f"{path}[{i}]")
            if found:
                return found
        return None
    if not close(got, want, rel, abs_):
        return path_label(path), _kind(got), f"{path_label(path)}: expected {describe(want)}, got {describe(got)}"
    return None


def _kind(got):
    return "not_a_number" if isinstance(got, dict) and "not_a_number" in got else "wrong"


def path_label(path):
    head, _, rest = path.partition("[")
    return LABELS.get(head, head) + (f"[{rest}" if rest else "")


def agree(a, b):
    """Do the reference and PyTorch agree on a case (to the kit's tight tolerance)?"""
    return first_difference(a, b, KIT_REL_TOL, KIT_ABS_TOL) == ""
