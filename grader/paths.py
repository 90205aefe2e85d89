"""Where the kit's files are, the file names every tool agrees on, and the values stored beside the
grader: one home, imported by every module that needs one (standard library only: the child and
the student release import it too)."""
import functools
import hashlib
import json
import pathlib

KIT_ROOT = pathlib.Path(__file__).resolve().parent.parent  # the folder holding grader/, micrograd_ref/, solutions/
GRADER = KIT_ROOT / "grader"
DATA = GRADER / "data"
TEMPLATES = GRADER / "templates"
SOLUTIONS = KIT_ROOT / "solutions"
EXERCISES = KIT_ROOT / "exercises"
STUDENT_FILES = ("engine.py", "nn.py", "train.py")  # the kit's three files (ARCHITECTURE.md: Contracts)
MANIFEST = ".stubs-manifest.json"  # written beside generated exercises by `make stubs`
SETTINGS = KIT_ROOT / "grader.toml"  # the instructor's settings

SCHEMA_PATH = DATA / "report.schema.json"  # the published shape of a report
PUBLIC_TORCH = DATA / "public_torch.json"  # PyTorch's values of the public cases (`python -m grader expectations`)
REFERENCE_VALUES = DATA / "reference_values.json"  # the reference's, in a build that ships no reference (the release)
GRADESCOPE_TORCH = DATA / "gradescope_torch.json"  # PyTorch's values of every case, written into the Gradescope zip


@functools.cache
def public_torch():
    """The stored PyTorch values of the public cases: {test_id: {"digest", "values"}}, or {}."""
    return json.loads(PUBLIC_TORCH.read_text()) if PUBLIC_TORCH.exists() else {}


@functools.cache
def reference_values():
    """The reference's values stored by a build that ships no reference engine ({key: values}), else {}."""
    return json.loads(REFERENCE_VALUES.read_text()) if REFERENCE_VALUES.exists() else {}


def gradescope_torch():
    """PyTorch's values of every case (public and hidden), as the Gradescope zip ships them.
    Raises OSError when the zip was built without them."""
    return json.loads(GRADESCOPE_TORCH.read_text())


def score_text(x, digits=2):
    """A score as reports and gradebooks write it: rounded to `digits`, no trailing zeros; '' for None."""
    return "" if x is None else f"{round(x, digits):g}"


def tree_digest(folders, root, suffixes=None):
    """A sha256 (hex) of every file under `folders`, sorted, each as its path relative to `root` and
    its bytes; compiled files (__pycache__, .pyc) left out, and with `suffixes` only those endings."""
    h = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if (path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
                    and (suffixes is None or path.suffix in suffixes)):
                h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()
