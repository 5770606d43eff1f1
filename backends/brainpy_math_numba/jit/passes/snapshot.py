"""Failure atomicity: which arrays a call may write, and the entry that copies them first.

A ``bm.jit`` call that raises while running must leave every Variable as it was. The compiled code
cannot be undone, so before it runs, the arrays it may write are copied into one snapshot buffer:
:func:`written_arrays` finds them (directly, through a local alias or view, or in a function it
calls; conservative: an array passed to a function not known to be pure -- a random kernel, a user's
numba function -- counts as written), and :func:`add_snapshot_function` adds the function the
wrapper calls instead of the entry: it copies them, raises the running flag (the buffer's first
byte), calls the entry and lowers the flag. A failing call finds the flag raised and restores the
arrays from the buffer (:mod:`..wrapper`).
"""
from __future__ import annotations

import ast

from ... import elementwise
from ..ir import MAX_INLINED_ARGUMENTS, Function, Kind, Program, at, call, name

__all__ = ["written_arrays", "add_snapshot_function"]

_PURE_KINDS = (Kind.ELEMENTWISE, Kind.PURE, Kind.PRANGE, Kind.MODULE, Kind.DECORATOR)
_MUTATING_NUMPY = {"copyto", "put", "place", "putmask", "fill_diagonal", "put_along_axis", "shuffle"}
_MUTATING_METHODS = {"fill", "sort", "put", "itemset", "partition", "resize", "setfield", "byteswap"}
_VIEW_ATTRIBUTES = {"T", "real", "imag", "flat", "mT"}


def written_arrays(program: Program, entry: Function) -> list[str]:
    """The array arguments of ``entry`` that running it may write, in ``entry.state`` order."""
    written: dict[str, set[int]] = {f.name: set() for f in program.functions}  # parameter positions
    changed = True
    while changed:  # callees first would do, but a fixed point is simpler and the graph is small
        changed = False
        for function in program.functions:
            positions = _written_parameters(function, written, program)
            if positions != written[function.name]:
                written[function.name] = positions
                changed = True
    params = entry.arguments
    return [params[i] for i in sorted(written[entry.name]) if params[i] in entry.state]


def add_snapshot_function(program: Program, entry: Function) -> Function | None:
    """Add the function that copies what ``entry`` may write, then calls it (``None``: it writes
    nothing). The copy runs inside the compiled code: no Python call per array."""
    written = written_arrays(program, entry)
    if not written:
        return None
    copy = program.inject("_bm_e_snapshot_at", elementwise.snapshot_at,
                          "brainpy_math_numba.elementwise.snapshot_at", Kind.STORE)
    position = ast.Name("_bm_at", ast.Store())
    body: list[ast.stmt] = [ast.Assign([position], ast.Constant(8))]
    body += [ast.Assign([ast.Name("_bm_at", ast.Store())], call(copy, [name("_bm_snapshot"), name("_bm_at"), name(a)]))
             for a in written]
    flag = ast.Subscript(name("_bm_snapshot"), ast.Constant(0), ast.Store())
    body.append(ast.Assign([flag], ast.Constant(1)))
    entry_call = call(entry.name, [name(a) for a in entry.arguments])
    lowered = ast.Assign([ast.Subscript(name("_bm_snapshot"), ast.Constant(0), ast.Store())], ast.Constant(0))
    if entry.returns_value:
        body += [ast.Assign([ast.Name("_bm_r", ast.Store())], entry_call), lowered, ast.Return(name("_bm_r"))]
    else:
        body += [ast.Expr(entry_call), lowered]
    safe = Function(f"_bm_safe_{entry.name}", entry.arguments + ["_bm_snapshot"], [], [at(s, None) for s in body],
                    decorator=name("_bm_njit_serial"), purpose="wrapper")
    if not program.options.get("parallel", False) and len(entry.arguments) <= MAX_INLINED_ARGUMENTS:
        # Inlined (by Numba, at IR level): one dispatcher instead of two. Each dispatcher's compile
        # optimises and emits the machine code of every function it calls again (Numba links the
        # callees' modules into the caller's and optimises the whole), so a separate entry cost
        # ~0.3 s per bm.jit. Inlined code is lowered with the caller's options: the bounds checks
        # stay. Not under parallel=True: the serial wrapper would run the entry's prange loops serially;
        # not for more than MAX_INLINED_ARGUMENTS arguments: Numba cannot inline that call.
        entry.decorator = name("_bm_njit_inline")
    return program.add_function(safe)


def _written_parameters(function: Function, written: dict[str, set[int]], program: Program) -> set[int]:
    """Positions of the parameters of ``function`` that it may write (see :func:`written_arrays`)."""
    params = function.arguments
    tree = ast.Module(function.body, [])
    aliases: dict[str, set[str]] = {p: {p} for p in params}  # name -> parameters it may be a view of

    def sources(node: ast.AST | None) -> set[str]:
        """The parameters whose memory ``node``'s value may share."""
        if node is None:
            return set()
        if isinstance(node, ast.Name):
            return set(aliases.get(node.id, ()))
        if isinstance(node, ast.Subscript):
            return sources(node.value)
        if isinstance(node, ast.Attribute):
            return sources(node.value) if node.attr in _VIEW_ATTRIBUTES else set()
        if isinstance(node, (ast.Tuple, ast.List)):
            return set().union(*(sources(e) for e in node.elts)) if node.elts else set()
        if isinstance(node, ast.IfExp):
            return sources(node.body) | sources(node.orelse)
        if isinstance(node, ast.Call):
            # reshape/ravel/view/asarray... may return a view: any call may alias its operands.
            found = set().union(*(sources(a) for a in node.args)) if node.args else set()
            if isinstance(node.func, ast.Attribute):
                found |= sources(node.func.value)
            return found
        return set()  # arithmetic, comparisons, constants: new values

    def bind(target: ast.AST, value: set[str]) -> bool:
        if isinstance(target, ast.Name):
            before = aliases.get(target.id, set())
            if not value <= before:
                aliases[target.id] = before | value
                return True
            return False
        if isinstance(target, (ast.Tuple, ast.List)):
            return any([bind(e, value) for e in target.elts])
        return False

    changed = True
    while changed:  # aliases through assignments, loop targets (`for row in a:`) and tuples
        changed = False
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    changed |= bind(target, sources(node.value))
            elif isinstance(node, ast.For):
                changed |= bind(node.target, sources(node.iter))

    out: set[str] = set()

    def root(target: ast.AST) -> set[str]:
        while isinstance(target, (ast.Subscript, ast.Attribute)):
            target = target.value
        return set(aliases.get(target.id, ())) if isinstance(target, ast.Name) else set()

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                for element in (target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]):
                    if isinstance(element, (ast.Subscript, ast.Attribute)):
                        out |= root(element)
        elif isinstance(node, ast.AugAssign):
            out |= root(node.target)  # `a += 1` on an array writes it in place
        elif isinstance(node, ast.Call):
            func = node.func
            arguments = list(node.args) + [k.value for k in node.keywords]
            if any(k.arg == "out" for k in node.keywords):
                out |= set().union(*(sources(k.value) for k in node.keywords if k.arg == "out"))
            symbol = program.symbol(func.id) if isinstance(func, ast.Name) else None
            if isinstance(func, ast.Name) and func.id in written:
                for position in written[func.id]:
                    if position < len(node.args):
                        out |= sources(node.args[position])
            elif symbol is not None and symbol.kind is Kind.STORE:
                out |= sources(node.args[0]) if node.args else set()
            elif isinstance(func, ast.Name) and (symbol is None or symbol.kind in _PURE_KINDS):
                pass  # a builtin, an elementwise helper, a pure library function
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
                    func.value.id in ("np", "math"):
                if func.attr in _MUTATING_NUMPY and node.args:
                    out |= sources(node.args[0])
            elif isinstance(func, ast.Attribute):
                if func.attr in _MUTATING_METHODS:
                    out |= sources(func.value)
                if isinstance(func.value, ast.Attribute) and isinstance(func.value.value, ast.Name) and \
                        func.value.value.id == "np" and func.value.attr == "random":
                    out |= set().union(*(sources(a) for a in arguments)) if arguments else set()
            else:
                out |= set().union(*(sources(a) for a in arguments)) if arguments else set()
    return {i for i, p in enumerate(params) if p in out}
