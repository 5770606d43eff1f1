"""What one kernel source needs to serve both dtype policies and every form of its arguments.

Kernels are written once and specialised by a *token*: a float scalar of the policy's dtype
(``np.float32(0)``, or ``np.float64(0)`` under x64) passed down the call chain. The helpers here are
overloaded on the token's type (and on the arguments' Numba types: ``size`` None, an int or a tuple;
``high`` omitted or given; ``a`` an int or an array), so one source gives every variant at typing
time and stays cacheable (no closures over dispatchers). Each helper also runs as plain Python.
"""
from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload

from .generator import njit

__all__ = ["resolve_shape", "population", "take", "int_bounds", "int_bounds_inclusive", "as_int_dtype", "as_float",
           "as_int", "empty_float", "empty_int", "unit_word", "param", "size_of", "broadcast_flat"]


def resolve_shape(size, broadcast):
    """``size`` as a shape tuple, or the parameters' broadcast shape when ``size`` is None."""
    if size is None:
        return broadcast
    if isinstance(size, (int, np.integer)):
        return (int(size),)
    return tuple(size)


@overload(resolve_shape)
def _resolve_shape_njit(size, broadcast):
    if size is None or isinstance(size, (types.NoneType, types.Omitted)):
        return lambda size, broadcast: broadcast
    if isinstance(size, types.Integer):
        return lambda size, broadcast: (np.int64(size),)
    if isinstance(size, (types.UniTuple, types.Tuple)):
        return lambda size, broadcast: size
    return None


def population(a):
    """The number of items ``choice``/``permutation`` pick from: ``a`` itself or ``len(a)``."""
    return a if isinstance(a, (int, np.integer)) else len(a)


@overload(population)
def _population_njit(a):
    if isinstance(a, types.Integer):
        return lambda a: np.int64(a)
    if isinstance(a, types.Array):
        return lambda a: np.int64(a.shape[0])
    return None


def take(a, index, token):
    """``index`` (as the policy's int) when picking from ``arange(a)``, else ``a[index]``."""
    return index.astype(np.int32 if np.dtype(type(token)).itemsize == 4 else np.int64) \
        if isinstance(a, (int, np.integer)) else a[index]


@overload(take)
def _take_njit(a, index, token):
    if isinstance(a, types.Integer):
        if token.bitwidth == 32:
            return lambda a, index, token: index.astype(np.int32)
        return lambda a, index, token: index.astype(np.int64)
    if isinstance(a, types.Array):
        return lambda a, index, token: a[index]
    return None


def int_bounds(low, high):
    """``(low, high)``, or ``(0, low)`` when ``high`` is None (NumPy's ``randint(high)``)."""
    return (0, low) if high is None else (low, high)


@overload(int_bounds)
def _int_bounds_njit(low, high):
    if high is None or isinstance(high, (types.NoneType, types.Omitted)):
        return lambda low, high: (0, low)
    return lambda low, high: (low, high)


def int_bounds_inclusive(low, high):
    """``(low, high)``, or ``(1, low)`` when ``high`` is None (NumPy's ``random_integers(high)``)."""
    return (1, low) if high is None else (low, high)


@overload(int_bounds_inclusive)
def _int_bounds_inclusive_njit(low, high):
    if high is None or isinstance(high, (types.NoneType, types.Omitted)):
        return lambda low, high: (1, low)
    return lambda low, high: (low, high)


def as_int_dtype(out, dtype):
    """``out`` as ``dtype`` (randint's argument), unchanged when it is None."""
    return out if dtype is None else out.astype(dtype)


@overload(as_int_dtype)
def _as_int_dtype_njit(out, dtype):
    if dtype is None or isinstance(dtype, (types.NoneType, types.Omitted)):
        return lambda out, dtype: out
    return lambda out, dtype: out.astype(dtype)


def as_float(value, token):
    """``value`` as the token's float type."""
    return type(token)(value)


@overload(as_float)
def _as_float_njit(value, token):
    if isinstance(token, types.Float):
        if token.bitwidth == 32:
            return lambda value, token: np.float32(value)
        return lambda value, token: np.float64(value)
    return None


def as_int(value, token):
    """``value`` as the policy's integer type for the token (int32 for float32, int64 for float64)."""
    return (np.int32 if np.dtype(type(token)).itemsize == 4 else np.int64)(value)


@overload(as_int)
def _as_int_njit(value, token):
    if isinstance(token, types.Float):
        if token.bitwidth == 32:
            return lambda value, token: np.int32(value)
        return lambda value, token: np.int64(value)
    return None


def empty_float(n, token):
    """An empty 1-d array of ``n`` floats of the token's dtype."""
    return np.empty(n, type(token))


@overload(empty_float)
def _empty_float_njit(n, token):
    if isinstance(token, types.Float):
        if token.bitwidth == 32:
            return lambda n, token: np.empty(n, np.float32)
        return lambda n, token: np.empty(n, np.float64)
    return None


def empty_int(n, token):
    """An empty 1-d array of ``n`` integers of the policy's int (int32 for float32, int64 for float64)."""
    return np.empty(n, np.int32 if np.dtype(type(token)).itemsize == 4 else np.int64)


@overload(empty_int)
def _empty_int_njit(n, token):
    if isinstance(token, types.Float):
        if token.bitwidth == 32:
            return lambda n, token: np.empty(n, np.int32)
        return lambda n, token: np.empty(n, np.int64)
    return None


def unit_word(w, token):
    """A uniform in [0, 1) from ONE word (rejection and inversion samplers)."""
    if np.dtype(type(token)).itemsize == 4:
        return np.float32(np.uint32(w) >> np.uint32(9)) * np.float32(2.0 ** -23)
    return np.float64(w) * np.float64(2.0 ** -32)


@overload(unit_word)
def _unit_word_njit(w, token):
    if isinstance(token, types.Float):
        if token.bitwidth == 32:
            return lambda w, token: np.float32(np.uint32(w) >> np.uint32(9)) * np.float32(2.0 ** -23)
        return lambda w, token: np.float64(w) * np.float64(2.0 ** -32)
    return None


def broadcast_flat(x, shape):
    """``x`` (a number or an array) broadcast to ``shape``, flattened (a new C-ordered array).

    Inside compiled code this is ``np.broadcast_to``: assigning into an array of ``shape``
    (``full[...] = x``) compiles Numba's formatting of the broadcast error (its string machinery,
    ~7 s of a cold first random draw), ``np.broadcast_to`` a constant message."""
    return np.broadcast_to(np.asarray(x), shape).ravel()


@overload(broadcast_flat)
def _broadcast_flat_njit(x, shape):
    if isinstance(shape, types.BaseTuple) and len(shape) == 0:
        # Numba's broadcast_to rejects a 0-d target for an array at typing time; NumPy at run time.
        def to_scalar(x, shape):
            values = np.asarray(x)
            if values.size != 1:
                raise ValueError("operands could not be broadcast together with the requested shape ()")
            return values.ravel()
        return to_scalar
    return lambda x, shape: np.broadcast_to(np.asarray(x), shape).ravel()


@njit
def param(x, shape, token):
    """Parameter ``x`` as a 1-d array of the token's dtype: one value, or ``x`` broadcast to ``shape``.

    Read it with ``values[i * step]``, ``step = 0 if values.size == 1 else 1``, so a scalar parameter
    costs no array of the output's size.
    """
    values = np.asarray(x).ravel()
    if values.size == 1:
        out = empty_float(1, token)
        out[0] = as_float(values[0], token)
        return out, 0
    flat = broadcast_flat(x, shape)
    out = empty_float(flat.size, token)
    for i in range(flat.size):
        out[i] = as_float(flat[i], token)
    return out, 1


def size_of(shape):
    """The number of elements of an array of ``shape``."""
    return int(np.prod(shape, dtype=np.int64))


@overload(size_of)
def _size_of_njit(shape):
    if isinstance(shape, types.BaseTuple) and len(shape) == 0:
        return lambda shape: 1
    if isinstance(shape, types.BaseTuple):
        def size_of(shape):
            count = 1
            for s in shape:
                count *= s
            return count
        return size_of
    return None

