"""LIF, Izhikevich and Hodgkin-Huxley neurons: each backend (bm.for_loop over a bm.Base model)
against a NumPy float64 reference, and the two backends against each other.

8 neurons per model, driven by a noisy input of graded strength so that every model fires
repeatedly at several rates. Spike trains are identical over the whole horizon, 2,000 steps
(200 ms at dt = 0.1 ms). Membrane potentials agree within float32 tolerance over the first 1,000
steps, with an allowance of 1/50 of a step of spike timing on the stiff upstrokes of Izhikevich
and HH (see spike_compare.py); later, float32 rounding shifts HH spike times by up to a step (the
spikes still land in the same step).
"""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm

import float64_reference as reference
from spike_compare import assert_spikes_identical, assert_traces_close, run_once
from neurons import NeuronBank

NUM_STEPS, NUM_NEURONS, DT = 2000, 8, 0.1
MODELS = {  # name: (index in NeuronBank.step's outputs, input gain, float64 reference, slope_tol)
    "LIF": (0, 25.0, reference.lif, 0.0),
    "Izhikevich": (1, 12.0, reference.izhikevich, 0.02),
    "HH": (2, 12.0, reference.hh, 0.02),
}
TRACE_STEPS = 1000
_runs: dict = {}


def _input() -> np.ndarray:
    rng = np.random.default_rng(0)
    return (rng.random((NUM_STEPS, NUM_NEURONS)) * np.linspace(0.5, 1.5, NUM_NEURONS)).astype(np.float32)


def _run() -> list[np.ndarray]:
    bm.set_dt(DT)
    bank = NeuronBank(NUM_NEURONS, **{f"{k}_gain": MODELS[n][1] for k, n in
                                      (("lif", "LIF"), ("izh", "Izhikevich"), ("hh", "HH"))})
    outputs = bm.for_loop(bank.step, bm.asarray(_input()))
    return [np.asarray(o) for o in outputs]


@pytest.mark.parametrize("model", list(MODELS))
def test_neuron_matches_float64_reference(backend, model):
    index, gain, ref, slope_tol = MODELS[model]
    outputs = run_once(_runs, backend, _run)
    V, spikes = outputs[2 * index], outputs[2 * index + 1]
    assert V.dtype == np.float32 and spikes.dtype == np.bool_
    V_ref, spikes_ref = ref(gain * _input().astype(np.float64), DT)
    assert spikes_ref.sum() >= 2 * NUM_NEURONS, "the input must make every model fire repeatedly"
    assert_spikes_identical(spikes, spikes_ref, f"{model} on {backend} vs float64")
    assert_traces_close(V[:TRACE_STEPS], V_ref[:TRACE_STEPS], f"{model} V on {backend} vs float64",
                        slope_tol)


@pytest.mark.needs_backends("jax", "numba")
def test_neurons_agree_across_backends():
    backends = bm.available_backends()
    first, second = (run_once(_runs, b, _run) for b in backends[:2])
    for model, (index, _gain, _ref, slope_tol) in MODELS.items():
        assert_spikes_identical(first[2 * index + 1], second[2 * index + 1], f"{model} spikes, {backends}")
        assert_traces_close(first[2 * index][:TRACE_STEPS], second[2 * index][:TRACE_STEPS],
                            f"{model} V, {backends}", slope_tol)


def test_izhikevich_reset_and_recovery_jump(backend):
    """A spike resets V to c and raises u by d (checked on the backend's own state)."""
    bm.set_dt(DT)
    from neurons import Izhikevich
    izh = Izhikevich(1)
    izh.V.value = bm.asarray([29.9])
    izh.u.value = bm.asarray([-13.0])
    izh.update(bm.asarray([50.0]))
    assert bool(np.asarray(izh.spike)[0])
    assert float(np.asarray(izh.V)[0]) == -65.0
    assert float(np.asarray(izh.u)[0]) > -13.0 + 8.0 - 1.0
