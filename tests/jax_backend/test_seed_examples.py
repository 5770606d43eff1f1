"""The three examples of the project's seed, run as written with ``import brainpy_math as bm``."""
import numpy as np
import pytest

pytest.importorskip("jax")
optax = pytest.importorskip("optax")

import brainpy_math as bm  # noqa: E402
# The seed's class, as written; defined once, in the benchmark that times it.
from benchmarks.logistic_regression import LogisticRegression  # noqa: E402


def test_jit_on_a_class_logistic_regression():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(500, 10)).astype(np.float32)
    Y = np.sign(rng.normal(size=500)).astype(np.float32)
    lr = bm.jit(LogisticRegression(10))          # then called with X (N,10), Y (N,) float32
    w = np.full(10, 0.7, np.float64)
    for _ in range(3):
        lr(bm.asarray(X), bm.asarray(Y))
        u = (((1.0 / (1.0 + np.exp(-Y * (X @ w)))) - 1.0) * Y) @ X
        w = w - u
    np.testing.assert_allclose(lr.target.w.numpy(), w, rtol=1e-4, atol=1e-3)
    assert lr.target.w.dtype == np.float32


class Linear(bm.Base):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.w = bm.random.normal(size=(n_in, n_out)) * 0.1   # plain JaxArray (not a Variable)
        self.b = bm.zeros(n_out)

    def __call__(self, x):
        return ((x @ self.w + self.b) ** 2).sum()


def test_grad_with_grad_vars_on_plain_array_attributes():
    l = Linear(3, 2); grads = bm.grad(l, grad_vars=(l.w, l.b))(bm.ones((4, 3)))   # -> (dw, db)
    dw, db = grads
    w, b = l.w.numpy().astype(np.float64), l.b.numpy().astype(np.float64)
    x = np.ones((4, 3))
    residual = x @ w + b
    np.testing.assert_allclose(dw.numpy(), 2 * x.T @ residual, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(db.numpy(), 2 * residual.sum(0), rtol=1e-5, atol=1e-6)
    assert isinstance(grads, tuple) and type(dw) is bm.JaxArray
    assert not isinstance(l.w, bm.Variable) and type(l.w.value).__name__ == "ArrayImpl"


def _regression_data():
    target_params = 0.5
    xs = bm.asarray(np.random.RandomState(0).normal(size=(16, 2)).astype(np.float32))
    ys = bm.sum(xs * target_params, axis=-1)
    return target_params, xs, ys


def loss(params, xs, ys):
    pred = bm.dot(xs, params["w"])
    return bm.mean((pred - ys) ** 2)


def test_optax_training_loop_with_a_dict_of_arrays():
    target_params, xs, ys = _regression_data()
    optimizer = optax.adam(1e-2)
    params = {"w": bm.zeros(2)}
    opt_state = optimizer.init(params)

    @bm.jit
    def train(params, opt_state, xs, ys):
        grads = bm.grad(loss)(params, xs, ys)        # loss uses bm ops on params (a pytree of JaxArrays)
        updates, opt_state = optimizer.update(grads, opt_state)
        params = optax.apply_updates(params, updates)
        return params, opt_state

    for _ in range(1000):
        params, opt_state = train(params, opt_state, xs, ys)
    assert bm.allclose(params["w"], target_params)


def test_optax_training_loop_with_an_array():
    target_params, xs, ys = _regression_data()
    optimizer = optax.adam(1e-2)
    params = bm.zeros(2)
    opt_state = optimizer.init(params)

    def array_loss(params, xs, ys):
        return bm.mean((bm.dot(xs, params) - ys) ** 2)

    @bm.jit
    def train(params, opt_state, xs, ys):
        grads = bm.grad(array_loss)(params, xs, ys)
        updates, opt_state = optimizer.update(grads, opt_state)
        params = optax.apply_updates(params, updates)
        return params, opt_state

    for _ in range(1000):
        params, opt_state = train(params, opt_state, xs, ys)
    assert bm.allclose(params, target_params)
