"""What is graded: the kit's test ids, the part (student file) each belongs to, and default points,
as the exercise registry (grader/exercises/) declares them."""
from grader.exercises import kit

TEST_IDS = kit().test_ids
PARTS = kit().parts
DEFAULT_POINTS = kit().default_points


def part_of(test_id):
    """'engine.tanh' -> 'engine'."""
    return test_id.split(".", 1)[0]


def select(names, registry=None):
    """Test ids named by `names` (parts like 'engine' or ids like 'engine.tanh'); all when empty.

    Raises ValueError naming what is unknown.
    """
    return (registry or kit()).select(names)
