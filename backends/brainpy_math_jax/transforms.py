"""JAX's transformations on functions, bound methods and ``Base`` objects holding Variables.

JAX transforms pure functions. Each transformation here turns the user's code into one: it
substitutes tracers into the Variables it threads, runs the code, reads back what the code wrote,
and puts every Variable back as it was before handing the new values to JAX as outputs; after the
call the outputs are written into the Variables. ``tracking.TraceContext`` records the Variables
the code touches, so none is missed (a Variable read by a compiled function but not threaded would
be frozen into it as a constant; ``jit`` threads it and traces again).

``jit`` keeps its compiled functions in a cache keyed by the object (weakly) and by what can change
between calls (static arguments, the set of Variables; shapes and dtypes are JAX's own cache key),
so calling a jitted step in a Python loop costs one dictionary lookup and JAX's own dispatch.

A trace also records the plain (non-Variable) attributes of ``Base`` objects the code reads: they
are constants of the compiled code, so each call checks them (identity first, then by value) and
traces again when one changed. A compiled program is shared by the objects of one class whose
structure matches (the method, the Variables' paths, shapes and dtypes, and those attributes'
values): each passes its own Variables. Calls of one jitted object are serialised by a lock per
object; traces by ``tracking.TRACE_LOCK``.
"""
from __future__ import annotations

import collections
import functools
import hashlib
import inspect
import threading
import types
import weakref
from typing import Any, Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

import brainpy_math.base as _base
from brainpy_math.base import Base
from . import random as _random
from .array import JaxArray
from .tracking import (LOCAL, MISSING, TRACE_LOCK, AttributeLeakError, AttributeRecorder,
                       NonVariableMutationError, Retrace, TraceContext, holds_trace_values,
                       note_variable)
from .variables import Variable, raw_get, raw_set

__all__ = ["jit", "grad", "value_and_grad", "vector_grad", "jacobian", "jacrev", "jacfwd", "hessian",
           "vmap", "pmap", "JitFunction"]

# How many retraces one call may trigger by touching Variables not yet threaded. Each retrace adds
# at least one Variable, so this only stops a pathological function from looping forever.
_MAX_RETRACES = 32
# Bounds of the compilation cache: variants (static options, Variable sets) kept per object.
_MAX_CORES_PER_OWNER = 32
_MAX_VARSETS_PER_CORE = 8


def _is_array(x: Any) -> bool:
    return isinstance(x, JaxArray)


# ------------------------------------------------------------------------------------------ targets
class _Target:
    """The code a transformation runs: a function, a bound method or a Base object's ``__call__``.

    The object is held weakly when possible, so compiled functions cached for it are released with
    it; the user-facing wrapper keeps it alive while the wrapper lives.
    """

    __slots__ = ("_ref", "_strong", "func", "label", "__weakref__")

    def __init__(self, f: Any, transform: str):
        if isinstance(f, types.MethodType):
            owner, func = f.__self__, f.__func__
            self.label = f"{type(owner).__name__}.{func.__name__}"
        elif isinstance(f, Base):
            # Looked up in the class's own MRO (a plain getattr would find the metaclass's __call__).
            call = next((c.__dict__["__call__"] for c in type(f).__mro__ if "__call__" in c.__dict__), None)
            if call is None:
                raise TypeError(f"{transform}: argument 'f' is a {type(f).__name__} object, which has no "
                                f"__call__ method; pass a bound method instead (e.g. obj.update)")
            owner, func = f, call
            self.label = f"{type(f).__name__}.__call__"
        elif callable(f):
            owner, func = f, None
            self.label = getattr(f, "__qualname__", None) or repr(f)
        else:
            raise TypeError(f"{transform}: argument 'f' must be a function, a bound method or a "
                            f"bm.Base object, got {f!r} ({type(f).__name__})")
        self.func = func
        _ensure_default_random_state()
        try:
            self._ref, self._strong = weakref.ref(owner), None
        except TypeError:
            self._ref, self._strong = None, owner

    @property
    def owner(self) -> Any:
        return self._strong if self._ref is None else self._ref()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        owner = self.owner
        if owner is None:
            raise ReferenceError(f"{self.label}: the object this compiled function belongs to no longer exists")
        if self.func is None:
            return owner(*args, **kwargs)
        return self.func(owner, *args, **kwargs)

    def owner_variables(self) -> list:
        owner = self.owner
        return list(owner.vars().values()) if isinstance(owner, Base) else []

    def locate(self, array: Any) -> str | None:
        """A human-readable name of ``array`` if it is an attribute, closure cell or global of the code."""
        owner = self.owner
        if isinstance(owner, Base):
            for path, node, label, item in owner._walk(lambda v: v is array):
                return f"attribute '{node.name}.{label}'"
        fun = self.func if self.func is not None else owner
        fun = inspect.unwrap(fun) if callable(fun) else fun
        code = getattr(fun, "__code__", None)
        if code is not None:
            for name, cell in zip(code.co_freevars, getattr(fun, "__closure__", None) or ()):
                try:
                    if cell.cell_contents is array:
                        return f"'{name}' (a variable captured by {self.label})"
                except ValueError:
                    continue
            globs = getattr(fun, "__globals__", {})
            for name in code.co_names:
                if globs.get(name) is array:
                    return f"the global '{name}' (used by {self.label})"
        return None


def _ensure_default_random_state() -> None:
    # Created lazily on first use: were that first use inside a trace, its Variables would be born
    # holding tracers. Creating it before any trace keeps them concrete (and found when touched).
    make = getattr(_random, "default_state", None)
    if make is not None:
        make()


def _named(error: NonVariableMutationError, target: _Target) -> NonVariableMutationError:
    where = target.locate(error.array)
    return error.with_location(f"{where} (a JaxArray of shape {error.array.shape})") if where else error


def _announce(variables: Sequence) -> None:
    """Tell enclosing transformations that the Variables among ``variables`` are used here.

    Called before a nested transformation substitutes tracers into them, so that an enclosing one
    records their values from before (and threads them, if it compiles).
    """
    for var in variables:
        if isinstance(var, Variable):
            note_variable(var, False)


def _write_back(var: Any, value: Any) -> None:
    """Store a transformation's result in ``var``; enclosing transformations see it as a write."""
    if LOCAL.contexts and isinstance(var, Variable):
        note_variable(var, True)
    raw_set(var, value)


def _detach(tree: Any) -> Any:
    """Variables in results become plain JaxArrays (a result is a value, not the caller's state)."""
    def plain(x):
        return JaxArray._from_value(raw_get(x)) if isinstance(x, Variable) else x
    return jax.tree_util.tree_map(plain, tree, is_leaf=_is_array)


def _variables(items: Any, where: str, argname: str) -> list:
    """A flat list of the Variables in ``items`` (a Variable, a container of them, or a dict)."""
    if items is None:
        return []
    leaves, _ = _flatten_arrays(items, where, argname)
    for leaf in leaves:
        if not isinstance(leaf, Variable):
            raise TypeError(f"{where}: argument '{argname}' must hold bm.Variable objects, got a "
                            f"{type(leaf).__name__} of shape {leaf.shape}")
    return _unique(leaves)


def _unique(items: Sequence) -> list:
    seen: set[int] = set()
    out = []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            out.append(item)
    return out


def _flatten_arrays(tree: Any, where: str, argname: str) -> tuple[list, Callable[[list], Any]]:
    """The JaxArrays of a JaxArray / list / tuple / dict container, and a function rebuilding it."""
    if isinstance(tree, JaxArray):
        return [tree], lambda leaves: leaves[0]
    if isinstance(tree, dict):
        keys = list(tree)
        parts = [_flatten_arrays(tree[k], where, argname) for k in keys]
        counts = [len(p[0]) for p in parts]

        def rebuild_dict(leaves):
            out, start = {}, 0
            for k, (_, rebuild), n in zip(keys, parts, counts):
                out[k] = rebuild(leaves[start:start + n])
                start += n
            return type(tree)(out) if type(tree) is not dict else out
        return [leaf for p in parts for leaf in p[0]], rebuild_dict
    if isinstance(tree, (list, tuple)):
        parts = [_flatten_arrays(item, where, argname) for item in tree]
        counts = [len(p[0]) for p in parts]

        def rebuild_seq(leaves):
            items, start = [], 0
            for (_, rebuild), n in zip(parts, counts):
                items.append(rebuild(leaves[start:start + n]))
                start += n
            if hasattr(tree, "_fields"):
                return type(tree)(*items)
            return type(tree)(items)
        return [leaf for p in parts for leaf in p[0]], rebuild_seq
    raise TypeError(f"{where}: argument '{argname}' must be a JaxArray/Variable or a list, tuple or dict "
                    f"of them, got {type(tree).__name__}")


def _normalize_argnums(value: Any, where: str, argname: str) -> tuple[int, ...]:
    if value is None:
        return ()
    items = (value,) if isinstance(value, int) else tuple(value)
    for i in items:
        if not isinstance(i, int) or isinstance(i, bool):
            raise TypeError(f"{where}: argument '{argname}' must be an int or a sequence of ints, got {value!r}")
    return items


def _normalize_argnames(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = (value,) if isinstance(value, str) else tuple(value)
    for name in items:
        if not isinstance(name, str):
            raise TypeError(f"{where}: argument 'static_argnames' must be a str or a sequence of str, got {value!r}")
    return items


# -------------------------------------------------------------------------------------------- jit
# Compiled programs shared by objects of the same structure (see ``_Compiled.refresh``), least
# recently made first; bounded.
_MAX_PROGRAMS = 256
_MAX_PROGRAMS_PER_STRUCTURE = 8
_PROGRAMS: "collections.OrderedDict[tuple, list]" = collections.OrderedDict()


class _IdRef:
    """A hashable weak reference by identity (a Variable's ``==`` is elementwise; its hash fails).

    Equal only to a reference to the same live object, so a new object that gets a collected one's
    id never matches.
    """

    __slots__ = ("ref", "key")

    def __init__(self, obj: Any):
        self.ref = weakref.ref(obj)
        self.key = id(obj)

    def __hash__(self) -> int:
        return self.key

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, _IdRef) or other.key != self.key:
            return False
        obj = self.ref()
        return obj is not None and obj is other.ref()


def _value_state(value: Any) -> Any:
    """A comparable summary of a plain attribute's value, equal for values compiled code treats alike.

    Variables and objects count by kind and layout only (they are state, threaded or walked on their
    own); arrays and Python data by value.
    """
    if isinstance(value, Variable):
        return ("V", type(value).__name__, tuple(value.shape), str(value.dtype))
    if isinstance(value, Base):
        return ("B", type(value))
    if isinstance(value, JaxArray):
        raw = raw_get(value)
        if isinstance(raw, jax.core.Tracer):
            return ("O", id(value))
        return ("A", tuple(raw.shape), str(raw.dtype), _digest(np.asarray(raw)))
    if isinstance(value, np.ndarray):
        return ("N", value.shape, value.dtype.str, _digest(value))
    if isinstance(value, (list, tuple)):
        return (type(value), tuple(_value_state(v) for v in value))
    if isinstance(value, dict):
        return ("D", tuple((k, _value_state(v)) for k, v in value.items()))
    if isinstance(value, (bool, int, float, complex, str, bytes, type(None), np.generic)):
        return (type(value), repr(value))
    if value is MISSING:
        return ("M",)
    return ("O", id(value))


def _digest(array: np.ndarray) -> bytes:
    """The content of an array, short (programs keep it as long as they live)."""
    data = np.ascontiguousarray(array).tobytes()
    return data if len(data) <= 64 else hashlib.blake2b(data, digest_size=20).digest()


# A NumPy array attribute up to this many bytes is compared by value at each call (it may be changed
# in place); a larger one only by identity, so that a large table costs no copy per call.
_MAX_COMPARED_BYTES = 1 << 16


def _fast_state(value: Any, keep: list) -> Any:
    """A summary of a container or NumPy array that changes whenever anything in it is rebound.

    Items are compared by identity (``keep`` holds them, so their ids stay theirs).
    """
    if isinstance(value, np.ndarray):
        keep.append(value)
        if value.nbytes > _MAX_COMPARED_BYTES:
            return ("N", id(value))
        return ("N", id(value), value.shape, value.dtype.str, value.tobytes())
    if isinstance(value, (list, tuple)):
        return (type(value), tuple(_fast_state(v, keep) for v in value))
    if isinstance(value, dict):
        return ("D", tuple((k, _fast_state(v, keep)) for k, v in value.items()))
    if isinstance(value, JaxArray) and not isinstance(value, Variable):
        raw = raw_get(value)
        keep.append(raw)
        return ("A", id(value), id(raw))
    keep.append(value)
    return id(value)


def _guard(d: dict, name: str, value: Any) -> tuple:
    """``(dict, name, value, kind, token)``: checked at each call by :func:`_guards_hold`."""
    if isinstance(value, JaxArray) and not isinstance(value, Variable):
        return d, name, value, 1, raw_get(value)
    if isinstance(value, (list, tuple, dict, np.ndarray)):
        keep: list = []
        return d, name, value, 2, (_fast_state(value, keep), keep)
    return d, name, value, 0, None


def _guards_hold(guards: Sequence) -> bool:
    """Whether every plain attribute a compiled program was traced with is still what it was."""
    for d, name, expected, kind, token in guards:
        current = d.get(name, MISSING)
        if current is not expected:
            return False
        if kind == 1:
            if raw_get(current) is not token:
                return False
        elif kind == 2 and _fast_state(current, []) != token[0]:
            return False
    return True


def _node_paths(owner: Any) -> dict[str, Any]:
    """Path (``''``, ``'syn'``, ``'layers[0]'``) -> every ``Base`` object reachable from ``owner``."""
    if not isinstance(owner, Base):
        return {}
    nodes = {"": owner}
    for path, _node, _label, node in owner._walk(lambda v: isinstance(v, Base)):
        nodes.setdefault(path, node)
    return nodes


class _Program:
    """One compiled function and the plain attributes its traces read (its guards).

    Objects of the same structure share it: each calls it with its own Variables' values, after
    checking that its own attributes hold the values the program was traced with.

    Attributes:
        fn: the compiled function (a ``jax.jit`` of a pure function).
        guards: ``(where, name, value state)``; ``where`` is a path from the calling object (a str)
            or a weak reference to an object outside it.
        generation: bumped when a trace adds guards, so the objects using it check them again.
        traces: how many times the program's code was traced.
    """

    __slots__ = ("fn", "guards", "keys", "generation", "invalid", "traces", "__weakref__")

    def __init__(self) -> None:
        self.fn: Callable | None = None
        self.guards: list[tuple] = []
        self.keys: set = set()
        self.generation = 0
        self.invalid = False
        self.traces = 0

    def resolve(self, owner: Any, nodes: dict) -> list | None:
        """The guards as ``owner`` sees them, or None if ``owner`` holds other values."""
        out = []
        for where, name, state in self.guards:
            node = nodes.get(where) if isinstance(where, str) else where()
            if node is None:
                return None
            d = node.__dict__
            value = d.get(name, MISSING)
            if (state[0] == "M") != (value is MISSING):
                return None
            if value is MISSING:
                if type(node) is not state[1]:
                    return None
            elif _value_state(value) != state:
                return None
            out.append(_guard(d, name, value))
        return out

    def record(self, recorder: AttributeRecorder, owner: Any) -> None:
        """Add the plain attributes one trace read (from ``recorder``) to the guards."""
        paths = {id(node): path for path, node in _node_paths(owner).items()}
        added = False
        for (oid, name), value in recorder.reads.items():
            if (oid in recorder.created or isinstance(value, (Variable, Base))
                    or (oid, name) in recorder.writes):
                # Variables are threaded, objects walked; the trace's own objects are its own, and
                # an attribute it sets itself (a trace counter) is its output, not its input.
                continue
            obj = recorder.objects[oid]
            path = paths.get(oid)
            where = path if path is not None else weakref.ref(obj)
            if (where, name) in self.keys:
                continue
            self.keys.add((where, name))
            state = ("M", type(obj)) if value is MISSING else _value_state(value)
            self.guards.append((where, name, state))
            added = True
        if added:
            self.generation += 1


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


_NO_LOCK = _NoLock()


def _attribute_label(obj: Any, name: str) -> str:
    return f"{type(obj).__name__}.{name}"


def _leak_error(transform: str, label: str, leaked: list) -> AttributeLeakError:
    obj, name, value = leaked[0]
    where = _attribute_label(obj, name)
    if isinstance(value, Variable):
        what = "a bm.Variable created inside the compiled function"
    elif isinstance(value, (jax.core.Tracer, JaxArray)):
        what = "an array computed inside the compiled function (a tracer)"
    elif holds_trace_values(value, set()):
        what = f"a {type(value).__name__} holding values computed inside the compiled function"
    else:
        what = f"{_short_repr(value)}"
    others = "" if len(leaked) == 1 else f" (and {', '.join(_attribute_label(o, n) for o, n, _ in leaked[1:])})"
    return AttributeLeakError(
        f"{transform}: {label} sets {where}{others} to {what}, but {where} is not a Variable: compiled "
        f"code runs that assignment only while tracing, so the attribute would keep a tracer (or a "
        f"stale value). Make {where} a bm.Variable created outside bm.{transform} (e.g. in __init__) "
        f"and write into it (self.{name}.value = ...), or compute it outside; {where} was left as it was")


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_backend_variables(found: Sequence, target: _Target) -> None:
    """Refuse, in one line, Variables that another backend made (their storage is not a jax array)."""
    for var in found:
        if not isinstance(var, JaxArray):
            owner = target.owner
            where = None
            if isinstance(owner, Base):
                where = next((f"{type(node).__name__}.{label}" for _p, node, label, item in
                              owner._walk(lambda v: v is var)), None)
            where = where or f"a Variable of shape {tuple(var.shape)}"
            raise TypeError(f"jit (jax backend): {target.label} uses {where}, a {type(var).__module__}."
                            f"{type(var).__name__} made by another backend; build the model under the "
                            f"backend that runs it (create it inside `with bm.set_backend('jax'):`)")


class _Compiled:
    """One object's compiled variant: the code, its options, the Variables it threads and its program."""

    def __init__(self, target: _Target, dyn_vars: list, static_argnums: tuple[int, ...],
                 static_argnames: tuple[str, ...], donate: bool, transform: str = "jit",
                 make: Callable | None = None, mapped_vars: Sequence = ()):
        self.target = target
        self.transform = transform
        self.dyn_vars = dyn_vars
        self.discovered: list = []
        self.static_argnums = static_argnums
        self.static_argnames = static_argnames
        self.has_static = bool(static_argnums or static_argnames)
        self.donate = donate
        self.mapped_ids = {id(v) for v in mapped_vars}
        self.mapped_vars = list(mapped_vars)
        self._shareable = make is None
        self._make = make or self._make_jit
        # Programs of this object alone (functions, pmap): structure signature -> [_Program]
        self._private: "collections.OrderedDict[tuple, list]" = collections.OrderedDict()
        self.lock = threading.RLock()
        self.version = -1
        self.vars: tuple = ()
        self.compiled: Callable | None = None
        self.program: _Program = _Program()
        self.program.generation = -1
        self.generation = -2
        self.guards: list = []
        self.binding: tuple = ()

    # ---- the Variables threaded and the program
    def refresh(self) -> None:
        """Collect the Variables again and pick (or make) the program for this object as it is now."""
        with TRACE_LOCK:
            self.version = _base.structure_version
            # The default RandomState is not listed: like any Variable the code touches, its key and
            # counter are found while tracing, so code that draws no random numbers does not pay.
            found = tuple(_unique([*self.target.owner_variables(), *self.mapped_vars, *self.dyn_vars,
                                   *self.discovered]))
            _check_backend_variables(found, self.target)
            program, guards = self._select(found)
            self.vars, self.program, self.compiled = found, program, program.fn
            self.guards, self.generation = guards, program.generation
            self.binding = (self.target, found, program)

    def _signature(self, found: tuple, owner: Any) -> tuple:
        """What the program depends on besides attribute values: the Variables' layout and identity.

        An object's own Variables count by path, type, shape and dtype (so another object of the
        same structure matches); others (global state, the random state) by identity.
        """
        paths = {}
        if isinstance(owner, Base):
            paths = {id(v): path for path, v in owner.vars("relative").items()}
        sig = []
        for var in found:
            path = paths.get(id(var))
            if path is None:
                sig.append(_IdRef(var))
            else:
                sig.append((path, type(var), tuple(var.shape), str(var.dtype)))
        return tuple(sig)

    def _select(self, found: tuple) -> tuple[_Program, list]:
        owner = self.target.owner
        shared = self._shareable and isinstance(owner, Base)
        sig = self._signature(found, owner)
        if shared:
            table = _PROGRAMS
            key = (self.transform, type(owner), self.target.func, self.static_argnums,
                   self.static_argnames, self.donate, sig)
        else:
            table, key = self._private, sig
        candidates = table.get(key)
        if candidates is None:
            candidates = table[key] = []
            if len(table) > (_MAX_PROGRAMS if shared else _MAX_VARSETS_PER_CORE):
                table.popitem(last=False)
        else:
            table.move_to_end(key)
        nodes = _node_paths(owner)
        for program in candidates:
            if not program.invalid:
                guards = program.resolve(owner, nodes)
                if guards is not None:
                    return program, guards
        program = _Program()
        program.fn = self._make(self._pure(program), found)
        candidates[:] = [p for p in candidates if not p.invalid][-(_MAX_PROGRAMS_PER_STRUCTURE - 1):]
        candidates.append(program)
        return program, []

    def add_discovered(self, variables: list) -> None:
        known = {id(v) for v in self.vars}
        self.discovered.extend(v for v in variables if id(v) not in known)
        self.version = -1

    # ---- building
    def _make_jit(self, pure: Callable, variables: tuple) -> Callable:
        static = (3,) if (self.static_argnums or self.static_argnames) else ()
        return jax.jit(pure, static_argnums=static, donate_argnums=(0,) if self.donate else ())

    def _pure(self, program: _Program) -> Callable:
        """The pure function JAX traces; it runs the code of whichever object calls (``LOCAL.binding``)."""
        transform, donate, mapped = self.transform, self.donate, self.mapped_ids
        writes_args = transform == "jit"
        is_pmap = transform == "pmap"
        merge = self.merge
        program_ref = weakref.ref(program)

        def pure(values, args, kwargs, static=None):
            target, variables, _program = LOCAL.binding
            if static is not None:
                args, kwargs = merge(args, kwargs, static)
            with TRACE_LOCK:
                top = {}
                if writes_args:
                    top.update((i, (a, raw_get(a))) for i, a in enumerate(args) if isinstance(a, JaxArray))
                    top.update((k, (a, raw_get(a))) for k, a in kwargs.items() if isinstance(a, JaxArray))
                nested = [leaf for leaf in jax.tree_util.tree_leaves((args, kwargs), is_leaf=_is_array)
                          if isinstance(leaf, JaxArray) and not any(leaf is a for a, _ in top.values())]
                ctx = TraceContext(transform, known=variables, foreign=nested)
                ctx.fresh.update(id(a) for a, _ in top.values())
                originals = list(map(raw_get, variables))
                recorder = AttributeRecorder()
                with ctx, recorder:
                    try:
                        for var, value in zip(variables, values):
                            raw_set(var, value)
                        out = target(*args, **kwargs)
                        leaked = recorder.leaked(ctx.fresh)
                        if leaked:
                            raise _leak_error(transform, target.label, leaked)
                        retrace = bool(ctx.touched)
                        if retrace:
                            # Traced again with them; no exception out of the trace (JAX would keep
                            # the abandoned trace, and its tracers, alive).
                            LOCAL.retrace = ctx.touched_variables()
                        # Only the Variables written are outputs (their indices are the dict's keys,
                        # part of the output structure), so read-only state costs no copy.
                        new = {}
                        for i, var in enumerate(variables):
                            current = raw_get(var)
                            if donate or current is not values[i]:
                                new[i] = current
                        if is_pmap:  # the mapped Variables' outputs keep their device axis
                            new = ({i: x for i, x in new.items() if id(variables[i]) in mapped},
                                   {i: x for i, x in new.items() if id(variables[i]) not in mapped})
                        new_args = {k: raw_get(a) for k, (a, before) in top.items()
                                    if raw_get(a) is not before}
                        out = _detach(out)
                    except BaseException:
                        recorder.undo_writes()
                        raise
                    finally:
                        for var, value in zip(variables, originals):
                            raw_set(var, value)
                prog = program_ref()
                if prog is not None:
                    prog.traces += 1
                    prog.record(recorder, target.owner)
                    if retrace:  # now, before another object sharing it can call it
                        prog.invalid = True
            if retrace and not is_pmap:
                # The result is discarded: return nothing, so XLA compiles an empty program.
                return None, {}, {}
            return out, new, new_args
        return pure

    # ---- static arguments
    def split(self, args: tuple, kwargs: dict) -> tuple[tuple, dict, tuple]:
        nums = tuple(i if i >= 0 else len(args) + i for i in self.static_argnums)
        static_pos = tuple((i, args[i]) for i in nums if i < len(args))
        dyn_args = tuple(a for i, a in enumerate(args) if i not in nums)
        static_kw = tuple(sorted((k, v) for k, v in kwargs.items() if k in self.static_argnames))
        dyn_kwargs = {k: v for k, v in kwargs.items() if k not in self.static_argnames}
        return dyn_args, dyn_kwargs, (static_pos, static_kw, len(args))

    @staticmethod
    def merge(args: tuple, kwargs: dict, static: tuple) -> tuple[tuple, dict]:
        static_pos, static_kw, nargs = static
        fixed = dict(static_pos)
        it = iter(args)
        full = tuple(fixed[i] if i in fixed else next(it) for i in range(nargs))
        return full, {**kwargs, **dict(static_kw)}

    # ---- calling
    def call(self, args: tuple, kwargs: dict) -> Any:
        """Check the program, read the state, run, write the state back: one thread at a time.

        Inside another transformation's trace the object's lock is not taken (that thread already
        holds ``TRACE_LOCK``; taking it would order the locks the other way round).
        """
        local = LOCAL
        nested = bool(local.contexts)
        with (_NO_LOCK if nested else self.lock):
            for _ in range(_MAX_RETRACES):
                if (self.version != _base.structure_version or self.generation != self.program.generation
                        or not _guards_hold(self.guards)):
                    self.refresh()
                variables, program = self.vars, self.program
                if nested:
                    _announce(variables)
                local.binding = self.binding
                local.retrace = None
                with TRACE_LOCK:
                    values = list(map(raw_get, variables))
                try:
                    if self.has_static:
                        dyn_args, dyn_kwargs, static = self.split(args, kwargs)
                        out, new, new_args = self.compiled(values, dyn_args, dyn_kwargs, static)
                    else:
                        out, new, new_args = self.compiled(values, args, kwargs)
                except Retrace as retrace:
                    self.add_discovered(retrace.variables)
                    continue
                except NonVariableMutationError as error:
                    raise _named(error, self.target) from None
                finally:
                    local.binding = None
                if local.retrace is not None or program.invalid:
                    # A trace (this one, or another thread's of a shared program) touched Variables
                    # not threaded: the program is wrong and its result discarded. Thread them.
                    if local.retrace is not None:
                        self.add_discovered(local.retrace)
                    local.retrace = None
                    self.version = -1
                    continue
                with TRACE_LOCK:
                    for part in (new if self.transform == "pmap" else (new,)):
                        for i, value in part.items():
                            _write_back(variables[i], value)
                    for k, value in new_args.items():
                        _write_back(args[k] if isinstance(k, int) else kwargs[k], value)
                return out
        raise RuntimeError(f"{self.transform}: {self.target.label} kept touching new Variables on every "
                           f"trace ({_MAX_RETRACES} retraces); pass them explicitly with dyn_vars")


class _OwnerCache:
    """Compiled variants per object, held weakly: released when the object is collected."""

    def __init__(self):
        self._entries: dict[int, tuple[Any, dict]] = {}

    def get(self, owner: Any, key: tuple, build: Callable[[], _Compiled]) -> _Compiled:
        oid = id(owner)
        slot = self._entries.get(oid)
        if slot is None or slot[0]() is not owner:
            try:
                ref = weakref.ref(owner, functools.partial(self._release, oid))
            except TypeError:
                return build()
            slot = (ref, {})
            self._entries[oid] = slot
        variants = slot[1]
        core = variants.get(key)
        if core is None:
            core = build()
            if len(variants) >= _MAX_CORES_PER_OWNER:
                del variants[next(iter(variants))]
            variants[key] = core
        return core

    def _release(self, oid: int, ref: Any) -> None:
        slot = self._entries.get(oid)
        if slot is not None and slot[0] is ref:
            del self._entries[oid]

    def __len__(self) -> int:
        return len(self._entries)


_CACHE = _OwnerCache()


class JitFunction:
    """What ``bm.jit`` returns: call it like the original; state is read and written back.

    Attributes:
        target: what was compiled (the function, bound method or object).
        compiled_variables: the Variables the compiled code threads (after the first call).
    """

    def __init__(self, f: Any, core: _Compiled, owner: Any, options: dict):
        self._f = f
        self._core = core
        self._owner = owner  # keeps the object alive while this wrapper lives
        self._options = options
        functools.update_wrapper(self, f if not isinstance(f, Base) else type(f).__call__, updated=())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._core.call(args, kwargs)

    def __set_name__(self, owner: type, name: str) -> None:
        self._attribute = name

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        # ``@bm.jit`` on a method in a class body: bind it to the instance, then compile that. The
        # bound one is stored on the instance, so later look-ups find it directly.
        if instance is None:
            return self
        bound = jit(types.MethodType(self._f, instance), **self._options)
        name = getattr(self, "_attribute", None)
        if name is not None and isinstance(getattr(instance, "__dict__", None), dict):
            instance.__dict__[name] = bound
        return bound

    @property
    def target(self) -> Any:
        """What was compiled: the function, bound method or object given to ``jit``."""
        return self._f

    @property
    def compiled_variables(self) -> list:
        return list(self._core.vars)

    def __repr__(self) -> str:
        return f"<bm.jit of {self._core.target.label}>"


# Options that tune the numba backend's compilation. XLA fuses, parallelises and caches on its own,
# so they are accepted and ignored here: a model that passes them runs unchanged on this backend.
NUMBA_COMPILE_OPTIONS = frozenset({"parallel", "cache", "fastmath", "fuse"})


def check_compile_options(where: str, options: dict) -> None:
    """Raise ``TypeError`` for an option that neither backend knows; numba's own are ignored."""
    unknown = sorted(set(options) - NUMBA_COMPILE_OPTIONS)
    if unknown:
        raise TypeError(f"{where}: unknown option(s) {unknown} for the jax backend; it accepts (and ignores) "
                        f"the numba backend's {sorted(NUMBA_COMPILE_OPTIONS)}")


def jit(f: Any = None, dyn_vars: Any = None, static_argnums: Any = None, static_argnames: Any = None,
        donate_vars: bool = False, **compile_options: Any) -> Any:
    """Compile ``f`` with ``jax.jit``: a function, a bound method or a ``Base`` object (its ``__call__``).

    The Variables the code reads or writes are threaded through the compiled function: for an
    object or a method, ``obj.vars()``; for a function, ``dyn_vars``; and in every case any other
    Variable the code touches, such as the default random state's key and counter (found while
    tracing, then traced again with them).
    Writes inside are written back after each call; top-level JaxArray arguments mutated inside are
    updated too, like NumPy arrays. Mutating any other JaxArray that is not a Variable raises
    ``NonVariableMutationError`` naming it. Compiled code is cached per object (weakly, bounded):
    calling again with arguments of the same shapes does not retrace.

    Plain attributes the code reads (``self.tau``, a plain array, a dict or list attribute) are
    checked at every call; when one was rebound or changed, the code is traced again (NumPy arrays
    over 64 KiB are checked by identity only: rebind them rather than writing into them). Objects
    of the same class and structure share the compiled code. Assigning a value computed inside (a
    tracer, or a Variable created inside) to a plain attribute raises ``AttributeLeakError`` and
    leaves the attribute as it was. A jitted object may be called from several threads; its calls
    run one at a time.

    Args:
        f: what to compile; omit it to use ``jit(...)`` as a decorator factory.
        dyn_vars: Variables to thread in addition to those found (a Variable, list, tuple or dict).
        static_argnums: positions of arguments that are compile-time constants (hashable).
        static_argnames: names of keyword arguments that are compile-time constants.
        donate_vars: let XLA reuse the Variables' buffers for their new values (GPU/TPU).
        compile_options: the numba backend's ``parallel``, ``cache``, ``fastmath`` and ``fuse``,
            accepted and ignored; any other name raises ``TypeError``.

    Example:
        >>> import brainpy_math as bm
        >>> class Counter(bm.Base):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.n = bm.Variable(bm.zeros(1))
        ...     def __call__(self, inc):
        ...         self.n += inc
        ...         return self.n.value
        >>> step = bm.jit(Counter())
        >>> _ = step(2.0)
        >>> step(3.0).tolist()
        [5.0]
    """
    check_compile_options("jit", compile_options)
    options = dict(dyn_vars=dyn_vars, static_argnums=static_argnums, static_argnames=static_argnames,
                   donate_vars=donate_vars)
    if f is None:
        return lambda fun: jit(fun, **options)
    if isinstance(f, JitFunction):
        if dyn_vars is None and static_argnums is None and static_argnames is None and not donate_vars:
            return f
        f = f._f
    target = _Target(f, "jit")
    extra = _variables(dyn_vars, "jit", "dyn_vars")
    nums = _normalize_argnums(static_argnums, "jit", "static_argnums")
    names = _normalize_argnames(static_argnames, "jit")
    if not isinstance(donate_vars, bool):
        raise TypeError(f"jit: argument 'donate_vars' must be a bool, got {donate_vars!r}")
    owner = target.owner
    key = (target.func, nums, names, donate_vars, tuple(map(id, extra)))
    core = _CACHE.get(owner, key, lambda: _Compiled(target, extra, nums, names, donate_vars))
    return JitFunction(f, core, owner, options)


# --------------------------------------------------------------------------------------- autodiff
def _split_aux(result: Any, has_aux: bool, where: str) -> tuple[Any, Any]:
    if not has_aux:
        return result, None
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise TypeError(f"{where}: with has_aux=True the function must return a pair (output, aux), "
                        f"got {type(result).__name__}")
    return result[0], result[1]


def _primal(out: Any) -> Any:
    return jax.tree_util.tree_map(lambda x: raw_get(x) if isinstance(x, JaxArray) else x, out,
                                  is_leaf=_is_array)


def _wrap_tree(tree: Any) -> Any:
    return jax.tree_util.tree_map(lambda x: JaxArray._from_value(x) if isinstance(x, jax.Array) else x,
                                  _detach(tree), is_leaf=_is_array)


def _autodiff(name: str, f: Any, grad_vars: Any, argnums: Any, has_aux: bool, return_value: bool,
              dyn_vars: Any) -> Callable:
    target = _Target(f, name)
    if grad_vars is not None:
        grad_leaves, rebuild_grads = _flatten_arrays(grad_vars, name, "grad_vars")
    else:
        grad_leaves, rebuild_grads = [], None
    # dyn_vars is accepted for BrainPy compatibility and checked; writes to any Variable are
    # tracked while the function runs, so no list is needed.
    _variables(dyn_vars, name, "dyn_vars")
    if argnums is None and grad_vars is None:
        argnums = 0
    single_arg = isinstance(argnums, int)
    positions = _normalize_argnums(argnums, name, "argnums")
    with_vars = grad_vars is not None
    if name == "hessian" and with_vars and positions:
        raise NotImplementedError("hessian on the jax backend: grad_vars together with argnums (mixed "
                                  "second derivatives) is not supported; compose "
                                  "bm.jacfwd(bm.jacrev(f, grad_vars=...), grad_vars=..., argnums=...) instead")
    for flag, label in ((has_aux, "has_aux"), (return_value, "return_value")):
        if not isinstance(flag, bool):
            raise TypeError(f"{name}: argument '{label}' must be a bool, got {flag!r}")

    def transformed(*args: Any, **kwargs: Any) -> Any:
        for p in positions:
            if not -len(args) <= p < len(args):
                raise ValueError(f"{name}: argnums={argnums!r} refers to argument {p}, but the function "
                                 f"was called with {len(args)} positional argument(s)")
        pos = tuple(p % len(args) for p in positions)
        written: list = []

        def pure(grad_values, *diff_args):
            full = list(args)
            for p, a in zip(pos, diff_args):
                full[p] = a
            originals = list(map(raw_get, grad_leaves))
            _announce(grad_leaves)
            ctx = TraceContext(name, known=[v for v in grad_leaves if isinstance(v, Variable)])
            with ctx:
                try:
                    for leaf, value in zip(grad_leaves, grad_values):
                        raw_set(leaf, value)
                    out, aux = _split_aux(target(*full, **kwargs), has_aux, name)
                    pairs = ctx.written_values()
                    pairs += [(leaf, raw_get(leaf)) for leaf, value in zip(grad_leaves, grad_values)
                              if isinstance(leaf, Variable) and raw_get(leaf) is not value]
                    out, aux = _detach(out), _detach(aux)
                finally:
                    for leaf, value in zip(grad_leaves, originals):
                        raw_set(leaf, value)
            written[:] = [var for var, _ in pairs]
            primal = _primal(out)
            if name in ("grad", "value_and_grad"):
                primal = _scalar_output(primal, name)
            return primal, (out, aux, [value for _, value in pairs])

        grad_values = [raw_get(leaf) for leaf in grad_leaves]
        diff_args = [args[p] for p in pos]
        jax_argnums = ((0,) if with_vars else ()) + tuple(range(1, len(pos) + 1))
        try:
            if name == "vector_grad":
                primal, vjp, (out, aux, values) = jax.vjp(pure, grad_values, *diff_args, has_aux=True)
                cotangents = vjp(jax.tree_util.tree_map(jnp.ones_like, primal))
                grads = tuple(cotangents[i] for i in jax_argnums)
            else:
                transform = _JAX_TRANSFORMS[name]
                # One input: JAX's own (unnested) result; e.g. a Hessian is then a matrix, not ((H,),).
                one = jax_argnums[0] if len(jax_argnums) == 1 else jax_argnums
                grads, (out, aux, values) = transform(pure, argnums=one, has_aux=True)(
                    grad_values, *diff_args)
                if len(jax_argnums) == 1:
                    grads = (grads,)
        except NonVariableMutationError as error:
            raise _named(error, target) from None
        for var, value in zip(written, values):
            _write_back(var, value)
        if with_vars and name == "hessian":
            # One block per pair of grad_vars: a container (like grad_vars) of such containers.
            var_grads = rebuild_grads([rebuild_grads(_wrap_tree(list(row))) for row in grads[0]])
        else:
            var_grads = rebuild_grads(_wrap_tree(list(grads[0]))) if with_vars else None
        arg_grads = _wrap_tree(tuple(grads[1:] if with_vars else grads))
        if single_arg:
            arg_grads = arg_grads[0]
        if with_vars and positions:
            gradients = (var_grads, arg_grads)
        else:
            gradients = var_grads if with_vars else arg_grads
        if name == "value_and_grad":
            return ((out, aux) if has_aux else out), gradients
        if has_aux and return_value:
            return gradients, out, aux
        if has_aux:
            return gradients, aux
        if return_value:
            return gradients, out
        return gradients

    functools.update_wrapper(transformed, target.func or target.owner, updated=())
    return transformed


def _scalar_output(value: Any, name: str) -> Any:
    if not isinstance(value, (jax.Array, jax.core.Tracer)) or value.shape != ():
        shape = getattr(value, "shape", None)
        raise TypeError(f"{name}: the function must return a scalar (shape ()), got "
                        f"{type(value).__name__}{'' if shape is None else f' of shape {shape}'}; use "
                        f"bm.vector_grad for the gradient of the sum of a non-scalar output, or "
                        f"bm.jacobian for the full Jacobian")
    return value


_JAX_TRANSFORMS = {"grad": jax.grad, "value_and_grad": jax.grad, "jacobian": jax.jacrev,
                   "jacrev": jax.jacrev, "jacfwd": jax.jacfwd, "hessian": jax.hessian}


def grad(f: Any, grad_vars: Any = None, argnums: Any = None, has_aux: bool = False,
         return_value: bool = False, dyn_vars: Any = None) -> Callable:
    """The gradient of a scalar function w.r.t. arguments (``argnums``) and/or ``grad_vars``.

    ``grad_vars`` are Variables or plain JaxArray attributes (a single one or a list/tuple/dict);
    their gradients come back in the same container. Return values:

    ==========================  =====================================================
    gradients ``g``             ``arg_grads`` (no ``grad_vars``; ``argnums`` defaults to 0),
                                ``var_grads`` (``grad_vars`` only),
                                ``(var_grads, arg_grads)`` (both)
    has_aux / return_value      ``g``, ``(g, aux)``, ``(g, value)``, ``(g, value, aux)``
    ==========================  =====================================================

    Variables written by the function are written back (their new values, not tracers).

    Example:
        >>> import brainpy_math as bm
        >>> w = bm.Variable(bm.ones(2))
        >>> bm.grad(lambda x: (w * x).sum(), grad_vars=w)(bm.arange(2.0)).tolist()
        [0.0, 1.0]
    """
    return _autodiff("grad", f, grad_vars, argnums, has_aux, return_value, dyn_vars)


def value_and_grad(f: Any, grad_vars: Any = None, argnums: Any = None, has_aux: bool = False,
                   dyn_vars: Any = None) -> Callable:
    """``(value, g)`` (``((value, aux), g)`` with ``has_aux``); ``g`` as in :func:`grad`.

    Example:
        >>> import brainpy_math as bm
        >>> v, g = bm.value_and_grad(lambda x: (x ** 2).sum())(bm.ones(2))
        >>> float(v), g.tolist()
        (2.0, [2.0, 2.0])
    """
    return _autodiff("value_and_grad", f, grad_vars, argnums, has_aux, False, dyn_vars)


def vector_grad(f: Any, grad_vars: Any = None, argnums: Any = None, has_aux: bool = False,
                return_value: bool = False, dyn_vars: Any = None) -> Callable:
    """The gradient of the sum of a non-scalar output; arguments and results as :func:`grad`.

    Example:
        >>> import brainpy_math as bm
        >>> bm.vector_grad(lambda x: x ** 2)(bm.arange(3.0)).tolist()
        [0.0, 2.0, 4.0]
    """
    return _autodiff("vector_grad", f, grad_vars, argnums, has_aux, return_value, dyn_vars)


def _jacobian_like(name: str, summary: str) -> Callable:
    def transform(f: Any, grad_vars: Any = None, argnums: Any = None, has_aux: bool = False,
                  return_value: bool = False, dyn_vars: Any = None) -> Callable:
        return _autodiff(name, f, grad_vars, argnums, has_aux, return_value, dyn_vars)
    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = (f"{summary}; arguments and results as :func:`grad` (``value`` is the output).\n\n"
                         f"Example:\n    >>> import brainpy_math as bm\n"
                         f"    >>> bm.{name}(lambda x: (x ** 3).sum() if '{name}' == 'hessian' else x * 2)"
                         f"(bm.ones(2)).shape\n    (2, 2)\n")
    return transform


jacobian = _jacobian_like("jacobian", "The Jacobian, in reverse mode")
jacrev = _jacobian_like("jacrev", "The Jacobian, in reverse mode")
jacfwd = _jacobian_like("jacfwd", "The Jacobian, in forward mode")
hessian = _jacobian_like("hessian", "The Hessian of a scalar function")


# ----------------------------------------------------------------------------------- vmap / pmap
def _args_axes(in_axes: Any, args: tuple, name: str) -> Any:
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    if isinstance(in_axes, tuple) and len(in_axes) != len(args):
        raise ValueError(f"{name}: in_axes={in_axes!r} has {len(in_axes)} entries but the function was "
                         f"called with {len(args)} positional argument(s)")
    return in_axes


def _unbatched_write_error(name: str, variables: list, error: Exception) -> ValueError:
    shapes = ", ".join(f"a Variable of shape {v.shape}" for v in variables)
    return ValueError(f"{name}: the function writes {shapes} with a value that depends on the mapped "
                      f"arguments, but the Variable is not mapped. List it in batched_vars (its "
                      f"leading axis is then the mapped one). ({error})")


class _PrivateAxis:
    """A fresh axis name for a ``bm.vmap`` call the user did not name (hashable by identity)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "bm.vmap axis"


def vmap(f: Any, in_axes: Any = 0, out_axes: Any = 0, batched_vars: Any = None,
         axis_name: Any = None) -> Callable:
    """Vectorise ``f`` (a function, bound method or ``Base`` object) over an axis of its arguments.

    Positional arguments are mapped as ``in_axes`` says (``None``: shared); keyword arguments are
    shared. Variables are shared by every batch element unless listed in ``batched_vars``, whose
    leading axis is then mapped; writing a shared Variable with a batched value raises.

    Random numbers are split per batch element, as in BrainPy: each RandomState the function draws
    from (the default state of ``bm.random.*`` or any other, e.g. a model's attribute) gives row
    ``r`` its own key, derived from the state's key, counter and ``r``; the state itself advances
    once per call (2 words), whatever the batch size, so the same seed gives the same rows and
    the calls outside ``vmap`` draw the stream they always did. Nested ``vmap``s split again.

    Example:
        >>> import brainpy_math as bm
        >>> bm.vmap(lambda a, b: a * b, in_axes=(None, 0))(bm.ones(2), bm.ones((3, 2))).shape
        (3, 2)
        >>> rows = bm.vmap(lambda x: x + bm.random.normal(size=2))(bm.zeros((3, 2)))
        >>> bool(rows[0, 0] != rows[1, 0])  # each row draws its own numbers
        True
    """
    target = _Target(f, "vmap")
    mapped = _variables(batched_vars, "vmap", "batched_vars")

    def transformed(*args: Any, **kwargs: Any) -> Any:
        axes = _args_axes(in_axes, args, "vmap")
        written: list = []
        # Per-row streams need the row index (lax.axis_index), so the mapped axis always has a
        # name: the user's, or one private to this call (nested vmaps must not share one).
        name = axis_name if axis_name is not None else _PrivateAxis()

        def pure(mapped_values, args):
            originals = list(map(raw_get, mapped))
            _announce(mapped)
            # Every RandomState gets one stream per batch element (see _random.BatchStreams).
            streams = _random.BatchStreams(name, mapped)
            pairs: list = []
            try:
                streams.enter()
                ctx = TraceContext("vmap", known=mapped)
                with ctx:
                    try:
                        for var, value in zip(mapped, mapped_values):
                            raw_set(var, value)
                        out = _detach(target(*args, **kwargs))
                        new_mapped = list(map(raw_get, mapped))
                        pairs = ctx.written_values()
                    finally:
                        for var, value in zip(mapped, originals):
                            raw_set(var, value)
            finally:
                # The per-row keys and counters never leave: the states advance once instead.
                advanced = streams.finish([var for var, _ in pairs])
            pairs = [(var, value) for var, value in pairs if not streams.owns(var)] + advanced
            written[:] = [var for var, _ in pairs]
            return out, new_mapped, [value for _, value in pairs]

        try:
            out, new_mapped, values = jax.vmap(pure, in_axes=(0, axes), out_axes=(out_axes, 0, None),
                                               axis_name=name)(list(map(raw_get, mapped)), args)
        except NonVariableMutationError as error:
            raise _named(error, target) from None
        except ValueError as error:
            if written and "out_axes" in str(error):
                raise _unbatched_write_error("vmap", written, error) from None
            raise
        for var, value in zip(mapped, new_mapped):
            _write_back(var, value)
        for var, value in zip(written, values):
            _write_back(var, value)
        return out

    functools.update_wrapper(transformed, target.func or target.owner, updated=())
    transformed._owner = target.owner  # keep the object alive with the wrapper (bm.vmap(Model())(x))
    return transformed


def pmap(f: Any, axis_name: Any = None, in_axes: Any = 0, out_axes: Any = 0, batched_vars: Any = None,
         dyn_vars: Any = None, devices: Any = None) -> Callable:
    """Run ``f`` on several devices in parallel, one slice of the leading axis of its arguments each.

    ``f`` is a function, bound method or ``Base`` object. Its Variables (``obj.vars()``, ``dyn_vars``,
    and any the code touches) are copied to every device, except those in ``batched_vars``, which
    hold one slice per device along their leading axis. A copied Variable written inside must get
    the same value on every device (use collectives over ``axis_name``).

    Example:
        >>> import brainpy_math as bm
        >>> bm.pmap(lambda x: x + 1)(bm.zeros((1, 3))).shape
        (1, 3)
    """
    target = _Target(f, "pmap")
    mapped = _variables(batched_vars, "pmap", "batched_vars")
    extra = _variables(dyn_vars, "pmap", "dyn_vars")

    def make(pure: Callable, variables: tuple) -> Callable:
        mapped_ids = {id(v) for v in mapped}
        var_axes = [0 if id(v) in mapped_ids else None for v in variables]
        state = {"axes": None}

        def call(values, args, kwargs):
            axes = _args_axes(in_axes, args, "pmap")
            if state["axes"] != (axes,):
                state["axes"] = (axes,)
                state["fn"] = jax.pmap(pure, axis_name=axis_name, in_axes=(var_axes, axes, None),
                                       out_axes=(out_axes, (0, None), 0), devices=devices)
            return state["fn"](values, args, kwargs)
        return call

    core = _Compiled(target, extra, (), (), False, transform="pmap", make=make, mapped_vars=mapped)

    def transformed(*args: Any, **kwargs: Any) -> Any:
        return core.call(args, kwargs)

    functools.update_wrapper(transformed, target.func or target.owner, updated=())
    transformed._owner = target.owner  # keep the object alive with the wrapper
    return transformed
