"""Regression: the host-built row tables of bm.event.csrmv are reused safely across traces."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("jax")

import brainpy_math as bm  # noqa: E402


def test_two_loops_over_the_same_connectivity_both_run():
    indices, indptr = bm.connect.fixed_prob(50, 50, 0.1, seed=0)

    class Synapse(bm.Base):
        def __init__(self):
            super().__init__()
            self.indices, self.indptr = indices, indptr
            self.g = bm.Variable(bm.zeros(50))
            self.spike = bm.Variable(bm.ones(50, dtype=bm.bool_))

        def step(self, i):
            self.g = self.g * 0.5 + bm.event.csrmv(1.0, self.indices, self.indptr, self.spike,
                                                   shape=(50, 50), transpose=True)
            return self.g.value

    syn = Synapse()
    first = np.asarray(bm.for_loop(syn.step, bm.arange(3)))
    second = np.asarray(bm.for_loop(syn.step, bm.arange(3)))  # a new trace, the cached tables
    dense = bm.connect.csr_to_dense(1.0, indices, indptr, (50, 50))
    assert first.shape == second.shape == (3, 50)
    # g carries over: the second loop continues where the first stopped.
    assert np.allclose(second[0], first[-1] * 0.5 + (first[0]))
    assert np.allclose(first[0], np.asarray(dense).sum(axis=0))
