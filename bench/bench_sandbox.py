"""What containment costs: each test id's child run with resource limits only (confinement "none",
the cost of a child before bubblewrap, seccomp, Landlock and cgroups) and in the full sandbox,
side by side, and the whole check on a finished submission in both modes and as `make check` runs it.

    .venv/bin/python bench/bench_sandbox.py [--repeats 5]

Per test id: the best wall time of the repeats of one `run_cases` call on the answer key's files
(start, cases, results, teardown), in this process. Then the whole check as `make check` runs it
(a fresh `python -m grader check` process), against the 1.5-second goal. Ratios, not verdicts:
on a loaded machine every number moves.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.pipeline import cases, intake, sandbox  # noqa: E402
from grader.spec import TEST_IDS  # noqa: E402

GOAL = 1.5  # seconds for `make check` on a finished submission


def per_test(test_id, files, box, repeats):
    """Best wall seconds of one child run of `test_id` in sandbox `box`."""
    todo = cases.case_list(test_id)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        outcome = sandbox.run_cases(test_id, todo, files, sandbox=box)
        best = min(best, time.perf_counter() - start)
        if outcome.status != "ok" or outcome.import_error:
            sys.exit(f"{test_id} did not run cleanly ({box.describe()}): {outcome.status} {outcome.message}")
    return best


def whole_check(config_text, repeats):
    """Best wall seconds of `python -m grader check` on the answer key with these settings (None: no
    settings file, as `make check` runs it; a file costs the import of jsonschema to validate it)."""
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write(config_text or "")
    settings = ["--config", f.name] if config_text is not None else []
    try:
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "grader", "check", "--submission", "solutions",
                                   *settings], cwd=ROOT, capture_output=True, text=True)
            best = min(best, time.perf_counter() - start)
            if proc.returncode != 0:
                sys.exit(f"check failed on the answer key:\n{proc.stdout}{proc.stderr}")
        return best
    finally:
        os.unlink(f.name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    files = intake.read_submission(ROOT / "solutions").files
    before, after = sandbox.plan("none"), sandbox.plan("available")
    print(f"before: {before.describe()}\nafter:  {after.describe()}\n")
    print(f"{'test id':22} {'before':>9} {'after':>9} {'after/before':>13}")
    total_before = total_after = 0.0
    for test_id in TEST_IDS:
        b = per_test(test_id, files, before, args.repeats)
        a = per_test(test_id, files, after, args.repeats)
        total_before, total_after = total_before + b, total_after + a
        print(f"{test_id:22} {b * 1000:7.0f} ms {a * 1000:6.0f} ms {a / b:12.2f}x")
    print(f"{'all, one after another':22} {total_before * 1000:7.0f} ms {total_after * 1000:6.0f} ms "
          f"{total_after / total_before:12.2f}x")
    repeats = max(1, args.repeats // 2)
    old = whole_check('[grading]\nconfinement = "none"\n', repeats)
    new = whole_check('[grading]\nconfinement = "available"\n', repeats)
    plain = whole_check(None, repeats)
    print(f"\ncheck with a settings file (answer key): before {old:.2f} s, after {new:.2f} s ({new / old:.2f}x)")
    print(f"make check (answer key, no settings file, full sandbox): {plain:.2f} s; goal {GOAL:.1f} s, "
          f"goal/measured = {GOAL / plain:.2f}")


if __name__ == "__main__":
    main()
