"""How much faster the C run (build/micrograd-c) is than the Python reference, same steps, side by side.

    .venv/bin/python bench/bench_c.py [--steps 100] [--repeats 5]

Builds the C run with `make c`, then runs both command lines in turn, `--repeats` times each, and
prints the best CPU time (user + system) and the best wall time of each, and their ratios (the
goal is 30x or more, on CPU time: the machine is shared, and wall time also counts the time a
program waits for a core). The two logs must be identical.
"""
import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 30.0


def timed(command):
    """Run `command` from the repository root; return (cpu seconds, wall seconds, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, done.stdout


def main(argv=None):
    """Time both runs and print the table."""
    parser = argparse.ArgumentParser(prog="bench/bench_c.py", description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps of each run (default 100)")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each program (default 5)")
    args = parser.parse_args(argv)
    if args.steps < 0 or args.repeats < 1:
        parser.error("--steps must be 0 or more and --repeats 1 or more")

    subprocess.run(["make", "-s", "c"], cwd=ROOT, check=True)
    programs = {
        "python -m micrograd_ref.train": [sys.executable, "-m", "micrograd_ref.train", "--steps", str(args.steps)],
        "build/micrograd-c": [str(ROOT / "build" / "micrograd-c"), "--steps", str(args.steps)],
    }
    runs = {name: [] for name in programs}
    logs = {}
    for _ in range(args.repeats):  # alternating, so that a busy moment of the machine hits both
        for name, command in programs.items():
            cpu, wall, logs[name] = timed(command)
            runs[name].append((cpu, wall))
    if len(set(logs.values())) != 1:
        sys.exit("the C run's log differs from the Python reference's")

    best = {name: (min(c for c, _ in r), min(w for _, w in r)) for name, r in runs.items()}
    (py_cpu, py_wall), (c_cpu, c_wall) = best.values()
    print(f"the training run, {args.steps} steps, whole command lines, best of {args.repeats}; logs identical")
    print(f"  {'':32} {'cpu':>10} {'wall':>10}")
    for name, (cpu, wall) in best.items():
        print(f"  {name:32} {cpu * 1000:7.1f} ms {wall * 1000:7.1f} ms")
    ratio = py_cpu / c_cpu
    print(f"  C is {ratio:.1f}x faster in CPU time ({py_wall / c_wall:.1f}x in wall time); "
          f"goal >= {GOAL:g}x: {'met' if ratio >= GOAL else 'NOT met'}")


if __name__ == "__main__":
    main()
