"""bm.jit: the same model code compiled by each backend gives the same results and dtypes."""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm
from _assertions import assert_matches
# The seed's class, as written; defined once, in the benchmark that times it.
from benchmarks.logistic_regression import LogisticRegression


class Decay(bm.Base):
    def __init__(self, n, tau):
        super().__init__()
        self.tau = tau
        self.x = bm.Variable(bm.ones(n))

    def update(self, dt):
        self.x -= self.x / self.tau * dt
        return self.x.sum()


class Network(bm.Base):
    """Nested objects in a list, a dict and an attribute; methods of self and of children."""

    def __init__(self):
        super().__init__()
        self.children = [Decay(3, 2.0), Decay(3, 4.0)]
        self.named = {"slow": Decay(2, 8.0)}
        self.total = bm.Variable(bm.zeros(()))

    def __call__(self, dt):
        acc = 0.0
        for child in self.children:
            acc = acc + child.update(dt)
        for child in self.named.values():
            acc = acc + child.update(dt=dt)
        self.total.value = self.scaled(acc)
        return self.total.value

    def scaled(self, value, factor=2.0):
        return value * factor


def test_jit_of_the_seed_logistic_regression_matches_numpy(backend):
    model = LogisticRegression(6)
    rng = np.random.default_rng(1)
    X = (0.2 * rng.normal(size=(40, 6))).astype(np.float32)
    Y = rng.normal(size=40).astype(np.float32)
    w = np.asarray(model.w.value, np.float64)
    step = bm.jit(model)
    for _ in range(3):
        step(bm.asarray(X), bm.asarray(Y))
        w = w - np.dot(((1.0 / (1.0 + np.exp(-Y * np.dot(X, w))) - 1.0) * Y), X)
    assert_matches(model.w.value, w, np.float32)


def test_jit_of_nested_objects_matches_eager_execution(backend):
    compiled, eager = Network(), Network()
    step = bm.jit(compiled)
    for _ in range(3):
        got, want = step(0.5), eager(0.5)
        assert_matches(got, np.asarray(want), np.float32)
    for (name, var), (_, ref) in zip(compiled.vars().items(), eager.vars().items()):
        assert_matches(var.value, np.asarray(ref.value), np.float32)


def test_jit_of_a_bound_method_writes_variables(backend):
    decay = Decay(2, 2.0)
    update = bm.jit(decay.update)
    total = update(1.0)
    assert_matches(total, np.float32(1.0), np.float32)
    assert_matches(decay.x.value, np.full(2, 0.5), np.float32)


def test_numba_compile_options_run_unchanged_on_every_backend(backend):
    """``parallel``/``cache``/``fastmath``/``fuse`` tune Numba; a model passing them runs on JAX too."""
    decay = Decay(4, 2.0)
    update = bm.jit(decay.update, parallel=False, cache=True, fastmath=False, fuse=False)
    assert_matches(update(1.0), np.float32(2.0), np.float32)
    assert_matches(decay.x.value, np.full(4, 0.5), np.float32)
    counts = bm.for_loop(Decay(3, 2.0).update, bm.ones(2), fuse=True, cache=True)
    assert_matches(counts, np.array([1.5, 0.75]), np.float32)
    with pytest.raises(TypeError, match="no_such_option"):
        bm.jit(decay.update, no_such_option=True)
    with pytest.raises(TypeError, match="no_such_option"):
        bm.for_loop(decay.update, bm.ones(2), no_such_option=True)


def test_jit_of_a_function_keeps_the_dtype_policy(backend):
    f = bm.jit(lambda x, y: (x * 2 + 1.5, y + 1, y * 0.5, x.sum()))
    a, b, c, d = f(bm.ones(3), bm.ones(3, dtype=bm.int32))
    assert_matches(a, np.full(3, 3.5), np.float32)
    assert_matches(b, np.full(3, 2), np.int32)
    assert_matches(c, np.full(3, 0.5), np.float32)
    assert_matches(d, np.float32(3.0), np.float32)


def test_jit_of_a_function_with_closure_variable_keyword_and_default(backend):
    acc = bm.Variable(bm.zeros(2))

    def add(x, scale=1.0):
        acc.value = acc + x * scale
        return acc.value

    f = bm.jit(add)
    assert_matches(f(bm.ones(2)), np.ones(2), np.float32)
    assert_matches(f(bm.ones(2), scale=2.0), np.full(2, 3.0), np.float32)
    assert_matches(acc.value, np.full(2, 3.0), np.float32)


def test_jit_with_static_argnums(backend):
    def power(x, n):
        out = x
        for _ in range(n - 1):
            out = out * x
        return out

    f = bm.jit(power, static_argnums=1)
    assert_matches(f(bm.ones(2) * 2.0, 3), np.full(2, 8.0), np.float32)
    assert_matches(f(bm.ones(2) * 2.0, 2), np.full(2, 4.0), np.float32)


def test_cond_and_ifelse_inside_jit(backend):
    def up(x):
        return x + 1.0

    def down(x):
        return x - 1.0

    def choose(x, p):
        return bm.cond(p > 0, up, down, (x,)), bm.ifelse([p > 1, p > 0], [up, down, down], (x,))

    f = bm.jit(choose)
    a, b = f(bm.ones(2), bm.asarray(1))
    assert_matches(a, np.full(2, 2.0), np.float32)
    assert_matches(b, np.zeros(2), np.float32)


def test_a_failing_compilation_leaves_variables_unchanged(backend):
    v = bm.Variable(bm.zeros(2))

    def broken(x):
        v.value = v + 1.0
        return x.no_such_method()

    with pytest.raises((TypeError, AttributeError)):
        bm.jit(broken)(bm.ones(2))
    assert_matches(v.value, np.zeros(2), np.float32)


def test_jit_as_decorator_with_options(backend):
    @bm.jit(static_argnames="n")
    def repeat(x, n):
        return x * n

    assert_matches(repeat(bm.ones(2), n=3), np.full(2, 3.0), np.float32)


class Views(bm.Base):
    def __init__(self):
        super().__init__()
        self.x = bm.Variable(bm.arange(6.0))

    def middle(self):
        return self.x[1:4]

    def alias_and_copy(self):
        whole = self.x.value
        return whole, self.x[::2], self.x * 2.0


def test_a_returned_slice_of_a_variable_is_a_snapshot(backend):
    """JAX returns new arrays; on Numba a slice or alias of a Variable would be a view into it, so
    writing into the result would change the model. Every backend returns a snapshot."""
    model = Views()
    result = np.asarray(bm.jit(model.middle)())
    np.testing.assert_array_equal(result, [1.0, 2.0, 3.0])
    whole, strided, doubled = (np.asarray(r) for r in bm.jit(model.alias_and_copy)())
    for array in (result, whole, strided, doubled):
        if array.flags.writeable:
            array[...] = -1.0
    np.testing.assert_array_equal(np.asarray(model.x), np.arange(6.0))


def _int8_plus_half_steps(x):
    return x + bm.arange(3) * 0.5


def test_switching_the_dtype_policy_after_the_first_call_recompiles(backend):
    """The policy is part of what a compiled function is keyed by (the numba backend's bm.jit kept
    the first policy's code: float32 results after bm.enable_x64())."""
    f = bm.jit(_int8_plus_half_steps)
    x = np.ones(3, np.int8)
    assert f(x).dtype == np.float32
    bm.enable_x64()
    try:
        out = f(x)
        assert out.dtype == np.float64
        np.testing.assert_allclose(np.asarray(out), [1.0, 1.5, 2.0])
    finally:
        bm.disable_x64()
    assert f(x).dtype == np.float32


class Readout(bm.Base):
    """Products written the NumPy way (``@`` and ``bm.dot``/``bm.matmul``/``bm.inner``) and stores into
    a 2-D record: a whole array, a row and a slice."""

    def __init__(self):
        super().__init__()
        self.W = bm.Variable(bm.arange(12.0).reshape(3, 4) / 10.0)
        self.record = bm.Variable(bm.zeros((2, 3)))

    def __call__(self, x, w):
        h = self.W @ x
        back = bm.dot(w, self.W)
        self.record[0] = h
        self.record[1, 1:] = bm.matmul(self.W, x)[:2]
        self.W.value = self.W * 0.5
        return h, back, bm.inner(x, x), w @ w


def test_products_and_row_stores_inside_jit_match_numpy(backend):
    model = Readout()
    x, w = np.arange(4.0, dtype=np.float32), np.arange(3.0, dtype=np.float32)
    W = np.arange(12.0).reshape(3, 4) / 10.0
    h, back, inner, ww = bm.jit(model)(bm.asarray(x), bm.asarray(w))
    assert_matches(h, W @ x, np.float32)
    assert_matches(back, w @ W, np.float32)
    assert_matches(inner, np.float64(x @ x), np.float32)
    assert_matches(ww, np.float64(w @ w), np.float32)
    assert_matches(model.record.value, np.array([W @ x, [0.0, *(W @ x)[:2]]]), np.float32)
    assert_matches(model.W.value, W * 0.5, np.float32)
