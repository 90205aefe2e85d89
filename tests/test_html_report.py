"""The HTML report: a buggy submission's page shows the marked graph, the value tables and the curves;
it needs nothing from the network, survives a missing `dot`, and renders in a real Chromium."""
import dataclasses
import json
import math
import pathlib
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.config import Settings
from grader.exercises import kit
from grader.pipeline import check
from grader.views import html_report, report_graphs
from grader.pipeline.case_record import CaseRecord
from grader.pipeline.sandbox import RunOutcome
from grader.results import Failure, Report, from_dict, sanitize

ROOT = pathlib.Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "build" / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SVG = "{http://www.w3.org/2000/svg}"

# one-line mistakes, one per test id, each a line of the answer key and what a student wrote instead
MUTATIONS = {
    "engine.py": [("self.grad += (1 - t**2) * out.grad", "self.grad += (1 - self.data**2) * out.grad"),
                  ("        for v in reversed(topo):\n", "        for v in topo:\n")],
    "nn.py": [("return act.tanh() if self.nonlin else act", "return act.tanh()")],
    "train.py": [("        optimizer.zero_grad()\n", "")],
}
GRADED = ["engine.tanh", "engine.backward", "nn.neuron", "train.loop"]


@pytest.fixture(scope="module")
def buggy_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("buggy")
    for name in ("engine.py", "nn.py", "train.py"):
        source = (ROOT / "solutions" / name).read_text()
        for old, new in MUTATIONS.get(name, []):
            assert source.count(old) == 1, f"the answer key changed: {old!r} not found once in {name}"
            source = source.replace(old, new)
        (folder / name).write_text(source)
    return check.grade(folder, GRADED, pictures=True)


@pytest.fixture(scope="module")
def buggy_html(buggy_report):
    return html_report.render(buggy_report)


def section(html, test_id):
    match = re.search(rf'<section class="test" id="t-{re.escape(test_id.replace(".", "-"))}">(.*?)</section>',
                      html, re.S)
    assert match, f"no section for {test_id}"
    return match.group(1)


def svgs(html):
    return [ET.fromstring(s) for s in re.findall(r"<svg\b.*?</svg>", html, re.S)]


def graph_nodes(svg):
    """(fill, texts) of every node drawn by graphviz."""
    out = []
    for g in svg.iter(f"{SVG}g"):
        if g.get("class") == "node":
            fills = [p.get("fill") for p in g.iter(f"{SVG}polygon")]
            texts = [t.text for t in g.iter(f"{SVG}text")]
            out.append((fills[0] if fills else None, texts))
    return out


def test_every_graded_test_is_in_the_table(buggy_report, buggy_html):
    assert all(t.status == "failed" for t in buggy_report.tests)
    table = buggy_html.split('<table class="summary">')[1].split("</table>")[0]
    for t in buggy_report.tests:
        assert f"<code>{t.id}</code>" in table and ">FAIL<" in table
        assert t.summary in table and t.hint in table


@pytest.mark.requires_dot
def test_tanh_graph_marks_the_input_with_both_gradients(buggy_report, buggy_html):
    failure = next(t for t in buggy_report.tests if t.id == "engine.tanh").failure
    a, ga, g = failure.inputs["a"], failure.inputs["ga"], failure.inputs["g"]
    right = ga + (1 - math.tanh(a) ** 2) * g  # d tanh / da = 1 - tanh(a)**2, plus the pre-set grad
    wrong = ga + (1 - a**2) * g  # what the mutation computes
    html = section(buggy_html, "engine.tanh")
    (graph,) = svgs(html)
    marked = [texts for fill, texts in graph_nodes(graph) if fill == report_graphs.WRONG_GRAD]
    assert len(marked) == 1
    assert marked[0][0] == "a"
    assert f"grad {right:.4f}" in marked[0] and f"yours: grad {wrong:.6g}" in marked[0]
    out_node = next(texts for _, texts in graph_nodes(graph) if texts and texts[0] == "out")
    assert f"grad {g:.4f}" in out_node and f"data {math.tanh(a):.4f}" in out_node
    assert re.search(rf"out.grad \(upstream gradient\)</th><td class=\"num\">{g:g}<", html)


@pytest.mark.requires_dot
def test_backward_graph_marks_exactly_the_wrong_nodes(buggy_report, buggy_html):
    failure = next(t for t in buggy_report.tests if t.id == "engine.backward").failure
    # the chain n0 -> n1 -> n2 with local derivatives 3 and -0.5: by hand, grads -1.5, -0.5, 1;
    # walking the order forwards, n1 passes its gradient on before it has one, so n0 gets 0
    assert failure.inputs["name"] == "a chain"
    (graph,) = svgs(section(buggy_html, "engine.backward"))
    nodes = graph_nodes(graph)
    marked = [texts[0] for fill, texts in nodes if fill == report_graphs.WRONG_GRAD]
    assert marked == ["n0"]
    records = {texts[0]: texts for _, texts in nodes if texts and texts[0].startswith("n")}
    assert "grad -1.5000" in records["n0"] and "yours: grad 0" in records["n0"]
    assert "grad -0.5000" in records["n1"] and "grad 1.0000" in records["n2"]
    ops = [texts[0] for fill, texts in nodes if texts and texts[0].startswith("local")]
    assert sorted(ops) == ["local -0.5", "local 3"]


def test_neuron_table_compares_outputs_and_gradients(buggy_report, buggy_html):
    failure = next(t for t in buggy_report.tests if t.id == "nn.neuron").failure
    case = failure.inputs
    assert case["nonlin"] is False
    act = case["b"] + sum(w * x for w, x in zip(case["w"], case["x"]))  # a linear neuron: w . x + b
    html = section(buggy_html, "nn.neuron")
    rows = {name: cls for cls, name in re.findall(r'<tr class="(wrong)?"><td><code>([^<]+)</code>', html)}
    assert rows["out.data"] == "wrong"
    assert f">{act:.6g}<" in html and f">{math.tanh(act):.6g}<" in html
    for i, x in enumerate(case["x"]):  # d out / d w_i = x_i for a linear neuron; tanh scales it
        assert rows[f"w[{i}].grad"] == "wrong"
        assert f">{x:.6g}<" in html and f">{x * (1 - math.tanh(act) ** 2):.6g}<" in html
    assert rows["b.grad"] == "wrong"


def _path_points(group):
    path = next(group.iter(f"{SVG}path"))
    numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", path.get("d"))]
    return list(zip(numbers[::2], numbers[1::2]))


def test_training_curves_and_decision_boundary(buggy_report, buggy_html):
    detail = next(t for t in buggy_report.tests if t.id == "train.loop").detail
    html = section(buggy_html, "train.loop")
    curves, boundary = svgs(html)
    lines = {}
    for g in curves.iter(f"{SVG}g"):
        gid = g.get("id") or ""
        for key in ("student", "reference", "torch"):
            if gid.endswith(f"loss-{key}"):
                lines[key] = _path_points(g)
    assert set(lines) == {"student", "reference", "torch"}
    assert all(len(points) == len(detail["student"]) for points in lines.values())
    # a higher loss is drawn higher (smaller y); equal losses on the same spot
    for (xs, ys), (xr, yr), s, r in zip(lines["student"], lines["reference"], detail["student"], detail["reference"]):
        assert xs == xr
        if math.isclose(s, r, rel_tol=1e-9):
            assert abs(ys - yr) < 0.01
        else:
            assert (ys < yr) == (s > r)
    assert any(s > r + 1e-3 for s, r in zip(detail["student"], detail["reference"]))
    legend = [t.text for t in curves.iter(f"{SVG}text")]
    assert {"your loop", "reference", "PyTorch"} <= set(legend)
    titles = [t.text for t in boundary.iter(f"{SVG}text")]
    assert "your model after 6 steps" in titles and "the reference's model" in titles
    images = [i for i in boundary.iter(f"{SVG}image")]
    assert len(images) == 2
    assert all(i.get("{http://www.w3.org/1999/xlink}href", "").startswith("data:image/png;base64,") for i in images)


def test_nothing_is_loaded_from_anywhere(buggy_html):
    namespaces = re.compile(r'xmlns(:\w+)?="http://www\.w3\.org/[^"]*"')
    rest = namespaces.sub("", buggy_html)
    assert not re.search(r"https?://", rest)
    assert not re.search(r"\bsrc=", rest)
    for target in re.findall(r'\bhref="([^"]*)"', rest):
        assert target.startswith(("#", "data:")), target
    assert "@import" not in rest and "url(http" not in rest


def test_without_dot_the_graph_is_listed_as_text(buggy_report, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no `dot` anywhere
    assert shutil.which("dot") is None
    html = html_report.render(buggy_report)
    assert 'id="no-dot"' in html and "apt-get install graphviz" in html
    tanh = section(html, "engine.tanh")
    assert "<svg" not in tanh
    listing = re.search(r'<pre class="graph-text">(.*?)</pre>', tanh, re.S).group(1)
    lines = listing.splitlines()
    assert lines[0].startswith("a ") and "yours: grad 1.625" in lines[0] and "&lt;- wrong gradient" in lines[0]
    assert lines[1].startswith("out  = tanh(a)")
    assert len(svgs(section(html, "train.loop"))) == 2  # the curves need no graphviz


@pytest.mark.requires_dot
def test_without_matplotlib_the_losses_are_a_table(buggy_report, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    html = html_report.render(buggy_report)
    assert 'id="no-matplotlib"' in html
    loop = section(html, "train.loop")
    assert "<svg" not in loop and "<code>loss at step 6</code>" in loop
    assert len(svgs(section(html, "engine.tanh"))) == 1


def test_big_graphs_are_described_not_drawn():
    chain = Failure(case=8, description="", inputs={"name": "a chain", "chain": 10_000, "local": 1.0, "deep": True},
                    expected={"grads": [1.0] * 10_001}, got=None, problem="RecursionError")
    assert check.graph_data(kit()["engine.backward"], [chain]) == {"case": 8, "root": None, "nodes": None}
    hidden = Failure(case=9, description="hidden case 9", inputs={}, expected=None, got=None, problem="differs")
    assert check.graph_data(kit()["engine.tanh"], [hidden]) is None


# anything a student's code can send back: numbers, NaN as the report stores it, text, nesting
ODD = st.recursive(
    st.none() | st.booleans() | st.floats() | st.text(max_size=12) | st.sampled_from(["nan", "inf", "-inf"])
    | st.fixed_dictionaries({"not_a_number": st.text(max_size=6), "repr": st.text(max_size=12)}),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8)


@pytest.mark.requires_dot
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")  # the fixture's long repr
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_result_a_student_sends_back_renders(buggy_report, data):
    tests = []
    for t in buggy_report.tests:
        if t.id == "train.loop":
            continue  # its pictures are checked below; matplotlib is too slow to run 25 times here
        got = data.draw(st.none() | st.fixed_dictionaries({key: ODD for key in t.failure.expected}), label=t.id)
        failure = dataclasses.replace(t.failure, got=got, problem="<b>not bold</b>")
        tests.append(dataclasses.replace(t, failure=failure, failures=[failure]))
    html = html_report.render(Report(submission="odd <folder>", tests=tests, score=0.0, max_score=13.0))
    for t in tests:
        assert "&lt;b&gt;not bold&lt;/b&gt;" in section(html, t.id)
    assert svgs(html)  # each graph still parses as XML, whatever text went into it
    assert "<folder>" not in html


def test_training_pictures_survive_a_broken_loop(buggy_report):
    t = next(t for t in buggy_report.tests if t.id == "train.loop")
    # the pipeline records the pictures of what a broken loop returned, the view draws that record
    case = t.detail["case"]
    record = CaseRecord(0, case, False, reference=kit()["train.loop"].reference(case),
                        got={"losses": [1.2, float("nan"), "x", None, float("inf")], "params": {"w": 1}})
    drawn = sanitize(kit()["train.loop"].pictures(record, False, True))
    detail = dict(t.detail, student=[1.2, "nan", {"not_a_number": "str", "repr": "'x'"}, None, "inf"],
                  student_params={"w": 1}, **drawn)
    html = html_report.render(Report(submission="s", tests=[dataclasses.replace(t, detail=detail)],
                                     score=0.0, max_score=6.0))
    curves, boundary = svgs(section(html, "train.loop"))
    assert any(t.text == "no usable parameters" for t in boundary.iter(f"{SVG}text"))


def test_text_report_does_not_import_matplotlib(buggy_report):
    code = ("import json, sys; from grader import results; from grader.views import reports; "
            "r = results.from_dict(json.load(sys.stdin)); reports.render(r, 'text'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'graphviz', 'jinja2')))")
    out = subprocess.run([sys.executable, "-c", code], input=buggy_report.to_json(), capture_output=True,
                         text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_correct_submission_gets_a_short_celebration(tmp_path):
    out = tmp_path / "report.html"
    done = subprocess.run([sys.executable, "-m", "grader", "check", "engine.tanh", "train.loop",
                           "--submission", str(ROOT / "solutions"), "--html", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.rstrip().splitlines()
    assert lines[-1] == f"HTML report (graphs and curves): {out}"
    assert any("engine.tanh" in line for line in lines[:-1])  # the text table comes first
    html = out.read_text()
    assert 'id="celebrate"' in html and "All tests pass" in html
    assert "FAIL" not in html and "graph-text" not in html and 'class="graph"' not in html
    assert html.count('<section class="test"') == 1  # only the training run, as a reward
    assert len(svgs(section(html, "train.loop"))) == 2
    assert len(html) < 400_000


# ---------------------------------------------------------------------------------------------
# in a real browser

def screenshot(html, name):
    """Open the page in headless Chromium; return its screenshot's path and every URL it requested."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not pathlib.Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (Debian: apt-get install chromium)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page_path = ARTIFACTS / f"{name}.html"
    page_path.write_text(html)
    png = ARTIFACTS / f"{name}.png"
    requests = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("request", lambda request: requests.append(request.url))
            page.goto(page_path.as_uri(), wait_until="load")
            sizes = page.eval_on_selector_all(
                "svg", "els => els.map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height])")
            page.screenshot(path=str(png), full_page=True)
        finally:
            browser.close()
    return png, requests, sizes


def colours(png):
    from PIL import Image

    with Image.open(png) as image:
        rgb = image.convert("RGB")
    counts = rgb.getcolors(maxcolors=rgb.width * rgb.height)
    white = sum(n for n, colour in counts if colour == (255, 255, 255))
    return len(counts), 1 - white / (rgb.width * rgb.height)


@pytest.mark.requires_dot
@pytest.mark.requires_chromium
@pytest.mark.slow
def test_buggy_report_renders_in_chromium(buggy_html):
    png, requests, sizes = screenshot(buggy_html, "report-buggy")
    assert [u for u in requests if not u.startswith(("file://", "data:"))] == []
    assert len(sizes) >= 4 and all(w > 50 and h > 20 for w, h in sizes)
    distinct, inked = colours(png)
    assert distinct > 200 and inked > 0.05, (distinct, inked)


@pytest.mark.requires_chromium
@pytest.mark.slow
def test_correct_report_renders_in_chromium(tmp_path):
    report = check.grade(ROOT / "solutions", ["engine.add", "train.loop"], pictures=True)
    assert report.full_marks
    png, requests, sizes = screenshot(html_report.render(report), "report-correct")
    assert [u for u in requests if not u.startswith(("file://", "data:"))] == []
    distinct, inked = colours(png)
    assert distinct > 50 and inked > 0.03, (distinct, inked)


def test_the_graph_drawn_is_the_one_the_results_record(buggy_report):
    """The view draws the graph the pipeline recorded in the result (plain data, kept through JSON),
    and builds none of its own."""
    t = next(t for t in buggy_report.tests if t.id == "engine.tanh")
    stored = from_dict(json.loads(buggy_report.to_json()))
    again = next(s for s in stored.tests if s.id == "engine.tanh")
    drawn = report_graphs.as_text(report_graphs.recorded_graph(again, again.failure))
    assert drawn == report_graphs.as_text(report_graphs.recorded_graph(t, t.failure))
    assert "yours: grad" in drawn
    relabelled = json.loads(json.dumps(t.detail))
    relabelled["graph"]["nodes"][0]["label"] = "recorded"
    assert "recorded" in report_graphs.as_text(report_graphs.recorded_graph(dataclasses.replace(t, detail=relabelled),
                                                                             t.failure))
    assert report_graphs.recorded_graph(dataclasses.replace(t, detail={}), t.failure) is None


def test_the_boundary_drawn_is_the_one_the_results_record(buggy_report):
    """The decision boundary is the grid the pipeline recorded (plain data, kept through JSON): the view
    evaluates no model, and a recorded grid that is not one is said, not drawn."""
    t = next(t for t in buggy_report.tests if t.id == "train.loop")
    boundary = t.detail["boundary"]
    assert [p["title"] for p in boundary["panels"]] == ["your model after 6 steps", "the reference's model"]
    for panel in boundary["panels"]:
        grid = panel["classes"]
        assert len(grid) == 50 and all(len(row) == 50 for row in grid)
        assert {c for row in grid for c in row} <= {0, 1, 2} and len({c for row in grid for c in row}) > 1

    def images(detail):
        html = html_report.render(Report(submission="s", tests=[dataclasses.replace(t, detail=detail)],
                                         score=0.0, max_score=6.0))
        _, drawn = svgs(section(html, "train.loop"))
        return [i.get("{http://www.w3.org/1999/xlink}href") for i in drawn.iter(f"{SVG}image")], drawn

    stored = next(s for s in from_dict(json.loads(buggy_report.to_json())).tests if s.id == "train.loop")
    assert images(stored.detail)[0] == images(t.detail)[0]
    recoloured = json.loads(json.dumps(t.detail))
    recoloured["boundary"]["panels"][0]["classes"] = [[0] * 50 for _ in range(50)]
    mine, theirs = images(recoloured)[0], images(t.detail)[0]
    assert mine[0] != theirs[0] and mine[1] == theirs[1]
    broken = json.loads(json.dumps(t.detail))
    broken["boundary"]["panels"][1]["classes"] = [[0, 1], [7]]
    pictures, drawn = images(broken)
    assert len(pictures) == 1 and any(x.text == "no usable parameters" for x in drawn.iter(f"{SVG}text"))


def test_the_boundary_is_recorded_only_when_an_html_report_is_asked_for(buggy_report):
    """Text and JSON reports cost no grid: without `pictures` the result carries the curves, not the
    boundary, and the page then draws the curves alone."""
    case = next(t for t in buggy_report.tests if t.id == "train.loop").detail["case"]
    cases = [(case, False)]
    want = [kit()["train.loop"].reference(case)]
    outcome = RunOutcome("train.loop", results={0: {"losses": want[0]["losses"][::-1], "params": want[0]["params"]}})
    plain = check.score_test("train.loop", cases, outcome, want, [None], Settings(), 6)
    drawn = check.score_test("train.loop", cases, outcome, want, [None], Settings(), 6, pictures=True)
    assert plain.status == drawn.status == "failed"
    assert "boundary" not in plain.detail and plain.detail["student"] == want[0]["losses"][::-1]
    assert [p["title"] for p in drawn.detail["boundary"]["panels"]] == ["your model after 6 steps",
                                                                       "the reference's model"]
    html = html_report.render(Report(submission="s", tests=[plain], score=0.0, max_score=6.0))
    assert len(svgs(section(html, "train.loop"))) == 1


@pytest.mark.requires_dot
def test_a_number_operand_is_drawn_from_the_record():
    """`a * 2.0` has one child: the drawing names the number from the recorded local derivative, and a
    record without them (stored before they were recorded) is listed as text instead of breaking the page."""
    from micrograd_ref.engine import Value

    a = Value(3.0)
    out = a * 2.0
    out.backward()
    data = dict({"case": 1}, **report_graphs.CaseGraph(out, {a: "a", out: "out"}, {}, {}).to_dict())
    data = json.loads(json.dumps(data))
    assert data["nodes"][data["root"]]["local"] == [2.0]
    failure = Failure(case=1, description="a * 2.0", inputs={"a": 3.0}, expected={"grads": [2.0]}, got=None,
                      problem="differs")
    t = dataclasses.replace(kit_result("course.scale"), failure=failure, failures=[failure], detail={"graph": data})
    svg = report_graphs.as_svg(report_graphs.recorded_graph(t, failure))
    assert "* 2" in svg
    for node in data["nodes"]:
        del node["local"]
    page = html_report.render(Report(submission="s", tests=[dataclasses.replace(t, detail={"graph": data})],
                                     score=0.0, max_score=1.0))
    listing = re.search(r'<pre class="graph-text">(.*?)</pre>', section(page, "course.scale"), re.S).group(1)
    assert listing.splitlines()[1].startswith("out  = *(a)")


def kit_result(test_id):
    from grader.results import TestResult

    return TestResult(id=test_id, score=0.0, max_score=1.0, passed=0, total=1, status="failed", summary="differs")
