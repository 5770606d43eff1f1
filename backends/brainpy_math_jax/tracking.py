"""Bookkeeping that lets JAX's transformations work on objects holding state.

While a transformation (``jit``, ``grad``, ``for_loop``, ...) runs the user's Python code, it pushes
a :class:`TraceContext` on :data:`CONTEXTS`. JaxArrays and Variables report to the active contexts:

- every JaxArray created while a context is innermost is *fresh* there (it may be mutated freely);
  a Variable created inside is fresh in every active context (it is not state of the caller);
- every Variable read or written that the context does not thread itself (``known``) is *touched*:
  its original value is saved, so the context can restore it on exit (no tracer ever outlives the
  transformation) and can decide to thread it on a retrace (``jit`` does so for reads and writes,
  loops and branches for writes);
- a JaxArray that is not a Variable, created outside the innermost context, may not be given a
  value traced inside it: :class:`NonVariableMutationError` says which array and what to do.

Nothing here costs anything outside transformations beyond one check of an empty list.
"""
from __future__ import annotations

from typing import Any

from jax.core import Tracer

__all__ = ["CONTEXTS", "TraceContext", "NonVariableMutationError", "Retrace", "note_variable",
           "note_variable_created", "check_array_write"]

# The active contexts, outermost first. Never rebound (modules bind it by name).
CONTEXTS: list["TraceContext"] = []


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
        CONTEXTS.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        popped = CONTEXTS.pop()
        assert popped is self, "trace contexts must nest"
        self.restore()

    def restore(self) -> None:
        """Give every Variable written here (and not threaded) its value from before."""
        from .variables import raw_set
        for var, original, written in self.touched.values():
            if written:
                raw_set(var, original)

    def touched_variables(self, written_only: bool = False) -> list:
        """Variables touched here and not threaded, in the order of first touch."""
        return [entry[0] for entry in self.touched.values() if entry[2] or not written_only]

    def written_values(self) -> list[tuple[Any, Any]]:
        """``(variable, current value)`` of every untracked Variable written here."""
        from .variables import raw_get
        return [(var, raw_get(var)) for var, _orig, written in self.touched.values() if written]


def note_variable(var: Any, write: bool) -> None:
    """Called by a Variable read (``write=False``) or written while a context is active."""
    key = id(var)
    for ctx in CONTEXTS:
        if key in ctx.known or key in ctx.fresh:
            continue
        if key in ctx.foreign:  # a copy made by flattening an argument: not the caller's state
            if write:
                raise NonVariableMutationError(var, ctx.transform, "a Variable nested inside an argument")
            continue
        entry = ctx.touched.get(key)
        if entry is None:
            from .variables import raw_get
            ctx.touched[key] = [var, raw_get(var), write]
        elif write:
            entry[2] = True


def note_variable_created(var: Any) -> None:
    """A Variable made inside a transformation is local to it (and to every enclosing one)."""
    key = id(var)
    for ctx in CONTEXTS:
        ctx.fresh.add(key)


def check_array_write(array: Any, old: Any, new: Any) -> None:
    """Refuse to give a non-Variable JaxArray from outside a value traced in the innermost context."""
    if not isinstance(new, Tracer):
        return
    ctx = CONTEXTS[-1]
    key = id(array)
    if key in ctx.foreign:
        raise NonVariableMutationError(array, ctx.transform, "a JaxArray nested inside an argument")
    if key in ctx.fresh:
        return
    # An array from outside: writing a value made in this trace would leak it, unless the array
    # already holds a tracer of the same trace (it was made by enclosing code of this very trace).
    if not isinstance(old, Tracer) or old._trace is not new._trace:
        raise NonVariableMutationError(array, ctx.transform)
