"""Loop fusion: a run of elementwise statements of a generated function becomes one loop.

Generated code is written array at a time, as the model is (``leak = 1.0 + ge + gi``, ``V = ...``,
``self.V = bm.where(spike, V_reset, V)``): each statement is a pass over memory and each
intermediate a new array. This pass rewrites a run of consecutive statements of one block whose
right-hand sides are elementwise (see :mod:`.scalarize`) into ONE loop computing one element at a
time, with the run's local arrays turned into scalars::

    <calls that are not elementwise (bm.event.csrmv, bm.random.normal, ...) hoisted, evaluated once>
    n = common length of every operand (or -1)
    if n >= 0 and no written array partially overlaps another operand:
        for i in range(n): <the statements, one element at a time>
    else:
        <the statements as written>  # NumPy broadcasting, shapes other than 1-D, and errors

That is the *guarded* form (program option ``guarded``). By default the ``else`` branch is not
generated: ``raise FusionMiss`` takes its place, and the caller, finding it raised, restores the
Variables and compiles the guarded form (see :class:`brainpy_math_numba.elementwise.FusionMiss`).
Models whose shapes fit (nearly all) so compile one version of each run instead of two.

Whether a name is an array or a scalar is only known when Numba types the function: the helpers
of :mod:`brainpy_math_numba.elementwise` decide then (``element(x, i)`` is ``x[i]`` or ``x``). A
statement stays out of a run when a local it assigns is used outside the run (the loop does not
build that array), when it writes part of an array, or when a call it makes cannot move before the
run (it reads a name assigned earlier in the run, or follows a write into an array, or calls a
generated model function, which may write Variables).
"""
from __future__ import annotations

import ast
import copy

import numpy as np

from ... import elementwise
from ..ir import Function, Kind, Program, Role, at, call, name, origin_of
from .scalarize import NotFusable, Scalarizer, Statement, assigned_names, tuple_call_target, whole

__all__ = ["fuse_runs", "array_extent"]

_MAX_OVERLAP_CHECKS = 64
_MIN_FUSED_LENGTH = 32
_BIN_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.BitAnd, ast.BitOr,
            ast.BitXor)


def fuse_runs(function: Function, program: Program) -> list[ast.stmt]:
    """``function.body`` with each run of elementwise statements (in every block) as one loop."""
    used = _NameUses(function.body)
    return _fuse_block(function.body, program, used, function.known_types)


class _NameUses:
    """How many statements of the function mention each name (blocks' headers included)."""

    def __init__(self, body: list[ast.stmt]):
        self.counts: dict[str, int] = {}
        self._visit(body)

    def _visit(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            for identifier in _own_names(stmt):
                self.counts[identifier] = self.counts.get(identifier, 0) + 1
            for block in (getattr(stmt, "body", None), getattr(stmt, "orelse", None)):
                if isinstance(block, list):
                    self._visit(block)


def _own_names(stmt: ast.stmt) -> set[str]:
    """The names a statement mentions outside its nested blocks."""
    if isinstance(stmt, (ast.If, ast.While)):
        parts: list[ast.AST] = [stmt.test]
    elif isinstance(stmt, ast.For):
        parts = [stmt.target, stmt.iter]
    else:
        parts = [stmt]
    return {n.id for part in parts for n in ast.walk(part) if isinstance(n, ast.Name)}


def _candidate(stmt: ast.stmt, program: Program) -> bool:
    """Whether ``stmt`` has the form a run can hold (its calls are checked when the run is built)."""
    if isinstance(stmt, ast.Assign):
        if len(stmt.targets) != 1:
            return False
        if tuple_call_target(stmt):  # a helper returning a tuple (see Scalarizer.tuple_call)
            return all(program.names.role(t.id) in (None, Role.INLINED) for t in stmt.targets[0].elts)
        target = stmt.targets[0]
        if isinstance(target, ast.Name):
            return program.names.role(target.id) in (None, Role.INLINED)  # a model local
        return whole(target) is not None
    if isinstance(stmt, ast.AugAssign) and type(stmt.op) in _BIN_OPS:
        target = stmt.target
        return whole(target) is not None or (isinstance(target, ast.Name) and target.id in program.array_names)
    return False


def _fuse_block(body: list[ast.stmt], program: Program, used: _NameUses,
                known: dict[str, tuple[np.dtype, int]]) -> list[ast.stmt]:
    for stmt in body:
        for block in ("body", "orelse"):
            if isinstance(getattr(stmt, block, None), list) and getattr(stmt, block):
                setattr(stmt, block, _fuse_block(getattr(stmt, block), program, used, known))
    fusable = [_candidate(s, program) for s in body]
    starts: set[int] = set()  # where a run too long to check (see _split_point) starts again
    while True:
        runs = _runs(fusable, starts)
        changed = False
        for start, stop in runs:
            inside: dict[str, int] = {}
            for k in range(start, stop):
                for identifier in _own_names(body[k]):
                    inside[identifier] = inside.get(identifier, 0) + 1
            for k in range(start, stop):
                if any(used.counts.get(a, 0) > inside.get(a, 0) for a in assigned_names(body[k])):
                    fusable[k] = False  # its array is needed after the run
                    changed = True
        if changed:
            continue
        for start, stop in runs:
            try:
                scalarizer, _ = _convert(program, body[start:stop], known)
            except NotFusable as err:
                fusable[start + err.args[0]] = False
                changed = True
                continue
            if not _checks_fit(scalarizer) and stop - start > 1:
                starts.add(_split_point(program, body, start, stop, known))
                changed = True
        if not changed:
            break
    out: list[ast.stmt] = []
    position = 0
    for start, stop in runs:
        out.extend(body[position:start])
        scalarizer, statements = _convert(program, body[start:stop], known)
        # Each written array is checked against each operand before the loop: a run writing very
        # many arrays (a step updating 100 Variables) would make that check longer than the loop.
        small = _checks_fit(scalarizer)
        lengths = {len(a) for a in map(scalarizer.model_array, scalarizer.operands) if a is not None}
        if scalarizer.has_operation and scalarizer.operands and small and _loop_may_pay(scalarizer) and \
                len(lengths) <= 1:
            out.extend(_loop(scalarizer, statements))
        else:
            out.extend(body[start:stop])
        position = stop
    out.extend(body[position:])
    return out


def _checks_fit(scalarizer: Scalarizer) -> bool:
    """Whether the run's overlap checks are few enough to pay (see :data:`_MAX_OVERLAP_CHECKS`)."""
    return sum(map(len, _runtime_checks(scalarizer))) <= _MAX_OVERLAP_CHECKS


def _split_point(program: Program, body: list[ast.stmt], start: int, stop: int,
                 known: dict[str, tuple[np.dtype, int]]) -> int:
    """Where the run ``body[start:stop]``, whose overlap checks are too many, ends and a new one starts:
    after its longest prefix whose checks fit (at least one statement).

    Each array a loop writes is checked against each operand it cannot prove apart, so the checks
    grow with the product of the two: a network's step that inlines several children can exceed the
    budget as one run, where each child's statements alone fit. Splitting keeps them loops (one pass
    per part instead of one per statement, and scalar code, which compiles faster than array code).
    The cut is made where no local assigned before it is read after it (between two inlined children,
    typically), when such a cut fits: a local crossing the cut must stay a whole array, and the
    statements computing it array code. A prefix's checks grow with its length, so the longest
    prefix that fits is found by bisection.
    """
    clean = [k for k in range(start + 1, stop) if not _crossing(body, start, k, stop)]
    for cuts in (clean, list(range(start + 1, stop))):
        low, high = 0, len(cuts) - 1  # the last cut that fits is in cuts[low:high + 1], if any
        if not cuts or not _checks_fit(_convert(program, body[start:cuts[0]], known)[0]):
            continue
        while low < high:
            middle = (low + high + 1) // 2
            if _checks_fit(_convert(program, body[start:cuts[middle]], known)[0]):
                low = middle
            else:
                high = middle - 1
        return cuts[low]
    return start + 1


def _crossing(body: list[ast.stmt], start: int, cut: int, stop: int) -> bool:
    """Whether a name assigned in ``body[start:cut]`` is mentioned in ``body[cut:stop]``."""
    assigned = {a for stmt in body[start:cut] for a in assigned_names(stmt)}
    return any(assigned & _own_names(stmt) for stmt in body[cut:stop])


def _runs(fusable: list[bool], starts: set[int] = frozenset()) -> list[tuple[int, int]]:
    """Maximal ranges of consecutive fusable statements; a run also ends before each of ``starts``."""
    runs = []
    k = 0
    while k < len(fusable):
        if not fusable[k]:
            k += 1
            continue
        stop = k + 1
        while stop < len(fusable) and fusable[stop] and stop not in starts:
            stop += 1
        runs.append((k, stop))
        k = stop
    return runs


def _convert(program: Program, statements: list[ast.stmt],
             known: dict[str, tuple[np.dtype, int]]) -> tuple[Scalarizer, list[Statement]]:
    """The scalarizer and statements of one run; ``NotFusable(position)`` names a statement that
    cannot join it."""
    scalarizer = Scalarizer(program, known=known)
    items = []
    for position, stmt in enumerate(statements):
        item = Statement(copy.deepcopy(stmt))
        try:
            scalarizer.statement(item)
        except NotFusable:
            raise NotFusable(position) from None
        items.append(item)
    return scalarizer, items


def _loop_may_pay(scalarizer: Scalarizer) -> bool:
    """False when one of the model's own arrays is not 1-D (the loop cannot run), or, in the guarded
    form, fixes the loop at a few elements, where the run-time checks cost more than the passes it
    saves. Unguarded, a short loop is still one pass, and it spares compiling the array code (an
    assignment into a slice alone compiles Numba's shape-error formatting, ~2 s)."""
    arrays = {a.name: a.plain for a in scalarizer.program.arrays.values()}
    guarded = scalarizer.program.options.get("guarded", False)
    return not any(n in arrays and (arrays[n].ndim != 1 or guarded and arrays[n].size < _MIN_FUSED_LENGTH)
                   for n in scalarizer.operands)


def _runtime_checks(scalarizer: Scalarizer) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The ``(written, other)`` pairs the loop needs checked at run time: for ``disjoint`` (the loop
    writes one while reading the other) and for ``separate`` (a call moved before the loop reads
    the other). Pairs of the model's own arrays are decided now: they are the same arrays at every
    call (a Variable's value is written in place); a pure call's result is a new array."""
    arrays = {a.name: a.plain for a in scalarizer.program.arrays.values()}
    pairs: list[tuple[str, str]] = []
    for written in scalarizer.stored:
        for other in scalarizer.operands:
            if other in scalarizer.fresh:
                continue  # a pure call's result, computed before the loop: a new array
            if other != written and (other, written) not in pairs and (written, other) not in pairs and \
                    not (written in arrays and other in arrays and _apart_or_same(arrays[written], arrays[other])):
                pairs.append((written, other))
    separations = [(written, other) for written, other in scalarizer.separations
                   if not (written in arrays and other in arrays and _apart(arrays[written], arrays[other]))]
    return pairs, separations


def array_extent(a: np.ndarray) -> tuple[int, int]:
    """``(first, last + 1)``: the addresses of the bytes the elements of ``a`` span."""
    first = last = a.__array_interface__["data"][0]
    last += a.itemsize
    for size, stride in zip(a.shape, a.strides):
        reach = (size - 1) * stride
        if reach < 0:
            first += reach
        else:
            last += reach
    return first, last


def _apart(a: np.ndarray, b: np.ndarray) -> bool:
    if a.size == 0 or b.size == 0:
        return True
    (a_first, a_last), (b_first, b_last) = array_extent(a), array_extent(b)
    return a_last <= b_first or b_last <= a_first


def _apart_or_same(a: np.ndarray, b: np.ndarray) -> bool:
    """What :func:`brainpy_math_numba.elementwise.disjoint` decides at run time, for two arrays known now."""
    same = a.__array_interface__["data"][0] == b.__array_interface__["data"][0] and a.strides == b.strides and \
        a.shape == b.shape
    return same or _apart(a, b)


def _loop(scalarizer: Scalarizer, statements: list[Statement]) -> list[ast.stmt]:
    """The hoisted calls, the loop length, and ``if <checks>: <loop> else: <the run as written>``."""
    origin = origin_of(statements[0].node)
    out: list[ast.stmt] = []
    for item in statements:
        for hoisted, node in item.hoists:
            out.append(at(ast.Assign([ast.Name(hoisted, ast.Store())], node), origin_of(item.node)))
    pairs, separations = _runtime_checks(scalarizer)
    helper = scalarizer.helper
    # The model's own arrays have their length now; the others' is read at run time.
    known = {len(a) for a in map(scalarizer.model_array, scalarizer.operands) if a is not None}
    unknown = [o for o in scalarizer.operands if scalarizer.model_array(o) is None]
    checks: list[ast.expr] = []
    if unknown:
        length = scalarizer.program.names.new(Role.LOOP)

        def length_of(operand: str) -> ast.expr:
            # A 1-D array of known dtype (an argument, a pure call's result): its length, no helper.
            typed = scalarizer.array_type(name(operand))
            return call("len", [name(operand)]) if typed is not None and typed[1] == 1 else \
                call(helper("loop_length"), [name(operand)])
        first = ast.Constant(known.pop()) if known else length_of(unknown.pop(0))
        out.append(at(ast.Assign([ast.Name(length, ast.Store())], first), origin))
        for operand in unknown:
            joined = call(helper("join_lengths"), [name(length), length_of(operand)])
            out.append(at(ast.Assign([ast.Name(length, ast.Store())], joined), origin))
        checks.append(ast.Compare(name(length), [ast.GtE()], [ast.Constant(0)]))
        extent: ast.expr = name(length)
    else:
        extent = ast.Constant(known.pop())
    checks += [call(helper("disjoint"), [name(written), name(other)]) for written, other in pairs]
    checks += [call(helper("separate"), [name(written), name(other)]) for written, other in separations]
    loop_body = [s for item in statements for s in item.scalar]
    loop = at(ast.For(ast.Name(scalarizer.index_name, ast.Store()), call("range", [extent]), loop_body, []),
              origin)
    if not checks:
        out.append(loop)  # every operand is one of the model's arrays, of one length, apart: it always fits
        return out
    test = checks[0] if len(checks) == 1 else ast.BoolOp(ast.And(), checks)
    if scalarizer.program.options.get("guarded", False):
        out.append(at(ast.If(test, [loop], [item.array for item in statements]), origin))
        return out
    miss = scalarizer.program.inject("_bm_FusionMiss", elementwise.FusionMiss,
                                     "brainpy_math_numba.elementwise.FusionMiss", Kind.EXCEPTION)
    out.append(at(ast.If(ast.UnaryOp(ast.Not(), test), [at(ast.Raise(name(miss), None), origin)], []), origin))
    out.append(loop)
    return out
