"""The results store of a graded class: one JSON file per student in grades/ beside grades.csv,
written by batch and read by batch (to reuse a result), merge and analytics."""
import hashlib
import json
import os
import pathlib

RESULT_VERSION = 1


def results_dir_for(out_csv):
    """grades.csv -> grades/ beside it."""
    out_csv = pathlib.Path(out_csv)
    return out_csv.with_name(out_csv.stem)


MAX_NAME = 200  # bytes of a folder name kept in its result's file name: room for ".json" and a temporary name


def result_path(results_dir, student):
    """Where student `student`'s stored result goes: grades/<name>.json, or for a folder name too long
    for that (and for the temporary name it is written through), its start and a hash of the whole."""
    name, raw = student, os.fsencode(student)
    if len(raw) > MAX_NAME:
        name = os.fsdecode(raw[:MAX_NAME - 20]) + "-" + hashlib.sha256(raw).hexdigest()[:16]
    return pathlib.Path(results_dir) / f"{name}.json"


def load_result(path):
    """A stored result (dict), or None when it is missing or unreadable (then it is graded again)."""
    try:
        data = json.loads(pathlib.Path(path).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != RESULT_VERSION or "student" not in data:
        return None
    return data


def load_results(results_dir):
    """Every stored result in `results_dir`, sorted by student."""
    found = (load_result(p) for p in sorted(pathlib.Path(results_dir).glob("*.json")))
    return sorted((r for r in found if r), key=lambda r: r["student"])
