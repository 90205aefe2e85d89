"""Naming the likely mistake: each exercise (grader/exercises/) computes the common wrong answers
of a case and says which one the student's result matches; this stage asks it, and never lets an
odd value turn into a wrong diagnosis. Hints point at the idea, never at the answer line.
"""
from grader.exercises import kit

# name: (title, hint), of every built-in exercise
MISTAKES = kit().mistakes


def diagnose(test_id, case, got, want, exercise=None):
    """The name of the known mistake `got` matches on this case (a key of the exercise's mistakes), or None."""
    exercise = exercise or kit()[test_id]
    try:
        return exercise.diagnose(case, got, want)
    except (ArithmeticError, ValueError, TypeError, KeyError, AttributeError, IndexError):
        return None  # odd values: no diagnosis rather than a wrong one


def diagnose_error(test_id, error, exercise=None):
    """The known mistake an exception points to, or None."""
    exercise = exercise or kit()[test_id]
    try:
        return exercise.diagnose_error(error)
    except (TypeError, KeyError, AttributeError):
        return None
