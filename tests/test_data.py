"""The RNG and the data sets against the published facts."""
import pytest

from micrograd_ref.data import DATASETS, RNG, gen_data_yinyang


def test_rng_published_values():
    rng = RNG(42)
    assert [rng.random() for _ in range(3)] == [0.3390852212905884, 0.7822558283805847, 0.790136992931366]


def test_rng_matches_the_xorshift_formula_written_out():
    # an independent transcription of xorshift64* with explicit 64-bit wrap-around
    state, rng = 1234567, RNG(1234567)
    for _ in range(1000):
        state ^= state >> 12
        state = (state ^ (state << 25)) % 2**64
        state ^= state >> 27
        want = ((state * 0x2545F4914F6CDD1D) % 2**64) >> 32
        assert rng.random_u32() == want


def test_uniform_range():
    rng = RNG(7)
    xs = [rng.uniform(-1, 1) for _ in range(10_000)]
    assert min(xs) >= -1 and max(xs) < 1
    assert abs(sum(xs) / len(xs)) < 0.05


def test_yinyang_published_split_counts():
    train, val, test = gen_data_yinyang(RNG(42), n=100)
    assert (len(train), len(val), len(test)) == (80, 10, 10)
    counts = [sum(1 for _, c in train if c == k) for k in range(3)]
    assert counts == [27, 27, 26]


def test_yinyang_classes_follow_the_geometry():
    train, val, test = gen_data_yinyang(RNG(3), n=600)
    for (x, y), c in train + val + test:
        # undo the rescaling to the unit square
        u, v = (x / 2 + 1) * 0.5, (y / 2 + 1) * 0.5
        assert ((u - 0.5) ** 2 + (v - 0.5) ** 2) ** 0.5 <= 0.5
        d_right = ((u - 0.75) ** 2 + (v - 0.5) ** 2) ** 0.5
        d_left = ((u - 0.25) ** 2 + (v - 0.5) ** 2) ** 0.5
        if c == 2:
            assert min(d_right, d_left) < 0.1 + 1e-12
        elif c == 0:
            assert d_right <= 0.1 or 0.1 < d_left <= 0.25 + 1e-12 or (v > 0.5 and d_right > 0.25 - 1e-12)
    assert [c for _, c in train[:6]] == [0, 1, 2, 0, 1, 2]


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_every_data_set_is_deterministic_and_split(name):
    a = DATASETS[name](RNG(5))
    b = DATASETS[name](RNG(5))
    assert a == b
    train, val, test = a
    n = len(train) + len(val) + len(test)
    assert len(train) == int(0.8 * n)
    points = train + val + test
    assert all(len(x) == 2 and -3 < x[0] < 3 and -3 < x[1] < 3 for x, _ in points)
    assert len({c for _, c in points}) >= 2
