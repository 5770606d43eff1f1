"""The benchmark suite's smoke run (``python -m benchmarks --quick``) and its row bookkeeping.

The smoke run compiles every benchmark on every backend (about a minute on 2 cores with warm
caches, more with cold ones), so it is marked slow; CI's slow step runs it. It checks that the
suite runs and writes rows, never timings.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from benchmarks._spiking import Implementation, add_spiking_ratios, run_workload

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.slow
def test_quick_benchmark_run_exits_0_and_writes_rows(tmp_path):
    out = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--out-dir", str(tmp_path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    for name in ("logistic_regression", "jit_overhead", "coba", "cobahh", "failure_safety", "csr_validation"):
        path = tmp_path / f"{name}.jsonl"
        assert path.exists(), f"{name} wrote no rows:\n{out.stdout[-2000:]}"
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        assert rows and all(r["quick"] is True and r["run_id"] == rows[0]["run_id"] for r in rows)
    for name in ("coba", "cobahh"):
        rows = [json.loads(line) for line in (tmp_path / f"{name}.jsonl").read_text().splitlines()]
        measured = [r for r in rows if "run_s" in r]
        assert not [r for r in rows if "error" in r], rows
        # Every implementation simulates the same network from the same state: the same spikes,
        # except where float32 rounding of exp differs (HH), and then by a few percent at most.
        counts = [r["spike_count"] for r in measured]
        assert len(measured) >= 2 and min(counts) > 0.9 * max(counts), rows


def test_missing_peer_is_skipped_with_a_note():
    impl = Implementation("absent peer", "absentpeer", "peer", "benchmarks.nowhere",
                          requires=("no_such_package_for_brainpy_math",))
    (row,) = run_workload("coba", [impl], [400], 20.0, 0, quick=True, peer_figure_s=None)
    assert "run_s" not in row and row["note"].startswith("skipped: no_such_package_for_brainpy_math")


def test_failing_implementation_reports_its_error():
    impl = Implementation("broken", "numba", "hand-written", "benchmarks.no_such_module_here")
    (row,) = run_workload("coba", [impl], [10], 1.0, 0, quick=True, peer_figure_s=None, timeout_s=120)
    assert "run_s" not in row and "no_such_module_here" in row["error"]


def test_ratios_compare_each_engine_with_its_hand_written_row_and_the_best_peer():
    rows = [
        dict(neurons=4000, kind="brainpy_math", engine="numba", run_s=0.3),
        dict(neurons=4000, kind="brainpy_math", engine="jax", run_s=0.5),
        dict(neurons=4000, kind="hand-written", engine="numba", run_s=0.1),
        dict(neurons=4000, kind="hand-written", engine="jax", run_s=0.25),
        dict(neurons=4000, kind="peer", engine="brian2", run_s=0.6),
        dict(neurons=4000, kind="peer", engine="brainpy", run_s=1.2),
        dict(neurons=40000, kind="brainpy_math", engine="numba", run_s=3.0),
    ]
    add_spiking_ratios(rows, peer_figure_s=0.115, duration_ms=1000.0)
    assert rows[0]["x_hand_written"] == 3.0 and rows[1]["x_hand_written"] == 2.0
    assert rows[0]["x_best_peer"] == 0.5 and rows[1]["x_best_peer"] == round(0.5 / 0.6, 2)
    assert rows[0]["x_peer_figure"] == round(0.3 / 0.115, 2)
    assert "x_hand_written" not in rows[2] and "x_best_peer" not in rows[4]
    assert "x_hand_written" not in rows[6] and "x_peer_figure" not in rows[6]  # nothing to compare at 40,000
