"""``bm.surrogate`` on the Numba backend: the Heaviside step, eagerly and inside compiled code.

Numba has no autodiff, so only the forward pass exists here: ``(x >= 0)`` in the float dtype of
``x`` (the policy's default float for integer or bool ``x``). The surrogate gradients are the JAX
backend's (:mod:`brainpy_math.surrogate` documents the formulas).

Inside a method compiled by ``bm.jit``, a call ``bm.surrogate.<name>(...)`` resolves as any
``bm.<namespace>.<name>`` does (``jit/calls.py``): to ``compiled('<name>')`` of this module, an
``njit`` function with the frontend's signature ``(x, <parameters with BrainPy's defaults>)`` that
checks its parameters (``ValueError`` when one is not a finite number > 0) and returns the step.

Example:
    >>> import numba, numpy as np
    >>> from brainpy_math_numba.surrogate import compiled
    >>> spike = compiled('sigmoid')
    >>> numba.njit(lambda v: spike(v, 2.0))(np.asarray([-0.5, 0.0, 2.0], np.float32))
    array([0., 1., 1.], dtype=float32)
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numba
import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.extending import overload
from numba.np.numpy_support import as_dtype

from brainpy_math import _config
from .array import narrow, raw
from .numpy_ops import asarray

#: name -> its parameters and BrainPy's defaults, in the frontend's order.
PARAMETERS: dict[str, tuple[tuple[str, float], ...]] = {
    "sigmoid": (("alpha", 4.0),),
    "arctan": (("alpha", 1.0),),
    "piecewise_quadratic": (("alpha", 1.0),),
    "piecewise_exp": (("alpha", 1.0),),
    "soft_sign": (("alpha", 1.0),),
    "relu_grad": (("alpha", 0.3), ("width", 1.0)),
    "gaussian_grad": (("sigma", 0.5), ("alpha", 0.5)),
    "inv_square_grad": (("alpha", 100.0),),
    "slayer_grad": (("alpha", 1.0),),
}


def _step(value: np.ndarray, where: str) -> Any:
    if value.dtype.kind == "c":
        raise TypeError(f"{where}: argument 'x' must be real, got dtype {value.dtype}")
    dtype = value.dtype if value.dtype.kind == "f" else _config.default_float()
    return narrow((value >= 0).astype(dtype))


def _eager(name: str) -> Callable:
    def call(x: Any, *parameters: Any) -> Any:
        return _step(raw(asarray(x)), f"surrogate.{name}")

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"``bm.surrogate.{name}`` on the Numba backend: the forward pass (see :mod:`brainpy_math.surrogate`)."
    return call


# ------------------------------------------------------------------------------ compiled code
_heavisides: dict[bool, Callable] = {}


def _make_heaviside(x64: bool) -> Callable:
    """The step for compiled code under the policy ``x64`` (the result type of integer inputs)."""
    if x64 in _heavisides:
        return _heavisides[x64]
    default = types.float64 if x64 else types.float32

    def heaviside(x):  # pragma: no cover - replaced by the overload inside compiled code
        return _step(np.asarray(x), "surrogate")

    @overload(heaviside)
    def _heaviside_typed(x):
        dtype = x.dtype if isinstance(x, types.Array) else x
        if isinstance(dtype, types.Complex) or not isinstance(dtype, (types.Float, types.Integer, types.Boolean)):
            raise TypingError(f"bm.surrogate: argument 'x' must be a real array or number, got {x}")
        result = dtype if isinstance(dtype, types.Float) else default
        if isinstance(x, types.Array):
            scalar = as_dtype(result).type

            def array_impl(x):
                return (x >= 0).astype(scalar)
            return array_impl
        return lambda x: result(1) if x >= 0 else result(0)

    _heavisides[x64] = heaviside
    return heaviside


_TEMPLATE = """
def {name}(x, {signature}):
{checks}
    return heaviside(x)
"""
_CHECK = """    if not ({p} > 0 and {p} < inf):
        raise ValueError("bm.surrogate.{name}: argument '{p}' must be a finite number > 0")"""

_compiled: dict[tuple[str, bool], Callable] = {}


def compiled(name: str) -> Callable:
    """The ``njit`` function that code compiled by the numba backend calls for ``bm.surrogate.<name>``,
    under the current dtype policy.

    Raises:
        KeyError: ``name`` is not a surrogate function.
    """
    if name not in PARAMETERS:
        raise KeyError(f"compiled: {name!r} is not a bm.surrogate function (one of {sorted(PARAMETERS)})")
    key = (name, _config.x64_enabled())
    if key not in _compiled:
        parameters = PARAMETERS[name]
        source = _TEMPLATE.format(
            name=name, signature=", ".join(f"{p}={default!r}" for p, default in parameters),
            checks="\n".join(_CHECK.format(p=p, name=name) for p, _ in parameters))
        scope = {"heaviside": _make_heaviside(key[1]), "inf": math.inf}
        exec(compile(source, f"<bm.surrogate.{name} (numba)>", "exec"), scope)
        _compiled[key] = numba.njit(scope[name])
    return _compiled[key]


globals().update({name: _eager(name) for name in PARAMETERS})
__all__ = [*PARAMETERS, "PARAMETERS", "compiled"]
