"""The requirements of pyproject.toml's dependency groups, one a line, for `pip install -r`.

`python tools/requirements.py GROUP...` (`--groups` lists the optional groups): `base` is the project's own dependencies, any other name
one of its optional groups, where a reference to the project's other groups
(`micrograd-kit[torch,demo]`) is expanded. pyproject.toml stays the one list of what is installed;
the Makefile installs each group on first use.
"""
import pathlib
import re
import sys
import tomllib

PYPROJECT = pathlib.Path(__file__).resolve().parent.parent / "pyproject.toml"


def requirements(groups, project=None):
    """The requirement strings of `groups`, in order, each once."""
    project = project or tomllib.loads(PYPROJECT.read_text())["project"]
    optional = project.get("optional-dependencies", {})
    self_ref = re.compile(rf"^{re.escape(project['name'])}\[([\w,\s-]+)\]$")
    out, seen = [], set()

    def add(group, trail):
        if group in trail:
            return
        if group == "base":
            lines = project.get("dependencies", [])
        elif group in optional:
            lines = optional[group]
        else:
            raise SystemExit(f"requirements: no dependency group {group!r} in pyproject.toml "
                             f"(groups: base, {', '.join(optional)})")
        for line in lines:
            ref = self_ref.match(line.strip())
            if ref:
                for inner in ref.group(1).split(","):
                    add(inner.strip(), trail | {group})
            elif line not in seen:
                seen.add(line)
                out.append(line)

    for group in groups:
        add(group, frozenset())
    return out


if __name__ == "__main__":
    if sys.argv[1:] == ["--groups"]:
        print(*tomllib.loads(PYPROJECT.read_text())["project"].get("optional-dependencies", {}))
    else:
        print("\n".join(requirements(sys.argv[1:])))
