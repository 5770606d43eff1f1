"""brainpy_math: one NumPy-like API for brain-dynamics models, on a JAX or a Numba backend.

Example:
    >>> import brainpy_math as bm
    >>> b = bm.arange(5); b[0] += 5
    >>> b.tolist()
    [5, 1, 2, 3, 4]

The frontend imports NumPy only; a backend (and jax or numba) is imported when first used.
"""
from __future__ import annotations

from typing import Any, Iterator

import numpy as _np

from . import _api, _backend
from ._backend import BackendError, BackendSpec, available_backends, get_backend, set_backend
from ._brainpy_names import Array, BrainPyObject, NodeList, VarList, as_jax, as_numpy, relu
from ._config import disable_x64, enable_x64, get_dt, set_dt, x64_enabled
from ._compile_options import PortabilityError, PortabilityWarning
from ._dispatch import backend_function as _backend_function
from .base import ArrayCollector, Base, Collector
from .checkpoints import load_state, save_state
from .delays import LengthDelay, TimeDelay
from .einops import ein_rearrange, ein_reduce, ein_repeat, ein_shape
from .transforms import (cls_jit, cond, for_loop, grad, hessian, ifelse, jacfwd, jacobian, jacrev, jit, pmap,
                         to_object, value_and_grad, vector_grad, vmap, while_loop)
from .variables import Parameter, TrainVar, Variable

__version__ = "0.1.0"
# The Array API standard this namespace implements (``x.__array_namespace__()`` returns this module).
__array_api_version__ = "2024.12"
SUPPORTED_ARRAY_API_VERSIONS = ("2021.12", "2022.12", "2023.12", "2024.12")

# dtype names and constants are NumPy's own objects: both backends accept them.
bool_ = _np.bool_
int8, int16, int32, int64 = _np.int8, _np.int16, _np.int32, _np.int64
uint8, uint16, uint32, uint64 = _np.uint8, _np.uint16, _np.uint32, _np.uint64
float16, float32, float64 = _np.float16, _np.float32, _np.float64
complex64, complex128 = _np.complex64, _np.complex128
dtype = _np.dtype
pi, e, inf, nan, newaxis = _np.pi, _np.e, _np.inf, _np.nan, None
euler_gamma = _np.euler_gamma
half, single, double, csingle, cdouble = _np.half, _np.single, _np.double, _np.csingle, _np.cdouble
intp, uintp = _np.intp, _np.uintp
# The abstract types that bm.issubdtype takes, and the Array API's name of the boolean dtype.
generic, number, integer, signedinteger, unsignedinteger = (_np.generic, _np.number, _np.integer,
                                                            _np.signedinteger, _np.unsignedinteger)
inexact, floating, complexfloating = _np.inexact, _np.floating, _np.complexfloating
globals()["bool"] = _np.bool_  # not a plain assignment: it would shadow the builtin in this module

for _name, (_area, _example) in _api.FUNCTIONS.items():
    globals()[_name] = _backend_function(_name, _area, _example)
del _name, _area, _example

_PLATFORMS = ("cpu", "gpu", "tpu")


def set_platform(platform: str) -> None:
    """Choose the device type the current backend computes on.

    JAX accepts ``'cpu'``, ``'gpu'`` and ``'tpu'``; Numba accepts only ``'cpu'``.

    Example:
        >>> import brainpy_math as bm
        >>> bm.set_platform('cpu')
    """
    if platform not in _PLATFORMS:
        raise ValueError(f"set_platform: argument 'platform' must be one of {_PLATFORMS}, got {platform!r}")
    _backend.current().set_platform(platform)


def prange(*args: int) -> Iterator[int]:
    """``range``; inside code compiled by the numba backend with ``parallel=True``, ``numba.prange``.

    Random draws in the loop follow one rule everywhere: the loop takes a key from each stream its
    body draws from, as ``bm.random.split_key()`` does (the stream advances by 2 words whatever the
    loop's length), and iteration ``i`` draws from the stream keyed ``threefry2x32(loop key, (hi(i),
    lo(i)))`` from position 0. So the numbers depend only on (seed, position, i): the same on any
    number of threads, with ``parallel=False``, eagerly and on JAX.

    Example:
        >>> import brainpy_math as bm
        >>> list(bm.prange(3))
        [0, 1, 2]
    """
    from .random import prange as random_prange  # sub-namespaces load on first use (below)
    return random_prange(*args)


# Sub-namespaces (``bm.random``, ``bm.linalg``, ...) are imported on first access, so that adding
# one is a new module, not an edit here.
_SUBMODULES = ("random", "linalg", "fft", "activations", "connect", "event", "sparse", "surrogate",
               "jitconn")


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    # Names whose value depends on the current settings are computed on access.
    if name == "float_":
        from ._config import default_float
        return default_float().type
    if name == "int_":
        from ._config import default_int
        return default_int().type
    if name == "ndarray":
        return _backend.current().ndarray
    if name == "JaxArray":
        return _backend.load("jax").JaxArray
    raise AttributeError(f"module 'brainpy_math' has no attribute {name!r}")


__all__ = [
    "BackendError", "PortabilityError", "PortabilityWarning", "BackendSpec", "available_backends", "get_backend", "set_backend", "set_platform",
    "enable_x64", "disable_x64", "x64_enabled", "set_dt", "get_dt",
    "Variable", "TrainVar", "Parameter", "Base", "Collector", "ArrayCollector",
    "Array", "BrainPyObject", "NodeList", "VarList", "as_numpy", "as_jax", "relu",
    "ein_rearrange", "ein_reduce", "ein_repeat", "ein_shape",
    "save_state", "load_state", "LengthDelay", "TimeDelay",
    "jit", "grad", "value_and_grad", "vector_grad", "jacobian", "jacrev", "jacfwd", "hessian", "vmap",
    "pmap", "for_loop", "while_loop", "cond", "ifelse", "cls_jit", "to_object",
    *_api.FUNCTIONS,
]
