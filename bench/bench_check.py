"""How long a student waits for `make check`: the whole check on a finished submission, and each part.

    .venv/bin/python bench/bench_check.py [--repeats 5]

Each measurement is a fresh `python -m grader check` process, as `make check` runs it (interpreter
start, imports, cases, child processes, expectations, report), on the answer key (every op runs
every case, nothing stops early). Printed: the best wall time of the repeats, per part and for
everything, with the default grading core (the forked one); then `make check` itself on the answer
key (`make check exercise="--submission solutions"`: the Makefile's own steps, and the HTML report
it writes, included); then the whole check with each grading core side by side (`[grading] core`
in a settings file of the bench's own, which both runs read) and their ratio; then the 0.5-second
goal against the check's best time. Whether torch was imported is checked too: the public cases'
PyTorch values are read from grader/data/public_torch.json. The machine's load average is printed
before and after (timings on a shared machine are noisy: compare the ratios, and repeat).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 0.5  # seconds for the whole check


def wall(args, cmd=None):
    start = time.perf_counter()
    cmd = cmd or [sys.executable, "-X", "importtime", "-m", "grader", "check", "--submission", "solutions", *args]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"check failed on the answer key:\n{proc.stdout}{proc.stderr}")
    imported_torch = any(line.rstrip().endswith("| torch") for line in proc.stderr.splitlines())
    return seconds, imported_torch


def best(runs):
    return min(s for s, _ in runs), any(t for _, t in runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print("load average (1, 5, 15 min) at the start: %.2f %.2f %.2f" % os.getloadavg())
    rows = [("engine", ["engine"]), ("nn", ["nn"]), ("train", ["train"]), ("everything", [])]
    print(f"{'python -m grader check':26} {'best of ' + str(args.repeats):>12}   torch imported")
    for name, parts in rows:
        seconds, torch = best([wall(parts) for _ in range(args.repeats)])
        print(f"{name:26} {seconds:10.2f} s   {'yes' if torch else 'no'}")
    check = seconds
    make = [wall([], ["make", "--no-print-directory", "check", "exercise=--submission solutions"])
            for _ in range(args.repeats)]
    print(f"{'make check (HTML too)':26} {best(make)[0]:10.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        times = {}
        for core in ("fresh", "fork"):
            settings = Path(tmp) / f"{core}.toml"
            settings.write_text(f'[grading]\ncore = "{core}"\n')
            times[core] = best([wall(["--config", str(settings)]) for _ in range(args.repeats)])[0]
        print(f"whole check, core fresh {times['fresh']:.2f} s, core fork {times['fork']:.2f} s "
              f"(both with --config): {times['fresh'] / times['fork']:.2f}x faster forked")
    print(f"whole check: {check:.2f} s; goal {GOAL:.1f} s; ratio goal/measured = {GOAL / check:.2f} "
          f"({'met' if check <= GOAL else 'NOT met'})")
    print("load average (1, 5, 15 min) at the end: %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
