"""The command line, `python -m grader COMMAND ...`: a thin layer over functions tests call directly.

Each command lives in its own module, imported only when that command runs (so `check` does not
pay for what `nbgrader` or `batch` import). A command module provides
`add_arguments(parser)` and `run(args) -> int` (the exit status).
"""
import argparse
import importlib
import importlib.util
import sys

# name: (module, one-line help)
COMMANDS = {
    "check": ("grader.pipeline.check", "grade a submission (default: exercises/), per op"),
    "stubs": ("grader.builders.stubs", "write exercises/ from the answer key in solutions/"),
    "expectations": ("grader.builders.expectations", "recompute PyTorch's values of the public cases (maintainers)"),
    "nbgrader": ("grader.builders.nbgrader_course", "build the nbgrader course in build/nbgrader/ and generate its release"),
    "batch": ("grader.classroom.batch", "grade a class: one sub-folder per student -> grades.csv, JSON results, analytics"),
    "merge": ("grader.classroom.merge", "combine the results of `batch --shard i/n` runs into one gradebook"),
    "analytics": ("grader.classroom.analytics", "the class analytics page (HTML) from stored batch results"),
    "gradescope": ("grader.builders.gradescope", "build the Gradescope autograder zip (build/gradescope/autograder.zip)"),
    "release": ("grader.builders.release", "build the student kit in build/student/ (no answer code in it)"),
}


def available():
    """The commands whose module this kit has (the student kit ships only some of them)."""
    return {name: entry for name, entry in COMMANDS.items() if _has_module(entry[0])}


def _has_module(name):
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # its package is not in this kit either
        return False


def main(argv=None):
    """Parse the command line, run the command, return its exit status (2 for usage errors)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    commands = available()
    parser = argparse.ArgumentParser(prog="python -m grader", description="The micrograd exercise kit's grader.")
    parser.add_argument("command", choices=sorted(commands), metavar="COMMAND",
                        help="; ".join(f"{name}: {text}" for name, (_, text) in commands.items()))
    if not argv or argv[0] in ("-h", "--help"):
        parser.print_help()
        return 0 if argv else 2
    if argv[0] not in commands:
        parser.parse_args(argv[:1])  # prints the usage error and exits with 2
    module_name, text = commands[argv[0]]
    module = importlib.import_module(module_name)
    sub = argparse.ArgumentParser(prog=f"python -m grader {argv[0]}", description=text)
    module.add_arguments(sub)
    args = sub.parse_args(argv[1:])
    return module.run(args)
