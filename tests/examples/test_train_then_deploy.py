"""examples/train_then_deploy.py: trains on JAX, and the checkpoint runs on Numba with the same spikes;
``--deploy-only`` runs where jax cannot be imported. Tiny budgets (seconds); the default run is slow."""
from __future__ import annotations

import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

import brainpy_math as bm

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "train_then_deploy.py"


def _example():
    spec = importlib.util.spec_from_file_location("train_then_deploy_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(stdout: str, label: str) -> list[str]:
    """The cells of the deployment table's row ``label``."""
    for line in stdout.splitlines():
        if line.strip().startswith(label):
            return line.strip()[len(label):].split()
    raise AssertionError(f"no row {label!r} in:\n{stdout}")


@pytest.mark.needs_backends("jax", "numba")
def test_trains_on_jax_and_deploys_on_numba_with_identical_spikes(tmp_path, capsys):
    pytest.importorskip("optax")
    pytest.importorskip("matplotlib")
    example = _example()
    checkpoint, plot = tmp_path / "weights.npz", tmp_path / "curve.png"
    backend = bm.get_backend()
    result = example.main(["--epochs", "2", "--seed", "1", "--train-samples", "512", "--test-samples", "64",
                           "--checkpoint", str(checkpoint), "--out", str(plot)])
    assert bm.get_backend() == backend  # the example leaves the caller's backend alone
    history = result["history"]
    assert [h["epoch"] for h in history] == [1, 2]
    assert history[-1]["loss"] < history[0]["loss"]
    assert history[-1]["test_accuracy"] > 0.6  # chance is 0.5
    assert checkpoint.is_file() and plot.is_file() and plot.stat().st_size > 0
    with np.load(checkpoint, allow_pickle=False) as saved:
        assert sorted(saved.files) == sorted(["__brainpy_math_checkpoint__", "task_seed", "w_in", "w_out", "w_rec"])
        assert int(saved["task_seed"]) == 1
        for name in ("w_in", "w_rec", "w_out"):  # on the grid that makes the sums exact
            scaled = saved[name] / example.GRID
            np.testing.assert_array_equal(scaled, np.round(scaled))

    jax_result, numba_result = result["jax"], result["numba"]
    assert jax_result["spikes"].shape == (example.NUM_STEPS, 64, example.NUM_HIDDEN)
    assert 0 < jax_result["spikes"].sum() < jax_result["spikes"].size  # the network is active, not saturated
    assert result["comparison"] == dict(mismatching_spikes=0, spikes=jax_result["spikes"].size,
                                        same_predictions=True, state_bit_identical=True)
    np.testing.assert_array_equal(jax_result["spikes"], numba_result["spikes"])
    assert jax_result["accuracy"] == numba_result["accuracy"] > 0.6
    out = capsys.readouterr().out
    assert "mismatching spikes, JAX vs Numba: 0 of 122,880" in out
    assert _row(out, "test accuracy") == [f"{100 * jax_result['accuracy']:.1f}%"] * 2


_DEPLOY_WITHOUT_JAX = """
import sys
sys.modules['jax'] = None      # `import jax` now raises ImportError, as where jax is not installed
sys.modules['jaxlib'] = None
sys.modules['optax'] = None
sys.modules['matplotlib'] = None
import runpy
sys.argv = ['train_then_deploy.py', '--deploy-only', sys.argv[1], '--test-samples', '64']
runpy.run_path({example!r}, run_name='__main__')
loaded = sorted(m for m, v in sys.modules.items() if v is not None and m.split('.')[0] in ('jax', 'optax'))
print('imported:', loaded)
"""


@pytest.mark.needs_backends("numba")
def test_deploy_only_runs_where_jax_cannot_be_imported(tmp_path):
    # A checkpoint written on the Numba backend (the weights need not be trained for this); the
    # subprocess must give what the same deployment gives here.
    example = _example()
    with bm.set_backend("numba"):
        path = example.save_checkpoint(example.build_model(batch_size=1, seed=3), 3, str(tmp_path / "w.npz"))
    expected = example.deploy("numba", path, num_test=64, repeats=1)
    done = subprocess.run([sys.executable, "-c", _DEPLOY_WITHOUT_JAX.format(example=str(EXAMPLE)), path],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          env={k: v for k, v in os.environ.items() if k != "BRAINPY_MATH_BACKEND"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "imported: []" in done.stdout
    assert "on the Numba backend (task seed 3)" in done.stdout
    assert _row(done.stdout, "spikes") == [str(int(expected["spikes"].sum()))]
    assert _row(done.stdout, "test accuracy") == [f"{100 * expected['accuracy']:.1f}%"]
    assert sorted(os.listdir(tmp_path)) == ["w.npz"]  # deploy-only writes nothing


@pytest.mark.needs_backends("numba")
def test_a_seed_other_than_the_checkpoints_is_refused(tmp_path):
    example = _example()
    with bm.set_backend("numba"):
        path = example.save_checkpoint(example.build_model(batch_size=1, seed=0), 5, str(tmp_path / "w.npz"))
    with pytest.raises(ValueError, match=r"--seed 4 differs from the seed the checkpoint .* \(5\)"):
        example.deploy("numba", path, seed=4, num_test=64)


@pytest.mark.parametrize("args, fragment", [
    (["--epochs", "0"], "--epochs must be at least 1"),
    (["--seed", "-1"], "--seed must be in [0, 2**31)"),
    (["--test-samples", "10"], "must be at least the batch size 64"),
    (["--deploy-only", "/no/such/weights.npz"], "--deploy-only '/no/such/weights.npz': no such file"),
    (["--out", "curve.txt"], "'txt' is not an image format"),
    (["--checkpoint", "/no/such/folder/w.npz"], "'/no/such/folder' does not exist"),
])
def test_bad_arguments_are_one_line_before_anything_runs(args, fragment, capsys):
    example = _example()
    with pytest.raises(SystemExit) as info:
        example.parse_arguments(args)
    assert info.value.code == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and fragment in error, error


def test_the_module_imports_neither_jax_nor_optax():
    source = EXAMPLE.read_text()
    top_level = [line for line in source.splitlines() if re.match(r"(import|from) ", line)]
    assert not [line for line in top_level if re.search(r"\b(jax|optax|numba|matplotlib)\b", line)], top_level


@pytest.mark.slow
@pytest.mark.needs_backends("jax", "numba")
def test_the_default_run(tmp_path):
    pytest.importorskip("optax")
    example = _example()
    result = example.main(["--checkpoint", str(tmp_path / "w.npz"), "--out", str(tmp_path / "curve.png")])
    assert result["history"][-1]["test_accuracy"] > 0.9
    assert result["jax"]["accuracy"] == result["numba"]["accuracy"] > 0.9
    assert result["comparison"]["mismatching_spikes"] == 0 and result["comparison"]["state_bit_identical"]
