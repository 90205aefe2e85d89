"""jsonschema as the kit imports it: validating as before, without importing the IRI syntax
checker that costs over a second (and that a later import elsewhere still gets)."""
import importlib.util
import subprocess
import sys

import pytest

from grader.schema_check import jsonschema


def test_it_validates():
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    jsonschema().validate({"n": 1}, schema)
    with pytest.raises(jsonschema().ValidationError):
        jsonschema().validate({"n": "one"}, schema)


@pytest.mark.skipif(importlib.util.find_spec("rfc3987_syntax") is None, reason="rfc3987_syntax is not installed")
def test_the_iri_checker_is_left_out_for_the_import_only():
    code = ("import sys\n"
            "from grader.schema_check import jsonschema\n"
            "jsonschema().validate({'a': 1}, {'type': 'object'})\n"
            "print('rfc3987_syntax' in sys.modules)\n"
            "import rfc3987_syntax\n"
            "print(rfc3987_syntax.__name__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "rfc3987_syntax"]


def test_settings_are_still_validated(tmp_path):
    from grader import config

    bad = tmp_path / "grader.toml"
    bad.write_text('[grading]\njobs = "many"\n')
    with pytest.raises(config.ConfigError, match="jobs"):
        config.load(bad)
