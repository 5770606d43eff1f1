"""Shared fixtures: the ``backend`` fixture runs a test body once per backend.

A backend that is not installed is skipped with a reason, except where it is required: the
environment variable ``BRAINPY_MATH_REQUIRED_BACKENDS`` (comma-separated) names the backends that
must run, and under CI (``CI`` set) it defaults to every registered backend, so CI fails rather
than silently skipping a backend it forgot to install. A test that needs particular backends says
so with ``@pytest.mark.needs_backends("jax", ...)``; :func:`need_backends` decides skip or failure.
"""
from __future__ import annotations
import os

# XLA's CPU compiler spends ~40 ms on each eager operation of a new shape and dtype (thousands of
# them in the conformance suite), most of it in its MLIR fusion emitters. The older emitter compiles
# the same programs about 1.7x faster and gives the same values (checked: the cross-backend
# bit-identity tests pass under both; -O0 is NOT used, it drops the FMA contraction and changes
# last bits). Set before jax starts, and only if the user set no XLA flags of their own; .ci/run
# also runs the conformance suite with XLA's defaults.
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_use_fusion_emitters=false")

import pytest

import brainpy_math as bm
from brainpy_math import _backend

from _assertions import assert_matches, tolerance  # noqa: F401  (re-exported for older imports)
from tiers import read_list as read_slow_list

ALL_BACKENDS = bm._backend.known_backends()

# Backend-specific folders are not collected where that backend is not installed (the jax-free CI
# environment): their modules import jax or numba at the top.
collect_ignore_glob = [f"{folder}/*" for name, folder in (("jax", "jax_backend"), ("numba", "numba_backend"))
                       if name not in bm.available_backends()]


def required_backends() -> set[str]:
    """The backends that must run here: ``BRAINPY_MATH_REQUIRED_BACKENDS``, else all of them under CI."""
    listed = os.environ.get("BRAINPY_MATH_REQUIRED_BACKENDS")
    if listed is not None:
        return {b.strip() for b in listed.split(",") if b.strip()}
    return set(ALL_BACKENDS) if os.environ.get("CI") else set()


def need_backends(*names: str) -> None:
    """Skip the calling test unless the backends ``names`` are installed; fail where one is required.

    The one place a test decides what a missing backend means: a test marked
    ``@pytest.mark.needs_backends(...)`` comes here (``pytest_runtest_setup`` below), and so do the
    ``backend`` fixture and the doctests of a backend's modules.
    """
    missing = [name for name in names if name not in bm.available_backends()]
    if not missing:
        return
    hints = "; ".join(f"{name}: {_backend.install_hint(name)}" for name in missing)
    required = [name for name in missing if name in required_backends()]
    if required:
        pytest.fail(f"backend(s) {required} required here (CI or BRAINPY_MATH_REQUIRED_BACKENDS) but not "
                    f"installed ({hints})", pytrace=False)
    pytest.skip(f"backend(s) {missing} not installed ({hints})")


def pytest_configure(config):
    config.addinivalue_line("markers", "needs_backends(*names): the test needs these backends installed "
                                       "(skipped without them, failed where they are required: tests/conftest.py)")
    # A required backend that is missing fails the run at once: otherwise every test guarded by a
    # module-level `pytest.importorskip("jax")` would skip quietly and CI would pass without it.
    missing = sorted(required_backends() - set(bm.available_backends()))
    if missing:
        raise pytest.UsageError(
            f"backend(s) {missing} are required here (CI or BRAINPY_MATH_REQUIRED_BACKENDS="
            f"{os.environ.get('BRAINPY_MATH_REQUIRED_BACKENDS')!r}) but not installed; installed: "
            f"{bm.available_backends()}, known: {list(ALL_BACKENDS)}")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config, items):
    """Mark ``slow`` the tests listed in ``tests/slow_tests.txt`` (measured: ``tests/tiers.py``).

    A listed test that no longer exists, in a file collected here, fails the run: a renamed test
    would otherwise move back to the test command unnoticed (and the list would rot). Not checked
    when the run names single tests (``file::test``, ``-k``, ``--deselect``): files are then partly
    collected.
    """
    listed = read_slow_list()
    seen, files = set(), set()
    for item in items:
        files.add(item.nodeid.split("::", 1)[0])
        if item.nodeid in listed:
            item.add_marker(pytest.mark.slow)
            seen.add(item.nodeid)
    if any("::" in str(a) for a in config.args) or config.getoption("keyword") or config.getoption("deselect"):
        return
    gone = sorted(nid for nid in listed - seen if nid.split("::", 1)[0] in files)
    if gone:
        raise pytest.UsageError("tests/slow_tests.txt lists tests that do not exist (renamed or removed? "
                                "update the list): " + ", ".join(gone))


def pytest_runtest_setup(item):
    for mark in item.iter_markers("needs_backends"):
        need_backends(*mark.args)


@pytest.fixture(name="need_backends")
def _need_backends_fixture():
    """:func:`need_backends` for a test that learns which backends it needs only while it runs
    (test modules cannot import this conftest reliably: pytest may load another ``conftest``)."""
    return need_backends


@pytest.fixture(params=ALL_BACKENDS)
def backend(request):
    """The name of a backend, made current for the test and restored afterwards."""
    name = request.param
    need_backends(name)
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
