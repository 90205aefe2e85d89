"""The kit's deterministic random numbers and its 2-D classification data sets.

`RNG` is xorshift64*, small enough to write again in any language (the C twin in `c/` does),
so that every implementation draws the same numbers from the same seed.
"""
import math

MASK64 = 0xFFFFFFFFFFFFFFFF


class RNG:
    """xorshift64*: a deterministic stream of 32-bit integers and floats in [0, 1)."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def random_u32(self):
        """The next 32-bit unsigned integer."""
        self.state ^= (self.state >> 12) & MASK64
        self.state ^= (self.state << 25) & MASK64
        self.state ^= (self.state >> 27) & MASK64
        return ((self.state * 0x2545F4914F6CDD1D) >> 32) & 0xFFFFFFFF

    def random(self):
        """A float in [0, 1) with 24 random bits (exact in float32 too)."""
        return (self.random_u32() >> 8) / 16777216.0

    def uniform(self, a=0.0, b=1.0):
        """A float in [a, b)."""
        return a + (b - a) * self.random()


def split(points):
    """80 % train, 10 % validation, 10 % test, in order."""
    n = len(points)
    return points[: int(0.8 * n)], points[int(0.8 * n) : int(0.9 * n)], points[int(0.9 * n) :]


def gen_data_yinyang(rng, n=1000, r_small=0.1, r_big=0.5):
    """The yin-yang set: points [[x, y], c] with classes 0 (yin), 1 (yang), 2 (the two dots).

    Point i has class i % 3; coordinates are scaled to [-2, 2]. Returns (train, val, test).
    """

    # Distances are written as ((dx)**2 + (dy)**2) ** 0.5, not math.dist, so that the points
    # match the published data set (and its C twin) bit for bit near class boundaries.
    def dist(x, y, cx, cy):
        return ((x - cx) ** 2 + (y - cy) ** 2) ** 0.5

    def which_class(x, y):
        d_right = dist(x, y, 1.5 * r_big, r_big)
        d_left = dist(x, y, 0.5 * r_big, r_big)
        if d_right < r_small or d_left < r_small:
            return 2
        is_yin = (
            d_right <= r_small
            or r_small < d_left <= 0.5 * r_big
            or (y > r_big and d_right > 0.5 * r_big)
        )
        return 0 if is_yin else 1

    def sample(goal_class):
        while True:
            x = rng.uniform(0, 2 * r_big)
            y = rng.uniform(0, 2 * r_big)
            if dist(x, y, r_big, r_big) > r_big:
                continue
            if which_class(x, y) == goal_class:
                return [(x / r_big - 1) * 2, (y / r_big - 1) * 2]

    return split([[sample(i % 3), i % 3] for i in range(n)])


def gen_data_moons(rng, n=200, noise=0.1):
    """Two interleaving half circles (classes 0 and 1), centred near the origin."""
    points = []
    for i in range(n):
        c = i % 2
        t = math.pi * rng.random()
        if c == 0:
            x, y = math.cos(t), math.sin(t)
        else:
            x, y = 1 - math.cos(t), 0.5 - math.sin(t)
        x += noise * rng.uniform(-1, 1)
        y += noise * rng.uniform(-1, 1)
        points.append([[x - 0.5, y - 0.25], c])
    return split(points)


def gen_data_circles(rng, n=200, noise=0.1):
    """Concentric rings: class 0 at radius 0.5, class 1 at 1.0, class 2 at 1.5."""
    points = []
    for i in range(n):
        c = i % 3
        t = 2 * math.pi * rng.random()
        r = 0.5 * (c + 1) + noise * rng.uniform(-1, 1)
        points.append([[r * math.cos(t), r * math.sin(t)], c])
    return split(points)


def gen_data_spirals(rng, n=300, classes=3, noise=0.1):
    """Interleaved spiral arms, one per class, radius up to 1.8."""
    points = []
    for i in range(n):
        c = i % classes
        s = rng.random()
        t = 1.75 * math.pi * s + 2 * math.pi * c / classes
        r = 1.8 * s
        x = r * math.cos(t) + noise * rng.uniform(-1, 1)
        y = r * math.sin(t) + noise * rng.uniform(-1, 1)
        points.append([[x, y], c])
    return split(points)


DATASETS = {
    "yinyang": gen_data_yinyang,
    "moons": gen_data_moons,
    "circles": gen_data_circles,
    "spirals": gen_data_spirals,
}
