"""One object's compiled code: the Variables it threads, its program, and the call that runs it.

:class:`Compiled` is the engine of ``jit`` and ``pmap`` (and of loops called outside ``jit``). It
collects the Variables to thread (the object's, ``dyn_vars``, and any the code touches: a trace
that touches one not threaded is traced again with it, see ``tracking.TraceContext``), picks or
makes the :class:`~.programs.Program` for the object as it is, and at each call reads the
Variables, runs the compiled function and writes back what it wrote.

Compiled variants are cached per object (:data:`CACHE`, weakly, bounded) and keyed by what can
change between calls (static options, the set of Variables; shapes and dtypes are JAX's own key),
so calling a jitted step in a Python loop costs one dictionary lookup and JAX's own dispatch.
Calls of one compiled object are serialised by its lock; traces by ``tracking.TRACE_LOCK``.
"""
from __future__ import annotations

import collections
import functools
import threading
import weakref
from typing import Any, Callable, Sequence

import jax

import brainpy_math.base as _base
from brainpy_math.base import Base
from .arguments import unique
from .array import JaxArray
from .programs import IdRef, Program, guards_hold, leak_error, node_paths
from .state import announce, detach, is_array, write_back
from .target import Target
from .tracking import LOCAL, TRACE_LOCK, AttributeRecorder, NonVariableMutationError, Retrace, TraceContext
from .variables import raw_get, raw_set

__all__ = ["Compiled", "OwnerCache", "CACHE", "PROGRAMS", "MAX_RETRACES", "MAX_CORES_PER_OWNER"]

# How many retraces one call may trigger by touching Variables not yet threaded. Each retrace adds
# at least one Variable, so this only stops a pathological function from looping forever.
MAX_RETRACES = 32
# Bounds of the compilation cache: variants (static options, Variable sets) kept per object.
MAX_CORES_PER_OWNER = 32
_MAX_VARSETS_PER_CORE = 8
# Compiled programs shared by objects of the same structure (see ``Compiled.refresh``), least
# recently made first; bounded.
_MAX_PROGRAMS = 256
_MAX_PROGRAMS_PER_STRUCTURE = 8
PROGRAMS: "collections.OrderedDict[tuple, list]" = collections.OrderedDict()


class _NoLock:
    """Stands in for an object's lock in calls nested in another trace (see ``Compiled.call``)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


_NO_LOCK = _NoLock()


def _check_backend_variables(found: Sequence, target: Target) -> None:
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


class Compiled:
    """One object's compiled variant: the code, its options, the Variables it threads and its program."""

    def __init__(self, target: Target, dyn_vars: list, static_argnums: tuple[int, ...],
                 static_argnames: tuple[str, ...], donate: bool, transform: str = "jit",
                 make: Callable | None = None, mapped_vars: Sequence = (), variant: tuple = ()):
        self.target = target
        self.variant = variant  # what else the shared program depends on (a loop's cond, its operands' form)
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
        # Programs of this object alone (functions, pmap): structure signature -> [Program]
        self._private: "collections.OrderedDict[tuple, list]" = collections.OrderedDict()
        self.lock = threading.RLock()
        self.version = -1
        self.vars: tuple = ()
        self.compiled: Callable | None = None
        self.program: Program = Program()
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
            found = tuple(unique([*self.target.owner_variables(), *self.mapped_vars, *self.dyn_vars,
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
                sig.append(IdRef(var))
            else:
                sig.append((path, type(var), tuple(var.shape), str(var.dtype)))
        return tuple(sig)

    def _select(self, found: tuple) -> tuple[Program, list]:
        owner = self.target.owner
        shared = self._shareable and isinstance(owner, Base)
        sig = self._signature(found, owner)
        if shared:
            table = PROGRAMS
            key = (self.transform, type(owner), self.target.func, self.variant, self.static_argnums,
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
        nodes = node_paths(owner)
        for program in candidates:
            if not program.invalid:
                guards = program.resolve(owner, nodes)
                if guards is not None:
                    return program, guards
        program = Program()
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

    def _pure(self, program: Program) -> Callable:
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
                nested = [leaf for leaf in jax.tree_util.tree_leaves((args, kwargs), is_leaf=is_array)
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
                            raise leak_error(transform, target.label, leaked)
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
                        out = detach(out)
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
            for _ in range(MAX_RETRACES):
                if (self.version != _base.structure_version or self.generation != self.program.generation
                        or not guards_hold(self.guards)):
                    self.refresh()
                variables, program = self.vars, self.program
                if nested:
                    announce(variables)
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
                    raise self.target.named(error) from None
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
                            write_back(variables[i], value)
                    for k, value in new_args.items():
                        write_back(args[k] if isinstance(k, int) else kwargs[k], value)
                return out
        raise RuntimeError(f"{self.transform}: {self.target.label} kept touching new Variables on every "
                           f"trace ({MAX_RETRACES} retraces); pass them explicitly with dyn_vars")


class OwnerCache:
    """Compiled variants per object, held weakly: released when the object is collected."""

    def __init__(self):
        self._entries: dict[int, tuple[Any, dict]] = {}

    def get(self, owner: Any, key: tuple, build: Callable[[], Compiled]) -> Compiled:
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
            if len(variants) >= MAX_CORES_PER_OWNER:
                del variants[next(iter(variants))]
            variants[key] = core
        return core

    def _release(self, oid: int, ref: Any) -> None:
        slot = self._entries.get(oid)
        if slot is not None and slot[0] is ref:
            del self._entries[oid]

    def __len__(self) -> int:
        return len(self._entries)


CACHE = OwnerCache()
