"""Operators written the ordinary NumPy way mean the same on both backends, eager and compiled.

Every binary, reflected, comparison and unary operator is drawn with a pair of dtypes (bool,
int8-int64, uint8-uint32, float16-float64) and operand kinds (a bm array, a Variable, a NumPy array,
a NumPy scalar, a Python bool/int/float). Each case runs four ways — Numba backend eager and inside
``bm.jit``, JAX backend eager and inside ``bm.jit`` — and every way must give the dtype of the
policy's promotion table (:mod:`brainpy_math._promotion`, the README's table) and NumPy's values
computed in that dtype, or all must raise the same kind of error.

Within float tolerance: XLA may fuse or reorder float operations (1 ulp).
"""
from __future__ import annotations

import operator
import warnings

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import brainpy_math as bm
from brainpy_math import _promotion

DTYPES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
          np.float16, np.float32, np.float64]
KINDS = ["bm", "variable", "numpy", "numpy_scalar", "python"]


# One module-level function per operator: the Numba backend compiles functions from their source.
def _add(a, b): return a + b
def _sub(a, b): return a - b
def _mul(a, b): return a * b
def _truediv(a, b): return a / b
def _floordiv(a, b): return a // b
def _mod(a, b): return a % b
def _pow(a, b): return a ** b
def _and(a, b): return a & b
def _or(a, b): return a | b
def _xor(a, b): return a ^ b
def _lshift(a, b): return a << b
def _rshift(a, b): return a >> b
def _lt(a, b): return a < b
def _le(a, b): return a <= b
def _gt(a, b): return a > b
def _ge(a, b): return a >= b
def _eq(a, b): return a == b
def _ne(a, b): return a != b
def _neg(a): return -a
def _pos(a): return +a
def _abs(a): return abs(a)
def _invert(a): return ~a


BINARY = {"+": (_add, operator.add), "-": (_sub, operator.sub), "*": (_mul, operator.mul),
          "/": (_truediv, operator.truediv), "//": (_floordiv, operator.floordiv),
          "%": (_mod, operator.mod), "**": (_pow, operator.pow), "&": (_and, operator.and_),
          "|": (_or, operator.or_), "^": (_xor, operator.xor), "<<": (_lshift, operator.lshift),
          ">>": (_rshift, operator.rshift), "<": (_lt, operator.lt), "<=": (_le, operator.le),
          ">": (_gt, operator.gt), ">=": (_ge, operator.ge), "==": (_eq, operator.eq),
          "!=": (_ne, operator.ne)}
UNARY = {"-": (_neg, operator.neg), "+": (_pos, operator.pos), "abs": (_abs, abs), "~": (_invert, operator.invert)}
COMPARISONS = {"<", "<=", ">", ">=", "==", "!="}
# Operations without a bool version compute bools in int32 (JAX's rule; NumPy would use int8).
BOOL_AS_INTEGER = {"//", "%", "**", "<<", ">>"}

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def _values(dtype: np.dtype, op: str, side: str) -> np.ndarray:
    """Three values of ``dtype`` valid for ``op`` on ``side`` ('left'/'right'): no division by zero,
    no negative or large exponents and shifts, nothing that overflows."""
    kind = dtype.kind
    if kind == "b":
        divisor = op in ("/", "//", "%") and side == "right"
        return np.array([True, True, True] if divisor else [True, False, True])
    if op in ("/", "//", "%") and side == "right":
        picks = [3, 1, 2] if kind == "u" else [3, -2, 1]
    elif op == "**":
        picks = [2, 0, 3] if side == "right" else ([2, 1, 3] if kind in "iu" else [1.5, 0.5, 2.0])
    elif op in ("<<", ">>"):
        picks = [1, 2, 0] if side == "right" else [3, 5, 1]
    else:
        picks = [3, 1, 2] if kind == "u" else ([-3, 1, 2] if kind in "i" else [-2.5, 1.25, 2.0])
    return np.array(picks, dtype=dtype)


def _operand(kind: str, values: np.ndarray) -> object:
    if kind == "bm":
        return bm.asarray(values, dtype=values.dtype)
    if kind == "variable":
        return bm.Variable(bm.asarray(values, dtype=values.dtype))
    if kind == "numpy":
        return values
    if kind == "numpy_scalar":
        return values[0]
    return values[0].item()  # a Python bool, int or float


def _expected_dtype(op: str, operands: tuple) -> np.dtype:
    if op in COMPARISONS:
        return np.dtype(np.bool_)
    dtype = _promotion.result_type(*operands)
    if op == "/" and dtype.kind in "biu":
        return _promotion.inexact_type(dtype)
    if dtype.kind == "b" and op in BOOL_AS_INTEGER:
        return np.dtype(np.int32)
    return dtype


def _reference(op: str, fn, operands: tuple, dtype: np.dtype) -> np.ndarray:
    """NumPy's values with every operand first converted to the computation's dtype."""
    compute = dtype if op not in COMPARISONS else _promotion.result_type(*operands)
    if op in COMPARISONS and _python_int_outside_result(op, operands):
        # Compared exactly, as NumPy 2 compares a Python int with an array it does not fit.
        return np.asarray(fn(*(o if type(o) is int else np.asarray(o) for o in operands)))
    cast = [np.asarray(np.asarray(o), dtype=compute) for o in operands]
    if op == "+" and len(cast) == 1 and compute.kind == "b":
        return cast[0].copy()  # NumPy has no `positive` for bools; the table returns them unchanged
    with np.errstate(all="ignore"):
        return np.asarray(fn(*cast)).astype(dtype)


def _run(backend: str, compiled: bool, function, operands_spec) -> object:
    with bm.set_backend(backend):
        operands = [_operand(kind, values) for kind, values in operands_spec]
        f = bm.jit(function) if compiled else function
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = f(*operands)
        return np.asarray(result), result.dtype


def _outcome(backend, compiled, function, operands_spec):
    try:
        return _run(backend, compiled, function, operands_spec)
    except NotImplementedError as error:
        if backend == "numba" and compiled and any(v.dtype == np.float16 for _, v in operands_spec):
            return "float16"  # Numba cannot compile float16 arithmetic; it must say so
        raise error
    except (TypeError, ValueError, OverflowError) as error:
        return type(error)


def _error_kind(outcome) -> type | None:
    if isinstance(outcome, type) and issubclass(outcome, Exception):
        return TypeError if issubclass(outcome, TypeError) else outcome
    return None


def _check(op: str, function, reference_fn, operands_spec, backends) -> None:
    plain = tuple(_operand(kind, values) if kind in ("numpy", "numpy_scalar", "python") else values
                  for kind, values in operands_spec)
    outcomes = {(b, c): _outcome(b, c, function, operands_spec) for b in backends for c in (False, True)}
    outcomes = {k: v for k, v in outcomes.items() if not (isinstance(v, str) and v == "float16")}
    if ("numba", True) in outcomes and _numba_computes_bools_as_int8(op, plain):
        # The documented exception (README, "Where agreement stops"): compiled Numba code computes
        # these operations on bools as NumPy's loops do, in int8, and cannot tell.
        got = outcomes.pop(("numba", True))
        assert not isinstance(got, type) and got[1] == np.int8, f"{op} on bools, numba jit: {got}"
    if ("jax", True) in outcomes and _python_int_outside_result(op, plain):
        # Documented (README, "Where agreement stops"): inside bm.jit on JAX a Python int argument is
        # a traced value, and XLA cannot raise; the eager call and the Numba backend raise.
        outcomes.pop(("jax", True))
    errors = {k: _error_kind(v) for k, v in outcomes.items()}
    if any(errors.values()):
        assert len(set(errors.values())) == 1, f"{op} {operands_spec}: the ways disagree: {outcomes}"
        return
    want_dtype = _expected_dtype(op, plain)
    want = _reference(op, reference_fn, plain, want_dtype)
    for (backend, compiled), (got, dtype) in outcomes.items():
        where = f"{op} on {[(k, v.dtype.name) for k, v in operands_spec]}, {backend} {'jit' if compiled else 'eager'}"
        assert np.dtype(dtype) == want_dtype, f"{where}: dtype {np.dtype(dtype)}, expected {want_dtype}"
        if want_dtype.kind in "fc":
            np.testing.assert_allclose(got, want, rtol=2 * np.finfo(want_dtype).eps, atol=0, err_msg=where)
        else:
            np.testing.assert_array_equal(got, want, err_msg=where)


def _python_int_outside_result(op: str, plain: tuple) -> bool:
    """Whether a Python int operand lies outside the integer dtype the operation computes in."""
    if not any(type(o) is int for o in plain):
        return False
    dtype = _promotion.result_type(*plain)
    return dtype.kind in "iu" and not all(_promotion.fits(o, dtype) for o in plain if type(o) is int)


def _numba_computes_bools_as_int8(op: str, plain: tuple) -> bool:
    if not all(np.asarray(o).dtype == np.bool_ for o in plain):
        return False
    return op in BOOL_AS_INTEGER | {"-"} if len(plain) == 2 else op in ("-", "+")


def _backends() -> list[str]:
    return [b for b in ("numba", "jax") if b in bm.available_backends()]


BINARY_CASES = dict(op=st.sampled_from(sorted(BINARY)), left_dtype=st.sampled_from(DTYPES),
                    right_dtype=st.sampled_from(DTYPES), kinds=st.sampled_from(
                        [(a, b) for a in KINDS for b in KINDS if "bm" in (a, b) or "variable" in (a, b)]),
                    x64=st.booleans())
UNARY_CASES = dict(op=st.sampled_from(sorted(UNARY)), dtype=st.sampled_from(DTYPES),
                   kind=st.sampled_from(["bm", "variable"]), x64=st.booleans())


def _binary_case(op, left_dtype, right_dtype, kinds, x64):
    bm.enable_x64(x64)
    left = _values(np.dtype(left_dtype), op, "left")
    right = _values(np.dtype(right_dtype), op, "right")
    function, reference_fn = BINARY[op]
    _check(op, function, reference_fn, [(kinds[0], left), (kinds[1], right)], _backends())


def _unary_case(op, dtype, kind, x64):
    bm.enable_x64(x64)
    values = _values(np.dtype(dtype), op, "left")
    function, reference_fn = UNARY[op]
    _check(op, function, reference_fn, [(kind, values)], _backends())


# The default run draws a fixed sample (each case compiles four programs); the slow step of CI
# draws a larger fixed sample (derandomized, so that CI never fails by chance).
@given(**BINARY_CASES)
@SETTINGS
def test_binary_operators_follow_the_promotion_table(op, left_dtype, right_dtype, kinds, x64):
    _binary_case(op, left_dtype, right_dtype, kinds, x64)


@given(**UNARY_CASES)
@SETTINGS
def test_unary_operators_keep_the_dtype(op, dtype, kind, x64):
    _unary_case(op, dtype, kind, x64)


@pytest.mark.slow
@given(**BINARY_CASES)
@settings(SETTINGS, max_examples=600)
def test_binary_operators_many_cases(op, left_dtype, right_dtype, kinds, x64):
    _binary_case(op, left_dtype, right_dtype, kinds, x64)


@pytest.mark.slow
@given(**UNARY_CASES)
@settings(SETTINGS, max_examples=150)
def test_unary_operators_many_cases(op, dtype, kind, x64):
    _unary_case(op, dtype, kind, x64)


@pytest.mark.parametrize("x64", [False, True], ids=["default", "x64"])
def test_the_issue_examples(backend, x64):
    bm.enable_x64(x64)
    want = np.dtype(np.float64 if x64 else np.float32)
    assert (bm.arange(5) * 0.1).dtype == want
    assert (bm.zeros(3) + bm.arange(3)).dtype == want
    assert (bm.arange(3) / 2).dtype == (np.float64 if x64 else np.float32)
    assert bm.multiply(bm.arange(5), 0.1).dtype == want
    assert (bm.arange(3, dtype=bm.int8) + 1).dtype == np.int8
    assert (bm.ones(3, dtype=bm.float16) * 2.5).dtype == np.float16


def test_python_ints_never_wrap(backend):
    small = bm.arange(3, dtype=bm.int8)
    with pytest.raises(OverflowError, match="300"):
        small + 300
    with pytest.raises(OverflowError):
        bm.arange(3, dtype=bm.uint32) + (-1)
    # Comparisons give NumPy's exact answer instead of raising.
    assert np.asarray(small < 1000).all() and not np.asarray(small > 1000).any()
    assert np.asarray(small != 1000).all() and not np.asarray(small == -1000).any()


def test_in_place_operators_keep_the_target(backend):
    x = bm.arange(3)
    with pytest.raises(TypeError):
        x += 0.5  # float into an int array: NumPy's same_kind rule
    v = bm.Variable(bm.zeros(3))
    v += bm.arange(3)
    v *= 2
    assert v.dtype == np.float32 and np.asarray(v).tolist() == [0.0, 2.0, 4.0]


@pytest.mark.parametrize("x64", [False, True], ids=["default", "x64"])
def test_python_exponents_follow_the_table(backend, x64):
    # NumPy's ndarray.__pow__ computes `x ** 2` as square(x) and `x ** 0.5` as sqrt(x), dropping the
    # Python exponent: on the Numba backend `bool_array ** 2` was int32 under x64 (the table: int64).
    bm.enable_x64(x64)
    for values, dtype in (([True, False], bm.bool_), ([1, 2], bm.int8), ([1.5, 2.0], bm.float32)):
        x = bm.asarray(values, dtype=dtype)
        for exponent in (2, 1, 0.5, 2.0, -1.0):
            want = _promotion.result_type(np.dtype(x.dtype), exponent)
            got = x ** exponent
            assert got.dtype == want, f"{x.dtype} ** {exponent!r}: {got.dtype}, the table says {want}"
            np.testing.assert_allclose(np.asarray(got, dtype=np.float64),
                                       np.asarray(values, dtype=np.float64) ** exponent, rtol=1e-6)
