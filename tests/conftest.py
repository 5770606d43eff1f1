"""Shared fixtures: the ``backend`` fixture runs a test body once per backend.

A backend that is not installed is skipped with a reason, except where it is required: the
environment variable ``BRAINPY_MATH_REQUIRED_BACKENDS`` (comma-separated) names the backends that
must run, and under CI (``CI`` set) it defaults to every registered backend, so CI fails rather
than silently skipping a backend it forgot to install.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

import brainpy_math as bm

ALL_BACKENDS = bm._backend.known_backends()

# Backend-specific folders are not collected where that backend is not installed (the jax-free CI
# environment): their modules import jax or numba at the top.
collect_ignore_glob = [f"{folder}/*" for name, folder in (("jax", "jax_backend"), ("numba", "numba_backend"))
                       if name not in bm.available_backends()]


def _required() -> set[str]:
    listed = os.environ.get("BRAINPY_MATH_REQUIRED_BACKENDS")
    if listed is not None:
        return {b.strip() for b in listed.split(",") if b.strip()}
    return set(ALL_BACKENDS) if os.environ.get("CI") else set()


@pytest.fixture(params=ALL_BACKENDS)
def backend(request):
    """The name of a backend, made current for the test and restored afterwards."""
    name = request.param
    if name not in bm.available_backends():
        if name in _required():
            pytest.fail(f"backend {name!r} is required here (CI or BRAINPY_MATH_REQUIRED_BACKENDS) "
                        f"but not installed")
        pytest.skip(f"backend {name!r} is not installed (pip install \"brainpy-math[{name}]\")")
    with bm.set_backend(name):
        yield name


@pytest.fixture(autouse=True)
def _restore_settings():
    """Leave global settings as each test found them."""
    x64, dt = bm.x64_enabled(), bm.get_dt()
    yield
    if bm.x64_enabled() != x64:
        bm.enable_x64(x64)
    bm.set_dt(dt)


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
