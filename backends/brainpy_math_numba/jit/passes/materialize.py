"""Materialisation: each elementwise argument of a pure call is computed in one loop of its own.

``u = bm.dot(((1.0 / (1.0 + bm.exp(-Y * bm.dot(X, w))) - 1.0) * Y), X)`` evaluates its first
argument as five array passes and four temporaries; here it becomes::

    _bm_h0 = _bm_dot(X, w)          # its non-elementwise parts, hoisted
    _bm_m0 = _bm_k0(Y, _bm_h0)      # one loop (or the array code)
    u = _bm_dot(_bm_m0, X)

with two generated kernels: ``_bm_k0_array`` returns the expression array at a time and
``_bm_k0_fill`` computes it one element at a time into a new array of the same dtype; the stub
``_bm_k0`` (decorated by :func:`brainpy_math_numba.elementwise.materializer`) picks one when Numba
types the call. Only statements whose calls are all pure, elementwise or constant casts are
rewritten, and none with a conditional expression, so that moving evaluation before the statement
changes neither the order of side effects nor what runs.
"""
from __future__ import annotations

import ast
import copy

from ..ir import Function, Program, Role, at, call, name, origin_of
from .scalarize import NotFusable, Scalarizer, pure_call

__all__ = ["materialize_arguments"]

_CONDITIONAL = (ast.IfExp, ast.BoolOp, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
                ast.NamedExpr)
_SIMPLE = (ast.Assign, ast.AugAssign, ast.Expr, ast.Return)


def materialize_arguments(function: Function, program: Program) -> list[ast.stmt]:
    """``function.body`` with each elementwise argument of a pure call computed in one loop."""
    return _block(function.body, program)


def _block(body: list[ast.stmt], program: Program) -> list[ast.stmt]:
    work, out = list(body), []
    while work:
        stmt = work.pop(0)
        for block in ("body", "orelse"):
            if isinstance(getattr(stmt, block, None), list) and getattr(stmt, block):
                setattr(stmt, block, _block(getattr(stmt, block), program))
        rewritten = _materialize_one(stmt, program) if isinstance(stmt, _SIMPLE) else None
        if rewritten is None:
            out.append(stmt)
        else:
            work[:0] = rewritten  # the new statements may hold further arguments to materialise
    return out


def _materialize_one(stmt: ast.stmt, program: Program) -> list[ast.stmt] | None:
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
            scalarizer = Scalarizer(program)
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
            kernel = _add_kernels(program, operands, array_expression, scalar_expression, scalarizer, stmt)
            result = program.names.new(Role.MATERIALIZED)
            node.args[position] = name(result)
            new = [at(ast.Assign([ast.Name(h, ast.Store())], n), origin) for h, n in hoists]
            new.append(at(ast.Assign([ast.Name(result, ast.Store())], call(kernel, [name(o) for o in operands])),
                          origin))
            new.append(stmt)
            return new
    return None


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
