"""BrainPy 2.x's names for brainpy_math's types and conversions: ``bm.Array``, ``bm.BrainPyObject``,
``bm.NodeList``, ``bm.VarList``, ``bm.as_numpy`` and ``bm.as_jax``; and ``bm.relu``, the very same
function as ``bm.activations.relu`` (BrainPy has it at the top level too).

They behave the same on both backends; where brainpy_math differs from BrainPy, the docstring says
how. The frontend imports NumPy only: ``as_jax`` imports jax when called.

Example:
    >>> import brainpy_math as bm
    >>> isinstance(bm.zeros(2), bm.Array), bm.as_numpy(bm.ones(2)).tolist()
    (True, [1.0, 1.0])
    >>> bm.relu is bm.activations.relu, bm.relu(bm.asarray([-1.0, 2.0])).tolist()
    (True, [0.0, 2.0])
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from . import _backend, base
from .activations import relu
from .base import Base
from .variables import Variable

__all__ = ["Array", "BrainPyObject", "NodeList", "VarList", "as_numpy", "as_jax", "relu"]

#: BrainPy 2.4's name of ``bm.Base``, the class models derive from (the very same class).
BrainPyObject = Base


class _ArrayMeta(type):
    """``isinstance``/``issubclass`` against the current backend's array type; calling converts."""

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, _backend.current().ndarray)

    def __subclasscheck__(cls, sub: type) -> bool:
        return isinstance(sub, type) and issubclass(sub, _backend.current().ndarray)

    def __call__(cls, value: Any, dtype: Any = None) -> Any:
        import brainpy_math as bm
        out = bm.asarray(value, dtype=dtype)
        if isinstance(out, Variable):
            out = bm.asarray(out.value)  # an array, not the Variable: BrainPy's Array(v) is no Variable
        return out


class Array(metaclass=_ArrayMeta):
    """BrainPy 2.4's name of the array type: the current backend's array class, ``bm.ndarray``.

    ``isinstance(x, bm.Array)`` is ``isinstance(x, bm.ndarray)``, decided when it is called: on JAX
    it holds for ``JaxArray`` (BrainPy's ``bm.Array``), on Numba for ``NumbaArray``; Variables are
    arrays on both. It is not the class itself, so ``type(x) is bm.Array`` is always False, and an
    array made under the other backend is not a ``bm.Array`` (as it is not a ``bm.ndarray``).
    ``bm.Array(value, dtype=None)`` converts like ``bm.asarray`` (under the dtype policy), and gives
    a plain array for a Variable.

    Example:
        >>> import brainpy_math as bm
        >>> x = bm.Array([1.0, 2.0])
        >>> isinstance(x, bm.Array), isinstance(bm.Variable(x), bm.Array), isinstance([1.0], bm.Array)
        (True, True, False)
    """


def _check_items(items: Iterable[Any], kind: type, what: str, where: str) -> list:
    items = list(items)
    for i, item in enumerate(items):
        if not isinstance(item, kind):
            raise TypeError(f"{where}: element {i} must be {what}, got {type(item).__name__}")
    return items


def _changed() -> None:
    """Tell compiled transformations that a list bound to a Base object changed (see ``base``)."""
    base.structure_version += 1
    base.binding_version += 1


class _CheckedList(list):
    """A list whose elements must be ``_kind``; a change makes compiled code collect ``vars()`` again."""

    _kind: type = object
    _what = "an object"

    def __init__(self, seq: Iterable[Any] = ()):
        super().__init__(_check_items(seq, self._kind, self._what, type(self).__name__))

    def append(self, element: Any) -> "_CheckedList":
        """Append ``element`` (checked); returns the list, as BrainPy's does."""
        super().append(_check_items([element], self._kind, self._what, f"{type(self).__name__}.append")[0])
        _changed()
        return self

    def extend(self, elements: Iterable[Any]) -> "_CheckedList":
        """Append every element of ``elements`` (all checked first); returns the list."""
        super().extend(_check_items(elements, self._kind, self._what, f"{type(self).__name__}.extend"))
        _changed()
        return self

    def insert(self, index: Any, element: Any) -> None:
        super().insert(index, _check_items([element], self._kind, self._what, f"{type(self).__name__}.insert")[0])
        _changed()

    def __setitem__(self, index: Any, value: Any) -> None:
        if isinstance(index, slice):
            value = _check_items(value, self._kind, self._what, f"{type(self).__name__}[...] =")
        else:
            value = _check_items([value], self._kind, self._what, f"{type(self).__name__}[...] =")[0]
        super().__setitem__(index, value)
        _changed()

    def __iadd__(self, elements: Iterable[Any]) -> "_CheckedList":
        return self.extend(elements)

    def __delitem__(self, index: Any) -> None:
        super().__delitem__(index)
        _changed()

    def pop(self, index: Any = -1) -> Any:
        out = super().pop(index)
        _changed()
        return out

    def remove(self, value: Any) -> None:
        super().remove(value)
        _changed()

    def clear(self) -> None:
        super().clear()
        _changed()


class NodeList(_CheckedList):
    """A list of ``bm.Base`` objects (BrainPy's ``bm.NodeList``) whose nodes and Variables the
    owning object collects: ``obj.vars()`` names them by each node's name, ``obj.vars('relative')``
    as ``'layers[0].w'`` (the same as for a plain list, which brainpy_math collects too). Elements
    are checked (``TypeError`` for anything else), and adding or removing one after the list is
    bound makes compiled transformations collect the Variables again.

    Example:
        >>> import brainpy_math as bm
        >>> class Layer(bm.Base):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.w = bm.Variable(bm.zeros(2))
        >>> class Net(bm.Base):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.layers = bm.NodeList([Layer(), Layer()])
        >>> list(Net().vars('relative'))
        ['layers[0].w', 'layers[1].w']
    """

    _kind = Base
    _what = "a bm.Base object"


class VarList(_CheckedList):
    """A list of ``bm.Variable`` objects (BrainPy's ``bm.VarList``) that the owning object's
    ``vars()`` collects, named ``'<owner>.<attr>[i]'``. Elements are checked (``TypeError`` for
    anything else). As with a ``bm.Base`` attribute holding a Variable, ``lst[i] = array`` writes
    into the Variable ``lst[i]`` (checked as ``lst[i].value = array``), and ``lst[i] = variable``
    replaces it.

    Example:
        >>> import brainpy_math as bm
        >>> class Net(bm.Base):
        ...     def __init__(self):
        ...         super().__init__(name='net')
        ...         self.states = bm.VarList([bm.Variable(bm.zeros(2)), bm.Variable(bm.ones(3))])
        >>> net = Net(); net.states[0] = bm.ones(2)
        >>> list(net.vars()), net.states[0].value.tolist()
        (['net.states[0]', 'net.states[1]'], [1.0, 1.0])
    """

    _kind = Variable
    _what = "a bm.Variable"

    def __setitem__(self, index: Any, value: Any) -> None:
        if not isinstance(index, slice) and not isinstance(value, Variable):
            self[index].value = value  # into the Variable, with the shape and dtype checks
            return
        super().__setitem__(index, value)


def as_numpy(x: Any) -> np.ndarray:
    """``x`` as a new, writable NumPy ``ndarray`` on the host (BrainPy's ``bm.as_numpy``).

    It is always a copy, on both backends: on Numba an array or Variable changes in place, and a
    result sharing its memory would change with it. Python data converts under brainpy_math's
    dtype policy, as ``bm.asarray`` does (``bm.as_numpy([1.0])`` is float32 unless x64 is on).

    Example:
        >>> import brainpy_math as bm
        >>> a = bm.as_numpy(bm.Variable(bm.arange(3)))
        >>> type(a).__name__, a.tolist()
        ('ndarray', [0, 1, 2])
    """
    if not (isinstance(x, (np.ndarray, np.generic)) or hasattr(x, "__array__")):
        import brainpy_math as bm
        x = bm.asarray(x)
    out = np.array(x, copy=True)
    return out.view(np.ndarray) if type(out) is not np.ndarray else out


def as_jax(x: Any, dtype: Any = None) -> Any:
    """``x`` as a ``jax.Array`` (BrainPy's ``bm.as_jax``), on either backend.

    Arrays of both backends, Variables, NumPy arrays and Python data convert under brainpy_math's
    dtype policy, exactly as the jax backend's ``bm.asarray`` does; a ``dtype`` casts. Where jax is
    not installed, it raises ``ImportError`` naming jax and how to install it.

    Example:
        >>> import brainpy_math as bm
        >>> type(bm.as_jax(bm.ones(2))).__module__.startswith('jax')
        True
    """
    if "jax" not in _backend.available_backends():
        raise ImportError(f"bm.as_jax needs jax, which is not installed here ({_backend.install_hint('jax')})")
    jax_backend = _backend.load("jax")  # the module, found by entry point: the frontend imports no backend
    if isinstance(x, np.ndarray) and type(x) is not np.ndarray:
        x = x.view(np.ndarray)  # a Numba array or Variable: its data
    return jax_backend.asarray(x, dtype=dtype).value
