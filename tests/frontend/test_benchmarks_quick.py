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

import numba
import pytest
from numba.extending import overload

from benchmarks._spiking import PEER_PYTHON_VAR, Implementation, add_spiking_ratios, run_workload
from benchmarks.compile_profile import CompileListener, profile, summarize
from benchmarks.compile_time import JAX_ROW, NUMBA_ROW, add_jax_ratios, brian2_row, check_targets

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.slow
def test_quick_benchmark_run_exits_0_and_writes_rows(tmp_path):
    out = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--out-dir", str(tmp_path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    for name in ("logistic_regression", "compile_time", "jit_overhead", "coba", "cobahh", "failure_safety",
                 "csr_validation", "jitconn"):
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
    # COBA with bm.jitconn against stored CSR: every installed backend runs both variants; the
    # jitconn network stores no connectivity.
    rows = [json.loads(line) for line in (tmp_path / "jitconn.jsonl").read_text().splitlines()]
    assert not [r for r in rows if "error" in r], rows
    measured = [r for r in rows if "s_per_model_s" in r]
    assert {r["variant"] for r in measured} == {"csr", "jitconn"}, rows
    assert all(r["first_spike_count"] > 0 and r["peak_rss_mb"] > 0 for r in measured), rows
    assert all(r["conn_mb"] == 0 for r in measured if r["variant"] == "jitconn"), rows


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


# --- compile time (benchmarks/compile_time.py) and its profiler (benchmarks/compile_profile.py) ---

def _cold(workload, implementation, first_step_s, round_=1):
    return dict(workload=workload, implementation=implementation, process="cold", first_step_s=first_step_s,
                round=round_)


def test_compile_time_ratios_compare_with_the_jax_row_of_the_same_workload_and_round():
    rows = [_cold("coba", JAX_ROW, 2.0), _cold("coba", NUMBA_ROW, 5.0), _cold("coba", "hand-written numba", 1.0),
            _cold("coba", JAX_ROW, 4.0, 2), _cold("coba", NUMBA_ROW, 6.0, 2),
            _cold("cobahh", NUMBA_ROW, 3.0),  # no JAX row: no ratio, no verdict
            _cold("logistic_regression", NUMBA_ROW, 1.2), _cold("logistic_regression", NUMBA_ROW, 1.6, 2),
            dict(_cold("coba", NUMBA_ROW, 0.1), process="warm")]
    check_targets(add_jax_ratios(rows))
    assert [r.get("x_jax") for r in rows[:5]] == [1.0, 2.5, 0.5, 1.0, 1.5]
    assert (rows[1]["met"], rows[4]["met"]) == ("fail", "pass")
    assert "x_jax" not in rows[5] and rows[5]["met"] == "no measurement"
    assert (rows[6]["met"], rows[7]["met"]) == ("pass", "fail")
    assert "target" not in rows[2] and "target" not in rows[8]  # only the Numba backend's cold rows


def test_compile_time_brian2_row_runs_or_is_skipped_with_a_note(monkeypatch):
    monkeypatch.delenv(PEER_PYTHON_VAR, raising=False)
    row = brian2_row("coba", timeout_s=600)
    assert "error" not in row, row
    assert row.get("note", "").startswith("skipped: brian2 not installed") or row["first_step_s"] > 0, row


def test_compile_listener_nests_compiles_and_conserves_time():
    def stub(x):
        raise NotImplementedError

    @overload(stub)
    def _stub_impl(x):
        return lambda x: x * 3

    @numba.njit
    def inner(x):
        return stub(x) + 1

    @numba.njit
    def outer(x):
        return inner(x) * 2

    with CompileListener().installed() as listener:
        assert outer(2) == 14
    records = {r["function"].split(".")[-1]: r for r in listener.describe()}
    overload_name = "stub [overload impl]"
    assert set(records) == {"outer", "inner", overload_name}, records
    outer_r, inner_r, stub_r = records["outer"], records["inner"], records[overload_name]
    assert (outer_r["depth"], inner_r["parent"], stub_r["parent"]) == (0, outer_r["index"], inner_r["index"])
    assert stub_r["group"] == "other" and stub_r["signature"] == "(int64,)"
    # Every second inside the top-level compile is some dispatcher's exclusive time, once.
    assert abs(sum(r["exclusive_s"] for r in records.values()) - outer_r["inclusive_s"]) < 1e-6
    summary = summarize(dict(wall_s=outer_r["inclusive_s"], records=listener.describe(),
                             pass_s=listener.pass_s, llvm_s=listener.llvm_s))
    assert summary["totals"]["dispatchers"] == 3 and summary["groups"]["other"]["functions"] == 3
    assert "nopython_type_inference" in dict(summary["passes"])


def test_compile_profile_of_a_fresh_process_times_its_first_njit():
    raw = profile("trivial", timeout_s=300)
    names = [f["function"] for f in summarize(raw)["functions"]]
    assert sorted(names) == ["benchmarks.compile_profile._trivial_first", "benchmarks.compile_profile._trivial_second"]
    assert raw["first_njit_s"] > 0 and raw["second_njit_s"] > 0 and raw["llvm_calls"] > 0
