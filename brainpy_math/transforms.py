"""Transformations and control flow of the frontend, forwarded to the current backend.

Each function here resolves the backend when it is *called*, so a model module written with
``bm.jit`` works on whichever backend is current. The backend modules named ``transforms`` and
``control_flow`` implement them; a backend without a transform raises ``NotImplementedError``
naming the backend and the alternative.

The arguments of ``jit``'s ``dyn_vars`` and of the control-flow functions are checked here, once
for every backend, before the backend runs (``_control_checks``), so a bad one raises the same
error everywhere. Compile options (``parallel``, ``cache``, ``fastmath``, ``fuse``) are listed, with
what each means on each backend, in ``_compile_options.COMPILE_OPTIONS``.
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

from . import _backend
from .base import Base
from .variables import Variable
from ._control_checks import (check_bool, check_callable, check_ifelse, check_scalar_condition, collect_variables,
                              loop_length, operand_shapes)

__all__ = ["jit", "grad", "value_and_grad", "vector_grad", "jacobian", "jacrev", "jacfwd", "hessian",
           "vmap", "pmap", "for_loop", "while_loop", "cond", "ifelse", "cls_jit", "to_object"]


def _impl(name: str) -> Callable:
    module = _backend._current_module or _backend.current()
    return getattr(module, name)


def jit(f: Any = None, dyn_vars: Any = None, static_argnums: Any = None, static_argnames: Any = None,
        donate_vars: bool = False, **backend_options: Any) -> Any:
    """Compile a function, a bound method or a ``Base`` object (its ``__call__``).

    The Variables the code reads or writes are found automatically (``obj.vars()`` for objects and
    methods; ``dyn_vars`` or those touched while tracing for functions), together with the default
    random state; writes made inside are visible after the call. Usable as a decorator, with or
    without arguments. Backend options: ``parallel``, ``cache``, ``fastmath``, ``fuse`` tune the
    numba backend's compilation (the jax backend accepts and ignores them).

    Example:
        >>> import brainpy_math as bm
        >>> @bm.jit
        ... def add_one(x):
        ...     return x + 1
        >>> add_one(bm.zeros(2)).tolist()
        [1.0, 1.0]
    """
    collect_variables(dyn_vars, "jit")
    options = dict(dyn_vars=dyn_vars, static_argnums=static_argnums, static_argnames=static_argnames,
                   donate_vars=donate_vars, **backend_options)
    if f is None:
        return lambda fun: _impl("jit")(fun, **options)
    return _impl("jit")(f, **options)


class _ClsJit:
    """The descriptor :func:`cls_jit` returns: ``obj.method`` is ``bm.jit`` of the bound method, made
    once per instance (and backend) and cached on the instance."""

    def __init__(self, method: Callable, options: dict):
        self._method = method
        self._options = options
        self._attr = f"_bm_cls_jit_{id(self)}"
        functools.update_wrapper(self, method)

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        if not isinstance(obj, Base):
            raise TypeError(f"cls_jit: {self._method.__qualname__} must be a method of a bm.Base subclass, "
                            f"got an instance of {type(obj).__name__}")
        per_backend = obj.__dict__.get(self._attr)
        if per_backend is None:
            per_backend = _JitCache()
            object.__setattr__(obj, self._attr, per_backend)  # not a model attribute: no version bump
        name = _backend.get_backend()
        compiled = per_backend.by_backend.get(name)
        if compiled is None:
            compiled = per_backend.by_backend[name] = jit(self._method.__get__(obj, type(obj)), **self._options)
        return compiled

    def __call__(self, obj: Any, *args: Any, **kwargs: Any) -> Any:
        return self.__get__(obj, type(obj))(*args, **kwargs)  # Class.method(obj, ...)


class _JitCache:
    """The compiled methods cached on an instance, by backend name; not a dict, so ``vars()`` and
    ``nodes()`` do not walk into them."""

    __slots__ = ("by_backend",)

    def __init__(self) -> None:
        self.by_backend: dict = {}


def cls_jit(func: Callable = None, static_argnums: Any = None, static_argnames: Any = None,
            **options: Any) -> Any:
    """BrainPy's decorator compiling a method of a ``bm.Base`` subclass with the instance's Variables.

    ``obj.method`` is ``bm.jit(obj.method)``, made on first use for each instance (and backend) and
    cached on the instance; the compiled method reads and writes the instance's Variables
    (``obj.vars()``) like ``bm.jit`` of a bound method. Usable with or without arguments
    (``@bm.cls_jit(static_argnums=1)``); the options are ``bm.jit``'s.

    Example:
        >>> import brainpy_math as bm
        >>> class Counter(bm.Base):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.n = bm.Variable(bm.zeros(1))
        ...     @bm.cls_jit
        ...     def update(self, x):
        ...         self.n.value = self.n + x
        ...         return self.n.value
        >>> c = Counter()
        >>> _ = c.update(2.0); c.update(3.0).tolist()
        [5.0]
    """
    options = dict(static_argnums=static_argnums, static_argnames=static_argnames, **options)
    if func is None:
        return lambda f: cls_jit(f, **options)
    if not callable(func) or isinstance(func, (staticmethod, classmethod, type)):
        raise TypeError(f"cls_jit: argument 'func' must be a function defined in a bm.Base subclass, "
                        f"got {func!r} ({type(func).__name__})")
    return _ClsJit(func, options)


class _FunctionObject(Base):
    """What :func:`to_object` returns: a ``bm.Base`` holding a function and the Variables it uses."""

    def __init__(self, f: Callable, variables: dict, name: Any = None):
        super().__init__(name=name)
        object.__setattr__(self, "_function", f)
        for key, var in variables.items():
            setattr(self, key, var)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._function(*args, **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({getattr(self._function, '__name__', self._function)!r}, name={self.name!r})"


# Objects whose __call__ has the function's own plain parameters: the numba backend compiles
# ``__call__`` from its source and supports no ``*args``.
class _FunctionObject0(_FunctionObject):
    def __call__(self):
        return self._function()


class _FunctionObject1(_FunctionObject):
    def __call__(self, a0):
        return self._function(a0)


class _FunctionObject2(_FunctionObject):
    def __call__(self, a0, a1):
        return self._function(a0, a1)


class _FunctionObject3(_FunctionObject):
    def __call__(self, a0, a1, a2):
        return self._function(a0, a1, a2)


def _function_object_class(f: Callable) -> type:
    """The object class whose ``__call__`` takes ``f``'s plain positional parameters (``*args`` else)."""
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        return _FunctionObject
    plain = all(p.kind is p.POSITIONAL_OR_KEYWORD and p.default is p.empty for p in params)
    classes = (_FunctionObject0, _FunctionObject1, _FunctionObject2, _FunctionObject3)
    return classes[len(params)] if plain and len(params) < len(classes) else _FunctionObject


def to_object(f: Callable = None, child_objs: Any = None, dyn_vars: Any = None, name: Any = None) -> Any:
    """BrainPy's wrapper of a function and the Variables it uses into a callable ``bm.Base`` object.

    ``obj(*args)`` is ``f(*args)``; ``obj.vars()`` holds the Variables of ``dyn_vars`` and of the
    ``bm.Base`` objects of ``child_objs`` (a Variable, an object, or a list, tuple or dict of them),
    so ``bm.jit(obj)``, ``bm.grad`` etc. find them. Usable as a decorator,
    ``@bm.to_object(dyn_vars=v)``. The numba backend compiles ``bm.jit(obj)`` when ``f`` takes up
    to three plain positional parameters (no defaults, no ``*args``); otherwise jit ``f`` itself.

    Example:
        >>> import brainpy_math as bm
        >>> v = bm.Variable(bm.zeros(2))
        >>> def add(x):
        ...     v.value = v + x
        >>> obj = bm.to_object(add, dyn_vars=v)
        >>> list(obj.vars().values()) == [v]
        True
        >>> bm.jit(obj)(1.0); v.value.tolist()
        [1.0, 1.0]
    """
    if f is None:
        return lambda fun: to_object(fun, child_objs=child_objs, dyn_vars=dyn_vars, name=name)
    check_callable(f, "to_object", "f")
    variables = collect_variables(dyn_vars, "to_object")
    children = [] if child_objs is None else list(child_objs.values()) if isinstance(child_objs, dict) else \
        list(child_objs) if isinstance(child_objs, (list, tuple)) else [child_objs]
    for child in children:
        if not isinstance(child, (Base, Variable)):
            raise TypeError(f"to_object: argument 'child_objs' must be bm.Base objects or bm.Variables "
                            f"(or a list, tuple or dict of them), got {child!r} ({type(child).__name__})")
    named = {f"var{i}": var for i, var in enumerate(variables)}
    named.update({f"child{i}": child for i, child in enumerate(children)})
    return _function_object_class(f)(f, named, name=name)


def grad(f: Callable, grad_vars: Any = None, argnums: Any = None, has_aux: bool = False,
         return_value: bool = False, dyn_vars: Any = None) -> Callable:
    """The gradient of a scalar function with respect to arguments and/or Variables.

    What the returned function gives back (``g`` = gradients):

    ======================  ============  ==============================
    grad_vars / argnums     has_aux       return_value
    ======================  ============  ==============================
    neither (argnums=0)     ``arg_grads``, ``(arg_grads, aux)``, ``(arg_grads, value)``, ``(arg_grads, value, aux)``
    grad_vars only          the same with ``var_grads`` (shaped like ``grad_vars``)
    both                    the same with ``(var_grads, arg_grads)`` in place of the gradients
    ======================  ============  ==============================

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('jax'):
        ...     g = bm.grad(lambda x: (x ** 2).sum())(bm.ones(2))
        >>> g.tolist()
        [2.0, 2.0]
    """
    return _impl("grad")(f, grad_vars=grad_vars, argnums=argnums, has_aux=has_aux,
                         return_value=return_value, dyn_vars=dyn_vars)


def value_and_grad(f: Callable, grad_vars: Any = None, argnums: Any = None, has_aux: bool = False,
                   dyn_vars: Any = None) -> Callable:
    """Like :func:`grad` but returns ``(value, grads)`` (``((value, aux), grads)`` with ``has_aux``).

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('jax'):
        ...     v, g = bm.value_and_grad(lambda x: (x ** 2).sum())(bm.ones(2))
        >>> float(v)
        2.0
    """
    return _impl("value_and_grad")(f, grad_vars=grad_vars, argnums=argnums, has_aux=has_aux,
                                   dyn_vars=dyn_vars)


def vector_grad(f: Callable, grad_vars: Any = None, argnums: Any = None, has_aux: bool = False,
                return_value: bool = False, dyn_vars: Any = None) -> Callable:
    """The gradient of the *sum* of a non-scalar output; return values as :func:`grad`.

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('jax'):
        ...     g = bm.vector_grad(lambda x: x ** 2)(bm.ones(2))
        >>> g.tolist()
        [2.0, 2.0]
    """
    return _impl("vector_grad")(f, grad_vars=grad_vars, argnums=argnums, has_aux=has_aux,
                                return_value=return_value, dyn_vars=dyn_vars)


def _jacobian_like(name: str, summary: str, example: str) -> Callable:
    def transform(f: Callable, grad_vars: Any = None, argnums: Any = None, has_aux: bool = False,
                  return_value: bool = False, dyn_vars: Any = None) -> Callable:
        return _impl(name)(f, grad_vars=grad_vars, argnums=argnums, has_aux=has_aux,
                           return_value=return_value, dyn_vars=dyn_vars)
    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = (f"{summary}; arguments and return values as :func:`grad`.\n\nExample:\n"
                         f"    >>> import brainpy_math as bm\n    >>> with bm.set_backend('jax'):\n"
                         f"    ...     J = {example}\n    >>> J.shape\n    (2, 2)\n")
    return transform


jacobian = _jacobian_like("jacobian", "The Jacobian (reverse mode)", "bm.jacobian(lambda x: x * 2)(bm.ones(2))")
jacrev = _jacobian_like("jacrev", "The Jacobian in reverse mode", "bm.jacrev(lambda x: x * 2)(bm.ones(2))")
jacfwd = _jacobian_like("jacfwd", "The Jacobian in forward mode", "bm.jacfwd(lambda x: x * 2)(bm.ones(2))")
hessian = _jacobian_like("hessian", "The Hessian of a scalar function",
                         "bm.hessian(lambda x: (x ** 3).sum())(bm.ones(2))")


def vmap(f: Any, in_axes: Any = 0, out_axes: Any = 0, batched_vars: Any = None, **options: Any) -> Callable:
    """Vectorise ``f`` over an axis of its arguments (JAX backend).

    On objects, Variables are shared by every batch element unless listed in ``batched_vars``.
    Random draws split per batch element: inside ``f`` each RandomState draws, for row ``r``, from a
    stream keyed by its key, its counter and ``r``, so rows differ, the same seed reproduces them,
    and each state used advances by 2 words per call whatever the batch size.

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('jax'):
        ...     out = bm.vmap(lambda a, b: a * b, in_axes=(None, 0))(bm.ones(2), bm.ones((3, 2)))
        >>> out.shape
        (3, 2)
    """
    return _impl("vmap")(f, in_axes=in_axes, out_axes=out_axes, batched_vars=batched_vars, **options)


def pmap(f: Any, axis_name: Any = None, in_axes: Any = 0, out_axes: Any = 0, batched_vars: Any = None,
         **options: Any) -> Callable:
    """Run ``f`` in parallel on several devices, one slice of the leading axis each (JAX backend).

    On objects, Variables are copied to every device unless listed in ``batched_vars`` (one row of
    their leading axis per device). For sharding state over devices under ``jit`` instead, and for
    many hosts, see ``docs/multi_device.md``.

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('jax'):
        ...     out = bm.pmap(lambda x: x + 1)(bm.zeros((1, 3)))
        >>> out.shape
        (1, 3)
    """
    if batched_vars is not None:
        options["batched_vars"] = batched_vars
    return _impl("pmap")(f, axis_name=axis_name, in_axes=in_axes, out_axes=out_axes, **options)


def for_loop(body: Callable = None, operands: Any = None, dyn_vars: Any = None, progress_bar: bool = False,
             *, body_fun: Callable = None, **options: Any) -> Any:
    """Call ``body`` on each slice of ``operands`` along axis 0; return its stacked outputs.

    Variables written by ``body`` carry over from one step to the next (they are found
    automatically, or listed in ``dyn_vars``). With ``progress_bar=True`` a tqdm bar advances
    as the compiled loop runs. ``body_fun=`` is BrainPy's name of ``body``
    (``bm.for_loop(body_fun=step, operands=xs)``); giving both raises ``TypeError``.

    Example:
        >>> import brainpy_math as bm
        >>> acc = bm.Variable(bm.zeros(1))
        >>> def step(x):
        ...     acc.value = acc + x
        ...     return acc.value
        >>> bm.for_loop(step, bm.ones(3), dyn_vars=[acc]).ravel().tolist()
        [1.0, 2.0, 3.0]
    """
    if body_fun is not None:
        if body is not None:
            raise TypeError("for_loop: give the loop body as 'body' or as 'body_fun' (BrainPy's name), not both")
        body = body_fun
    if body is None or operands is None:
        missing = "body" if body is None else "operands"
        raise TypeError(f"for_loop: missing argument '{missing}'"
                        + (" (or BrainPy's name, 'body_fun')" if body is None else ""))
    check_callable(body, "for_loop", "body")
    collect_variables(dyn_vars, "for_loop")
    check_bool(progress_bar, "for_loop", "progress_bar")
    shapes = operand_shapes(operands)
    if shapes is not None:  # None: nested containers, which the backend flattens and checks
        loop_length(shapes, "for_loop")
    return _impl("for_loop")(body, operands, dyn_vars=dyn_vars, progress_bar=progress_bar, **options)


def while_loop(body: Callable = None, cond: Callable = None, operands: Any = None, dyn_vars: Any = None,
               *, body_fun: Callable = None, cond_fun: Callable = None, **options: Any) -> Any:
    """Repeat ``operands = body(*operands)`` while ``cond(*operands)`` holds; return the last operands.

    ``body`` returns the new operands (a tuple like ``operands``, or a bare value when there is one
    operand), or ``None``: the operands then stay as they are and the loop changes state only
    through Variables (BrainPy's bodies that update a model). ``body_fun=`` and ``cond_fun=`` are
    BrainPy's names of ``body`` and ``cond``; giving both spellings of one raises ``TypeError``.

    Example:
        >>> import brainpy_math as bm
        >>> [int(i) for i in bm.while_loop(lambda i: i + 1, lambda i: i < 5, (bm.asarray(0),))]
        [5]
        >>> n = bm.Variable(bm.zeros(1))
        >>> def step(i):
        ...     n.value = n + i
        >>> _ = bm.while_loop(body_fun=step, cond_fun=lambda i: n[0] < 4, operands=(bm.asarray(2.0),))
        >>> n.value.tolist()
        [4.0]
    """
    for name, value, brainpy_name, given in (("body", body, "body_fun", body_fun),
                                             ("cond", cond, "cond_fun", cond_fun)):
        if given is not None and value is not None:
            raise TypeError(f"while_loop: give the loop's {name} as '{name}' or as '{brainpy_name}' "
                            f"(BrainPy's name), not both")
    body = body_fun if body_fun is not None else body
    cond = cond_fun if cond_fun is not None else cond
    for name, value in (("body", body), ("cond", cond), ("operands", operands)):
        if value is None:
            raise TypeError(f"while_loop: missing argument '{name}'"
                            + (f" (or BrainPy's name, '{name}_fun')" if name != "operands" else ""))
    check_callable(body, "while_loop", "body")
    check_callable(cond, "while_loop", "cond")
    collect_variables(dyn_vars, "while_loop")
    return _impl("while_loop")(body, cond, operands, dyn_vars=dyn_vars, **options)


def cond(pred: Any, true_fun: Callable, false_fun: Callable, operands: Any = (), dyn_vars: Any = None,
         **options: Any) -> Any:
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``, usable inside ``jit``.

    Example:
        >>> import brainpy_math as bm
        >>> float(bm.cond(True, lambda x: x + 1, lambda x: x - 1, (bm.asarray(1.0),)))
        2.0
    """
    check_scalar_condition(pred, "cond", "argument 'pred'")
    collect_variables(dyn_vars, "cond")
    return _impl("cond")(pred, true_fun, false_fun, operands, dyn_vars=dyn_vars, **options)


def ifelse(conditions: Any, branches: Any, operands: Any = (), dyn_vars: Any = None, **options: Any) -> Any:
    """Run the first branch whose condition holds (the last branch is the ``else``).

    ``branches`` has one more element than ``conditions``; each branch is a callable taking
    ``*operands`` or a constant value. As in BrainPy, ``conditions`` may also be a single scalar
    condition (a bool or an array of shape ()) with two branches: ``ifelse(c, [f, g])`` is
    ``f()`` if ``c`` else ``g()``. The result is an array (of the current backend) on every
    backend, eagerly too, for a branch returning a Python number.

    Example:
        >>> import brainpy_math as bm
        >>> x = bm.asarray(5.0)
        >>> float(bm.ifelse([x > 10, x > 0], [lambda: 2.0, lambda: 1.0, lambda: 0.0]))
        1.0
        >>> float(bm.ifelse(False, [lambda: 1.0, lambda: 0.0]))
        0.0
    """
    if not isinstance(conditions, (list, tuple)) and isinstance(branches, (list, tuple)):
        check_scalar_condition(conditions, "ifelse", "argument 'conditions'")
        conditions = [conditions]  # BrainPy's single condition: [f, g] is f if it holds, else g
    check_ifelse(conditions, branches)
    collect_variables(dyn_vars, "ifelse")
    return _impl("ifelse")(conditions, branches, operands, dyn_vars=dyn_vars, **options)
