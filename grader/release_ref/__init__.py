"""The `micrograd_ref` package of the student release: what the grader builds nn and train on.

The real reference states every derivative and the backward pass: the answers. The release ships
this stand-in instead (`make release` copies these files to build/student/micrograd_ref/, with
the reference's data.py). Its engine works in forward mode with complex-step derivatives, so it
holds no derivative rule and no backward order, and its Neuron, Layer, MLP, cross-entropy and
AdamW are written against that engine's own API, so none of them earns a point when handed in.
Expected values come precomputed from the reference (grader/data/reference_values.json).
"""
