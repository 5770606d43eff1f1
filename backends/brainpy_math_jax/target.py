"""What a transformation runs: a function, a bound method or a ``Base`` object's ``__call__``.

:class:`Target` holds the object weakly when it can, so the compiled functions cached for it are
released with it, and names the arrays the code reaches (an attribute, a captured variable, a
global) in error messages.
"""
from __future__ import annotations

import inspect
import types
import weakref
from typing import Any

from brainpy_math.base import Base
from . import random as _random
from .tracking import NonVariableMutationError

__all__ = ["Target", "ensure_default_random_state"]


def ensure_default_random_state() -> None:
    """Create the default RandomState now, before any trace.

    It is created lazily on first use: were that first use inside a trace, its Variables would be
    born holding tracers. Creating it before keeps them concrete (and found when touched).
    """
    make = getattr(_random, "default_state", None)
    if make is not None:
        make()


class Target:
    """The code a transformation runs: a function, a bound method or a Base object's ``__call__``.

    The object is held weakly when possible, so compiled functions cached for it are released with
    it; the user-facing wrapper keeps it alive while the wrapper lives.

    Attributes:
        func: the function called with the object first (``None``: the object is called itself).
        label: ``Class.method`` or the function's name, for messages.
    """

    __slots__ = ("_ref", "_strong", "func", "label", "__weakref__")

    def __init__(self, f: Any, transform: str):
        if isinstance(f, types.MethodType):
            owner, func = f.__self__, f.__func__
            self.label = f"{type(owner).__name__}.{func.__name__}"
        elif isinstance(f, Base):
            # Looked up in the class's own MRO (a plain getattr would find the metaclass's __call__).
            call = next((c.__dict__["__call__"] for c in type(f).__mro__ if "__call__" in c.__dict__), None)
            if call is None:
                raise TypeError(f"{transform}: argument 'f' is a {type(f).__name__} object, which has no "
                                f"__call__ method; pass a bound method instead (e.g. obj.update)")
            owner, func = f, call
            self.label = f"{type(f).__name__}.__call__"
        elif callable(f):
            owner, func = f, None
            self.label = getattr(f, "__qualname__", None) or repr(f)
        else:
            raise TypeError(f"{transform}: argument 'f' must be a function, a bound method or a "
                            f"bm.Base object, got {f!r} ({type(f).__name__})")
        self.func = func
        ensure_default_random_state()
        try:
            self._ref, self._strong = weakref.ref(owner), None
        except TypeError:
            self._ref, self._strong = None, owner

    @property
    def owner(self) -> Any:
        """The object (or plain function) the code belongs to; None once it was collected."""
        return self._strong if self._ref is None else self._ref()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        owner = self.owner
        if owner is None:
            raise ReferenceError(f"{self.label}: the object this compiled function belongs to no longer exists")
        if self.func is None:
            return owner(*args, **kwargs)
        return self.func(owner, *args, **kwargs)

    def owner_variables(self) -> list:
        """The Variables of the object (``obj.vars()``); none for a plain function."""
        owner = self.owner
        return list(owner.vars().values()) if isinstance(owner, Base) else []

    def locate(self, array: Any) -> str | None:
        """A human-readable name of ``array`` if it is an attribute, closure cell or global of the code."""
        owner = self.owner
        if isinstance(owner, Base):
            for path, node, label, item in owner._walk(lambda v: v is array):
                return f"attribute '{node.name}.{label}'"
        fun = self.func if self.func is not None else owner
        fun = inspect.unwrap(fun) if callable(fun) else fun
        code = getattr(fun, "__code__", None)
        if code is not None:
            for name, cell in zip(code.co_freevars, getattr(fun, "__closure__", None) or ()):
                try:
                    if cell.cell_contents is array:
                        return f"'{name}' (a variable captured by {self.label})"
                except ValueError:
                    continue
            globs = getattr(fun, "__globals__", {})
            for name in code.co_names:
                if globs.get(name) is array:
                    return f"the global '{name}' (used by {self.label})"
        return None

    def named(self, error: NonVariableMutationError) -> NonVariableMutationError:
        """``error`` naming the mutated array as the code knows it (``attribute 'net.v'``), if it can."""
        where = self.locate(error.array)
        return error.with_location(f"{where} (a JaxArray of shape {error.array.shape})") if where else error
