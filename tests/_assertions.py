"""Assertions shared by the test modules: a backend result against a NumPy reference.

Import with ``from _assertions import assert_matches`` (``tests/`` is on ``sys.path`` under pytest's
default import mode; importing ``conftest`` by name is ambiguous once a sub-folder has its own).
"""
from __future__ import annotations

import numpy as np

import brainpy_math as bm


def tolerance(dtype) -> dict:
    """``rtol``/``atol`` for comparing a result of ``dtype`` with a float64 NumPy reference."""
    dtype = np.dtype(dtype)
    if dtype.kind not in "fc":
        return dict(rtol=0, atol=0)
    eps = np.finfo(dtype).eps
    return dict(rtol=float(eps) * 64, atol=float(eps) * 64)


def assert_matches(result, expected, dtype=None) -> None:
    """Check a backend result against a NumPy reference: exact dtype, shape, then values.

    ``dtype`` is the dtype the result must have (default: the reference's dtype under the dtype
    policy, so an int64 NumPy reference expects int32 unless x64 is on); values are compared with
    a tolerance that depends on it.
    """
    got = np.asarray(result)
    want = np.asarray(expected)
    dtype = np.dtype(dtype) if dtype is not None else bm._config.canonicalize_dtype(want.dtype)
    assert got.dtype == dtype, f"dtype {got.dtype} != expected {dtype}"
    assert got.shape == want.shape, f"shape {got.shape} != expected {want.shape}"
    np.testing.assert_allclose(got, want.astype(got.dtype) if want.dtype.kind != got.dtype.kind else want,
                               equal_nan=True, **tolerance(dtype))
