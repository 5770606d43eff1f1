"""Cost of validating CSR structures in bm.event.csrmv: the first call against the cached verdict.

``bm.event.csrmv`` and ``bm.sparse.csrmv`` validate ``(indices, indptr)`` (``brainpy_math._csr``):
the first call with a structure reads every entry; later calls find the verdict in a cache. Rows,
per installed backend, for the COBA connectivity (N neurons, 80 synapses each):

- ``validate_first_us``: ``check_structure`` with an empty cache (the O(nnz) checks);
- ``validate_cached_us``: ``check_structure`` with the verdict cached (the per-step cost);
- ``csrmv_us``: a whole eager ``bm.event.csrmv`` call (20 Hz-like spikes, verdict cached), for scale;
- ``cached_share``: ``validate_cached_us / csrmv_us``.

Compiled code (``bm.jit``, ``bm.for_loop``) does not pay even the cached lookup: on JAX the
structure is validated when the function is traced, on Numba the kernel checks the indices it
reads (measured on COBA, 4,000 neurons, 1 s: within run-to-run noise, see the issue-14 report).

Run: ``python -m benchmarks.csr_validation [--quick]``.
"""
from __future__ import annotations


import numpy as np

import brainpy_math as bm
from brainpy_math import _csr

try:
    from ._harness import command_line, machine, median_time
except ImportError:  # run as a script
    from _harness import command_line, machine, median_time

NAME = "csr_validation"
COLUMNS = ["implementation", "neurons", "nnz", "validate_first_us", "validate_cached_us", "csrmv_us",
           "cached_share"]


def _block(x):
    value = getattr(x, "value", x)
    ready = getattr(value, "block_until_ready", None)
    return ready() if ready is not None else value


def measure(backend: str, neurons: int, repeat: int) -> dict:
    """One row: the timings above for the COBA matrix of ``neurons`` neurons on ``backend``."""
    with bm.set_backend(backend):
        prob = min(1.0, 80 / neurons)
        indices, indptr = bm.connect.fixed_prob(neurons, neurons, prob, seed=0)
        shape = (neurons, neurons)
        spikes = bm.asarray(np.random.default_rng(0).random(neurons) < 0.002)

        def first():
            _csr.clear_cache()
            _csr.check_structure("event.csrmv", indices, indptr, shape)

        def cached():
            _csr.check_structure("event.csrmv", indices, indptr, shape)

        first_s = median_time(first, repeat=repeat, number=3)
        _csr.check_structure("event.csrmv", indices, indptr, shape)
        cached_s = median_time(cached, repeat=repeat, number=200)
        csrmv_s = median_time(lambda: _block(bm.event.csrmv(0.6, indices, indptr, spikes, shape=shape)),
                              repeat=repeat, number=50, warmup=3)
    return {"benchmark": NAME, "implementation": f"brainpy_math {backend} backend", "engine": backend,
            "neurons": neurons, "nnz": int(np.asarray(indptr)[-1]),
            "validate_first_us": round(first_s * 1e6, 2), "validate_cached_us": round(cached_s * 1e6, 2),
            "csrmv_us": round(csrmv_s * 1e6, 2), "cached_share": round(cached_s / csrmv_s, 3), **machine()}


def run(quick: bool = False) -> list[dict]:
    sizes = [400] if quick else [4000, 40000]
    rows = []
    for backend in bm.available_backends():
        for neurons in sizes:
            rows.append(measure(backend, neurons, repeat=3 if quick else 7))
    return rows


def main(argv: list[str] | None = None) -> list[dict]:
    return command_line("csr_validation", __doc__, run, COLUMNS, "400 neurons, few repeats (a smoke run)", argv)


if __name__ == "__main__":
    main()
