"""The seed's logistic-regression step, every way it can run here, side by side in one process.

``u = dot(((1/(1+exp(-Y*dot(X,w))) - 1) * Y), X); w = w - u`` on 20,000,000 x 10 float32 points
(``--quick``: 200,000). Rows: the same ``bm.Base`` class under ``bm.jit`` on each installed backend,
raw ``jax.jit`` of the expression, the JAX backend without jit, a hand-written ``numba.njit`` of the
NumPy expression, a hand-fused ``prange`` loop, NumPy, and the machine's read bandwidth bound (one
pass over X, which any step must make at least once). The rows are timed in interleaved rounds
(each implementation once per round), so that the ratios compare like with like on a noisy machine.

Run: ``python -m benchmarks.logistic_regression [--quick]``.
"""
from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from typing import Any, Callable

import numpy as np

import brainpy_math as bm

try:
    from ._harness import add_ratios, machine, print_table, write_jsonl
except ImportError:  # run as a script
    from _harness import add_ratios, machine, print_table, write_jsonl

NAME = "logistic_regression"


class LogisticRegression(bm.Base):
    """The seed's model, written once for both backends."""

    def __init__(self, dimension):
        super().__init__()
        self.dimension = dimension
        self.w = bm.Variable(2.0 * bm.ones(dimension) - 1.3)

    def __call__(self, X, Y):
        u = bm.dot(((1.0 / (1.0 + bm.exp(-Y * bm.dot(X, self.w))) - 1.0) * Y), X)
        self.w[:] = self.w - u


def make_data(num_points: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((num_points, 10), dtype=np.float32)
    Y = rng.random(num_points, dtype=np.float32)
    return X, Y


def numpy_step(X: np.ndarray, Y: np.ndarray, w: np.ndarray) -> np.ndarray:
    u = np.dot(((1.0 / (1.0 + np.exp(-Y * np.dot(X, w))) - 1.0) * Y), X)
    return w - u


def _interleaved(candidates: list[tuple[dict, Callable[[], Any]]], repeat: int) -> list[dict]:
    """Rows timing each candidate: a first call (compiles), then ``repeat`` rounds in which every
    candidate runs once in turn, so that a slow phase of a shared machine hits all of them alike;
    ``s_per_step`` is the median over the rounds."""
    rows, times = [], []
    for meta, fn in candidates:
        start = time.perf_counter()
        fn()
        rows.append({**meta, "first_call_s": time.perf_counter() - start})
        times.append([])
    for _ in range(repeat):
        for (_, fn), samples in zip(candidates, times):
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
    for row, samples in zip(rows, times):
        row["s_per_step"] = statistics.median(samples)
    return rows


def _numba_rows(X, Y, w0) -> list[tuple[dict, Callable[[], Any]]]:
    import numba

    one = np.float32(1.0)

    @numba.njit
    def expression_step(X, Y, w):
        # float32 constants: a float literal is float64 under Numba and would promote the chain.
        u = np.dot(((one / (one + np.exp(-Y * np.dot(X, w))) - one) * Y), X)
        return w - u

    @numba.njit(parallel=True, fastmath=False)
    def fused_step(X, Y, w):
        n, d = X.shape
        chunks = numba.get_num_threads() * 4
        partial = np.zeros((chunks, d), np.float64)
        per = (n + chunks - 1) // chunks
        for c in numba.prange(chunks):
            for i in range(c * per, min(n, (c + 1) * per)):
                z = 0.0
                for j in range(d):
                    z += X[i, j] * w[j]
                coef = (1.0 / (1.0 + np.exp(-Y[i] * z)) - 1.0) * Y[i]
                for j in range(d):
                    partial[c, j] += coef * X[i, j]
        return (w - partial.sum(axis=0)).astype(w.dtype)

    @numba.njit(parallel=True)
    def read_all(X):
        total = 0.0
        for i in numba.prange(X.shape[0]):
            for j in range(X.shape[1]):
                total += X[i, j]
        return total

    return [({"implementation": "numba.njit of the expression (hand-written)", "engine": "numba"},
             lambda: expression_step(X, Y, w0)),
            ({"implementation": "numba hand-fused prange loop", "engine": "numba"}, lambda: fused_step(X, Y, w0)),
            ({"implementation": "read bandwidth bound (one pass over X, numba prange)", "engine": "numba",
              "bound": True}, lambda: read_all(X))]


def _jax_rows(X, Y, w0) -> list[tuple[dict, Callable[[], Any]]]:
    import jax
    import jax.numpy as jnp

    @jax.jit
    def raw_step(X, Y, w):
        u = jnp.dot(((1.0 / (1.0 + jnp.exp(-Y * jnp.dot(X, w))) - 1.0) * Y), X)
        return w - u

    Xj, Yj, wj = jnp.asarray(X), jnp.asarray(Y), jnp.asarray(w0)
    return [({"implementation": "raw jax.jit of the expression", "engine": "jax"},
             lambda: raw_step(Xj, Yj, wj).block_until_ready())]


def _bm_rows(backend: str, X, Y) -> list[tuple[dict, Callable[[], Any]]]:
    rows = []
    with bm.set_backend(backend):
        Xb, Yb = bm.asarray(X), bm.asarray(Y)
        model = LogisticRegression(10)
        step = bm.jit(model)

        def run_jit():
            with bm.set_backend(backend):
                step(Xb, Yb)
                np.asarray(model.w)  # wait for the result (jax is asynchronous)

        rows.append(({"implementation": f"bm.jit on the {backend} backend", "engine": backend}, run_jit))
        if backend == "jax":
            eager = LogisticRegression(10)

            def run_eager():
                with bm.set_backend(backend):
                    eager(Xb, Yb)
                    np.asarray(eager.w)

            rows.append(({"implementation": "jax backend without jit", "engine": "jax"}, run_eager))
    return rows


def run(quick: bool = False) -> list[dict]:
    num_points = 200_000 if quick else 20_000_000
    repeat = 3 if quick else 5
    X, Y = make_data(num_points)
    w0 = (2.0 * np.ones(10, np.float32) - 1.3).astype(np.float32)
    candidates = [({"implementation": "NumPy", "engine": "numpy"}, lambda: numpy_step(X, Y, w0))]
    if importlib.util.find_spec("numba"):
        candidates += _numba_rows(X, Y, w0)
    if importlib.util.find_spec("jax"):
        candidates += _jax_rows(X, Y, w0)
    for backend in bm.available_backends():
        candidates += _bm_rows(backend, X, Y)
    rows = _interleaved(candidates, repeat)
    for row in rows:
        if row.pop("bound", False):
            row["GB_per_s"] = round(X.nbytes / row["s_per_step"] / 1e9, 1)
    info = machine()
    for row in rows:
        row.update(benchmark=NAME, num_points=num_points, **info)
    return add_ratios(rows, "s_per_step")


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200,000 points instead of 20,000,000")
    parser.add_argument("--out", default="benchmarks/results/logistic_regression.jsonl")
    args = parser.parse_args(argv)
    rows = run(args.quick)
    print_table(rows, ["implementation", "s_per_step", "x_fastest", "first_call_s", "GB_per_s"])
    write_jsonl(rows, args.out)
    return rows


if __name__ == "__main__":
    main()
