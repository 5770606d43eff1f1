"""The core NumPy functions of the foundation, against a float64 NumPy reference, on every backend."""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm
from _assertions import assert_matches

rng = np.random.default_rng(0)
X = rng.uniform(0.1, 2.0, size=(3, 4)).astype(np.float32)
Y = rng.uniform(-1.0, 1.0, size=(3, 4)).astype(np.float32)

# name -> (args as NumPy float64 arrays, kwargs)
CASES = {
    "exp": ((X,), {}), "log": ((X,), {}), "sqrt": ((X,), {}), "sin": ((Y,), {}), "cos": ((Y,), {}),
    "tanh": ((Y,), {}), "abs": ((Y,), {}), "maximum": ((X, Y), {}), "minimum": ((X, Y), {}),
    "where": ((Y > 0, X, Y), {}), "clip": ((Y, -0.5, 0.5), {}),
    "sum": ((X,), {"axis": 0}), "mean": ((X,), {"axis": -1}), "max": ((X,), {}), "min": ((Y,), {"axis": 1}),
    "prod": ((X,), {"axis": 1}), "std": ((X,), {}), "var": ((X,), {"axis": 0}),
    "any": ((Y > 0.9,), {}), "all": ((X > 0,), {"axis": 0}),
    "dot": ((X, Y.T), {}), "matmul": ((X, Y.T), {}), "reshape": ((X, (4, 3)), {}),
    "concatenate": (([X, Y],), {"axis": 1}), "stack": (([X, Y],), {}),
    "allclose": ((X, X + 1e-9), {}), "array_equal": ((X, X), {}),
}


def _to_backend(x):
    if isinstance(x, np.ndarray):
        return bm.asarray(x)
    if isinstance(x, list):
        return [_to_backend(i) for i in x]
    return x


@pytest.mark.parametrize("name", sorted(CASES))
def test_core_function_matches_numpy(backend, name):
    args, kwargs = CASES[name]
    want = getattr(np, name)(*[a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype == np.float32
                               else a for a in args], **kwargs)
    got = getattr(bm, name)(*[_to_backend(a) for a in args], **kwargs)
    if name in ("allclose", "array_equal"):
        assert bool(got) == bool(want)
        return
    expected_dtype = bm._config.canonicalize_dtype(np.asarray(want).dtype)
    assert_matches(got, want, expected_dtype)
    if np.ndim(want):
        assert isinstance(got, bm.ndarray)


def test_core_functions_keep_float32(backend):
    x = bm.ones(3)
    for out in (bm.exp(x), bm.sum(x), bm.dot(x, x), bm.mean(x), bm.where(x > 0, x, 0.0), 2.0 * x - 1.3):
        assert np.asarray(out).dtype == np.float32


def test_shape_errors_match_numpy(backend):
    # jax.numpy reports shape mismatches as TypeError where NumPy says ValueError; the NumPy-namespace
    # conformance suite (one module per area) pins the exact kinds.
    with pytest.raises((ValueError, TypeError)):
        bm.dot(bm.zeros(3), bm.zeros(4))
