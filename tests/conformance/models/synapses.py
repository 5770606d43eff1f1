"""Synapse models of the conformance suite, written once as ``bm.Base`` classes for both backends.

Connectivity is CSR ``(indices, indptr)`` from ``bm.connect.fixed_prob``; presynaptic spikes reach
the synapses through ``bm.event.csrmv`` (event-driven: only the rows of neurons that spiked) or,
with ``propagation='dense'``, through ``bm.sparse.csrmv`` on the spikes as a float vector. The
weight is a scalar or one value per synapse. With a reversal potential ``E`` a synapse is
conductance-based (its current is ``g (E - V)``), without one current-based (its current is ``g``).

- :class:`ExpSynapse`: ``dg/dt = -g / tau``, ``g += w`` per spike (exact decay per step);
- :class:`AlphaSynapse`: ``dh/dt = -h / tau``, ``dg/dt = (h - g) / tau``, ``h += w`` per spike, so
  one spike gives ``g(t) = w (t / tau) exp(-t / tau)`` (exact solution over each step).
"""
from __future__ import annotations

import math

import numpy as np

import brainpy_math as bm

from neurons import LIF


class _Synapse(bm.Base):
    """What both synapse models share: connectivity, weights, how spikes arrive, the current."""

    def __init__(self, indices, indptr, shape, weight, tau, E=None, propagation="event"):
        super().__init__()
        if propagation not in ("event", "dense"):
            raise ValueError(f"{type(self).__name__}: argument 'propagation' must be 'event' or 'dense', "
                             f"got {propagation!r}")
        self.indices, self.indptr = indices, indptr
        self.num_pre, self.num_post = int(shape[0]), int(shape[1])
        self.weight = float(weight) if np.ndim(weight) == 0 else bm.asarray(weight, dtype=bm.float_)
        self.dense = propagation == "dense"
        self.conductance_based = E is not None
        self.E = 0.0 if E is None else float(E)
        self.decay = math.exp(-bm.get_dt() / tau)
        self.dt_over_tau = bm.get_dt() / tau
        self.g = bm.Variable(bm.zeros(self.num_post))

    def arriving(self, pre_spikes):
        """The summed weights of the synapses whose presynaptic neuron spiked, per target."""
        if self.dense:
            return bm.sparse.csrmv(self.weight, self.indices, self.indptr,
                                   bm.asarray(pre_spikes, dtype=bm.float_),
                                   shape=(self.num_pre, self.num_post), transpose=True)
        return bm.event.csrmv(self.weight, self.indices, self.indptr, pre_spikes,
                              shape=(self.num_pre, self.num_post), transpose=True)

    def current(self, V):
        if self.conductance_based:
            return self.g * (self.E - V)
        return self.g.value


class ExpSynapse(_Synapse):
    """Exponentially decaying synaptic variable ``g``.

    Example:
        >>> indices, indptr = bm.connect.fixed_prob(2, 3, 1.0, seed=0)
        >>> syn = ExpSynapse(indices, indptr, (2, 3), weight=0.5, tau=5.0)
        >>> syn.update(bm.asarray([True, False]))
        >>> syn.g.tolist()
        [0.5, 0.5, 0.5]
    """

    def update(self, pre_spikes):
        self.g = self.g * self.decay + self.arriving(pre_spikes)


class AlphaSynapse(_Synapse):
    """Alpha-function synaptic variable ``g`` driven by an exponentially decaying ``h``.

    Example:
        >>> indices, indptr = bm.connect.fixed_prob(2, 3, 1.0, seed=0)
        >>> syn = AlphaSynapse(indices, indptr, (2, 3), weight=1.0, tau=2.0)
        >>> syn.update(bm.asarray([True, False]))
        >>> syn.h.shape
        (3,)
    """

    def __init__(self, indices, indptr, shape, weight, tau, E=None, propagation="event"):
        super().__init__(indices, indptr, shape, weight, tau, E, propagation)
        self.h = bm.Variable(bm.zeros(self.num_post))

    def update(self, pre_spikes):
        h = self.h + self.arriving(pre_spikes)
        self.g = (self.g + self.dt_over_tau * h) * self.decay
        self.h = h * self.decay


class SynapseBank(bm.Base):
    """Several synapse models, each driving its own LIF population from the same presynaptic spikes.

    ``step(pre_spikes)`` updates every synapse and its population (an unrolled loop over the
    children) and returns the synaptic variables and the membrane potentials, each stacked as
    (synapse model, post neuron).
    """

    def __init__(self, synapses, I_ext):
        super().__init__()
        self.synapses = list(synapses)
        num_post = self.synapses[0].num_post
        self.posts = [LIF(num_post) for _ in self.synapses]
        self.I_ext = float(I_ext)
        self.g_record = bm.Variable(bm.zeros((len(self.synapses), num_post)))
        self.V_record = bm.Variable(bm.zeros((len(self.synapses), num_post)))
        self.spike_record = bm.Variable(bm.zeros((len(self.synapses), num_post), dtype=bm.bool_))

    def step(self, pre_spikes):
        for j, syn in enumerate(self.synapses):
            syn.update(pre_spikes)
            self.posts[j].update(self.I_ext + syn.current(self.posts[j].V))
            self.g_record[j] = syn.g
            self.V_record[j] = self.posts[j].V
            self.spike_record[j] = self.posts[j].spike
        return self.g_record.value, self.V_record.value, self.spike_record.value
