"""A float32 ``exp`` that LLVM vectorises inside Numba loops.

PyPI's llvmlite has no Intel SVML, so ``math.exp`` in an ``njit`` loop stays a scalar libm call
and keeps the loop from being vectorised. This one is plain float32 arithmetic: ``exp(x) =
2**n * exp(r)`` with ``n = round(x / ln 2)``, ``|r| <= ln(2) / 2``, ``exp(r)`` from its degree-6
Taylor polynomial (relative error below 2e-7 on that interval) and ``2**n`` read from a table,
a vector gather. Inputs are clamped to [-87, 88], where float32 ``exp`` is normal.
"""
from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["exp32", "EXP2_TABLE"]

_LOW, _HIGH = -126, 127
EXP2_TABLE = (2.0 ** np.arange(_LOW, _HIGH + 1)).astype(np.float32)
_LOG2E = np.float32(1.0 / math.log(2.0))
_LN2 = np.float32(math.log(2.0))
_C0 = np.float32(1.0 / math.factorial(0))
_C1 = np.float32(1.0 / math.factorial(1))
_C2 = np.float32(1.0 / math.factorial(2))
_C3 = np.float32(1.0 / math.factorial(3))
_C4 = np.float32(1.0 / math.factorial(4))
_C5 = np.float32(1.0 / math.factorial(5))
_C6 = np.float32(1.0 / math.factorial(6))


@numba.njit(inline="always", fastmath=True, error_model="numpy")
def exp32(x):
    """``exp(x)`` for float32 ``x`` (a scalar, inside loops LLVM vectorises)."""
    x = min(max(x, np.float32(-87.0)), np.float32(88.0))
    n = np.floor(x * _LOG2E + np.float32(0.5))
    r = x - n * _LN2
    p = _C6
    p = p * r + _C5
    p = p * r + _C4
    p = p * r + _C3
    p = p * r + _C2
    p = p * r + _C1
    p = p * r + _C0
    return p * EXP2_TABLE[np.uint32(np.int32(n) - np.int32(_LOW))]
