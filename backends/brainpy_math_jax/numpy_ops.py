"""The NumPy namespace on the JAX backend: ``jax.numpy`` with JaxArrays in and out.

``PROVIDERS`` is this backend's table: frontend name (``'linalg.norm'`` for sub-namespaces) →
:class:`brainpy_math._api.Provision` ``(outside, compiled)``:

- outside: ``"jnp"`` (``jax.numpy.<name>``, or ``jax.numpy.linalg``/``jax.numpy.fft``/``jax.nn`` in
  the sub-namespaces, with JaxArrays unwrapped and results wrapped), or ``"own"`` (defined here:
  creation functions apply the dtype policy, ``put`` writes into the JaxArray);
- compiled (inside ``bm.jit``): ``"traced"`` (the same function, traced), or ``"traced, size="`` for
  functions whose output shape depends on values (``nonzero``, ``unique``, ...): inside ``bm.jit``
  they need jax's static ``size=`` argument and raise ``NotImplementedError`` without it.

The sub-namespaces ``linalg``, ``fft`` and ``activations`` are modules of this backend built from
the same table (:func:`namespace`).

Example:
    >>> import brainpy_math as bm
    >>> with bm.set_backend('jax'):
    ...     bm.sum(bm.ones(3)).tolist()
    3.0
"""
from __future__ import annotations

import builtins
import warnings
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from brainpy_math import _api, _config
from .array import JaxArray, to_jax, unwrap, wrap

# -------------------------------------------------------------------------------- creation
# JAX's own defaults already follow the policy (the backend keeps ``jax_enable_x64`` in step with
# ``bm.enable_x64``); the dtype is still passed explicitly so a Python scalar never yields a
# weakly-typed array, which would promote differently from NumPy's.


def _dtype(dtype: Any, default: Callable[[], Any]) -> Any:
    return default() if dtype is None else _config.canonicalize_dtype(dtype)


def asarray(a: Any, dtype: Any = None) -> JaxArray:
    if isinstance(a, JaxArray) and (dtype is None or a.dtype == _config.canonicalize_dtype(dtype)):
        return a
    return JaxArray(to_jax(a, dtype))


def array(a: Any, dtype: Any = None, copy: bool = True) -> JaxArray:
    # jax arrays are immutable, so sharing the buffer is a copy as far as users can tell.
    return JaxArray(to_jax(a, dtype))


def zeros(shape: Any, dtype: Any = None) -> JaxArray:
    return JaxArray(jnp.zeros(shape, _dtype(dtype, _config.default_float)))


def ones(shape: Any, dtype: Any = None) -> JaxArray:
    return JaxArray(jnp.ones(shape, _dtype(dtype, _config.default_float)))


def empty(shape: Any, dtype: Any = None) -> JaxArray:
    return JaxArray(jnp.zeros(shape, _dtype(dtype, _config.default_float)))


def full(shape: Any, fill_value: Any, dtype: Any = None) -> JaxArray:
    fill_value = unwrap(fill_value)
    if dtype is None:
        dtype = _config.dtype_of_python_value(fill_value) or _config.canonicalize_dtype(jnp.result_type(fill_value))
    return JaxArray(jnp.full(shape, fill_value, _config.canonicalize_dtype(dtype)))


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> JaxArray:
    return JaxArray(jnp.eye(N, M, k, dtype=_dtype(dtype, _config.default_float)))


def arange(start: Any, stop: Any = None, step: Any = None, dtype: Any = None) -> JaxArray:
    args = [unwrap(a) for a in (start, stop, step) if a is not None]
    if dtype is None:
        is_float = builtins.any(isinstance(a, float) or getattr(a, "dtype", None) is not None and
                       jnp.issubdtype(a.dtype, jnp.floating) for a in args)
        dtype = _config.default_float() if is_float else _config.default_int()
    return JaxArray(jnp.arange(*args, dtype=_config.canonicalize_dtype(dtype)))


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype: Any = None, axis: int = 0) -> Any:
    out = jnp.linspace(unwrap(start), unwrap(stop), num, endpoint=endpoint, retstep=retstep,
                       dtype=_dtype(dtype, _config.default_float), axis=axis)
    return wrap(out)


def _like(fn):
    def like(a: Any, *args, dtype: Any = None, shape: Any = None, **kwargs) -> JaxArray:
        a = unwrap(a)
        if dtype is None:
            dtype = _config.canonicalize_dtype(getattr(a, "dtype", None) or to_jax(a).dtype)
        return JaxArray(fn(a, *unwrap(args), dtype=_config.canonicalize_dtype(dtype), shape=shape, **kwargs))
    like.__name__ = fn.__name__
    return like


zeros_like = _like(jnp.zeros_like)
ones_like = _like(jnp.ones_like)
full_like = _like(jnp.full_like)
empty_like = _like(jnp.zeros_like)
empty_like.__name__ = "empty_like"

def one_hot(indices: Any, num_classes: int, dtype: Any = None, axis: int = -1) -> JaxArray:
    """Rows of the identity for ``indices``; out-of-range indices give rows of zeros."""
    return JaxArray(jax.nn.one_hot(unwrap(indices), num_classes, dtype=_dtype(dtype, _config.default_float),
                                   axis=axis))


def put(a: Any, ind: Any, v: Any, mode: str = "raise") -> None:
    """``numpy.put``: write ``v`` into the flattened JaxArray ``a`` at ``ind`` (in place)."""
    if not isinstance(a, JaxArray):
        raise TypeError(f"put: argument 'a' must be a JaxArray (it is written in place), got {type(a).__name__}")
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"put: argument 'mode' must be 'raise', 'wrap' or 'clip', got {mode!r}")
    flat_index = jnp.ravel(jnp.asarray(unwrap(ind)))
    values = jnp.ravel(jnp.asarray(unwrap(v)))
    if a.size == 0:
        if flat_index.size:
            raise IndexError("put: cannot replace elements of an empty array")
        return
    if mode == "raise":
        if not isinstance(flat_index, jax.core.Tracer) and flat_index.size and (
                int(flat_index.max()) >= a.size or int(flat_index.min()) < -a.size):
            raise IndexError(f"put: index out of range for an array of size {a.size}")
        flat_index = jnp.where(flat_index < 0, flat_index + a.size, flat_index)
    elif mode == "wrap":
        flat_index = flat_index % a.size
    else:
        flat_index = jnp.clip(flat_index, 0, a.size - 1)
    if values.size == 0:
        return
    # NumPy repeats v cyclically over the indices.
    values = jnp.resize(values, flat_index.shape).astype(a.dtype)
    flat = jnp.ravel(a._value).at[flat_index].set(values)
    a._write(flat.reshape(a.shape))


def fix(x: Any) -> JaxArray:
    """``numpy.fix``: round towards zero."""
    value = to_jax(x)
    if not jnp.issubdtype(value.dtype, jnp.inexact):
        value = value.astype(_config.default_float())
    return JaxArray(jnp.trunc(value))


def modf(x: Any) -> tuple[JaxArray, JaxArray]:
    """``numpy.modf``: fractional and integral parts (``modf(±inf)`` is ``(±0, ±inf)`` as in NumPy)."""
    value = to_jax(x)
    if not jnp.issubdtype(value.dtype, jnp.inexact):
        value = value.astype(_config.default_float())
    integral = jnp.trunc(value)
    fractional = jnp.where(jnp.isinf(value), jnp.copysign(jnp.zeros_like(value), value), value - integral)
    return JaxArray(fractional), JaxArray(integral)


def _nan_arg_reduction(name: str) -> Callable:
    reduce = getattr(jnp, name)

    def nan_arg_reduction(a: Any, axis: int | None = None, out: None = None, *, keepdims: bool = False) -> JaxArray:
        value = to_jax(a)
        if not isinstance(value, jax.core.Tracer) and value.size and bool(jnp.isnan(value).all(axis=axis).any()):
            # NumPy raises for a slice of NaNs only; traced code cannot raise and returns -1 there.
            raise ValueError(f"{name}: All-NaN slice encountered")
        return JaxArray(reduce(value, axis=axis, keepdims=keepdims))

    nan_arg_reduction.__name__ = nan_arg_reduction.__qualname__ = name
    nan_arg_reduction.__doc__ = f"``numpy.{name}``: raises ValueError for an all-NaN slice, as NumPy does."
    return nan_arg_reduction


nanargmax = _nan_arg_reduction("nanargmax")
nanargmin = _nan_arg_reduction("nanargmin")


def _empty_like_numpy(name: str) -> Callable:
    """``jax.numpy.<name>``, except that empty inputs give NumPy's result (NaNs) or NumPy's error.

    An empty input's shape is static, so NumPy's answer for it is a constant even under ``bm.jit``.
    """
    reduce = getattr(jnp, name)
    reference = getattr(np, name)

    def order_statistic(a: Any, *args, **kwargs) -> JaxArray:
        value = to_jax(a)
        if value.size == 0:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                return JaxArray(to_jax(reference(np.zeros(value.shape, value.dtype), *unwrap(args),
                                                 **unwrap(kwargs))))
        return JaxArray(reduce(value, *unwrap(args), **unwrap(kwargs)))

    order_statistic.__name__ = order_statistic.__qualname__ = name
    order_statistic.__doc__ = f"``numpy.{name}`` (jax.numpy's, with NumPy's result for empty inputs)."
    return order_statistic


_ORDER_STATISTICS = ("median", "percentile", "quantile", "nanmedian", "nanpercentile", "nanquantile")
globals().update({name: _empty_like_numpy(name) for name in _ORDER_STATISTICS})


def histogram(a: Any, bins: Any = 10, range: Any = None, weights: Any = None,
              density: bool | None = None) -> tuple[JaxArray, JaxArray]:
    """``numpy.histogram``: counts are integers (jax.numpy gives floats) unless weighted or a density."""
    counts, edges = jnp.histogram(to_jax(a), unwrap(bins), range, unwrap(weights), density)
    if weights is None and not density:
        counts = counts.astype(_config.default_int())
    return JaxArray(counts), JaxArray(edges)


def bincount(x: Any, weights: Any = None, minlength: int = 0, *, length: int | None = None) -> JaxArray:
    """``numpy.bincount``; negative values raise ValueError as in NumPy (when not traced)."""
    value = to_jax(x)
    if not isinstance(value, jax.core.Tracer) and value.size and int(value.min()) < 0:
        raise ValueError("bincount: argument 'x' must have no negative elements")
    return _FUNCTIONS_FROM_JAX["bincount"](value, unwrap(weights), minlength, length=length)


def vsplit(ary: Any, indices_or_sections: Any) -> list[JaxArray]:
    """``numpy.vsplit``: split along the first axis of an array of at least 2 dimensions."""
    value = to_jax(ary)
    if value.ndim < 2:
        raise ValueError(f"vsplit: argument 'ary' must have 2 or more dimensions, got shape {value.shape}")
    return [JaxArray(part) for part in jnp.vsplit(value, unwrap(indices_or_sections))]


# -------------------------------------------------------------------------------- from jax
_ARRAY_SHAPE_FROM_VALUES = frozenset(
    "nonzero argwhere flatnonzero extract compress unique unique_values unique_counts unique_inverse unique_all "
    "intersect1d union1d setdiff1d setxor1d bincount".split())


def _wrap_result(x: Any) -> Any:
    """JaxArrays for the array results (some jax.numpy functions pass NumPy inputs through)."""
    if isinstance(x, np.ndarray):
        return JaxArray(x)
    if type(x) in (tuple, list):
        return type(x)(_wrap_result(i) for i in x)
    return wrap(x)


def _from_jax(qualified: str, fn: Callable) -> Callable:
    def call(*args, **kwargs):
        try:
            return _wrap_result(fn(*unwrap(args), **unwrap(kwargs)))
        except jax.errors.ConcretizationTypeError:
            if qualified in _ARRAY_SHAPE_FROM_VALUES:
                raise NotImplementedError(
                    f"bm.{qualified} on the jax backend inside bm.jit needs a static output size: pass "
                    f"size=<max number of results> (jax.numpy's argument), or call it outside bm.jit"
                ) from None
            raise
        except TypeError as err:
            # jax reports operands that do not broadcast
            # (and mismatched contraction dimensions) as TypeErrors; NumPy as ValueErrors.
            if "incompatible shapes" in str(err) or "dimensions to have the same shape" in str(err):
                raise ValueError(f"{qualified}: operand shapes do not match: {err}") from None
            raise

    name = qualified.rsplit(".", 1)[-1]
    call.__name__ = call.__qualname__ = name
    call.__doc__ = (f"``{getattr(fn, '__module__', 'jax')}.{name}`` with JaxArrays in and out "
                    f"(NumPy's ``{qualified}``).")
    return call


_OWN = ("asarray", "array", "zeros", "ones", "empty", "full", "eye", "arange", "linspace",
        "zeros_like", "ones_like", "full_like", "empty_like", "one_hot", "put", "fix", "modf",
        "nanargmax", "nanargmin", "histogram", "bincount", "vsplit",
        *_ORDER_STATISTICS)
_SOURCES = {"": jnp, "linalg": jnp.linalg, "fft": jnp.fft, "activations": jax.nn}


def _source(qualified: str) -> Callable:
    namespace, _, name = qualified.rpartition(".")
    if namespace == "activations" and name == "tanh":
        return jnp.tanh
    return getattr(_SOURCES[namespace], name)


PROVIDERS: dict[str, _api.Provision] = {
    name: _api.Provision("own" if name in _OWN else "jnp",
                         "traced, size=" if name in _ARRAY_SHAPE_FROM_VALUES else "traced")
    for name in _api.all_names()
}

_FUNCTIONS_FROM_JAX = {"bincount": _from_jax("bincount", jnp.bincount)}
_FUNCTIONS: dict[str, Callable] = {
    name: globals()[name] if provision.outside == "own" else _from_jax(name, _source(name))
    for name, provision in PROVIDERS.items()
}


def namespace(prefix: str) -> dict[str, Callable]:
    """The functions of sub-namespace ``prefix`` (``'linalg'``, ``'fft'``, ``'activations'``; ``''``
    for the main namespace), by unqualified name."""
    if not prefix:
        return {name: fn for name, fn in _FUNCTIONS.items() if "." not in name}
    return {name[len(prefix) + 1:]: fn for name, fn in _FUNCTIONS.items() if name.startswith(prefix + ".")}


globals().update(namespace(""))  # the main namespace: names without a dot
__all__ = [name for name in PROVIDERS if "." not in name] + ["PROVIDERS"]
