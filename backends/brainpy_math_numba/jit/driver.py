"""The driver: runs the compiler's stages in order. This docstring is the pipeline.

``bm.jit`` of a function, a method or a ``bm.Base`` object (:func:`compile_jit`):

1. **lower** (:mod:`.lower`, calls by :mod:`.calls`): the model source becomes a :class:`.ir.Program`:
   ``self.x`` chains resolved on the live objects (Variables become array arguments, constants
   literals, guarded), each method or helper called becomes a :class:`.ir.Function` of ``ast``
   statements, ``bm.`` calls become injected :class:`.ir.Symbol`\\ s of known :class:`.ir.Kind`;
   the entry's array parameters take the dtype and rank of the call's arguments (``known_types``);
2. **passes** (:mod:`.passes`), per function, callees first, when ``fuse`` is on: expand tuple
   assignments, inline straight-line callees, propagate aliases, materialise elementwise arguments
   of pure calls, fuse runs of elementwise statements into loops; then on every function: split the
   random streams of ``bm.prange`` loops; last, add the snapshot function (failure atomicity);
3. **emit** (:mod:`.emit`): the program printed as a module's source, with the model line of each
   generated line;
4. **load** (:mod:`.load`): the source written to the cache folder (named by its hash) and executed:
   its functions are Numba dispatchers, compiled at their first call (or loaded from Numba's cache);
5. **wrapper** (:mod:`.wrapper`): the Python function a call runs (guards, dispatch, errors) is built
   by the ``JitFunction`` from the :class:`.wrapper.Built` this driver returns.

``bm.for_loop`` / ``bm.while_loop`` (:func:`compile_body`, :func:`compile_for_loop`,
:func:`compile_while_loop`): the body (and condition) through stages 1-4, then a loop program
(:mod:`.loops`) that calls them, through stages 3-4.
"""
from __future__ import annotations

import ast
from typing import Any, Callable

import numpy as np

from .emit import emit
from .ir import Kind, Program
from .load import inject_decorators, load
from .loops import for_loop_function, while_loop_function
from .lower import Lowering
from .passes import FUSION_PASSES, PROGRAM_PASSES, add_snapshot_function, written_arrays
from .wrapper import Built

__all__ = ["compile_jit", "compile_body", "compile_for_loop", "compile_while_loop"]


def _lower_and_optimize(func: Callable, owner: Any, options: dict[str, Any], static: dict[str, Any] | None,
                        weak: frozenset[str], copy_returns: bool,
                        argument_types: dict[str, tuple[np.dtype, int]] | None = None) -> tuple[Program, Any]:
    program = Program(options)
    entry = Lowering(program).function(func, owner, None, static, entry=copy_returns, weak=weak)  # stage 1
    assigned = {n.id for s in entry.body for n in ast.walk(s) if isinstance(n, ast.Name) and
                not isinstance(n.ctx, ast.Load)}
    entry.known_types.update({p: t for p, t in (argument_types or {}).items()
                              if p in entry.params and p not in assigned})
    lowered = list(program.functions)  # callees first; the passes add kernels and twins after them
    if options.get("fuse", True):
        for function in lowered:
            for run in FUSION_PASSES:  # stage 2
                function.body = run(function, program)
    for function in program.functions:
        for run in PROGRAM_PASSES:
            function.body = run(function, program)
    return program, entry


def _finish(program: Program, entry: Any, safe: Any, written: list[str]) -> Built:
    inject_decorators(program)
    emitted = emit(program)  # stage 3
    module = load(program, emitted)  # stage 4
    by_name = {a.name: a.plain for a in program.arrays.values()}
    return Built(program, entry, emitted, module, safe, [by_name[n] for n in written])


def compile_jit(func: Callable, owner: Any, options: dict[str, Any], static: dict[str, Any] | None = None,
                weak: frozenset[str] = frozenset(),
                argument_types: dict[str, tuple[np.dtype, int]] | None = None) -> Built:
    """``func`` bound to ``owner`` compiled as a ``bm.jit`` entry (returns copies of Variables; a
    snapshot function when it writes any). ``argument_types``: the ``(dtype, ndim)`` of the array
    arguments of the call it is compiled for (the code may rely on them: ``program.assumed_arguments``)."""
    program, entry = _lower_and_optimize(func, owner, options, static, weak, copy_returns=True,
                                         argument_types=argument_types)
    safe = add_snapshot_function(program, entry)
    written = written_arrays(program, entry) if safe is not None else []
    return _finish(program, entry, safe, written)


def compile_body(func: Callable, owner: Any, options: dict[str, Any], copy_returns: bool = False) -> Built:
    """A loop's body (or a while loop's condition): stages 1-4, no snapshot (the loop copies once)."""
    program, entry = _lower_and_optimize(func, owner, options, None, frozenset(), copy_returns)
    return _finish(program, entry, None, written_arrays(program, entry))


def compile_for_loop(body: Built, n_operands: int, outputs: int | None) -> Built:
    """The loop calling ``body`` for ``n_operands`` sliced inputs and ``outputs`` (None: one array)."""
    program = Program(body.program.options)
    name = program.inject("_bm_body", body.dispatcher, f"{body.module.__name__}.{body.entry.name}", Kind.CALL)
    loop = for_loop_function(program, name, n_operands, outputs, len(body.entry.state))
    return _finish(program, loop, None, [])


def compile_while_loop(body: Built, cond: Built, n_carry: int, is_tuple: bool) -> Built:
    """The whole ``while cond(*carry): carry = body(*carry)`` loop, compiled."""
    program = Program(body.program.options)
    body_name = program.inject("_bm_body", body.dispatcher, f"{body.module.__name__}.{body.entry.name}", Kind.CALL)
    cond_name = program.inject("_bm_cond", cond.dispatcher, f"{cond.module.__name__}.{cond.entry.name}", Kind.CALL)
    loop = while_loop_function(program, body_name, cond_name, n_carry, is_tuple, len(body.entry.state),
                               len(cond.entry.state))
    return _finish(program, loop, None, [])
