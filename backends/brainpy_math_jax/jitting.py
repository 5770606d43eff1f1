"""``bm.jit`` on the JAX backend: ``jax.jit`` of functions, bound methods and ``Base`` objects.

The compiled code and the Variables it threads are :class:`~.compiled.Compiled`'s; this module is
the user-facing part: the arguments, the cache of compiled variants per object, and
:class:`JitFunction`, what ``bm.jit`` returns.
"""
from __future__ import annotations

import functools
import types
from typing import Any

from brainpy_math._compile_options import check_compile_options
from brainpy_math._control_checks import collect_variables
from brainpy_math.base import Base
from .arguments import normalize_argnames, normalize_argnums
from .compiled import CACHE, Compiled
from .target import Target

__all__ = ["jit", "JitFunction"]


class JitFunction:
    """What ``bm.jit`` returns: call it like the original; state is read and written back.

    Attributes:
        target: what was compiled (the function, bound method or object).
        compiled_variables: the Variables the compiled code threads (after the first call).
    """

    def __init__(self, f: Any, core: Compiled, owner: Any, options: dict):
        self._f = f
        self._core = core
        self._owner = owner  # keeps the object alive while this wrapper lives
        self._options = options
        functools.update_wrapper(self, f if not isinstance(f, Base) else type(f).__call__, updated=())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._core.call(args, kwargs)

    def __set_name__(self, owner: type, name: str) -> None:
        self._attribute = name

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        # ``@bm.jit`` on a method in a class body: bind it to the instance, then compile that. The
        # bound one is stored on the instance, so later look-ups find it directly.
        if instance is None:
            return self
        bound = jit(types.MethodType(self._f, instance), **self._options)
        name = getattr(self, "_attribute", None)
        if name is not None and isinstance(getattr(instance, "__dict__", None), dict):
            instance.__dict__[name] = bound
        return bound

    @property
    def target(self) -> Any:
        """What was compiled: the function, bound method or object given to ``jit``."""
        return self._f

    @property
    def compiled_variables(self) -> list:
        """The Variables the compiled code threads (after the first call)."""
        return list(self._core.vars)

    def __repr__(self) -> str:
        return f"<bm.jit of {self._core.target.label}>"


def jit(f: Any = None, dyn_vars: Any = None, static_argnums: Any = None, static_argnames: Any = None,
        donate_vars: bool = False, **compile_options: Any) -> Any:
    """Compile ``f`` with ``jax.jit``: a function, a bound method or a ``Base`` object (its ``__call__``).

    The Variables the code reads or writes are threaded through the compiled function: for an
    object or a method, ``obj.vars()``; for a function, ``dyn_vars``; and in every case any other
    Variable the code touches, such as the default random state's key and counter (found while
    tracing, then traced again with them).
    Writes inside are written back after each call; top-level JaxArray arguments mutated inside are
    updated too, like NumPy arrays. Mutating any other JaxArray that is not a Variable raises
    ``NonVariableMutationError`` naming it. Compiled code is cached per object (weakly, bounded):
    calling again with arguments of the same shapes does not retrace.

    Plain attributes the code reads (``self.tau``, a plain array, a dict or list attribute) are
    checked at every call; when one was rebound or changed, the code is traced again (NumPy arrays
    over 64 KiB are checked by identity only: rebind them rather than writing into them). Objects
    of the same class and structure share the compiled code. Assigning a value computed inside (a
    tracer, or a Variable created inside) to a plain attribute raises ``AttributeLeakError`` and
    leaves the attribute as it was. A jitted object may be called from several threads; its calls
    run one at a time.

    Args:
        f: what to compile; omit it to use ``jit(...)`` as a decorator factory.
        dyn_vars: Variables to thread in addition to those found (a Variable, list, tuple or dict).
        static_argnums: positions of arguments that are compile-time constants (hashable).
        static_argnames: names of keyword arguments that are compile-time constants.
        donate_vars: let XLA reuse the Variables' buffers for their new values (GPU/TPU).
        compile_options: the compile options (``brainpy_math._compile_options.COMPILE_OPTIONS``:
            ``parallel``, ``cache``, ``fastmath``, ``fuse``), which tune the numba backend and are
            accepted and ignored here; any other name raises ``TypeError``.

    Example:
        >>> import brainpy_math as bm
        >>> class Counter(bm.Base):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.n = bm.Variable(bm.zeros(1))
        ...     def __call__(self, inc):
        ...         self.n += inc
        ...         return self.n.value
        >>> step = bm.jit(Counter())
        >>> _ = step(2.0)
        >>> step(3.0).tolist()
        [5.0]
    """
    check_compile_options("jit", compile_options)
    options = dict(dyn_vars=dyn_vars, static_argnums=static_argnums, static_argnames=static_argnames,
                   donate_vars=donate_vars)
    if f is None:
        return lambda fun: jit(fun, **options)
    if isinstance(f, JitFunction):
        if dyn_vars is None and static_argnums is None and static_argnames is None and not donate_vars:
            return f
        f = f._f
    target = Target(f, "jit")
    extra = collect_variables(dyn_vars, "jit", "dyn_vars")
    nums = normalize_argnums(static_argnums, "jit", "static_argnums")
    names = normalize_argnames(static_argnames, "jit")
    if not isinstance(donate_vars, bool):
        raise TypeError(f"jit: argument 'donate_vars' must be a bool, got {donate_vars!r}")
    owner = target.owner
    key = (target.func, nums, names, donate_vars, tuple(map(id, extra)))
    core = CACHE.get(owner, key, lambda: Compiled(target, extra, nums, names, donate_vars))
    return JitFunction(f, core, owner, options)
