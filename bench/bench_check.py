"""How long a student waits for `make check`: the whole check on a finished submission, and each part.

    .venv/bin/python bench/bench_check.py [--repeats 5] [--baseline DIR]

Each measurement is a fresh `python -m grader check` process, as `make check` runs it (interpreter
start, imports, cases, child processes, expectations, report), on the answer key (every op runs
every case, nothing stops early). Printed: the best and median wall time of the repeats, per part
and for everything, with the default grading core (the forked one); then `make check` itself on
the answer key (`make check exercise="--submission solutions"`: the Makefile's own steps and the
HTML report included) twice, side by side: with the page of the run before reused (its data
unchanged, the usual case for a finished submission) and drawn again (its key removed first);
then the whole check with each grading core side by side (`[grading] core` in a settings file of
the bench's own, which both runs read); then the 0.5-second goal against the best times.
`--baseline DIR`: another checkout of the kit (e.g. `git worktree add /tmp/before COMMIT`, with
its own .venv link) measured the same way, each of its runs beside one of this kit's, and their
ratio. Side-by-side runs alternate, so a change in the machine's load hits both alike.

Python writes bytecode here as on a student's machine (PYTHONDONTWRITEBYTECODE is taken out of the
runs' environment): the bench measures a second run, not the first one's compiling. Whether torch
was imported is checked too: the public cases' PyTorch values are read from
grader/data/public_torch.json. The machine's load average is printed before and after (timings on
a shared machine are noisy: compare the ratios, and repeat).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 0.5  # seconds for the whole check
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
MAKE_CHECK = ["make", "--no-print-directory", "check", "exercise=--submission solutions"]


def wall(args=(), cmd=None, root=ROOT, before=None):
    """Seconds one run takes, and whether it imported torch; `before` runs first, untimed."""
    if before:
        before(root)
    python = str(root / ".venv" / "bin" / "python")
    cmd = cmd or [python, "-X", "importtime", "-m", "grader", "check", "--submission", "solutions", *args]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=ENV)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"check failed on the answer key in {root}:\n{proc.stdout}{proc.stderr}")
    imported_torch = any(line.rstrip().endswith("| torch") for line in proc.stderr.splitlines())
    return seconds, imported_torch


def side_by_side(runs, repeats):
    """{name: [(seconds, torch)]} for runs {name: () -> (seconds, torch)}, taken in turn."""
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            times[name].append(run())
    return times


def summary(runs):
    seconds = [s for s, _ in runs]
    return min(seconds), statistics.median(seconds), any(t for _, t in runs)


def forget_page(root):
    (root / "build" / "report.html.key").unlink(missing_ok=True)


def print_pair(title, times, first, second):
    b1, m1, _ = summary(times[first])
    b2, m2, _ = summary(times[second])
    print(f"{title}: {first} best {b1:.2f} s (median {m1:.2f}), {second} best {b2:.2f} s (median {m2:.2f}); "
          f"{first}/{second} = {b1 / b2:.2f} best, {m1 / m2:.2f} median")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="another checkout of the kit to compare with, side by side")
    args = parser.parse_args()
    print("load average (1, 5, 15 min) at the start: %.2f %.2f %.2f" % os.getloadavg())
    stale = subprocess.run(["make", "-q", ".venv/.installed-plots"], cwd=ROOT, capture_output=True).returncode
    if stale:
        print("note: .venv/.installed-plots is older than pyproject.toml: every make check here reinstalls "
              "the plots group first (run make check once, or touch the stamp)")
    rows = [("engine", ["engine"]), ("nn", ["nn"]), ("train", ["train"]), ("everything", [])]
    print(f"{'python -m grader check':26} {'best of ' + str(args.repeats):>12} {'median':>9}   torch imported")
    for name, parts in rows:
        best, median, torch = summary([wall(parts) for _ in range(args.repeats)])
        print(f"{name:26} {best:10.2f} s {median:7.2f} s   {'yes' if torch else 'no'}")
    check = best
    wall([], MAKE_CHECK)  # the page the reusing runs start from
    make = side_by_side({"page reused": lambda: wall([], MAKE_CHECK),
                         "page drawn": lambda: wall([], MAKE_CHECK, before=forget_page)}, args.repeats)
    print_pair("make check (HTML too)", make, "page drawn", "page reused")
    with tempfile.TemporaryDirectory() as tmp:
        configs = {}
        for core in ("fresh", "fork"):
            configs[core] = Path(tmp) / f"{core}.toml"
            configs[core].write_text(f'[grading]\ncore = "{core}"\n')
        cores = side_by_side({core: (lambda c=configs[core]: wall(["--config", str(c)])) for core in configs},
                             args.repeats)
        print_pair("whole check by core (both with --config)", cores, "fresh", "fork")
    if args.baseline:
        base = args.baseline.resolve()
        wall([], MAKE_CHECK, root=base)
        checks = side_by_side({"baseline": lambda: wall(root=base), "this kit": lambda: wall()}, args.repeats)
        print_pair(f"whole check, {base} beside this kit", checks, "baseline", "this kit")
        makes = side_by_side({"baseline": lambda: wall([], MAKE_CHECK, root=base),
                              "this kit": lambda: wall([], MAKE_CHECK)}, args.repeats)
        print_pair(f"make check, {base} beside this kit", makes, "baseline", "this kit")
    made = summary(make["page reused"])[0]
    for what, seconds in (("whole check", check), ("make check, page reused", made)):
        print(f"{what}: {seconds:.2f} s; goal {GOAL:.1f} s; ratio goal/measured = {GOAL / seconds:.2f} "
              f"({'met' if seconds <= GOAL else 'NOT met'})")
    print("load average (1, 5, 15 min) at the end: %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
