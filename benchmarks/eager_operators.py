"""Per-operation cost of eager operators that follow the promotion table, against the plain library.

On the Numba backend every ``bm.`` array is a :class:`NumbaArray`, an ndarray subclass whose
``__array_ufunc__`` applies the policy's promotion table (``int32_array * 0.1`` is float32); the
baseline is the same expression on plain ``numpy.ndarray``s (NumPy's own promotion). On the JAX
backend the baseline is the expression on raw jax arrays. Small arrays show the per-operation
overhead, large ones that it vanishes. Both sides are timed in alternating rounds.

Run: ``python -m benchmarks.eager_operators [--quick]``.
"""
from __future__ import annotations

import importlib.util
import statistics
from typing import Any, Callable

import numpy as np

import brainpy_math as bm

try:
    from ._harness import command_line, machine, median_time
except ImportError:  # run as a script
    from _harness import command_line, machine, median_time

NAME = "eager_operators"
SIZES = (16, 100_000)
# name -> function of (int32 array, float32 array, float32 Variable-like array)
EXPRESSIONS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "int32 * 0.1": lambda i, f, v: i * 0.1,
    "float32 + float32": lambda i, f, v: f + f,
    "Variable + 1.0": lambda i, f, v: v + 1.0,
    "float32 > 0.5": lambda i, f, v: f > 0.5,
}
COLUMNS = ["backend", "expression", "size", "bm_us", "plain_us", "ratio", "baseline"]


def _pair(first: Callable, second: Callable, repeat: int, number: int) -> tuple[float, float]:
    a, b = [], []
    for _ in range(repeat):
        a.append(median_time(first, repeat=1, number=number, warmup=2))
        b.append(median_time(second, repeat=1, number=number, warmup=2))
    return statistics.median(a), statistics.median(b)


def _numba_rows(size: int, repeat: int, number: int) -> list[dict]:
    rows = []
    with bm.set_backend("numba"):
        i, f = bm.arange(size), bm.ones(size)
        v = bm.Variable(bm.ones(size))
        plain = (np.asarray(i), np.asarray(f), np.asarray(v))
        for name, expression in EXPRESSIONS.items():
            ours, base = _pair(lambda: expression(i, f, v), lambda: expression(*plain), repeat, number)
            rows.append({"backend": "numba", "expression": name, "size": size, "bm_us": ours * 1e6,
                         "plain_us": base * 1e6, "ratio": round(ours / base, 2),
                         "baseline": "numpy.ndarray (NumPy's promotion)"})
    return rows


def _jax_rows(size: int, repeat: int, number: int) -> list[dict]:
    import jax.numpy as jnp
    rows = []
    with bm.set_backend("jax"):
        i, f = bm.arange(size), bm.ones(size)
        v = bm.Variable(bm.ones(size))
        raw = (jnp.asarray(i.value), jnp.asarray(f.value), jnp.asarray(v.value))
        for name, expression in EXPRESSIONS.items():
            ours, base = _pair(lambda: expression(i, f, v).value.block_until_ready(),
                               lambda: expression(*raw).block_until_ready(), repeat, number)
            rows.append({"backend": "jax", "expression": name, "size": size, "bm_us": ours * 1e6,
                         "plain_us": base * 1e6, "ratio": round(ours / base, 2),
                         "baseline": "jax.Array (jax.numpy's promotion)"})
    return rows


def run(quick: bool = False) -> list[dict]:
    repeat, number = (3, 50) if quick else (9, 2000)
    rows: list[dict] = []
    for size in SIZES[:1] if quick else SIZES:
        scaled = max(10, number * 16 // size) if size > 16 else number
        if importlib.util.find_spec("numba"):
            rows += _numba_rows(size, repeat, scaled)
        if importlib.util.find_spec("jax"):
            rows += _jax_rows(size, repeat, scaled)
    info = machine()
    for row in rows:
        row.update(benchmark=NAME, quick=quick, **info)
    return rows


def main(argv: list[str] | None = None) -> list[dict]:
    return command_line("eager_operators", __doc__, run, COLUMNS, "fewer repetitions", argv)


if __name__ == "__main__":
    main()
