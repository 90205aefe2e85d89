"""The test ids: one per graded exercise, the rows of every report and the answer key's block ids."""

TEST_IDS = (
    "engine.add",
    "engine.mul",
    "engine.pow",
    "engine.relu",
    "engine.tanh",
    "engine.exp",
    "engine.log",
    "engine.backward",
    "nn.neuron",
    "nn.layer",
    "nn.mlp",
    "train.cross_entropy",
    "train.adamw",
    "train.loop",
)
