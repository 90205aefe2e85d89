"""Set-up in layers: pyproject.toml's groups, expanded by tools/requirements.py, and `make check`'s
layer (base and plots) is enough for grading and both of its reports."""
import importlib.util
import pathlib
import subprocess
import sys
import tomllib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("kit_requirements", ROOT / "tools" / "requirements.py")
requirements = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(requirements)

PROJECT = {"name": "kit", "dependencies": ["rich>=13"],
           "optional-dependencies": {"plots": ["matplotlib>=3.7"], "torch": ["torch==2.13.0"],
                                     "test": ["kit[plots,torch]", "pytest>=8", "matplotlib>=3.7"],
                                     "loop": ["kit[loop,torch]"]}}


def test_groups_expand_references_to_other_groups_once():
    assert requirements.requirements(["base", "test"], PROJECT) == ["rich>=13", "matplotlib>=3.7",
                                                                    "torch==2.13.0", "pytest>=8"]
    assert requirements.requirements(["loop"], PROJECT) == ["torch==2.13.0"]
    with pytest.raises(SystemExit, match="no dependency group 'tests'"):
        requirements.requirements(["tests"], PROJECT)


def test_the_kits_groups():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    check = requirements.requirements(["base", "plots"], project)
    assert not any(r.split("=")[0].split(">")[0] in ("torch", "nbgrader", "streamlit", "playwright") for r in check)
    test = requirements.requirements(["base", "test"], project)
    assert "torch==2.13.0" in test  # pinned: a plain torch pulls a CUDA build
    assert set(check) < set(test)


# everything outside `make check`'s layer, made unimportable
NOT_IN_CHECK = ["torch", "nbgrader", "nbformat", "streamlit", "playwright", "pytest", "hypothesis"]


def test_check_and_its_html_report_need_only_the_check_layer(tmp_path):
    out = tmp_path / "report.html"
    code = (f"import sys\nfor m in {NOT_IN_CHECK!r}: sys.modules[m] = None\n"
            "from grader import cli\n"
            f"sys.exit(cli.main(['check', 'engine.tanh', 'train.loop', '--submission', {str(ROOT / 'solutions')!r}, "
            f"'--html', {str(out)!r}]))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = out.read_text()
    assert "All tests pass" in html and 'id="no-matplotlib"' not in html and "<svg" in html
