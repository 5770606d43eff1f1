"""Run every benchmark on every installed backend, side by side in one run; print the tables and
write JSON lines.

    python -m benchmarks [--quick] [--only coba cobahh ...] [--out-dir benchmarks/results]
    python benchmarks/run.py [--quick]

Benchmarks: the seed's logistic-regression step, compile time (cold and warm cache), the jit-wrapper overhead, the
per-operation cost of eager operators under the promotion table, random-number
throughput (when ``benchmarks/random_throughput.py`` exists), COBA and COBAHH, and COBA with
just-in-time connectivity (``bm.jitconn``) against stored CSR up to 400,000 neurons. Each module has
``run(quick) -> rows``; its rows are printed as a Markdown table and appended to
``<out-dir>/<benchmark>.jsonl``, every row stamped with the same ``run_id``. ``--quick`` is a smoke
run at tiny sizes (CI runs it to check that every benchmark works; its timings mean nothing).
A benchmark that fails is reported and the others still run; the exit status is then 1.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
import time
import traceback

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable as a package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    __package__ = "benchmarks"

from benchmarks._harness import print_table, write_jsonl  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
BENCHMARKS = ["logistic_regression", "compile_time", "jit_overhead", "eager_operators", "random_throughput", "coba",
              "cobahh", "failure_safety", "csr_validation", "jitconn"]
_FIXED = {"benchmark", "machine", "python", "run_id", "seed", "engine", "kind", "duration_ms"}


def available() -> list[str]:
    """The benchmarks whose module exists (random_throughput is optional)."""
    return [name for name in BENCHMARKS if importlib.util.find_spec(f"benchmarks.{name}") is not None]


def columns(module, rows: list[dict]) -> list[str]:
    """The module's ``COLUMNS`` if it has them, else every key of its rows in first-seen order."""
    if getattr(module, "COLUMNS", None):
        return list(module.COLUMNS)
    seen: list[str] = []
    for row in rows:
        seen += [k for k in row if k not in seen and k not in _FIXED]
    return seen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run at tiny sizes (CI)")
    parser.add_argument("--only", nargs="*", choices=BENCHMARKS, help="run only these benchmarks")
    parser.add_argument("--out-dir", default=RESULTS,
                        help="folder of the JSON-lines files (default benchmarks/results)")
    args = parser.parse_args(argv)
    run_id = time.strftime("%Y%m%dT%H%M%S") + ("-quick" if args.quick else "")
    names = [n for n in available() if not args.only or n in args.only]
    skipped = [n for n in (args.only or BENCHMARKS) if n not in names]
    import brainpy_math as bm
    print(f"# brainpy_math benchmarks ({'quick' if args.quick else 'full'}), run {run_id}; "
          f"backends installed: {bm.available_backends()}")
    if skipped:
        print(f"(not present, skipped: {', '.join(skipped)})")
    failed = []
    for name in names:
        print(f"\n## {name}\n", flush=True)
        start = time.perf_counter()
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            rows = module.run(args.quick)
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        for row in rows:
            row.setdefault("benchmark", name)
            row["run_id"] = run_id
            row["quick"] = args.quick
        print_table(rows, columns(module, rows))
        path = os.path.join(args.out_dir, f"{name}.jsonl")
        write_jsonl(rows, path)
        print(f"\n({len(rows)} rows in {time.perf_counter() - start:.1f} s, appended to {path})", flush=True)
    if failed:
        print(f"\nFAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
