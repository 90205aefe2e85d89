"""The nbgrader course end to end, with the real nbgrader and its SQLite gradebook.

One course is built (in a temporary folder) for the whole module, and one `nbgrader autograde`
run grades every submission below; the tests read its gradebook, log, feedback and validation.
Expected points come from the kit's spec (DEFAULT_POINTS) and the cases' counts, not from the
code under test.
"""
import json
import pathlib
import shutil

import jsonschema
import nbformat
import pytest

from grader.pipeline import cases, expect
from grader.builders import nbgrader_course as course_lib
from grader.spec import DEFAULT_POINTS, TEST_IDS

pytestmark = pytest.mark.slow

ROOT = pathlib.Path(__file__).resolve().parent.parent
GRADE_IDS = {t.replace(".", "_"): t for t in TEST_IDS}
HIDDEN_SEED = 424242
EXP_PUBLIC = sorted({c["a"] for c in cases.case_list("engine.exp")})

# The first answer cell of a submission that tries everything the kernel allows: its own `check`,
# a rewritten sys.modules entry, the kit's grader functions, builtins and torch all report full
# marks. Wrapped in try so that the same cell still imports inside the grader's child process.
HACK = '''\
try:
    import builtins, sys, types
    import micrograd_check
    micrograd_check._kit()
    def check(test_id, *args):
        return micrograd_check.LAYOUT["tests"][test_id.replace(".", "_")]["points"]
    fake = types.ModuleType("micrograd_check")
    fake.check = check
    fake.LAYOUT = micrograd_check.LAYOUT
    sys.modules["micrograd_check"] = fake
    import grader.pipeline.check, grader.integrations.notebook_check, grader.integrations.notebook_grading
    grader.integrations.notebook_check.check = check
    grader.integrations.notebook_grading.capped = lambda result: result.max_score
    grader.pipeline.check.grade = lambda *a, **k: None
    builtins.abs = lambda x: 0.0  # every tolerance check in this process passes
    sys.modules["torch"] = types.SimpleNamespace(allclose=lambda *a, **k: True)
except ImportError:
    pass

'''


def _cells(nb):
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "grade_id" in c.metadata.get("nbgrader", {})}


def _with_key_answers(release, source):
    """The release notebook with every answer cell holding the answer key's code."""
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    key = _cells(source)
    for gid, cell in _cells(nb).items():
        if cell.metadata["nbgrader"]["solution"]:
            cell.source = key[gid].source
    return nb


def _replace(cell, old, new):
    assert old in cell.source, old
    cell.source = cell.source.replace(old, new)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A built course (release generated) with the hidden seed fixed by a settings file."""
    root = tmp_path_factory.mktemp("course")
    settings = root / "grader.toml"
    settings.write_text(f"[grading]\nhidden_seed = {HIDDEN_SEED}\n")
    layout = course_lib.build_course(root / "nbgrader", settings_file=settings)
    return root / "nbgrader", layout


@pytest.fixture(scope="module")
def notebooks(course):
    """The source and release notebooks, and the submissions written from them."""
    course_dir, _ = course
    source = nbformat.read(course_dir / "source/micrograd/micrograd.ipynb", as_version=4)
    release = nbformat.read(course_dir / "release/micrograd/micrograd.ipynb", as_version=4)

    key = _with_key_answers(release, source)

    broken = _with_key_answers(release, source)
    value = _cells(broken)["answer_engine_Value"]
    _replace(value, "self.grad += (1 - t**2) * out.grad", "self.grad += (1 - t) * out.grad")
    # right on the public cases only: every hidden case fails, and its feedback must not show their values
    _replace(value, "self.grad += out.data * out.grad",
             f"self.grad += (out.data if self.data in {EXP_PUBLIC!r} else 0.0) * out.grad")
    broken.cells = [c for c in broken.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "engine_add"]

    hacker = nbformat.from_dict(json.loads(json.dumps(release)))
    cells = _cells(hacker)
    cells["answer_engine_Value"].source = HACK + cells["answer_engine_Value"].source
    # and edited locked cells: test cells that just claim the points, a given cell changed
    hacker_edited = nbformat.from_dict(json.loads(json.dumps(hacker)))
    cells = _cells(hacker_edited)
    for gid in GRADE_IDS:
        cells[gid].source = f"{DEFAULT_POINTS[GRADE_IDS[gid]]}  # full marks"
    _replace(cells["given_train_loss_fn"], "return total_loss * (1.0 / len(split))", "return Value(0.0)")

    dies = _with_key_answers(release, source)  # kills its kernel (and, in the grader, its own part)
    _cells(dies)["answer_nn_Neuron"].source = "import os\nos._exit(3)\n" + _cells(dies)["answer_nn_Neuron"].source

    corrupt = _with_key_answers(release, source)
    _cells(corrupt)["answer_nn_Neuron"].metadata["nbgrader"]["solution"] = "yes"
    return {"source": source, "release": release, "key": key, "blank": release, "broken": broken,
            "hacker": hacker, "hacker_edited": hacker_edited, "dies": dies, "corrupt": corrupt}


@pytest.fixture(scope="module")
def autograded(course, notebooks):
    """`nbgrader autograde micrograd` over every submission: (log, {student: {grade_id: score}})."""
    course_dir, _ = course
    for student in ("key", "blank", "broken", "hacker", "dies", "corrupt", "notjson"):
        folder = course_dir / "submitted" / student / "micrograd"
        folder.mkdir(parents=True)
        if student == "notjson":
            (folder / "micrograd.ipynb").write_text("this is not a notebook\n")
        else:
            nbformat.write(notebooks["hacker_edited" if student == "hacker" else student], folder / "micrograd.ipynb")
    done = course_lib.nbgrader(course_dir, "autograde", "micrograd", check=False, capture=True)
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
        for student in ("key", "blank", "broken", "hacker", "dies"):
            nb = gb.find_submission_notebook("micrograd", "micrograd", student)
            scores[student] = {g.name: g.auto_score for g in nb.grades}
    return done.stdout + done.stderr, scores


def test_metadata_is_nbgrader_schema_3_without_extra_keys(course, notebooks):
    from nbgrader import nbgraderformat
    from nbgrader.nbgraderformat import MetadataValidator

    schema = json.loads((pathlib.Path(nbgraderformat.__file__).parent / "v3.json").read_text())
    assert schema["properties"]["schema_version"]["minimum"] == 3
    for name in ("source", "release"):
        nb = notebooks[name]
        nbformat.validate(nb)
        MetadataValidator().validate_nb(nb)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader")
            if meta is not None:
                jsonschema.validate(meta, schema)
                assert set(meta) <= set(schema["properties"]), meta
    cells = _cells(notebooks["source"])
    for gid, test_id in GRADE_IDS.items():
        meta = cells[gid].metadata["nbgrader"]
        assert (meta["grade"], meta["locked"], meta["solution"]) == (True, True, False)
        assert meta["points"] == DEFAULT_POINTS[test_id]
        assert f'check("{test_id}")' in cells[gid].source
    answers = [c for c in cells.values() if c.metadata["nbgrader"]["solution"]]
    assert answers and all("### BEGIN SOLUTION" in c.source for c in answers)
    assert sum(c.source.count("### BEGIN SOLUTION") for c in answers) == sum(
        (ROOT / "solutions" / f"{p}.py").read_text().count("# BEGIN SOLUTION") for p in ("engine", "nn", "train"))


def test_release_has_no_answers_and_no_hidden_seed(course, notebooks):
    course_dir, _ = course
    release_text = "\n".join(p.read_text() for p in (course_dir / "release").rglob("*") if p.is_file())
    assert "BEGIN SOLUTION" not in release_text
    for line in ("self.grad += (1 - t**2) * out.grad", "self.t += 1", "return [n(x) for n in self.neurons]"):
        assert line not in release_text
    assert str(HIDDEN_SEED) not in release_text
    assert f"hidden_seed = {HIDDEN_SEED}" in (course_dir / "nbgrader_config.py").read_text()


def test_answer_key_scores_full_marks(autograded):
    _, scores = autograded
    assert scores["key"] == {gid: DEFAULT_POINTS[t] for gid, t in GRADE_IDS.items()}


def test_untouched_release_scores_zero(autograded):
    _, scores = autograded
    assert scores["blank"] == {gid: 0.0 for gid in GRADE_IDS}


def test_a_broken_op_costs_only_its_own_cell(autograded):
    _, scores = autograded
    broken = scores["broken"]
    assert broken["engine_tanh"] < DEFAULT_POINTS["engine.tanh"]
    public, hidden = len(cases.case_list("engine.exp")), len(cases.case_list("engine.exp", seed=HIDDEN_SEED, hidden=True))
    assert broken["engine_exp"] == pytest.approx(DEFAULT_POINTS["engine.exp"] * public / (public + hidden), abs=1e-3)
    others = {gid: s for gid, s in broken.items() if gid not in ("engine_tanh", "engine_exp")}
    assert others == {gid: DEFAULT_POINTS[GRADE_IDS[gid]] for gid in others}


def test_deleted_test_cell_is_restored_and_scored(autograded):
    log, scores = autograded
    assert "Missing grade cell engine_add" in log
    assert scores["broken"]["engine_add"] == DEFAULT_POINTS["engine.add"]


def test_monkeypatching_the_kernel_earns_nothing(course, autograded):
    log, scores = autograded
    assert scores["hacker"] == {gid: 0.0 for gid in GRADE_IDS}
    assert "Attribute 'checksum' for cell engine_add has changed" in log  # edited locked cells: restored
    assert "Attribute 'checksum' for cell given_train_loss_fn has changed" in log


def test_hack_does_fool_the_kernel(course, notebooks, tmp_path):
    """The same submission passes `nbgrader validate` (the kernel's own view): the patch is real."""
    nbformat.write(notebooks["hacker"], tmp_path / "micrograd.ipynb")
    shutil.copy(course[0] / "release/micrograd/micrograd_check.py", tmp_path)
    done = course_lib.nbgrader(tmp_path, "validate", "micrograd.ipynb", check=False, capture=True)
    assert "Success! Your notebook passes all the tests." in done.stdout, done.stdout + done.stderr


def test_code_that_kills_its_process_costs_only_that_part(course, autograded):
    _, scores = autograded
    # nbgrader's Execute is not in the pipeline: no cell ran in a kernel, so there was none to kill
    graded = nbformat.read(course[0] / "autograded/dies/micrograd/micrograd.ipynb", as_version=4)
    assert {c.execution_count for c in graded.cells if c.cell_type == "code"} == {None}
    assert scores["dies"] == {gid: 0.0 if t.startswith("nn.") else DEFAULT_POINTS[t] for gid, t in GRADE_IDS.items()}


def test_malformed_submissions_fail_alone_with_nbgrader_messages(autograded):
    log, _ = autograded
    assert "the nbgrader metadata may be corrupted" in log
    assert "There was an error processing assignment 'micrograd' for student 'corrupt'" in log
    assert "There was an error processing assignment 'micrograd' for student 'notjson'" in log
    assert "Notebook does not appear to be JSON" in log


def test_feedback_has_per_op_messages_and_no_hidden_values(course, autograded):
    course_dir, _ = course
    done = course_lib.nbgrader(course_dir, "generate_feedback", "micrograd", "--student", "broken",
                               check=False, capture=True)
    assert done.returncode == 0, done.stdout + done.stderr
    html = (course_dir / "feedback/broken/micrograd/micrograd.html").read_text()
    assert "engine.tanh: " in html and "engine.exp: " in html and "hidden case" in html
    assert "engine.log: 2/2 points" in html
    for case in cases.case_list("engine.exp", seed=HIDDEN_SEED, hidden=True):
        want = expect.expected("engine.exp", case)
        for value in [case["a"]] + [v for v in want.values() if isinstance(v, float)]:
            for shown in {repr(value), f"{value:g}", f"{value:.6g}", f"{value:.4f}"}:
                assert shown not in html, (case, shown)


def test_validate_shows_per_op_feedback(course, notebooks, tmp_path):
    nbformat.write(notebooks["broken"], tmp_path / "micrograd.ipynb")
    shutil.copy(course[0] / "release/micrograd/micrograd_check.py", tmp_path)
    done = course_lib.nbgrader(tmp_path, "validate", "micrograd.ipynb", check=False, capture=True)
    out = done.stdout
    assert "VALIDATION FAILED ON 1 CELL(S)" in out, out + done.stderr
    assert 'check("engine.tanh")' in out and "likely mistake: tanh's derivative is missing a square" in out
    assert "hidden" not in out.lower()  # the student's view has no hidden cases


def test_test_cells_in_jupyter_print_feedback_return_their_score_and_never_use_stderr(course, notebooks, tmp_path):
    """Run in a kernel as a student would (no nbgrader around): each test cell's result is its score."""
    from nbclient import NotebookClient

    shutil.copy(course[0] / "release/micrograd/micrograd_check.py", tmp_path)
    nb = nbformat.from_dict(json.loads(json.dumps(notebooks["broken"])))
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    scores = {}
    for gid, cell in _cells(nb).items():
        if gid not in GRADE_IDS:
            continue
        assert not [o for o in cell.outputs if o.output_type == "error" or o.get("name") == "stderr"], cell.outputs
        results = [o for o in cell.outputs if o.output_type == "execute_result"]
        scores[gid] = float(results[0].data["text/plain"])
        printed = "".join(o.text for o in cell.outputs if o.output_type == "stream")
        assert printed.startswith(f"{GRADE_IDS[gid]}: {scores[gid]:g}/{DEFAULT_POINTS[GRADE_IDS[gid]]:g} points")
    assert set(scores) == set(GRADE_IDS) - {"engine_add"}  # deleted from this submission
    assert 0 <= scores.pop("engine_tanh") < DEFAULT_POINTS["engine.tanh"]
    # the student's view has no hidden cases: exp, right on the public ones, has full marks here
    assert scores == {gid: DEFAULT_POINTS[GRADE_IDS[gid]] for gid in scores}
