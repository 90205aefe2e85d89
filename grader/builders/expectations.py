"""`python -m grader expectations`: store PyTorch's values of the public cases.

`make check` reads them instead of importing torch (about 1.4 s); tests/test_grader_cli.py
recomputes them live and requires the stored file to be current.
"""
import json

from grader.atomic import write_atomic
from grader.paths import PUBLIC_TORCH


def add_arguments(parser):
    parser.add_argument("--check", action="store_true", help="only report whether the stored file is current")


def run(args):
    from grader.pipeline.torch_expect import build_store

    store = build_store()
    content = json.dumps(store, indent=1, sort_keys=True) + "\n"
    if args.check:
        current = PUBLIC_TORCH.exists() and PUBLIC_TORCH.read_text() == content
        print(f"{PUBLIC_TORCH}: {'current' if current else 'out of date: run python -m grader expectations'}")
        return 0 if current else 1
    write_atomic(PUBLIC_TORCH, content)
    print(f"wrote {PUBLIC_TORCH}")
    return 0
