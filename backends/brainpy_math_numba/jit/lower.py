"""Lowering: model methods and functions rewritten into the functions of a :class:`.ir.Program`.

``numba.njit`` compiles functions over arrays and scalars, not methods of Python objects. Lowering reads a method's source, parses it with :mod:`ast` and rewrites it:

- every attribute chain rooted at ``self`` (or at a global, a closure cell, an unrolled loop
  variable) is resolved on the live object *now*; a Variable or array becomes an array argument
  of the generated function (compiled code writes into it in place), a Python scalar, string or
  tuple of them becomes a constant of the source (a guard notices if it changes later);
- a method of ``self`` or of a nested ``Base`` object, and a plain helper function, becomes a
  generated function of its own, called from the caller's compiled code with the arrays it needs;
- ``bm.<name>`` maps to its NumPy equivalent (creation functions get the default dtype), random
  functions to the backend's kernels with the state arrays of their generator;
- a ``for`` loop over a list/tuple/dict of objects is unrolled, an ``if`` on a constant keeps the
  branch taken;
- Python literals follow the dtype policy (see :mod:`.literals`).

Anything outside the supported subset raises ``NotImplementedError`` or ``TypeError`` naming the
file, the line, the source text and what to change.

The output is ``ast`` statements (each marked with the model line it came from); calls are lowered
by :mod:`.calls`.
"""
from __future__ import annotations

import ast
import builtins
import copy
import inspect
import textwrap
import types as pytypes
import warnings
from typing import Any, Callable

import numpy as np

from brainpy_math import _config, _promotion
from brainpy_math._compile_options import PortabilityError, PortabilityWarning
from brainpy_math.base import Base
from brainpy_math.variables import Variable

from .. import elementwise, literals
from ..literals import weak_function_name
from .calls import as_constant, inject_elementwise, matmul_operator, resolve_call
from .ir import (NUMPY_TYPES, Function, Kind, Origin, Program, Role, Static, UnsupportedCode, UnsupportedObject, at,
                 call, compile_tree, is_constant_data, name, numpy_attr, parse_source, typed_constant, unsupported)

__all__ = ["Lowering"]

# Builtins that Numba compiles and the generated code may call by name.
_BUILTINS = {"range", "len", "abs", "min", "max", "float", "int", "bool", "round", "print", "enumerate",
             "zip", "sum", "pow", "complex", "isinstance", "tuple"}
_ARRAY_STATIC_ATTRS = {"shape", "ndim", "size", "dtype"}
_MISSING = object()
_FORBIDDEN_NODES = {
    ast.Lambda: "a lambda", ast.ListComp: "a list comprehension", ast.SetComp: "a set comprehension",
    ast.DictComp: "a dict comprehension", ast.GeneratorExp: "a generator expression",
    ast.JoinedStr: "an f-string", ast.Dict: "a dict display", ast.Set: "a set display",
    ast.Starred: "a starred argument", ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield",
    ast.NamedExpr: "an assignment expression (:=)",
}
_STATEMENT_NAMES = {
    ast.Try: "a try block", ast.With: "a with block", ast.Raise: "raise", ast.Assert: "assert",
    ast.FunctionDef: "a nested function definition", ast.ClassDef: "a class definition",
    ast.Import: "an import", ast.ImportFrom: "an import", ast.Global: "a global statement",
    ast.Nonlocal: "a nonlocal statement", ast.Delete: "del", ast.AsyncFunctionDef: "an async function",
    ast.AsyncFor: "async for", ast.AsyncWith: "async with", ast.Match: "a match statement",
}
try:  # Python 3.11+
    _STATEMENT_NAMES[ast.TryStar] = "a try block"  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover
    pass
_OPERATORS = {ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.BitAnd, ast.BitOr, ast.BitXor,
              ast.LShift, ast.RShift, ast.MatMult}


class Lowering:
    """Lowers functions (once each) into ``program``; the entry point of this stage.

    Example:
        >>> from brainpy_math_numba.jit.ir import Program
        >>> def double(x):
        ...     return x * 2
        >>> program = Program({})
        >>> f = Lowering(program).function(double, None, None, entry=True)  # doctest: +SKIP
        >>> f.params  # doctest: +SKIP
        ['x']
    """

    def __init__(self, program: Program):
        self.program = program
        self._done: dict[tuple, Function] = {}
        self._in_progress: set[tuple] = set()

    def function(self, func: Callable, owner: Any, origin: Origin | None, static: dict[str, Any] | None = None,
                 entry: bool = False, weak: frozenset[str] = frozenset()) -> Function:
        """The function lowered from ``func`` bound to ``owner`` (``None``: a plain function).

        ``weak`` names the parameters that receive Python ints/floats: they promote as weak scalars
        (as literals do), so ``int32_array * t`` is float32 for a Python float ``t``. ``entry``: the
        function ``bm.jit`` calls (it returns copies of Variables, as JAX returns snapshots).
        """
        key = (id(owner), func, tuple(sorted((k, id(v)) for k, v in (static or {}).items())), weak)
        done = self._done.get(key)
        if done is not None:
            return done
        if key in self._in_progress:
            raise unsupported(origin or _origin_of(func), f"{func.__qualname__} calls itself (recursion)",
                              "Rewrite the recursion as a loop")
        self._in_progress.add(key)
        label = func.__qualname__ if owner is None else f"{type(owner).__name__}.{func.__name__}"
        function_name = self.program.names.new(Role.FUNCTION, _safe_name(label))
        generator = FunctionGenerator(self, func, owner, static or {})
        generator.weak_parameters = set(weak)
        generator.copy_state_returns = entry
        function = generator.generate(function_name)
        function.plain_body = copy.deepcopy(function.body)
        self._in_progress.discard(key)
        self._done[key] = function
        self.program.add_function(function)
        return function


def _parse_function(func: Callable, source: str) -> ast.FunctionDef | None:
    """The ``def`` of ``func``; a lambda becomes a ``def`` returning its expression."""
    text = textwrap.dedent(source)
    try:
        tree = parse_source(text)
    except SyntaxError:
        try:  # a lambda inside a call continued on the next line: parse the parenthesised text
            tree = parse_source("(\n" + text.strip().rstrip(",") + "\n)")
            for node in ast.walk(tree):
                if hasattr(node, "lineno"):
                    node.lineno -= 1
        except SyntaxError:
            return None
    first = tree.body[0] if tree.body else None
    if isinstance(first, ast.FunctionDef) and func.__name__ != "<lambda>":
        return first
    names = list(func.__code__.co_varnames[:func.__code__.co_argcount])
    lambdas = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and [a.arg for a in n.args.args] == names]
    if len(lambdas) > 1:  # several on one line: keep the one whose bytecode is func's
        lambdas = [lam for lam in lambdas if _same_code(lam, func.__code__)]
    if len(lambdas) != 1:
        return None
    lam = lambdas[0]
    body = [ast.Return(lam.body, lineno=lam.lineno, col_offset=0)]
    return ast.FunctionDef(name="lambda", args=lam.args, body=body, decorator_list=[], returns=None,
                           lineno=lam.lineno, col_offset=0, type_params=[])


def _same_code(lam: ast.Lambda, code: pytypes.CodeType) -> bool:
    try:
        compiled = compile_tree(ast.fix_missing_locations(ast.Expression(copy.deepcopy(lam))), "<lambda>", "eval")
    except (SyntaxError, ValueError):
        return False
    inner = [c for c in compiled.co_consts if isinstance(c, pytypes.CodeType)]
    return bool(inner) and inner[0].co_code == code.co_code and inner[0].co_names == code.co_names and \
        [c for c in inner[0].co_consts] == [c for c in code.co_consts]


def _origin_of(func: Callable) -> Origin:
    code = getattr(func, "__code__", None)
    file = code.co_filename if code else "<unknown>"
    line = code.co_firstlineno if code else 0
    return Origin(file, line, f"def {getattr(func, '__name__', '?')}(...)", getattr(func, "__qualname__", "?"))


def _safe_name(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)


def _stored(target: ast.expr) -> ast.expr:
    """``target`` with a store context (the top node; a tuple's elements too)."""
    target.ctx = ast.Store()
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _stored(element)
    return target


def _loaded(target: ast.expr) -> ast.expr:
    """A copy of an assignment target read as a value."""
    value = copy.deepcopy(target)
    for node in ast.walk(value):
        if hasattr(node, "ctx"):
            node.ctx = ast.Load()
    return value


def _whole_array(node: ast.expr) -> str | None:
    """``a`` for ``a[...]``."""
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and \
            isinstance(node.slice, ast.Constant) and node.slice.value is Ellipsis:
        return node.value.id
    return None


class FunctionGenerator:
    """Lowers one Python function (a method bound to ``owner``, or a plain function)."""

    def __init__(self, lowering: Lowering, func: Callable, owner: Any, static: dict[str, Any]):
        self.lowering = lowering
        self.program = lowering.program
        self.func = func
        self.owner = owner
        self.qualname = func.__qualname__
        try:
            source_lines, first_line = inspect.getsourcelines(func)
            self.file = inspect.getsourcefile(func) or func.__code__.co_filename
        except (OSError, TypeError) as err:
            raise UnsupportedCode(f"bm.jit (numba backend) cannot read the source of {self.qualname} "
                                  f"({err}); the numba backend generates code from source, so define it "
                                  f"in a file (not in an interactive session or with exec)") from None
        self.first_line = first_line
        self.source_lines = source_lines
        self.snippet = textwrap.dedent("".join(source_lines))
        node = _parse_function(func, "".join(source_lines))
        if node is None:
            raise UnsupportedCode(f"bm.jit (numba backend) cannot compile {self.qualname} at "
                                  f"{self.file}:{first_line}: its source could not be isolated (a lambda "
                                  f"that shares its line with another lambda, or spans lines). Define it "
                                  f"with def")
        self.node = node
        self.static_env: dict[str, Any] = dict(static)
        self.locals: set[str] = set()
        self.blocks: list[list[ast.stmt]] = [[]]
        self.state: set[str] = set()
        self.statement: ast.stmt | None = None
        self.copy_state_returns = False
        self.weak_parameters: set[str] = set()  # set by Lowering.function; narrowed in generate()
        self.portability = _Portability(self)
        self.closure = {}
        code = func.__code__
        if func.__closure__:
            self.closure = dict(zip(code.co_freevars, func.__closure__))

    # ------------------------------------------------------------------ helpers
    def origin(self, node: ast.AST | None = None) -> Origin:
        lineno = getattr(node, "lineno", None) or getattr(self.statement, "lineno", None) or \
            self.node.lineno
        line = self.first_line + lineno - 1
        text = self.source_lines[lineno - 1].strip()
        return Origin(self.file, line, text, self.qualname)

    def text(self, node: ast.AST) -> str:
        """The model source of ``node``, for messages (what lowering made from it has none)."""
        if isinstance(node, Static) and node.text:
            return node.text
        try:
            segment = ast.get_source_segment(self.snippet, node)
        except (AttributeError, IndexError, TypeError):
            segment = None
        return segment or self.origin(node).text

    def fail(self, what: str, fix: str, node: ast.AST | None = None, kind: type = UnsupportedCode) -> Exception:
        return unsupported(self.origin(node), what, fix, kind)

    def temp(self) -> str:
        return self.program.names.new(Role.TEMPORARY)

    def lower_function(self, func: Callable, owner: Any, origin: Origin, static: dict[str, Any]) -> Function:
        """A callee, lowered once (:mod:`.calls` calls this)."""
        return self.lowering.function(func, owner, origin, static)

    # ------------------------------------------------------------------ entry
    def generate(self, function_name: str) -> Function:
        args = self.node.args
        if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
            raise self.fail("*args, **kwargs, keyword-only and positional-only parameters are not supported",
                            "Use plain positional parameters (defaults are fine)", self.node)
        params = [a.arg for a in args.args]
        if self.owner is not None:
            if not params:
                raise self.fail("a method without a self parameter", "Add self", self.node)
            self.static_env[params[0]] = self.owner
            params = params[1:]
        params = [p for p in params if p not in self.static_env]
        self.locals = set(params)
        assigned = set()
        for sub in ast.walk(self.node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                assigned.add(sub.id)
        self.locals |= assigned
        # A parameter the body rebinds may hold anything later: only untouched ones stay weak.
        self.weak_parameters = {p for p in self.weak_parameters if p in params and p not in assigned}
        # Arguments of the entry are traced by JAX; a callee's Python-number arguments are not.
        self.portability.dynamic |= set(params) - (set() if self.copy_state_returns else self.weak_parameters)
        for stmt in self.node.body:
            self.emit(stmt, unrolled=False)
        self.portability.report()
        order = {entry.name: k for k, entry in enumerate(self.program.arrays.values())}
        return Function(function_name, params, sorted(self.state, key=order.__getitem__), self.blocks[0],
                        self.origin(self.node))

    # ------------------------------------------------------------------ statements
    def add(self, stmt: ast.stmt, node: ast.AST | None = None) -> None:
        self.blocks[-1].append(at(stmt, self.origin(node)))

    def emit(self, stmt: ast.stmt, unrolled: bool) -> None:
        self.statement = stmt
        if isinstance(stmt, ast.Expr):
            if isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                return  # a docstring
            if not isinstance(stmt.value, ast.Call):
                raise self.fail("an expression statement that is not a call has no effect",
                                "Remove it or assign its value")
            written = self.variable_update(stmt.value)
            if written is not None:
                self.emit_assign(written)  # `v.update(x)`: BrainPy's name of `v.value = x`
                return
            self.add(ast.Expr(self.expr(stmt.value)), stmt)
        elif isinstance(stmt, ast.Assign):
            self.emit_assign(stmt)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is None:
                return
            self.emit_assign(ast.Assign(targets=[stmt.target], value=stmt.value, lineno=stmt.lineno))
        elif isinstance(stmt, ast.AugAssign):
            self.emit_augassign(stmt)
        elif isinstance(stmt, ast.Return):
            if stmt.value is None:
                self.add(ast.Return(None), stmt)
            else:
                self.add(ast.Return(self.finish(self.returned(self.transform(stmt.value)))), stmt)
        elif isinstance(stmt, ast.If):
            self.emit_if(stmt, unrolled)
        elif isinstance(stmt, ast.While):
            if stmt.orelse:
                raise self.fail("while ... else is not supported", "Move the else block after the loop")
            test = self.transform(stmt.test)
            self.portability.branch("while", stmt.test, test)
            test = self.finish(test)
            self.add(ast.While(test, self.emit_body(stmt.body, unrolled=False), []), stmt)
        elif isinstance(stmt, ast.For):
            self.emit_for(stmt, unrolled)
        elif isinstance(stmt, (ast.Pass, ast.Break, ast.Continue)):
            if unrolled and not isinstance(stmt, ast.Pass):
                raise self.fail(f"{type(stmt).__name__.lower()} inside a loop over objects, which is unrolled "
                                f"while generating code", "Use an if around the body instead")
            self.add(type(stmt)(), stmt)
        else:
            what = _STATEMENT_NAMES.get(type(stmt), f"the statement {type(stmt).__name__}")
            raise self.fail(f"{what} is not supported inside compiled code",
                            "Move it out of the jitted method, or use the jax backend")

    def variable_update(self, node: ast.Call) -> ast.Assign | None:
        """``v.value = x`` for the statement ``v.update(x)`` on a Variable (BrainPy's ``update``), so
        that it is lowered, checked and written exactly as the assignment; None for other calls."""
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "update"):
            return None
        holder = self.transform(copy.deepcopy(func.value))
        if not (isinstance(holder, Static) and isinstance(holder.obj, Variable)):
            return None
        if len(node.args) == 1 and not node.keywords:
            value = node.args[0]
        elif not node.args and len(node.keywords) == 1 and node.keywords[0].arg == "value":
            value = node.keywords[0].value
        else:
            raise self.fail(f"{self.text(node)}: Variable.update takes one argument, the new value",
                            "Call it as v.update(new_value)", node, TypeError)
        target = ast.copy_location(ast.Attribute(copy.deepcopy(func.value), "value", ast.Store()), node)
        return ast.copy_location(ast.Assign(targets=[target], value=value), node)

    def returned(self, value: ast.expr) -> ast.expr:
        """What the entry function returns: a Variable's array is copied, as JAX returns a snapshot."""
        if not self.copy_state_returns:
            return value
        if isinstance(value, ast.Tuple):
            value.elts = [self.returned(e) for e in value.elts]
            return value
        if isinstance(value, Static) and isinstance(value.obj, np.ndarray):
            array = self.materialize(value.obj, value)
            return call(ast.Attribute(array, "copy", ast.Load()), [])
        return value

    def emit_body(self, body: list[ast.stmt], unrolled: bool) -> list[ast.stmt]:
        """The statements ``body`` lowers to (a block of a compound statement; never empty)."""
        self.blocks.append([])
        for stmt in body:
            self.emit(stmt, unrolled)
        block = self.blocks.pop()
        return block or [at(ast.Pass(), self.origin())]

    def emit_if(self, stmt: ast.If, unrolled: bool) -> None:
        test = self.transform(stmt.test)
        if isinstance(test, ast.Constant):
            # A condition fixed at generation time (e.g. `if self.has_noise:`): keep the branch taken.
            for sub in (stmt.body if test.value else stmt.orelse):
                self.emit(sub, unrolled)
            return
        self.portability.branch("if", stmt.test, test)
        test = self.finish(test)
        body = self.emit_body(stmt.body, unrolled)
        orelse = self.emit_body(stmt.orelse, unrolled) if stmt.orelse else []
        self.statement = stmt
        self.add(ast.If(test, body, orelse), stmt)

    def emit_for(self, stmt: ast.For, unrolled: bool) -> None:
        if stmt.orelse:
            raise self.fail("for ... else is not supported", "Move the else block after the loop")
        iterable = self.transform(stmt.iter)
        items = self.unrollable(iterable, stmt.iter)
        if items is None:
            target = self.loop_target(stmt.target)
            iterable = self.finish(iterable)
            self.add(ast.For(target, iterable, self.emit_body(stmt.body, unrolled=False), []), stmt)
            return
        # A loop over objects (a network's children): one copy of the body per item.
        names = [stmt.target] if isinstance(stmt.target, ast.Name) else None
        for item in items:
            if names is not None:
                bindings = {stmt.target.id: item}
            elif isinstance(stmt.target, ast.Tuple) and all(isinstance(e, ast.Name) for e in stmt.target.elts):
                if not isinstance(item, tuple) or len(item) != len(stmt.target.elts):
                    raise self.fail("cannot unpack the loop item", "Check the loop target", stmt)
                bindings = {e.id: v for e, v in zip(stmt.target.elts, item)}
            else:
                raise self.fail("an unrolled loop needs a name (or a tuple of names) as target",
                                "Write `for child in self.children:`", stmt)
            saved = {k: self.static_env.get(k, _MISSING) for k in bindings}
            self.static_env.update(bindings)
            for k in bindings:
                self.locals.discard(k)
            for sub in stmt.body:
                self.emit(sub, unrolled=True)
            for k, v in saved.items():
                if v is _MISSING:
                    self.static_env.pop(k, None)
                else:
                    self.static_env[k] = v
        if not items:
            self.add(ast.Pass(), stmt)

    def unrollable(self, iterable: ast.expr, node: ast.AST) -> list | None:
        """The items of a loop to unroll at generation time, or ``None`` for a compiled loop."""
        if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and \
                iterable.func.id == "enumerate" and iterable.args and isinstance(iterable.args[0], Static):
            inner = self.unrollable(iterable.args[0], node)
            return None if inner is None else list(enumerate(inner))
        if not isinstance(iterable, Static):
            return None
        obj = iterable.obj
        # The loop is unrolled over the items seen now: an item appended later must regenerate it.
        self.program.guard_items(obj, f"{self.qualname}: the items of {self.text(node)}")
        if isinstance(obj, dict):
            return list(obj.keys())
        if isinstance(obj, (pytypes.MappingProxyType, type({}.keys()), type({}.values()), type({}.items()))):
            return list(obj)
        if isinstance(obj, (list, tuple)):
            return list(obj)
        if isinstance(obj, range):
            return None
        raise self.fail(f"cannot loop over {type(obj).__name__} in compiled code",
                        "Loop over range(...), an array, or a list/tuple/dict of objects", node,
                        UnsupportedObject)

    def loop_target(self, target: ast.expr) -> ast.expr:
        if isinstance(target, ast.Name):
            return ast.Name(target.id, ast.Store())
        if isinstance(target, ast.Tuple) and all(isinstance(e, ast.Name) for e in target.elts):
            return ast.Tuple([ast.Name(e.id, ast.Store()) for e in target.elts], ast.Store())
        raise self.fail("a loop target must be a name or a tuple of names", "Assign inside the loop body",
                        target)

    def emit_assign(self, stmt: ast.Assign) -> None:
        for target in stmt.targets:
            self.check_integer_write(target, stmt.value)
        value = self.expr(stmt.value)
        if len(stmt.targets) == 1 and self.simple_target(stmt.targets[0]):
            target = self.target(stmt.targets[0])
            self.add(ast.Assign([target], self.kind_checked(target, value)), stmt)
            return
        # Several targets, or a tuple target with attributes/subscripts: go through temporaries.
        tmp = self.temp()
        self.add(ast.Assign([ast.Name(tmp, ast.Store())], value), stmt)
        for target in stmt.targets:
            self.assign_from(target, name(tmp), stmt)

    def kind_checked(self, target: ast.expr, value: ast.expr) -> ast.expr:
        """``value`` wrapped so that writing it whole into a bool/integer Variable (``self.n.value =
        ...``, ``self.n = ...``) raises ``ValueError`` for a float value, as eager code does, instead
        of Numba's silent truncation. The check is decided when Numba types the code (free at run
        time); element writes (``self.n[0] = x``) truncate eagerly too and are left alone."""
        array = self.program.array_named(_whole_array(target) or "")
        if array is None or array.dtype.kind not in "biu":
            return value
        helper = self.program.inject("_bm_same_kind", elementwise.same_kind,
                                     "brainpy_math_numba.elementwise.same_kind", Kind.ELEMENTWISE,
                                     element="_bm_same_kind", library="same_kind")
        return call(helper, [name(_whole_array(target)), value])

    def check_integer_write(self, target: ast.expr, value: ast.expr) -> None:
        """A Python int literal written into an integer Variable or array of the model must fit its
        dtype: compiled code would wrap it (``self.count[0] = 300`` into int8), eager code raises."""
        literal = value.operand if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub) else value
        if not (isinstance(literal, ast.Constant) and type(literal.value) is int):
            return
        number = -literal.value if literal is not value else literal.value
        holder = target.value if isinstance(target, ast.Subscript) else target
        if not isinstance(holder, ast.Attribute):
            return
        resolved = self.transform(ast.Attribute(value=holder.value, attr=holder.attr, ctx=ast.Load()))
        if isinstance(resolved, Static) and isinstance(resolved.obj, np.ndarray) and \
                resolved.obj.dtype.kind in "iu" and not _promotion.fits(number, resolved.obj.dtype):
            info = np.iinfo(resolved.obj.dtype)
            raise self.fail(f"the Python int {number} does not fit dtype {resolved.obj.dtype.name} of "
                            f"{self.text(holder)} (range {info.min}..{info.max}); it would wrap",
                            "Write a value in range, or give the array a wider dtype", value, OverflowError)

    def simple_target(self, target: ast.expr) -> bool:
        if isinstance(target, (ast.Tuple, ast.List)):
            return all(isinstance(e, ast.Name) for e in target.elts)
        return True

    def assign_from(self, target: ast.expr, source: ast.expr, stmt: ast.stmt) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for i, element in enumerate(target.elts):
                self.assign_from(element, ast.Subscript(copy.deepcopy(source), ast.Constant(i), ast.Load()), stmt)
        else:
            self.add(ast.Assign([self.target(target)], source), stmt)

    def target(self, target: ast.expr) -> ast.expr:
        """An assignment target as generated (writes into Variables go through ``[...]``)."""
        if isinstance(target, ast.Name):
            if target.id in self.static_env:
                raise self.fail(f"assigning to {target.id}, which names an object while generating code",
                                "Use another name for the local variable", target)
            return ast.Name(target.id, ast.Store())
        if isinstance(target, (ast.Tuple, ast.List)):
            return ast.Tuple([self.target(e) for e in target.elts], ast.Store())
        if isinstance(target, ast.Attribute):
            resolved = self.transform(ast.Attribute(value=target.value, attr=target.attr, ctx=ast.Load()))
            if isinstance(resolved, Static) and isinstance(resolved.obj, np.ndarray):
                array = self.materialize(resolved.obj, target)
                return ast.Subscript(array, ast.Constant(Ellipsis), ast.Store())
            shown = self.text(target)
            params = {a.arg for a in (*self.node.args.posonlyargs, *self.node.args.args)}
            if target.attr == "value" and isinstance(target.value, ast.Name) and target.value.id in params \
                    and not isinstance(resolved, Static):
                arg = target.value.id
                raise self.fail(f"assigning to {shown}: '{arg}' is an argument of the compiled function, and "
                                f"the numba backend passes an argument as a plain array, even a bm.Variable, so "
                                f"{shown} cannot be replaced", f"Reach the Variable through the object instead of "
                                f"passing it (self.{arg} in a method of a bm.Base, or a global/closure Variable "
                                f"listed in dyn_vars), or return the new value and assign it outside bm.jit",
                                target)
            held = type(resolved.obj).__name__ if isinstance(resolved, Static) else "a computed value"
            if isinstance(resolved, ast.Constant):
                held = f"a Python {type(resolved.value).__name__} ({resolved.value!r})"
            raise self.fail(f"assigning to {shown}, which holds {held}: compiled code can only write into "
                            f"Variables and arrays", f"Make {shown} a bm.Variable to update it inside "
                            f"bm.jit, or compute it outside", target, UnsupportedObject)
        if isinstance(target, ast.Subscript):
            resolved = self.transform(ast.Subscript(value=target.value, slice=target.slice, ctx=ast.Load()))
            if not isinstance(resolved, ast.Subscript):
                raise self.fail(f"cannot assign to {self.text(target)}: it is an item of a Python "
                                f"container", "Store the values in a bm.Variable", target, UnsupportedObject)
            return _stored(self.finish(resolved))
        raise self.fail(f"cannot assign to {self.text(target)}", "Assign to a name, a Variable or an "
                        "element/slice of an array", target)

    def emit_augassign(self, stmt: ast.AugAssign) -> None:
        target = stmt.target
        written = self.target(target)
        if isinstance(target, ast.Attribute):
            written = ast.Name(_whole_array(written), ast.Store())  # in-place operators write arrays in place
        value = self.transform(stmt.value)
        if type(stmt.op) not in _OPERATORS:
            raise self.fail(f"the operator {type(stmt.op).__name__} is not supported", "Rewrite it", stmt)
        if isinstance(value, ast.Constant) and _is_number(value.value) or \
                isinstance(value, ast.Name) and value.id in self.weak_parameters:
            # `x += 1.0` keeps x's dtype (a float32 x would otherwise become float64 under Numba).
            helper = inject_elementwise(self.program, "_bm_cast_literal", "cast_literal", literals.cast_literal,
                                        literals.cast_literal)
            rhs = call(helper, [_loaded(written), value])
        else:
            rhs = self.finish(value)
            if isinstance(target, ast.Attribute):
                # `self.n += float_array` on an int Variable: ValueError at run time (eager NumPy
                # raises a same_kind casting error) instead of a crash inside Numba's typing.
                rhs = self.kind_checked(ast.Subscript(name(written.id), ast.Constant(Ellipsis), ast.Store()), rhs)
        self.add(ast.AugAssign(written, stmt.op, rhs), stmt)

    # ------------------------------------------------------------------ expressions
    def expr(self, node: ast.expr) -> ast.expr:
        return self.finish(self.transform(node))

    def transform(self, node: ast.expr) -> ast.expr:
        # A copy: the resolver rewrites nodes, and an unrolled loop emits the same statement again.
        resolved = _Resolver(self).visit(copy.deepcopy(node))
        self.portability.note(node, resolved)
        return resolved

    def finish(self, node: ast.expr) -> ast.expr:
        node = _Materializer(self).visit(node)
        return _LiteralTyper(self).visit(node)

    def materialize(self, obj: Any, node: ast.AST) -> ast.expr:
        """An expression for a live object that the generated code uses as a value."""
        if isinstance(obj, np.ndarray):
            array = self.program.array(obj)
            self.state.add(array)
            return name(array)
        if obj is None or type(obj) in (bool, int, float, complex, str):
            return ast.Constant(obj)
        if isinstance(obj, np.generic):
            dtype = _config.canonicalize_dtype(obj.dtype)
            value = obj.item()
            return typed_constant(dtype, value)
        if type(obj) in (tuple, list) and is_constant_data(obj):
            return ast.Tuple([self.materialize(i, node) for i in obj], ast.Load())
        if isinstance(obj, type) and obj in NUMPY_TYPES:
            return numpy_attr(np.dtype(obj).name)
        if isinstance(obj, np.dtype):
            return numpy_attr(obj.name)
        if type(obj) in (tuple, list) and all(isinstance(i, np.ndarray) or is_constant_data(i) for i in obj):
            return ast.Tuple([self.materialize(i, node) for i in obj], ast.Load())
        shown = self.text(node) if isinstance(node, Static) and node.text or not isinstance(node, Static) \
            else repr(obj)
        if isinstance(obj, Base):
            fix = (f"Pass its Variables, or call one of its methods ({shown}.update(...)); objects "
                   f"cannot be values inside compiled code")
        else:
            fix = ("Store arrays in bm.Variable, numbers as Python scalars; or compute this outside "
                   "bm.jit, or use the jax backend")
        raise self.fail(f"{shown} is a {type(obj).__module__}.{type(obj).__qualname__}, which is neither an "
                        f"array, a scalar nor a Base object method Numba can compile", fix, node,
                        UnsupportedObject)

    # ------------------------------------------------------------------ name resolution
    def lookup(self, identifier: str, node: ast.AST) -> Any:
        """The live object a free name refers to, recording a guard for changeable values."""
        if identifier in self.static_env:
            return self.static_env[identifier]
        if identifier in self.closure:
            cell = self.closure[identifier]
            try:
                value = cell.cell_contents
            except ValueError:
                raise self.fail(f"{identifier} is not yet assigned in the enclosing function", "Assign it first",
                                node) from None
            if _is_guarded(value):
                self.program.guard(cell, None, value, f"{self.qualname}: closure variable {identifier}")
            return value
        globals_ = self.func.__globals__
        if identifier in globals_:
            value = globals_[identifier]
            if _is_guarded(value):
                self.program.guard(globals_, identifier, value, f"{self.func.__module__}.{identifier}")
            return value
        if hasattr(builtins, identifier):
            return getattr(builtins, identifier)
        raise self.fail(f"the name {identifier} is not defined", "Define it", node, NameError)

    def attribute(self, obj: Any, attr: str, node: ast.AST) -> Any:
        try:
            value = getattr(obj, attr)
        except AttributeError:
            raise self.fail(f"{type(obj).__name__} object has no attribute {attr!r}", "Check the name",
                            node, AttributeError) from None
        if isinstance(obj, Base) and attr in vars(obj) and _is_guarded(value):
            self.program.guard(vars(obj), attr, value, f"{obj.name}.{attr}", on_base=True)
        return value


class _Portability:
    """Python control flow on array values, which JAX cannot trace (``portable`` compile option).

    A run-time ``if``/``while`` test, ``x if c else y`` test or non-last ``and``/``or`` operand is
    *dynamic* when it reads an array, a Variable, the result of a ``bm``/NumPy call or of a generated
    function, a parameter of the entry function, or a local assigned (anywhere in the function, to
    a fixed point) from such a value. Shapes (``.shape``, ``.ndim``, ``.size``, ``.dtype``, ``len``),
    identity tests (``x is None``) and everything folded while generating are static. Reported once
    per generated function.
    """

    def __init__(self, gen: FunctionGenerator):
        self.gen = gen
        self.dynamic: set[str] = set()  # locals known to hold traced values
        self.flows: list[tuple[set[str], bool, set[str]]] = []  # targets <- (direct, names read)
        self.branches: list[tuple[Origin, str, str, bool, set[str]]] = []

    def mode(self) -> str:
        return self.gen.program.options.get("portable", "warn")

    def depends(self, node: ast.AST) -> tuple[bool, set[str]]:
        """Whether the resolved ``node`` reads an array directly, and the locals it reads."""
        names: set[str] = set()
        arrays = {a.name for a in self.gen.program.arrays.values()}

        def visit(sub: ast.AST) -> bool:
            if isinstance(sub, ast.Compare) and all(isinstance(op, (ast.Is, ast.IsNot)) for op in sub.ops):
                return False  # `x is None`: an identity test, never a traced value's truth (fine on JAX)
            if isinstance(sub, Static):
                obj = sub.obj
                return isinstance(obj, np.ndarray) or type(obj) in (tuple, list) and \
                    any(isinstance(i, np.ndarray) for i in obj)
            if isinstance(sub, ast.Name):
                if sub.id in arrays:
                    return True
                if sub.id in self.gen.locals:
                    names.add(sub.id)
                return False
            if isinstance(sub, ast.Attribute) and sub.attr in _ARRAY_STATIC_ATTRS:
                return False
            if isinstance(sub, ast.Call):
                func = sub.func
                if isinstance(func, ast.Name) and func.id in ("len", "isinstance"):
                    return False
                pure = isinstance(func, ast.Name) and func.id in _BUILTINS or \
                    isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
                    (func.value.id == "math" or func.value.id == "np" and func.attr == "abs")
                found = [visit(a) for a in [*sub.args, *(k.value for k in sub.keywords)]]
                return any(found) or not pure
            return any([visit(child) for child in ast.iter_child_nodes(sub)])

        return visit(node), names

    def note(self, original: ast.expr, resolved: ast.expr) -> None:
        """Record what an assignment's value flows into, and the ``x if c else y``/``and``/``or``."""
        if self.mode() == "off":
            return
        stmt = self.gen.statement
        if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and original is stmt.value or \
                isinstance(stmt, ast.For) and original is stmt.iter:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            stored = {n for t in targets for n in _stored_names(t)}
            self.flows.append((stored, *self.depends(resolved)))
        for sub in ast.walk(resolved):
            if not getattr(sub, "bm_model_branch", False):
                continue
            if isinstance(sub, ast.IfExp):
                self.branch("x if c else y", sub.test, sub.test)
            elif isinstance(sub, ast.BoolOp):
                word = "and" if isinstance(sub.op, ast.And) else "or"
                for value in sub.values[:-1]:
                    self.branch(word, value, value)

    def branch(self, kind: str, original: ast.expr, resolved: ast.expr) -> None:
        if self.mode() != "off":
            self.branches.append((self.gen.origin(original), kind, self.gen.text(original),
                                  *self.depends(resolved)))

    def report(self) -> None:
        """Warn (or raise, ``portable='strict'``) once per generated function."""
        mode = self.mode()
        if mode == "off" or not self.branches:
            return
        dynamic = set(self.dynamic)
        changed = True
        while changed:
            changed = False
            for targets, direct, names in self.flows:
                if (direct or names & dynamic) and not targets <= dynamic:
                    dynamic |= targets
                    changed = True
        seen = set()
        for origin, kind, text, direct, names in self.branches:
            if not (direct or names & dynamic) or (origin.line, text) in seen:
                continue
            seen.add((origin.line, text))
            message = (f"bm.jit: {origin.file}:{origin.line} (in {origin.function}): Python `{kind}` on the "
                       f"array value `{text}` runs on the numba backend but fails on the jax backend "
                       f"(TracerBoolConversionError). Write it with bm.where, bm.ifelse, bm.cond or "
                       f"bm.while_loop, or pass portable='off' to bm.jit to silence this")
            if mode == "strict":
                raise PortabilityError(message)
            warnings.warn_explicit(message, PortabilityWarning, origin.file, origin.line)


def _stored_names(target: ast.expr) -> set[str]:
    """The locals an assignment target writes (``x``, ``a, b``, the ``x`` of ``x[i]``; not ``i``)."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, (ast.Tuple, ast.List)):
        return {n for e in target.elts for n in _stored_names(e)}
    if isinstance(target, ast.Subscript):
        return _stored_names(target.value)
    return set()


def _is_guarded(value: Any) -> bool:
    return isinstance(value, (np.ndarray, Base)) or is_constant_data(value)


def _is_number(value: Any) -> bool:
    return type(value) in (int, float, complex, bool)


class _Resolver(ast.NodeTransformer):
    """First pass over an expression: names and attribute chains resolved to live objects."""

    def __init__(self, gen: FunctionGenerator):
        self.gen = gen

    def generic_visit(self, node: ast.AST) -> ast.AST:
        what = _FORBIDDEN_NODES.get(type(node))
        if what is not None:
            raise self.gen.fail(f"{what} is not supported inside compiled code",
                                "Rewrite it with loops over arrays", node)
        return super().generic_visit(node)

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id in self.gen.locals and node.id not in self.gen.static_env:
            return node
        value = self.gen.lookup(node.id, node)
        if value is getattr(builtins, node.id, _MISSING) and node.id in _BUILTINS:
            if node.id == "abs":
                # Numba's builtin abs takes scalars only; np.abs takes arrays too (and bools).
                return ast.Attribute(ast.Name("np", ast.Load()), "abs", ast.Load())
            return node
        return Static(value, node.id)

    def visit_Attribute(self, node: ast.Attribute) -> ast.expr:
        text = self.gen.text(node)
        value = self.visit(node.value)
        if not isinstance(value, Static):
            node.value = value
            return node
        obj = value.obj
        if isinstance(obj, np.ndarray):
            if node.attr == "value":
                return value  # the Variable's data: the same array argument
            if node.attr in _ARRAY_STATIC_ATTRS:
                return Static(getattr(obj, node.attr), text)  # fixed while the array is (guards check)
            return ast.Attribute(self.gen.materialize(obj, node.value), node.attr, ast.Load())
        return Static(self.gen.attribute(obj, node.attr, node), text)

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        value = self.visit(node.value)
        index = self.visit(node.slice)
        if isinstance(value, Static) and not isinstance(value.obj, np.ndarray):
            if isinstance(index, (Static, ast.Constant)):
                key = index.obj if isinstance(index, Static) else index.value
                try:
                    item = value.obj[key]
                except (KeyError, IndexError, TypeError) as err:
                    raise self.gen.fail(f"cannot index {type(value.obj).__name__} with {key!r} ({err})",
                                        "Check the index", node, type(err)) from None
                # `self.params['tau'] = 5.0` or `self.items[0] = v` later must not leave the
                # compiled code on the old value.
                where = f"{value.text or type(value.obj).__name__}[{key!r}]"
                if isinstance(value.obj, dict) and type(key) in (str, int) and _is_guarded(item):
                    self.gen.program.guard(value.obj, key, item, where)  # one lookup per call
                else:
                    self.gen.program.guard_items(value.obj, where)
                return Static(item)
            raise self.gen.fail(f"indexing a Python {type(value.obj).__name__} with a value computed at run "
                                f"time", "Use a constant index, or store the items in an array", node,
                                UnsupportedObject)
        node.value, node.slice = value, index
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:
        operand = self.visit(node.operand)
        operand = as_constant(operand)
        if isinstance(operand, ast.Constant) and _is_number(operand.value):
            return ast.Constant(_fold(ast.UnaryOp(node.op, operand)))
        node.operand = operand
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        left, right = as_constant(self.visit(node.left)), as_constant(self.visit(node.right))
        if isinstance(left, ast.Constant) and isinstance(right, ast.Constant) and \
                _is_number(left.value) and _is_number(right.value):
            return ast.Constant(_fold(ast.BinOp(left, node.op, right)))
        node.left, node.right = left, right
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.expr:
        left = as_constant(self.visit(node.left))
        comparators = [as_constant(self.visit(c)) for c in node.comparators]
        if isinstance(left, ast.Constant) and all(isinstance(c, ast.Constant) for c in comparators):
            return ast.Constant(_fold(ast.Compare(left, node.ops, comparators)))
        if any(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops):
            # `x is None` on a value known now folds; otherwise Numba decides on the type.
            sides = [left, *comparators]
            if all(isinstance(s, (Static, ast.Constant)) for s in sides):
                objs = [s.obj if isinstance(s, Static) else s.value for s in sides]
                return ast.Constant(all(
                    (a is b) if isinstance(op, ast.Is) else (a is not b)
                    for a, op, b in zip(objs, node.ops, objs[1:])))
        node.left, node.comparators = left, comparators
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.expr:
        values = [as_constant(self.visit(v)) for v in node.values]
        if all(isinstance(v, ast.Constant) for v in values):
            return ast.Constant(_fold(ast.BoolOp(node.op, values)))
        node.values = values
        node.bm_model_branch = True  # a run-time and/or of the model (not one lowering made)
        return node

    def visit_IfExp(self, node: ast.IfExp) -> ast.expr:
        test = as_constant(self.visit(node.test))
        if isinstance(test, ast.Constant):
            return self.visit(node.body if test.value else node.orelse)
        node.test, node.body, node.orelse = test, self.visit(node.body), self.visit(node.orelse)
        node.bm_model_branch = True  # bm.cond/bm.ifelse become conditional expressions too: not these
        return node

    def visit_Call(self, node: ast.Call) -> ast.expr:
        return resolve_call(self.gen, self, node)


def _fold(node: ast.expr) -> Any:
    return eval(compile_tree(ast.fix_missing_locations(ast.Expression(node)), "<constant>", "eval"), {})


class _Materializer(ast.NodeTransformer):
    """Second pass: every remaining live object becomes an array argument or a constant."""

    def __init__(self, gen: FunctionGenerator):
        self.gen = gen

    def visit_Static(self, node: Static) -> ast.expr:
        return self.gen.materialize(node.obj, node)


class _LiteralTyper(ast.NodeTransformer):
    """Third pass: Python literals typed as the dtype policy and NumPy 2 type them."""

    def __init__(self, gen: FunctionGenerator):
        self.gen = gen

    def weak(self, node: ast.expr) -> bool:
        """A Python number: a literal, or a parameter that received a Python int/float."""
        return (isinstance(node, ast.Constant) and _is_number(node.value) or
                isinstance(node, ast.Name) and node.id in self.gen.weak_parameters)

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        left_lit, right_lit = self.weak(node.left), self.weak(node.right)
        op_name = type(node.op).__name__
        if op_name == "MatMult":
            return matmul_operator(self.gen, self.visit(node.left), self.visit(node.right), node)
        if op_name == "Div" and not left_lit and not right_lit:
            # Numba divides integer arrays in float64; the table says float32 up to 32-bit integers.
            name = inject_elementwise(self.gen.program, "_bm_true_divide", "true_divide", literals.true_divide,
                                      literals.true_divide_scalar)
            return ast.Call(ast.Name(name, ast.Load()), [self.visit(node.left), self.visit(node.right)], [])
        if left_lit != right_lit and op_name in _WEAK_OPS:
            other = self.visit(node.right if left_lit else node.left)
            literal = node.left if left_lit else node.right
            name = weak_function_name(op_name, left_lit)
            element = name.replace("_bm_weak_", "_bm_sweak_")
            self.gen.program.inject(element, literals.weak_scalar(name),
                                    f"brainpy_math_numba.literals.weak_scalar({name!r})", Kind.ELEMENTWISE, element=element)
            self.gen.program.inject(name, literals.weak_binary(name), f"brainpy_math_numba.literals.weak_binary({name!r})",
                                    Kind.ELEMENTWISE, element=element, weak=(op_name, left_lit))
            args = [literal, other] if left_lit else [other, literal]
            return ast.Call(ast.Name(name, ast.Load()), args, [])
        return self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> ast.expr:
        if type(node.value) is float:
            return typed_constant(_config.default_float(), node.value)
        if type(node.value) is complex:
            return typed_constant(_config.default_complex(), node.value)
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        node.value = self.visit(node.value)
        return node  # indices keep Python ints


_WEAK_OPS = {"Add", "Sub", "Mult", "Div", "FloorDiv", "Mod", "Pow", "BitAnd", "BitOr", "BitXor", "LShift",
             "RShift"}
