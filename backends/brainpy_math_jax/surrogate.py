"""``bm.surrogate`` on the JAX backend: the Heaviside step with a ``jax.custom_jvp`` surrogate derivative.

Each function is ``spike(x, *parameters)``: forward ``(x >= 0)`` in the float dtype of ``x``; its JVP
is ``g'(x, *parameters) * dx`` (cast to the dtype of ``x``), so forward and reverse mode
(``bm.grad``, ``jax.grad``), ``vmap`` and ``jit`` all see the surrogate. The parameters' tangents are
ignored. The formulas are documented in :mod:`brainpy_math.surrogate`, which checks the parameters.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import jax
import jax.numpy as jnp

from brainpy_math import _config
from .array import to_jax, wrap

def _sigmoid(x, alpha):
    s = jax.nn.sigmoid(alpha * x)
    return alpha * s * (1 - s)


def _arctan(x, alpha):
    return alpha / 2 / (1 + (math.pi / 2 * alpha * x) ** 2)


def _piecewise_quadratic(x, alpha):
    return jnp.where(jnp.abs(x) > 1 / alpha, 0, alpha - alpha ** 2 * jnp.abs(x))


def _piecewise_exp(x, alpha):
    return alpha / 2 * jnp.exp(-alpha * jnp.abs(x))


def _soft_sign(x, alpha):
    return alpha / 2 / (1 + jnp.abs(alpha * x)) ** 2


def _relu_grad(x, alpha, width):
    return jnp.maximum(alpha * (width - jnp.abs(x)), 0)


def _gaussian_grad(x, sigma, alpha):
    return alpha * jnp.exp(-x ** 2 / (2 * sigma ** 2)) / (math.sqrt(2 * math.pi) * sigma)


def _inv_square_grad(x, alpha):
    return 1 / (alpha * jnp.abs(x) + 1) ** 2


def _slayer_grad(x, alpha):
    return jnp.exp(-alpha * jnp.abs(x))


#: name -> the surrogate derivative ``g'(x, *parameters)`` on jax arrays.
GRADIENTS: dict[str, Callable] = {
    "sigmoid": _sigmoid, "arctan": _arctan, "piecewise_quadratic": _piecewise_quadratic,
    "piecewise_exp": _piecewise_exp, "soft_sign": _soft_sign, "relu_grad": _relu_grad,
    "gaussian_grad": _gaussian_grad, "inv_square_grad": _inv_square_grad, "slayer_grad": _slayer_grad,
}


def _spike_function(name: str, derivative: Callable) -> Callable:
    @jax.custom_jvp
    def spike(x, *parameters):
        return (x >= 0).astype(x.dtype)

    @spike.defjvp
    def _spike_jvp(primals, tangents):
        x, *parameters = primals
        slope = derivative(x, *parameters)
        return spike(x, *parameters), (slope * tangents[0]).astype(x.dtype)

    def call(x: Any, *parameters: Any) -> Any:
        value = to_jax(x, where=f"surrogate.{name}")
        if jnp.issubdtype(value.dtype, jnp.complexfloating):
            raise TypeError(f"surrogate.{name}: argument 'x' must be real, got dtype {value.dtype}")
        if not jnp.issubdtype(value.dtype, jnp.floating):
            value = value.astype(_config.default_float())
        # Arrays (or traced values) as parameters: jax arrays; Python floats stay weakly typed.
        parameters = tuple(p if isinstance(p, (int, float)) else to_jax(p, where=f"surrogate.{name}")
                           for p in parameters)
        return wrap(spike(value, *parameters))

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"``bm.surrogate.{name}`` on the JAX backend (see :mod:`brainpy_math.surrogate`)."
    return call


globals().update({name: _spike_function(name, derivative) for name, derivative in GRADIENTS.items()})
__all__ = [*GRADIENTS, "GRADIENTS"]
