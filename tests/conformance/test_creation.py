"""Conformance of the creation functions with NumPy (dtypes under the policy), on every backend."""
from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import brainpy_math as bm
from _strategies import CONFORMANCE, FLOAT, INT, SHAPES, array, check, frontend, numpy_function

SHAPED = "zeros ones empty".split()
LIKE = "zeros_like ones_like empty_like full_like copy".split()
RANGES = "arange linspace logspace geomspace".split()
MATRICES = "eye identity tri diag diagflat tril triu".split()
COVERED = set(SHAPED) | set(LIKE) | set(RANGES) | set(MATRICES) | {"array", "asarray", "full", "meshgrid",
                                                                   "one_hot"}


@pytest.mark.parametrize("name", SHAPED + ["full"])
@given(data=st.data())
@CONFORMANCE
def test_shaped(backend, name, data):
    shape = data.draw(SHAPES)
    dtype = data.draw(st.sampled_from([None, np.float32, np.int32, np.bool_, np.float64]))
    fill = (data.draw(st.sampled_from([1.5, 2, True])),) if name == "full" else ()
    got = frontend(name)(shape, *fill, dtype=dtype)
    # NumPy's default is float64 and its full() takes the fill value's type; the policy narrows both.
    want = numpy_function(name)(shape, *fill, dtype=dtype)
    if name != "empty":
        check(lambda: got, lambda: want, ())
    else:
        assert np.asarray(got).shape == want.shape and np.asarray(got).dtype == bm._config.canonicalize_dtype(want.dtype)


@pytest.mark.parametrize("name", LIKE)
@given(data=st.data())
@CONFORMANCE
def test_like(backend, name, data):
    x = array(data, data.draw(st.sampled_from([FLOAT, INT])))
    args = (x, 3) if name == "full_like" else (x,)
    if name == "empty_like":
        got = frontend(name)(*args)
        assert np.asarray(got).shape == x.shape and np.asarray(got).dtype == x.dtype
        return
    check(frontend(name), numpy_function(name), args)


@given(data=st.data())
@CONFORMANCE
def test_ranges(backend, data):
    start = data.draw(st.integers(-5, 5))
    stop = start + data.draw(st.integers(0, 10))
    step = data.draw(st.sampled_from([1, 2, 3]))
    check(frontend("arange"), np.arange, (start, stop, step))
    check(frontend("arange"), np.arange, (float(start), float(stop), 0.5), scale=4.0)
    num = data.draw(st.integers(0, 6))
    endpoint = data.draw(st.booleans())
    check(frontend("linspace"), np.linspace, (float(start), float(stop), num), {"endpoint": endpoint}, scale=4.0)
    check(frontend("logspace"), np.logspace, (start / 5, stop / 5, num), {"endpoint": endpoint}, scale=16.0)
    check(frontend("geomspace"), np.geomspace, (1.0 + abs(start), 2.0 + stop ** 2, num), scale=16.0)


@given(data=st.data())
@CONFORMANCE
def test_matrices(backend, data):
    n, m, k = data.draw(st.integers(0, 4)), data.draw(st.integers(0, 4)), data.draw(st.integers(-3, 3))
    check(frontend("eye"), np.eye, (n, m, k))
    check(frontend("identity"), np.identity, (n,))
    check(frontend("tri"), np.tri, (n, m, k))
    square = array(data, FLOAT, (n, m))
    check(frontend("tril"), np.tril, (square,), {"k": k})
    check(frontend("triu"), np.triu, (square,), {"k": k})
    check(frontend("diag"), np.diag, (square,), {"k": k})
    vector = array(data, INT, (n,))
    check(frontend("diag"), np.diag, (vector,), {"k": k})
    check(frontend("diagflat"), np.diagflat, (vector,), {"k": k})


@given(data=st.data())
@CONFORMANCE
def test_array_asarray_meshgrid(backend, data):
    x = array(data, data.draw(st.sampled_from([FLOAT, INT, np.float64, np.int64])))
    check(frontend("array"), np.array, (x,))
    check(frontend("asarray"), np.asarray, (x.tolist(),))
    vectors = [array(data, FLOAT, (data.draw(st.integers(0, 3)),)) for _ in range(data.draw(st.integers(1, 3)))]
    check(frontend("meshgrid"), np.meshgrid, vectors, {"indexing": data.draw(st.sampled_from(["xy", "ij"]))})


@given(data=st.data())
@CONFORMANCE
def test_one_hot(backend, data):
    classes = data.draw(st.integers(1, 5))
    indices = array(data, INT, low=-1, high=classes)
    got = bm.one_hot(indices, classes)
    # Out-of-range indices give rows of zeros (JAX's definition, followed on both backends).
    want = (indices[..., None] == np.arange(classes)).astype(np.float32)
    check(lambda: got, lambda: want, ())


def test_python_scalars_follow_the_policy(backend):
    check(frontend("asarray"), lambda v: np.asarray(v, np.float32), (1.5,))
    check(frontend("asarray"), lambda v: np.asarray(v, np.int32), (3,))
    bm.enable_x64()
    check(frontend("zeros"), np.zeros, (3,))
    check(frontend("arange"), np.arange, (4,))
