"""Batch grading speed: a class of 46 submissions (correct, buggy, hostile: hangs, memory bombs,
exits), graded by `python -m grader batch`, then the same submissions as notebooks graded by
`nbgrader autograde` in the kit's nbgrader course, side by side in one run.

    .venv/bin/python bench/bench_batch.py [--students 46] [--nbgrader N] [--jobs J]
    .venv/bin/python bench/bench_batch.py --students 200 --nbgrader 0 --jobs-list 2,4 --dask
    .venv/bin/python bench/bench_batch.py --students 200 --nbgrader 0 --jobs-list 4,8   # the cores' ratio

`--cores fresh,fork` (the default) grades the class with each grading core ([grading] core): a
sandbox and interpreter per test id, against one sandbox per submission whose template forks each
test id's child; it prints their ratio in submissions per second (goal: 3x on a class of 200).

`--breakdown` first prints, per test id, what one child costs with no cases (starting it: the
interpreter, the copies, the confinement) against all its cases, on the answer key: the share of
a submission's time that a faster launch can save.

`--jobs-list` grades the class once per --jobs setting, `--dask` once more per setting on a Dask
LocalCluster (`--scheduler local`, that many worker processes); each run prints submissions per
second and its ratio to the first run (the default local batch), and says whether every run gave
the same gradebook.

Prints wall and CPU times, the time per submission and the ratios (CPU time is what the work
costs whatever else the shared machine runs). The nbgrader course is the kit's own
(`python -m grader nbgrader`), with its hidden seed, which batch uses too: both grade the same
cases, and the bench says on how many submissions their totals agree.
"""
import argparse
import contextlib
import csv
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.classroom import HOSTILE, MUTANTS, copy_solutions, mutate  # noqa: E402


def make_submissions(root, n):
    """n submissions: per 46 of them every hostile one once and each mutant twice, the rest correct.
    {name: (file, old, new) or None}."""
    reps = max(1, n // 46)
    plan = {}
    for r in range(reps):
        tag = f"{r}_" if reps > 1 else ""
        plan.update({f"hostile_{tag}{k}": v[:3] for k, v in HOSTILE.items()})
        for rep in (1, 2):
            plan.update({f"bug{rep}_{tag}{k}": v[:3] for k, v in MUTANTS.items()})
    i = 0
    while len(plan) < n:
        plan[f"correct_{i:02d}"] = None
        i += 1
    plan = dict(list(plan.items())[:n])
    for name, change in plan.items():
        if change:
            mutate(root / name, *change)
        else:
            copy_solutions(root / name)
    return plan


def child_breakdown(repeats=3, core="fresh"):
    """Per test id on the answer key: (no-cases ms, all-cases ms), each the best of `repeats` runs,
    in the fresh core or the forked one (a template per run of every test id, its start not counted)."""
    from grader.pipeline import check, fork_core, sandbox
    from grader.pipeline.sandbox import run_cases
    from grader.spec import TEST_IDS
    from tests.classroom import SOLUTIONS

    box, limits = sandbox.plan("available"), sandbox.Limits()
    times = {t: {"none": [], "all": []} for t in TEST_IDS}
    for _ in range(repeats):
        for what in ("none", "all"):
            with contextlib.ExitStack() as stack:
                template = fork_core.start(box, sys.executable, limits, None, len(TEST_IDS), core)
                if template is not None:
                    stack.enter_context(template)
                for slot, test_id in enumerate(TEST_IDS):
                    chosen = [c for c, _ in check.build_cases(test_id)] if what == "all" else []
                    started = time.perf_counter()
                    run_cases(test_id, chosen, SOLUTIONS, limits, sandbox=box, template=template, slot=slot)
                    times[test_id][what].append(time.perf_counter() - started)
    return {t: (1000 * min(v["none"]), 1000 * min(v["all"])) for t, v in times.items()}


def run_batch(class_dir, out, jobs, hidden_seed, scheduler=None, core=None):
    cmd = [sys.executable, "-m", "grader", "batch", str(class_dir), "--out", str(out)]
    if core:  # the grading core ([grading] core), in a settings file of this run's own
        settings = out.parent / "grader.toml"
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(f'[grading]\ncore = "{core}"\n')
        cmd += ["--config", str(settings)]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    if scheduler:
        cmd += ["--scheduler", scheduler]
    if hidden_seed is not None:
        cmd += ["--hidden-seed", str(hidden_seed)]
    with Clock() as clock:
        proc = subprocess.run(clock.wrap(cmd), cwd=ROOT, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit(f"batch failed:\n{proc.stderr}")
    with open(out, newline="") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    return clock, rows


class Clock:
    """Wall time and the CPU time of every process started (and waited for) inside the block:
    the machine is shared, and CPU time says what the work cost whatever the others run.

    A sandboxed process killed at the end of its test is never waited for by its parent, so its
    CPU time is not in the children's: where this runs as root with cgroup v1's cpuacct, a command
    given to wrap() runs in a cgroup of its own, whose usage counts every process it started."""

    CPUACCT = pathlib.Path("/sys/fs/cgroup/cpuacct")

    def __enter__(self):
        self.group = None
        if os.geteuid() == 0 and (self.CPUACCT / "cpuacct.usage").exists():
            try:
                self.group = self.CPUACCT / f"bench-{os.getpid()}-{time.monotonic_ns()}"
                self.group.mkdir()
            except OSError:
                self.group = None
        self.started, self.cpu0 = time.monotonic(), self._cpu()
        return self

    def wrap(self, cmd):
        """`cmd`, started inside this clock's cgroup where there is one."""
        if self.group is None:
            return cmd
        return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(self.group / "cgroup.procs"), *cmd]

    def __exit__(self, *exc):
        self.wall, self.cpu = time.monotonic() - self.started, self._cpu() - self.cpu0
        if self.group is not None:
            self.cpu = int((self.group / "cpuacct.usage").read_text()) / 1e9
            for _ in range(100):
                try:
                    self.group.rmdir()
                    break
                except OSError:
                    time.sleep(0.05)
        return False

    @staticmethod
    def _cpu():
        import resource

        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime


def notebook_for(source_nb, change, part_of_file):
    """The course's notebook (the answer key) with the same one-line change a .py submission has."""
    nb = json.loads(source_nb.read_text())
    if change is None:
        return nb
    file, old, new = change
    answers = [c for c in nb["cells"] if c["cell_type"] == "code"
               and c["metadata"].get("nbgrader", {}).get("solution")]
    for cell in answers:
        lines = "".join(cell["source"]).split("\n")
        hits = [i for i, line in enumerate(lines) if line.strip() == old]
        if hits:
            i = hits[0]
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            lines[i] = "\n".join(indent + x for x in new.split("\n"))
            cell["source"] = "\n".join(lines)
            return nb
    # a module-level line (an import) of that file: top-level code in its first answer cell
    part = part_of_file[file]
    cell = next(c for c in answers if c["metadata"]["nbgrader"]["grade_id"].startswith(f"answer_{part}_"))
    cell["source"] = new + "\n" + "".join(cell["source"])
    return nb


def build_course(work):
    """The nbgrader course (release generated) and its hidden seed; the environment to run nbgrader in."""
    kit, where = ROOT, "the kit's builder"
    course = work / "course"
    env = dict(os.environ, PATH=f"{pathlib.Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               PYTHONPATH=str(kit))
    subprocess.run([sys.executable, "-m", "grader", "nbgrader", "--out", str(course)], cwd=kit, env=env,
                   check=True, capture_output=True)
    seed = re.search(r"^c\.MicrogradScores\.hidden_seed = (\d+)$", (course / "nbgrader_config.py").read_text(), re.M)
    return course, env, where, int(seed.group(1)) if seed else None


def run_nbgrader(work, course, env, plan):
    source_nb = course / "source" / "micrograd" / "micrograd.ipynb"
    release = course / "release" / "micrograd"
    part_of_file = {"engine.py": "engine", "nn.py": "nn", "train.py": "train"}
    for name, change in plan.items():
        folder = course / "submitted" / name / "micrograd"
        folder.mkdir(parents=True)
        for extra in release.iterdir():
            if extra.suffix != ".ipynb":
                shutil.copyfile(extra, folder / extra.name)
        (folder / "micrograd.ipynb").write_text(json.dumps(notebook_for(source_nb, change, part_of_file)))
    with Clock() as clock:
        proc = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", "micrograd", "--create"], cwd=course,
                              env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
    export = subprocess.run([sys.executable, "-m", "nbgrader", "export", "--to", str(work / "nb.csv")], cwd=course,
                            env=env, capture_output=True, text=True)
    scores = {}
    if export.returncode == 0:
        with open(work / "nb.csv", newline="") as f:
            scores = {r["student_id"]: float(r["raw_score"] or 0) for r in csv.DictReader(f)}
    return clock, scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=46)
    parser.add_argument("--nbgrader", type=int, help="grade only N submissions with nbgrader, spread over the class (default: all; 0: none)")
    parser.add_argument("--jobs", type=int, help="batch --jobs (default: batch's own, then twice the cores)")
    parser.add_argument("--jobs-list", help="comma-separated --jobs settings to compare (after batch's default)")
    parser.add_argument("--dask", action="store_true", help="also grade on a Dask LocalCluster per --jobs setting")
    parser.add_argument("--breakdown", action="store_true", help="first, one child's start-up against its cases")
    parser.add_argument("--cores", default="fresh,fork",
                        help="grading cores to compare ([grading] core), each with every --jobs setting; the first "
                             "run is the reference of the ratios (default: fresh,fork: today's against the forked)")
    args = parser.parse_args()

    if args.breakdown:
        for core in [c for c in args.cores.split(",") if c]:
            rows = child_breakdown(core=core)
            for test_id, (none, full) in rows.items():
                print(f"core {core}: child {test_id:20s} no cases {none:6.1f} ms, all cases {full:6.1f} ms")
            start, total = sum(n for n, _ in rows.values()), sum(f for _, f in rows.values())
            print(f"core {core}: children of one submission: {total:.0f} ms, of which {start:.0f} ms "
                  f"({100 * start / total:.0f}%) is starting them (one after another)")

    print("load average (1, 5, 15 min) at the start: %.2f %.2f %.2f" % os.getloadavg())
    work = pathlib.Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        plan = make_submissions(work / "class", args.students)
        course = None
        if args.nbgrader != 0:
            course, env, where, seed = build_course(work)
        else:
            seed = None
        # the same hidden cases as the course's, so that both grade the same work
        if args.jobs_list:
            runs = [None] + [int(j) for j in args.jobs_list.split(",")]
        else:
            runs = [args.jobs] if args.jobs else [None, 2 * (os.cpu_count() or 1)]
        cores = [c for c in args.cores.split(",") if c]
        modes = [(jobs, None, core) for core in cores for jobs in runs] + (
            [(jobs, "local", core) for core in cores for jobs in runs] if args.dask else [])
        t_batch = batch_label = first_rate = first_rows = None
        same, rates = [], {}
        for jobs, scheduler, core in modes:
            out = work / f"out-{jobs}-{scheduler}-{core}" / "grades.csv"
            clock, rows = run_batch(work / "class", out, jobs, seed, scheduler, core)
            assert len(rows) == len(plan), "every submission has a row"
            label = (f"core {core}, " if core else "") + (f"--jobs {jobs}" if jobs else "default --jobs") + (
                " --scheduler local" if scheduler else "")
            rates.setdefault(core, []).append((label, len(rows) / clock.wall, clock.cpu))
            rate = len(rows) / clock.wall
            first_rate = first_rate or rate
            first_rows = first_rows or rows
            same.append(rows == first_rows)
            print(f"batch ({label}): {len(rows)} submissions in {clock.wall:6.1f} s wall, {clock.cpu:6.1f} s CPU "
                  f"({clock.wall / len(rows):.2f} s each, {rate:.2f} submissions/s, {rate / first_rate:.2f}x the "
                  f"first run)" + ("  [goal: <= 60 s]" if len(rows) <= 46 else "") + f"  on {os.cpu_count()} cores"
                  + (f", hidden seed {seed}" if seed else ""))
            t_batch, batch_label = (t_batch, batch_label) if t_batch else (clock, label)
        print(f"gradebooks: {sum(same)}/{len(same)} runs give the first run's grades, cell for cell")
        print("load average (1, 5, 15 min) at the end: %.2f %.2f %.2f" % os.getloadavg())
        if len(rates) > 1:
            (base, base_runs), *others = rates.items()
            best_base = max(base_runs, key=lambda r: r[1])
            for core, core_runs in others:
                best = max(core_runs, key=lambda r: r[1])
                print(f"core {core} against core {base} (best run of each): {best[1]:.2f} against {best_base[1]:.2f} "
                      f"submissions/s = {best[1] / best_base[1]:.2f}x  [goal: >= 3x]; CPU {best[2]:.0f} s against "
                      f"{best_base[2]:.0f} s = {best_base[2] / max(best[2], 1e-9):.2f}x less")
        if course is None:
            return
        names = list(plan)
        n = args.nbgrader or len(names)
        chosen = {names[i * len(names) // n]: plan[names[i * len(names) // n]] for i in range(n)}
        t_nb, nb_scores = run_nbgrader(work, course, env, chosen)
        print(f"nbgrader: {len(chosen)} submissions in {t_nb.wall:6.1f} s wall, {t_nb.cpu:6.1f} s CPU "
              f"({t_nb.wall / len(chosen):.2f} s each)  [nbgrader autograde, course built from {where}]")
        for what in ("wall", "cpu"):
            ratio = (getattr(t_nb, what) / len(chosen)) / (getattr(t_batch, what) / len(plan))
            print(f"ratio ({what}): batch ({batch_label}) is {ratio:.1f}x faster per submission  [goal: >= 5x]")
        if nb_scores:
            same = [s for s in chosen if s in nb_scores and abs(nb_scores[s] - float(rows[s]["total"] or 0)) < 1e-6]
            print(f"agreement: {len(same)}/{len(chosen)} submissions get the same total from both")
            for s in chosen:
                if s not in same:
                    print(f"  {s}: batch {rows[s]['total']}, nbgrader {nb_scores.get(s, 'missing')}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
