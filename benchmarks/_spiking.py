"""What the spiking-network benchmarks (COBA, COBAHH) share: one subprocess per implementation,
the rows, and the ratios against the hand-written references and the peers.

Every implementation runs in a fresh interpreter (``python -c``), so that one's threads, caches and
compilation do not disturb another's timing, and a missing optional package only skips its row.
The brainpy_math rows compile with an empty Numba cache (a temporary ``BRAINPY_MATH_CACHE_DIR``), so
their compile time is a first run's; ``--quick`` keeps the usual cache.

Peers (Brian2, BrainPy) run in this interpreter when it has them, or in the interpreter named by
``$BRAINPY_MATH_PEER_PYTHON`` (a virtual environment holding them, e.g. where their NumPy or JAX
pins differ from this project's).
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from typing import Any

try:
    from ._harness import machine
except ImportError:  # run as a script
    from _harness import machine

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "ei_network.py")


@dataclass
class Implementation:
    """One row of a workload: ``function(num_neurons, duration_ms, seed, **kwargs)`` in ``module``."""

    name: str
    engine: str  # jax, numba, brian2, brainpy: ratios compare rows of the same engine
    kind: str  # 'brainpy_math', 'hand-written' or 'peer'
    module: str
    function: str = "simulate"
    kwargs: dict | None = None
    requires: tuple[str, ...] = ()  # importable modules this row needs; missing: skipped with a note


def load_example():
    """``examples/ei_network.py`` as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("ei_network", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PEER_PYTHON_VAR = "BRAINPY_MATH_PEER_PYTHON"
TIMED_RUNS = 5  # brainpy_math and hand-written rows: the best of this many runs after compiling


def interpreter(impl: Implementation) -> str:
    """The Python that runs ``impl``: ``$BRAINPY_MATH_PEER_PYTHON`` for peers when set."""
    if impl.kind == "peer" and os.environ.get(PEER_PYTHON_VAR):
        return os.environ[PEER_PYTHON_VAR]
    return sys.executable


def missing(impl: Implementation) -> list[str]:
    """The modules ``impl`` needs that its interpreter cannot import."""
    python = interpreter(impl)
    if python == sys.executable:
        return [name for name in impl.requires if importlib.util.find_spec(name) is None]
    check = "import importlib.util as u, sys; print(' '.join(n for n in sys.argv[1:] if u.find_spec(n) is None))"
    out = subprocess.run([python, "-c", check, *impl.requires], capture_output=True, text=True)
    return out.stdout.split() if out.returncode == 0 else list(impl.requires)


def run_in_subprocess(impl: Implementation, num_neurons: int, duration_ms: float, seed: int,
                      quick: bool, timeout_s: float) -> dict[str, Any]:
    """The result dict of ``impl`` run in a fresh interpreter, or ``{'error': ...}``."""
    kwargs = dict(impl.kwargs or {})
    code = (f"import json; from {impl.module} import {impl.function} as f; "
            f"print('RESULT ' + json.dumps(f({num_neurons}, {duration_ms!r}, {seed}, **{kwargs!r})))")
    env = dict(os.environ, JAX_PLATFORMS=os.environ.get("JAX_PLATFORMS", "cpu"))
    with tempfile.TemporaryDirectory(prefix="bm_bench_cache_") as cache:
        if impl.kind == "brainpy_math" and not quick:
            env["BRAINPY_MATH_CACHE_DIR"] = cache
        try:
            out = subprocess.run([interpreter(impl), "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                                 timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout_s:.0f} s"}
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    lines = [l for l in out.stderr.strip().splitlines() if l.strip()]
    return {"error": lines[-1][:200] if lines else f"exit code {out.returncode}"}


def run_workload(name: str, implementations: list[Implementation], sizes: list[int], duration_ms: float,
                 seed: int, quick: bool, peer_figure_s: float | None, timeout_s: float = 900.0) -> list[dict]:
    """Rows of every implementation at every size, with their ratios (see :func:`add_spiking_ratios`)."""
    rows = []
    info = machine()
    for num_neurons in sizes:
        for impl in implementations:
            row = {"benchmark": name, "implementation": impl.name, "engine": impl.engine, "kind": impl.kind,
                   "neurons": num_neurons, "duration_ms": duration_ms, "seed": seed, **info}
            absent = missing(impl)
            if absent:
                row["note"] = (f"skipped: {', '.join(absent)} not installed (pip install {' '.join(absent)}, "
                               f"or name an interpreter that has it in ${PEER_PYTHON_VAR})")
            else:
                result = run_in_subprocess(impl, num_neurons, duration_ms, seed, quick, timeout_s)
                row.update({k: result[k] for k in ("compile_s", "run_s", "spike_count", "rate_hz", "error", "note",
                                                     "version") if k in result})
                if "run_s" in row:
                    row["realtime_factor"] = row["run_s"] / (duration_ms / 1000.0)
            rows.append(row)
    return add_spiking_ratios(rows, peer_figure_s, duration_ms)


def add_spiking_ratios(rows: list[dict], peer_figure_s: float | None, duration_ms: float) -> list[dict]:
    """Per size: ``x_hand_written`` (run time over the best hand-written row of the same engine),
    ``x_best_peer`` (over the fastest Brian2/BrainPy row measured in this run) and, for 4,000
    neurons and 1 s, ``x_peer_figure`` (over the issue's best-peer figure from a 2-core box:
    it compares machines as well as code)."""
    for size in {r["neurons"] for r in rows}:
        group = [r for r in rows if r["neurons"] == size and r.get("run_s") is not None]
        peers = [r["run_s"] for r in group if r["kind"] == "peer"]
        for row in group:
            hand = [r["run_s"] for r in group if r["kind"] == "hand-written" and r["engine"] == row["engine"]]
            if hand and row["kind"] != "hand-written":
                row["x_hand_written"] = round(row["run_s"] / min(hand), 2)
            if peers and row["kind"] != "peer":
                row["x_best_peer"] = round(row["run_s"] / min(peers), 2)
            if peer_figure_s and size == 4000 and duration_ms == 1000.0:
                row["x_peer_figure"] = round(row["run_s"] / peer_figure_s, 2)
    return rows


COLUMNS = ["benchmark", "implementation", "neurons", "compile_s", "run_s", "realtime_factor", "spike_count",
           "rate_hz", "x_hand_written", "x_best_peer", "x_peer_figure", "note", "error"]


def brainpy_math_simulate(num_neurons: int, duration_ms: float, seed: int, backend: str = "numba",
                          network: str = "coba") -> dict:
    """Build ``network`` ('coba' or 'cobahh') on ``backend`` and run it with ``bm.for_loop``."""
    import brainpy_math as bm
    bm.set_backend(backend)
    bm.set_dt(0.1)
    example = load_example()
    if network == "coba":
        net = example.build_network(num_neurons, seed=seed)
    else:
        from benchmarks.cobahh import build_cobahh
        net = build_cobahh(num_neurons, seed=seed)
    result = example.simulate(net, duration_ms, record=False, repeats=TIMED_RUNS)
    count = result["spike_count"]
    return dict(spike_count=count, rate_hz=count / num_neurons / (duration_ms / 1000.0),
                compile_s=result["compile_s"], run_s=result["run_s"])


def brainpy_math_rows(network: str) -> list[Implementation]:
    """The brainpy_math rows: one per backend, installed or not (a missing one is skipped)."""
    import brainpy_math as bm
    rows = []
    for backend in ("jax", "numba"):
        requires = () if backend in bm.available_backends() else (backend,)
        rows.append(Implementation(f"brainpy_math bm.for_loop, {backend} backend", backend, "brainpy_math",
                                   "benchmarks._spiking", "brainpy_math_simulate",
                                   kwargs=dict(backend=backend, network=network), requires=requires))
    return rows
