"""Type promotion under the dtype policy: one table for both backends, eager and compiled.

The table is JAX's promotion lattice. Python scalars are *weak*: ``int32_array * 0.5`` is float32
and ``float16_array + 1`` is float16, where NumPy would give float64. NumPy arrays and scalars are
*strong*, but their 64-bit types count as 32-bit unless x64 is on (``bm.enable_x64()``), as every
array the policy creates is. The lattice (an arrow points to the next wider type; ``i*``, ``f*``,
``c*`` are Python int, float and complex)::

    bool -> i* -> u8 -> u16 -> u32 -> u64 -> f*        f* -> f16 -> f32 -> f64 -> c128
             i* -> i8 -> i16 -> i32 -> i64 -> f*        f* -> c* -> c64 -> c128,  f32 -> c64
                  u8 -> i16,  u16 -> i32,  u32 -> i64

The result of two types is the narrowest type both reach. A weak result (only Python scalars
involved) takes the policy's default type of its kind.

Example:
    >>> import numpy as np
    >>> from brainpy_math import _promotion
    >>> _promotion.result_type(np.arange(3, dtype=np.int32), 0.1)
    dtype('float32')
    >>> _promotion.result_type(np.uint8, np.int8)
    dtype('int16')
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np

from . import _config

__all__ = ["WEAK_INT", "WEAK_FLOAT", "WEAK_COMPLEX", "operand_type", "promote_types", "lattice_join", "result_type",
           "inexact_type", "fits", "check_python_int", "PYTHON_SCALARS"]

WEAK_INT, WEAK_FLOAT, WEAK_COMPLEX = "int", "float", "complex"
PYTHON_SCALARS = (bool, int, float, complex)

_D = np.dtype
_b1 = _D(np.bool_)
_u8, _u16, _u32, _u64 = _D(np.uint8), _D(np.uint16), _D(np.uint32), _D(np.uint64)
_i8, _i16, _i32, _i64 = _D(np.int8), _D(np.int16), _D(np.int32), _D(np.int64)
_f16, _f32, _f64 = _D(np.float16), _D(np.float32), _D(np.float64)
_c64, _c128 = _D(np.complex64), _D(np.complex128)

# Each type's immediate successors in the lattice.
_LATTICE: dict[Any, tuple] = {
    _b1: (WEAK_INT,),
    WEAK_INT: (_u8, _i8),
    _u8: (_i16, _u16), _u16: (_i32, _u32), _u32: (_i64, _u64), _u64: (WEAK_FLOAT,),
    _i8: (_i16,), _i16: (_i32,), _i32: (_i64,), _i64: (WEAK_FLOAT,),
    WEAK_FLOAT: (WEAK_COMPLEX, _f16),
    _f16: (_f32,), _f32: (_f64, _c64), _f64: (_c128,),
    WEAK_COMPLEX: (_c64,), _c64: (_c128,), _c128: (),
}


def _upper_bounds() -> dict[Any, frozenset]:
    bounds: dict[Any, frozenset] = {}

    def visit(node: Any) -> frozenset:
        if node not in bounds:
            reached = {node}
            for successor in _LATTICE[node]:
                reached |= visit(successor)
            bounds[node] = frozenset(reached)
        return bounds[node]

    for node in _LATTICE:
        visit(node)
    return bounds


_UPPER = _upper_bounds()
_WEAK_DEFAULT = {WEAK_INT: _config.default_int, WEAK_FLOAT: _config.default_float,
                 WEAK_COMPLEX: _config.default_complex}


@functools.lru_cache(maxsize=None)
def _join(a: Any, b: Any) -> Any:
    common = _UPPER[a] & _UPPER[b]
    # The least upper bound: the common type every other common type is above.
    for node in common:
        if common <= _UPPER[node]:
            return node
    raise TypeError(f"no common type of {a} and {b}")  # the lattice has one for every pair


def operand_type(x: Any) -> Any:
    """The lattice node of one operand: a dtype (policy-canonical) or a weak kind for a Python scalar.

    Arrays, NumPy scalars, dtypes and dtype-like objects (``np.float32``, ``'int8'``) are strong.
    """
    kind = type(x)
    if kind is bool:
        return _b1
    if kind is int:
        return WEAK_INT
    if kind is float:
        return WEAK_FLOAT
    if kind is complex:
        return WEAK_COMPLEX
    # A scalar type (np.uint8) has a class attribute `dtype` that is a descriptor, not a dtype.
    dtype = None if isinstance(x, type) else getattr(x, "dtype", None)
    if dtype is None:
        for scalar, node in ((bool, _b1), (int, WEAK_INT), (float, WEAK_FLOAT), (complex, WEAK_COMPLEX)):
            if isinstance(x, scalar):  # subclasses of the Python scalars (IntEnum, ...)
                return node
        dtype = x
    return _config.canonicalize_dtype(np.dtype(dtype))


def _concrete(node: Any) -> np.dtype:
    if isinstance(node, str):
        return _WEAK_DEFAULT[node]()
    return _config.canonicalize_dtype(node)


def promote_types(a: Any, b: Any) -> np.dtype:
    """The promoted dtype of two dtypes under the policy (JAX's lattice; both strong).

    Example:
        >>> import numpy as np
        >>> from brainpy_math import _promotion
        >>> _promotion.promote_types(np.int32, np.float32)
        dtype('float32')
    """
    return _concrete(_join(operand_type(np.dtype(a)), operand_type(np.dtype(b))))


def lattice_join(a: Any, b: Any) -> np.dtype:
    """The lattice's join of two dtypes as x64 sees it (no narrowing to the policy; a join above
    the 64-bit integers is float64). For code that must not depend on the current policy.

    Example:
        >>> import numpy as np
        >>> from brainpy_math import _promotion
        >>> _promotion.lattice_join(np.uint32, np.int32)
        dtype('int64')
    """
    node = _join(np.dtype(a), np.dtype(b))
    return {WEAK_INT: _i64, WEAK_FLOAT: _f64, WEAK_COMPLEX: _c128}.get(node, node)


def result_type(*operands: Any) -> np.dtype:
    """The dtype of an operation on ``operands`` (arrays, NumPy scalars, dtypes, Python scalars).

    Example:
        >>> import numpy as np
        >>> from brainpy_math import _promotion
        >>> _promotion.result_type(np.zeros(3, np.float16), 1.5)
        dtype('float16')
    """
    if not operands:
        raise ValueError("result_type: at least one array or dtype is required")
    node = operand_type(operands[0])
    for operand in operands[1:]:
        node = _join(node, operand_type(operand))
    return _concrete(node)


def inexact_type(dtype: Any) -> np.dtype:
    """The floating type an integer or bool ``dtype`` is computed in by ``sqrt``, ``/``, ``exp``...

    8- to 32-bit integers and bool become float32, 64-bit integers float64 (then the policy), as in
    JAX; NumPy would give float16 for int8 and float64 for int32. Inexact types are unchanged.

    Example:
        >>> import numpy as np
        >>> from brainpy_math import _promotion
        >>> _promotion.inexact_type(np.int8)
        dtype('float32')
    """
    dtype = np.dtype(dtype)
    if dtype.kind in "fc":
        return dtype
    return _config.canonicalize_dtype(_f64 if dtype.itemsize == 8 else _f32)


def fits(value: int, dtype: np.dtype) -> bool:
    """Whether the Python int ``value`` is in the range of the integer ``dtype``."""
    info = np.iinfo(dtype)
    return info.min <= value <= info.max


def check_python_int(value: int, dtype: np.dtype, where: str) -> None:
    """Raise ``OverflowError`` if the Python int ``value`` does not fit the integer ``dtype``.

    A value is never wrapped silently: NumPy raises here, JAX would wrap. ``where`` names the
    operation for the message.

    Example:
        >>> import numpy as np
        >>> from brainpy_math import _promotion
        >>> _promotion.check_python_int(300, np.dtype(np.int8), "add")
        Traceback (most recent call last):
        ...
        OverflowError: add: Python int 300 does not fit dtype int8 (range -128..127)
    """
    if not fits(value, dtype):
        info = np.iinfo(dtype)
        # Only where the policy's 32-bit type stands in for a 64-bit one that would hold the value.
        wide = np.iinfo(np.int64 if dtype.kind == "i" else np.uint64)
        hint = ("; 64-bit integers need bm.enable_x64()" if not _config.x64_enabled() and dtype.itemsize == 4
                and wide.min <= value <= wide.max else "")
        raise OverflowError(f"{where}: Python int {value} does not fit dtype {dtype.name} "
                            f"(range {info.min}..{info.max}){hint}")
