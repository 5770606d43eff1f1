"""Control flow on the numba backend: for_loop, while_loop, cond and ifelse.

``for_loop`` compiles the whole loop: the body (a function, a method of a ``bm.Base`` object, the
object itself or a ``bm.jit`` of one) is generated as in :func:`jit`, and a second generated
function runs ``for i in range(start, stop): out[i] = body(xs[i], ...)`` inside Numba, so there is
no Python call per step. The first step runs alone to learn the shapes and dtypes of the outputs;
with ``progress_bar=True`` the compiled loop runs in chunks between updates of a tqdm bar.

``while_loop`` compiles the whole loop too (``while cond(*carry): carry = body(*carry)`` in one
generated function) when its body and condition compile and keep the carry's types from one
iteration to the next; otherwise (a carry that changes type, a condition that is not a scalar)
it calls the compiled ``cond`` and ``body`` from Python. ``cond`` and ``ifelse`` called outside
compiled code pick the branch in Python. Inside a method compiled by
``bm.jit``, ``bm.cond``/``bm.ifelse`` become conditional expressions of the generated code.

A ``for_loop`` or ``while_loop`` that fails leaves every Variable as it was before the loop: the
arrays the body may write are copied once before the first step (for_loop) or kept from the
first compiled call that writes them (while_loop), and put back on error; a failing for_loop
step is named by replaying it eagerly (see :func:`.jit.wrapper.explain_runtime_error`); a failing
compiled while loop is restored and run again step by step, which names it the same way.
"""
from __future__ import annotations

import collections
import threading
from typing import Any, Callable

import numba
import numpy as np
from numba.np.numpy_support import as_dtype

from brainpy_math import _config
from brainpy_math._compile_options import check_compile_options
from brainpy_math._control_checks import check_loop_result, check_scalar_condition, loop_length
from brainpy_math.base import Base

from .array import NumbaArray, as_array, narrow, policy_argument, raw
from .elementwise import FusionMiss
from .jit.driver import compile_body, compile_for_loop, compile_while_loop
from .jit.emit import Emitted
from .jit.wrapper import explain_numba_error, explain_runtime_error, restorer
from .numpy_ops import asarray
from .transforms import JitFunction, boxed, jit, jit_target

__all__ = ["for_loop", "while_loop", "cond", "ifelse"]

_LOOP_CACHE_SIZE = 64


class _CompiledLoop:
    """A body compiled once, with the compiled loops built for each output structure."""

    def __init__(self, func: Callable, owner: Any, options: dict[str, Any]):
        self.options = options
        self.owner = owner  # held, so its id is not reused while this entry is cached
        self.built = compile_body(func, owner, options)
        self.program = self.built.program
        self.module = self.built.module
        self.emitted = self.built.emitted
        self.body = self.built.dispatcher
        self.guards = self.built.guards
        self.state = self.built.state
        # What a failing for_loop restores: copied once per call, before the first step.
        self.written = self.built.written
        self.files = self.built.files
        self.loops: dict[tuple, Any] = {}
        self.lock = threading.RLock()

    def valid(self) -> bool:
        return all(g.still_valid() for g in self.guards)

    def loop(self, n_operands: int, outputs: int | None) -> Any:
        """The compiled loop for ``n_operands`` sliced inputs and ``outputs`` (None: no tuple):
        ``(dispatcher, emitted, module)``."""
        key = (n_operands, outputs)
        if key not in self.loops:
            built = compile_for_loop(self.built, n_operands, outputs)
            self.loops[key] = (built.dispatcher, built.emitted, built.module)
        return self.loops[key]


_loops: "collections.OrderedDict[tuple, _CompiledLoop]" = collections.OrderedDict()
# The caches of compiled loops and jitted callables are shared by threads; so is a compiled loop
# (its lock serialises the for_loops running it: they write the same Variables).
_cache_lock = threading.RLock()


def _compiled_loop(body: Any, options: dict[str, Any]) -> _CompiledLoop:
    with _cache_lock:
        return _compiled_loop_locked(body, options)


def _owner_key(body: Any) -> tuple:
    func, owner, _ = jit_target(body)
    return func, id(owner)


# Loop bodies whose fused loops met shapes they were not generated for (see FusionMiss): they are
# compiled with the guarded loops (the array code as fallback) from then on.
_guarded: set[tuple] = set()


def _compiled_loop_locked(body: Any, options: dict[str, Any]) -> _CompiledLoop:
    func, owner, _ = jit_target(body)
    if (func, id(owner)) in _guarded:
        options = {**options, "guarded": True}
    key = (func, id(owner), tuple(sorted(options.items())), _config.x64_enabled())
    compiled = _loops.get(key)
    if compiled is not None and (compiled.owner is not owner or not compiled.valid()):
        compiled = None
    if compiled is None:
        compiled = _CompiledLoop(func, owner, options)
        _loops[key] = compiled
        while len(_loops) > _LOOP_CACHE_SIZE:
            _loops.popitem(last=False)
    _loops.move_to_end(key)
    return compiled


def _plain(x: Any, what: str) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return policy_argument(raw(x), what)
    try:
        return asarray(x)
    except Exception:
        raise TypeError(f"{what} must be arrays, got {x!r} ({type(x).__name__})") from None


def for_loop(body: Callable, operands: Any, dyn_vars: Any = None, progress_bar: bool = False,
             **options: Any) -> Any:
    """Run ``body`` on each slice of ``operands`` along axis 0 in one compiled Numba loop.

    ``operands`` is an array (``body(x_i)``) or a tuple/list of arrays (``body(*xs_i)``). The
    outputs of every step are stacked along a new axis 0 (``None`` if ``body`` returns nothing).
    Variables the body writes carry over between steps (they are found from the source).

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('numba'):
        ...     acc = bm.Variable(bm.zeros(1))
        ...     def step(x):
        ...         acc.value = acc + x
        ...         return acc.value
        ...     bm.for_loop(step, bm.ones(3)).ravel().tolist()  # doctest: +SKIP
        [1.0, 2.0, 3.0]
    """
    # The arguments were checked by the frontend (brainpy_math.transforms), as on every backend.
    check_compile_options("for_loop", options)
    is_tuple = isinstance(operands, (tuple, list))
    xs = [_plain(x, "for_loop: argument 'operands'") for x in (operands if is_tuple else [operands])]
    n = loop_length([x.shape for x in xs], "for_loop")
    compile_options = {"cache": True, "parallel": False, **options}
    if n == 0:
        raise ValueError("for_loop: argument 'operands' has length 0 along axis 0; there is no step to run")
    compiled = _compiled_loop(body, compile_options)
    with compiled.lock:
        try:
            return _run_loop(compiled, body, xs, n, progress_bar)
        except FusionMiss:
            pass  # the Variables are as before the loop: run it again with the guarded fused loops
    _guarded.add(_owner_key(body))
    compiled = _compiled_loop(body, compile_options)
    with compiled.lock:
        return _run_loop(compiled, body, xs, n, progress_bar)


def _run_loop(compiled: _CompiledLoop, body: Any, xs: list, n: int, progress_bar: bool) -> Any:
    # A failing loop leaves every Variable as it was before the loop: the ones the body may write
    # are copied once here (not per step) and put back on error.
    saved = [a.copy() for a in compiled.written]
    restore = restorer(compiled.written, saved)
    try:
        first = compiled.body(*[x[0] for x in xs], *compiled.state)
    except FusionMiss:
        restore()
        raise
    except Exception as error:
        _fail(error, compiled, body, xs, 0, restore, None, "the for_loop body")
    signature = next(iter(compiled.body.overloads.values())).signature
    first = boxed(first, signature.return_type, as_dtype)
    if first is None:
        outputs, results = 0, []
    elif type(first) is tuple:
        outputs, results = len(first), list(first)
    else:
        outputs, results = None, [first]
    stacked = []
    for value in results:
        value = np.asarray(value)
        out = np.empty((n,) + value.shape, value.dtype)
        out[0] = value
        stacked.append(out)
    loop, emitted, module = compiled.loop(len(xs), outputs)
    bar = _progress(n, progress_bar)
    chunk = n if bar is None else max(1, n // 100)
    start = 1
    step = np.full(1, -1, np.int64)
    if bar is not None:
        bar.update(1)
    try:
        while start < n:
            stop = min(n, start + chunk)
            loop(start, stop, *xs, *stacked, *compiled.state, step)
            if bar is not None:
                bar.update(stop - start)
            start = stop
    except FusionMiss:
        restore()
        raise
    except Exception as error:
        if _is_numba_error(error):
            restore()
            _reraise(error, emitted, module, "the compiled for_loop")

        def rerun(k: int) -> None:  # steps 0 .. k-1 again, compiled, from the restored state
            compiled.body(*[x[0] for x in xs], *compiled.state)
            if k > 1:
                loop(1, k, *xs, *stacked, *compiled.state, np.zeros(1, np.int64))
        _fail(error, compiled, body, xs, int(step[0]), restore, rerun, "the compiled for_loop")
    finally:
        if bar is not None:
            bar.close()
    if outputs == 0:
        return None
    if outputs is None:
        return as_array(stacked[0])
    return tuple(as_array(s) for s in stacked)


def _is_numba_error(error: Exception) -> bool:
    return isinstance(error, numba.core.errors.NumbaError)


def _fail(error: Exception, compiled: _CompiledLoop, body: Any, xs: list, k: int, restore: Callable,
          rerun: Callable | None, what: str) -> None:
    """Restore the state of before the loop and raise ``error`` explained: step ``k`` failed, so the
    steps before it run again compiled and step ``k`` eagerly, which names the model's line."""
    restore()
    if _is_numba_error(error):
        _reraise(error, compiled.emitted, compiled.module, what)
    func, owner, label = jit_target(body)

    def replay() -> None:
        if k > 0 and rerun is not None:
            rerun(k)
        args = [as_array(np.asarray(x[k])) for x in xs]
        func(*args) if owner is None else func(owner, *args)

    explained = explain_runtime_error(error, replay, restore, compiled.files, f"{label} (step {k} of bm.for_loop)")
    raise explained from None


def _reraise(error: Exception, emitted: Emitted, module: Any, what: str) -> None:
    if isinstance(error, numba.core.errors.NumbaError):
        raise explain_numba_error(error, emitted, module, what) from None
    raise error


def _progress(n: int, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=n, desc="for_loop")


_jitted: "collections.OrderedDict[tuple, JitFunction]" = collections.OrderedDict()


def _jit_cached(f: Callable) -> Callable:
    """``jit(f)``, reused for the same function (or method of the same object)."""
    if isinstance(f, JitFunction):
        return f
    try:
        func, owner, _ = jit_target(f)
    except TypeError:
        return f  # not compilable (a builtin, a callable object): called as it is
    key = (func, id(owner))
    with _cache_lock:
        compiled = _jitted.get(key)
        if compiled is None or compiled._owner is not owner:
            compiled = jit(f)
            _jitted[key] = compiled
            while len(_jitted) > _LOOP_CACHE_SIZE:
                _jitted.popitem(last=False)
    return compiled


def while_loop(body: Callable, cond: Callable, operands: Any, dyn_vars: Any = None, **options: Any) -> Any:
    """Repeat ``operands = body(*operands)`` while ``cond(*operands)`` holds; return the last operands.

    The whole loop is compiled into one Numba function when ``body`` and ``cond`` compile and the
    operands keep their types from one iteration to the next; otherwise ``body`` and ``cond`` are
    compiled with :func:`jit` and the loop runs in Python (same results, a Python call per step).

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('numba'):
        ...     bm.while_loop(lambda i: i + 1, lambda i: i < 5, (bm.asarray(0),))  # doctest: +SKIP
        (array(5, dtype=int32),)
    """
    check_compile_options("while_loop", options)
    is_tuple = isinstance(operands, (tuple, list))
    carry = tuple(operands) if is_tuple else (operands,)
    carry = tuple(asarray(c) if not isinstance(c, np.ndarray) else c for c in carry)
    compile_options = {"cache": True, "parallel": False, **options}
    compiled = _compiled_while(body, cond, compile_options, len(carry), is_tuple)
    if compiled is not None:
        with compiled.lock:
            result = _run_compiled_while(compiled, carry, is_tuple)
        if result is not None:
            return result
    body_c, cond_c = _jit_cached(body), _jit_cached(cond)
    # A failing iteration leaves every Variable as it was before the loop. Each compiled call is
    # atomic on its own and copies what it writes before it runs: the first time a call writes
    # an array, that copy is its value from before the loop, kept until the loop ends.
    saved: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    seen: set[int] = set()

    def remember(f: Any) -> None:
        compiled = getattr(f, "_current", None)
        if compiled is not None and id(compiled) not in seen:
            seen.add(id(compiled))
            for array, snapshot in zip(compiled.written, compiled.snapshots):
                saved.setdefault(id(array), (array, snapshot.copy()))
    try:
        while True:
            go = cond_c(*carry)
            remember(cond_c)
            check_scalar_condition(go, "while_loop", "the value cond returns")
            if not bool(go):
                break
            result = body_c(*carry)
            remember(body_c)
            result = check_loop_result(result, len(carry), is_tuple, carry)
            carry = tuple(asarray(r) if not isinstance(r, np.ndarray) else r for r in result)
    except BaseException:
        for array, snapshot in saved.values():
            np.copyto(array, snapshot, casting="no")
        raise
    return carry if is_tuple else carry[0]


class _CompiledWhile:
    """``while cond(*carry): carry = body(*carry)`` as one compiled loop (see :func:`while_loop`)."""

    def __init__(self, body: Any, cond: Any, options: dict[str, Any], n_carry: int, is_tuple: bool):
        (body_func, body_owner, _), (cond_func, cond_owner, _) = jit_target(body), jit_target(cond)
        self.owners = (body_owner, cond_owner)  # held, so their ids are not reused while cached
        # Returns are copied, as from bm.jit: a carry that is a Variable's array must not alias it.
        self.body = compile_body(body_func, body_owner, options, copy_returns=True)
        self.cond = compile_body(cond_func, cond_owner, options, copy_returns=True)
        self.loop = compile_while_loop(self.body, self.cond, n_carry, is_tuple)
        self.state = [*self.body.state, *self.cond.state]
        self.written = list({id(a): a for a in [*self.body.written, *self.cond.written]}.values())
        self.usable = True  # False once the loop did not type: the carry changes type (Python loop)
        self.lock = threading.RLock()

    def valid(self) -> bool:
        return all(g.still_valid() for g in [*self.body.guards, *self.cond.guards])


_whiles: "collections.OrderedDict[tuple, _CompiledWhile | None]" = collections.OrderedDict()


def _compiled_while(body: Any, cond: Any, options: dict[str, Any], n_carry: int,
                    is_tuple: bool) -> _CompiledWhile | None:
    """The compiled loop for these functions (made once), or ``None`` when it cannot be compiled."""
    try:
        (body_func, body_owner, _), (cond_func, cond_owner, _) = jit_target(body), jit_target(cond)
    except TypeError:
        return None  # not compilable (a builtin, a callable object): the Python loop calls it as it is
    key = (body_func, id(body_owner), cond_func, id(cond_owner), tuple(sorted(options.items())),
           _config.x64_enabled(), n_carry, is_tuple)
    with _cache_lock:
        if key in _whiles:
            compiled = _whiles[key]
            if compiled is None or (compiled.owners == (body_owner, cond_owner) and compiled.valid()):
                _whiles.move_to_end(key)
                return compiled if compiled is None or compiled.usable else None
        try:
            compiled = _CompiledWhile(body, cond, options, n_carry, is_tuple)
        except (NotImplementedError, TypeError):
            compiled = None  # outside what compiles: the Python loop raises the error with its line
        _whiles[key] = compiled
        while len(_whiles) > _LOOP_CACHE_SIZE:
            _whiles.popitem(last=False)
    return compiled


def _run_compiled_while(compiled: _CompiledWhile, carry: tuple, is_tuple: bool) -> Any:
    """The loop's result, or ``None`` when it must run in Python (it did not type, or it failed:
    the state is then as before the loop, and the Python loop raises the error with its line)."""
    restore = restorer(compiled.written, [a.copy() for a in compiled.written])
    dispatcher = compiled.loop.dispatcher
    try:
        result = dispatcher(*carry, *compiled.state, np.zeros(1, np.int64))
    except (numba.core.errors.NumbaError, FusionMiss):
        restore()
        compiled.usable = False  # the carry changes type, or shapes the fused loops do not fit
        return None
    except Exception:
        restore()
        return None
    types = tuple(dispatcher.typeof_pyval(a) for a in (*carry, *compiled.state, np.zeros(1, np.int64)))
    overload = dispatcher.overloads.get(types) or next(iter(dispatcher.overloads.values()))
    values = boxed(result, overload.signature.return_type, as_dtype)
    values = values if is_tuple else (values,)
    carry = tuple(narrow(v) if isinstance(v, np.ndarray) else asarray(v) for v in values)
    return carry if is_tuple else carry[0]


def _as_result(value: Any) -> Any:
    if type(value) in (tuple, list):
        return type(value)(_as_result(v) for v in value)
    if isinstance(value, np.ndarray):
        return value if isinstance(value, NumbaArray) else as_array(value)
    if value is None or isinstance(value, Base):
        return value
    try:
        return asarray(value)
    except Exception:
        return value


def _call_branch(branch: Any, operands: Any) -> Any:
    if not callable(branch):
        return _as_result(branch)
    if isinstance(operands, (tuple, list)):
        return _as_result(branch(*operands))
    return _as_result(branch(operands))


def cond(pred: Any, true_fun: Callable, false_fun: Callable, operands: Any = (), dyn_vars: Any = None,
         **options: Any) -> Any:
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``.

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('numba'):
        ...     float(bm.cond(True, lambda x: x + 1, lambda x: x - 1, (bm.asarray(1.0),)))
        2.0
    """
    check_compile_options("cond", options)
    return _call_branch(true_fun if bool(pred) else false_fun, operands)


def ifelse(conditions: Any, branches: Any, operands: Any = (), dyn_vars: Any = None, **options: Any) -> Any:
    """Run the first branch whose condition holds (the last branch is the ``else``).

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('numba'):
        ...     x = bm.asarray(5.0)
        ...     float(bm.ifelse([x > 10, x > 0], [lambda: 2.0, lambda: 1.0, lambda: 0.0]))
        1.0
    """
    check_compile_options("ifelse", options)
    for condition, branch in zip(conditions, branches):
        if bool(condition):
            return _call_branch(branch, operands)
    return _call_branch(branches[-1], operands)
