"""Python literals inside compiled code, typed as JAX and NumPy 2 type them ("weak" scalars).

Numba types ``1.0`` as float64 and ``2`` as int64, so ``float32_array * 1.0`` or ``int32_array + 2``
would silently widen to 64 bits. The code generator rewrites an arithmetic operation with a Python
literal on one side into a call of one of the functions here; at typing time the literal is cast
to the type the other operand dictates:

- a float (or complex) operand keeps its dtype: the literal is cast to it;
- an integer operand with an integer literal keeps its dtype; with a float literal (or under
  true division) both become the default float;
- a boolean operand with a literal becomes the default int or float.

The default dtypes are the policy's: each policy (x64 on or off) has its own set of functions, whose
compiled code carries a token of the policy as a closure value. Numba keys a typed overload by its
argument types and an on-disk cache entry by the closure values, so code compiled under one policy
is never reused under the other, in this process or a later one.
"""
from __future__ import annotations

import operator
from typing import Callable

import numpy as np
from numba import njit, types, vectorize
from numba.extending import overload
from numba.np.numpy_support import as_dtype, from_dtype

from brainpy_math import _config, _promotion

__all__ = ["cast_literal", "float_argument", "float_argument_scalar", "targets", "true_divide",
           "true_divide_scalar", "weak_binary", "weak_function_name", "weak_literal", "weak_scalar"]

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


def _policy_defaults(x64: bool):
    """The default float and int of a policy, as numba types."""
    return (types.float64, types.int64) if x64 else (types.float32, types.int32)


def _inexact(dtype, x64: bool):
    """:func:`brainpy_math._promotion.inexact_type` for a numba integer, bool or float type, under the policy
    ``x64`` (not the current one: the caller may be typing code of the other policy)."""
    if isinstance(dtype, types.Float):
        return dtype
    return types.float64 if x64 and isinstance(dtype, types.Integer) and dtype.bitwidth == 64 else types.float32


def targets(operand, literal, op_name: str, x64: bool | None = None):
    """``(operand cast or None, literal cast)`` as numba scalar types, under the policy ``x64``
    (default: the current one).

    Example:
        >>> from numba import types
        >>> targets(types.int32, types.float64, "Mult", x64=False)
        (float32, float32)
        >>> targets(types.boolean, types.int64, "Div", x64=True)
        (float64, float64)
    """
    dtype = _scalar_type(operand)
    wide = _config.x64_enabled() if x64 is None else bool(x64)
    default_float, default_int = _policy_defaults(wide)
    literal_is_float = isinstance(literal, (types.Float, types.Complex))
    if isinstance(dtype, (types.Float, types.Complex)):
        return None, dtype
    if isinstance(dtype, types.Boolean):
        if isinstance(literal, types.Boolean):
            return None, dtype
        # A bool with a literal is the default int (or float) first; true division then computes in
        # that type's inexact type, as integers do (float64 under x64, as eager code and JAX give).
        target = default_float if literal_is_float else default_int
        if op_name == "Div":
            target = _inexact(target, wide)
        return target, target
    if isinstance(dtype, types.Integer):
        if literal_is_float:
            return default_float, default_float
        if op_name == "Div":
            return _inexact(dtype, wide), _inexact(dtype, wide)
        return None, dtype
    return None, literal  # not a number (e.g. a tuple for `*`): leave the operation to Numba


def _token_x64(token) -> bool:
    """The policy a token's numba type stands for (see :func:`_policy_token`)."""
    return token.bitwidth == 64


def _policy_token(x64: bool):
    """A value whose type names the policy; it is a closure value of each compiled function."""
    return np.float64(0.0) if x64 else np.float32(0.0)


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


def _stub(op_name: str, literal_on_left: bool) -> Callable:
    """``op`` on one element with a weak literal; ``token`` names the policy (typed by its overload)."""
    op = _OPERATORS[op_name]

    def scalar(a, b, token):  # pragma: no cover - replaced by the overload inside compiled code
        return op(a, b)

    @overload(scalar)
    def _typed(a, b, token):
        operand, literal = (b, a) if literal_on_left else (a, b)
        operand_target, literal_target = targets(operand, literal, op_name, _token_x64(token))
        cast_operand = _cast_operand(operand, operand_target)
        cast_lit = _cast_operand(literal, literal_target)
        # Numba computes small integers in int64: the result is cast back to the operand's type.
        result = operand_target or _scalar_type(operand)
        if not isinstance(result, (types.Number, types.Boolean)):
            result = None
        cast_result = _cast_operand(types.float64, result) if result is not None else _cast_operand(None, None)
        check = check_fits if op_name != "Div" else _no_check  # `/` computes in floats
        if literal_on_left:
            def left(a, b, token):
                check(b, a)
                return cast_result(op(cast_lit(a), cast_operand(b)))
            return left

        def right(a, b, token):
            check(a, b)
            return cast_result(op(cast_operand(a), cast_lit(b)))
        return right

    return scalar


_STUBS: dict[str, Callable] = {weak_function_name(name, left): _stub(name, left)
                               for name in _OPERATORS for left in (False, True)}


def _make(name: str, x64: bool) -> tuple[Callable, Callable]:
    """The array and one-element functions of weak operation ``name`` under the policy ``x64``."""
    op_name = name[len("_bm_weak_"):-2]
    literal_on_left = name.endswith("_l")
    scalar, token = _STUBS[name], _policy_token(x64)

    def element(a, b):
        return scalar(a, b, token)

    def kernel(a, b):
        return scalar(a, b, token)

    # A DUFunc, not a plain function: Numba fuses ufunc calls with the arithmetic around them into
    # one loop (array expressions), so `1.0 / (1.0 + exp(-x))` stays a single pass over x.
    kernel.__name__ = kernel.__qualname__ = name
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
    checked.__name__ = checked.__qualname__ = name
    element.__name__ = element.__qualname__ = name.replace("_bm_weak_", "_bm_sweak_")
    return njit(inline="always", cache=True)(checked), njit(cache=True)(element)


_made: dict[tuple[str, bool], tuple[Callable, Callable]] = {}


def _policy_pair(name: str, x64: bool | None) -> tuple[Callable, Callable]:
    key = (name, _config.x64_enabled() if x64 is None else bool(x64))
    pair = _made.get(key)
    if pair is None:
        if name not in _STUBS:
            raise KeyError(f"weak literal operation {name!r}: expected one of {sorted(_STUBS)}")
        pair = _made[key] = _make(*key)
    return pair


def weak_binary(name: str, x64: bool | None = None) -> Callable:
    """The compiled weak-literal operation ``name`` (see :func:`weak_function_name`) on arrays or
    scalars, under the policy ``x64`` (default: the current one).

    Example:
        >>> import numpy as np
        >>> weak_binary("_bm_weak_Mult_r", x64=False)(np.arange(3, dtype=np.int32), 0.5).dtype
        dtype('float32')
    """
    return _policy_pair(name, x64)[0]


def weak_scalar(name: str, x64: bool | None = None) -> Callable:
    """The same operation on one element (what the fused loops call), under the policy ``x64``."""
    return _policy_pair(name, x64)[1]


def cast_literal(reference, literal):  # pragma: no cover - replaced by the overload
    """``literal`` cast to the dtype of ``reference`` (for ``x += 1.0`` on a float32 ``x``)."""
    return literal


@overload(cast_literal)
def _cast_literal_typed(reference, literal):
    dtype = _scalar_type(reference)
    if isinstance(dtype, (types.Number, types.Boolean)):
        return lambda reference, literal: dtype(literal)
    return lambda reference, literal: literal


def weak_literal(reference, literal):  # pragma: no cover - replaced by the overload
    """``literal`` typed as a weak scalar beside ``reference`` in a call that promotes its arguments
    together (``bm.where(c, x, 3)``): a float ``reference`` gives its dtype to an int or float literal,
    an integer one to an integer literal that fits it; otherwise the literal is left as it is (NumPy's
    promotion of the result, then the policy's narrowing, give the table's dtype)."""
    return literal


@overload(weak_literal, prefer_literal=True)
def _weak_literal_typed(reference, literal):
    dtype = _scalar_type(reference)
    value = getattr(literal, "literal_value", None)
    if isinstance(literal, types.Boolean) or isinstance(dtype, types.Boolean):
        return lambda reference, literal: literal
    if isinstance(dtype, (types.Float, types.Complex)) and isinstance(literal, (types.Integer, types.Float)):
        return lambda reference, literal: dtype(literal)
    if isinstance(dtype, types.Integer) and isinstance(literal, types.Integer) and isinstance(value, int) and \
            np.iinfo(as_dtype(dtype)).min <= value <= np.iinfo(as_dtype(dtype)).max:
        return lambda reference, literal: dtype(literal)
    return lambda reference, literal: literal


def float_argument_scalar(x, token):  # pragma: no cover - replaced by the overload
    """One element of :func:`float_argument` under the policy ``token`` names."""
    return x


@overload(float_argument_scalar)
def _float_argument_typed(x, token):
    if isinstance(x, (types.Integer, types.Boolean)):
        target = _inexact(x, _token_x64(token))
        return lambda x, token: target(x)
    return lambda x, token: x


def _make_float_argument(x64: bool) -> tuple[Callable, Callable]:
    token = _policy_token(x64)

    def element(x):
        return float_argument_scalar(x, token)

    def kernel(x):
        return float_argument_scalar(x, token)
    kernel.__name__ = kernel.__qualname__ = "float_argument"
    element.__name__ = element.__qualname__ = "float_argument_one"
    return vectorize(nopython=True, cache=True)(kernel), njit(cache=True)(element)


_float_arguments: dict[bool, tuple[Callable, Callable]] = {}


def float_argument(x64: bool | None = None) -> tuple[Callable, Callable]:
    """``(on arrays, on one element)``: ``x`` as the inexact type if it is an integer or boolean (the
    input of a float-valued ufunc), under the policy ``x64`` (default: the current one).

    Example:
        >>> import numpy as np
        >>> float_argument(x64=False)[0](np.arange(2, dtype=np.int8)).dtype
        dtype('float32')
    """
    wide = _config.x64_enabled() if x64 is None else bool(x64)
    if wide not in _float_arguments:
        _float_arguments[wide] = _make_float_argument(wide)
    return _float_arguments[wide]


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


@overload(true_divide_scalar)
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
