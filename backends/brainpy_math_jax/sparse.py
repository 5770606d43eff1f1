"""bm.sparse on the JAX backend: CSR matrix-vector products as a gather and a segment sum."""
from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp

from .array import JaxArray, unwrap

__all__ = ["csrmv", "row_of_entries"]


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
