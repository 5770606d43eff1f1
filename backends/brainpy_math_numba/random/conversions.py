"""Words of the stream to uniforms and standard normals, into 1-d buffers (see
:mod:`brainpy_math.random` for the formulas, which the JAX backend shares).

float32 uniforms take the top 23 bits of one word; float64 uniforms the top 52 bits of two. Normals
are Box-Muller: in float32 the two words of one block give ``r cos t`` (even position) and
``r sin t`` (odd position); in float64 each value takes ``r cos t`` of 4 words. Every fill reads the
words at the stream's position and advances ``counter`` by the number it used.
"""
from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.extending import overload

from .generator import fill_words, njit, position, set_position, threefry_block
from .tokens import as_float as _f

__all__ = ["unit_pair", "polar", "fill_uniform", "fill_normal", "fill_uniform32_parallel", "fill_normal32_parallel"]


@njit
def unit_pair(w_hi, w_lo):
    """float64 in [0, 1) from the top 52 bits of two words."""
    bits = ((np.uint64(w_hi) << np.uint64(32)) | np.uint64(w_lo)) >> np.uint64(12)
    return np.float64(bits) * np.float64(2.0 ** -52)


@njit
def polar(u1, u2):
    """Box-Muller radius and angle from two uniforms of the same float type."""
    return np.sqrt(_f(-2.0, u1) * np.log(_f(1.0, u1) - u1)), _f(2 * np.pi, u1) * u2


@njit
def fill_uniform32(key, counter, out):
    start = position(counter)
    n = out.size
    if n > 0:
        first = start >> np.uint64(1)
        count = ((start + np.uint64(n) + np.uint64(1)) >> np.uint64(1)) - first
        for j in range(count):
            block = first + np.uint64(j)
            y0, y1 = threefry_block(key, block)
            i = np.int64((block << np.uint64(1)) - start)  # index of word 0 of this block (may be -1)
            if i >= 0:
                out[i] = np.float32(y0 >> np.uint32(9)) * np.float32(2.0 ** -23)
            if i + 1 < n:
                out[i + 1] = np.float32(y1 >> np.uint32(9)) * np.float32(2.0 ** -23)
    set_position(counter, start + np.uint64(n))


@njit
def fill_uniform64(key, counter, out):
    start = position(counter)
    n = out.size
    words = np.empty(2 * n, np.uint32)
    fill_words(key, start, words)
    for i in range(n):
        out[i] = unit_pair(words[2 * i], words[2 * i + 1])
    set_position(counter, start + np.uint64(2 * n))


def fill_uniform(key, counter, out):
    """Uniforms in [0, 1) into the 1-d float ``out``; advances ``counter``."""
    (fill_uniform32 if out.dtype == np.float32 else fill_uniform64)(key, counter, out)


@overload(fill_uniform)
def _fill_uniform_njit(key, counter, out):
    if out.dtype == types.float32:
        return lambda key, counter, out: fill_uniform32(key, counter, out)
    return lambda key, counter, out: fill_uniform64(key, counter, out)


@njit
def fill_normal32(key, counter, out):
    start = position(counter)
    n = out.size
    if n > 0:
        first = start >> np.uint64(1)
        count = ((start + np.uint64(n) + np.uint64(1)) >> np.uint64(1)) - first
        for j in range(count):
            block = first + np.uint64(j)
            y0, y1 = threefry_block(key, block)
            radius, angle = polar(np.float32(y0 >> np.uint32(9)) * np.float32(2.0 ** -23),
                                  np.float32(y1 >> np.uint32(9)) * np.float32(2.0 ** -23))
            i = np.int64((block << np.uint64(1)) - start)
            if i >= 0:
                out[i] = radius * np.cos(angle)
            if i + 1 < n:
                out[i + 1] = radius * np.sin(angle)
    set_position(counter, start + np.uint64(n))


_PARALLEL_CHUNK = 4096  # blocks per task of the parallel fills


@numba.njit(cache=True, fastmath={"contract"}, parallel=True)
def fill_normal32_parallel(key, counter, out):
    """``fill_normal32`` on all cores (eager draws only: never nested in a caller's prange)."""
    start = position(counter)
    n = out.size
    if n > 0:
        first = start >> np.uint64(1)
        count = np.int64(((start + np.uint64(n) + np.uint64(1)) >> np.uint64(1)) - first)
        for chunk in numba.prange((count + _PARALLEL_CHUNK - 1) // _PARALLEL_CHUNK):
            for j in range(chunk * _PARALLEL_CHUNK, min((chunk + 1) * _PARALLEL_CHUNK, count)):
                block = first + np.uint64(j)
                y0, y1 = threefry_block(key, block)
                radius, angle = polar(np.float32(y0 >> np.uint32(9)) * np.float32(2.0 ** -23),
                                      np.float32(y1 >> np.uint32(9)) * np.float32(2.0 ** -23))
                i = np.int64((block << np.uint64(1)) - start)
                if i >= 0:
                    out[i] = radius * np.cos(angle)
                if i + 1 < n:
                    out[i + 1] = radius * np.sin(angle)
    set_position(counter, start + np.uint64(n))


@numba.njit(cache=True, fastmath={"contract"}, parallel=True)
def fill_uniform32_parallel(key, counter, out):
    """``fill_uniform32`` on all cores (eager draws only)."""
    start = position(counter)
    n = out.size
    if n > 0:
        first = start >> np.uint64(1)
        count = np.int64(((start + np.uint64(n) + np.uint64(1)) >> np.uint64(1)) - first)
        for chunk in numba.prange((count + _PARALLEL_CHUNK - 1) // _PARALLEL_CHUNK):
            for j in range(chunk * _PARALLEL_CHUNK, min((chunk + 1) * _PARALLEL_CHUNK, count)):
                block = first + np.uint64(j)
                y0, y1 = threefry_block(key, block)
                i = np.int64((block << np.uint64(1)) - start)
                if i >= 0:
                    out[i] = np.float32(y0 >> np.uint32(9)) * np.float32(2.0 ** -23)
                if i + 1 < n:
                    out[i + 1] = np.float32(y1 >> np.uint32(9)) * np.float32(2.0 ** -23)
    set_position(counter, start + np.uint64(n))


@njit
def fill_normal64(key, counter, out):
    start = position(counter)
    n = out.size
    words = np.empty(4 * n, np.uint32)
    fill_words(key, start, words)
    for i in range(n):
        radius, angle = polar(unit_pair(words[4 * i], words[4 * i + 1]),
                              unit_pair(words[4 * i + 2], words[4 * i + 3]))
        out[i] = radius * np.cos(angle)
    set_position(counter, start + np.uint64(4 * n))


def fill_normal(key, counter, out):
    """Standard normals into the 1-d float ``out`` (Box-Muller, see the module docstring)."""
    (fill_normal32 if out.dtype == np.float32 else fill_normal64)(key, counter, out)


@overload(fill_normal)
def _fill_normal_njit(key, counter, out):
    if out.dtype == types.float32:
        return lambda key, counter, out: fill_normal32(key, counter, out)
    return lambda key, counter, out: fill_normal64(key, counter, out)

