"""A class of submissions for batch tests and benchmarks: correct ones (the answer key), buggy
ones (one-line mutations of it) and hostile ones (hangs, memory bombs, exits).

Each submission comes with the test ids it must lose points on; every other test id must get
full marks, which is what per-cell checks of the gradebook rely on.
"""
import pathlib
import shutil


ROOT = pathlib.Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"

# name: (file, line in the answer key, its replacement, test ids that lose points)
MUTANTS = {
    "add_assign": ("engine.py", "other.grad += out.grad", "other.grad = out.grad", ["engine.add"]),
    "mul_swap": ("engine.py", "other.grad += self.data * out.grad", "other.grad += other.data * out.grad",
                 ["engine.mul"]),
    "pow_exponent": ("engine.py", "self.grad += (other * self.data ** (other - 1)) * out.grad",
                     "self.grad += (other * self.data ** other) * out.grad", ["engine.pow"]),
    "relu_ungated": ("engine.py", "self.grad += (out.data > 0) * out.grad", "self.grad += out.grad",
                     ["engine.relu"]),
    "tanh_no_chain": ("engine.py", "self.grad += (1 - t**2) * out.grad", "self.grad += (1 - t**2)",
                      ["engine.tanh"]),
    "exp_input": ("engine.py", "self.grad += out.data * out.grad", "self.grad += self.data * out.grad",
                  ["engine.exp"]),
    "log_inverse": ("engine.py", "self.grad += (1 / self.data) * out.grad", "self.grad += self.data * out.grad",
                    ["engine.log"]),
    "neuron_always_tanh": ("nn.py", "return act.tanh() if self.nonlin else act", "return act.tanh()",
                           ["nn.neuron"]),
    "ce_no_shift": ("train.py", "logits = [v - max_val for v in logits]", "logits = [v + 0 for v in logits]",
                    ["train.cross_entropy"]),
    "loop_no_zero_grad": ("train.py", "optimizer.zero_grad()", "pass", ["train.loop"]),
}

# name: (file, line in the answer key, its replacement, test ids that lose points)
HOSTILE = {
    "hang_tanh": ("engine.py", "self.grad += (1 - t**2) * out.grad", "while True: pass", ["engine.tanh"]),
    # its import never ends: graded on its definitions, where only squared_error needs the Value it
    # no longer imports
    "sleep_on_import": ("train.py", "from engine import Value", "import time; time.sleep(3600)",
                        ["train.squared_error"]),
    "memory_bomb": ("engine.py", "self.grad += out.data * out.grad",
                    "self.grad += len([0] * 10**10) * out.grad", ["engine.exp"]),
    "grow_forever": ("engine.py", "self.grad += (1 / self.data) * out.grad",
                     "x = []\n            while True: x.append(bytearray(10**7))", ["engine.log"]),
    "sys_exit_import": ("nn.py", "from engine import Value", "import sys; sys.exit(3)",
                        ["nn.neuron", "nn.layer", "nn.mlp"]),
    "os_exit_step": ("train.py", "self.t += 1", "import os; os._exit(0)", ["train.adamw"]),
}


def copy_solutions(dest):
    """A correct submission: the answer key's three files."""
    dest = pathlib.Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("engine.py", "nn.py", "train.py"):
        shutil.copyfile(SOLUTIONS / name, dest / name)
    return dest


def mutate(dest, file, old, new):
    """A submission equal to the answer key but for one line."""
    copy_solutions(dest)
    path = pathlib.Path(dest) / file
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    hits = [i for i, line in enumerate(lines) if line.strip() == old]
    assert len(hits) == 1, f"{old!r} is on {len(hits)} lines of {file}, not one"
    i = hits[0]
    indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
    lines[i] = indent + new + "\n"
    path.write_text("".join(lines))
    return dest


def make_class(root, correct=2, mutants=MUTANTS, hostile=HOSTILE, repeat=1):
    """Write a class into `root`; returns {student: test ids expected to lose points}."""
    root = pathlib.Path(root)
    expected = {}
    for k in range(repeat):
        suffix = f"_{k}" if repeat > 1 else ""
        for i in range(correct):
            copy_solutions(root / f"correct_{i}{suffix}")
            expected[f"correct_{i}{suffix}"] = []
        for name, (file, old, new, lose) in {**mutants, **hostile}.items():
            mutate(root / f"{name}{suffix}", file, old, new)
            expected[f"{name}{suffix}"] = lose
    return expected
