"""``bm.surrogate``: spike functions with surrogate gradients (BrainPy 2.x's ``bm.surrogate``).

Every function here computes the same forward pass, the Heaviside step of its input::

    spike(x) = 1  where x >= 0
               0  where x < 0      (NaN gives 0)

as an array of the input's float dtype (an integer or bool input gives the policy's default float:
float32, float64 under ``bm.enable_x64()``). The value at exactly 0 is 1, as in BrainPy and as the
threshold test of the repository's neuron models (``V >= V_th``): for finite floats ``V - V_th >= 0``
exactly when ``V >= V_th``, so ``bm.surrogate.sigmoid(V - V_th)`` spikes on the same steps.

The functions differ in their gradient, which only the JAX backend computes: ``bm.grad`` (or
``jax.grad``) of a spike function gives the surrogate derivative ``g'(x)`` named in each docstring
instead of the Dirac delta (a ``jax.custom_jvp``; works under ``bm.jit``, ``bm.vmap`` and
``bm.for_loop``). Gradients with respect to the shape parameters (``alpha``, ``sigma``, ...) are zero.
On the Numba backend the forward pass runs eagerly and inside ``bm.jit`` (compiled in place of the
call); Numba has no autodiff, so ``bm.grad`` raises ``NotImplementedError`` there.

Shape parameters given as Python or NumPy numbers are checked when called: one that must be positive
and is not (or is NaN or infinite) raises ``ValueError`` naming the function, the argument and its
value. Arrays or traced values are used as they are.

Names, parameters and defaults are BrainPy 2.x's (``brainpy.math.surrogate``), without its ``origin``
option.

Example:
    >>> import brainpy_math as bm
    >>> v = bm.asarray([-0.5, 0.0, 0.5])
    >>> bm.surrogate.sigmoid(v).tolist()
    [0.0, 1.0, 1.0]
    >>> with bm.set_backend('jax'):
    ...     g = bm.grad(lambda x: bm.surrogate.sigmoid(x).sum())(bm.asarray([0.0]))
    >>> g.tolist()   # alpha * s * (1 - s) with s = sigmoid(0) = 0.5, alpha = 4
    [1.0]
"""
from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from . import _backend

__all__ = ["sigmoid", "arctan", "piecewise_quadratic", "piecewise_exp", "soft_sign", "relu_grad",
           "gaussian_grad", "inv_square_grad", "slayer_grad"]


def _positive(function: str, argument: str, value: Any) -> Any:
    """``value`` as a Python float if it is a concrete real number (checked to be finite and > 0);
    other values (arrays, traced values) unchanged."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"surrogate.{function}: argument {argument!r} must be a real number, got {value!r}")
    if isinstance(value, (numbers.Real, np.integer, np.floating)) or (
            isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf"):
        number = float(value)
        if not (math.isfinite(number) and number > 0):
            raise ValueError(f"surrogate.{function}: argument {argument!r} must be a finite number > 0, "
                             f"got {value!r}")
        return number
    return value


def _call(name: str, x: Any, *parameters: Any) -> Any:
    module = _backend._current_module or _backend.current()
    return getattr(module.surrogate, name)(x, *parameters)


def sigmoid(x: Any, alpha: float = 4.0) -> Any:
    """Spike function (``x >= 0`` -> 1.0, else 0.0) with the sigmoid surrogate gradient.

    Gradient (JAX backend)::

        g'(x) = alpha * s * (1 - s),   s = sigmoid(alpha * x) = 1 / (1 + exp(-alpha * x))

    Args:
        x: the input, e.g. ``V - V_th``.
        alpha: the steepness, ``> 0`` (BrainPy's default 4.0); the peak gradient is ``alpha / 4`` at 0.

    Example:
        >>> import brainpy_math as bm
        >>> bm.surrogate.sigmoid(bm.asarray([-1.0, 0.0, 1.0]), alpha=2.0).tolist()
        [0.0, 1.0, 1.0]
    """
    return _call("sigmoid", x, _positive("sigmoid", "alpha", alpha))


def arctan(x: Any, alpha: float = 1.0) -> Any:
    """Spike function (``x >= 0`` -> 1.0, else 0.0) with the arctan surrogate gradient.

    Gradient (JAX backend), the derivative of ``arctan(pi/2 * alpha * x) / pi + 1/2``::

        g'(x) = alpha / 2 / (1 + (pi/2 * alpha * x) ** 2)

    Args:
        x: the input, e.g. ``V - V_th``.
        alpha: the steepness, ``> 0``; default 1.0 as in BrainPy 2.x (SpikingJelly's ``ATan`` uses 2.0).

    Example:
        >>> import brainpy_math as bm
        >>> bm.surrogate.arctan(bm.asarray([-1.0, 0.0, 1.0])).tolist()
        [0.0, 1.0, 1.0]
    """
    return _call("arctan", x, _positive("arctan", "alpha", alpha))


def piecewise_quadratic(x: Any, alpha: float = 1.0) -> Any:
    """Spike function (``x >= 0`` -> 1.0, else 0.0) with the piecewise quadratic surrogate gradient.

    Gradient (JAX backend), a triangle of height ``alpha`` and half-width ``1 / alpha``::

        g'(x) = alpha - alpha**2 * |x|   where |x| <= 1 / alpha
                0                        elsewhere

    Args:
        x: the input, e.g. ``V - V_th``.
        alpha: ``> 0`` (BrainPy's default 1.0).

    Example:
        >>> import brainpy_math as bm
        >>> bm.surrogate.piecewise_quadratic(bm.asarray([-1.0, 0.0, 1.0])).tolist()
        [0.0, 1.0, 1.0]
    """
    return _call("piecewise_quadratic", x, _positive("piecewise_quadratic", "alpha", alpha))


def piecewise_exp(x: Any, alpha: float = 1.0) -> Any:
    """Spike function (``x >= 0`` -> 1.0, else 0.0) with the piecewise exponential surrogate gradient.

    Gradient (JAX backend)::

        g'(x) = alpha / 2 * exp(-alpha * |x|)

    Args:
        x: the input, e.g. ``V - V_th``.
        alpha: ``> 0`` (BrainPy's default 1.0).

    Example:
        >>> import brainpy_math as bm
        >>> bm.surrogate.piecewise_exp(bm.asarray([-1.0, 0.0, 1.0])).tolist()
        [0.0, 1.0, 1.0]
    """
    return _call("piecewise_exp", x, _positive("piecewise_exp", "alpha", alpha))


def soft_sign(x: Any, alpha: float = 1.0) -> Any:
    """Spike function (``x >= 0`` -> 1.0, else 0.0) with the soft-sign surrogate gradient.

    Gradient (JAX backend), the derivative of ``(alpha * x / (1 + |alpha * x|) + 1) / 2``::

        g'(x) = alpha / 2 / (1 + |alpha * x|) ** 2

    Args:
        x: the input, e.g. ``V - V_th``.
        alpha: ``> 0`` (BrainPy's default 1.0).

    Example:
        >>> import brainpy_math as bm
        >>> bm.surrogate.soft_sign(bm.asarray([-1.0, 0.0, 1.0])).tolist()
        [0.0, 1.0, 1.0]
    """
    return _call("soft_sign", x, _positive("soft_sign", "alpha", alpha))


def relu_grad(x: Any, alpha: float = 0.3, width: float = 1.0) -> Any:
    """Spike function (``x >= 0`` -> 1.0, else 0.0) with the piecewise linear (triangle) surrogate gradient.

    BrainPy's name for the piecewise linear surrogate (Neftci, Mostafa & Zenke 2019). Gradient (JAX
    backend), a triangle of height ``alpha * width`` and half-width ``width``::

        g'(x) = max(alpha * (width - |x|), 0)

    Args:
        x: the input, e.g. ``V - V_th``.
        alpha: the slope, ``> 0`` (BrainPy's default 0.3).
        width: the half-width, ``> 0`` (BrainPy's default 1.0).

    Example:
        >>> import brainpy_math as bm
        >>> bm.surrogate.relu_grad(bm.asarray([-1.0, 0.0, 1.0])).tolist()
        [0.0, 1.0, 1.0]
    """
    return _call("relu_grad", x, _positive("relu_grad", "alpha", alpha), _positive("relu_grad", "width", width))


def gaussian_grad(x: Any, sigma: float = 0.5, alpha: float = 0.5) -> Any:
    """Spike function (``x >= 0`` -> 1.0, else 0.0) with the Gaussian surrogate gradient.

    Gradient (JAX backend), ``alpha`` times the normal density of mean 0 and standard deviation ``sigma``
    (Yin, Corradi & Bohte 2021)::

        g'(x) = alpha * exp(-x**2 / (2 * sigma**2)) / (sqrt(2 * pi) * sigma)

    This is the formula BrainPy documents; BrainPy's code computes ``exp(-x**2 / 2 * sigma**2)`` in the
    numerator (the same only for ``sigma = 1``).

    Args:
        x: the input, e.g. ``V - V_th``.
        sigma: the standard deviation, ``> 0`` (BrainPy's default 0.5).
        alpha: the scale, ``> 0`` (BrainPy's default 0.5).

    Example:
        >>> import brainpy_math as bm
        >>> bm.surrogate.gaussian_grad(bm.asarray([-1.0, 0.0, 1.0])).tolist()
        [0.0, 1.0, 1.0]
    """
    return _call("gaussian_grad", x, _positive("gaussian_grad", "sigma", sigma),
                 _positive("gaussian_grad", "alpha", alpha))


def inv_square_grad(x: Any, alpha: float = 100.0) -> Any:
    """Spike function (``x >= 0`` -> 1.0, else 0.0) with the inverse-square (SuperSpike) surrogate gradient.

    The derivative of the fast sigmoid of SuperSpike (Zenke & Ganguli 2018). Gradient (JAX backend)::

        g'(x) = 1 / (alpha * |x| + 1) ** 2

    Args:
        x: the input, e.g. ``V - V_th``.
        alpha: the steepness, ``> 0`` (BrainPy's default 100.0); the gradient at 0 is 1.

    Example:
        >>> import brainpy_math as bm
        >>> bm.surrogate.inv_square_grad(bm.asarray([-1.0, 0.0, 1.0])).tolist()
        [0.0, 1.0, 1.0]
    """
    return _call("inv_square_grad", x, _positive("inv_square_grad", "alpha", alpha))


def slayer_grad(x: Any, alpha: float = 1.0) -> Any:
    """Spike function (``x >= 0`` -> 1.0, else 0.0) with the SLAYER surrogate gradient.

    Gradient (JAX backend) (Shrestha & Orchard 2018)::

        g'(x) = exp(-alpha * |x|)

    Args:
        x: the input, e.g. ``V - V_th``.
        alpha: ``> 0`` (BrainPy's default 1.0).

    Example:
        >>> import brainpy_math as bm
        >>> bm.surrogate.slayer_grad(bm.asarray([-1.0, 0.0, 1.0])).tolist()
        [0.0, 1.0, 1.0]
    """
    return _call("slayer_grad", x, _positive("slayer_grad", "alpha", alpha))
