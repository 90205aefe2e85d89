# random numbers that come out the same on every machine (xorshift*), as in EurekaLabs' micrograd

class RNG:
    MASK64 = (1 << 64) - 1

    def __init__(self, seed):
        self.state = seed

    def random_u32(self):
        s = self.state
        s ^= (s >> 12) & RNG.MASK64
        s ^= (s << 25) & RNG.MASK64
        s ^= (s >> 27) & RNG.MASK64
        self.state = s
        return ((s * 0x2545F4914F6CDD1D) >> 32) & 0xFFFFFFFF

    def random(self):
        # a float in [0, 1) from the top 24 bits
        return (self.random_u32() >> 8) / 16777216.0

    def uniform(self, a=0.0, b=1.0):
        return a + (b - a) * self.random()
