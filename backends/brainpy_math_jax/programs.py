"""Compiled programs shared by objects of one structure, and the plain attributes that guard them.

A ``jit`` trace records the plain (non-Variable) attributes of ``Base`` objects the code reads
(``tracking.AttributeRecorder``): they are constants of the compiled code. A :class:`Program` keeps
them as guards, so each call checks them (identity first, then by value) and the code is traced
again when one changed; objects of one class whose attributes hold the same values share it, each
passing its own Variables. An attribute the code *rebinds* to a value of the trace is refused
(:func:`leak_error`).
"""
from __future__ import annotations

import hashlib
import weakref
from typing import Any, Callable, Sequence

import jax
import numpy as np

from brainpy_math.base import Base
from .array import JaxArray
from .state import holds_trace_values
from .tracking import MISSING, AttributeLeakError, AttributeRecorder
from .variables import Variable, raw_get

__all__ = ["IdRef", "Program", "value_state", "guard", "guards_hold", "node_paths", "leak_error"]


class IdRef:
    """A hashable weak reference by identity (a Variable's ``==`` is elementwise; its hash fails).

    Equal only to a reference to the same live object, so a new object that gets a collected one's
    id never matches.
    """

    __slots__ = ("ref", "key")

    def __init__(self, obj: Any):
        self.ref = weakref.ref(obj)
        self.key = id(obj)

    def __hash__(self) -> int:
        return self.key

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, IdRef) or other.key != self.key:
            return False
        obj = self.ref()
        return obj is not None and obj is other.ref()


def value_state(value: Any) -> Any:
    """A comparable summary of a plain attribute's value, equal for values compiled code treats alike.

    Variables and objects count by kind and layout only (they are state, threaded or walked on their
    own); arrays and Python data by value.
    """
    if isinstance(value, Variable):
        return ("V", type(value).__name__, tuple(value.shape), str(value.dtype))
    if isinstance(value, Base):
        return ("B", type(value))
    if isinstance(value, JaxArray):
        raw = raw_get(value)
        if isinstance(raw, jax.core.Tracer):
            return ("O", id(value))
        return ("A", tuple(raw.shape), str(raw.dtype), digest(np.asarray(raw)))
    if isinstance(value, np.ndarray):
        return ("N", value.shape, value.dtype.str, digest(value))
    if isinstance(value, (list, tuple)):
        return (type(value), tuple(value_state(v) for v in value))
    if isinstance(value, dict):
        return ("D", tuple((k, value_state(v)) for k, v in value.items()))
    if isinstance(value, (bool, int, float, complex, str, bytes, type(None), np.generic)):
        return (type(value), repr(value))
    if value is MISSING:
        return ("M",)
    return ("O", id(value))


def digest(array: np.ndarray) -> bytes:
    """The content of an array, short (programs keep it as long as they live)."""
    data = np.ascontiguousarray(array).tobytes()
    return data if len(data) <= 64 else hashlib.blake2b(data, digest_size=20).digest()


# A NumPy array attribute up to this many bytes is compared by value at each call (it may be changed
# in place); a larger one only by identity, so that a large table costs no copy per call.
_MAX_COMPARED_BYTES = 1 << 16


def fast_state(value: Any, keep: list) -> Any:
    """A summary of a container or NumPy array that changes whenever anything in it is rebound.

    Items are compared by identity (``keep`` holds them, so their ids stay theirs).
    """
    if isinstance(value, np.ndarray):
        keep.append(value)
        if value.nbytes > _MAX_COMPARED_BYTES:
            return ("N", id(value))
        return ("N", id(value), value.shape, value.dtype.str, value.tobytes())
    if isinstance(value, (list, tuple)):
        return (type(value), tuple(fast_state(v, keep) for v in value))
    if isinstance(value, dict):
        return ("D", tuple((k, fast_state(v, keep)) for k, v in value.items()))
    if isinstance(value, JaxArray) and not isinstance(value, Variable):
        raw = raw_get(value)
        keep.append(raw)
        return ("A", id(value), id(raw))
    keep.append(value)
    return id(value)


def guard(d: dict, name: str, value: Any) -> tuple:
    """``(dict, name, value, kind, token)``: checked at each call by :func:`guards_hold`."""
    if isinstance(value, JaxArray) and not isinstance(value, Variable):
        return d, name, value, 1, raw_get(value)
    if isinstance(value, (list, tuple, dict, np.ndarray)):
        keep: list = []
        return d, name, value, 2, (fast_state(value, keep), keep)
    return d, name, value, 0, None


def guards_hold(guards: Sequence) -> bool:
    """Whether every plain attribute a compiled program was traced with is still what it was."""
    for d, name, expected, kind, token in guards:
        current = d.get(name, MISSING)
        if current is not expected:
            return False
        if kind == 1:
            if raw_get(current) is not token:
                return False
        elif kind == 2 and fast_state(current, []) != token[0]:
            return False
    return True


def node_paths(owner: Any) -> dict[str, Any]:
    """Path (``''``, ``'syn'``, ``'layers[0]'``) -> every ``Base`` object reachable from ``owner``."""
    if not isinstance(owner, Base):
        return {}
    nodes = {"": owner}
    for path, _node, _label, node in owner._walk(lambda v: isinstance(v, Base)):
        nodes.setdefault(path, node)
    return nodes


class Program:
    """One compiled function and the plain attributes its traces read (its guards).

    Objects of the same structure share it: each calls it with its own Variables' values, after
    checking that its own attributes hold the values the program was traced with.

    Attributes:
        fn: the compiled function (a ``jax.jit`` of a pure function).
        guards: ``(where, name, value state)``; ``where`` is a path from the calling object (a str)
            or a weak reference to an object outside it.
        generation: bumped when a trace adds guards, so the objects using it check them again.
        traces: how many times the program's code was traced.
    """

    __slots__ = ("fn", "guards", "keys", "generation", "invalid", "traces", "__weakref__")

    def __init__(self) -> None:
        self.fn: Callable | None = None
        self.guards: list[tuple] = []
        self.keys: set = set()
        self.generation = 0
        self.invalid = False
        self.traces = 0

    def resolve(self, owner: Any, nodes: dict) -> list | None:
        """The guards as ``owner`` sees them, or None if ``owner`` holds other values."""
        out = []
        for where, name, state in self.guards:
            node = nodes.get(where) if isinstance(where, str) else where()
            if node is None:
                return None
            d = node.__dict__
            value = d.get(name, MISSING)
            if (state[0] == "M") != (value is MISSING):
                return None
            if value is MISSING:
                if type(node) is not state[1]:
                    return None
            elif value_state(value) != state:
                return None
            out.append(guard(d, name, value))
        return out

    def record(self, recorder: AttributeRecorder, owner: Any) -> None:
        """Add the plain attributes one trace read (from ``recorder``) to the guards."""
        paths = {id(node): path for path, node in node_paths(owner).items()}
        added = False
        for (oid, name), value in recorder.reads.items():
            if (oid in recorder.created or isinstance(value, (Variable, Base))
                    or (oid, name) in recorder.writes):
                # Variables are threaded, objects walked; the trace's own objects are its own, and
                # an attribute it sets itself (a trace counter) is its output, not its input.
                continue
            obj = recorder.objects[oid]
            path = paths.get(oid)
            where = path if path is not None else weakref.ref(obj)
            if (where, name) in self.keys:
                continue
            self.keys.add((where, name))
            state = ("M", type(obj)) if value is MISSING else value_state(value)
            self.guards.append((where, name, state))
            added = True
        if added:
            self.generation += 1


def _attribute_label(obj: Any, name: str) -> str:
    return f"{type(obj).__name__}.{name}"


def leak_error(transform: str, label: str, leaked: list) -> AttributeLeakError:
    """The error for a trace that rebound plain attributes (``leaked``: ``(object, name, value)``)."""
    obj, name, value = leaked[0]
    where = _attribute_label(obj, name)
    if isinstance(value, Variable):
        what = "a bm.Variable created inside the compiled function"
    elif isinstance(value, (jax.core.Tracer, JaxArray)):
        what = "an array computed inside the compiled function (a tracer)"
    elif holds_trace_values(value, set()):
        what = f"a {type(value).__name__} holding values computed inside the compiled function"
    else:
        what = f"{_short_repr(value)}"
    others = "" if len(leaked) == 1 else f" (and {', '.join(_attribute_label(o, n) for o, n, _ in leaked[1:])})"
    return AttributeLeakError(
        f"{transform}: {label} sets {where}{others} to {what}, but {where} is not a Variable: compiled "
        f"code runs that assignment only while tracing, so the attribute would keep a tracer (or a "
        f"stale value). Make {where} a bm.Variable created outside bm.{transform} (e.g. in __init__) "
        f"and write into it (self.{name}.value = ...), or compute it outside; {where} was left as it was")


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
