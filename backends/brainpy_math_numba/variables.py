"""Variables on the Numba backend: ``numpy.ndarray`` subclasses written in place.

A Variable is an ndarray (a :class:`~.array.NumbaArray`), so compiled code takes it as an ordinary
array argument and writes into it without copying back. Every array *derived* from a Variable (an
operator's result, a slice, ``reshape``, ``copy``, a NumPy function's result) is a NumbaArray, not a
Variable: otherwise ``self.V = self.V + 1`` would bind a new Variable to the attribute instead of
writing into the existing one. Operators on Variables follow the policy's promotion table.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import brainpy_math.variables as frontend
from .array import NumbaArray, apply_ufunc, checked_write
from .numpy_ops import asarray

__all__ = ["Variable", "TrainVar", "Parameter", "plain"]


def plain(x: Any) -> Any:
    """``x`` as a NumbaArray view if it is a Variable; other objects unchanged."""
    if isinstance(x, Variable):
        return np.ndarray.view(x, NumbaArray)
    if type(x) in (list, tuple):
        return type(x)(plain(i) for i in x)
    return x


def _returns_plain(name: str):
    method = getattr(np.ndarray, name)

    def wrapper(self, *args, **kwargs):
        return plain(method(self, *args, **kwargs))

    wrapper.__name__ = name
    wrapper.__qualname__ = f"Variable.{name}"
    # Not NumPy's docstring: its examples are about ndarray (doctest would run them as ours), and
    # what differs here is the result's type.
    wrapper.__doc__ = (f"``numpy.ndarray.{name}``, returning a NumbaArray rather than a Variable "
                       f"(a derived array is never a Variable; see the module docstring).")
    return wrapper


class Variable(NumbaArray, frontend.Variable):
    """State tracked by the Numba backend's transformations (see ``brainpy_math.Variable``).

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('numba'):
        ...     v = bm.Variable(bm.zeros(2)); v += 1.0
        ...     v.value
        NumbaArray([1., 1.], dtype=float32)
    """

    def __new__(cls, value: Any, dtype: Any = None):
        # Copy: a Variable owns its memory, so writing it never changes the caller's array.
        return np.array(asarray(value, dtype), copy=True).view(cls)

    def __init__(self, value: Any, dtype: Any = None):
        pass

    @property
    def value(self) -> NumbaArray:
        """The Variable's data as a NumbaArray view (writes through it reach the Variable)."""
        return np.ndarray.view(self, NumbaArray)

    @value.setter
    def value(self, new: Any) -> None:
        if type(new) in (bool, int, float, complex):
            frontend.check_assignable(self.shape, self.dtype, new, (), None)  # filled below, cast
        else:
            if not isinstance(new, (np.ndarray, np.generic)):
                # Lists and other array-likes: convert under the dtype policy, then check strictly.
                new = asarray(new)
            frontend.check_assignable(self.shape, self.dtype, new, new.shape, new.dtype)
        np.ndarray.view(self, np.ndarray)[...] = checked_write(self.dtype, new, "Variable assignment")

    # Results of ufuncs are NumbaArrays (the policy's promotion); ``out=`` targets keep their identity.
    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        return apply_ufunc(ufunc, method, inputs, out, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return plain(func(*plain(args), **{k: plain(v) for k, v in kwargs.items()}))

    def __repr__(self) -> str:
        body = np.array2string(self.value, separator=", ", prefix=type(self).__name__ + "(")
        return f"{type(self).__name__}({body}, dtype={self.dtype.name})"

    def __reduce__(self):
        return (type(self), (self.value.copy(),))

    def __copy__(self):
        return type(self)(self.value)

    def __deepcopy__(self, memo):
        return type(self)(self.value)

    for _name in ("__getitem__", "reshape", "copy", "view", "flatten", "ravel", "transpose",
                  "squeeze", "swapaxes", "diagonal", "repeat", "take", "conj", "conjugate", "round",
                  "clip", "cumsum", "cumprod", "dot"):
        locals()[_name] = _returns_plain(_name)
    del _name

    T = property(lambda self: np.ndarray.view(self, NumbaArray).T)
    mT = property(lambda self: np.ndarray.view(self, NumbaArray).mT)
    real = property(lambda self: np.ndarray.view(self, NumbaArray).real)
    imag = property(lambda self: np.ndarray.view(self, NumbaArray).imag)


class TrainVar(Variable, frontend.TrainVar):
    """A trainable Variable on the Numba backend (see ``brainpy_math.TrainVar``)."""


class Parameter(Variable, frontend.Parameter):
    """A parameter Variable on the Numba backend (see ``brainpy_math.Parameter``)."""
