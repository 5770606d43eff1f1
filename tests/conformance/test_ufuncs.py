"""Conformance of the elementwise functions (ufuncs and friends) with NumPy, on every backend."""
from __future__ import annotations

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

from _strategies import BOOL, CONFORMANCE, FLOAT, INT, SHAPES, array, check, frontend, numpy_function

UNARY_FLOAT = ("negative positive absolute abs fabs sign reciprocal square sqrt cbrt exp exp2 expm1 log "
               "log2 log10 log1p sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh arctanh arccosh "
               "deg2rad rad2deg degrees radians floor ceil trunc rint round around fix isnan isinf "
               "isfinite isposinf isneginf signbit nan_to_num conj conjugate real imag angle sinc spacing "
               "frexp modf acos asin atan asinh atanh acosh").split()
# Integer inputs too (NumPy's int → float promotion, narrowed under the policy).
UNARY_ANY_DTYPE = "negative positive absolute abs sign square sqrt exp log1p sin tanh isnan isfinite real".split()
BINARY_FLOAT = ("add subtract multiply divide true_divide power float_power remainder mod fmod divmod hypot "
                "arctan2 atan2 logaddexp logaddexp2 heaviside copysign nextafter maximum minimum fmax fmin "
                "greater greater_equal less less_equal equal not_equal logical_and logical_or logical_xor "
                "pow floor_divide").split()
BINARY_INT = ("bitwise_and bitwise_or bitwise_xor gcd lcm add subtract multiply maximum minimum floor_divide "
              "remainder fmod divmod").split()
SHIFTS = "left_shift right_shift bitwise_left_shift bitwise_right_shift".split()
UNARY_INT = "invert bitwise_not bitwise_invert".split()
COMPARISONS = "isclose allclose array_equal array_equiv".split()
SIGNAL = "interp convolve correlate clip ldexp logical_not".split()

COVERED = set(UNARY_FLOAT) | set(BINARY_FLOAT) | set(BINARY_INT) | set(SHIFTS) | set(UNARY_INT) | \
    set(COMPARISONS) | set(SIGNAL)


def _broadcast_pair(data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3)).input_shapes
    return shapes


@pytest.mark.parametrize("name", UNARY_FLOAT)
@given(data=st.data())
@CONFORMANCE
def test_unary_float(backend, name, data):
    x = array(data, FLOAT, special=True)
    with np.errstate(all="ignore"):
        check(frontend(name), numpy_function(name), (x,))


@pytest.mark.parametrize("name", UNARY_ANY_DTYPE)
@given(data=st.data())
@CONFORMANCE
def test_unary_integer_inputs(backend, name, data):
    # Boolean inputs are left out: NumPy computes float functions of bools in float16, which the
    # policy does not have (JAX gives float32).
    x = array(data, INT, low=0, high=20)
    with np.errstate(all="ignore"):
        check(frontend(name), numpy_function(name), (x,))


@pytest.mark.parametrize("name", BINARY_FLOAT)
@given(data=st.data())
@CONFORMANCE
def test_binary_float_broadcasting(backend, name, data):
    first, second = _broadcast_pair(data)
    special = name not in ("nextafter",)
    x = array(data, FLOAT, first, special=special)
    y = array(data, FLOAT, second, special=special, low=-4, high=4)
    # A Python scalar operand is weakly typed: float32 stays float32 (NumPy 2 and JAX alike).
    if data.draw(st.booleans()):
        y = float(data.draw(st.floats(-4, 4, width=32)))
    scale = 16.0 if name in ("power", "pow", "float_power") else 1.0
    with np.errstate(all="ignore"):
        check(frontend(name), numpy_function(name), (x, y), scale=scale)


@pytest.mark.parametrize("name", BINARY_INT)
@given(data=st.data())
@CONFORMANCE
def test_binary_integer(backend, name, data):
    first, second = _broadcast_pair(data)
    x = array(data, INT, first, low=-50, high=50)
    # NumPy defines integer division by zero only with a warning; draw non-zero divisors.
    y = array(data, INT, second, low=1, high=9) * np.int32(data.draw(st.sampled_from([1, -1])))
    check(frontend(name), numpy_function(name), (x, y))


@pytest.mark.parametrize("name", SHIFTS)
@given(data=st.data())
@CONFORMANCE
def test_shifts(backend, name, data):
    first, second = _broadcast_pair(data)
    x = array(data, INT, first, low=-1000, high=1000)
    y = array(data, INT, second, low=0, high=20)
    check(frontend(name), numpy_function(name), (x, y))


@pytest.mark.parametrize("name", UNARY_INT)
@given(data=st.data())
@CONFORMANCE
def test_unary_integer(backend, name, data):
    dtype = data.draw(st.sampled_from([INT, BOOL]))
    check(frontend(name), numpy_function(name), (array(data, dtype, low=-100, high=100),))


@pytest.mark.parametrize("name", COMPARISONS)
@given(data=st.data())
@CONFORMANCE
def test_comparisons(backend, name, data):
    first, second = _broadcast_pair(data)
    x = array(data, FLOAT, first, special=True)
    y = x + np.float32(data.draw(st.sampled_from([0.0, 1e-7, 1.0]))) if first == second and data.draw(
        st.booleans()) else array(data, FLOAT, second, special=True)
    check(frontend(name), numpy_function(name), (x, y))


@given(data=st.data())
@CONFORMANCE
def test_clip_and_logical_not(backend, data):
    x = array(data, FLOAT, special=True)
    low, high = sorted(data.draw(st.lists(st.floats(-5, 5, width=32), min_size=2, max_size=2)))
    check(frontend("clip"), np.clip, (x, low, high))
    check(frontend("logical_not"), np.logical_not, (x,))


@given(data=st.data())
@CONFORMANCE
def test_ldexp(backend, data):
    first, second = _broadcast_pair(data)
    check(frontend("ldexp"), np.ldexp, (array(data, FLOAT, first), array(data, INT, second, low=-5, high=5)))


@given(data=st.data())
@CONFORMANCE
def test_interp(backend, data):
    xp = np.unique(array(data, FLOAT, (data.draw(st.integers(1, 6)),)))
    fp = array(data, FLOAT, xp.shape)
    x = array(data, FLOAT, low=-12, high=12)
    check(frontend("interp"), np.interp, (x, xp, fp))


@pytest.mark.parametrize("name", ["convolve", "correlate"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@given(data=st.data())
@CONFORMANCE
def test_convolve_correlate(backend, name, mode, data):
    a = array(data, FLOAT, (data.draw(st.integers(1, 6)),))
    v = array(data, FLOAT, (data.draw(st.integers(1, 6)),))
    check(frontend(name), numpy_function(name), (a, v), {"mode": mode}, scale=4.0)


@pytest.mark.parametrize("name", ["add", "arctan2", "maximum", "logical_and"])
def test_mismatched_shapes_raise_like_numpy(backend, name):
    check(frontend(name), numpy_function(name), (np.ones(2, np.float32), np.ones(3, np.float32)))


@pytest.mark.parametrize("name", ["add", "multiply", "sin", "maximum"])
def test_results_follow_x64(backend, name):
    """Under ``bm.enable_x64()`` float64 inputs keep float64 (NumPy's dtype, nothing narrowed)."""
    import brainpy_math as bm
    bm.enable_x64()
    x = np.linspace(0.1, 0.9, 5)
    args = (x,) if name == "sin" else (x, x[::-1])
    check(frontend(name), numpy_function(name), args)
