"""Shared fixtures: live PyTorch in float64, the independent check of the kit's numbers; and the
markers of tests that need a system tool, skipped (with the reason in the summary) without it."""
import pathlib
import shutil
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# marker: (the program looked up on PATH, what it is, the system package that provides it)
SYSTEM_TOOLS = {
    "requires_dot": ("dot", "graphviz's `dot`", "graphviz"),
    "requires_chromium": ("chromium", "Chromium", "chromium"),
    "requires_bwrap": ("bwrap", "bubblewrap's `bwrap`", "bubblewrap"),
    "requires_unzip": ("unzip", "unzip", "unzip"),
}


def missing_tool(marker):
    """Why a test marked `marker` cannot run here, or '' when its tool is on PATH."""
    program, what, package = SYSTEM_TOOLS[marker]
    if shutil.which(program):
        return ""
    return (f"{what} is not installed: `make setup` installs it where it can "
            f"(tools/system-packages prints the command otherwise; Debian: apt-get install {package})")


def pytest_configure(config):
    for marker, (program, what, _) in SYSTEM_TOOLS.items():
        config.addinivalue_line("markers", f"{marker}: needs {what} ({program} on PATH); skipped without it")


@pytest.hookimpl(tryfirst=True)  # before fixtures are set up: a skipped test builds nothing
def pytest_runtest_setup(item):
    for marker in SYSTEM_TOOLS:
        if item.get_closest_marker(marker):
            reason = missing_tool(marker)
            if reason:
                pytest.skip(reason)


@pytest.fixture(scope="session")
def torch():
    """PyTorch with float64 as the default dtype."""
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    return torch
