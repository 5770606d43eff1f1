"""Autodiff on the JAX backend: ``grad``, ``value_and_grad``, ``vector_grad``, ``jacobian``,
``jacrev``, ``jacfwd`` and ``hessian`` of functions, bound methods and ``Base`` objects.

Gradients are taken with respect to arguments (``argnums``) and/or ``grad_vars`` (Variables or
plain JaxArray attributes): their values become inputs of the pure function JAX differentiates.
Variables the code writes come out as auxiliary outputs and are written back after the call.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import jax
import jax.numpy as jnp

from brainpy_math._control_checks import collect_variables
from .arguments import flatten_arrays, normalize_argnums
from .array import JaxArray
from .state import announce, detach, is_array, write_back
from .target import Target
from .tracking import NonVariableMutationError, TraceContext
from .variables import Variable, raw_get, raw_set

__all__ = ["grad", "value_and_grad", "vector_grad", "jacobian", "jacrev", "jacfwd", "hessian"]


def _split_aux(result: Any, has_aux: bool, where: str) -> tuple[Any, Any]:
    if not has_aux:
        return result, None
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise TypeError(f"{where}: with has_aux=True the function must return a pair (output, aux), "
                        f"got {type(result).__name__}")
    return result[0], result[1]


def _primal(out: Any) -> Any:
    return jax.tree_util.tree_map(lambda x: raw_get(x) if isinstance(x, JaxArray) else x, out,
                                  is_leaf=is_array)


def _wrap_tree(tree: Any) -> Any:
    return jax.tree_util.tree_map(lambda x: JaxArray._from_value(x) if isinstance(x, jax.Array) else x,
                                  detach(tree), is_leaf=is_array)


def _autodiff(name: str, f: Any, grad_vars: Any, argnums: Any, has_aux: bool, return_value: bool,
              dyn_vars: Any) -> Callable:
    target = Target(f, name)
    if grad_vars is not None:
        grad_leaves, rebuild_grads = flatten_arrays(grad_vars, name, "grad_vars")
    else:
        grad_leaves, rebuild_grads = [], None
    # dyn_vars is accepted for BrainPy compatibility and checked; writes to any Variable are
    # tracked while the function runs, so no list is needed.
    collect_variables(dyn_vars, name, "dyn_vars")
    if argnums is None and grad_vars is None:
        argnums = 0
    single_arg = isinstance(argnums, int)
    positions = normalize_argnums(argnums, name, "argnums")
    with_vars = grad_vars is not None
    if name == "hessian" and with_vars and positions:
        raise NotImplementedError("hessian on the jax backend: grad_vars together with argnums (mixed "
                                  "second derivatives) is not supported; compose "
                                  "bm.jacfwd(bm.jacrev(f, grad_vars=...), grad_vars=..., argnums=...) instead")
    for flag, label in ((has_aux, "has_aux"), (return_value, "return_value")):
        if not isinstance(flag, bool):
            raise TypeError(f"{name}: argument '{label}' must be a bool, got {flag!r}")

    def transformed(*args: Any, **kwargs: Any) -> Any:
        for p in positions:
            if not -len(args) <= p < len(args):
                raise ValueError(f"{name}: argnums={argnums!r} refers to argument {p}, but the function "
                                 f"was called with {len(args)} positional argument(s)")
        pos = tuple(p % len(args) for p in positions)
        written: list = []

        def pure(grad_values, *diff_args):
            full = list(args)
            for p, a in zip(pos, diff_args):
                full[p] = a
            originals = list(map(raw_get, grad_leaves))
            announce(grad_leaves)
            ctx = TraceContext(name, known=[v for v in grad_leaves if isinstance(v, Variable)])
            with ctx:
                try:
                    for leaf, value in zip(grad_leaves, grad_values):
                        raw_set(leaf, value)
                    out, aux = _split_aux(target(*full, **kwargs), has_aux, name)
                    pairs = ctx.written_values()
                    pairs += [(leaf, raw_get(leaf)) for leaf, value in zip(grad_leaves, grad_values)
                              if isinstance(leaf, Variable) and raw_get(leaf) is not value]
                    out, aux = detach(out), detach(aux)
                finally:
                    for leaf, value in zip(grad_leaves, originals):
                        raw_set(leaf, value)
            written[:] = [var for var, _ in pairs]
            primal = _primal(out)
            if name in ("grad", "value_and_grad"):
                primal = _scalar_output(primal, name)
            return primal, (out, aux, [value for _, value in pairs])

        grad_values = [raw_get(leaf) for leaf in grad_leaves]
        diff_args = [args[p] for p in pos]
        jax_argnums = ((0,) if with_vars else ()) + tuple(range(1, len(pos) + 1))
        try:
            if name == "vector_grad":
                primal, vjp, (out, aux, values) = jax.vjp(pure, grad_values, *diff_args, has_aux=True)
                cotangents = vjp(jax.tree_util.tree_map(jnp.ones_like, primal))
                grads = tuple(cotangents[i] for i in jax_argnums)
            else:
                transform = _JAX_TRANSFORMS[name]
                # One input: JAX's own (unnested) result; e.g. a Hessian is then a matrix, not ((H,),).
                one = jax_argnums[0] if len(jax_argnums) == 1 else jax_argnums
                grads, (out, aux, values) = transform(pure, argnums=one, has_aux=True)(
                    grad_values, *diff_args)
                if len(jax_argnums) == 1:
                    grads = (grads,)
        except NonVariableMutationError as error:
            raise target.named(error) from None
        for var, value in zip(written, values):
            write_back(var, value)
        if with_vars and name == "hessian":
            # One block per pair of grad_vars: a container (like grad_vars) of such containers.
            var_grads = rebuild_grads([rebuild_grads(_wrap_tree(list(row))) for row in grads[0]])
        else:
            var_grads = rebuild_grads(_wrap_tree(list(grads[0]))) if with_vars else None
        arg_grads = _wrap_tree(tuple(grads[1:] if with_vars else grads))
        if single_arg:
            arg_grads = arg_grads[0]
        if with_vars and positions:
            gradients = (var_grads, arg_grads)
        else:
            gradients = var_grads if with_vars else arg_grads
        if name == "value_and_grad":
            return ((out, aux) if has_aux else out), gradients
        if has_aux and return_value:
            return gradients, out, aux
        if has_aux:
            return gradients, aux
        if return_value:
            return gradients, out
        return gradients

    functools.update_wrapper(transformed, target.func or target.owner, updated=())
    return transformed


def _scalar_output(value: Any, name: str) -> Any:
    if not isinstance(value, (jax.Array, jax.core.Tracer)) or value.shape != ():
        shape = getattr(value, "shape", None)
        raise TypeError(f"{name}: the function must return a scalar (shape ()), got "
                        f"{type(value).__name__}{'' if shape is None else f' of shape {shape}'}; use "
                        f"bm.vector_grad for the gradient of the sum of a non-scalar output, or "
                        f"bm.jacobian for the full Jacobian")
    return value


_JAX_TRANSFORMS = {"grad": jax.grad, "value_and_grad": jax.grad, "jacobian": jax.jacrev,
                   "jacrev": jax.jacrev, "jacfwd": jax.jacfwd, "hessian": jax.hessian}


def grad(f: Any, grad_vars: Any = None, argnums: Any = None, has_aux: bool = False,
         return_value: bool = False, dyn_vars: Any = None) -> Callable:
    """The gradient of a scalar function w.r.t. arguments (``argnums``) and/or ``grad_vars``.

    ``grad_vars`` are Variables or plain JaxArray attributes (a single one or a list/tuple/dict);
    their gradients come back in the same container. Return values:

    ==========================  =====================================================
    gradients ``g``             ``arg_grads`` (no ``grad_vars``; ``argnums`` defaults to 0),
                                ``var_grads`` (``grad_vars`` only),
                                ``(var_grads, arg_grads)`` (both)
    has_aux / return_value      ``g``, ``(g, aux)``, ``(g, value)``, ``(g, value, aux)``
    ==========================  =====================================================

    Variables written by the function are written back (their new values, not tracers).

    Example:
        >>> import brainpy_math as bm
        >>> w = bm.Variable(bm.ones(2))
        >>> bm.grad(lambda x: (w * x).sum(), grad_vars=w)(bm.arange(2.0)).tolist()
        [0.0, 1.0]
    """
    return _autodiff("grad", f, grad_vars, argnums, has_aux, return_value, dyn_vars)


def value_and_grad(f: Any, grad_vars: Any = None, argnums: Any = None, has_aux: bool = False,
                   dyn_vars: Any = None) -> Callable:
    """``(value, g)`` (``((value, aux), g)`` with ``has_aux``); ``g`` as in :func:`grad`.

    Example:
        >>> import brainpy_math as bm
        >>> v, g = bm.value_and_grad(lambda x: (x ** 2).sum())(bm.ones(2))
        >>> float(v), g.tolist()
        (2.0, [2.0, 2.0])
    """
    return _autodiff("value_and_grad", f, grad_vars, argnums, has_aux, False, dyn_vars)


def vector_grad(f: Any, grad_vars: Any = None, argnums: Any = None, has_aux: bool = False,
                return_value: bool = False, dyn_vars: Any = None) -> Callable:
    """The gradient of the sum of a non-scalar output; arguments and results as :func:`grad`.

    Example:
        >>> import brainpy_math as bm
        >>> bm.vector_grad(lambda x: x ** 2)(bm.arange(3.0)).tolist()
        [0.0, 2.0, 4.0]
    """
    return _autodiff("vector_grad", f, grad_vars, argnums, has_aux, return_value, dyn_vars)


def _jacobian_like(name: str, summary: str) -> Callable:
    def transform(f: Any, grad_vars: Any = None, argnums: Any = None, has_aux: bool = False,
                  return_value: bool = False, dyn_vars: Any = None) -> Callable:
        return _autodiff(name, f, grad_vars, argnums, has_aux, return_value, dyn_vars)
    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = (f"{summary}; arguments and results as :func:`grad` (``value`` is the output).\n\n"
                         f"Example:\n    >>> import brainpy_math as bm\n"
                         f"    >>> bm.{name}(lambda x: (x ** 3).sum() if '{name}' == 'hessian' else x * 2)"
                         f"(bm.ones(2)).shape\n    (2, 2)\n")
    return transform


jacobian = _jacobian_like("jacobian", "The Jacobian, in reverse mode")
jacrev = _jacobian_like("jacrev", "The Jacobian, in reverse mode")
jacfwd = _jacobian_like("jacfwd", "The Jacobian, in forward mode")
hessian = _jacobian_like("hessian", "The Hessian of a scalar function")
