"""PyTorch's values for the same cases (float64): the independent check of the reference.

Each exercise (grader/exercises/) says what PyTorch computes for its cases; this module sets
PyTorch up for them and holds the pieces several share. Importing it imports torch (about 1.4 s),
so `check` on public cases reads them from grader/data/public_torch.json instead, written by
`python -m grader expectations`; the test-suite recomputes that file live and requires it current.
"""
import torch
import torch.nn.functional as F

from grader.pipeline import cases
from grader.exercises import kit

torch.set_default_dtype(torch.float64)


def scalar(x, grad=True):
    """A float64 scalar tensor (a leaf that records its gradient)."""
    return torch.tensor(float(x), requires_grad=grad)


def to_torch(mlp):
    """A torch.nn.Sequential holding a micrograd MLP's weights: Linear layers, Tanh between them."""
    layers = []
    for lay in mlp.layers:
        lin = torch.nn.Linear(len(lay.neurons[0].w), len(lay.neurons))
        with torch.no_grad():
            lin.weight.copy_(torch.tensor([[w.data for w in n.w] for n in lay.neurons]))
            lin.bias.copy_(torch.tensor([n.b.data for n in lay.neurons]))
        layers += [lin, torch.nn.Tanh()] if lay.neurons[0].nonlin else [lin]
    return torch.nn.Sequential(*layers)


def train(net, split, steps, lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0):
    """Train `net` with AdamW on the mean cross-entropy over `split`; the loss before each update."""
    opt = torch.optim.AdamW(net.parameters(), lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay)
    xs = torch.tensor([x for x, _ in split])
    ys = torch.tensor([y for _, y in split])
    out = []
    for _ in range(steps):
        loss = F.cross_entropy(net(xs), ys)
        opt.zero_grad()
        loss.backward()
        opt.step()
        out.append(loss.item())
    return out


def expected(test_id, case, registry=None):
    """PyTorch's values for one case (None when the exercise has no PyTorch counterpart)."""
    exercise = (registry or kit())[test_id]
    return exercise.torch(case) if exercise.torch else None


def build_store(test_ids=None, hidden_seed=None, registry=None):
    """PyTorch's values for every public case (and the hidden ones of `hidden_seed`, after them),
    keyed by test id, with the cases' fingerprint."""
    registry = registry or kit()
    store = {}
    for test_id in test_ids or registry.test_ids:
        chosen = cases.case_list(test_id, registry=registry)
        if hidden_seed is not None:
            chosen += cases.case_list(test_id, seed=hidden_seed, hidden=True, registry=registry)
        store[test_id] = {"digest": cases.fingerprint(chosen),
                          "values": [expected(test_id, c, registry) for c in chosen]}
    return store
