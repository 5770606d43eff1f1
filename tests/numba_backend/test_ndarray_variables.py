"""Numba backend specifics: arrays are plain ndarrays; Variables are ndarray subclasses."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

pytest.importorskip("numba")

import brainpy_math as bm  # noqa: E402


@pytest.fixture(autouse=True)
def _numba_backend():
    with bm.set_backend("numba"):
        yield


def test_arrays_are_ndarrays_that_follow_the_promotion_table():
    x = bm.zeros(3)
    assert type(x) is bm.ndarray and bm.ndarray.__name__ == "NumbaArray" and isinstance(x, np.ndarray)
    assert type(np.asarray(x)) is np.ndarray and np.shares_memory(np.asarray(x), x)  # a plain view
    assert (bm.arange(3) * 0.1).dtype == np.float32  # NumPy alone: float64


def test_variable_is_an_ndarray_whose_value_is_a_view():
    v = bm.Variable(bm.zeros(3))
    assert isinstance(v, np.ndarray)
    view = v.value
    assert type(view) is bm.ndarray  # not a Variable: operators on it give new arrays
    view[0] = 5.0  # writes through the view reach the Variable
    assert v[0] == 5.0


def test_out_argument_keeps_the_variable():
    v = bm.Variable(bm.ones(3))
    out = np.add(v, 1.0, out=v)
    assert out is v and v.tolist() == [2.0, 2.0, 2.0]


def test_variable_pickles_and_copies():
    v = bm.TrainVar(bm.arange(3.0))
    back = pickle.loads(pickle.dumps(v))
    assert isinstance(back, bm.TrainVar) and back.tolist() == [0.0, 1.0, 2.0]


def test_numba_functions_accept_variables():
    import numba

    @numba.njit
    def double(x):
        x *= 2

    v = bm.Variable(bm.ones(2))
    double(v.value)
    assert v.tolist() == [2.0, 2.0]
