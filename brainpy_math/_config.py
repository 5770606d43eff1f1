"""Global settings shared by every backend: the dtype policy and the simulation step.

The dtype policy is JAX's: 32-bit defaults unless x64 is enabled. Both backends follow it, so
``bm.zeros(3)`` is float32 on JAX *and* on Numba, and a model gives the same dtypes on either.

x64 can also be switched on from the environment, like JAX's ``JAX_ENABLE_X64``: with
``BRAINPY_MATH_ENABLE_X64=1`` (or ``true``, ``yes``, ``on``; any case) 64-bit defaults are on from
``import brainpy_math``, as if ``bm.enable_x64()`` were its first call; ``0``, ``false``, ``no``,
``off``, an empty value or no variable leave them off. Any other value makes ``import brainpy_math``
raise a ``ValueError`` naming the variable and the value. ``bm.enable_x64()``/``bm.disable_x64()``
still switch it afterwards. (The JAX backend keeps ``jax_enable_x64`` in step when it is imported.)
"""
from __future__ import annotations

import os
from typing import Any, Callable, Mapping

import numpy as np

__all__ = [
    "enable_x64", "disable_x64", "x64_enabled", "default_float", "default_int",
    "default_complex", "canonicalize_dtype", "dtype_of_python_value", "set_dt", "get_dt",
]

X64_ENVIRONMENT_VARIABLE = "BRAINPY_MATH_ENABLE_X64"
_X64_TRUE = frozenset({"1", "true", "yes", "on"})
_X64_FALSE = frozenset({"", "0", "false", "no", "off"})


def _x64_from_environment(environ: Mapping[str, str] = os.environ) -> bool:
    """The initial x64 setting read from ``$BRAINPY_MATH_ENABLE_X64`` (off when it is unset)."""
    raw = environ.get(X64_ENVIRONMENT_VARIABLE)
    if raw is None:
        return False
    value = raw.strip().lower()
    if value in _X64_TRUE:
        return True
    if value in _X64_FALSE:
        return False
    raise ValueError(
        f"environment variable {X64_ENVIRONMENT_VARIABLE}={raw!r} is not understood: use 1/true to "
        f"enable 64-bit default dtypes or 0/false (or leave it unset) for the 32-bit defaults")


_x64 = _x64_from_environment()
_dt = 0.1
# Backends that need to react to a change of the policy (JAX flips ``jax_enable_x64``) register here.
_x64_listeners: list[Callable[[bool], None]] = []

_NARROW = {
    np.dtype(np.float64): np.dtype(np.float32),
    np.dtype(np.int64): np.dtype(np.int32),
    np.dtype(np.uint64): np.dtype(np.uint32),
    np.dtype(np.complex128): np.dtype(np.complex64),
}


def enable_x64(enabled: bool = True) -> None:
    """Make float64/int64 the default dtypes on every backend.

    Example:
        >>> import brainpy_math as bm
        >>> bm.enable_x64(); bm.zeros(2).dtype
        dtype('float64')
        >>> bm.disable_x64()
    """
    global _x64
    _x64 = bool(enabled)
    for listener in _x64_listeners:
        listener(_x64)


def disable_x64() -> None:
    """Return to the float32/int32 defaults (the initial state, unless $BRAINPY_MATH_ENABLE_X64).

    Example:
        >>> import brainpy_math as bm
        >>> bm.disable_x64(); bm.ones(2).dtype
        dtype('float32')
    """
    enable_x64(False)


def x64_enabled() -> bool:
    """Whether 64-bit defaults are on."""
    return _x64


def default_float() -> np.dtype:
    """The current default float dtype (float32, or float64 under x64)."""
    return np.dtype(np.float64) if _x64 else np.dtype(np.float32)


def default_int() -> np.dtype:
    """The current default integer dtype (int32, or int64 under x64)."""
    return np.dtype(np.int64) if _x64 else np.dtype(np.int32)


def default_complex() -> np.dtype:
    """The current default complex dtype (complex64, or complex128 under x64)."""
    return np.dtype(np.complex128) if _x64 else np.dtype(np.complex64)


def canonicalize_dtype(dtype: Any) -> np.dtype:
    """Map a dtype to the one the policy allows: 64-bit types become 32-bit unless x64 is on.

    This is what JAX does to every array it creates; the Numba backend applies it too so that
    ``bm.asarray(np.ones(3))`` is float32 on both backends.
    """
    dtype = np.dtype(dtype)
    if _x64:
        return dtype
    return _NARROW.get(dtype, dtype)


def dtype_of_python_value(value: Any) -> np.dtype | None:
    """The policy dtype of a Python scalar, or ``None`` if ``value`` is not a Python scalar."""
    # bool first: bool is a subclass of int.
    if isinstance(value, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(value, int):
        return default_int()
    if isinstance(value, float):
        return default_float()
    if isinstance(value, complex):
        return default_complex()
    return None


def set_dt(dt: float) -> None:
    """Set the global simulation time step (in ms, by convention).

    Example:
        >>> import brainpy_math as bm
        >>> bm.set_dt(0.05); bm.get_dt()
        0.05
        >>> bm.set_dt(0.1)
    """
    global _dt
    if isinstance(dt, bool) or not isinstance(dt, (int, float, np.floating, np.integer)):
        raise TypeError(f"set_dt: argument 'dt' must be a positive number, got {dt!r}")
    if not float(dt) > 0:
        raise ValueError(f"set_dt: argument 'dt' must be a positive number, got {dt!r}")
    _dt = float(dt)


def get_dt() -> float:
    """The global simulation time step set by :func:`set_dt` (default 0.1).

    Example:
        >>> import brainpy_math as bm
        >>> bm.get_dt()
        0.1
    """
    return _dt
