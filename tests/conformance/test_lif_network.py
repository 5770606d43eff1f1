"""A leaky integrate-and-fire network with exponential synapses, written once as bm.Base classes.

The same classes run on every backend: compiled by ``bm.jit``/``bm.for_loop`` (code generation on
Numba, tracing on JAX) they must give the spikes of the same classes run eagerly, and the two
backends must give the same spikes (same seed, same random stream). Every operation is chosen to be
exact or identically rounded on both backends: no division (multiplication by precomputed factors),
synaptic weights that are multiples of 1/64 (dot products of 0/1 spikes are then exact), and
uniform noise (bit-exact across backends).
"""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm

DT = 0.1
STEPS = 1000


class LIF(bm.Base):
    def __init__(self, num, tau=10.0, V_rest=-60.0, V_reset=-60.0, V_th=-50.0, noise=8.0):
        super().__init__()
        self.num = num
        self.V_rest, self.V_reset, self.V_th = V_rest, V_reset, V_th
        self.factor = DT / tau
        self.noise = noise
        self.V = bm.Variable(V_rest + (V_th - V_rest) * bm.random.uniform(size=num))
        self.spike = bm.Variable(bm.zeros(num))
        self.input = bm.Variable(bm.zeros(num))

    def update(self, I_ext):
        noise = bm.random.uniform(size=self.num) * self.noise
        dV = (-(self.V - self.V_rest) + self.input + I_ext + noise) * self.factor
        V = self.V + dV
        spiking = V >= self.V_th
        self.spike.value = bm.where(spiking, 1.0, 0.0)
        self.V.value = bm.where(spiking, self.V_reset, V)
        self.input[:] = 0.0


class ExpSynapse(bm.Base):
    def __init__(self, pre, post, weights, tau=5.0):
        super().__init__()
        self.pre, self.post = pre, post
        self.W = bm.asarray(weights)
        self.decay = 1.0 - DT / tau
        self.g = bm.Variable(bm.zeros(post.num))

    def update(self):
        self.g.value = self.g * self.decay + bm.dot(self.pre.spike, self.W)
        self.post.input += self.g


class EINet(bm.Base):
    def __init__(self, n_exc=64, n_inh=16, seed=0):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.E = LIF(n_exc)
        self.I = LIF(n_inh, tau=8.0)

        def weights(n_pre, n_post, sign, scale):
            # multiples of 1/64: products with 0/1 spikes sum exactly in any order
            return sign * scale * rng.integers(0, 4, size=(n_pre, n_post)).astype(np.float32) / 64

        self.synapses = [
            ExpSynapse(self.E, self.E, weights(n_exc, n_exc, 1.0, 1.0)),
            ExpSynapse(self.E, self.I, weights(n_exc, n_inh, 1.0, 1.0)),
            ExpSynapse(self.I, self.E, weights(n_inh, n_exc, -1.0, 4.0)),
            ExpSynapse(self.I, self.I, weights(n_inh, n_inh, -1.0, 4.0)),
        ]

    def step(self, I_ext):
        for syn in self.synapses:
            syn.update()
        self.E.update(I_ext)
        self.I.update(I_ext)
        return self.E.spike.value, self.I.spike.value


def simulate(compiled: bool, steps: int = STEPS):
    bm.random.seed(2024)
    net = EINet()
    inputs = bm.ones(steps) * 12.0
    if compiled:
        exc, inh = bm.for_loop(net.step, inputs)
    else:
        # copies: on numba, a Variable's value is a view that the next step overwrites
        records = [tuple(np.array(r) for r in net.step(i)) for i in inputs]
        exc = np.stack([r[0] for r in records])
        inh = np.stack([r[1] for r in records])
    return np.asarray(exc), np.asarray(inh)


def _require(backend_name: str) -> None:
    if backend_name not in bm.available_backends():
        pytest.skip(f"backend {backend_name!r} is not installed")


def test_compiled_network_matches_eager_execution(backend):
    exc, inh = simulate(compiled=True, steps=150)
    exc_ref, inh_ref = simulate(compiled=False, steps=150)
    assert exc.dtype == np.float32 and exc.shape == (150, 64) and inh.shape == (150, 16)
    np.testing.assert_array_equal(exc, exc_ref)
    np.testing.assert_array_equal(inh, inh_ref)


def test_same_spikes_on_jax_and_numba():
    """1,000 steps of the compiled network give the same spikes on both backends."""
    _require("jax")
    _require("numba")
    results = {}
    for name in ("jax", "numba"):
        with bm.set_backend(name):
            results[name] = simulate(compiled=True)
    exc_jax, inh_jax = results["jax"]
    exc_numba, inh_numba = results["numba"]
    assert exc_numba.sum() > 100 and inh_numba.sum() > 10  # the network is active
    np.testing.assert_array_equal(exc_numba, exc_jax)
    np.testing.assert_array_equal(inh_numba, inh_jax)
