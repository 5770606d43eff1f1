"""``NumbaArray``: the Numba backend's array, a thin ``numpy.ndarray`` subclass that follows the policy.

Every ``bm.`` function on this backend returns a NumbaArray. It *is* an ndarray (``numba.njit``
takes it, any NumPy code takes it, ``np.asarray`` gives a plain view of it without copying); the
only thing it changes is type promotion in operators and ufuncs, which follows the shared table of
:mod:`brainpy_math._promotion` (JAX's lattice, Python scalars weak, 32-bit unless x64) instead of
NumPy's. So ``bm.arange(5) * 0.1`` is float32 here, as on the JAX backend and inside ``bm.jit``.

Example:
    >>> import brainpy_math as bm
    >>> with bm.set_backend('numba'):
    ...     (bm.arange(5) * 0.1).dtype, (bm.zeros(3) + bm.arange(3)).dtype
    (dtype('float32'), dtype('float32'))
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np

import brainpy_math
from brainpy_math import _config, _conversion, _promotion

__all__ = ["NumbaArray", "as_array", "narrow", "raw", "raw_arguments", "policy_argument", "WIDE_SCALARS",
           "values_for", "checked_write"]

_NARROW = {np.dtype(np.float64): np.dtype(np.float32), np.dtype(np.int64): np.dtype(np.int32),
           np.dtype(np.uint64): np.dtype(np.uint32), np.dtype(np.complex128): np.dtype(np.complex64)}
_INT_KINDS = "biu"
_SCALARS = _promotion.PYTHON_SCALARS
# Ufuncs whose operands are not promoted to one type: they mix types by design (ldexp's exponent
# is an integer) or only inspect their operand.
_UNPROMOTED = frozenset({np.ldexp, np.frexp, np.isnat})
_BOOL_AS_INTEGER = np.dtype(np.int32)


class NumbaArray(np.ndarray):
    """A ``numpy.ndarray`` whose operators follow the dtype policy (see the module docstring).

    Example:
        >>> import numpy as np
        >>> from brainpy_math_numba.array import NumbaArray
        >>> (np.arange(3, dtype=np.int32).view(NumbaArray) / 2).dtype
        dtype('float32')
    """

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, out: Any = None, **kwargs: Any) -> Any:
        return apply_ufunc(ufunc, method, inputs, out, kwargs)

    def __setitem__(self, key: Any, value: Any) -> None:
        # An integer array never wraps a value written into it (``int8_array[0] = 300`` raises).
        np.ndarray.__setitem__(np.ndarray.view(self, np.ndarray), key,
                               checked_write(self.dtype, value, "item assignment"))

    def astype(self, dtype: Any, order: str = "K", casting: str = "unsafe", subok: bool = True,
               copy: bool = True) -> "NumbaArray":
        """``numpy.ndarray.astype`` under the policy: an explicit 64-bit dtype under the 32-bit policy
        warns and gives the 32-bit type; integer values that the policy's narrowing would lose raise
        ``OverflowError`` instead of wrapping."""
        target, check = _conversion.cast_plan(self.dtype, dtype, "astype")
        values = np.ndarray.view(self, np.ndarray)
        if check:
            _conversion.check_fits(values, target, "astype")
        return np.ndarray.view(values.astype(target, order=order, casting=casting, copy=copy), NumbaArray)

    def argmax(self, *args: Any, **kwargs: Any) -> Any:
        return narrow(np.ndarray.argmax(np.ndarray.view(self, np.ndarray), *args, **kwargs))

    def argmin(self, *args: Any, **kwargs: Any) -> Any:
        return narrow(np.ndarray.argmin(np.ndarray.view(self, np.ndarray), *args, **kwargs))

    def __pow__(self, other: Any) -> Any:
        # NumPy's ndarray.__pow__ computes ``x ** 2`` as ``square(x)`` (and ``x ** 0.5`` as ``sqrt``),
        # dropping the Python exponent from the promotion: ``bool_array ** 2`` was int32 under x64,
        # where the table (and JAX) say the default int. np.power with the exponent keeps it.
        if type(other) in (int, float):
            return apply_ufunc(np.power, "__call__", (self, other), None, {})
        return np.ndarray.__pow__(self, other)

    def __pos__(self) -> "NumbaArray":
        # NumPy has no ``positive`` for bool; JAX (and the table) return the bools unchanged.
        if self.dtype.kind == "b":
            return np.ndarray.view(np.array(self), NumbaArray)
        return apply_ufunc(np.positive, "__call__", (self,), None, {})

    def __array_namespace__(self, *, api_version: str | None = None) -> Any:
        """The Array API namespace of this array: ``brainpy_math``."""
        if api_version is not None and api_version not in brainpy_math.SUPPORTED_ARRAY_API_VERSIONS:
            raise ValueError(f"__array_namespace__: argument 'api_version' must be one of "
                             f"{brainpy_math.SUPPORTED_ARRAY_API_VERSIONS}, got {api_version!r}")
        return brainpy_math

    def __reduce__(self):
        # Pickles (and copies across processes) as a NumbaArray, not as the base class.
        return (as_array, (np.asarray(self).copy(),))


def raw(x: Any) -> Any:
    """``x`` as a plain ``numpy.ndarray`` view if it is an ndarray subclass; other objects unchanged."""
    if type(x) is not np.ndarray and isinstance(x, np.ndarray):
        return np.ndarray.view(x, np.ndarray)
    return x


def raw_arguments(args: Any) -> Any:
    """:func:`raw` applied to each argument and to the items of list/tuple arguments."""
    return type(args)(raw_arguments(a) if type(a) in (list, tuple) else raw(a) for a in args)


def values_for(value: Any, dtype: Any, where: str) -> np.ndarray:
    """``value`` as the data written into an array of ``dtype`` (item assignment, ``put``, fills).

    A write never changes an integer value: a value of any kind (Python int, NumPy integer, or a
    float for an integer array) that lies outside an integer ``dtype`` raises ``OverflowError``;
    NumPy would wrap NumPy integers silently.

    Example:
        >>> values_for(2**40, np.int32, 'put')
        Traceback (most recent call last):
        ...
        OverflowError: put: value 1099511627776 does not fit dtype int32 (range -2147483648..2147483647); 64-bit integers need bm.enable_x64()
    """
    dtype = np.dtype(dtype)
    data = np.asarray(raw_arguments(value) if type(value) in (list, tuple) else raw(value))
    if dtype.kind in "iu":
        if data.dtype == object and data.size:
            # Python ints beyond 64 bits (NumPy keeps them as objects).
            _conversion.check_range(min(data.flat), max(data.flat), dtype, where)
        else:
            _conversion.check_fits(data, dtype, where)
    return data


def checked_write(dtype: np.dtype, value: Any, where: str) -> Any:
    """``value``, checked to fit the integer ``dtype`` it is written into (see :func:`values_for`).

    Cheap where nothing can be lost: values of a type ``dtype`` holds, and floats (NumPy truncates
    them, as assignment of floats to integer arrays does)."""
    if dtype.kind not in "iu":
        return value
    kind = type(value)
    if kind is int:
        if not _promotion.fits(value, dtype):
            _conversion.check_range(value, value, dtype, where)
        return value
    if kind is bool or kind is float:
        return value
    if isinstance(value, (np.ndarray, np.generic)) and np.can_cast(value.dtype, dtype, "safe"):
        return raw(value)
    return values_for(value, dtype, where)


def as_array(x: np.ndarray) -> NumbaArray:
    """View the ndarray ``x`` as a NumbaArray (no copy)."""
    return np.ndarray.view(x, NumbaArray)


def narrow(x: Any) -> Any:
    """A NumPy result under the policy: 64-bit types narrowed unless x64 is on, arrays and NumPy
    scalars as NumbaArrays (0-d for scalars, as JAX returns), through tuples, lists and named tuples."""
    if isinstance(x, np.ndarray):
        if not _config._x64:
            target = _NARROW.get(x.dtype)
            if target is not None:
                x = x.astype(target)
        return np.ndarray.view(x, NumbaArray) if type(x) is not NumbaArray else x
    if isinstance(x, np.generic):
        return narrow(np.asarray(x))
    if type(x) in (tuple, list):
        return type(x)(narrow(i) for i in x)
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*(narrow(i) for i in x))
    return x


WIDE_SCALARS = (np.float64, np.int64, np.uint64, np.complex128)


def policy_argument(x: Any, where: str) -> Any:
    """A NumPy array or scalar passed to compiled code, under the policy: 64-bit types become 32-bit
    unless x64 is on (integers range-checked), as JAX converts the arguments of a jitted function.

    Without this, ``np.arange(n) * 0.1`` (float64) passed to ``bm.for_loop`` would make the compiled
    step compute in float64 where the JAX backend and eager code compute in float32.
    """
    if _config._x64:
        return x
    target = _NARROW.get(x.dtype)
    if target is None:
        return x
    if target.kind in "iu":
        _conversion.check_fits(np.asarray(x), target, where)
    return x.astype(target)


@functools.lru_cache(maxsize=None)
def _output_kinds(ufunc: np.ufunc, operand: np.dtype) -> str:
    """The dtype kinds of NumPy's loop for ``ufunc`` on operands of ``operand`` ('' if it has none)."""
    try:
        loop = ufunc.resolve_dtypes((operand,) * ufunc.nin + (None,) * ufunc.nout)
    except (TypeError, ValueError, np.exceptions.DTypePromotionError):
        return ""
    return "".join(np.dtype(t).kind for t in loop[ufunc.nin:])


def _computes_inexact(ufunc: np.ufunc) -> bool:
    """Whether NumPy's loop for integer operands of ``ufunc`` returns floats (``sqrt``, ``/``...)."""
    return any(kind in "fc" for kind in _output_kinds(ufunc, np.dtype(np.int32)))


def _computes_integer(ufunc: np.ufunc) -> bool:
    """Whether NumPy has no bool loop for ``ufunc`` and computes bools as integers (``%``, ``**``)."""
    return any(kind in "iu" for kind in _output_kinds(ufunc, np.dtype(np.bool_)))


def _compute_type(ufunc: np.ufunc, inputs: tuple) -> np.dtype:
    """The one type the operands are computed in, by the policy's table."""
    dtype = _promotion.result_type(*inputs)
    if dtype.kind in _INT_KINDS and _computes_inexact(ufunc):
        return _promotion.inexact_type(dtype)
    if dtype.kind == "b" and _computes_integer(ufunc):
        return _BOOL_AS_INTEGER  # bool % bool: NumPy computes in int8, JAX (and the table) in int32
    return dtype


_COMPARISONS = frozenset({np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal})
# (ufunc, x64, operand keys) -> the ``signature=`` of the computation, or ``None`` to leave it to
# NumPy (operands that are not numbers). An operand's key is its dtype, or the type of a Python
# scalar: the plan depends on nothing else, so each combination is worked out once.
_plans: dict[tuple, tuple | None] = {}


def _plan(ufunc: np.ufunc, key: tuple, inputs: tuple) -> tuple | None:
    if any(k is None for k in key[2:]):
        # Lists and other array-likes: NumPy's conversion, then the table (not cached).
        inputs = tuple(np.asarray(x) if k is None else x for x, k in zip(inputs, key[2:]))
        if any(x.dtype.kind not in "biufc" for x in inputs if isinstance(x, np.ndarray)):
            return None
        dtype = _compute_type(ufunc, inputs)
        return (dtype,) * ufunc.nin + (None,) * ufunc.nout
    if ufunc in _UNPROMOTED or any(isinstance(k, np.dtype) and k.kind not in "biufc" for k in key[2:]):
        plan = None
    else:
        dtype = _compute_type(ufunc, inputs)
        plan = (dtype,) * ufunc.nin + (None,) * ufunc.nout
    _plans[key] = plan
    return plan


_MISSING_PLAN = object()


def apply_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, out: Any, kwargs: dict) -> Any:
    """Run ``ufunc`` the way :class:`NumbaArray` does: operands promoted by the policy's table,
    the result narrowed to the policy and returned as a NumbaArray (``out=`` targets as given)."""
    operands = []
    keys = [ufunc, _config._x64]
    for x in inputs:
        kind = type(x)
        if kind in _SCALARS:
            keys.append(kind)
            operands.append(x)
        elif kind is np.ndarray:
            keys.append(x.dtype)
            operands.append(x)
        elif isinstance(x, np.ndarray):
            keys.append(x.dtype)
            operands.append(np.ndarray.view(x, np.ndarray))
        else:
            dtype = getattr(x, "dtype", None)
            keys.append(dtype if isinstance(dtype, np.dtype) else None)
            operands.append(x)
    if out is not None:
        kwargs["out"] = tuple(raw(o) for o in out)
    if method == "__call__" and "dtype" not in kwargs and "signature" not in kwargs:
        key = tuple(keys)
        signature = _plans.get(key, _MISSING_PLAN)
        if signature is _MISSING_PLAN:
            signature = _plan(ufunc, key, inputs)
        if signature is not None:
            if int in key and signature[0].kind in "iu":
                signature = _checked_python_ints(ufunc, inputs, signature)
            if signature is not None:
                kwargs["signature"] = signature
            if out is not None:
                # In-place operators (``a += 0.5`` on an int array) cast like NumPy's ``out=``.
                kwargs.setdefault("casting", "same_kind")
        result = ufunc(*operands, **kwargs)
    else:
        result = getattr(ufunc, method)(*operands, **kwargs)
    if out is not None:
        return out[0] if len(out) == 1 else out
    if type(result) is np.ndarray:
        if not _config._x64 and result.dtype in _NARROW:
            result = result.astype(_NARROW[result.dtype])
        return np.ndarray.view(result, NumbaArray)
    return narrow(result)


def _checked_python_ints(ufunc: np.ufunc, inputs: tuple, signature: tuple) -> tuple | None:
    """``signature``, after checking that the Python int operands fit its integer dtype; ``None``
    for a comparison with one that does not (NumPy compares the exact values: 2**40 > any int32)."""
    dtype = signature[0]
    for x in inputs:
        if type(x) is int and not _promotion.fits(x, dtype):
            if ufunc in _COMPARISONS:
                return None
            _promotion.check_python_int(x, dtype, ufunc.__name__)
    return signature
