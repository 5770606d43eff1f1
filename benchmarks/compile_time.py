"""Compile time, cold and with a warm cache: how long a fresh process takes to run its first step.

For each installed backend and two workloads (the seed's logistic-regression step under
``bm.jit``, and 10 steps of the 4,000-neuron COBA network under ``bm.for_loop``), two fresh
interpreters run one after the other on the same, initially empty, cache folder
(``BRAINPY_MATH_CACHE_DIR``): the first compiles everything (cold), the second finds Numba's on-disk
cache (warm). Each reports the time to import ``brainpy_math`` and the backend, the time from
building the model to the end of its first step, and the number of cache files it wrote (Numba
writes two per function it compiles; 0 means everything came from the cache). JAX has no
on-disk cache here: both of its processes compile.

Run: ``python -m benchmarks.compile_time [--quick]``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

import brainpy_math as bm

try:
    from ._harness import command_line, machine
except ImportError:  # run as a script
    from _harness import command_line, machine

NAME = "compile_time"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLUMNS = ["workload", "backend", "process", "import_s", "first_step_s", "total_s", "new_cache_files", "error"]

# Runs in a fresh interpreter: argv = backend, workload.
_CHILD = r"""
import json, sys, time
start = time.perf_counter()
import numpy as np
import brainpy_math as bm
backend, workload = sys.argv[1], sys.argv[2]
bm.set_backend(backend)
bm.zeros(1)  # imports the backend
imported = time.perf_counter()
if workload == "logistic_regression":
    from benchmarks.logistic_regression import LogisticRegression, make_data
    X, Y = make_data(1000)
    model = LogisticRegression(10)
    bm.jit(model)(bm.asarray(X), bm.asarray(Y))
    np.asarray(model.w)
else:
    bm.set_dt(0.1)
    from benchmarks._spiking import load_example
    net = load_example().build_network(4000, seed=0)
    np.asarray(bm.for_loop(net.step_count, bm.arange(10)))
done = time.perf_counter()
print("RESULT " + json.dumps(dict(import_s=imported - start, first_step_s=done - imported, total_s=done - start)))
"""


def _child(backend: str, workload: str, cache: str) -> dict:
    env = dict(os.environ, BRAINPY_MATH_CACHE_DIR=cache, JAX_PLATFORMS=os.environ.get("JAX_PLATFORMS", "cpu"))
    out = subprocess.run([sys.executable, "-c", _CHILD, backend, workload], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=900)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in json.loads(line[7:]).items()}
    lines = [l for l in out.stderr.strip().splitlines() if l.strip()]
    return {"error": lines[-1][:200] if lines else f"exit code {out.returncode}"}


def _cache_files(folder: str) -> set[str]:
    """Numba's cache entries (index and machine code) under ``folder``: a process that compiles a
    function writes new ones, a process that loads everything from the cache writes none."""
    return {os.path.join(root, name) for root, _, names in os.walk(folder) for name in names
            if name.endswith((".nbi", ".nbc"))}


def run(quick: bool = False) -> list[dict]:
    workloads = ["logistic_regression"] if quick else ["logistic_regression", "coba"]
    rows = []
    info = machine()
    for workload in workloads:
        for backend in bm.available_backends():
            with tempfile.TemporaryDirectory(prefix="bm_compile_time_") as cache:
                for process in ("cold (empty cache)", "warm (second process)"):
                    before = _cache_files(cache)
                    result = _child(backend, workload, cache)
                    written = len(_cache_files(cache) - before) if backend == "numba" else None
                    rows.append({"benchmark": NAME, "workload": workload, "backend": backend, "process": process,
                                 **result, "new_cache_files": written, **info})
    return rows


def main(argv: list[str] | None = None) -> list[dict]:
    return command_line("compile_time", __doc__, run, COLUMNS, "the logistic-regression step only", argv)


if __name__ == "__main__":
    main()
