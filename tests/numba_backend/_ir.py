"""Helpers for tests that inspect what the Numba compiler generated, on its IR rather than its text.

A ``bm.jit`` result on the numba backend keeps the :class:`brainpy_math_numba.jit.ir.Program` it
was compiled from (``jitted._current.program``) and its entry :class:`~brainpy_math_numba.jit.ir.Function`.
These helpers answer structural questions about it -- which loops are fused, which kernels
materialise an argument, which calls were hoisted, which functions were inlined -- by the role the
compiler recorded for each name (:class:`~brainpy_math_numba.jit.ir.Role`), the kind of each
injected object and each function's purpose, never by how a generated name is spelled. Tests that
check the text of ``.source`` remain only where the text itself is the feature.

Example:
    >>> import numpy as np, brainpy_math as bm
    >>> with bm.set_backend("numba"):
    ...     v = bm.Variable(bm.zeros(64))
    ...     def decay(x):
    ...         v.value = v * 0.5 + x
    ...     step = bm.jit(decay)
    ...     step(np.ones(64, np.float32))
    >>> len(fused_loops(step)), kernels(step)
    (1, [])
"""
from __future__ import annotations

import ast
import copy
from typing import Any, Callable, Iterable, Iterator, Union

import numpy as np

from brainpy_math_numba.jit.ir import Function, Program, Role, Symbol

__all__ = ["program_of", "entry_of", "functions", "functions_of", "nodes", "calls", "called_names",
           "called_functions", "fused_loops", "array_fallbacks", "kernels", "names_with_role", "has_role",
           "assignments", "symbol_calls", "array_name", "text"]

Where = Union[Function, ast.AST, Iterable[ast.stmt]]


def program_of(jitted: Any) -> Program:
    """The IR program ``jitted`` runs now (generated on first use when it has no static arguments)."""
    jitted.source  # generates the program when no call has yet
    return jitted._current.program


def entry_of(jitted: Any) -> Function:
    """The entry function: the model function ``bm.jit`` was applied to, as lowered and optimised
    (the snapshotting wrapper that calls it is not the entry)."""
    program_of(jitted)
    return jitted._current.entry


def functions(jitted: Any, purpose: str | None = "model") -> list[Function]:
    """The program's functions of ``purpose`` ('model', 'twin', 'kernel', 'wrapper'; None: all)."""
    return [f for f in program_of(jitted).functions if purpose is None or f.purpose == purpose]


def functions_of(jitted: Any, qualname: str, purpose: str | None = "model") -> list[Function]:
    """The generated functions lowered from the model function ``qualname`` (``'Synapse.update'``,
    ``'_exprel'``): one per object it was called on, told apart by the origin of their header."""
    return [f for f in functions(jitted, purpose) if f.header is not None and f.header.function == qualname]


def nodes(where: Where) -> Iterator[ast.AST]:
    """Every AST node of a function's body, a statement list or one node, nested blocks included."""
    if isinstance(where, Function):
        where = where.body
    if isinstance(where, ast.AST):
        yield from ast.walk(where)
        return
    for stmt in where:
        yield from ast.walk(stmt)


def calls(where: Where) -> list[ast.Call]:
    """The calls in ``where``, in source order of their statements."""
    return [n for n in nodes(where) if isinstance(n, ast.Call)]


def called_names(where: Where) -> list[str]:
    """The names called in ``where`` (``f(x)`` gives ``'f'``; ``np.exp(x)`` gives nothing)."""
    return [c.func.id for c in calls(where) if isinstance(c.func, ast.Name)]


def called_functions(jitted: Any, where: Where, purpose: str | None = "model") -> list[Function]:
    """The generated functions of ``purpose`` that ``where`` calls (one entry per call)."""
    by_name = program_of(jitted).functions_by_name
    found = [by_name.get(n) for n in called_names(where)]
    return [f for f in found if f is not None and (purpose is None or f.purpose == purpose)]


def fused_loops(jitted: Any, where: Where | None = None) -> list[ast.For]:
    """The fused loops: ``for`` loops over a fused run's index (a name of :attr:`Role.INDEX`) in the
    model functions (or only in ``where``); a materialising kernel's own loop is not one."""
    roles = program_of(jitted).names
    bodies = [f.body for f in functions(jitted)] if where is None else [where]
    return [n for body in bodies for n in nodes(body)
            if isinstance(n, ast.For) and isinstance(n.target, ast.Name) and roles.role(n.target.id) is Role.INDEX]


def array_fallbacks(jitted: Any) -> list[list[ast.stmt]]:
    """The array versions kept beside fused loops: the ``else`` block of each ``if <checks>:`` whose
    body is a fused loop (code generated without them raises ``FusionMiss`` instead, and the
    ``JitFunction`` generates this guarded form once operands of other shapes come)."""
    loops = {id(loop) for loop in fused_loops(jitted)}
    return [n.orelse for f in functions(jitted) for n in nodes(f)
            if isinstance(n, ast.If) and n.orelse and any(id(s) in loops for s in n.body)]


def kernels(jitted: Any) -> list[Function]:
    """The materialising kernels, one per materialised argument: the function a model function
    calls (its name of :attr:`Role.KERNEL`), which chooses between its loop and its array version."""
    roles = program_of(jitted).names
    return [f for f in functions(jitted, "kernel") if roles.role(f.name) is Role.KERNEL]


def names_with_role(jitted: Any, role: Role, purpose: str | None = "model") -> set[str]:
    """The names of ``role`` that appear in the functions of ``purpose`` (a name allocated and then
    dropped by a pass that gave up is not counted)."""
    roles = program_of(jitted).names
    return {n.id for f in functions(jitted, purpose) for n in nodes(f) if isinstance(n, ast.Name)
            and roles.role(n.id) is role}


def has_role(jitted: Any, role: Role, purpose: str | None = "model") -> bool:
    """Whether any name of ``role`` appears in the functions of ``purpose``."""
    return bool(names_with_role(jitted, role, purpose))


def assignments(jitted: Any, role: Role, where: Where | None = None) -> list[ast.Assign]:
    """The statements ``name = value`` whose target has ``role`` (in the model functions, or ``where``)."""
    roles = program_of(jitted).names
    bodies = [f.body for f in functions(jitted)] if where is None else [where]
    return [s for body in bodies for s in nodes(body) if isinstance(s, ast.Assign) and len(s.targets) == 1
            and isinstance(s.targets[0], ast.Name) and roles.role(s.targets[0].id) is role]


def symbol_calls(jitted: Any, which: Callable[[Symbol], bool], where: Where | None = None) -> list[ast.Call]:
    """The calls of injected objects whose :class:`~brainpy_math_numba.jit.ir.Symbol` satisfies
    ``which`` (e.g. ``lambda s: s.kind is Kind.RANDOM``), in every function (or only ``where``)."""
    program = program_of(jitted)
    bodies = [f.body for f in program.functions] if where is None else [where]
    return [node for body in bodies for node in calls(body)
            if isinstance(node.func, ast.Name) and program.symbol(node.func.id) is not None
            and which(program.symbol(node.func.id))]


def array_name(jitted: Any, array: Any) -> str:
    """The name of the array argument that holds ``array`` (a Variable or its value)."""
    data = np.asarray(getattr(array, "value", array))
    for argument in program_of(jitted).arrays.values():
        if argument.plain.shape == data.shape and np.shares_memory(argument.plain, data):
            return argument.name
    raise KeyError(f"no array argument of {jitted!r} holds {array!r}")


def text(node: ast.AST) -> str:
    """One node as Python text, for comparing a small piece of IR with what a reader expects."""
    return ast.unparse(ast.fix_missing_locations(copy.deepcopy(node)))
