"""``portable='strict'``: a model the numba backend accepts in strict mode runs under ``bm.jit`` on
every backend with the same results; Python control flow on array values fails on every backend
(numba: ``bm.PortabilityError`` while generating code; jax: the tracer cannot become a bool)."""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm


def _plus_one(s):
    return s + 1.0


def _same(s):
    return s * 1.0


class Portable(bm.Base):
    """Branches on static things only; data-dependent choices go through bm.where / bm.ifelse."""

    def __init__(self, mode="reset"):
        super().__init__()
        self.mode = mode
        self.n = 4
        self.V = bm.Variable(bm.asarray([0.5, -1.0, 2.0, 0.0]))
        self.spikes = bm.Variable(bm.zeros(4))

    def __call__(self, drive):
        if self.mode == "reset":
            self.V.value = bm.where(self.V > 1.0, 0.0, self.V + drive)
        else:
            self.V.value = self.V + drive
        for i in range(self.n):
            if i % 2 == 0:
                self.spikes[i] = self.spikes[i] + 1.0
        s = self.spikes.value
        self.spikes.value = bm.cond(self.V[0] > 0.0, _plus_one, _same, (s,))
        return self.V.sum()


class Flagged(bm.Base):
    def __init__(self):
        super().__init__()
        self.V = bm.Variable(bm.ones(3))

    def __call__(self):
        if self.V[0] > 0:
            self.V += 1.0
        return self.V.sum()


def test_a_model_strict_on_numba_runs_on_every_backend_with_the_same_results(backend):
    model = Portable()
    step = bm.jit(model, portable="strict")
    totals = [float(step(0.25)) for _ in range(3)]
    np.testing.assert_allclose(totals, [0.25, 1.25, 2.25], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(model.V.value), [1.25, -0.25, 0.5, 0.75], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(model.spikes.value), [6.0, 3.0, 6.0, 3.0])


def test_control_flow_on_array_values_fails_in_strict_mode_on_every_backend(backend):
    with pytest.raises(TypeError) as info:
        bm.jit(Flagged(), portable="strict")()
    if backend == "numba":
        assert isinstance(info.value, bm.PortabilityError)
        assert "test_portability.py:" in str(info.value) and "bm.where" in str(info.value)


def test_the_portable_option_is_checked_on_every_backend(backend):
    with pytest.raises(ValueError, match="option 'portable' is 'yes'"):
        bm.jit(Flagged(), portable="yes")
