"""bm.jitconn on the Numba backend: just-in-time random connectivity as loops over the lines.

The matrix is defined in :mod:`brainpy_math.jitconn`; the draws are those of the backend's
Threefry stream (:mod:`.random.generator`: ``threefry``, the unbiased bounded integers
``_bounded_one``; :mod:`.random.conversions`: ``polar``). The matrix is handled as ``G`` of shape
``(lines, length)``: ``M`` when generated row by row, ``M.T`` otherwise. With
``outdim_parallel=True`` each output entry regenerates its line and gathers the input
(:func:`gather_kernel`); with ``outdim_parallel=False`` the line of each input is generated and
scattered into the output (:func:`scatter_kernel`), and for events only the lines of the inputs
that spiked are generated: the work is proportional to the spikes.

Code compiled by ``bm.jit`` calls ``compiled(name)`` for ``bm.jitconn.<name>`` (the
``mv_prob_*`` and ``event_mv_prob_*`` functions): an overloaded function with the frontend's
parameters (``shape``, ``transpose`` and ``outdim_parallel`` by keyword), checking its arguments
with constant messages (the bm.jit wrapper replays a failed call eagerly, where the frontend names
the argument and the value). Its result has the dtype eager calls give (the promoted float dtype
of the weights, and of the vector for ``mv``, narrowed to 32 bits unless x64 is on).
``seed=None`` is refused when the code is compiled (``TypeError``), as inside ``bm.jit`` on JAX.
"""
from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.extending import overload
from numba.np.numpy_support import as_dtype, from_dtype

import brainpy_math.jitconn as frontend
from brainpy_math import _config
from .array import as_array, raw
from .random.conversions import polar
from .random.generator import _bounded_one, njit, threefry
from .random.tokens import as_float
from .sparse import kernel_lookup, values_argument

__all__ = ["matvec", "weight_matrix", "compiled", "gather_kernel", "scatter_kernel", "dense_kernel",
           "skip_parameters"]

KINDS = {"homo": 0, "uniform": 1, "normal": 2}
_BAD_LENGTH = "bm.jitconn: the input must have length shape[0] (transpose=True) or shape[1] (transpose=False)"
_LOW32 = np.uint64(0xFFFFFFFF)


@njit
def skip_parameters(conn_prob):
    """``brainpy_math.jitconn.skip_parameters`` compiled: the same IEEE double operations.

    Example:
        >>> skip_parameters(0.3) == frontend.skip_parameters(0.3)
        True
    """
    m = 2.0 / np.float64(np.float32(conn_prob)) - 1.0
    n = math.floor(m)
    f = m - n
    return np.int64(n), np.int64(f * 4294967296.0), np.int64(f * (n + 2) / (n + 1 + f) * 4294967296.0)


@njit
def _start(line_key, n, start_threshold):
    """The first position of the line keyed ``line_key``: the stationary start of the skip process."""
    y0, y1 = threefry(line_key[0], line_key[1], np.uint32(0), np.uint32(0))
    span = n
    if start_threshold > 0:
        c, _ = threefry(line_key[0], line_key[1], np.uint32(1), np.uint32(0))
        if np.int64(c) < start_threshold:
            span = n + 1
    first = _bounded_one(line_key, np.uint64(0), y0, span, 0)
    second = _bounded_one(line_key, np.uint64(1), y1, span + 1, 0)
    return np.int64(min(first, second))


@njit
def _skip(line_key, k, n, threshold):
    """The skip before connection ``k >= 1`` of the line keyed ``line_key``: block ``2k`` of its stream."""
    y0, y1 = threefry(line_key[0], line_key[1], np.uint32(0), np.uint32(2 * k))
    span = n + 1 if np.int64(y1) < threshold else n
    if span == 1:
        return np.int64(1)
    # bm.random's unbiased integer at word 4k (a rejected word is redrawn from the attempt streams).
    return np.int64(1) + np.int64(_bounded_one(line_key, np.uint64(4 * k), y0, span, 0))


@njit
def _weight(line_key, k, kind, a, b):
    """The weight ``a + b * z`` of connection ``k``: ``z`` from block ``2k + 1`` (``a`` for homo)."""
    if kind == 0:
        return a
    z0, z1 = threefry(line_key[0], line_key[1], np.uint32(0), np.uint32(2 * k + 1))
    u = as_float(np.float32(z0 >> np.uint32(9)) * np.float32(2.0 ** -23), a)
    if kind == 1:
        return a + b * u
    radius, angle = polar(u, as_float(np.float32(z1 >> np.uint32(9)) * np.float32(2.0 ** -23), a))
    return a + b * (radius * np.cos(angle))


@njit
def _line_key(key, i, line_key):
    """Write the key of line ``i`` (``threefry2x32(key, (0, i))``) into ``line_key``."""
    k0, k1 = threefry(key[0], key[1], np.uint32(0), np.uint32(i))
    line_key[0] = k0
    line_key[1] = k1


@njit(nogil=True)
def gather_kernel(x, event, kind, a, b, key, n, threshold, start_threshold, lines, length, out):
    """``out[i] += sum_j G[i, j] x[j]`` (events: the weights of the connections onto spiking ``j``)."""
    line_key = np.empty(2, np.uint32)
    for i in range(lines):
        _line_key(key, i, line_key)
        total = out[i]
        position = _start(line_key, n, start_threshold)
        k = 0
        while position < length:
            if event:
                if x[position]:
                    total += _weight(line_key, k, kind, a, b)
            else:
                total += _weight(line_key, k, kind, a, b) * as_float(x[position], a)
            k += 1
            position += _skip(line_key, k, n, threshold)
        out[i] = total


@njit(nogil=True)
def scatter_kernel(x, event, kind, a, b, key, n, threshold, start_threshold, lines, length, out):
    """``out += G^T x``; for events, the lines of the spiking inputs only."""
    line_key = np.empty(2, np.uint32)
    for i in range(lines):
        xi = x[i]
        if event and not xi:
            continue  # a silent input: its line is never generated
        _line_key(key, i, line_key)
        position = _start(line_key, n, start_threshold)
        k = 0
        while position < length:
            if event:
                out[position] += _weight(line_key, k, kind, a, b)
            else:
                out[position] += _weight(line_key, k, kind, a, b) * as_float(xi, a)
            k += 1
            position += _skip(line_key, k, n, threshold)


@njit(nogil=True)
def dense_kernel(kind, p1, p2, key, n, threshold, start_threshold, out):
    """Write ``G`` (``out``, ``(lines, length)``, zeros) with the weights of ``p1``/``p2``."""
    b = p2 - p1 if kind == 1 else p2
    line_key = np.empty(2, np.uint32)
    lines, length = out.shape[0], out.shape[1]
    for i in range(lines):
        _line_key(key, i, line_key)
        position = _start(line_key, n, start_threshold)
        k = 0
        while position < length:
            out[i, position] = _weight(line_key, k, kind, p1, b)
            k += 1
            position += _skip(line_key, k, n, threshold)


@njit(nogil=True)
def _product(x, event, kind, p1, p2, key, n, threshold, start_threshold, rows, columns, transpose, outdim_parallel,
             out):
    """``out += M @ x`` or ``x @ M``: ``M`` generated by rows when ``outdim_parallel != transpose``."""
    if x.shape[0] != (rows if transpose else columns) or out.shape[0] != (columns if transpose else rows):
        raise ValueError(_BAD_LENGTH)
    b = p2 - p1 if kind == 1 else p2
    if outdim_parallel != transpose:
        lines, length = rows, columns
    else:
        lines, length = columns, rows
    if outdim_parallel:
        gather_kernel(x, event, kind, p1, b, key, n, threshold, start_threshold, lines, length, out)
    else:
        scatter_kernel(x, event, kind, p1, b, key, n, threshold, start_threshold, lines, length, out)


def matvec(kind: str, vector: Any, values: tuple, key: Any, skip: tuple[int, int, int], *, shape: tuple[int, int],
           transpose: bool, outdim_parallel: bool, event: bool) -> np.ndarray:
    """``bm.jitconn.(event_)mv_prob_<kind>`` on Numba; the frontend has checked the arguments and cast
    the weights (``values``, two scalars of the output dtype) and, for ``mv``, the vector."""
    p1, p2 = (values_argument(v) for v in values)
    out = np.zeros(shape[1] if transpose else shape[0], np.asarray(p1).dtype)
    _product(raw(vector), bool(event), KINDS[kind], p1, p2, np.asarray(raw(key), np.uint32), *skip,
             shape[0], shape[1], bool(transpose), bool(outdim_parallel), out)
    return as_array(out)


def weight_matrix(kind: str, values: tuple, key: Any, skip: tuple[int, int, int], *, shape: tuple[int, int],
                  by_rows: bool) -> np.ndarray:
    """The dense ``M`` of ``bm.jitconn.get_<kind>_weight_matrix`` (generated by rows or by columns)."""
    p1, p2 = (values_argument(v) for v in values)
    lines, length = (shape[0], shape[1]) if by_rows else (shape[1], shape[0])
    out = np.zeros((lines, length), np.asarray(p1).dtype)
    dense_kernel(KINDS[kind], p1, p2, np.asarray(raw(key), np.uint32), *skip, out)
    return as_array(out if by_rows else np.ascontiguousarray(out.T))


# ------------------------------------------------------------------------------ compiled code
def _out_dtype(operands: tuple[types.Type, ...]) -> types.Type:
    """The result's Numba dtype: the promoted dtype of the weights (and the vector) under the policy."""
    dtypes = []
    for operand in operands:
        dtype = types.unliteral(operand.dtype if isinstance(operand, types.Array) else operand)
        if isinstance(dtype, (types.Float, types.Integer, types.Boolean)):
            dtypes.append(as_dtype(dtype))
    dtype = _config.canonicalize_dtype(np.result_type(*dtypes)) if dtypes else _config.default_float()
    return from_dtype(dtype if dtype.kind == "f" else _config.default_float())


def _key_of_seed(fn: str, seed: types.Type) -> Any:
    """An inlined ``njit`` function ``seed -> key`` (uint32[2]) for a seed of Numba type ``seed``."""
    bad_seed = f"{fn}: argument 'seed' must be None, an int in [0, 2**64) or a key of two uint32 words"
    if seed is None or isinstance(seed, (types.NoneType, types.Omitted)):
        raise TypingError(frontend.seed_none_message(fn))
    if isinstance(seed, types.Integer):
        signed = seed.signed

        @numba.njit(inline="always")
        def key_of(seed):
            if signed and seed < 0:
                raise ValueError(bad_seed)
            value = np.uint64(seed)
            key = np.empty(2, np.uint32)
            key[0] = np.uint32(value >> np.uint64(32))
            key[1] = np.uint32(value & _LOW32)
            return key
        return key_of
    if isinstance(seed, types.Array) and seed.ndim == 1 and isinstance(seed.dtype, types.Integer):
        @numba.njit(inline="always")
        def key_of(seed):
            if seed.shape[0] != 2 or seed[0] < 0 or seed[1] < 0 or seed[0] > 0xFFFFFFFF or seed[1] > 0xFFFFFFFF:
                raise ValueError(bad_seed)
            key = np.empty(2, np.uint32)
            key[0] = np.uint32(seed[0])
            key[1] = np.uint32(seed[1])
            return key
        return key_of
    raise TypingError(f"{bad_seed}, got {seed}")


def _compiled_product(fn: str, kind: int, event: bool, operands: tuple, seed: types.Type, shape: types.Type):
    """The ``njit`` body of ``bm.jitconn.<fn>`` in compiled code, for arguments of these types:
    ``run(x, p1, p2, conn_prob, seed, shape, transpose, outdim_parallel)``."""
    if shape is None or isinstance(shape, (types.NoneType, types.Omitted)):
        raise TypingError(f"{fn}: argument 'shape' must be a tuple of two ints in [1, 2**31), got None")
    out_dtype = _out_dtype(operands)
    key_of = _key_of_seed(fn, seed)
    bad_shape = f"{fn}: argument 'shape' must be a tuple of two ints in [1, 2**31)"
    bad_prob = f"{fn}: argument 'conn_prob' must be a number in (0, 1] (at least 2**-30)"
    low, high = frontend.MIN_CONN_PROB, frontend.MAX_DIMENSION

    @numba.njit(inline="always")
    def run(x, p1, p2, conn_prob, seed, shape, transpose, outdim_parallel):
        rows, columns = shape[0], shape[1]
        if not (1 <= rows <= high and 1 <= columns <= high):
            raise ValueError(bad_shape)
        if not (low <= conn_prob <= 1.0):  # NaN fails too
            raise ValueError(bad_prob)
        n, threshold, start_threshold = skip_parameters(conn_prob)
        out = np.zeros(columns if transpose else rows, out_dtype)
        _product(x, event, kind, out_dtype(p1), out_dtype(p2), key_of(seed), n, threshold, start_threshold, rows,
                 columns, transpose, outdim_parallel, out)
        return out
    return run


def _event_mv_prob_homo(events, weight, conn_prob, seed=None, shape=None, transpose=False, outdim_parallel=True):
    """Called from Python: the frontend's function; inside compiled code, the overload below."""
    return frontend.event_mv_prob_homo(events, weight, conn_prob, seed, shape=shape, transpose=transpose,
                                       outdim_parallel=outdim_parallel)


def _event_mv_prob_uniform(events, w_low, w_high, conn_prob, seed=None, shape=None, transpose=False,
                           outdim_parallel=True):
    """Called from Python: the frontend's function; inside compiled code, the overload below."""
    return frontend.event_mv_prob_uniform(events, w_low, w_high, conn_prob, seed, shape=shape, transpose=transpose,
                                          outdim_parallel=outdim_parallel)


def _event_mv_prob_normal(events, w_mu, w_sigma, conn_prob, seed=None, shape=None, transpose=False,
                          outdim_parallel=True):
    """Called from Python: the frontend's function; inside compiled code, the overload below."""
    return frontend.event_mv_prob_normal(events, w_mu, w_sigma, conn_prob, seed, shape=shape, transpose=transpose,
                                         outdim_parallel=outdim_parallel)


def _mv_prob_homo(vector, weight, conn_prob, seed=None, shape=None, transpose=False, outdim_parallel=True):
    """Called from Python: the frontend's function; inside compiled code, the overload below."""
    return frontend.mv_prob_homo(vector, weight, conn_prob, seed, shape=shape, transpose=transpose,
                                 outdim_parallel=outdim_parallel)


def _mv_prob_uniform(vector, w_low, w_high, conn_prob, seed=None, shape=None, transpose=False, outdim_parallel=True):
    """Called from Python: the frontend's function; inside compiled code, the overload below."""
    return frontend.mv_prob_uniform(vector, w_low, w_high, conn_prob, seed, shape=shape, transpose=transpose,
                                    outdim_parallel=outdim_parallel)


def _mv_prob_normal(vector, w_mu, w_sigma, conn_prob, seed=None, shape=None, transpose=False, outdim_parallel=True):
    """Called from Python: the frontend's function; inside compiled code, the overload below."""
    return frontend.mv_prob_normal(vector, w_mu, w_sigma, conn_prob, seed, shape=shape, transpose=transpose,
                                   outdim_parallel=outdim_parallel)


@overload(_event_mv_prob_homo, jit_options={"nogil": True})
def _event_mv_prob_homo_overload(events, weight, conn_prob, seed=None, shape=None, transpose=False,
                                 outdim_parallel=True):
    run = _compiled_product("jitconn.event_mv_prob_homo", 0, True, (weight,), seed, shape)
    return lambda events, weight, conn_prob, seed=None, shape=None, transpose=False, outdim_parallel=True: run(
        events, weight, weight, conn_prob, seed, shape, transpose, outdim_parallel)


@overload(_event_mv_prob_uniform, jit_options={"nogil": True})
def _event_mv_prob_uniform_overload(events, w_low, w_high, conn_prob, seed=None, shape=None, transpose=False,
                                    outdim_parallel=True):
    run = _compiled_product("jitconn.event_mv_prob_uniform", 1, True, (w_low, w_high), seed, shape)
    return lambda events, w_low, w_high, conn_prob, seed=None, shape=None, transpose=False, outdim_parallel=True: \
        run(events, w_low, w_high, conn_prob, seed, shape, transpose, outdim_parallel)


@overload(_event_mv_prob_normal, jit_options={"nogil": True})
def _event_mv_prob_normal_overload(events, w_mu, w_sigma, conn_prob, seed=None, shape=None, transpose=False,
                                   outdim_parallel=True):
    run = _compiled_product("jitconn.event_mv_prob_normal", 2, True, (w_mu, w_sigma), seed, shape)
    return lambda events, w_mu, w_sigma, conn_prob, seed=None, shape=None, transpose=False, outdim_parallel=True: \
        run(events, w_mu, w_sigma, conn_prob, seed, shape, transpose, outdim_parallel)


@overload(_mv_prob_homo, jit_options={"nogil": True})
def _mv_prob_homo_overload(vector, weight, conn_prob, seed=None, shape=None, transpose=False, outdim_parallel=True):
    run = _compiled_product("jitconn.mv_prob_homo", 0, False, (weight, vector), seed, shape)
    return lambda vector, weight, conn_prob, seed=None, shape=None, transpose=False, outdim_parallel=True: run(
        vector, weight, weight, conn_prob, seed, shape, transpose, outdim_parallel)


@overload(_mv_prob_uniform, jit_options={"nogil": True})
def _mv_prob_uniform_overload(vector, w_low, w_high, conn_prob, seed=None, shape=None, transpose=False,
                              outdim_parallel=True):
    run = _compiled_product("jitconn.mv_prob_uniform", 1, False, (w_low, w_high, vector), seed, shape)
    return lambda vector, w_low, w_high, conn_prob, seed=None, shape=None, transpose=False, outdim_parallel=True: \
        run(vector, w_low, w_high, conn_prob, seed, shape, transpose, outdim_parallel)


@overload(_mv_prob_normal, jit_options={"nogil": True})
def _mv_prob_normal_overload(vector, w_mu, w_sigma, conn_prob, seed=None, shape=None, transpose=False,
                             outdim_parallel=True):
    run = _compiled_product("jitconn.mv_prob_normal", 2, False, (w_mu, w_sigma, vector), seed, shape)
    return lambda vector, w_mu, w_sigma, conn_prob, seed=None, shape=None, transpose=False, outdim_parallel=True: \
        run(vector, w_mu, w_sigma, conn_prob, seed, shape, transpose, outdim_parallel)


compiled = kernel_lookup("jitconn", {
    "event_mv_prob_homo": _event_mv_prob_homo, "event_mv_prob_uniform": _event_mv_prob_uniform,
    "event_mv_prob_normal": _event_mv_prob_normal, "mv_prob_homo": _mv_prob_homo,
    "mv_prob_uniform": _mv_prob_uniform, "mv_prob_normal": _mv_prob_normal})
compiled.__doc__ = """The function that code compiled by Numba calls for ``bm.jitconn.<name>``.

    Example:
        >>> import numba, numpy as np
        >>> from brainpy_math_numba import jitconn
        >>> kernel = jitconn.compiled('event_mv_prob_homo')
        >>> @numba.njit
        ... def step(spikes):
        ...     return kernel(spikes, 0.5, 1.0, 7, shape=(2, 3), transpose=True, outdim_parallel=False)
        >>> step(np.array([True, True])).tolist()
        [1.0, 1.0, 1.0]
    """
