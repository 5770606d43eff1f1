"""Inlining: a call statement of a straight-line generated function is replaced by its body.

A network's step calls its children (``self.exc.update(...)``, ``self.neurons.update(...)``); each
is a generated function of its own, so fusion (:mod:`.fuse`) would see a run end at every call.
With the callees' statements in the caller, one run can span the network's whole step. A callee
is inlined when its body is straight-line (assignments, augmented assignments and calls at its top
level, at most a bare ``return`` at its end) and short; its locals are renamed apart (names of
:class:`..ir.Role` ``INLINED``), and its parameters are substituted by the call's arguments when
that is exact (names, constants, simple slices), else assigned first.

:func:`propagate_aliases` then removes the ``x = y`` statements that only name a parameter ``y``
again (``V = self.V.value`` becomes ``V = _bm_a0``): uses of ``x`` read ``y``, so fusion finds
the Variable itself and writes it in place.
"""
from __future__ import annotations

import ast
import copy

from ..ir import Function, Program, Role, at, origin_of

__all__ = ["inline_calls", "propagate_aliases"]

_MAX_INLINED_STATEMENTS = 150  # a larger callee stays a call: compile time grows with each copy


def inline_calls(function: Function, program: Program) -> list[ast.stmt]:
    """``function.body`` with each call statement of a straight-line generated function inlined."""
    return _block(function.body, program)


def _block(body: list[ast.stmt], program: Program) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for stmt in body:
        for block in ("body", "orelse"):
            if isinstance(getattr(stmt, block, None), list) and getattr(stmt, block):
                setattr(stmt, block, _block(getattr(stmt, block), program))
        inlined = _inline(stmt, program)
        out.extend(inlined if inlined is not None else [stmt])
    return out


def _callee(program: Program, stmt: ast.stmt) -> tuple[Function, ast.Call] | None:
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return None
    node = stmt.value
    if not isinstance(node.func, ast.Name) or node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        return None
    callee = program.functions_by_name.get(node.func.id)
    if callee is None or callee.purpose != "model" or callee.inline_body is None or \
            len(callee.inline_body) > _MAX_INLINED_STATEMENTS or len(node.args) != len(callee.arguments):
        return None
    return callee, node


def _straight_body(callee: Function) -> list[ast.stmt] | None:
    """The callee's statements when every one is a simple statement of its top level, else ``None``."""
    body = []
    for position, stmt in enumerate(callee.inline_body or []):
        if isinstance(stmt, ast.Return):
            if stmt.value is None and position == len(callee.inline_body) - 1:
                continue
            return None
        if not isinstance(stmt, (ast.Assign, ast.AugAssign, ast.Expr)):
            return None
        body.append(stmt)
    return body


def _assigned(statements: list[ast.stmt]) -> set[str]:
    names = set()
    for stmt in statements:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(stmt, ast.AugAssign) \
            else []
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    names.add(node.id)
    return names


def _simple_bound(node: ast.expr | None) -> bool:
    return node is None or isinstance(node, (ast.Name, ast.Constant)) or \
        isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant)


def _substitutable(argument: ast.expr) -> bool:
    """Whether evaluating ``argument`` at each use gives the object the call received."""
    if isinstance(argument, (ast.Name, ast.Constant)) or _simple_bound(argument):
        return True
    if isinstance(argument, ast.Subscript) and isinstance(argument.value, ast.Name):
        parts = argument.slice.elts if isinstance(argument.slice, ast.Tuple) else [argument.slice]
        return all(isinstance(p, ast.Slice) and all(_simple_bound(b) for b in (p.lower, p.upper, p.step))
                   for p in parts)
    return False


class _Rename(ast.NodeTransformer):
    def __init__(self, mapping: dict[str, ast.expr]):
        self.mapping = mapping

    def visit_Name(self, node: ast.Name) -> ast.expr:
        replacement = self.mapping.get(node.id)
        if replacement is None:
            return node
        if isinstance(node.ctx, ast.Store):
            return ast.Name(replacement.id, ast.Store())
        return copy.deepcopy(replacement)


def _inline(stmt: ast.stmt, program: Program) -> list[ast.stmt] | None:
    found = _callee(program, stmt)
    if found is None:
        return None
    callee, node = found
    body = _straight_body(callee)
    if body is None:
        return None
    assigned = _assigned(body)
    out: list[ast.stmt] = []
    mapping: dict[str, ast.expr] = {}
    for param, argument in zip(callee.arguments, node.args):
        if param in assigned or not _substitutable(argument):
            local = program.names.new(Role.INLINED, param)
            out.append(at(ast.Assign([ast.Name(local, ast.Store())], copy.deepcopy(argument)), callee.header))
            mapping[param] = ast.Name(local, ast.Load())
        else:
            mapping[param] = argument
    for local in sorted(assigned):
        mapping.setdefault(local, ast.Name(program.names.new(Role.INLINED, local), ast.Load()))
    rename = _Rename(mapping)
    for statement in body:
        out.append(at(rename.visit(copy.deepcopy(statement)), origin_of(statement)))
    return out


def propagate_aliases(function: Function, program: Program) -> list[ast.stmt]:
    """``function.body`` without the top-level ``x = y`` statements that only name a parameter ``y``
    again; uses of ``x`` read ``y``."""
    params = set(function.arguments)
    counts: dict[str, int] = {}
    for node in ast.walk(ast.Module(function.body, [])):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            counts[node.id] = counts.get(node.id, 0) + 1
    aliases: dict[str, ast.expr] = {}
    out = []
    for stmt in function.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) and \
                isinstance(stmt.value, ast.Name):
            alias, source = stmt.targets[0].id, stmt.value.id
            if counts.get(alias) == 1 and source in params and source not in counts:
                aliases[alias] = ast.Name(source, ast.Load())
                continue
        out.append(_Rename(aliases).visit(stmt) if aliases else stmt)
    return out
