"""Variables on the JAX backend: JaxArrays whose shape and dtype are fixed at creation."""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import brainpy_math.variables as frontend
from brainpy_math.base import ArrayCollector, Collector
from brainpy_math import _promotion
from .array import JaxArray, register_pytree, to_jax
from .tracking import LOCAL, note_variable, note_variable_created

__all__ = ["Variable", "TrainVar", "Parameter", "raw_get", "raw_set"]

# The storage slot of every JaxArray. Variables shadow ``_value`` with a property that reports reads
# to active transformations; the transformations themselves read and write through these, unseen.
_slot = JaxArray.__dict__["_value"]
raw_get = _slot.__get__
raw_set = _slot.__set__


def _read(self: "Variable") -> Any:
    if LOCAL.contexts:
        note_variable(self, False)
    return raw_get(self)


class Variable(JaxArray, frontend.Variable):
    """State tracked by the JAX backend's transformations (see ``brainpy_math.Variable``).

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('jax'):
        ...     v = bm.Variable(bm.zeros(2)); v += 1.0
        ...     v
        Variable([1., 1.], dtype=float32)
    """

    __slots__ = ()
    _value = property(_read, raw_set)

    def __init__(self, value: Any, dtype: Any = None):
        if isinstance(value, JaxArray):
            value = value._value
        raw_set(self, to_jax(value, dtype, "Variable"))
        if LOCAL.contexts:
            note_variable_created(self)

    @classmethod
    def _from_value(cls, value: Any) -> "Variable":
        obj = object.__new__(cls)
        raw_set(obj, value)
        if LOCAL.contexts:
            note_variable_created(obj)
        return obj

    # The storage as the trace contexts (``tracking``) read and write it: not reported to them.
    def _stored(self) -> Any:
        return raw_get(self)

    def _store(self, value: Any) -> None:
        raw_set(self, value)

    def _write(self, new: Any) -> None:
        if LOCAL.contexts:
            note_variable(self, True)
        raw_set(self, new)

    @property
    def value(self):
        return self._value

    @value.setter
    def value(self, new: Any) -> None:
        current = self._value
        if isinstance(new, JaxArray):
            new = new._value
        if type(new) in (bool, int, float, complex):
            frontend.check_assignable(current.shape, current.dtype, new, (), None)
            if type(new) is int and current.dtype.kind in "iu":
                # A Python int is concrete even inside bm.jit: it is stored exactly or not at all.
                _promotion.check_python_int(new, np.dtype(current.dtype), "Variable assignment")
            new = jnp.full(current.shape, new, dtype=current.dtype)
        else:
            if not hasattr(new, "dtype") or not hasattr(new, "shape"):
                # Lists and other array-likes: convert under the dtype policy, then check strictly.
                new = to_jax(new, where="Variable assignment")
            frontend.check_assignable(current.shape, current.dtype, new, new.shape, new.dtype)
            new = to_jax(new, where="Variable assignment")
        self._write(new)

    def __repr__(self) -> str:
        return type(self).__name__ + super().__repr__()[len("JaxArray"):]


class TrainVar(Variable, frontend.TrainVar):
    """A trainable Variable on the JAX backend (see ``brainpy_math.TrainVar``)."""

    __slots__ = ()


class Parameter(Variable, frontend.Parameter):
    """A parameter Variable on the JAX backend (see ``brainpy_math.Parameter``)."""

    __slots__ = ()


for _cls in (Variable, TrainVar, Parameter):
    register_pytree(_cls)
del _cls


def _register_collector(cls: type) -> None:
    """``cls`` (a dict of name -> value) as a pytree keeping its order and class, so that what
    ``bm.grad(..., grad_vars=model.train_vars())`` returns can leave ``bm.jit``/``jax.jit`` and
    feed ``jax.tree_util`` and optax as BrainPy's collectors do."""
    jax.tree_util.register_pytree_with_keys(
        cls,
        lambda c: (tuple((jax.tree_util.DictKey(k), v) for k, v in c.items()), tuple(c)),
        lambda keys, children: cls(zip(keys, children)),
        flatten_func=lambda c: (tuple(c.values()), tuple(c)),
    )


for _cls in (Collector, ArrayCollector):
    _register_collector(_cls)
del _cls
