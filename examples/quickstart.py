"""A walk through brainpy_math's foundation on the backend of your choice.

Run it as ``python examples/quickstart.py --backend numba`` (or ``jax``; by default every installed
backend in turn). It prints the backend table, the dtype policy, mutable arrays, and a model class
whose state lives in Variables — the same code on each backend.
"""
from __future__ import annotations

import argparse

import brainpy_math as bm


class LIF(bm.Base):
    """A leaky integrate-and-fire population, stepped with plain (un-jitted) array code."""

    def __init__(self, num: int, tau: float = 10.0, v_threshold: float = 1.0):
        super().__init__()
        self.tau, self.v_threshold = tau, v_threshold
        self.V = bm.Variable(bm.zeros(num))
        self.spikes = bm.Variable(bm.zeros(num, dtype=bm.bool_))

    def update(self, current):
        # Assigning a plain array to a Variable attribute writes into the Variable.
        self.V = self.V + (-self.V + current) / self.tau * bm.get_dt()
        self.spikes = self.V >= self.v_threshold
        self.V = bm.where(self.spikes, 0.0, self.V)


def tour(backend: str) -> None:
    with bm.set_backend(backend):
        print(f"\n=== backend {bm.get_backend()!r} (arrays are {bm.ndarray.__name__}) ===")
        b = bm.arange(5)
        b[0] += 5
        b[b > 3] *= 2
        print("b = arange(5); b[0] += 5; b[b > 3] *= 2  ->", b.tolist(), b.dtype)
        print("default dtypes:", bm.zeros(1).dtype, bm.arange(1).dtype, "| after enable_x64:", end=" ")
        bm.enable_x64()
        print(bm.zeros(1).dtype, bm.arange(1).dtype)
        bm.disable_x64()

        lif = LIF(5)
        currents = bm.linspace(0.5, 3.0, 5)
        spike_counts = bm.zeros(5, dtype=bm.int32)
        for _ in range(1000):  # 100 ms at dt = 0.1 ms
            lif.update(currents)
            spike_counts += lif.spikes
        print("variables:", list(lif.vars().keys()))
        print("input currents:", [round(float(c), 3) for c in currents])
        print("spikes in 100 ms:", spike_counts.tolist())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["jax", "numba"], default=None,
                        help="the backend to use (default: every installed backend in turn)")
    args = parser.parse_args()
    print("registered backends:", bm._backend.known_backends(), "| installed:", bm.available_backends())
    for backend in [args.backend] if args.backend else bm.available_backends():
        tour(backend)


if __name__ == "__main__":
    main()
