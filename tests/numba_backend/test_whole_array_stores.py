"""Array stores left outside fused loops call the backend's copy (``elementwise.assign``, ``store_at``).

Numba's own array assignment compiles its string formatting for the broadcast error (seconds, once
per process); the copy must keep its values, casts, broadcasting, aliasing rule and error.
"""
from __future__ import annotations

import ast

import numpy as np
import pytest

pytest.importorskip("numba")

import brainpy_math as bm  # noqa: E402
from brainpy_math_numba import elementwise  # noqa: E402

from _ir import entry_of, nodes, symbol_calls  # noqa: E402


@pytest.fixture(autouse=True)
def numba_backend():
    with bm.set_backend("numba"):
        yield


class Plastic(bm.Base):
    def __init__(self):
        super().__init__()
        self.W = bm.Variable(bm.arange(12.0).reshape(3, 4))
        self.S = bm.Variable(bm.arange(9.0).reshape(3, 3))
        self.row = bm.Variable(bm.ones(4))

    def decay(self, factor):
        self.W.value = self.W * factor + 1.0

    def broadcast_row(self):
        self.W[:] = self.row * 2.0

    def transpose_in_place(self):
        self.S.value = self.S.T  # reads the memory it writes: copied first

    def store(self, x):
        self.W[:] = x  # x's shape is known only at run time


class Recorder(bm.Base):
    def __init__(self):
        super().__init__()
        self.g = bm.Variable(bm.arange(4.0))
        self.record = bm.Variable(bm.zeros((3, 4)))
        self.v = bm.Variable(bm.arange(6.0))

    def __call__(self):
        self.record[0] = self.g
        self.record[-1] = self.g * 2.0
        self.record[1:2] = self.record[0]
        self.v[1:] = self.v[:-1]  # overlapping: NumPy copies the source first


def test_row_and_slice_stores_call_the_backends_copy_and_match_numpy():
    model = Recorder()
    step = bm.jit(model)
    step()
    g = np.arange(4.0)
    np.testing.assert_array_equal(np.asarray(model.record), np.stack([g, g, 2 * g]))
    np.testing.assert_array_equal(np.asarray(model.v), [0.0, 0.0, 1.0, 2.0, 3.0, 4.0])
    assert len(symbol_calls(step, lambda symbol: symbol.obj is elementwise.store_at, entry_of(step))) == 4


def test_a_2d_store_calls_the_backends_copy_and_matches_numpy():
    model = Plastic()
    step = bm.jit(model.decay)
    step(np.float32(0.5))
    np.testing.assert_array_equal(np.asarray(model.W), np.arange(12.0).reshape(3, 4) * 0.5 + 1.0)
    assert np.asarray(model.W).dtype == np.float32
    # the value is an operation's result (a new array): the copy without an overlap test
    assert symbol_calls(step, lambda symbol: symbol.obj is elementwise.assign_new, entry_of(step))
    assert not [n for n in nodes(entry_of(step)) if isinstance(n, ast.Subscript) and
                isinstance(n.slice, ast.Constant) and n.slice.value is Ellipsis]


def test_broadcasting_and_aliasing_stores_match_numpy():
    model = Plastic()
    bm.jit(model.broadcast_row)()
    np.testing.assert_array_equal(np.asarray(model.W), np.full((3, 4), 2.0))
    step = bm.jit(model.transpose_in_place)
    step()
    np.testing.assert_array_equal(np.asarray(model.S), np.arange(9.0).reshape(3, 3).T)
    assert symbol_calls(step, lambda symbol: symbol.obj is elementwise.assign, entry_of(step))


def test_a_store_of_the_wrong_shape_raises_value_error_and_restores_the_variable():
    model = Plastic()
    before = np.asarray(model.W).copy()
    step = bm.jit(model.store)
    with pytest.raises(ValueError, match=r"broadcast .*\(3, ?3\)"):  # NumPy's words, from the eager replay
        step(np.ones((3, 3), np.float32))
    np.testing.assert_array_equal(np.asarray(model.W), before)
    step(np.ones(4, np.float32))  # a row broadcasts
    np.testing.assert_array_equal(np.asarray(model.W), np.ones((3, 4)))
