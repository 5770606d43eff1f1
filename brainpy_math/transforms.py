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

from typing import Any, Callable

from . import _backend
from ._control_checks import (check_bool, check_callable, check_ifelse, check_scalar_condition, collect_variables,
                              loop_length, operand_shapes)

__all__ = ["jit", "grad", "value_and_grad", "vector_grad", "jacobian", "jacrev", "jacfwd", "hessian",
           "vmap", "pmap", "for_loop", "while_loop", "cond", "ifelse"]


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


def while_loop(body: Callable, cond: Callable, operands: Any, dyn_vars: Any = None, **options: Any) -> Any:
    """Repeat ``operands = body(*operands)`` while ``cond(*operands)`` holds; return the last operands.

    Example:
        >>> import brainpy_math as bm
        >>> bm.while_loop(lambda i: i + 1, lambda i: i < 5, (bm.asarray(0),))
        ... # doctest: +SKIP
    """
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
