"""Throughput of uniform and normal draws (float32), bm.random on each backend side by side with
``numpy.random.Generator`` (PCG64) and ``jax.random``.

bm's draws go through the public functions (``bm.random.uniform(size=n)``), so the time includes
the argument checks and the write of the generator's counter; ``jax.random`` is jitted and waited
for with ``block_until_ready``. Targets: the Numba backend's normals at least half as fast as NumPy's
Generator, and the JAX backend's at least half as fast as ``jax.random.normal`` (``vs_target``).

Run: ``python -m benchmarks.random_throughput [--quick]``.
"""
from __future__ import annotations

import importlib.util

import numpy as np

import brainpy_math as bm

try:
    from ._harness import add_ratios, command_line, machine, median_time
except ImportError:  # run as a script
    from _harness import add_ratios, command_line, machine, median_time

NAME = "random_throughput"
COLUMNS = ["distribution", "implementation", "n", "seconds", "Mnumbers_per_s", "x_fastest", "vs_target"]


def _row(distribution: str, implementation: str, n: int, seconds: float) -> dict:
    return {"distribution": distribution, "implementation": implementation, "n": n, "seconds": seconds,
            "Mnumbers_per_s": round(n / seconds / 1e6, 1)}


def run(quick: bool = False) -> list[dict]:
    n = 10 ** 6 if quick else 10 ** 7
    repeat = 3 if quick else 5
    rows: list[dict] = []
    generator = np.random.default_rng(0)
    rows.append(_row("uniform", "numpy.random.Generator", n,
                     median_time(lambda: generator.random(n, dtype=np.float32), repeat=repeat)))
    rows.append(_row("normal", "numpy.random.Generator", n,
                     median_time(lambda: generator.standard_normal(n, dtype=np.float32), repeat=repeat)))
    if importlib.util.find_spec("jax") and "jax" in bm.available_backends():
        import jax
        key = jax.random.PRNGKey(0)
        uniform = jax.jit(lambda k: jax.random.uniform(k, (n,), dtype=np.float32))
        normal = jax.jit(lambda k: jax.random.normal(k, (n,), dtype=np.float32))
        rows.append(_row("uniform", "jax.random (jit)", n,
                         median_time(lambda: uniform(key).block_until_ready(), repeat=repeat)))
        rows.append(_row("normal", "jax.random (jit)", n,
                         median_time(lambda: normal(key).block_until_ready(), repeat=repeat)))
        with bm.set_backend("jax"):
            bm.random.seed(0)
            rows.append(_row("uniform", "bm.random [jax]", n, median_time(
                lambda: bm.random.uniform(size=n).block_until_ready(), repeat=repeat)))
            rows.append(_row("normal", "bm.random [jax]", n, median_time(
                lambda: bm.random.normal(size=n).block_until_ready(), repeat=repeat)))
    if "numba" in bm.available_backends():
        with bm.set_backend("numba"):
            bm.random.seed(0)
            rows.append(_row("uniform", "bm.random [numba]", n,
                             median_time(lambda: bm.random.uniform(size=n), repeat=repeat)))
            rows.append(_row("normal", "bm.random [numba]", n,
                             median_time(lambda: bm.random.normal(size=n), repeat=repeat)))
    add_ratios(rows, "seconds", group="distribution")
    # The targets: at least half the reference's throughput, i.e. vs_target <= 2.
    by_name = {(r["distribution"], r["implementation"]): r["seconds"] for r in rows}
    for row in rows:
        reference = {"bm.random [numba]": "numpy.random.Generator",
                     "bm.random [jax]": "jax.random (jit)"}.get(row["implementation"])
        if reference and (row["distribution"], reference) in by_name:
            row["vs_target"] = f"{row['seconds'] / by_name[(row['distribution'], reference)]:.2f}x {reference}"
    info = machine()
    for row in rows:
        row.update(benchmark=NAME, **info)
    return rows


def main(argv: list[str] | None = None) -> list[dict]:
    return command_line("random_throughput", __doc__, run, COLUMNS, "10**6 numbers, fewer repetitions", argv)


if __name__ == "__main__":
    main()
