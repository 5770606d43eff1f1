"""Bugs found by the differential fuzzer (test_differential.py), each as a minimal named model.

Each test runs its model on every installed path with :func:`check_class` (eager Numba, Numba's
``bm.jit`` fused and ``fuse=False``, eager JAX, JAX's ``jit``). A bug not fixed yet is marked
``xfail(strict=True)``: the test turns red once it is fixed, and then the mark and the bug's name
in ``_generator.KNOWN_BUGS`` (which keeps the fuzzer from drawing it meanwhile) are removed.
"""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

import brainpy_math as bm

from .test_differential import check_class

# Skipped without Numba, failed where it is required (tests/conftest.py).
pytestmark = pytest.mark.needs_backends("numba")


class Int16MaximumOfAnExpression(bm.Base):
    def __init__(self):
        super().__init__()
        self.v = bm.Variable(bm.asarray([7, -3], dtype=bm.int16))

    def update(self):
        return bm.maximum(self.v * 1, 0)


class UInt8WhereOfAnExpression(bm.Base):
    def __init__(self):
        super().__init__()
        self.v = bm.Variable(bm.asarray([7, 1], dtype=bm.uint8))

    def update(self):
        return bm.where(self.v > 2, self.v + 1, 10)


class UInt8ClampedInPlace(bm.Base):
    """The fuzzer's first find: the clamp it appended to keep a Variable in range."""

    def __init__(self):
        super().__init__()
        self.v = bm.Variable(bm.asarray([7], dtype=bm.uint8))

    def update(self):
        self.v.value = bm.minimum(bm.maximum(self.v, 0), 10)


class Float32MaximumOfAnExpression(bm.Base):
    def __init__(self):
        super().__init__()
        self.v = bm.Variable(bm.asarray([1.5, -2.5], dtype=bm.float32))

    def update(self):
        return bm.maximum(self.v + 1.0, 0.5)


class Int32Dot(bm.Base):
    def __init__(self):
        super().__init__()
        self.v = bm.Variable(bm.asarray([1, 2, 3], dtype=bm.int32))

    def update(self):
        return bm.dot(self.v, self.v)


STRONG_LITERAL = ("Numba jit types the Python int beside a compound expression in bm.maximum/minimum/where as "
                  "a strong int64 (emitted as a bare literal, not through the weak-literal helpers): the "
                  "result is the policy int, not the expression's dtype")


@pytest.mark.xfail(strict=True, reason=STRONG_LITERAL + " (int16 -> int32)")
def test_maximum_of_an_int16_expression_and_a_python_int_keeps_int16_under_jit():
    check_class(Int16MaximumOfAnExpression)


@pytest.mark.xfail(strict=True, reason=STRONG_LITERAL + " (uint8 -> int32)")
def test_where_of_a_uint8_expression_and_a_python_int_keeps_uint8_under_jit():
    check_class(UInt8WhereOfAnExpression)


@pytest.mark.xfail(strict=True, reason=STRONG_LITERAL + ": the int32 result cannot be written into the uint8 "
                                                        "Variable, so the jitted update raises ValueError")
def test_uint8_variable_clamped_with_nested_maximum_minimum_under_jit():
    check_class(UInt8ClampedInPlace)


@pytest.mark.xfail(strict=True, reason="the same strong-literal typing for a Python float: under x64 a "
                                       "float32 expression beside 0.5 gives float64 under Numba's jit")
def test_maximum_of_a_float32_expression_and_a_python_float_keeps_float32_under_x64_jit():
    check_class(Float32MaximumOfAnExpression, x64=True)


def test_maximum_of_a_float32_expression_and_a_python_float_under_the_default_policy():
    # Without x64 the float64 result is narrowed to float32 by the policy: this case agrees.
    check_class(Float32MaximumOfAnExpression)


@pytest.mark.xfail(strict=True, reason="bm.dot of integer (or bool) arrays does not compile under Numba's jit: "
                                       "Numba's np.dot takes only floats (kernels.COMPILED_NP lists 'dot'); "
                                       "it raises TypeError where eager code returns int32")
def test_dot_of_int32_vectors_under_jit():
    check_class(Int32Dot)


class BoolMinimumWithPythonInt(bm.Base):
    def __init__(self):
        super().__init__()
        self.b = bm.Variable(bm.asarray([True, False], dtype=bm.bool))

    def update(self):
        return bm.minimum(self.b, 1)


@pytest.mark.xfail(strict=True, reason="Numba jit casts the Python int beside a bool array in bm.maximum/minimum "
                                       "to bool (literals.cast_literal): the result is bool, the table (and "
                                       "eager code) says int32")
def test_minimum_of_a_bool_variable_and_a_python_int_is_int32_under_jit():
    check_class(BoolMinimumWithPythonInt)


class BoolTimesFloatDotted(bm.Base):
    def __init__(self):
        super().__init__()
        self.b = bm.Variable(bm.asarray([True, False], dtype=bm.bool))
        self.f = bm.Variable(bm.asarray([1.5, 2.5], dtype=bm.float32))

    def update(self):
        t = self.b * 0.5
        return bm.dot(t, self.f)


def _in_a_fresh_process(script: str, folder: pathlib.Path) -> subprocess.CompletedProcess:
    """``script`` run by a new interpreter from the repository root, with empty compile caches in
    ``folder``: the backend's ``cache=True`` kernels are compiled anew, in the order the script uses them."""
    root = pathlib.Path(__file__).resolve().parents[2]
    env = {**os.environ, "NUMBA_CACHE_DIR": str(folder / "numba"), "BRAINPY_MATH_CACHE_DIR": str(folder / "bm")}
    return subprocess.run([sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True,
                          timeout=600)


def _check_under_x64_after_the_32_bit_policy(model: str, folder: pathlib.Path) -> None:
    """``check_class(model, x64=True)`` in a fresh process with empty caches, the model compiled under the
    32-bit policy first: the order that once decided the dtype of the weak-literal kernels (see
    test_weak_literal_kernels_follow_the_policy_after_switching_x64)."""
    run = _in_a_fresh_process("import brainpy_math as bm\n"
                              "import tests.fuzz.test_fuzz_regressions as r\n"
                              "bm.set_backend('numba')\n"
                              f"bm.jit(r.{model}().update)()\n"
                              f"r.check_class(r.{model}, x64=True)\n", folder)
    assert run.returncode == 0, run.stderr[-2000:]


class BoolTimesFloat(bm.Base):
    def __init__(self):
        super().__init__()
        self.b = bm.Variable(bm.asarray([True, False], dtype=bm.bool))

    def update(self):
        return self.b * 0.5


# `bool_array * 0.5` is float32 inside compiled code under the 32-bit policy and float64 under x64, whichever
# policy compiled the weak-literal kernel first, in this process or (through Numba's disk cache) an earlier
# one. It once kept the dtype of its first use: the dot below failed or passed with the order of the tests.
def test_dot_of_a_bool_times_python_float_and_a_float32_variable_under_jit(tmp_path):
    run = _in_a_fresh_process("from tests.fuzz.test_fuzz_regressions import BoolTimesFloatDotted, check_class\n"
                              "check_class(BoolTimesFloatDotted)\n", tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]


def test_weak_literal_kernels_follow_the_policy_after_switching_x64(tmp_path):
    x64_first = ("import brainpy_math as bm\n"
                 "import tests.fuzz.test_fuzz_regressions as r\n"
                 "r.check_class(r.BoolTimesFloat, x64=True)\n"
                 "r.check_class(r.BoolTimesFloatDotted)\n"
                 "r.check_class(r.BoolTimesFloat)\n")
    run = _in_a_fresh_process(x64_first, tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    # A later process finds both policies' kernels in the disk cache: each must be found under its own.
    run = _in_a_fresh_process("import tests.fuzz.test_fuzz_regressions as r\n"
                              "r.check_class(r.BoolTimesFloatDotted)\n"
                              "r.check_class(r.BoolTimesFloat, x64=True)\n", tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]


class MixedFloatDot(bm.Base):
    def __init__(self):
        super().__init__()
        self.f = bm.Variable(bm.asarray([1.5, 2.5], dtype=bm.float32))
        self.d = bm.Variable(bm.asarray([0.5, -1.0], dtype=bm.float64))

    def update(self):
        return bm.dot(self.f, self.d)


@pytest.mark.xfail(strict=True, reason="bm.dot of float32 and float64 arrays (x64) does not compile under Numba's "
                                       "jit (Numba's np.dot needs one dtype; eager code promotes): TypeError")
def test_dot_of_float32_and_float64_variables_under_x64_jit():
    check_class(MixedFloatDot, x64=True)


class Int8Exp(bm.Base):
    def __init__(self):
        super().__init__()
        self.i = bm.Variable(bm.asarray([1, 2, 3], dtype=bm.int8))

    def update(self):
        return bm.exp(self.i)


@pytest.mark.xfail(strict=True, reason="eager bm.exp (tanh, sqrt, sin...) of an int8, uint8 or bool array on Numba "
                                       "returns float16 (NumPy's loop: numpy_ops calls np.exp on the plain array "
                                       "instead of applying the table), where Numba's jit and JAX give float32")
def test_exp_of_an_int8_variable_is_float32_eagerly_on_numba():
    check_class(Int8Exp)


class BoolPlusPythonInt(bm.Base):
    def __init__(self):
        super().__init__()
        self.b = bm.Variable(bm.asarray([True, False], dtype=bm.bool))

    def update(self):
        return self.b + 1


def test_bool_variable_plus_python_int_is_int64_under_x64_jit(tmp_path):
    _check_under_x64_after_the_32_bit_policy("BoolPlusPythonInt", tmp_path)


class BoolDividedByPythonInt(bm.Base):
    def __init__(self):
        super().__init__()
        self.b = bm.Variable(bm.asarray([True, False], dtype=bm.bool))

    def update(self):
        return self.b / 2, self.b / 0.5, 3 / (self.b + 1)


def test_bool_variable_divided_by_python_int_under_x64_jit():
    # Found on review: the weak-literal kernels asked a numba bool type for its bit width (a typing error),
    # and divided a bool by a Python int in float32 under x64 where eager code and JAX give float64.
    check_class(BoolDividedByPythonInt, x64=True)
    check_class(BoolDividedByPythonInt)


class MeanOfAZeroDExpression(bm.Base):
    def __init__(self):
        super().__init__()
        self.v = bm.Variable(bm.asarray(3, dtype=bm.int16))

    def update(self):
        return (self.v * 0.5).mean()


@pytest.mark.xfail(strict=True, reason="arithmetic on a 0-d array gives a Numba scalar inside compiled code, and "
                                       "a scalar has no .mean(): TypeError under Numba's jit, 1.5 eagerly")
def test_mean_method_of_a_zero_d_expression_under_jit():
    check_class(MeanOfAZeroDExpression)


class Int16Mean(bm.Base):
    def __init__(self):
        super().__init__()
        self.i = bm.Variable(bm.asarray([1, 2, 4], dtype=bm.int16))

    def update(self):
        return self.i.mean()


@pytest.mark.needs_backends("numba", "jax")  # the disagreement is between the two backends
@pytest.mark.xfail(strict=True, reason="under x64, .mean() (and bm.mean, bm.sqrt...) of an int16 array is "
                                       "float64 on Numba, eagerly and under jit (NumPy's types); the table and "
                                       "JAX say float32 for 8- to 32-bit integers")
def test_mean_of_an_int16_variable_is_float32_under_x64_on_both_backends():
    check_class(Int16Mean, x64=True)


class Int32TimesPythonFloat(bm.Base):
    def __init__(self):
        super().__init__()
        self.v = bm.Variable(bm.asarray([405, -3], dtype=bm.int32))

    def update(self):
        return self.v * 0.5


def test_int32_variable_times_python_float_is_float64_under_x64_jit(tmp_path):
    _check_under_x64_after_the_32_bit_policy("Int32TimesPythonFloat", tmp_path)


class BoolProductStored(bm.Base):
    def __init__(self):
        super().__init__()
        self.b = bm.Variable(bm.asarray([True, False], dtype=bm.bool))

    def update(self):
        self.b.value = self.b * self.b


# Fixed: the fused loop computes bool * bool (bool + bool) of known bools as & (|), as NumPy does.
def test_product_of_bool_variables_stored_into_a_bool_variable_under_jit():
    check_class(BoolProductStored)


class Float64WhereWithPythonInt(bm.Base):
    def __init__(self):
        super().__init__()
        self.d = bm.Variable(bm.asarray([3.75, 0.5], dtype=bm.float64))

    def update(self):
        self.d.value = bm.where(self.d > 1, self.d, 1)


# Fixed: the fused loop's where of known dtypes no longer takes a Python int for a float64.
def test_where_of_a_float64_variable_and_a_python_int_stored_under_x64_jit():
    check_class(Float64WhereWithPythonInt, x64=True)


def _floor_at_one(x):
    return bm.where(x > 1, x, 1.0)


class HelperInsideAReduction(bm.Base):
    def __init__(self):
        super().__init__()
        self.v = bm.Variable(bm.asarray([-7.5, 4.25, -0.75, -4.75]))
        self.s = bm.Variable(bm.asarray(3.5))

    def update(self):
        self.v *= bm.sum(bm.where(self.v >= -0.5, -self.s, _floor_at_one(self.s)))


# Found after the fused loops began writing helper bodies into the loop: the argument of bm.sum is
# computed by a materialising kernel, which dropped the helper's statements (NameError in Numba).
def test_helper_called_inside_the_argument_of_a_reduction_under_jit():
    check_class(HelperInsideAReduction)


class Int8ZeroDExpressionReturned(bm.Base):
    def __init__(self):
        super().__init__()
        self.b = bm.Variable(bm.asarray(False))
        self.v = bm.Variable(bm.asarray(-5, dtype=bm.int8))

    def update(self):
        t = bm.where(self.b, self.v, 1)
        return 1 + t * 3


# Fixed with bm.where's Python literal typed beside the array (the where gave int64 under x64, and
# the arithmetic after it kept that): int8, as eager code, the table and JAX.
def test_int8_zero_d_expression_returned_under_x64_jit():
    check_class(Int8ZeroDExpressionReturned, x64=True)


class UInt8WhereOfAVariableAndAPythonInt(bm.Base):
    """The fuzzer's find (through ``t4, t5 = half_and_next(bm.where(self.v0 > 5, self.v0, 3))``)."""

    def __init__(self):
        super().__init__()
        self.v0 = bm.Variable(bm.asarray([0, 9], dtype=bm.uint8))

    def update(self):
        t = bm.where(self.v0 > 5, self.v0, 3)
        self.v0 *= t + 2
        return bm.where(self.v0 > 5, 1, self.v0)


class Float32WhereOfAVariableAndAPythonFloat(bm.Base):
    def __init__(self):
        super().__init__()
        self.v = bm.Variable(bm.asarray([1.5, -2.5], dtype=bm.float32))

    def update(self):
        self.v.value = bm.where(self.v > 0, self.v, 0.5)
        return bm.where(self.v > 1, 2, self.v)


# Fixed: under Numba's jit, bm.where typed the Python literal beside a Variable as a strong int64 /
# float64 (Numba's np.where), so a uint8 Variable's where gave int32 (and writing it back raised
# ValueError) and float32 gave float64 under x64; the literal is now cast to the Variable's dtype.
def test_where_of_a_uint8_variable_and_a_python_int_keeps_uint8_under_jit():
    check_class(UInt8WhereOfAVariableAndAPythonInt)


def test_where_of_a_float32_variable_and_a_python_float_keeps_float32_under_x64_jit():
    check_class(Float32WhereOfAVariableAndAPythonFloat, x64=True)


class Int8TimesABoolExpressionWithPythonInts(bm.Base):
    """The fuzzer's find: ``(-self.v1) * double_plus_one(self.v0)`` with v0 bool and v1 int8."""

    def __init__(self):
        super().__init__()
        self.v0 = bm.Variable(bm.zeros((3, 3), dtype=bm.bool_))
        self.v1 = bm.Variable(bm.asarray(1, dtype=bm.int8))

    def update(self):
        return (-self.v1) * (self.v0 * 2 + 1), self.v1 * (self.v0 + 1)


# Fixed: jax types `bool_array * 2` as a *weak* int32, so int8 times it was int8 on the JAX backend
# (eager and jit) where the table, NumPy and the Numba backend say int32. A Python number beside a
# bool JaxArray is now the policy's strong dtype of its kind.
def test_int8_times_a_bool_expression_with_python_ints_is_int32():
    check_class(Int8TimesABoolExpressionWithPythonInts)

