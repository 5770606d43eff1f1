"""``bm.jitconn``: just-in-time random connectivity (BrainPy 2.x's ``brainpy.math.jitconn``).

A random matrix ``M`` of shape ``shape`` that is never stored: its connections and weights are
regenerated from ``seed`` whenever a product needs them, with the Threefry-2x32 generator of
``bm.random``, so one seed gives the same synapses on every backend, eagerly or compiled.

Which matrix (the same definition on every backend)
    ``seed`` gives a key ``K`` (two uint32 words: an int ``s`` is ``(s >> 32, s & 0xFFFFFFFF)``, as
    ``bm.random.seed`` takes it). ``M`` is generated one *line* at a time: row by row when
    ``outdim_parallel != transpose``, else column by column. Line ``i`` (a row or column index)
    draws from its own stream, keyed ``K_i = threefry2x32(K, (0, i))`` (the stream of iteration
    ``i`` of a ``bm.prange`` loop whose loop key is ``K``); "block ``b``" below is
    ``threefry2x32(K_i, (0, b))``, the stream's words ``2b`` and ``2b + 1``. The connections of a
    line are a renewal process along it: a first position, then random *skips* ``>= 1``. With
    ``p = float32(conn_prob)``, ``m = 2 / p - 1``, ``n = floor(m)``, ``f = m - n`` (IEEE doubles),
    ``T = floor(f * 2**32)`` and ``T0 = floor(f * (n + 2) / (n + 1 + f) * 2**32)``
    (:func:`skip_parameters`); ``x mod s`` is always drawn without bias as ``bm.random``'s integers
    are (a word below ``2**32 mod s`` is redrawn from the attempt streams of its word position,
    ``bm.random``'s module docstring):

    - connection 0: ``s = n + 1`` where ``c < T0`` (``c``: word 0 of ``threefry2x32(K_i, (1, 0))``,
      read only when ``T0 > 0``), else ``n``; with block 0 = ``(y0, y1)``, the first position is
      ``min(y0 mod s, y1 mod (s + 1))``.
    - connection ``k >= 1``: with block ``2k`` = ``(y0, y1)``, the span is ``n + 1`` where
      ``y1 < T``, else ``n``, and the position is the previous one plus ``1 + (y0 mod span)``.

    Connections at or beyond the line's end are dropped. The skips are uniform on ``1..n`` or
    ``1..n+1``, mixed so that their mean is ``1 / p`` exactly (BrainPy's rule, uniform skips up to
    about ``2 / p``, made exact), and the first position follows the stationary law of that
    process, so every entry of ``M`` is connected with probability ``p`` (to ``2**-32``; the
    entries of a line are not independent: consecutive connections are at most ``n + 1`` apart).
    Integer arithmetic only: the structure is bit-identical across backends, dtypes and
    ``bm.enable_x64()``.

    The weight of connection ``k`` reads block ``2k + 1`` = ``(z0, z1)``: ``u = (z0 >> 9) / 2**23``
    (``bm.random``'s float32 uniform at word ``4k + 2``); ``*_uniform``: ``w_low + (w_high - w_low)
    * u``; ``*_normal``: ``w_mu + w_sigma * r cos t``, the Box-Muller pair of ``u`` and
    ``(z1 >> 9) / 2**23`` (``bm.random``'s float32 normal at word ``4k + 2``), computed in the
    output dtype. Homogeneous weights read no weight block; ``*_homo``, ``*_uniform`` and
    ``*_normal`` with one seed share the structure. Weights agree across backends to a few ulp
    (``log``/``cos`` of different libms; ``a + b * u`` may be a fused multiply-add).

    ``M`` is thus a pure function of ``(seed, shape, conn_prob, outdim_parallel != transpose)``:
    the products with ``(transpose=False, outdim_parallel=True)`` and ``(transpose=True,
    outdim_parallel=False)`` apply the same row-generated ``M``, the two other combinations the
    same column-generated one (BrainPy's note: "the M in f(outdim_parallel=True, transpose=False)
    is the M^T used in f(outdim_parallel=False, transpose=True)"). ``get_*_weight_matrix`` with the
    same arguments returns the dense ``M`` that the product applies, always of shape ``shape``
    (BrainPy returns ``M.T`` when ``transpose=True``).

Products
    ``transpose=False``: ``M @ v``, ``v`` of length ``shape[1]``; ``transpose=True``: ``v @ M``,
    ``v`` of length ``shape[0]``. ``outdim_parallel=True`` generates the lines of the output: each
    output entry regenerates its line and gathers, whatever the input (work ``~ n_out * n_in *
    conn_prob`` per call). ``outdim_parallel=False`` generates the lines of the input and scatters
    them; for the ``event_*`` functions only the lines of the inputs that spiked are generated,
    so the work is proportional to the spikes: the choice for spiking networks
    (``event_mv_prob_*(spikes, ..., transpose=True, outdim_parallel=False)`` propagates
    presynaptic spikes to postsynaptic input).

Example:
    >>> import brainpy_math as bm
    >>> spikes = bm.asarray([True, False, True, False])
    >>> bm.jitconn.event_mv_prob_homo(spikes, 0.5, 1.0, seed=0, shape=(4, 3), transpose=True).tolist()
    [1.0, 1.0, 1.0]
"""
from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from . import _backend, _config
from .random import _is_concrete, seed_to_key
from .sparse import as_vector, cast_values, check_vector

__all__ = ["event_mv_prob_homo", "event_mv_prob_uniform", "event_mv_prob_normal",
           "mv_prob_homo", "mv_prob_uniform", "mv_prob_normal",
           "get_homo_weight_matrix", "get_uniform_weight_matrix", "get_normal_weight_matrix"]

#: The smallest ``conn_prob``: a skip span ``2 / conn_prob`` must stay below ``2**31``.
MIN_CONN_PROB = 2.0 ** -30
#: Each dimension of ``shape`` stays below ``2**31`` (positions are 32-bit on every backend).
MAX_DIMENSION = 2 ** 31 - 1


def skip_parameters(conn_prob: float) -> tuple[int, int, int]:
    """``(n, T, T0)`` of the skip rule for ``conn_prob`` (module docstring), in IEEE doubles from
    ``float32(conn_prob)``: code compiled by the Numba backend receives Python floats as float32,
    and its kernels compute the same operations.

    Example:
        >>> skip_parameters(0.5), skip_parameters(1.0), skip_parameters(0.3)[0]
        ((3, 0, 0), (1, 0, 0), 5)
    """
    m = 2.0 / float(np.float32(conn_prob)) - 1.0
    n = math.floor(m)
    f = m - n
    return int(n), int(f * 4294967296.0), int(f * (n + 2) / (n + 1 + f) * 4294967296.0)


def check_shape(fn: str, shape: Any) -> tuple[int, int]:
    """``shape`` as two ints in ``[1, 2**31)``; a clear error naming ``fn`` otherwise."""
    ok = isinstance(shape, (tuple, list)) and len(shape) == 2 and all(
        isinstance(s, (numbers.Integral, np.integer)) and not isinstance(s, (bool, np.bool_))
        and 1 <= s <= MAX_DIMENSION for s in shape)
    if not ok:
        raise ValueError(f"{fn}: argument 'shape' must be a tuple of two ints in [1, 2**31), got {shape!r}")
    return int(shape[0]), int(shape[1])


def check_conn_prob(fn: str, conn_prob: Any) -> float:
    """``conn_prob`` as a Python float in ``[2**-30, 1]``; a clear error naming ``fn`` otherwise."""
    if isinstance(conn_prob, (bool, np.bool_)) or not _is_concrete(conn_prob):
        raise TypeError(f"{fn}: argument 'conn_prob' must be a concrete number in (0, 1] (it fixes the "
                        f"structure of the matrix), got {type(conn_prob).__name__}")
    value = None
    if np.ndim(conn_prob) == 0 and np.asarray(conn_prob).dtype.kind in "iuf":
        value = float(np.asarray(conn_prob))
    if value is None or not MIN_CONN_PROB <= value <= 1.0:  # NaN fails the comparison too
        raise ValueError(f"{fn}: argument 'conn_prob' must be a number in (0, 1] (at least 2**-30), "
                         f"got {conn_prob!r}")
    return value


def check_scalar(fn: str, name: str, value: Any) -> np.dtype:
    """A real scalar parameter (a Python/NumPy number or a 0-d array); return its dtype under the policy."""
    dtype = _config.dtype_of_python_value(value)
    if dtype is None:
        dtype = getattr(value, "dtype", None)
        if dtype is None or np.shape(value) != ():
            shown = f"shape {np.shape(value)}" if dtype is not None else type(value).__name__
            raise ValueError(f"{fn}: argument '{name}' must be a real scalar, got {shown}")
        dtype = _config.canonicalize_dtype(dtype)
    if dtype.kind == "c":
        raise TypeError(f"{fn}: argument '{name}' must be real, got {value!r}")
    return dtype


def seed_none_message(fn: str) -> str:
    """The error of ``seed=None`` inside compiled code, the same on every backend."""
    return (f"{fn}: argument 'seed' is None inside compiled code (bm.jit); a seed drawn there would give "
            f"another matrix at every call. Pass seed=<int>, or a key drawn once outside "
            f"(seed = bm.random.split_key())")


def check_seed(fn: str, seed: Any) -> Any:
    """The key (uint32[2]) of ``seed``: ``None`` draws one from ``bm.random``'s default stream.

    Returns a NumPy uint32[2] for a concrete seed; a traced integer scalar or key (inside
    ``jax.jit``) is returned as it is, for the backend to convert.
    """
    expected = (f"{fn}: argument 'seed' must be None, an int in [0, 2**64) or a key of two uint32 words "
                f"(bm.random.split_key())")
    if seed is None:
        module = _backend.current()
        # Inside a trace (jax.jit, bm.jit on JAX) even arithmetic on constants is traced.
        if not _is_concrete(module.asarray(0) + 0):
            raise TypeError(seed_none_message(fn))
        from . import random
        return np.asarray(random.split_key(), dtype=np.uint32)
    if isinstance(seed, (bool, np.bool_)):
        raise TypeError(f"{expected}, got {seed!r}")
    if isinstance(seed, (numbers.Integral, np.integer)):
        if not 0 <= int(seed) < 2 ** 64:
            raise ValueError(f"{expected}, got {seed!r}")
        return seed_to_key(int(seed), fn)
    dtype = getattr(seed, "dtype", None)
    shape = np.shape(seed) if dtype is not None else None
    if dtype is None or np.dtype(dtype).kind not in "iu" or shape not in ((), (2,)):
        shown = f"dtype {dtype} and shape {shape}" if dtype is not None else repr(seed)
        raise TypeError(f"{expected}, got {shown}")
    if not _is_concrete(seed):
        return seed  # traced (jax.jit): the backend derives the key
    value = np.asarray(seed)
    if shape == ():
        return check_seed(fn, int(value))
    if value.min() < 0 or value.max() > 0xFFFFFFFF:
        raise ValueError(f"{expected}, got {value.tolist()!r}")
    return value.astype(np.uint32)


def _float(dtype: np.dtype) -> np.dtype:
    return dtype if dtype.kind == "f" else _config.default_float()


def _prepare(fn: str, params: tuple[tuple[str, Any], ...], conn_prob: Any, seed: Any, shape: Any,
             vector: tuple[str, Any] | None = None, transpose: bool = False):
    """Check the arguments of ``fn``; return ``(dtype, (p1, p2), key, skip, shape)``."""
    shape = check_shape(fn, shape)
    conn_prob = check_conn_prob(fn, conn_prob)
    dtypes = [check_scalar(fn, name, value) for name, value in params]
    if vector is not None:
        name, value = vector
        length, what = (shape[0], "shape[0]") if transpose else (shape[1], "shape[1]")
        vector_dtype = check_vector(fn, name, value, length, what)
        if name == "vector":
            dtypes.append(vector_dtype)
    dtype = _float(_config.canonicalize_dtype(np.result_type(*dtypes)))
    key = check_seed(fn, seed)
    values = [cast_values(value, dtype) for _, value in params]
    if len(values) == 1:
        values.append(np.dtype(dtype).type(0))
    return dtype, tuple(values), key, skip_parameters(conn_prob), shape


def _event(kind: str, fn: str, events: Any, params: tuple, conn_prob: Any, seed: Any, shape: Any,
           transpose: Any, outdim_parallel: Any) -> Any:
    transpose, outdim_parallel = bool(transpose), bool(outdim_parallel)
    events = as_vector(events)
    dtype, values, key, skip, shape = _prepare(fn, params, conn_prob, seed, shape, ("events", events), transpose)
    return _backend.current().jitconn.matvec(kind, events, values, key, skip, shape=shape, transpose=transpose,
                                             outdim_parallel=outdim_parallel, event=True)


def _mv(kind: str, fn: str, vector: Any, params: tuple, conn_prob: Any, seed: Any, shape: Any,
        transpose: Any, outdim_parallel: Any) -> Any:
    transpose, outdim_parallel = bool(transpose), bool(outdim_parallel)
    vector = as_vector(vector)
    dtype, values, key, skip, shape = _prepare(fn, params, conn_prob, seed, shape, ("vector", vector), transpose)
    module = _backend.current()
    return module.jitconn.matvec(kind, module.asarray(vector, dtype), values, key, skip, shape=shape,
                                 transpose=transpose, outdim_parallel=outdim_parallel, event=False)


def _matrix(kind: str, fn: str, params: tuple, conn_prob: Any, seed: Any, shape: Any, transpose: Any,
            outdim_parallel: Any) -> Any:
    dtype, values, key, skip, shape = _prepare(fn, params, conn_prob, seed, shape)
    return _backend.current().jitconn.weight_matrix(kind, values, key, skip, shape=shape,
                                                    by_rows=bool(outdim_parallel) != bool(transpose))


def event_mv_prob_homo(events: Any, weight: Any, conn_prob: float, seed: Any = None, *, shape: tuple[int, int],
                       transpose: bool = False, outdim_parallel: bool = True) -> Any:
    """Propagate events through the just-in-time matrix ``M`` whose every connection weighs ``weight``.

    An event is a ``True`` (bool events) or a non-zero value (float events); its value is not used,
    as in ``bm.event.csrmv``. The result is ``M @ e`` (``transpose=False``, ``events`` of length
    ``shape[1]``) or ``e @ M`` (``transpose=True``, length ``shape[0]``), ``e`` the 0/1 events.
    Which ``M``: the module docstring (the same seed gives the same ``M`` on every backend).

    Args:
        events: bool or float spikes.
        weight: the weight of every connection, a real scalar.
        conn_prob: the connection probability, a number in ``(0, 1]`` (at least ``2**-30``).
        seed: an int in ``[0, 2**64)``, a key of two uint32 words (``bm.random.split_key()``), or
            ``None``: a key drawn from ``bm.random``'s default stream (reproducible after
            ``bm.random.seed(n)``; another matrix at each call, as BrainPy's ``seed=None``). Inside
            ``bm.jit`` ``None`` raises ``TypeError``: pass a seed. On the JAX backend the seed may
            be traced.
        shape: ``(rows, columns)`` of ``M``.
        transpose: ``e @ M`` instead of ``M @ e``.
        outdim_parallel: generate the lines of the output (gather) rather than those of the input;
            ``False`` generates only the lines of the inputs that spiked (event-driven).

    Returns:
        A float vector of the dtype of ``weight`` under the dtype policy (float32 for a Python
        float unless ``bm.enable_x64()``), of length ``shape[0]`` (``M @ e``) or ``shape[1]``.

    Raises:
        ValueError / TypeError: a bad argument, on every backend with the same one-line message
            naming the argument, the value and what was expected.

    Example:
        >>> import brainpy_math as bm
        >>> spikes = bm.asarray([True, False, True])
        >>> out = bm.jitconn.event_mv_prob_homo(spikes, 0.5, 0.2, seed=7, shape=(3, 100), transpose=True,
        ...                                     outdim_parallel=False)
        >>> out.shape, str(out.dtype)
        ((100,), 'float32')
    """
    return _event("homo", "jitconn.event_mv_prob_homo", events, (("weight", weight),), conn_prob, seed, shape,
                  transpose, outdim_parallel)


def event_mv_prob_uniform(events: Any, w_low: Any, w_high: Any, conn_prob: float, seed: Any = None, *,
                          shape: tuple[int, int], transpose: bool = False, outdim_parallel: bool = True) -> Any:
    """:func:`event_mv_prob_homo` with weights uniform in ``[w_low, w_high)`` (module docstring).

    Example:
        >>> import brainpy_math as bm
        >>> out = bm.jitconn.event_mv_prob_uniform(bm.ones(50, dtype=bool), 0.0, 1.0, 1.0, seed=3,
        ...                                        shape=(1, 50))
        >>> 0.0 <= float(out[0]) < 50.0
        True
    """
    return _event("uniform", "jitconn.event_mv_prob_uniform", events, (("w_low", w_low), ("w_high", w_high)),
                  conn_prob, seed, shape, transpose, outdim_parallel)


def event_mv_prob_normal(events: Any, w_mu: Any, w_sigma: Any, conn_prob: float, seed: Any = None, *,
                         shape: tuple[int, int], transpose: bool = False, outdim_parallel: bool = True) -> Any:
    """:func:`event_mv_prob_homo` with weights normal of mean ``w_mu`` and deviation ``w_sigma``.

    Example:
        >>> import brainpy_math as bm
        >>> out = bm.jitconn.event_mv_prob_normal(bm.asarray([1.0, 0.0]), 0.0, 1.0, 0.5, seed=3,
        ...                                       shape=(2, 20), transpose=True, outdim_parallel=False)
        >>> out.shape
        (20,)
    """
    return _event("normal", "jitconn.event_mv_prob_normal", events, (("w_mu", w_mu), ("w_sigma", w_sigma)),
                  conn_prob, seed, shape, transpose, outdim_parallel)


def mv_prob_homo(vector: Any, weight: Any, conn_prob: float, seed: Any = None, *, shape: tuple[int, int],
                 transpose: bool = False, outdim_parallel: bool = True) -> Any:
    """``M @ vector`` (or ``vector @ M`` with ``transpose``) for the just-in-time matrix ``M`` whose
    every connection weighs ``weight``; the arguments are those of :func:`event_mv_prob_homo`.

    The result has the promoted float dtype of ``weight`` and ``vector`` under the dtype policy.
    On the JAX backend it is differentiable (reverse mode) with respect to ``vector`` and the weights.

    Example:
        >>> import brainpy_math as bm
        >>> bm.jitconn.mv_prob_homo(bm.ones(4), 2.0, 1.0, seed=0, shape=(2, 4)).tolist()
        [8.0, 8.0]
    """
    return _mv("homo", "jitconn.mv_prob_homo", vector, (("weight", weight),), conn_prob, seed, shape, transpose,
               outdim_parallel)


def mv_prob_uniform(vector: Any, w_low: Any, w_high: Any, conn_prob: float, seed: Any = None, *,
                    shape: tuple[int, int], transpose: bool = False, outdim_parallel: bool = True) -> Any:
    """:func:`mv_prob_homo` with weights uniform in ``[w_low, w_high)`` (module docstring).

    Example:
        >>> import brainpy_math as bm
        >>> out = bm.jitconn.mv_prob_uniform(bm.ones(30), 1.0, 2.0, 1.0, seed=0, shape=(2, 30))
        >>> bool(((out >= 30.0) & (out < 60.0)).all())
        True
    """
    return _mv("uniform", "jitconn.mv_prob_uniform", vector, (("w_low", w_low), ("w_high", w_high)), conn_prob,
               seed, shape, transpose, outdim_parallel)


def mv_prob_normal(vector: Any, w_mu: Any, w_sigma: Any, conn_prob: float, seed: Any = None, *,
                   shape: tuple[int, int], transpose: bool = False, outdim_parallel: bool = True) -> Any:
    """:func:`mv_prob_homo` with weights normal of mean ``w_mu`` and deviation ``w_sigma``.

    Example:
        >>> import brainpy_math as bm
        >>> bm.jitconn.mv_prob_normal(bm.ones(3), 1.5, 0.0, 1.0, seed=0, shape=(2, 3)).tolist()
        [4.5, 4.5]
    """
    return _mv("normal", "jitconn.mv_prob_normal", vector, (("w_mu", w_mu), ("w_sigma", w_sigma)), conn_prob,
               seed, shape, transpose, outdim_parallel)


def get_homo_weight_matrix(weight: Any, conn_prob: float, seed: Any = None, *, shape: tuple[int, int],
                           transpose: bool = False, outdim_parallel: bool = True) -> Any:
    """The dense ``M`` (of shape ``shape``) that :func:`mv_prob_homo` and :func:`event_mv_prob_homo`
    apply with the same arguments: ``weight`` where connected, else 0 (for tests and small sizes).

    Unlike BrainPy, which returns ``M.T`` for ``transpose=True``, the result is always ``M``:
    ``mv_prob_homo(v, ..., transpose=t)`` is ``M @ v`` or ``v @ M``. ``seed=None`` draws a key as
    the products do, so it describes no other call.

    Example:
        >>> import brainpy_math as bm
        >>> bm.jitconn.get_homo_weight_matrix(1.0, 1.0, seed=0, shape=(2, 3)).tolist()
        [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """
    return _matrix("homo", "jitconn.get_homo_weight_matrix", (("weight", weight),), conn_prob, seed, shape,
                   transpose, outdim_parallel)


def get_uniform_weight_matrix(w_low: Any, w_high: Any, conn_prob: float, seed: Any = None, *,
                              shape: tuple[int, int], transpose: bool = False, outdim_parallel: bool = True) -> Any:
    """The dense ``M`` of :func:`mv_prob_uniform` (see :func:`get_homo_weight_matrix`).

    Example:
        >>> import brainpy_math as bm
        >>> m = bm.jitconn.get_uniform_weight_matrix(0.5, 1.0, 0.1, seed=0, shape=(20, 30))
        >>> m.shape, bool(((m == 0) | ((m >= 0.5) & (m < 1.0))).all())
        ((20, 30), True)
    """
    return _matrix("uniform", "jitconn.get_uniform_weight_matrix", (("w_low", w_low), ("w_high", w_high)),
                   conn_prob, seed, shape, transpose, outdim_parallel)


def get_normal_weight_matrix(w_mu: Any, w_sigma: Any, conn_prob: float, seed: Any = None, *,
                             shape: tuple[int, int], transpose: bool = False, outdim_parallel: bool = True) -> Any:
    """The dense ``M`` of :func:`mv_prob_normal` (see :func:`get_homo_weight_matrix`).

    Example:
        >>> import brainpy_math as bm
        >>> bm.jitconn.get_normal_weight_matrix(0.0, 1.0, 0.3, seed=1, shape=(4, 5)).shape
        (4, 5)
    """
    return _matrix("normal", "jitconn.get_normal_weight_matrix", (("w_mu", w_mu), ("w_sigma", w_sigma)),
                   conn_prob, seed, shape, transpose, outdim_parallel)
