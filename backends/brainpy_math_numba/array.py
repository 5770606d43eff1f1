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

from typing import Any

import numpy as np

from brainpy_math import _config, _conversion, _promotion

__all__ = ["NumbaArray", "as_array", "narrow", "raw", "raw_arguments", "policy_argument", "WIDE_SCALARS"]

_NARROW = {np.dtype(np.float64): np.dtype(np.float32), np.dtype(np.int64): np.dtype(np.int32),
           np.dtype(np.uint64): np.dtype(np.uint32), np.dtype(np.complex128): np.dtype(np.complex64)}
_INT_KINDS = "biu"
_SCALARS = _promotion.PYTHON_SCALARS
# Ufuncs whose operands are not promoted to one type: they mix types by design (ldexp's exponent
# is an integer) or only inspect their operand.
_UNPROMOTED = frozenset({np.ldexp, np.frexp, np.isnat})
_inexact_cache: dict[Any, bool] = {}
_integer_cache: dict[Any, bool] = {}
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

    def __pos__(self) -> "NumbaArray":
        # NumPy has no ``positive`` for bool; JAX (and the table) return the bools unchanged.
        if self.dtype.kind == "b":
            return np.ndarray.view(np.array(self), NumbaArray)
        return apply_ufunc(np.positive, "__call__", (self,), None, {})

    def __array_namespace__(self, *, api_version: str | None = None) -> Any:
        """The Array API namespace of this array: ``brainpy_math``."""
        import brainpy_math
        if api_version is not None and api_version not in brainpy_math.SUPPORTED_ARRAY_API_VERSIONS:
            raise ValueError(f"__array_namespace__: argument 'api_version' must be one of "
                             f"{brainpy_math.SUPPORTED_ARRAY_API_VERSIONS}, got {api_version!r}")
        return brainpy_math

    def __reduce__(self):
        # Pickles (and copies across processes) as a NumbaArray, not as the base class.
        return (as_array, (np.asarray(self).copy(),))


def raw(x: Any) -> Any:
    """``x`` as a plain ``numpy.ndarray`` view if it is an ndarray subclass; other objects unchanged."""
    if isinstance(x, np.ndarray) and type(x) is not np.ndarray:
        return np.ndarray.view(x, np.ndarray)
    return x


def raw_arguments(args: Any) -> Any:
    """:func:`raw` applied to each argument and to the items of list/tuple arguments."""
    return type(args)(raw_arguments(a) if type(a) in (list, tuple) else raw(a) for a in args)


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


def _computes_inexact(ufunc: np.ufunc) -> bool:
    """Whether NumPy's loop for integer operands of ``ufunc`` returns floats (``sqrt``, ``/``...)."""
    known = _inexact_cache.get(ufunc)
    if known is None:
        try:
            loop = ufunc.resolve_dtypes((np.dtype(np.int32),) * ufunc.nin + (None,) * ufunc.nout)
            known = any(np.dtype(t).kind in "fc" for t in loop[ufunc.nin:])
        except (TypeError, ValueError, np.exceptions.DTypePromotionError):
            known = False
        _inexact_cache[ufunc] = known
    return known


def _computes_integer(ufunc: np.ufunc) -> bool:
    """Whether NumPy has no bool loop for ``ufunc`` and computes bools as integers (``%``, ``**``)."""
    known = _integer_cache.get(ufunc)
    if known is None:
        try:
            loop = ufunc.resolve_dtypes((np.dtype(np.bool_),) * ufunc.nin + (None,) * ufunc.nout)
            known = any(np.dtype(t).kind in "iu" for t in loop[ufunc.nin:])
        except (TypeError, ValueError, np.exceptions.DTypePromotionError):
            known = False
        _integer_cache[ufunc] = known
    return known


def _promoted(ufunc: np.ufunc, inputs: tuple) -> np.dtype | None:
    """The one type the operands are computed in, by the policy's table; ``None`` where NumPy's own
    resolution is already exact (a comparison with a Python int outside the array's range)."""
    dtype = _promotion.result_type(*inputs)
    if dtype.kind in _INT_KINDS and _computes_inexact(ufunc):
        dtype = _promotion.inexact_type(dtype)
    elif dtype.kind == "b" and _computes_integer(ufunc):
        dtype = _BOOL_AS_INTEGER  # bool % bool: NumPy computes in int8, JAX (and the table) in int32
    if dtype.kind in "iu":
        for x in inputs:
            if type(x) is int:
                if ufunc in _COMPARISONS and not _promotion.fits(x, dtype):
                    return None  # NumPy compares the exact values (2**40 > any int32 is True)
                _promotion.check_python_int(x, dtype, ufunc.__name__)
    return dtype


_COMPARISONS = frozenset({np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal})


def apply_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, out: Any, kwargs: dict) -> Any:
    """Run ``ufunc`` the way :class:`NumbaArray` does: operands promoted by the policy's table,
    the result narrowed to the policy and returned as a NumbaArray (``out=`` targets as given)."""
    if out is not None:
        kwargs["out"] = tuple(raw(o) for o in out)
    if (method == "__call__" and ufunc not in _UNPROMOTED and "dtype" not in kwargs
            and "signature" not in kwargs and not any(isinstance(x, np.ndarray) and x.dtype.kind not in
                                                       "biufc" for x in inputs)):
        dtype = _promoted(ufunc, inputs)
        if dtype is not None:
            kwargs["signature"] = (dtype,) * ufunc.nin + (None,) * ufunc.nout
        if out is not None:
            # In-place operators (``a += 0.5`` on an int array) cast like NumPy's ``out=``.
            kwargs.setdefault("casting", "same_kind")
        result = ufunc(*(raw(x) for x in inputs), **kwargs)
    else:
        result = getattr(ufunc, method)(*(raw(x) for x in inputs), **kwargs)
    if out is not None:
        return out[0] if len(out) == 1 else out
    return narrow(result)
