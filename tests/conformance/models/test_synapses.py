"""Exponential and alpha synapses, current- and conductance-based, event-driven (bm.event.csrmv)
and dense (bm.sparse.csrmv), scalar and per-synapse weights, on CSR connectivity from
bm.connect.fixed_prob: each backend (one bm.for_loop over a bank of all variants, each driving its
own LIF population) against a NumPy float64 reference, and the backends against each other.

Horizon: 2,000 steps (200 ms at dt = 0.1 ms) of fixed presynaptic spike trains (200 neurons at
50 Hz). Postsynaptic spike trains are identical over the whole horizon; synaptic variables and
membrane potentials agree within float32 tolerance (LIF traces have no stiff upstroke).
"""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm
from brainpy_math.connect import csr_to_dense, fixed_prob_numpy

import float64_reference as reference
from spike_compare import assert_spikes_identical, assert_traces_close, run_once
from synapses import AlphaSynapse, ExpSynapse, SynapseBank

NUM_STEPS, NUM_PRE, NUM_POST, PROB, DT, I_EXT = 2000, 200, 40, 0.1, 0.1, 12.0
# name: (class, reversal potential or None, propagation, weight ('per-synapse' = random), tau)
VARIANTS = {
    "exp current, event, scalar w": (ExpSynapse, None, "event", 2.0, 5.0),
    "exp conductance, dense, per-synapse w": (ExpSynapse, 0.0, "dense", "per-synapse", 5.0),
    "alpha current, dense, scalar w": (AlphaSynapse, None, "dense", 3.0, 2.0),
    "alpha conductance, event, per-synapse w": (AlphaSynapse, 0.0, "event", "per-synapse", 2.0),
}
_runs: dict = {}


def _pre_spikes() -> np.ndarray:
    return np.random.default_rng(0).random((NUM_STEPS, NUM_PRE)) < 0.005


def _weights(k: int, weight, num_synapses: int):
    if weight == "per-synapse":
        return np.random.default_rng(10 + k).uniform(0.05, 0.3, size=num_synapses).astype(np.float32)
    return weight


def _run() -> list[np.ndarray]:
    bm.set_dt(DT)
    synapses = []
    for k, (cls, E, propagation, weight, tau) in enumerate(VARIANTS.values()):
        indices, indptr = bm.connect.fixed_prob(NUM_PRE, NUM_POST, PROB, seed=k)
        synapses.append(cls(indices, indptr, (NUM_PRE, NUM_POST), _weights(k, weight, int(indptr[-1])), tau,
                            E=E, propagation=propagation))
    bank = SynapseBank(synapses, I_ext=I_EXT)
    return [np.asarray(o) for o in bm.for_loop(bank.step, bm.asarray(_pre_spikes()))]


def _reference() -> list[np.ndarray]:
    specs = []
    for k, (cls, E, _propagation, weight, tau) in enumerate(VARIANTS.values()):
        indices, indptr = fixed_prob_numpy(NUM_PRE, NUM_POST, PROB, seed=k)
        W = csr_to_dense(np.asarray(_weights(k, weight, len(indices)), np.float64), indices, indptr,
                         (NUM_PRE, NUM_POST))
        specs.append(dict(kind="exp" if cls is ExpSynapse else "alpha", W=W, tau=tau, E=E))
    return list(reference.synapse_bank(_pre_spikes(), specs, I_EXT, DT))


def test_synapses_match_float64_reference(backend):
    g, V, spikes = run_once(_runs, backend, _run)
    assert (g.dtype, V.dtype, spikes.dtype) == (np.float32, np.float32, np.bool_)
    g_ref, V_ref, spikes_ref = _reference()
    for j, name in enumerate(VARIANTS):
        assert spikes_ref[:, j].sum() >= NUM_POST, f"{name}: the postsynaptic neurons must fire"
        assert g_ref[:, j].max() > 0.0
        assert_traces_close(g[:, j], g_ref[:, j], f"{name}: g on {backend} vs float64")
        assert_spikes_identical(spikes[:, j], spikes_ref[:, j], f"{name}: post spikes on {backend} vs float64")
        assert_traces_close(V[:, j], V_ref[:, j], f"{name}: V on {backend} vs float64")


@pytest.mark.needs_backends("jax", "numba")
def test_synapses_agree_across_backends():
    backends = bm.available_backends()
    (g1, V1, s1), (g2, V2, s2) = (run_once(_runs, b, _run) for b in backends[:2])
    for j, name in enumerate(VARIANTS):
        assert_spikes_identical(s1[:, j], s2[:, j], f"{name}: post spikes, {backends}")
        assert_traces_close(g1[:, j], g2[:, j], f"{name}: g, {backends}")
        assert_traces_close(V1[:, j], V2[:, j], f"{name}: V, {backends}")


def test_alpha_synapse_single_spike_is_alpha_function(backend):
    """One spike through one synapse gives g(t) = w (t / tau) exp(-t / tau), sampled each step."""
    bm.set_dt(DT)
    tau, w = 2.0, 1.5
    indices, indptr = bm.connect.fixed_prob(1, 1, 1.0, seed=0)
    syn = AlphaSynapse(indices, indptr, (1, 1), w, tau)
    trace = [None] * 40
    for t in range(40):
        syn.update(bm.asarray([t == 0]))
        trace[t] = float(np.asarray(syn.g)[0])
    times = DT * np.arange(1, 41)
    np.testing.assert_allclose(trace, w * times / tau * np.exp(-times / tau), rtol=1e-5)


def test_bad_propagation_is_refused(backend):
    indices, indptr = bm.connect.fixed_prob(2, 2, 1.0, seed=0)
    with pytest.raises(ValueError, match="propagation"):
        ExpSynapse(indices, indptr, (2, 2), 1.0, 5.0, propagation="sparse")
