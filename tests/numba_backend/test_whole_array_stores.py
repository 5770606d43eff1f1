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


class Indexed(bm.Base):
    def __init__(self):
        super().__init__()
        self.at = bm.Variable(bm.asarray(2, dtype=bm.int32))  # a 0-d index, as LengthDelay keeps one
        self.record = bm.Variable(bm.zeros((4, 3)))
        self.flat = bm.Variable(bm.zeros(5))

    def __call__(self, row, k):
        self.record[self.at.value] = row  # a row at a 0-d array index
        self.flat[self.at.value] = 7.0    # an item at a 0-d array index
        self.flat[k] = 1.0                # an item at an int argument
        for i in range(2):
            self.flat[i] = self.flat[i] + 0.5  # inside a loop: Numba's own item store


def test_stores_at_an_index_held_in_a_name_call_the_backends_copy_outside_loops():
    """A 0-d integer array index takes Numba's fancy-indexing store, which compiles its string
    formatting: outside loops, stores at a name call ``store_at``, which indexes with the integer."""
    model = Indexed()
    step = bm.jit(model)
    step(np.arange(3.0, dtype=np.float32), 4)
    record = np.zeros((4, 3))
    record[2] = np.arange(3.0)
    np.testing.assert_array_equal(np.asarray(model.record), record)
    np.testing.assert_array_equal(np.asarray(model.flat), [0.5, 0.5, 7.0, 0.0, 1.0])
    assert len(symbol_calls(step, lambda symbol: symbol.obj is elementwise.store_at, entry_of(step))) == 3


class OutOfBounds(bm.Base):
    def __init__(self):
        super().__init__()
        self.out = bm.Variable(bm.zeros(1))
        self.rows = bm.Variable(bm.zeros((2, 3)))

    def item(self):
        self.rows[0] = self.rows[1] + 1.0  # a write before the failing one: undone
        self.out[3] = 1.0

    def row(self):
        self.rows[5] = self.rows[0]


@pytest.mark.parametrize("method", ["item", "row"])
def test_a_store_at_an_index_out_of_bounds_raises_index_error_and_restores_the_variables(method):
    """Regression: ``store_at`` was compiled without the bounds checks of the generated code calling
    it, so ``self.out[3] = 1.0`` on a one-element Variable wrote past its end and returned."""
    model = OutOfBounds()
    with pytest.raises(IndexError, match="out of bounds for axis 0"):
        bm.jit(getattr(model, method))()
    np.testing.assert_array_equal(np.asarray(model.rows), np.zeros((2, 3)))
    np.testing.assert_array_equal(np.asarray(model.out), [0.0])
