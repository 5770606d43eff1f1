"""Transformations on the numba backend: ``jit`` through code generation; no autodiff or vmap.

``jit(obj)``, ``jit(obj.method)`` and ``jit(function)`` compile the model source with the compiler of
:mod:`.jit` (its driver's docstring is the pipeline) and return a :class:`JitFunction`. Calling it
runs a small generated Python wrapper (:mod:`.jit.wrapper`) that checks the guards, calls the Numba
dispatcher with the arguments and the Variables' arrays, and explains errors.

A call never loses or corrupts data:

- it is atomic: the compiled code first copies the Variables it may write (found by
  :func:`.jit.passes.written_arrays`) into one preallocated buffer, and a call that raises while
  running puts them back, so every Variable (the random state's too) holds its value from before
  the call. The model is then replayed eagerly on that state to name the model's file and line
  (Numba's runtime errors carry none), and the state is restored again;
- generated functions check their indices (``boundscheck``): an index out of bounds raises
  ``IndexError`` instead of reading or writing outside the array;
- a float written whole into an integer or bool Variable raises ``ValueError`` as eager code does;
- one lock per ``JitFunction`` serialises generation and calls from several threads.

Cost (``python -m benchmarks.failure_safety``): about 0.2 us per call on a small model and
1.8 us per call on the COBA network's state (4,000 neurons, 68 kB written); ``bm.for_loop``
copies once per loop, not per step.
"""
from __future__ import annotations

import inspect
import threading
import types as pytypes
from typing import Any, Callable

import numpy as np
from numba.np.numpy_support import as_dtype

import brainpy_math.base as _base
from brainpy_math import _config
from brainpy_math._compile_options import COMPILE_OPTIONS, check_compile_options
from brainpy_math.base import Base

from . import elementwise
from .array import narrow
from .jit.driver import compile_jit
from .jit.ir import CompiledCallable
from .jit.passes import array_extent
from .jit.wrapper import (PYTHON_SCALARS, WEAK_SCALARS, Built, build_call_wrapper, explain_numba_error,
                          explain_runtime_error, restorer)

__all__ = ["jit", "JitFunction", "jit_target", "boxed", "grad", "value_and_grad", "vector_grad", "jacobian", "jacrev", "jacfwd",
           "hessian", "vmap", "pmap"]



def jit_target(f: Any) -> tuple[Callable, Any, str]:
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


def _argument_type(value: Any) -> tuple[np.dtype, int] | None:
    """``(dtype, ndim)`` of an array argument as the compiled code receives it (a NumPy array's 64-bit
    dtype narrowed unless x64 is on, as the call wrapper converts it), ``None`` for anything else."""
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "biufc":
        return None
    dtype = _config.canonicalize_dtype(value.dtype) if type(value) is np.ndarray else value.dtype
    return dtype, value.ndim


class _Compiled:
    """One compiled program with its wrapper and the buffers a failing call restores from."""

    def __init__(self, built: Built, static_key: tuple, weak: tuple = ()):
        self.built = built
        self.program = built.program
        self.module = built.module
        self.entry = built.entry
        self.dispatcher = built.dispatcher
        self.call_dispatcher = built.call_dispatcher
        self.static_key = static_key
        self.weak = weak  # per runtime parameter: int/float if it was generated as a Python scalar
        self.guards = built.guards
        self.returns = built.entry.returns_value
        # The model's arrays are the same at every call (a Variable's value is written in place):
        # the bytes they span, for telling whether a returned array is a view of one.
        self.state_extents = [array_extent(a.plain) for a in built.program.arrays.values()]
        self.single_return_type: Any = None  # the return type while the dispatcher has one overload
        # Failure atomicity (see JitFunction._failed): the arrays the code may write, the buffer the
        # compiled code copies them into before it runs (a view of it per array), and the flag it
        # raises while it runs (the buffer's first byte).
        self.written: list[np.ndarray] = built.written
        self.snapshot_buffer: np.ndarray | None = None
        self.snapshots: list[np.ndarray] = []
        self.running = np.zeros(1, np.uint8)
        if built.safe is not None:
            self.snapshot_buffer, self.running, self.snapshots = elementwise.snapshot_views(self.written)
        self.wrapper: Callable | None = None
        self.wrapper_globals: dict[str, Any] = {}
        self.wrapper_source = ""

    def refresh_expected(self) -> None:
        for i, guard in enumerate(self.guards):
            self.wrapper_globals[f"_bm_e{i}"] = guard.expected
        self.wrapper_globals["_bm_version"] = _base.binding_version


class JitFunction(CompiledCallable):
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
        self._func, self._owner, self._label = jit_target(f)
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
        return self._current.built.emitted.source  # type: ignore[union-attr]

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
    def _generate(self, static_key: tuple, weak: tuple, types: tuple) -> _Compiled:
        static = dict(zip(sorted(self._static), static_key))
        options = {k: v for k, v in self._options.items() if k in COMPILE_OPTIONS or k == "guarded"}
        runtime = [p.name for p in self._parameters if p.name not in self._static]
        weak_names = frozenset(name for name, kind in zip(runtime, weak) if kind is not None)
        argument_types = {name: t for name, t in zip(runtime, types) if t is not None}
        compiled = _Compiled(compile_jit(self._func, self._owner, options, static, weak_names, argument_types),
                             static_key, weak)
        assumed = {name: argument_types[name] for name in runtime if name in compiled.program.assumed_arguments}
        wrapper = build_call_wrapper(compiled.built, self._parameters, sorted(self._static), static_key, weak,
                                     compiled.snapshot_buffer, self._lock, self._label, assumed)
        compiled.wrapper, compiled.wrapper_globals, compiled.wrapper_source = \
            wrapper.function, wrapper.globals, wrapper.source
        return compiled

    def _select(self, static_key: tuple, weak: tuple, types: tuple = ()) -> _Compiled:
        # The dtype policy is part of the key: literals, creation dtypes and results follow it, so
        # code generated under one policy is wrong under the other (its guard sends calls here). So
        # are the dtype and ndim of each array argument, which the code may be written for.
        key = (static_key, weak, _config._x64, types)
        compiled = self._compiled.get(key)
        if compiled is not None and not all(g.still_valid() for g in compiled.guards):
            compiled = None  # a constant or an array binding changed: generate again
        if compiled is None:
            compiled = self._generate(static_key, weak, types)
            self._compiled[key] = compiled
        compiled.refresh_expected()
        self._current = compiled
        type(self).__call__ = compiled.wrapper  # type: ignore[assignment]
        return compiled

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
        restore = restorer(compiled.written, compiled.snapshots)
        restore()
        compiled.running[0] = 0
        owner_args = args if self._owner is None else (self._owner, *args)
        return explain_runtime_error(error, lambda: self._func(*owner_args), restore, compiled.built.files, self._label)

    def _fusion_missed(self, args: tuple) -> Any:
        """A fused loop raised FusionMiss (its operands are not 1-D arrays of one length): the
        Variables are restored, and this object compiles the guarded variant from now on (the
        loops with the array code as their fallback) and runs the call again."""
        with self._lock:
            compiled = self._current
            if compiled is not None and compiled.running[0]:
                restorer(compiled.written, compiled.snapshots)()
                compiled.running[0] = 0
            self._options["guarded"] = True
            self._compiled.clear()
            return self._slow_locked(args)

    def _slow_locked(self, args: tuple) -> Any:
        key = tuple(args[[p.name for p in self._parameters].index(n)] for n in sorted(self._static))
        try:
            hash(key)
        except TypeError:
            raise TypeError(f"jit: the static arguments {sorted(self._static)} of {self._label} must be "
                            f"hashable, got {key!r}") from None
        runtime = [i for i, p in enumerate(self._parameters) if p.name not in self._static]
        weak = tuple(type(args[i]) if type(args[i]) in WEAK_SCALARS else None for i in runtime)
        self._select(key, weak, tuple(_argument_type(args[i]) for i in runtime))
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
        return explain_numba_error(error, compiled.built.emitted, compiled.module, self._label)

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
        compiled = self._current
        dispatcher = compiled.call_dispatcher
        if len(dispatcher.overloads) == 1:
            # Reading an OrderedDict's values hashes its keys, and hashing a signature of many
            # Numba array types cost 10 us per call: the one return type is kept.
            if compiled.single_return_type is None:
                compiled.single_return_type = next(iter(dispatcher.overloads.values())).signature.return_type
            value = boxed(result, compiled.single_return_type, as_dtype)
        else:
            types = tuple(dispatcher.typeof_pyval(a) for a in call_args)
            value = boxed(result, dispatcher.overloads[types].signature.return_type, as_dtype)
        if type(value) is tuple:
            return tuple(self._detached(v) if type(v) is np.ndarray else v for v in value)
        return value


def boxed(value: Any, numba_type: Any, as_dtype: Callable) -> Any:
    """Python scalars Numba returned (also inside tuples) as 0-d arrays of ``numba_type``'s dtype."""
    if type(value) is tuple:
        inner = getattr(numba_type, "types", None) or [getattr(numba_type, "dtype", None)] * len(value)
        return tuple(boxed(v, t, as_dtype) for v, t in zip(value, inner))
    if type(value) in PYTHON_SCALARS:
        try:
            return narrow(np.asarray(value, dtype=as_dtype(numba_type)))
        except Exception:
            return narrow(np.asarray(value))
    return value


def _first_call(self: JitFunction, *args: Any, **kwargs: Any) -> Any:
    bound = inspect.Signature(self._parameters).bind(*args, **kwargs)
    bound.apply_defaults()
    return self._slow(tuple(bound.arguments.values()))


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
    elementwise statements become one loop, see ``brainpy_math_numba.fusion``), ``portable``
    (``'warn'``, default: Python ``if``/``while``/``and``/``or``/``x if c else y`` on array values,
    which the jax backend cannot trace, gives a ``bm.PortabilityWarning`` naming file and line when
    the code is generated; ``'strict'``: a ``bm.PortabilityError``; ``'off'``: nothing).

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
    check_compile_options("jit", options)  # dyn_vars was checked by the frontend (it needs none here)
    return JitFunction(f, static_argnums, static_argnames, options)


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
