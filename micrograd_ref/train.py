"""The EurekaLabs micrograd run: an MLP(2, [8, 3]) learns the yin-yang data set with AdamW.

    python -m micrograd_ref.train [--steps N]

prints the validation loss every 10 steps and the training loss of every step.
"""
import argparse
import os
import sys

from micrograd_ref.data import RNG, gen_data_yinyang
from micrograd_ref.losses import loss_fn
from micrograd_ref.nn import MLP
from micrograd_ref.optim import AdamW


def make_run(seed=42, n=100, hidden=8):
    """The run's data splits and model, both drawn, in that order, from one RNG(seed)."""
    rng = RNG(seed)
    train_split, val_split, test_split = gen_data_yinyang(rng, n=n)
    model = MLP(2, [hidden, 3], rng=rng)
    return model, (train_split, val_split, test_split)


def train_step(model, optimizer, split):
    """Forward the mean loss over `split`, backpropagate, update, zero the gradients; return the loss.

    The graph of the step is freed when this returns, before the next step builds its own.
    """
    loss = loss_fn(model, split)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    return loss.data


def train(num_steps=100, log=print, seed=42):
    """Run the training; `log` receives each line. Returns the training losses, one per step."""
    model, (train_split, val_split, _) = make_run(seed)
    optimizer = AdamW(model.parameters(), lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=1e-4)
    losses = []
    for step in range(num_steps):
        if step % 10 == 0:
            val_loss = loss_fn(model, val_split).data
            log(f"step {step + 1}/{num_steps}, val loss {val_loss:.6f}")
        loss = train_step(model, optimizer, train_split)
        losses.append(loss)
        log(f"step {step + 1}/{num_steps}, train loss {loss}")
    return losses


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m micrograd_ref.train", description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="number of training steps (default 100)")
    args = parser.parse_args(argv)
    if args.steps < 0:
        parser.error("--steps must be 0 or more")
    try:
        train(args.steps)
    except BrokenPipeError:  # the reader stopped early (`| head`): not an error of the run
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)


if __name__ == "__main__":
    main()
