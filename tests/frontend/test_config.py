"""Global settings: the simulation step and the switch between 32- and 64-bit defaults."""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm


def test_dt_defaults_to_point_one_and_is_settable():
    assert bm.get_dt() == 0.1
    bm.set_dt(0.05)
    assert bm.get_dt() == 0.05


@pytest.mark.parametrize("bad", [0, -0.1, float("nan")])
def test_dt_must_be_positive(bad):
    with pytest.raises(ValueError, match="'dt'"):
        bm.set_dt(bad)


@pytest.mark.parametrize("bad", ["0.1", None, True])
def test_dt_must_be_a_number(bad):
    with pytest.raises(TypeError, match="'dt'"):
        bm.set_dt(bad)


def test_x64_switch_changes_the_named_defaults():
    assert not bm.x64_enabled()
    assert bm.float_ is np.float32 and bm.int_ is np.int32
    bm.enable_x64()
    assert bm.x64_enabled()
    assert bm.float_ is np.float64 and bm.int_ is np.int64
    bm.disable_x64()
    assert bm.float_ is np.float32 and bm.int_ is np.int32


def test_dtype_names_and_constants_are_numpys():
    assert bm.float32 is np.float32 and bm.int32 is np.int32 and bm.bool_ is np.bool_
    assert bm.pi == np.pi and bm.e == np.e and bm.inf == np.inf and np.isnan(bm.nan)
    assert bm.newaxis is None
