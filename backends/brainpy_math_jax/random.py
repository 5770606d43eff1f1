"""bm.random on the jax backend: the shared Threefry-2x32 stream and its distributions.

The stream, the state layout (``key``: uint32[2], ``counter``: uint32[2] = high, low word of a 64-bit
word position) and the conversions are described in :mod:`brainpy_math.random`; the Numba backend
(``brainpy_math_numba.random``) implements the same formulas. Every draw is a pure function of
(key, counter) written with ``jax.numpy``/``lax`` uint32 operations, so it traces inside ``jax.jit``
(the counter is then a traced value; sizes are static).
"""
from __future__ import annotations

import functools
import weakref
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

import brainpy_math.random as frontend
from brainpy_math import _config
from .array import JaxArray, unwrap
from .tracking import note_variable
from .variables import Variable, raw_get, raw_set

__all__ = ["RandomState", "default_state", "threefry2x32", *frontend.FORWARDED]

U32 = jnp.uint32
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = 0x1BD11BDA
# Block (0xFFFFFFFF, s) of the main stream keys attempt stream s; it is beyond any reachable position.
_ATTEMPT_HI = 0xFFFFFFFF
_TWO_PI = {np.dtype(np.float32): np.float32(2 * np.pi), np.dtype(np.float64): np.float64(2 * np.pi)}


# ------------------------------------------------------------------------------------ generator
def threefry2x32(k0: Any, k1: Any, x0: Any, x1: Any) -> tuple[jax.Array, jax.Array]:
    """Threefry-2x32 with 20 rounds of counter ``(x0, x1)`` under key ``(k0, k1)`` (uint32, broadcast).

    Example:
        >>> [hex(int(v)) for v in threefry2x32(0, 0, 0, 0)]
        ['0x6b200159', '0x99ba4efe']
    """
    k0, k1, x0, x1 = (jnp.asarray(unwrap(v), U32) for v in (k0, k1, x0, x1))
    schedule = (k0, k1, k0 ^ k1 ^ U32(_PARITY))
    x0 = x0 + schedule[0]
    x1 = x1 + schedule[1]
    for group in range(5):
        for r in _ROTATIONS[group % 2]:
            x0 = x0 + x1
            x1 = (x1 << U32(r)) | (x1 >> U32(32 - r))
            x1 = x1 ^ x0
        x0 = x0 + schedule[(group + 1) % 3]
        x1 = x1 + schedule[(group + 2) % 3] + U32(group + 1)
    return x0, x1


def _add64(hi: jax.Array, lo: jax.Array, n: Any) -> tuple[jax.Array, jax.Array]:
    """(hi, lo) + n for a uint32 array or a static Python int ``n`` (wrapping at 2**64)."""
    if isinstance(n, int):
        n_hi, n_lo = U32((n >> 32) & 0xFFFFFFFF), U32(n & 0xFFFFFFFF)
    else:
        n_hi, n_lo = U32(0), n
    new_lo = lo + n_lo
    return hi + n_hi + (new_lo < lo).astype(U32), new_lo


def _advance(counter: jax.Array, n: int) -> jax.Array:
    hi, lo = _add64(counter[0], counter[1], n)
    return jnp.stack([hi, lo])


def _blocks(key: jax.Array, counter: jax.Array, m: int) -> tuple[jax.Array, jax.Array]:
    """Threefry output of the ``m`` blocks from the one holding word ``counter`` on."""
    hi, lo = counter[0], counter[1]
    block_hi, block_lo = hi >> U32(1), (lo >> U32(1)) | (hi << U32(31))
    chi, clo = _add64(jnp.broadcast_to(block_hi, (m,)), block_lo, lax.iota(U32, m))
    return threefry2x32(key[0], key[1], chi, clo)


def _from_counter(y0: jax.Array, y1: jax.Array, counter: jax.Array, n: int) -> jax.Array:
    """The ``n`` values from word position ``counter`` on, given per-block values (word 0, word 1)."""
    both = jnp.stack([y0, y1], axis=-1).reshape(-1)
    return lax.dynamic_slice(both, ((counter[1] & U32(1)).astype(jnp.int32),), (n,))


def _words(key: jax.Array, counter: jax.Array, n: int) -> jax.Array:
    """Words ``[counter, counter + n)`` of the main stream."""
    y0, y1 = _blocks(key, counter, n // 2 + 1)
    return _from_counter(y0, y1, counter, n)


def _positions(counter: jax.Array, n: int) -> tuple[jax.Array, jax.Array]:
    """The 64-bit positions ``counter + i`` (i < n) as (hi, lo) uint32 arrays."""
    return _add64(jnp.broadcast_to(counter[0], (n,)), counter[1], lax.iota(U32, n))


def _attempt_words(key: jax.Array, hi: jax.Array, lo: jax.Array, stream: Any) -> tuple[jax.Array, ...]:
    """The 4 words of attempt stream ``stream`` (a pair of keyed streams) at block ``(hi, lo)``."""
    stream = jnp.asarray(stream, U32) * U32(2)
    ka = threefry2x32(key[0], key[1], _ATTEMPT_HI, stream)
    kb = threefry2x32(key[0], key[1], _ATTEMPT_HI, stream + U32(1))
    return (*threefry2x32(ka[0], ka[1], hi, lo), *threefry2x32(kb[0], kb[1], hi, lo))


# ----------------------------------------------------------------------------------- conversions
def _unit32(w: jax.Array) -> jax.Array:
    """float32 in [0, 1) from the top 23 bits of ``w``."""
    return lax.bitcast_convert_type((w >> U32(9)) | U32(0x3F800000), jnp.float32) - jnp.float32(1)


def _unit64(w_hi: jax.Array, w_lo: jax.Array) -> jax.Array:
    """float64 in [0, 1) from the top 52 bits of two words (x64 only)."""
    bits = (w_hi.astype(jnp.uint64) << jnp.uint64(32)) | w_lo.astype(jnp.uint64)
    bits = (bits >> jnp.uint64(12)) | jnp.uint64(0x3FF0000000000000)
    return lax.bitcast_convert_type(bits, jnp.float64) - jnp.float64(1)


def _unit_word(w: jax.Array, dtype: np.dtype) -> jax.Array:
    """A uniform in [0, 1) from ONE word (used by the rejection and inversion samplers)."""
    if dtype == np.float32:
        return _unit32(w)
    return w.astype(jnp.float64) * jnp.float64(2.0 ** -32)


def _uniform01(key: jax.Array, counter: jax.Array, n: int, dtype: np.dtype) -> tuple[jax.Array, int]:
    """``n`` uniforms in [0, 1) of ``dtype`` and the number of words they used."""
    if dtype == np.float32:
        return _unit32(_words(key, counter, n)), n
    w = _words(key, counter, 2 * n)
    return _unit64(w[0::2], w[1::2]), 2 * n


def _polar(u1: jax.Array, u2: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Box-Muller radius and angle from two uniforms in [0, 1)."""
    dtype = u1.dtype
    radius = jnp.sqrt(jnp.asarray(-2, dtype) * jnp.log(jnp.asarray(1, dtype) - u1))
    return radius, _TWO_PI[np.dtype(dtype)] * u2


def _standard_normal(key: jax.Array, counter: jax.Array, n: int, dtype: np.dtype) -> tuple[jax.Array, int]:
    """``n`` standard normals and the number of words they used (see the module docstring)."""
    if dtype == np.float32:
        # Each output recomputes its block: one fused elementwise loop is about twice as fast on
        # XLA as computing each block once and interleaving (cos, sin) pairs.
        hi, lo = _positions(counter, n)
        y0, y1 = threefry2x32(key[0], key[1], hi >> U32(1), (lo >> U32(1)) | (hi << U32(31)))
        radius, angle = _polar(_unit32(y0), _unit32(y1))
        odd = (lo & U32(1)) == U32(1)
        return jnp.where(odd, radius * jnp.sin(angle), radius * jnp.cos(angle)), n
    w = _words(key, counter, 4 * n)
    radius, angle = _polar(_unit64(w[0::4], w[1::4]), _unit64(w[2::4], w[3::4]))
    return radius * jnp.cos(angle), 4 * n


def _until_accepted(attempt: Callable, value: Any, done: jax.Array, first: int = 0) -> Any:
    """Run ``attempt(j) -> (values, accepted)`` for j = first, first+1, ... until every slot accepted.

    ``value`` is a pytree of arrays shaped like ``done``; a slot keeps the values of its first
    accepted attempt.
    """
    def pending(carry):
        return ~jnp.all(carry[2])

    def step(carry):
        j, value, done = carry
        new, ok = attempt(j)
        take = ok & ~done
        value = jax.tree_util.tree_map(lambda old, nv: jnp.where(take, nv, old), value, new)
        return j + U32(1), value, done | ok

    return lax.while_loop(pending, step, (U32(first), value, done))[1]


def _bounded(key: jax.Array, counter: jax.Array, span: jax.Array, n: int, family: int = 0) -> jax.Array:
    """``n`` unbiased uint32 offsets in ``[0, span)`` (span >= 1, broadcast to n)."""
    span = jnp.broadcast_to(jnp.asarray(span, U32), (n,))
    threshold = (U32(0) - span) % span
    w = _words(key, counter, n)
    hi, lo = _positions(counter, n)

    def attempt(j):
        retry = _attempt_words(key, hi, lo, U32(2) * j + U32(family))[0]
        return retry % span, retry >= threshold

    return _until_accepted(attempt, w % span, w >= threshold, first=1)


def _log_factorial(k: jax.Array) -> jax.Array:
    """log(k!) for float ``k >= 0``: a table below 16, Stirling's series above."""
    dtype = k.dtype
    table = jnp.asarray(frontend.LOG_FACTORIAL_TABLE, dtype)
    x = k + jnp.asarray(1, dtype)
    inv = jnp.asarray(1, dtype) / x
    inv2 = inv * inv
    series = ((x - jnp.asarray(0.5, dtype)) * jnp.log(x) - x + jnp.asarray(0.9189385332046727, dtype)
              + inv * (jnp.asarray(1 / 12, dtype) - inv2 * (jnp.asarray(1 / 360, dtype)
                                                           - inv2 * jnp.asarray(1 / 1260, dtype))))
    small = table[jnp.clip(k, 0, 15).astype(jnp.int32)]
    return jnp.where(k < 16, small, series)


def _ndtri(u: jax.Array) -> jax.Array:
    """The standard normal quantile (Acklam's rational approximation; same formula on every backend)."""
    dtype = u.dtype
    a = [jnp.asarray(v, dtype) for v in _ACKLAM_A]
    b = [jnp.asarray(v, dtype) for v in _ACKLAM_B]
    c = [jnp.asarray(v, dtype) for v in _ACKLAM_C]
    d = [jnp.asarray(v, dtype) for v in _ACKLAM_D]
    one, half, low = jnp.asarray(1, dtype), jnp.asarray(0.5, dtype), jnp.asarray(_ACKLAM_LOW, dtype)

    def tail(p):
        q = jnp.sqrt(jnp.asarray(-2, dtype) * jnp.log(p))
        num = ((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]
        den = (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + one
        return num / den

    if dtype == np.float32:
        # Acklam's central rational function cancels badly in float32: use Giles' single-precision
        # erfinv polynomial there (ndtri(u) = sqrt(2) erfinv(2u - 1)).
        w = -jnp.log(jnp.asarray(4, dtype) * u * (one - u)) - jnp.asarray(2.5, dtype)
        poly = jnp.asarray(_GILES[0], dtype)
        for coefficient in _GILES[1:]:
            poly = jnp.asarray(coefficient, dtype) + poly * w
        central = jnp.asarray(_SQRT2, dtype) * poly * (jnp.asarray(2, dtype) * u - one)
    else:
        q = u - half
        r = q * q
        central = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                   / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + one))
    # The tails are evaluated everywhere (then selected): keep log's argument positive.
    safe_low = jnp.where(u > 0, u, one)
    safe_high = jnp.where(one - u > 0, one - u, one)
    x = jnp.where(u < low, tail(safe_low), jnp.where(u > one - low, -tail(safe_high), central))
    x = jnp.where(u <= 0, -jnp.inf, x)
    return jnp.where(u >= one, jnp.inf, x)


# The quantile's coefficients are the frontend's, so that both backends evaluate the same formula.
_ACKLAM_A, _ACKLAM_B, _ACKLAM_C, _ACKLAM_D = frontend.ACKLAM_A, frontend.ACKLAM_B, frontend.ACKLAM_C, frontend.ACKLAM_D
_ACKLAM_LOW, _GILES, _SQRT2 = frontend.ACKLAM_LOW, frontend.GILES, frontend.SQRT2


# ------------------------------------------------------------------------------ jitted kernels
# Each kernel maps (key, counter, *parameters) to (result, new counter); shapes and dtypes are static.
_static = functools.partial(jax.jit, static_argnames=("shape", "dtype"))


def _size(shape: tuple) -> int:
    return int(np.prod(shape, dtype=np.int64))


@_static
def _k_uniform(key, counter, low, high, *, shape, dtype):
    u, used = _uniform01(key, counter, _size(shape), dtype)
    low, high = (jnp.broadcast_to(v, shape).reshape(-1) for v in (low, high))
    return (low + (high - low) * u).reshape(shape), _advance(counter, used)


@_static
def _k_normal(key, counter, loc, scale, *, shape, dtype):
    z, used = _standard_normal(key, counter, _size(shape), dtype)
    loc, scale = (jnp.broadcast_to(v, shape).reshape(-1) for v in (loc, scale))
    return (loc + scale * z).reshape(shape), _advance(counter, used)


@_static
def _k_lognormal(key, counter, mean, sigma, *, shape, dtype):
    z, used = _standard_normal(key, counter, _size(shape), dtype)
    mean, sigma = (jnp.broadcast_to(v, shape).reshape(-1) for v in (mean, sigma))
    return jnp.exp(mean + sigma * z).reshape(shape), _advance(counter, used)


@_static
def _k_exponential(key, counter, scale, *, shape, dtype):
    u, used = _uniform01(key, counter, _size(shape), dtype)
    scale = jnp.broadcast_to(scale, shape).reshape(-1)
    return (-jnp.log(jnp.asarray(1, dtype) - u) * scale).reshape(shape), _advance(counter, used)


@_static
def _k_truncated_normal(key, counter, lower, upper, loc, scale, *, shape, dtype):
    u, used = _uniform01(key, counter, _size(shape), dtype)
    lower, upper, loc, scale = (jnp.broadcast_to(v, shape).reshape(-1) for v in (lower, upper, loc, scale))
    a, b = (lower - loc) / scale, (upper - loc) / scale
    # Invert in the lower half, where the CDF keeps its relative precision: mirror intervals that
    # lie mostly above zero.
    flip = a + b > 0
    a, b = jnp.where(flip, -b, a), jnp.where(flip, -a, b)
    scale_erfc = jnp.asarray(-0.7071067811865476, dtype)
    half = jnp.asarray(0.5, dtype)
    cdf_a, cdf_b = half * lax.erfc(a * scale_erfc), half * lax.erfc(b * scale_erfc)
    x = jnp.clip(_ndtri(cdf_a + u * (cdf_b - cdf_a)), a, b)
    return (loc + scale * jnp.where(flip, -x, x)).reshape(shape), _advance(counter, used)


@_static
def _k_bernoulli(key, counter, p, *, shape, dtype):
    u, used = _uniform01(key, counter, _size(shape), dtype)
    return (u < jnp.broadcast_to(p, shape).reshape(-1)).reshape(shape), _advance(counter, used)


@_static
def _k_randint(key, counter, low, high, *, shape, dtype):
    n = _size(shape)
    low = jnp.broadcast_to(low, shape).reshape(-1)
    high = jnp.broadcast_to(high, shape).reshape(-1)
    if low.dtype.itemsize == 8:
        span = (high - low).astype(U32)
    else:  # differences of int32 taken modulo 2**32, which is exact for spans below 2**32
        span = lax.bitcast_convert_type(high, U32) - lax.bitcast_convert_type(low, U32)
    offset = _bounded(key, counter, span, n)
    if np.dtype(dtype).itemsize == 8:
        out = low.astype(dtype) + offset.astype(dtype)
    else:
        wrapped = low.astype(U32) + offset if low.dtype.itemsize == 8 else \
            lax.bitcast_convert_type(low, U32) + offset
        out = (lax.bitcast_convert_type(wrapped, jnp.int32) if np.dtype(dtype).kind == "i" else wrapped)
        out = out.astype(dtype)
    return out.reshape(shape), _advance(counter, n)


@functools.partial(jax.jit, static_argnames=("population", "steps"))
def _k_fisher_yates(key, counter, *, population, steps):
    """The first ``steps`` entries of a Fisher-Yates shuffle of ``arange(population)``."""
    offsets = _bounded(key, counter, U32(population) - lax.iota(U32, steps), steps).astype(jnp.int32)

    def swap(i, order):
        j = i + offsets[i]
        a, b = order[i], order[j]
        return order.at[i].set(b).at[j].set(a)

    order = lax.fori_loop(0, steps, swap, jnp.arange(population, dtype=jnp.int32))
    return order[:steps], _advance(counter, steps)


@functools.partial(jax.jit, static_argnames=("shape",))
def _k_choice_p(key, counter, thresholds, *, shape):
    n = _size(shape)
    w = _words(key, counter, n)
    index = jnp.searchsorted(thresholds[:-1], w, side="right").astype(jnp.int32)
    return index.reshape(shape), _advance(counter, n)


@functools.partial(jax.jit, static_argnames=("k", "dtype"))
def _k_choice_p_unique(key, counter, p, *, k, dtype):
    # Exponential race: category i wins with -log(U_i) / p_i smallest, i.e. sampling without
    # replacement proportional to p (zero-probability categories never win).
    n = p.shape[0]
    u, used = _uniform01(key, counter, n, dtype)
    race = -jnp.log(jnp.asarray(1, dtype) - u) / p
    return jnp.argsort(race, stable=True)[:k].astype(jnp.int32), _advance(counter, used)


def _gamma_unit(key, hi, lo, shape_param, family):
    """Marsaglia-Tsang gamma(shape_param, 1) per slot (hi, lo); attempts from attempt streams."""
    dtype = shape_param.dtype
    one = jnp.asarray(1, dtype)
    boosted = jnp.where(shape_param < one, shape_param + one, shape_param)
    d = boosted - jnp.asarray(1 / 3, dtype)
    c = one / jnp.sqrt(jnp.asarray(9, dtype) * d)

    def attempt(j):
        w0, w1, w2, w3 = _attempt_words(key, hi, lo, U32(2) * j + U32(family))
        radius, angle = _polar(_unit_word(w0, dtype), _unit_word(w1, dtype))
        x = radius * jnp.cos(angle)
        v = one + c * x
        v = v * v * v
        u = _unit_word(w2, dtype)
        safe_v = jnp.where(v > 0, v, one)
        ok = (v > 0) & (jnp.log(u) < jnp.asarray(0.5, dtype) * x * x + d - d * v + d * jnp.log(safe_v))
        return (d * v, _unit_word(w3, dtype)), ok

    zero = jnp.zeros_like(d)
    g, boost_u = _until_accepted(attempt, (zero, zero), jnp.zeros(d.shape, bool))
    boost = jnp.power(one - boost_u, one / shape_param)
    return jnp.where(shape_param < one, g * boost, g)


@_static
def _k_gamma(key, counter, shape_param, scale, *, shape, dtype):
    n = _size(shape)
    shape_param, scale = (jnp.broadcast_to(v, shape).reshape(-1) for v in (shape_param, scale))
    hi, lo = _positions(counter, n)
    return (_gamma_unit(key, hi, lo, shape_param, 0) * scale).reshape(shape), _advance(counter, n)


@_static
def _k_beta(key, counter, a, b, *, shape, dtype):
    n = _size(shape)
    a, b = (jnp.broadcast_to(v, shape).reshape(-1) for v in (a, b))
    hi, lo = _positions(counter, n)
    x, y = _gamma_unit(key, hi, lo, a, 0), _gamma_unit(key, hi, lo, b, 1)
    return (x / (x + y)).reshape(shape), _advance(counter, n)


def _invert_discrete(u, first_pmf, next_pmf, limit):
    """Smallest k with u <= F(k), walking the pmf from k = 0 (stops at ``limit`` or pmf underflow)."""
    dtype = u.dtype

    def active(state):
        k, pmf, cdf = state
        return (u > cdf) & (k < limit) & (pmf > 0)

    def step(state):
        k, pmf, cdf = state
        go = active(state)
        new_pmf = next_pmf(pmf, k)
        return (jnp.where(go, k + 1, k), jnp.where(go, new_pmf, pmf), jnp.where(go, cdf + new_pmf, cdf))

    k0 = jnp.zeros(u.shape, dtype)
    out = lax.while_loop(lambda s: jnp.any(active(s)), step, (k0, first_pmf, first_pmf))
    return out[0]


@_static
def _k_poisson(key, counter, lam, *, shape, dtype):
    n = _size(shape)
    lam = jnp.broadcast_to(lam, shape).reshape(-1)
    int_dtype = _config.default_int()
    hi, lo = _positions(counter, n)
    # Small means: inversion with the slot's main-stream word.
    u = _unit_word(_words(key, counter, n), dtype)
    small_lam = jnp.where(lam < 10, lam, jnp.zeros_like(lam))
    small = _invert_discrete(u, jnp.exp(-small_lam), lambda pmf, k: pmf * small_lam / (k + 1),
                             jnp.asarray(np.inf, dtype))
    # Large means: Hormann's transformed rejection (PTRS).
    big_lam = jnp.where(lam < 10, jnp.full_like(lam, 10), lam)
    f = lambda v: jnp.asarray(v, dtype)  # noqa: E731
    slam, loglam = jnp.sqrt(big_lam), jnp.log(big_lam)
    b = f(0.931) + f(2.53) * slam
    a = f(-0.059) + f(0.02483) * b
    inv_alpha = f(1.1239) + f(1.1328) / (b - f(3.4))
    vr = f(0.9277) - f(3.6224) / (b - f(2))

    def attempt(j):
        w0, w1, _, _ = _attempt_words(key, hi, lo, U32(2) * j)
        uu, v = _unit_word(w0, dtype) - f(0.5), _unit_word(w1, dtype)
        us = f(0.5) - jnp.abs(uu)
        k = jnp.floor((f(2) * a / us + b) * uu + big_lam + f(0.43))
        quick = (us >= f(0.07)) & (v <= vr)
        reject = (k < 0) | ((us < f(0.013)) & (v > us))
        safe_k = jnp.maximum(k, f(0))
        exact = (jnp.log(v) + jnp.log(inv_alpha) - jnp.log(a / (us * us) + b)
                 <= -big_lam + safe_k * loglam - _log_factorial(safe_k))
        return k, quick | (~reject & exact)

    big = _until_accepted(attempt, jnp.zeros_like(lam), lam < 10)
    out = jnp.where(lam < 10, small, big).astype(int_dtype)
    return out.reshape(shape), _advance(counter, n)


@_static
def _k_binomial(key, counter, trials, p, *, shape, dtype):
    n = _size(shape)
    trials, p = (jnp.broadcast_to(v, shape).reshape(-1) for v in (trials, p))
    int_dtype = _config.default_int()
    f = lambda v: jnp.asarray(v, dtype)  # noqa: E731
    flip = p > f(0.5)
    pp = jnp.where(flip, f(1) - p, p)
    q = f(1) - pp
    hi, lo = _positions(counter, n)
    use_inversion = trials * pp < f(10)
    # Small means: inversion with the slot's main-stream word.
    u = _unit_word(_words(key, counter, n), dtype)
    ratio = pp / q
    small = _invert_discrete(u, jnp.power(q, trials),
                             lambda pmf, k: pmf * ((trials - k) / (k + f(1))) * ratio, trials)
    # Large means: Hormann's BTRS.
    big_p = jnp.where(use_inversion, f(0.5), pp)
    big_n = jnp.where(use_inversion, f(100), trials)
    big_q = f(1) - big_p
    spq = jnp.sqrt(big_n * big_p * big_q)
    b = f(1.15) + f(2.53) * spq
    a = f(-0.0873) + f(0.0248) * b + f(0.01) * big_p
    c = big_n * big_p + f(0.5)
    vr = f(0.92) - f(4.2) / b
    alpha = (f(2.83) + f(5.1) / b) * spq
    lpq = jnp.log(big_p / big_q)
    m = jnp.floor((big_n + f(1)) * big_p)
    h = _log_factorial(m) + _log_factorial(big_n - m)

    def attempt(j):
        w0, w1, _, _ = _attempt_words(key, hi, lo, U32(2) * j)
        uu, v = _unit_word(w0, dtype) - f(0.5), _unit_word(w1, dtype)
        us = f(0.5) - jnp.abs(uu)
        k = jnp.floor((f(2) * a / us + b) * uu + c)
        inside = (k >= 0) & (k <= big_n)
        quick = (us >= f(0.07)) & (v <= vr)
        safe_k = jnp.clip(k, f(0), big_n)
        exact = (jnp.log(v * alpha / (a / (us * us) + b))
                 <= h - _log_factorial(safe_k) - _log_factorial(big_n - safe_k) + (safe_k - m) * lpq)
        return k, inside & (quick | exact)

    big = _until_accepted(attempt, jnp.zeros_like(p), use_inversion)
    k = jnp.where(use_inversion, small, big)
    out = jnp.where(flip, trials - k, k).astype(int_dtype)
    return out.reshape(shape), _advance(counter, n)


@functools.partial(jax.jit, static_argnames=("shape", "dtype"))
def _k_multivariate_normal(key, counter, mean, factor, *, shape, dtype):
    dim = mean.shape[0]
    z, used = _standard_normal(key, counter, _size(shape) * dim, dtype)
    z = z.reshape(shape + (dim,))
    return mean + jnp.einsum("...j,ij->...i", z, factor), _advance(counter, used)


# ------------------------------------------------------------------------------------ draws
# One function per draw, ``(key, counter, *arguments) -> (result, new counter)``, taking the arguments
# the frontend's RandomState checked (the same order as the Numba backend's kernels).
def _floats(*values: Any) -> list[jax.Array]:
    return [jnp.asarray(unwrap(v), _config.default_float()) for v in values]


def _bucket(n: int) -> int:
    return max(64, 1 << (n - 1).bit_length())


def _float_draw(kernel: Callable, wide_words: int) -> Callable:
    """A draw of ``kernel`` with float parameters, whose values each use 1 word (``wide_words``
    under x64).

    Outside jit, scalar parameters and small sizes are computed at the next power-of-two size and
    cut: a stream is a function of position, so the values are the same, and one compiled kernel
    serves every size of a bucket.
    """
    def draw(key, counter, *args):
        size = args[-1]
        dtype = _config.default_float()
        params = _floats(*args[:-1])
        n = _size(size)
        if isinstance(counter, jax.core.Tracer) or any(p.ndim for p in params) or n > 2 ** 16:
            return kernel(key, counter, *params, shape=size, dtype=dtype)
        out, _ = kernel(key, counter, *params, shape=(_bucket(n),), dtype=dtype)
        words = n if dtype == np.float32 else wide_words * n
        return out[:n].reshape(size), _advance(counter, words)
    return draw


def _truncated_normal(key, counter, lower, upper, size, loc, scale):
    return _float_draw(_k_truncated_normal, 2)(key, counter, lower, upper, loc, scale, size)


def _multivariate_normal(key, counter, mean, cov, size, method):
    mean, cov = _floats(mean, cov)
    return _k_multivariate_normal(key, counter, mean, jnp.linalg.cholesky(cov), shape=size,
                                  dtype=_config.default_float())


_uniform = _float_draw(_k_uniform, 2)
_normal = _float_draw(_k_normal, 4)
_lognormal = _float_draw(_k_lognormal, 4)
_exponential = _float_draw(_k_exponential, 2)
_gamma = _float_draw(_k_gamma, 1)
_beta = _float_draw(_k_beta, 1)
_bernoulli = _float_draw(_k_bernoulli, 2)
_binomial = _float_draw(_k_binomial, 1)
_poisson = _float_draw(_k_poisson, 1)


def _randint(key, counter, low, high, size, dtype):
    wide = _config.default_int()
    low, high = (jnp.asarray(unwrap(v), wide) for v in (low, high))
    return _k_randint(key, counter, low, high, shape=size, dtype=np.dtype(dtype or wide))


def _take(items, index):
    return index.astype(_config.default_int()) if items is None else jnp.asarray(unwrap(items))[index]


def _permutation(key, counter, x):
    population = x if isinstance(x, (int, np.integer)) else jnp.shape(unwrap(x))[0]
    order, counter = _k_fisher_yates(key, counter, population=int(population), steps=int(population))
    return _take(None if isinstance(x, (int, np.integer)) else x, order), counter


def _choice(key, counter, a, size, replace, p):
    is_int = isinstance(a, (int, np.integer))
    population = int(a) if is_int else jnp.shape(unwrap(a))[0]
    count = 1 if size is None else _size(size)
    if p is None and replace:
        index, counter = _k_randint(key, counter, jnp.asarray(0, jnp.int32), jnp.asarray(population, jnp.int32),
                                    shape=(count,), dtype=np.dtype(np.int32))
    elif p is None:
        index, counter = _k_fisher_yates(key, counter, population=population, steps=count)
    elif replace:
        thresholds = frontend.cdf_thresholds(np.asarray(p, np.float64))
        index, counter = _k_choice_p(key, counter, jnp.asarray(thresholds), shape=(count,))
    else:
        index, counter = _k_choice_p_unique(key, counter, *_floats(p), k=count, dtype=_config.default_float())
    index = index.reshape(() if size is None else size)
    return _take(None if is_int else a, index), counter


def _split_key(key, counter):
    return _words(key, counter, 2), _advance(counter, 2)


_DRAWS: dict[str, Callable] = {
    "uniform": _uniform, "normal": _normal, "lognormal": _lognormal, "exponential": _exponential,
    "truncated_normal": _truncated_normal, "multivariate_normal": _multivariate_normal, "gamma": _gamma,
    "beta": _beta, "bernoulli": _bernoulli, "binomial": _binomial, "poisson": _poisson,
    "randint": _randint, "permutation": _permutation, "choice": _choice, "split_key": _split_key,
}


# ------------------------------------------------------------------------------- under bm.vmap
# Every live RandomState of this backend, for bm.vmap to split (weakly held: states die normally).
_LIVE: "weakref.WeakSet[RandomState]" = weakref.WeakSet()


@jax.jit
def _row_key(key: jax.Array, counter: jax.Array, row: jax.Array) -> jax.Array:
    """The key of row ``row``'s stream: ``threefry2x32(split, (0, row))``, ``split`` the 2 words at
    ``counter``. One jitted function: eagerly (an un-jitted ``bm.vmap``), the ~100 operations of the
    two Threefry evaluations would each be dispatched, and compiled, on their own."""
    split = _words(key, counter, 2)
    return jnp.stack(threefry2x32(split[0], split[1], U32(0), row))


class BatchStreams:
    """Per-batch-element streams for the RandomStates used inside one ``bm.vmap`` (its ``pure``).

    :meth:`enter`, called inside the ``jax.vmap`` trace of mapped axis ``axis_name``, gives every
    live RandomState (except those in ``skip``, e.g. mapped by the caller) the key of row ``r``,
    ``threefry2x32(split, (0, r))`` where ``split`` is the 2 words at the state's counter, and a zero
    counter, in its Variables, so that every draw inside, through any nested transformation
    (``for_loop``, ``jit``, another ``vmap``), uses and advances the row's stream as ordinary
    Variable state. Enclosing transformations are told about the states first (they record the
    true values, and ``jit`` threads them). :meth:`finish` puts the states back and returns, for
    each state drawn from (its counter written inside), its counter advanced by the 2 words taken:
    the caller writes those back, so a state advances once per call whatever the batch size.

    Example:
        >>> import jax, jax.numpy as jnp, brainpy_math as bm
        >>> with bm.set_backend('jax'):
        ...     rs = bm.random.RandomState(0)
        ...     def row(x):
        ...         streams = BatchStreams('rows', ())
        ...         streams.enter()
        ...         try:
        ...             return rs.uniform(size=2).value
        ...         finally:
        ...             streams.finish(written=())
        ...     out = jax.vmap(row, axis_name='rows')(jnp.zeros(3))
        ...     bool(out[0, 0] != out[1, 0])
        True
    """

    __slots__ = ("axis_name", "skip", "entries", "done")

    def __init__(self, axis_name: Any, skip: Any):
        self.axis_name = axis_name
        self.skip = {id(v) for v in skip}
        self.entries: list[tuple] = []
        self.done = False

    def enter(self) -> None:
        states = [s for s in list(_LIVE) if id(s.key) not in self.skip and id(s.counter) not in self.skip]
        if not states:
            return
        row = lax.axis_index(self.axis_name).astype(U32)
        for state in states:
            note_variable(state.key, False)
            note_variable(state.counter, False)
            key, counter = raw_get(state.key), raw_get(state.counter)
            self.entries.append((state, key, counter))
            raw_set(state.key, _row_key(key, counter, row))
            raw_set(state.counter, jnp.zeros(2, U32))

    def owns(self, var: Any) -> bool:
        """Whether ``var`` is the key or counter of a state split here."""
        return any(var is state.key or var is state.counter for state, _, _ in self.entries)

    def finish(self, written: Any) -> list[tuple[Any, Any]]:
        """Restore every split state; ``[(counter Variable, advanced counter)]`` for those whose
        counter is among ``written`` (the Variables the code wrote)."""
        if self.done:
            return []
        self.done = True
        written_ids = {id(v) for v in written}
        advanced = []
        for state, key, counter in self.entries:
            raw_set(state.key, key)
            raw_set(state.counter, counter)
            if id(state.counter) in written_ids:
                advanced.append((state.counter, _advance(counter, 2)))
        return advanced


# ---------------------------------------------------------------------------------- RandomState
class RandomState(frontend.RandomState):
    """A Threefry stream on the JAX backend (see ``brainpy_math.random.RandomState``).

    Inside ``bm.vmap`` each batch element draws from its own stream, split from this one (which
    advances by 2 words per vmapped call); see :class:`BatchStreams`.

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('jax'):
        ...     rs = bm.random.RandomState(0)
        ...     rs.randint(0, 10, size=3).shape
        (3,)
    """

    _variable_type = Variable

    def __init__(self, seed: Any = None, name: str | None = None):
        super().__init__(seed, name)
        _LIVE.add(self)

    def _state_values(self, key: np.ndarray) -> tuple[jax.Array, jax.Array]:
        return jnp.asarray(key, U32), jnp.zeros(2, U32)

    def _draw(self, name: str, *args: Any) -> Any:
        if name == "shuffle":
            x, axis = args
            order, counter = _k_fisher_yates(self.key.value, self.counter.value, population=x.shape[axis],
                                             steps=x.shape[axis])
            x.value = jnp.take(x.value, order, axis=axis)
            self.counter.value = counter
            return None
        out, counter = _DRAWS[name](self.key.value, self.counter.value, *args)
        self.counter.value = counter
        return JaxArray(out)


# ------------------------------------------------------------------------------ module functions
#: The RandomState behind ``bm.random.<name>`` on this backend (created on first use, from entropy).
default_state = frontend.DefaultState(lambda: RandomState(name="bm_random_default_jax"))
# bm.random.<name>: the method of the default state (the same functions on every backend).
globals().update(default_state.functions())
