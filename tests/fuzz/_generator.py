"""Hypothesis strategies that draw a model class and render it as the source text of a module.

The Numba backend compiles a method from its source (``inspect.getsource``), so a drawn model must
live in a real file: :func:`model_specs` draws a :class:`ModelSpec`, :meth:`ModelSpec.source` renders
it as a module (helper functions, a ``Child`` class, a ``Model`` class) and :func:`load_module`
writes that text to a file named by its hash and imports it.

What a drawn ``Model.update`` contains: runs of elementwise statements over Variables of random
dtypes (bool, int8, int16, int32, uint8, float32; int64 and float64 when the spec enables x64) and
shapes ((), (1,), (n,), (n, m)) with Python int and float literals on either side of an operator;
comparisons, ``&``/``|``/``~``, ``bm.where``, unary minus, ``bm.abs``/``bm.exp``/``bm.tanh``/
``bm.sqrt``/``bm.maximum``/``bm.minimum``, ``/``; reductions (``bm.sum``, ``.mean()``) and
``bm.dot`` of elementwise arguments; ``.value =``, ``[...] =``, ``[0] =``, ``[1:] =`` and in-place
operators on Variables; local aliases (``a = self.v``) and views (``a = self.v[1:]``) written
through; calls of module-level helper functions; child objects held in a list and updated in a
loop, with or without accumulating what they return; and a return value.

Every drawn program is valid on the policy's promotion table by construction: the generator
tracks each expression's dtype (with the frontend's table, :mod:`brainpy_math._promotion`), shape
and value interval, and draws only operations whose integer results fit their dtype (no
wrapping), whose divisors are non-zero literals or ``|x| + 1``, whose ``exp``/``sqrt`` arguments
are in range, and whose writes cast with NumPy's ``same_kind`` rule. Variables that may have grown
are clamped at the end of ``update`` so the second call starts from the same ranges.

Example:
    >>> from hypothesis import given
    >>> @given(model_specs())
    ... def test(spec):
    ...     module = load_module(spec.source())
    ...     module.Model().update()
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Iterator

import hypothesis.strategies as st
import numpy as np

import brainpy_math as bm
from brainpy_math import _promotion

__all__ = ["ModelSpec", "VariableSpec", "model_specs", "load_module", "policy"]

BOOL = np.dtype(np.bool_)
FLOAT_LIMIT = 1.0e4  # |float| above this is not drawn: float32 results stay comparable at rtol 1e-5
# The range each Variable starts in and is clamped back into at the end of ``update``.
RANGES = {"bool": (0, 1), "int8": (-10, 10), "uint8": (0, 10), "int16": (-100, 100), "int32": (-1000, 1000),
          "int64": (-1000, 1000), "float32": (-10.0, 10.0), "float64": (-10.0, 10.0)}
DTYPES_32 = ("bool", "int8", "int16", "int32", "uint8", "float32")
DTYPES_64 = DTYPES_32 + ("int64", "float64")
INT_LITERALS = (0, 1, 2, 3, 5)
FLOAT_LITERALS = (0.5, 1.5, 2.0, 0.25, -0.75, 0.1)
# Known bugs, each with an xfail(strict) regression test in tests/fuzz/test_fuzz_regressions.py:
# model_specs() does not draw them unless asked to (``known_bugs=True``), so that the fuzzer keeps
# looking for new ones. Remove a name here when its regression test passes.
KNOWN_BUGS = frozenset({
    # bm.maximum/minimum/where of a compound expression and a Python scalar under Numba's jit: the
    # scalar is typed as a strong int64/float64 (int8 -> int32, float32 -> float64 under x64).
    "strong_literal_beside_expression",
    # bm.maximum/minimum of a bool array and a Python int under Numba's jit: the int is cast to
    # bool (bool result, the table says int32).
    "python_int_cast_to_bool",
    # bm.dot under Numba's jit takes only floats of one dtype (Numba's np.dot): integer or bool
    # arrays, float32 with float64 (x64), and float64 intermediates (a bool times a Python float
    # is float64 inside compiled code) do not compile.
    "dot_dtypes",
    # bm.exp/tanh/sqrt... of int8, uint8 or bool arrays, eagerly on Numba, compute in float16
    # (NumPy's loop) before the result is cast to float32.
    "float16_loop_for_small_ints",
    # ``(zero_d_array * 0.5).mean()`` under Numba's jit: arithmetic on 0-d arrays gives a Numba
    # scalar, which has no ``.mean()`` (TypeError).
    "method_of_a_zero_d_expression",
    # Under x64, Numba (eager and jit) computes ``.mean()``, ``bm.sqrt``... of 8- to 32-bit
    # integers in float64 (NumPy's types); the table and JAX say float32.
    "float64_for_small_ints_under_x64",
})


@contextlib.contextmanager
def policy(x64: bool) -> Iterator[None]:
    """The dtype policy with x64 on or off, restored afterwards."""
    before = bm.x64_enabled()
    if before != x64:
        bm.enable_x64(x64)
    try:
        yield
    finally:
        if bm.x64_enabled() != before:
            bm.enable_x64(before)


@dataclass(frozen=True)
class VariableSpec:
    """One Variable of ``Model``: its attribute name, dtype name, shape and initial values."""

    name: str
    dtype: str
    shape: tuple
    values: tuple  # flat, C order

    def initial(self) -> str:
        data = np.asarray(self.values, dtype=np.dtype(self.dtype)).reshape(self.shape).tolist()
        return f"bm.Variable(bm.asarray({data!r}, dtype=bm.{self.dtype}))"


@dataclass(frozen=True)
class ModelSpec:
    """A drawn model: the policy, Variables, children, helpers and the body of ``Model.update``.

    ``writes_through_views`` marks a body that writes through a slice of a Variable: a NumPy view on
    Numba, a copy on JAX (it has no views), so values are compared within a backend only.
    """

    x64: bool
    shape: tuple
    variables: tuple
    child_values: tuple  # per child: flat initial values of its Variable (shape ``shape``)
    child_scales: tuple
    helpers: tuple  # the sources of the helper functions used
    body: tuple  # the lines of ``Model.update``, indented by 8 spaces
    writes_through_views: bool = False

    def source(self) -> str:
        """The module's Python source: helpers, ``Child``, ``Model``."""
        lines = ['"""A model drawn by tests/fuzz/_generator.py."""', "import brainpy_math as bm", "", ""]
        for helper in self.helpers:
            lines += [helper, "", ""]
        float_name = "float64" if self.x64 else "float32"
        lines += ["class Child(bm.Base):",
                  "    def __init__(self, values, scale):",
                  "        super().__init__()",
                  "        self.scale = scale",
                  f"        self.c = bm.Variable(bm.asarray(values, dtype=bm.{float_name}))",
                  "",
                  "    def update(self, x):",
                  "        self.c.value = bm.minimum(bm.maximum(self.c * 0.5 + x * self.scale, -10.0), 10.0)",
                  "        return bm.sum(self.c)",
                  "", "",
                  "class Model(bm.Base):",
                  "    def __init__(self):",
                  "        super().__init__()"]
        for var in self.variables:
            lines.append(f"        self.{var.name} = {var.initial()}")
        children = ", ".join(
            f"Child({np.asarray(v, dtype=np.float64).reshape(self.shape).tolist()!r}, {s!r})"
            for v, s in zip(self.child_values, self.child_scales))
        lines += [f"        self.children = [{children}]", "", "    def update(self):"]
        lines += list(self.body) or ["        pass"]
        return "\n".join(lines) + "\n"


_MODULE_DIR = Path(tempfile.gettempdir()) / "brainpy_math_fuzz_models"


def load_module(source: str) -> ModuleType:
    """Write ``source`` to a file named by its hash (once) and import it as a module.

    The file stays in a fixed temporary folder so that the Numba backend's on-disk cache of the
    code generated from it is reused by the next run.
    """
    name = "_bm_fuzz_" + hashlib.sha1(source.encode()).hexdigest()[:16]
    if name in sys.modules:
        return sys.modules[name]
    _MODULE_DIR.mkdir(parents=True, exist_ok=True)
    path = _MODULE_DIR / f"{name}.py"
    if not path.exists() or path.read_text() != source:
        # Written to a private name first: pytest-xdist workers may write the same module at once.
        fd, temporary = tempfile.mkstemp(dir=_MODULE_DIR, suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            handle.write(source)
        os.replace(temporary, path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # inspect.getsource finds a class's file through sys.modules
    spec.loader.exec_module(module)
    return module


@dataclass
class _Expr:
    """An expression's text (parenthesised), dtype, shape and value interval."""

    text: str
    dtype: np.dtype
    shape: tuple
    lo: float
    hi: float
    alias: str | None = None  # the Variable this expression is (not a copy of), if any
    # Float computed from bools somewhere inside: compiled code may hold it as float64 where eager
    # code has float32 (see "dot_dtypes" in KNOWN_BUGS). Over-approximated.
    wide: bool = False

    @property
    def numeric(self) -> bool:
        return self.dtype != BOOL


def _fits(dtype: np.dtype, lo: float, hi: float) -> bool:
    if dtype == BOOL:
        return True
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return info.min <= lo and hi <= info.max
    return -FLOAT_LIMIT <= lo and hi <= FLOAT_LIMIT


def _interval(values: list[float]) -> tuple[float, float]:
    return min(values), max(values)


def _broadcast(*shapes: tuple) -> tuple:
    return max(shapes, key=len)


# Helper functions: (source, result dtype of an argument dtype, interval of an argument interval).
_HELPERS = {
    "double_plus_one": ("def double_plus_one(x):\n    return x * 2 + 1",
                        lambda d: _promotion.result_type(d, 2), lambda lo, hi: (2 * lo + 1, 2 * hi + 1)),
    "rectify": ("def rectify(x):\n    y = bm.maximum(x, 0)\n    return y * 0.5",
                lambda d: _promotion.result_type(d, 0.5), lambda lo, hi: (max(lo, 0) * 0.5, max(hi, 0) * 0.5)),
    "floor_at_one": ("def floor_at_one(x):\n    return bm.where(x > 1, x, 1)",
                     lambda d: _promotion.result_type(d, 1), lambda lo, hi: (min(lo, 1), max(hi, 1))),
}

# A helper returning a tuple (BrainPy's derivatives: ``dV, du = self.derivative(V, u)``); name: (source,
# dtype of each result from the argument's, interval of each result from the argument's).
_TUPLE_HELPERS = {
    "half_and_next": ("def half_and_next(x):\n    y = x * 0.5\n    return y, x + 1",
                      (lambda d: _promotion.result_type(d, 0.5), lambda d: _promotion.result_type(d, 1)),
                      (lambda lo, hi: (lo * 0.5, hi * 0.5), lambda lo, hi: (lo + 1, hi + 1))),
}


class _Builder:
    """Draws the body of ``Model.update`` statement by statement, tracking what each name holds."""

    def __init__(self, draw, shape: tuple, variables: list[VariableSpec], n_children: int, x64: bool,
                 avoid: frozenset = KNOWN_BUGS):
        self.draw = draw
        self.avoid = avoid
        self.shape = shape
        self.x64 = x64
        self.vars = {v.name: v for v in variables}
        # Current interval of each Variable (grows with writes; clamped back at the end).
        self.bounds = {v.name: RANGES[v.dtype] for v in variables}
        self.locals: dict[str, _Expr] = {}
        self.aliases: dict[str, str] = {}  # local name -> the Variable it names
        self.n_children = n_children
        self.lines: list[str] = []
        self.helpers: list[str] = []
        self.views = False
        self.counter = 0
        self.touched_bool = False  # a bool leaf or result met while drawing the current expression

    # -- expressions -------------------------------------------------------------------------

    def _fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def leaf(self) -> _Expr:
        options = ([("v", n) for n in self.vars] + [("l", n) for n in self.locals]
                   + [("a", n) for n in self.aliases])
        kind, name = self.draw(st.sampled_from(options))
        if kind == "l":
            e = self.locals[name]
            self.touched_bool |= e.wide or e.dtype == BOOL
            return _Expr(name, e.dtype, e.shape, e.lo, e.hi, wide=e.wide)
        # An alias is the Variable itself: it holds what the Variable holds now.
        var = self.vars[self.aliases[name] if kind == "a" else name]
        lo, hi = self.bounds[var.name]
        text = name if kind == "a" else f"self.{name}"
        self.touched_bool |= var.dtype == "bool"
        return _Expr(text, np.dtype(var.dtype), var.shape, lo, hi, alias=var.name)

    def literal(self, want_float: bool | None = None) -> int | float:
        is_float = self.draw(st.booleans()) if want_float is None else want_float
        return self.draw(st.sampled_from(FLOAT_LITERALS if is_float else INT_LITERALS))

    def expr(self, depth: int) -> _Expr:
        outer, self.touched_bool = self.touched_bool, False
        made = self._expr(depth)
        made.wide = made.wide or (made.dtype.kind == "f" and self.touched_bool)
        self.touched_bool = outer or self.touched_bool or made.dtype == BOOL
        return made

    def _expr(self, depth: int) -> _Expr:
        if depth <= 0:
            return self.leaf()
        # A few tries: a drawn operation is refused where it would overflow, raise or meet a known bug.
        for _ in range(3):
            kind = self.draw(st.sampled_from(
                ["literal_op", "literal_op", "binary", "compare", "logical", "where", "unary", "ufunc", "divide",
                 "reduce", "dot", "helper"]))
            made = getattr(self, f"_{kind}")(depth - 1)
            if made is not None:
                return made
        return self.leaf()

    @staticmethod
    def _arith(op: str, a: tuple, b: tuple) -> tuple[float, float]:
        """The interval of ``a op b`` for intervals ``a`` and ``b``."""
        (alo, ahi), (blo, bhi) = a, b
        if op == "+":
            return alo + blo, ahi + bhi
        if op == "-":
            return alo - bhi, ahi - blo
        return _interval([alo * blo, alo * bhi, ahi * blo, ahi * bhi])

    def _combine(self, op: str, left: _Expr | int | float, right: _Expr | int | float) -> _Expr | None:
        """``left op right`` for + - *, or None where it would wrap, overflow or raise."""
        exprs = [x for x in (left, right) if isinstance(x, _Expr)]
        operands = [x.dtype if isinstance(x, _Expr) else x for x in (left, right)]
        dtype = _promotion.result_type(*operands)
        if op == "-" and all(isinstance(x, _Expr) and x.dtype == BOOL for x in (left, right)):
            return None  # ``-`` of bools is a TypeError on both backends
        if op == "-" and dtype == BOOL:
            return None
        if dtype == BOOL and "bool_arithmetic_stored" in self.avoid:
            return None
        span = [(x.lo, x.hi) if isinstance(x, _Expr) else (x, x) for x in (left, right)]
        if dtype == BOOL:
            lo, hi = 0, 1
        else:
            lo, hi = self._arith(op, span[0], span[1])
        if not _fits(dtype, lo, hi):
            return None
        text = f"({_text(left)} {op} {_text(right)})"
        return _Expr(text, dtype, _broadcast(*(e.shape for e in exprs)), lo, hi)

    def _literal_op(self, depth: int) -> _Expr | None:
        e = self.expr(depth)
        op = self.draw(st.sampled_from(["+", "-", "*"]))
        value = self.literal()
        return self._combine(op, value, e) if self.draw(st.booleans()) else self._combine(op, e, value)

    def _binary(self, depth: int) -> _Expr | None:
        a, b = self.expr(depth), self.expr(depth)
        return self._combine(self.draw(st.sampled_from(["+", "-", "*"])), a, b)

    def _compare(self, depth: int) -> _Expr | None:
        a = self.expr(depth)
        op = self.draw(st.sampled_from(["<", ">", "<=", ">=", "==", "!="]))
        if self.draw(st.booleans()):
            b = self.expr(depth)
            return _Expr(f"({a.text} {op} {b.text})", BOOL, _broadcast(a.shape, b.shape), 0, 1)
        value = self.draw(st.sampled_from(INT_LITERALS + (0.5, 1.5, -0.5)))
        return _Expr(f"({a.text} {op} {value!r})", BOOL, a.shape, 0, 1)

    def _boolean(self, depth: int) -> _Expr:
        e = self.expr(depth)
        if e.dtype == BOOL:
            return e
        value = self.draw(st.sampled_from(INT_LITERALS))
        return _Expr(f"({e.text} > {value})", BOOL, e.shape, 0, 1)

    def _logical(self, depth: int) -> _Expr:
        a = self._boolean(depth)
        op = self.draw(st.sampled_from(["&", "|", "~"]))
        if op == "~":
            return _Expr(f"(~{a.text})", BOOL, a.shape, 0, 1)
        b = self._boolean(depth)
        return _Expr(f"({a.text} {op} {b.text})", BOOL, _broadcast(a.shape, b.shape), 0, 1)

    def _where(self, depth: int) -> _Expr | None:
        cond = self._boolean(depth)
        a = self.expr(depth)
        if self.draw(st.booleans()):
            b = self.expr(depth)
            dtype = _promotion.result_type(a.dtype, b.dtype)
            lo, hi = min(a.lo, b.lo), max(a.hi, b.hi)
            text = f"bm.where({cond.text}, {a.text}, {b.text})"
            shape = _broadcast(cond.shape, a.shape, b.shape)
        else:
            value = self.literal(want_float=a.dtype.kind == "f" or None)
            if self._strong_literal_bug(a, value):
                return None
            if a.dtype == np.float64 and isinstance(value, int) and "where_of_float64_and_python_int" in self.avoid:
                return None
            dtype = _promotion.result_type(a.dtype, value)
            lo, hi = min(a.lo, value), max(a.hi, value)
            text = f"bm.where({cond.text}, {a.text}, {value!r})"
            shape = _broadcast(cond.shape, a.shape)
        if dtype == BOOL:
            lo, hi = 0, 1
        if dtype.kind in "iu" and any(not float(x).is_integer() for x in (lo, hi)):
            return None
        return _Expr(text, dtype, shape, lo, hi) if _fits(dtype, lo, hi) else None

    def _strong_literal_bug(self, e: _Expr, value: int | float) -> bool:
        """Whether ``f(e, value)`` would meet the known bug ``strong_literal_beside_expression``."""
        if "strong_literal_beside_expression" not in self.avoid or _is_name(e.text):
            return False
        strong = np.dtype(np.float64 if isinstance(value, float) else np.int64)
        return _promotion.result_type(e.dtype, strong) != _promotion.result_type(e.dtype, value)

    def _inexact_bug(self, e: _Expr) -> bool:
        """Whether a float-valued function of ``e`` would meet a known bug of Numba's dtypes."""
        if e.dtype.kind not in "biu" or e.dtype.itemsize == 8:
            return False
        if e.dtype.itemsize == 1 and "float16_loop_for_small_ints" in self.avoid:
            return True
        return self.x64 and "float64_for_small_ints_under_x64" in self.avoid

    def _unary(self, depth: int) -> _Expr | None:
        e = self.expr(depth)
        if not e.numeric:
            return None
        if self.draw(st.booleans()):
            lo, hi = -e.hi, -e.lo
            return _Expr(f"(-{e.text})", e.dtype, e.shape, lo, hi) if _fits(e.dtype, lo, hi) else None
        lo = 0 if e.lo <= 0 <= e.hi else min(abs(e.lo), abs(e.hi))
        hi = max(abs(e.lo), abs(e.hi))
        return _Expr(f"bm.abs({e.text})", e.dtype, e.shape, lo, hi) if _fits(e.dtype, 0, hi) else None

    def _ufunc(self, depth: int) -> _Expr | None:
        e = self.expr(depth)
        name = self.draw(st.sampled_from(["exp", "tanh", "sqrt_abs", "maximum", "minimum"]))
        inexact = _promotion.inexact_type(e.dtype)
        if name in ("exp", "tanh", "sqrt_abs") and self._inexact_bug(e):
            return None
        if name == "exp":
            if e.hi > 5 or e.lo < -30:
                return None
            return _Expr(f"bm.exp({e.text})", inexact, e.shape, float(np.exp(e.lo)), float(np.exp(e.hi)))
        if name == "tanh":
            return _Expr(f"bm.tanh({e.text})", inexact, e.shape, -1.0, 1.0)
        if name == "sqrt_abs":
            if not _fits(e.dtype, 0, max(abs(e.lo), abs(e.hi))):
                return None
            return _Expr(f"bm.sqrt(bm.abs({e.text}))", inexact, e.shape, 0.0,
                         float(np.sqrt(max(abs(e.lo), abs(e.hi)))))
        if self.draw(st.booleans()):
            other: _Expr | int | float = self.expr(depth)
        else:
            other = self.literal(want_float=e.dtype.kind == "f" or None)
            if self._strong_literal_bug(e, other):
                return None
            if "python_int_cast_to_bool" in self.avoid and e.dtype == BOOL and isinstance(other, int):
                return None
        dtype = _promotion.result_type(e.dtype, other.dtype if isinstance(other, _Expr) else other)
        olo, ohi = (other.lo, other.hi) if isinstance(other, _Expr) else (other, other)
        pick = max if name == "maximum" else min
        lo, hi = pick(e.lo, olo), pick(e.hi, ohi)
        if dtype == BOOL:
            lo, hi = 0, 1
        if dtype.kind in "iu" and any(not float(x).is_integer() for x in (lo, hi)):
            return None
        shape = _broadcast(e.shape, other.shape) if isinstance(other, _Expr) else e.shape
        return _Expr(f"bm.{name}({e.text}, {_text(other)})", dtype, shape, lo, hi) if _fits(dtype, lo, hi) else None

    def _divide(self, depth: int) -> _Expr | None:
        e = self.expr(depth)
        inexact = _promotion.inexact_type(e.dtype)
        if self.draw(st.booleans()):
            value = self.draw(st.sampled_from([2, 4, 0.5, 2.5]))
            lo, hi = sorted([e.lo / value, e.hi / value])
            return _Expr(f"({e.text} / {value!r})", _promotion.result_type(inexact, value), e.shape, lo, hi)
        # A divisor that cannot be zero: |e| + 1 (its dtype must hold |e| + 1).
        bound = max(abs(e.lo), abs(e.hi)) + 1
        if not _fits(e.dtype if e.numeric else np.dtype(bm.int_), 0, bound):
            return None
        value = self.literal(want_float=self.draw(st.booleans()))
        divisor_dtype = _promotion.result_type(e.dtype, 1)
        dtype = _promotion.result_type(_promotion.inexact_type(divisor_dtype), value)
        magnitude = abs(value)
        return _Expr(f"({value!r} / (bm.abs({e.text}) + 1))", dtype, e.shape, -magnitude, magnitude)

    def _reduce(self, depth: int) -> _Expr | None:
        e = self.expr(depth)
        size = int(np.prod(e.shape)) if e.shape else 1
        if self.draw(st.booleans()):
            if e.dtype == BOOL or e.dtype.kind == "i":
                dtype = np.dtype(bm.int_)
            elif e.dtype.kind == "u":
                dtype = np.dtype(np.uint64 if self.x64 else np.uint32)
            else:
                dtype = e.dtype
            lo, hi = sorted([size * e.lo, size * e.hi])
            text = f"bm.sum({e.text})"
        else:
            if "method_of_a_zero_d_expression" in self.avoid and e.shape == () and not _is_name(e.text):
                return None
            if self._inexact_bug(e):
                return None
            dtype = _promotion.inexact_type(e.dtype)
            lo, hi = float(e.lo), float(e.hi)
            text = f"{e.text}.mean()"
        return _Expr(text, dtype, (), lo, hi) if _fits(dtype, lo, hi) else None

    def _dot(self, depth: int) -> _Expr | None:
        if len(self.shape) != 1:
            return None
        a, b = self.expr(depth), self.expr(depth)
        if a.shape != self.shape or b.shape != self.shape or not (a.numeric and b.numeric):
            return None
        if "dot_dtypes" in self.avoid:
            # Float operands of one dtype: integers times 0.5 (float32 in compiled code too).
            a, b = (self._combine("*", x, 0.5) if x.dtype.kind in "iu" else x for x in (a, b))
            if a is None or b is None or a.wide or b.wide or a.dtype != b.dtype:
                return None
        dtype = _promotion.result_type(a.dtype, b.dtype)
        lo, hi = self._arith("*", (a.lo, a.hi), (b.lo, b.hi))
        lo, hi = sorted([self.shape[0] * lo, self.shape[0] * hi])
        return _Expr(f"bm.dot({a.text}, {b.text})", dtype, (), lo, hi) if _fits(dtype, lo, hi) else None

    def _helper(self, depth: int) -> _Expr | None:
        name = self.draw(st.sampled_from(sorted(_HELPERS)))
        source, dtype_of, bounds_of = _HELPERS[name]
        e = self.expr(depth)
        if name == "rectify" and e.dtype == BOOL and "python_int_cast_to_bool" in self.avoid:
            return None  # rectify is bm.maximum(x, 0)
        if name == "floor_at_one" and e.dtype == np.float64 and "where_of_float64_and_python_int" in self.avoid:
            return None  # floor_at_one is bm.where(x > 1, x, 1)
        dtype = dtype_of(e.dtype)
        lo, hi = bounds_of(e.lo, e.hi) if e.numeric else bounds_of(0, 1)
        if dtype == BOOL:
            lo, hi = 0, 1
        if not _fits(dtype, lo, hi):
            return None
        if source not in self.helpers:
            self.helpers.append(source)
        return _Expr(f"{name}({e.text})", dtype, e.shape, lo, hi)

    # -- statements --------------------------------------------------------------------------

    def emit(self, line: str, indent: int = 8) -> None:
        self.lines.append(" " * indent + line)

    def statement(self, depth: int) -> None:
        for _ in range(3):  # a statement that would be invalid emits nothing: draw another
            before = len(self.lines)
            kind = self.draw(st.sampled_from(
                ["local", "local", "assign_value", "assign_value", "setitem", "inplace", "index", "alias",
                 "view", "children", "tuple_local"]))
            getattr(self, f"_s_{kind}")(depth)
            if len(self.lines) > before:
                return

    def _grow(self, name: str, lo: float, hi: float) -> None:
        old = self.bounds[name]
        self.bounds[name] = (min(old[0], lo), max(old[1], hi))

    def _castable(self, e: _Expr, var: VariableSpec) -> bool:
        target = np.dtype(var.dtype)
        return np.can_cast(e.dtype, target, "same_kind") and _fits(target, e.lo, e.hi) and (
            target.kind not in "iub" or (float(e.lo).is_integer() and float(e.hi).is_integer()))

    def _s_local(self, depth: int) -> None:
        e = self.expr(depth)
        name = self._fresh("t")
        self.emit(f"{name} = {_strip(e.text)}")
        if e.alias is not None:
            self.aliases[name] = e.alias
        else:
            self.locals[name] = _Expr(name, e.dtype, e.shape, e.lo, e.hi, wide=e.wide)

    def _s_tuple_local(self, depth: int) -> None:
        name = self.draw(st.sampled_from(sorted(_TUPLE_HELPERS)))
        source, dtypes_of, bounds_of = _TUPLE_HELPERS[name]
        e = self.expr(depth)
        results = []
        for dtype_of, bound_of in zip(dtypes_of, bounds_of):
            dtype = dtype_of(e.dtype)
            lo, hi = bound_of(e.lo, e.hi) if e.numeric else bound_of(0, 1)
            if dtype == BOOL:
                lo, hi = 0, 1
            if not _fits(dtype, lo, hi):
                return
            results.append((self._fresh("t"), dtype, lo, hi))
        if source not in self.helpers:
            self.helpers.append(source)
        self.emit(f"{', '.join(r[0] for r in results)} = {name}({_strip(e.text)})")
        for local, dtype, lo, hi in results:
            self.locals[local] = _Expr(local, dtype, e.shape, lo, hi, wide=e.wide or dtype.kind == "f" and e.dtype == BOOL)

    def _target(self) -> VariableSpec:
        return self.vars[self.draw(st.sampled_from(sorted(self.vars)))]

    def _s_assign_value(self, depth: int) -> None:
        var, e = self._target(), self.expr(depth)
        if e.dtype == np.dtype(var.dtype) and e.shape == var.shape:
            self.emit(f"self.{var.name}.value = {_strip(e.text)}")
            self.bounds[var.name] = (e.lo, e.hi)
        elif self._castable(e, var) and len(e.shape) <= len(var.shape):
            self.emit(f"self.{var.name}[...] = {_strip(e.text)}")
            self.bounds[var.name] = (e.lo, e.hi)

    def _s_setitem(self, depth: int) -> None:
        var, e = self._target(), self.expr(depth)
        if self._castable(e, var) and len(e.shape) <= len(var.shape):
            self.emit(f"self.{var.name}[...] = {_strip(e.text)}")
            self.bounds[var.name] = (e.lo, e.hi)

    def _inplace_ok(self, op: str, current: tuple, e: _Expr, var: VariableSpec) -> tuple | None:
        target = np.dtype(var.dtype)
        if len(e.shape) > len(var.shape):
            return None
        if target == BOOL:
            return (0, 1) if op in ("|", "&") and e.dtype == BOOL else None
        if op in ("|", "&"):
            return None
        dtype = _promotion.result_type(target, e.dtype)
        if not np.can_cast(dtype, target, "same_kind"):
            return None
        lo, hi = self._arith(op, current, (e.lo, e.hi) if e.numeric else (0, 1))
        return (lo, hi) if _fits(dtype, lo, hi) and _fits(target, lo, hi) else None

    def _s_inplace(self, depth: int) -> None:
        var, e = self._target(), self.expr(depth)
        op = self.draw(st.sampled_from(["+", "-", "*", "|", "&"]))
        grown = self._inplace_ok(op, self.bounds[var.name], e, var)
        if grown is not None:
            self.emit(f"self.{var.name} {op}= {_strip(e.text)}")
            self._grow(var.name, *grown)

    def _s_index(self, depth: int) -> None:
        var = self._target()
        if not var.shape:
            return
        e = self.expr(depth)
        if e.shape not in ((), var.shape) or not self._castable(e, var):
            return
        where = self.draw(st.sampled_from(["0", "-1", "1:"]))
        # An expression of the Variable's shape is indexed the same way (a slice of a temporary).
        value = _strip(e.text) if e.shape == () else f"{e.text}[{where}]"
        self.emit(f"self.{var.name}[{where}] = {value}")
        self._grow(var.name, e.lo, e.hi)

    def _s_alias(self, depth: int) -> None:
        var = self._target()
        name = self._fresh("a")
        self.emit(f"{name} = self.{var.name}")
        e = self.expr(depth)
        if self.draw(st.booleans()):
            if self._castable(e, var) and len(e.shape) <= len(var.shape):
                self.emit(f"{name}[...] = {_strip(e.text)}")
                self.bounds[var.name] = (e.lo, e.hi)
        else:
            op = self.draw(st.sampled_from(["+", "*"]))
            grown = self._inplace_ok(op, self.bounds[var.name], e, var)
            if grown is not None:
                self.emit(f"{name} {op}= {_strip(e.text)}")
                self._grow(var.name, *grown)
        self.aliases[name] = var.name

    def _s_view(self, depth: int) -> None:
        var = self._target()
        if not var.shape:
            return
        e = self.expr(depth)
        if e.shape not in ((), var.shape):
            return
        if self.draw(st.booleans()):
            if not self._castable(e, var):
                return
            op, grown = "", (e.lo, e.hi)
        else:
            op = self.draw(st.sampled_from(["+", "*"]))
            grown = self._inplace_ok(op, self.bounds[var.name], e, var)
            if grown is None:
                return
        name = self._fresh("w")
        self.emit(f"{name} = self.{var.name}[1:]")
        value = _strip(e.text) if e.shape == () else f"{e.text}[1:]"
        self.emit(f"{name}[...] = {value}" if not op else f"{name} {op}= {value}")
        self._grow(var.name, *grown)
        self.views = True

    def _s_children(self, depth: int) -> None:
        if not self.n_children:
            return
        e = self.expr(depth)
        if len(e.shape) > len(self.shape):
            return
        if self.draw(st.booleans()):
            self.emit("for c in self.children:")
            self.emit(f"c.update({_strip(e.text)})", 12)
            return
        name = self._fresh("acc")
        self.emit(f"{name} = 0.0")
        self.emit("for c in self.children:")
        self.emit(f"{name} = {name} + c.update({_strip(e.text)})", 12)
        size = int(np.prod(self.shape)) if self.shape else 1
        bound = 10.0 * size * self.n_children
        self.locals[name] = _Expr(name, np.dtype(bm.float_), (), -bound, bound)

    def finish(self, depth: int) -> None:
        """Clamp every Variable back into its range, then maybe return an expression."""
        for name, var in self.vars.items():
            lo, hi = RANGES[var.dtype]
            now_lo, now_hi = self.bounds[name]
            if var.dtype == "bool" or (lo <= now_lo and now_hi <= hi):
                continue
            literal = (float(lo), float(hi)) if var.dtype.startswith("float") else (lo, hi)
            # Two statements: a literal beside a nested call is the known bug NESTED_LITERAL.
            if now_lo < lo:
                self.emit(f"self.{name}.value = bm.maximum(self.{name}, {literal[0]!r})")
            if now_hi > hi:
                self.emit(f"self.{name}.value = bm.minimum(self.{name}, {literal[1]!r})")
            self.bounds[name] = (lo, hi)
        if self.draw(st.booleans()):
            self.emit(f"return {_strip(self.expr(depth).text)}")


def _is_name(text: str) -> bool:
    """Whether ``text`` is a local name or a ``self.<name>`` attribute (not a compound expression)."""
    return text.removeprefix("self.").isidentifier()


def _text(x: _Expr | int | float) -> str:
    return x.text if isinstance(x, _Expr) else repr(x)


def _strip(text: str) -> str:
    """``text`` without one pair of enclosing parentheses, where they enclose the whole of it."""
    if not (text.startswith("(") and text.endswith(")")):
        return text
    depth = 0
    for i, char in enumerate(text):
        depth += char == "("
        depth -= char == ")"
        if depth == 0 and i < len(text) - 1:
            return text
    return text[1:-1]


@st.composite
def model_specs(draw, allow_x64: bool = True, max_statements: int = 7, known_bugs: bool = False) -> ModelSpec:
    """Draw a :class:`ModelSpec` (see the module docstring for what a model contains).

    ``known_bugs`` draws the constructs of :data:`KNOWN_BUGS` too.
    """
    x64 = draw(st.booleans()) if allow_x64 else False
    n, m = draw(st.integers(2, 4)), draw(st.integers(2, 3))
    shape = draw(st.sampled_from([(), (1,), (n,), (n, m)]))
    dtypes = DTYPES_64 if x64 else DTYPES_32
    variables = []
    for i in range(draw(st.integers(1, 3))):
        dtype = draw(st.sampled_from(dtypes))
        var_shape = draw(st.sampled_from([shape, ()])) if i else shape
        size = int(np.prod(var_shape)) if var_shape else 1
        lo, hi = RANGES[dtype]
        if dtype.startswith("float"):
            element = st.integers(int(lo * 4), int(hi * 4)).map(lambda k: k / 4)
        else:
            element = st.integers(int(lo), int(hi))
        values = draw(st.lists(element, min_size=size, max_size=size))
        variables.append(VariableSpec(f"v{i}", dtype, var_shape, tuple(values)))
    n_children = draw(st.integers(0, 2))
    size = int(np.prod(shape)) if shape else 1
    child_values = tuple(tuple(draw(st.lists(st.integers(-40, 40).map(lambda k: k / 4), min_size=size,
                                             max_size=size))) for _ in range(n_children))
    child_scales = tuple(draw(st.sampled_from([0.25, 0.5, 1.0])) for _ in range(n_children))
    with policy(x64):
        builder = _Builder(draw, shape, variables, n_children, x64, frozenset() if known_bugs else KNOWN_BUGS)
        for _ in range(draw(st.integers(2, max_statements))):
            builder.statement(draw(st.integers(1, 3)))
        builder.finish(draw(st.integers(1, 3)))
    return ModelSpec(x64=x64, shape=shape, variables=tuple(variables), child_values=child_values,
                     child_scales=child_scales, helpers=tuple(builder.helpers), body=tuple(builder.lines),
                     writes_through_views=builder.views)
