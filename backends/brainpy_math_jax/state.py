"""Moving Variables' values in and out of a trace: what every transformation does around the user's code.

A transformation substitutes tracers into the Variables it threads, runs the code, reads back what
the code wrote and puts every Variable back as it was; after the call it writes the results into
the Variables. The helpers here do the parts every transformation (``jit``, autodiff, ``vmap``,
``pmap``, the control flow) shares, so that enclosing transformations see them: a nested one
:func:`announce`s the Variables it is about to substitute, and :func:`write_back` reports the
writes. :func:`detach` turns Variables in results into plain values.
"""
from __future__ import annotations

from typing import Any, Sequence

import jax
from jax.core import Tracer

from .array import JaxArray
from .tracking import LOCAL, note_variable
from .variables import Variable, raw_get, raw_set

__all__ = ["is_array", "announce", "write_back", "detach", "holds_trace_values"]


def is_array(x: Any) -> bool:
    """Whether ``x`` is a JaxArray (a leaf, not a pytree to flatten, for ``jax.tree_util``)."""
    return isinstance(x, JaxArray)


def announce(variables: Sequence) -> None:
    """Tell enclosing transformations that the Variables among ``variables`` are used here.

    Called before a nested transformation substitutes tracers into them, so that an enclosing one
    records their values from before (and threads them, if it compiles).
    """
    for var in variables:
        if isinstance(var, Variable):
            note_variable(var, False)


def write_back(var: Any, value: Any) -> None:
    """Store a transformation's result in ``var``; enclosing transformations see it as a write."""
    if LOCAL.contexts and isinstance(var, Variable):
        note_variable(var, True)
    raw_set(var, value)


def detach(tree: Any) -> Any:
    """Variables in results become plain JaxArrays (a result is a value, not the caller's state)."""
    def plain(x):
        return JaxArray._from_value(raw_get(x)) if isinstance(x, Variable) else x
    return jax.tree_util.tree_map(plain, tree, is_leaf=is_array)


def holds_trace_values(value: Any, fresh: set[int], depth: int = 0) -> bool:
    """Whether ``value`` (or an item of it) belongs to the running trace.

    ``fresh``: the ids of the Variables created inside the trace.
    """
    if isinstance(value, Tracer):
        return True
    if isinstance(value, JaxArray):
        if isinstance(value, Variable) and id(value) in fresh:
            return True
        return isinstance(raw_get(value), Tracer)
    if depth < 4 and isinstance(value, (list, tuple)):
        return any(holds_trace_values(v, fresh, depth + 1) for v in value)
    if depth < 4 and isinstance(value, dict):
        return any(holds_trace_values(v, fresh, depth + 1) for v in value.values())
    return False
