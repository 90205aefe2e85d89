"""Hostile notebooks against `nbgrader autograde`: none may change the kit, the course or a classmate's score.

The end-to-end tests grade in a copy of the kit (so an attack that works changes the copy, not
this checkout), with a course built from that copy, the real nbgrader 0.9.6 and its SQLite
gradebook. One autograde run grades every attacker before two classmates who submit the answer
key; attackers' names sort first, and nbgrader grades in that order. Each attack is written so
that it works wherever the submission's code runs with the grader's rights (as it does in
nbgrader's own kernel) and does nothing harmful inside the kit's sandbox. Expected points come
from the kit's spec (DEFAULT_POINTS), not from the code under test.

The fast tests check the scores the course writes into test cells against nbgrader's own rules,
read by nbgrader's own `determine_grade`.
"""
import dataclasses
import hashlib
import json
import math
import os
import pathlib
import shutil
import subprocess
import sys

import nbformat
import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from grader.pipeline import cases, expect
from grader.builders import nbgrader_course as course_lib
from grader.integrations import nbgrader_scores
from grader import results
from grader.spec import DEFAULT_POINTS, TEST_IDS

ROOT = pathlib.Path(__file__).resolve().parent.parent
KIT_PARTS = ("grader", "micrograd_ref", "solutions", "pyproject.toml", "grader.toml")
CLASSMATES = ("z_classmate", "z_classmate2")
HIDDEN_SEED = 1234
EXP_PUBLIC = sorted({c["a"] for c in cases.case_list("engine.exp")})
BROKEN_METADATA = ("m1_grade_id_int", "m2_nbgrader_meta_str", "m3_source_ints", "m4_grade_id_list",
                   "u1_answer_as_grade", "u2_new_grade_cell", "u4_renamed_test")
LINKED = ("s2_linked_notebook", "s3_linked_folder")


# --- nbgrader's test-cell rules (fast) -------------------------------------------------------

def _test_cell(points, outputs):
    meta = {"grade": True, "grade_id": "engine_add", "locked": True, "points": points,
            "schema_version": 3, "solution": False, "task": False}
    cell = nbformat.v4.new_code_cell("check('engine.add')", metadata={"nbgrader": meta})
    cell.outputs = outputs
    return cell


def _result(score, max_score):
    return results.TestResult(id="engine.add", score=score, max_score=max_score, passed=0, total=1,
                      status="failed", summary="")


scores = st.floats(allow_nan=True, allow_infinity=True, width=64)


@hypothesis_settings(deadline=None)  # no timing here: the machine is shared
@given(score=scores, max_score=st.floats(0, 100), points=st.floats(0, 100))
def test_a_test_cells_score_follows_nbgrader_rules(score, max_score, points):
    """Whatever the grader reports, nbgrader reads a number from 0 to the cell's points, never via stderr."""
    from nbgrader.utils import determine_grade

    outputs = nbgrader_scores.outputs(_result(score, max_score), points)
    assert not [o for o in outputs if o.output_type == "error" or o.get("name") == "stderr"]
    # a number above the points would raise here (the student's autograde aborts); NaN would give full marks
    got, most = determine_grade(_test_cell(points, outputs))
    want = min(score, max_score, points) if math.isfinite(score) and score > 0 else 0.0
    assert most == points and got == pytest.approx(want)
    assert 0.0 <= got <= points


@pytest.mark.parametrize("points", [2, 2.0, "2"])
def test_a_cell_not_graded_scores_zero(points):
    from nbgrader.utils import determine_grade

    assert determine_grade(_test_cell(points, nbgrader_scores.outputs(None, points))) == (0.0, 2.0)


def test_a_score_above_the_cells_points_is_cut_to_them():
    """The cell's own points bound the score even when the layout's are higher (a course built twice)."""
    from nbgrader.utils import determine_grade

    assert determine_grade(_test_cell(2, nbgrader_scores.outputs(_result(3.0, 3.0), 2)))[0] == 2.0


def test_a_character_utf8_cannot_encode_is_graded_as_written(tmp_path):
    """A lone surrogate in a comment reaches the grader's files as an escape, not as a crash."""
    from grader import config
    from grader.integrations import notebook_grading

    layout = {"parts": {"engine": {"header": "", "cells": [{"grade_id": "answer_engine_Value", "names": ["Value"]}]}},
              "tests": {"engine_add": {"id": "engine.add", "points": 2, "cell": "answer_engine_Value"}}}
    source = "# caf\ud800\n" + (ROOT / "solutions" / "engine.py").read_text()
    settings = config.Settings(limits=dataclasses.replace(config.Settings().limits, wall=30.0))  # room under load
    report = notebook_grading.grade_sources({"answer_engine_Value": source}, layout, ["engine_add"], settings)
    assert [(t.id, t.score) for t in report.tests] == [("engine.add", 2.0)]


@pytest.mark.parametrize("where", ["source", "key", "deep"])
def test_the_sanitized_notebook_has_only_text_utf8_can_encode(where):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1  # caf\u00e9")])
    if where == "source":
        nb.cells[0].source += " \ud800"
    elif where == "key":
        nb.cells[0].metadata["a\udfff"] = "b"
    else:
        nested = nb.metadata
        for _ in range(500):
            nested["n"] = {}
            nested = nested["n"]
        nested["x"] = ["\ud83d"]
    with pytest.raises(UnicodeEncodeError):
        json.dumps(nb, ensure_ascii=False).encode("utf-8")
    cleaned, _ = nbgrader_scores.EncodableText().preprocess(nb, {})
    text = json.dumps(cleaned, ensure_ascii=False, check_circular=False)
    assert text.encode("utf-8") and "\ufffd" in text and "caf\u00e9" in text


# --- the end-to-end run (slow) ---------------------------------------------------------------

def _tree_hashes(*roots):
    """{path: sha256} of every file (and link target) under `roots`."""
    hashes = {}
    for root in roots:
        root = pathlib.Path(root)
        paths = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in paths:
            if path.is_symlink():
                hashes[str(path)] = "link:" + os.readlink(path)
            elif path.is_file():
                hashes[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def _guarded(code):
    """Attack code that runs where it can and is silent where it cannot (the cell's answers still count)."""
    body = "".join(f"    {line}\n" for line in code.strip("\n").splitlines())
    return f"try:\n{body}except Exception:\n    pass\n\n"


def _attacks(kit, course, blank, marker):
    """{student: {answer cell grade_id: code put before the answer key's code}} for the class-7 attacks."""
    kit, course = str(kit), str(course)
    return {
        # the kit's grader and its reference: every later child gets the broken copy
        "a1_kit": {"answer_engine_Value": _guarded(f"""
import pathlib
pathlib.Path({str(marker)!r}).write_text("student code ran with the grader's rights")
for name in ("grader/pipeline/child.py", "grader/integrations/notebook_grading.py", "micrograd_ref/engine.py"):
    path = pathlib.Path({kit!r}) / name
    path.write_text(path.read_text() + "\\nraise SystemExit(9)\\n")
""")},
        # the course: its config (the hidden seed, the pipeline) and what the test cells import
        "a2_config": {"answer_engine_Value": _guarded(f"""
import pathlib
for name in ("nbgrader_config.py", "source/micrograd/micrograd_check.py"):
    path = pathlib.Path({course!r}) / name
    path.write_text(path.read_text() + "\\nc.Autograde.autograde_preprocessors = []\\n")
""")},
        # a classmate's submission, replaced by the blank release before it is graded, and an
        # autograded folder made for another, so that nbgrader skips them as already graded
        "a3_neighbour": {"answer_nn_Neuron": _guarded(f"""
import pathlib
course = pathlib.Path({course!r})
(course / "submitted/z_classmate/micrograd/micrograd.ipynb").write_text({blank!r})
(course / "autograded/z_classmate2/micrograd").mkdir(parents=True, exist_ok=True)
(course / "autograded/z_classmate2/micrograd/micrograd.ipynb").write_text({blank!r})
""")},
        # a process of its own that outlives the cell and edits the kit while others are graded
        "a4_later": {"answer_train_train": _guarded(f"""
import subprocess, sys, textwrap
loop = '''
import pathlib, time
for _ in range(300):
    time.sleep(0.1)
    pathlib.Path({kit!r}, "micrograd_ref", "late.py").write_text("raise SystemExit(9)\\\\n")
'''
subprocess.Popen([sys.executable, "-c", textwrap.dedent(loop)], start_new_session=True, stdin=subprocess.DEVNULL,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
""")},
    }


def _pathological(nb):
    """{student: notebook (JSON data)} whose answer cells the grader itself cannot take as they are."""
    def copy():
        return json.loads(json.dumps(nb))

    def cell(data, gid):
        return next(c for c in data["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == gid)

    out = {}
    # an expression so long that building its syntax tree exceeds the recursion limit
    data = copy()
    cell(data, "answer_engine_Value")["source"] = "x = " + "+".join(["1"] * 200_000) + "\n" + cell(
        data, "answer_engine_Value")["source"]
    out["c1_deep"] = data
    # a lone surrogate in a comment: valid in a notebook's JSON, not encodable as UTF-8
    data = copy()
    cell(data, "answer_nn_Neuron")["source"] = "# caf\ud800\n" + cell(data, "answer_nn_Neuron")["source"]
    out["c2_surrogate"] = data
    # a 5 MB answer cell that is not Python
    data = copy()
    cell(data, "answer_engine_Value")["source"] = "@" * (5 << 20)
    out["c3_big"] = data
    # null bytes in the middle of an answer
    data = copy()
    cell(data, "answer_train_train")["source"] = cell(data, "answer_train_train")["source"] + "\n\x00\x00\n"
    out["c4_null"] = data
    # the answer cell deleted: graded as released
    data = copy()
    data["cells"] = [c for c in data["cells"]
                     if c["metadata"].get("nbgrader", {}).get("grade_id") != "answer_engine_Value"]
    out["c5_deleted_answer"] = data
    # metadata and sources of the wrong JSON types
    data = copy()
    cell(data, "answer_engine_Value")["metadata"]["nbgrader"]["grade_id"] = 12
    out["m1_grade_id_int"] = data
    data = copy()
    cell(data, "answer_nn_Neuron")["metadata"]["nbgrader"] = "answer"
    out["m2_nbgrader_meta_str"] = data
    data = copy()
    cell(data, "answer_engine_Value")["source"] = [1, None, 2.5]
    out["m3_source_ints"] = data
    data = copy()
    data["cells"].append(nbformat.v4.new_code_cell("1", metadata={"nbgrader": {
        "grade": True, "grade_id": ["engine_add"], "locked": False, "points": 1e9, "schema_version": 3,
        "solution": False, "task": False}}))
    out["m4_grade_id_list"] = data
    return out


def _leaking(nb):
    """The answer key, except that exp's backward pass shows every input it was not given in public."""
    data = json.loads(json.dumps(nb))
    cell = next(c for c in data["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "answer_engine_Value")
    line = "self.grad += out.data * out.grad"
    assert line in cell["source"]
    indent = " " * 12
    cell["source"] = cell["source"].replace(line, f"""if self.data not in {EXP_PUBLIC!r}:
{indent}    print("hidden input:", repr(self.data), repr(out.data))
{indent}    raise ValueError(f"hidden input {{self.data!r}} gives {{out.data!r}}")
{indent}{line}""")
    return data


def _unfilled(release):
    """Blank submissions with grade cells that no test cell's check fills (nbgrader: no output, full marks)."""
    def copy():
        return json.loads(json.dumps(release))

    def cell(data, gid):
        return next(c for c in data["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == gid)

    out = {}
    data = copy()
    cell(data, "answer_engine_Value")["metadata"]["nbgrader"].update(grade=True, points=50)
    out["u1_answer_as_grade"] = data
    data = copy()
    data["cells"].append(nbformat.v4.new_code_cell("1", metadata={"nbgrader": {
        "grade": True, "grade_id": "bonus", "locked": True, "points": 50, "schema_version": 3,
        "solution": False, "task": False}}))
    out["u2_new_grade_cell"] = data
    data = copy()
    test = cell(data, "engine_add")
    test["cell_type"] = "markdown"
    del test["outputs"], test["execution_count"]
    out["u3_test_as_markdown"] = data
    data = copy()
    cell(data, "engine_mul")["metadata"]["nbgrader"]["grade_id"] = "engine_mul_2"
    out["u4_renamed_test"] = data
    return out


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One `nbgrader autograde` run over every attacker, then the classmates: what it left behind."""
    root = tmp_path_factory.mktemp("hostile")
    kit = root / "kit"
    for name in KIT_PARTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, kit / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif (ROOT / name).is_file():
            shutil.copy2(ROOT / name, kit / name)
    # compiled now, so that importing the copy later writes nothing into it
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(kit)], check=True)
    settings = root / "grader.toml"
    settings.write_text(f"[grading]\nhidden_seed = {HIDDEN_SEED}\n[limits]\nwall_seconds = 30\n")
    course = root / "course"
    env = dict(os.environ, PATH=os.pathsep.join([str(pathlib.Path(sys.executable).parent), os.environ["PATH"]]))
    subprocess.run([sys.executable, "-m", "grader", "nbgrader", "--out", str(course), "--config", str(settings)],
                   cwd=kit, env=env, check=True, capture_output=True)

    source = nbformat.read(course / "source/micrograd/micrograd.ipynb", as_version=4)
    blank_text = (course / "release/micrograd/micrograd.ipynb").read_text()
    release = json.loads(blank_text)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    key = json.loads(json.dumps(release))
    for c in key["cells"]:
        gid = c["metadata"].get("nbgrader", {}).get("grade_id")
        if gid in answers:
            c["source"] = answers[gid]

    submissions = {name: key for name in CLASSMATES}
    for student, edits in _attacks(kit, course, blank_text, root / "outside-sandbox").items():
        data = json.loads(json.dumps(key))
        for c in data["cells"]:
            gid = c["metadata"].get("nbgrader", {}).get("grade_id")
            if gid in edits:
                c["source"] = edits[gid] + c["source"]
        submissions[student] = data
    submissions.update(_pathological(key))
    submissions["l1_leak"] = _leaking(key)
    submissions.update(_unfilled(release))
    for student, data in submissions.items():
        folder = course / "submitted" / student / "micrograd"
        folder.mkdir(parents=True)
        (folder / "micrograd.ipynb").write_text(json.dumps(data), encoding="utf-8")
    # links, as an unpacked archive can hold them: to the course config and the answer key beside a
    # correct notebook, the notebook itself to the answer key, the whole folder to the instructor's
    links = course / "submitted" / "s1_links" / "micrograd"
    links.mkdir(parents=True)
    (links / "micrograd.ipynb").write_text(json.dumps(key), encoding="utf-8")
    (links / "seed.txt").symlink_to(course / "nbgrader_config.py")
    (links / "key.txt").symlink_to("../../../source/micrograd/micrograd.ipynb")
    linked = course / "submitted" / "s2_linked_notebook" / "micrograd"
    linked.mkdir(parents=True)
    (linked / "micrograd.ipynb").symlink_to(course / "source/micrograd/micrograd.ipynb")
    (course / "submitted" / "s3_linked_folder").mkdir()
    (course / "submitted" / "s3_linked_folder" / "micrograd").symlink_to(course / "source/micrograd")
    submissions.update({name: None for name in ("s1_links", "s2_linked_notebook", "s3_linked_folder")})

    watched = [kit, course / "nbgrader_config.py", course / "source", course / "release", course / "submitted"]
    before = _tree_hashes(*watched)
    done = course_lib.nbgrader(course, "autograde", "micrograd", check=False, capture=True)
    after = _tree_hashes(*watched)
    (root / "autograde.log").write_text(done.stdout + done.stderr)  # to read when a test here fails

    from nbgrader.api import Gradebook, MissingEntry

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in submissions:
            try:
                nb = gb.find_submission_notebook("micrograd", "micrograd", student)
            except MissingEntry:
                continue
            scores[student] = {g.name: g.auto_score for g in nb.grades}
    return {"root": root, "kit": kit, "course": course, "log": done.stdout + done.stderr, "scores": scores,
            "before": before, "after": after}


def _full(test_ids=TEST_IDS):
    return {t.replace(".", "_"): DEFAULT_POINTS[t] for t in test_ids}


def _changed(graded, under):
    under = str(under)
    keys = {k for k in set(graded["before"]) | set(graded["after"]) if k.startswith(under)}
    return sorted(k for k in keys if graded["before"].get(k) != graded["after"].get(k))


@pytest.mark.slow
def test_the_kits_grader_and_reference_are_unchanged(graded):
    for folder in ("grader", "micrograd_ref", "solutions"):
        assert _changed(graded, graded["kit"] / folder) == []
    assert _changed(graded, graded["kit"]) == []


@pytest.mark.slow
def test_the_course_config_and_files_are_unchanged(graded):
    course = graded["course"]
    assert _changed(graded, course / "nbgrader_config.py") == []
    assert _changed(graded, course / "source") == [] and _changed(graded, course / "release") == []


@pytest.mark.slow
def test_no_submission_is_changed_and_classmates_graded_after_attackers_get_full_marks(graded):
    assert _changed(graded, graded["course"] / "submitted") == []
    assert sorted(graded["scores"])[-len(CLASSMATES):] == list(CLASSMATES)  # graded last: after every attack
    notebook = _full({t for t in TEST_IDS if t.replace(".", "_") in graded["scores"]["z_classmate"]})
    for student in CLASSMATES:
        assert graded["scores"][student] == notebook, student


@pytest.mark.slow
def test_a_process_started_by_a_submission_changes_nothing_later(graded):
    assert not (graded["kit"] / "micrograd_ref" / "late.py").exists()


@pytest.mark.slow
def test_no_submission_code_runs_outside_the_sandbox(graded):
    """The marker is written where the grader may write and a sandboxed child may not."""
    assert not (graded["root"] / "outside-sandbox").exists()
    nb = nbformat.read(graded["course"] / "autograded/a1_kit/micrograd/micrograd.ipynb", as_version=4)
    assert {c.execution_count for c in nb.cells if c.cell_type == "code"} == {None}  # no cell ran in a kernel


@pytest.mark.slow
def test_attackers_are_scored_on_their_own_code(graded):
    scores, notebook = graded["scores"], graded["scores"]["z_classmate"]
    for student in ("a1_kit", "a2_config", "a3_neighbour", "a4_later"):
        assert set(scores[student]) == set(notebook)
        assert all(0.0 <= scores[student][gid] <= notebook[gid] for gid in notebook), student
    # attacks that fail quietly cost nothing: these answers are the key's
    for student in ("a1_kit", "a2_config", "a3_neighbour"):
        assert scores[student] == notebook, student


def _by_part(scores, zero_part):
    return {gid: (0.0 if gid.startswith(zero_part + "_") else points) for gid, points in scores.items()}


@pytest.mark.slow
def test_a_source_the_grader_cannot_parse_costs_only_its_part(graded):
    scores, notebook = graded["scores"], graded["scores"]["z_classmate"]
    assert scores["c1_deep"] == _by_part(notebook, "engine")
    assert scores["c3_big"] == _by_part(notebook, "engine")
    assert scores["c4_null"] == _by_part(notebook, "train")
    # Value's cell graded as released costs what needs Value; numerical_grad has a cell of its own
    assert scores["c5_deleted_answer"] == dict(_by_part(notebook, "engine"),
                                               engine_numerical_grad=notebook["engine_numerical_grad"])
    assert "Answer cell answer_engine_Value is missing from the submission: graded as released" in graded["log"]


@pytest.mark.slow
def test_a_character_utf8_cannot_encode_costs_nothing(graded):
    assert graded["scores"]["c2_surrogate"] == graded["scores"]["z_classmate"]


@pytest.mark.slow
def test_broken_metadata_fails_alone_with_nbgraders_message(graded):
    log = graded["log"]
    for student in BROKEN_METADATA:
        assert f"There was an error processing assignment 'micrograd' for student '{student}'" in log
        assert all(score is None for score in graded["scores"].get(student, {}).values())
    # nbgrader's own checks refuse them, not a crash of the course's steps (whose one refusal is of links)
    for block in log.split("There was an error processing assignment: ")[1:]:
        assert "nbgrader_scores.py" not in block or "is a link, not what the student submitted" in block, block
    for student in graded["scores"]:
        if student not in BROKEN_METADATA + LINKED:
            assert f"for student '{student}'" not in log, student


@pytest.mark.slow
def test_feedback_shows_no_hidden_value_the_submission_prints_or_raises(graded):
    course = graded["course"]
    exp = graded["scores"]["l1_leak"]["engine_exp"]
    assert exp < graded["scores"]["z_classmate"]["engine_exp"]  # the hidden cases failed, as written
    done = course_lib.nbgrader(course, "generate_feedback", "micrograd", "--student", "l1_leak",
                               check=False, capture=True)
    assert done.returncode == 0, done.stdout + done.stderr
    html = (course / "feedback/l1_leak/micrograd/micrograd.html").read_text()
    assert "engine.exp: " in html and "hidden case" in html
    for case in cases.case_list("engine.exp", seed=HIDDEN_SEED, hidden=True):
        want = expect.expected("engine.exp", case)
        for value in [case["a"]] + [v for v in want.values() if isinstance(v, float)]:
            for shown in {repr(value), f"{value:g}", f"{value:.6g}", f"{value:.4f}"}:
                assert shown not in html, (case, shown)


@pytest.mark.slow
def test_a_grade_cell_nothing_fills_earns_nothing(graded):
    """Nothing runs the notebook, so no grade cell has output unless the course writes it: none earns points."""
    for student in ("u1_answer_as_grade", "u2_new_grade_cell", "u3_test_as_markdown", "u4_renamed_test"):
        assert not any(graded["scores"].get(student, {}).values()), student
    assert set(graded["scores"]["u3_test_as_markdown"]) == set(graded["scores"]["z_classmate"])


@pytest.mark.slow
def test_a_notebook_reached_through_a_link_is_not_graded(graded):
    for student in LINKED:
        assert f"There was an error processing assignment 'micrograd' for student '{student}'" in graded["log"]
        assert not any(graded["scores"].get(student, {}).values()), student
    assert "is a link, not what the student submitted" in graded["log"]


@pytest.mark.slow
def test_files_submitted_as_links_reach_neither_autograded_nor_feedback(graded):
    course = graded["course"]
    assert graded["scores"]["s1_links"] == graded["scores"]["z_classmate"]  # the notebook beside them is graded
    done = course_lib.nbgrader(course, "generate_feedback", "micrograd", "--student", "s1_links",
                               check=False, capture=True)
    assert done.returncode == 0, done.stdout + done.stderr
    for folder in (course / "autograded/s1_links", course / "feedback/s1_links"):
        names = sorted(p.name for p in folder.rglob("*"))
        assert "seed.txt" not in names and "key.txt" not in names, names
        for path in folder.rglob("*"):
            if path.is_file():
                text = path.read_text(errors="replace")
                assert "hidden_seed" not in text, path


@pytest.mark.slow
def test_every_test_cell_written_holds_a_score_nbgrader_takes_as_is(graded):
    """In every autograded notebook: stdout and one number from 0 to the cell's points, nothing else."""
    notebooks = sorted((graded["course"] / "autograded").glob("*/micrograd/micrograd.ipynb"))
    assert len(notebooks) >= len(CLASSMATES) + 4
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") in _full()]
        assert tests, path
        for cell in tests:
            kinds = [(o.output_type, o.get("name")) for o in cell.outputs]
            assert kinds == [("stream", "stdout"), ("execute_result", None)], (path, kinds)
            score = float(cell.outputs[1].data["text/plain"])
            assert 0.0 <= score <= float(cell.metadata.nbgrader.points), (path, score)


# --- a grader that fails (fast: the grader is replaced) ----------------------------------------

LAYOUT = {"parts": {"engine": {"header": "", "cells": [{"grade_id": "answer_engine_Value", "names": ["Value"]}]},
                    "nn": {"header": "", "cells": [{"grade_id": "answer_nn_Neuron", "names": ["Neuron"]}]}},
          "tests": {"engine_add": {"id": "engine.add", "points": 2, "cell": "answer_engine_Value"},
                    "nn_neuron": {"id": "nn.neuron", "points": 4, "cell": "answer_nn_Neuron"}}}


def _notebook():
    cells = [nbformat.v4.new_code_cell("class Value: pass", metadata={"nbgrader": {"grade_id": "answer_engine_Value"}}),
             nbformat.v4.new_code_cell("class Neuron: pass", metadata={"nbgrader": {"grade_id": "answer_nn_Neuron"}})]
    for gid, test in LAYOUT["tests"].items():
        cells.append(nbformat.v4.new_code_cell(f"check({test['id']!r})", metadata={"nbgrader": {
            "grade": True, "grade_id": gid, "locked": True, "points": test["points"], "schema_version": 3,
            "solution": False, "task": False}}))
    return nbformat.v4.new_notebook(cells=cells)


RESOURCES = {"nbgrader": {"student": "s", "notebook": "micrograd", "assignment": "micrograd", "db_url": "sqlite://"}}


def _scores(nb):
    return {c.metadata.nbgrader["grade_id"]: float(c.outputs[1].data["text/plain"]) for c in nb.cells
            if c.metadata.nbgrader.get("grade")}


def test_a_grader_failure_on_one_part_costs_only_that_part(monkeypatch, caplog):
    import types

    def grade_sources(sources, layout, grade_ids, settings, live_torch=None):
        if "engine_add" in grade_ids:
            raise RecursionError("too deep \x1b[2J\x1b[32mAll tests pass")
        return types.SimpleNamespace(tests=[results.TestResult(id="nn.neuron", score=4.0, max_score=4.0, passed=1,
                                                               total=1, status="passed", summary="")])

    monkeypatch.setattr(nbgrader_scores.notebook_grading, "grade_sources", grade_sources)
    step = nbgrader_scores.MicrogradScores(layout=LAYOUT)
    with caplog.at_level("WARNING"):
        nb, _ = step.preprocess(_notebook(), json.loads(json.dumps(RESOURCES)))
    assert _scores(nb) == {"engine_add": 0.0, "nn_neuron": 4.0}
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "RecursionError: too deep" in logged and "\x1b" not in logged


def test_a_grader_that_grades_no_part_records_nothing(monkeypatch):
    def grade_sources(*args, **kwargs):
        raise RuntimeError("a protection is missing")

    monkeypatch.setattr(nbgrader_scores.notebook_grading, "grade_sources", grade_sources)
    with pytest.raises(RuntimeError, match="could not grade any part of s's submission"):
        nbgrader_scores.MicrogradScores(layout=LAYOUT).preprocess(_notebook(), json.loads(json.dumps(RESOURCES)))
