"""``Base``: the class models derive from, and the collectors of their Variables and nodes."""
from __future__ import annotations

import weakref
from collections import defaultdict
from typing import Any, Callable, Iterator

import numpy as np

from .variables import TrainVar, Variable

__all__ = ["Base", "Collector", "ArrayCollector"]


class Collector(dict):
    """A ``dict`` of name → object, as returned by ``Base.vars()`` and ``Base.nodes()``.

    Example:
        >>> import brainpy_math as bm
        >>> class A(bm.Base):
        ...     def __init__(self):
        ...         super().__init__(name='a')
        ...         self.x = bm.Variable(bm.zeros(2))
        >>> list(A().vars().keys())
        ['a.x']
    """

    def subset(self, cls: type) -> "Collector":
        """The entries whose value is an instance of ``cls``."""
        return type(self)((k, v) for k, v in self.items() if isinstance(v, cls))

    def unique(self) -> "Collector":
        """The entries with duplicate objects removed (the first name wins)."""
        seen: set[int] = set()
        out = type(self)()
        for k, v in self.items():
            if id(v) not in seen:
                seen.add(id(v))
                out[k] = v
        return out

    def __add__(self, other: dict) -> "Collector":
        out = type(self)(self)
        out.update(other)
        return out


class ArrayCollector(Collector):
    """A ``Collector`` of Variables, with helpers to read and write their values together."""

    def dict(self) -> dict[str, Any]:
        """Name → a snapshot of the current value of every Variable.

        The snapshot does not change when the Variables are written later: NumPy values (the Numba
        backend, written in place) are copied; jax arrays are immutable and shared as they are.
        """
        out = {}
        for k, v in self.items():
            value = v.value
            out[k] = value.copy() if isinstance(value, np.ndarray) else value
        return out

    def assign(self, values: dict[str, Any]) -> None:
        """Write ``values[name]`` into the Variable of each name."""
        for k, value in values.items():
            self[k].value = value


# Bumped whenever an attribute of any Base object is bound to (or unbound from) a Variable, a Base
# or a container: compiled transformations cache ``obj.vars()`` and collect again when it changes.
structure_version = 0
# Bumped whenever any attribute of any Base object is bound (not when a value is written into a
# Variable): the numba backend's compiled code holds attribute values as constants and checks this
# one number per call instead of every attribute.
binding_version = 0

# Live objects by name, so an explicit duplicate name is refused while the first object lives.
_names: "weakref.WeakValueDictionary[str, Base]" = weakref.WeakValueDictionary()
_counters: defaultdict[str, int] = defaultdict(int)


def _unique_name(prefix: str) -> str:
    while True:
        name = f"{prefix}{_counters[prefix]}"
        _counters[prefix] += 1
        if name not in _names:
            return name


class Base:
    """The base class of models: collects the Variables and child objects reachable from it.

    Attributes holding Variables, Base objects, or lists/tuples/dicts of them are found by
    ``vars()`` and ``nodes()``. Assigning a plain array to an attribute that holds a Variable writes
    into the Variable (``self.V = self.V + 1`` updates it in place); assigning a Variable rebinds.

    Args:
        name: a unique name; by default the class name followed by a counter (``'LIF0'``).

    Example:
        >>> import brainpy_math as bm
        >>> class LIF(bm.Base):
        ...     def __init__(self, n):
        ...         super().__init__()
        ...         self.V = bm.Variable(bm.zeros(n))
        ...     def update(self):
        ...         self.V = self.V + 1.0
        >>> lif = LIF(3); lif.update(); lif.V.value.tolist()
        [1.0, 1.0, 1.0]
    """

    def __init__(self, name: str | None = None):
        if name is None:
            name = _unique_name(type(self).__name__)
        elif not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"Base: argument 'name' must be a Python identifier, got {name!r}")
        elif name in _names:
            raise ValueError(f"Base: name={name!r} is already used by another live object "
                             f"({type(_names[name]).__name__}); names must be unique")
        object.__setattr__(self, "name", name)
        _names[name] = self

    def __setattr__(self, key: str, value: Any) -> None:
        global structure_version, binding_version
        current = self.__dict__.get(key)
        if isinstance(current, Variable) and not isinstance(value, Variable):
            current.value = value
        else:
            object.__setattr__(self, key, value)
            if isinstance(value, _STRUCTURAL) or isinstance(current, _STRUCTURAL):
                structure_version += 1
            binding_version += 1

    # ----------------------------------------------------------------- collection
    def vars(self, method: str = "absolute") -> ArrayCollector:
        """Every Variable reachable from this object, each once, keyed like ``'LIF0.V'``.

        Args:
            method: ``'absolute'`` keys each Variable by the name of the object owning it;
                ``'relative'`` keys it by the attribute path from this object (``'syn.g'``).
        """
        out = ArrayCollector()
        for path, owner, attr, var in self._walk(lambda v: isinstance(v, Variable)):
            out.setdefault(path if method == "relative" else f"{owner.name}.{attr}", var)
        return out.unique()

    def train_vars(self, method: str = "absolute") -> ArrayCollector:
        """Only the ``TrainVar`` instances of :meth:`vars`."""
        return self.vars(method).subset(TrainVar)  # type: ignore[return-value]

    def nodes(self, method: str = "absolute", include_self: bool = True) -> Collector:
        """Every ``Base`` object reachable from this one (itself included), keyed by name."""
        out = Collector()
        if include_self:
            out[self.name if method == "absolute" else ""] = self
        for path, _owner, _attr, node in self._walk(lambda v: isinstance(v, Base)):
            out.setdefault(node.name if method == "absolute" else path, node)
        return out.unique()

    def _walk(self, want: Callable[[Any], bool]) -> Iterator[tuple[str, "Base", str, Any]]:
        """Yield ``(relative path, owning Base, attribute label, object)`` for matching objects.

        Traversal is depth-first in attribute order, so keys are stable across runs.
        """
        visited = {id(self)}
        stack: list[tuple[str, Base]] = [("", self)]
        while stack:
            prefix, node = stack.pop(0)
            found_nodes = []
            for attr, value in list(vars(node).items()):
                for label, item in _flatten(attr, value):
                    path = f"{prefix}{label}"
                    if want(item):
                        yield path, node, label, item
                    if isinstance(item, Base) and id(item) not in visited:
                        visited.add(id(item))
                        found_nodes.append((path + ".", item))
            stack[0:0] = found_nodes

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


# Attribute values whose binding can change what ``vars()`` finds (see ``structure_version``).
_STRUCTURAL = (Variable, Base, list, tuple, dict)


def _flatten(label: str, value: Any) -> Iterator[tuple[str, Any]]:
    """Yield ``(label, item)`` for ``value`` and the items of nested lists, tuples and dicts."""
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _flatten(f"{label}[{i}]", item)
    elif isinstance(value, dict):
        for k, item in value.items():
            yield from _flatten(f"{label}[{k!r}]", item)
    else:
        yield label, value
