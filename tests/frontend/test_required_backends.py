"""tests/conftest.py: a missing backend is skipped where it is optional and fails where it is required."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import brainpy_math as bm

TESTS = Path(__file__).resolve().parents[1]


def _pytest(tmp_path, body: str, required: str) -> subprocess.CompletedProcess:
    """Run pytest on one test file with tests/conftest.py loaded as a plugin."""
    (tmp_path / "test_probe.py").write_text(body)
    env = {**os.environ, "BRAINPY_MATH_REQUIRED_BACKENDS": required,
           "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "conftest", "-q", "-rs", "-p", "no:cacheprovider",
                           "test_probe.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def test_an_optional_missing_backend_is_skipped(need_backends, monkeypatch):
    monkeypatch.setenv("BRAINPY_MATH_REQUIRED_BACKENDS", "")
    with pytest.raises(pytest.skip.Exception, match="'nosuchbackend'] not installed"):
        need_backends("nosuchbackend")
    need_backends(*bm.available_backends())  # installed: nothing happens


def test_a_required_missing_backend_fails(need_backends, monkeypatch):
    monkeypatch.setenv("BRAINPY_MATH_REQUIRED_BACKENDS", "nosuchbackend")
    with pytest.raises(pytest.fail.Exception, match="'nosuchbackend'] required here"):
        need_backends("nosuchbackend")


def test_under_ci_every_known_backend_is_required(need_backends, monkeypatch):
    monkeypatch.delenv("BRAINPY_MATH_REQUIRED_BACKENDS", raising=False)
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(bm, "available_backends", lambda: [])  # as if nothing were installed
    for name in bm._backend.known_backends():
        with pytest.raises(pytest.fail.Exception, match="required here"):
            need_backends(name)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        need_backends(bm._backend.known_backends()[0])


def test_the_marker_skips_an_optional_backend(tmp_path):
    done = _pytest(tmp_path, "import pytest\n\n@pytest.mark.needs_backends('nosuchbackend')\n"
                             "def test_probe():\n    raise AssertionError('ran without its backend')\n", required="")
    assert done.returncode == 0 and "1 skipped" in done.stdout, done.stdout + done.stderr
    assert "not installed" in done.stdout


def test_a_required_backend_that_is_missing_stops_the_run_before_any_test(tmp_path):
    # Before: module-level `pytest.importorskip("jax")` skipped quietly under CI without jax.
    done = _pytest(tmp_path, "import pytest\n\njax = pytest.importorskip('nosuchbackend')\n\n"
                             "def test_probe():\n    pass\n", required="nosuchbackend")
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert "['nosuchbackend'] are required here" in done.stderr
