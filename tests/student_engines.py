"""Engine files a student might have, made from the answer key for tests to write into a temporary folder.

CLOSURE is the answer key's `solutions/engine.py`: a correct engine in the student contract's shape
(a `_backward` closure per op, a topological `backward()`), written independently of `micrograd_ref`.
The others are the same file at stages a student passes through: still a stub, raising, not even
parsing, or with a wrong derivative. All are None where the answer key is not shipped (the
student release); tests that need them are skipped there.
"""
import pathlib

SOLUTION = pathlib.Path(__file__).resolve().parent.parent / "solutions" / "engine.py"
CLOSURE = SOLUTION.read_text() if SOLUTION.exists() else None
TANH_BACKWARD = "self.grad += (1 - t**2) * out.grad"


def variant(old, new):
    """CLOSURE with `old` (which must be there) replaced by `new`; None without an answer key."""
    if CLOSURE is None:
        return None
    assert old in CLOSURE, f"the answer key no longer has {old!r}"
    return CLOSURE.replace(old, new)


# tanh's local derivative not written yet, the way the generated exercises leave it.
STUB = variant(TANH_BACKWARD, "raise NotImplementedError('engine.tanh: write the local derivative of tanh')")

# A slip in exp's backward: a name that does not exist.
RAISES = variant("self.grad += out.data * out.grad", "self.grad += outt.data * out.grad")

# A missing colon: the file does not even import.
SYNTAX_ERROR = variant("def tanh(self):", "def tanh(self)")

# tanh's derivative written as 1 - t instead of 1 - t**2.
WRONG_TANH = variant(TANH_BACKWARD, "self.grad += (1 - t) * out.grad")
