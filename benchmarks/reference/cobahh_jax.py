"""Hand-written JAX COBAHH (Brette et al. 2007, benchmark 3): the bar for the JAX backend.

The model and exponential-Euler step of :mod:`cobahh_numba`, in float32, as one ``lax.fori_loop``
under ``jit``; spikes propagate through :func:`coba_jax.spike_propagation` (work bounded by the
spikes, full scatter beyond the largest tier).
"""
from __future__ import annotations

import math

import numpy as np

from .coba_jax import TIERS, spike_propagation
from ._timing import time_jax
from .params import COBAHH, DT, cobahh_initial_state

__all__ = ["simulate", "build"]


def build(num_neurons: int, num_steps: int, seed: int, dt: float = DT, tiers: tuple[int, ...] = TIERS):
    """The jitted simulation and its initial state: ``run(state) -> (state, spike_count, fallbacks)``."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    p = COBAHH
    f32 = np.float32
    n = num_neurons
    propagate = spike_propagation(n, seed, p["w_e"], p["w_i"], tiers)
    decay = jnp.concatenate([jnp.full(n, math.exp(-dt / p["tau_e"]), f32),
                             jnp.full(n, math.exp(-dt / p["tau_i"]), f32), jnp.zeros(1, f32)])
    c = {k: f32(value) for k, value in p.items()}
    dt32 = f32(dt)
    ref_steps = np.int32(round(p["t_ref"] / dt))

    def exprel(x):
        # (exp(x) - 1) / x, by its Taylor series near 0 where the quotient cancels in float32.
        series = 1 + x * (f32(0.5) + x * (f32(1 / 6) + x * f32(1 / 24)))
        return jnp.where(jnp.abs(x) < f32(0.01), series, jnp.expm1(x) / x)

    def gate(x, alpha, beta):
        rate = alpha + beta
        x_inf = alpha / rate
        return x_inf + (x - x_inf) * jnp.exp(-rate * dt32)

    def step(_, carry):
        v, m, h, n_gate, g, refractory, spiked, count, fallbacks = carry
        g, fell_back = propagate(g, spiked)
        g_e, g_i = g[:n], g[n:2 * n]
        u = c["V_T"] - v  # the rates depend on v - V_T only
        alpha_m = f32(1.28) / exprel((13 + u) * f32(0.25))
        beta_m = f32(1.4) / exprel((-40 - u) * f32(0.2))
        alpha_h = f32(0.128) * jnp.exp((17 + u) * f32(1 / 18))
        beta_h = 4 / (1 + jnp.exp((40 + u) * f32(0.2)))
        alpha_n = f32(0.16) / exprel((15 + u) * f32(0.2))
        beta_n = f32(0.5) * jnp.exp((10 + u) * f32(0.025))
        g_na = c["g_Na"] * m * m * m * h
        g_k = c["g_K"] * (n_gate * n_gate) * (n_gate * n_gate)
        conductance = c["g_L"] + g_e + g_i + g_na + g_k
        drive = (c["g_L"] * c["E_L"] + g_e * c["E_e"] + g_i * c["E_i"] + g_na * c["E_Na"] + g_k * c["E_K"])
        v_inf = drive / conductance
        v_new = v_inf + (v - v_inf) * jnp.exp(-conductance * dt32 / c["C_m"])
        fire = (v_new > c["V_spike"]) & (refractory == 0)
        refractory = jnp.where(fire, ref_steps, jnp.maximum(refractory - 1, 0))
        return (v_new, gate(m, alpha_m, beta_m), gate(h, alpha_h, beta_h), gate(n_gate, alpha_n, beta_n),
                g * decay, refractory, fire, count + jnp.sum(fire, dtype=jnp.int32),
                fallbacks + fell_back.astype(jnp.int32))

    @jax.jit
    def run(state):
        final = lax.fori_loop(0, num_steps, step, state + (jnp.int32(0), jnp.int32(0)))
        return final[:7], final[7], final[8]

    s = cobahh_initial_state(n, seed)
    g0 = np.concatenate([s["ge"], s["gi"], np.zeros(1, f32)])
    state = tuple(jnp.asarray(a) for a in (s["v"], s["m"], s["h"], s["n"], g0)) + (
        jnp.zeros(n, jnp.int32), jnp.zeros(n, bool))
    return run, state


def simulate(num_neurons: int = 4000, duration_ms: float = 1000.0, seed: int = 0, dt: float = DT,
             tiers: tuple[int, ...] = TIERS) -> dict:
    """Run COBAHH; returns ``spike_count``, ``rate_hz``, ``compile_s``, ``run_s`` and ``fallback_steps``."""
    run, state = build(num_neurons, int(round(duration_ms / dt)), seed, dt, tiers)
    return time_jax(run, state, num_neurons, duration_ms)


if __name__ == "__main__":
    print(simulate())
