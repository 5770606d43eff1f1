"""``bm.random``: NumPy-like random numbers whose streams are the same on every backend.

Both backends implement one counter-based generator, Threefry-2x32 with 20 rounds, and the same
conversions from its 32-bit words to distributions, so ``bm.random.seed(1); bm.random.normal(size=9)``
gives the same numbers on JAX and on Numba, jitted or not, in one call or in several.

The stream
    A :class:`RandomState` holds two Variables: ``key`` (uint32[2]) and ``counter`` (uint32[2], the
    high and low words of a 64-bit position). Word ``p`` of the stream is word ``p % 2`` of
    ``threefry2x32(key, (hi(p // 2), lo(p // 2)))``. A draw that consumes ``m`` words reads
    positions ``[c, c + m)`` and advances the counter to ``c + m``, so a stream is a pure function of
    (seed, position). Words per value: 1 for 32-bit uniforms, normals, integers, Bernoulli draws and
    the other 32-bit distributions; 2 for float64 uniforms and 4 for float64 normals (under x64).

Conversions (identical formulas on both backends)
    - float32 uniform in [0, 1): the top 23 bits of a word as a mantissa (bit-exact everywhere);
      float64 uniform: the top 52 bits of two words.
    - normal: Box-Muller. In float32 the two words of one Threefry block give ``r cos t`` (even
      position) and ``r sin t`` (odd position); in float64 each value uses ``r cos t`` of 4 words.
    - integers in ``[low, high)``: ``w % r`` accepted when ``w >= 2**32 % r`` (exactly unbiased);
      a rejected slot retries on independent *attempt streams* (below), so its position is unchanged.
    - rejection samplers (gamma, beta, Poisson and binomial for large means) also draw their
      attempts from attempt streams: attempt ``j`` of the value at position ``p`` reads block ``p``
      of the streams keyed by ``threefry2x32(key, (0xFFFFFFFF, 2s))`` and ``(0xFFFFFFFF, 2s + 1)``,
      ``s = 2j + family``. Those blocks lie beyond any reachable position of the main stream.

Agreement between backends (CPU; the Numba kernels allow the same fused multiply-adds that XLA
emits, so both round ``a * b + c`` alike): uniforms, integers, permutations, ``choice`` and
Bernoulli draws are identical; normal and exponential draws agree to 4 ulp (``log``/``cos``/``sin``
of different libms); lognormal to 4 ulp of its exponent; truncated normal and multivariate normal to
8 ulp (inversion divides the CDF's rounding by the density; Cholesky and the product); gamma and
beta to about 1e-5 relative (Marsaglia-Tsang's ``(1 + c x)**3`` amplifies the normal's last-bit
difference); Poisson and binomial counts follow the same inversion/rejection algorithms and agree
except where a test lands within rounding of its threshold (none seen in 2e5 draws). Every law is
also tested statistically (tests/random/test_statistics.py).

Inside compiled code: the default RandomState is part of every jitted object's state; a draw
inside ``bm.jit`` continues the stream exactly where an eager draw would. On Numba,
``brainpy_math_numba.random.compiled(name)`` is the ``njit`` kernel ``(key, counter, *params)``
and ``state_arrays(rs)`` the arrays to pass.

Inside ``bm.prange`` loops
    Each iteration draws from a stream of its own, so a parallel loop is reproducible: a loop whose
    body draws from a stream takes a *loop key* from it as ``split_key`` does (the 2 words at its
    position: the stream advances by 2, whatever the loop's length), and iteration ``i`` (the loop
    variable's value, as a 64-bit word) draws from the stream keyed
    ``threefry2x32(loop key, (hi(i), lo(i)))``, from position 0. The numbers depend only on (seed,
    position at the loop, ``i``): not on the number of threads, their scheduling, or
    ``parallel=True``/``False``. Nested loops split the iteration's stream again. Code compiled by
    the numba backend takes the loop key before the loop for every stream the body uses; an eager
    loop (:func:`prange`) takes it at the stream's first draw in the loop, so the two differ only for
    a stream the body uses but never draws from (a loop of length 0, a draw under a condition never
    true), which compiled code still advances by 2. The eager loop also serves the JAX backend
    inside ``bm.jit`` (the loop runs while tracing); it refuses draws at negative indices.

Example:
    >>> import brainpy_math as bm
    >>> bm.random.seed(1)
    >>> bm.random.normal(size=3).shape
    (3,)
"""
from __future__ import annotations

import functools as _functools
import math as _math
import os as _os
import threading as _threading
from typing import Any, Callable

import numpy as _np

from . import _backend, _config
from ._dispatch import backend_function
from .base import Base
from .variables import Variable as _Variable

__all__ = [
    "RandomState", "default_state", "seed", "split_key", "split_keys",
    "rand", "randn", "random", "random_sample", "sample", "uniform", "normal", "standard_normal", "randint",
    "random_integers", "choice", "permutation", "shuffle", "bernoulli", "binomial", "poisson",
    "exponential", "gamma", "beta", "lognormal", "truncated_normal", "multivariate_normal",
]


class _RandomStateMeta(type):
    """Calling the frontend ``RandomState`` builds the current backend's ``RandomState``."""

    def __call__(cls, *args, **kwargs):
        if cls.__dict__.get("_frontend", False):
            return _backend.current().random.RandomState(*args, **kwargs)
        return super().__call__(*args, **kwargs)


class RandomState(Base, metaclass=_RandomStateMeta):
    """An independent random stream: a Threefry key and a 64-bit counter held in Variables.

    ``bm.random.RandomState(seed)`` builds the current backend's class; each backend's class derives
    from this one, so ``isinstance(rs, bm.random.RandomState)`` holds for either. Its Variables are
    ``key`` (uint32[2]) and ``counter`` (uint32[2]: high and low word of the stream position). It has
    every ``bm.random`` draw as a method, plus ``seed``, ``split`` and ``split_key``. This class
    checks the arguments and holds the state; a backend's class gives its array type
    (``_variable_type``, ``_state_values``) and its kernels (``_draw(name, *args)`` computes the draw
    and advances the counter).

    Args:
        seed: an int in ``[0, 2**64)``, a key (two uint32 words), or ``None`` for fresh entropy.
        name: the object's name (as for ``bm.Base``).

    Example:
        >>> import brainpy_math as bm
        >>> rs = bm.random.RandomState(42)
        >>> isinstance(rs, bm.random.RandomState), rs.uniform(size=2).shape
        (True, (2,))
    """

    _frontend = True
    #: The backend's Variable class, which holds ``key`` and ``counter``.
    _variable_type: type = _Variable

    def __init__(self, seed: Any = None, name: str | None = None):
        key = seed_to_key(_np.asarray(seed) if hasattr(seed, "shape") else seed, "RandomState")
        super().__init__(name=name)
        key_value, counter_value = self._state_values(key)
        self.key = self._variable_type(key_value)
        self.counter = self._variable_type(counter_value)

    @property
    def value(self) -> Any:
        """Not available: BrainPy's ``RandomState.value`` (its key) has no single-array counterpart here.

        BrainPy's RandomState is one Variable holding a key that every draw replaces; this one keeps
        a fixed ``key`` and advances a ``counter``, so the key alone does not say where the stream
        is. Reading ``value`` raises ``AttributeError`` rather than returning a key that would
        silently not restore the stream: save ``(rs.key.value, rs.counter.value)`` and write both
        back, or restart with ``rs.seed(n)``.

        Example:
            >>> import brainpy_math as bm
            >>> bm.random.RandomState(0).value
            Traceback (most recent call last):
            ...
            AttributeError: RandomState.value: brainpy_math's RandomState holds two Variables, 'key' and 'counter' (BrainPy's holds one key); read or write rs.key.value and rs.counter.value together, or call rs.seed(n)
        """
        raise AttributeError("RandomState.value: brainpy_math's RandomState holds two Variables, 'key' and "
                             "'counter' (BrainPy's holds one key); read or write rs.key.value and "
                             "rs.counter.value together, or call rs.seed(n)")

    def _state_values(self, key: _np.ndarray) -> tuple[Any, Any]:
        """``key`` (uint32[2]) and a zero counter as the backend's arrays (implemented by each backend)."""
        raise NotImplementedError(f"{type(self).__name__} must implement _state_values; use "
                                  f"bm.random.RandomState(...), which builds the backend's class")

    def _draw(self, name: str, *args: Any) -> Any:
        """Run draw ``name`` with the checked arguments ``args`` (implemented by each backend)."""
        raise NotImplementedError(f"{type(self).__name__} must implement _draw; use "
                                  f"bm.random.RandomState(...), which builds the backend's class")

    def _sample(self, name: str, *args: Any) -> Any:
        """Draw ``name``: from this stream, or inside an eager ``prange`` loop from the iteration's."""
        loops = getattr(_LOOPS, "stack", None)
        if not loops:
            return self._draw(name, *args)
        return loops[-1].draw(self, name, args)

    def _reset(self, key: _np.ndarray) -> None:
        """Write ``key`` and a zero counter into the Variables, in place."""
        self.key.value, self.counter.value = self._state_values(key)

    # state ----------------------------------------------------------------------------------------
    def seed(self, seed: Any = None) -> None:
        """Restart this stream from ``seed``; the ``key`` and ``counter`` Variables are written in place.

        Example:
            >>> import brainpy_math as bm
            >>> rs = bm.random.RandomState(0); rs.seed(3)
        """
        self._reset(seed_to_key(_np.asarray(seed) if hasattr(seed, "shape") else seed, "seed"))

    def split_key(self, n: Any = None) -> Any:
        """A new key (uint32[2]) taken from this stream (2 words); it seeds an independent stream.
        With ``n``, ``n`` keys (uint32[n, 2]) as :meth:`split_keys` takes them (BrainPy 2.x's
        ``split_key(n)``).

        Example:
            >>> import brainpy_math as bm
            >>> child = bm.random.RandomState(bm.random.RandomState(0).split_key())
            >>> bm.random.RandomState(0).split_key(2).shape
            (2, 2)
        """
        if n is not None:
            return self.split_keys(n)
        return self._sample("split_key")

    def split_keys(self, n: int) -> Any:
        """``n`` new keys (uint32[n, 2]) taken from this stream, as ``n`` calls of :meth:`split_key`
        would take them (``2 n`` words; BrainPy 2.x's ``split_keys``).

        Example:
            >>> import brainpy_math as bm
            >>> bm.random.RandomState(0).split_keys(3).shape
            (3, 2)
        """
        if not _is_int(n) or n < 0:
            raise ValueError(f"split_keys: argument 'n' must be a non-negative int, got {n!r}")
        import brainpy_math as bm  # the frontend's stack, on the current backend
        keys = [self.split_key() for _ in range(int(n))]
        return bm.stack(keys) if keys else bm.zeros((0, 2), dtype=_np.uint32)

    def sample(self, size: Any = None, key: Any = None) -> Any:
        """Uniform floats in ``[0, 1)``: BrainPy's name of :meth:`random` (the same stream).

        Example:
            >>> import brainpy_math as bm
            >>> bm.random.RandomState(0).sample(3).shape
            (3,)
        """
        return self._sample_keyed(key, "uniform", 0.0, 1.0, _sized(size, "sample"))

    def _sample_keyed(self, key: Any, name: str, *args: Any) -> Any:
        """Draw ``name`` from this stream, or with ``key`` given from the stream seeded by ``key``
        (from its position 0) without moving this one: ``rs.normal(key=k)`` is
        ``RandomState(k).normal()`` and leaves ``rs`` as it was (BrainPy 2.x's ``key=``)."""
        if key is None:
            return self._sample(name, *args)
        traced = hasattr(key, "shape") and not _is_concrete(key)
        if traced:  # a traced key (inside jax.jit): used as it is
            if tuple(key.shape) != (2,):
                raise ValueError(f"{name}: argument 'key' must be an int in [0, 2**64) or a key of two "
                                 f"uint32 words, got shape {tuple(key.shape)}")
            key_value = key
        else:
            try:
                key_value = seed_to_key(_np.asarray(key) if hasattr(key, "shape") else key, name)
            except (TypeError, ValueError) as err:
                raise type(err)(str(err).replace("'seed'", "'key'")) from None
        saved = []
        for variable in (self.key, self.counter):
            value = variable.value
            saved.append(_np.array(value) if isinstance(value, _np.ndarray) else value)  # numpy views
        try:
            fresh_key, zero = self._state_values(_np.zeros(2, _np.uint32) if traced else key_value)
            self.key.value = key_value if traced else fresh_key
            self.counter.value = zero
            return self._draw(name, *args)
        finally:
            self.key.value, self.counter.value = saved

    def split(self) -> "RandomState":
        """An independent child RandomState keyed from this stream (call it outside ``jit``).

        Example:
            >>> import brainpy_math as bm
            >>> child = bm.random.RandomState(1).split()
        """
        return type(self)(_np.asarray(self.split_key()))

    # uniform --------------------------------------------------------------------------------------
    def uniform(self, low: Any = 0.0, high: Any = 1.0, size: Any = None, key: Any = None) -> Any:
        """Uniform floats in ``[low, high)``: ``low + (high - low) * U``.

        Example:
            >>> import brainpy_math as bm
            >>> bm.random.uniform(-1.0, 1.0, size=3).shape
            (3,)
        """
        return self._sample_keyed(key, "uniform", low, high, _sized(size, "uniform", low, high))

    def random(self, size: Any = None, key: Any = None) -> Any:
        """Uniform floats in ``[0, 1)``.

        Example:
            >>> import brainpy_math as bm
            >>> bm.random.random((2, 2)).shape
            (2, 2)
        """
        return self._sample_keyed(key, "uniform", 0.0, 1.0, _sized(size, "random"))

    def random_sample(self, size: Any = None, key: Any = None) -> Any:
        """Uniform floats in ``[0, 1)`` (the same stream as :meth:`random`).

        Example:
            >>> import brainpy_math as bm
            >>> bm.random.random_sample(4).shape
            (4,)
        """
        return self._sample_keyed(key, "uniform", 0.0, 1.0, _sized(size, "random_sample"))

    def rand(self, *dims: int, key: Any = None) -> Any:
        """Uniform floats in ``[0, 1)`` of shape ``dims``.

        Example:
            >>> import brainpy_math as bm
            >>> bm.random.rand(2, 3).shape
            (2, 3)
        """
        return self._sample_keyed(key, "uniform", 0.0, 1.0, dims_to_size(dims, "rand"))

    # normal family --------------------------------------------------------------------------------
    def normal(self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None, key: Any = None) -> Any:
        """Normal floats of mean ``loc`` and standard deviation ``scale`` (Box-Muller).

        Example:
            >>> import brainpy_math as bm
            >>> bm.random.normal(0.0, 2.0, size=4).shape
            (4,)
        """
        check_params("normal", loc=loc, scale=scale)
        return self._sample_keyed(key, "normal", loc, scale, _sized(size, "normal", loc, scale))

    def standard_normal(self, size: Any = None, key: Any = None) -> Any:
        """Standard normal floats (the same stream as ``normal(0, 1)``).

        Example:
            >>> import brainpy_math as bm
            >>> bm.random.standard_normal(3).shape
            (3,)
        """
        return self._sample_keyed(key, "normal", 0.0, 1.0, _sized(size, "standard_normal"))

    def randn(self, *dims: int, key: Any = None) -> Any:
        """Standard normal floats of shape ``dims``.

        Example:
            >>> import brainpy_math as bm
            >>> bm.random.randn(2, 3).shape
            (2, 3)
        """
        return self._sample_keyed(key, "normal", 0.0, 1.0, dims_to_size(dims, "randn"))

    def lognormal(self, mean: Any = 0.0, sigma: Any = 1.0, size: Any = None, key: Any = None) -> Any:
        """``exp(mean + sigma * Z)`` for standard normal ``Z``.

        Example:
            >>> import brainpy_math as bm
            >>> bool((bm.random.lognormal(size=4) > 0).all())
            True
        """
        check_params("lognormal", mean=mean, sigma=sigma)
        return self._sample_keyed(key, "lognormal", mean, sigma, _sized(size, "lognormal", mean, sigma))

    def truncated_normal(self, lower: Any, upper: Any, size: Any = None, loc: Any = 0.0,
                         scale: Any = 1.0, key: Any = None) -> Any:
        """Normal floats (``loc``, ``scale``) restricted to ``[lower, upper]``, by inversion of the CDF.

        Example:
            >>> import brainpy_math as bm
            >>> x = bm.random.truncated_normal(-1.0, 1.0, size=100)
            >>> bool((abs(x) <= 1).all())
            True
        """
        check_params("truncated_normal", lower=lower, upper=upper, loc=loc, scale=scale)
        shape = _sized(size, "truncated_normal", lower, upper, loc, scale)
        return self._sample_keyed(key, "truncated_normal", lower, upper, shape, loc, scale)

    def multivariate_normal(self, mean: Any, cov: Any, size: Any = None, method: str = "cholesky",
                            key: Any = None) -> Any:
        """Vectors ``mean + L z`` with ``L = cholesky(cov)`` and standard normal ``z``.

        Example:
            >>> import brainpy_math as bm
            >>> bm.random.multivariate_normal([0., 0.], [[1., 0.], [0., 1.]], size=5).shape
            (5, 2)
        """
        where = "multivariate_normal"
        if method != "cholesky":
            raise NotImplementedError(f"{where}: method={method!r} is not implemented on any backend (its "
                                      f"factor differs between LAPACK and XLA); use method='cholesky'")
        mean_shape, cov_shape = _np.shape(mean), _np.shape(cov)
        if len(mean_shape) != 1 or tuple(cov_shape) != (mean_shape[0], mean_shape[0]):
            raise ValueError(f"{where}: 'mean' must have shape (d,) and 'cov' shape (d, d), got {mean_shape} "
                             f"and {cov_shape}")
        try:
            concrete = _np.asarray(cov, dtype=_np.float64)
        except Exception:
            concrete = None
        if concrete is not None:
            try:
                _np.linalg.cholesky(concrete)
            except _np.linalg.LinAlgError:
                raise ValueError(f"{where}: argument 'cov' must be symmetric positive definite, got "
                                 f"{cov!r}") from None
        return self._sample_keyed(key, where, mean, cov, normalize_size(size, where) or (), method)

    # other continuous -----------------------------------------------------------------------------
    def exponential(self, scale: Any = 1.0, size: Any = None, key: Any = None) -> Any:
        """Exponential floats of mean ``scale``: ``-scale * log(1 - U)``.

        Example:
            >>> import brainpy_math as bm
            >>> bm.random.exponential(2.0, size=3).shape
            (3,)
        """
        check_params("exponential", scale=scale)
        return self._sample_keyed(key, "exponential", scale, _sized(size, "exponential", scale))

    def gamma(self, shape: Any, scale: Any = 1.0, size: Any = None, key: Any = None) -> Any:
        """Gamma floats (Marsaglia-Tsang; shapes below 1 boosted by ``U**(1/shape)``).

        Example:
            >>> import brainpy_math as bm
            >>> bm.random.gamma(2.0, 1.0, size=3).shape
            (3,)
        """
        check_params("gamma", shape=shape, scale=scale)
        return self._sample_keyed(key, "gamma", shape, scale, _sized(size, "gamma", shape, scale))

    def beta(self, a: Any, b: Any, size: Any = None, key: Any = None) -> Any:
        """Beta floats: ``X / (X + Y)`` with ``X ~ gamma(a)``, ``Y ~ gamma(b)``.

        Example:
            >>> import brainpy_math as bm
            >>> bm.random.beta(2.0, 3.0, size=3).shape
            (3,)
        """
        check_params("beta", a=a, b=b)
        return self._sample_keyed(key, "beta", a, b, _sized(size, "beta", a, b))

    # discrete -------------------------------------------------------------------------------------
    def randint(self, low: Any, high: Any = None, size: Any = None, dtype: Any = None, key: Any = None) -> Any:
        """Integers in ``[low, high)`` (``[0, low)`` when ``high`` is None), exactly unbiased.

        The range ``high - low`` may be at most ``2**32 - 1``.

        Example:
            >>> import brainpy_math as bm
            >>> x = bm.random.randint(0, 10, size=5)
            >>> bool(((x >= 0) & (x < 10)).all())
            True
        """
        if high is None:
            low, high = 0, low
        int_dtype = canonicalize_int(dtype, "randint")
        try:
            bounds = _np.asarray(low), _np.asarray(high)
        except Exception:
            bounds = None
        if bounds is not None:
            check_integer_range(bounds[0], bounds[1], int_dtype, "randint")
        return self._sample_keyed(key, "randint", low, high, _sized(size, "randint", low, high),
                          None if dtype is None else int_dtype)

    def random_integers(self, low: Any, high: Any = None, size: Any = None, key: Any = None) -> Any:
        """Integers in ``[low, high]`` (``[1, low]`` when ``high`` is None), like NumPy's legacy function.

        Example:
            >>> import brainpy_math as bm
            >>> x = bm.random.random_integers(1, 6, size=5)
            >>> bool(((x >= 1) & (x <= 6)).all())
            True
        """
        if high is None:
            low, high = 1, low
        return self.randint(low, _np.asarray(high) + 1 if _is_concrete(high) else high + 1, size, key=key)

    def bernoulli(self, p: Any = 0.5, size: Any = None, key: Any = None) -> Any:
        """Booleans that are True with probability ``p`` (``U < p``).

        Example:
            >>> import brainpy_math as bm
            >>> bm.random.bernoulli(0.3, size=4).dtype
            dtype('bool')
        """
        check_params("bernoulli", p=p)
        return self._sample_keyed(key, "bernoulli", p, _sized(size, "bernoulli", p))

    def binomial(self, n: Any, p: Any, size: Any = None, key: Any = None) -> Any:
        """Binomial counts (inversion for ``n * min(p, 1-p) < 10``, Hormann's BTRS above).

        Example:
            >>> import brainpy_math as bm
            >>> bm.random.binomial(10, 0.5, size=4).shape
            (4,)
        """
        check_params("binomial", n=n, p=p)
        return self._sample_keyed(key, "binomial", n, p, _sized(size, "binomial", n, p))

    def poisson(self, lam: Any = 1.0, size: Any = None, key: Any = None) -> Any:
        """Poisson counts (inversion for ``lam < 10``, Hormann's PTRS above).

        Example:
            >>> import brainpy_math as bm
            >>> bm.random.poisson(3.0, size=4).shape
            (4,)
        """
        check_params("poisson", lam=lam)
        return self._sample_keyed(key, "poisson", lam, _sized(size, "poisson", lam))

    # permutations ---------------------------------------------------------------------------------
    def permutation(self, x: Any, key: Any = None) -> Any:
        """A permuted ``arange(x)`` (int ``x``) or a permuted copy of array ``x`` along axis 0.

        Example:
            >>> import brainpy_math as bm
            >>> sorted(bm.random.permutation(5).tolist())
            [0, 1, 2, 3, 4]
        """
        if _is_int(x):
            if x < 0:
                raise ValueError(f"permutation: argument 'x' must be a non-negative int or an array, got {x}")
            return self._sample_keyed(key, "permutation", int(x))
        if len(_np.shape(x)) == 0:
            raise ValueError(f"permutation: argument 'x' must be an int or an array with at least one "
                             f"dimension, got {x!r}")
        return self._sample_keyed(key, "permutation", x)

    def shuffle(self, x: Any, axis: int = 0, key: Any = None) -> None:
        """Shuffle ``x`` in place along ``axis`` (Fisher-Yates) and return None, as NumPy does.

        ``x`` may be a Variable, a ``bm`` array (both backends' arrays are mutable, as BrainPy's
        ``bm.Array``), a NumPy array or a list (``axis=0`` only): each is permuted in place, in the
        order of ``permutation(x.shape[axis])``, identically on every backend. A jax array
        (immutable) or a tuple is refused: use ``permutation``, which returns a permuted copy. Inside
        ``bm.jit`` on the jax backend a NumPy array or list cannot receive the traced order: pass a
        Variable there.

        Example:
            >>> import brainpy_math as bm, numpy as np
            >>> v = bm.Variable(bm.arange(5)); bm.random.shuffle(v)
            >>> sorted(v.tolist())
            [0, 1, 2, 3, 4]
            >>> a = np.arange(6).reshape(2, 3); bm.random.shuffle(a, axis=1) is None, sorted(a[0].tolist())
            (True, [0, 1, 2])
        """
        mutable = isinstance(x, (_Variable, _backend.current().ndarray))
        ndim = len(_np.shape(x))
        if not (mutable or isinstance(x, (_np.ndarray, list))) or ndim == 0:
            raise TypeError(f"shuffle: argument 'x' must be a Variable, a bm array, a NumPy array or a list "
                            f"with at least one dimension (it is shuffled in place), got "
                            f"{type(x).__name__} of shape {_np.shape(x)}; use permutation for other arrays")
        if not _is_int(axis) or not -ndim <= axis < ndim or (isinstance(x, list) and axis % ndim != 0):
            raise ValueError(f"shuffle: argument 'axis' must be an int in [{-ndim}, {ndim}) for x of shape "
                             f"{_np.shape(x)}{' (0 for a list)' if isinstance(x, list) else ''}, got {axis!r}")
        axis = int(axis) % ndim
        if mutable:
            self._sample_keyed(key, "shuffle", x, axis)
            return None
        before = self.counter.value
        before = _np.array(before) if isinstance(before, _np.ndarray) else before
        order = self._sample_keyed(key, "permutation", _np.shape(x)[axis])
        try:
            order = _np.asarray(getattr(order, "value", order))
        except Exception:
            self.counter.value = before  # a failed call leaves the stream where it was
            raise TypeError(f"shuffle: a {type(x).__name__} cannot be shuffled in place by traced code "
                            f"(inside bm.jit on this backend); pass a Variable, or shuffle outside "
                            f"bm.jit") from None
        if isinstance(x, list):
            x[:] = [x[int(i)] for i in order]
        else:
            x[...] = _np.take(x, order, axis=axis)
        return None

    def choice(self, a: Any, size: Any = None, replace: bool = True, p: Any = None, key: Any = None) -> Any:
        """Items of ``a`` (or of ``arange(a)``), with or without replacement, optionally weighted by ``p``.

        Weighted draws compare a word with thresholds of ``p``'s cumulative sum computed in float64;
        weighted draws without replacement race exponential clocks ``-log(U_i) / p_i``.

        Example:
            >>> import brainpy_math as bm
            >>> bm.random.choice(10, size=3, replace=False).shape
            (3,)
        """
        where = "choice"
        if _is_int(a):
            population = int(a)
        else:
            a_shape = _np.shape(a)
            if len(a_shape) != 1:
                raise ValueError(f"{where}: argument 'a' must be a positive int or a 1-d array, got {a!r}")
            population = a_shape[0]
        if population <= 0:
            raise ValueError(f"{where}: argument 'a' must be a positive int or a non-empty array, got {a!r}")
        shape = normalize_size(size, where)
        count = 1 if shape is None else int(_np.prod(shape, dtype=_np.int64))
        if p is not None:
            if not _is_concrete(p):
                raise NotImplementedError(f"{where}: a traced argument 'p' is not supported; pass p as a "
                                          f"concrete array (for example closed over by the jitted function)")
            p = _np.asarray(p, dtype=_np.float64)
            choice_thresholds(p, population, where)
        if not replace:
            if count > population:
                raise ValueError(f"{where}: cannot take size={size!r} ({count} items) from a population of "
                                 f"{population} without replacement")
            if p is not None and _np.count_nonzero(p) < count:
                raise ValueError(f"{where}: fewer non-zero entries in 'p' than size={size!r}")
        return self._sample_keyed(key, where, a, shape, bool(replace), p)


def _is_int(x: Any) -> bool:
    return isinstance(x, (int, _np.integer)) and not isinstance(x, (bool, _np.bool_))


def _is_concrete(x: Any) -> bool:
    try:
        _np.asarray(x)
    except Exception:
        return False
    return True


def _sized(size: Any, where: str, *params: Any) -> tuple[int, ...]:
    """The output shape of a draw: ``size``, or the parameters' broadcast shape when it is None."""
    return check_size(normalize_size(size, where), where, *(tuple(_np.shape(p)) for p in params))


def canonicalize_int(dtype: Any, where: str) -> _np.dtype:
    """The integer dtype of a draw under the dtype policy (the policy's default for ``None``)."""
    out = _config.default_int() if dtype is None else _config.canonicalize_dtype(dtype)
    if out.kind not in "iu":
        raise ValueError(f"{where}: argument 'dtype' must be an integer dtype, got {dtype!r}")
    return out


_EXAMPLES = {
    "default_state": "bm.random.default_state().counter",
    "seed": "bm.random.seed(42)",
    "split_key": "bm.random.split_key()",
    "split_keys": "bm.random.split_keys(3)",
    "rand": "bm.random.rand(2, 3)",
    "randn": "bm.random.randn(2, 3)",
    "random": "bm.random.random((2, 3))",
    "random_sample": "bm.random.random_sample(5)",
    "sample": "bm.random.sample(5)",
    "uniform": "bm.random.uniform(-1.0, 1.0, size=5)",
    "normal": "bm.random.normal(0.0, 1.0, size=5)",
    "standard_normal": "bm.random.standard_normal(5)",
    "randint": "bm.random.randint(0, 10, size=5)",
    "random_integers": "bm.random.random_integers(1, 6, size=5)",
    "choice": "bm.random.choice(10, size=3, replace=False)",
    "permutation": "bm.random.permutation(10)",
    "shuffle": "bm.random.shuffle(v)",
    "bernoulli": "bm.random.bernoulli(0.2, size=5)",
    "binomial": "bm.random.binomial(10, 0.3, size=5)",
    "poisson": "bm.random.poisson(3.0, size=5)",
    "exponential": "bm.random.exponential(2.0, size=5)",
    "gamma": "bm.random.gamma(2.0, 1.0, size=5)",
    "beta": "bm.random.beta(2.0, 3.0, size=5)",
    "lognormal": "bm.random.lognormal(0.0, 1.0, size=5)",
    "truncated_normal": "bm.random.truncated_normal(-1.0, 1.0, size=5)",
    "multivariate_normal": "bm.random.multivariate_normal([0., 0.], [[1., 0.], [0., 1.]], size=3)",
}

for _name, _example in _EXAMPLES.items():
    globals()[_name] = backend_function(_name, "random", _example, namespace="random")
del _name, _example


def __getattr__(name: str) -> Any:
    """``bm.random.DEFAULT``: BrainPy's name of the default RandomState, ``default_state()``.

    It is looked up on every access, so it is always the current backend's default stream (each
    backend has its own, reseeded in place by ``bm.random.seed``): ``bm.random.DEFAULT.seed(1)``,
    ``bm.jit(f, dyn_vars=bm.random.DEFAULT)``. A name bound to it (``rng = bm.random.DEFAULT``)
    keeps that backend's stream, as ``default_state()`` does; ``rng.value`` raises (see
    ``RandomState.value``).

    Example:
        >>> import brainpy_math as bm
        >>> bm.random.DEFAULT.seed(1)
        >>> bm.random.DEFAULT is bm.random.default_state()
        True
    """
    if name == "DEFAULT":
        return globals()["default_state"]()  # defined by the loop over _EXAMPLES above
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------------------------------------
# NumPy helpers both backends share, so that argument handling and host-side precomputation are
# written once (the generator itself is written once per backend, in its own array language).
_KEY_MASK = 0xFFFFFFFF
#: log(k!) for k < 16; beyond, both backends use the same Stirling series (see ``log_factorial``).
LOG_FACTORIAL_TABLE = _np.array([_math.lgamma(k + 1.0) for k in range(16)], dtype=_np.float64)
#: The standard normal quantile of both backends (truncated normals invert the CDF with it): Acklam's
#: rational approximation, numerator and denominator of the central region (``ACKLAM_A``/``_B``) and of
#: the tails below ``ACKLAM_LOW`` and above ``1 - ACKLAM_LOW`` (``ACKLAM_C``/``_D``) ...
ACKLAM_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
            1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
ACKLAM_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
            6.680131188771972e+01, -1.328068155288572e+01)
ACKLAM_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
            -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
ACKLAM_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00)
ACKLAM_LOW = 0.02425
#: ... except the float32 central region, where Acklam's function cancels badly: Giles (2010),
#: "Approximating the erfinv function", single-precision branch for w < 5, as
#: ``ndtri(u) = SQRT2 * erfinv(2u - 1)``.
GILES = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
         -0.00417768164, 0.246640727, 1.50140941)
SQRT2 = 1.4142135623730951


def seed_to_key(seed: Any, where: str = "seed") -> _np.ndarray:
    """The Threefry key (uint32[2]: high, low word) for ``seed``.

    ``None`` draws 64 bits of entropy from the operating system; an int must lie in ``[0, 2**64)``;
    a key (two uint32 words, as returned by ``split_key``) is used as it is.
    """
    if seed is None:
        seed = int.from_bytes(_os.urandom(8), "little")
    if isinstance(seed, (bool, _np.bool_)):
        raise TypeError(f"{where}: argument 'seed' must be an int in [0, 2**64) or a key of two uint32 "
                        f"words, got {seed!r}")
    if isinstance(seed, (int, _np.integer)):
        seed = int(seed)
        if not 0 <= seed < 2 ** 64:
            raise ValueError(f"{where}: argument 'seed' must be an int in [0, 2**64), got {seed}")
        return _np.array([seed >> 32, seed & _KEY_MASK], dtype=_np.uint32)
    key = _np.asarray(seed)
    if key.shape != (2,) or key.dtype.kind not in "ui" or (key.size and (key.min() < 0 or key.max() > _KEY_MASK)):
        raise ValueError(f"{where}: argument 'seed' must be an int in [0, 2**64) or a key of two uint32 "
                         f"words, got {seed!r}")
    return key.astype(_np.uint32)


def normalize_size(size: Any, where: str) -> tuple[int, ...] | None:
    """``size`` as a shape tuple (``None`` stays ``None``); a clear error for anything else."""
    if size is None:
        return None
    if isinstance(size, (int, _np.integer)) and not isinstance(size, (bool, _np.bool_)):
        size = (int(size),)
    try:
        shape = tuple(int(s) for s in size)
        valid = all(isinstance(s, (int, _np.integer)) and not isinstance(s, bool) for s in size)
    except TypeError:
        valid = False
    if not valid or any(s < 0 for s in shape):
        raise ValueError(f"{where}: argument 'size' must be None, a non-negative int or a tuple of them, "
                         f"got {size!r}")
    return shape


def dims_to_size(dims: tuple, where: str) -> tuple[int, ...]:
    """The shape of ``rand(d0, d1, ...)`` / ``randn(...)``."""
    return normalize_size(tuple(dims), where) or ()


def choice_thresholds(p: Any, n: int, where: str = "choice") -> _np.ndarray:
    """uint32 thresholds of ``p``'s cumulative distribution: category ``i`` is drawn for a word ``w``
    with ``t[i-1] <= w < t[i]`` (computed in float64, identical on every backend)."""
    p = _np.asarray(p, dtype=_np.float64)
    if p.shape != (n,):
        raise ValueError(f"{where}: argument 'p' must have shape ({n},) like 'a', got shape {p.shape}")
    if not _np.all(_np.isfinite(p)) or _np.any(p < 0):
        raise ValueError(f"{where}: argument 'p' must hold non-negative finite probabilities, got {p}")
    total = p.sum()
    if not abs(total - 1.0) <= _np.sqrt(_np.finfo(_np.float64).eps) * max(1, n):
        raise ValueError(f"{where}: argument 'p' must sum to 1, sums to {total}")
    return cdf_thresholds(p)


def cdf_thresholds(p: _np.ndarray) -> _np.ndarray:
    """The thresholds of :func:`choice_thresholds` without the checks (also njit-compilable)."""
    cdf = _np.cumsum(p)
    scaled = _np.floor(cdf / cdf[-1] * 4294967296.0)
    return _np.minimum(scaled, 4294967295.0).astype(_np.uint32)


def check_integer_range(low: Any, high: Any, dtype: _np.dtype, where: str) -> None:
    """Refuse ``[low, high)`` ranges that are empty, wider than 2**32 - 1 or outside ``dtype``."""
    lo, hi = _np.asarray(low), _np.asarray(high)
    if lo.dtype.kind not in "iub" or hi.dtype.kind not in "iub":
        if not (_np.all(_np.floor(lo) == lo) and _np.all(_np.floor(hi) == hi)):
            raise ValueError(f"{where}: arguments 'low' and 'high' must be integers, got {low!r}, {high!r}")
    lo, hi = lo.astype(_np.float64), hi.astype(_np.float64)
    if _np.any(hi <= lo):
        raise ValueError(f"{where}: argument 'high' must be greater than 'low' (low={low!r}, high={high!r})")
    if _np.any(hi - lo > 4294967295.0):
        raise ValueError(f"{where}: the range high - low must be at most 2**32 - 1, got low={low!r}, "
                         f"high={high!r}")
    info = _np.iinfo(dtype)
    if _np.any(lo < info.min) or _np.any(hi - 1 > info.max):
        raise ValueError(f"{where}: the range [{low!r}, {high!r}) does not fit dtype {_np.dtype(dtype).name}")


def _non_negative(v):
    return v >= 0


def _positive(v):
    return v > 0


def _probability(v):
    return (v >= 0) & (v <= 1)


def _count(v):
    return (v >= 0) & (_np.floor(v) == v)


# Argument rules of the draws: (argument, predicate on its values, what it must be).
_RULES: dict[str, tuple] = {
    "normal": (("scale", _non_negative, "non-negative"),),
    "lognormal": (("sigma", _non_negative, "non-negative"),),
    "exponential": (("scale", _non_negative, "non-negative"),),
    "truncated_normal": (("scale", _positive, "positive"),),
    "gamma": (("shape", _positive, "positive"), ("scale", _non_negative, "non-negative")),
    "beta": (("a", _positive, "positive"), ("b", _positive, "positive")),
    "bernoulli": (("p", _probability, "a probability in [0, 1]"),),
    "binomial": (("n", _count, "a non-negative integer"), ("p", _probability, "a probability in [0, 1]")),
    "poisson": (("lam", lambda v: (v >= 0) & (v < 1e7), "in [0, 1e7)"),),
}


def check_params(where: str, **values: Any) -> None:
    """Raise ``ValueError`` naming the argument when a concrete parameter of draw ``where`` is invalid.

    Values that cannot be read on the host (traced values inside ``jax.jit``) are not checked.
    """
    for name, predicate, expected in _RULES.get(where, ()):
        if name not in values:
            continue
        try:
            value = _np.asarray(values[name], dtype=_np.float64)
        except Exception:  # a traced value: checked by nobody, as in jax.random
            continue
        if not bool(_np.all(predicate(value))):
            raise ValueError(f"{where}: argument {name!r} must be {expected}, got {values[name]!r}")
    if where == "truncated_normal":
        try:
            lower = _np.asarray(values["lower"], dtype=_np.float64)
            upper = _np.asarray(values["upper"], dtype=_np.float64)
        except Exception:
            return
        if not bool(_np.all(lower < upper)):
            raise ValueError(f"{where}: argument 'lower' must be below 'upper', got {values['lower']!r} and "
                             f"{values['upper']!r}")


def check_size(shape: tuple[int, ...] | None, where: str, *param_shapes: tuple) -> tuple[int, ...]:
    """The output shape: ``shape`` if given (the parameters must broadcast to it), else theirs."""
    try:
        broadcast = _np.broadcast_shapes(*param_shapes) if param_shapes else ()
        if shape is None:
            return tuple(broadcast)
        if _np.broadcast_shapes(broadcast, shape) == tuple(shape):
            return tuple(shape)
    except ValueError:
        pass
    raise ValueError(f"{where}: parameters of shapes {list(param_shapes)} do not broadcast to "
                     f"{'each other' if shape is None else f'size={shape}'}")


#: The module-level draws of every backend (``bm.random.<name>``): methods of its default state.
FORWARDED: tuple[str, ...] = tuple(n for n in __all__ if n not in ("RandomState", "default_state"))


class DefaultState:
    """A backend's ``default_state()``: the RandomState behind its module-level functions.

    ``make`` builds it on the first call (seeded from entropy); threads whose first draws come
    together share that one stream. :meth:`functions` gives the module-level functions, which each
    backend's ``random`` module exports: ``normal(...)`` is ``default_state().normal(...)``.

    Example:
        >>> import brainpy_math as bm
        >>> default_state = DefaultState(lambda: bm.random.RandomState(0))
        >>> default_state() is default_state()
        True
        >>> default_state.functions()["uniform"](size=2).shape
        (2,)
    """

    def __init__(self, make: Callable[[], RandomState]):
        self._make = make
        self._state: RandomState | None = None
        self._lock = _threading.Lock()

    def __call__(self) -> RandomState:
        state = self._state
        if state is None:
            with self._lock:  # one stream (and one name) even when threads start together
                if self._state is None:
                    self._state = self._make()
                state = self._state
        return state

    def functions(self) -> dict[str, Callable]:
        """``{name: function}`` for every name of :data:`FORWARDED`."""
        return {name: self._forward(name) for name in FORWARDED}

    def _forward(self, name: str) -> Callable:
        def call(*args, **kwargs):
            state = self._state  # every draw comes here: skip the call once the state exists
            return getattr(self() if state is None else state, name)(*args, **kwargs)

        _functools.update_wrapper(call, getattr(RandomState, name))
        call.__qualname__ = name
        return call


# ------------------------------------------------------------------------- eager bm.prange loops
_LOOPS = _threading.local()  # .stack: the eager prange loops running in this thread, innermost last


class _Entered:
    """A stream's part in one eager loop: its loop key, and the current iteration's stream."""

    __slots__ = ("loop_key", "iteration", "key", "counter")

    def __init__(self, loop_key: Any):
        self.loop_key = loop_key
        self.iteration: int | None = None
        self.key: Any = None
        self.counter: Any = None


class _PrangeLoop:
    """The streams of one eager ``prange`` loop (see "Inside bm.prange loops" above)."""

    def __init__(self) -> None:
        self.entered: dict[int, tuple[RandomState, _Entered]] = {}
        self.i = 0

    def _outside(self, state: RandomState, name: str, args: tuple = ()) -> Any:
        """Draw from ``state`` as the code around this loop would (an enclosing loop's stream)."""
        stack = _LOOPS.stack
        stack.pop()
        try:
            return state._sample(name, *args)
        finally:
            stack.append(self)

    def draw(self, state: RandomState, name: str, args: tuple) -> Any:
        held = self.entered.get(id(state))
        if held is None:
            # The stream's first draw in this loop: nothing moved it since the loop began, so its
            # position is the one at the loop's start, as compiled code reads it.
            held = self.entered[id(state)] = (state, _Entered(self._outside(state, "split_key")))
        entry = held[1]
        outer_key, outer_counter = state.key.value, state.counter.value
        if type(outer_key).__module__.startswith("numpy") or isinstance(outer_key, _np.ndarray):
            outer_key, outer_counter = _np.array(outer_key), _np.array(outer_counter)  # views: keep copies
        try:
            if entry.iteration != self.i:
                if self.i < 0:
                    raise NotImplementedError(
                        f"bm.prange: a random draw in iteration {self.i} of an eager loop; eager loops "
                        f"draw by the per-iteration rule for indices >= 0 only. Loop over non-negative "
                        f"indices, or compile the loop (bm.jit on the numba backend)")
                # Iteration i's key is block i of the loop key's stream: its words 2i and 2i + 1.
                position = 2 * int(self.i)
                state.key.value = entry.loop_key
                state.counter.value = _np.array([(position >> 32) & 0xFFFFFFFF, position & 0xFFFFFFFF],
                                                _np.uint32)
                entry.key = state._draw("split_key")
                entry.counter = _np.zeros(2, _np.uint32)
                entry.iteration = self.i
            state.key.value = entry.key
            state.counter.value = entry.counter
            result = state._draw(name, *args)
            counter = state.counter.value
            entry.counter = _np.array(counter) if isinstance(counter, _np.ndarray) else counter
            return result
        finally:
            state.key.value = outer_key
            state.counter.value = outer_counter


def prange(*args: int) -> Any:
    """``range(*args)`` whose iterations draw random numbers by the per-iteration rule of compiled
    ``bm.prange`` loops (this module's docstring, "Inside bm.prange loops"), so an eager loop draws
    what the compiled one does. Outside a loop, draws are unchanged.

    Example:
        >>> import brainpy_math as bm
        >>> bm.random.seed(0)
        >>> values = [float(bm.random.uniform()) for i in prange(3)]
        >>> len(values)
        3
    """
    return _prange_iterations(range(*args))


def _prange_iterations(iterations: range) -> Any:
    loop = _PrangeLoop()
    stack = getattr(_LOOPS, "stack", None)
    if stack is None:
        stack = _LOOPS.stack = []
    stack.append(loop)
    try:
        for i in iterations:
            loop.i = i
            yield i
    finally:
        # Removed by identity: a loop left by `break` is closed later than loops inside it.
        for k in range(len(stack) - 1, -1, -1):
            if stack[k] is loop:
                del stack[k]
                break
