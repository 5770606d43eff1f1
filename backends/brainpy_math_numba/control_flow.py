"""Control flow on the numba backend: for_loop, while_loop, cond and ifelse.

``for_loop`` compiles the whole loop: the body (a function, a method of a ``bm.Base`` object, the
object itself or a ``bm.jit`` of one) is generated as in :func:`jit`, and a second generated
function runs ``for i in range(start, stop): out[i] = body(xs[i], ...)`` inside Numba, so there is
no Python call per step. The first step runs alone to learn the shapes and dtypes of the outputs;
with ``progress_bar=True`` the compiled loop runs in chunks between updates of a tqdm bar.

``while_loop`` calls the compiled ``cond`` and ``body`` from Python (its carry may change type
between Python scalars and arrays, which one compiled loop could not hold); ``cond`` and
``ifelse`` called outside compiled code pick the branch in Python. Inside a method compiled by
``bm.jit``, ``bm.cond``/``bm.ifelse`` become conditional expressions of the generated code.

A ``for_loop`` or ``while_loop`` that fails leaves every Variable as it was before the loop: the
arrays the body may write are copied once before the first step (for_loop) or kept from the
first compiled call that writes them (while_loop), and put back on error; a failing for_loop
step is named by replaying it eagerly (see :func:`.transforms.explain_runtime_error`).
"""
from __future__ import annotations

import collections
import threading
from typing import Any, Callable

import numpy as np

from brainpy_math import _config
from brainpy_math.base import Base

from .codegen import Generated, Program
from .compiler import explain_numba_error, load_program
from .array import NumbaArray, as_array, policy_argument, raw
from .numpy_ops import asarray
from .transforms import JitFunction, _boxed, _check_dyn_vars, _restorer, _target, explain_runtime_error, jit

__all__ = ["for_loop", "while_loop", "cond", "ifelse"]

_LOOP_CACHE_SIZE = 64


class _CompiledLoop:
    """A body generated once, with the compiled loops built for each output structure."""

    def __init__(self, func: Callable, owner: Any, options: dict[str, Any]):
        self.program = Program(options)
        self.options = options
        self.owner = owner  # held, so its id is not reused while this entry is cached
        self.entry = self.program.function(func, owner, None)
        self.module = load_program(self.program)
        self.body = getattr(self.module, self.entry.name)
        self.guards = list(self.program.guards.values())
        self.state = [a.plain for a in self.program.arrays.values() if a.name in self.entry.state]
        by_name = {a.name: a.plain for a in self.program.arrays.values()}
        # What a failing for_loop restores: copied once per call, before the first step.
        self.written = [by_name[name] for name in self.program.written_arrays(self.entry)]
        self.files = {g.header.file for g in self.program.order if g.header is not None}
        self.loops: dict[tuple, Any] = {}
        self.lock = threading.RLock()

    def valid(self) -> bool:
        return all(g.still_valid() for g in self.guards)

    def loop(self, n_operands: int, outputs: int | None) -> Any:
        """The compiled loop for ``n_operands`` sliced inputs and ``outputs`` (None: no tuple)."""
        key = (n_operands, outputs)
        if key not in self.loops:
            program = Program(self.options)
            program.inject("_bm_body", self.body, f"{self.module.__name__}.{self.entry.name}")
            xs = [f"xs{i}" for i in range(n_operands)]
            state = [f"s{i}" for i in range(len(self.state))]
            outs = [] if outputs == 0 else ["out"] if outputs is None else [f"out{i}" for i in range(outputs)]
            # _bm_step[0]: the step running, so that a failing loop can name it (one store per step).
            lines = [("    for _bm_i in range(start, stop):", None), ("        _bm_step[0] = _bm_i", None)]
            call = f"_bm_body({', '.join([f'{x}[_bm_i]' for x in xs] + state)})"
            if outputs == 0:
                lines.append((f"        {call}", None))
            elif outputs is None:
                lines.append((f"        out[_bm_i] = {call}", None))
            else:
                lines.append((f"        _bm_r = {call}", None))
                lines += [(f"        out{i}[_bm_i] = _bm_r[{i}]", None) for i in range(outputs)]
            generated = Generated("_bm_loop", ["start", "stop", *xs, *outs, *state, "_bm_step"], [], lines)
            program.order.append(generated)
            module = load_program(program)
            self.loops[key] = (module._bm_loop, program, module)
        return self.loops[key]


_loops: "collections.OrderedDict[tuple, _CompiledLoop]" = collections.OrderedDict()
# The caches of compiled loops and jitted callables are shared by threads; so is a compiled loop
# (its lock serialises the for_loops running it: they write the same Variables).
_cache_lock = threading.RLock()


def _compiled_loop(body: Any, options: dict[str, Any]) -> _CompiledLoop:
    with _cache_lock:
        return _compiled_loop_locked(body, options)


def _compiled_loop_locked(body: Any, options: dict[str, Any]) -> _CompiledLoop:
    func, owner, _ = _target(body)
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
    unknown = sorted(set(options) - {"parallel", "cache", "fastmath", "fuse", "jit", "unroll"})
    if unknown:
        raise TypeError(f"for_loop: unknown option(s) {unknown} for the numba backend")
    if dyn_vars is not None:
        _check_dyn_vars(dyn_vars)
    if not callable(body):
        raise TypeError(f"for_loop: argument 'body' must be callable, got {body!r}")
    if not isinstance(progress_bar, bool):
        raise TypeError(f"for_loop: argument 'progress_bar' must be a bool, got {progress_bar!r}")
    is_tuple = isinstance(operands, (tuple, list))
    xs = [_plain(x, "for_loop: argument 'operands'") for x in (operands if is_tuple else [operands])]
    if not xs or any(x.ndim == 0 for x in xs):
        raise ValueError(f"for_loop: argument 'operands' must be arrays with a leading axis to loop over, "
                         f"got shapes {[x.shape for x in xs]}")
    n = xs[0].shape[0]
    if any(x.shape[0] != n for x in xs):
        raise ValueError(f"for_loop: every operand must have the same length along axis 0, got "
                         f"{[x.shape[0] for x in xs]}")
    compile_options = {k: options[k] for k in ("parallel", "cache", "fastmath", "fuse") if k in options}
    compile_options = {"cache": True, "parallel": False, **compile_options}
    compiled = _compiled_loop(body, compile_options)
    if n == 0:
        raise ValueError("for_loop: argument 'operands' has length 0 along axis 0; there is no step to run")
    with compiled.lock:
        return _run_loop(compiled, body, xs, n, progress_bar)


def _run_loop(compiled: _CompiledLoop, body: Any, xs: list, n: int, progress_bar: bool) -> Any:
    # A failing loop leaves every Variable as it was before the loop: the ones the body may write
    # are copied once here (not per step) and put back on error.
    saved = [a.copy() for a in compiled.written]
    restore = _restorer(compiled.written, saved)
    try:
        first = compiled.body(*[x[0] for x in xs], *compiled.state)
    except Exception as error:
        _fail(error, compiled, body, xs, 0, restore, None, "the for_loop body")
    signature = next(iter(compiled.body.overloads.values())).signature
    from numba.np.numpy_support import as_dtype
    first = _boxed(first, signature.return_type, as_dtype)
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
    loop, program, module = compiled.loop(len(xs), outputs)
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
    except Exception as error:
        if _is_numba_error(error):
            restore()
            _reraise(error, program, module, "the compiled for_loop")

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
    import numba
    return isinstance(error, numba.core.errors.NumbaError)


def _fail(error: Exception, compiled: _CompiledLoop, body: Any, xs: list, k: int, restore: Callable,
          rerun: Callable | None, what: str) -> None:
    """Restore the state of before the loop and raise ``error`` explained: step ``k`` failed, so the
    steps before it run again compiled and step ``k`` eagerly, which names the model's line."""
    restore()
    if _is_numba_error(error):
        _reraise(error, compiled.program, compiled.module, what)
    func, owner, label = _target(body)

    def replay() -> None:
        if k > 0 and rerun is not None:
            rerun(k)
        args = [as_array(np.asarray(x[k])) for x in xs]
        func(*args) if owner is None else func(owner, *args)

    explained = explain_runtime_error(error, replay, restore, compiled.files, f"{label} (step {k} of bm.for_loop)")
    raise explained from None


def _reraise(error: Exception, program: Program, module: Any, what: str) -> None:
    import numba
    if isinstance(error, numba.core.errors.NumbaError):
        raise explain_numba_error(error, program, module, what) from None
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
        func, owner, _ = _target(f)
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

    ``body`` and ``cond`` are compiled with :func:`jit`; the loop runs in Python.

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('numba'):
        ...     bm.while_loop(lambda i: i + 1, lambda i: i < 5, (bm.asarray(0),))  # doctest: +SKIP
        (array(5, dtype=int32),)
    """
    if dyn_vars is not None:
        _check_dyn_vars(dyn_vars)
    for name, f in (("body", body), ("cond", cond)):
        if not callable(f):
            raise TypeError(f"while_loop: argument {name!r} must be callable, got {f!r}")
    is_tuple = isinstance(operands, (tuple, list))
    carry = tuple(operands) if is_tuple else (operands,)
    carry = tuple(asarray(c) if not isinstance(c, np.ndarray) else c for c in carry)
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
            if not _predicate(go, "while_loop"):
                break
            result = body_c(*carry)
            remember(body_c)
            result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
            if len(result) != len(carry):
                raise TypeError(f"while_loop: body returned {len(result)} value(s) for {len(carry)} operand(s); "
                                f"it must return the new operands")
            carry = tuple(asarray(r) if not isinstance(r, np.ndarray) else r for r in result)
    except BaseException:
        for array, snapshot in saved.values():
            np.copyto(array, snapshot, casting="no")
        raise
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
    if dyn_vars is not None:
        _check_dyn_vars(dyn_vars)
    return _call_branch(true_fun if _predicate(pred, "cond") else false_fun, operands)


def _predicate(value: Any, where: str) -> bool:
    array = np.asarray(value)
    if array.shape != ():
        raise TypeError(f"{where}: a condition must be a scalar boolean, got shape {array.shape}")
    return bool(array)


def ifelse(conditions: Any, branches: Any, operands: Any = (), dyn_vars: Any = None, **options: Any) -> Any:
    """Run the first branch whose condition holds (the last branch is the ``else``).

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('numba'):
        ...     x = bm.asarray(5.0)
        ...     float(bm.ifelse([x > 10, x > 0], [lambda: 2.0, lambda: 1.0, lambda: 0.0]))
        1.0
    """
    if dyn_vars is not None:
        _check_dyn_vars(dyn_vars)
    if not isinstance(conditions, (list, tuple)) or not isinstance(branches, (list, tuple)):
        raise TypeError(f"ifelse: arguments 'conditions' and 'branches' must be lists/tuples, got "
                        f"{type(conditions).__name__} and {type(branches).__name__}")
    if len(branches) != len(conditions) + 1:
        raise ValueError(f"ifelse: 'branches' must have one more element than 'conditions' (the else "
                         f"branch): got {len(conditions)} condition(s) and {len(branches)} branch(es)")
    for condition, branch in zip(conditions, branches):
        if _predicate(condition, "ifelse"):
            return _call_branch(branch, operands)
    return _call_branch(branches[-1], operands)
