"""The Threefry-2x32 stream of the numba backend: the block function, stream positions, words and
the attempt streams, unbiased bounded integers, Fisher-Yates, and the keys split from a stream.

A stream is ``(key, counter)``: ``key`` (uint32[2]) and ``counter`` (uint32[2]: high, low word of the
64-bit word position), the arrays of a RandomState (the layout is in :mod:`brainpy_math.random`).
Every function here that draws takes them first and advances ``counter`` in place. All are
``njit`` functions compiled with ``cache=True`` (:data:`njit`), as is everything built on them.
"""
from __future__ import annotations

import functools
from typing import Any

import numba
import numpy as np

from ..cache_files import guard_numba_caches

# Before any kernel below loads from Numba's cache: a damaged cache file is recompiled, not fatal.
guard_numba_caches()

__all__ = ["LOW32", "njit", "threefry", "threefry2x32", "position", "set_position", "threefry_block", "fill_words",
           "attempt_words", "fill_bounded", "fisher_yates", "split_key", "split_keys", "prange_key", "prange_stream",
           "reseed"]

_PARITY = np.uint32(0x1BD11BDA)
_ATTEMPT_HI = np.uint32(0xFFFFFFFF)
LOW32 = np.uint64(0xFFFFFFFF)
# XLA contracts a * b + c into fused multiply-adds on CPU; allowing LLVM the same contraction here
# makes both backends round those expressions identically.
njit = functools.partial(numba.njit, cache=True, fastmath={"contract"})


# Rotation constants of Threefry-2x32: groups of four rounds alternate between the two rows.
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))


def _threefry_source() -> str:
    """The source of ``threefry``, its 20 rounds written out.

    One function without calls: composed of small njit functions (a round, four rounds), Numba typed,
    compiled and linked each of them, 0.6-0.8 s of every process's first draw; written out it compiles
    once, in about half the time, to the same machine code after LLVM's inlining.
    """
    keys = ("k0", "k1", "k2")
    lines = ['def threefry(k0, k1, x0, x1):',
             '    """Threefry-2x32 (20 rounds) of the counter words ``(x0, x1)`` under the key words ``(k0, k1)``."""',
             "    k0, k1 = np.uint32(k0), np.uint32(k1)",
             "    k2 = np.uint32(k0 ^ k1 ^ _PARITY)",
             "    x0 = np.uint32(np.uint32(x0) + k0)",
             "    x1 = np.uint32(np.uint32(x1) + k1)"]
    for group in range(5):
        for r in _ROTATIONS[group % 2]:
            lines += ["    x0 = np.uint32(x0 + x1)",
                      f"    x1 = np.uint32(np.uint32(x1 << np.uint32({r})) | np.uint32(x1 >> np.uint32({32 - r}))) ^ x0"]
        # Key injection after each group of four rounds: (k[g+1], k[g+2] + g + 1), indices mod 3.
        first, second = keys[(group + 1) % 3], keys[(group + 2) % 3]
        lines += [f"    x0 = np.uint32(x0 + {first})", f"    x1 = np.uint32(x1 + {second} + np.uint32({group + 1}))"]
    lines.append("    return x0, x1")
    return "\n".join(lines) + "\n"


def _build_threefry():
    # Compiled under this module's file and name: Numba's cache stamps the kernel with the file, and
    # rebuilds a cached kernel's environment by importing its module (without ``__name__`` here that
    # module was None: every warm process reported threefry's cache file as damaged and recompiled it).
    namespace = {"__name__": __name__, "np": np, "_PARITY": _PARITY}
    exec(compile(_threefry_source(), __file__, "exec"), namespace)
    return njit(namespace["threefry"])


threefry = _build_threefry()


@njit
def _threefry_arrays(k0, k1, x0, x1):
    y0 = np.empty(x0.size, np.uint32)
    y1 = np.empty(x0.size, np.uint32)
    for i in range(x0.size):
        y0[i], y1[i] = threefry(k0, k1, x0[i], x1[i])
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


@njit
def position(counter):
    return (np.uint64(counter[0]) << np.uint64(32)) | np.uint64(counter[1])


@njit
def set_position(counter, position):
    counter[0] = np.uint32(position >> np.uint64(32))
    counter[1] = np.uint32(position & LOW32)


@njit
def threefry_block(key, block):
    return threefry(key[0], key[1], np.uint32(block >> np.uint64(32)), np.uint32(block & LOW32))


@njit
def fill_words(key, start, out):
    """Words ``[start, start + out.size)`` of the main stream into ``out`` (uint32)."""
    n = out.size
    if n == 0:
        return
    first = start >> np.uint64(1)
    count = ((start + np.uint64(n) + np.uint64(1)) >> np.uint64(1)) - first
    for j in range(count):
        block = first + np.uint64(j)
        y0, y1 = threefry_block(key, block)
        i = np.int64((block << np.uint64(1)) - start)  # index of word 0 of this block (may be -1)
        if i >= 0:
            out[i] = y0
        if i + 1 < n:
            out[i + 1] = y1


@njit
def attempt_words(key, position, stream):
    """The 4 words of attempt stream ``stream`` at block ``position`` (see the frontend docstring)."""
    s2 = np.uint32(np.uint32(stream) * np.uint32(2))
    ka0, ka1 = threefry(key[0], key[1], _ATTEMPT_HI, s2)
    kb0, kb1 = threefry(key[0], key[1], _ATTEMPT_HI, np.uint32(s2 + np.uint32(1)))
    hi, lo = np.uint32(position >> np.uint64(32)), np.uint32(position & LOW32)
    w0, w1 = threefry(ka0, ka1, hi, lo)
    w2, w3 = threefry(kb0, kb1, hi, lo)
    return w0, w1, w2, w3


@njit
def _bounded_one(key, position, w, span, family):
    """An unbiased offset in ``[0, span)`` for the slot at ``position`` whose main word is ``w``."""
    span = np.uint32(span)
    threshold = np.uint32(np.uint32(np.uint32(0) - span) % span)
    j = 1
    while w < threshold:
        w = attempt_words(key, position, 2 * j + family)[0]
        j += 1
    return np.uint32(w % span)


@njit
def fill_bounded(key, counter, spans, out):
    """``out[i]`` = unbiased offset in ``[0, spans[i])``; advances ``counter`` by ``out.size``."""
    start = position(counter)
    n = out.size
    words = np.empty(n, np.uint32)
    fill_words(key, start, words)
    for i in range(n):
        out[i] = _bounded_one(key, start + np.uint64(i), words[i], spans[i], 0)
    set_position(counter, start + np.uint64(n))


@njit
def fisher_yates(key, counter, population, steps):
    """The first ``steps`` entries of a Fisher-Yates shuffle of ``arange(population)``."""
    spans = np.empty(steps, np.uint32)
    for i in range(steps):
        spans[i] = np.uint32(population - i)
    offsets = np.empty(steps, np.uint32)
    fill_bounded(key, counter, spans, offsets)
    order = np.arange(population).astype(np.int32)
    for i in range(steps):
        j = i + np.int64(offsets[i])
        a = order[i]
        order[i] = order[j]
        order[j] = a
    return order[:steps].copy()


@njit
def split_key(key, counter):
    """A new key: the 2 words at the stream's position (the stream advances by 2)."""
    start = position(counter)
    words = np.empty(2, np.uint32)
    fill_words(key, start, words)
    set_position(counter, start + np.uint64(2))
    return words


@njit
def split_keys(key, counter, n):
    """``n`` new keys (uint32[n, 2]): the ``2 n`` words at the stream's position, as ``n`` calls of
    :func:`split_key` take them (the stream advances by ``2 n``)."""
    if n < 0:
        raise ValueError("split_keys: argument 'n' must be a non-negative int")
    start = position(counter)
    words = np.empty(2 * n, np.uint32)
    fill_words(key, start, words)
    set_position(counter, start + np.uint64(2 * n))
    return words.reshape((n, 2))


@njit
def prange_key(key, counter):
    """The key of a ``bm.prange`` loop drawing from stream ``(key, counter)``: the 2 words at the
    stream's position, exactly ``split_key``'s; the stream advances by 2, whatever the loop's length.

    Example:
        >>> key, counter = np.array([0, 1], np.uint32), np.zeros(2, np.uint32)
        >>> loop_key = prange_key(key, counter); counter.tolist()
        [0, 2]
    """
    return split_key(key, counter)


@njit
def prange_stream(loop_key, i):
    """``(key, counter)`` of iteration ``i`` of a ``bm.prange`` loop: key ``threefry2x32(loop_key,
    (hi(i), lo(i)))`` (``i`` as a 64-bit word), position 0. Fresh arrays, so threads never share them.

    Example:
        >>> key, counter = prange_stream(np.array([7, 9], np.uint32), 3)
        >>> counter.tolist()
        [0, 0]
    """
    k0, k1 = threefry_block(loop_key, np.uint64(i))
    key = np.empty(2, np.uint32)
    key[0] = k0
    key[1] = k1
    return key, np.zeros(2, np.uint32)


@njit
def reseed(key, counter, seed):
    """Restart the stream in place from the int ``seed`` (key: its high and low word; position 0)."""
    value = np.uint64(seed)
    key[0] = np.uint32(value >> np.uint64(32))
    key[1] = np.uint32(value & LOW32)
    counter[0] = 0
    counter[1] = 0

