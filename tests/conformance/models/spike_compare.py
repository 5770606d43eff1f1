"""How the conformance models are compared: spike trains exactly, membrane traces within float32.

A float32 run and a float64 run of the same equations (or two float32 runs whose ``exp`` differ in
the last bit) drift apart slowly. For a smooth trace the drift stays within float32 tolerance; on the
upstroke of a spike, where V moves tens of mV per step, a drift of a tiny fraction of a step in
the spike *time* shows up as a large difference in V. ``slope_tol`` accepts that: a difference of
up to ``slope_tol`` times the change of V over that step (a timing shift of ``slope_tol`` steps).
"""
from __future__ import annotations

import numpy as np

import brainpy_math as bm

FLOAT32_RTOL = 1e-4
FLOAT32_ATOL = 1e-4


def assert_spikes_identical(got, want, what: str) -> None:
    """Every spike of every neuron at the same step."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    differ = np.nonzero((got != want).any(axis=tuple(range(1, got.ndim))))[0]
    assert differ.size == 0, (f"{what}: spike trains differ first at step {differ[0]} "
                              f"({int(got.sum())} vs {int(want.sum())} spikes in total)")


def assert_traces_close(got, want, what: str, slope_tol: float = 0.0) -> None:
    """``|got - want| <= atol + rtol |want| + slope_tol |change of want over the steps around|``."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    change = np.abs(np.diff(want, axis=0))
    pad = np.zeros_like(want[:1])
    # The larger change of the steps into and out of each point (at a spike's peak both matter).
    step_change = np.maximum(np.concatenate([pad, change]), np.concatenate([change, pad]))
    allowed = FLOAT32_ATOL + FLOAT32_RTOL * np.abs(want) + slope_tol * step_change
    excess = np.abs(got - want) - allowed
    worst = np.unravel_index(np.argmax(excess), excess.shape)
    assert excess[worst] <= 0, (f"{what}: differs by {abs(got[worst] - want[worst]):.3g} at (step, ...) = "
                                f"{worst} ({got[worst]:.7g} vs {want[worst]:.7g}; allowed {allowed[worst]:.3g})")


def run_once(cache: dict, backend: str, run):
    """``run()`` on ``backend``, computed once per test module (the model compiles once)."""
    if backend not in cache:
        with bm.set_backend(backend):
            cache[backend] = run()
    return cache[backend]
