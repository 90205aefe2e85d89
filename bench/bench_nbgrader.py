"""Autograde time per submission: the course's secure scoring against nbgrader's own execution.

Two copies of one course grade the same submissions with `nbgrader autograde`: one as built
(MicrogradScores scores the test cells outside the kernel), one with nbgrader's stock autograde
pipeline (the same notebook executed, nothing scored outside). Runs alternate, and each side keeps
its best time, so that the other engineers' load on this machine weighs on both alike.

    .venv/bin/python bench/bench_nbgrader.py [--students 3] [--rounds 2]
"""
import argparse
import json
import pathlib
import shutil
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.builders import nbgrader_course as course_lib  # noqa: E402

STOCK_LINE = "c.Autograde.autograde_preprocessors = steps\n"
GOAL = 1.5


def submissions(course_dir, count):
    """`count` students: the answer key, the untouched release, and key answers with one op broken, in turn."""
    import nbformat

    source = nbformat.read(course_dir / "source/micrograd/micrograd.ipynb", as_version=4)
    release = nbformat.read(course_dir / "release/micrograd/micrograd.ipynb", as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for i in range(count):
        nb = nbformat.from_dict(json.loads(json.dumps(release)))
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if i % 3 != 1 and gid in answers:
                cell.source = answers[gid]
                if i % 3 == 2:
                    cell.source = cell.source.replace("(1 - t**2) * out.grad", "(1 - t) * out.grad")
        folder = course_dir / "submitted" / f"student{i + 1}" / "micrograd"
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / "micrograd.ipynb")


def autograde(course_dir):
    """Seconds for one `nbgrader autograde micrograd --force` over every submission."""
    started = time.perf_counter()
    done = course_lib.nbgrader(course_dir, "autograde", "micrograd", "--force", check=False, capture=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"autograde failed in {course_dir}:\n{done.stderr[-3000:]}")
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-nbgrader-") as tmp:
        secure = pathlib.Path(tmp) / "secure"
        course_lib.build_course(secure)
        submissions(secure, args.students)
        stock = pathlib.Path(tmp) / "stock"
        shutil.copytree(secure, stock)
        config = (stock / "nbgrader_config.py").read_text()
        assert STOCK_LINE in config
        (stock / "nbgrader_config.py").write_text(config.replace(STOCK_LINE, ""))

        best = {"secure": float("inf"), "stock": float("inf")}
        for _ in range(args.rounds):
            for name, folder in (("stock", stock), ("secure", secure)):
                best[name] = min(best[name], autograde(folder) / args.students)
        ratio = best["secure"] / best["stock"]
        print(f"autograde per submission ({args.students} submissions, best of {args.rounds} rounds):")
        print(f"  nbgrader's own execution (stock pipeline): {best['stock']:.2f} s")
        print(f"  with secure scoring outside the kernel:    {best['secure']:.2f} s")
        print(f"  ratio: {ratio:.2f}x (goal: at most {GOAL}x) — {'met' if ratio <= GOAL else 'NOT met'}")


if __name__ == "__main__":
    main()
