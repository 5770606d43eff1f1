"""Elementwise statements rewritten to compute one element: what fusion and materialisation share.

A :class:`Scalarizer` takes statements whose right-hand sides are elementwise (arithmetic,
comparisons, ufuncs, ``bm.where``, elementwise helpers) and builds for each

- its *one-element* version, reading ``element(x, i)`` for each operand ``x`` (``x[i]``, or ``x``
  itself when Numba types it as a scalar) and storing into arrays with ``store``;
- its *array* version, with the calls that are not elementwise (``bm.dot``, a random draw) *hoisted*:
  assigned to a fresh name before the statements, so that the loop evaluates them once.

Whether a call is elementwise is read from the program's symbol table (:class:`..ir.Kind`); a call of a
generated helper function is elementwise when it has a *scalar twin*: a one-element version made
by :func:`scalar_twin`.

Example (``fuse=True`` turns ``v = v + 1.0 * x`` into a loop whose body is)::

    _bm_w0 = element_of(v, element(v, _bm_i0) + np.float32(1.0) * element(x, _bm_i0))
    store(v, _bm_i0, _bm_w0)
"""
from __future__ import annotations

import ast
import copy
from dataclasses import dataclass, field

import numpy as np

from ... import elementwise
from ..ir import Function, Kind, Program, Role, at, call, name, origin_of

__all__ = ["Scalarizer", "NotFusable", "Statement", "scalar_twin", "whole", "assigned_name", "pure_call",
           "expand_tuple_assignments"]

COMPARE_OPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)
BIN_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.BitAnd, ast.BitOr, ast.BitXor)
_DTYPE_NAMES = {"bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16",
                "float32", "float64", "complex64", "complex128"}
# Calls that neither write nor draw random numbers: what they read may be computed before them.
_PURE_NAMES = {"dot", "matmul", "vdot", "inner", "outer", "tensordot", "sum", "mean", "prod", "max", "min", "amax",
               "amin", "nansum", "nanmean", "nanmax", "nanmin", "std", "var", "any", "all", "argmax", "argmin",
               "cumsum", "cumprod", "average", "norm", "csrmv"}


def _elementwise_ufunc(attr: str) -> bool:
    ufunc = getattr(np, attr, None)
    return isinstance(ufunc, np.ufunc) and ufunc.nout == 1 and attr not in ("matmul", "vecdot", "matvec", "vecmat")


class NotFusable(Exception):
    """A statement cannot join the run (``args[0]``: its position, set by the caller)."""


@dataclass
class Statement:
    node: ast.stmt
    hoists: list[tuple[str, ast.expr]] = field(default_factory=list)
    scalar: list[ast.stmt] = field(default_factory=list)  # the one-element version
    array: ast.stmt | None = None  # the array version, with hoisted calls replaced by their names


def whole(target: ast.expr) -> str | None:
    """The array name of ``x[...]`` or ``x[:]``, else ``None``."""
    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
        index = target.slice
        if isinstance(index, ast.Constant) and index.value is Ellipsis:
            return target.value.id
        if isinstance(index, ast.Slice) and index.lower is None and index.upper is None and index.step is None:
            return target.value.id
    return None


def assigned_name(stmt: ast.stmt) -> str | None:
    if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    return None


def pure_call(program: Program, node: ast.Call) -> bool:
    """A call of a library function that writes nothing, draws nothing and returns new arrays."""
    if not isinstance(node.func, ast.Name):
        return False
    function = program.functions_by_name.get(node.func.id)
    if function is not None:
        return function.purpose == "kernel"
    symbol = program.symbol(node.func.id)
    return symbol is not None and symbol.kind is Kind.PURE and symbol.library in _PURE_NAMES


def expand_tuple_assignments(body: list[ast.stmt], program: Program | None = None) -> list[ast.stmt]:
    """``a, b = x, y`` (names from names or constants, none assigned by it) as two statements, so
    that a run around it stays one loop (in every block)."""
    out = []
    for stmt in body:
        for block in ("body", "orelse"):
            if isinstance(getattr(stmt, block, None), list):
                setattr(stmt, block, expand_tuple_assignments(getattr(stmt, block)))
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Tuple) \
                and isinstance(stmt.value, ast.Tuple) and len(stmt.value.elts) == len(stmt.targets[0].elts):
            targets, values = stmt.targets[0].elts, stmt.value.elts
            target_names = {t.id for t in targets if isinstance(t, ast.Name)}
            if len(target_names) == len(targets) and all(
                    isinstance(v, ast.Constant) or isinstance(v, ast.Name) and v.id not in target_names
                    for v in values):
                out += [at(ast.Assign([ast.Name(t.id, ast.Store())], v), origin_of(stmt))
                        for t, v in zip(targets, values)]
                continue
        out.append(stmt)
    return out


class Scalarizer:
    """Builds the one-element and the array version of the statements of one run."""

    def __init__(self, program: Program, twin: bool = False, hoist_role: Role = Role.HOISTED):
        self.program = program
        self.hoist_role = hoist_role
        self.twin = twin  # building a one-element twin: every name is already one element
        self.index_name = "" if twin else program.names.new(Role.INDEX)
        self.scalars: dict[str, str] = {}  # local name -> its scalar in the loop
        self.written: set[str] = set()  # names assigned or stored so far in the run
        self.operands: list[str] = []
        self.stored: list[str] = []
        self.separations: list[tuple[str, str]] = []  # (array written, array a later hoisted call reads)
        self.fresh: set[str] = set()  # hoisted names holding a pure call's result: a new array, no view
        self.late = False  # the statement being converted has a call moved before a write
        self.forwarded: dict[str, str] = {}  # array stored in the loop -> scalar holding its element
        self.has_operation = False

    def helper(self, attr: str) -> str:
        return self.program.inject(f"_bm_e_{attr}", getattr(elementwise, attr),
                                   f"brainpy_math_numba.elementwise.{attr}",
                                   Kind.STORE if attr == "store" else Kind.ELEMENTWISE)

    def index(self) -> ast.expr:
        return name(self.index_name)

    def read(self, identifier: str) -> ast.expr:
        if self.twin:
            return name(identifier)
        if identifier in self.scalars:
            return name(self.scalars[identifier])
        if identifier in self.forwarded:
            return name(self.forwarded[identifier])
        if identifier not in self.operands:
            self.operands.append(identifier)
        return call(self.helper("element"), [name(identifier), self.index()])

    def statement(self, item: Statement) -> None:
        stmt = item.node
        hoists: list[tuple[str, ast.expr]] = []
        original = copy.deepcopy(stmt)
        self.late = False
        if isinstance(stmt, ast.Assign):
            value = self.hoisted(stmt.value, hoists)
            scalar_value = self.scalar(value)
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                local = target.id if self.twin else self.program.names.new(Role.ELEMENT, target.id)
                scalar = [ast.Assign([ast.Name(local, ast.Store())], scalar_value)]
                self.scalars[target.id] = local
                self.written.add(target.id)
            else:
                scalar = self.store(whole(target), scalar_value)
            array = ast.Assign([target], value)
        else:  # AugAssign into a whole array
            array_name = whole(stmt.target) or stmt.target.id
            value = self.hoisted(stmt.value, hoists)
            combined = ast.BinOp(name(array_name), stmt.op, value)
            scalar = self.store(array_name, self.scalar(combined))
            array = ast.AugAssign(stmt.target, stmt.op, value)
            self.has_operation = True
        item.hoists = hoists
        if self.late:
            # A call moved before the loop from after a write: the array branch, which runs when
            # that write and the call's operands share memory, evaluates it in place again.
            array = original
        origin = origin_of(stmt)
        item.scalar = [at(s, origin) for s in scalar]
        item.array = at(array, origin)

    def store(self, array_name: str, value: ast.expr) -> list[ast.stmt]:
        if array_name in self.scalars:
            raise NotFusable  # writes into a local array assigned in the run
        if array_name not in self.stored:
            self.stored.append(array_name)
        if array_name not in self.operands:
            self.operands.append(array_name)
        self.written.add(array_name)
        # The element as stored (cast to the array's dtype) stays in a scalar that later reads of
        # the array in this iteration use: LLVM cannot forward the store itself, since it cannot
        # tell the arrays apart, and a reload per iteration kept such loops 3x slower.
        element = self.program.names.new(Role.STORED)
        cast = call(self.helper("element_of"), [name(array_name), value])
        stored = call(self.helper("store"), [name(array_name), self.index(), name(element)])
        self.forwarded[array_name] = element
        return [ast.Assign([ast.Name(element, ast.Store())], cast), ast.Expr(stored)]

    # ------------------------------------------------------------ hoisting
    def hoisted(self, node: ast.expr, hoists: list) -> ast.expr:
        """``node`` with its non-elementwise calls (and subscripts) replaced by hoisted names."""
        if isinstance(node, (ast.Name, ast.Constant)):
            return node
        if isinstance(node, ast.BinOp) and type(node.op) in BIN_OPS:
            node.left, node.right = self.hoisted(node.left, hoists), self.hoisted(node.right, hoists)
            return node
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Invert)):
            node.operand = self.hoisted(node.operand, hoists)
            return node
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], COMPARE_OPS):
            node.left = self.hoisted(node.left, hoists)
            node.comparators = [self.hoisted(node.comparators[0], hoists)]
            return node
        if isinstance(node, ast.Call) and self.elementwise_call(node) is not None:
            node.args = [self.hoisted(a, hoists) for a in node.args]
            return node
        if self.constant_cast(node):
            return node
        return self.hoist(node, hoists)

    def _model_call(self, node: ast.Call) -> bool:
        function = isinstance(node.func, ast.Name) and self.program.functions_by_name.get(node.func.id)
        return bool(function) and function.purpose == "model"

    def hoist(self, node: ast.expr, hoists: list) -> ast.expr:
        names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        calls = [n for n in ast.walk(node) if isinstance(n, ast.Call)]
        if self.twin or names & self.written or any(self._model_call(c) for c in calls):
            raise NotFusable  # a generated model function may write Variables: it stays in order
        # Moved before the loop, the call must not read an array the run writes before it: checked
        # at run time (an alias under another name is possible), else the array branch runs.
        called = {c.func.id for c in calls if isinstance(c.func, ast.Name)}
        if self.stored:
            # Evaluated again by the array branch: only calls without side effects (no random draw).
            if not all(pure_call(self.program, c) or self.elementwise_call(c) is not None or self.constant_cast(c)
                       for c in calls):
                raise NotFusable
            self.late = True
        read = sorted(names - called - {"np"})
        self.separations += [(stored, other) for stored in self.stored for other in read
                             if (stored, other) not in self.separations]
        hoisted = self.program.names.new(self.hoist_role)
        if isinstance(node, ast.Call) and pure_call(self.program, node):
            self.fresh.add(hoisted)
        hoists.append((hoisted, node))
        return name(hoisted)

    def elementwise_call(self, node: ast.Call) -> ast.expr | None:
        """The one-element callee for an elementwise call, else ``None``."""
        if node.keywords:
            return None
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "np":
            if func.attr in ("exp", "expm1"):
                return name(self.helper(func.attr))  # float32: vectorisable versions
            return copy.deepcopy(func) if _elementwise_ufunc(func.attr) else None
        if not isinstance(func, ast.Name):
            return None
        symbol = self.program.symbol(func.id)
        if symbol is not None:
            if symbol.kind is Kind.ELEMENTWISE and symbol.element is not None:
                return name(symbol.element)
            if symbol.library == "where" and len(node.args) == 3:
                return name(self.helper("select"))
            return None
        function = self.program.functions_by_name.get(func.id)
        if function is not None and function.purpose == "model":
            twin = scalar_twin(self.program, function)
            return None if twin is None else name(twin)
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
                return call(self.helper("invert"), [operand])
            return ast.UnaryOp(node.op, operand)
        if isinstance(node, ast.Compare):
            self.has_operation = True
            return ast.Compare(self.scalar(node.left), node.ops, [self.scalar(node.comparators[0])])
        if self.constant_cast(node):
            return copy.deepcopy(node)
        callee = self.elementwise_call(node)
        self.has_operation = True
        return ast.Call(callee, [self.scalar(a) for a in node.args], [])


def scalar_twin(program: Program, function: Function) -> str | None:
    """The name of a one-element version of the generated ``function``, made once, or ``None``.

    A helper such as ``def gate(x, alpha, beta): rate = alpha + beta; ...; return ...`` is
    elementwise from parameters to result: its twin takes and returns one element, so a fused
    loop can call it (inlined by Numba) instead of leaving the run. Functions that touch arrays
    of the model's state, write anything, or call what cannot run on one element have no twin.
    """
    twins = program.scalar_twins
    if function.name in twins:
        return twins[function.name]
    twins[function.name] = None  # also while building it: a recursive call gets no twin
    if function.state or not function.plain_body:
        return None
    body = expand_tuple_assignments(copy.deepcopy(function.plain_body))
    *statements, last = body
    if not isinstance(last, ast.Return) or last.value is None or \
            not all(assigned_name(s) is not None and isinstance(s, ast.Assign) and len(s.targets) == 1
                    for s in statements):
        return None
    scalarizer = Scalarizer(program, twin=True)
    out: list[ast.stmt] = []
    try:
        for stmt in statements:
            item = Statement(copy.deepcopy(stmt))
            scalarizer.statement(item)
            out += item.scalar
        value = scalarizer.scalar(scalarizer.hoisted(copy.deepcopy(last.value), []))
    except NotFusable:
        return None
    out.append(at(ast.Return(value), origin_of(last)))
    twin = Function(f"{function.name}_element", list(function.params), [], out, function.header,
                    decorator=name("_bm_njit_inline"), purpose="twin")
    program.add_function(twin)
    twins[function.name] = twin.name
    return twin.name
