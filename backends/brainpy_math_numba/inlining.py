"""Inlining of generated functions into their callers, so that fusion sees across objects.

A network's step calls the update of each of its children: ``self.exc.update(spike[:n_exc])``
becomes a call ``_bm_f2_ExpCOBA_update(spike[:3200], _bm_a1, _bm_a2, _bm_a3)`` of another
generated function. Each function then gets its own fused loops, one pass over memory per child.
Here a call statement to a generated function with a straight-line body is replaced by that body,
its locals renamed ``_bm_l{k}_<name>`` and its parameters replaced by the arguments, so that the
children's elementwise statements form one run in the caller (:mod:`.fusion`).

An argument is substituted for its parameter when evaluating it again at each use gives the same
object: a name, a constant, or a basic slice of a name (a view). Other arguments, and parameters
the callee rebinds, are bound once to a renamed local before the body, as the call did.

:func:`propagate_aliases` then removes ``x = y`` statements in which ``x`` is bound once and ``y``
is a parameter never rebound (``spike = self.neurons.spike`` reads ``spike = _bm_a0``): ``x`` and
``y`` are the same object, and a run reading ``x`` could otherwise not hoist calls that read it.
"""
from __future__ import annotations

import ast
import copy
import re
from typing import TYPE_CHECKING, Any

from .fusion import _GENERATED_FUNCTION, parse_statement

if TYPE_CHECKING:  # pragma: no cover
    from .codegen import Generated, Program

__all__ = ["inline_calls", "propagate_aliases"]

_MAX_INLINED_LINES = 150  # a larger callee stays a call: compile time grows with each copy


def inline_calls(lines: list, program: "Program") -> list:
    """``lines`` with each call statement of a straight-line generated function replaced by its body."""
    out: list = []
    for text, origin in lines:
        parsed = parse_statement(text)
        body = _inline(parsed, program) if parsed is not None else None
        out.extend(body if body is not None else [(text, origin)])
    return out


def _callee(program: "Program", stmt: ast.stmt) -> tuple["Generated", ast.Call] | None:
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return None
    call = stmt.value
    if not isinstance(call.func, ast.Name) or not _GENERATED_FUNCTION.match(call.func.id) or call.keywords or \
            any(isinstance(a, ast.Starred) for a in call.args):
        return None
    callee = next((g for g in program.order if g.name == call.func.id), None)
    if callee is None or callee.inline_lines is None or len(callee.inline_lines) > _MAX_INLINED_LINES or \
            len(call.args) != len(callee.params) + len(callee.state):
        return None
    return callee, call


def _straight_body(callee: "Generated") -> list[tuple[ast.stmt, Any]] | None:
    """The callee's statements when every one is a simple statement of its top level, else ``None``."""
    body = []
    lines = callee.inline_lines
    for position, (text, origin) in enumerate(lines):
        parsed = parse_statement(text)
        if parsed is None or parsed[0] != 1:
            return None
        stmt = parsed[1]
        if isinstance(stmt, ast.Return):
            if stmt.value is None and position == len(lines) - 1:
                continue
            return None
        if not isinstance(stmt, (ast.Assign, ast.AugAssign, ast.Expr)):
            return None
        body.append((stmt, origin))
    return body


def _assigned(statements) -> set[str]:
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


def _inline(parsed: tuple[int, ast.stmt], program: "Program") -> list | None:
    depth, stmt = parsed
    found = _callee(program, stmt)
    if found is None:
        return None
    callee, call = found
    body = _straight_body(callee)
    if body is None:
        return None
    program.inlined += 1
    prefix = f"_bm_l{program.inlined}_"
    assigned = _assigned(s for s, _ in body)
    pad = "    " * depth
    out: list = []
    mapping: dict[str, ast.expr] = {}
    for param, argument in zip(callee.params + callee.state, call.args):
        if param in assigned or not _substitutable(argument):
            out.append((f"{pad}{prefix}{param} = {ast.unparse(argument)}", callee.header))
            mapping[param] = ast.Name(prefix + param, ast.Load())
        else:
            mapping[param] = argument
    for name in assigned:
        mapping.setdefault(name, ast.Name(prefix + name, ast.Load()))
    rename = _Rename(mapping)
    for node, origin in body:
        new = ast.fix_missing_locations(rename.visit(copy.deepcopy(node)))
        out.append((f"{pad}{ast.unparse(new)}", origin))
    return out


def propagate_aliases(lines: list, params: list[str]) -> list:
    """``lines`` without the ``x = y`` statements that only name a parameter ``y`` again (see the
    module docstring); uses of ``x`` read ``y``."""
    counts: dict[str, int] = {}
    parsed = []
    for text, _ in lines:
        stmt = parse_statement(text)
        if stmt is None:
            header = _header(text)
            if header is None:
                return lines  # a statement this pass does not read: leave the function as it is
            stmt = (None, header)
        parsed.append(stmt)
        for node in ast.walk(stmt[1]):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                counts[node.id] = counts.get(node.id, 0) + 1
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                return lines
    aliases: dict[str, ast.expr] = {}
    out = []
    for (text, origin), (depth, stmt) in zip(lines, parsed):
        if depth == 1 and isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
                isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.Name):
            name, source = stmt.targets[0].id, stmt.value.id
            if counts.get(name) == 1 and source in params and source not in counts:
                aliases[name] = ast.Name(source, ast.Load())
                continue
        if aliases and depth is not None and any(n.id in aliases for n in ast.walk(stmt) if isinstance(n, ast.Name)):
            new = ast.fix_missing_locations(_Rename(aliases).visit(copy.deepcopy(stmt)))
            text = f"{'    ' * depth}{ast.unparse(new)}"
        elif aliases and depth is None and any(re.search(rf"\b{re.escape(a)}\b", text) for a in aliases):
            return lines  # a block header reading an alias: keep it simple, change nothing
        out.append((text, origin))
    return out


def _header(text: str) -> ast.stmt | None:
    """A block header (``for i in range(n):``, ``if x:``, ``else:``) parsed with an empty body."""
    stripped = text.strip()
    if not stripped.endswith(":"):
        return None
    if stripped in ("else:", "try:", "finally:"):
        return ast.Pass()
    if stripped.startswith("elif "):
        stripped = stripped[2:]
    try:
        module = ast.parse(stripped + " pass")
    except SyntaxError:
        return None
    return module.body[0] if len(module.body) == 1 else None
