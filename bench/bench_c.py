"""How much faster the C run (build/micrograd-c) is than the Python reference, same steps, side by side.

    python bench/bench_c.py [--steps N] [--repeat R]

Builds the C run with `make c`, then times both command lines in turn, R times each, and prints
the median wall times and their ratio (the goal is 30x or more). Both logs must be identical.
"""
import argparse
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
GOAL = 30.0


def timed(command):
    """Run `command` from the repository root; return (seconds, stdout)."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python bench/bench_c.py", description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps of each run (default 100)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each program (default 5)")
    args = parser.parse_args(argv)
    if args.steps < 0 or args.repeat < 1:
        parser.error("--steps must be 0 or more and --repeat 1 or more")

    subprocess.run(["make", "-s", "c"], cwd=ROOT, check=True)
    programs = {
        "python": [sys.executable, "-m", "micrograd_ref.train", "--steps", str(args.steps)],
        "c": [str(ROOT / "build" / "micrograd-c"), "--steps", str(args.steps)],
    }
    times = {name: [] for name in programs}
    logs = {}
    for _ in range(args.repeat):  # interleaved, so that a busy moment of the machine hits both
        for name, command in programs.items():
            seconds, logs[name] = timed(command)
            times[name].append(seconds)
    if logs["c"] != logs["python"]:
        sys.exit("the C run's log differs from the Python reference's")

    python, c = statistics.median(times["python"]), statistics.median(times["c"])
    ratio = python / c
    print(f"micrograd training run, {args.steps} steps, median of {args.repeat} runs (whole command lines)")
    print(f"  python -m micrograd_ref.train  {python * 1000:9.1f} ms")
    print(f"  build/micrograd-c              {c * 1000:9.1f} ms")
    print(f"  C is {ratio:.1f}x faster (goal >= {GOAL:.0f}x: {'met' if ratio >= GOAL else 'NOT met'}); logs identical")


if __name__ == "__main__":
    main()
