"""pytest at the kit's root: `pytest exercises/` runs the grader, one test per exercise."""
from grader.integrations.pytest_plugin import pytest_collect_file  # noqa: F401
