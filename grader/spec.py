"""What is graded: the test ids, the part (student file) each belongs to, and default points."""

TEST_IDS = (
    "engine.add", "engine.mul", "engine.pow", "engine.relu", "engine.tanh", "engine.exp",
    "engine.log", "engine.backward",
    "nn.neuron", "nn.layer", "nn.mlp",
    "train.cross_entropy", "train.adamw", "train.loop",
)

PARTS = ("engine", "nn", "train")

DEFAULT_POINTS = {
    "engine.add": 2, "engine.mul": 2, "engine.pow": 3, "engine.relu": 2, "engine.tanh": 3,
    "engine.exp": 2, "engine.log": 2, "engine.backward": 6,
    "nn.neuron": 4, "nn.layer": 3, "nn.mlp": 4,
    "train.cross_entropy": 5, "train.adamw": 6, "train.loop": 6,
}


def part_of(test_id):
    """'engine.tanh' -> 'engine'."""
    return test_id.split(".", 1)[0]


def select(names):
    """Test ids named by `names` (parts like 'engine' or ids like 'engine.tanh'); all when empty.

    Raises ValueError naming what is unknown.
    """
    if not names:
        return list(TEST_IDS)
    chosen = []
    for name in names:
        matches = [t for t in TEST_IDS if t == name or part_of(t) == name]
        if not matches:
            raise ValueError(f"unknown part or test id {name!r}; choose from {', '.join(PARTS)} or {', '.join(TEST_IDS)}")
        chosen += [t for t in matches if t not in chosen]
    return [t for t in TEST_IDS if t in chosen]


def dispatch(module, test_id, case):
    """Call `module`'s function for `test_id` on `case`: `op(case, name)` for an engine op,
    else the function named like the id's second half (backward, neuron, ..., loop)."""
    part, name = test_id.split(".")
    if part == "engine" and name != "backward":
        return module.op(case, name)
    return getattr(module, name)(case)
