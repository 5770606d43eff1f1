"""Control flow on the JAX backend: ``for_loop``, ``while_loop``, ``cond`` and ``ifelse``.

Each is a ``jax.lax`` primitive (``scan``, ``while_loop``, ``switch``) whose carry or outputs
include the Variables the body writes, found while tracing (``tracking.TraceContext``): a body that
writes a Variable not yet carried is traced again with it. Called outside any transformation, a
loop is compiled once per body (cached like ``bm.jit``), and a branch whose predicate is a concrete
value simply runs in Python.

The checks of the arguments (callables, ``dyn_vars``, conditions, branches, operands) are the
frontend's (``brainpy_math._control_checks``), run before these functions are called.
"""
from __future__ import annotations

import collections
import threading
import types
import weakref
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.core import Tracer

from brainpy_math._compile_options import check_compile_options
from brainpy_math._control_checks import check_loop_result, check_scalar_condition, collect_variables, loop_length
from .array import JaxArray, to_jax
from .compiled import CACHE, MAX_RETRACES, Compiled
from .programs import IdRef
from .state import announce, detach, is_array, write_back
from .target import Target
from .tracking import LOCAL, Retrace, TraceContext
from .variables import raw_get, raw_set

__all__ = ["for_loop", "while_loop", "cond", "ifelse"]


def _as_operands(operands: Any) -> tuple[tuple, bool]:
    """``operands`` as a tuple of call arguments, and whether it was a list/tuple."""
    if isinstance(operands, (list, tuple)):
        return tuple(operands), True
    return (operands,), False


def _raw(tree: Any) -> Any:
    """Every leaf (JaxArray, NumPy array, Python scalar) as a jax array under the dtype policy."""
    return jax.tree_util.tree_map(to_jax, tree, is_leaf=is_array)


def _wrapped(tree: Any) -> Any:
    return jax.tree_util.tree_map(lambda x: JaxArray._from_value(x), tree)


def _is_traced(tree: Any) -> bool:
    leaves = jax.tree_util.tree_leaves(tree, is_leaf=is_array)
    return any(isinstance(raw_get(x) if isinstance(x, JaxArray) else x, Tracer) for x in leaves)


def _callable_of(target: Target) -> Callable:
    owner = target.owner
    if owner is None:
        raise ReferenceError(f"{target.label}: the object this compiled loop belongs to no longer exists")
    return owner if target.func is None else target.func.__get__(owner)


def _identity(fn: Any) -> tuple | None:
    """A cache key for a callable that does not keep it alive, or None if it cannot be weakly held.

    A weak reference compares equal only to one of the same live object (a dead one only to
    itself), so a new callable that happens to get the id of a collected one never matches.
    """
    target = Target(fn, "control flow")
    try:
        return target.func, weakref.ref(target.owner)
    except TypeError:
        return None


class _LoopRunner(Target):
    """A loop called outside any transformation: ``run(body, *args)``, compiled (and cached) by jit.

    The body (and its object) is held weakly like any jit target, so the cached compilation is
    released with it.
    """

    __slots__ = ("run",)

    def __init__(self, body: Any, kind: str, run: Callable):
        super().__init__(body, kind)
        self.run = run

    def __call__(self, *args: Any) -> Any:
        return self.run(_callable_of(self), *args)

    def rebind(self, body: Any, run: Callable) -> None:
        """Run ``body`` from now on (a function of the same code and captured objects as before)."""
        if isinstance(body, types.FunctionType):
            self._ref, self._strong = weakref.ref(body), None
        self.run = run


# Loops over plain functions, compiled once per code and captured objects (see _code_key); bounded.
_MAX_LOOPS = 64
_LOOPS: "collections.OrderedDict[tuple, tuple]" = collections.OrderedDict()
_LOOPS_LOCK = threading.Lock()


def _code_key(fn: Any) -> tuple[tuple, list] | None:
    """``(key, kept)`` for a plain function: what its compiled loop depends on, or None.

    Two functions with the same code, globals, defaults and captured objects (compared by identity;
    Python scalars and other hashable values that cannot be weakly held, by value) trace alike, so
    ``bm.for_loop(lambda x: net.step(x), xs)`` in a Python loop reuses one compilation though each
    lambda is new. ``kept`` holds the captured values compared by id, so their ids stay theirs.
    """
    if not isinstance(fn, types.FunctionType):
        return None
    kept: list = []

    def ident(x: Any) -> Any:
        try:
            return IdRef(x)
        except TypeError:
            pass
        try:
            hash(x)
            return ("value", type(x), x)
        except TypeError:
            kept.append(x)
            return ("id", id(x))

    cells = []
    for cell in fn.__closure__ or ():
        try:
            cells.append(ident(cell.cell_contents))
        except ValueError:  # an empty cell
            cells.append(("empty",))
    defaults = tuple(ident(d) for d in fn.__defaults__ or ())
    kwdefaults = tuple((k, ident(v)) for k, v in sorted((fn.__kwdefaults__ or {}).items()))
    return (fn.__code__, id(fn.__globals__), tuple(cells), defaults, kwdefaults), kept


def _compiled_outside(kind: str, body: Any, key: tuple, run: Callable, carried: list) -> Compiled:
    """A cached ``jit`` of ``run(body, *args)``, so a loop called outside jit compiles once per body.

    Plain functions are cached by their code and captured objects (a new lambda of the same code
    reuses the compiled loop); other callables (bound methods, objects) per object, held weakly.
    """
    code = _code_key(body)
    if code is None:
        runner = _LoopRunner(body, kind, run)
        return CACHE.get(runner.owner, (kind, runner.func, *key, tuple(map(id, carried))),
                          lambda: Compiled(runner, carried, (), (), False, transform=kind, variant=key))
    full = (kind, code[0], *key, tuple(IdRef(v) for v in carried))
    with _LOOPS_LOCK:
        entry = _LOOPS.get(full)
        if entry is None:
            runner = _LoopRunner(body, kind, run)
            entry = _LOOPS[full] = (Compiled(runner, carried, (), (), False, transform=kind), code[1])
            if len(_LOOPS) > _MAX_LOOPS:
                _LOOPS.popitem(last=False)
        else:
            _LOOPS.move_to_end(full)
    return entry[0]


def _call_outside(core: Compiled, body: Any, run: Callable, args: tuple) -> Any:
    """Call a loop compiled outside jit with this call's body (a cached one may be another lambda)."""
    with core.lock:
        core.target.rebind(body, run)
        return core.call(args, {})


def _thread(kind: str, carried: list, attempt: Callable) -> Any:
    """Run ``attempt(carried)``, adding the Variables a trace reports as written and retrying."""
    for _ in range(MAX_RETRACES):
        try:
            return attempt(carried)
        except Retrace as retrace:
            if retrace.context.transform != kind:
                raise
            known = {id(v) for v in carried}
            carried = carried + [v for v in retrace.variables if id(v) not in known]
    raise RuntimeError(f"{kind}: the body kept writing new Variables on every trace; list them in dyn_vars")


class _Substituted:
    """Within ``with``: ``variables`` hold ``values``; written Variables not carried are reported."""

    def __init__(self, kind: str, variables: list, values: Any):
        self.ctx = TraceContext(kind, known=variables)
        self.variables, self.values = variables, values

    def __enter__(self) -> "_Substituted":
        self.originals = list(map(raw_get, self.variables))
        announce(self.variables)
        self.ctx.__enter__()
        if self.values is not None:
            for var, value in zip(self.variables, self.values):
                raw_set(var, value)
        return self

    def new_values(self) -> list:
        written = self.ctx.touched_variables(written_only=True)
        if written:
            raise Retrace(self.ctx, written)
        return list(map(raw_get, self.variables))

    def __exit__(self, *exc: Any) -> None:
        for var, value in zip(self.variables, self.originals):
            raw_set(var, value)
        self.ctx.__exit__(*exc)


# ------------------------------------------------------------------------------------- for_loop
class _ProgressBar:
    """A tqdm bar advanced from inside the compiled loop (through ``jax.debug.callback``)."""

    def __init__(self, length: int):
        self.length = length
        self.bar = None

    def update(self, i: Any) -> None:
        from tqdm.auto import tqdm
        done = int(i) + 1
        if self.bar is None or done <= self.bar.n and done == 1:
            self.bar = tqdm(total=self.length)
        if done > self.bar.n:
            self.bar.update(done - self.bar.n)
        if done >= self.length:
            self.bar.close()
            self.bar = None


def _scan(body: Callable, operands: tuple, carried: list, progress_bar: bool) -> Any:
    # The frontend checked the top-level operands; this covers nested ones (pytrees) too.
    length = loop_length([jnp.shape(x) for x in jax.tree_util.tree_leaves(operands, is_leaf=is_array)])
    xs = _raw(operands)
    bar = _ProgressBar(length) if progress_bar else None
    stride = max(1, length // 100)

    def attempt(variables: list) -> Any:
        def step(values, x):
            i, x = x
            with _Substituted("for_loop", variables, values) as sub:
                out = _raw(detach(body(*_wrapped(x))))
                new = sub.new_values()
            if bar is not None:
                report = (i % stride == 0) | (i == length - 1)
                jax.lax.cond(report, lambda: jax.debug.callback(bar.update, i), lambda: None)
            return new, out

        final, ys = jax.lax.scan(step, list(map(raw_get, variables)), (jnp.arange(length), xs))
        for var, value in zip(variables, final):
            write_back(var, value)
        return _wrapped(ys)
    return _thread("for_loop", carried, attempt)


def for_loop(body: Callable, operands: Any, dyn_vars: Any = None, progress_bar: bool = False,
             **compile_options: Any) -> Any:
    """Call ``body`` on each slice of ``operands`` along axis 0 (a ``lax.scan``); stack its outputs.

    ``body(*operands[i])`` when ``operands`` is a list/tuple, else ``body(operands[i])``. Variables
    written by the body carry over from step to step (found automatically; ``dyn_vars`` lists some in
    advance). The outputs are stacked along a new leading axis, the way a monitor records a
    trajectory. With ``progress_bar=True`` a tqdm bar advances while the compiled loop runs. The
    compile options (``brainpy_math._compile_options``) are accepted and ignored.

    Example:
        >>> import brainpy_math as bm
        >>> v = bm.Variable(bm.zeros(1))
        >>> def step(x):
        ...     v.value = v + x
        ...     return v.value
        >>> bm.for_loop(step, bm.arange(1.0, 4.0)).ravel().tolist()
        [1.0, 3.0, 6.0]
    """
    check_compile_options("for_loop", compile_options)
    carried = collect_variables(dyn_vars, "for_loop")
    operands, multi = _as_operands(operands)
    if not LOCAL.contexts and not _is_traced(operands):
        run = lambda fn, ops: _scan(fn, ops, carried, progress_bar)  # noqa: E731
        core = _compiled_outside("for_loop", body, (progress_bar,), run, carried)
        return _call_outside(core, body, run, (operands,))
    return _scan(body, operands, carried, progress_bar)


# ----------------------------------------------------------------------------------- while_loop
def _while(body: Callable, cond_fun: Callable, operands: tuple, multi: bool, carried: list) -> Any:
    start = _raw(operands)

    def attempt(variables: list) -> Any:
        def check(carry):
            ops, values = carry
            with _Substituted("while_loop", variables, values) as sub:
                pred = cond_fun(*_wrapped(ops))
                written = sub.ctx.touched_variables(written_only=True)
                written += [v for v, before in zip(variables, values) if raw_get(v) is not before]
                if written:
                    shapes = ", ".join(f"shape {v.shape}" for v in written)
                    raise ValueError(f"while_loop: cond must only read Variables, but it writes "
                                     f"{len(written)} (a Variable of {shapes}); move the write into body")
            pred = to_jax(pred)
            check_scalar_condition(pred, "while_loop", "the value cond returns")
            return pred.astype(bool)

        def step(carry):
            ops, values = carry
            with _Substituted("while_loop", variables, values) as sub:
                current = _wrapped(ops)
                new_ops = _raw(detach(check_loop_result(body(*current), len(operands), multi, current)))
                new = sub.new_values()
            return new_ops, new

        final_ops, final = jax.lax.while_loop(check, step, (start, list(map(raw_get, variables))))
        for var, value in zip(variables, final):
            write_back(var, value)
        out = _wrapped(final_ops)
        return out if multi else out[0]
    return _thread("while_loop", carried, attempt)


def while_loop(body: Callable, cond: Callable, operands: Any, dyn_vars: Any = None,
               **compile_options: Any) -> Any:
    """Repeat ``operands = body(*operands)`` while ``cond(*operands)`` holds; return the last operands.

    ``operands`` is a tuple/list (``body`` returns one of the same length) or a single value. Variables
    written by ``body`` are carried from one iteration to the next; ``cond`` may only read them.

    Example:
        >>> import brainpy_math as bm
        >>> int(bm.while_loop(lambda i: i + 1, lambda i: i < 5, bm.asarray(0)))
        5
    """
    check_compile_options("while_loop", compile_options)
    carried = collect_variables(dyn_vars, "while_loop")
    ops, multi = _as_operands(operands)
    cond_key = _identity(cond)
    if not LOCAL.contexts and not _is_traced(ops) and cond_key is not None:
        cond_target = Target(cond, "while_loop")  # held weakly, like the body
        run = lambda fn, o: _while(fn, _callable_of(cond_target), o, multi, carried)  # noqa: E731
        core = _compiled_outside("while_loop", body, (cond_key, multi), run, carried)
        return _call_outside(core, body, run, (ops,))
    return _while(body, cond, ops, multi, carried)


# ---------------------------------------------------------------------------------- cond / ifelse
def _branch_callable(branch: Any) -> Callable:
    return branch if callable(branch) else (lambda *_: branch)


def _switch(kind: str, index: Any, branches: list, operands: tuple, carried: list) -> Any:
    def attempt(variables: list) -> Any:
        def make(fn: Callable) -> Callable:
            def branch(ops):
                with _Substituted(kind, variables, None) as sub:
                    out = _raw(detach(fn(*_wrapped(ops))))
                    new = sub.new_values()
                return out, new
            return branch

        out, final = jax.lax.switch(index, [make(b) for b in branches], _raw(operands))
        for var, value in zip(variables, final):
            write_back(var, value)
        return _wrapped(out)
    return _thread(kind, carried, attempt)


def _eager_result(value: Any) -> Any:
    """What a branch run directly (a concrete condition) returned, with numbers and NumPy arrays as
    JaxArrays (in tuples/lists too), as the numba backend and the compiled branches return them."""
    if type(value) in (tuple, list):
        return type(value)(_eager_result(v) for v in value)
    if type(value) in (bool, int, float, complex) or isinstance(value, (np.ndarray, np.generic, jax.Array)):
        return JaxArray(to_jax(value, where="ifelse"))
    return value


def _predicate(pred: Any) -> Any:
    """A condition (checked to be a scalar by the frontend) as a bool, jax array or tracer."""
    return raw_get(pred) if isinstance(pred, JaxArray) else pred


def cond(pred: Any, true_fun: Any, false_fun: Any, operands: Any = (), dyn_vars: Any = None,
         **compile_options: Any) -> Any:
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``; usable inside ``jit``.

    A traced ``pred`` compiles both branches (``lax.switch``); Variables written by either branch
    are written after the call. A concrete ``pred`` runs the chosen branch directly.

    Example:
        >>> import brainpy_math as bm
        >>> float(bm.cond(True, lambda x: x + 1, lambda x: x - 1, (bm.asarray(1.0),)))
        2.0
    """
    check_compile_options("cond", compile_options)
    carried = collect_variables(dyn_vars, "cond")
    ops, _ = _as_operands(operands)
    pred = _predicate(pred)
    branches = [_branch_callable(true_fun), _branch_callable(false_fun)]
    if not isinstance(pred, Tracer):
        return _eager_result(branches[0 if bool(pred) else 1](*ops))
    index = jnp.where(pred, 0, 1)
    return _switch("cond", index, branches, ops, carried)


def ifelse(conditions: Any, branches: Any, operands: Any = (), dyn_vars: Any = None,
           **compile_options: Any) -> Any:
    """Run the first branch whose condition holds; the last branch is the ``else``.

    ``branches`` has one more element than ``conditions``; a branch is a callable taking
    ``*operands``, or a constant value.

    Example:
        >>> import brainpy_math as bm
        >>> x = bm.asarray(5.0)
        >>> float(bm.ifelse([x > 10, x > 0], [lambda: 2.0, lambda: 1.0, lambda: 0.0]))
        1.0
    """
    check_compile_options("ifelse", compile_options)
    carried = collect_variables(dyn_vars, "ifelse")
    ops, _ = _as_operands(operands)
    preds = [_predicate(c) for c in conditions]
    fns = [_branch_callable(b) for b in branches]
    if not any(isinstance(p, Tracer) for p in preds):
        for p, fn in zip(preds, fns):
            if bool(p):
                return _eager_result(fn(*ops))
        return _eager_result(fns[-1](*ops))
    stacked = jnp.stack([jnp.asarray(p, bool) for p in preds])
    index = jnp.where(jnp.any(stacked), jnp.argmax(stacked), len(preds))
    return _switch("ifelse", index, fns, ops, carried)
