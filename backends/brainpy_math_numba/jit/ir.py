"""The compiler's intermediate representation: a program of functions made of ``ast`` statements.

Every stage of :mod:`.driver` reads and writes these objects and nothing else: lowering builds
them from model source, the passes rewrite statement lists, emit prints them (the only place
that turns ``ast`` into text), load compiles the text. What a later stage needs to know about a
name is recorded here when the name is made, never recovered from its spelling:

- :class:`Symbol`: an object injected into the generated module (a NumPy wrapper, a random
  kernel, an elementwise helper), with its :class:`Kind` -- what a call of it may do;
- :class:`Function`: a generated function, with its parameters, the array arguments it receives
  after them (``state``) and its body; ``Program.functions_by_name`` finds a callee;
- :class:`Names`: the one allocator of fresh names, which also records each name's :class:`Role`;
- every statement carries the model line it came from (:func:`at`, :func:`origin_of`).

Example:
    >>> import ast
    >>> program = Program({})
    >>> name = program.names.new(Role.TEMPORARY)
    >>> program.names.role(name) is Role.TEMPORARY
    True
    >>> stmt = at(ast.Pass(), Origin("model.py", 3, "pass", "f"))
    >>> origin_of(stmt).line
    3
"""
from __future__ import annotations

import ast
import enum
import threading
import types as pytypes
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from brainpy_math import _config

__all__ = ["Origin", "describe_location", "unsupported", "UnsupportedCode", "UnsupportedObject", "Static",
           "ArrayArgument", "Guard", "ItemsGuard", "Kind", "Symbol", "Role", "Names", "Function", "Program",
           "at", "origin_of", "CompiledCallable", "is_constant_data", "is_scalar", "numpy_attr",
           "typed_constant", "name", "call", "walk_statements", "NUMPY_TYPES", "parse_source", "compile_tree"]


# ------------------------------------------------------------------------- ast <-> CPython
# CPython (3.11, 3.12) counts the depth of its AST conversions (source -> ``ast`` objects in
# ``ast.parse``, ``ast`` objects -> code in ``compile``) per interpreter, not per thread. A garbage
# collection inside one conversion runs Python finalizers (Numba's LLVM objects have them), which may
# switch threads; a second thread converting then makes the first fail with "AST constructor
# recursion depth mismatch". Every conversion the compiler makes takes this lock, so threads that
# jit their own models at once cannot interleave them.
_AST_CONVERSION = threading.Lock()


def parse_source(text: str) -> ast.Module:
    """``ast.parse(text)``, one thread at a time (see ``_AST_CONVERSION``)."""
    with _AST_CONVERSION:
        return ast.parse(text)


def compile_tree(tree: ast.AST, filename: str, mode: str) -> pytypes.CodeType:
    """``compile(tree, filename, mode)`` of an ``ast`` tree, one thread at a time."""
    with _AST_CONVERSION:
        return compile(tree, filename, mode)


# ---------------------------------------------------------------------------------------- errors
class UnsupportedCode(NotImplementedError):
    """Model code that the Numba backend cannot compile (a construct outside the subset)."""


class UnsupportedObject(TypeError):
    """Model code that uses an object compiled code cannot hold."""


@dataclass
class Origin:
    """The model source a generated statement comes from."""

    file: str
    line: int
    text: str
    function: str


def describe_location(origin: Origin) -> str:
    return f"{origin.file}:{origin.line} (in {origin.function}): `{origin.text}`"


def unsupported(origin: Origin, what: str, fix: str, kind: type = UnsupportedCode) -> Exception:
    """The error for code outside the subset: where it is, what it is, and what to change."""
    return kind(f"bm.jit (numba backend) cannot compile {describe_location(origin)}: {what}. {fix}")


def at(node: ast.stmt, origin: Origin | None) -> ast.stmt:
    """``node`` marked as coming from ``origin`` (kept by ``copy.deepcopy``)."""
    node.bm_origin = origin  # type: ignore[attr-defined]
    return node


def origin_of(node: ast.AST) -> Origin | None:
    return getattr(node, "bm_origin", None)


def walk_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of ``body``, nested blocks included, in source order."""
    for stmt in body:
        yield stmt
        for block in (getattr(stmt, "body", None), getattr(stmt, "orelse", None)):
            if isinstance(block, list):
                yield from walk_statements(block)


class CompiledCallable:
    """Marker base of the backend's ``bm.jit`` results: lowering inlines a call of one from compiled
    code (``jitted._func`` bound to ``jitted._owner``) instead of calling the Python object."""

    _func: Any
    _owner: Any


# ---------------------------------------------------------------------------------------- values
class Static(ast.expr):
    """An expression whose value is a live Python object known while generating."""

    _fields = ()

    def __init__(self, obj: Any, text: str | None = None):
        super().__init__()
        self.obj = obj
        self.text = text  # the model source it came from, for error messages


NUMPY_TYPES = {np.dtype(t).type for t in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                                           "uint32", "uint64", "float16", "float32", "float64",
                                           "complex64", "complex128")}


def is_scalar(obj: Any) -> bool:
    return type(obj) in (bool, int, float, complex) or isinstance(obj, np.generic)


def is_constant_data(obj: Any) -> bool:
    if obj is None or is_scalar(obj) or isinstance(obj, str):
        return True
    return type(obj) in (tuple, list) and all(is_constant_data(i) for i in obj)


def name(identifier: str) -> ast.Name:
    return ast.Name(identifier, ast.Load())


def call(func: ast.expr | str, args: list[ast.expr], keywords: list[ast.keyword] | None = None) -> ast.Call:
    return ast.Call(name(func) if isinstance(func, str) else func, list(args), list(keywords or []))


def numpy_attr(attr: str) -> ast.expr:
    return ast.Attribute(name("np"), attr, ast.Load())


def typed_constant(dtype: np.dtype, value: Any) -> ast.expr:
    return call(numpy_attr(np.dtype(dtype).name), [ast.Constant(value)])


# ---------------------------------------------------------------------------------------- guards
_MISSING = object()
ITEMS = "<items>"  # the key of an ItemsGuard in Program.guards (no attribute has this name)


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
    key: str = ITEMS
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


# ---------------------------------------------------------------------------------------- symbols
class Kind(enum.Enum):
    """What calling an injected object may do; the passes decide by it, never by its name."""

    ELEMENTWISE = "elementwise"  # pure, elementwise; ``Symbol.element`` names its one-element version
    PURE = "pure"  # a library function that returns new arrays and writes nothing (bm.dot, bm.sum)
    STORE = "store"  # writes its first argument (elementwise.store, the snapshot copy)
    RANDOM = "random"  # draws: writes the stream arrays it receives first
    CALL = "call"  # anything else callable (a user's numba function, a mutating bm function): may write
    PRANGE = "prange"  # numba.prange
    DECORATOR = "decorator"  # numba.njit with the program's options
    MODULE = "module"  # np, math
    EXCEPTION = "exception"  # an exception class the code raises


@dataclass
class Symbol:
    """An object of the generated module's namespace."""

    name: str
    obj: Any
    kind: Kind
    description: str  # stable text (part of the module's hash): where the object comes from
    element: str | None = None  # ELEMENTWISE: the symbol a fused loop calls on one element
    library: str | None = None  # PURE/CALL: the bm function it implements ("dot", "csrmv")
    weak: tuple[str, bool] | None = None  # a weak-literal operator: (ast operator name, literal on the left)


# ---------------------------------------------------------------------------------------- names
class Role(enum.Enum):
    """What a name made by the compiler holds (user locals are never allocated, so have no role)."""

    FUNCTION = "function"
    TEMPORARY = "temporary"  # a value lowering splits out (a tuple assignment's right-hand side)
    INLINED = "inlined"  # a local of an inlined callee, renamed apart
    HOISTED = "hoisted"  # a call moved before a fused loop
    ELEMENT = "element"  # a fused loop's scalar for one element of a local array
    STORED = "stored"  # a fused loop's scalar holding the element it stored
    LOOP = "loop"  # a fused loop's index or length
    MATERIALIZED = "materialized"  # an argument computed by a materialising kernel
    INDEX = "index"  # a fused loop's index
    KERNEL = "kernel"  # a materialising kernel (a generated function)
    STREAM = "stream"  # a prange iteration's random stream
    ARRAY = "array"  # an array argument (a Variable's data)


_PREFIX = {Role.TEMPORARY: "_bm_t", Role.INLINED: "_bm_l", Role.HOISTED: "_bm_h", Role.ELEMENT: "_bm_s",
           Role.STORED: "_bm_w", Role.LOOP: "_bm_n", Role.MATERIALIZED: "_bm_m", Role.STREAM: "_bm_p", Role.INDEX: "_bm_i", Role.KERNEL: "_bm_k",
           Role.ARRAY: "_bm_a", Role.FUNCTION: "_bm_f"}


class Names:
    """The one allocator of fresh names of a program, and the role of each name it made.

    Names are spelled for a reader of the generated source (``_bm_t3``, ``_bm_f0_Net_update``);
    the compiler itself only asks :meth:`role`.
    """

    def __init__(self) -> None:
        self._counts: dict[Role, int] = {}
        self._roles: dict[str, Role] = {}

    def new(self, role: Role, label: str = "") -> str:
        count = self._counts.get(role, 0)
        self._counts[role] = count + 1
        text = f"{_PREFIX[role]}{count}" + (f"_{label}" if label else "")
        self._roles[text] = role
        return text

    def role(self, identifier: str) -> Role | None:
        return self._roles.get(identifier)


# ---------------------------------------------------------------------------------------- program
# Numba inlines a call only when its bytecode passes the arguments one by one. CPython compiles a
# call with more than 30 arguments (its STACK_USE_GUIDELINE) as ``f(*tuple)``, which Numba's inliner
# rejects ("Calling a closure with *args is unsupported"): such functions keep a dispatcher.
MAX_INLINED_ARGUMENTS = 30


@dataclass
class Function:
    """One generated function: ``def name(*params, *state): body``."""

    name: str
    params: list[str]
    state: list[str] = field(default_factory=list)  # array arguments (names of ArrayArguments)
    body: list[ast.stmt] = field(default_factory=list)
    header: Origin | None = None
    decorator: ast.expr = field(default_factory=lambda: name("_bm_njit"))
    purpose: str = "model"  # "model" (lowered from model code), "twin", "kernel" (pure), "wrapper"
    plain_body: list[ast.stmt] | None = None  # as lowered, before any pass (scalar twins read it)
    inline_body: list[ast.stmt] | None = None  # what a caller inlines (after inlining and aliases)
    # Names holding an array of known (dtype, ndim) throughout the body: the entry's array parameters
    # that the body never assigns (their types were seen at the call the code is generated for), and
    # names the passes assign once (a pure call's result). Passes write typed code for them.
    known_types: dict[str, tuple[np.dtype, int]] = field(default_factory=dict)

    @property
    def arguments(self) -> list[str]:
        return self.params + self.state

    @property
    def returns_value(self) -> bool:
        return any(isinstance(s, ast.Return) and s.value is not None for s in walk_statements(self.body))


class Program:
    """The generated module of one ``bm.jit``: functions, array arguments, symbols and guards."""

    def __init__(self, options: dict[str, Any]):
        self.options = options
        self.arrays: dict[int, ArrayArgument] = {}
        self.array_names: set[str] = set()
        self.guards: dict[tuple[int, str | None], Guard | ItemsGuard] = {}
        self.functions: list[Function] = []  # in definition order: callees before callers
        self.functions_by_name: dict[str, Function] = {}
        self.symbols: dict[str, Symbol] = {}
        self.names = Names()
        self.random_streams: dict[str, str] = {}  # key array name -> counter array name
        # Parameters of the entry whose dtype and ndim the generated code relies on: the call wrapper
        # checks them, and a call with others generates code for those.
        self.assumed_arguments: set[str] = set()
        self.scalar_twins: dict[str, str | None] = {}  # function name -> its one-element twin (or None)
        # Every program follows the dtype policy it was generated under: a call after
        # bm.enable_x64()/disable_x64() finds this guard changed and selects the other policy's code.
        self.guard(vars(_config), "_x64", _config._x64, "the dtype policy (bm.enable_x64)")

    def array(self, array: np.ndarray) -> str:
        entry = self.arrays.get(id(array))
        if entry is None:
            entry = ArrayArgument(self.names.new(Role.ARRAY), array, np.ndarray.view(array, np.ndarray))
            self.arrays[id(array)] = entry
            self.array_names.add(entry.name)
        return entry.name

    def array_named(self, identifier: str) -> np.ndarray | None:
        entry = next((a for a in self.arrays.values() if a.name == identifier), None)
        return None if entry is None else entry.plain

    def guard(self, container: Any, key: str | None, value: Any, where: str, on_base: bool = False) -> None:
        ident = (id(container), key)
        if ident not in self.guards:
            self.guards[ident] = Guard(container, key, value, where, on_base)

    def guard_items(self, container: Any, where: str) -> None:
        """Regenerate when an item of ``container`` (a list, dict or dict view) changes."""
        if type(container) in (type({}.keys()), type({}.values()), type({}.items())):
            container = container.mapping  # the live dict behind the view (read-only proxy)
        if not isinstance(container, (list, dict, pytypes.MappingProxyType)):
            return  # tuples cannot change; other containers are not tracked
        ident = (id(container), ITEMS)
        if ident not in self.guards:
            guard = ItemsGuard(container, (), where)
            guard.expected = guard.current()
            self.guards[ident] = guard

    def inject(self, identifier: str, obj: Any, description: str, kind: Kind, element: str | None = None,
               library: str | None = None, weak: tuple[str, bool] | None = None) -> str:
        if identifier not in self.symbols:
            self.symbols[identifier] = Symbol(identifier, obj, kind, description, element, library, weak)
        return identifier

    def symbol(self, identifier: str) -> Symbol | None:
        return self.symbols.get(identifier)

    def add_function(self, function: Function) -> Function:
        self.functions.append(function)
        self.functions_by_name[function.name] = function
        return function

    @property
    def namespace(self) -> dict[str, Any]:
        return {s.name: s.obj for s in self.symbols.values()}
