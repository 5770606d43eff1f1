"""``bm.sparse``: products of CSR matrices with dense vectors, on the current backend.

A CSR matrix of shape ``(num_pre, num_post)`` is ``(data, indices, indptr)``: the entries of row
``i`` sit in columns ``indices[indptr[i]:indptr[i + 1]]`` with values ``data[indptr[i]:indptr[i + 1]]``
(``data`` may be one scalar shared by every entry). :func:`brainpy_math.connect.fixed_prob` builds
``(indices, indptr)``.

Example:
    >>> import brainpy_math as bm
    >>> indices, indptr = bm.connect.fixed_prob(3, 4, 1.0, seed=0)
    >>> bm.sparse.csrmv(2.0, indices, indptr, bm.ones(4), shape=(3, 4)).tolist()
    [8.0, 8.0, 8.0]
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from . import _backend, _config, _csr

__all__ = ["csrmv"]


def _is_python_number(x: Any) -> bool:
    return isinstance(x, (numbers.Number, np.generic)) and not isinstance(x, np.ndarray)


def check_csr(fn: str, indices: Any, indptr: Any, shape: Any) -> tuple[int, int]:
    """Validate ``(indices, indptr, shape)`` of a CSR matrix; return ``(num_pre, num_post)``.

    The checks, their messages and the rule by which the verdict is cached (once per structure,
    near-zero cost per call afterwards) are those of :func:`brainpy_math._csr.check_structure`.
    """
    return _csr.check_structure(fn, indices, indptr, shape)


def check_values(fn: str, name: str, values: Any, num_entries: int) -> np.dtype:
    """Validate CSR values (a scalar or one per entry); return their float dtype under the policy."""
    if _is_python_number(values):
        if isinstance(values, complex) or np.iscomplexobj(values):
            raise TypeError(f"{fn}: argument '{name}' must be real, got {values!r}")
        dtype = _config.dtype_of_python_value(values) or _config.canonicalize_dtype(np.asarray(values).dtype)
    else:
        shape = np.shape(values)
        dtype = getattr(values, "dtype", None)
        if dtype is None:
            raise TypeError(f"{fn}: argument '{name}' must be a scalar or an array, got {type(values).__name__}")
        if shape not in ((), (num_entries,)):
            raise ValueError(f"{fn}: argument '{name}' must be a scalar or have one value per connection, "
                             f"shape ({num_entries},), got shape {shape}")
        dtype = _config.canonicalize_dtype(dtype)
        if dtype.kind == "c":
            raise TypeError(f"{fn}: argument '{name}' must be real, got dtype {dtype}")
    return dtype if dtype.kind == "f" else _config.default_float()


def as_vector(vector: Any) -> Any:
    """A Python list or tuple (``[True, False]``, ``[1.0, 0.5]``) as an array of the current backend,
    under the dtype policy, as NumPy's functions take them; anything else unchanged."""
    return _backend.current().asarray(vector) if isinstance(vector, (list, tuple)) else vector


def check_vector(fn: str, name: str, vector: Any, length: int, what: str) -> np.dtype:
    """Validate a dense 1-D operand of the given length; return its dtype under the policy."""
    dtype = getattr(vector, "dtype", None)
    if dtype is None or np.shape(vector) != (length,):
        raise ValueError(f"{fn}: argument '{name}' must be a 1-D array of length {what} = {length}, got "
                         f"{type(vector).__name__} with shape {np.shape(vector)}")
    dtype = _config.canonicalize_dtype(dtype)
    if dtype.kind == "c":
        raise TypeError(f"{fn}: argument '{name}' must be real, got dtype {dtype}")
    return dtype


def cast_values(values: Any, dtype: np.dtype) -> Any:
    """``values`` as ``dtype``: a NumPy scalar for Python numbers, else a backend array."""
    if _is_python_number(values):
        return np.dtype(dtype).type(values)
    return _backend.current().asarray(values, dtype)


def csrmv(data: Any, indices: Any, indptr: Any, vector: Any, shape: tuple[int, int],
          transpose: bool = False) -> Any:
    """Product of a CSR matrix ``M`` of shape ``(num_pre, num_post)`` with a dense vector.

    Args:
        data: the matrix entries, a scalar shared by all of them or one value per entry.
        indices, indptr: the CSR structure (e.g. from ``bm.connect.fixed_prob``).
        vector: of length ``num_post`` (``M @ vector``) or, with ``transpose``, ``num_pre``
            (``vector @ M``).
        shape: ``(num_pre, num_post)``.
        transpose: compute ``vector @ M`` (length ``num_post``) instead of ``M @ vector``
            (length ``num_pre``).

    Returns:
        The product, of the promoted float dtype of ``data`` and ``vector`` under the dtype policy.

    Raises:
        ValueError / TypeError: a bad structure, as for :func:`brainpy_math.event.csrmv` (the same
            checks, messages and cache of verdicts, ``brainpy_math._csr``).

    Example:
        >>> import brainpy_math as bm
        >>> indices, indptr = bm.asarray([1, 0, 1]), bm.asarray([0, 1, 3])
        >>> bm.sparse.csrmv(bm.asarray([1., 2., 3.]), indices, indptr, bm.asarray([10., 1.]),
        ...                 shape=(2, 2)).tolist()
        [1.0, 23.0]
    """
    fn = "sparse.csrmv"
    num_pre, num_post = check_csr(fn, indices, indptr, shape)
    data_dtype = check_values(fn, "data", data, np.shape(indices)[0])
    length, what = (num_pre, "num_pre") if transpose else (num_post, "num_post")
    vector = as_vector(vector)
    vector_dtype = check_vector(fn, "vector", vector, length, what)
    dtype = _config.canonicalize_dtype(np.result_type(data_dtype, vector_dtype))
    module = _backend.current()
    return module.sparse.csrmv(cast_values(data, dtype), indices, indptr, module.asarray(vector, dtype),
                               shape=(num_pre, num_post), transpose=bool(transpose))
