"""Reading a child's events: the kit's explicit checker (grader/pipeline/protocol.py) against jsonschema.

    .venv/bin/python bench/bench_protocol.py [--repeat 20]

Two streams as the child sends them for the answer key: engine.tanh (8 small results) and
engine.backward (with the 10,000-node chain's gradients and a 100,000-entry list of calls, the
largest result any test sends). Each is parsed and checked by protocol.parse, and by json.loads
plus a jsonschema validator of the same schema; the import of jsonschema, which a `make check`
would pay on every run, is timed in a fresh interpreter. Prints times and ratios.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.pipeline import protocol  # noqa: E402

NUMBER = {"oneOf": [{"type": "number"}, {"type": "object", "required": ["not_a_number", "repr"],
                                        "additionalProperties": False,
                                        "properties": {"not_a_number": {"type": "string", "maxLength": 200},
                                                       "repr": {"type": "string", "maxLength": 200}}}]}
NUMBERS = {"oneOf": [{"type": "array", "maxItems": protocol.MAX_LIST, "items": NUMBER}, NUMBER["oneOf"][1]]}


def result_schema(fields):
    values = {"type": "object", "required": list(fields), "additionalProperties": False, "properties": fields}
    return {"type": "object", "required": ["event", "case", "values"], "additionalProperties": False,
            "properties": {"event": {"const": "result"}, "case": {"type": "integer", "minimum": 0}, "values": values}}


SCHEMAS = {
    "engine.tanh": result_schema({"out": NUMBER, "grads": NUMBERS}),
    "engine.backward": result_schema({"grads": NUMBERS, "calls": {"type": "array", "maxItems": protocol.MAX_LIST,
                                                                  "items": {"type": "integer", "minimum": 0}}}),
}


def streams():
    tanh = [json.dumps({"event": "result", "case": i, "values": {"out": 0.1 * i, "grads": [0.3 * i]}}).encode()
            for i in range(8)]
    deep = [json.dumps({"event": "result", "case": 0, "values": {
        "grads": [1.0] * 10_001, "calls": [i % 10_001 for i in range(protocol.MAX_LIST)]}}).encode()]
    return {"engine.tanh": tanh, "engine.backward": deep}


def timed(f, repeat):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import jsonschema"], check=True)
    with_import = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    bare = time.perf_counter() - start
    print(f"import jsonschema in a fresh interpreter: {with_import - bare:.3f} s")

    import jsonschema

    for test_id, lines in streams().items():
        validator = jsonschema.Draft202012Validator(SCHEMAS[test_id])
        size = sum(map(len, lines))
        ours = timed(lambda: [protocol.parse(line, test_id) for line in lines], args.repeat)
        theirs = timed(lambda: [validator.validate(json.loads(line)) for line in lines], args.repeat)
        print(f"{test_id}: {len(lines)} events, {size / 1024:.0f} KiB: protocol.parse {ours * 1000:.2f} ms, "
              f"json.loads + jsonschema {theirs * 1000:.2f} ms, ratio {theirs / ours:.1f}x")


if __name__ == "__main__":
    main()
