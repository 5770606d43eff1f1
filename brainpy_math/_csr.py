"""Validation of CSR structures ``(indices, indptr, shape)``, shared by ``bm.event`` and ``bm.sparse``.

A CSR matrix of shape ``(num_pre, num_post)`` is valid when ``indices`` and ``indptr`` are 1-D
integer arrays, ``len(indptr) == num_pre + 1``, ``indptr[0] == 0``, ``indptr`` never decreases,
``indptr[-1] == len(indices)`` and every ``0 <= indices[k] < num_post``. A violation raises a
one-line ``ValueError`` (``TypeError`` for a wrong type or dtype) naming the function, the argument,
the offending position and value and what was expected; both backends raise the same messages.

**Validated once per structure.** The value checks read every entry (O(nnz)), so their verdict is
cached and a simulation that calls ``bm.event.csrmv`` every step pays a dictionary lookup. The rule,
per array, as the backend classifies it (``<backend>.sparse.csr_array_state``):

- *frozen* (cannot change: a jax array, or a NumPy array that is read-only along with every array
  it is a view of): the verdict is keyed by the arrays' identity (the cache holds them, so an id is
  never reused by another array) and is exact (NumPy cannot stop a writable view taken before the
  array was made read-only from writing it: do not keep one).
- *guarded* (a writable array whose backend kernels check every index they read: the Numba
  backend): keyed by identity plus a fingerprint (shapes, dtypes and the values ``indptr[0]``,
  ``indptr[-1]``, ``indices[0]``, ``indices[-1]``). An in-place edit that leaves the
  fingerprint unchanged is not validated again here (a valid edit is simply used); the kernels
  check the ends of ``indptr`` on every call and every offset and column they read, and raise
  ``IndexError`` rather than read or write out of bounds, so an edit can never corrupt memory.
  The same kernels run inside code compiled by the Numba backend (``bm.jit``, ``bm.for_loop``),
  which never calls this module: there those checks are the validation (``bm.jit`` reports the
  error as a ``ValueError`` naming the model's line), and a structure they can read safely (e.g.
  ``indptr[-1] < len(indices)``, or a decreasing pair in a row that is not read) passes.
- *unguarded* (a writable NumPy array on a backend whose kernels do not check, i.e. NumPy input to
  the JAX backend, which copies it to the device on every call anyway): validated on every call.
- *traced* (a tracer under ``jax.jit``/``bm.jit`` when the structure is an argument of the
  compiled function): only the static checks (type, dtype, lengths) can run. Model attributes and
  arrays closed over by the jitted function are concrete at trace time on the JAX backend, so they
  are validated when the function is traced. For traced structures the JAX kernels drop
  contributions to a column ``>= num_post`` and wrap a negative column (JAX's indexing rules).

Example:
    >>> import numpy as np
    >>> from brainpy_math._csr import check_structure
    >>> check_structure('f', np.array([0, 3]), np.array([0, 1, 2]), (2, 4))
    (2, 4)
    >>> check_structure('f', np.array([0, 3]), np.array([0, 1, 2]), (2, 3))
    Traceback (most recent call last):
    ...
    ValueError: f: argument 'indices' must hold column ids in [0, num_post) = [0, 3), got indices[1] = 3
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from . import _backend

__all__ = ["check_structure", "check_static", "validate_values", "frozen_numpy", "clear_cache", "cache_size"]

# key -> (indices object, indptr object, fingerprint). Bounded: a model holds a handful of matrices.
_VERDICTS: dict[tuple, tuple] = {}
_MAX_VERDICTS = 64
_CACHEABLE = frozenset(("frozen", "guarded"))


def cache_size() -> int:
    """The number of CSR structures whose verdict is cached (for tests and benchmarks)."""
    return len(_VERDICTS)


def clear_cache() -> None:
    """Forget every cached verdict (the next call validates again; for tests and benchmarks)."""
    _VERDICTS.clear()


def check_static(fn: str, indices: Any, indptr: Any, shape: Any) -> tuple[int, int]:
    """The checks that need no values (shape, dtypes, ``len(indptr)``); ``(num_pre, num_post)``.

    Example:
        >>> import numpy as np
        >>> check_static('f', np.array([0]), np.array([0, 1]), (1, 4))
        (1, 4)
    """
    if (not isinstance(shape, (tuple, list)) or len(shape) != 2 or
            not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 0 for s in shape)):
        raise ValueError(f"{fn}: argument 'shape' must be a pair of non-negative ints "
                         f"(num_pre, num_post), got {shape!r}")
    num_pre, num_post = int(shape[0]), int(shape[1])
    for name, arr in (("indices", indices), ("indptr", indptr)):
        dtype = getattr(arr, "dtype", None)
        if dtype is None or np.dtype(dtype).kind not in "iu" or len(np.shape(arr)) != 1:
            raise TypeError(f"{fn}: argument '{name}' must be a 1-D integer array, got "
                            f"{type(arr).__name__} with dtype {dtype} and shape {np.shape(arr)}")
    if np.shape(indptr)[0] != num_pre + 1:
        raise ValueError(f"{fn}: argument 'indptr' must have length num_pre + 1 = {num_pre + 1} for "
                         f"shape={tuple(shape)!r}, got length {np.shape(indptr)[0]}")
    return num_pre, num_post


def validate_values(fn: str, indices: np.ndarray, indptr: np.ndarray, num_post: int) -> None:
    """The O(nnz) checks on host (NumPy) arrays; raise ``ValueError`` at the first violation.

    Example:
        >>> import numpy as np
        >>> validate_values('f', np.array([0, 1]), np.array([0, 2, 1]), 2)
        Traceback (most recent call last):
        ...
        ValueError: f: argument 'indptr' must be non-decreasing, got indptr[1] = 2 > indptr[2] = 1
    """
    nnz = indices.shape[0]
    if indptr[0] != 0:
        raise ValueError(f"{fn}: argument 'indptr' must start at 0, got indptr[0] = {indptr[0]}")
    # Compare in int64 so that unsigned and signed steps read the same (a uint diff would wrap).
    steps = np.diff(indptr.astype(np.int64, copy=False))
    if steps.size and steps.min() < 0:
        k = int(np.flatnonzero(steps < 0)[0])
        raise ValueError(f"{fn}: argument 'indptr' must be non-decreasing, got indptr[{k}] = {indptr[k]} "
                         f"> indptr[{k + 1}] = {indptr[k + 1]}")
    if indptr[-1] != nnz:
        raise ValueError(f"{fn}: argument 'indptr' must end at len(indices) = {nnz}, got "
                         f"indptr[-1] = {indptr[-1]}")
    if nnz and (indices.min() < 0 or indices.max() >= num_post):
        k = int(np.flatnonzero((indices < 0) | (indices >= num_post))[0])
        raise ValueError(f"{fn}: argument 'indices' must hold column ids in [0, num_post) = [0, {num_post}), "
                         f"got indices[{k}] = {indices[k]}")


def _array_state(module: Any, x: Any) -> tuple[str, Any]:
    """``(state, obj)`` of a CSR array (see the module docstring); ``obj`` stands for its contents."""
    classify = _CLASSIFIERS.get(module)
    if classify is None:
        # A backend without the hook: validate on every call.
        classify = getattr(getattr(module, "sparse", None), "csr_array_state", None) or _unguarded
        _CLASSIFIERS[module] = classify
    return classify(x)


def _unguarded(x: Any) -> tuple[str, Any]:
    return "unguarded", x


_CLASSIFIERS: dict = {}


def _fingerprint(indices: Any, indptr: Any) -> tuple:
    """Cheap witnesses of a writable pair of NumPy arrays (see the module docstring for what they
    miss). The data address is left out: an array object keeps its buffer unless it is resized,
    which changes its shape."""
    item = np.ndarray.item  # not the subclass's __getitem__: this runs on every call
    return (indices.shape, indptr.shape, indices.dtype.char, indptr.dtype.char, item(indptr, 0), item(indptr, -1),
            item(indices, 0) if indices.shape[0] else None, item(indices, -1) if indices.shape[0] else None)


def check_structure(fn: str, indices: Any, indptr: Any, shape: Any) -> tuple[int, int]:
    """Validate the CSR structure ``(indices, indptr, shape)`` for ``fn``; return ``(num_pre, num_post)``.

    Raises ``TypeError``/``ValueError`` naming ``fn``, the argument, the position and the value.
    The verdict is cached as the module docstring describes; a cached structure costs a few
    microseconds per call (``benchmarks/csr_validation.py``).

    Example:
        >>> import numpy as np
        >>> check_structure('f', np.array([1, 0]), np.array([0, 1, 2]), (2, 2))
        (2, 2)
    """
    module = _backend.current()
    state_i, obj_i = _array_state(module, indices)
    state_p, obj_p = _array_state(module, indptr)
    guarded = state_i == "guarded" or state_p == "guarded"
    cacheable = state_i in _CACHEABLE and state_p in _CACHEABLE
    # The cache is looked up first: a hit skips the static checks too, which passed when the
    # verdict was stored (same objects, same shape argument; a guarded array's shape and dtype are
    # in its fingerprint). Only plain int pairs take this path, so (3, 3.0) is still rejected.
    fast = cacheable and type(shape) is tuple and len(shape) == 2 and type(shape[0]) is int \
        and type(shape[1]) is int
    if fast and _cached(obj_i, obj_p, shape, guarded):
        return shape
    num_pre, num_post = check_static(fn, indices, indptr, shape)
    if "traced" in (state_i, state_p):
        return num_pre, num_post
    key_shape = (num_pre, num_post)
    if cacheable and not fast and _cached(obj_i, obj_p, key_shape, guarded):
        return key_shape
    validate_values(fn, np.asarray(obj_i), np.asarray(obj_p), num_post)
    if cacheable:
        if len(_VERDICTS) >= _MAX_VERDICTS:
            try:
                _VERDICTS.pop(next(iter(_VERDICTS)), None)  # the oldest entry
            except (StopIteration, RuntimeError):  # emptied or changed by another thread meanwhile
                pass
        _VERDICTS[(id(obj_i), id(obj_p), key_shape)] = (obj_i, obj_p,
                                                         _fingerprint(obj_i, obj_p) if guarded else None)
    return key_shape


def _cached(obj_i: Any, obj_p: Any, shape: tuple, guarded: bool) -> bool:
    hit = _VERDICTS.get((id(obj_i), id(obj_p), shape))
    return (hit is not None and hit[0] is obj_i and hit[1] is obj_p
            and (not guarded or hit[2] == _fingerprint(obj_i, obj_p)))


def frozen_numpy(x: np.ndarray) -> bool:
    """Whether the NumPy array ``x`` cannot be written through NumPy: read-only, as is every array
    it is a view of (a read-only view of a writable array can still change).

    Example:
        >>> import numpy as np
        >>> a = np.arange(3); a.flags.writeable = False
        >>> frozen_numpy(a), frozen_numpy(np.arange(3))
        (True, False)
    """
    while isinstance(x, np.ndarray):
        if x.flags.writeable:
            return False
        x = x.base
    return x is None or isinstance(x, bytes)
