"""The reference engine against a textbook closure engine, and backpropagation through long chains.

    .venv/bin/python bench/bench_engine.py [--steps 100] [--repeats 3]

(a) The EurekaLabs run (MLP(2, [8, 3]) on yin-yang, AdamW) trained by the reference
    (micrograd_ref) and by the answer key (solutions/: a closure engine, written as students
    write it), from the same data and initial weights. Each run is a fresh subprocess; the two
    alternate, `--repeats` times. Their losses must be identical. Printed: the time per step of
    each (the best of the repeats), their ratio, and the share of the closure engine's step spent
    in Python's cycle collector: each `_backward` closure refers to its own output node, so every
    node sits in a reference cycle and only the collector can free it.
(b) Building and backpropagating chains of 1e5 and 1e6 nodes with the reference (and 1e5 with the
    answer key, for comparison): time, and peak memory from ru_maxrss in a fresh subprocess.
"""
import argparse
import gc
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL = 5.0  # the reference should train at least this many times faster


class GCTimer:
    """Time spent in Python's cycle collector, through gc.callbacks."""

    def __init__(self):
        self.seconds, self.collections, self._start = 0.0, 0, None

    def __call__(self, phase, info):
        if phase == "start":
            self._start = time.perf_counter()
        elif self._start is not None:
            self.seconds += time.perf_counter() - self._start
            self.collections += 1


def child_train(engine, steps):
    """Train in this process with `engine` ('ref' or 'key'); return losses, seconds, gc seconds."""
    from micrograd_ref.data import RNG, gen_data_yinyang

    adamw = dict(lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=1e-4)
    if engine == "ref":
        from micrograd_ref.optim import AdamW
        from micrograd_ref.train import make_run, train_step

        model, (train_split, _, _) = make_run()
        optimizer = AdamW(model.parameters(), **adamw)

        def loop():
            return [train_step(model, optimizer, train_split) for _ in range(steps)]
    else:
        sys.path.insert(0, str(ROOT / "solutions"))
        import nn
        import train

        rng = RNG(42)  # make_run's order: the data first, then the weights
        train_split, _, _ = gen_data_yinyang(rng, n=100)
        model = nn.MLP(2, [8, 3], rng=rng)
        optimizer = train.AdamW(model.parameters(), **adamw)

        def loop():
            return train.train(model, optimizer, train_split, steps)

    timer = GCTimer()
    gc.callbacks.append(timer)
    start = time.perf_counter()
    losses = loop()
    seconds = time.perf_counter() - start
    gc.callbacks.remove(timer)
    return {"losses": losses, "seconds": seconds, "gc_seconds": timer.seconds, "gc_collections": timer.collections}


def child_chain(engine, n):
    """Build y = x + 1 + 1 + ... (n additions) and backpropagate; time both, measure peak memory."""
    if engine == "ref":
        from micrograd_ref.engine import Value
    else:
        sys.path.insert(0, str(ROOT / "solutions"))
        from engine import Value
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    start = time.perf_counter()
    x = Value(1.0)
    y = x
    for _ in range(n):
        y = y + 1.0
    built = time.perf_counter()
    y.backward()
    done = time.perf_counter()
    assert x.grad == 1 and y.data == 1.0 + n
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"build": built - start, "backward": done - built, "peak_mib": peak / 1024, "added_mib": (peak - base) / 1024}


def in_subprocess(*args):
    """Run this script as a child with `args`; return the JSON it prints."""
    proc = subprocess.run([sys.executable, __file__, "--child", *map(str, args)], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"child {' '.join(map(str, args))} failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def bench_training(steps, repeats):
    """Part (a): print the table; exit with an error if the two engines' losses differ."""
    print(f"(a) the EurekaLabs run, {steps} steps, reference vs closure engine (answer key), "
          f"fresh subprocesses, alternating, {repeats} repeats")
    runs = {"ref": [], "key": []}
    for r in range(repeats):
        for engine in ("ref", "key"):
            result = in_subprocess("train", engine, steps)
            runs[engine].append(result)
            print(f"    repeat {r + 1}: {engine}  {1000 * result['seconds'] / steps:8.2f} ms/step  "
                  f"gc {100 * result['gc_seconds'] / result['seconds']:4.1f} %")
    losses = {run["losses"] == runs["ref"][0]["losses"] for engine in runs for run in runs[engine]}
    if losses != {True}:
        sys.exit("the losses differ between the engines (or between runs): the answer key and the reference disagree")
    best = {engine: min(runs[engine], key=lambda run: run["seconds"]) for engine in runs}
    per_step = {engine: best[engine]["seconds"] / steps for engine in runs}
    ratio = per_step["key"] / per_step["ref"]
    key = best["key"]
    print(f"    losses identical in all {2 * repeats} runs (first {runs['ref'][0]['losses'][0]!r}, "
          f"last {runs['ref'][0]['losses'][-1]!r})")
    print(f"    reference     {1000 * per_step['ref']:8.2f} ms/step (best of {repeats})")
    print(f"    closure key   {1000 * per_step['key']:8.2f} ms/step (best of {repeats}), "
          f"{100 * key['gc_seconds'] / key['seconds']:.1f} % of it in the cycle collector "
          f"({key['gc_collections']} collections)")
    pairs = ", ".join(f"{k['seconds'] / r['seconds']:.1f}x" for r, k in zip(runs["ref"], runs["key"]))
    print(f"    ratio: the reference is {ratio:.1f}x faster, best against best (each repeat's pair: {pairs}; "
          f"goal >= {GOAL:g}x: {'met' if ratio >= GOAL else 'NOT met'})")


def bench_chains():
    """Part (b): print time and peak memory of long chains."""
    print("(b) a chain y = x + 1 + 1 + ... of n additions: build, then backward(), each in a fresh subprocess")
    print(f"    {'engine':<10} {'n':>9} {'build s':>8} {'backward s':>11} {'us/node':>8} {'peak MiB':>9} {'B/node':>7}")
    for engine, n in (("reference", 100_000), ("reference", 1_000_000), ("key", 100_000)):
        r = in_subprocess("chain", "ref" if engine == "reference" else "key", n)
        per_node = 1e6 * (r["build"] + r["backward"]) / n
        print(f"    {engine:<10} {n:>9} {r['build']:>8.3f} {r['backward']:>11.3f} {per_node:>8.2f} "
              f"{r['peak_mib']:>9.1f} {1024 * 1024 * r['added_mib'] / n:>7.0f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps per run (default 100)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each engine (default 3)")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "ENGINE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, engine, n = args.child
        work = child_train if kind == "train" else child_chain
        print(json.dumps(work(engine, int(n))))
        return
    bench_training(args.steps, args.repeats)
    bench_chains()


if __name__ == "__main__":
    main()
