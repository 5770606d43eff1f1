"""``bm.connect``: connectivity built once on the host, returned as CSR arrays of the current backend.

Connectivity is generated with NumPy from the seed, outside compiled code, so a seed gives the
same ``(indices, indptr)`` on every backend; only the array type differs (``JaxArray`` on JAX,
``numpy.ndarray`` on Numba).

Example:
    >>> import brainpy_math as bm
    >>> indices, indptr = bm.connect.fixed_prob(4, 5, 0.5, seed=0)
    >>> int(indptr[-1]) == len(indices)
    True
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from . import _backend, _config, _csr

__all__ = ["fixed_prob", "fixed_prob_numpy", "csr_to_dense"]


def _check_size(fn: str, name: str, value: Any) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{fn}: argument '{name}' must be a non-negative int, got {value!r}")
    if value < 0:
        raise ValueError(f"{fn}: argument '{name}' must be a non-negative int, got {value!r}")
    return int(value)


def _bernoulli_positions(rng: np.random.Generator, total: int, prob: float) -> np.ndarray:
    """Sorted flat positions in ``[0, total)``, each included independently with probability ``prob``.

    The gaps between successive included positions of a Bernoulli process are geometric, so the
    work is proportional to the number of connections, not to ``num_pre * num_post``.
    """
    if total == 0 or prob == 0.0:
        return np.zeros(0, np.int64)
    if prob == 1.0:
        return np.arange(total, dtype=np.int64)
    chunks = []
    last = -1  # the position of the last included element drawn so far
    while True:
        # Draw a little more than the expected remainder, so one round almost always suffices.
        remaining = (total - 1 - last) * prob
        count = int(remaining + 6.0 * np.sqrt(remaining + 1.0) + 16)
        positions = last + np.cumsum(rng.geometric(prob, size=count), dtype=np.int64)
        inside = positions[positions < total]
        chunks.append(inside)
        if inside.size < positions.size:
            break
        last = int(positions[-1])
    return np.concatenate(chunks)


def fixed_prob_numpy(num_pre: int, num_post: int, prob: float, seed: int | None = None,
                     include_self: bool = True, index_dtype: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`fixed_prob` as NumPy arrays, whatever the current backend (for host-side code).

    Example:
        >>> from brainpy_math.connect import fixed_prob_numpy
        >>> indices, indptr = fixed_prob_numpy(3, 3, 1.0, include_self=False)
        >>> indices.tolist(), indptr.tolist()
        ([1, 2, 0, 2, 0, 1], [0, 2, 4, 6])
    """
    fn = "fixed_prob"
    num_pre = _check_size(fn, "num_pre", num_pre)
    num_post = _check_size(fn, "num_post", num_post)
    if isinstance(prob, (bool, np.bool_)) or not isinstance(prob, numbers.Real):
        raise TypeError(f"{fn}: argument 'prob' must be a number in [0, 1], got {prob!r}")
    prob = float(prob)
    if not 0.0 <= prob <= 1.0:
        raise ValueError(f"{fn}: argument 'prob' must be a number in [0, 1], got {prob!r}")
    if seed is not None and (isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral)
                             or seed < 0):
        raise TypeError(f"{fn}: argument 'seed' must be None or a non-negative int, got {seed!r}")
    index_dtype = _config.default_int() if index_dtype is None else np.dtype(index_dtype)

    rng = np.random.default_rng(seed)
    flat = _bernoulli_positions(rng, num_pre * num_post, prob)
    rows, cols = np.divmod(flat, num_post) if num_post else (flat, flat)
    if not include_self:
        keep = rows != cols
        rows, cols = rows[keep], cols[keep]
    if cols.size > np.iinfo(index_dtype).max:
        raise ValueError(f"{fn}: {cols.size} connections do not fit the index dtype {index_dtype}; "
                         f"call bm.enable_x64() for 64-bit indices")
    indptr = np.zeros(num_pre + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=num_pre), out=indptr[1:])
    # Flat positions are sorted, so columns come out sorted within each row.
    return cols.astype(index_dtype), indptr.astype(index_dtype)


def fixed_prob(num_pre: int, num_post: int, prob: float, seed: int | None = None,
               include_self: bool = True) -> tuple[Any, Any]:
    """Random connectivity: each pair ``(pre, post)`` is connected independently with probability ``prob``.

    Args:
        num_pre: number of presynaptic neurons (rows).
        num_post: number of postsynaptic neurons (columns).
        prob: connection probability in ``[0, 1]``.
        seed: seed of the host generator; the same seed gives the same connectivity on every backend.
        include_self: if False, pairs with ``pre == post`` are never connected.

    Returns:
        ``(indices, indptr)``: CSR arrays of the current backend, of the default int dtype (int32
        unless ``bm.enable_x64()``); ``indices[indptr[i]:indptr[i + 1]]`` are the sorted targets of
        presynaptic neuron ``i``.

    Example:
        >>> import brainpy_math as bm
        >>> indices, indptr = bm.connect.fixed_prob(100, 100, 0.1, seed=42)
        >>> indptr.shape, str(indices.dtype)
        ((101,), 'int32')
    """
    indices, indptr = fixed_prob_numpy(num_pre, num_post, prob, seed=seed, include_self=include_self)
    module = _backend.current()
    return module.asarray(indices), module.asarray(indptr)


def csr_to_dense(data: Any, indices: Any, indptr: Any, shape: tuple[int, int]) -> np.ndarray:
    """The dense ``(num_pre, num_post)`` NumPy matrix of a CSR matrix (``data`` scalar or per-synapse).

    Meant for tests and small examples; repeated ``(pre, post)`` pairs add up.

    Example:
        >>> from brainpy_math.connect import csr_to_dense
        >>> csr_to_dense(2.0, [1, 0], [0, 1, 2], (2, 2)).tolist()
        [[0.0, 2.0], [2.0, 0.0]]
    """
    indices = np.asarray(indices)
    indptr = np.asarray(indptr)
    if indices.size == 0:  # an empty list reads as float64: no columns, whatever the dtype
        indices = indices.astype(np.int64)
    # The same checks as bm.event/bm.sparse: a bad structure would index out of range below.
    _csr.check_static("csr_to_dense", indices, indptr, shape)
    _csr.validate_values("csr_to_dense", indices, indptr, int(shape[1]))
    data = np.broadcast_to(np.asarray(data, dtype=np.float64), indices.shape)
    rows = np.repeat(np.arange(shape[0]), np.diff(indptr))
    dense = np.zeros(shape, np.float64)
    np.add.at(dense, (rows, indices), data)
    return dense
