"""Python literals inside compiled code, typed as JAX and NumPy 2 type them ("weak" scalars).

Numba types ``1.0`` as float64 and ``2`` as int64, so ``float32_array * 1.0`` or ``int32_array + 2``
would silently widen to 64 bits. The code generator rewrites an arithmetic operation with a Python
literal on one side into a call of one of the functions here; at typing time the literal is cast
to the type the other operand dictates:

- a float (or complex) operand keeps its dtype: the literal is cast to it;
- an integer operand with an integer literal keeps its dtype; with a float literal (or under
  true division) both become the default float;
- a boolean operand with a literal becomes the default int or float.

The default dtypes are read from the shared policy when the code is compiled (the generated
source records the policy, so code compiled under another policy is never reused).
"""
from __future__ import annotations

import operator
from typing import Callable

import numpy as np
from numba import njit, types, vectorize
from numba.extending import overload
from numba.np.numpy_support import as_dtype, from_dtype

from brainpy_math import _config, _promotion

__all__ = ["WEAK_BINARY", "WEAK_SCALAR", "cast_literal", "float_argument", "float_argument_scalar",
           "true_divide", "true_divide_scalar", "weak_function_name"]

_OPERATORS: dict[str, Callable] = {
    "Add": operator.add, "Sub": operator.sub, "Mult": operator.mul, "Div": operator.truediv,
    "FloorDiv": operator.floordiv, "Mod": operator.mod, "Pow": operator.pow,
    "BitAnd": operator.and_, "BitOr": operator.or_, "BitXor": operator.xor,
    "LShift": operator.lshift, "RShift": operator.rshift,
}


def weak_function_name(op_name: str, literal_on_left: bool) -> str:
    """The name the generated module gives the weak version of ``ast.<op_name>``."""
    return f"_bm_weak_{op_name}_{'l' if literal_on_left else 'r'}"


def _scalar_type(t):
    return t.dtype if isinstance(t, types.Array) else t


def targets(operand, literal, op_name: str):
    """``(operand cast or None, literal cast)`` as numba scalar types."""
    dtype = _scalar_type(operand)
    default_float = from_dtype(_config.default_float())
    default_int = from_dtype(_config.default_int())
    literal_is_float = isinstance(literal, (types.Float, types.Complex))
    if isinstance(dtype, (types.Float, types.Complex)):
        return None, dtype
    # True division of integers or bools is computed in the table's inexact type: float32 for up
    # to 32-bit integers, float64 for 64-bit ones (then the policy), as JAX does.
    inexact = from_dtype(_promotion.inexact_type(as_dtype(dtype))) if isinstance(
        dtype, (types.Boolean, types.Integer)) else None
    if isinstance(dtype, types.Boolean):
        if isinstance(literal, types.Boolean):
            return None, dtype
        if op_name == "Div":
            return inexact, inexact
        target = default_float if literal_is_float else default_int
        return target, target
    if isinstance(dtype, types.Integer):
        if literal_is_float:
            return default_float, default_float
        if op_name == "Div":
            return inexact, inexact
        return None, dtype
    return None, literal  # not a number (e.g. a tuple for `*`): leave the operation to Numba


def _cast_operand(operand, target):
    # Inlined: a call per operation would keep the fused loops of .fusion from being vectorised.
    if target is None:
        return njit(lambda x: x, inline="always")
    if isinstance(operand, types.Array):
        np_dtype = np.dtype(str(target))
        return njit(lambda x: x.astype(np_dtype), inline="always")
    return njit(lambda x: target(x), inline="always")


def check_fits(operand, literal):  # pragma: no cover - replaced by the overload
    """Raise OverflowError if the Python int ``literal`` does not fit ``operand``'s integer dtype."""


@overload(check_fits, inline="always")
def _check_fits_typed(operand, literal):
    dtype = _scalar_type(operand)
    if (isinstance(dtype, types.Integer) and isinstance(literal, types.Integer) and dtype.bitwidth < 64):
        info = np.iinfo(np.dtype(str(dtype)))
        low, high = info.min, info.max
        # A constant message: Numba cannot format the value at run time.
        message = (f"a Python int operand does not fit dtype {dtype} (range {low}..{high}); it is never "
                   f"wrapped (compiled code of the numba backend)")

        def check(operand, literal):
            if literal < low or literal > high:
                raise OverflowError(message)
        return check
    return lambda operand, literal: None


@njit(inline="always", cache=True)
def _no_check(operand, literal):
    return None


def _make(op_name: str, literal_on_left: bool) -> Callable:
    op = _OPERATORS[op_name]

    def scalar(a, b):  # pragma: no cover - replaced by the overload inside compiled code
        return op(a, b)

    @overload(scalar, inline="always")
    def _typed(a, b):
        operand, literal = (b, a) if literal_on_left else (a, b)
        operand_target, literal_target = targets(operand, literal, op_name)
        cast_operand = _cast_operand(operand, operand_target)
        cast_lit = _cast_operand(literal, literal_target)
        # Numba computes small integers in int64: the result is cast back to the operand's type.
        result = operand_target or _scalar_type(operand)
        if not isinstance(result, (types.Number, types.Boolean)):
            result = None
        cast_result = _cast_operand(types.float64, result) if result is not None else _cast_operand(None, None)
        check = check_fits if op_name != "Div" else _no_check  # `/` computes in floats
        if literal_on_left:
            def left(a, b):
                check(b, a)
                return cast_result(op(cast_lit(a), cast_operand(b)))
            return left

        def right(a, b):
            check(a, b)
            return cast_result(op(cast_operand(a), cast_lit(b)))
        return right

    def kernel(a, b):
        return scalar(a, b)

    # A DUFunc, not a plain function: Numba fuses ufunc calls with the arithmetic around them into
    # one loop (array expressions), so `1.0 / (1.0 + exp(-x))` stays a single pass over x.
    kernel.__name__ = kernel.__qualname__ = weak_function_name(op_name, literal_on_left)
    elementwise = vectorize(nopython=True, cache=True)(kernel)
    check = check_fits if op_name != "Div" else _no_check

    # An exception inside a ufunc loop is lost (the element becomes 0), so the range of an integer
    # literal is checked once, before the loop; inlined, the DUFunc call still joins array expressions.
    if literal_on_left:
        def checked(a, b):
            check(b, a)
            return elementwise(a, b)
    else:
        def checked(a, b):
            check(a, b)
            return elementwise(a, b)
    checked.__name__ = checked.__qualname__ = kernel.__name__
    return njit(inline="always", cache=True)(checked), scalar


_WEAK = {weak_function_name(name, left): _make(name, left) for name in _OPERATORS for left in (False, True)}
WEAK_BINARY: dict[str, Callable] = {name: pair[0] for name, pair in _WEAK.items()}
"""Generated-module name → function, for every operator and literal side."""
WEAK_SCALAR: dict[str, Callable] = {name: pair[1] for name, pair in _WEAK.items()}
"""The same operations on one element (the fused loops of :mod:`.fusion` call these)."""


def cast_literal(reference, literal):  # pragma: no cover - replaced by the overload
    """``literal`` cast to the dtype of ``reference`` (for ``x += 1.0`` on a float32 ``x``)."""
    return literal


@overload(cast_literal, inline="always")
def _cast_literal_typed(reference, literal):
    dtype = _scalar_type(reference)
    if isinstance(dtype, (types.Number, types.Boolean)):
        return lambda reference, literal: dtype(literal)
    return lambda reference, literal: literal


def float_argument_scalar(x):  # pragma: no cover - replaced by the overload
    """One element of :data:`float_argument`."""
    return x


@overload(float_argument_scalar, inline="always")
def _float_argument_typed(x):
    if isinstance(x, (types.Integer, types.Boolean)):
        target = from_dtype(_promotion.inexact_type(as_dtype(x)))
        return lambda x: target(x)
    return lambda x: x


def _float_argument_kernel(x):
    return float_argument_scalar(x)


float_argument = vectorize(nopython=True, cache=True)(_float_argument_kernel)
"""``x`` as the default float if it is an integer or boolean (the input of a float-valued ufunc)."""


def true_divide_scalar(a, b):  # pragma: no cover - replaced by the overload
    """``a / b`` for one element, computed in the table's type (see :data:`true_divide`)."""
    return a / b


def _division_type(a, b):
    """The float type ``a / b`` is computed in: the lattice's join of the operands (before the
    policy: the same in every process, so Numba's on-disk cache stays valid), inexact as JAX makes
    it (float32 for integers up to 32 bits, float64 for 64-bit ones). ``None``: not numbers."""
    numbers = (types.Integer, types.Boolean, types.Float)
    if not (isinstance(a, numbers) and isinstance(b, numbers)):
        return None
    joined = _promotion.lattice_join(as_dtype(a), as_dtype(b))
    if joined.kind in "biu":
        joined = np.dtype(np.float64 if joined.itemsize == 8 else np.float32)
    return from_dtype(joined)


@overload(true_divide_scalar, inline="always")
def _true_divide_typed(a, b):
    target = _division_type(_scalar_type(a), _scalar_type(b))
    if target is None:
        return lambda a, b: a / b
    return lambda a, b: target(a) / target(b)


def _true_divide_kernel(a, b):
    return true_divide_scalar(a, b)


true_divide = vectorize(nopython=True, cache=True)(_true_divide_kernel)
"""``a / b`` of two arrays (or an array and a scalar variable) in the table's type: Numba, like
NumPy, divides int32 arrays in float64, where the table (and JAX) says float32."""
