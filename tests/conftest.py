"""Shared fixtures: live PyTorch in float64, the independent check of the kit's numbers."""
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def torch():
    """PyTorch with float64 as the default dtype."""
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    return torch
