"""`python -m grader gradescope`: the Gradescope autograder, build/gradescope/autograder.zip.

The zip holds, at its root: setup.sh (installs Python 3.11 and jsonschema on Gradescope's
Ubuntu 22.04 image; no PyTorch), run_autograder (runs grader/integrations/gradescope_run.py), the grader, the
reference micrograd, grader.toml (the instructor's settings, with the hidden seed drawn when the
zip is built and stored only there) and PyTorch's values of every public and hidden case. A
course's own exercises (grader.toml's [course]) travel in course/exercises/, without its answer key.
"""
import io
import json
import pathlib
import secrets
import stat
import sys
import tomllib
import zipfile

from grader import config
from grader.atomic import write_atomic
from grader.paths import KIT_ROOT

DEFAULT_OUT = KIT_ROOT / "build" / "gradescope" / "autograder.zip"
PACKAGES = ("grader", "micrograd_ref")
SKIP_MODULES = {"torch_expect.py"}  # the container has no PyTorch: its values are shipped instead
# where the container's Python for student code lives, and who runs it
CONTAINER_PYTHON = "/usr/bin/python3.11"
CONTAINER_USER = "nobody"
COURSE_DIR = "course/exercises"  # in the zip: a course's exercise modules and their child-side sources

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu 22.04).
# The grader needs Python 3.11, jsonschema and bubblewrap (its sandbox), nothing else: PyTorch's values are in the zip.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3.11 python3.11-venv bubblewrap
python3.11 -m venv "$ROOT/venv"
"$ROOT/venv/bin/pip" install --no-cache-dir "jsonschema>=4.18,<5"
# student code runs as an unprivileged user, which must read the grader and its Python
chmod -R a+rX "$ROOT/source"
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for each submission. The grader writes $ROOT/results/results.json itself.
set -euo pipefail
# Relative paths (a local try-out) are taken from where this was started, before moving to source/.
ROOT="$(cd "${AUTOGRADER_ROOT:-/autograder}" && pwd)"
PYTHON="${AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}"
case "$PYTHON" in
    /*) ;;
    */*) PYTHON="$PWD/$PYTHON" ;;  # a bare name (python3) is looked up on PATH
esac
export AUTOGRADER_ROOT="$ROOT"
cd "$ROOT/source"
exec "$PYTHON" -m grader.integrations.gradescope_run
"""


def settings_toml(instructor_toml, hidden_seed, course_dir=None):
    """The zip's grader.toml: the instructor's file, with the hidden seed, the container's interpreter
    (a local path means nothing there) and, unless the instructor chose one, an unprivileged user;
    a course's exercises where the zip holds them (`course_dir`, the local folder they come from)."""
    text = instructor_toml.rstrip() + "\n" if instructor_toml.strip() else ""
    data = tomllib.loads(text)
    grading = dict(data.get("grading", {}))
    grading["hidden_seed"] = hidden_seed
    grading["python"] = CONTAINER_PYTHON
    grading.setdefault("run_as", CONTAINER_USER)
    rewritten = {"grading": grading}
    if "course" in data:
        rewritten["course"] = {"exercises": COURSE_DIR}  # the answer key stays behind
    lines = text.splitlines()
    # rewrite these tables as a whole, after everything else: TOML tables may come in any order
    out, skipping = [], False
    for line in lines:
        header = line.strip()
        if header.startswith("[") and not header.startswith("[["):
            skipping = header.split("#")[0].replace(" ", "").strip("[]") in rewritten
        if not skipping:
            out.append(line)
    for section, values in rewritten.items():
        out += ["", f"[{section}]"] + [f"{k} = {_toml_value(v)}" for k, v in values.items()]
    result = "\n".join(out).strip() + "\n"
    check = dict(tomllib.loads(result))
    if course_dir is not None:  # checked against the local folder the zip's copy is made from
        check["course"] = {"exercises": str(course_dir)}
    config.from_dict(check, source="grader.toml for Gradescope")  # fail here, not in the container
    return result


def _toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_autograder_zip(out=DEFAULT_OUT, settings_path=None, hidden_seed=None):
    """Write the autograder zip; returns (path, hidden seed). Needs PyTorch (here, not in the container)."""
    from grader.pipeline import torch_expect

    settings_path = pathlib.Path(settings_path) if settings_path else config.DEFAULT_FILE
    instructor = settings_path.read_text() if settings_path.exists() else ""
    settings = config.from_dict(tomllib.loads(instructor), source=str(settings_path),
                                base=settings_path.resolve().parent)
    seed = hidden_seed if hidden_seed is not None else settings.hidden_seed
    seed = seed if seed is not None else secrets.randbelow(2**31)
    course = settings.course.exercises if settings.course else None
    toml_text = settings_toml(instructor, seed, course)
    store = torch_expect.build_store(hidden_seed=seed, registry=settings.registry)

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        _add(z, "setup.sh", SETUP_SH, executable=True)
        _add(z, "run_autograder", RUN_AUTOGRADER, executable=True)
        _add(z, "grader.toml", toml_text)
        _add(z, "grader/data/gradescope_torch.json", json.dumps(store, sort_keys=True) + "\n")
        for package in PACKAGES:
            for path in sorted((KIT_ROOT / package).rglob("*")):
                rel = path.relative_to(KIT_ROOT)
                if (path.is_file() and "__pycache__" not in rel.parts and path.name not in SKIP_MODULES
                        and path.suffix in (".py", ".json")):
                    _add(z, rel.as_posix(), path.read_bytes())
        for path in sorted(course.rglob("*") if course else ()):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix == ".py":
                _add(z, f"{COURSE_DIR}/{path.relative_to(course).as_posix()}", path.read_bytes())
    out = pathlib.Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, buf.getvalue())
    return out, seed


def _add(z, name, content, executable=False):
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # reproducible zips
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
    z.writestr(info, content)


def add_arguments(parser):
    parser.add_argument("--out", default=str(DEFAULT_OUT), help=f"the zip (default: {DEFAULT_OUT.relative_to(KIT_ROOT)})")
    parser.add_argument("--config", help="instructor settings (TOML); default: grader.toml at the kit's root")
    parser.add_argument("--hidden-seed", type=int, help="the hidden cases' seed (default: grader.toml's, else random)")


def run(args):
    try:
        out, seed = build_autograder_zip(args.out, args.config, args.hidden_seed)
    except (config.ConfigError, tomllib.TOMLDecodeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out} (hidden cases from a seed stored only in the zip's grader.toml)")
    return 0
