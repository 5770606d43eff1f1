"""The NumPy namespace on the Numba backend: NumPy itself, under the shared dtype policy.

Outside compiled code these are NumPy's functions; their results are narrowed to 32-bit types
unless x64 is on, as JAX does, so a call gives the same dtype on either backend.

``PROVIDERS`` says how each frontend function is provided here:
- ``"np"``: ``numpy.<name>``, result dtypes narrowed under the policy;
- ``"own"``: a function defined in this module (creation functions apply the dtype policy).
"""
from __future__ import annotations

import builtins
from typing import Any, Callable

import numpy as np

from brainpy_math import _config

_NARROW = {np.dtype(np.float64): np.float32, np.dtype(np.int64): np.int32,
           np.dtype(np.uint64): np.uint32, np.dtype(np.complex128): np.complex64}


def narrow(x: Any) -> Any:
    """Apply the dtype policy to a NumPy result (arrays, scalars, and tuples/lists of them)."""
    if isinstance(x, (np.ndarray, np.generic)):
        if not _config._x64:
            target = _NARROW.get(x.dtype)
            if target is not None:
                return x.astype(target)
        return x
    if type(x) in (tuple, list):
        return type(x)(narrow(i) for i in x)
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*(narrow(i) for i in x))
    return x


def _dtype(dtype: Any, default: Callable[[], Any]) -> Any:
    return default() if dtype is None else _config.canonicalize_dtype(dtype)


# -------------------------------------------------------------------------------- creation
def asarray(a: Any, dtype: Any = None) -> np.ndarray:
    if dtype is None:
        dtype = _config.dtype_of_python_value(a)
    if dtype is not None:
        return np.asarray(a, dtype=_config.canonicalize_dtype(dtype))
    return narrow(np.asarray(a))


def array(a: Any, dtype: Any = None, copy: bool = True) -> np.ndarray:
    out = asarray(a, dtype)
    if copy and isinstance(a, np.ndarray) and np.may_share_memory(out, a):
        out = out.copy()
    return out


def zeros(shape: Any, dtype: Any = None) -> np.ndarray:
    return np.zeros(shape, _dtype(dtype, _config.default_float))


def ones(shape: Any, dtype: Any = None) -> np.ndarray:
    return np.ones(shape, _dtype(dtype, _config.default_float))


def empty(shape: Any, dtype: Any = None) -> np.ndarray:
    return np.empty(shape, _dtype(dtype, _config.default_float))


def full(shape: Any, fill_value: Any, dtype: Any = None) -> np.ndarray:
    if dtype is None:
        dtype = _config.dtype_of_python_value(fill_value) or np.result_type(fill_value)
    return np.full(shape, fill_value, _config.canonicalize_dtype(dtype))


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> np.ndarray:
    return np.eye(N, M, k, dtype=_dtype(dtype, _config.default_float))


def arange(start: Any, stop: Any = None, step: Any = None, dtype: Any = None) -> np.ndarray:
    args = [a for a in (start, stop, step) if a is not None]
    if dtype is None:
        is_float = builtins.any(isinstance(a, float) or isinstance(a, (np.ndarray, np.generic)) and
                       np.issubdtype(a.dtype, np.floating) for a in args)
        dtype = _config.default_float() if is_float else _config.default_int()
    return np.arange(*args, dtype=_config.canonicalize_dtype(dtype))


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype: Any = None, axis: int = 0) -> Any:
    out = np.linspace(start, stop, num, endpoint=endpoint, retstep=retstep,
                      dtype=_dtype(dtype, _config.default_float), axis=axis)
    return narrow(out)


def _like(fn):
    def like(a: Any, *args, dtype: Any = None, shape: Any = None, **kwargs) -> np.ndarray:
        if dtype is None:
            dtype = _config.canonicalize_dtype(getattr(a, "dtype", None) or asarray(a).dtype)
        return fn(a, *args, dtype=_config.canonicalize_dtype(dtype), shape=shape, subok=False, **kwargs)
    like.__name__ = fn.__name__
    return like


zeros_like = _like(np.zeros_like)
ones_like = _like(np.ones_like)
full_like = _like(np.full_like)
empty_like = _like(np.empty_like)


# -------------------------------------------------------------------------------- from NumPy
def _from_np(name: str) -> Callable:
    fn = getattr(np, name)

    def call(*args, **kwargs):
        return narrow(fn(*args, **kwargs))

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"``numpy.{name}``, its result under the dtype policy."
    return call


_OWN = ("asarray", "array", "zeros", "ones", "empty", "full", "eye", "arange", "linspace",
        "zeros_like", "ones_like", "full_like", "empty_like")
_NP = ("exp", "log", "sqrt", "sin", "cos", "tanh", "abs", "maximum", "minimum", "where", "clip",
       "sum", "mean", "max", "min", "prod", "std", "var", "any", "all", "dot", "matmul", "reshape",
       "concatenate", "stack", "allclose", "array_equal")

PROVIDERS: dict[str, str] = {**{n: "own" for n in _OWN}, **{n: "np" for n in _NP}}

for _name in _NP:
    globals()[_name] = _from_np(_name)
del _name


def compiled(name: str) -> Callable:
    """The callable that code compiled by ``numba.njit`` uses for the frontend function ``name``.

    The code generator maps ``bm.<name>(...)`` in model source to this callable.
    """
    kind = PROVIDERS.get(name)
    if kind == "np":
        return getattr(np, name)
    raise NotImplementedError(f"bm.{name} is not available inside code compiled by the numba backend; "
                              f"call it outside bm.jit or use the jax backend")
