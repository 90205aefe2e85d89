"""micrograd in C (`make c`): it builds cleanly, and prints the reference run's log byte for byte."""
import math
import os
import random
import re
import shutil
import struct
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_ref.engine import Value

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def c_build(tmp_path_factory):
    """Build the C run and its two check programs with the Makefile's rules, into a temporary folder."""
    cc = os.environ.get("CC", "cc").split()[0]
    if shutil.which(cc) is None:
        pytest.skip(f"no C compiler ({cc!r} is not on PATH)")
    if shutil.which("make") is None:
        pytest.skip("no make on PATH")
    out = tmp_path_factory.mktemp("c-build")
    built = subprocess.run(
        ["make", "-s", f"C_BUILD={out}", f"{out}/micrograd-c", f"{out}/engine-check", f"{out}/float-repr-check"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return {"dir": out, "output": built.stdout + built.stderr}


def run_c(c_build, *args):
    """build/micrograd-c with `args`."""
    return subprocess.run([str(c_build["dir"] / "micrograd-c"), *args], capture_output=True, text=True)


def run_python(*args):
    """python -m micrograd_ref.train with `args`."""
    return subprocess.run(
        [sys.executable, "-m", "micrograd_ref.train", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_builds_without_warnings(c_build):
    assert c_build["output"] == "", f"the compiler said:\n{c_build['output']}"


# The default run is the one that counts: a last-bit slip (x * x for x**2 in tanh) first shows at step 32.
@pytest.mark.parametrize("args", [[], ["--steps", "0"], ["--steps", "1"], ["--steps", "25"]],
                         ids=["default", "steps=0", "steps=1", "steps=25"])
def test_same_log_as_python(c_build, args):
    ours, reference = run_c(c_build, *args), run_python(*args)
    assert reference.returncode == 0, reference.stderr
    assert (ours.returncode, ours.stderr) == (0, "")
    assert ours.stdout.encode() == reference.stdout.encode()


@pytest.mark.parametrize("args", [["--steps=3"], ["--st", "3"], ["--steps", " +3 "], ["--steps", "1_1"]],
                         ids=["equals", "abbreviated", "blanks-and-sign", "underscore"])
def test_reads_steps_as_argparse_does(c_build, args):
    assert run_c(c_build, *args).stdout == run_python(*args).stdout != ""


@pytest.mark.parametrize(
    "args",
    [["--steps", "-1"], ["--steps", "x"], ["--steps", "1.5"], ["--steps"], ["--steps", "-v"],
     ["--steps="], ["--steps", "2", "extra", "more"], ["--bogus"], ["--help=1"]],
    ids=["negative", "word", "float", "missing", "option-as-value", "empty", "extra", "unknown", "help-value"],
)
def test_bad_command_line_is_a_usage_error(c_build, args):
    ours, reference = run_c(c_build, *args), run_python(*args)
    assert ours.returncode == reference.returncode == 2
    assert ours.stdout == ""
    usage, message = ours.stderr.splitlines()
    assert usage == "usage: micrograd-c [-h] [--steps STEPS]"
    # the same message as Python's, after the program's name
    assert message.split(": error: ") == ["micrograd-c", reference.stderr.splitlines()[-1].split(": error: ")[1]]


def test_too_many_steps_is_a_usage_error(c_build):
    ours = run_c(c_build, "--steps", "99999999999999999999")
    assert ours.returncode == 2 and ours.stdout == ""
    assert ours.stderr.splitlines()[-1] == "micrograd-c: error: --steps must be at most 2147483647"


def test_help(c_build):
    ours = run_c(c_build, "--help")
    assert ours.returncode == 0 and ours.stderr == ""
    assert ours.stdout.startswith("usage: micrograd-c [-h] [--steps STEPS]\n")
    assert "--steps STEPS  number of training steps (default 100)" in ours.stdout


@pytest.mark.slow
def test_no_leaks_or_invalid_reads_under_valgrind(c_build):
    if shutil.which("valgrind") is None:
        pytest.skip("valgrind is not installed (Debian: apt-get install -y valgrind)")
    heap_usage = {}
    for steps in ("2", "12"):  # 12: a second validation pass, whose graph is freed too
        ours = subprocess.run(
            ["valgrind", "--leak-check=full", "--show-leak-kinds=all", "--errors-for-leak-kinds=all",
             "--error-exitcode=1", str(c_build["dir"] / "micrograd-c"), "--steps", steps],
            capture_output=True, text=True,
        )
        assert ours.returncode == 0, ours.stderr
        assert "All heap blocks were freed -- no leaks are possible" in ours.stderr
        assert "ERROR SUMMARY: 0 errors" in ours.stderr
        assert ours.stdout == run_python("--steps", steps).stdout
        heap_usage[steps] = re.search(r"total heap usage: (.*)", ours.stderr).group(1)
    # each step's graph lives in memory kept from the step before: the heap does not grow with steps
    assert heap_usage["2"] == heap_usage["12"]


def test_engine_matches_the_reference(c_build):
    """Every op and the backward pass, on the expression c/engine_check.c builds, to the last bit."""
    a, b = Value(-4.0), Value(2.0)
    c = a + b
    d = a * b + b**3
    c = c + (c + 1)
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    h = f / 2.0
    h = h + 10.0 / f
    k = (h * 0.01).tanh() + (a * 0.1).exp()
    k = k + (b / f).log() - 0.5
    k.backward()
    nodes = {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "h": h, "k": k}
    expected = [f"{name} {float(v.data)!r} {float(v.grad)!r}" for name, v in nodes.items()]
    ours = subprocess.run([str(c_build["dir"] / "engine-check")], capture_output=True, text=True, check=True)
    assert ours.stdout.splitlines() == expected


def bits_of(x):
    """The 64 bits of the double x."""
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def float_of(bits):
    """The double whose 64 bits are `bits`."""
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def c_reprs(c_build, bit_patterns):
    """float_repr of each double, given by its 64 bits, through the check program."""
    out = subprocess.run(
        [str(c_build["dir"] / "float-repr-check")],
        input="".join(f"{b:016x}\n" for b in bit_patterns), capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    assert len(out) == len(bit_patterns)
    return out


def interesting_doubles():
    """Bit patterns of doubles where a float printer goes wrong, if anywhere."""
    rng = random.Random(20240607)
    patterns = [rng.getrandbits(64) for _ in range(5000)]
    # powers of two and their neighbours: the gap below 2**k is half the gap above it
    for k in range(-1074, 1024):
        b = bits_of(math.ldexp(1.0, k))
        patterns += [b, b - 1, b + 1]
    # around powers of ten, and where the layout switches between 0.0001 / 1e-05, 1e+15 / 1e+16
    for e in range(-325, 309):
        for mantissa in ("1", "9.999999999999999", "5", "1.7976931348623157", "2.2250738585072014"):
            x = float(f"{mantissa}e{e}")
            if x != 0 and not math.isinf(x):
                patterns += [bits_of(x) - 1, bits_of(x), bits_of(x) + 1]
    patterns += [bits_of(float(i)) for i in range(-1000, 1000)]
    patterns += [bits_of(float(2**53 + i)) for i in range(-3, 4)]
    patterns += [bits_of(x) for x in (0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, 0.1, 1 / 3)]
    patterns += [0x7FF8000000000001, 0xFFF8000000000000]  # NaNs with a payload or a sign
    patterns += [bits_of(loss) for loss in (1.0122152826497564, 0.03906091113485466)]
    return [b | (rng.getrandbits(1) << 63) if i % 2 else b for i, b in enumerate(patterns)]


def test_float_repr_matches_python(c_build):
    patterns = interesting_doubles()
    mismatches = [
        (hex(b), repr(float_of(b)), ours)
        for b, ours in zip(patterns, c_reprs(c_build, patterns))
        if ours != repr(float_of(b))
    ]
    assert mismatches == []


@settings(max_examples=25, deadline=None)
@given(xs=st.lists(st.floats(), min_size=1, max_size=200))
def test_float_repr_matches_python_on_generated_floats(c_build, xs):
    assert c_reprs(c_build, [bits_of(x) for x in xs]) == [repr(x) for x in xs]
