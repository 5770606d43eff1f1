"""What every benchmark shares: timing, machine description, JSON lines and a printed table.

Each benchmark module exposes ``run(quick: bool) -> list[dict]``; every row is a flat dict with at
least ``benchmark``, ``implementation`` and one timing field. Ratios are computed between rows of
the same run only, because the machines these run on are shared and noisy.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import time
from typing import Any, Callable, Iterable

__all__ = ["median_time", "machine", "write_jsonl", "print_table", "add_ratios"]


def median_time(fn: Callable[[], Any], repeat: int = 5, number: int = 1, warmup: int = 1) -> float:
    """Median wall time in seconds of ``number`` calls of ``fn``, divided by ``number``.

    ``fn`` must block until its result is ready (call ``block_until_ready`` on jax results).

    Example:
        >>> t = median_time(lambda: sum(range(100)), repeat=3, number=10)
        >>> t > 0
        True
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def machine() -> dict[str, Any]:
    """A short description of this machine, stored with every row."""
    return {"machine": f"{platform.machine()} {os.cpu_count()} cores", "python": platform.python_version()}


def write_jsonl(rows: Iterable[dict], path: str) -> None:
    """Append ``rows`` as JSON lines to ``path`` (folders created as needed)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "a") as f:
        for row in rows:
            f.write(json.dumps(row, default=str) + "\n")


def add_ratios(rows: list[dict], key: str, group: str = "benchmark") -> list[dict]:
    """Add ``x_fastest`` = row[key] / min(row[key]) within each ``group`` (rows without ``key`` skip)."""
    best: dict[Any, float] = {}
    for row in rows:
        if row.get(key) is not None:
            g = row.get(group)
            best[g] = min(best.get(g, float("inf")), row[key])
    for row in rows:
        if row.get(key) is not None and best.get(row.get(group)):
            row["x_fastest"] = round(row[key] / best[row.get(group)], 2)
    return rows


def print_table(rows: list[dict], columns: list[str]) -> None:
    """Print ``rows`` as a Markdown table with the given columns (missing cells left blank)."""
    def cell(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.4g}"
        return "" if v is None else str(v)
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---" for _ in columns) + "|")
    for row in rows:
        print("| " + " | ".join(cell(row.get(c)) for c in columns) + " |")


def command_line(name: str, doc: str, run: Callable[[bool], list[dict]], columns: list[str],
                 quick_help: str, argv: list[str] | None = None) -> list[dict]:
    """A benchmark module's ``main``: parse ``--quick``/``--out``, run, print the table, append the rows
    to ``benchmarks/results/<name>.jsonl`` (or ``--out``) and return them.

    Example:
        >>> rows = command_line("demo", "Demo.", lambda quick: [{"x": 1}], ["x"], "smoke run",
        ...                     ["--quick", "--out", os.devnull])
        | x |
        |---|
        | 1 |
    """
    import argparse
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                                                      f"{name}.jsonl"))
    args = parser.parse_args(argv)
    rows = run(args.quick)
    print_table(rows, columns)
    write_jsonl(rows, args.out)
    return rows
