"""State containers: ``Variable``, ``TrainVar`` and ``Parameter``.

The classes here are the frontend's names. Calling one builds the current backend's concrete class
(a ``JaxArray`` subclass on JAX, an ``ndarray`` subclass on Numba); each backend's classes derive from
these, so ``isinstance(v, bm.Variable)`` holds whichever backend made ``v``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _backend

__all__ = ["Variable", "TrainVar", "Parameter", "check_assignable"]


class _FrontendClassMeta(type):
    """Calling a frontend class builds the current backend's class of the same name."""

    def __call__(cls, *args, **kwargs):
        if cls.__dict__.get("_frontend", False):
            return getattr(_backend.current(), cls.__name__)(*args, **kwargs)
        return super().__call__(*args, **kwargs)


class Variable(metaclass=_FrontendClassMeta):
    """An array whose value is state: transformations (``jit``, ``for_loop``, ...) track it.

    ``v.value`` reads the whole array and ``v.value = x`` writes it in place; a value of another
    shape or dtype is refused with a ``ValueError``.

    Example:
        >>> import brainpy_math as bm
        >>> v = bm.Variable(bm.zeros(3))
        >>> v.value = bm.ones(3)
        >>> isinstance(v, bm.Variable), v.shape
        (True, (3,))
    """

    __slots__ = ()
    _frontend = True

    def update(self, value: Any) -> None:
        """Write ``value`` into the Variable: BrainPy's name of ``v.value = value``.

        The same checks apply: a value of another shape or dtype raises ``ValueError`` and leaves
        the Variable unchanged. Inside ``bm.jit`` it compiles like ``v.value = value`` on both
        backends.

        Example:
            >>> import brainpy_math as bm
            >>> v = bm.Variable(bm.zeros(2))
            >>> v.update(bm.ones(2))
            >>> v.value.tolist()
            [1.0, 1.0]
        """
        self.value = value


class TrainVar(Variable):
    """A trainable Variable (collected by ``Base.train_vars()``).

    Example:
        >>> import brainpy_math as bm
        >>> w = bm.TrainVar(bm.ones(2))
        >>> isinstance(w, bm.Variable), isinstance(w, bm.TrainVar)
        (True, True)
    """

    __slots__ = ()
    _frontend = True


class Parameter(Variable):
    """A Variable holding a model parameter that is not trained.

    Example:
        >>> import brainpy_math as bm
        >>> tau = bm.Parameter(bm.asarray(10.0))
        >>> isinstance(tau, bm.Variable)
        True
    """

    __slots__ = ()
    _frontend = True


# For a Variable of each dtype kind, the Python scalar types that may be written into it (cast).
_SCALARS_ACCEPTED = {
    "b": (bool,),
    "i": (bool, int),
    "u": (bool, int),
    "f": (bool, int, float),
    "c": (bool, int, float, complex),
}


def check_assignable(var_shape: tuple, var_dtype: np.dtype, value: Any,
                     value_shape: tuple, value_dtype: np.dtype | None) -> bool:
    """Raise ``ValueError`` unless ``value`` may be written into a Variable of this shape and dtype.

    Backends call this from their ``value`` setters. A Python scalar of a compatible kind is
    accepted and fills the Variable (the return value is then ``True``: the caller casts and
    broadcasts it). Anything else must match shape and dtype exactly, because a silent cast or
    broadcast would change the model's state layout between calls (and force a recompile on JAX).
    """
    if type(value) in (bool, int, float, complex):
        accepted = _SCALARS_ACCEPTED.get(np.dtype(var_dtype).kind, ())
        if type(value) in accepted:
            return True
        raise ValueError(f"cannot write {value!r} ({type(value).__name__}) into a Variable of dtype "
                         f"{np.dtype(var_dtype)} (shape {tuple(var_shape)})")
    if tuple(value_shape) != tuple(var_shape):
        raise ValueError(f"cannot write a value of shape {tuple(value_shape)} into a Variable of shape "
                         f"{tuple(var_shape)} (dtype {np.dtype(var_dtype)}); a Variable keeps its shape")
    if value_dtype is not None and np.dtype(value_dtype) != np.dtype(var_dtype):
        raise ValueError(f"cannot write a value of dtype {np.dtype(value_dtype)} into a Variable of dtype "
                         f"{np.dtype(var_dtype)} (shape {tuple(var_shape)}); cast it first with "
                         f".astype({np.dtype(var_dtype).name!r})")
    return False
