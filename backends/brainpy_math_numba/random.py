"""bm.random on the numba backend: the shared Threefry-2x32 stream and its distributions.

The stream, the state layout and the conversions are described in :mod:`brainpy_math.random`; the JAX
backend (``brainpy_math_jax.random``) implements the same formulas. Here every draw is an
``@numba.njit`` kernel with the signature ``(key, counter, *params)``: ``key`` (uint32[2]) and
``counter`` (uint32[2]: high, low word of the 64-bit word position) are a RandomState's arrays, the
kernel advances ``counter`` in place, and ``params`` are the public function's parameters, in the
same order and with the same defaults. The eager functions call these same kernels, so code
compiled by the numba backend (which passes ``state_arrays(rs)``) continues the very same stream.
Results follow the dtype policy fixed when the kernel is looked up (``compiled(name)``): float32 and
int32 unless x64 is on. ``prange_key``/``prange_stream`` give the iterations of a ``bm.prange`` loop
streams of their own (the rule is in :mod:`brainpy_math.random`; the code generator inserts the
calls, ``calls.lower_prange_streams``).
"""
from __future__ import annotations

import functools
import math
import threading
from typing import Any, Callable

import numba
import numpy as np
from numba import types
from numba.extending import overload

import brainpy_math.random as frontend
from brainpy_math import _config
from .array import as_array, raw
from .numpy_ops import asarray
from .variables import Variable
from .cache_files import guard_numba_caches

# Before any kernel below loads from Numba's cache: a damaged cache file is recompiled, not fatal.
guard_numba_caches()

__all__ = ["RandomState", "default_state", "state_arrays", "compiled", "threefry2x32", "prange_key",
           "prange_stream",
           *[n for n in frontend.__all__ if n not in ("RandomState", "default_state")]]

_PARITY = np.uint32(0x1BD11BDA)
_ATTEMPT_HI = np.uint32(0xFFFFFFFF)
_LOW32 = np.uint64(0xFFFFFFFF)
# XLA contracts a * b + c into fused multiply-adds on CPU; allowing LLVM the same contraction here
# makes both backends round those expressions identically.
_njit = functools.partial(numba.njit, cache=True, fastmath={"contract"})


# ------------------------------------------------------------------------------------ generator
@_njit
def _round(x0, x1, r):
    x0 = np.uint32(x0 + x1)
    x1 = np.uint32(np.uint32(x1 << np.uint32(r)) | np.uint32(x1 >> np.uint32(32 - r))) ^ x0
    return x0, x1


@_njit
def _four_rounds(x0, x1, odd):
    if odd:
        x0, x1 = _round(x0, x1, 17)
        x0, x1 = _round(x0, x1, 29)
        x0, x1 = _round(x0, x1, 16)
        return _round(x0, x1, 24)
    x0, x1 = _round(x0, x1, 13)
    x0, x1 = _round(x0, x1, 15)
    x0, x1 = _round(x0, x1, 26)
    return _round(x0, x1, 6)


@_njit
def _threefry(k0, k1, x0, x1):
    k0, k1 = np.uint32(k0), np.uint32(k1)
    k2 = np.uint32(k0 ^ k1 ^ _PARITY)
    x0 = np.uint32(np.uint32(x0) + k0)
    x1 = np.uint32(np.uint32(x1) + k1)
    x0, x1 = _four_rounds(x0, x1, False)
    x0, x1 = np.uint32(x0 + k1), np.uint32(x1 + k2 + np.uint32(1))
    x0, x1 = _four_rounds(x0, x1, True)
    x0, x1 = np.uint32(x0 + k2), np.uint32(x1 + k0 + np.uint32(2))
    x0, x1 = _four_rounds(x0, x1, False)
    x0, x1 = np.uint32(x0 + k0), np.uint32(x1 + k1 + np.uint32(3))
    x0, x1 = _four_rounds(x0, x1, True)
    x0, x1 = np.uint32(x0 + k1), np.uint32(x1 + k2 + np.uint32(4))
    x0, x1 = _four_rounds(x0, x1, False)
    return np.uint32(x0 + k2), np.uint32(x1 + k0 + np.uint32(5))


@_njit
def _threefry_arrays(k0, k1, x0, x1):
    y0 = np.empty(x0.size, np.uint32)
    y1 = np.empty(x0.size, np.uint32)
    for i in range(x0.size):
        y0[i], y1[i] = _threefry(k0, k1, x0[i], x1[i])
    return y0, y1


def threefry2x32(k0: Any, k1: Any, x0: Any, x1: Any) -> tuple[np.ndarray, np.ndarray]:
    """Threefry-2x32 with 20 rounds of counter ``(x0, x1)`` under key ``(k0, k1)`` (uint32 arrays).

    Example:
        >>> [hex(int(v[0])) for v in threefry2x32(0, 0, [0], [0])]
        ['0x6b200159', '0x99ba4efe']
    """
    x0, x1 = np.broadcast_arrays(np.asarray(x0, np.uint32), np.asarray(x1, np.uint32))
    shape = x0.shape
    y0, y1 = _threefry_arrays(np.uint32(k0), np.uint32(k1), x0.ravel(), x1.ravel())
    return y0.reshape(shape), y1.reshape(shape)


@_njit
def _position(counter):
    return (np.uint64(counter[0]) << np.uint64(32)) | np.uint64(counter[1])


@_njit
def _set_position(counter, position):
    counter[0] = np.uint32(position >> np.uint64(32))
    counter[1] = np.uint32(position & _LOW32)


@_njit
def _block(key, block):
    return _threefry(key[0], key[1], np.uint32(block >> np.uint64(32)), np.uint32(block & _LOW32))


@_njit
def _fill_words(key, start, out):
    """Words ``[start, start + out.size)`` of the main stream into ``out`` (uint32)."""
    n = out.size
    if n == 0:
        return
    first = start >> np.uint64(1)
    count = ((start + np.uint64(n) + np.uint64(1)) >> np.uint64(1)) - first
    for j in range(count):
        block = first + np.uint64(j)
        y0, y1 = _block(key, block)
        i = np.int64((block << np.uint64(1)) - start)  # index of word 0 of this block (may be -1)
        if i >= 0:
            out[i] = y0
        if i + 1 < n:
            out[i + 1] = y1


@_njit
def _attempt_words(key, position, stream):
    """The 4 words of attempt stream ``stream`` at block ``position`` (see the frontend docstring)."""
    s2 = np.uint32(np.uint32(stream) * np.uint32(2))
    ka0, ka1 = _threefry(key[0], key[1], _ATTEMPT_HI, s2)
    kb0, kb1 = _threefry(key[0], key[1], _ATTEMPT_HI, np.uint32(s2 + np.uint32(1)))
    hi, lo = np.uint32(position >> np.uint64(32)), np.uint32(position & _LOW32)
    w0, w1 = _threefry(ka0, ka1, hi, lo)
    w2, w3 = _threefry(kb0, kb1, hi, lo)
    return w0, w1, w2, w3


@_njit
def _bounded_one(key, position, w, span, family):
    """An unbiased offset in ``[0, span)`` for the slot at ``position`` whose main word is ``w``."""
    span = np.uint32(span)
    threshold = np.uint32(np.uint32(np.uint32(0) - span) % span)
    j = 1
    while w < threshold:
        w = _attempt_words(key, position, 2 * j + family)[0]
        j += 1
    return np.uint32(w % span)


@_njit
def _fill_bounded(key, counter, spans, out):
    """``out[i]`` = unbiased offset in ``[0, spans[i])``; advances ``counter`` by ``out.size``."""
    start = _position(counter)
    n = out.size
    words = np.empty(n, np.uint32)
    _fill_words(key, start, words)
    for i in range(n):
        out[i] = _bounded_one(key, start + np.uint64(i), words[i], spans[i], 0)
    _set_position(counter, start + np.uint64(n))


@_njit
def _fisher_yates(key, counter, population, steps):
    """The first ``steps`` entries of a Fisher-Yates shuffle of ``arange(population)``."""
    spans = np.empty(steps, np.uint32)
    for i in range(steps):
        spans[i] = np.uint32(population - i)
    offsets = np.empty(steps, np.uint32)
    _fill_bounded(key, counter, spans, offsets)
    order = np.arange(population).astype(np.int32)
    for i in range(steps):
        j = i + np.int64(offsets[i])
        a = order[i]
        order[i] = order[j]
        order[j] = a
    return order[:steps].copy()


_ACKLAM_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_ACKLAM_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
             6.680131188771972e+01, -1.328068155288572e+01)
_ACKLAM_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_ACKLAM_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00)
_ACKLAM_LOW = 0.02425
# Giles (2010), "Approximating the erfinv function": the single-precision branch for w < 5.
_GILES = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
          -0.00417768164, 0.246640727, 1.50140941)
_SQRT2 = 1.4142135623730951
_TINY32 = float(np.finfo(np.float32).tiny)
_LOG_FACTORIAL = frontend.LOG_FACTORIAL_TABLE


_cdf_thresholds = _njit(frontend.cdf_thresholds)


# ------------------------------------------------------------------ size and parameter handling
def _resolve_shape(size, broadcast):
    """``size`` as a shape tuple, or the parameters' broadcast shape when ``size`` is None."""
    if size is None:
        return broadcast
    if isinstance(size, (int, np.integer)):
        return (int(size),)
    return tuple(size)


@overload(_resolve_shape)
def _resolve_shape_njit(size, broadcast):
    if size is None or isinstance(size, (types.NoneType, types.Omitted)):
        return lambda size, broadcast: broadcast
    if isinstance(size, types.Integer):
        return lambda size, broadcast: (np.int64(size),)
    if isinstance(size, (types.UniTuple, types.Tuple)):
        return lambda size, broadcast: size
    return None


def _population(a):
    """The number of items ``choice``/``permutation`` pick from: ``a`` itself or ``len(a)``."""
    return a if isinstance(a, (int, np.integer)) else len(a)


@overload(_population)
def _population_njit(a):
    if isinstance(a, types.Integer):
        return lambda a: np.int64(a)
    if isinstance(a, types.Array):
        return lambda a: np.int64(a.shape[0])
    return None


def _take(a, index, token):
    """``index`` (as the policy's int) when picking from ``arange(a)``, else ``a[index]``."""
    return index.astype(np.int32 if np.dtype(type(token)).itemsize == 4 else np.int64) \
        if isinstance(a, (int, np.integer)) else a[index]


@overload(_take)
def _take_njit(a, index, token):
    if isinstance(a, types.Integer):
        if token.bitwidth == 32:
            return lambda a, index, token: index.astype(np.int32)
        return lambda a, index, token: index.astype(np.int64)
    if isinstance(a, types.Array):
        return lambda a, index, token: a[index]
    return None


def _int_bounds(low, high):
    """``(low, high)``, or ``(0, low)`` when ``high`` is None (NumPy's ``randint(high)``)."""
    return (0, low) if high is None else (low, high)


@overload(_int_bounds)
def _int_bounds_njit(low, high):
    if high is None or isinstance(high, (types.NoneType, types.Omitted)):
        return lambda low, high: (0, low)
    return lambda low, high: (low, high)


def _int_bounds_inclusive(low, high):
    """``(low, high)``, or ``(1, low)`` when ``high`` is None (NumPy's ``random_integers(high)``)."""
    return (1, low) if high is None else (low, high)


@overload(_int_bounds_inclusive)
def _int_bounds_inclusive_njit(low, high):
    if high is None or isinstance(high, (types.NoneType, types.Omitted)):
        return lambda low, high: (1, low)
    return lambda low, high: (low, high)


def _as_int_dtype(out, dtype):
    return out if dtype is None else out.astype(dtype)


@overload(_as_int_dtype)
def _as_int_dtype_njit(out, dtype):
    if dtype is None or isinstance(dtype, (types.NoneType, types.Omitted)):
        return lambda out, dtype: out
    return lambda out, dtype: out.astype(dtype)


# ------------------------------------------------------------ dtype tokens (float32 or float64)
# Kernels are written once and specialised by a *token*: a float scalar of the policy's dtype passed
# down the call chain. Helpers overloaded on the token's type give constants and arrays of that dtype,
# so both dtype variants come from one source and stay cacheable (no closures over dispatchers).
def _f(value, token):
    """``value`` as the token's float type."""
    return type(token)(value)


@overload(_f)
def _f_njit(value, token):
    if isinstance(token, types.Float):
        if token.bitwidth == 32:
            return lambda value, token: np.float32(value)
        return lambda value, token: np.float64(value)
    return None


def _i(value, token):
    """``value`` as the policy's integer type for the token (int32 for float32, int64 for float64)."""
    return (np.int32 if np.dtype(type(token)).itemsize == 4 else np.int64)(value)


@overload(_i)
def _i_njit(value, token):
    if isinstance(token, types.Float):
        if token.bitwidth == 32:
            return lambda value, token: np.int32(value)
        return lambda value, token: np.int64(value)
    return None


def _empty(n, token):
    return np.empty(n, type(token))


@overload(_empty)
def _empty_njit(n, token):
    if isinstance(token, types.Float):
        if token.bitwidth == 32:
            return lambda n, token: np.empty(n, np.float32)
        return lambda n, token: np.empty(n, np.float64)
    return None


def _empty_int(n, token):
    return np.empty(n, np.int32 if np.dtype(type(token)).itemsize == 4 else np.int64)


@overload(_empty_int)
def _empty_int_njit(n, token):
    if isinstance(token, types.Float):
        if token.bitwidth == 32:
            return lambda n, token: np.empty(n, np.int32)
        return lambda n, token: np.empty(n, np.int64)
    return None


def _unit_word(w, token):
    """A uniform in [0, 1) from ONE word (rejection and inversion samplers)."""
    if np.dtype(type(token)).itemsize == 4:
        return np.float32(np.uint32(w) >> np.uint32(9)) * np.float32(2.0 ** -23)
    return np.float64(w) * np.float64(2.0 ** -32)


@overload(_unit_word)
def _unit_word_njit(w, token):
    if isinstance(token, types.Float):
        if token.bitwidth == 32:
            return lambda w, token: np.float32(np.uint32(w) >> np.uint32(9)) * np.float32(2.0 ** -23)
        return lambda w, token: np.float64(w) * np.float64(2.0 ** -32)
    return None


@_njit
def _unit_pair(w_hi, w_lo):
    """float64 in [0, 1) from the top 52 bits of two words."""
    bits = ((np.uint64(w_hi) << np.uint64(32)) | np.uint64(w_lo)) >> np.uint64(12)
    return np.float64(bits) * np.float64(2.0 ** -52)


@_njit
def _polar(u1, u2):
    """Box-Muller radius and angle from two uniforms of the same float type."""
    return np.sqrt(_f(-2.0, u1) * np.log(_f(1.0, u1) - u1)), _f(2 * np.pi, u1) * u2


@_njit
def _fill_uniform32(key, counter, out):
    start = _position(counter)
    n = out.size
    if n > 0:
        first = start >> np.uint64(1)
        count = ((start + np.uint64(n) + np.uint64(1)) >> np.uint64(1)) - first
        for j in range(count):
            block = first + np.uint64(j)
            y0, y1 = _block(key, block)
            i = np.int64((block << np.uint64(1)) - start)  # index of word 0 of this block (may be -1)
            if i >= 0:
                out[i] = np.float32(y0 >> np.uint32(9)) * np.float32(2.0 ** -23)
            if i + 1 < n:
                out[i + 1] = np.float32(y1 >> np.uint32(9)) * np.float32(2.0 ** -23)
    _set_position(counter, start + np.uint64(n))


@_njit
def _fill_uniform64(key, counter, out):
    start = _position(counter)
    n = out.size
    words = np.empty(2 * n, np.uint32)
    _fill_words(key, start, words)
    for i in range(n):
        out[i] = _unit_pair(words[2 * i], words[2 * i + 1])
    _set_position(counter, start + np.uint64(2 * n))


def _fill_uniform(key, counter, out):
    """Uniforms in [0, 1) into the 1-d float ``out``; advances ``counter``."""
    (_fill_uniform32 if out.dtype == np.float32 else _fill_uniform64)(key, counter, out)


@overload(_fill_uniform)
def _fill_uniform_njit(key, counter, out):
    if out.dtype == types.float32:
        return lambda key, counter, out: _fill_uniform32(key, counter, out)
    return lambda key, counter, out: _fill_uniform64(key, counter, out)


@_njit
def _fill_normal32(key, counter, out):
    start = _position(counter)
    n = out.size
    if n > 0:
        first = start >> np.uint64(1)
        count = ((start + np.uint64(n) + np.uint64(1)) >> np.uint64(1)) - first
        for j in range(count):
            block = first + np.uint64(j)
            y0, y1 = _block(key, block)
            radius, angle = _polar(np.float32(y0 >> np.uint32(9)) * np.float32(2.0 ** -23),
                                   np.float32(y1 >> np.uint32(9)) * np.float32(2.0 ** -23))
            i = np.int64((block << np.uint64(1)) - start)
            if i >= 0:
                out[i] = radius * np.cos(angle)
            if i + 1 < n:
                out[i + 1] = radius * np.sin(angle)
    _set_position(counter, start + np.uint64(n))


_PARALLEL_CHUNK = 4096  # blocks per task of the parallel fills


@numba.njit(cache=True, fastmath={"contract"}, parallel=True)
def _fill_normal32_parallel(key, counter, out):
    """``_fill_normal32`` on all cores (eager draws only: never nested in a caller's prange)."""
    start = _position(counter)
    n = out.size
    if n > 0:
        first = start >> np.uint64(1)
        count = np.int64(((start + np.uint64(n) + np.uint64(1)) >> np.uint64(1)) - first)
        for chunk in numba.prange((count + _PARALLEL_CHUNK - 1) // _PARALLEL_CHUNK):
            for j in range(chunk * _PARALLEL_CHUNK, min((chunk + 1) * _PARALLEL_CHUNK, count)):
                block = first + np.uint64(j)
                y0, y1 = _block(key, block)
                radius, angle = _polar(np.float32(y0 >> np.uint32(9)) * np.float32(2.0 ** -23),
                                       np.float32(y1 >> np.uint32(9)) * np.float32(2.0 ** -23))
                i = np.int64((block << np.uint64(1)) - start)
                if i >= 0:
                    out[i] = radius * np.cos(angle)
                if i + 1 < n:
                    out[i + 1] = radius * np.sin(angle)
    _set_position(counter, start + np.uint64(n))


@numba.njit(cache=True, fastmath={"contract"}, parallel=True)
def _fill_uniform32_parallel(key, counter, out):
    """``_fill_uniform32`` on all cores (eager draws only)."""
    start = _position(counter)
    n = out.size
    if n > 0:
        first = start >> np.uint64(1)
        count = np.int64(((start + np.uint64(n) + np.uint64(1)) >> np.uint64(1)) - first)
        for chunk in numba.prange((count + _PARALLEL_CHUNK - 1) // _PARALLEL_CHUNK):
            for j in range(chunk * _PARALLEL_CHUNK, min((chunk + 1) * _PARALLEL_CHUNK, count)):
                block = first + np.uint64(j)
                y0, y1 = _block(key, block)
                i = np.int64((block << np.uint64(1)) - start)
                if i >= 0:
                    out[i] = np.float32(y0 >> np.uint32(9)) * np.float32(2.0 ** -23)
                if i + 1 < n:
                    out[i + 1] = np.float32(y1 >> np.uint32(9)) * np.float32(2.0 ** -23)
    _set_position(counter, start + np.uint64(n))


@_njit
def _fill_normal64(key, counter, out):
    start = _position(counter)
    n = out.size
    words = np.empty(4 * n, np.uint32)
    _fill_words(key, start, words)
    for i in range(n):
        radius, angle = _polar(_unit_pair(words[4 * i], words[4 * i + 1]),
                               _unit_pair(words[4 * i + 2], words[4 * i + 3]))
        out[i] = radius * np.cos(angle)
    _set_position(counter, start + np.uint64(4 * n))


def _fill_normal(key, counter, out):
    """Standard normals into the 1-d float ``out`` (Box-Muller, see the module docstring)."""
    (_fill_normal32 if out.dtype == np.float32 else _fill_normal64)(key, counter, out)


@overload(_fill_normal)
def _fill_normal_njit(key, counter, out):
    if out.dtype == types.float32:
        return lambda key, counter, out: _fill_normal32(key, counter, out)
    return lambda key, counter, out: _fill_normal64(key, counter, out)


@_njit
def _param(x, shape, token):
    """Parameter ``x`` as a 1-d array of the token's dtype: one value, or ``x`` broadcast to ``shape``.

    Read it with ``values[i * step]``, ``step = 0 if values.size == 1 else 1``, so a scalar parameter
    costs no array of the output's size.
    """
    values = np.asarray(x).ravel()
    if values.size == 1:
        out = _empty(1, token)
        out[0] = _f(values[0], token)
        return out, 0
    full = np.empty(shape, values.dtype)
    full[...] = np.asarray(x)
    flat = full.ravel()
    out = _empty(flat.size, token)
    for i in range(flat.size):
        out[i] = _f(flat[i], token)
    return out, 1


def _size_of(shape):
    """The number of elements of an array of ``shape``."""
    return int(np.prod(shape, dtype=np.int64))


@overload(_size_of)
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


@_njit
def _log_factorial(k):
    """log(k!) for float ``k >= 0``: a table below 16, Stirling's series above (as on JAX)."""
    if k < 16:
        return _f(_LOG_FACTORIAL[np.int64(k)], k)
    x = k + _f(1.0, k)
    inv = _f(1.0, k) / x
    inv2 = inv * inv
    return ((x - _f(0.5, k)) * np.log(x) - x + _f(0.9189385332046727, k)
            + inv * (_f(1 / 12, k) - inv2 * (_f(1 / 360, k) - inv2 * _f(1 / 1260, k))))


@_njit
def _ndtri(u):
    """The standard normal quantile (Acklam's rational approximation, as on JAX)."""
    one, low = _f(1.0, u), _f(_ACKLAM_LOW, u)
    if u <= _f(0.0, u):
        return _f(-np.inf, u)
    if u >= one:
        return _f(np.inf, u)
    if u < low or u > one - low:
        p = max(u, _f(_TINY32, u)) if u < low else max(one - u, _f(_TINY32, u))
        q = np.sqrt(_f(-2.0, u) * np.log(p))
        c, d = _ACKLAM_C, _ACKLAM_D
        num = (((((_f(c[0], u) * q + _f(c[1], u)) * q + _f(c[2], u)) * q + _f(c[3], u)) * q + _f(c[4], u)) * q
               + _f(c[5], u))
        den = (((_f(d[0], u) * q + _f(d[1], u)) * q + _f(d[2], u)) * q + _f(d[3], u)) * q + one
        return num / den if u < low else -(num / den)
    return _ndtri_central(u)


@_njit
def _acklam_central(u):
    a, b = _ACKLAM_A, _ACKLAM_B
    q = u - 0.5
    r = q * q
    num = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
    den = ((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0
    return num / den


@_njit
def _giles_central(u):
    # Acklam's central rational function cancels badly in float32: Giles' single-precision erfinv
    # polynomial instead (ndtri(u) = sqrt(2) erfinv(2u - 1)), evaluated as on JAX.
    one = np.float32(1.0)
    w = -np.log(np.float32(4.0) * u * (one - u)) - np.float32(2.5)
    poly = np.float32(_GILES[0])
    for coefficient in _GILES[1:]:
        poly = np.float32(coefficient) + poly * w
    return np.float32(_SQRT2) * poly * (np.float32(2.0) * u - one)


def _ndtri_central(u):
    """ndtri on [0.02425, 0.97575]: Giles' polynomial in float32, Acklam's function in float64."""
    return _giles_central(u) if isinstance(u, np.float32) else _acklam_central(u)


@overload(_ndtri_central)
def _ndtri_central_njit(u):
    if isinstance(u, types.Float) and u.bitwidth == 32:
        return lambda u: _giles_central(u)
    return lambda u: _acklam_central(u)


@_njit
def _gamma_one(key, position, shape_param, family):
    """Marsaglia-Tsang gamma(shape_param, 1) for the slot at ``position`` (attempt streams)."""
    one, half = _f(1.0, shape_param), _f(0.5, shape_param)
    boosted = shape_param + one if shape_param < one else shape_param
    d = boosted - _f(1 / 3, shape_param)
    c = one / np.sqrt(_f(9.0, shape_param) * d)
    j = 0
    while True:
        w0, w1, w2, w3 = _attempt_words(key, position, 2 * j + family)
        j += 1
        radius, angle = _polar(_unit_word(w0, one), _unit_word(w1, one))
        x = radius * np.cos(angle)
        v = one + c * x
        v = v * v * v
        if v <= _f(0.0, one):
            continue
        if np.log(_unit_word(w2, one)) < half * x * x + d - d * v + d * np.log(v):
            g = d * v
            if shape_param < one:
                g = g * np.power(one - _unit_word(w3, one), one / shape_param)
            return g


@_njit
def _poisson_one(key, position, word, lam):
    one, half, zero = _f(1.0, lam), _f(0.5, lam), _f(0.0, lam)
    if lam < _f(10.0, lam):  # inversion with the slot's main-stream word
        u = _unit_word(word, one)
        k = zero
        pmf = np.exp(-lam)
        cdf = pmf
        while u > cdf and pmf > zero:
            pmf = pmf * lam / (k + one)
            k = k + one
            cdf = cdf + pmf
        return k
    slam, loglam = np.sqrt(lam), np.log(lam)  # Hormann's PTRS
    b = _f(0.931, lam) + _f(2.53, lam) * slam
    a = _f(-0.059, lam) + _f(0.02483, lam) * b
    inv_alpha = _f(1.1239, lam) + _f(1.1328, lam) / (b - _f(3.4, lam))
    vr = _f(0.9277, lam) - _f(3.6224, lam) / (b - _f(2.0, lam))
    j = 0
    while True:
        w0, w1, w2, w3 = _attempt_words(key, position, 2 * j)
        j += 1
        uu, v = _unit_word(w0, one) - half, _unit_word(w1, one)
        us = half - np.abs(uu)
        k = np.floor((_f(2.0, lam) * a / us + b) * uu + lam + _f(0.43, lam))
        if us >= _f(0.07, lam) and v <= vr:
            return k
        if k < zero or (us < _f(0.013, lam) and v > us):
            continue
        if np.log(v) + np.log(inv_alpha) - np.log(a / (us * us) + b) <= -lam + k * loglam - _log_factorial(k):
            return k


@_njit
def _binomial_one(key, position, word, trials, p):
    one, half, zero = _f(1.0, p), _f(0.5, p), _f(0.0, p)
    flip = p > half
    pp = one - p if flip else p
    q = one - pp
    if trials * pp < _f(10.0, p):  # inversion with the slot's main-stream word
        u = _unit_word(word, one)
        ratio = pp / q
        k = zero
        pmf = np.power(q, trials)
        cdf = pmf
        while u > cdf and k < trials and pmf > zero:
            pmf = pmf * ((trials - k) / (k + one)) * ratio
            k = k + one
            cdf = cdf + pmf
        return trials - k if flip else k
    spq = np.sqrt(trials * pp * q)  # Hormann's BTRS
    b = _f(1.15, p) + _f(2.53, p) * spq
    a = _f(-0.0873, p) + _f(0.0248, p) * b + _f(0.01, p) * pp
    c = trials * pp + half
    vr = _f(0.92, p) - _f(4.2, p) / b
    alpha = (_f(2.83, p) + _f(5.1, p) / b) * spq
    lpq = np.log(pp / q)
    m = np.floor((trials + one) * pp)
    h = _log_factorial(m) + _log_factorial(trials - m)
    j = 0
    while True:
        w0, w1, w2, w3 = _attempt_words(key, position, 2 * j)
        j += 1
        uu, v = _unit_word(w0, one) - half, _unit_word(w1, one)
        us = half - np.abs(uu)
        k = np.floor((_f(2.0, p) * a / us + b) * uu + c)
        if k < zero or k > trials:
            continue
        if (us >= _f(0.07, p) and v <= vr) or (
                np.log(v * alpha / (a / (us * us) + b))
                <= h - _log_factorial(k) - _log_factorial(trials - k) + (k - m) * lpq):
            return trials - k if flip else k


# ------------------------------------------------------------------ draws (one source, two dtypes)
# ``_uniform_into``/``_normal_into`` fill a caller's buffer: the eager functions allocate it with
# NumPy, whose allocator is much cheaper than a fresh allocation inside compiled code for the
# large arrays of throughput-bound draws.
@_njit
def _uniform_into(key, counter, low, high, shape, out, token):
    _fill_uniform(key, counter, out)
    return _uniform_affine(low, high, shape, out, token)


@_njit
def _uniform_affine(low, high, shape, out, token):
    """``low + (high - low) * u`` in place on the uniforms ``out``."""
    (lo, s_lo), (hi, s_hi) = _param(low, shape, token), _param(high, shape, token)
    for i in range(out.size):
        a, b = lo[i * s_lo], hi[i * s_hi]
        out[i] = a + (b - a) * out[i]
    return out.reshape(shape)


@_njit
def _uniform(key, counter, low, high, size, token):
    shape = _resolve_shape(size, np.broadcast_shapes(np.shape(low), np.shape(high)))
    return _uniform_into(key, counter, low, high, shape, _empty(_size_of(shape), token), token)


@_njit
def _normal_into(key, counter, loc, scale, shape, out, token):
    _fill_normal(key, counter, out)
    return _normal_affine(loc, scale, shape, out, token)


@_njit
def _normal_affine(loc, scale, shape, out, token):
    """``loc + scale * z`` in place on the standard normals ``out``."""
    (mu, s_mu), (sigma, s_sigma) = _param(loc, shape, token), _param(scale, shape, token)
    for i in range(out.size):
        out[i] = mu[i * s_mu] + sigma[i * s_sigma] * out[i]
    return out.reshape(shape)


@_njit
def _normal(key, counter, loc, scale, size, token):
    shape = _resolve_shape(size, np.broadcast_shapes(np.shape(loc), np.shape(scale)))
    return _normal_into(key, counter, loc, scale, shape, _empty(_size_of(shape), token), token)


@_njit
def _lognormal(key, counter, mean, sigma, size, token):
    shape = _resolve_shape(size, np.broadcast_shapes(np.shape(mean), np.shape(sigma)))
    (mu, s_mu), (sd, s_sd) = _param(mean, shape, token), _param(sigma, shape, token)
    out = _empty(_size_of(shape), token)
    _fill_normal(key, counter, out)
    for i in range(out.size):
        out[i] = np.exp(mu[i * s_mu] + sd[i * s_sd] * out[i])
    return out.reshape(shape)


@_njit
def _exponential(key, counter, scale, size, token):
    shape = _resolve_shape(size, np.shape(scale))
    sc, step = _param(scale, shape, token)
    out = _empty(_size_of(shape), token)
    _fill_uniform(key, counter, out)
    for i in range(out.size):
        out[i] = -np.log(_f(1.0, token) - out[i]) * sc[i * step]
    return out.reshape(shape)


@_njit
def _truncated_normal(key, counter, lower, upper, size, loc, scale, token):
    shape = _resolve_shape(size, np.broadcast_shapes(np.shape(lower), np.shape(upper), np.shape(loc),
                                                     np.shape(scale)))
    (lo, s_lo), (hi, s_hi) = _param(lower, shape, token), _param(upper, shape, token)
    (mu, s_mu), (sd, s_sd) = _param(loc, shape, token), _param(scale, shape, token)
    out = _empty(_size_of(shape), token)
    _fill_uniform(key, counter, out)
    half, to_erfc = _f(0.5, token), _f(-0.7071067811865476, token)
    for i in range(out.size):
        m, s = mu[i * s_mu], sd[i * s_sd]
        a, b = (lo[i * s_lo] - m) / s, (hi[i * s_hi] - m) / s
        flip = a + b > 0  # invert in the lower half, where the CDF keeps its relative precision
        if flip:
            a, b = -b, -a
        cdf_a, cdf_b = half * math.erfc(a * to_erfc), half * math.erfc(b * to_erfc)
        x = min(max(_ndtri(cdf_a + out[i] * (cdf_b - cdf_a)), a), b)
        out[i] = m + s * (-x if flip else x)
    return out.reshape(shape)


@_njit
def _multivariate_normal(key, counter, mean, cov, size, method, token):
    if method != "cholesky":
        raise NotImplementedError("multivariate_normal: only method='cholesky' is implemented")
    mu, _ = _param(mean, np.shape(mean), token)
    factor = np.linalg.cholesky(np.asarray(cov).astype(mu.dtype))
    shape = _resolve_shape(size, ())
    count, dim = _size_of(shape), mu.size
    z = _empty(count * dim, token)
    _fill_normal(key, counter, z)
    out = np.empty((count, dim), mu.dtype)
    for r in range(count):
        for i in range(dim):
            acc = _f(0.0, token)
            for j in range(dim):
                acc += z[r * dim + j] * factor[i, j]
            out[r, i] = mu[i] + acc
    return out.reshape(shape + (dim,))


@_njit
def _gamma(key, counter, shape, scale, size, token):
    out_shape = _resolve_shape(size, np.broadcast_shapes(np.shape(shape), np.shape(scale)))
    (k, s_k), (sc, s_sc) = _param(shape, out_shape, token), _param(scale, out_shape, token)
    start = _position(counter)
    out = _empty(_size_of(out_shape), token)
    for i in range(out.size):
        out[i] = _gamma_one(key, start + np.uint64(i), k[i * s_k], 0) * sc[i * s_sc]
    _set_position(counter, start + np.uint64(out.size))
    return out.reshape(out_shape)


@_njit
def _beta(key, counter, a, b, size, token):
    shape = _resolve_shape(size, np.broadcast_shapes(np.shape(a), np.shape(b)))
    (fa, s_a), (fb, s_b) = _param(a, shape, token), _param(b, shape, token)
    start = _position(counter)
    out = _empty(_size_of(shape), token)
    for i in range(out.size):
        x = _gamma_one(key, start + np.uint64(i), fa[i * s_a], 0)
        y = _gamma_one(key, start + np.uint64(i), fb[i * s_b], 1)
        out[i] = x / (x + y)
    _set_position(counter, start + np.uint64(out.size))
    return out.reshape(shape)


@_njit
def _bernoulli(key, counter, p, size, token):
    shape = _resolve_shape(size, np.shape(p))
    fp, step = _param(p, shape, token)
    u = _empty(_size_of(shape), token)
    _fill_uniform(key, counter, u)
    out = np.empty(u.size, np.bool_)
    for i in range(out.size):
        out[i] = u[i] < fp[i * step]
    return out.reshape(shape)


@_njit
def _poisson(key, counter, lam, size, token):
    shape = _resolve_shape(size, np.shape(lam))
    fl, step = _param(lam, shape, token)
    start = _position(counter)
    out = _empty_int(_size_of(shape), token)
    words = np.empty(out.size, np.uint32)
    _fill_words(key, start, words)
    for i in range(out.size):
        out[i] = _i(_poisson_one(key, start + np.uint64(i), words[i], fl[i * step]), token)
    _set_position(counter, start + np.uint64(out.size))
    return out.reshape(shape)


@_njit
def _binomial(key, counter, n, p, size, token):
    shape = _resolve_shape(size, np.broadcast_shapes(np.shape(n), np.shape(p)))
    (fn, s_n), (fp, s_p) = _param(n, shape, token), _param(p, shape, token)
    start = _position(counter)
    out = _empty_int(_size_of(shape), token)
    words = np.empty(out.size, np.uint32)
    _fill_words(key, start, words)
    for i in range(out.size):
        out[i] = _i(_binomial_one(key, start + np.uint64(i), words[i], fn[i * s_n], fp[i * s_p]), token)
    _set_position(counter, start + np.uint64(out.size))
    return out.reshape(shape)


@_njit
def _randint(key, counter, low, high, size, dtype, token):
    lo_arg, hi_arg = _int_bounds(low, high)
    shape = _resolve_shape(size, np.broadcast_shapes(np.shape(lo_arg), np.shape(hi_arg)))
    count = _size_of(shape)
    lo_b = np.empty(shape, np.int64)
    lo_b[...] = np.asarray(lo_arg)
    hi_b = np.empty(shape, np.int64)
    hi_b[...] = np.asarray(hi_arg)
    lo, hi = lo_b.ravel(), hi_b.ravel()
    spans = np.empty(count, np.uint32)
    for i in range(count):
        spans[i] = np.uint32(hi[i] - lo[i])
    offsets = np.empty(count, np.uint32)
    _fill_bounded(key, counter, spans, offsets)
    out = _empty_int(count, token)
    for i in range(count):
        out[i] = _i(lo[i] + np.int64(offsets[i]), token)
    return _as_int_dtype(out, dtype).reshape(shape)


@_njit
def _choice_index(key, counter, population, count, replace, p, token):
    if p is None:
        if replace:
            spans = np.full(count, np.uint32(population), np.uint32)
            offsets = np.empty(count, np.uint32)
            _fill_bounded(key, counter, spans, offsets)
            return offsets.astype(np.int64)
        return _fisher_yates(key, counter, population, count).astype(np.int64)
    if replace:
        thresholds = _cdf_thresholds(np.asarray(p).astype(np.float64))[:-1]
        start = _position(counter)
        words = np.empty(count, np.uint32)
        _fill_words(key, start, words)
        _set_position(counter, start + np.uint64(count))
        return np.searchsorted(thresholds, words, side="right").astype(np.int64)
    # Exponential race: -log(1 - U_i) / p_i smallest first is sampling without replacement
    # proportional to p (zero-probability categories never win).
    weights, _ = _param(p, np.shape(p), token)
    race = _empty(population, token)
    _fill_uniform(key, counter, race)
    for i in range(population):
        race[i] = -np.log(_f(1.0, token) - race[i]) / weights[i]
    return np.argsort(race, kind="mergesort")[:count].astype(np.int64)


@_njit
def _choice(key, counter, a, size, replace, p, token):
    shape = _resolve_shape(size, ())
    index = _choice_index(key, counter, _population(a), _size_of(shape), replace, p, token)
    return _take(a, index, token).reshape(shape)


@_njit
def _permutation(key, counter, x, token):
    n = _population(x)
    return _take(x, _fisher_yates(key, counter, n, n).astype(np.int64), token)


@_njit
def _shuffle(key, counter, x):
    order = _fisher_yates(key, counter, x.shape[0], x.shape[0])
    shuffled = x.copy()
    for i in range(order.size):
        x[i] = shuffled[order[i]]


@_njit
def _split_key(key, counter):
    start = _position(counter)
    words = np.empty(2, np.uint32)
    _fill_words(key, start, words)
    _set_position(counter, start + np.uint64(2))
    return words


@_njit
def prange_key(key, counter):
    """The key of a ``bm.prange`` loop drawing from stream ``(key, counter)``: the 2 words at the
    stream's position, exactly ``split_key``'s; the stream advances by 2, whatever the loop's length.

    Example:
        >>> key, counter = np.array([0, 1], np.uint32), np.zeros(2, np.uint32)
        >>> loop_key = prange_key(key, counter); counter.tolist()
        [0, 2]
    """
    return _split_key(key, counter)


@_njit
def prange_stream(loop_key, i):
    """``(key, counter)`` of iteration ``i`` of a ``bm.prange`` loop: key ``threefry2x32(loop_key,
    (hi(i), lo(i)))`` (``i`` as a 64-bit word), position 0. Fresh arrays, so threads never share them.

    Example:
        >>> key, counter = prange_stream(np.array([7, 9], np.uint32), 3)
        >>> counter.tolist()
        [0, 0]
    """
    k0, k1 = _block(loop_key, np.uint64(i))
    key = np.empty(2, np.uint32)
    key[0] = k0
    key[1] = k1
    return key, np.zeros(2, np.uint32)


@_njit
def _seed(key, counter, seed):
    value = np.uint64(seed)
    key[0] = np.uint32(value >> np.uint64(32))
    key[1] = np.uint32(value & _LOW32)
    counter[0] = 0
    counter[1] = 0


def _build(token: Any) -> dict[str, Callable]:
    """The public kernels for the dtype of ``token`` (their only closure variable, so they cache)."""

    @_njit
    def uniform(key, counter, low=0.0, high=1.0, size=None):
        return _uniform(key, counter, low, high, size, token)

    @_njit
    def random(key, counter, size=None):
        return _uniform(key, counter, 0.0, 1.0, size, token)

    @_njit
    def random_sample(key, counter, size=None):
        return _uniform(key, counter, 0.0, 1.0, size, token)

    @_njit
    def rand(key, counter, *dims):
        return _uniform(key, counter, 0.0, 1.0, dims, token)

    @_njit
    def normal(key, counter, loc=0.0, scale=1.0, size=None):
        return _normal(key, counter, loc, scale, size, token)

    @_njit
    def standard_normal(key, counter, size=None):
        return _normal(key, counter, 0.0, 1.0, size, token)

    @_njit
    def randn(key, counter, *dims):
        return _normal(key, counter, 0.0, 1.0, dims, token)

    @_njit
    def lognormal(key, counter, mean=0.0, sigma=1.0, size=None):
        return _lognormal(key, counter, mean, sigma, size, token)

    @_njit
    def exponential(key, counter, scale=1.0, size=None):
        return _exponential(key, counter, scale, size, token)

    @_njit
    def truncated_normal(key, counter, lower, upper, size=None, loc=0.0, scale=1.0):
        return _truncated_normal(key, counter, lower, upper, size, loc, scale, token)

    @_njit
    def multivariate_normal(key, counter, mean, cov, size=None, method="cholesky"):
        return _multivariate_normal(key, counter, mean, cov, size, method, token)

    @_njit
    def gamma(key, counter, shape, scale=1.0, size=None):
        return _gamma(key, counter, shape, scale, size, token)

    @_njit
    def beta(key, counter, a, b, size=None):
        return _beta(key, counter, a, b, size, token)

    @_njit
    def bernoulli(key, counter, p=0.5, size=None):
        return _bernoulli(key, counter, p, size, token)

    @_njit
    def poisson(key, counter, lam=1.0, size=None):
        return _poisson(key, counter, lam, size, token)

    @_njit
    def binomial(key, counter, n, p, size=None):
        return _binomial(key, counter, n, p, size, token)

    @_njit
    def randint(key, counter, low, high=None, size=None, dtype=None):
        return _randint(key, counter, low, high, size, dtype, token)

    @_njit
    def random_integers(key, counter, low, high=None, size=None):
        lo, hi = _int_bounds_inclusive(low, high)
        return _randint(key, counter, lo, np.asarray(hi) + 1, size, None, token)

    @_njit
    def choice(key, counter, a, size=None, replace=True, p=None):
        return _choice(key, counter, a, size, replace, p, token)

    @_njit
    def permutation(key, counter, x):
        return _permutation(key, counter, x, token)

    kernels = dict(locals())
    kernels.update(shuffle=_shuffle, split_key=_split_key, seed=_seed)
    return {name: kernels[name] for name in _KERNEL_NAMES}


_KERNEL_NAMES = ("uniform", "random", "random_sample", "rand", "normal", "standard_normal", "randn",
                 "lognormal", "exponential", "truncated_normal", "multivariate_normal", "gamma", "beta",
                 "bernoulli", "poisson", "binomial", "randint", "random_integers", "permutation", "shuffle",
                 "choice", "split_key", "seed")

_kernel_sets: dict[bool, dict[str, Callable]] = {}
_INTO = {"uniform": _uniform_into, "normal": _normal_into}
# Large eager float32 draws fill on all cores, then apply the same affine step as the kernels.
_PARALLEL = {"uniform": (_fill_uniform32_parallel, _uniform_affine),
             "normal": (_fill_normal32_parallel, _normal_affine)}
_PARALLEL_FROM = 1 << 17


def _kernels() -> dict[str, Callable]:
    wide = _config.x64_enabled()
    kernels = _kernel_sets.get(wide)
    if kernels is None:
        kernels = _kernel_sets[wide] = _build(np.float64(0.0) if wide else np.float32(0.0))
    return kernels


def compiled(name: str) -> Callable:
    """The ``numba.njit`` kernel of draw ``name``, for code compiled by the numba backend.

    Its signature is ``(key, counter, *params)``: the arrays of ``state_arrays(rs)`` (``counter`` is
    advanced in place), then the public function's parameters with the same defaults. The kernel's
    dtypes follow the policy at the time of this call (float32/int32 unless x64 is on).

    Example:
        >>> import numba, brainpy_math as bm
        >>> normal = compiled('normal')
        >>> @numba.njit
        ... def noise(key, counter):
        ...     return normal(key, counter, 0.0, 1.0, 3)
        >>> noise(*state_arrays(default_state())).shape
        (3,)
    """
    if name not in _KERNEL_NAMES:
        raise NotImplementedError(f"bm.random.{name} has no kernel for code compiled by the numba backend; "
                                  f"available: {', '.join(_KERNEL_NAMES)}")
    return _kernels()[name]


def state_arrays(rs: "RandomState") -> tuple[np.ndarray, np.ndarray]:
    """``(key, counter)`` of ``rs`` as plain ndarrays sharing the Variables' memory (kernel arguments).

    Example:
        >>> key, counter = state_arrays(default_state())
        >>> key.dtype, counter.shape
        (dtype('uint32'), (2,))
    """
    return raw(rs.key), raw(rs.counter)


def _argument(x: Any) -> Any:
    """A draw argument as a kernel accepts it: Variables as plain arrays, lists as arrays."""
    if isinstance(x, np.ndarray):
        return raw(x)
    if isinstance(x, (list, tuple)) and not all(isinstance(i, (int, np.integer)) for i in x):
        return np.asarray(x)
    if isinstance(x, list):
        return np.asarray(x)
    return x


class RandomState(frontend.RandomState):
    """A Threefry stream on the numba backend (see ``brainpy_math.random.RandomState``).

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('numba'):
        ...     rs = bm.random.RandomState(0)
        ...     rs.randint(0, 10, size=3).shape
        (3,)
    """

    def __init__(self, seed: Any = None, name: str | None = None):
        key = frontend.seed_to_key(np.asarray(seed) if hasattr(seed, "shape") else seed, "RandomState")
        super().__init__(name=name)
        self.key = Variable(key, np.uint32)
        self.counter = Variable(np.zeros(2, np.uint32), np.uint32)

    def _reset(self, key: np.ndarray) -> None:
        self.key.value = np.asarray(key, np.uint32)
        self.counter.value = np.zeros(2, np.uint32)

    def _draw(self, name: str, *args: Any) -> Any:
        drawn = self._draw_arrays(name, *args)
        if type(drawn) is tuple:
            return tuple(as_array(d) if type(d) is np.ndarray else d for d in drawn)
        return as_array(drawn) if type(drawn) is np.ndarray else drawn

    def _draw_arrays(self, name: str, *args: Any) -> Any:
        key, counter = state_arrays(self)
        layout = _EAGER_LAYOUT.get(name)
        if layout is None:  # permutation, shuffle, split_key
            if name == "permutation" and not isinstance(args[0], (int, np.integer)):
                args = (asarray(args[0]),)  # the items keep the dtype policy, as on JAX
            return compiled(name)(key, counter, *(_argument(a) for a in args))
        # The eager call passes flat float64/int64 parameters and a 1-d size, so each kernel is
        # compiled once per dtype policy whatever the user passed; the result is reshaped here.
        shape_at, param_type = layout
        shape = args[shape_at]
        count = 1 if shape is None else int(np.prod(shape, dtype=np.int64))
        flat_shape = (count,)
        args = list(args)
        args[shape_at] = flat_shape
        if param_type is not None:
            for i in range(len(args)):
                if i != shape_at and i < _PARAMS_BEFORE.get(name, len(args)):
                    args[i] = _flat_param(args[i], shape, param_type)
        if name in _INTO:
            token = np.float64(0.0) if _config.x64_enabled() else np.float32(0.0)
            out = np.empty(count, type(token))
            params = [a for i, a in enumerate(args) if i != shape_at]
            fill, affine = _PARALLEL[name]
            if count >= _PARALLEL_FROM and type(token) is np.float32:
                fill(key, counter, out)
                return affine(*params, flat_shape, out, token).reshape(shape)
            return _INTO[name](key, counter, *params, flat_shape, out, token).reshape(shape)
        if name == "randint":
            dtype = args.pop()
            out = compiled(name)(key, counter, *args)
            return (out if dtype is None else out.astype(dtype)).reshape(shape)
        if name == "multivariate_normal":
            args[0], args[1] = (np.ascontiguousarray(args[i], dtype=np.float64) for i in (0, 1))
            return compiled(name)(key, counter, *args).reshape(tuple(shape) + (len(args[0]),))
        if name == "choice":
            a, _, replace, p = args
            a = a if isinstance(a, (int, np.integer)) else _argument(asarray(a))
            out = compiled(name)(key, counter, a, flat_shape, replace, p)
            return out.reshape(() if shape is None else shape)
        return compiled(name)(key, counter, *args).reshape(shape)


def _flat_param(x: Any, shape: tuple, dtype: type) -> np.ndarray:
    """``x`` as a 1-d array: its single value, or its values broadcast to ``shape``."""
    values = np.asarray(x, dtype=dtype)
    if values.size == 1:
        return values.reshape(1)
    return np.ascontiguousarray(np.broadcast_to(values, shape)).reshape(-1)


# Eager draws: (index of the size argument, dtype of the broadcast parameters before it).
_EAGER_LAYOUT: dict[str, tuple[int, Any]] = {
    "uniform": (2, np.float64), "normal": (2, np.float64), "lognormal": (2, np.float64),
    "exponential": (1, np.float64), "gamma": (2, np.float64), "beta": (2, np.float64),
    "bernoulli": (1, np.float64), "poisson": (1, np.float64), "binomial": (2, np.float64),
    "truncated_normal": (2, np.float64), "randint": (2, np.int64), "multivariate_normal": (2, None),
    "choice": (1, None),
}
# Arguments from this index on are not broadcast parameters (randint's dtype).
_PARAMS_BEFORE = {"randint": 2}


_default: RandomState | None = None
_DEFAULT_LOCK = threading.Lock()


def default_state() -> RandomState:
    """The RandomState behind the module-level functions (created on first use, seeded from entropy).

    Example:
        >>> import brainpy_math as bm
        >>> bm.random.default_state().counter.shape
        (2,)
    """
    global _default
    if _default is None:
        with _DEFAULT_LOCK:  # threads starting together must share one default stream
            if _default is None:
                _default = RandomState(name="bm_random_default_numba")
    return _default


for _name in __all__:
    if _name not in ("RandomState", "default_state", "threefry2x32", "state_arrays", "compiled", "prange_key",
                     "prange_stream"):
        globals()[_name] = frontend.forward_to_default(default_state, _name)
del _name
