"""Naming the likely mistake: each exercise (grader/exercises/) computes the common wrong answers
of a case and says which one the student's result matches; this stage asks it, and never lets an
odd value turn into a wrong diagnosis. Hints point at the idea, never at the answer line.
"""
import re

from grader.exercises import kit

# name: (title, hint), of every built-in exercise
MISTAKES = kit().mistakes

# mistakes of any test id, the kit's or a course's, that the child names itself (grader/pipeline/child.py)
GENERIC = {
    "missing_name": ("a class or function this test needs is not in your file",
                     "The grader looks the name up at the top level of the file named: define it there, spelled "
                     "exactly so (names are case-sensitive), not inside another class or function."),
    "missing_method": ("your code uses a method your Value does not have",
                       "An op built from other ops needs each of them: write the missing one too (or compute "
                       "that step with math and give the op its own _backward)."),
    "kit_method": ("your code uses a method the kit's Value does not have",
                   "nn.py and train.py are graded on the kit's own Value, standing in for your engine, so that a "
                   "mistake in your engine costs only the engine's ops: build the step from the ops it has "
                   "(a sigmoid is 1 / (1 + (-x).exp()))."),
}
_MISSING_METHOD = re.compile(r"your \S+ (calls|uses) \w+\.\w+, which your \w+ does not have")
_KIT_METHOD = re.compile(r"your \S+ (calls|uses) Value\.\w+, which the kit's Value does not have")


def diagnose(test_id, case, got, want, exercise=None):
    """The name of the known mistake `got` matches on this case (a key of the exercise's mistakes), or None."""
    exercise = exercise or kit()[test_id]
    if isinstance(got, dict) and got.get("mistake") == "missing_name" and isinstance(got.get("missing"), str):
        return "missing_name"
    try:
        return exercise.diagnose(case, got, want)
    except (ArithmeticError, ValueError, TypeError, KeyError, AttributeError, IndexError):
        return None  # odd values: no diagnosis rather than a wrong one


def diagnose_error(test_id, error, exercise=None):
    """The known mistake an exception points to, or None."""
    exercise = exercise or kit()[test_id]
    try:
        found = exercise.diagnose_error(error)
    except (TypeError, KeyError, AttributeError):
        found = None
    if found is None and error.get("type") == "AttributeError":
        message = error.get("message") or ""
        if _MISSING_METHOD.match(message):
            return "missing_method"
        if _KIT_METHOD.match(message):
            return "kit_method"
    return found
