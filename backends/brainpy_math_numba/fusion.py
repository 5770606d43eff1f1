"""Loop fusion: a run of elementwise statements in a generated function becomes one loop.

Generated code is written array at a time, as the model is (``leak = 1.0 + ge + gi``, ``V = ...``,
``self.V = bm.where(spike, V_reset, V)``): each statement is a pass over memory and each
intermediate a new array. This pass rewrites a run of consecutive statements whose right-hand
sides are elementwise (arithmetic, comparisons, ufuncs, ``bm.where``) into ONE loop computing one
element at a time, with the run's local arrays turned into scalars::

    <calls that are not elementwise (bm.event.csrmv, bm.random.normal, ...) hoisted, evaluated once>
    n = common length of every operand (or -1)
    if n >= 0 and no written array partially overlaps another operand:
        for i in range(n): <the statements, one element at a time>
    else:
        <the statements as written>  # NumPy broadcasting, shapes other than 1-D, and errors

Before runs are found, calls of straight-line generated functions are replaced by their bodies
(:mod:`.inlining`), so that a network's children (``self.exc.update(...)``, ``self.neurons.update(...)``)
join one run in the network's step; elementwise arguments of calls such as ``bm.dot`` are computed
in one loop of their own (:func:`materialize_arguments`).

Whether a name is an array or a scalar is only known when Numba types the function: the helpers
of :mod:`.elementwise` decide then (``element(x, i)`` is ``x[i]`` or ``x``). A statement stays
out of a run when a local it assigns is used outside the run (the loop does not build that array),
when it writes part of an array, or when a call it makes cannot move before the run (it reads a
name assigned earlier in the run, or follows a write into an array, or calls a generated function,
which may write Variables).
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .codegen import Generated, Program

__all__ = ["fuse"]

_MAX_OVERLAP_CHECKS = 64
_MIN_FUSED_LENGTH = 32
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_GENERATED_FUNCTION = re.compile(r"_bm_f\d+_")
_COMPARE_OPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_BIN_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.BitAnd, ast.BitOr,
            ast.BitXor)
_DTYPE_NAMES = {"bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16",
                "float32", "float64", "complex64", "complex128"}


def _elementwise_ufunc(name: str) -> bool:
    ufunc = getattr(np, name, None)
    return isinstance(ufunc, np.ufunc) and ufunc.nout == 1 and name not in ("matmul", "vecdot", "matvec",
                                                                             "vecmat")


class _NotFusable(Exception):
    pass


@dataclass
class _Statement:
    node: ast.stmt
    origin: Any
    hoists: list[tuple[str, ast.expr]] = field(default_factory=list)
    scalar: ast.stmt | None = None  # the one-element version
    array: ast.stmt | None = None  # the array version, with hoisted calls replaced by their names


def fuse(generated: "Generated", program: "Program") -> None:
    """Rewrite ``generated.lines`` in place: each run of elementwise statements becomes one loop,
    and so does each elementwise argument of a call such as ``bm.dot`` (see
    :func:`materialize_arguments`)."""
    from .inlining import inline_calls, propagate_aliases  # it imports this module
    lines = inline_calls(_expand_tuple_assignments(generated.lines), program)
    lines = propagate_aliases(lines, generated.params + generated.state)
    generated.inline_lines = list(lines)
    lines = generated.lines = materialize_arguments(lines, program)
    parsed = [parse_statement(text) for text, _ in lines]
    fusable = [p is not None and _candidate(p[1]) for p in parsed]
    words = [set(_IDENTIFIER.findall(text)) for text, _ in lines]
    while True:
        runs = _runs(parsed, fusable)
        changed = False
        for start, stop in runs:
            inside = set(range(start, stop))
            for k in range(start, stop):
                name = _assigned_name(parsed[k][1])
                if name is not None and any(name in words[j] for j in range(len(lines)) if j not in inside):
                    fusable[k] = False  # its array is needed after the run
                    changed = True
        if changed:
            continue
        for number, (start, stop) in enumerate(runs):
            try:
                _convert(program, [(parsed[k][1], lines[k][1]) for k in range(start, stop)], number)
            except _NotFusable as err:
                fusable[start + err.args[0]] = False
                changed = True
        if not changed:
            break
    output: list[tuple[str, Any]] = []
    position = 0
    for number, (start, stop) in enumerate(runs):
        output.extend(lines[position:start])
        converter, statements = _convert(program, [(parsed[k][1], lines[k][1]) for k in range(start, stop)],
                                         number)
        # Each written array is checked against each operand before the loop: a run writing very
        # many arrays (a step updating 100 Variables) would make that check longer than the loop.
        small = sum(map(len, _runtime_checks(converter))) <= _MAX_OVERLAP_CHECKS
        if converter.has_operation and converter.operands and small and _loop_may_pay(converter):
            output.extend(_emit(converter, statements, parsed[start][0]))
        else:
            output.extend(lines[start:stop])
        position = stop
    output.extend(lines[position:])
    generated.lines[:] = output


def _expand_tuple_assignments(lines: list) -> list:
    """``a, b = x, y`` (names from names or constants, none assigned by it) as two statements, so
    that the run around it stays one loop."""
    out = []
    for text, origin in lines:
        parsed = parse_statement(text)
        stmt = parsed[1] if parsed else None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Tuple) \
                and isinstance(stmt.value, ast.Tuple) and len(stmt.value.elts) == len(stmt.targets[0].elts):
            targets, values = stmt.targets[0].elts, stmt.value.elts
            target_names = {t.id for t in targets if isinstance(t, ast.Name)}
            if len(target_names) == len(targets) and all(
                    isinstance(v, ast.Constant) or isinstance(v, ast.Name) and v.id not in target_names
                    for v in values):
                pad = "    " * parsed[0]
                out += [(f"{pad}{t.id} = {ast.unparse(v)}", origin) for t, v in zip(targets, values)]
                continue
        out.append((text, origin))
    return out


def parse_statement(text: str) -> tuple[int, ast.stmt] | None:
    """``(depth, statement)`` for a line holding one simple statement, else ``None``."""
    stripped = text.lstrip(" ")
    if stripped.rstrip().endswith(":"):
        return None
    try:
        module = ast.parse(stripped)
    except SyntaxError:
        return None
    if len(module.body) != 1:
        return None
    return (len(text) - len(stripped)) // 4, module.body[0]


def _whole(target: ast.expr) -> str | None:
    """The array name of ``x[...]`` or ``x[:]``, else ``None``."""
    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
        index = target.slice
        if isinstance(index, ast.Constant) and index.value is Ellipsis:
            return target.value.id
        if isinstance(index, ast.Slice) and index.lower is None and index.upper is None and index.step is None:
            return target.value.id
    return None


def _assigned_name(stmt: ast.stmt) -> str | None:
    if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    return None


def _candidate(stmt: ast.stmt) -> bool:
    """Whether ``stmt`` has the form a run can hold (its calls are checked when the run is built)."""
    if isinstance(stmt, ast.Assign):
        if len(stmt.targets) != 1:
            return False
        target = stmt.targets[0]
        if isinstance(target, ast.Name):
            return not target.id.startswith("_bm_") or target.id.startswith("_bm_l")  # an inlined local
        return _whole(target) is not None
    if isinstance(stmt, ast.AugAssign) and type(stmt.op) in _BIN_OPS:
        target = stmt.target
        return _whole(target) is not None or (isinstance(target, ast.Name) and target.id.startswith("_bm_a"))
    return False


def _runs(parsed: list, fusable: list[bool]) -> list[tuple[int, int]]:
    """Maximal ranges of consecutive fusable lines at one depth."""
    runs = []
    k = 0
    while k < len(parsed):
        if not fusable[k]:
            k += 1
            continue
        stop = k + 1
        while stop < len(parsed) and fusable[stop] and parsed[stop][0] == parsed[k][0]:
            stop += 1
        runs.append((k, stop))
        k = stop
    return runs


class _Converter:
    """Builds the one-element and the array version of the statements of one run."""

    def __init__(self, program: "Program", number: int, twin: bool = False, hoist_prefix: str | None = None):
        self.program = program
        self.hoist_prefix = hoist_prefix or f"_bm_h{number}_"
        self.twin = twin  # building a one-element twin: every name is already one element
        self.number = number
        self.scalars: dict[str, str] = {}  # local name -> its scalar in the loop
        self.written: set[str] = set()  # names assigned or stored so far in the run
        self.operands: list[str] = []
        self.stored: list[str] = []
        self.hoist_count = 0
        self.separations: list[tuple[str, str]] = []  # (array written, array a later hoisted call reads)
        self.late = False  # the statement being converted has a call moved before a write
        self.forwarded: dict[str, str] = {}  # array stored in the loop -> scalar holding its element
        self.stores = 0
        self.has_operation = False

    def helper(self, name: str) -> str:
        from . import elementwise
        return self.program.inject(f"_bm_e_{name}", getattr(elementwise, name),
                                   f"brainpy_math_numba.elementwise.{name}")

    def index(self) -> ast.expr:
        return ast.Name(f"_bm_i{self.number}", ast.Load())

    def read(self, name: str) -> ast.expr:
        if self.twin:
            return ast.Name(name, ast.Load())
        if name in self.scalars:
            return ast.Name(self.scalars[name], ast.Load())
        if name in self.forwarded:
            return ast.Name(self.forwarded[name], ast.Load())
        if name not in self.operands:
            self.operands.append(name)
        return ast.Call(ast.Name(self.helper("element"), ast.Load()), [ast.Name(name, ast.Load()), self.index()], [])

    def statement(self, item: _Statement) -> None:
        stmt = item.node
        hoists: list[tuple[str, ast.expr]] = []
        original = _copy(stmt)
        self.late = False
        if isinstance(stmt, ast.Assign):
            value = self.hoisted(stmt.value, hoists)
            scalar_value = self.scalar(value)
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                local = target.id if self.twin else f"_bm_s{self.number}_{target.id}"
                scalar = ast.Assign([ast.Name(local, ast.Store())], scalar_value)
                self.scalars[target.id] = local
                self.written.add(target.id)
                array = ast.Assign([target], value)
            else:
                array_name = _whole(target)
                scalar = self.store(array_name, scalar_value)
                array = ast.Assign([target], value)
        else:  # AugAssign into a whole array
            array_name = _whole(stmt.target) or stmt.target.id
            value = self.hoisted(stmt.value, hoists)
            combined = ast.BinOp(ast.Name(array_name, ast.Load()), stmt.op, value)
            scalar = self.store(array_name, self.scalar(combined))
            array = ast.AugAssign(stmt.target, stmt.op, value)
            self.has_operation = True
        item.hoists = hoists
        if self.late:
            # A call moved before the loop from after a write: the array branch, which runs when
            # that write and the call's operands share memory, evaluates it in place again.
            array = original
        item.scalar = ast.fix_missing_locations(ast.Module(scalar if isinstance(scalar, list) else [scalar], []))
        item.array = ast.fix_missing_locations(ast.Module([array], []))

    def store(self, array_name: str, value: ast.expr) -> list[ast.stmt]:
        if array_name in self.scalars:
            raise _NotFusable  # writes into a local array assigned in the run
        if array_name not in self.stored:
            self.stored.append(array_name)
        if array_name not in self.operands:
            self.operands.append(array_name)
        self.written.add(array_name)
        # The element as stored (cast to the array's dtype) stays in a scalar that later reads of
        # the array in this iteration use: LLVM cannot forward the store itself, since it cannot
        # tell the arrays apart, and a reload per iteration kept such loops 3x slower.
        self.stores += 1
        element = f"_bm_w{self.number}_{self.stores}"
        cast = ast.Call(ast.Name(self.helper("element_of"), ast.Load()), [ast.Name(array_name, ast.Load()), value], [])
        call = ast.Call(ast.Name(self.helper("store"), ast.Load()),
                        [ast.Name(array_name, ast.Load()), self.index(), ast.Name(element, ast.Load())], [])
        self.forwarded[array_name] = element
        return [ast.Assign([ast.Name(element, ast.Store())], cast), ast.Expr(call)]

    # ------------------------------------------------------------ hoisting
    def hoisted(self, node: ast.expr, hoists: list) -> ast.expr:
        """``node`` with its non-elementwise calls (and subscripts) replaced by hoisted names."""
        if isinstance(node, (ast.Name, ast.Constant)):
            return node
        if isinstance(node, ast.BinOp) and type(node.op) in _BIN_OPS:
            node.left, node.right = self.hoisted(node.left, hoists), self.hoisted(node.right, hoists)
            return node
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Invert)):
            node.operand = self.hoisted(node.operand, hoists)
            return node
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], _COMPARE_OPS):
            node.left = self.hoisted(node.left, hoists)
            node.comparators = [self.hoisted(node.comparators[0], hoists)]
            return node
        if isinstance(node, ast.Call) and self.elementwise_call(node) is not None:
            node.args = [self.hoisted(a, hoists) for a in node.args]
            return node
        if self.constant_cast(node):
            return node
        return self.hoist(node, hoists)

    def hoist(self, node: ast.expr, hoists: list) -> ast.expr:
        names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        callees = {ast.unparse(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)}
        if self.twin or names & self.written or any(_GENERATED_FUNCTION.match(c) for c in callees):
            raise _NotFusable
        # Moved before the loop, the call must not read an array the run writes before it: checked
        # at run time (an alias under another name is possible), else the array branch runs.
        called = {n.func.id for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        if self.stored:
            # Evaluated again by the array branch: only calls without side effects (no random draw).
            if not all(_pure_call(self.program, c) or self.elementwise_call(c) is not None or self.constant_cast(c)
                       for c in ast.walk(node) if isinstance(c, ast.Call)):
                raise _NotFusable
            self.late = True
        read = sorted(names - called - {"np"})
        self.separations += [(stored, name) for stored in self.stored for name in read
                             if (stored, name) not in self.separations]
        self.hoist_count += 1
        name = f"{self.hoist_prefix}{self.hoist_count}"
        hoists.append((name, node))
        return ast.Name(name, ast.Load())

    def elementwise_call(self, node: ast.Call) -> str | None:
        """The one-element callee for an elementwise call, else ``None``."""
        if node.keywords:
            return None
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "np":
            if func.attr in ("exp", "expm1"):
                return self.helper(func.attr)  # float32: vectorisable versions
            return f"np.{func.attr}" if _elementwise_ufunc(func.attr) else None
        if isinstance(func, ast.Name):
            name = func.id
            if name.startswith("_bm_weak_"):
                from . import literals
                return self.program.inject(name.replace("_bm_weak_", "_bm_sweak_"), literals.WEAK_SCALAR[name],
                                           f"brainpy_math_numba.literals.WEAK_SCALAR[{name!r}]")
            if name == "_bm_true_divide":
                from . import literals
                return self.program.inject("_bm_strue_divide", literals.true_divide_scalar,
                                           "brainpy_math_numba.literals.true_divide_scalar")
            if name == "_bm_float_argument":
                from . import literals
                return self.program.inject("_bm_sfloat_argument", literals.float_argument_scalar,
                                           "brainpy_math_numba.literals.float_argument_scalar")
            if name in ("_bm_cast_literal", "_bm_same_kind") and len(node.args) == 2:
                return name
            if name == "_bm_where" and len(node.args) == 3:
                return self.helper("select")
            if _GENERATED_FUNCTION.match(name):
                return scalar_twin(self.program, name)
        return None

    @staticmethod
    def constant_cast(node: ast.expr) -> bool:
        """``np.float32(-50.0)``: a typed constant."""
        return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and
                isinstance(node.func.value, ast.Name) and node.func.value.id == "np" and
                node.func.attr in _DTYPE_NAMES and not node.keywords and
                all(isinstance(a, ast.Constant) or isinstance(a, ast.UnaryOp) and
                    isinstance(a.operand, ast.Constant) for a in node.args))

    # ------------------------------------------------------------ one element
    def scalar(self, node: ast.expr) -> ast.expr:
        """The one-element version of an (already hoisted) elementwise expression."""
        if isinstance(node, ast.Name):
            return self.read(node.id)
        if isinstance(node, ast.Constant):
            return node
        if isinstance(node, ast.BinOp):
            self.has_operation = True
            return ast.BinOp(self.scalar(node.left), node.op, self.scalar(node.right))
        if isinstance(node, ast.UnaryOp):
            self.has_operation = True
            operand = self.scalar(node.operand)
            if isinstance(node.op, ast.Invert):
                return ast.Call(ast.Name(self.helper("invert"), ast.Load()), [operand], [])
            return ast.UnaryOp(node.op, operand)
        if isinstance(node, ast.Compare):
            self.has_operation = True
            return ast.Compare(self.scalar(node.left), node.ops, [self.scalar(node.comparators[0])])
        if self.constant_cast(node):
            return node
        callee = self.elementwise_call(node)
        self.has_operation = True
        return ast.Call(ast.parse(callee, mode="eval").body, [self.scalar(a) for a in node.args], [])


def _convert(program: "Program", items: list[tuple[ast.stmt, Any]], number: int):
    """The converter and statements of one run; ``_NotFusable(position)`` names a statement that
    cannot join it."""
    converter = _Converter(program, number)
    statements = []
    for position, (stmt, origin) in enumerate(items):
        item = _Statement(_copy(stmt), origin)
        try:
            converter.statement(item)
        except _NotFusable:
            raise _NotFusable(position) from None
        statements.append(item)
    return converter, statements


def scalar_twin(program: "Program", name: str) -> str | None:
    """The name of a one-element version of the generated function ``name``, made once, or ``None``.

    A helper such as ``def gate(x, alpha, beta): rate = alpha + beta; ...; return ...`` is
    elementwise from parameters to result: its twin takes and returns one element, so a fused
    loop can call it (inlined by Numba) instead of leaving the run. Functions that touch arrays
    of the model's state, write anything, or call what cannot run on one element have no twin.
    """
    from .codegen import Generated
    if name in program.scalar_twins:
        return program.scalar_twins[name]
    program.scalar_twins[name] = None  # also while building it: a recursive call gets no twin
    generated = next((g for g in program.order if g.name == name), None)
    if generated is None or generated.state or not generated.plain_lines:
        return None
    lines = _expand_tuple_assignments(generated.plain_lines)
    parsed = [parse_statement(text) for text, _ in lines]
    if any(p is None or p[0] != 1 for p in parsed):
        return None
    *body, last = parsed
    if not isinstance(last[1], ast.Return) or last[1].value is None or \
            not all(_assigned_name(p[1]) is not None for p in body):
        return None
    converter = _Converter(program, 0, twin=True)
    out = []
    try:
        for (_, stmt), (_, origin) in zip(body, lines):
            item = _Statement(_copy(stmt), origin)
            converter.statement(item)
            out.append((f"    {ast.unparse(item.scalar)}", origin))
        value = converter.scalar(converter.hoisted(_copy(last[1].value), []))
    except _NotFusable:
        return None
    out.append((f"    return {ast.unparse(value)}", lines[-1][1]))
    twin = Generated(f"{name}_element", list(generated.params), [], out, generated.header,
                     decorator="_bm_njit_inline")
    program.order.append(twin)
    program.scalar_twins[name] = twin.name
    return twin.name


def _loop_may_pay(converter: _Converter) -> bool:
    """False when one of the model's own arrays fixes the loop at a few elements (or at none: not
    1-D), where the loop's set-up costs more than the passes it saves."""
    arrays = {a.name: a.plain for a in converter.program.arrays.values()}
    return not any(name in arrays and (arrays[name].ndim != 1 or arrays[name].size < _MIN_FUSED_LENGTH)
                   for name in converter.operands)


def _runtime_checks(converter: _Converter) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The ``(written, other)`` pairs the loop needs checked at run time: for ``disjoint`` (the loop
    writes one while reading the other) and for ``separate`` (a call moved before the loop reads
    the other). Pairs of the model's own arrays are decided now: they are the same arrays at every
    call (a Variable's value is written in place)."""
    arrays = {a.name: a.plain for a in converter.program.arrays.values()}
    pairs: list[tuple[str, str]] = []
    for written in converter.stored:
        for other in converter.operands:
            if other != written and (other, written) not in pairs and (written, other) not in pairs and \
                    not (written in arrays and other in arrays and _apart_or_same(arrays[written], arrays[other])):
                pairs.append((written, other))
    separations = [(written, other) for written, other in converter.separations
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
    """What :func:`.elementwise.disjoint` decides at run time, for two arrays known now."""
    same = a.__array_interface__["data"][0] == b.__array_interface__["data"][0] and a.strides == b.strides and \
        a.shape == b.shape
    return same or _apart(a, b)


def _emit(converter: _Converter, statements: list[_Statement], depth: int) -> list[tuple[str, Any]]:
    pad = "    " * depth
    first = statements[0].origin
    k = converter.number
    helper = converter.helper
    out: list[tuple[str, Any]] = []
    for item in statements:
        for name, node in item.hoists:
            out.append((f"{pad}{name} = {ast.unparse(node)}", item.origin))
    operands = converter.operands
    pairs, separations = _runtime_checks(converter)
    length, join = helper("loop_length"), helper("join_lengths")
    out.append((f"{pad}_bm_n{k} = {length}({operands[0]})", first))
    for name in operands[1:]:
        out.append((f"{pad}_bm_n{k} = {join}(_bm_n{k}, {length}({name}))", first))
    checks = [f"_bm_n{k} >= 0"]
    disjoint, separate = helper("disjoint"), helper("separate")
    checks += [f"{disjoint}({written}, {other})" for written, other in pairs]
    checks += [f"{separate}({written}, {other})" for written, other in separations]
    out.append((f"{pad}if {' and '.join(checks)}:", first))
    out.append((f"{pad}    for _bm_i{k} in range(_bm_n{k}):", first))
    for item in statements:
        out += [(f"{pad}        {line}", item.origin) for line in ast.unparse(item.scalar).splitlines()]
    out.append((f"{pad}else:", first))
    for item in statements:
        out.append((f"{pad}    {ast.unparse(item.array)}", item.origin))
    return out


# ------------------------------------------------------------------ arguments of calls
# Calls that neither write nor draw random numbers: what they read may be computed before them.
_PURE_CALL = re.compile(r"brainpy_math_numba\.(numpy_ops|linalg|event|sparse)\.compiled\('([\w.]+)'\)")
_PURE_NAMES = {"dot", "matmul", "vdot", "inner", "outer", "tensordot", "sum", "mean", "prod", "max", "min", "amax",
               "amin", "nansum", "nanmean", "nanmax", "nanmin", "std", "var", "any", "all", "argmax", "argmin",
               "cumsum", "cumprod", "average", "norm", "csrmv"}
_CONDITIONAL = (ast.IfExp, ast.BoolOp, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
                ast.NamedExpr)


def materialize_arguments(lines: list, program: "Program") -> list:
    """Compute each elementwise argument of a pure call in one loop, before the statement.

    ``u = bm.dot(((1.0 / (1.0 + bm.exp(-Y * bm.dot(X, w))) - 1.0) * Y), X)`` evaluates its first
    argument as five array passes and four temporaries; here it becomes::

        _bm_t0_1 = _bm_dot(X, w)       # its non-elementwise parts
        _bm_t0 = _bm_k0(Y, _bm_t0_1)   # one loop (or the array code)
        u = _bm_dot(_bm_t0, X)

    with two generated kernels: ``_bm_k0_array`` returns the expression array at a time and
    ``_bm_k0_fill`` computes it one element at a time into a new array of the same dtype; the stub
    ``_bm_k0`` (decorated by :func:`.elementwise.materializer`) picks one when Numba types the call.
    Only statements whose calls are all pure, elementwise or constant casts are rewritten, and none
    with a conditional expression, so that
    moving evaluation before the statement changes neither the order of side effects nor what runs.
    """
    work, out = list(lines), []
    while work:
        text, origin = work.pop(0)
        parsed = parse_statement(text)
        rewritten = _materialize_one(parsed, origin, program) if parsed is not None else None
        if rewritten is None:
            out.append((text, origin))
        else:
            work[:0] = rewritten  # the new lines may hold further arguments to materialise
    return out


def _statement_value(stmt: ast.stmt) -> ast.expr | None:
    if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.Expr, ast.Return)):
        return stmt.value
    return None


def _materialize_one(parsed: tuple[int, ast.stmt], origin: Any, program: "Program") -> list | None:
    depth, stmt = parsed
    value = _statement_value(stmt)
    if value is None or any(isinstance(n, _CONDITIONAL) for n in ast.walk(stmt)):
        return None
    probe = _Converter(program, 0)
    calls = [n for n in ast.walk(stmt) if isinstance(n, ast.Call)]
    if not all(_pure_call(program, c) or probe.elementwise_call(c) is not None or probe.constant_cast(c)
               for c in calls):
        return None
    for call in calls:
        if not _pure_call(program, call):
            continue
        for position, argument in enumerate(call.args):
            site = program.materialized
            converter = _Converter(program, site, hoist_prefix=f"_bm_t{site}_")
            hoists: list[tuple[str, ast.expr]] = []
            try:
                expression = converter.hoisted(_copy(argument), hoists)
            except _NotFusable:
                continue
            if isinstance(expression, (ast.Name, ast.Constant)) or converter.constant_cast(expression):
                continue
            array_text = ast.unparse(expression)
            scalar_text = ast.unparse(converter.scalar(expression))
            operands = converter.operands
            if not operands:
                continue
            program.materialized += 1
            _add_kernels(program, site, operands, array_text, scalar_text, converter, origin)
            pad = "    " * depth
            result = f"_bm_t{site}"
            call.args[position] = ast.Name(result, ast.Load())
            new = [(f"{pad}{name} = {ast.unparse(node)}", origin) for name, node in hoists]
            new.append((f"{pad}{result} = _bm_k{site}({', '.join(operands)})", origin))
            new.append((f"{pad}{ast.unparse(stmt)}", origin))
            return new
    return None


def _pure_call(program: "Program", call: ast.Call) -> bool:
    if not isinstance(call.func, ast.Name):
        return False
    match = _PURE_CALL.fullmatch(program.descriptions.get(call.func.id, ""))
    return match is not None and match.group(2) in _PURE_NAMES


def _add_kernels(program: "Program", site: int, operands: list[str], array_text: str, scalar_text: str,
                 converter: _Converter, origin: Any) -> None:
    """``_bm_k{site}(*operands)`` and the two kernels it chooses from (see
    :func:`materialize_arguments` and :func:`.elementwise.materializer`)."""
    from .codegen import Generated
    index = f"_bm_i{site}"
    fill = [("    _bm_out = np.empty(_bm_n, _bm_prototype.dtype)", origin),
            (f"    for {index} in range(_bm_n):", origin),
            (f"        {converter.helper('store')}(_bm_out, {index}, {scalar_text})", origin),
            ("    return _bm_out", origin)]
    array = [(f"    return {array_text}", origin)]
    materializer = converter.helper("materializer")
    program.order += [Generated(f"_bm_k{site}_array", list(operands), [], array),
                      Generated(f"_bm_k{site}_fill", ["_bm_n", "_bm_prototype", *operands], [], fill),
                      Generated(f"_bm_k{site}", list(operands), [], array,
                                decorator=f"{materializer}(_bm_k{site}_fill, _bm_k{site}_array)")]


def _copy(node: ast.AST) -> Any:
    import copy
    return copy.deepcopy(node)
