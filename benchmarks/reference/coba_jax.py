"""Hand-written JAX COBA (Brette et al. 2007, benchmark 1): the bar for the JAX backend.

The same model and step as :mod:`coba_numba`, in float32, as one ``lax.fori_loop`` under ``jit``.
Spike propagation is bounded by the spikes. Connectivity is held as a padded row table (ELL):
row ``i`` lists the targets of neuron ``i`` in the concatenated ``[ge, gi]`` (``gi`` for inhibitory
neurons), padded with a dummy slot. Each step the first ``K`` spiking neurons are found
(:func:`brainpy_math_jax.event.first_spiking`, a two-level compaction: ``jnp.nonzero`` costs a
cumulative sum quadratic in the length on XLA's CPU backend), their ``K`` rows are gathered and
scatter-added. Tiers of ``K`` (:data:`TIERS`) are chosen at run time by ``lax.switch``; a step
with more spikes takes the full scatter over every synapse, so the result never depends on ``K``.
"""
from __future__ import annotations

import math

import numpy as np

from ._timing import time_jax
from .params import COBA, DT, coba_initial_v, connectivity, num_excitatory

__all__ = ["simulate", "build", "padded_rows"]

# Spike budgets per step at 4,000 neurons (scaled with the network size), chosen at run time: at 0.1 ms steps COBA (about 22 Hz) has ~9 spikes per
# step at 4,000 neurons, COBAHH (about 44 Hz) ~18; fine tiers keep the padded block small for both
# (measured: (16, 128) costs COBAHH 50% more run time, six tiers cost ~1 s more compile time than two).
TIERS = (16, 24, 32, 48, 64, 128)


def padded_rows(indices: np.ndarray, indptr: np.ndarray, targets: np.ndarray, fill: int) -> np.ndarray:
    """The ELL table: row ``i`` holds ``targets[indptr[i]:indptr[i + 1]]`` then ``fill``; one extra
    all-``fill`` row (the padding row of the compaction)."""
    degrees = np.diff(indptr)
    table = np.full((degrees.size + 1, max(int(degrees.max(initial=0)), 1)), fill, np.int32)
    columns = np.arange(indices.size) - np.repeat(indptr[:-1], degrees)
    table[np.repeat(np.arange(degrees.size), degrees), columns] = targets
    return table


def spike_propagation(num_neurons: int, seed: int, w_e: float, w_i: float, tiers: tuple[int, ...] = TIERS):
    """``propagate(g, spiked) -> (g, fell_back)`` adding the jumps of the spikes to ``g = [ge, gi, dummy]``.

    Excitatory neurons feed ``ge = g[:n]``, inhibitory ones ``gi = g[n:2n]``; the connectivity is
    ``connectivity(num_neurons, seed)``.
    """
    import jax.numpy as jnp
    from jax import lax
    from brainpy_math_jax.event import first_spiking

    f32 = np.float32
    n = num_neurons
    num_exc = num_excitatory(n)
    indices, indptr = connectivity(n, seed)
    pre = np.repeat(np.arange(n), np.diff(indptr))
    targets_np = (indices + np.where(pre < num_exc, 0, n)).astype(np.int32)
    table = jnp.asarray(padded_rows(indices, indptr, targets_np, 2 * n))
    row_weight = jnp.asarray(np.where(np.arange(n + 1) < num_exc, w_e, w_i).astype(f32))
    targets, pre_j = jnp.asarray(targets_np), jnp.asarray(pre.astype(np.int32))
    synapse_weight = jnp.asarray(np.where(pre < num_exc, w_e, w_i).astype(f32))
    # The spikes per step grow with the network: budgets are for 4,000 neurons and scale with n.
    scale = max(1, round(n / 4000))
    tiers = tuple(k * scale for k in tiers if k * scale < n)

    def bounded(k):
        def propagate(g, spiked):
            rows = first_spiking(spiked, k)
            cells = table[rows]
            values = jnp.broadcast_to(row_weight[rows][:, None], cells.shape)
            return g.at[cells.ravel()].add(values.ravel(), mode="promise_in_bounds")
        return propagate

    def propagate_all(g, spiked):
        return g.at[targets].add(jnp.where(spiked[pre_j], synapse_weight, f32(0)), mode="promise_in_bounds")

    branches = [bounded(k) for k in tiers] + [propagate_all]

    def propagate(g, spiked):
        num_spiking = jnp.sum(spiked, dtype=jnp.int32)
        tier = sum((num_spiking > k).astype(jnp.int32) for k in tiers)
        return lax.switch(tier, branches, g, spiked), tier == len(tiers)

    return propagate


def build(num_neurons: int, num_steps: int, seed: int, dt: float = DT, tiers: tuple[int, ...] = TIERS):
    """The jitted simulation and its initial state: ``run(state) -> (state, spike_count, fallbacks)``."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    p = COBA
    f32 = np.float32
    n = num_neurons
    propagate = spike_propagation(n, seed, p["w_e"], p["w_i"], tiers)

    dt_over_tau = f32(dt / p["tau_m"])
    decay = jnp.concatenate([jnp.full(n, math.exp(-dt / p["tau_e"]), f32),
                             jnp.full(n, math.exp(-dt / p["tau_i"]), f32), jnp.zeros(1, f32)])
    g_rest, E_e, E_i = f32(p["E_L"] + p["I_ext"]), f32(p["E_e"]), f32(p["E_i"])
    V_th, V_reset = f32(p["V_th"]), f32(p["V_reset"])
    ref_steps = np.int32(round(p["t_ref"] / dt))

    def step(_, carry):
        v, g, refractory, spiked, count, fallbacks = carry
        g, fell_back = propagate(g, spiked)
        g_e, g_i = g[:n], g[n:2 * n]
        leak = f32(1) + g_e + g_i
        v_inf = (g_e * E_e + g_i * E_i + g_rest) / leak
        v_new = v_inf + (v - v_inf) * jnp.exp(-leak * dt_over_tau)
        v_new = jnp.where(refractory > 0, v, v_new)
        fire = v_new >= V_th
        v = jnp.where(fire, V_reset, v_new)
        refractory = jnp.where(fire, ref_steps, jnp.maximum(refractory - 1, 0))
        return (v, g * decay, refractory, fire, count + jnp.sum(fire, dtype=jnp.int32),
                fallbacks + fell_back.astype(jnp.int32))

    @jax.jit
    def run(state):
        final = lax.fori_loop(0, num_steps, step, state + (jnp.int32(0), jnp.int32(0)))
        return final[:4], final[4], final[5]

    state = (jnp.asarray(coba_initial_v(n, seed)), jnp.zeros(2 * n + 1, f32), jnp.zeros(n, jnp.int32),
             jnp.zeros(n, bool))
    return run, state


def simulate(num_neurons: int = 4000, duration_ms: float = 1000.0, seed: int = 0, dt: float = DT,
             tiers: tuple[int, ...] = TIERS) -> dict:
    """Run COBA; returns ``spike_count``, ``rate_hz``, ``compile_s``, ``run_s`` and ``fallback_steps``
    (steps with more spikes than the largest tier, which took the full scatter)."""
    run, state = build(num_neurons, int(round(duration_ms / dt)), seed, dt, tiers)
    return time_jax(run, state, num_neurons, duration_ms)


if __name__ == "__main__":
    import sys
    print(simulate(int(sys.argv[1]) if len(sys.argv) > 1 else 4000))
