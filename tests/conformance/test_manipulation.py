"""Conformance of the array manipulation functions with NumPy, on every backend."""
from __future__ import annotations

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import brainpy_math as bm
from _strategies import CONFORMANCE, FLOAT, INT, RANKED, SHAPES, array, axis_for, check, frontend, numpy_function


def _any(data):
    # 0-d inputs are covered by the elementwise and reduction modules; these functions take axes.
    return array(data, data.draw(st.sampled_from([FLOAT, INT])), RANKED)


def _split_points(data, x, axis):
    size = x.shape[axis]
    return sorted(data.draw(st.lists(st.integers(0, size), max_size=3)))


def _axis_required(data, x):
    return axis_for(data, x.ndim, allow_none=False)


def _stack_inputs(data, extra_dims=0):
    shape = data.draw(hnp.array_shapes(min_dims=extra_dims, max_dims=3, min_side=0, max_side=3))
    return [array(data, FLOAT, shape) for _ in range(data.draw(st.integers(1, 3)))]


# name -> draw(data) -> (args, kwargs)
CASES = {
    "reshape": lambda d, x: ((x, (-1,)), {}),
    "ravel": lambda d, x: ((x,), {}),
    "transpose": lambda d, x: ((x,), {"axes": tuple(d.draw(st.permutations(range(x.ndim))))}),
    "permute_dims": lambda d, x: ((x, tuple(d.draw(st.permutations(range(x.ndim))))), {}),
    "moveaxis": lambda d, x: ((x, _axis_required(d, x), _axis_required(d, x)), {}),
    "swapaxes": lambda d, x: ((x, _axis_required(d, x), _axis_required(d, x)), {}),
    "expand_dims": lambda d, x: ((x, d.draw(st.integers(-x.ndim - 1, x.ndim))), {}),
    "squeeze": lambda d, x: ((x,), {}),
    "broadcast_to": lambda d, x: ((x, (2,) + x.shape), {}),
    "atleast_1d": lambda d, x: ((x,), {}),
    "atleast_2d": lambda d, x: ((x,), {}),
    "atleast_3d": lambda d, x: ((x,), {}),
    "tile": lambda d, x: ((x, d.draw(st.sampled_from([2, (1, 2), (2, 1, 1)]))), {}),
    "repeat": lambda d, x: ((x, d.draw(st.integers(0, 3))), {"axis": axis_for(d, x.ndim)}),
    "roll": lambda d, x: ((x, d.draw(st.integers(-5, 5))), {"axis": axis_for(d, x.ndim)}),
    "flip": lambda d, x: ((x,), {"axis": axis_for(d, x.ndim)}),
    "pad": lambda d, x: ((x, d.draw(st.integers(0, 2))),
                         {"mode": d.draw(st.sampled_from(["constant", "edge", "wrap", "reflect"]))}),
    "diagonal": lambda d, x: ((x,), {"offset": d.draw(st.integers(-2, 2))}),
    "trace": lambda d, x: ((x,), {"offset": d.draw(st.integers(-2, 2))}),
    "matrix_transpose": lambda d, x: ((x,), {}),
    "fliplr": lambda d, x: ((x,), {}),
    "flipud": lambda d, x: ((x,), {}),
    "rot90": lambda d, x: ((x, d.draw(st.integers(-3, 3))), {}),
    "nonzero": lambda d, x: ((x,), {}),
    "argwhere": lambda d, x: ((x,), {}),
    "flatnonzero": lambda d, x: ((x,), {}),
    "delete": lambda d, x: ((x, d.draw(st.integers(0, 2))), {"axis": axis_for(d, x.ndim)}),
    "insert": lambda d, x: ((x, 0, 7), {"axis": axis_for(d, x.ndim)}),
    "append": lambda d, x: ((x, x), {"axis": axis_for(d, x.ndim)}),
    "array_split": lambda d, x: ((x, d.draw(st.integers(1, 3))), {"axis": _axis_required(d, x) if x.ndim else 0}),
    "split": lambda d, x: ((x, _split_points(d, x, 0)), {"axis": 0}),
    "hsplit": lambda d, x: ((x, _split_points(d, x, 1 if x.ndim > 1 else 0)), {}),
    "vsplit": lambda d, x: ((x, _split_points(d, x, 0)), {}),
    "unstack": lambda d, x: ((x,), {"axis": _axis_required(d, x) if x.ndim else 0}),
}
STACKING = "concatenate concat stack hstack vstack dstack column_stack".split()
INDEXING = "take take_along_axis where select extract compress broadcast_arrays put".split()
COVERED = set(CASES) | set(STACKING) | set(INDEXING)


@pytest.mark.parametrize("name", list(CASES))
@given(data=st.data())
@CONFORMANCE
def test_manipulation(backend, name, data):
    x = _any(data)
    args, kwargs = CASES[name](data, x)
    check(frontend(name), numpy_function(name), args, kwargs)


@pytest.mark.parametrize("name", STACKING)
@given(data=st.data())
@CONFORMANCE
def test_stacking(backend, name, data):
    arrays = _stack_inputs(data, extra_dims=1 if name in ("concatenate", "concat") else 0)
    kwargs = {}
    if name in ("concatenate", "concat", "stack"):
        ndim = arrays[0].ndim + (name == "stack")
        kwargs["axis"] = axis_for(data, ndim, allow_none=name != "stack") if ndim else 0
    check(frontend(name), numpy_function(name), (arrays,), kwargs)


@given(data=st.data())
@CONFORMANCE
def test_take(backend, data):
    x = array(data, FLOAT, RANKED)
    axis = axis_for(data, x.ndim)
    size = x.size if axis is None else x.shape[axis]
    if size == 0:
        return check(frontend("take"), np.take, (x, np.zeros(0, np.int32)), {"axis": axis})
    indices = array(data, INT, SHAPES, low=-size, high=size - 1)
    check(frontend("take"), np.take, (x, indices), {"axis": axis})


@given(data=st.data())
@CONFORMANCE
def test_take_along_axis(backend, data):
    x = array(data, FLOAT, hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    axis = axis_for(data, x.ndim, allow_none=False)
    shape = list(x.shape)
    shape[axis] = data.draw(st.integers(0, 3))
    indices = array(data, INT, tuple(shape), low=-x.shape[axis], high=x.shape[axis] - 1)
    check(frontend("take_along_axis"), np.take_along_axis, (x, indices, axis))


@given(data=st.data())
@CONFORMANCE
def test_where_select_extract_compress(backend, data):
    shape = data.draw(SHAPES)
    condition = array(data, np.bool_, shape)
    x, y = array(data, FLOAT, shape), array(data, FLOAT, shape)
    check(frontend("where"), np.where, (condition, x, y))
    check(frontend("where"), np.where, (condition, x, 0.5))
    check(frontend("select"), np.select, ([condition, ~condition], [x, y], 0.0))
    check(frontend("extract"), np.extract, (condition, x))
    check(frontend("compress"), np.compress, (condition.ravel(), x.ravel()))
    check(frontend("broadcast_arrays"), np.broadcast_arrays, (x, y[..., :1] if y.ndim else y))


@given(data=st.data())
@CONFORMANCE
def test_put_writes_in_place(backend, data):
    x = array(data, FLOAT, hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4))
    indices = array(data, INT, (data.draw(st.integers(1, 3)),), low=-x.size, high=x.size - 1)
    values = array(data, FLOAT, (data.draw(st.integers(1, 3)),))
    mode = data.draw(st.sampled_from(["raise", "wrap", "clip"]))
    target = bm.array(x)
    expected = x.copy()
    np.put(expected, indices, values, mode=mode)
    assert bm.put(target, indices, values, mode=mode) is None
    check(lambda: target, lambda: expected, ())


@pytest.mark.parametrize("name", ["moveaxis", "swapaxes", "expand_dims", "squeeze", "flip"])
def test_bad_axis_raises_like_numpy(backend, name):
    x = np.ones((2, 3), np.float32)
    args = {"moveaxis": (x, 0, 5), "swapaxes": (x, 0, 5), "expand_dims": (x, 5), "squeeze": (x, 0),
            "flip": (x, 5)}[name]
    check(frontend(name), numpy_function(name), args)


def test_put_out_of_range_raises_like_numpy(backend):
    with pytest.raises(IndexError):
        bm.put(bm.zeros(3), [5], [1.0])
