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


def call_whole_array_stores(function: Function, program: Program) -> list[ast.stmt]:
    """``function.body`` with every ``x[...] = value`` (and ``x[:] = value``) a call of ``assign``."""
    def rewrite(body: list[ast.stmt]) -> list[ast.stmt]:
        out = []
        for stmt in body:
            for field in ("body", "orelse"):
                if isinstance(getattr(stmt, field, None), list):
                    setattr(stmt, field, rewrite(getattr(stmt, field)))
            array = _whole(stmt.targets[0]) if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
            if array is None:
                out.append(stmt)
                continue
            attr = "assign_new" if _new_array(stmt.value, program) else "assign"
            helper = program.inject(f"_bm_e_{attr}", getattr(elementwise, attr),
                                    f"brainpy_math_numba.elementwise.{attr}", Kind.STORE)
            out.append(at(ast.Expr(call(helper, [array, stmt.value])), origin_of(stmt)))
        return out
    return rewrite(function.body)
