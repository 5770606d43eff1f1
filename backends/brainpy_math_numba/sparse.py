"""bm.sparse on the Numba backend: CSR matrix-vector products as loops over the rows.

``csrmv_kernel`` is an ``njit`` function usable from Python and from code compiled by Numba
(``compiled('csrmv')``), with the positional parameters of ``bm.sparse.csrmv``. Its result has the
promoted dtype of ``data`` and ``vector`` (the frontend casts both to the policy's dtype first).
"""
from __future__ import annotations

from typing import Any, Callable

import numba
import numpy as np
from numba import types
from numba.extending import overload
from numba.np.numpy_support import as_dtype, from_dtype

from .array import as_array, raw

__all__ = ["csrmv", "compiled"]


def entry_reader(values_type: types.Type):
    """An inlined ``njit`` function ``(values, k) -> value of entry k`` for per-entry arrays or scalars."""
    if isinstance(values_type, types.Array):
        def value_of(values, k):
            return values[k]
    else:
        def value_of(values, k):
            return values
    return numba.njit(inline="always")(value_of)


def _csrmv(data, indices, indptr, vector, shape, transpose):
    """Pure-Python definition of the CSR product; Numba compiles the overload below."""
    per_entry = np.ndim(data) == 1
    dtype = np.result_type(np.asarray(data).dtype, vector.dtype)
    out = np.zeros(shape[1] if transpose else shape[0], dtype)
    for i in range(shape[0]):
        for k in range(indptr[i], indptr[i + 1]):
            value = data[k] if per_entry else data
            if transpose:
                out[indices[k]] += value * vector[i]
            else:
                out[i] += value * vector[indices[k]]
    return out


@overload(_csrmv, jit_options={"nogil": True})
def _csrmv_overload(data, indices, indptr, vector, shape, transpose):
    data_dtype = data.dtype if isinstance(data, types.Array) else data
    out_dtype = from_dtype(np.result_type(as_dtype(data_dtype), as_dtype(vector.dtype)))

    value_of = entry_reader(data)

    def impl(data, indices, indptr, vector, shape, transpose):
        num_pre, num_post = shape[0], shape[1]
        if transpose:
            out = np.zeros(num_post, out_dtype)
            for i in range(num_pre):
                x = vector[i]
                for k in range(indptr[i], indptr[i + 1]):
                    out[indices[k]] += value_of(data, k) * x
            return out
        out = np.zeros(num_pre, out_dtype)
        for i in range(num_pre):
            total = out_dtype(0)
            for k in range(indptr[i], indptr[i + 1]):
                total += value_of(data, k) * vector[indices[k]]
            out[i] = total
        return out
    return impl


@numba.njit(nogil=True)
def csrmv_kernel(data, indices, indptr, vector, shape, transpose=False):
    """``bm.sparse.csrmv`` compiled by Numba, without argument checks (see the module docstring)."""
    return _csrmv(data, indices, indptr, vector, shape, transpose)


def values_argument(values: Any) -> Any:
    """CSR values as the kernels take them: a NumPy scalar for 0-d input, else a plain ndarray."""
    values = raw(values)
    return values[()] if isinstance(values, np.ndarray) and values.ndim == 0 else values


def kernel_lookup(namespace: str, kernels: dict[str, Callable]) -> Callable[[str], Callable]:
    """The ``compiled(name)`` function of a module whose ``njit`` kernels are ``kernels``."""
    def compiled(name: str) -> Callable:
        kernel = kernels.get(name)
        if kernel is None:
            raise NotImplementedError(f"bm.{namespace}.{name} is not available inside code compiled by the "
                                      f"numba backend (available: {sorted(kernels)}); call it outside bm.jit "
                                      f"or use the jax backend")
        return kernel
    return compiled


def csrmv(data: Any, indices: np.ndarray, indptr: np.ndarray, vector: np.ndarray,
          shape: tuple[int, int], transpose: bool = False) -> np.ndarray:
    """``bm.sparse.csrmv`` on Numba; the frontend has checked the arguments and cast the operands."""
    return as_array(csrmv_kernel(values_argument(data), raw(indices), raw(indptr), raw(vector),
                        (int(shape[0]), int(shape[1])), bool(transpose)))


compiled = kernel_lookup("sparse", {"csrmv": csrmv_kernel})
compiled.__doc__ = """The ``njit`` kernel that code compiled by Numba calls for ``bm.sparse.<name>``.

    Example:
        >>> from brainpy_math_numba import sparse
        >>> sparse.compiled('csrmv') is sparse.csrmv_kernel
        True
    """
