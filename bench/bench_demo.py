"""How fast the demo trains and draws, on the server's side: against the goals of 30 steps/s and 10 frames/s.

    .venv/bin/python bench/bench_demo.py [--seconds S]

MLP(2, [8, 3]) on 100 points (the yin-yang set), AdamW, as the demo runs it. Printed side by side:
the training function alone; one frame as the page receives it (`Demo.frame`: the example's
graph forward and backward, the weights the page draws the boundary from, the loss curve and the
weights' texts, as JSON); and
Play as the page runs it, the training thread going on while frames are taken ten times a second.
What the browser adds is measured by the browser test (tests/test_demo.py), which writes the
steps and page updates per second and Pause's delay it saw in Chromium to
build/test-artifacts/demo-play-rate.txt.
A student's engine (solutions/engine.py, a closure engine like theirs, when present) is timed too.
"""
import argparse
import json
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from demo import engines, session, training  # noqa: E402

STEPS_GOAL = 30.0  # steps per second while playing
FRAMES_GOAL = 10.0  # page updates per second while playing
FRAME_EVERY = 0.1  # seconds between frames taken while playing


def rate(work, seconds):
    """Calls per second of `work()`, repeated for about `seconds`."""
    work()  # warm up
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        work()
        calls += 1
    return calls / (time.perf_counter() - start)


def playing(demo, seconds):
    """(steps/s, frames/s) while playing, a frame taken every FRAME_EVERY seconds."""
    demo.play()
    start, steps, frames = time.perf_counter(), demo.run.steps, 0
    while time.perf_counter() - start < seconds:
        json.dumps(demo.frame())
        frames += 1
        time.sleep(max(0.0, FRAME_EVERY - (time.perf_counter() - start) % FRAME_EVERY))
    elapsed = time.perf_counter() - start
    demo.pause()
    return (demo.run.steps - steps) / elapsed, frames / elapsed


def measure(engine, seconds):
    """(training alone in steps/s, frames/s of Demo.frame alone, (steps/s, frames/s) while playing) on `engine`."""
    settings = training.Settings(n=125)  # 80 % of 125: 100 training points
    demo = session.Demo(settings, engine)
    assert len(demo.points) == 100
    alone = rate(lambda: training.train(demo.run, demo.points, 1), seconds)
    have = demo.frame()["layout_key"]
    frame = rate(lambda: json.dumps(demo.frame(have)), seconds)
    return alone, frame, playing(demo, seconds)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement (default 3)")
    args = parser.parse_args(argv)
    candidates = [engines.reference_engine()]
    solution = ROOT / "solutions" / "engine.py"
    if solution.exists():
        candidates.append(engines.load_engine(solution))
    print(f"demo, MLP(2, [8, 3]) on 100 points; goals {STEPS_GOAL:g} steps/s and {FRAMES_GOAL:g} frames/s while playing")
    for engine in candidates:
        alone, frame, (steps, frames) = measure(engine, args.seconds)
        print(f"  {engine.name:<32} training {alone:6.1f} steps/s (ratio {alone / STEPS_GOAL:.2f})   "
              f"a frame alone {frame:6.1f}/s (ratio {frame / FRAMES_GOAL:.2f})   "
              f"playing {steps:6.1f} steps/s (ratio {steps / STEPS_GOAL:.2f}) with {frames:5.1f} frames/s "
              f"(ratio {frames / FRAMES_GOAL:.2f})")


if __name__ == "__main__":
    main()
