"""train.cross_entropy: `cross_entropy(logits, target) -> Value`, on the reference engine: the
loss and the gradients of the logits, with logits large enough to overflow a naive softmax."""
import math

from grader.pipeline import protocol
from grader.pipeline.compare import close
from grader.exercises import Exercise, child_source
from micrograd_ref import losses
from micrograd_ref.engine import Value

EDGES = [
    {"logits": [2.0, 1.0, 0.1], "target": 0}, {"logits": [1000.0, 0.0, -1000.0], "target": 0},
    {"logits": [1000.0, 0.0, -1000.0], "target": 1}, {"logits": [-1000.0, -1001.0, -999.0], "target": 2},
    {"logits": [0.5], "target": 0}]


def draw(r, hidden):
    cases = [] if hidden else [dict(e) for e in EDGES]
    for _ in range(10 if hidden else 8):
        k = r.randint(2, 5)
        cases.append({"logits": [round(r.uniform(-3, 3), 6) for _ in range(k)], "target": r.randrange(k)})
    return cases


def reference(case):
    logits = [Value(x) for x in case["logits"]]
    loss = losses.cross_entropy(logits, case["target"])
    loss.backward()
    return {"out": loss.data, "grads": [float(v.grad) for v in logits]}


def torch_values(case):
    import torch
    import torch.nn.functional as F

    logits = torch.tensor(case["logits"], requires_grad=True)
    loss = F.cross_entropy(logits.unsqueeze(0), torch.tensor([case["target"]]))
    loss.backward()
    return {"out": loss.item(), "grads": logits.grad.tolist()}


def describe(case):
    return f"cross_entropy({case['logits']}, target={case['target']}), then backward()"


def label(key, index, case):
    if key == "grads" and index:
        return f"logits[{index[0]}].grad"
    return "loss" if key == "out" else None


MISTAKES = {
    "ce_sign": ("the loss has the wrong sign",
                "Cross-entropy is the *negative* log-probability of the target: it must be >= 0."),
    "ce_overflow": ("overflow with large logits",
                    "exp(1000) overflows. Subtracting the largest logit from every logit changes neither "
                    "the loss nor its gradient, and keeps exp() in range."),
    "ce_underflow": ("the target's probability underflowed to 0",
                     "For logits like [1000, 0, -1000] a probability can round to 0 and log(0) fails. Work "
                     "in log space: log softmax = shifted logit - log(sum of exp of shifted logits)."),
    "ce_cut_graph": ("no gradient reaches the logits",
                     "The loss must be built from Value operations on the logits; using .data or math.* "
                     "makes plain floats, which cut the graph."),
}


def diagnose(case, got, want):
    out = got.get("out")
    if close(out, -want["out"]) and want["out"] > 1e-12:
        return "ce_sign"
    if isinstance(out, float) and (math.isinf(out) or math.isnan(out)):
        return "ce_overflow"
    grads = got.get("grads")
    if isinstance(grads, list) and grads and all(close(v, 0.0) for v in grads) and close(out, want["out"]):
        return "ce_cut_graph"
    return None


def diagnose_error(error):
    kind, message = error.get("type", ""), error.get("message", "")
    if kind == "OverflowError":
        return "ce_overflow"
    if kind in ("ValueError", "ZeroDivisionError") and ("domain" in message or "division" in message):
        return "ce_underflow"
    return None


EXERCISE = Exercise(
    id="train.cross_entropy", points=5, draw=draw, reference=reference, torch=torch_values,
    values=protocol.one_of(protocol.record(out=protocol.number, grads=protocol.numbers),
                           protocol.record(structure=protocol.text())),
    runner=(child_source("train_cross_entropy.py"),), entry="run_cross_entropy", describe=describe,
    mistakes=MISTAKES, diagnose=diagnose, diagnose_error=diagnose_error, label=label,
    pieces={"engine": ()})
