"""Whole-array stores as calls of the backend's copy.

A statement that stores into a whole array and was not fused into a loop, such as
``self.W.value = self.W * decay`` on a 2-D Variable, reaches Numba as ``W[...] = value``::

    _bm_a0[...] = _bm_weak_Mult_r(_bm_a0, 0.9)      # before
    _bm_e_assign(_bm_a0, _bm_weak_Mult_r(_bm_a0, 0.9))  # after

Numba's array assignment formats both shapes into the message of its broadcast error, and
compiling that formatting (Numba's string machinery) cost ~3.5 s the first time a process compiled
such a model. :func:`brainpy_math_numba.elementwise.assign` broadcasts with ``np.broadcast_to``
(a constant message) and copies element by element; same values, casts and aliasing rule. A value
that is an operation's result (a new array) calls ``assign_new``, which compiles no overlap test.
"""
from __future__ import annotations

import ast

from ... import elementwise
from ..ir import Function, Kind, Program, at, call, origin_of

__all__ = ["call_whole_array_stores"]


def _whole(target: ast.expr) -> ast.expr | None:
    """The array a store target ``x[...]`` or ``x[:]`` names, else ``None``."""
    if not isinstance(target, ast.Subscript):
        return None
    index = target.slice
    whole = (isinstance(index, ast.Constant) and index.value is Ellipsis or
             isinstance(index, ast.Slice) and index.lower is None and index.upper is None and index.step is None)
    return target.value if whole else None


def _new_array(value: ast.expr, program: Program) -> bool:
    """Whether ``value`` is certainly a new array or a scalar (an operation's result), which shares
    no memory with the array it is stored into."""
    if isinstance(value, (ast.BinOp, ast.UnaryOp, ast.Compare, ast.Constant)):
        return True
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        symbol = program.symbol(value.func.id)
        return symbol is not None and symbol.kind is Kind.ELEMENTWISE
    return False


def _part(target: ast.expr, in_loop: bool) -> tuple[ast.expr, ast.expr] | None:
    """``(x, index)`` of a store target ``x[k]`` (``k`` an int literal, or a name outside loops, such
    as a Variable holding the index: a 0-d array, which Numba indexes with) or ``x[a:b:c]``, with the
    index as an expression (``slice(a, b, c)``), else ``None``: other indices (names inside loops,
    such as a fused loop's, tuples, arrays) stay Numba's."""
    if not isinstance(target, ast.Subscript):
        return None
    index = target.slice
    literal = index.operand if isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.USub) else index
    if isinstance(literal, ast.Constant) and type(literal.value) is int:
        return target.value, index
    if isinstance(index, ast.Name) and not in_loop:
        return target.value, index
    if isinstance(index, ast.Slice):
        bounds = [b if b is not None else ast.Constant(None) for b in (index.lower, index.upper, index.step)]
        return target.value, call("slice", bounds)
    return None


def call_whole_array_stores(function: Function, program: Program) -> list[ast.stmt]:
    """``function.body`` with every ``x[...] = value`` (and ``x[:] = value``) a call of ``assign``,
    and ``x[k] = value`` / ``x[a:b] = value`` (``k`` an int literal, or a name outside loops) a call
    of ``store_at``."""
    def rewrite(body: list[ast.stmt], in_loop: bool) -> list[ast.stmt]:
        out = []
        for stmt in body:
            for field in ("body", "orelse"):
                if isinstance(getattr(stmt, field, None), list):
                    loop_body = field == "body" and isinstance(stmt, (ast.For, ast.While))
                    setattr(stmt, field, rewrite(getattr(stmt, field), in_loop or loop_body))
            single = isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
            array = _whole(stmt.targets[0]) if single else None
            part = _part(stmt.targets[0], in_loop) if single and array is None else None
            if part is not None:
                helper = program.inject("_bm_e_store_at", elementwise.store_at,
                                        "brainpy_math_numba.elementwise.store_at", Kind.STORE)
                out.append(at(ast.Expr(call(helper, [*part, stmt.value])), origin_of(stmt)))
                continue
            if array is None:
                out.append(stmt)
                continue
            attr = "assign_new" if _new_array(stmt.value, program) else "assign"
            helper = program.inject(f"_bm_e_{attr}", getattr(elementwise, attr),
                                    f"brainpy_math_numba.elementwise.{attr}", Kind.STORE)
            out.append(at(ast.Expr(call(helper, [array, stmt.value])), origin_of(stmt)))
        return out
    return rewrite(function.body, False)
