"""The distributions of the numba backend: one ``njit`` draw per law, written once for both dtypes.

Each draw has the signature ``(key, counter, *params, token)``: a stream, the public function's
parameters in its order, and the dtype token (:mod:`.tokens`). It advances ``counter`` in place by
the words it used. Rejection samplers (gamma, beta, Poisson and binomial for large means) take their
attempts from the attempt streams, so a slot's position does not depend on how often it retried.
:mod:`.draws` builds the public kernels on these.
"""
from __future__ import annotations

import math

import numpy as np
from numba import types
from numba.extending import overload

import brainpy_math.random as frontend
from .conversions import fill_normal, fill_uniform, polar
from .generator import attempt_words, fill_bounded, fill_words, fisher_yates, njit, position, set_position
from .tokens import (as_float as _f, as_int as _i, as_int_dtype, broadcast_flat, empty_float, empty_int, int_bounds,
                     int_bounds_inclusive, param, population, resolve_shape, size_of, take, unit_word)

__all__ = ["uniform", "uniform_into", "uniform_affine", "normal", "normal_into", "normal_affine", "lognormal",
           "exponential", "truncated_normal", "multivariate_normal", "gamma", "beta", "bernoulli", "poisson",
           "binomial", "randint", "random_integers", "choice", "permutation", "shuffle"]

# The quantile's coefficients are the frontend's, so that both backends evaluate the same formula.
_ACKLAM_A, _ACKLAM_B, _ACKLAM_C, _ACKLAM_D = frontend.ACKLAM_A, frontend.ACKLAM_B, frontend.ACKLAM_C, frontend.ACKLAM_D
_ACKLAM_LOW, _GILES, _SQRT2 = frontend.ACKLAM_LOW, frontend.GILES, frontend.SQRT2
_TINY32 = float(np.finfo(np.float32).tiny)
_LOG_FACTORIAL = frontend.LOG_FACTORIAL_TABLE


_cdf_thresholds = njit(frontend.cdf_thresholds)


@njit
def _log_factorial(k):
    """log(k!) for float ``k >= 0``: a table below 16, Stirling's series above (as on JAX)."""
    if k < 16:
        return _f(_LOG_FACTORIAL[np.int64(k)], k)
    x = k + _f(1.0, k)
    inv = _f(1.0, k) / x
    inv2 = inv * inv
    return ((x - _f(0.5, k)) * np.log(x) - x + _f(0.9189385332046727, k)
            + inv * (_f(1 / 12, k) - inv2 * (_f(1 / 360, k) - inv2 * _f(1 / 1260, k))))


@njit
def _ndtri(u):
    """The standard normal quantile (Acklam's rational approximation, as on JAX)."""
    one, low = _f(1.0, u), _f(_ACKLAM_LOW, u)
    if u <= _f(0.0, u):
        return _f(-np.inf, u)
    if u >= one:
        return _f(np.inf, u)
    if u < low or u > one - low:
        p = max(u, _f(_TINY32, u)) if u < low else max(one - u, _f(_TINY32, u))
        q = np.sqrt(_f(-2.0, u) * np.log(p))
        c, d = _ACKLAM_C, _ACKLAM_D
        num = (((((_f(c[0], u) * q + _f(c[1], u)) * q + _f(c[2], u)) * q + _f(c[3], u)) * q + _f(c[4], u)) * q
               + _f(c[5], u))
        den = (((_f(d[0], u) * q + _f(d[1], u)) * q + _f(d[2], u)) * q + _f(d[3], u)) * q + one
        return num / den if u < low else -(num / den)
    return _ndtri_central(u)


@njit
def _acklam_central(u):
    a, b = _ACKLAM_A, _ACKLAM_B
    q = u - 0.5
    r = q * q
    num = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
    den = ((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0
    return num / den


@njit
def _giles_central(u):
    # Acklam's central rational function cancels badly in float32: Giles' single-precision erfinv
    # polynomial instead (ndtri(u) = sqrt(2) erfinv(2u - 1)), evaluated as on JAX.
    one = np.float32(1.0)
    w = -np.log(np.float32(4.0) * u * (one - u)) - np.float32(2.5)
    poly = np.float32(_GILES[0])
    for coefficient in _GILES[1:]:
        poly = np.float32(coefficient) + poly * w
    return np.float32(_SQRT2) * poly * (np.float32(2.0) * u - one)


def _ndtri_central(u):
    """ndtri on [0.02425, 0.97575]: Giles' polynomial in float32, Acklam's function in float64."""
    return _giles_central(u) if isinstance(u, np.float32) else _acklam_central(u)


@overload(_ndtri_central)
def _ndtri_central_njit(u):
    if isinstance(u, types.Float) and u.bitwidth == 32:
        return lambda u: _giles_central(u)
    return lambda u: _acklam_central(u)


@njit
def _gamma_one(key, position, shape_param, family):
    """Marsaglia-Tsang gamma(shape_param, 1) for the slot at ``position`` (attempt streams)."""
    one, half = _f(1.0, shape_param), _f(0.5, shape_param)
    boosted = shape_param + one if shape_param < one else shape_param
    d = boosted - _f(1 / 3, shape_param)
    c = one / np.sqrt(_f(9.0, shape_param) * d)
    j = 0
    while True:
        w0, w1, w2, w3 = attempt_words(key, position, 2 * j + family)
        j += 1
        radius, angle = polar(unit_word(w0, one), unit_word(w1, one))
        x = radius * np.cos(angle)
        v = one + c * x
        v = v * v * v
        if v <= _f(0.0, one):
            continue
        if np.log(unit_word(w2, one)) < half * x * x + d - d * v + d * np.log(v):
            g = d * v
            if shape_param < one:
                g = g * np.power(one - unit_word(w3, one), one / shape_param)
            return g


@njit
def _poisson_one(key, position, word, lam):
    one, half, zero = _f(1.0, lam), _f(0.5, lam), _f(0.0, lam)
    if lam < _f(10.0, lam):  # inversion with the slot's main-stream word
        u = unit_word(word, one)
        k = zero
        pmf = np.exp(-lam)
        cdf = pmf
        while u > cdf and pmf > zero:
            pmf = pmf * lam / (k + one)
            k = k + one
            cdf = cdf + pmf
        return k
    slam, loglam = np.sqrt(lam), np.log(lam)  # Hormann's PTRS
    b = _f(0.931, lam) + _f(2.53, lam) * slam
    a = _f(-0.059, lam) + _f(0.02483, lam) * b
    inv_alpha = _f(1.1239, lam) + _f(1.1328, lam) / (b - _f(3.4, lam))
    vr = _f(0.9277, lam) - _f(3.6224, lam) / (b - _f(2.0, lam))
    j = 0
    while True:
        w0, w1, w2, w3 = attempt_words(key, position, 2 * j)
        j += 1
        uu, v = unit_word(w0, one) - half, unit_word(w1, one)
        us = half - np.abs(uu)
        k = np.floor((_f(2.0, lam) * a / us + b) * uu + lam + _f(0.43, lam))
        if us >= _f(0.07, lam) and v <= vr:
            return k
        if k < zero or (us < _f(0.013, lam) and v > us):
            continue
        if np.log(v) + np.log(inv_alpha) - np.log(a / (us * us) + b) <= -lam + k * loglam - _log_factorial(k):
            return k


@njit
def _binomial_one(key, position, word, trials, p):
    one, half, zero = _f(1.0, p), _f(0.5, p), _f(0.0, p)
    flip = p > half
    pp = one - p if flip else p
    q = one - pp
    if trials * pp < _f(10.0, p):  # inversion with the slot's main-stream word
        u = unit_word(word, one)
        ratio = pp / q
        k = zero
        pmf = np.power(q, trials)
        cdf = pmf
        while u > cdf and k < trials and pmf > zero:
            pmf = pmf * ((trials - k) / (k + one)) * ratio
            k = k + one
            cdf = cdf + pmf
        return trials - k if flip else k
    spq = np.sqrt(trials * pp * q)  # Hormann's BTRS
    b = _f(1.15, p) + _f(2.53, p) * spq
    a = _f(-0.0873, p) + _f(0.0248, p) * b + _f(0.01, p) * pp
    c = trials * pp + half
    vr = _f(0.92, p) - _f(4.2, p) / b
    alpha = (_f(2.83, p) + _f(5.1, p) / b) * spq
    lpq = np.log(pp / q)
    m = np.floor((trials + one) * pp)
    h = _log_factorial(m) + _log_factorial(trials - m)
    j = 0
    while True:
        w0, w1, w2, w3 = attempt_words(key, position, 2 * j)
        j += 1
        uu, v = unit_word(w0, one) - half, unit_word(w1, one)
        us = half - np.abs(uu)
        k = np.floor((_f(2.0, p) * a / us + b) * uu + c)
        if k < zero or k > trials:
            continue
        if (us >= _f(0.07, p) and v <= vr) or (
                np.log(v * alpha / (a / (us * us) + b))
                <= h - _log_factorial(k) - _log_factorial(trials - k) + (k - m) * lpq):
            return trials - k if flip else k


# ------------------------------------------------------------------ draws (one source, two dtypes)
# ``uniform_into``/``normal_into`` fill a caller's buffer: the eager functions allocate it with
# NumPy, whose allocator is much cheaper than a fresh allocation inside compiled code for the
# large arrays of throughput-bound draws.
@njit
def uniform_into(key, counter, low, high, shape, out, token):
    fill_uniform(key, counter, out)
    return uniform_affine(low, high, shape, out, token)


@njit
def uniform_affine(low, high, shape, out, token):
    """``low + (high - low) * u`` in place on the uniforms ``out``."""
    (lo, s_lo), (hi, s_hi) = param(low, shape, token), param(high, shape, token)
    for i in range(out.size):
        a, b = lo[i * s_lo], hi[i * s_hi]
        out[i] = a + (b - a) * out[i]
    return out.reshape(shape)


@njit
def uniform(key, counter, low, high, size, token):
    shape = resolve_shape(size, np.broadcast_shapes(np.shape(low), np.shape(high)))
    return uniform_into(key, counter, low, high, shape, empty_float(size_of(shape), token), token)


@njit
def normal_into(key, counter, loc, scale, shape, out, token):
    fill_normal(key, counter, out)
    return normal_affine(loc, scale, shape, out, token)


@njit
def normal_affine(loc, scale, shape, out, token):
    """``loc + scale * z`` in place on the standard normals ``out``."""
    (mu, s_mu), (sigma, s_sigma) = param(loc, shape, token), param(scale, shape, token)
    for i in range(out.size):
        out[i] = mu[i * s_mu] + sigma[i * s_sigma] * out[i]
    return out.reshape(shape)


@njit
def normal(key, counter, loc, scale, size, token):
    shape = resolve_shape(size, np.broadcast_shapes(np.shape(loc), np.shape(scale)))
    return normal_into(key, counter, loc, scale, shape, empty_float(size_of(shape), token), token)


@njit
def lognormal(key, counter, mean, sigma, size, token):
    shape = resolve_shape(size, np.broadcast_shapes(np.shape(mean), np.shape(sigma)))
    (mu, s_mu), (sd, s_sd) = param(mean, shape, token), param(sigma, shape, token)
    out = empty_float(size_of(shape), token)
    fill_normal(key, counter, out)
    for i in range(out.size):
        out[i] = np.exp(mu[i * s_mu] + sd[i * s_sd] * out[i])
    return out.reshape(shape)


@njit
def exponential(key, counter, scale, size, token):
    shape = resolve_shape(size, np.shape(scale))
    sc, step = param(scale, shape, token)
    out = empty_float(size_of(shape), token)
    fill_uniform(key, counter, out)
    for i in range(out.size):
        out[i] = -np.log(_f(1.0, token) - out[i]) * sc[i * step]
    return out.reshape(shape)


@njit
def truncated_normal(key, counter, lower, upper, size, loc, scale, token):
    shape = resolve_shape(size, np.broadcast_shapes(np.shape(lower), np.shape(upper), np.shape(loc),
                                                     np.shape(scale)))
    (lo, s_lo), (hi, s_hi) = param(lower, shape, token), param(upper, shape, token)
    (mu, s_mu), (sd, s_sd) = param(loc, shape, token), param(scale, shape, token)
    out = empty_float(size_of(shape), token)
    fill_uniform(key, counter, out)
    half, to_erfc = _f(0.5, token), _f(-0.7071067811865476, token)
    for i in range(out.size):
        m, s = mu[i * s_mu], sd[i * s_sd]
        a, b = (lo[i * s_lo] - m) / s, (hi[i * s_hi] - m) / s
        flip = a + b > 0  # invert in the lower half, where the CDF keeps its relative precision
        if flip:
            a, b = -b, -a
        cdf_a, cdf_b = half * math.erfc(a * to_erfc), half * math.erfc(b * to_erfc)
        x = min(max(_ndtri(cdf_a + out[i] * (cdf_b - cdf_a)), a), b)
        out[i] = m + s * (-x if flip else x)
    return out.reshape(shape)


@njit
def multivariate_normal(key, counter, mean, cov, size, method, token):
    if method != "cholesky":
        raise NotImplementedError("multivariate_normal: only method='cholesky' is implemented")
    mu, _ = param(mean, np.shape(mean), token)
    factor = np.linalg.cholesky(np.asarray(cov).astype(mu.dtype))
    shape = resolve_shape(size, ())
    count, dim = size_of(shape), mu.size
    z = empty_float(count * dim, token)
    fill_normal(key, counter, z)
    out = np.empty((count, dim), mu.dtype)
    for r in range(count):
        for i in range(dim):
            acc = _f(0.0, token)
            for j in range(dim):
                acc += z[r * dim + j] * factor[i, j]
            out[r, i] = mu[i] + acc
    return out.reshape(shape + (dim,))


@njit
def gamma(key, counter, shape, scale, size, token):
    out_shape = resolve_shape(size, np.broadcast_shapes(np.shape(shape), np.shape(scale)))
    (k, s_k), (sc, s_sc) = param(shape, out_shape, token), param(scale, out_shape, token)
    start = position(counter)
    out = empty_float(size_of(out_shape), token)
    for i in range(out.size):
        out[i] = _gamma_one(key, start + np.uint64(i), k[i * s_k], 0) * sc[i * s_sc]
    set_position(counter, start + np.uint64(out.size))
    return out.reshape(out_shape)


@njit
def beta(key, counter, a, b, size, token):
    shape = resolve_shape(size, np.broadcast_shapes(np.shape(a), np.shape(b)))
    (fa, s_a), (fb, s_b) = param(a, shape, token), param(b, shape, token)
    start = position(counter)
    out = empty_float(size_of(shape), token)
    for i in range(out.size):
        x = _gamma_one(key, start + np.uint64(i), fa[i * s_a], 0)
        y = _gamma_one(key, start + np.uint64(i), fb[i * s_b], 1)
        out[i] = x / (x + y)
    set_position(counter, start + np.uint64(out.size))
    return out.reshape(shape)


@njit
def bernoulli(key, counter, p, size, token):
    shape = resolve_shape(size, np.shape(p))
    fp, step = param(p, shape, token)
    u = empty_float(size_of(shape), token)
    fill_uniform(key, counter, u)
    out = np.empty(u.size, np.bool_)
    for i in range(out.size):
        out[i] = u[i] < fp[i * step]
    return out.reshape(shape)


@njit
def poisson(key, counter, lam, size, token):
    shape = resolve_shape(size, np.shape(lam))
    fl, step = param(lam, shape, token)
    start = position(counter)
    out = empty_int(size_of(shape), token)
    words = np.empty(out.size, np.uint32)
    fill_words(key, start, words)
    for i in range(out.size):
        out[i] = _i(_poisson_one(key, start + np.uint64(i), words[i], fl[i * step]), token)
    set_position(counter, start + np.uint64(out.size))
    return out.reshape(shape)


@njit
def binomial(key, counter, n, p, size, token):
    shape = resolve_shape(size, np.broadcast_shapes(np.shape(n), np.shape(p)))
    (fn, s_n), (fp, s_p) = param(n, shape, token), param(p, shape, token)
    start = position(counter)
    out = empty_int(size_of(shape), token)
    words = np.empty(out.size, np.uint32)
    fill_words(key, start, words)
    for i in range(out.size):
        out[i] = _i(_binomial_one(key, start + np.uint64(i), words[i], fn[i * s_n], fp[i * s_p]), token)
    set_position(counter, start + np.uint64(out.size))
    return out.reshape(shape)


@njit
def randint(key, counter, low, high, size, dtype, token):
    lo_arg, hi_arg = int_bounds(low, high)
    shape = resolve_shape(size, np.broadcast_shapes(np.shape(lo_arg), np.shape(hi_arg)))
    count = size_of(shape)
    lo, hi = broadcast_flat(lo_arg, shape).astype(np.int64), broadcast_flat(hi_arg, shape).astype(np.int64)
    spans = np.empty(count, np.uint32)
    for i in range(count):
        spans[i] = np.uint32(hi[i] - lo[i])
    offsets = np.empty(count, np.uint32)
    fill_bounded(key, counter, spans, offsets)
    out = empty_int(count, token)
    for i in range(count):
        out[i] = _i(lo[i] + np.int64(offsets[i]), token)
    return as_int_dtype(out, dtype).reshape(shape)


@njit
def random_integers(key, counter, low, high, size, token):
    """NumPy's legacy ``[low, high]`` (``[1, low]`` when ``high`` is None): ``randint`` up to ``high + 1``."""
    lo, hi = int_bounds_inclusive(low, high)
    return randint(key, counter, lo, np.asarray(hi) + 1, size, None, token)


@njit
def _choice_index(key, counter, population, count, replace, p, token):
    if p is None:
        if replace:
            spans = np.full(count, np.uint32(population), np.uint32)
            offsets = np.empty(count, np.uint32)
            fill_bounded(key, counter, spans, offsets)
            return offsets.astype(np.int64)
        return fisher_yates(key, counter, population, count).astype(np.int64)
    if replace:
        thresholds = _cdf_thresholds(np.asarray(p).astype(np.float64))[:-1]
        start = position(counter)
        words = np.empty(count, np.uint32)
        fill_words(key, start, words)
        set_position(counter, start + np.uint64(count))
        return np.searchsorted(thresholds, words, side="right").astype(np.int64)
    # Exponential race: -log(1 - U_i) / p_i smallest first is sampling without replacement
    # proportional to p (zero-probability categories never win).
    weights, _ = param(p, np.shape(p), token)
    race = empty_float(population, token)
    fill_uniform(key, counter, race)
    for i in range(population):
        race[i] = -np.log(_f(1.0, token) - race[i]) / weights[i]
    return np.argsort(race, kind="mergesort")[:count].astype(np.int64)


@njit
def choice(key, counter, a, size, replace, p, token):
    shape = resolve_shape(size, ())
    index = _choice_index(key, counter, population(a), size_of(shape), replace, p, token)
    return take(a, index, token).reshape(shape)


@njit
def permutation(key, counter, x, token):
    n = population(x)
    return take(x, fisher_yates(key, counter, n, n).astype(np.int64), token)


@njit
def shuffle(key, counter, x, axis=0):
    """Permute ``x`` in place along ``axis`` (the order of ``permutation(x.shape[axis])``)."""
    if axis < 0:
        axis += x.ndim
    if axis < 0 or axis >= x.ndim:
        raise ValueError("shuffle: argument 'axis' is out of range for x")
    n = x.shape[axis]
    order = fisher_yates(key, counter, n, n).astype(np.int64)
    source = x.copy().ravel()  # C order
    # Element by element, from a flat copy: `np.swapaxes` and storing whole rows both compile Numba's
    # formatting of its broadcast error (its string machinery: seconds of a cold first shuffle).
    for index in np.ndindex(x.shape):
        flat = 0
        for d in range(x.ndim):
            i = order[index[d]] if d == axis else index[d]
            flat = flat * x.shape[d] + i
        x[index] = source[flat]

