"""The call wrapper: the Python function a ``bm.jit`` call runs, and the errors it explains.

:func:`build_call_wrapper` generates one small Python function per compiled program (one frame:
the ``JitFunction``'s ``__call__``) that

1. checks that the constants and arrays the code was generated from are still the ones on the
   objects (an identity test per value; on a mismatch the slow path compares values and generates
   again only if one really changed), and that the call's Python scalars are of the kinds the code
   was generated for;
2. calls the Numba dispatcher with the call's arguments followed by the plain-ndarray views of
   every Variable the code touches (written in place, nothing is copied back) and, when the code
   writes any, the snapshot buffer (see :mod:`.passes.snapshot`);
3. turns Numba's errors into errors that name the model's line (:func:`explain_numba_error` for
   compilation, :func:`explain_runtime_error` for a failing run).
"""
from __future__ import annotations

import inspect
import linecache
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import numba
import numpy as np

import brainpy_math.base as base_module
from brainpy_math import _config

from ..array import WIDE_SCALARS, policy_argument
from ..elementwise import FusionMiss
from .emit import Emitted
from .ir import Function, Guard, ItemsGuard, Origin, Program, describe_location

__all__ = ["Built", "CallWrapper", "build_call_wrapper", "explain_numba_error", "explain_runtime_error",
           "restorer", "PYTHON_SCALARS", "WEAK_SCALARS"]

PYTHON_SCALARS = (float, int, bool, complex)
# Python scalars that the generated code treats as weak (``int32_array * t`` stays int32/float32).
WEAK_SCALARS = (int, float)


@dataclass
class Built:
    """What the pipeline produced for one entry: the program, its module and the entry's dispatchers."""

    program: Program
    entry: Function
    emitted: Emitted
    module: Any
    safe: Function | None = None  # the snapshotting function the wrapper calls (None: nothing written)
    written: list[np.ndarray] = field(default_factory=list)  # the arrays a call may write

    @property
    def dispatcher(self) -> Any:
        return getattr(self.module, self.entry.name)

    @property
    def call_dispatcher(self) -> Any:
        return getattr(self.module, self.safe.name) if self.safe is not None else self.dispatcher

    @property
    def guards(self) -> list[Guard | ItemsGuard]:
        return list(self.program.guards.values())

    @property
    def state(self) -> list[np.ndarray]:
        """The entry's array arguments (after its parameters), as Numba receives them."""
        by_name = {a.name: a.plain for a in self.program.arrays.values()}
        return [by_name[n] for n in self.entry.state]

    @property
    def files(self) -> set[str]:
        return {f.header.file for f in self.program.functions if f.header is not None}


@dataclass
class CallWrapper:
    function: Callable
    globals: dict[str, Any]
    source: str


def _items_condition(guard: ItemsGuard, i: int) -> str:
    """True when the items may have changed; ``_bm_g{i}`` is the container, ``_bm_e{i}`` the expected items."""
    parts = [f"len(_bm_g{i}) != {len(guard.expected)}"]
    if isinstance(guard.container, list):
        parts += [f"_bm_g{i}[{j}] is not _bm_e{i}[{j}]" for j in range(len(guard.expected))]
    else:
        parts += [f"_bm_g{i}.get(_bm_e{i}[{j}][0]) is not _bm_e{i}[{j}][1]" for j in range(len(guard.expected))]
    return " or ".join(parts)


def build_call_wrapper(built: Built, parameters: list[inspect.Parameter], static_names: list[str],
                       static_values: tuple, weak: tuple, snapshot_buffer: np.ndarray | None, lock: Any,
                       label: str, assumed: dict[str, tuple[np.dtype, int]] | None = None) -> CallWrapper:
    """The ``__call__`` of a ``JitFunction`` for ``built`` (see the module docstring).

    It calls back into the ``JitFunction`` (``_bm_self``): ``_slow`` when a check fails, ``_failed``,
    ``_explain``, ``_unsupported`` on errors, ``_fusion_missed`` when a fused loop found shapes it was
    not generated for, ``_box``/``_detached`` on returned values.
    """
    static = set(static_names)
    runtime = [p for p in parameters if p.name not in static]
    namespace: dict[str, Any] = {"_bm_disp": built.call_dispatcher, "_bm_scalars": PYTHON_SCALARS, "_bm_lock": lock}
    params = []
    for i, p in enumerate(parameters):
        if p.default is inspect.Parameter.empty:
            params.append(p.name)
        else:
            namespace[f"_bm_d{i}"] = p.default
            params.append(f"{p.name}=_bm_d{i}")
    guards = built.guards
    checks = []
    if any(guard.on_base for guard in guards):
        # Attributes of Base objects: one number tells whether any was rebound since the check.
        namespace["_bm_base"] = base_module
        namespace["_bm_version"] = base_module.binding_version
        checks.append("_bm_base.binding_version != _bm_version")
    for i, guard in enumerate(guards):
        if guard.on_base:
            continue
        namespace[f"_bm_g{i}"] = guard.container
        if isinstance(guard, ItemsGuard):
            checks.append(_items_condition(guard, i))
        elif guard.key is None:
            checks.append(f"_bm_g{i}.cell_contents is not _bm_e{i}")
        else:
            checks.append(f"_bm_g{i}.get({guard.key!r}) is not _bm_e{i}")
    for index, static_name in enumerate(static_names):
        checks.append(f"({static_name} is not _bm_s{index} and {static_name} != _bm_s{index})")
        namespace[f"_bm_s{index}"] = static_values[index]
    # Python int/float arguments are weak (the code was generated with them as such); an
    # argument of another kind needs other code.
    namespace["_bm_weak_types"] = WEAK_SCALARS
    conversions = []
    namespace.update(_bm_cfg=_config, _bm_nd=np.ndarray, _bm_wide_scalars=WIDE_SCALARS, _bm_policy=policy_argument)
    for p, kind in zip(runtime, weak or (None,) * len(runtime)):
        if kind is None:
            if p.name not in (assumed or {}):  # an assumed argument's check below rejects scalars too
                checks.append(f"type({p.name}) in _bm_weak_types")
            # A NumPy float64/int64 argument counts as 32-bit unless x64 is on, as on JAX.
            conversions += [
                f"    if not _bm_cfg._x64 and (type({p.name}) is _bm_nd and {p.name}.dtype.itemsize == 8 or "
                f"type({p.name}) in _bm_wide_scalars):",
                f"        {p.name} = _bm_policy({p.name}, {f'argument {p.name!r} of {label}'!r})"]
        else:
            checks.append(f"type({p.name}) is not {kind.__name__}")
    all_args = ", ".join(p.name for p in parameters)
    namespace["_bm_NumbaError"] = numba.core.errors.NumbaError
    namespace["_bm_FusionMiss"] = FusionMiss
    lines = [f"def __call__(_bm_self, {', '.join(params)}):", "  with _bm_lock:"]
    if checks:
        lines.append(f"    if {' or '.join(checks)}:")
        lines.append(f"        return _bm_self._slow(({all_args}{',' if parameters else ''}))")
    lines += conversions
    # Array arguments the code was written for (their dtype and ndim), checked as the compiled code
    # receives them (after the policy's conversion): other arrays get code of their own.
    assumed_checks = []
    for index, (argument, (dtype, ndim)) in enumerate((assumed or {}).items()):
        namespace[f"_bm_t{index}"] = np.dtype(dtype)
        assumed_checks.append(f"not isinstance({argument}, _bm_nd) or {argument}.ndim != {ndim} or "
                              f"({argument}.dtype is not _bm_t{index} and {argument}.dtype != _bm_t{index})")
    if assumed_checks:
        lines.append(f"    if {' or '.join(assumed_checks)}:")
        lines.append(f"        return _bm_self._slow(({all_args}{',' if parameters else ''}))")
    # The state as one tuple: the dispatcher is called with a prebuilt argument tuple instead of
    # one built from a global load per Variable. With written Variables, the snapshot buffer
    # follows (the compiled code copies the state into it first).
    extra = (snapshot_buffer,) if snapshot_buffer is not None else ()
    namespace["_bm_state"] = tuple(built.state) + extra
    state_args = [f"_bm_state[{k}]" for k in range(len(namespace["_bm_state"]))]
    call_args = ", ".join([p.name for p in runtime] + state_args)
    dispatch_args = ", ".join([p.name for p in runtime] + (["*_bm_state"] if namespace["_bm_state"] else []))
    lines += ["    try:", f"        _bm_r = _bm_disp({dispatch_args})",
              "    except _bm_NumbaError as _bm_err:",
              "        raise _bm_self._explain(_bm_err) from None",
              "    except NotImplementedError as _bm_err:",
              "        raise _bm_self._unsupported(_bm_err) from None",
              "    except _bm_FusionMiss:",
              f"        return _bm_self._fusion_missed(({all_args}{',' if parameters else ''}))",
              "    except Exception as _bm_err:",
              f"        raise _bm_self._failed(_bm_err, ({all_args}{',' if parameters else ''})) from None"]
    if built.entry.returns_value:
        lines += ["    if type(_bm_r) in _bm_scalars or type(_bm_r) is tuple:",
                  f"        return _bm_self._box(_bm_r, ({call_args}{',' if call_args else ''}))",
                  "    if type(_bm_r) is _bm_ndarray:",
                  "        return _bm_self._detached(_bm_r)"]
        namespace["_bm_ndarray"] = np.ndarray
    lines.append("    return _bm_r")
    code = "\n".join(lines) + "\n"
    exec(compile(code, f"<bm.jit wrapper of {label}>", "exec"), namespace)
    return CallWrapper(namespace["__call__"], namespace, code)


def restorer(arrays: list[np.ndarray], snapshots: list[np.ndarray]) -> Callable[[], None]:
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
    suffix = ""
    if frame is not None:
        code = frame.tb_frame.f_code
        text = linecache.getline(code.co_filename, frame.tb_lineno).strip()
        where = f"{code.co_filename}:{frame.tb_lineno} in {code.co_name}: "
        suffix = f"\n    {text}" if text else ""
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


_LINE = re.compile(r'File "([^"]+)", line (\d+)')


def explain_numba_error(error: Exception, emitted: Emitted, module: Any, what: str) -> TypeError:
    """A ``TypeError`` naming the model source line behind a Numba compilation error."""
    path = getattr(module, "__file__", "")
    # Numba's message is text: the generated file's line numbers are found in it (and its colours removed).
    message = re.sub(r"\x1b\[[0-9;]*m", "", str(error))
    located: Origin | None = None
    for file, line in _LINE.findall(message):
        if os.path.basename(file) == os.path.basename(path or "") and int(line) in emitted.origins:
            located = emitted.origins[int(line)]
    summary = "\n".join(l for l in message.strip().splitlines()[:24] if l.strip())
    where = describe_location(located) if located else f"one of the generated functions of {what}"
    if "typing of argument" in message:
        where = (f"{what} for these arguments ({where}): an argument has a type Numba cannot compile; "
                 f"pass arrays, numbers, or tuples of them")
    return TypeError(
        f"bm.jit (numba backend): Numba could not compile {where}.\n"
        f"Numba says:\n{summary}\n"
        f"Generated source: {path} (also `jitted.source`). Fix: use arrays, scalars and bm/NumPy functions "
        f"Numba supports on this line, or run this model on the jax backend.")
