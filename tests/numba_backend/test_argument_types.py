"""Code generated for the dtypes and ranks of a call's array arguments, and calls that bring others.

``bm.jit`` on the Numba backend generates its code at the first call, when the arguments are at
hand: a 1-D argument of known dtype is read as ``x[i]`` in a fused loop and an elementwise argument
of ``bm.dot`` is filled by a loop in the step itself, with no helper left for Numba to choose at
typing time. The call wrapper checks those arguments; another dtype or rank gets code of its own.
"""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

import brainpy_math as bm  # noqa: E402

from _ir import kernels, program_of  # noqa: E402


@pytest.fixture(autouse=True)
def numba_backend():
    with bm.set_backend("numba"):
        yield


class Scaled(bm.Base):
    def __init__(self, n=5):
        super().__init__()
        self.out = bm.Variable(bm.zeros(n))

    def update(self, x):
        self.out.value = x * 0.5 + 1.0


class Regression(bm.Base):
    def __init__(self, dimension=3):
        super().__init__()
        self.w = bm.Variable(bm.ones(dimension))

    def __call__(self, X, Y):
        u = bm.dot(((1.0 / (1.0 + bm.exp(-Y * bm.dot(X, self.w))) - 1.0) * Y), X)
        self.w[:] = self.w - u


def regression_numpy(X, Y, w):
    return w - np.dot(((1.0 / (1.0 + np.exp(-Y * np.dot(X, w))) - 1.0) * Y), X)


def test_the_code_relies_on_the_arguments_it_reads_by_element():
    model = Regression()
    step = bm.jit(model)
    step(np.ones((4, 3), np.float32), np.ones(4, np.float32))
    assert program_of(step).assumed_arguments >= {"X", "Y"}
    assert kernels(step) == []


@pytest.mark.parametrize("dtype", [np.int32, np.int8, np.bool_, np.float32])
def test_an_argument_of_another_dtype_gets_code_of_its_own(dtype):
    model = Scaled()
    step = bm.jit(model.update)
    first = np.arange(5, dtype=np.float32)
    step(first)
    np.testing.assert_array_equal(np.asarray(model.out), first * np.float32(0.5) + np.float32(1.0))
    other = (np.arange(5) % 2).astype(dtype)
    step(other)
    eager = Scaled()
    eager.update(bm.asarray(other))
    assert np.asarray(model.out).dtype == np.float32
    np.testing.assert_array_equal(np.asarray(model.out), np.asarray(eager.out))
    step(first)  # back to the first code
    np.testing.assert_array_equal(np.asarray(model.out), first * np.float32(0.5) + np.float32(1.0))


def test_a_float64_argument_narrowed_by_the_policy_uses_the_float32_code():
    model = Scaled()
    step = bm.jit(model.update)
    step(np.arange(5, dtype=np.float32))
    step(np.arange(5, dtype=np.float64))  # converted to float32 before the call, as JAX converts it
    assert len(step._compiled) == 1
    np.testing.assert_array_equal(np.asarray(model.out), np.arange(5, dtype=np.float32) * 0.5 + 1)


def test_under_x64_a_float64_argument_gets_float64_code():
    with _x64():
        model = Regression()
        step = bm.jit(model)
        rng = np.random.default_rng(0)
        X, Y = rng.random((6, 3)), rng.random(6)
        w = np.asarray(model.w).copy()
        step(X, Y)
        assert np.asarray(model.w).dtype == np.float64
        np.testing.assert_allclose(np.asarray(model.w), regression_numpy(X, Y, w), rtol=1e-12)


def test_an_argument_of_another_rank_gets_code_of_its_own():
    class Total(bm.Base):
        def __init__(self):
            super().__init__()
            self.total = bm.Variable(bm.zeros(1))

        def update(self, x):
            self.total[0] = bm.sum(bm.abs(x - 0.25))

    model = Total()
    step = bm.jit(model.update)
    vector = np.linspace(-1, 1, 6, dtype=np.float32)
    step(vector)
    np.testing.assert_allclose(np.asarray(model.total)[0], np.sum(np.abs(vector - 0.25)), rtol=1e-6)
    matrix = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    step(matrix)
    np.testing.assert_allclose(np.asarray(model.total)[0], np.sum(np.abs(matrix - 0.25)), rtol=1e-6)
    step(matrix.T)  # not contiguous: the same ranks and dtype, Numba compiles the other layout
    np.testing.assert_allclose(np.asarray(model.total)[0], np.sum(np.abs(matrix - 0.25)), rtol=1e-6)


def test_a_python_scalar_after_an_array_gets_code_of_its_own():
    """The wrapper's check of an argument the code was written for rejects a Python float too."""
    model = Scaled(3)
    step = bm.jit(model.update)
    step(np.ones(3, np.float32))
    step(2.0)
    np.testing.assert_array_equal(np.asarray(model.out), np.full(3, 2.0, np.float32))
    assert np.asarray(model.out).dtype == np.float32
    step(np.arange(3, dtype=np.float32))
    np.testing.assert_array_equal(np.asarray(model.out), np.asarray([1.0, 1.5, 2.0], np.float32))


def test_unequal_lengths_in_a_materialised_argument_fall_back_to_broadcasting():
    """``Y`` of length 1 broadcasts against ``dot(X, w)``: the loop written for equal lengths raises
    FusionMiss, the Variables are restored and the guarded variant computes NumPy's result."""
    model = Regression()
    step = bm.jit(model)
    rng = np.random.default_rng(1)
    X, Y = rng.random((4, 3), dtype=np.float32), rng.random(4, dtype=np.float32)
    w = np.asarray(model.w).copy()
    step(X, Y)
    w = regression_numpy(X, Y, w)
    np.testing.assert_allclose(np.asarray(model.w), w, rtol=1e-5)
    Y1 = Y[:1].copy()
    step(X, Y1)
    np.testing.assert_allclose(np.asarray(model.w), regression_numpy(X, Y1, w), rtol=1e-5)


class _x64:
    def __enter__(self):
        self.before = bm.x64_enabled()
        bm.enable_x64()

    def __exit__(self, *exc):
        bm.enable_x64(self.before)
