"""Hostile submissions beyond the classes of the other hostile suites: each asserts the defended
outcome and fails without its defence (see each test's docstring for what it attacks)."""
import pathlib
import shutil

import pytest

from grader import config
from grader.pipeline import check
from grader.pipeline.sandbox import Limits, probe
from tests.hostile_kit import submission, world_dir

SANDBOX = probe()
needs_bwrap = pytest.mark.skipif(not SANDBOX.bwrap, reason="needs bubblewrap with user namespaces")
HIDDEN_SEED = 4321


@pytest.fixture
def folder():
    path = world_dir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def graded(sub, ids, hidden_seed=HIDDEN_SEED):
    settings = config.Settings(limits=Limits(wall=30, cpu=20), hidden_seed=hidden_seed)
    return {t.id: t for t in check.grade(sub, ids, settings).tests}


# ---------------------------------------------------------------------------------------------
# the case handshake: the parent sends the next case once the answer's lines came back

READ_AHEAD = '''
import gc as _gc, os as _os, select as _select, sys as _sys
_os.write(3, b"\\n" * 400)  # empty lines on the results pipe, counted as answers
_ahead = b""
while b"\\n\\n" not in _ahead:  # every case, up to the empty line that ends the list
    if not _select.select([4], [], [], 2.0)[0]:
        break
    _chunk = _os.read(4, 1 << 20)
    if not _chunk:
        break
    _ahead += _chunk
for _o in _gc.get_objects():  # handed back to the child's reader, so grading goes on as usual
    if type(_o).__name__ == "Cases":
        _o.buf = _ahead + _o.buf
print("held", _ahead.count(b"\\n") - 1, "cases at import")
'''


def test_empty_lines_on_the_results_pipe_do_not_bring_the_hidden_cases_early(folder):
    """Student code writes empty lines on the events pipe at import: the parent took them for answers
    and sent every case, hidden ones included, while the rest of the stream looked valid (empty lines
    were skipped), so the student held the whole hidden case list and still got full marks."""
    sub = submission(folder / "sub", append={"engine.py": READ_AHEAD})
    add = graded(sub, ["engine.add"])["engine.add"]
    assert add.hidden_cases > 0
    assert add.score == 0 and add.breach == "protocol", add.summary
    assert "held" not in add.output
    honest = graded(submission(folder / "honest"), ["engine.add"])["engine.add"]
    assert honest.score == honest.max_score, honest.summary


# ---------------------------------------------------------------------------------------------
# batch: a folder name is the student's (or the LMS's) to choose

@pytest.mark.slow
def test_a_folder_name_too_long_for_its_result_file_grades_the_class_and_resumes(folder):
    """A 245-character folder name: its result file, and the temporary name it is written through,
    were longer than the file system allows, and batch died with a traceback (no CSV row for anyone
    graded after it)."""
    from grader.classroom import batch

    long_name = "z" * 245
    for name in ("alice", long_name):
        submission(folder / "class" / name)
    settings = config.Settings(limits=Limits(wall=30, cpu=20), hidden_seed=HIDDEN_SEED)
    out = folder / "out" / "grades.csv"
    results, graded = batch.grade_class(folder / "class", out, settings, workers=2)
    assert {r["student"] for r in results} == {"alice", long_name}
    assert all(r["report"] and r["report"]["score"] == r["report"]["max_score"] for r in results)
    rows = out.read_text().splitlines()
    assert any(row.startswith(long_name + ",") for row in rows) and any(row.startswith("alice,") for row in rows)
    again, graded = batch.grade_class(folder / "class", out, settings, workers=2)
    assert graded == [] and len(again) == 2  # both reused: the long name's result is found again


# ---------------------------------------------------------------------------------------------
# the child's own checks (zero_grad, parameters() order, structure) run beside student code

NO_ZERO_GRAD = "class MLP(Module):\n    def zero_grad(self):\n        pass  # not written\n"
RELAY = '''
import os as _os, threading as _threading
_r, _w = _os.pipe()
_real = _os.dup(3)
_os.dup2(_w, 3)  # the child's events now come here, and go on rewritten
_os.close(_w)
def _relay():
    buf = b""
    while True:
        chunk = _os.read(_r, 1 << 16)
        if not chunk:
            return
        buf += chunk
        while b"\\n" in buf:
            line, buf = buf.split(b"\\n", 1)
            line = line.replace(b'"zero_grad() left some gradients non-zero"', b'""')
            _os.write(_real, line + b"\\n")
            if line == b'{"event": "done"}':
                return
_threading.Thread(target=_relay).start()
'''
PATCHES = {
    "a builtin shadowed in the grader's module": "import __main__\n__main__.all = lambda items: True\n",
    "the checker replaced, then a check": ("import __main__\n__main__.tampered = lambda saved: []\n"
                                           "__main__.run_mlp.__globals__['all'] = lambda items: True\n"),
    "a check's code replaced": ("import __main__, builtins\n"
                                "__main__.run_mlp.__code__ = __main__.run_mlp.__code__.replace("
                                "co_names=tuple('_true' if n == 'all' else n for n in __main__.run_mlp.__code__.co_names))\n"
                                "builtins._true = lambda items: True\n"),
    "the events pipe relayed and rewritten": RELAY,
    "json's default encoder replaced": (
        "import json\nclass _Rewrite(json.JSONEncoder):\n    def encode(self, o):\n"
        "        return super().encode(o).replace('\"zero_grad() left some gradients non-zero\"', '\"\"')\n"
        "json._default_encoder = _Rewrite()\n"),
    # the same relay, with the sender's pipe changed where it is kept instead of on its number
    "the sender's pipe changed in its object": RELAY.replace("_real = _os.dup(3)", "_real = 3").replace(
        "_os.dup2(_w, 3)", "import gc as _gc\nfor _o in _gc.get_objects():\n    if type(_o).__name__ == 'Channel':\n"
        "        _o.fd, _o.pipe = _w, (_os.fstat(_w).st_dev, _os.fstat(_w).st_ino)").replace("_os.close(_w)\n", ""),
}


@needs_bwrap
@pytest.mark.parametrize("attack", list(PATCHES))
def test_a_students_code_cannot_pass_the_childs_own_checks_for_it(folder, attack):
    """An MLP whose zero_grad() does nothing fails every case; each attack made the child's
    zero_grad check say "fine" (shadowing `all` in the child's module, where the tamper check looked
    at functions only; replacing the tamper check itself; rewriting the events on their way)."""
    sub = submission(folder / "sub")
    nn = (sub / "nn.py").read_text().replace("class MLP(Module):\n", NO_ZERO_GRAD, 1)
    (sub / "nn.py").write_text(nn + "\n" + PATCHES[attack])
    mlp = graded(sub, ["nn.mlp"])["nn.mlp"]
    assert mlp.score == 0, mlp.summary
    honest = graded(submission(folder / "honest"), ["nn.mlp"])["nn.mlp"]
    assert honest.score == honest.max_score, honest.summary
