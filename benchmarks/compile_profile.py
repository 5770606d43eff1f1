"""Where a cold compile's time goes: Numba's compile events, per dispatcher, for one workload.

One workload (``lr``: the logistic-regression step under ``bm.jit``; ``coba``, ``cobahh``: 10 steps at
4,000 neurons under ``bm.for_loop``; see :mod:`benchmarks.compile_time`) runs in a fresh interpreter
with empty ``NUMBA_CACHE_DIR`` and ``BRAINPY_MATH_CACHE_DIR``, under listeners of Numba's event API
(:mod:`numba.core.event`) for ``numba:compile`` (a dispatcher compiling one signature),
``numba:run_pass`` (a compiler pass) and ``numba:llvm_lock`` (LLVM's C API at work). The events nest
(typing a function compiles the functions it calls), so each gets its inclusive time and its
exclusive time (inclusive less the events directly inside it); a dispatcher's exclusive time is all
the time spent compiling it and not inside another dispatcher's compile.

Printed: the compiled functions sorted by exclusive time (function, group, dispatchers -- an
``@overload`` builds one per signature --, signatures, exclusive seconds and the parts of them spent
in type inference and in LLVM's C API -- optimising and emitting machine code, for the function
and the callees linked into it --, inclusive seconds, and the functions whose compile compiled it);
the totals per group -- generated code (modules ``_bm_gen_*``), the backend's ``@overload``
implementations (also per module) and its other helpers (``brainpy_math_numba.*``), Numba's own
``@overload`` implementations, the rest -- and per compiler pass (LLVM's share apart); the time
outside any compile event (code generation, Python, the run itself) and the wall time. The
listener costs a few microseconds per event (LLVM calls are the most: tens of thousands).

``--reference``: the same for the hand-written version of the workload (``benchmarks/reference``
for COBA and COBAHH, :func:`lr_reference_step` for the logistic-regression step): what a floor
looks like. ``trivial``: the fixed cost of a process's first ``njit`` compile (two one-line functions,
the second compiled after the first).

Run: ``python -m benchmarks.compile_profile {lr,coba,cobahh,trivial} [--reference] [--top 25]``.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from typing import Any

import numba
import numpy as np
from numba.core import event
from numba.core.typing import templates

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable as a package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks._harness import machine, print_table, write_jsonl  # noqa: E402
from benchmarks.compile_time import LR_POINTS, run_brainpy_math, run_reference  # noqa: E402
from benchmarks.logistic_regression import make_data  # noqa: E402

__all__ = ["CompileListener", "lr_reference_step", "profile_in_this_process", "summarize", "profile", "main"]

NAME = "compile_profile"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKLOADS = {"lr": "logistic_regression", "coba": "coba", "cobahh": "cobahh", "trivial": "trivial"}
KINDS = ("numba:compile", "numba:run_pass", "numba:llvm_lock")
TYPING_PASSES = ("nopython_type_inference", "partial_type_inference")
GENERATED, BACKEND_OVERLOAD, BACKEND_HELPER = "generated", "backend @overload", "backend helper"
NUMBA_OVERLOAD, NUMBA_OTHER, OTHER = "numba @overload", "numba (other)", "other"
GROUPS = (GENERATED, BACKEND_OVERLOAD, BACKEND_HELPER, NUMBA_OVERLOAD, NUMBA_OTHER, OTHER)
BACKEND_PACKAGE = "brainpy_math_numba"
LLVM = "LLVM C API (llvm_lock held)"
OUTSIDE_PASSES = "compile events outside any pass (Numba's setup, first-use initialisation)"
FUNCTION_COLUMNS = ["rank", "function", "group", "dispatchers", "signatures", "exclusive_s", "typing_s", "llvm_s",
                    "inclusive_s", "compiled_from"]


class CompileListener(event.Listener):
    """Times Numba's nested compile events; one record per ``numba:compile`` event.

    A stack of the open events gives each its exclusive time: on an event's end its inclusive time
    is charged to its parent as time inside children. The exclusive time of a compile event, of the
    passes run for it and of the LLVM calls made for them is that dispatcher's own compile time.

    Example:
        >>> listener = CompileListener()
        >>> with listener.installed():  # doctest: +SKIP
        ...     numba.njit(lambda x: x + 1)(1)
        >>> listener.records[0]["signature"]  # doctest: +SKIP
        '(int64,)'
    """

    def __init__(self):
        self._stack: list[list] = []  # [kind, data, start, time in children, owning compile record]
        self.records: list[dict] = []
        self.dispatchers: dict[int, Any] = {}  # id -> dispatcher, kept alive so that ids stay unique
        self.pass_s: dict[str, float] = defaultdict(float)  # exclusive seconds per pass name
        self.llvm_s = 0.0
        self.llvm_calls = 0
        self.outside_passes_s = 0.0  # compile events' own time: Numba's setup around the passes

    def on_start(self, ev: event.Event) -> None:
        owner = self._stack[-1][4] if self._stack else None
        if ev.kind == "numba:compile":
            dispatcher = ev.data["dispatcher"]
            self.dispatchers[id(dispatcher)] = dispatcher
            parent = owner
            owner = {"index": len(self.records), "parent": None if parent is None else parent["index"],
                     "dispatcher": id(dispatcher), "signature": str(tuple(ev.data["args"])),
                     "depth": 0 if parent is None else parent["depth"] + 1, "inclusive_s": 0.0, "exclusive_s": 0.0,
                     "typing_s": 0.0, "llvm_s": 0.0}
            self.records.append(owner)
        self._stack.append([ev.kind, ev.data, time.perf_counter(), 0.0, owner])

    def on_end(self, ev: event.Event) -> None:
        kind, data, start, inside, owner = self._stack.pop()
        inclusive = time.perf_counter() - start
        exclusive = inclusive - inside
        if self._stack:
            self._stack[-1][3] += inclusive
        if owner is not None:
            owner["exclusive_s"] += exclusive
        if kind == "numba:compile":
            owner["inclusive_s"] = inclusive
            self.outside_passes_s += exclusive
        elif kind == "numba:run_pass":
            name = data["name"].rsplit(" [", 1)[0]
            self.pass_s[name] += exclusive
            if owner is not None and name in TYPING_PASSES:
                owner["typing_s"] += exclusive
        else:
            self.llvm_s += exclusive
            self.llvm_calls += 1
            if owner is not None:
                owner["llvm_s"] += exclusive

    def installed(self):
        """A context in which this listener hears every kind of :data:`KINDS`."""
        return _Installed(self)

    def describe(self) -> list[dict]:
        """The records with each dispatcher's module, name, group and (for ``@overload``
        implementations) the function it implements."""
        overloads = _overload_implementations()
        described = []
        for record in self.records:
            dispatcher = self.dispatchers[record["dispatcher"]]
            func = getattr(dispatcher, "py_func", None)
            module = _module_of(func)
            name = getattr(func, "__qualname__", None) or repr(dispatcher)
            stub = overloads.get(record["dispatcher"])
            if stub is not None:
                # The implemented function's name; the module of the @overload function (an
                # overload_method template has none: the implementation's module, then).
                module, name = (stub[0] or module), stub[1]
            described.append(dict(record, module=module, function=_display(module, name, stub is not None),
                                  group=_group(module, stub is not None)))
        return described


class _Installed:
    def __init__(self, listener: CompileListener):
        self.listener = listener

    def __enter__(self) -> CompileListener:
        for kind in KINDS:
            event.register(kind, self.listener)
        return self.listener

    def __exit__(self, *exc) -> None:
        for kind in KINDS:
            event.unregister(kind, self.listener)


def _overload_implementations() -> dict[int, tuple[str | None, str]]:
    """``id(dispatcher) -> (module of the @overload function, name of the function it implements)``
    for every implementation dispatcher Numba built from an ``@overload`` template in this process."""
    found: dict[int, tuple[str, str]] = {}
    pending = [templates._OverloadFunctionTemplate]
    seen = set()
    while pending:
        cls = pending.pop()
        if cls in seen:
            continue
        seen.add(cls)
        pending += cls.__subclasses__()
        overload_func = getattr(cls, "_overload_func", None)
        for value in list(getattr(cls, "_impl_cache", {}).values()):
            if isinstance(value, tuple) and value and hasattr(value[0], "py_func"):
                key = getattr(cls, "key", None)
                stub = getattr(key, "__qualname__", None) or getattr(key, "__name__", None) or str(key)
                found[id(value[0])] = (getattr(overload_func, "__module__", None), stub)
    return found


def _module_of(func: Any) -> str:
    """``func``'s module; for a function made by ``exec`` without a module name (the backend builds
    some ``@overload`` implementations so), the module of a function among its globals."""
    module = getattr(func, "__module__", None)
    if module:
        return module
    for name, value in sorted(getattr(func, "__globals__", {}).items()):
        if callable(value) and getattr(value, "__module__", None):
            return value.__module__
    return "?"


def _display(module: str, name: str, overload: bool) -> str:
    if module.startswith("_bm_gen_"):
        module = module[:16]  # the source hash identifies the module; its start is enough to tell them apart
    text = f"{module}.{name}"
    return text + " [overload impl]" if overload else text


def _group(module: str, overload: bool) -> str:
    if module.startswith("_bm_gen_"):
        return GENERATED
    if module.split(".")[0] == BACKEND_PACKAGE:
        return BACKEND_OVERLOAD if overload else BACKEND_HELPER
    if module.split(".")[0] == "numba":
        return NUMBA_OVERLOAD if overload else NUMBA_OTHER
    return OTHER


_ONE = np.float32(1.0)


def lr_reference_step(X: np.ndarray, Y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The logistic-regression step written by hand for ``numba.njit`` (the NumPy expression).

    Example:
        >>> X, Y = np.ones((4, 2), np.float32), np.ones(4, np.float32)
        >>> lr_reference_step(X, Y, np.zeros(2, np.float32)).shape
        (2,)
    """
    # float32 constants: a float literal is float64 under Numba and would promote the chain.
    u = np.dot(((_ONE / (_ONE + np.exp(-Y * np.dot(X, w))) - _ONE) * Y), X)
    return w - u


def _trivial_first(x):
    return x + 1


def _trivial_second(x):
    return x * 2


def profile_in_this_process(workload: str, reference: bool, start: float) -> dict:
    """Run ``workload`` (a key of :data:`WORKLOADS`) here under a :class:`CompileListener`; the raw
    profile (records, pass times, wall times). ``start``: when this process started its clock."""
    with CompileListener().installed() as listener:
        ready = time.perf_counter()
        times: dict[str, float] = {}
        if workload == "trivial":
            for name, func in (("first_njit_s", _trivial_first), ("second_njit_s", _trivial_second)):
                begin = time.perf_counter()
                numba.njit(func)(1)
                times[name] = time.perf_counter() - begin
        elif reference and workload == "lr":
            X, Y = make_data(LR_POINTS)
            numba.njit(lr_reference_step)(X, Y, np.full(10, 0.7, np.float32))
        elif reference:
            result = run_reference(WORKLOADS[workload], "numba")
            times.update(import_s=result["import_s"], compile_s=result["compile_s"])
        else:
            result = run_brainpy_math(WORKLOADS[workload], "numba")
            times["import_s"] = result["backend_import_s"]
        done = time.perf_counter()
    return dict(workload=workload, reference=reference, startup_s=ready - start, wall_s=done - ready, **times,
                records=listener.describe(), pass_s=dict(listener.pass_s), llvm_s=listener.llvm_s,
                llvm_calls=listener.llvm_calls, outside_passes_s=listener.outside_passes_s)


def summarize(raw: dict, top: int = 25) -> dict:
    """Per function (its dispatchers merged: an ``@overload`` builds one per signature; exclusive time
    summed, the slowest first; inclusive time counted once where one compile of it nests in another)
    and the totals per group and per compiler pass.

    Example:
        >>> raw = dict(wall_s=3.0, records=[
        ...     dict(index=0, parent=None, dispatcher=1, function="m.f", group="generated", depth=0,
        ...          inclusive_s=2.0, exclusive_s=1.5),
        ...     dict(index=1, parent=0, dispatcher=2, function="m.g", group="numba @overload", depth=1,
        ...          inclusive_s=0.5, exclusive_s=0.3),
        ...     dict(index=2, parent=1, dispatcher=3, function="m.g", group="numba @overload", depth=2,
        ...          inclusive_s=0.2, exclusive_s=0.2)], pass_s={}, llvm_s=0.0)
        >>> s = summarize(raw)
        >>> [(f["function"], f["dispatchers"], f["inclusive_s"]) for f in s["functions"]]
        [('m.f', 1, 2.0), ('m.g', 2, 0.5)]
        >>> s["totals"]["compile_events_s"], s["totals"]["outside_compile_s"]
        (2.0, 1.0)
    """
    records = raw["records"]
    per: dict[str, dict] = {}
    for record in records:
        entry = per.setdefault(record["function"], dict(
            function=record["function"], group=record["group"], module=record.get("module", "?"), dispatchers=set(),
            signatures=0, exclusive_s=0.0, typing_s=0.0, llvm_s=0.0, inclusive_s=0.0, callers=[]))
        entry["dispatchers"].add(record["dispatcher"])
        caller = "(top level)" if record["parent"] is None else records[record["parent"]]["function"]
        if caller not in entry["callers"]:
            entry["callers"].append(caller)
        entry["signatures"] += 1
        for key in ("exclusive_s", "typing_s", "llvm_s"):
            entry[key] += record.get(key, 0.0)
        if not _nested_in_same_function(record, records):
            entry["inclusive_s"] += record["inclusive_s"]
    functions = sorted(per.values(), key=lambda d: -d["exclusive_s"])
    for rank, entry in enumerate(functions, 1):
        callers = entry.pop("callers")
        entry.update(rank=rank, dispatchers=len(entry["dispatchers"]),
                     compiled_from=", ".join(callers[:2]) + (f" (+{len(callers) - 2})" if len(callers) > 2 else ""))
    groups = {group: dict(exclusive_s=0.0, functions=0, dispatchers=0, signatures=0) for group in GROUPS}
    for entry in functions:
        total = groups[entry["group"]]
        total["exclusive_s"] += entry["exclusive_s"]
        total["functions"] += 1
        total["dispatchers"] += entry["dispatchers"]
        total["signatures"] += entry["signatures"]
    modules: dict[str, dict] = {}
    for entry in functions:
        if entry["group"] == BACKEND_OVERLOAD:
            module = entry["module"]
            total = modules.setdefault(module, dict(module=module, functions=0, dispatchers=0, exclusive_s=0.0))
            total["functions"] += 1
            total["dispatchers"] += entry["dispatchers"]
            total["exclusive_s"] += entry["exclusive_s"]
    compile_s = sum(r["inclusive_s"] for r in records if r["depth"] == 0)
    totals = dict(wall_s=raw["wall_s"], compile_events_s=compile_s, outside_compile_s=raw["wall_s"] - compile_s,
                  functions=len(functions), dispatchers=len({r["dispatcher"] for r in records}),
                  signatures=len(records), llvm_s=raw["llvm_s"])
    passes = sorted(raw["pass_s"].items(), key=lambda item: -item[1])
    return dict(functions=functions, top=functions[:top], groups=groups,
                backend_overload_modules=list(modules.values()), totals=totals, passes=passes)


def _nested_in_same_function(record: dict, records: list[dict]) -> bool:
    parent = record["parent"]
    while parent is not None:
        if records[parent]["function"] == record["function"]:
            return True
        parent = records[parent]["parent"]
    return False


_CHILD = r"""
import json, sys, time
start = time.perf_counter()
import numba
numba_imported = time.perf_counter()
from benchmarks.compile_profile import profile_in_this_process
result = profile_in_this_process(sys.argv[1], sys.argv[2] == "reference", start)
print("RESULT " + json.dumps(dict(result, numba_import_s=numba_imported - start)))
"""


def profile(workload: str, reference: bool = False, timeout_s: float = 900.0) -> dict:
    """The raw profile of ``workload`` from a fresh interpreter with empty compile caches."""
    if workload not in WORKLOADS:
        raise ValueError(f"workload={workload!r}: expected one of {', '.join(WORKLOADS)}")
    with tempfile.TemporaryDirectory(prefix="bm_compile_profile_") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, BRAINPY_MATH_CACHE_DIR=os.path.join(cache, "generated"),
                   JAX_PLATFORMS=os.environ.get("JAX_PLATFORMS", "cpu"))
        out = subprocess.run([sys.executable, "-c", _CHILD, workload, "reference" if reference else "brainpy_math"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout_s)
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"the profiled process failed (exit {out.returncode}): {out.stderr.strip()[-2000:]}")


def _rounded(row: dict) -> dict:
    return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()}


def report(raw: dict, top: int = 25) -> dict:
    """Print the tables of :func:`summarize` for ``raw``; return the summary."""
    summary = summarize(raw, top)
    title = f"{raw['workload']}{' (hand-written reference)' if raw['reference'] else ''}"
    t = summary["totals"]
    print(f"# compile profile: {title}, cold cache, fresh process\n")
    if raw["workload"] == "trivial":
        print(f"import numba: {raw['numba_import_s']:.3f} s; first njit compile + call "
              f"{raw['first_njit_s']:.3f} s; second {raw['second_njit_s']:.3f} s\n")
    print(f"wall {t['wall_s']:.2f} s (after the profiler's imports: {raw['startup_s']:.2f} s); inside compile "
          f"events {t['compile_events_s']:.2f} s; outside them {t['outside_compile_s']:.2f} s; "
          f"{t['functions']} functions, {t['dispatchers']} dispatchers, {t['signatures']} signatures compiled; "
          f"LLVM C API "
          f"{t['llvm_s']:.2f} s in {raw['llvm_calls']} calls\n")
    print_table([_rounded(d) for d in summary["top"]], FUNCTION_COLUMNS)
    print()
    print_table([_rounded(dict(group=g, **v)) for g, v in summary["groups"].items()],
                ["group", "functions", "dispatchers", "signatures", "exclusive_s"])
    print()
    if summary["backend_overload_modules"]:
        print_table([_rounded(m) for m in summary["backend_overload_modules"]],
                    ["module", "functions", "dispatchers", "exclusive_s"])
        print()
    passes = [dict(pass_=name, exclusive_s=round(s, 3)) for name, s in summary["passes"][:12]]
    passes += [dict(pass_=LLVM, exclusive_s=round(raw["llvm_s"], 3)),
               dict(pass_=OUTSIDE_PASSES, exclusive_s=round(raw["outside_passes_s"], 3))]
    print_table(passes, ["pass_", "exclusive_s"])
    print()
    return summary


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("--reference", action="store_true", help="profile the hand-written version instead")
    parser.add_argument("--top", type=int, default=25, help="functions to print (default 25)")
    parser.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results", f"{NAME}.jsonl"))
    args = parser.parse_args(argv)
    raw = profile(args.workload, args.reference)
    summary = report(raw, args.top)
    rows = [dict(benchmark=NAME, workload=args.workload, reference=args.reference, **machine(),
                 **{k: v for k, v in raw.items() if k not in ("records", "workload", "reference")},
                 totals=summary["totals"], groups=summary["groups"], top=summary["top"])]
    write_jsonl(rows, args.out)
    return rows


if __name__ == "__main__":
    main()
