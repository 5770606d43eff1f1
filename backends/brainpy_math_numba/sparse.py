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

from brainpy_math._csr import frozen_numpy, validate_values
from .array import as_array, raw

__all__ = ["csrmv", "compiled", "csr_array_state"]


def csr_array_state(x: Any) -> tuple[str, Any]:
    """How ``brainpy_math._csr`` may cache the validation of CSR array ``x``: ``(state, obj)``.

    A read-only array (whose bases are read-only too) is ``frozen``; a writable one is ``guarded``:
    cached with a fingerprint, since the kernels here check every index they read and raise
    ``IndexError`` rather than touch memory out of bounds.

    Example:
        >>> import numpy as np
        >>> csr_array_state(np.arange(3))[0]
        'guarded'
    """
    if isinstance(x, np.ndarray):
        return ("frozen" if frozen_numpy(x) else "guarded"), x
    return "unguarded", x


def entry_reader(values_type: types.Type):
    """An inlined ``njit`` function ``(values, k) -> value of entry k`` for per-entry arrays or scalars."""
    if isinstance(values_type, types.Array):
        def value_of(values, k):
            return values[k]
    else:
        def value_of(values, k):
            return values
    return numba.njit(inline="always")(value_of)


# The kernels below check every index they read, so that a CSR structure that bypassed the
# frontend's validation (a kernel called from compiled code, an array edited in place after it was
# validated) raises IndexError instead of reading or writing out of bounds (a segfault or garbage).
def bounds_messages(fn: str, values_name: str, vector_name: str) -> tuple[str, ...]:
    """The one-line ``IndexError`` messages of the kernels of ``fn``: a bad ``indptr`` length, bad
    offsets, a bad vector length (transposed, not transposed), bad values length, a bad column."""
    return (f"{fn}: argument 'indptr' must have length num_pre + 1",
            f"{fn}: argument 'indptr' must hold non-decreasing offsets in [0, len(indices)]",
            f"{fn}: argument '{vector_name}' must have length num_pre",
            f"{fn}: argument '{vector_name}' must have length num_post",
            f"{fn}: argument '{values_name}' must have length len(indices)",
            f"{fn}: argument 'indices' must hold column ids in [0, num_post)")


def bounds_checks(fn: str, values_name: str, vector_name: str, values_type: types.Type) -> tuple:
    """Inlined ``njit`` checks for the kernels of ``fn``: ``(lengths, row_bounds, column)``.

    - ``lengths(values, indices, indptr, vector, length, num_pre, transpose)`` checks
      ``len(indptr) == num_pre + 1``, ``0 <= indptr[0]``, ``indptr[-1] <= nnz``,
      ``len(vector) == length`` and, for per-entry values, ``len(values) == nnz``;
    - ``row_bounds(indptr, i, nnz)`` is ``(indptr[i], indptr[i + 1])``, checked to lie in order in
      ``[0, nnz]``;
    - ``column(indices, k, n)`` is ``indices[k]``, checked to lie in ``[0, n)``.

    Each raises a one-line ``IndexError`` naming ``fn``, the argument and what was expected. The
    messages are constants: formatting the position and the value at run time compiled Numba's
    string machinery into every kernel (~3 s of a cold COBA compile), and the frontend's validation,
    which every eager call and every replay of a failed compiled call goes through, names them. The
    raise is inline (a helper that raises cost +30% in the kernel's loop).
    """
    per_entry = isinstance(values_type, types.Array)
    (bad_indptr_length, bad_offsets, bad_pre_vector, bad_post_vector, bad_values,
     bad_column) = bounds_messages(fn, values_name, vector_name)

    @numba.njit(inline="always")
    def lengths(values, indices, indptr, vector, length, num_pre, transpose):
        if indptr.shape[0] != num_pre + 1:
            raise IndexError(bad_indptr_length)
        # The ends of indptr, O(1): a last offset past the end of `indices` is caught even when the
        # rows that hold it are not read. Only safety is enforced here: a structure over part of
        # `indices` (rows sliced off a larger matrix) is readable, and the frontend rejects it.
        if indptr[0] < 0 or indptr[num_pre] > indices.shape[0]:
            raise IndexError(bad_offsets)
        if vector.shape[0] != length:
            if transpose:
                raise IndexError(bad_pre_vector)
            raise IndexError(bad_post_vector)
        if per_entry and values.shape[0] != indices.shape[0]:
            raise IndexError(bad_values)

    @numba.njit(inline="always")
    def row_bounds(indptr, i, nnz):
        start, end = indptr[i], indptr[i + 1]
        if start < 0 or end < start or end > nnz:
            raise IndexError(bad_offsets)
        return start, end

    @numba.njit(inline="always")
    def column(indices, k, n):
        c = indices[k]
        # One unsigned compare catches both ends (a negative id wraps to a huge unsigned one).
        if np.uint64(np.int64(c)) >= np.uint64(n):
            raise IndexError(bad_column)
        return c

    return lengths, row_bounds, column


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
    # Every index read is checked (see above): a bad structure raises IndexError, never a segfault.
    check_lengths, row_bounds, column = bounds_checks("sparse.csrmv", "data", "vector", data)

    def impl(data, indices, indptr, vector, shape, transpose):
        num_pre, num_post = shape[0], shape[1]
        nnz = indices.shape[0]
        if transpose:
            check_lengths(data, indices, indptr, vector, num_pre, num_pre, True)
            out = np.zeros(num_post, out_dtype)
            for i in range(num_pre):
                x = vector[i]
                start, end = row_bounds(indptr, i, nnz)
                for k in range(start, end):
                    out[column(indices, k, num_post)] += value_of(data, k) * x
            return out
        check_lengths(data, indices, indptr, vector, num_post, num_pre, False)
        out = np.zeros(num_pre, out_dtype)
        for i in range(num_pre):
            total = out_dtype(0)
            start, end = row_bounds(indptr, i, nnz)
            for k in range(start, end):
                total += value_of(data, k) * vector[column(indices, k, num_post)]
            out[i] = total
        return out
    return impl


@numba.njit(nogil=True)
def csrmv_kernel(data, indices, indptr, vector, shape, transpose=False):
    """``bm.sparse.csrmv`` compiled by Numba. It does not validate the whole structure (the frontend
    does, once per structure) but checks the lengths, the ends of ``indptr`` and every offset and
    column it reads, raising ``IndexError`` instead of reading or writing out of bounds. What it
    can read safely it accepts (e.g. rows sliced off a larger matrix, ``indptr[-1] < len(indices)``)."""
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


def run_kernel(fn: str, kernel: Callable, values: Any, indices: np.ndarray, indptr: np.ndarray,
               vector: np.ndarray, shape: tuple[int, int], transpose: bool) -> np.ndarray:
    """Call ``kernel``; when its bounds checks fire (a structure edited in place after the frontend
    validated it), say what the frontend's full validation says: the argument, the position and the
    value, as on the JAX backend (the kernel's own message is a constant)."""
    indices, indptr = raw(indices), raw(indptr)
    try:
        return as_array(kernel(values_argument(values), indices, indptr, raw(vector),
                               (int(shape[0]), int(shape[1])), bool(transpose)))
    except IndexError as error:
        try:
            validate_values(fn, np.asarray(indices), np.asarray(indptr), int(shape[1]))
        except ValueError as detail:
            raise detail from None
        raise error


def csrmv(data: Any, indices: np.ndarray, indptr: np.ndarray, vector: np.ndarray,
          shape: tuple[int, int], transpose: bool = False) -> np.ndarray:
    """``bm.sparse.csrmv`` on Numba; the frontend has checked the arguments and cast the operands."""
    return run_kernel("sparse.csrmv", csrmv_kernel, data, indices, indptr, vector, shape, transpose)


compiled = kernel_lookup("sparse", {"csrmv": csrmv_kernel})
compiled.__doc__ = """The ``njit`` kernel that code compiled by Numba calls for ``bm.sparse.<name>``.

    Example:
        >>> from brainpy_math_numba import sparse
        >>> sparse.compiled('csrmv') is sparse.csrmv_kernel
        True
    """
