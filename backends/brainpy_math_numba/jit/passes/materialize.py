"""Materialisation: each elementwise argument of a pure call is computed in one loop of its own.

``u = bm.dot(((1.0 / (1.0 + bm.exp(-Y * bm.dot(X, w))) - 1.0) * Y), X)`` evaluates its first
argument as five array passes and four temporaries; here it becomes::

    _bm_h0 = _bm_dot(X, w)          # its non-elementwise parts, hoisted
    _bm_m0 = _bm_k0(Y, _bm_h0)      # one loop (or the array code)
    u = _bm_dot(_bm_m0, X)

with two generated kernels: ``_bm_k0_array`` returns the expression array at a time and
``_bm_k0_fill`` computes it one element at a time into a new array of the same dtype; the stub
``_bm_k0`` (decorated by :func:`brainpy_math_numba.elementwise.materializer`) picks one when Numba
types the call. Where every operand is a 1-D array whose dtype is known while generating (the
model's arrays, the call's array arguments, a pure call's typed result), the loop is written into the
function itself instead (``np.empty`` and a typed loop, a FusionMiss for unequal lengths), and no
kernel is made. Only statements whose calls are all pure, elementwise or constant casts are
rewritten, and none with a conditional expression, so that moving evaluation before the statement
changes neither the order of side effects nor what runs.
"""
from __future__ import annotations

import ast
import copy

import numpy as np

from ... import elementwise
from ..ir import Function, Kind, Program, Role, at, call, name, numpy_attr, origin_of
from .scalarize import NotFusable, Scalarizer, pure_call

__all__ = ["materialize_arguments"]

_CONDITIONAL = (ast.IfExp, ast.BoolOp, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
                ast.NamedExpr)
_SIMPLE = (ast.Assign, ast.AugAssign, ast.Expr, ast.Return)


def materialize_arguments(function: Function, program: Program) -> list[ast.stmt]:
    """``function.body`` with each elementwise argument of a pure call computed in one loop."""
    return _block(function.body, program, function.known_types)


def _block(body: list[ast.stmt], program: Program, known: dict[str, tuple[np.dtype, int]]) -> list[ast.stmt]:
    work, out = list(body), []
    while work:
        stmt = work.pop(0)
        for block in ("body", "orelse"):
            if isinstance(getattr(stmt, block, None), list) and getattr(stmt, block):
                setattr(stmt, block, _block(getattr(stmt, block), program, known))
        rewritten = _materialize_one(stmt, program, known) if isinstance(stmt, _SIMPLE) else None
        if rewritten is None:
            out.append(stmt)
        else:
            work[:0] = rewritten  # the new statements may hold further arguments to materialise
    return out


def _materialize_one(stmt: ast.stmt, program: Program,
                     known: dict[str, tuple[np.dtype, int]]) -> list[ast.stmt] | None:
    value = stmt.value
    if value is None or any(isinstance(n, _CONDITIONAL) for n in ast.walk(stmt)):
        return None
    probe = Scalarizer(program, twin=True)
    calls = [n for n in ast.walk(stmt) if isinstance(n, ast.Call)]
    if not all(pure_call(program, c) or probe.elementwise_call(c) is not None or probe.constant_cast(c)
               for c in calls):
        return None
    origin = origin_of(stmt)
    for node in calls:
        if not pure_call(program, node):
            continue
        for position, argument in enumerate(node.args):
            scalarizer = Scalarizer(program, known=known)
            hoists: list[tuple[str, ast.expr]] = []
            try:
                expression = scalarizer.hoisted(copy.deepcopy(argument), hoists)
            except NotFusable:
                continue
            if isinstance(expression, (ast.Name, ast.Constant)) or scalarizer.constant_cast(expression):
                continue
            array_expression = copy.deepcopy(expression)
            scalar_expression = scalarizer.scalar(expression)
            operands = scalarizer.operands
            if not operands:
                continue
            result = program.names.new(Role.MATERIALIZED)
            node.args[position] = name(result)
            new = [at(ast.Assign([ast.Name(h, ast.Store())], n), origin) for h, n in hoists]
            loop = _typed_loop(program, scalarizer, result, scalar_expression, origin)
            if loop is not None:
                new += loop
            else:
                kernel = _add_kernels(program, operands, array_expression, scalar_expression, scalarizer, stmt)
                new.append(at(ast.Assign([ast.Name(result, ast.Store())],
                                         call(kernel, [name(o) for o in operands])), origin))
            new.append(stmt)
            return new
    return None


def _typed_loop(program: Program, scalarizer: Scalarizer, result: str, scalar_expression: ast.expr,
                origin) -> list[ast.stmt] | None:
    """The loop computing ``result`` in the function itself, when every operand is a 1-D array of known
    dtype and so is the element (no kernel to choose at typing time: nothing but this loop to
    compile), else ``None``. Operands of unequal lengths raise FusionMiss (the guarded variant, which
    keeps the kernels, handles them); so the guarded variant never takes this path."""
    dtype = scalarizer.dtype_of(scalar_expression)
    if program.options.get("guarded", False) or dtype is None or dtype.kind not in "biufc":
        return None
    types = [scalarizer.array_type(name(o)) for o in scalarizer.operands]
    if any(t is None or t[1] != 1 for t in types):
        return None
    lengths = [ast.Constant(len(program.array_named(o))) if program.array_named(o) is not None else
               call("len", [name(o)]) for o in scalarizer.operands]
    length = program.names.new(Role.LOOP)
    out = [at(ast.Assign([ast.Name(length, ast.Store())], lengths[0]), origin)]
    if len(lengths) > 1:
        miss = program.inject("_bm_FusionMiss", elementwise.FusionMiss, "brainpy_math_numba.elementwise.FusionMiss",
                              Kind.EXCEPTION)
        unequal = [ast.Compare(other, [ast.NotEq()], [name(length)]) for other in lengths[1:]]
        test = unequal[0] if len(unequal) == 1 else ast.BoolOp(ast.Or(), unequal)
        out.append(at(ast.If(test, [at(ast.Raise(name(miss), None), origin)], []), origin))
    out.append(at(ast.Assign([ast.Name(result, ast.Store())],
                             call(ast.Attribute(name("np"), "empty", ast.Load()),
                                  [name(length), numpy_attr(np.dtype(dtype).name)])), origin))
    index = scalarizer.index_name
    store = ast.Assign([ast.Subscript(name(result), name(index), ast.Store())], scalar_expression)
    body = [at(p, origin) for p in scalarizer.pending] + [at(store, origin)]
    scalarizer.pending = []
    out.append(at(ast.For(ast.Name(index, ast.Store()), call("range", [name(length)]), body, []), origin))
    scalarizer.known[result] = (np.dtype(dtype), 1)
    return out


def _add_kernels(program: Program, operands: list[str], array_expression: ast.expr, scalar_expression: ast.expr,
                 scalarizer: Scalarizer, stmt: ast.stmt) -> str:
    """``kernel(*operands)`` and the two kernels it chooses from; returns the kernel's name."""
    origin = origin_of(stmt)
    kernel = program.names.new(Role.KERNEL)
    index = scalarizer.index_name
    stored = call(scalarizer.helper("store"), [name("_bm_out"), name(index), scalar_expression])
    # The statements the expression needs first (the bodies of helper functions written into the loop).
    element = [at(p, origin) for p in scalarizer.pending] + [at(ast.Expr(stored), origin)]
    scalarizer.pending = []
    fill = [
        at(ast.Assign([ast.Name("_bm_out", ast.Store())],
                      call(ast.Attribute(name("np"), "empty", ast.Load()),
                           [name("_bm_n"), ast.Attribute(name("_bm_prototype"), "dtype", ast.Load())])), origin),
        at(ast.For(ast.Name(index, ast.Store()), call("range", [name("_bm_n")]), element, []), origin),
        at(ast.Return(name("_bm_out")), origin),
    ]
    array = [at(ast.Return(array_expression), origin)]
    chooser = call(scalarizer.helper("materializer"), [name(f"{kernel}_fill"), name(f"{kernel}_array")])
    for function in (Function(f"{kernel}_array", list(operands), [], array, purpose="kernel"),
                     Function(f"{kernel}_fill", ["_bm_n", "_bm_prototype", *operands], [], fill, purpose="kernel"),
                     Function(kernel, list(operands), [], copy.deepcopy(array), decorator=chooser, purpose="kernel")):
        program.add_function(function)
    return kernel
