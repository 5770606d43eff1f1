"""Code generation: model methods and functions rewritten into plain functions Numba compiles.

``numba.njit`` compiles functions over arrays and scalars, not methods of Python objects. The
generator reads a method's source, parses it with :mod:`ast` and rewrites it:

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
"""
from __future__ import annotations

import ast
import builtins
import copy
import inspect
import math
import re
import textwrap
import types as pytypes
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import brainpy_math
from brainpy_math import _config, _promotion
from brainpy_math.base import Base
from brainpy_math.variables import Variable

from .literals import weak_function_name

__all__ = ["Program", "GenerationError", "unsupported", "describe_location"]

# Builtins that Numba compiles and the generated code may call by name.
_BUILTINS = {"range", "len", "abs", "min", "max", "float", "int", "bool", "round", "print", "enumerate",
             "zip", "sum", "pow", "complex", "isinstance", "tuple"}
_NUMPY_TYPES = {np.dtype(t).type for t in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                                            "uint32", "uint64", "float16", "float32", "float64",
                                            "complex64", "complex128")}
_ARRAY_STATIC_ATTRS = {"shape", "ndim", "size", "dtype"}
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


class GenerationError(Exception):
    """Internal marker; the generator raises NotImplementedError/TypeError subclasses below."""


class UnsupportedCode(NotImplementedError):
    """Model code that the Numba backend cannot compile (a construct outside the subset)."""


class UnsupportedObject(TypeError):
    """Model code that uses an object compiled code cannot hold."""


@dataclass
class Origin:
    """Where a generated line comes from."""

    file: str
    line: int
    text: str
    function: str


def describe_location(origin: Origin) -> str:
    return f"{origin.file}:{origin.line} (in {origin.function}): `{origin.text}`"


def unsupported(origin: Origin, what: str, fix: str, kind: type = UnsupportedCode) -> Exception:
    """The error for code outside the subset: where it is, what it is, and what to change."""
    return kind(f"bm.jit (numba backend) cannot compile {describe_location(origin)}: {what}. {fix}")


class Static(ast.expr):
    """An expression whose value is a live Python object known while generating."""

    _fields = ()

    def __init__(self, obj: Any, text: str | None = None):
        super().__init__()
        self.obj = obj
        self.text = text  # the model source it came from, for error messages


@dataclass
class ArrayArgument:
    """An array passed to every generated function that touches it."""

    name: str
    array: np.ndarray  # the Variable or array as found on the object
    plain: np.ndarray  # its base-class ndarray view, what Numba receives


@dataclass
class Guard:
    """A value the generated code depends on: ``container[key]`` (or a cell's contents)."""

    container: Any  # a dict (an object's __dict__, a module's globals) or a closure cell
    key: str | None  # None for a cell
    expected: Any
    where: str
    on_base: bool = False  # an attribute of a Base object: rebinding it bumps base.binding_version

    def current(self) -> Any:
        if self.key is None:
            return self.container.cell_contents
        return self.container.get(self.key, _MISSING)

    def still_valid(self) -> bool:
        now = self.current()
        if now is self.expected:
            return True
        if isinstance(self.expected, np.ndarray) or isinstance(now, np.ndarray):
            return False
        try:
            same = type(now) is type(self.expected) and bool(now == self.expected)
        except Exception:
            return False
        if same:
            self.expected = now
        return same


_MISSING = object()
_ITEMS = "<items>"  # the key of an ItemsGuard in Program.guards (no attribute has this name)


@dataclass
class ItemsGuard:
    """The items of a list or dict the generated code was unrolled over or indexed into.

    ``for v in self.vars_list:`` unrolls one copy of the body per item, and ``self.params['tau']``
    becomes a constant: an item appended, removed or replaced after generation must regenerate the
    code (the binding check on ``self.vars_list`` itself does not see it). The wrapper compares
    the length and each item by identity (a few tens of nanoseconds per item); equal scalars
    that are new objects are accepted on the slow path.
    """

    container: Any  # a list, a dict or a mappingproxy of a dict
    expected: tuple
    where: str
    key: str = _ITEMS
    on_base: bool = False

    def current(self) -> tuple:
        if isinstance(self.container, list):
            return tuple(self.container)
        return tuple(self.container.items())

    def still_valid(self) -> bool:
        now = self.current()
        if len(now) != len(self.expected):
            return False
        for new, old in zip(now, self.expected):
            if isinstance(self.container, list):
                new, old = (None, new), (None, old)
            if new[0] != old[0] or not _same_value(new[1], old[1]):
                return False
        self.expected = now
        return True

    def condition(self, i: int) -> str:
        """The wrapper's test (true when the items may have changed); ``_bm_g{i}`` is the container,
        ``_bm_e{i}`` the expected items."""
        parts = [f"len(_bm_g{i}) != {len(self.expected)}"]
        if isinstance(self.container, list):
            parts += [f"_bm_g{i}[{j}] is not _bm_e{i}[{j}]" for j in range(len(self.expected))]
        else:
            parts += [f"_bm_g{i}.get(_bm_e{i}[{j}][0]) is not _bm_e{i}[{j}][1]" for j in range(len(self.expected))]
        return " or ".join(parts)


def _same_value(now: Any, expected: Any) -> bool:
    if now is expected:
        return True
    if isinstance(expected, np.ndarray) or isinstance(now, np.ndarray):
        return False
    try:
        return type(now) is type(expected) and bool(now == expected)
    except Exception:
        return False


@dataclass
class Generated:
    """One generated function: its name, parameters and lines (text, origin)."""

    name: str
    params: list[str]
    state: list[str] = field(default_factory=list)
    lines: list[tuple[str, Origin | None]] = field(default_factory=list)
    header: Origin | None = None
    decorator: str = "_bm_njit"
    plain_lines: list[tuple[str, Origin | None]] = field(default_factory=list)  # before fusion
    inline_lines: list[tuple[str, Origin | None]] | None = None  # what a caller inlines (see inlining.py)


class Program:
    """The generated module of one ``bm.jit``: functions, array arguments, constants and guards."""

    def __init__(self, options: dict[str, Any]):
        self.options = options
        self.arrays: dict[int, ArrayArgument] = {}
        self.guards: dict[tuple[int, str | None], Guard] = {}
        self.functions: dict[tuple[int, Any], Generated] = {}
        self.order: list[Generated] = []
        self.in_progress: set[tuple[int, Any]] = set()
        self.namespace: dict[str, Any] = {}  # injected objects: name -> object
        self.descriptions: dict[str, str] = {}  # name -> stable description (part of the hash)
        self.extra_lines: list[str] = []
        self.counter = 0  # numbers the generated functions: names stay unique
        self.scalar_twins: dict[str, str | None] = {}  # generated function -> its one-element twin
        self.materialized = 0  # numbers the call arguments that fusion computes in one loop
        self.inlined = 0  # numbers the inlined calls (their locals are renamed apart)
        # Every generated function checks its indices: an index out of bounds raises IndexError
        # (explained with the model's line by the caller) instead of reading or writing outside
        # the array. Measured on COBA (4,000 neurons, 1 s): no difference in run time.
        self.inject("_bm_njit", checked_njit(options), "numba.njit(boundscheck=True, error_model='numpy', ...)")
        # Every program follows the dtype policy it was generated under: a call after
        # bm.enable_x64()/disable_x64() finds this guard changed and selects the other policy's code.
        self.guard(vars(_config), "_x64", _config._x64, "the dtype policy (bm.enable_x64)")
        # Functions that never hold a prange loop (the snapshot wrapper): compiled serially, since
        # parallel=True on them only makes Numba warn that it found nothing to parallelise.
        self.inject("_bm_njit_serial", checked_njit({**options, "parallel": False}),
                    "numba.njit(boundscheck=True, error_model='numpy', parallel=False, ...)")

    # -------------------------------------------------------------- shared resources
    def array(self, array: np.ndarray) -> str:
        entry = self.arrays.get(id(array))
        if entry is None:
            entry = ArrayArgument(f"_bm_a{len(self.arrays)}", array, np.ndarray.view(array, np.ndarray))
            self.arrays[id(array)] = entry
        return entry.name

    def guard(self, container: Any, key: str | None, value: Any, where: str, on_base: bool = False) -> None:
        ident = (id(container), key)
        if ident not in self.guards:
            self.guards[ident] = Guard(container, key, value, where, on_base)

    def guard_items(self, container: Any, where: str) -> None:
        """Regenerate when an item of ``container`` (a list, dict or dict view) changes."""
        if type(container).__name__ in ("dict_keys", "dict_values", "dict_items"):
            container = container.mapping  # the live dict behind the view (read-only proxy)
        if not isinstance(container, (list, dict, pytypes.MappingProxyType)):
            return  # tuples cannot change; other containers are not tracked
        ident = (id(container), _ITEMS)
        if ident not in self.guards:
            guard = ItemsGuard(container, (), where)
            guard.expected = guard.current()
            self.guards[ident] = guard

    def inject(self, name: str, obj: Any, description: str) -> str:
        if name not in self.namespace:
            self.namespace[name] = obj
            self.descriptions[name] = description
        return name

    # -------------------------------------------------------------- generation
    def function(self, func: Callable, owner: Any, origin: Origin | None,
                 static: dict[str, Any] | None = None, entry: bool = False,
                 weak: frozenset[str] = frozenset()) -> Generated:
        """Generate (once) the function for ``func`` bound to ``owner`` (``None``: a plain function).

        ``weak`` names the parameters that receive Python ints/floats: they promote as weak scalars
        (as literals do), so ``int32_array * t`` is float32 for a Python float ``t``.
        """
        key = (id(owner), func, tuple(sorted((k, id(v)) for k, v in (static or {}).items())), weak)
        done = self.functions.get(key)
        if done is not None:
            return done
        if key in self.in_progress:
            raise unsupported(origin or _origin_of(func), f"{func.__qualname__} calls itself (recursion)",
                              "Rewrite the recursion as a loop")
        self.in_progress.add(key)
        self.counter += 1
        generator = FunctionGenerator(self, func, owner, static or {})
        generator.weak_parameters = set(weak)
        generator.copy_state_returns = entry
        generated = generator.generate(self.counter - 1)
        generated.plain_lines = list(generated.lines)
        if self.options.get("fuse", True):
            from .fusion import fuse
            fuse(generated, self)
        self.in_progress.discard(key)
        self.functions[key] = generated
        self.order.append(generated)
        return generated

    def source(self) -> str:
        """The module source: a header recording the options and policy, then every function."""
        lines = [
            "# Generated by brainpy_math's numba backend from model source; do not edit.",
            f"# backend sources: {_backend_fingerprint()}",
            f"# policy: float={_config.default_float().name} int={_config.default_int().name}; "
            f"options: {sorted(self.options.items())}",
        ]
        lines += [f"# {name}: {self.descriptions[name]}" for name in sorted(self.descriptions)]
        lines += self.extra_lines
        for generated in self.order:
            lines.append("")
            lines.append(f"@{generated.decorator}")
            params = ", ".join(generated.params + generated.state)
            lines.append(f"def {generated.name}({params}):")
            body = [text for text, _ in generated.lines] or ["    pass"]
            lines.extend(body)
        return "\n".join(lines) + "\n"

    def written_arrays(self, entry: Generated) -> list[str]:
        """The array arguments of ``entry`` that running it may write (directly, through a local
        alias or view, or in a function it calls), in ``entry.state`` order.

        What a failing call restores (see ``JitFunction``): only these are copied before a call.
        Conservative: an array passed to a function not known to be pure (a random kernel, a
        user's numba function) or to a mutating method counts as written.
        """
        tree = ast.parse(self.source())
        functions = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}
        written: dict[str, set[int]] = {name: set() for name in functions}  # parameter positions
        changed = True
        while changed:  # callees first would do, but a fixed point is simpler and the graph is small
            changed = False
            for name, function in functions.items():
                positions = _written_parameters(function, written, self.descriptions)
                if positions != written[name]:
                    written[name] = positions
                    changed = True
        params = [a.arg for a in functions[entry.name].args.args]
        return [params[i] for i in sorted(written[entry.name]) if params[i] in entry.state]

    def line_origins(self) -> dict[int, Origin]:
        """Generated line number (1-based) → the model source it came from."""
        source_lines = self.source().splitlines()
        origins: dict[int, Origin] = {}
        index = 0
        for generated in self.order:
            while not source_lines[index].startswith(f"def {generated.name}("):
                index += 1
            if generated.header is not None:
                origins[index + 1] = origins[index] = generated.header  # the def and its decorator
            for offset, (_, origin) in enumerate(generated.lines, start=1):
                if origin is not None:
                    origins[index + 1 + offset] = origin
            index += 1
        return origins


# Injected helpers that never write their array arguments (elementwise helpers, literal casts,
# NumPy wrappers of bm functions, sparse/event products). Anything else called with an array is
# assumed to write it.
_PURE_HELPERS = ("_bm_weak_", "_bm_sweak_", "_bm_true_divide", "_bm_strue_divide", "_bm_float_argument",
                 "_bm_sfloat_argument", "_bm_cast_literal", "_bm_where", "_bm_same_kind", "_bm_event_",
                 "_bm_sparse_", "_bm_linalg_", "_bm_fft_", "_bm_k", "_bm_prange")
_MUTATING_NUMPY = {"copyto", "put", "place", "putmask", "fill_diagonal", "put_along_axis", "shuffle"}
_MUTATING_METHODS = {"fill", "sort", "put", "itemset", "partition", "resize", "setfield", "byteswap"}
_VIEW_ATTRIBUTES = {"T", "real", "imag", "flat", "mT"}


def _written_parameters(function: ast.FunctionDef, written: dict[str, set[int]],
                        descriptions: dict[str, str]) -> set[int]:
    """Positions of the parameters of ``function`` that it may write (see Program.written_arrays)."""
    params = [a.arg for a in function.args.args]
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
        for node in ast.walk(function):
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

    for node in ast.walk(function):
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
            if isinstance(func, ast.Name) and func.id in written:
                for position in written[func.id]:
                    if position < len(node.args):
                        out |= sources(node.args[position])
            elif isinstance(func, ast.Name) and func.id == "_bm_e_store":
                out |= sources(node.args[0]) if node.args else set()
            elif isinstance(func, ast.Name) and (func.id.startswith("_bm_e_") or func.id.startswith(_PURE_HELPERS)
                                                 or func.id in _BUILTINS or func.id not in descriptions
                                                 or _pure_library_function(descriptions[func.id])):
                pass
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


_LIBRARY_FUNCTION = re.compile(r"brainpy_math_numba\.(numpy_ops|event|sparse|linalg|fft|activations)"
                               r"\.compiled\('(\w+)'\)")


def _pure_library_function(description: str) -> bool:
    """A ``bm.`` function's compiled version that returns new arrays (``bm.sum``, ``bm.dot``)."""
    match = _LIBRARY_FUNCTION.fullmatch(description)
    return match is not None and match.group(2) not in _MUTATING_NUMPY


_decorators: dict[tuple, Any] = {}


def checked_njit(options: dict[str, Any]) -> Any:
    """``numba.njit`` with the program's options and ``boundscheck=True``; one object per option set,
    so that a module generated again over the same objects is recognised and reused."""
    key = (bool(options.get("cache", True)), bool(options.get("parallel", False)),
           bool(options.get("fastmath", False)))
    decorator = _decorators.get(key)
    if decorator is None:
        import numba
        # error_model='numpy': division by zero gives inf/nan as in NumPy and JAX, not an exception.
        decorator = _decorators[key] = numba.njit(cache=key[0], parallel=key[1], fastmath=key[2],
                                                  error_model="numpy", inline="never", boundscheck=True)
    return decorator


_fingerprint: str | None = None


def _backend_fingerprint() -> str:
    """A hash of this backend's source files: compiled code calls into them (random kernels, literal
    casts, NumPy wrappers) and Numba's cache does not track them, so a change must change the
    generated source and with it the cache entry."""
    global _fingerprint
    if _fingerprint is None:
        import hashlib
        from pathlib import Path
        digest = hashlib.sha256()
        for path in sorted(Path(__file__).parent.glob("*.py")):
            digest.update(path.read_bytes())
        _fingerprint = digest.hexdigest()[:16]
    return _fingerprint


def _parse_function(func: Callable, source: str) -> ast.FunctionDef | None:
    """The ``def`` of ``func``; a lambda becomes a ``def`` returning its expression."""
    text = textwrap.dedent(source)
    try:
        tree = ast.parse(text)
    except SyntaxError:
        try:  # a lambda inside a call continued on the next line: parse the parenthesised text
            tree = ast.parse("(\n" + text.strip().rstrip(",") + "\n)")
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
        compiled = compile(ast.fix_missing_locations(ast.Expression(copy.deepcopy(lam))), "<lambda>", "eval")
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


def _is_scalar(obj: Any) -> bool:
    return type(obj) in (bool, int, float, complex) or isinstance(obj, np.generic)


def _is_constant_data(obj: Any) -> bool:
    if obj is None or _is_scalar(obj) or isinstance(obj, str):
        return True
    return type(obj) in (tuple, list) and all(_is_constant_data(i) for i in obj)


def _is_random_state(obj: Any) -> bool:
    return type(obj).__name__ == "RandomState" and isinstance(obj, Base)


class FunctionGenerator:
    """Rewrites one Python function (a method bound to ``owner``, or a plain function)."""

    def __init__(self, program: Program, func: Callable, owner: Any, static: dict[str, Any]):
        self.program = program
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
        node = _parse_function(func, "".join(source_lines))
        if node is None:
            raise UnsupportedCode(f"bm.jit (numba backend) cannot compile {self.qualname} at "
                                  f"{self.file}:{first_line}: its source could not be isolated (a lambda "
                                  f"that shares its line with another lambda, or spans lines). Define it "
                                  f"with def")
        self.node = node
        self.static_env: dict[str, Any] = dict(static)
        self.locals: set[str] = set()
        self.lines: list[tuple[str, Origin | None]] = []
        self.state: set[str] = set()
        self.statement: ast.stmt | None = None
        self.temp_counter = 0
        self.copy_state_returns = False
        self.weak_parameters: set[str] = set()  # set by Program.function; narrowed in generate()
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

    def fail(self, what: str, fix: str, node: ast.AST | None = None, kind: type = UnsupportedCode) -> Exception:
        return unsupported(self.origin(node), what, fix, kind)

    def temp(self) -> str:
        self.temp_counter += 1
        return f"_bm_t{self.temp_counter}"

    # ------------------------------------------------------------------ entry
    def generate(self, index: int) -> Generated:
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
        label = self.qualname if self.owner is None else f"{type(self.owner).__name__}.{self.func.__name__}"
        name = f"_bm_f{index}_{_safe_name(label)}"
        for stmt in self.node.body:
            self.emit(stmt, 1, unrolled=False)
        generated = Generated(name, params, sorted(self.state, key=lambda n: int(n[5:])), self.lines,
                              self.origin(self.node))
        return generated

    # ------------------------------------------------------------------ statements
    def write(self, depth: int, text: str, node: ast.AST | None = None) -> None:
        self.lines.append(("    " * depth + text, self.origin(node)))

    def emit(self, stmt: ast.stmt, depth: int, unrolled: bool) -> None:
        self.statement = stmt
        if isinstance(stmt, ast.Expr):
            if isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                return  # a docstring
            if not isinstance(stmt.value, ast.Call):
                raise self.fail("an expression statement that is not a call has no effect",
                                "Remove it or assign its value")
            self.write(depth, self.expr(stmt.value), stmt)
        elif isinstance(stmt, ast.Assign):
            self.emit_assign(stmt, depth)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is None:
                return
            self.emit_assign(ast.Assign(targets=[stmt.target], value=stmt.value, lineno=stmt.lineno), depth)
        elif isinstance(stmt, ast.AugAssign):
            self.emit_augassign(stmt, depth)
        elif isinstance(stmt, ast.Return):
            if stmt.value is None:
                self.write(depth, "return", stmt)
            else:
                self.write(depth, f"return {self.finish(self.returned(self.transform(stmt.value)))}", stmt)
        elif isinstance(stmt, ast.If):
            self.emit_if(stmt, depth, unrolled)
        elif isinstance(stmt, ast.While):
            if stmt.orelse:
                raise self.fail("while ... else is not supported", "Move the else block after the loop")
            self.write(depth, f"while {self.expr(stmt.test)}:", stmt)
            self.emit_body(stmt.body, depth + 1, unrolled=False)
        elif isinstance(stmt, ast.For):
            self.emit_for(stmt, depth, unrolled)
        elif isinstance(stmt, (ast.Pass, ast.Break, ast.Continue)):
            if unrolled and not isinstance(stmt, ast.Pass):
                raise self.fail(f"{type(stmt).__name__.lower()} inside a loop over objects, which is unrolled "
                                f"while generating code", "Use an if around the body instead")
            self.write(depth, type(stmt).__name__.lower(), stmt)
        else:
            what = _STATEMENT_NAMES.get(type(stmt), f"the statement {type(stmt).__name__}")
            raise self.fail(f"{what} is not supported inside compiled code",
                            "Move it out of the jitted method, or use the jax backend")

    def returned(self, value: ast.expr) -> ast.expr:
        """What the entry function returns: a Variable's array is copied, as JAX returns a snapshot."""
        if not self.copy_state_returns:
            return value
        if isinstance(value, ast.Tuple):
            value.elts = [self.returned(e) for e in value.elts]
            return value
        if isinstance(value, Static) and isinstance(value.obj, np.ndarray):
            array = self.materialize(value.obj, value)
            return ast.Call(ast.Attribute(array, "copy", ast.Load()), [], [])
        return value

    def emit_body(self, body: list[ast.stmt], depth: int, unrolled: bool) -> None:
        before = len(self.lines)
        for stmt in body:
            self.emit(stmt, depth, unrolled)
        if len(self.lines) == before:
            self.write(depth, "pass")

    def emit_if(self, stmt: ast.If, depth: int, unrolled: bool) -> None:
        test = self.transform(stmt.test)
        if isinstance(test, ast.Constant):
            # A condition fixed at generation time (e.g. `if self.has_noise:`): keep the branch taken.
            for sub in (stmt.body if test.value else stmt.orelse):
                self.emit(sub, depth, unrolled)
            return
        self.write(depth, f"if {self.finish(test)}:", stmt)
        self.emit_body(stmt.body, depth + 1, unrolled)
        if stmt.orelse:
            self.statement = stmt
            self.write(depth, "else:", stmt)
            self.emit_body(stmt.orelse, depth + 1, unrolled)

    def emit_for(self, stmt: ast.For, depth: int, unrolled: bool) -> None:
        if stmt.orelse:
            raise self.fail("for ... else is not supported", "Move the else block after the loop")
        iterable = self.transform(stmt.iter)
        items = self.unrollable(iterable, stmt.iter)
        if items is None:
            target = self.assign_target_names(stmt.target)
            self.write(depth, f"for {target} in {self.finish(iterable)}:", stmt)
            self.emit_body(stmt.body, depth + 1, unrolled=False)
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
                self.emit(sub, depth, unrolled=True)
            for k, v in saved.items():
                if v is _MISSING:
                    self.static_env.pop(k, None)
                else:
                    self.static_env[k] = v
        if not items:
            self.write(depth, "pass", stmt)

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
        self.program.guard_items(obj, f"{self.qualname}: the items of {ast.unparse(node)}")
        if isinstance(obj, dict):
            return list(obj.keys())
        if isinstance(obj, (pytypes.MappingProxyType,)) or type(obj).__name__ in ("dict_values", "dict_items",
                                                                                "dict_keys"):
            return list(obj)
        if isinstance(obj, (list, tuple)):
            if all(isinstance(i, (np.ndarray, int, float)) for i in obj) and not any(
                    isinstance(i, Base) for i in obj):
                return list(obj)  # a tuple of constants or arrays: unrolling is exact too
            return list(obj)
        if isinstance(obj, range):
            return None
        raise self.fail(f"cannot loop over {type(obj).__name__} in compiled code",
                        "Loop over range(...), an array, or a list/tuple/dict of objects", node,
                        UnsupportedObject)

    def assign_target_names(self, target: ast.expr) -> str:
        if isinstance(target, ast.Name):
            return target.id
        if isinstance(target, ast.Tuple) and all(isinstance(e, ast.Name) for e in target.elts):
            return ", ".join(e.id for e in target.elts)
        raise self.fail("a loop target must be a name or a tuple of names", "Assign inside the loop body",
                        target)

    def emit_assign(self, stmt: ast.Assign, depth: int) -> None:
        for target in stmt.targets:
            self.check_integer_write(target, stmt.value)
        value = self.expr(stmt.value)
        if len(stmt.targets) == 1 and self.simple_target(stmt.targets[0]):
            target = self.target(stmt.targets[0])
            self.write(depth, f"{target} = {self.kind_checked(target, value)}", stmt)
            return
        # Several targets, or a tuple target with attributes/subscripts: go through temporaries.
        tmp = self.temp()
        self.write(depth, f"{tmp} = {value}", stmt)
        for target in stmt.targets:
            self.assign_from(target, tmp, depth, stmt)

    def kind_checked(self, target: str, value: str) -> str:
        """``value`` wrapped so that writing it whole into a bool/integer Variable (``self.n.value =
        ...``, ``self.n = ...``) raises ``ValueError`` for a float value, as eager code does, instead
        of Numba's silent truncation. The check is decided when Numba types the code (free at run
        time); element writes (``self.n[0] = x``) truncate eagerly too and are left alone."""
        if not (target.endswith("[...]") and target[:-5].isidentifier()):
            return value
        entry = next((a for a in self.program.arrays.values() if a.name == target[:-5]), None)
        if entry is None or entry.plain.dtype.kind not in "biu":
            return value
        from . import elementwise
        helper = self.program.inject("_bm_same_kind", elementwise.same_kind, "brainpy_math_numba.elementwise.same_kind")
        return f"{helper}({entry.name}, {value})"

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
                            f"{ast.unparse(holder)} (range {info.min}..{info.max}); it would wrap",
                            "Write a value in range, or give the array a wider dtype", value, OverflowError)

    def simple_target(self, target: ast.expr) -> bool:
        if isinstance(target, (ast.Tuple, ast.List)):
            return all(isinstance(e, ast.Name) for e in target.elts)
        return True

    def assign_from(self, target: ast.expr, source: str, depth: int, stmt: ast.stmt) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for i, element in enumerate(target.elts):
                self.assign_from(element, f"{source}[{i}]", depth, stmt)
        else:
            self.write(depth, f"{self.target(target)} = {source}", stmt)

    def target(self, target: ast.expr) -> str:
        """The generated text of an assignment target (writes into Variables go through ``[...]``)."""
        if isinstance(target, ast.Name):
            if target.id in self.static_env:
                raise self.fail(f"assigning to {target.id}, which names an object while generating code",
                                "Use another name for the local variable", target)
            return target.id
        if isinstance(target, (ast.Tuple, ast.List)):
            return ", ".join(self.target(e) for e in target.elts)
        if isinstance(target, ast.Attribute):
            resolved = self.transform(ast.Attribute(value=target.value, attr=target.attr, ctx=ast.Load()))
            if isinstance(resolved, Static) and isinstance(resolved.obj, np.ndarray):
                return f"{self.materialize(resolved.obj, target).id}[...]"
            shown = ast.unparse(target)
            held = type(resolved.obj).__name__ if isinstance(resolved, Static) else "a computed value"
            if isinstance(resolved, ast.Constant):
                held = f"a Python {type(resolved.value).__name__} ({resolved.value!r})"
            raise self.fail(f"assigning to {shown}, which holds {held}: compiled code can only write into "
                            f"Variables and arrays", f"Make {shown} a bm.Variable to update it inside "
                            f"bm.jit, or compute it outside", target, UnsupportedObject)
        if isinstance(target, ast.Subscript):
            resolved = self.transform(ast.Subscript(value=target.value, slice=target.slice, ctx=ast.Load()))
            if not isinstance(resolved, ast.Subscript):
                raise self.fail(f"cannot assign to {ast.unparse(target)}: it is an item of a Python "
                                f"container", "Store the values in a bm.Variable", target, UnsupportedObject)
            return self.finish(resolved)
        raise self.fail(f"cannot assign to {ast.unparse(target)}", "Assign to a name, a Variable or an "
                        "element/slice of an array", target)

    def emit_augassign(self, stmt: ast.AugAssign, depth: int) -> None:
        target = stmt.target
        if isinstance(target, ast.Attribute):
            text = self.target(target)[:-len("[...]")]  # in-place operators write arrays in place
        else:
            text = self.target(target)
        value = self.transform(stmt.value)
        op = _OPERATOR_TEXT.get(type(stmt.op))
        if op is None:
            raise self.fail(f"the operator {type(stmt.op).__name__} is not supported", "Rewrite it", stmt)
        if isinstance(value, ast.Constant) and _is_number(value.value) or \
                isinstance(value, ast.Name) and value.id in self.weak_parameters:
            # `x += 1.0` keeps x's dtype (a float32 x would otherwise become float64 under Numba).
            name = self.program.inject("_bm_cast_literal", _literals().cast_literal,
                                       "brainpy_math_numba.literals.cast_literal")
            rhs = f"{name}({text}, {ast.unparse(value)})"
        else:
            rhs = self.finish(value)
            if isinstance(target, ast.Attribute):
                # `self.n += float_array` on an int Variable: ValueError at run time (eager NumPy
                # raises a same_kind casting error) instead of a crash inside Numba's typing.
                rhs = self.kind_checked(f"{text}[...]", rhs)
        self.write(depth, f"{text} {op}= {rhs}", stmt)

    # ------------------------------------------------------------------ expressions
    def expr(self, node: ast.expr) -> str:
        return self.finish(self.transform(node))

    def transform(self, node: ast.expr) -> ast.expr:
        # A copy: the resolver rewrites nodes, and an unrolled loop emits the same statement again.
        return _Resolver(self).visit(copy.deepcopy(node))

    def finish(self, node: ast.expr) -> str:
        node = _Materializer(self).visit(node)
        node = _LiteralTyper(self).visit(node)
        return ast.unparse(node)

    def materialize(self, obj: Any, node: ast.AST) -> ast.expr:
        """An expression for a live object that the generated code uses as a value."""
        if isinstance(obj, np.ndarray):
            name = self.program.array(obj)
            self.state.add(name)
            return ast.Name(name, ast.Load())
        if obj is None or type(obj) in (bool, int, float, complex, str):
            return ast.Constant(obj)
        if isinstance(obj, np.generic):
            dtype = _config.canonicalize_dtype(obj.dtype)
            value = obj.item()
            return _typed_constant(dtype, value)
        if type(obj) in (tuple, list) and _is_constant_data(obj):
            return ast.Tuple([self.materialize(i, node) for i in obj], ast.Load())
        if isinstance(obj, type) and obj in _NUMPY_TYPES:
            return _numpy_attr(np.dtype(obj).name)
        if isinstance(obj, np.dtype):
            return _numpy_attr(obj.name)
        if type(obj) in (tuple, list) and all(isinstance(i, np.ndarray) or _is_constant_data(i) for i in obj):
            return ast.Tuple([self.materialize(i, node) for i in obj], ast.Load())
        shown = (node.text or repr(obj)) if isinstance(node, Static) else ast.unparse(node)
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
    def lookup(self, name: str, node: ast.AST) -> Any:
        """The live object a free name refers to, recording a guard for changeable values."""
        if name in self.static_env:
            return self.static_env[name]
        if name in self.closure:
            cell = self.closure[name]
            try:
                value = cell.cell_contents
            except ValueError:
                raise self.fail(f"{name} is not yet assigned in the enclosing function", "Assign it first",
                                node) from None
            if _is_guarded(value):
                self.program.guard(cell, None, value, f"{self.qualname}: closure variable {name}")
            return value
        globals_ = self.func.__globals__
        if name in globals_:
            value = globals_[name]
            if _is_guarded(value):
                self.program.guard(globals_, name, value, f"{self.func.__module__}.{name}")
            return value
        if hasattr(builtins, name):
            return getattr(builtins, name)
        raise self.fail(f"the name {name} is not defined", "Define it", node, NameError)

    def attribute(self, obj: Any, attr: str, node: ast.AST) -> Any:
        try:
            value = getattr(obj, attr)
        except AttributeError:
            raise self.fail(f"{type(obj).__name__} object has no attribute {attr!r}", "Check the name",
                            node, AttributeError) from None
        if isinstance(obj, Base) and attr in vars(obj) and _is_guarded(value):
            self.program.guard(vars(obj), attr, value, f"{obj.name}.{attr}", on_base=True)
        return value


def _is_guarded(value: Any) -> bool:
    return isinstance(value, (np.ndarray, Base)) or _is_constant_data(value)


def _is_number(value: Any) -> bool:
    return type(value) in (int, float, complex, bool)


def _numpy_attr(name: str) -> ast.expr:
    return ast.Attribute(ast.Name("np", ast.Load()), name, ast.Load())


def _typed_constant(dtype: np.dtype, value: Any) -> ast.expr:
    return ast.Call(_numpy_attr(np.dtype(dtype).name), [ast.Constant(value)], [])


def _literals():
    from . import literals
    return literals


_OPERATOR_TEXT = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
                  ast.Mod: "%", ast.Pow: "**", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^",
                  ast.LShift: "<<", ast.RShift: ">>", ast.MatMult: "@"}


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
        text = ast.unparse(node)
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
        operand = _as_constant(operand)
        if isinstance(operand, ast.Constant) and _is_number(operand.value):
            return ast.Constant(_fold(ast.UnaryOp(node.op, operand)))
        node.operand = operand
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        left, right = _as_constant(self.visit(node.left)), _as_constant(self.visit(node.right))
        if isinstance(left, ast.Constant) and isinstance(right, ast.Constant) and \
                _is_number(left.value) and _is_number(right.value):
            return ast.Constant(_fold(ast.BinOp(left, node.op, right)))
        node.left, node.right = left, right
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.expr:
        left = _as_constant(self.visit(node.left))
        comparators = [_as_constant(self.visit(c)) for c in node.comparators]
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
        values = [_as_constant(self.visit(v)) for v in node.values]
        if all(isinstance(v, ast.Constant) for v in values):
            return ast.Constant(_fold(ast.BoolOp(node.op, values)))
        node.values = values
        return node

    def visit_IfExp(self, node: ast.IfExp) -> ast.expr:
        test = _as_constant(self.visit(node.test))
        if isinstance(test, ast.Constant):
            return self.visit(node.body if test.value else node.orelse)
        node.test, node.body, node.orelse = test, self.visit(node.body), self.visit(node.orelse)
        return node

    def visit_Call(self, node: ast.Call) -> ast.expr:
        from .calls import resolve_call
        return resolve_call(self.gen, self, node)


def _as_constant(node: ast.expr) -> ast.expr:
    """A Static holding a Python scalar, string or None becomes a literal (weak-typed) constant."""
    if isinstance(node, Static) and (node.obj is None or type(node.obj) in (bool, int, float, complex, str)):
        return ast.Constant(node.obj)
    return node


def _fold(node: ast.expr) -> Any:
    return eval(compile(ast.fix_missing_locations(ast.Expression(node)), "<constant>", "eval"), {})


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
        if op_name == "Div" and not left_lit and not right_lit:
            # Numba divides integer arrays in float64; the table says float32 up to 32-bit integers.
            name = self.gen.program.inject("_bm_true_divide", _literals().true_divide,
                                           "brainpy_math_numba.literals.true_divide")
            return ast.Call(ast.Name(name, ast.Load()), [self.visit(node.left), self.visit(node.right)], [])
        if left_lit != right_lit and op_name in _WEAK_OPS:
            other = self.visit(node.right if left_lit else node.left)
            literal = node.left if left_lit else node.right
            name = weak_function_name(op_name, left_lit)
            self.gen.program.inject(name, _literals().WEAK_BINARY[name], f"brainpy_math_numba.literals.{name}")
            args = [literal, other] if left_lit else [other, literal]
            return ast.Call(ast.Name(name, ast.Load()), args, [])
        return self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> ast.expr:
        if type(node.value) is float:
            return _typed_constant(_config.default_float(), node.value)
        if type(node.value) is complex:
            return _typed_constant(_config.default_complex(), node.value)
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        node.value = self.visit(node.value)
        return node  # indices keep Python ints


_WEAK_OPS = {"Add", "Sub", "Mult", "Div", "FloorDiv", "Mod", "Pow", "BitAnd", "BitOr", "BitXor", "LShift",
             "RShift"}
