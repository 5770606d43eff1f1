"""The COBA E/I network of examples/ei_network.py (imported from its path) on each backend.

- Without noise: 4,000 neurons, 1,500 steps (150 ms) in the default run: the spike trains of each
  backend equal those of a NumPy float64 reference step for step, so the backends' are identical
  to each other, and membrane potentials agree within float32 tolerance. The slow test extends
  the comparison of the two backends to the full 1 s (10,000 steps, spike trains identical) and
  checks the mean rate.
- With noise (a white-noise current from the shared ``bm.random`` stream, same seed): spike counts
  of the two backends agree within 1%: over 200 ms in the default run, over 1 s in the slow test
  (the normal draws of the backends agree to 4 ulp, so the trains stay identical for a few hundred
  ms, then diverge like any chaotic network; the counts stay within 1%).
"""
from __future__ import annotations

import importlib.util
import pathlib

import numpy as np
import pytest

import brainpy_math as bm
from brainpy_math.connect import fixed_prob_numpy

import float64_reference as reference
from spike_compare import assert_spikes_identical, assert_traces_close, run_once

EXAMPLE = pathlib.Path(__file__).resolve().parents[3] / "examples" / "ei_network.py"
NUM_NEURONS, SEED, DT = 4000, 0, 0.1
TRACE_STEPS = 1500
NOISE_STD, NOISE_SEED = 1.0, 7


def _example():
    spec = importlib.util.spec_from_file_location("ei_network", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ei_network = _example()
_traces: dict = {}
_noisy: dict = {}  # horizon -> backend -> spike counts per step


def _run_traces():
    bm.set_dt(DT)
    net = ei_network.build_network(NUM_NEURONS, seed=SEED)

    def step(i):
        net.update(i)
        return net.neurons.V.value, net.neurons.spike.value

    V, spikes = bm.for_loop(step, bm.arange(TRACE_STEPS))
    return np.asarray(V), np.asarray(spikes)


def _reference_traces():
    indices, indptr = fixed_prob_numpy(NUM_NEURONS, NUM_NEURONS, 80 / NUM_NEURONS, seed=SEED)
    V0 = ei_network.initial_potential(NUM_NEURONS, SEED)
    return reference.coba(indices, indptr, int(0.8 * NUM_NEURONS), V0, TRACE_STEPS, DT)


def _count_noisy(num_steps: int) -> np.ndarray:
    bm.set_dt(DT)
    bm.random.seed(NOISE_SEED)
    net = ei_network.build_network(NUM_NEURONS, seed=SEED, noise_std=NOISE_STD)
    return np.asarray(bm.for_loop(net.step_count, bm.arange(num_steps)))


def test_coba_matches_float64_reference(backend):
    V, spikes = run_once(_traces, backend, _run_traces)
    assert V.dtype == np.float32 and spikes.dtype == np.bool_
    V_ref, spikes_ref = _reference_traces()
    rate = spikes_ref.sum() / NUM_NEURONS / (TRACE_STEPS * DT / 1000.0)
    assert 10.0 < rate < 60.0, f"the reference network must be in its asynchronous regime, rate {rate} Hz"
    assert_spikes_identical(spikes, spikes_ref, f"COBA on {backend} vs float64, {TRACE_STEPS} steps")
    assert_traces_close(V, V_ref, f"COBA V on {backend} vs float64")


@pytest.mark.needs_backends("jax", "numba")
def test_coba_agrees_across_backends():
    backends = bm.available_backends()
    (V1, s1), (V2, s2) = (run_once(_traces, b, _run_traces) for b in backends[:2])
    assert_spikes_identical(s1, s2, f"COBA spikes {backends}, {TRACE_STEPS} steps")
    assert_traces_close(V1, V2, f"COBA V {backends}")


def _noisy_counts_agree(num_steps: int) -> None:
    backends = bm.available_backends()
    cache = _noisy.setdefault(num_steps, {})
    counts = {b: run_once(cache, b, lambda: _count_noisy(num_steps)) for b in backends[:2]}
    first, second = (int(c.sum()) for c in counts.values())
    assert first > 0.01 * NUM_NEURONS * num_steps * DT / 1000.0 * 10.0, "the noisy network must fire"
    assert abs(first - second) <= 0.01 * max(first, second), (
        f"noisy COBA spike counts over {num_steps} steps: {dict(zip(counts, (first, second)))}, more than 1% apart")


@pytest.mark.needs_backends("jax", "numba")
def test_coba_with_noise_counts_agree_200ms():
    _noisy_counts_agree(2000)


@pytest.mark.slow
@pytest.mark.needs_backends("jax", "numba")
def test_coba_with_noise_counts_agree_1s():
    _noisy_counts_agree(10000)


@pytest.mark.slow
@pytest.mark.needs_backends("jax", "numba")
def test_coba_one_second_identical_across_backends():
    backends = bm.available_backends()
    runs = []
    for b in backends[:2]:
        with bm.set_backend(b):
            bm.set_dt(DT)
            net = ei_network.build_network(NUM_NEURONS, seed=SEED)
            runs.append((np.asarray(bm.for_loop(net.step, bm.arange(10000))), np.asarray(net.neurons.V)))
    (s1, V1), (s2, V2) = runs
    assert_spikes_identical(s1, s2, f"COBA spikes {backends}, 10,000 steps (1 s)")
    rate = s1.sum() / NUM_NEURONS
    assert 15.0 < rate < 30.0, f"mean rate {rate} Hz"


def test_example_cli_writes_plot(backend, tmp_path, capsys):
    """The example's command line on a small network: rates, timings and the PNG."""
    pytest.importorskip("matplotlib")
    out = tmp_path / "raster.png"
    result = ei_network.main(["--backend", backend, "--duration", "20", "--neurons", "400", "--out", str(out),
                              "--no-progress"])
    text = capsys.readouterr().out
    assert "mean rate: excitatory" in text and "compile time" in text and "simulation time" in text
    assert out.exists() and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result["spikes"].shape == (200, 400)
