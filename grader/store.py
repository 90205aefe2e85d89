"""`python -m grader expectations`: store PyTorch's values of the public cases.

`make check` reads them instead of importing torch (about 1.4 s); tests/test_grader_cli.py
recomputes them live and requires the stored file to be current.
"""
import functools
import json
import pathlib

from grader.atomic import write_atomic

PUBLIC_TORCH = pathlib.Path(__file__).resolve().parent / "data" / "public_torch.json"


@functools.cache
def public_torch():
    """The stored values: {test_id: {"digest": fingerprint of the cases, "values": [...]}}, or {}."""
    return json.loads(PUBLIC_TORCH.read_text()) if PUBLIC_TORCH.exists() else {}


def add_arguments(parser):
    parser.add_argument("--check", action="store_true", help="only report whether the stored file is current")


def run(args):
    from grader.torch_expect import build_store

    store = build_store()
    content = json.dumps(store, indent=1, sort_keys=True) + "\n"
    if args.check:
        current = PUBLIC_TORCH.exists() and PUBLIC_TORCH.read_text() == content
        print(f"{PUBLIC_TORCH}: {'current' if current else 'out of date: run python -m grader expectations'}")
        return 0 if current else 1
    write_atomic(PUBLIC_TORCH, content)
    print(f"wrote {PUBLIC_TORCH}")
    return 0
