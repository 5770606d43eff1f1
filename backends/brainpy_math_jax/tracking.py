"""Bookkeeping that lets JAX's transformations work on objects holding state.

While a transformation (``jit``, ``grad``, ``for_loop``, ...) runs the user's Python code, it pushes
a :class:`TraceContext` on this thread's ``LOCAL.contexts``. JaxArrays and Variables report to the active
contexts:

- every JaxArray created while a context is innermost is *fresh* there (it may be mutated freely);
  a Variable created inside is fresh in every active context (it is not state of the caller);
- every Variable read or written that the context does not thread itself (``known``) is *touched*:
  its original value is saved, so the context can restore it on exit (no tracer ever outlives the
  transformation) and can decide to thread it on a retrace (``jit`` does so for reads and writes,
  loops and branches for writes);
- a JaxArray that is not a Variable, created outside the innermost context, may not be given a
  value traced inside it: :class:`NonVariableMutationError` says which array and what to do.

Nothing here costs anything outside transformations beyond one check of an empty list.

Trace state is per thread (:data:`LOCAL`): threads trace their own code independently. Tracing
substitutes tracers into Variables that other threads may read, so traces and the reads and
write-backs of compiled calls are serialised by :data:`TRACE_LOCK` (the compiled code itself runs
outside it, in parallel).

While a ``jit`` trace runs, :class:`AttributeRecorder` hooks record the plain (non-Variable)
attributes of ``Base`` objects that the code reads, so the compiled code can be checked against them
at each call, and the attributes it rebinds, so a value computed inside (a tracer) never leaks out.

This is the lowest layer of the backend's state machinery: it imports nothing of the backend.
Variables (``variables.Variable``, a layer above) report to it, and it reads and writes their
storage, unseen, through two methods every Variable has: ``_stored()`` and ``_store(value)``.
"""
from __future__ import annotations

import threading
from typing import Any

from jax.core import Tracer

from brainpy_math.base import Base

__all__ = ["LOCAL", "TRACE_LOCK", "TraceContext", "NonVariableMutationError", "Retrace", "note_variable",
           "note_variable_created", "check_array_write", "AttributeRecorder", "AttributeLeakError", "MISSING"]


class _ThreadState(threading.local):
    """This thread's trace state."""

    def __init__(self) -> None:
        # The active contexts, outermost first. Never rebound (modules read ``LOCAL.contexts``).
        self.contexts: list["TraceContext"] = []
        # The attribute recorders of this thread's active jit traces, outermost first.
        self.recorders: list["AttributeRecorder"] = []
        # What a shared compiled program traces with: (target, variables) of the calling object.
        self.binding: Any = None
        # Set by a jit trace that touched Variables it does not thread (it must be traced again).
        self.retrace: Any = None


LOCAL = _ThreadState()
# Held while a trace runs and while compiled calls read their state and write it back (reentrant:
# traces nest). See the module docstring.
TRACE_LOCK = threading.RLock()


class NonVariableMutationError(TypeError):
    """A JaxArray that is not a Variable was mutated with a value traced inside a transformation.

    The write would either leak a tracer into the array or be silently dropped after the call;
    state that a compiled function changes must live in a ``bm.Variable``.
    """

    def __init__(self, array: Any, transform: str, where: str | None = None):
        self.array = array
        self.transform = transform
        shape = getattr(array, "shape", "?")
        dtype = getattr(array, "dtype", "?")
        label = where or f"a JaxArray of shape {shape} and dtype {dtype}"
        super().__init__(
            f"{transform}: {label} is not a Variable but is mutated inside the transformed function "
            f"(with a value computed there). The write would leak a tracer or be lost after the call. "
            f"Fix: make it state with bm.Variable(...), or work on a copy (x = x.copy()) inside "
            f"the function and return it.")

    def with_location(self, where: str) -> "NonVariableMutationError":
        return NonVariableMutationError(self.array, self.transform, where)


class Retrace(Exception):
    """Raised out of a trace that touched Variables its transformation did not thread.

    The transformation catches it, adds ``variables`` to the ones it threads, and traces again.
    """

    def __init__(self, context: "TraceContext", variables: list):
        super().__init__(f"{context.transform}: retrace with {len(variables)} more Variable(s)")
        self.context = context
        self.variables = variables


class TraceContext:
    """What one transformation learns while it runs the user's code (see the module docstring).

    Args:
        transform: the transformation's name, for error messages.
        known: the Variables this transformation threads itself (substitutes tracers into).
        foreign: JaxArrays that come from outside although created inside (flattened arguments):
            mutating them is refused.
    """

    __slots__ = ("transform", "known", "fresh", "touched", "foreign")

    def __init__(self, transform: str, known: Any = (), foreign: Any = ()):
        self.transform = transform
        self.known = {id(v) for v in known}
        self.fresh: set[int] = set()
        # id -> [variable, value before the first touch, written?]
        self.touched: dict[int, list] = {}
        self.foreign = {id(a) for a in foreign}

    def __enter__(self) -> "TraceContext":
        LOCAL.contexts.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        popped = LOCAL.contexts.pop()
        assert popped is self, "trace contexts must nest"
        self.restore()

    def restore(self) -> None:
        """Give every Variable written here (and not threaded) its value from before."""
        for var, original, written in self.touched.values():
            if written:
                var._store(original)

    def touched_variables(self, written_only: bool = False) -> list:
        """Variables touched here and not threaded, in the order of first touch."""
        return [entry[0] for entry in self.touched.values() if entry[2] or not written_only]

    def written_values(self) -> list[tuple[Any, Any]]:
        """``(variable, current value)`` of every untracked Variable written here."""
        return [(var, var._stored()) for var, _orig, written in self.touched.values() if written]


def note_variable(var: Any, write: bool) -> None:
    """Called by a Variable read (``write=False``) or written while a context is active."""
    key = id(var)
    for ctx in LOCAL.contexts:
        if key in ctx.known or key in ctx.fresh:
            continue
        if key in ctx.foreign:  # a copy made by flattening an argument: not the caller's state
            if write:
                raise NonVariableMutationError(var, ctx.transform, "a Variable nested inside an argument")
            continue
        entry = ctx.touched.get(key)
        if entry is None:
            ctx.touched[key] = [var, var._stored(), write]
        elif write:
            entry[2] = True


def note_variable_created(var: Any) -> None:
    """A Variable made inside a transformation is local to it (and to every enclosing one)."""
    key = id(var)
    for ctx in LOCAL.contexts:
        ctx.fresh.add(key)


def check_array_write(array: Any, old: Any, new: Any) -> None:
    """Refuse to give a non-Variable JaxArray from outside a value traced in the innermost context."""
    if not isinstance(new, Tracer):
        return
    ctx = LOCAL.contexts[-1]
    key = id(array)
    if key in ctx.foreign:
        raise NonVariableMutationError(array, ctx.transform, "a JaxArray nested inside an argument")
    if key in ctx.fresh:
        return
    # An array from outside: writing a value made in this trace would leak it, unless the array
    # already holds a tracer of the same trace (it was made by enclosing code of this very trace).
    if not isinstance(old, Tracer) or old._trace is not new._trace:
        raise NonVariableMutationError(array, ctx.transform)


# --------------------------------------------------------------------------- attribute recording
MISSING = object()  # an attribute not set on the instance (read from its class, or absent)
# Class attributes of these types are recorded when read (a model's constants may live on its class);
# other class attributes (methods, properties, helpers) are code, not data.
_DATA_TYPES = (bool, int, float, complex, str, bytes, type(None), tuple)


class AttributeLeakError(TypeError):
    """Compiled code rebound a plain attribute of a ``Base`` object (its value would be lost or leak)."""


class AttributeRecorder:
    """The attributes of ``Base`` objects one ``jit`` trace reads and rebinds.

    Attributes:
        reads: ``(object, name) -> value`` as first read, for plain (non-Variable, non-Base) values.
        writes: ``(object, name) -> value before the first rebinding`` (``MISSING`` if unset).
        created: ids of the ``Base`` objects constructed during the trace (free to set up).
    """

    __slots__ = ("reads", "writes", "created", "objects")

    def __init__(self) -> None:
        self.reads: dict[tuple[int, str], Any] = {}
        self.writes: dict[tuple[int, str], Any] = {}
        self.created: set[int] = set()
        self.objects: dict[int, Any] = {}  # id -> object, keeps the ids above meaningful

    def __enter__(self) -> "AttributeRecorder":
        _install_hooks()
        LOCAL.recorders.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        LOCAL.recorders.remove(self)
        _remove_hooks()

    def leaked(self, fresh: set[int]) -> list[tuple[Any, str, Any]]:
        """``(object, name, new value)`` of every attribute of an object from outside that was rebound
        here: to a value of the trace (one holding a tracer, or a Variable made inside, ``fresh``) or
        to plain Python data, which compiled code would set once per trace instead of once per call
        (``self.count += 1`` would stop counting after the first call). The numba backend refuses
        the same assignments when it generates code.
        """
        out = []
        for (oid, name), before in self.writes.items():
            if oid in self.created:
                continue
            obj = self.objects[oid]
            now = obj.__dict__.get(name, MISSING)
            if now is not before and now is not MISSING:
                out.append((obj, name, now))
        return out

    def undo_writes(self) -> None:
        """Give every attribute rebound here (on an object made before the trace) its old value."""
        for (oid, name), before in self.writes.items():
            if oid in self.created:
                continue
            d = self.objects[oid].__dict__
            if before is MISSING:
                d.pop(name, None)
            else:
                d[name] = before


def _hook_getattribute(self: Any, name: str) -> Any:
    value = object.__getattribute__(self, name)
    recorders = LOCAL.recorders
    if recorders and name[:2] != "__":
        d = object.__getattribute__(self, "__dict__")
        own = d.get(name, MISSING)
        if own is value or (own is MISSING and isinstance(value, _DATA_TYPES)):
            for rec in recorders:
                key = (id(self), name)
                if key not in rec.reads:
                    rec.reads[key] = own
                    rec.objects[id(self)] = self
    return value


def _hook_setattr(self: Any, name: str, value: Any) -> None:
    recorders = LOCAL.recorders
    if recorders:
        before = self.__dict__.get(name, MISSING)
        for rec in recorders:
            key = (id(self), name)
            if key not in rec.writes:
                rec.writes[key] = before
                rec.objects[id(self)] = self
    _HOOKED["__setattr__"](self, name, value)


def _hook_init(self: Any, *args: Any, **kwargs: Any) -> None:
    for rec in LOCAL.recorders:
        rec.created.add(id(self))
        rec.objects[id(self)] = self
    _HOOKED["__init__"](self, *args, **kwargs)


# Base's own methods, which the hooks call. The hooks are installed on Base only while some thread
# traces, so code outside jit never pays for them. The entries are never removed: another thread
# may have looked up a hook just before the last tracer removed it and still be running it (a
# `KeyError('__setattr__')` from an object built in one thread while another finished a trace).
_HOOKED: dict[str, Any] = {}
_hook_users = 0
_hook_lock = threading.Lock()


def _install_hooks() -> None:
    global _hook_users
    with _hook_lock:
        if _hook_users == 0:
            _HOOKED["__setattr__"] = Base.__dict__["__setattr__"]
            _HOOKED["__init__"] = Base.__dict__["__init__"]
            Base.__getattribute__ = _hook_getattribute
            Base.__setattr__ = _hook_setattr
            Base.__init__ = _hook_init
        _hook_users += 1


def _remove_hooks() -> None:
    global _hook_users
    with _hook_lock:
        _hook_users -= 1
        if _hook_users == 0:
            del Base.__getattribute__
            Base.__setattr__ = _HOOKED["__setattr__"]
            Base.__init__ = _HOOKED["__init__"]
