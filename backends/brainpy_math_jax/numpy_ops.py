"""The NumPy namespace on the JAX backend: ``jax.numpy`` with JaxArrays in and out.

``PROVIDERS`` says how each frontend function is provided here:
- ``"jnp"``: ``jax.numpy.<name>`` with JaxArray arguments unwrapped and array results wrapped;
- ``"own"``: a function defined in this module (creation functions apply the dtype policy).
"""
from __future__ import annotations

import builtins
from typing import Any, Callable

import jax.numpy as jnp

from brainpy_math import _config
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

# -------------------------------------------------------------------------------- from jax.numpy


def _from_jnp(name: str) -> Callable:
    fn = getattr(jnp, name)

    def call(*args, **kwargs):
        return wrap(fn(*unwrap(args), **unwrap(kwargs)))

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"``jax.numpy.{name}`` with JaxArrays in and out."
    return call


_OWN = ("asarray", "array", "zeros", "ones", "empty", "full", "eye", "arange", "linspace",
        "zeros_like", "ones_like", "full_like", "empty_like")
_JNP = ("exp", "log", "sqrt", "sin", "cos", "tanh", "abs", "maximum", "minimum", "where", "clip",
        "sum", "mean", "max", "min", "prod", "std", "var", "any", "all", "dot", "matmul", "reshape",
        "concatenate", "stack", "allclose", "array_equal")

PROVIDERS: dict[str, str] = {**{n: "own" for n in _OWN}, **{n: "jnp" for n in _JNP}}

for _name in _JNP:
    globals()[_name] = _from_jnp(_name)
del _name
