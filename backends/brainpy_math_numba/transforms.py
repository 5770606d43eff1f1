"""Transformations on the numba backend: ``jit`` through code generation; no autodiff or vmap.

``jit(obj)``, ``jit(obj.method)`` and ``jit(function)`` generate a plain function from the model
source (see :mod:`.codegen`), compile it with ``numba.njit`` and return a :class:`JitFunction`.
Calling it runs a small generated Python wrapper that

1. checks that the constants and arrays the code was generated from are still the ones on the
   objects (an identity test per value; on a mismatch it compares values and regenerates only
   if one really changed),
2. calls the Numba dispatcher with the call's arguments followed by the plain-ndarray views of
   every Variable the code touches (written in place, nothing is copied back),
3. turns a returned Python scalar into a 0-d array of the dtype Numba computed, as JAX does.

A call never loses or corrupts data:

- it is atomic: the compiled code first copies the Variables it may write (found by
  :meth:`.codegen.Program.written_arrays`) into preallocated buffers, one memcpy each, and a call
  that raises while running puts them back, so every Variable (the random state's too) holds its
  value from before the call. The model is then replayed eagerly on that state to name the
  model's file and line (Numba's runtime errors carry none), and the state is restored again;
- generated functions check their indices (``boundscheck``): an index out of bounds raises
  ``IndexError`` instead of reading or writing outside the array;
- a float written whole into an integer or bool Variable raises ``ValueError`` as eager code does;
- one lock per ``JitFunction`` serialises generation and calls from several threads.

Cost (``python -m benchmarks.failure_safety``): about 0.3 us per call on a small model and
2.5 us per call on the COBA network's state (4,000 neurons, 68 kB written); ``bm.for_loop``
copies once per loop, not per step.
"""
from __future__ import annotations

import inspect
import threading
import types as pytypes
from typing import Any, Callable, Iterable

import numpy as np

import brainpy_math.base as base_module
from brainpy_math import _config
from brainpy_math.base import Base

from . import elementwise
from .array import WIDE_SCALARS, narrow, policy_argument
from .codegen import Generated, ItemsGuard, Program, UnsupportedObject
from .compiler import explain_numba_error, load_program
from .fusion import array_extent

__all__ = ["jit", "JitFunction", "grad", "value_and_grad", "vector_grad", "jacobian", "jacrev", "jacfwd",
           "hessian", "vmap", "pmap"]

_OPTIONS = {"parallel", "cache", "fastmath", "fuse"}
_PYTHON_SCALARS = (float, int, bool, complex)
# Python scalars that the generated code treats as weak (``int32_array * t`` stays int32/float32).
_WEAK_SCALARS = (int, float)


def _target(f: Any) -> tuple[Callable, Any, str]:
    """``(function, owner or None, label)`` of what ``jit`` was given."""
    if isinstance(f, JitFunction):
        return f._func, f._owner, f._label
    if isinstance(f, Base):
        return type(f).__call__, f, f"{type(f).__name__}.__call__ of {f.name}"
    if inspect.ismethod(f):
        if not isinstance(f.__self__, Base):
            raise TypeError(f"jit: argument 'f' is a method of {type(f.__self__).__name__}, which is not a "
                            f"bm.Base; the numba backend compiles methods of bm.Base objects and plain "
                            f"functions")
        return f.__func__, f.__self__, f"{type(f.__self__).__name__}.{f.__name__} of {f.__self__.name}"
    if isinstance(f, pytypes.FunctionType):
        return f, None, f.__qualname__
    raise TypeError(f"jit: argument 'f' must be a function, a method of a bm.Base object or a bm.Base "
                    f"object, got {f!r} ({type(f).__name__})")


class _Compiled:
    """One generated program with its module, dispatcher and wrapper."""

    def __init__(self, program: Program, module: Any, entry: str, static_key: tuple, weak: tuple = ()):
        self.program = program
        self.module = module
        self.dispatcher = getattr(module, entry)
        self.static_key = static_key
        self.weak = weak  # per runtime parameter: int/float if it was generated as a Python scalar
        self.guards = list(program.guards.values())
        self.wrapper: Callable | None = None
        self.wrapper_globals: dict[str, Any] = {}
        # The model's arrays are the same at every call (a Variable's value is written in place):
        # the bytes they span, for telling whether a returned array is a view of one.
        self.state_extents = [array_extent(a.plain) for a in program.arrays.values()]
        self.single_return_type: Any = None  # the return type while the dispatcher has one overload
        # Failure atomicity (see JitFunction._failed): the arrays the code may write, the buffer the
        # compiled code copies them into before it runs (a view of it per array), and the flag it
        # raises while it runs (the buffer's first byte).
        self.written: list[np.ndarray] = []
        self.snapshot_buffer: np.ndarray | None = None
        self.snapshots: list[np.ndarray] = []
        self.running = np.zeros(1, np.uint8)
        self.call_dispatcher = self.dispatcher
        self.returns = False

    def refresh_expected(self) -> None:
        for i, guard in enumerate(self.guards):
            self.wrapper_globals[f"_bm_e{i}"] = guard.expected
        self.wrapper_globals["_bm_version"] = base_module.binding_version


class JitFunction:
    """A function or object compiled by the numba backend (what ``bm.jit`` returns there).

    Attributes:
        source: the generated Python source Numba compiles (generated on first access).

    Example:
        >>> import brainpy_math as bm
        >>> def double(x):
        ...     return x * 2.0
        >>> with bm.set_backend('numba'):
        ...     f = bm.jit(double)
        ...     f(bm.ones(2)).dtype
        dtype('float32')
    """

    def __init__(self, f: Any, static_argnums: Any = None, static_argnames: Any = None,
                 options: dict[str, Any] | None = None):
        self._func, self._owner, self._label = _target(f)
        self._options = {"cache": True, "parallel": False, **(options or {})}
        signature = inspect.signature(self._func)
        parameters = list(signature.parameters.values())
        if self._owner is not None:
            parameters = parameters[1:]
        for p in parameters:
            if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.POSITIONAL_ONLY):
                raise TypeError(f"jit: {self._label} has the parameter {p} ({p.kind.description}); the numba "
                                f"backend supports plain positional parameters (defaults are fine)")
        self._parameters = parameters
        self._static = _static_names(parameters, static_argnums, static_argnames, self._label)
        self._compiled: dict[tuple, _Compiled] = {}
        self._current: _Compiled | None = None
        # One call at a time per object: generation swaps the wrapper, and a failing call restores
        # the Variables from buffers shared by every call (about 0.1 us per call, see
        # benchmarks/failure_safety.py).
        self._lock = threading.RLock()
        # A class of its own, so the generated wrapper can be this object's __call__ (one Python frame).
        self.__class__ = type("JitFunction", (JitFunction,), {"__doc__": JitFunction.__doc__})
        self.__class__.__call__ = _first_call  # type: ignore[assignment]
        self.__wrapped__ = f

    # ----------------------------------------------------------------- public
    @property
    def source(self) -> str:
        """The generated source of the compiled function(s) (static arguments: the last used)."""
        if self._current is None:
            if self._static:
                raise RuntimeError(f"jit: {self._label} has static arguments {sorted(self._static)}; call it "
                                   f"once so the source can be generated for their values")
            self._select((), ())
        return self._current.program.source()  # type: ignore[union-attr]

    @property
    def dispatcher(self) -> Any:
        """The ``numba`` dispatcher a call goes through (generated on first access): the entry
        function, or, when the code writes Variables, the function that first copies them into
        the snapshot buffers a failing call restores them from."""
        self.source
        return self._current.call_dispatcher  # type: ignore[union-attr]

    def state_arrays(self) -> list[np.ndarray]:
        """The arrays the compiled code receives after the arguments: plain views of the Variables
        and arrays it uses, then (when it writes any) the snapshot buffer (its first byte: the running flag)."""
        self.source
        return list(self._current.wrapper_globals["_bm_state"])  # type: ignore[union-attr]

    def __repr__(self) -> str:
        return f"<bm.jit (numba) of {self._label}>"

    # ----------------------------------------------------------------- compilation
    def _generate(self, static_key: tuple, weak: tuple) -> _Compiled:
        static = dict(zip(sorted(self._static), static_key))
        program = Program({k: v for k, v in self._options.items() if k in _OPTIONS})
        runtime = [p.name for p in self._parameters if p.name not in self._static]
        weak_names = frozenset(name for name, kind in zip(runtime, weak) if kind is not None)
        entry = program.function(self._func, self._owner, None, static, entry=True, weak=weak_names)
        returns = _returns_value(program)
        safe = add_snapshot_function(program, entry, returns)
        module = load_program(program)
        compiled = _Compiled(program, module, entry.name, static_key, weak)
        compiled.entry = entry
        compiled.returns = returns
        if safe is not None:
            compiled.call_dispatcher = getattr(module, safe)
            by_name = {a.name: a.plain for a in program.arrays.values()}
            compiled.written = [by_name[name] for name in program.written_arrays(entry)]
            compiled.snapshot_buffer, compiled.running, compiled.snapshots = \
                elementwise.snapshot_views(compiled.written)
        self._install_wrapper(compiled)
        return compiled

    def _select(self, static_key: tuple, weak: tuple) -> _Compiled:
        # The dtype policy is part of the key: literals, creation dtypes and results follow it, so
        # code generated under one policy is wrong under the other (its guard sends calls here).
        key = (static_key, weak, _config._x64)
        compiled = self._compiled.get(key)
        if compiled is not None and not all(g.still_valid() for g in compiled.guards):
            compiled = None  # a constant or an array binding changed: generate again
        if compiled is None:
            compiled = self._generate(static_key, weak)
            self._compiled[key] = compiled
        compiled.refresh_expected()
        self._current = compiled
        type(self).__call__ = compiled.wrapper  # type: ignore[assignment]
        return compiled

    def _install_wrapper(self, compiled: _Compiled) -> None:
        runtime = [p for p in self._parameters if p.name not in self._static]
        namespace: dict[str, Any] = {"_bm_disp": compiled.call_dispatcher, "_bm_scalars": _PYTHON_SCALARS,
                                     "_bm_lock": self._lock}
        params = []
        for i, p in enumerate(self._parameters):
            if p.default is inspect.Parameter.empty:
                params.append(p.name)
            else:
                namespace[f"_bm_d{i}"] = p.default
                params.append(f"{p.name}=_bm_d{i}")
        checks = []
        if any(guard.on_base for guard in compiled.guards):
            # Attributes of Base objects: one number tells whether any was rebound since the check.
            namespace["_bm_base"] = base_module
            namespace["_bm_version"] = base_module.binding_version
            checks.append("_bm_base.binding_version != _bm_version")
        for i, guard in enumerate(compiled.guards):
            if guard.on_base:
                continue
            namespace[f"_bm_g{i}"] = guard.container
            if isinstance(guard, ItemsGuard):
                checks.append(guard.condition(i))
            elif guard.key is None:
                checks.append(f"_bm_g{i}.cell_contents is not _bm_e{i}")
            else:
                checks.append(f"_bm_g{i}.get({guard.key!r}) is not _bm_e{i}")
        static_sorted = sorted(self._static)
        for name in static_sorted:
            index = static_sorted.index(name)
            checks.append(f"({name} is not _bm_s{index} and {name} != _bm_s{index})")
            namespace[f"_bm_s{index}"] = compiled.static_key[index]
        # Python int/float arguments are weak (the code was generated with them as such); an
        # argument of another kind needs other code.
        namespace["_bm_weak_types"] = _WEAK_SCALARS
        conversions = []
        namespace.update(_bm_cfg=_config, _bm_nd=np.ndarray, _bm_wide_scalars=WIDE_SCALARS,
                         _bm_policy=policy_argument)
        for p, kind in zip(runtime, compiled.weak or (None,) * len(runtime)):
            if kind is None:
                checks.append(f"type({p.name}) in _bm_weak_types")
                # A NumPy float64/int64 argument counts as 32-bit unless x64 is on, as on JAX.
                conversions += [
                    f"    if not _bm_cfg._x64 and (type({p.name}) is _bm_nd and {p.name}.dtype.itemsize == 8 or "
                    f"type({p.name}) in _bm_wide_scalars):",
                    f"        {p.name} = _bm_policy({p.name}, {f'argument {p.name!r} of {self._label}'!r})"]
            else:
                checks.append(f"type({p.name}) is not {kind.__name__}")
        state = [a.name for a in compiled.program.arrays.values() if a.name in compiled.entry.state]
        for a in compiled.program.arrays.values():
            namespace[a.name] = a.plain
        all_args = ", ".join(p.name for p in self._parameters)
        import numba
        namespace["_bm_NumbaError"] = numba.core.errors.NumbaError
        lines = [f"def __call__(_bm_self, {', '.join(params)}):", "  with _bm_lock:"]
        if checks:
            lines.append(f"    if {' or '.join(checks)}:")
            lines.append(f"        return _bm_self._slow(({all_args}{',' if self._parameters else ''}))")
        lines += conversions
        # The state as one tuple: the dispatcher is called with a prebuilt argument tuple instead of
        # one built from a global load per Variable. With written Variables, the snapshot buffer
        # follows (the compiled code copies the state into it first).
        extra = (compiled.snapshot_buffer,) if compiled.snapshots else ()
        namespace["_bm_state"] = tuple(namespace[name] for name in state) + extra
        call_args = ", ".join([p.name for p in runtime] + state + [f"_bm_state[{len(state) + k}]"
                                                                    for k in range(len(extra))])
        dispatch_args = ", ".join([p.name for p in runtime] + ["*_bm_state"] if namespace["_bm_state"]
                                  else [p.name for p in runtime])
        lines += ["    try:", f"        _bm_r = _bm_disp({dispatch_args})",
                  "    except _bm_NumbaError as _bm_err:",
                  "        raise _bm_self._explain(_bm_err) from None",
                  "    except NotImplementedError as _bm_err:",
                  "        raise _bm_self._unsupported(_bm_err) from None",
                  "    except Exception as _bm_err:",
                  f"        raise _bm_self._failed(_bm_err, ({all_args}{',' if self._parameters else ''})) from None"]
        if compiled.returns:
            lines += ["    if type(_bm_r) in _bm_scalars or type(_bm_r) is tuple:",
                      f"        return _bm_self._box(_bm_r, ({call_args}{',' if call_args else ''}))",
                      "    if type(_bm_r) is _bm_ndarray:",
                      "        return _bm_self._detached(_bm_r)"]
            namespace["_bm_ndarray"] = np.ndarray
        lines.append("    return _bm_r")
        code = "\n".join(lines) + "\n"
        exec(compile(code, f"<bm.jit wrapper of {self._label}>", "exec"), namespace)
        compiled.wrapper = namespace["__call__"]
        compiled.wrapper_globals = namespace
        compiled.wrapper_source = code

    def _slow(self, args: tuple) -> Any:
        with self._lock:
            return self._slow_locked(args)

    def _failed(self, error: Exception, args: tuple) -> Exception:
        """The error of a compiled call that raised while running: every Variable it may have
        written is restored, then the model is replayed eagerly on the restored state to name the
        model's line (Numba's runtime errors carry no location), and restored again."""
        compiled = self._current
        if compiled is None or not compiled.running[0]:
            return error  # raised before the compiled code ran (argument typing): nothing changed
        restore = _restorer(compiled.written, compiled.snapshots)
        restore()
        compiled.running[0] = 0
        owner_args = args if self._owner is None else (self._owner, *args)
        files = {g.header.file for g in compiled.program.order if g.header is not None}
        return explain_runtime_error(error, lambda: self._func(*owner_args), restore, files, self._label)

    def _slow_locked(self, args: tuple) -> Any:
        key = tuple(args[[p.name for p in self._parameters].index(n)] for n in sorted(self._static))
        try:
            hash(key)
        except TypeError:
            raise TypeError(f"jit: the static arguments {sorted(self._static)} of {self._label} must be "
                            f"hashable, got {key!r}") from None
        weak = tuple(type(args[i]) if type(args[i]) in _WEAK_SCALARS else None
                     for i, p in enumerate(self._parameters) if p.name not in self._static)
        self._select(key, weak)
        return type(self).__call__(self, *args)

    def _unsupported(self, error: NotImplementedError) -> NotImplementedError:
        """Numba's bare ``NotImplementedError(float16)`` (it has no float16 arithmetic), said clearly."""
        if str(error) == "float16":
            return NotImplementedError(
                f"bm.jit of {self._label}: the numba backend cannot compile float16 arithmetic (Numba has "
                f"no float16 type); use float32 there, or the JAX backend (bm.set_backend('jax'))")
        return error

    def _explain(self, error: Exception) -> TypeError:
        compiled = self._current
        return explain_numba_error(error, compiled.program, compiled.module, self._label)

    def _detached(self, result: np.ndarray) -> np.ndarray:
        """``result``, copied when it shares memory with a Variable (a returned slice or alias of
        one): JAX returns a snapshot, so writing into a result never changes the model."""
        if result.size:
            first, last = array_extent(result)
            if any(first < end and start < last for start, end in self._current.state_extents):
                return narrow(result.copy())
        # A 64-bit result of 32-bit inputs (Numba computes uint32 + int32 in int64, a NumPy int64
        # argument stays int64) follows the policy, as the JAX backend's results do.
        return narrow(result)

    def _box(self, result: Any, call_args: tuple) -> Any:
        """Python scalars returned by Numba as 0-d arrays of the dtype Numba computed them in."""
        from numba.np.numpy_support import as_dtype
        compiled = self._current
        dispatcher = compiled.call_dispatcher
        if len(dispatcher.overloads) == 1:
            # Reading an OrderedDict's values hashes its keys, and hashing a signature of many
            # Numba array types cost 10 us per call: the one return type is kept.
            if compiled.single_return_type is None:
                compiled.single_return_type = next(iter(dispatcher.overloads.values())).signature.return_type
            boxed = _boxed(result, compiled.single_return_type, as_dtype)
        else:
            types = tuple(dispatcher.typeof_pyval(a) for a in call_args)
            boxed = _boxed(result, dispatcher.overloads[types].signature.return_type, as_dtype)
        if type(boxed) is tuple:
            return tuple(self._detached(v) if type(v) is np.ndarray else v for v in boxed)
        return boxed


def _boxed(value: Any, numba_type: Any, as_dtype: Callable) -> Any:
    if type(value) is tuple:
        inner = getattr(numba_type, "types", None) or [getattr(numba_type, "dtype", None)] * len(value)
        return tuple(_boxed(v, t, as_dtype) for v, t in zip(value, inner))
    if type(value) in _PYTHON_SCALARS:
        try:
            return narrow(np.asarray(value, dtype=as_dtype(numba_type)))
        except Exception:
            return narrow(np.asarray(value))
    return value


def _first_call(self: JitFunction, *args: Any, **kwargs: Any) -> Any:
    bound = inspect.Signature(self._parameters).bind(*args, **kwargs)
    bound.apply_defaults()
    return self._slow(tuple(bound.arguments.values()))


def add_snapshot_function(program: Program, entry: Any, returns: bool) -> str | None:
    """Add ``_bm_safe_<entry>`` to ``program``: it copies every array ``entry`` may write into one
    snapshot buffer (laid out by :func:`elementwise.snapshot_views`), raises the running flag (the
    buffer's first byte), calls ``entry`` and lowers the flag; ``None`` when ``entry`` writes
    nothing. The copy runs inside the compiled code (no Python call per array); a failing call finds
    the flag raised and restores the arrays from the buffer."""
    written = program.written_arrays(entry)
    if not written:
        return None
    copy = program.inject("_bm_e_snapshot_at", elementwise.snapshot_at,
                          "brainpy_math_numba.elementwise.snapshot_at")
    lines = [("    _bm_at = 8", None)]
    lines += [(f"    _bm_at = {copy}(_bm_snapshot, _bm_at, {name})", None) for name in written]
    lines.append(("    _bm_snapshot[0] = 1", None))
    call = f"{entry.name}({', '.join(entry.params + entry.state)})"
    if returns:
        lines += [(f"    _bm_r = {call}", None), ("    _bm_snapshot[0] = 0", None), ("    return _bm_r", None)]
    else:
        lines += [(f"    {call}", None), ("    _bm_snapshot[0] = 0", None)]
    name = f"_bm_safe_{entry.name}"
    program.order.append(Generated(name, entry.params + entry.state + ["_bm_snapshot"], [], lines,
                                   decorator="_bm_njit_serial"))
    return name


def _restorer(arrays: list[np.ndarray], snapshots: list[np.ndarray]) -> Callable[[], None]:
    def restore() -> None:
        for array, snapshot in zip(arrays, snapshots):
            np.copyto(array, snapshot, casting="no")
    return restore


def explain_runtime_error(error: Exception, replay: Callable[[], Any], restore: Callable[[], None],
                          files: set[str], label: str) -> Exception:
    """An exception of the same kind as eager code raises, naming the model's file and line.

    Numba's runtime errors (an index out of bounds, shapes that do not broadcast, a float written
    into an integer Variable) name no line of the model. The state has been restored: ``replay``
    runs the model eagerly on it, which raises NumPy's error at the model's line; then ``restore``
    undoes what the replay wrote.
    """
    eager: BaseException | None = None
    try:
        replay()
    except Exception as caught:  # the error we are looking for
        eager = caught
    finally:
        restore()
    if eager is None:
        return type(error)(f"{error} (raised by the code compiled by bm.jit (numba backend) from {label}; every "
                           f"Variable was restored; run eagerly on the same state the model did not fail, so its "
                           f"line is unknown)")
    frame = None
    tb = eager.__traceback__
    while tb is not None:  # the innermost frame in the model's own files
        if tb.tb_frame.f_code.co_filename in files:
            frame = tb
        tb = tb.tb_next
    where = ""
    if frame is not None:
        import linecache
        code = frame.tb_frame.f_code
        text = linecache.getline(code.co_filename, frame.tb_lineno).strip()
        where = f"{code.co_filename}:{frame.tb_lineno} in {code.co_name}: "
        suffix = f"\n    {text}" if text else ""
    else:
        suffix = ""
    message = f"{where}{eager}{suffix}"
    if not isinstance(eager, type(error)) and not isinstance(error, type(eager)):
        message += f"\n(the compiled code raised {type(error).__name__}: {error})"
    explained: BaseException = type(error)(message)
    for kind in type(eager).__mro__:  # NumPy's UFuncTypeError takes other arguments: its TypeError base
        try:
            explained = kind(message)
            break
        except Exception:
            continue
    explained.__cause__ = None
    return explained


def _returns_value(program: Program) -> bool:
    return any(text.lstrip().startswith("return ") for g in program.order for text, _ in g.lines)


def _static_names(parameters: list[inspect.Parameter], argnums: Any, argnames: Any, label: str) -> set[str]:
    names: set[str] = set()
    if argnums is not None:
        for index in ([argnums] if isinstance(argnums, int) else list(argnums)):
            if not isinstance(index, int) or not -len(parameters) <= index < len(parameters):
                raise ValueError(f"jit: argument 'static_argnums' has {index!r}, but {label} takes "
                                 f"{len(parameters)} argument(s)")
            names.add(parameters[index].name)
    if argnames is not None:
        known = [p.name for p in parameters]
        for name in ([argnames] if isinstance(argnames, str) else list(argnames)):
            if name not in known:
                raise ValueError(f"jit: argument 'static_argnames' has {name!r}, which is not a parameter of "
                                 f"{label} (parameters: {known})")
            names.add(name)
    return names


def jit(f: Any, dyn_vars: Any = None, static_argnums: Any = None, static_argnames: Any = None,
        donate_vars: bool = False, **options: Any) -> JitFunction:
    """Compile a function, a method of a ``bm.Base`` object or the object itself with Numba.

    The source is rewritten into a plain function (attribute chains resolved on the live objects,
    Variables passed as arrays and written in place) and compiled with ``numba.njit``. The
    Variables are found from the source, so ``dyn_vars`` is not needed (it is accepted for
    compatibility with the jax backend). Options: ``cache`` (default True: Numba's on-disk cache),
    ``parallel`` (``bm.prange`` loops run in parallel), ``fastmath``, ``fuse`` (default True: runs of
    elementwise statements become one loop, see ``brainpy_math_numba.fusion``).

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('numba'):
        ...     class Counter(bm.Base):
        ...         def __init__(self):
        ...             super().__init__()
        ...             self.n = bm.Variable(bm.zeros(1))
        ...         def __call__(self, k):
        ...             self.n += k
        ...     c = Counter(); step = bm.jit(c); step(2.0)  # doctest: +SKIP
    """
    unknown = sorted(set(options) - _OPTIONS)
    if unknown:
        raise TypeError(f"jit: unknown option(s) {unknown} for the numba backend; it accepts "
                        f"{sorted(_OPTIONS)}")
    if dyn_vars is not None:
        _check_dyn_vars(dyn_vars)
    return JitFunction(f, static_argnums, static_argnames, options)


def _check_dyn_vars(dyn_vars: Any) -> None:
    from brainpy_math.variables import Variable
    items: Iterable = dyn_vars.values() if isinstance(dyn_vars, dict) else (
        dyn_vars if isinstance(dyn_vars, (list, tuple)) else [dyn_vars])
    for item in items:
        if not isinstance(item, (Variable, Base)):
            raise TypeError(f"jit: argument 'dyn_vars' must hold Variables (or Base objects), got {item!r}")


def _unsupported(name: str) -> Callable:
    def transform(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f"bm.{name} is not available on the numba backend: it has no autodiff/vectorising transform. "
            f"Use the jax backend (bm.set_backend('jax')) for bm.{name}.")
    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = f"``bm.{name}`` raises ``NotImplementedError`` on the numba backend (use jax)."
    return transform


grad = _unsupported("grad")
value_and_grad = _unsupported("value_and_grad")
vector_grad = _unsupported("vector_grad")
jacobian = _unsupported("jacobian")
jacrev = _unsupported("jacrev")
jacfwd = _unsupported("jacfwd")
hessian = _unsupported("hessian")
vmap = _unsupported("vmap")
pmap = _unsupported("pmap")
