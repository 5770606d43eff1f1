"""Run the four hand-written reference implementations side by side and print a table.

    python -m benchmarks.reference [--neurons 4000] [--duration-ms 1000] [--seed 0]

Each implementation runs in its own subprocess (so one's threads, caches and compilation do not
disturb another's timing); rows are also appended as JSON lines to
``benchmarks/results/reference.jsonl``. ``realtime_factor`` is run time over model time (below 1:
faster than real time). ``x_peer`` divides the run time by the figure measured on the peers' 2-core
box (issue 7), so it compares machines as well as code: read it as an order of magnitude.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from benchmarks._harness import machine, print_table, write_jsonl

# (workload, implementation, module, the peers' run time in s for 4,000 neurons, 1 s, dt 0.1 ms)
IMPLEMENTATIONS = [
    ("COBA", "hand-written Numba", "coba_numba", 0.096),
    ("COBA", "hand-written JAX", "coba_jax", 0.45),
    ("COBAHH", "hand-written Numba", "cobahh_numba", 2.5),
    ("COBAHH", "hand-written JAX", "cobahh_jax", 0.93),
]

_CHILD = ("import json, sys; from benchmarks.reference import {module} as m; "
          "print(json.dumps(m.simulate({neurons}, {duration_ms}, {seed})))")


def run_one(module: str, neurons: int, duration_ms: float, seed: int) -> dict:
    """``simulate`` of ``benchmarks.reference.<module>`` in a fresh interpreter; its result dict."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, JAX_PLATFORMS=os.environ.get("JAX_PLATFORMS", "cpu"))
    code = _CHILD.format(module=module, neurons=neurons, duration_ms=duration_ms, seed=seed)
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--neurons", type=int, default=4000)
    parser.add_argument("--duration-ms", type=float, default=1000.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="*", help="module names to run (default: all four)")
    args = parser.parse_args(argv)
    rows = []
    for workload, name, module, peer_s in IMPLEMENTATIONS:
        if args.only and module not in args.only:
            continue
        result = run_one(module, args.neurons, args.duration_ms, args.seed)
        row = {"benchmark": workload, "implementation": name, "neurons": args.neurons,
               "duration_ms": args.duration_ms, "seed": args.seed, **machine(), **result}
        if "run_s" in result:
            row["realtime_factor"] = result["run_s"] / (args.duration_ms / 1000.0)
            if args.neurons == 4000 and args.duration_ms == 1000.0:
                row["peer_s"] = peer_s
                row["x_peer"] = round(result["run_s"] / peer_s, 2)
        rows.append(row)
    print_table(rows, ["benchmark", "implementation", "neurons", "compile_s", "run_s", "realtime_factor",
                       "spike_count", "rate_hz", "peer_s", "x_peer", "error"])
    write_jsonl(rows, os.path.join(os.path.dirname(__file__), "..", "results", "reference.jsonl"))
    return rows


if __name__ == "__main__":
    main()
