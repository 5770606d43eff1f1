"""bm.jitconn on the JAX backend: just-in-time random connectivity, vectorised over the lines.

The matrix is defined in :mod:`brainpy_math.jitconn`. Here the matrix is handled as ``G`` of
shape ``(lines, length)``: ``M`` when generated row by row, ``M.T`` otherwise. A product either
gathers (``outdim_parallel``: output ``i`` sums its line ``i`` against the input) or scatters
(line ``i`` of each input ``i`` is added into the output). Lines are generated together: each
step of a ``lax.while_loop`` draws the next ``width`` skips of every line (a ``(lines, width)``
block of Threefry calls), turns them into positions with a cumulative sum and visits them, until
every line has passed its end. ``width`` is chosen from the expected line length, so that one
step usually suffices.

Events are spike-bounded: the lines of the spiking inputs are found ``budget`` at a time
(:func:`brainpy_math_jax.event.first_spiking`) in a ``lax.while_loop`` that runs until all the
spikes are processed, so the connections generated are those of the spikes, whatever their count.
Everything traces under ``jax.jit`` (shapes, ``conn_prob`` and the flags are static; the seed, the
weights and the input may be traced). ``mv_prob_*`` have a custom VJP (the transposed product on
the same matrix), so they are differentiable in reverse mode with respect to the vector and the
weights.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Any, Callable

import jax
import jax.numpy as jnp
from jax import lax

from .array import JaxArray, unwrap
from .event import first_spiking
from .random import _attempt_words, _polar, _unit32, threefry2x32

__all__ = ["matvec", "weight_matrix", "line_width", "spike_budget"]

U32 = jnp.uint32


def line_width(length: int, skip: tuple[int, int, int]) -> int:
    """How many skips of each line one loop step draws: the expected connections ``c`` of a line of
    ``length`` plus ``4 sqrt(c) + 8`` (the count's standard deviation is at most ``sqrt(c / 3)``),
    rounded up to a multiple of 8, at most 512 and ``length`` (and small enough that the 32-bit
    cumulative sum cannot wrap). A line with more connections takes another step.

    Example:
        >>> line_width(4000, (99, 0, 0))  # conn_prob 0.02: 80 connections expected
        128
    """
    n, threshold, _ = skip
    mean_skip = (n + 1 + threshold / 2 ** 32) / 2
    expected = length / mean_skip
    width = int(math.ceil((expected + 4 * math.sqrt(expected) + 8) / 8)) * 8
    width = min(width, 512, -(-length // 8) * 8)
    # Skips are clipped to length + 1, so width * (length + 1) + length must stay below 2**32.
    return max(1, min(width, (2 ** 32 - 1 - length) // (length + 1)))


def spike_budget(lines: int) -> int:
    """Spiking inputs handled per step of the event loop: 16, or ``lines / 256`` when larger.

    Example:
        >>> spike_budget(4000), spike_budget(100000)
        (16, 391)
    """
    return min(lines, max(16, -(-lines // 256)))


def _key(seed: Any) -> jax.Array:
    """The uint32[2] key of a seed: a key, or an integer scalar (``(s >> 32, s & 0xFFFFFFFF)``)."""
    seed = jnp.asarray(seed)
    if seed.shape == (2,):
        return seed.astype(U32)
    if seed.dtype.itemsize == 8:
        return jnp.stack([(seed >> 32).astype(U32), seed.astype(U32)])
    return jnp.stack([U32(0), seed.astype(U32)])


def _unbiased(k0: jax.Array, k1: jax.Array, w: jax.Array, span: jax.Array, hi: Any, lo: Any) -> jax.Array:
    """``w mod span`` without bias, as ``bm.random``'s integers: a word ``w`` below ``2**32 mod span``
    is redrawn from the attempt streams (family 0) of word position ``(hi, lo)`` of the streams
    keyed ``(k0, k1)``."""
    limit = (U32(0) - span) % span

    def rejected(state):
        return jnp.any(state[1] < limit)

    def retry(state):
        j, w = state
        fresh = _attempt_words((k0, k1), hi, lo, U32(2) * j)[0]
        return j + U32(1), jnp.where(w < limit, fresh, w)

    return lax.while_loop(rejected, retry, (U32(1), w))[1] % span


def _starts(k0: jax.Array, k1: jax.Array, skip: tuple[int, int, int]) -> jax.Array:
    """The first position (uint32) of the lines keyed ``(k0, k1)``: the stationary start of the
    skip process (module docstring of :mod:`brainpy_math.jitconn`)."""
    n, _, start_threshold = skip
    y0, y1 = threefry2x32(k0, k1, U32(0), U32(0))
    span = jnp.full_like(y0, n)
    if start_threshold:
        c = threefry2x32(k0, k1, U32(1), U32(0))[0]
        span = span + (c < U32(start_threshold)).astype(U32)
    # y0 (word 0) mod span and y1 (word 1) mod (span + 1), in one loop of redraws.
    first, second = _unbiased(k0, k1, jnp.stack([y0, y1]), jnp.stack([span, span + U32(1)]), U32(0),
                              jnp.asarray([[0], [1]], U32))
    return jnp.minimum(first, second)


def _skips(k0: jax.Array, k1: jax.Array, k: jax.Array, skip: tuple[int, int, int]) -> jax.Array:
    """The skips (uint32, ``>= 1``) before connections ``k >= 1`` (uint32 ``[width]``) of the lines
    keyed ``(k0, k1)`` (``[lines, 1]``): block ``2k`` of each line's stream."""
    n, threshold, _ = skip
    y0, y1 = threefry2x32(k0, k1, U32(0), U32(2) * k)
    if n == 1 and threshold == 0:
        return jnp.ones_like(y0)
    span = U32(n) + (y1 < U32(threshold)).astype(U32) if threshold else jnp.full_like(y0, n)
    return U32(1) + _unbiased(k0, k1, y0, span, k >> U32(30), k << U32(2))  # y0 is word 4k


def _standard(k0: jax.Array, k1: jax.Array, k: jax.Array, kind: str, dtype: Any) -> jax.Array:
    """The standard draws of the weights of connections ``k``: block ``2k + 1`` of each stream."""
    z0, z1 = threefry2x32(k0, k1, U32(0), U32(2) * k + U32(1))
    u = _unit32(z0).astype(dtype)
    if kind == "uniform":
        return u
    radius, angle = _polar(u, _unit32(z1).astype(dtype))
    return radius * jnp.cos(angle)


def _lines(key: jax.Array, ids: jax.Array, live: jax.Array, length: int, skip: tuple[int, int, int], kind: str,
           a: jax.Array, b: jax.Array, visit: Callable, carry: Any) -> Any:
    """Run ``carry = visit(carry, positions, valid, values)`` over the connections of lines ``ids``
    (those with ``live`` set), ``width`` connections of every line per step.

    ``positions`` (uint32 ``[lines, width]``) are positions along the lines, ``valid`` marks those
    before the line's end, ``values`` are the weights ``a + b * z`` (``a`` for ``homo``).
    """
    k0, k1 = threefry2x32(key[0], key[1], U32(0), ids.astype(U32))
    first = _starts(k0, k1, skip) + U32(1)  # the "skip" before connection 0, from position -1
    k0, k1 = k0[:, None], k1[:, None]
    width = line_width(length, skip)
    end = U32(length)
    consumed = jnp.where(live, U32(0), end)  # positions before the next connection

    def pending(state):
        return jnp.any(state[1] < end)

    def step(state):
        t, consumed, carry = state
        k = t * U32(width) + lax.iota(U32, width)
        # A skip past the end ends the line: clipped, the sum below cannot wrap.
        skips = jnp.where(k == U32(0), first[:, None], _skips(k0, k1, k, skip))
        skips = jnp.minimum(skips, end + U32(1))
        ends = consumed[:, None] + jnp.cumsum(skips, axis=1, dtype=U32)
        positions = ends - U32(1)
        valid = positions < end
        if kind == "homo":
            values = jnp.broadcast_to(a, positions.shape)
        else:
            values = a + b * _standard(k0, k1, k, kind, a.dtype)
        carry = visit(carry, positions, valid, values)
        return t + U32(1), jnp.minimum(ends[:, -1], end), carry

    return lax.while_loop(pending, step, (U32(0), consumed, carry))[2]


def _gather(vector, a, b, key, *, lines, length, skip, kind, event):
    """``out[i] = sum_j G[i, j] x[j]``: every line generated, summed against the input."""
    spiking = vector if vector.dtype == jnp.bool_ else None

    def visit(out, positions, valid, values):
        at = jnp.where(valid, positions, 0).astype(jnp.int32)
        if event:
            terms = jnp.where(valid & spiking[at], values, jnp.zeros((), values.dtype))
        else:
            terms = jnp.where(valid, values * vector[at], jnp.zeros((), values.dtype))
        return out + jnp.sum(terms, axis=1)

    ids = lax.iota(jnp.int32, lines)
    return _lines(key, ids, jnp.ones(lines, bool), length, skip, kind, a, b, visit, jnp.zeros(lines, a.dtype))


def _scatter_lines(out, ids, live, scale, a, b, key, *, length, skip, kind):
    """``out`` plus ``scale[r] * G[ids[r], :]`` for the ``live`` lines ``ids``."""
    def visit(out, positions, valid, values):
        at = jnp.where(valid, positions, U32(length)).astype(jnp.int32)  # `length` is dropped
        terms = values if scale is None else values * scale[:, None]
        return out.at[at.ravel()].add(terms.ravel(), mode="drop")

    return _lines(key, ids, live, length, skip, kind, a, b, visit, out)


def _scatter(vector, a, b, key, *, lines, length, skip, kind, event):
    """``out = G^T x``: the lines of the inputs scattered into the output."""
    out = jnp.zeros(length, a.dtype)
    if not event:
        ids = lax.iota(jnp.int32, lines)
        return _scatter_lines(out, ids, jnp.ones(lines, bool), vector, a, b, key, length=length, skip=skip,
                              kind=kind)
    # Event-driven: only the lines of the spiking inputs, `budget` of them per step.
    spiking = vector
    budget = spike_budget(lines)
    total = jnp.sum(spiking, dtype=jnp.int32)

    def pending(state):
        return state[1] < total

    def step(state):
        start, done, out = state
        ids = first_spiking(spiking & (lax.iota(jnp.int32, lines) >= start), budget)  # padded with `lines`
        live = ids < lines
        out = _scatter_lines(out, ids, live, None, a, b, key, length=length, skip=skip, kind=kind)
        return jnp.max(jnp.where(live, ids, -1)) + 1, done + jnp.sum(live, dtype=jnp.int32), out

    return lax.while_loop(pending, step, (jnp.int32(0), jnp.int32(0), out))[2]


@partial(jax.jit, static_argnames=("lines", "length", "skip", "kind", "event", "gather"))
def _product(vector, a, b, key, *, lines, length, skip, kind, event, gather):
    kernel = _gather if gather else _scatter
    return kernel(vector, a, b, key, lines=lines, length=length, skip=skip, kind=kind, event=event)


@partial(jax.custom_vjp, nondiff_argnums=(4,))
def _linear(vector, a, b, key, config):
    """The product ``(G x or G^T x)`` of the weights ``a + b z``, linear in ``vector``, ``a`` and ``b``."""
    return _product(vector, a, b, key, **dict(config))


def _linear_fwd(vector, a, b, key, config):
    return _product(vector, a, b, key, **dict(config)), (vector, a, b, key)


def _linear_bwd(config, residuals, cotangent):
    vector, a, b, key = residuals
    settings = dict(config)
    # The transposed product on the same matrix: gather and scatter swap roles.
    transposed = dict(settings, gather=not settings["gather"])
    d_vector = _product(cotangent.astype(a.dtype), a, b, key, **transposed).astype(vector.dtype)
    one, zero = jnp.ones((), a.dtype), jnp.zeros((), a.dtype)
    d_a = jnp.sum(cotangent * _product(vector, one, zero, key, **settings)).astype(a.dtype)
    if settings["kind"] == "homo":
        d_b = jnp.zeros_like(b)
    else:
        d_b = jnp.sum(cotangent * _product(vector, zero, one, key, **settings)).astype(b.dtype)
    return d_vector, d_a, d_b, None


_linear.defvjp(_linear_fwd, _linear_bwd)


def _affine(kind: str, values: tuple) -> tuple[jax.Array, jax.Array]:
    """``(a, b)`` with weights ``a + b * z``: ``z`` uniform in [0, 1) or standard normal."""
    p1, p2 = (jnp.asarray(unwrap(v)) for v in values)
    if kind == "uniform":
        return p1, p2 - p1
    return p1, p2


def _geometry(shape: tuple[int, int], transpose: bool, outdim_parallel: bool) -> tuple[int, int]:
    """``(lines, length)`` of ``G``: ``M`` generated by rows when ``outdim_parallel != transpose``."""
    return (shape[0], shape[1]) if outdim_parallel != transpose else (shape[1], shape[0])


def matvec(kind: str, vector: Any, values: tuple, key: Any, skip: tuple[int, int, int], *, shape: tuple[int, int],
           transpose: bool, outdim_parallel: bool, event: bool) -> JaxArray:
    """``bm.jitconn.(event_)mv_prob_<kind>`` on JAX; the frontend has checked the arguments and cast
    the weights (``values``, two scalars of the output dtype) and, for ``mv``, the vector."""
    a, b = _affine(kind, values)
    lines, length = _geometry(shape, transpose, outdim_parallel)
    vector = jnp.asarray(unwrap(vector))
    config = (("lines", lines), ("length", length), ("skip", tuple(skip)), ("kind", kind), ("event", event),
              ("gather", bool(outdim_parallel)))
    if event:
        spiking = vector if vector.dtype == jnp.bool_ else vector != 0
        return JaxArray(_product(spiking, a, b, _key(unwrap(key)), **dict(config)))
    return JaxArray(_linear(vector, a, b, _key(unwrap(key)), config))


@partial(jax.jit, static_argnames=("lines", "length", "skip", "kind"))
def _dense(a, b, key, *, lines, length, skip, kind):
    rows = lax.iota(jnp.int32, lines)

    def visit(matrix, positions, valid, values):
        at = jnp.where(valid, positions, U32(length)).astype(jnp.int32)
        return matrix.at[jnp.broadcast_to(rows[:, None], at.shape), at].set(values, mode="drop")

    return _lines(key, rows, jnp.ones(lines, bool), length, skip, kind, a, b, visit,
                  jnp.zeros((lines, length), a.dtype))


def weight_matrix(kind: str, values: tuple, key: Any, skip: tuple[int, int, int], *, shape: tuple[int, int],
                  by_rows: bool) -> JaxArray:
    """The dense ``M`` of ``bm.jitconn.get_<kind>_weight_matrix`` (generated by rows or by columns)."""
    a, b = _affine(kind, values)
    lines, length = (shape[0], shape[1]) if by_rows else (shape[1], shape[0])
    matrix = _dense(a, b, _key(unwrap(key)), lines=lines, length=length, skip=tuple(skip), kind=kind)
    return JaxArray(matrix if by_rows else matrix.T)
