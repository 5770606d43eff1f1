"""A COBA E/I network written in natural NumPy style, as a new user would write it.

The same network as ``examples/ei_network.py`` (Brette et al. 2007, benchmark 1: LIF neurons,
conductance-based exponential synapses, 80% excitatory), but written the way NumPy code usually is:

- operators with Python scalars everywhere (``self.V + (self.E_L - self.V + I) / self.tau * dt``,
  ``self.g * self.decay``), no ``bm.`` function where an operator does, parameters as Python floats;
- forward Euler on V (not exponential Euler);
- time as a float: the network's ``update(t)`` takes the time in ms, the time array is built eagerly
  (``bm.arange(steps) * dt``) and handed to ``bm.for_loop(net.update, ts)``;
- refractoriness by float time comparison: a neuron is refractory while ``t - t_last <= t_ref``,
  and ``t_last = bm.where(spike, t, t_last)``.

Nothing here is written to help either backend: under the shared promotion table every array is
float32 (Python scalars are weak), on both backends, eager and compiled.

:func:`numpy_float32_reference` is the same model in plain NumPy with float32 arrays (NumPy 2's
promotion also treats Python scalars as weak, so the same expressions stay float32); it shares no
code with the classes.
"""
from __future__ import annotations

import math

import numpy as np

import brainpy_math as bm

# Brette et al. (2007) benchmark 1 in the units of the Brian2/BrainPy examples (mV, ms, conductances
# relative to the leak conductance).
PARAMETERS = dict(tau=20.0, E_L=-60.0, I_ext=20.0, E_e=0.0, E_i=-80.0, V_th=-50.0, V_reset=-60.0,
                  t_ref=5.0, tau_e=5.0, tau_i=10.0, w_e=0.6, w_i=6.7)
SYNAPSES_PER_NEURON = 80


class LIF(bm.Base):
    """LIF neurons, ``tau dV/dt = E_L - V + I_ext + ge (E_e - V) + gi (E_i - V)``, forward Euler."""

    def __init__(self, num, V_init, tau=20.0, E_L=-60.0, I_ext=20.0, E_e=0.0, E_i=-80.0, V_th=-50.0,
                 V_reset=-60.0, t_ref=5.0):
        super().__init__()
        self.num = num
        self.tau, self.E_L, self.I_ext, self.E_e, self.E_i = tau, E_L, I_ext, E_e, E_i
        self.V_th, self.V_reset, self.t_ref = V_th, V_reset, t_ref
        # Read here, not in update: bm.get_dt() cannot be called inside code compiled by the Numba
        # backend (UnsupportedObject), though the JAX backend allows it.
        self.dt = bm.get_dt()
        self.V = bm.Variable(bm.asarray(V_init))           # a float64 NumPy array in: float32 under the policy
        self.spike = bm.Variable(bm.zeros(num, dtype=bool))
        self.t_last = bm.Variable(bm.ones(num) * -1e7)     # time of the last spike, "long ago"

    def update(self, t, ge, gi):
        I = self.I_ext + ge * (self.E_e - self.V) + gi * (self.E_i - self.V)
        V = self.V + (self.E_L - self.V + I) / self.tau * self.dt
        refractory = (t - self.t_last) <= self.t_ref
        V = bm.where(refractory, self.V, V)
        spike = V >= self.V_th
        self.spike.value = spike
        self.t_last.value = bm.where(spike, t, self.t_last)
        self.V.value = bm.where(spike, self.V_reset, V)


class ExpSynapse(bm.Base):
    """A conductance decaying with ``tau``, jumping by ``weight`` per presynaptic spike (CSR)."""

    def __init__(self, indices, indptr, num_pre, num_post, weight, tau):
        super().__init__()
        self.indices, self.indptr = bm.asarray(indices), bm.asarray(indptr)
        self.num_pre, self.num_post = num_pre, num_post
        self.weight = weight
        self.decay = math.exp(-bm.get_dt() / tau)
        self.g = bm.Variable(bm.zeros(num_post))

    def update(self, pre_spike):
        self.g.value = self.g * self.decay + bm.event.csrmv(self.weight, self.indices, self.indptr, pre_spike,
                                                            shape=(self.num_pre, self.num_post))


class Network(bm.Base):
    """``num`` LIF neurons, the first ``num_exc`` excitatory; ``update(t)`` advances one step to time ``t``."""

    def __init__(self, num, indices, indptr, V_init, num_exc=None, **parameters):
        super().__init__()
        p = {**PARAMETERS, **parameters}
        self.num = num
        self.num_exc = int(0.8 * num) if num_exc is None else num_exc
        split = int(indptr[self.num_exc])
        self.neurons = LIF(num, V_init, **{k: p[k] for k in ("tau", "E_L", "I_ext", "E_e", "E_i", "V_th",
                                                                "V_reset", "t_ref")})
        self.exc = ExpSynapse(indices[:split], indptr[:self.num_exc + 1], self.num_exc, num, p["w_e"], p["tau_e"])
        self.inh = ExpSynapse(indices[split:], indptr[self.num_exc:] - split, num - self.num_exc, num,
                              p["w_i"], p["tau_i"])

    def update(self, t):
        spike = self.neurons.spike
        self.exc.update(spike[:self.num_exc])
        self.inh.update(spike[self.num_exc:])
        self.neurons.update(t, self.exc.g, self.inh.g)


def connectivity(num, seed):
    """CSR ``(indices, indptr)`` with 80 synapses per neuron on average (NumPy arrays)."""
    return bm.connect.fixed_prob_numpy(num, num, min(1.0, SYNAPSES_PER_NEURON / num), seed=seed)


def initial_potential(num, seed, mean=-55.0, std=2.0):
    """Normal(mean, std) mV, float64 NumPy (the model converts it; the reference casts to float32)."""
    return np.random.default_rng([seed, 1]).normal(mean, std, num)


def build(num, seed=0, **parameters):
    indices, indptr = connectivity(num, seed)
    return Network(num, indices, indptr, initial_potential(num, seed), **parameters)


def numpy_float32_reference(indices, indptr, num_exc, V_init, ts, dt, tau=20.0, E_L=-60.0, I_ext=20.0, E_e=0.0,
                            E_i=-80.0, V_th=-50.0, V_reset=-60.0, t_ref=5.0, tau_e=5.0, tau_i=10.0, w_e=0.6,
                            w_i=6.7, record_all=False):
    """The network in plain NumPy, float32 arrays, Python scalars; returns (V, spikes), each (steps, N).

    With ``record_all`` also a dict of the intermediate arrays of every step: ``ge``, ``gi``, ``V_new``
    (the Euler step, before the refractory hold and the reset) and ``refractory`` (bool).
    """
    n = V_init.shape[0]
    f32 = np.float32
    V = np.asarray(V_init, f32)
    ge, gi = np.zeros(n, f32), np.zeros(n, f32)
    spike = np.zeros(n, bool)
    t_last = np.ones(n, f32) * -1e7
    decay_e, decay_i = math.exp(-dt / tau_e), math.exp(-dt / tau_i)
    steps = len(ts)
    Vs, spikes = np.empty((steps, n), f32), np.empty((steps, n), bool)
    extra = None
    if record_all:
        extra = {k: np.empty((steps, n), f32) for k in ("ge", "gi", "V_new")}
        extra["refractory"] = np.empty((steps, n), bool)
    for k, t in enumerate(ts):
        arriving_e, arriving_i = np.zeros(n, f32), np.zeros(n, f32)
        for i in np.flatnonzero(spike):
            targets = indices[indptr[i]:indptr[i + 1]]
            if i < num_exc:
                np.add.at(arriving_e, targets, f32(w_e))
            else:
                np.add.at(arriving_i, targets, f32(w_i))
        ge = ge * decay_e + arriving_e
        gi = gi * decay_i + arriving_i
        I = I_ext + ge * (E_e - V) + gi * (E_i - V)
        V_new = V + (E_L - V + I) / tau * dt
        refractory = (t - t_last) <= t_ref
        V_held = np.where(refractory, V, V_new)
        spike = V_held >= V_th
        t_last = np.where(spike, t, t_last)
        V = np.where(spike, f32(V_reset), V_held)
        assert V.dtype == f32 and ge.dtype == f32 and t_last.dtype == f32, (V.dtype, ge.dtype, t_last.dtype)
        Vs[k], spikes[k] = V, spike
        if record_all:
            extra["ge"][k], extra["gi"][k], extra["V_new"][k] = ge, gi, V_new
            extra["refractory"][k] = refractory
    return (Vs, spikes, extra) if record_all else (Vs, spikes)
