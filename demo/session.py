"""One browser tab's demo: the points, the run, Play or Pause, and the frame the page draws.

`Demo` is plain Python (the page keeps one in `st.session_state`): the page's buttons and the
map's clicks arrive as events (`handle`), Play trains in a thread of its own, step after step,
until Pause, and `frame` is everything the page draws, as JSON-ready data, taken whenever the
page asks (about thirteen times a second while playing, through demo/live.py). The tests drive it
directly, without a browser.

One lock guards the run: a training step or an edit holds it, so that neither sees the other half
done; Pause waits for the step in flight, so that no step follows it. A frame does not wait for a
step: after each step Play's thread publishes the weights, and the frame draws the example's graph
on a copy of the model with those weights (a copy in the same engine); the page draws the
boundary from the weights themselves.

Events come from the page with increasing sequence numbers; each is applied once, in order,
even when the page sends it again (it resends what it has not seen acknowledged).
"""
import itertools
import math
import threading
import time

from demo import engines, frames, graph, live, points, training
from micrograd_ref.data import RNG
from micrograd_ref.nn import MLP

# A mean cross-entropy this high means the right class scores far below another: the updates overshot.
DIVERGED_LOSS = 100.0
LARGE_LR = {"AdamW": 1.0, "SGD": 10.0}  # beyond these, expect the loss to blow up
STUCK_SECONDS = 10.0  # Pause gives up waiting for a step after this long (a student's endless loop)
ORPHANED_SECONDS = 5.0  # Play stops when no page has asked for a frame for this long (the tab is gone)


class Demo:
    """The state of one tab's demo and what can be done to it."""

    def __init__(self, settings, engine=None):
        engine = engine or engines.reference_engine()
        self.run = training.new_run(settings, engine)
        self.points, _ = training.draw(settings, engine)
        self.example = 0  # index into points: the example whose graph is shown
        self.playing = False
        self.problem = None  # (level, text) the last action ran into
        self.last_seq = 0  # the last event applied
        self.points_version = 0  # bumped on every change to the points
        self._layouts = {}
        self.lock = threading.RLock()
        self._trainer = None
        self._asked = time.monotonic()  # when a page last asked for a frame
        self._published = None  # (run, weights, steps) after Play's last step
        self._copy = (None, None)  # (run, the model's copy that frames are drawn on)
        self._frame_lock = threading.Lock()
        self._events_lock = threading.Lock()
        self._serials = itertools.count(1)
        self.token = live.register(self)  # the page's key to its live channel (demo/live.py)

    # --- training ------------------------------------------------------------------------------

    def blocker(self):
        """Why training cannot go on now (for the page), or None."""
        if not self.points:
            return "There are no points to train on: add some (click the map), or pick a data set."
        if not self.run.settings.lr > 0:
            return "The learning rate is 0: training would change nothing. Set a positive learning rate."
        if self.run.losses and not math.isfinite(self.run.losses[-1]):
            return f"The loss is {self.run.losses[-1]}: the weights are lost. Press Reset to start again."
        return None

    def step(self, steps=1):
        """Train `steps` steps on the points; a failure stops Play and becomes the page's message."""
        why = self.blocker()
        if why:
            self.problem = ("error", why)
            self.playing = False
            return []
        try:
            losses = training.train(self.run, self.points, steps)
        except Exception as exc:  # the engine's code (maybe a student's): a message, never a traceback
            self.playing = False
            self.problem = ("error", engines.describe_failure(exc, self.run.engine.path).text())
            return []
        self._judge(losses)
        return losses

    def _train_while_playing(self):
        # Play's thread: one step at a time, the lock released in between so that edits and frames get in.
        while self.playing:
            with self.lock:
                if not self.playing:
                    break
                if time.monotonic() - self._asked > ORPHANED_SECONDS:
                    self.playing = False
                    break
                before = self.run.steps
                self.step(1)
                if self.run.steps == before:
                    break  # step() stopped playing and said why
                self._published = (self.run, self._weights(), self.run.steps)
            time.sleep(0)  # let the page's thread take the lock

    def _judge(self, losses):
        if losses and not math.isfinite(losses[-1]):
            self.playing = False
            self.problem = ("error", f"The loss became {losses[-1]} at step {self.run.steps}: the updates overshot. "
                            "Lower the learning rate and press Reset.")
        elif losses and losses[-1] > DIVERGED_LOSS:
            self.playing = False
            self.problem = ("warning", f"The loss is {losses[-1]:.3g} at step {self.run.steps}: training has diverged. "
                            "Lower the learning rate and press Reset.")
        else:
            self.problem = None

    def play(self):
        """Play: train on in a thread until Pause, unless training cannot go on (then say why)."""
        why = self.blocker()
        if why:
            self.problem = ("error", why)
            self.playing = False
            return
        self.pause()  # one thread at a time: a Play that is still on starts afresh
        if self.training:
            return  # a step is stuck: pause() said so
        self.playing = True
        self._asked = time.monotonic()
        self._trainer = threading.Thread(target=self._train_while_playing, name="demo-play", daemon=True)
        self._trainer.start()

    def pause(self):
        """Stop playing; returns once the step in flight is done, so that no step comes after."""
        self.playing = False
        trainer = self._trainer
        if trainer is not None and trainer is not threading.current_thread():
            trainer.join(STUCK_SECONDS)
            if trainer.is_alive():
                self.problem = ("error", f"A training step has been running for more than {STUCK_SECONDS:g} s: "
                                "the engine's code may loop forever. Stop `make demo` with Ctrl-C, fix it, start again.")
                return
        self._trainer = None

    @property
    def training(self):
        """Whether Play's thread is running (it stops itself at a failure)."""
        return self._trainer is not None and self._trainer.is_alive()

    def reset(self, settings):
        """A fresh model from `settings` on the current engine (a student's file is read again)."""
        self.pause()
        self.problem = None
        engine = self.run.engine
        if engine.path is not None:
            try:
                engine = engines.load_engine(engine.path)
            except engines.EngineError as exc:
                self.problem = ("error", exc.failure.text() + "\n\nStill training with the engine loaded before.")
        self.run = training.new_run(settings, engine)

    def use_engine(self, settings, engine):
        """Start training over on `engine`."""
        self.pause()
        self.problem = None
        self.run = training.new_run(settings, engine)

    def set_points(self, new):
        """Train on `new` from the next step on."""
        with self.lock:
            self.points = [list(p) for p in new]
            self.example = min(self.example, max(0, len(self.points) - 1))
            self.points_version += 1

    # --- events from the page -------------------------------------------------------------------

    def handle(self, events, settings=None):
        """Apply the page's `events` not applied yet, in order. Returns True when Play or Pause changed.

        Reset starts over with `settings`, by default those of the current run.
        """
        was_playing = self.playing
        if not isinstance(events, list):
            events = []
        valid = [e for e in events if isinstance(e, dict) and type(e.get("seq")) in (int, float)]
        with self._events_lock:  # two requests of one page at once: each event still once, in order
            for event in sorted(valid, key=lambda e: e["seq"]):
                if event["seq"] <= self.last_seq:
                    continue
                self.last_seq = event["seq"]
                self.apply(event, settings or self.run.settings)
        return self.playing != was_playing

    def apply(self, event, settings):
        """One event: a button (step, play, pause, reset) or an edit of the points (add, move, delete, select)."""
        kind = event.get("type")
        if kind == "step":
            self.pause()
            with self.lock:
                self.step(1)
        elif kind == "play":
            self.play()
        elif kind == "pause":
            self.pause()
        elif kind == "reset":
            self.reset(settings)
        elif kind in ("add", "move", "delete", "select"):
            with self.lock:
                new, example, problem = points.apply_event(self.points, self.example, event)
                if problem:
                    self.problem = ("warning", problem)
                    return
                if new is not self.points:
                    self.set_points(new)
                self.example = example

    # --- what the page draws --------------------------------------------------------------------

    def messages(self):
        """(level, text) for the page: the last problem, then warnings about the settings."""
        out = [self.problem] if self.problem else []
        why = self.blocker()
        if why and not any(text == why for _, text in out):
            out.append(("warning", why))
        s = self.run.settings
        if s.lr > LARGE_LR[s.optimizer]:
            out.append(("warning", f"A learning rate of {s.lr:g} is very large for {s.optimizer}: "
                                   "expect the loss to jump about or blow up."))
        return out

    def _weights(self):
        return [float(p.data) for p in self.run.model.parameters()]

    def _model_at(self, run, weights):
        # The copy of run's model that frames are drawn on, with `weights`.
        if self._copy[0] is not run:
            sizes = [len(layer.neurons) for layer in run.model.layers]
            self._copy = (run, MLP(2, sizes, rng=RNG(0), value_type=run.engine.Value))
        model = self._copy[1]
        for p, w in zip(model.parameters(), weights):
            p.data = w
        return model

    def example_graph(self, run=None, model=None, pts=None, example=None):
        """(layout, values, comparison, error) of the current example; layout None when there is no graph.

        Drawn on `model` (by default the run's own), a model of `run` with the same weights.
        """
        run, pts = run or self.run, self.points if pts is None else pts
        model = model or run.model
        example = self.example if example is None else example
        if not pts:
            return None, None, None, "No points, so no example to draw."
        hidden = run.settings.hidden
        if hidden > training.MAX_DRAWN_WIDTH:
            return None, None, None, (
                f"With hidden width {hidden}, the graph of one example has {training.graph_size(hidden)} values: "
                f"too many to read. It is drawn for widths up to {training.MAX_DRAWN_WIDTH}.")
        point = pts[min(example, len(pts) - 1)]
        try:
            return self._example_graph(run, model, point)
        except Exception as exc:  # the forward pass failed on this engine, or its Values are not micrograd's
            return None, None, None, engines.describe_failure(exc, run.engine.path).text()

    def _example_graph(self, run, model, point):
        example = graph.forward(model, point, run.engine.Value)
        key = graph.signature(example)
        if key not in self._layouts:
            self._layouts = {key: graph.layout(model, example)}
        layout = self._layouts[key]
        error, comparison = None, None
        model.zero_grad()
        try:
            example.loss.backward()
        except Exception as exc:  # the engine's own code (maybe a student's): shown, not raised
            error = engines.describe_failure(exc, run.engine.path).text() + "\n\nThe graph shows the forward pass only."
        shown = graph.values(example)  # before compare() calls each op's _backward again
        if error is None and run.engine.path is not None:
            comparison = graph.compare(model, example, point)
        model.zero_grad()
        return layout, shown, comparison, error

    def frame(self, have_layout=None):
        """Everything the page draws, JSON-ready; the graph's layout only when the page lacks it."""
        self._asked = time.monotonic()
        # Frames come from several threads (the page's requests, the app's runs): one at a time, so
        # that they are made in the order of their serials and of the steps they show.
        with self._frame_lock:
            published = self._published
            if self.training and published is not None and published[0] is self.run:
                run, weights, steps = published
            else:
                with self.lock:
                    run, weights, steps = self.run, self._weights(), self.run.steps
            pts, example = [list(p) for p in self.points], min(self.example, max(0, len(self.points) - 1))
            model = self._model_at(run, weights)
            layout, shown, comparison, graph_note = self.example_graph(run, model, pts, example)
            last = run.losses[steps - 1] if steps else None
            weights = frames.weight_table(model)
            losses = frames.loss_curve(run.losses[:steps])
            return {
                "serial": next(self._serials),  # frames in the order they were made: the page draws none older than it has
                "step": steps,
                "loss": None if last is None else graph.fmt(last),
                "playing": self.playing,
                "engine": run.engine.name,
                "points": [[round(x, 4), round(y, 4), c] for x, y, c in pts],  # to the pixel, and shorter
                "points_version": self.points_version,
                "example": example if pts else None,
                "net": frames.net(model),  # the page draws the boundary from these (None: weights not numbers)
                "grid_n": frames.GRID,
                "losses": losses,
                "weights": weights,
                "layout_key": layout.key if layout else None,
                "layout": layout.to_json() if layout and layout.key != have_layout else None,
                "values": shown,
                "graph_note": graph_note,
                "banner": banner(comparison),
                "wrong": comparison["wrong"] if comparison else [],
                "messages": [{"level": level, "text": text} for level, text in self.messages()],
                "ack": self.last_seq,
            }


def banner(comparison):
    """What "my code" mode says about the student's gradients on this example, or None on the reference."""
    if comparison is None:
        return None
    differ, compared, ops = comparison["differ"], comparison["compared"], comparison["ops"]
    if differ == 0 and not ops:
        return {"level": "ok", "text": f"Your gradients match the reference's on this example ({compared} compared)."}
    text = f"{differ} of {compared} gradients differ from the reference's on this example."
    if ops:
        named = ", ".join(f"{op} ({n} node{'s' if n > 1 else ''})" for op, n in sorted(ops.items()))
        text += f" The local derivative of {named} is wrong: marked ✗ in the graph."
    else:
        text += " Every op's local derivative checks out: look at backward() (the order, the seed, += )."
    return {"level": "error", "text": text}
