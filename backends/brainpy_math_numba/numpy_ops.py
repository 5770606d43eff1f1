"""The NumPy namespace on the Numba backend: NumPy itself, under the shared dtype policy.

Outside compiled code these are NumPy's functions; their results are narrowed to 32-bit types
unless x64 is on, as JAX does, so a call gives the same dtype on either backend.

``PROVIDERS`` is this backend's table: frontend name (``'linalg.norm'`` for sub-namespaces) →
:class:`brainpy_math._api.Provision` ``(outside, compiled)``:

- outside: ``"np"`` (``numpy.<name>``, ``numpy.linalg.<name>``, ``numpy.fft.<name>``, results
  narrowed under the policy) or ``"own"`` (defined here or in :mod:`.kernels`);
- compiled (inside code that ``numba.njit`` compiles, see :func:`compiled`): ``"np"`` (NumPy's
  function as Numba supports it, result cast to the policy's dtype), ``"njit-own"`` (this
  backend's own njit implementation, in :mod:`.kernels`, where Numba lacks the function or an
  argument such as ``axis``), or ``"unsupported"`` (``compiled`` raises ``NotImplementedError``).

Example:
    >>> import brainpy_math as bm
    >>> with bm.set_backend('numba'):
    ...     bm.sum(bm.ones(3)).dtype
    dtype('float32')
"""
from __future__ import annotations

import builtins
from typing import Any, Callable

import numpy as np

from brainpy_math import _api, _config

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


def one_hot(indices: Any, num_classes: int, dtype: Any = None, axis: int = -1) -> np.ndarray:
    """Rows of the identity for ``indices``; out-of-range indices give rows of zeros (as on JAX)."""
    indices = np.asarray(indices)
    hot = np.expand_dims(indices, axis % (indices.ndim + 1)) == np.arange(num_classes).reshape(
        (-1,) + (1,) * (-axis - 1 if axis < 0 else indices.ndim - axis))
    return hot.astype(_dtype(dtype, _config.default_float))


def result_type(*arrays_and_dtypes: Any) -> np.dtype:
    """``numpy.result_type`` under the dtype policy (64-bit types narrowed unless x64 is on)."""
    return _config.canonicalize_dtype(np.result_type(*arrays_and_dtypes))


class _NamespaceInfo:
    """The Array API's inspection object: NumPy's, with the policy's default dtypes."""

    def __init__(self) -> None:
        self._numpy = np.__array_namespace_info__()

    def capabilities(self) -> dict:
        return self._numpy.capabilities()

    def default_device(self) -> str:
        return "cpu"

    def devices(self) -> list:
        return ["cpu"]

    def default_dtypes(self, *, device: Any = None) -> dict:
        return {"real floating": _config.default_float(), "complex floating": _config.default_complex(),
                "integral": _config.default_int(), "indexing": _config.default_int()}

    def dtypes(self, *, device: Any = None, kind: Any = None) -> dict:
        return self._numpy.dtypes(kind=kind)


def __array_namespace_info__() -> _NamespaceInfo:
    """The Array API inspection namespace of the Numba backend (default dtypes follow the policy)."""
    return _NamespaceInfo()


# -------------------------------------------------------------------------------- from NumPy
_SOURCES = {"": np, "linalg": np.linalg, "fft": np.fft}


def _from_np(qualified: str) -> Callable:
    namespace, _, name = qualified.rpartition(".")
    fn = getattr(_SOURCES[namespace], name)

    def call(*args, **kwargs):
        return narrow(fn(*args, **kwargs))

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"``numpy.{qualified}``, its result under the dtype policy."
    return call


from . import kernels  # noqa: E402  (the njit implementations; they use narrow() above)

_OWN = {name: globals()[name] for name in (
    "asarray", "array", "zeros", "ones", "empty", "full", "eye", "arange", "linspace", "zeros_like",
    "ones_like", "full_like", "empty_like", "one_hot", "result_type", "__array_namespace_info__")}
_OWN.update({f"activations.{name}": fn for name, fn in kernels.ACTIVATIONS.items()})

PROVIDERS: dict[str, _api.Provision] = {
    name: _api.Provision("own" if name in _OWN else "np", kernels.compiled_provision(name))
    for name in _api.all_names()
}

_FUNCTIONS: dict[str, Callable] = {name: _OWN[name] if name in _OWN else _from_np(name) for name in PROVIDERS}


def namespace(prefix: str) -> dict[str, Callable]:
    """The functions of sub-namespace ``prefix`` (``'linalg'``, ``'fft'``, ``'activations'``; ``''``
    for the main namespace), by unqualified name."""
    if not prefix:
        return {name: fn for name, fn in _FUNCTIONS.items() if "." not in name}
    return {name[len(prefix) + 1:]: fn for name, fn in _FUNCTIONS.items() if name.startswith(prefix + ".")}


globals().update(namespace(""))


def compiled(name: str) -> Callable:
    """The callable that code compiled by ``numba.njit`` uses for the frontend function ``name``.

    ``name`` is a main-namespace name (``'sum'``) or a qualified sub-namespace name
    (``'linalg.norm'``, ``'fft.fft'``, ``'activations.relu'``); each sub-namespace module also has
    ``compiled(name)`` taking the unqualified name. The callable takes NumPy's positional and
    keyword arguments (those Numba supports) and returns results under the dtype policy that is
    active when ``compiled`` is called (float32/int32 unless x64 is on).

    Raises:
        NotImplementedError: the backend cannot provide ``name`` inside compiled code.

    Example:
        >>> import numba, numpy as np
        >>> from brainpy_math_numba.numpy_ops import compiled
        >>> mean = compiled('mean')
        >>> numba.njit(lambda x: mean(x, axis=0))(np.ones((2, 3), np.float32)).dtype
        dtype('float32')
    """
    if name not in PROVIDERS:
        raise KeyError(f"compiled: {name!r} is not a brainpy_math function (see brainpy_math._api)")
    return kernels.compiled(name, PROVIDERS[name].compiled, _config.x64_enabled())


__all__ = [name for name in PROVIDERS if "." not in name] + ["PROVIDERS", "compiled", "narrow"]
