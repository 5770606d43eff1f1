"""Matrix-vector and vector-vector products in code compiled by the numba backend.

``bm.dot``, ``bm.matmul``, ``bm.inner`` and the ``@`` operator of one float dtype run the backend's
loops (``kernels.vector_product``), called directly where the argument types are known while
generating, through an overload otherwise; everything else runs Numba's NumPy. Both must give
NumPy's values (to rounding: BLAS sums in its own order too), shapes, dtypes and errors.
"""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

import brainpy_math as bm  # noqa: E402
from brainpy_math_numba.kernels import vector_product  # noqa: E402

from _ir import entry_of, program_of, symbol_calls  # noqa: E402


@pytest.fixture(autouse=True)
def numba_backend():
    with bm.set_backend("numba"):
        yield


def products(a, v, w):
    """Every product form of a matrix ``a`` (m, k), ``v`` (k,) and ``w`` (m,)."""
    return (bm.dot(a, v), bm.dot(w, a), bm.dot(v, v), bm.matmul(a, v), w @ a, a @ v, bm.inner(w, w),
            bm.dot(a.T, w), bm.dot(v, a.T), bm.dot(a, a.T))


def _reference(a, v, w):
    a, v, w = (x.astype(np.float64) for x in (a, v, w))
    return (a @ v, w @ a, v @ v, a @ v, w @ a, a @ v, w @ w, a.T @ w, v @ a.T, a @ a.T)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (1, 1), (5, 3), (7, 4), (6, 17)])
def test_products_in_compiled_code_match_numpy(shape, order):
    rng = np.random.default_rng(sum(shape))
    a = np.asarray(rng.standard_normal(shape), np.float32, order=order)
    v = rng.standard_normal(shape[1]).astype(np.float32)
    w = rng.standard_normal(shape[0]).astype(np.float32)
    got = bm.jit(products)(a, v, w)
    for g, expected in zip(got, _reference(a, v, w)):
        assert np.asarray(g).dtype == np.float32 and np.shape(g) == expected.shape
        np.testing.assert_allclose(np.asarray(g, np.float64), expected, rtol=2e-5, atol=2e-5)


def test_float64_products_under_x64_are_float64():
    before = bm.x64_enabled()
    bm.enable_x64()
    try:
        rng = np.random.default_rng(0)
        a, v, w = rng.standard_normal((6, 5)), rng.standard_normal(5), rng.standard_normal(6)
        got = bm.jit(products)(a, v, w)
        for g, expected in zip(got, _reference(a, v, w)):
            assert np.asarray(g).dtype == np.float64
            np.testing.assert_allclose(np.asarray(g), expected, rtol=1e-12, atol=1e-12)
    finally:
        bm.enable_x64(before)


class Readout(bm.Base):
    def __init__(self):
        super().__init__()
        self.W = bm.Variable(bm.ones((4, 3)))
        self.out = bm.Variable(bm.zeros(4))

    def __call__(self, x):
        self.out.value = bm.exp(bm.dot(self.W, x)) + 1.0


def test_a_product_of_known_float_arrays_calls_the_loop_directly():
    model = Readout()
    step = bm.jit(model)
    step(np.arange(3, dtype=np.float32))
    np.testing.assert_allclose(np.asarray(model.out), np.exp(np.full(4, 3.0)) + 1.0, rtol=1e-6)
    (call,) = symbol_calls(step, lambda symbol: symbol.library == "dot", entry_of(step))
    assert program_of(step).symbol(call.func.id).obj is vector_product(np.dtype(np.float32), (2, 1))


def test_misaligned_products_raise_value_error_naming_dot():
    step = bm.jit(products)
    with pytest.raises(ValueError, match="dot: shapes not aligned"):
        step(np.ones((3, 4), np.float32), np.ones(5, np.float32), np.ones(3, np.float32))
    with pytest.raises(ValueError, match="dot: shapes not aligned"):
        step(np.ones((3, 4), np.float32), np.ones(4, np.float32), np.ones(2, np.float32))


def test_mixed_dtypes_and_matrix_products_run_numbas_numpy():
    def mixed(a, b, c):
        return bm.dot(a, b), bm.matmul(a, c)

    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    got = bm.jit(mixed)(a, np.ones(3, np.float64), np.ones((3, 2), np.float32))
    np.testing.assert_allclose(np.asarray(got[0]), a.sum(axis=1))
    np.testing.assert_allclose(np.asarray(got[1]), np.repeat(a.sum(axis=1)[:, None], 2, axis=1))
