"""``vmap`` and ``pmap`` on the JAX backend, for functions, bound methods and ``Base`` objects.

Variables are shared by every batch element (``vmap``) or copied to every device (``pmap``)
unless listed in ``batched_vars``, whose leading axis is then the mapped one. ``pmap`` compiles
like ``jit`` (:class:`~.compiled.Compiled`); ``vmap`` traces at each call, splitting random
streams per row (``random.BatchStreams``).
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import jax

from brainpy_math._control_checks import collect_variables
from . import random as _random
from .compiled import Compiled
from .state import announce, detach, write_back
from .target import Target
from .tracking import NonVariableMutationError, TraceContext
from .variables import raw_get, raw_set

__all__ = ["vmap", "pmap"]


def _args_axes(in_axes: Any, args: tuple, name: str) -> Any:
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    if isinstance(in_axes, tuple) and len(in_axes) != len(args):
        raise ValueError(f"{name}: in_axes={in_axes!r} has {len(in_axes)} entries but the function was "
                         f"called with {len(args)} positional argument(s)")
    return in_axes


def _unbatched_write_error(name: str, variables: list, error: Exception) -> ValueError:
    shapes = ", ".join(f"a Variable of shape {v.shape}" for v in variables)
    return ValueError(f"{name}: the function writes {shapes} with a value that depends on the mapped "
                      f"arguments, but the Variable is not mapped. List it in batched_vars (its "
                      f"leading axis is then the mapped one). ({error})")


class _PrivateAxis:
    """A fresh axis name for a ``bm.vmap`` call the user did not name (hashable by identity)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "bm.vmap axis"


def vmap(f: Any, in_axes: Any = 0, out_axes: Any = 0, batched_vars: Any = None,
         axis_name: Any = None) -> Callable:
    """Vectorise ``f`` (a function, bound method or ``Base`` object) over an axis of its arguments.

    Positional arguments are mapped as ``in_axes`` says (``None``: shared); keyword arguments are
    shared. Variables are shared by every batch element unless listed in ``batched_vars``, whose
    leading axis is then mapped; writing a shared Variable with a batched value raises.

    Random numbers are split per batch element, as in BrainPy: each RandomState the function draws
    from (the default state of ``bm.random.*`` or any other, e.g. a model's attribute) gives row
    ``r`` its own key, derived from the state's key, counter and ``r``; the state itself advances
    once per call (2 words), whatever the batch size, so the same seed gives the same rows and
    the calls outside ``vmap`` draw the stream they always did. Nested ``vmap``s split again.

    Example:
        >>> import brainpy_math as bm
        >>> bm.vmap(lambda a, b: a * b, in_axes=(None, 0))(bm.ones(2), bm.ones((3, 2))).shape
        (3, 2)
        >>> rows = bm.vmap(lambda x: x + bm.random.normal(size=2))(bm.zeros((3, 2)))
        >>> bool(rows[0, 0] != rows[1, 0])  # each row draws its own numbers
        True
    """
    target = Target(f, "vmap")
    mapped = collect_variables(batched_vars, "vmap", "batched_vars")

    def transformed(*args: Any, **kwargs: Any) -> Any:
        axes = _args_axes(in_axes, args, "vmap")
        written: list = []
        # Per-row streams need the row index (lax.axis_index), so the mapped axis always has a
        # name: the user's, or one private to this call (nested vmaps must not share one).
        name = axis_name if axis_name is not None else _PrivateAxis()

        def pure(mapped_values, args):
            originals = list(map(raw_get, mapped))
            announce(mapped)
            # Every RandomState gets one stream per batch element (see _random.BatchStreams).
            streams = _random.BatchStreams(name, mapped)
            pairs: list = []
            try:
                streams.enter()
                ctx = TraceContext("vmap", known=mapped)
                with ctx:
                    try:
                        for var, value in zip(mapped, mapped_values):
                            raw_set(var, value)
                        out = detach(target(*args, **kwargs))
                        new_mapped = list(map(raw_get, mapped))
                        pairs = ctx.written_values()
                    finally:
                        for var, value in zip(mapped, originals):
                            raw_set(var, value)
            finally:
                # The per-row keys and counters never leave: the states advance once instead.
                advanced = streams.finish([var for var, _ in pairs])
            pairs = [(var, value) for var, value in pairs if not streams.owns(var)] + advanced
            written[:] = [var for var, _ in pairs]
            return out, new_mapped, [value for _, value in pairs]

        try:
            out, new_mapped, values = jax.vmap(pure, in_axes=(0, axes), out_axes=(out_axes, 0, None),
                                               axis_name=name)(list(map(raw_get, mapped)), args)
        except NonVariableMutationError as error:
            raise target.named(error) from None
        except ValueError as error:
            if written and "out_axes" in str(error):
                raise _unbatched_write_error("vmap", written, error) from None
            raise
        for var, value in zip(mapped, new_mapped):
            write_back(var, value)
        for var, value in zip(written, values):
            write_back(var, value)
        return out

    functools.update_wrapper(transformed, target.func or target.owner, updated=())
    transformed._owner = target.owner  # keep the object alive with the wrapper (bm.vmap(Model())(x))
    return transformed


def pmap(f: Any, axis_name: Any = None, in_axes: Any = 0, out_axes: Any = 0, batched_vars: Any = None,
         dyn_vars: Any = None, devices: Any = None) -> Callable:
    """Run ``f`` on several devices in parallel, one slice of the leading axis of its arguments each.

    ``f`` is a function, bound method or ``Base`` object. Its Variables (``obj.vars()``, ``dyn_vars``,
    and any the code touches) are copied to every device, except those in ``batched_vars``, which
    hold one slice per device along their leading axis. A copied Variable written inside must get
    the same value on every device (use collectives over ``axis_name``).

    Example:
        >>> import brainpy_math as bm
        >>> bm.pmap(lambda x: x + 1)(bm.zeros((1, 3))).shape
        (1, 3)
    """
    target = Target(f, "pmap")
    mapped = collect_variables(batched_vars, "pmap", "batched_vars")
    extra = collect_variables(dyn_vars, "pmap", "dyn_vars")

    def make(pure: Callable, variables: tuple) -> Callable:
        mapped_ids = {id(v) for v in mapped}
        var_axes = [0 if id(v) in mapped_ids else None for v in variables]
        state = {"axes": None}

        def call(values, args, kwargs):
            axes = _args_axes(in_axes, args, "pmap")
            if state["axes"] != (axes,):
                state["axes"] = (axes,)
                state["fn"] = jax.pmap(pure, axis_name=axis_name, in_axes=(var_axes, axes, None),
                                       out_axes=(out_axes, (0, None), 0), devices=devices)
            return state["fn"](values, args, kwargs)
        return call

    core = Compiled(target, extra, (), (), False, transform="pmap", make=make, mapped_vars=mapped)

    def transformed(*args: Any, **kwargs: Any) -> Any:
        return core.call(args, kwargs)

    functools.update_wrapper(transformed, target.func or target.owner, updated=())
    transformed._owner = target.owner  # keep the object alive with the wrapper
    return transformed
