"""Shared fixtures: the ``backend`` fixture runs a test body once per backend.

A backend that is not installed is skipped with a reason, except where it is required: the
environment variable ``BRAINPY_MATH_REQUIRED_BACKENDS`` (comma-separated) names the backends that
must run, and under CI (``CI`` set) it defaults to every registered backend, so CI fails rather
than silently skipping a backend it forgot to install.
"""
from __future__ import annotations
import os

import pytest

import brainpy_math as bm
from brainpy_math import _backend

from _assertions import assert_matches, tolerance  # noqa: F401  (re-exported for older imports)

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
        pytest.skip(f"backend {name!r} is not installed ({_backend.install_hint(name)})")
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
