"""examples/ei_network.py as a user runs it: every bad input is one line on stderr and a non-zero exit,
before any simulation; the timed run reuses the compiled program."""
from __future__ import annotations

import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest

import brainpy_math as bm

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "ei_network.py"


def _run(args: list[str], env: dict | None = None, prelude: str = "") -> subprocess.CompletedProcess:
    # runpy under a prelude, so a test can hide a module the way an environment without it would.
    code = (f"{prelude}\nimport runpy, sys\nsys.argv = ['ei_network.py', *{args!r}]\n"
            f"runpy.run_path({str(EXAMPLE)!r}, run_name='__main__')")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def _one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ei_network.py: error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "COBA network on the" not in result.stdout  # nothing was simulated


@pytest.mark.parametrize("args, fragments", [
    (["--out", "/no/such/folder/raster.png"], ["--out", "'/no/such/folder' does not exist"]),
    (["--out", "raster.txt"], ["--out", "'txt' is not an image format"]),
    (["--duration", "0.04"], ["--duration must be at least one step", "0.04"]),
    (["--duration", "nan"], ["--duration"]),
    (["--noise", "-1"], ["--noise must be", "got -1"]),
    (["--seed", "-3"], ["--seed must be >= 0", "-3"]),
    (["--neurons", "1"], ["--neurons must be at least 2"]),
])
def test_bad_arguments_are_one_line_before_the_simulation(args, fragments, tmp_path):
    _one_line_error(_run(args + ["--no-progress"]), *fragments)


def test_a_bad_backend_variable_is_one_line_naming_the_variable():
    result = _run(["--duration", "1", "--neurons", "10", "--no-progress", "--out", os.devnull + ".png"],
                  env={"BRAINPY_MATH_BACKEND": "torhc"})
    _one_line_error(result, "$BRAINPY_MATH_BACKEND='torhc'", "expected one of")


def test_a_backend_that_is_not_installed_is_one_line_with_the_pip_command(tmp_path):
    # sys.modules[name] = None makes importlib report the module as missing, as in a jax-free install.
    result = _run(["--backend", "jax", "--duration", "1", "--neurons", "10", "--no-progress",
                   "--out", str(tmp_path / "r.png")], prelude="import sys; sys.modules['jax'] = None")
    _one_line_error(result, "backend='jax'", 'pip install "jax')


def test_the_timed_runs_use_the_compiled_program_of_the_first(backend, monkeypatch):
    """On JAX the progress bar is part of the compiled loop: the first (compiling) run and the timed
    runs must pass the same options, or the timed run compiles a second program."""
    spec = importlib.util.spec_from_file_location("ei_network_cli", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    seen = []
    real = bm.for_loop

    def recording(body, operands, **options):
        seen.append(options.get("progress_bar", False))
        return real(body, operands, **{**options, "progress_bar": False})

    monkeypatch.setattr(module.bm, "for_loop", recording)
    net = module.build_network(40, seed=1)
    module.simulate(net, 1.0, progress_bar=True, repeats=2)
    assert seen == [True, True, True]
