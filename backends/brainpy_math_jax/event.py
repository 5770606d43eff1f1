"""bm.event on the JAX backend: event-driven CSR products whose work is bounded by the spikes.

Shapes are static under ``jit``, so "only the rows that spiked" becomes a fixed budget: the first
``K`` spiking rows are found (:func:`first_spiking`) and their synapses scatter-added. When the
connectivity is concrete (built once, captured by the jitted function) the rows are read from
padded row tables built on the host (:func:`row_tables`); when it is traced, their synapses are
enumerated into a buffer of ``S`` slots. Budgets grow in tiers chosen by ``lax.switch`` at run
time; when more rows spike than the largest tier holds (or, traced, their synapses overflow the
buffer), the full product over every synapse is computed instead, so the result is exact
whatever the activity.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from brainpy_math._csr import frozen_numpy
from .array import JaxArray, unwrap
from .sparse import row_of_entries

__all__ = ["csrmv", "row_budgets", "first_spiking", "row_tables", "rows_table_scatter",
           "spiking_rows_scatter"]

# The smallest tier holds this many spiking rows, or num_pre / _ROWS_DIVISOR when larger: about
# twice the spikes per 0.1 ms step of a network firing at 20 Hz. Each further tier doubles it, so
# the padded work stays within 2x of the spikes up to 8x the smallest budget (the COBA references
# measured tiers growing by 8 at 50% more run time for a 44 Hz network).
_MIN_ROWS = 16
_ROWS_DIVISOR = 256
_TIER_GROWTH = 2
_NUM_TIERS = 4


def row_budgets(num_pre: int, nnz: int) -> list[tuple[int, int]]:
    """The ``(K rows, S synapses)`` tiers used for a matrix with ``num_pre`` rows and ``nnz`` entries.

    ``S`` is ``K`` times the mean row length, rounded up, plus slack for rows longer than the mean.

    Example:
        >>> row_budgets(4000, 320000)
        [(16, 1600), (32, 3200), (64, 6400), (128, 12800)]
    """
    if num_pre == 0 or nnz == 0:
        return []
    mean_degree = nnz / num_pre
    tiers = []
    rows = max(_MIN_ROWS, -(-num_pre // _ROWS_DIVISOR))
    while rows < num_pre and len(tiers) < _NUM_TIERS:
        # Slack of 4 standard deviations of a sum of `rows` binomial row lengths, and at least 25%.
        slack = max(0.25 * rows * mean_degree, 4.0 * math.sqrt(rows * mean_degree))
        synapses = min(nnz, int(math.ceil(rows * mean_degree + slack)))
        synapses = -(-synapses // 32) * 32  # a multiple of the vector width
        tiers.append((rows, min(synapses, nnz)))
        rows *= _TIER_GROWTH
    return tiers


def first_spiking(spiking: jax.Array, size: int, block: int = 32) -> jax.Array:
    """The ids of the first ``size`` True entries of ``spiking``, padded with ``len(spiking)``.

    ``jnp.nonzero(..., size=)`` takes a cumulative sum over the whole vector, which XLA's CPU backend
    computes in time quadratic in its length (about 50 us for 4,000 neurons). Here the vector is cut
    into blocks; the first ``size`` blocks holding spikes are found the same way, recursively, on
    the vector of block occupancies, and cumulative sums run only over ``size`` values and inside
    the chosen blocks. Exact when at most ``size`` entries are True (the caller checks).

    Example:
        >>> import jax.numpy as jnp
        >>> first_spiking(jnp.arange(100) % 40 == 3, 4).tolist()
        [3, 43, 83, 100]
    """
    n = spiking.shape[0]
    if n <= block:
        rank = jnp.cumsum(spiking.astype(jnp.int32)) - 1
        return jnp.full(size, n, jnp.int32).at[jnp.where(spiking, rank, size)].set(
            jnp.arange(n, dtype=jnp.int32), mode="drop")
    num_blocks = -(-n // block)
    grid = jnp.pad(spiking, (0, num_blocks * block - n)).reshape(num_blocks, block)
    counts = jnp.sum(grid, axis=1, dtype=jnp.int32)
    chosen = first_spiking(counts > 0, size, block)  # padded with num_blocks: an empty block
    chosen_counts = jnp.concatenate([counts, jnp.zeros(1, jnp.int32)])[chosen]
    # Blocks between chosen ones are empty, so the spikes before a chosen block are those of the
    # chosen blocks before it.
    before = jnp.cumsum(chosen_counts) - chosen_counts
    cells = jnp.concatenate([grid, jnp.zeros((1, block), bool)])[chosen]      # (size, block)
    rank = jnp.cumsum(cells.astype(jnp.int32), axis=1) - 1 + before[:, None]
    ids = chosen[:, None] * block + jnp.arange(block, dtype=jnp.int32)[None, :]
    return jnp.full(size, n, jnp.int32).at[jnp.where(cells, rank, size).ravel()].set(ids.ravel(), mode="drop")


def rows_table_scatter(weights: jax.Array, tables: tuple, rows: jax.Array, out: jax.Array) -> jax.Array:
    """``out`` plus the weights of the synapses of ``rows``, read from the padded row tables.

    ``tables`` is ``(targets, synapses)`` from :func:`row_tables`: row ``i`` of ``targets`` lists
    the columns of row ``i`` padded with ``num_post`` (dropped by the scatter), row ``i`` of
    ``synapses`` their positions in ``indices`` (``None`` for a scalar weight). ``rows`` are row ids
    padded with ``num_pre``, whose table row is all padding.
    """
    targets, synapses = tables
    cells = targets[rows]
    values = weights[synapses[rows]] if weights.ndim else jnp.broadcast_to(weights, cells.shape)
    return out.at[cells.ravel()].add(values.ravel().astype(out.dtype), mode="drop")


def spiking_rows_scatter(weights: jax.Array, indices: jax.Array, indptr: jax.Array, rows: jax.Array,
                         out: jax.Array, max_synapses: int) -> jax.Array:
    """``out`` plus the weights of the synapses of ``rows``, enumerated into ``max_synapses`` slots.

    ``rows`` are row ids, padded with ``num_pre`` (an empty row); the result is exact when the rows
    hold at most ``max_synapses`` synapses (the caller checks). ``weights`` is a scalar or one value
    per synapse.
    """
    num_post = out.shape[0]
    padded = jnp.concatenate([indptr, indptr[-1:]])  # row num_pre (the padding) is empty
    starts = padded[rows]
    lengths = padded[rows + 1] - starts
    ends = jnp.cumsum(lengths)
    slot = jnp.arange(max_synapses, dtype=ends.dtype)
    # Which row each synapse slot belongs to, and the synapse it stands for in that row.
    owner = jnp.minimum(jnp.searchsorted(ends, slot, side="right", method="scan"), rows.shape[0] - 1)
    synapse = starts[owner] + slot - (ends[owner] - lengths[owner])
    valid = slot < ends[-1]
    synapse = jnp.where(valid, synapse, 0)
    targets = jnp.where(valid, indices[synapse], num_post)  # num_post is dropped by the scatter
    values = weights[synapse] if weights.ndim else jnp.broadcast_to(weights, synapse.shape)
    return out.at[targets].add(values.astype(out.dtype), mode="drop")


def _all_rows_scatter(weights, indices, indptr, spiking, out):
    """``out`` plus the weights of every synapse of a spiking row: work over all synapses."""
    pre = row_of_entries(indptr, indices.shape[0])
    values = jnp.where(spiking[pre], weights, jnp.zeros((), out.dtype)).astype(out.dtype)
    return out.at[indices].add(values)


@partial(jax.jit, static_argnums=(5,))
def _event_rows(weights, indices, indptr, events, tables, num_post):
    spiking = events if events.dtype == jnp.bool_ else events != 0
    out = jnp.zeros(num_post, weights.dtype)
    tiers = row_budgets(spiking.shape[0], indices.shape[0])
    if not tiers:
        return _all_rows_scatter(weights, indices, indptr, spiking, out) if indices.shape[0] else out
    num_spiking = jnp.sum(spiking, dtype=jnp.int32)
    if tables is None:
        # Traced connectivity: a tier must also hold the synapses of the spiking rows in its buffer.
        num_synapses = jnp.sum(jnp.where(spiking, jnp.diff(indptr), 0))
        too_small = [(num_spiking > rows) | (num_synapses > synapses) for rows, synapses in tiers]
    else:
        too_small = [num_spiking > rows for rows, _ in tiers]
    # Budgets grow with the tier, so the first tier that holds the spikes is the count of those that don't.
    choice = sum(t.astype(jnp.int32) for t in too_small)

    def tier(rows, synapses):
        def run(o):
            ids = first_spiking(spiking, rows)
            if tables is not None:
                return rows_table_scatter(weights, tables, ids, o)
            return spiking_rows_scatter(weights, indices, indptr, ids, o, synapses)
        return run

    def all_rows(o):
        return _all_rows_scatter(weights, indices, indptr, spiking, o)

    return lax.switch(choice, [tier(r, s) for r, s in tiers] + [all_rows], out)


_tables: dict[tuple[int, int, bool], tuple[Any, Any, tuple]] = {}
_MAX_TABLES = 16


def row_tables(indices: Any, indptr: Any, per_synapse: bool) -> tuple | None:
    """The padded row tables of a concrete CSR matrix (built on the host once, cached for the last
    few matrices that cannot change: jax arrays and read-only NumPy arrays; a writable NumPy
    matrix gets new tables every call); ``None`` when ``indices`` or ``indptr`` is traced.

    Reading ``K`` spiking rows is then one gather of ``K`` table rows, with no per-synapse index
    arithmetic (measured on 16 rows of the 4,000-neuron COBA matrix: 17 us instead of 21 us). The
    tables take ``(num_pre + 1) * max_degree`` entries each, about 1.5x the CSR arrays for
    ``fixed_prob`` connectivity.
    """
    if isinstance(indices, jax.core.Tracer) or isinstance(indptr, jax.core.Tracer):
        return None
    # Identity stands for the contents of jax arrays (immutable) and read-only NumPy arrays only:
    # a writable NumPy array may have been edited in place since, so its tables are rebuilt.
    cacheable = not any(isinstance(a, np.ndarray) and not frozen_numpy(a) for a in (indices, indptr))
    key = (id(indices), id(indptr), per_synapse)
    cached = _tables.get(key) if cacheable else None
    if cached is not None and cached[0] is indices and cached[1] is indptr:
        return cached[2]
    host_indices, host_indptr = np.asarray(indices), np.asarray(indptr)
    num_pre = host_indptr.size - 1
    degrees = np.diff(host_indptr)
    width = max(int(degrees.max(initial=0)), 1)
    rows = np.repeat(np.arange(num_pre), degrees)
    columns = np.arange(host_indices.size) - np.repeat(host_indptr[:-1], degrees)
    # Padding: an index past any num_post, which the scatter drops (at least int32 wide, so that
    # it fits whatever the dtype of the indices, uint8 included).
    targets = np.full((num_pre + 1, width), np.iinfo(np.int32).max, np.promote_types(host_indices.dtype, np.int32))
    targets[rows, columns] = host_indices
    synapses = None
    if per_synapse:
        synapses = np.zeros((num_pre + 1, width), host_indptr.dtype)
        synapses[rows, columns] = np.arange(host_indices.size)
    # The cache holds NumPy tables: a jax array made while one function was being traced must not
    # be reused by the trace of another (the second compiled program then expects it as an
    # argument that its caller never passes). Each use converts them, once per trace under jit.
    tables = (targets, synapses)
    if not cacheable:
        return tables
    if len(_tables) >= _MAX_TABLES:
        _tables.pop(next(iter(_tables)))
    _tables[key] = (indices, indptr, tables)
    return tables


@partial(jax.jit, static_argnums=(4,))
def _event_columns(weights, indices, indptr, events, num_pre):
    """``W @ events``: each row sums the weights of its synapses onto spiking columns."""
    nnz = indices.shape[0]
    spiking = events if events.dtype == jnp.bool_ else events != 0
    dtype = weights.dtype
    if nnz == 0:
        return jnp.zeros(num_pre, dtype)
    pre = row_of_entries(indptr, nnz)
    values = jnp.where(spiking[indices], weights, jnp.zeros((), dtype))
    return jax.ops.segment_sum(values, pre, num_segments=num_pre, indices_are_sorted=True)


def csrmv(weights: Any, indices: Any, indptr: Any, events: Any, shape: tuple[int, int],
          transpose: bool = True) -> JaxArray:
    """``bm.event.csrmv`` on JAX; the frontend has checked the arguments and cast the weights."""
    weights, indices, indptr = jnp.asarray(unwrap(weights)), unwrap(indices), unwrap(indptr)
    tables = row_tables(indices, indptr, weights.ndim == 1) if transpose else None
    if tables is not None:
        tables = tuple(None if t is None else jnp.asarray(t) for t in tables)
    indices, indptr, events = jnp.asarray(indices), jnp.asarray(indptr), jnp.asarray(unwrap(events))
    # Only whether an entry is an event matters: bool and float events share one compiled kernel.
    events = events if events.dtype == jnp.bool_ else events != 0
    if transpose:
        return JaxArray(_event_rows(weights, indices, indptr, events, tables, int(shape[1])))
    return JaxArray(_event_columns(weights, indices, indptr, events, int(shape[0])))
