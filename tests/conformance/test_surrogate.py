"""``bm.surrogate``: the Heaviside forward pass on every backend (eagerly and inside ``bm.jit``), and
the surrogate gradients on JAX against their analytic formulas."""
from __future__ import annotations

import math

import numpy as np
import pytest

import brainpy_math as bm

NAMES = ["sigmoid", "arctan", "piecewise_quadratic", "piecewise_exp", "soft_sign", "relu_grad",
         "gaussian_grad", "inv_square_grad", "slayer_grad"]


def _sigmoid(x, alpha=4.0):
    s = 1 / (1 + np.exp(-alpha * x))
    return alpha * s * (1 - s)


# name -> (analytic derivative in float64, parameters other than the defaults to try)
DERIVATIVES = {
    "sigmoid": (_sigmoid, {"alpha": 2.0}),
    "arctan": (lambda x, alpha=1.0: alpha / 2 / (1 + (math.pi / 2 * alpha * x) ** 2), {"alpha": 3.0}),
    "piecewise_quadratic": (lambda x, alpha=1.0: np.where(np.abs(x) > 1 / alpha, 0.0, alpha - alpha ** 2 * np.abs(x)),
                            {"alpha": 2.0}),
    "piecewise_exp": (lambda x, alpha=1.0: alpha / 2 * np.exp(-alpha * np.abs(x)), {"alpha": 0.5}),
    "soft_sign": (lambda x, alpha=1.0: alpha / 2 / (1 + np.abs(alpha * x)) ** 2, {"alpha": 2.0}),
    "relu_grad": (lambda x, alpha=0.3, width=1.0: np.maximum(alpha * (width - np.abs(x)), 0.0),
                  {"alpha": 0.5, "width": 2.0}),
    "gaussian_grad": (lambda x, sigma=0.5, alpha=0.5:
                      alpha * np.exp(-x ** 2 / (2 * sigma ** 2)) / (np.sqrt(2 * np.pi) * sigma),
                      {"sigma": 1.5, "alpha": 2.0}),
    "inv_square_grad": (lambda x, alpha=100.0: 1 / (alpha * np.abs(x) + 1) ** 2, {"alpha": 10.0}),
    "slayer_grad": (lambda x, alpha=1.0: np.exp(-alpha * np.abs(x)), {"alpha": 2.0}),
}

# 0, both tails, points near 0, and the kinks of the piecewise ones (|x| = 1/alpha, width).
POINTS = np.asarray([-50.0, -3.0, -1.0, -0.6, -0.25, -0.01, 0.0, 0.01, 0.3, 0.5, 1.0, 2.5, 40.0])
VALUES = np.asarray([-2.0, -1e-6, -0.0, 0.0, 1e-6, 3.0, np.nan, -np.inf, np.inf])


class Neuron(bm.Base):
    """A LIF-like threshold test through a surrogate spike function."""

    def __init__(self, name, V, *parameters):
        super().__init__()
        self.fn, self.parameters = getattr(bm.surrogate, name), parameters
        self.V = bm.Variable(bm.asarray(V))
        self.V_th = 0.5
        self.spike = bm.Variable(bm.zeros_like(self.V))
        self.update = {0: self.update0, 1: self.update1, 2: self.update2}[len(parameters)]

    def update0(self):
        self.spike.value = self.fn(self.V - self.V_th)
        return self.spike.value

    def update1(self):
        self.spike.value = self.fn(self.V - self.V_th, self.parameters[0])
        return self.spike.value

    def update2(self):
        self.spike.value = self.fn(self.V - self.V_th, self.parameters[0], self.parameters[1])
        return self.spike.value


class NamedNeuron(bm.Base):
    """The surrogate functions called by name with keyword parameters, as model code writes them."""

    def __init__(self, V):
        super().__init__()
        self.V = bm.Variable(bm.asarray(V))
        self.V_th = 0.5
        self.spike = bm.Variable(bm.zeros_like(self.V))

    def update(self):
        a = bm.surrogate.sigmoid(self.V - self.V_th)
        b = bm.surrogate.relu_grad(self.V - self.V_th, width=2.0)
        c = bm.surrogate.gaussian_grad(self.V - self.V_th, sigma=1.5, alpha=2.0)
        d = bm.surrogate.inv_square_grad(self.V - self.V_th, alpha=10.0)
        self.spike.value = a + b + c + d
        return self.spike.value


def test_every_name_is_exported():
    assert sorted(bm.surrogate.__all__) == sorted(NAMES) == sorted(DERIVATIVES)


@pytest.mark.parametrize("name", NAMES)
def test_forward_is_the_heaviside_step(backend, name):
    y = getattr(bm.surrogate, name)(bm.asarray(VALUES))
    assert y.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(y), (VALUES >= 0).astype(np.float32))
    kwargs = DERIVATIVES[name][1]
    assert getattr(bm.surrogate, name)(bm.asarray(VALUES), **kwargs).tolist() == (VALUES >= 0).astype(float).tolist()


@pytest.mark.parametrize("name", NAMES)
def test_forward_keeps_float64_under_x64_and_makes_integers_float(backend, name):
    fn = getattr(bm.surrogate, name)
    assert fn(bm.arange(-2, 3)).dtype == np.float32
    assert fn(bm.arange(-2, 3)).tolist() == [0.0, 0.0, 1.0, 1.0, 1.0]
    bm.enable_x64()
    y = fn(bm.asarray(VALUES, dtype=bm.float64))
    assert y.dtype == np.float64
    np.testing.assert_array_equal(np.asarray(y), (VALUES >= 0).astype(np.float64))
    assert fn(bm.arange(-2, 3)).dtype == np.float64


@pytest.mark.parametrize("name", NAMES)
def test_forward_inside_jit_matches_eager_and_the_threshold_test(backend, name):
    V = np.asarray([-1.0, 0.2, 0.5, 0.50001, 0.7, 3.0], np.float32)
    compiled = Neuron(name, V)
    out = bm.jit(compiled.update)()
    eager = Neuron(name, V).update()
    expected = (V >= np.float32(0.5)).astype(np.float32)  # the neuron models' V >= V_th
    for result in (out, compiled.spike.value, eager):
        assert result.dtype == np.float32
        np.testing.assert_array_equal(np.asarray(result), expected)
    # With parameters, inside compiled code too.
    parameters = DERIVATIVES[name][1].values()
    np.testing.assert_array_equal(np.asarray(bm.jit(Neuron(name, V, *parameters).update)()), expected)


def test_forward_inside_jit_called_by_name_with_keywords(backend):
    V = np.asarray([-1.0, 0.2, 0.5, 0.50001, 0.7, 3.0], np.float32)
    model = NamedNeuron(V)
    out = bm.jit(model.update)()
    assert out.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(out), 4 * (V >= np.float32(0.5)).astype(np.float32))
    np.testing.assert_array_equal(np.asarray(NamedNeuron(V).update()), np.asarray(out))


def test_forward_inside_jit_under_x64(backend):
    bm.enable_x64()
    V = np.asarray([0.0, 0.5, 1.0])
    out = bm.jit(Neuron("sigmoid", bm.asarray(V, dtype=bm.float64)).update)()
    assert out.dtype == np.float64
    assert np.asarray(out).tolist() == [0.0, 1.0, 1.0]


@pytest.mark.parametrize("name", NAMES)
def test_bad_parameters_raise_naming_the_argument(backend, name):
    fn = getattr(bm.surrogate, name)
    for argument in DERIVATIVES[name][1]:
        for bad in (0.0, -1.0, float("nan"), float("inf")):
            with pytest.raises(ValueError, match=rf"surrogate\.{name}: argument '{argument}' must be a finite "
                                                 rf"number > 0, got {bad!r}"):
                fn(bm.ones(2), **{argument: bad})


def test_bad_parameters_raise_inside_numba_compiled_code(need_backends):
    need_backends("numba")
    with bm.set_backend("numba"):
        model = Neuron("sigmoid", np.zeros(2, np.float32), -1.0)
        with pytest.raises(ValueError, match="alpha"):
            bm.jit(model.update)()


def test_numba_has_no_surrogate_gradient(need_backends):
    need_backends("numba")
    with bm.set_backend("numba"):
        with pytest.raises(NotImplementedError, match="grad"):
            bm.grad(lambda x: bm.surrogate.sigmoid(x).sum())(bm.zeros(3))


@pytest.mark.needs_backends("jax")
@pytest.mark.parametrize("name", NAMES)
def test_grad_is_the_surrogate_derivative(name):
    derivative, kwargs = DERIVATIVES[name]
    fn = getattr(bm.surrogate, name)
    with bm.set_backend("jax"):
        x = bm.asarray(POINTS.astype(np.float32))
        for parameters in ({}, kwargs):
            g = bm.grad(lambda v: fn(v, **parameters).sum())(x)
            assert g.dtype == np.float32
            expected = derivative(POINTS.astype(np.float32).astype(np.float64), **parameters)
            np.testing.assert_allclose(np.asarray(g), expected, rtol=2e-6, atol=1e-7)


@pytest.mark.needs_backends("jax")
@pytest.mark.parametrize("name", NAMES)
def test_grad_under_jit_vmap_and_jax_grad(name):
    import jax

    derivative, kwargs = DERIVATIVES[name]
    fn = getattr(bm.surrogate, name)
    points = POINTS.astype(np.float32)
    expected = derivative(points.astype(np.float64), **kwargs)
    with bm.set_backend("jax"):
        scalar_grad = bm.grad(lambda v: fn(v, **kwargs).sum())
        np.testing.assert_allclose(np.asarray(bm.jit(scalar_grad)(bm.asarray(points))), expected, rtol=2e-6, atol=1e-7)
        np.testing.assert_allclose(np.asarray(bm.vmap(scalar_grad)(bm.asarray(points))), expected, rtol=2e-6, atol=1e-7)
        raw = jax.grad(lambda v: fn(v, **kwargs).sum().value)(points)
        np.testing.assert_allclose(np.asarray(raw), expected, rtol=2e-6, atol=1e-7)
        # Forward mode too: jax.jvp with a unit tangent.
        _, tangent = jax.jvp(lambda v: fn(v, **kwargs).value, (points,), (np.ones_like(points),))
        np.testing.assert_allclose(np.asarray(tangent), expected, rtol=2e-6, atol=1e-7)


@pytest.mark.needs_backends("jax")
def test_grad_in_float64_under_x64():
    bm.enable_x64()
    with bm.set_backend("jax"):
        x = bm.asarray(POINTS, dtype=bm.float64)
        g = bm.grad(lambda v: bm.surrogate.arctan(v, alpha=2.0).sum())(x)
        assert g.dtype == np.float64
        np.testing.assert_allclose(np.asarray(g), DERIVATIVES["arctan"][0](POINTS, alpha=2.0), rtol=1e-12)


@pytest.mark.needs_backends("jax")
def test_grad_through_a_variable_and_for_loop():
    """A spike count over time steps, differentiated with respect to the input current."""
    with bm.set_backend("jax"):
        class Counter(bm.Base):
            def __init__(self):
                super().__init__()
                self.V = bm.Variable(bm.zeros(3))

            def step(self, current):
                self.V.value = self.V + current
                return bm.surrogate.sigmoid(self.V - 1.0)

        model = Counter()

        def loss(current):
            model.V.value = bm.zeros(3)
            spikes = bm.for_loop(lambda i: model.step(current), bm.arange(3))
            return spikes.sum()

        current = bm.asarray([0.1, 0.4, 1.2])
        g = bm.grad(loss, grad_vars=None)(current)
        # V_t = t * current (t = 1, 2, 3): d/dc sum_t spike(t c - 1) = sum_t t * sigmoid'(t c - 1).
        c = np.asarray([0.1, 0.4, 1.2], np.float64)
        expected = sum(t * _sigmoid(t * c - 1.0) for t in (1, 2, 3))
        np.testing.assert_allclose(np.asarray(g), expected, rtol=1e-5)
        assert loss(current).tolist() == float(sum(((t * c - 1.0) >= 0).sum() for t in (1, 2, 3)))


@pytest.mark.needs_backends("jax")
def test_array_parameters_on_jax():
    with bm.set_backend("jax"):
        alpha = bm.asarray([1.0, 2.0])
        g = bm.grad(lambda v: bm.surrogate.sigmoid(v, alpha).sum())(bm.zeros(2))
        np.testing.assert_allclose(np.asarray(g), [0.25, 0.5], rtol=1e-6)


def test_boolean_parameter_is_refused():
    with pytest.raises(TypeError, match="argument 'alpha' must be a real number"):
        bm.surrogate.sigmoid(bm.ones(2), alpha=True)


def test_scalars_lists_and_complex_inputs(backend):
    y = bm.surrogate.sigmoid(0.0)
    assert y.shape == () and y.dtype == np.float32 and y.tolist() == 1.0
    assert bm.surrogate.arctan([-1, 2]).tolist() == [0.0, 1.0]
    with pytest.raises(TypeError, match=r"surrogate\.sigmoid: argument 'x' must be real"):
        bm.surrogate.sigmoid(bm.asarray([1j]))
