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

Where the dtype of an element is known while generating (an element of one of the model's own
1-D arrays, a typed constant, a weak-literal operation on a known dtype), the one-element code is
written for it: ``v[i]`` instead of ``element(v, i)``, ``np.float32(x) * np.float32(0.5)`` instead of
the weak-literal helper, a cast and an item assignment instead of ``element_of``/``store``. Numba
then compiles plain arithmetic instead of inlining a helper at every use (most of the compile time
of a large fused step was spent inlining them).

Example (``fuse=True`` turns ``v = v * 0.5 + x``, ``v`` a float32 Variable and ``x`` an argument, into
a loop whose body is)::

    _bm_w0 = np.float32(_bm_a0[_bm_i0] * np.float32(0.5) + element(x, _bm_i0))
    _bm_a0[_bm_i0] = _bm_w0
"""
from __future__ import annotations

import ast
import copy
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np
from numba.core import types

from ... import elementwise, kernels
from ...literals import targets as weak_targets
from ..ir import MAX_INLINED_ARGUMENTS, Function, Kind, Program, Role, at, call, name, numpy_attr, origin_of

__all__ = ["Scalarizer", "NotFusable", "Statement", "scalar_twin", "whole", "assigned_name", "assigned_names",
           "tuple_call_target", "pure_call",
           "expand_tuple_assignments"]

COMPARE_OPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)
BIN_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.BitAnd, ast.BitOr, ast.BitXor)
_DTYPE_NAMES = {"bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16",
                "float32", "float64", "complex64", "complex128"}
# Calls that neither write nor draw random numbers: what they read may be computed before them.
_PURE_NAMES = {"dot", "matmul", "vdot", "inner", "outer", "tensordot", "sum", "mean", "prod", "max", "min", "amax",
               "amin", "nansum", "nanmean", "nanmax", "nanmin", "std", "var", "any", "all", "argmax", "argmin",
               "cumsum", "cumprod", "average", "norm", "csrmv"}


_SAME_FLOAT_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)
# NumPy ufuncs whose float32 result is float32 in Numba's scalar code too (and the float32 exp/expm1).
# elementwise helpers -> the name of their float32 version in elementwise
_FLOAT32_VERSIONS = {elementwise.exp: "exp_float32", elementwise.expm1: "expm1_float32"}
_FLOAT_PRESERVING = {"exp", "expm1", "exp2", "log", "log1p", "log2", "log10", "sqrt", "sin", "cos", "tan",
                     "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "abs", "absolute", "negative"}
_AST_OPERATORS = {"Add": ast.Add, "Sub": ast.Sub, "Mult": ast.Mult, "Div": ast.Div, "FloorDiv": ast.FloorDiv,
                  "Mod": ast.Mod, "Pow": ast.Pow, "BitAnd": ast.BitAnd, "BitOr": ast.BitOr, "BitXor": ast.BitXor,
                  "LShift": ast.LShift, "RShift": ast.RShift}


def _same(a: np.dtype | None, b: np.dtype | None) -> bool:
    """Two known dtypes that are equal (``np.dtype('float64') == None`` is True in NumPy)."""
    return a is not None and b is not None and a == b


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


def assigned_names(stmt: ast.stmt) -> list[str]:
    """The local names ``stmt`` assigns: ``x = ...`` gives ``['x']``, ``a, b = f(...)`` ``['a', 'b']``."""
    if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Tuple):
        return [t.id for t in stmt.targets[0].elts if isinstance(t, ast.Name)]
    single = assigned_name(stmt)
    return [] if single is None else [single]


def tuple_call_target(stmt: ast.stmt) -> bool:
    """Whether ``stmt`` is ``a, b, ... = f(...)`` with names only on the left (a helper returning a tuple)."""
    return isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Tuple) and \
        all(isinstance(t, ast.Name) for t in stmt.targets[0].elts) and isinstance(stmt.value, ast.Call)


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

    def __init__(self, program: Program, twin: bool = False, hoist_role: Role = Role.HOISTED,
                 rename: bool = False, known: dict[str, tuple[np.dtype, int]] | None = None):
        self.program = program
        # Names of arrays of known (dtype, ndim) (``Function.known_types``; the results of the pure
        # calls this scalarizer hoists are added): their elements are read as typed subscripts.
        self.known = known if known is not None else {}
        self.rename = rename  # a twin body inlined into a loop: its locals get fresh names
        self.pending: list[ast.stmt] = []  # statements an inlined twin needs before the current one
        self.hoist_role = hoist_role
        self.twin = twin  # building a one-element twin: every name is already one element
        self.index_name = "" if twin else program.names.new(Role.INDEX)
        self.scalars: dict[str, str] = {}  # local name -> its scalar in the loop
        self.written: set[str] = set()  # names assigned or stored so far in the run
        self.operands: list[str] = []
        self.stored: list[str] = []
        self.separations: list[tuple[str, str]] = []  # (array written, array a later hoisted call reads)
        self.fresh: set[str] = set()  # hoisted names holding a pure call's result: a new array, no view
        self.local_dtypes: dict[str, np.dtype] = {}  # a run local's scalar -> its dtype, when known now
        self.late = False  # the statement being converted has a call moved before a write
        self.forwarded: dict[str, str] = {}  # array stored in the loop -> scalar holding its element
        self.has_operation = False

    def helper(self, attr: str) -> str:
        return self.program.inject(f"_bm_e_{attr}", getattr(elementwise, attr),
                                   f"brainpy_math_numba.elementwise.{attr}",
                                   Kind.STORE if attr == "store" else Kind.ELEMENTWISE)

    def index(self) -> ast.expr:
        return name(self.index_name)

    def model_array(self, identifier: str) -> np.ndarray | None:
        """The model's own 1-D array named ``identifier`` (same array at every call: guarded)."""
        array = self.program.array_named(identifier)
        return array if array is not None and array.ndim == 1 and array.dtype.kind in "biufc" else None

    @staticmethod
    def typed(node: ast.expr, dtype: np.dtype | None) -> ast.expr:
        """``node`` marked with the dtype its value has (kept on the node: copies keep it too)."""
        if dtype is not None:
            node.bm_dtype = np.dtype(dtype)  # type: ignore[attr-defined]
        return node

    @staticmethod
    def dtype_of(node: ast.expr) -> np.dtype | None:
        return getattr(node, "bm_dtype", None)

    def read(self, identifier: str) -> ast.expr:
        if self.twin and identifier not in self.scalars:
            return name(identifier)
        if identifier in self.scalars:
            local = self.scalars[identifier]
            return self.typed(name(local), self.local_dtypes.get(local))
        if identifier in self.forwarded:
            array = self.model_array(identifier)
            return self.typed(name(self.forwarded[identifier]), None if array is None else array.dtype)
        if identifier not in self.operands:
            self.operands.append(identifier)
        array = self.model_array(identifier)
        if array is not None:
            return self.typed(ast.Subscript(name(identifier), self.index(), ast.Load()), array.dtype)
        dtype, ndim = self.known.get(identifier, (None, None))
        if ndim == 1 and dtype.kind in "biufc":
            self.program.assumed_arguments.add(identifier)
            return self.typed(ast.Subscript(name(identifier), self.index(), ast.Load()), dtype)
        return call(self.helper("element"), [name(identifier), self.index()])

    def array_type(self, node: ast.expr) -> tuple[np.dtype, int] | None:
        """``(dtype, ndim)`` of the array ``node`` names, when known while generating."""
        if not isinstance(node, ast.Name):
            return None
        array = self.program.array_named(node.id)
        if array is not None:
            return array.dtype, array.ndim
        return self.known.get(node.id)

    def infer_result(self, hoisted: str, node: ast.expr) -> None:
        """Record the type of a hoisted ``dot``/``matmul`` of two arrays of one known float dtype (what
        Numba's ``np.dot`` computes: that dtype, and the ndim NumPy gives)."""
        symbol = self.program.symbol(node.func.id) if isinstance(node, ast.Call) and \
            isinstance(node.func, ast.Name) else None
        if symbol is None or symbol.library not in ("dot", "matmul") or len(node.args) != 2 or node.keywords:
            return
        a, b = self.array_type(node.args[0]), self.array_type(node.args[1])
        if a is None or b is None or not _same(a[0], b[0]) or a[0].kind != "f" or \
                not (1 <= a[1] <= 2 and 1 <= b[1] <= 2):
            return
        for argument in node.args:
            self.program.assumed_arguments.add(argument.id)
        self.known[hoisted] = (a[0], a[1] + b[1] - 2)
        loop = kernels.vector_product(a[0], (a[1], b[1]))
        if loop is not None:  # the loop itself: no overload to resolve and compile around it
            node.func = name(self.program.inject(
                f"_bm_{loop.__name__}_{a[0].name}", loop,
                f"brainpy_math_numba.kernels.vector_product(np.dtype({a[0].name!r}), {(a[1], b[1])})",
                Kind.PURE, library=symbol.library))

    def statement(self, item: Statement) -> None:
        stmt = item.node
        hoists: list[tuple[str, ast.expr]] = []
        original = copy.deepcopy(stmt)
        self.late = False
        if tuple_call_target(stmt):
            scalar, value = self.tuple_call(stmt.targets[0], stmt.value, hoists)
            array = ast.Assign([stmt.targets[0]], value)
        elif isinstance(stmt, ast.Assign):
            value = self.hoisted(stmt.value, hoists)
            scalar_value = self.scalar(value)
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                local = target.id if self.twin and not self.rename else self.program.names.new(Role.ELEMENT,
                                                                                                target.id)
                if self.dtype_of(scalar_value) is not None:
                    self.local_dtypes[local] = self.dtype_of(scalar_value)
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
        item.scalar = [at(s, origin) for s in self.pending + scalar]
        self.pending = []
        item.array = at(array, origin)

    def tuple_call(self, target: ast.Tuple, node: ast.Call, hoists: list) -> tuple[list[ast.stmt], ast.expr]:
        """``a, b = f(x, y)``, ``f`` a generated helper returning a tuple of elementwise values (the
        derivative of an ODE system, BrainPy's way): its one-element body written into the loop once,
        each of its results a scalar. Returns the one-element statements and the call with its
        arguments hoisted (the array version)."""
        function = self.program.functions_by_name.get(node.func.id) if isinstance(node.func, ast.Name) else None
        if function is None or function.purpose != "model" or node.keywords or not _twin_shape(function) or \
                any(isinstance(a, ast.Starred) for a in node.args):
            raise NotFusable
        node.args = [self.hoisted(a, hoists) for a in node.args]
        values = self.inline_twin(function, [self.scalar(a) for a in node.args], arity=len(target.elts))
        if values is None:
            raise NotFusable
        self.has_operation = True
        out: list[ast.stmt] = []
        for element, value in zip(target.elts, values):
            local = self.program.names.new(Role.ELEMENT, element.id)
            if self.dtype_of(value) is not None:
                self.local_dtypes[local] = self.dtype_of(value)
            out.append(ast.Assign([ast.Name(local, ast.Store())], value))
            self.scalars[element.id] = local
            self.written.add(element.id)
        return out, node

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
        self.forwarded[array_name] = element
        array = self.model_array(array_name)
        if array is not None:  # `x[i] = dtype(value)`: written out, no helper to inline
            cast = call(numpy_attr(array.dtype.name), [value])
            stored: ast.stmt = ast.Assign([ast.Subscript(name(array_name), self.index(), ast.Store())], name(element))
            return [ast.Assign([ast.Name(element, ast.Store())], cast), stored]
        cast = call(self.helper("element_of"), [name(array_name), value])
        stored = ast.Expr(call(self.helper("store"), [name(array_name), self.index(), name(element)]))
        return [ast.Assign([ast.Name(element, ast.Store())], cast), stored]

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
            self.infer_result(hoisted, node)
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
            left, right = self.scalar(node.left), self.scalar(node.right)
            dtype = self.dtype_of(left)
            if _same(dtype, np.dtype(bool)) and _same(self.dtype_of(right), dtype) and \
                    isinstance(node.op, (ast.Mult, ast.Add)):
                # NumPy's bool * bool is logical and, bool + bool logical or (Numba's scalars: ints)
                logical = ast.BitAnd() if isinstance(node.op, ast.Mult) else ast.BitOr()
                return self.typed(ast.BinOp(left, logical, right), dtype)
            out = ast.BinOp(left, node.op, right)
            if _same(dtype, self.dtype_of(right)) and dtype.kind == "f" and \
                    isinstance(node.op, _SAME_FLOAT_OPS):
                self.typed(out, dtype)  # float32 op float32 is float32 in Numba too
            if _same(dtype, np.dtype(bool)) and _same(self.dtype_of(right), dtype) and \
                    isinstance(node.op, (ast.BitAnd, ast.BitOr, ast.BitXor)):
                self.typed(out, dtype)
            return out
        if isinstance(node, ast.UnaryOp):
            self.has_operation = True
            operand = self.scalar(node.operand)
            if isinstance(node.op, ast.Invert):
                return call(self.helper("invert"), [operand])
            dtype = self.dtype_of(operand)
            return self.typed(ast.UnaryOp(node.op, operand), dtype if dtype is not None and dtype.kind == "f" else None)
        if isinstance(node, ast.Compare):
            self.has_operation = True
            return self.typed(ast.Compare(self.scalar(node.left), node.ops, [self.scalar(node.comparators[0])]),
                              np.dtype(bool))
        if self.constant_cast(node):
            return self.typed(copy.deepcopy(node), np.dtype(node.func.attr))
        callee = self.elementwise_call(node)
        self.has_operation = True
        args = [self.scalar(a) for a in node.args]
        function = self.program.functions_by_name.get(node.func.id) if isinstance(node.func, ast.Name) else None
        if function is not None and function.purpose == "model":
            inlined = self.inline_twin(function, args)
            if inlined is not None:
                return inlined
        written = self.weak_operation(node, args)
        if written is None:
            written = self.known_operation(node, args)
        if written is not None:
            return written
        dtype = self.dtype_of(args[0]) if len(args) == 1 else None
        symbol = self.program.symbol(callee.id) if isinstance(callee, ast.Name) else None
        if dtype == np.float32 and symbol is not None and symbol.obj in _FLOAT32_VERSIONS:
            # The float32 version itself: no overload to resolve and compile around it.
            callee = name(self.helper(_FLOAT32_VERSIONS[symbol.obj]))
        out = ast.Call(callee, args, [])
        if dtype is not None and dtype.kind == "f" and self.keeps_float_type(node):
            self.typed(out, dtype)
        return out

    def inline_twin(self, function: Function, args: list[ast.expr], arity: int | None = None) -> Any:
        """The one-element body of the helper ``function`` written into the loop, its parameters bound
        to ``args`` (each assigned once to a fresh name), its locals renamed apart; the value it
        returns (``arity`` given: the list of the ``arity`` values of the tuple it returns), or
        ``None``. Written out, the dtypes known here reach its operations (Numba would otherwise
        inline a compiled twin, and type it, at every call)."""
        body = expand_tuple_assignments(copy.deepcopy(function.plain_body or []))
        if not body or len(args) != len(function.params):
            return None
        *statements, last = body
        if not isinstance(last, ast.Return) or last.value is None:
            return None
        returned = isinstance(last.value, ast.Tuple)
        if returned != (arity is not None) or returned and len(last.value.elts) != arity:
            return None
        before = len(self.pending)
        inner = Scalarizer(self.program, twin=True, rename=True)
        for param, argument in zip(function.params, args):
            local = self.program.names.new(Role.ELEMENT, param)
            self.pending.append(ast.Assign([ast.Name(local, ast.Store())], argument))
            inner.scalars[param] = local
            if self.dtype_of(argument) is not None:
                inner.local_dtypes[local] = self.dtype_of(argument)
        try:
            for stmt in statements:
                item = Statement(copy.deepcopy(stmt))
                inner.statement(item)
                self.pending += item.scalar
            values = [inner.scalar(inner.hoisted(copy.deepcopy(v), []))
                      for v in (last.value.elts if arity is not None else [last.value])]
        except NotFusable:
            del self.pending[before:]
            return None
        self.pending += inner.pending
        values = [self.typed(v, self.dtype_of(v)) for v in values]
        return values if arity is not None else values[0]

    def known_operation(self, node: ast.Call, args: list[ast.expr]) -> ast.expr | None:
        """A helper call whose result is plain code for the known dtypes of its arguments: the float
        argument of a float (itself), ``a / b`` of one float type, a same-kind write (the value)."""
        symbol = self.program.symbol(node.func.id) if isinstance(node.func, ast.Name) else None
        if symbol is None:
            return None
        dtypes = [self.dtype_of(a) for a in args]
        if symbol.library == "float_argument" and len(args) == 1 and dtypes[0] is not None and dtypes[0].kind == "f":
            return args[0]
        if symbol.library == "true_divide" and len(args) == 2 and dtypes[0] is not None and \
                _same(dtypes[0], dtypes[1]) and dtypes[0].kind == "f":
            return self.typed(ast.BinOp(args[0], ast.Div(), args[1]), dtypes[0])
        if symbol.library == "same_kind" and len(args) == 2 and all(d is not None for d in dtypes) and \
                np.can_cast(dtypes[1], dtypes[0], "same_kind"):
            return args[1]
        if symbol.library == "weak_literal" and len(args) == 2 and dtypes[0] is not None:
            return self.weak_literal(dtypes[0], node.args[1])
        if symbol.library == "where" and len(args) == 3 and _same(dtypes[0], np.dtype(bool)) and \
                _same(dtypes[1], dtypes[2]):
            return self.typed(call(self.helper("choose"), args), dtypes[1])  # one LLVM select
        return None

    def weak_literal(self, reference: np.dtype, literal: ast.expr) -> ast.expr | None:
        """``literals.weak_literal(reference, literal)`` written out for a reference of known dtype (the
        same rules), so that the dtype of the ``bm.where`` around it stays known in the loop."""
        value = literal.value if isinstance(literal, ast.Constant) else \
            literal.args[0].value if self.constant_cast(literal) and isinstance(literal.args[0], ast.Constant) else None
        if type(value) not in (int, float) or reference.kind not in "iufc":
            return None
        if reference.kind in "iu" and (type(value) is not int or
                                       not np.iinfo(reference).min <= value <= np.iinfo(reference).max):
            return None
        return self.typed(call(numpy_attr(reference.name), [ast.Constant(value)]), reference)

    def keeps_float_type(self, node: ast.Call) -> bool:
        """Whether ``node`` (one argument) returns the float type it is given: float32 stays float32."""
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "np":
            return func.attr in _FLOAT_PRESERVING
        symbol = self.program.symbol(func.id) if isinstance(func, ast.Name) else None
        return symbol is not None and symbol.library == "float_argument"

    def weak_operation(self, node: ast.Call, args: list[ast.expr]) -> ast.expr | None:
        """A weak-literal operation (``x * 0.5``) on an element of known dtype, written out with the
        casts its helper would make (``literals``' rules), or ``None`` to call the helper."""
        symbol = self.program.symbol(node.func.id) if isinstance(node.func, ast.Name) else None
        if symbol is None or symbol.weak is None or len(args) != 2:
            return None
        op_name, literal_on_left = symbol.weak
        literal, operand = (node.args[0], args[1]) if literal_on_left else (node.args[1], args[0])
        dtype = self.dtype_of(operand)
        if dtype is None or not isinstance(literal, ast.Constant) or type(literal.value) not in (bool, int, float):
            return None
        value = literal.value
        if type(value) is int and dtype.kind in "iu" and op_name != "Div" and \
                not np.iinfo(dtype).min <= value <= np.iinfo(dtype).max:
            return None  # the helper raises OverflowError at run time, as eager code does
        operand_target, literal_target = weak_targets(numba.from_dtype(dtype), numba.typeof(value), op_name)
        result = operand_target or numba.from_dtype(dtype)
        if not isinstance(result, (types.Number, types.Boolean)):
            return None

        def cast(expr: ast.expr, target) -> ast.expr:
            return expr if target is None else call(numpy_attr(np.dtype(str(target)).name), [expr])
        op = _AST_OPERATORS[op_name]()
        lit, opnd = cast(ast.Constant(value), literal_target), cast(operand, operand_target)
        expr = ast.BinOp(lit, op, opnd) if literal_on_left else ast.BinOp(opnd, op, lit)
        result_dtype = np.dtype(str(result))
        if not (result_dtype.kind == "f" and isinstance(op, _SAME_FLOAT_OPS)):
            expr = cast(expr, result)  # Numba computes small integers in int64: back to the table's type
        return self.typed(expr, result_dtype)


def _twin_shape(function: Function) -> bool:
    """Whether ``function`` can run on one element: no state of the model, assignments to single
    names, then one ``return`` of a value (its expressions are checked when it is scalarized)."""
    if function.state or not function.plain_body:
        return False
    *statements, last = expand_tuple_assignments(copy.deepcopy(function.plain_body))
    return isinstance(last, ast.Return) and last.value is not None and \
        all(assigned_name(s) is not None and isinstance(s, ast.Assign) and len(s.targets) == 1 for s in statements)


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
    if not _twin_shape(function):
        return None
    body = expand_tuple_assignments(copy.deepcopy(function.plain_body))
    *statements, last = body
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
    out += [at(s, origin_of(last)) for s in scalarizer.pending]
    out.append(at(ast.Return(value), origin_of(last)))
    # A loop the inline pass leaves a twin call in has Numba inline it, unless it cannot (see
    # MAX_INLINED_ARGUMENTS): then it is a call.
    inline = len(function.params) <= MAX_INLINED_ARGUMENTS
    twin = Function(f"{function.name}_element", list(function.params), [], out, function.header,
                    decorator=name("_bm_njit_inline" if inline else "_bm_njit"), purpose="twin")
    program.add_function(twin)
    twins[function.name] = twin.name
    return twin.name
