"""bm.sparse on the JAX backend: CSR matrix-vector products as a gather and a segment sum."""
from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from brainpy_math._csr import frozen_numpy
from .array import JaxArray, unwrap

__all__ = ["csrmv", "row_of_entries", "csr_array_state"]


# Concrete (non-tracer) jax array classes met so far; ``isinstance(v, jax.Array)`` is an ABC check
# that costs a microsecond.
_CONCRETE_TYPES: set = set()


def csr_array_state(x: Any) -> tuple[str, Any]:
    """How ``brainpy_math._csr`` may cache the validation of CSR array ``x``: ``(state, obj)``.

    A jax array is immutable (a JaxArray written in place gets a new one), so it is ``frozen`` and
    stands for its contents; a tracer is ``traced``; a writable NumPy array is ``unguarded`` (the
    JAX kernels do not check indices, so it is validated on every call, as it is copied to the
    device on every call anyway).

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('jax'):
        ...     csr_array_state(bm.arange(3))[0]
        'frozen'
    """
    value = x._value if isinstance(x, JaxArray) else x
    if type(value) in _CONCRETE_TYPES:  # the common case first: this runs on every eager call
        return "frozen", value
    if isinstance(value, jax.core.Tracer):
        return "traced", value
    if isinstance(value, jax.Array):
        _CONCRETE_TYPES.add(type(value))
        return "frozen", value
    if isinstance(value, np.ndarray) and frozen_numpy(value):
        return "frozen", value
    return "unguarded", value


def row_of_entries(indptr: jax.Array, nnz: int) -> jax.Array:
    """The row of each of the ``nnz`` CSR entries (sorted), computed from ``indptr`` under ``jit``."""
    return jnp.searchsorted(indptr, jnp.arange(nnz, dtype=indptr.dtype), side="right") - 1


def csrmv(data: Any, indices: Any, indptr: Any, vector: Any, shape: tuple[int, int],
          transpose: bool = False) -> JaxArray:
    """``bm.sparse.csrmv`` on JAX; the frontend has checked the arguments and cast the operands."""
    data, vector = jnp.asarray(unwrap(data)), jnp.asarray(unwrap(vector))
    indices, indptr = jnp.asarray(unwrap(indices)), jnp.asarray(unwrap(indptr))
    return JaxArray(_csrmv(data, indices, indptr, vector, (int(shape[0]), int(shape[1])), bool(transpose)))


@partial(jax.jit, static_argnums=(4, 5))
def _csrmv(data, indices, indptr, vector, shape, transpose):
    num_pre, num_post = shape
    nnz = indices.shape[0]
    dtype = jnp.result_type(data, vector)
    if nnz == 0:
        return jnp.zeros(num_post if transpose else num_pre, dtype)
    rows = row_of_entries(indptr, nnz)
    if transpose:
        products = (data * vector[rows]).astype(dtype)
        return jnp.zeros(num_post, dtype).at[indices].add(products)
    products = (data * vector[indices]).astype(dtype)
    return jax.ops.segment_sum(products, rows, num_segments=num_pre, indices_are_sorted=True)
