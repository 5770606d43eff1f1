"""Compile time: how long a fresh process takes from building a model to the end of its first step.

Three workloads: the seed's logistic-regression step under ``bm.jit`` (1,000 points), and 10 steps
(1 ms) of COBA and of COBAHH at 4,000 neurons under ``bm.for_loop``. Side by side in one run, every
row in fresh interpreters:

- brainpy_math on the Numba backend, three processes sharing one cache folder: ``cold`` (empty
  ``NUMBA_CACHE_DIR`` and ``BRAINPY_MATH_CACHE_DIR``: everything compiles, the backend's own
  ``cache=True`` kernels included), ``edited model`` (the kernels' cache of the first process kept,
  an empty folder for generated code: what a user waits for after editing one line of a model) and
  ``warm`` (everything loaded from the first process's cache);
- brainpy_math on the JAX backend, ``cold`` (JAX keeps no on-disk cache here);
- the hand-written references of ``benchmarks/reference`` (COBA, COBAHH; Numba and JAX), cold: an
  empty ``NUMBA_CACHE_DIR``, their import, then ``simulate`` for 1 ms (its first call compiles);
- Brian2's C++ standalone mode where Brian2 is installed (in this interpreter or in
  ``$BRAINPY_MATH_PEER_PYTHON``): model construction, code generation, ``make`` in a fresh output
  folder and the 1 ms run; skipped with a note otherwise.

Columns: ``import_s`` (interpreter start to the backend imported; for references, the import of
Numba or JAX and of their module), ``first_step_s`` (model built, compiled and first step done),
``x_jax`` (``first_step_s`` over the JAX backend's cold row of the same workload and round), and on
the Numba backend's cold rows the issue's target and whether it is met (COBA and COBAHH: at most 2x
the JAX backend; the logistic-regression step: under 1.5 s). ``new_cache_files`` counts the Numba
cache files a Numba-backend process wrote (0: everything came from the cache).

``--repeat N`` runs every row N times, in rounds (ratios compare rows of the same round): the
machines this runs on are shared and noisy. ``--quick``: the logistic-regression step only, Numba
cold and warm and JAX (a smoke run).

Run: ``python -m benchmarks.compile_time [--quick] [--repeat 2] [--workloads coba cobahh]``.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable as a package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import brainpy_math as bm  # noqa: E402
from benchmarks._harness import machine, print_table, write_jsonl  # noqa: E402
from benchmarks._spiking import PEER_PYTHON_VAR, Implementation, interpreter, load_example, missing  # noqa: E402
from benchmarks.cobahh import build_cobahh  # noqa: E402
from benchmarks.logistic_regression import LogisticRegression, make_data  # noqa: E402
from benchmarks.reference.params import DT  # noqa: E402

__all__ = ["WORKLOADS", "TARGETS", "Target", "run_brainpy_math", "run_reference", "add_jax_ratios", "check_targets",
           "run", "main"]

NAME = "compile_time"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKLOADS = ("logistic_regression", "coba", "cobahh")
NUM_NEURONS = 4000
NUM_STEPS = 10
LR_POINTS = 1000
COLUMNS = ["round", "workload", "implementation", "process", "import_s", "first_step_s", "x_jax", "target", "met",
           "new_cache_files", "note", "error"]
JAX_ROW = "brainpy_math, jax backend"
NUMBA_ROW = "brainpy_math, numba backend"
COLD, EDITED, WARM = "cold", "edited model (kernels cached)", "warm"


@dataclass(frozen=True)
class Target:
    """The issue's compile-time target of a workload: ``row[field] < limit`` (or ``<=``)."""

    field: str
    limit: float
    inclusive: bool
    text: str

    def met(self, row: dict) -> bool | None:
        """Whether ``row`` meets the target (``None`` when the row has no ``field``)."""
        value = row.get(self.field)
        if value is None:
            return None
        return bool(value <= self.limit if self.inclusive else value < self.limit)


TARGETS = {
    "logistic_regression": Target("first_step_s", 1.5, False, "first step < 1.5 s"),
    "coba": Target("x_jax", 2.0, True, "<= 2x JAX backend"),
    "cobahh": Target("x_jax", 2.0, True, "<= 2x JAX backend"),
}


def run_brainpy_math(workload: str, backend: str) -> dict[str, float]:
    """Import ``backend`` and run ``workload``'s first step in this process; the seconds each took.

    Example:
        >>> sorted(run_brainpy_math("logistic_regression", "numba"))  # doctest: +SKIP
        ['backend_import_s', 'first_step_s']
    """
    if workload not in WORKLOADS:
        raise ValueError(f"workload={workload!r}: expected one of {', '.join(WORKLOADS)}")
    start = time.perf_counter()
    bm.set_backend(backend)
    bm.zeros(1)  # imports the backend
    imported = time.perf_counter()
    if workload == "logistic_regression":
        X, Y = make_data(LR_POINTS)
        model = LogisticRegression(10)
        bm.jit(model)(bm.asarray(X), bm.asarray(Y))
        np.asarray(model.w)
    else:
        bm.set_dt(DT)
        if workload == "coba":
            net = load_example().build_network(NUM_NEURONS, seed=0)
        else:
            net = build_cobahh(NUM_NEURONS, seed=0)
        np.asarray(bm.for_loop(net.step_count, bm.arange(NUM_STEPS)))
    done = time.perf_counter()
    return dict(backend_import_s=imported - start, first_step_s=done - imported)


def run_reference(workload: str, engine: str) -> dict[str, float]:
    """Import ``engine`` and the hand-written ``benchmarks.reference.<workload>_<engine>``, and simulate 1 ms
    with it.

    ``compile_s`` is the reference's own measure of its first call; ``first_step_s`` also holds
    building its connectivity and state (as the brainpy_math rows' does).

    Example:
        >>> run_reference("coba", "numba")["first_step_s"] > 0  # doctest: +SKIP
        True
    """
    if workload not in ("coba", "cobahh") or engine not in ("numba", "jax"):
        raise ValueError(f"workload={workload!r}, engine={engine!r}: expected coba or cobahh, and numba or jax")
    start = time.perf_counter()
    importlib.import_module(engine)  # the JAX references import jax only when they build: time it here
    module = importlib.import_module(f"benchmarks.reference.{workload}_{engine}")
    imported = time.perf_counter()
    result = module.simulate(NUM_NEURONS, NUM_STEPS * DT, 0)
    done = time.perf_counter()
    return dict(import_s=imported - start, first_step_s=done - imported, compile_s=result["compile_s"])


# Each runs in a fresh interpreter; argv = workload, backend or engine. The clock starts before any import.
_BRAINPY_MATH_CHILD = r"""
import json, sys, time
start = time.perf_counter()
from benchmarks.compile_time import run_brainpy_math
ready = time.perf_counter()
r = run_brainpy_math(sys.argv[1], sys.argv[2])
print("RESULT " + json.dumps(dict(import_s=ready - start + r["backend_import_s"], first_step_s=r["first_step_s"])))
"""
_REFERENCE_CHILD = r"""
import json, sys
from benchmarks.compile_time import run_reference
print("RESULT " + json.dumps(run_reference(sys.argv[1], sys.argv[2])))
"""
# The peer interpreter may lack brainpy_math: this child imports only Brian2 and the peer module.
_BRIAN2_CHILD = r"""
import json, sys, time
start = time.perf_counter()
import brian2
from benchmarks.peers import brian2_networks as peers
imported = time.perf_counter()
r = getattr(peers, "simulate_%s_standalone" % sys.argv[1])(int(sys.argv[2]), float(sys.argv[3]), 0)
done = time.perf_counter()
print("RESULT " + json.dumps(dict(import_s=imported - start, first_step_s=done - imported, make_s=r["make_s"],
                                  version=r["version"])))
"""


def _child(python: str, code: str, args: list[str], cache: str, generated: str, timeout_s: float) -> dict[str, Any]:
    """The RESULT dict of ``code`` run in a fresh ``python`` on the given cache folders, or ``{'error': ...}``."""
    env = dict(os.environ, JAX_PLATFORMS=os.environ.get("JAX_PLATFORMS", "cpu"), NUMBA_CACHE_DIR=cache,
               BRAINPY_MATH_CACHE_DIR=generated)
    try:
        out = subprocess.run([python, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout_s:.0f} s"}
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("RESULT "):
            return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in json.loads(line[7:]).items()}
    lines = [line for line in out.stderr.strip().splitlines() if line.strip()]
    return {"error": lines[-1][:200] if lines else f"exit code {out.returncode}"}


def _cache_files(folder: str) -> set[str]:
    """Numba's cache entries (index and machine code) under ``folder``: a process that compiles a
    function writes new ones, a process that loads everything from the cache writes none."""
    return {os.path.join(root, name) for root, _, names in os.walk(folder) for name in names
            if name.endswith((".nbi", ".nbc"))}


def _brainpy_math_rows(workload: str, backend: str, timeout_s: float, quick: bool) -> list[dict]:
    processes = [COLD, WARM] if quick else [COLD, EDITED, WARM]
    if backend != "numba":
        processes = [COLD]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bm_compile_time_") as cache:
        generated = os.path.join(cache, "generated")
        for process in processes:
            # A fresh folder for generated modules moves their Numba cache to a fresh place too
            # (Numba keys a file's cache by its folder), while the kernels' cache stays.
            folder = os.path.join(cache, "edited") if process == EDITED else generated
            before = _cache_files(cache)
            result = _child(sys.executable, _BRAINPY_MATH_CHILD, [workload, backend], cache, folder, timeout_s)
            written = len(_cache_files(cache) - before) if backend == "numba" else None
            rows.append({"workload": workload, "implementation": f"brainpy_math, {backend} backend",
                         "engine": backend, "kind": "brainpy_math", "process": process, **result,
                         "new_cache_files": written})
    return rows


def _reference_rows(workload: str, timeout_s: float) -> list[dict]:
    rows = []
    for engine in ("numba", "jax"):
        row = {"workload": workload, "implementation": f"hand-written {engine} (reference/{workload}_{engine})",
               "engine": engine, "kind": "hand-written", "process": COLD}
        if importlib.util.find_spec(engine) is None:
            row["note"] = f"skipped: {engine} not installed"
        else:
            with tempfile.TemporaryDirectory(prefix="bm_compile_time_ref_") as cache:
                row.update(_child(sys.executable, _REFERENCE_CHILD, [workload, engine], cache, cache, timeout_s))
        rows.append(row)
    return rows


def brian2_row(workload: str, timeout_s: float) -> dict:
    """Brian2's C++ standalone build and 1 ms run of ``workload`` from a fresh output folder, in a fresh
    interpreter (``$BRAINPY_MATH_PEER_PYTHON`` if set); a row with a note when Brian2 is missing."""
    impl = Implementation("Brian2 (C++ standalone)", "brian2", "peer", "benchmarks.peers.brian2_networks",
                          requires=("brian2",))
    row = {"workload": workload, "implementation": "Brian2 C++ standalone (build + run)", "engine": "brian2",
           "kind": "peer", "process": COLD + " (fresh output folder)"}
    absent = missing(impl)
    if absent:
        row["note"] = (f"skipped: {', '.join(absent)} not installed (pip install {' '.join(absent)}, or name an "
                       f"interpreter that has it in ${PEER_PYTHON_VAR})")
        return row
    with tempfile.TemporaryDirectory(prefix="bm_compile_time_brian2_") as cache:
        row.update(_child(interpreter(impl), _BRIAN2_CHILD, [workload, str(NUM_NEURONS), str(NUM_STEPS * DT)],
                          cache, cache, timeout_s))
    return row


def add_jax_ratios(rows: list[dict]) -> list[dict]:
    """Add ``x_jax``: ``first_step_s`` over the JAX backend's cold row of the same workload and round.

    Example:
        >>> rows = [dict(workload="coba", implementation=JAX_ROW, process=COLD, first_step_s=2.0),
        ...         dict(workload="coba", implementation=NUMBA_ROW, process=COLD, first_step_s=5.0)]
        >>> add_jax_ratios(rows)[1]["x_jax"]
        2.5
    """
    base = {(r["workload"], r.get("round")): r["first_step_s"] for r in rows
            if r["implementation"] == JAX_ROW and r["process"] == COLD and r.get("first_step_s")}
    for row in rows:
        reference = base.get((row["workload"], row.get("round")))
        if reference and row.get("first_step_s") is not None:
            row["x_jax"] = round(row["first_step_s"] / reference, 2)
    return rows


def check_targets(rows: list[dict]) -> list[dict]:
    """Mark the Numba backend's cold rows with the issue's target (``target``) and ``met`` (pass/fail).

    Example:
        >>> rows = check_targets([dict(workload="coba", implementation=NUMBA_ROW, process=COLD, x_jax=2.5)])
        >>> rows[0]["target"], rows[0]["met"]
        ('<= 2x JAX backend', 'fail')
    """
    for row in rows:
        if row["implementation"] == NUMBA_ROW and row["process"] == COLD and row["workload"] in TARGETS:
            target = TARGETS[row["workload"]]
            row["target"] = target.text
            met = target.met(row)
            row["met"] = "no measurement" if met is None else ("pass" if met else "fail")
    return rows


def run(quick: bool = False, repeat: int = 1, workloads: list[str] | None = None,
        timeout_s: float = 900.0) -> list[dict]:
    """Every row of every workload, ``repeat`` rounds; see the module docstring."""
    workloads = ["logistic_regression"] if quick else list(workloads or WORKLOADS)
    for workload in workloads:
        if workload not in WORKLOADS:
            raise ValueError(f"workloads: {workload!r} is not one of {', '.join(WORKLOADS)}")
    backends = [b for b in ("numba", "jax") if b in bm.available_backends()]
    info = machine()
    rows = []
    for round_ in range(1, max(1, int(repeat)) + 1):
        # One round measures every row once, side by side: ratios compare rows of one round.
        measured = []
        for workload in workloads:
            for backend in backends:
                measured += _brainpy_math_rows(workload, backend, timeout_s, quick)
            if workload != "logistic_regression" and not quick:
                measured += _reference_rows(workload, timeout_s)
                measured.append(brian2_row(workload, timeout_s))
        rows += [dict(row, round=round_, benchmark=NAME, **info) for row in measured]
    return check_targets(add_jax_ratios(rows))


def print_targets(rows: list[dict]) -> None:
    """One line per workload and round: the Numba backend's cold first step against the issue's target."""
    for row in rows:
        if row.get("target"):
            print(f"target {row['workload']} (round {row['round']}): {row['target']}: {row['met'].upper()} "
                  f"(numba {row.get('first_step_s')} s, x_jax {row.get('x_jax')})")


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the logistic-regression step only (smoke run)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of every row (default 1)")
    parser.add_argument("--workloads", nargs="*", choices=WORKLOADS, help="default: all three")
    parser.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results", f"{NAME}.jsonl"))
    args = parser.parse_args(argv)
    rows = run(args.quick, args.repeat, args.workloads)
    print_table(rows, COLUMNS)
    print()
    print_targets(rows)
    write_jsonl(rows, args.out)
    return rows


if __name__ == "__main__":
    main()
