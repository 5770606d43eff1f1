"""JAX's transformations on functions, bound methods and ``Base`` objects holding Variables.

JAX transforms pure functions. Each transformation here turns the user's code into one: it
substitutes tracers into the Variables it threads, runs the code, reads back what the code wrote,
and puts every Variable back as it was before handing the new values to JAX as outputs; after the
call the outputs are written into the Variables. ``tracking.TraceContext`` records the Variables
the code touches, so none is missed (a Variable read by a compiled function but not threaded would
be frozen into it as a constant; ``jit`` threads it and traces again).

This module is the public face of the transformations; each lives in a module of its own, on
layers that import only downwards:

=================  ==================================================================================
``tracking``       trace contexts: which Variables the running code touches; attribute recording
``state``          moving Variables' values in and out of a trace (announce, write back, detach)
``arguments``      reading containers of arrays, ``argnums`` and ``static_argnames``
``target``         what a transformation runs (function, bound method, object), held weakly
``programs``       compiled programs shared by objects of one structure, guarded by attribute values
``compiled``       one object's compiled variant: threading its Variables, calling, writing back
``jitting``        ``jit`` and ``JitFunction``
``autodiff``       ``grad``, ``value_and_grad``, ``vector_grad``, ``jacobian``/``jacrev``/``jacfwd``,
                   ``hessian``
``mapping``        ``vmap`` and ``pmap``
``control_flow``   ``for_loop``, ``while_loop``, ``cond``, ``ifelse`` (on ``state`` and ``compiled``)
=================  ==================================================================================
"""
from __future__ import annotations

from .autodiff import grad, hessian, jacfwd, jacobian, jacrev, value_and_grad, vector_grad
from .jitting import JitFunction, jit
from .mapping import pmap, vmap

__all__ = ["jit", "grad", "value_and_grad", "vector_grad", "jacobian", "jacrev", "jacfwd", "hessian",
           "vmap", "pmap", "JitFunction"]
