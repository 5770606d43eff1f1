"""bm.event on the Numba backend: loops over the rows of the neurons that spiked.

``csrmv_kernel`` is an ``njit`` function, usable from Python; code compiled by Numba calls
``compiled('csrmv')``, the overloaded function it calls (one dispatcher less to compile and link);
their positional parameters are those of ``bm.event.csrmv``. Its result
has the dtype of the weights when they are floats (pass ``np.float32`` weights for the default
policy: a Python float is float64 inside Numba), else the policy's default float at compile time.
"""
from __future__ import annotations

import functools
from typing import Any

import numba
import numpy as np
from numba import types
from numba.extending import overload
from numba.np.numpy_support import as_dtype

from brainpy_math import _config
from .sparse import bounds_checks, bounds_messages, entry_reader, kernel_lookup, run_kernel

__all__ = ["csrmv", "compiled"]


def _out_dtype(weights_type: types.Type) -> Any:
    """The Numba dtype of the result for weights of ``weights_type``."""
    dtype = weights_type.dtype if isinstance(weights_type, types.Array) else weights_type
    if isinstance(dtype, types.Float):
        return dtype
    return types.float64 if _config.x64_enabled() else types.float32


def _event_csrmv(weights, indices, indptr, events, shape, transpose=True):
    """The event-driven product: inside compiled code, the overload below; called from Python, the
    compiled kernel (the same checks and results)."""
    return csrmv_kernel(weights, indices, indptr, events, shape, transpose)


def _word_scanner(events_type: types.Type):
    """An inlined ``njit`` function ``scan(events, n, visit, *args)`` calling ``visit(i, *args)`` for
    each event ``i < n``.

    For C-contiguous events it reads them eight bytes at a time and looks at the entries of non-zero
    words only (a zero word holds no event whatever the dtype), which makes the scan of a
    0.2%-active network about 4x faster than testing every entry.
    """
    itemsize = as_dtype(events_type.dtype).itemsize if isinstance(events_type, types.Array) else 0
    if isinstance(events_type, types.Array) and events_type.layout == "C" and 0 < itemsize <= 8:
        per_word = 8 // itemsize

        @numba.njit(inline="always")
        def scan(events, n, visit, a, b, c, d):
            num_words = n // per_word
            words = events[:num_words * per_word].view(np.uint64)
            for w in range(num_words):
                if words[w] != 0:
                    for i in range(w * per_word, (w + 1) * per_word):
                        if events[i]:
                            visit(i, a, b, c, d)
            for i in range(num_words * per_word, n):
                if events[i]:
                    visit(i, a, b, c, d)
    else:
        @numba.njit(inline="always")
        def scan(events, n, visit, a, b, c, d):
            for i in range(n):
                if events[i]:
                    visit(i, a, b, c, d)
    return scan


@functools.lru_cache(maxsize=None)
def _scattering_kernel(per_entry: bool, per_word: int, out_type: type) -> Any:
    """The transposed product for C-contiguous events of ``8 // per_word`` bytes, written as one
    function (cached on disk): ``kernel(weights, indices, indptr, events, num_pre, num_post)``.

    The general kernel below composes inlined helpers; Numba's inlining and typing of them cost
    ~1 s of every cold COBA compile, which this hot path (spikes of a bool or small-int array)
    avoids. Same checks, messages and results: the events are read a word (8 bytes) at a time and
    the entries of non-zero words only; each synapse of a spiking row adds its weight.
    """
    (bad_indptr_length, bad_offsets, bad_pre_vector, _, bad_values,
     bad_column) = bounds_messages("event.csrmv", "weights", "events")

    @numba.njit(cache=True, nogil=True)
    def kernel(weights, indices, indptr, events, num_pre, num_post):
        nnz = indices.shape[0]
        if indptr.shape[0] != num_pre + 1:
            raise IndexError(bad_indptr_length)
        if indptr[0] < 0 or indptr[num_pre] > nnz:
            raise IndexError(bad_offsets)
        if events.shape[0] != num_pre:
            raise IndexError(bad_pre_vector)
        if per_entry and weights.shape[0] != nnz:  # per_entry is a constant: the test is pruned
            raise IndexError(bad_values)
        out = np.zeros(num_post, out_type)
        num_words = num_pre // per_word
        words = events[:num_words * per_word].view(np.uint64)
        for w in range(num_words + 1):  # the last "word" is the tail, read entry by entry
            if w < num_words and words[w] == 0:
                continue
            for i in range(w * per_word, min((w + 1) * per_word, num_pre)):
                if not events[i]:
                    continue
                start, end = indptr[i], indptr[i + 1]
                if start < 0 or end < start or end > nnz:
                    raise IndexError(bad_offsets)
                for k in range(start, end):
                    c = indices[k]
                    # One unsigned compare catches both ends (a negative id wraps to a huge one).
                    if np.uint64(np.int64(c)) >= np.uint64(num_post):
                        raise IndexError(bad_column)
                    if per_entry:
                        out[c] += weights[k]
                    else:
                        out[c] += weights
        return out
    return kernel


def _scattering_kernel_for(weights: types.Type, events: types.Type, out_dtype: types.Type) -> Any:
    """:func:`_scattering_kernel` for arguments of these Numba types, or ``None`` where it does not
    apply (events not a C-contiguous vector of at most 8-byte items, weights not a number or vector)."""
    itemsize = as_dtype(events.dtype).itemsize if isinstance(events, types.Array) else 0
    if not (isinstance(events, types.Array) and events.ndim == 1 and events.layout == "C" and 0 < itemsize <= 8):
        return None
    if not (isinstance(weights, types.Number) or isinstance(weights, types.Array) and weights.ndim == 1):
        return None
    return _scattering_kernel(isinstance(weights, types.Array), 8 // itemsize, as_dtype(out_dtype).type)


def _constant(flag: types.Type) -> bool | None:
    """The value of a boolean argument known at typing time (a literal or an omitted default)."""
    if isinstance(flag, types.BooleanLiteral):
        return flag.literal_value
    if isinstance(flag, types.Omitted):
        return bool(flag.value)
    return None


# An omitted ``transpose`` (or a literal one, where a caller's typing keeps it) compiles only its branch.
# prefer_literal is not used: it makes every argument literal, ``shape`` too, so each shape in a model
# would compile the kernel again (measured on COBAHH: two signatures, 2.2 s, against one, 1.6 s).
@overload(_event_csrmv, jit_options={"nogil": True})
def _event_csrmv_overload(weights, indices, indptr, events, shape, transpose=True):
    out_dtype = _out_dtype(weights)
    constant = _constant(transpose)

    weight_of = entry_reader(weights)
    scan_rows = _word_scanner(events)
    # Every index read is checked (brainpy_math_numba.sparse.bounds_checks): a structure that
    # bypassed validation raises IndexError, never reads or writes out of bounds.
    check_lengths, row_bounds, column = bounds_checks("event.csrmv", "weights", "events", weights)

    @numba.njit(inline="always")
    def add_row(i, weights, indices, indptr, out):
        start, end = row_bounds(indptr, i, indices.shape[0])
        num_post = out.shape[0]
        for k in range(start, end):
            out[column(indices, k, num_post)] += weight_of(weights, k)

    transposed = _scattering_kernel_for(weights, events, out_dtype)
    if transposed is None:  # events of other layouts or wide dtypes: the composed kernel
        @numba.njit(inline="always")
        def transposed(weights, indices, indptr, events, num_pre, num_post):
            check_lengths(weights, indices, indptr, events, num_pre, num_pre, True)
            # Rows of silent neurons are skipped: the work is the synapses of the spiking rows.
            out = np.zeros(num_post, out_dtype)
            scan_rows(events, num_pre, add_row, weights, indices, indptr, out)
            return out

    @numba.njit(inline="always")
    def gathered(weights, indices, indptr, events, num_pre, num_post):
        check_lengths(weights, indices, indptr, events, num_post, num_pre, False)
        nnz = indices.shape[0]
        out = np.zeros(num_pre, out_dtype)
        for i in range(num_pre):
            total = out_dtype(0)
            start, end = row_bounds(indptr, i, nnz)
            for k in range(start, end):
                if events[column(indices, k, num_post)]:
                    total += weight_of(weights, k)
            out[i] = total
        return out

    if constant is True:
        return lambda weights, indices, indptr, events, shape, transpose=True: transposed(
            weights, indices, indptr, events, shape[0], shape[1])
    if constant is False:
        return lambda weights, indices, indptr, events, shape, transpose=True: gathered(
            weights, indices, indptr, events, shape[0], shape[1])

    def impl(weights, indices, indptr, events, shape, transpose=True):
        if transpose:
            return transposed(weights, indices, indptr, events, shape[0], shape[1])
        return gathered(weights, indices, indptr, events, shape[0], shape[1])
    return impl


@numba.njit(nogil=True)
def csrmv_kernel(weights, indices, indptr, events, shape, transpose=True):
    """``bm.event.csrmv`` compiled by Numba. It does not validate the whole structure (the frontend
    does, once per structure) but checks the lengths, the ends of ``indptr`` and every offset and
    column it reads, raising ``IndexError`` instead of reading or writing out of bounds. What it
    can read safely it accepts (e.g. rows sliced off a larger matrix, ``indptr[-1] < len(indices)``)."""
    return _event_csrmv(weights, indices, indptr, events, shape, transpose)


def csrmv(weights: Any, indices: np.ndarray, indptr: np.ndarray, events: np.ndarray,
          shape: tuple[int, int], transpose: bool = True) -> np.ndarray:
    """``bm.event.csrmv`` on Numba; the frontend has checked the arguments and cast the weights."""
    return run_kernel("event.csrmv", csrmv_kernel, weights, indices, indptr, events, shape, transpose)


# Compiled code calls the overloaded function itself, not the ``csrmv_kernel`` dispatcher: one
# dispatcher less to compile and to link into every step that calls it.
compiled = kernel_lookup("event", {"csrmv": _event_csrmv})
compiled.__doc__ = """The function that code compiled by Numba calls for ``bm.event.<name>``.

    Example:
        >>> import numba, numpy as np
        >>> from brainpy_math_numba import event
        >>> kernel = event.compiled('csrmv')
        >>> @numba.njit
        ... def step(spikes, indices, indptr):
        ...     return kernel(np.float32(1.0), indices, indptr, spikes, (2, 2), True)
        >>> step(np.array([True, True]), np.array([0, 1], np.int32), np.array([0, 1, 2], np.int32)).tolist()
        [1.0, 1.0]
    """
