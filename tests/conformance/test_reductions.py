"""Conformance of the reductions and statistics with NumPy, on every backend."""
from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

from _strategies import RANKED, CONFORMANCE, FLOAT, INT, array, axis_for, check, frontend, numpy_function

AXIS_FLOAT = ("sum prod mean median std var max min amax amin argmax argmin ptp count_nonzero any all "
              "nansum nanprod nanmean nanmedian nanstd nanvar nanmax nanmin nanargmax nanargmin").split()
AXIS_INT = "sum prod max min argmax argmin ptp count_nonzero any all mean cumsum cumprod".split()
CUMULATIVE = "cumsum cumprod nancumsum nancumprod".split()
KEEPDIMS = "sum prod mean std var max min any all nansum nanmean nanmax nanmin".split()
QUANTILES = "percentile quantile nanpercentile nanquantile".split()
OTHER = "cumulative_sum cumulative_prod diff ediff1d average cov corrcoef".split()

COVERED = set(AXIS_FLOAT) | set(AXIS_INT) | set(CUMULATIVE) | set(QUANTILES) | set(OTHER)
# Products grow fast: compare them with a wider tolerance.
_SCALE = {"prod": 8.0, "nanprod": 8.0, "cumprod": 8.0, "nancumprod": 8.0, "std": 4.0, "var": 4.0,
          "nanstd": 4.0, "nanvar": 4.0}


@pytest.mark.parametrize("name", AXIS_FLOAT)
@given(data=st.data())
@CONFORMANCE
def test_float_reductions_over_axis(backend, name, data):
    x = array(data, FLOAT, low=-3, high=3, special=name.startswith("nan") or data.draw(st.booleans()))
    axis = axis_for(data, x.ndim)
    with np.errstate(all="ignore"):
        check(frontend(name), numpy_function(name), (x,), {"axis": axis}, scale=_SCALE.get(name, 1.0))


@pytest.mark.parametrize("name", AXIS_INT)
@given(data=st.data())
@CONFORMANCE
def test_integer_reductions(backend, name, data):
    x = array(data, INT, low=-3, high=3)
    with np.errstate(all="ignore"):
        check(frontend(name), numpy_function(name), (x,), {"axis": axis_for(data, x.ndim)})


@pytest.mark.parametrize("name", KEEPDIMS)
@given(data=st.data())
@CONFORMANCE
def test_keepdims(backend, name, data):
    x = array(data, FLOAT, low=-3, high=3)
    with np.errstate(all="ignore"):
        check(frontend(name), numpy_function(name), (x,), {"axis": axis_for(data, x.ndim), "keepdims": True},
              scale=_SCALE.get(name, 1.0))


@pytest.mark.parametrize("name", ["std", "var", "nanstd", "nanvar"])
@given(data=st.data())
@CONFORMANCE
def test_ddof(backend, name, data):
    x = array(data, FLOAT, low=-3, high=3)
    with np.errstate(all="ignore"):
        check(frontend(name), numpy_function(name), (x,), {"ddof": 1, "axis": axis_for(data, x.ndim)}, scale=4.0)


@pytest.mark.parametrize("name", CUMULATIVE)
@given(data=st.data())
@CONFORMANCE
def test_cumulative(backend, name, data):
    x = array(data, FLOAT, low=-2, high=2, special=name.startswith("nan"))
    check(frontend(name), numpy_function(name), (x,), {"axis": axis_for(data, x.ndim)}, scale=_SCALE.get(name, 1.0))


@pytest.mark.parametrize("name", QUANTILES)
@given(data=st.data())
@CONFORMANCE
def test_quantiles(backend, name, data):
    # NaN but no infinities: NumPy interpolates 0 * inf = NaN next to an infinity, JAX does not.
    x = array(data, FLOAT, special="nan" if name.startswith("nan") else False)
    top = 100.0 if "percentile" in name else 1.0
    q = data.draw(st.one_of(st.floats(0, top), st.lists(st.floats(0, top), min_size=1, max_size=3).map(
        lambda qs: np.asarray(qs, np.float32))))
    with np.errstate(all="ignore"):
        check(frontend(name), numpy_function(name), (x, q), {"axis": axis_for(data, x.ndim)}, scale=4.0)


@given(data=st.data())
@CONFORMANCE
def test_cumulative_sum_and_prod(backend, data):
    x = array(data, FLOAT, RANKED, low=-2, high=2)  # the Array API defines them for ndim >= 1
    kwargs = {"axis": axis_for(data, x.ndim, allow_none=x.ndim <= 1),
              "include_initial": data.draw(st.booleans())}
    check(frontend("cumulative_sum"), np.cumulative_sum, (x,), kwargs)
    check(frontend("cumulative_prod"), np.cumulative_prod, (x,), kwargs, scale=8.0)


@given(data=st.data())
@CONFORMANCE
def test_diff(backend, data):
    x = array(data, data.draw(st.sampled_from([FLOAT, INT])))
    kwargs = {"n": data.draw(st.integers(0, 2))}
    if x.ndim:
        kwargs["axis"] = axis_for(data, x.ndim, allow_none=False)
    check(frontend("diff"), np.diff, (x,), kwargs)
    check(frontend("ediff1d"), np.ediff1d, (x,))


@given(data=st.data())
@CONFORMANCE
def test_average(backend, data):
    x = array(data, FLOAT)
    axis = axis_for(data, x.ndim)
    weights = array(data, FLOAT, x.shape, low=0.5, high=2) if data.draw(st.booleans()) else None
    with np.errstate(all="ignore"):
        check(frontend("average"), np.average, (x,), {"axis": axis, "weights": weights}, scale=4.0)
        check(frontend("average"), np.average, (x,), {"axis": axis, "weights": weights, "returned": True},
              scale=4.0)


@pytest.mark.parametrize("name", ["cov", "corrcoef"])
@given(data=st.data())
@CONFORMANCE
def test_covariance(backend, name, data):
    rows, cols = data.draw(st.integers(1, 3)), data.draw(st.integers(2, 5))
    x = array(data, FLOAT, (rows, cols), low=-3, high=3)
    with np.errstate(all="ignore"):
        check(frontend(name), numpy_function(name), (x,), {"rowvar": data.draw(st.booleans())}, scale=16.0)


@pytest.mark.parametrize("name", ["max", "argmax", "sum", "mean"])
def test_axis_out_of_range_raises_like_numpy(backend, name):
    check(frontend(name), numpy_function(name), (np.ones((2, 3), np.float32),), {"axis": 2})
    check(frontend(name), numpy_function(name), (np.ones((2, 3), np.float32),), {"axis": -3})


@pytest.mark.parametrize("name", ["max", "argmin", "nanargmax"])
def test_empty_reduction_without_identity_raises_like_numpy(backend, name):
    check(frontend(name), numpy_function(name), (np.ones((0, 3), np.float32),))
