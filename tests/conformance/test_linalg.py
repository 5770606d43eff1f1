"""Conformance of the linear algebra functions (main namespace and ``bm.linalg``) with NumPy."""
from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

from _strategies import CONFORMANCE, FLOAT, array, assert_same, check, frontend, numpy_function

PRODUCTS = "dot vdot inner outer matmul vecdot tensordot kron cross einsum".split()
# Functions of a well-conditioned square matrix whose results are unique.
SQUARE = ("linalg.inv linalg.det linalg.slogdet linalg.solve linalg.cholesky linalg.matrix_power "
          "linalg.eigvalsh linalg.svdvals linalg.matrix_rank linalg.cond linalg.pinv linalg.norm "
          "linalg.matrix_norm linalg.vector_norm linalg.trace linalg.diagonal linalg.matrix_transpose "
          "linalg.multi_dot linalg.matmul linalg.outer linalg.vecdot linalg.cross linalg.tensordot "
          "linalg.lstsq").split()
# Decompositions are unique only up to signs or order: checked by reconstruction.
DECOMPOSITIONS = "linalg.eig linalg.eigh linalg.eigvals linalg.svd linalg.qr".split()
COVERED = set(PRODUCTS) | set(SQUARE) | set(DECOMPOSITIONS)


def _spd(data, n, batch=()):
    """A symmetric positive definite float32 matrix (condition number below ~10)."""
    a = array(data, FLOAT, batch + (n, n), low=-1, high=1)
    return (a @ np.swapaxes(a, -1, -2) / max(n, 1) + 2 * np.eye(n, dtype=np.float32)).astype(np.float32)


@pytest.mark.parametrize("name", PRODUCTS)
@given(data=st.data())
@CONFORMANCE
def test_products(backend, name, data):
    n, m, k = (data.draw(st.integers(1, 4)) for _ in range(3))
    a, b = array(data, FLOAT, (n, k), low=-2, high=2), array(data, FLOAT, (k, m), low=-2, high=2)
    v, w = array(data, FLOAT, (k,), low=-2, high=2), array(data, FLOAT, (k,), low=-2, high=2)
    calls = {
        "dot": [(a, b), (v, w), (a, v)], "vdot": [(v, w)], "inner": [(v, w), (a, a)], "outer": [(v, a)],
        "matmul": [(a, b), (v, b), (a[None], b)], "vecdot": [(a, v), (v, w)],
        "tensordot": [(a, b, 1), (a, a, ([0, 1], [0, 1]))], "kron": [(a, b), (v, w)],
        "cross": [(array(data, FLOAT, (n, 3), low=-2, high=2), array(data, FLOAT, (3,), low=-2, high=2))],
        "einsum": [("ij,jk->ik", a, b), ("ij->j", a), ("i,i", v, w)],
    }[name]
    for args in calls:
        check(frontend(name), numpy_function(name), args, scale=4.0)


@pytest.mark.parametrize("name", SQUARE)
@given(data=st.data())
@CONFORMANCE
def test_square_matrix_functions(backend, name, data):
    n = data.draw(st.integers(1, 4))
    batch = data.draw(st.sampled_from([(), (2,)])) if name not in ("linalg.multi_dot", "linalg.lstsq",
                                                                    "linalg.norm", "linalg.cond") else ()
    a = _spd(data, n, batch)
    other = array(data, FLOAT, batch + (n, n), low=-2, high=2)
    args = {
        "linalg.solve": (a, other), "linalg.matrix_power": (a, data.draw(st.integers(-2, 3))),
        "linalg.multi_dot": ([a, other, a],), "linalg.matmul": (a, other),
        "linalg.outer": (a[..., 0], other[..., 0]) if not batch else (a[0, 0], other[0, 0]),
        "linalg.vecdot": (a, other), "linalg.tensordot": (a, other) if not batch else (a[0], other[0]),
        "linalg.cross": (array(data, FLOAT, (n, 3)), array(data, FLOAT, (n, 3))),
        "linalg.lstsq": (a, other[..., 0]),
    }.get(name, (a,))
    if name == "linalg.lstsq":
        # The solution and rank; JAX reports residuals of full-rank square systems differently.
        check(lambda *a: frontend(name)(*a)[0], lambda *a: np.linalg.lstsq(*a)[0], args, scale=64.0)
        check(lambda *a: frontend(name)(*a)[2], lambda *a: np.linalg.lstsq(*a)[2], args)
        return
    check(frontend(name), numpy_function(name), args, scale=64.0)


@given(data=st.data())
@CONFORMANCE
def test_norm_orders_and_axes(backend, data):
    x = array(data, FLOAT, (data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))), low=-3, high=3)
    order = data.draw(st.sampled_from([None, "fro", 1, -1, np.inf, -np.inf, 2]))
    check(frontend("linalg.norm"), np.linalg.norm, (x,), {"ord": order}, scale=16.0)
    check(frontend("linalg.norm"), np.linalg.norm, (x,), {"axis": data.draw(st.sampled_from([0, -1])),
                                                           "keepdims": data.draw(st.booleans())}, scale=16.0)


@pytest.mark.parametrize("name", DECOMPOSITIONS)
@given(data=st.data())
@CONFORMANCE
def test_decompositions_reconstruct(backend, name, data):
    n = data.draw(st.integers(1, 4))
    a = _spd(data, n)
    got = frontend(name)(a)
    want = numpy_function(name)(a)
    close = dict(rtol=1e-4, atol=1e-4)
    if name == "linalg.eigvals":
        np.testing.assert_allclose(np.sort(np.asarray(got).real), np.sort(want.real), **close)
        return
    parts = [np.asarray(p) for p in got]
    for got_part, want_part in zip(parts, want):
        assert got_part.shape == want_part.shape
        # eig is complex on JAX even for real spectra (jax.numpy's documented difference).
        assert got_part.dtype == want_part.dtype or name == "linalg.eig", (got_part.dtype, want_part.dtype)
    # Values are compared through the product they decompose (unique, unlike signs and order).
    if name in ("linalg.eig", "linalg.eigh"):
        values, vectors = parts
        product = vectors @ np.diag(values) @ np.linalg.inv(vectors)
    elif name == "linalg.svd":
        u, s, vh = parts
        product = u @ np.diag(s) @ vh
    else:
        q, r = parts
        product = q @ r
    np.testing.assert_allclose(product.real, a, **close)


@pytest.mark.parametrize("name", ["linalg.inv", "linalg.det", "linalg.cholesky", "linalg.eigh"])
def test_non_square_raises_like_numpy(backend, name):
    check(frontend(name), numpy_function(name), (np.ones((2, 3), np.float32),))


def test_mismatched_inner_dimensions_raise_like_numpy(backend):
    check(frontend("matmul"), np.matmul, (np.ones((2, 3), np.float32), np.ones((2, 3), np.float32)))
    check(frontend("dot"), np.dot, (np.ones((2, 3), np.float32), np.ones((2, 3), np.float32)))
