"""How long a student waits for `make check`: the whole check on a finished submission, and each part.

    .venv/bin/python bench/bench_check.py [--repeats 3]

Each measurement is a fresh `python -m grader check` process, as `make check` runs it (interpreter
start, imports, cases, child processes, expectations, report), on the answer key (every op runs
every case, nothing stops early). Printed: the best wall time of the repeats, per part and for
everything, and its ratio to the 2-second goal. Whether torch was imported is checked too: the
public cases' PyTorch values are read from grader/data/public_torch.json.
"""
import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 2.0  # seconds for the whole check


def wall(args):
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "grader", "check", "--submission", "solutions", *args],
                          cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"check failed on the answer key:\n{proc.stdout}{proc.stderr}")
    imported_torch = any(line.rstrip().endswith("| torch") for line in proc.stderr.splitlines())
    return seconds, imported_torch


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = [("engine", ["engine"]), ("nn", ["nn"]), ("train", ["train"]), ("everything (make check)", [])]
    print(f"{'part':26} {'best of ' + str(args.repeats):>12}   torch imported")
    for name, parts in rows:
        runs = [wall(parts) for _ in range(args.repeats)]
        best = min(s for s, _ in runs)
        print(f"{name:26} {best:10.2f} s   {'yes' if any(t for _, t in runs) else 'no'}")
    print(f"whole check: {best:.2f} s; goal {GOAL:.1f} s; ratio goal/measured = {GOAL / best:.2f} "
          f"({'met' if best <= GOAL else 'NOT met'})")


if __name__ == "__main__":
    main()
