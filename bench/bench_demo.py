"""How fast the demo trains: steps per second of its training function, against the goal of 10.

    .venv/bin/python bench/bench_demo.py [--seconds S]

MLP(2, [8, 3]) on 100 points (the yin-yang set), AdamW, as the demo runs it. Printed side by side:
the training function alone, and one Play frame's work on the server (10 steps, the boundary
map, the example's graph laid out by `dot`; the page redraws the graph at most once a second
while playing, so this is the worst case). What the browser adds is measured by the browser
test (tests/test_demo.py), which reads the step counter while playing and writes the rate to
build/test-artifacts/demo-play-rate.txt.
A student's engine (solutions/engine.py, a closure engine like theirs, when present) is timed too.
"""
import argparse
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from demo import engines, training  # noqa: E402

GOAL = 10.0  # steps per second, page updates included
STEPS_PER_FRAME = 10


def rate(work, steps_per_call, seconds):
    """Steps per second of `work()`, which does `steps_per_call` steps, repeated for about `seconds`."""
    work()  # warm up
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        work()
        calls += 1
    return calls * steps_per_call / (time.perf_counter() - start)


def measure(engine, seconds):
    """(training alone, a whole server frame) in steps per second on `engine`."""
    settings = training.Settings(n=125)  # 80 % of 125: 100 training points
    run = training.new_run(settings, engine)
    pts, _ = training.draw(settings, run.engine)
    assert len(pts) == 100

    def frame():
        training.train(run, pts, STEPS_PER_FRAME)
        training.boundary(run.model)
        dot, _ = training.example_graph(run, pts[0])
        dot.pipe(format="svg")

    return rate(lambda: training.train(run, pts, 1), 1, seconds), rate(frame, STEPS_PER_FRAME, seconds)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement (default 3)")
    args = parser.parse_args(argv)
    candidates = [engines.reference_engine()]
    solution = ROOT / "solutions" / "engine.py"
    if solution.exists():
        candidates.append(engines.load_engine(solution))
    print(f"demo training, MLP(2, [8, 3]) on 100 points, goal {GOAL:g} steps/s")
    for engine in candidates:
        alone, frame = measure(engine, args.seconds)
        print(f"  {engine.name:<32} training {alone:6.1f} steps/s (ratio {alone / GOAL:.2f})   "
              f"server frame of {STEPS_PER_FRAME} {frame:6.1f} steps/s (ratio {frame / GOAL:.2f})")


if __name__ == "__main__":
    main()
