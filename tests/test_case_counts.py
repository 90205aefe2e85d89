"""A test id is graded on a fixed number of cases, whatever the submission does, and the README
states that number: two runs of different code can be compared case for case."""
import pathlib
import re
import shutil

import pytest

from grader.pipeline import cases
from grader.pipeline.check import grade
from grader.config import Settings
from grader.spec import TEST_IDS

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"

RECURSIVE = '''
        topo, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1
        for v in {order}:
            v._backward()
'''


def with_backward(folder, body):
    """The answer key with its backward() replaced by `body`."""
    folder.mkdir(parents=True)
    for name in ("engine.py", "nn.py", "train.py"):
        shutil.copyfile(SOLUTIONS / name, folder / name)
    text = (folder / "engine.py").read_text()
    start = text.index("\n", text.index("# BEGIN SOLUTION engine.backward")) + 1
    end = text.index("        # END SOLUTION", start)
    (folder / "engine.py").write_text(text[:start] + body + text[end:])
    return folder


@pytest.mark.parametrize("policy", ["warn", "fail"])
def test_recursive_and_iterative_backward_are_graded_on_the_same_cases(tmp_path, policy):
    n = len(cases.case_list("engine.backward"))  # the cases the grader builds, counted at the source
    settings = Settings(deep_recursion=policy)
    submissions = {
        "iterative": SOLUTIONS,  # the key walks the graph with an explicit stack
        "recursive": with_backward(tmp_path / "recursive", RECURSIVE.format(order="reversed(topo)")),
        "recursive, walking forwards": with_backward(tmp_path / "forwards", RECURSIVE.format(order="topo")),
    }
    results = {name: grade(sub, ["engine.backward"], settings).tests[0] for name, sub in submissions.items()}
    assert {name: r.total for name, r in results.items()} == dict.fromkeys(submissions, n)
    assert results["iterative"].passed == n
    recursive = results["recursive"]
    assert recursive.warnings if policy == "warn" else not recursive.warnings
    # the deep chain: a warning under "warn" (counted as passing), a failing case under "fail"
    assert recursive.passed == (n if policy == "warn" else n - 1)
    assert recursive.summary.startswith(f"all {n} cases pass" if policy == "warn" else f"{n - 1}/{n} cases pass")
    assert 0 < results["recursive, walking forwards"].passed < n


def documented_counts():
    """{test id: number of cases} from the README's list."""
    text = (ROOT / "README.md").read_text()
    line = re.search(r"^\s*Cases per test id: (.*?)\.$", text, re.M | re.S)
    assert line, "the README lists the number of cases per test id on a line 'Cases per test id: ...'"
    return {t: int(n) for t, n in re.findall(r"`([\w.]+)` (\d+)", line.group(1))}


def test_the_readme_states_each_test_ids_number_of_cases():
    assert documented_counts() == {t: len(cases.case_list(t)) for t in TEST_IDS}
