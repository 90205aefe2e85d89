"""The EurekaLabs training run: its log format, and its curve against the same run in PyTorch."""
import math
import re
import subprocess
import sys

from micrograd_ref.train import make_run, train


def torch_run(torch, num_steps):
    """The same run in PyTorch float64: same data, same initial weights, torch.optim.AdamW."""
    from grader.pipeline.torch_expect import to_torch, train as torch_train

    model, (train_split, _, _) = make_run()
    return torch_train(to_torch(model), train_split, num_steps, lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=1e-4)


def test_training_curve_matches_torch(torch):
    ours = train(100, log=lambda line: None)
    theirs = torch_run(torch, 100)
    assert ours[-1] < 0.5 * ours[0]  # it learns
    for step, (a, b) in enumerate(zip(ours, theirs)):
        assert math.isclose(a, b, rel_tol=1e-9), f"step {step + 1}: {a} vs {b}"


def test_log_format():
    lines = []
    losses = train(12, log=lines.append)
    assert lines[0].startswith("step 1/12, val loss ")
    assert re.fullmatch(r"step 1/12, val loss \d\.\d{6}", lines[0])
    assert lines[1] == f"step 1/12, train loss {losses[0]!r}"
    val_lines = [line for line in lines if "val loss" in line]
    assert [line.split(",")[0] for line in val_lines] == ["step 1/12", "step 11/12"]
    assert len(lines) == 12 + 2


def test_command_line():
    out = subprocess.run(
        [sys.executable, "-m", "micrograd_ref.train", "--steps", "3"],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    assert out[0].startswith("step 1/3, val loss")
    assert [line.split(",")[0] for line in out[1:]] == ["step 1/3", "step 2/3", "step 3/3"]
    assert float(out[-1].split()[-1]) == train(3, log=lambda line: None)[-1]
    bad = subprocess.run([sys.executable, "-m", "micrograd_ref.train", "--steps", "x"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--steps" in bad.stderr
