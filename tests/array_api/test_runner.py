"""Fast checks of the Array API runner (no suite run) and of ``$BRAINPY_MATH_ENABLE_X64``."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import run_suite
from brainpy_math import _config

HERE = Path(__file__).resolve().parent


# ---- BRAINPY_MATH_ENABLE_X64 ---------------------------------------------------------------------
@pytest.mark.parametrize("value, expected", [
    (None, False), ("", False), ("0", False), ("false", False), ("False", False), ("no", False),
    ("off", False), ("1", True), ("true", True), ("TRUE", True), (" yes ", True), ("on", True),
])
def test_x64_environment_values(value, expected):
    environ = {} if value is None else {"BRAINPY_MATH_ENABLE_X64": value}
    assert _config._x64_from_environment(environ) is expected


@pytest.mark.parametrize("value", ["2", "maybe", "enable", "x64"])
def test_x64_environment_rejects_unknown_values(value):
    with pytest.raises(ValueError, match=rf"BRAINPY_MATH_ENABLE_X64='{value}'"):
        _config._x64_from_environment({"BRAINPY_MATH_ENABLE_X64": value})


def _import_with(value: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "BRAINPY_MATH_ENABLE_X64"}
    env["BRAINPY_MATH_ENABLE_X64"] = value
    # No backend is imported (each follows _config when it is); the policy is the frontend's.
    code = "import brainpy_math as bm; print(bm.x64_enabled(), bm._config.default_float())"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)


def test_x64_environment_at_import():
    on = _import_with("1")
    assert on.returncode == 0, on.stderr
    assert on.stdout.split() == ["True", "float64"]
    bad = _import_with("maybe")
    assert bad.returncode != 0
    assert "BRAINPY_MATH_ENABLE_X64='maybe'" in bad.stderr


# ---- the expected-failures files -----------------------------------------------------------------
def test_read_expected_requires_a_reason(tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("# (a) 32-bit policy\narray_api_tests/test_a.py::test_x\n"
                 "array_api_tests/test_a.py::test_y\n\narray_api_tests/test_b.py::test_z\n")
    with pytest.raises(ValueError, match=r"x.txt:5: entry without a '#' reason"):
        run_suite.read_expected(f)
    f.write_text("# reason one\narray_api_tests/test_a.py::test_x\n# reason two\n"
                 "array_api_tests/test_b.py\n")
    entries = run_suite.read_expected(f)
    assert [(e.pattern, e.reason) for e in entries] == [
        ("array_api_tests/test_a.py::test_x", "reason one"),
        ("array_api_tests/test_b.py", "reason two")]


@pytest.mark.parametrize("line", ["array_api_tests/test_a.py::test_x  # why",
                                  "array_api_tests/test_a.py::test_x ", "  array_api_tests/a.py"])
def test_read_expected_rejects_what_the_suite_would_misread(tmp_path, line):
    f = tmp_path / "x.txt"
    f.write_text(f"# reason\n{line}\n")
    with pytest.raises(ValueError):
        run_suite.read_expected(f)


@pytest.mark.parametrize("path", sorted(HERE.glob("expected-failures-*.txt")), ids=lambda p: p.name)
def test_project_expected_failures_files_give_every_entry_a_reason(path):
    entries = run_suite.read_expected(path)
    assert len({e.pattern for e in entries}) == len(entries), "duplicate entries"


def test_every_backend_and_policy_has_an_expected_failures_file():
    for backend in run_suite.BACKENDS:
        for policy in ("default", "x64"):
            assert run_suite.expected_failures_path(backend, policy).is_file()


# ---- matching and counting -----------------------------------------------------------------------
def test_id_matches_follows_the_suite():
    node = "array_api_tests/test_linalg.py::test_svd[x]"
    assert run_suite.id_matches(node, "array_api_tests/test_linalg.py")
    assert run_suite.id_matches(node, "array_api_tests/test_linalg.py::test_svd")
    assert run_suite.id_matches(node, node)
    assert not run_suite.id_matches(node, "array_api_tests/test_linalg.py::test_sv")


def _test(nodeid, outcome, reason=None, message="AssertionError: boom\nmore"):
    t = {"nodeid": nodeid, "outcome": outcome, "setup": {"outcome": "passed"}}
    if outcome == "skipped":
        t["setup"] = {"outcome": "skipped", "longrepr": ["f.py", 1, f"Skipped: {reason}"]}
    elif outcome in ("failed", "xfailed"):
        t["call"] = {"outcome": "failed", "crash": {"message": message}}
    else:
        t["call"] = {"outcome": "passed"}
    return t


def test_summarize_counts_known_failures_as_run_and_not_passed():
    entries = [run_suite.Entry("array_api_tests/t.py::test_known", "why", 1),
               run_suite.Entry("array_api_tests/t.py::test_gone", "why", 2)]
    report = {"tests": [
        _test("array_api_tests/t.py::test_ok", "passed"),
        _test("array_api_tests/t.py::test_ok2", "passed"),
        _test("array_api_tests/t.py::test_bad", "failed"),
        _test("array_api_tests/t.py::test_known[a]", "skipped", "--skips-file (x.txt)"),
        _test("array_api_tests/t.py::test_new", "skipped",
              "requires ARRAY_API_TESTS_VERSION >= 2025.12"),
    ]}
    s = run_suite.summarize(report, name="n", module="brainpy_math", backend="numba",
                            policy="default", mode="run", max_examples=20, seed=0, entries=entries)
    assert (s.passed, s.failed, s.known, s.suite_skipped, s.run) == (2, 1, 1, 1, 4)
    assert s.rate == 0.5
    assert s.failures == {"array_api_tests/t.py::test_bad": "AssertionError: boom"}
    assert s.unmatched_entries == ["array_api_tests/t.py::test_gone"]
    assert s.suite_skip_reasons == {"requires ARRAY_API_TESTS_VERSION >= 2025.12": 1}


def test_summarize_reads_skip_reasons_of_xdist_workers():
    skipped = _test("array_api_tests/t.py::test_known", "skipped")
    skipped["setup"]["longrepr"] = ("[gw1] linux -- Python 3.11.7 /usr/bin/python\n"
                                    "('/s/t.py', 185, 'Skipped: --skips-file "
                                    "(/r/expected-failures-jax-default.txt)')")
    version = _test("array_api_tests/t.py::test_new", "skipped")
    version["setup"]["longrepr"] = ("('/s/t.py', 9, 'Skipped: requires ARRAY_API_TESTS_VERSION >= "
                                    "2025.12')")
    s = run_suite.summarize({"tests": [skipped, version]}, name="n", module="brainpy_math",
                            backend="jax", policy="default", mode="run", max_examples=20, seed=0)
    assert (s.known, s.suite_skipped) == (1, 1)
    assert s.suite_skip_reasons == {"requires ARRAY_API_TESTS_VERSION >= 2025.12": 1}


def test_summarize_check_mode_lists_entries_that_pass_now():
    entries = [run_suite.Entry("array_api_tests/t.py::test_a", "why", 1),
               run_suite.Entry("array_api_tests/t.py::test_b", "why", 2)]
    report = {"tests": [
        _test("array_api_tests/t.py::test_a[1]", "xpassed"),
        _test("array_api_tests/t.py::test_a[2]", "xpassed"),
        _test("array_api_tests/t.py::test_b[1]", "xpassed"),
        _test("array_api_tests/t.py::test_b[2]", "xfailed"),
    ]}
    s = run_suite.summarize(report, name="n", module="brainpy_math", backend="jax", policy="x64",
                            mode="check-expected", max_examples=20, seed=0, entries=entries)
    assert (s.passed, s.failed, s.known) == (3, 0, 1)
    assert s.now_passing == ["array_api_tests/t.py::test_a"]


def test_runner_reports_a_missing_suite(tmp_path, capsys):
    code = run_suite.main(["--backend", "numba", "--suite", str(tmp_path), "--out", str(tmp_path)])
    assert code == 2
    assert "is not at" in capsys.readouterr().err
