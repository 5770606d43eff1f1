"""COBA (Brette et al. 2007, benchmark 1), 1 s of model time, every implementation side by side.

Rows, at 4,000 and 40,000 neurons (connection probability 80 / N, so 80 synapses per neuron):
the network of ``examples/ei_network.py`` under ``bm.for_loop`` on each installed backend; the
hand-written Numba and JAX implementations of ``benchmarks/reference``; Brian2 (runtime mode, and
C++ standalone mode: its ``compile_s`` is the build from a fresh output folder, its ``run_s`` the
simulation loop as the program times it) and BrainPy when installed (``benchmarks/peers``, in this
interpreter or ``$BRAINPY_MATH_PEER_PYTHON``; skipped with a note otherwise). Each runs in its own
subprocess. Columns: compile time, run time, realtime factor (run time / model time), spikes,
mean rate, and the ratios of :func:`benchmarks._spiking.add_spiking_ratios`.

``--quick``: 400 neurons for 20 ms, brainpy_math and hand-written rows only (a smoke run for CI).

Run: ``python -m benchmarks.coba [--quick]``.
"""
from __future__ import annotations

import argparse
import os

try:
    from ._harness import print_table, write_jsonl
    from ._spiking import COLUMNS, Implementation, brainpy_math_rows, run_workload
except ImportError:  # run as a script
    from _harness import print_table, write_jsonl
    from _spiking import COLUMNS, Implementation, brainpy_math_rows, run_workload

NAME = "coba"
PEER_FIGURE_S = 0.115  # the best peer on 4,000 neurons, 1 s, on a 2-core box (issue 7)


def implementations(quick: bool) -> list[Implementation]:
    rows = brainpy_math_rows("coba") + [
        Implementation("hand-written Numba (reference/coba_numba)", "numba", "hand-written",
                       "benchmarks.reference.coba_numba", requires=("numba",)),
        Implementation("hand-written JAX (reference/coba_jax)", "jax", "hand-written",
                       "benchmarks.reference.coba_jax", requires=("jax",)),
    ]
    if not quick:
        rows += [
            Implementation("Brian2 (runtime mode)", "brian2", "peer", "benchmarks.peers.brian2_networks",
                           "simulate_coba", requires=("brian2",)),
            Implementation("Brian2 (C++ standalone; compile_s = build)", "brian2", "peer",
                           "benchmarks.peers.brian2_networks", "simulate_coba_standalone", requires=("brian2",)),
            Implementation("BrainPy", "brainpy", "peer", "benchmarks.peers.brainpy_networks", "simulate_coba",
                           requires=("brainpy",)),
        ]
    return rows


def run(quick: bool = False, sizes: list[int] | None = None, duration_ms: float | None = None,
        seed: int = 0) -> list[dict]:
    sizes = sizes or ([400] if quick else [4000, 40000])
    duration_ms = duration_ms or (20.0 if quick else 1000.0)
    return run_workload(NAME, implementations(quick), sizes, duration_ms, seed, quick, PEER_FIGURE_S)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="400 neurons for 20 ms, no peers")
    parser.add_argument("--neurons", type=int, nargs="*", help="sizes (default 4000 40000)")
    parser.add_argument("--duration-ms", type=float, default=None, help="model time (default 1000)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                                                      "coba.jsonl"))
    args = parser.parse_args(argv)
    rows = run(args.quick, args.neurons, args.duration_ms)
    print_table(rows, COLUMNS)
    write_jsonl(rows, args.out)
    return rows


if __name__ == "__main__":
    main()
