"""Plain NumPy float64 references of the conformance models: the same equations, step by step.

Each function takes the inputs of a whole run and returns the traces a backend run returns, in
float64. They mirror ``neurons.py``/``synapses.py`` line for line but share no code with them, so
a mistake in the models (or in a backend) shows up as a difference.
"""
from __future__ import annotations

import math

import numpy as np


def exprel(x: np.ndarray) -> np.ndarray:
    small = np.abs(x) < 1e-4
    safe = np.where(small, 1.0, x)
    return np.where(small, 1.0 + 0.5 * x, np.expm1(safe) / safe)


def lif(I: np.ndarray, dt: float, tau=10.0, V_rest=-65.0, V_reset=-68.0, V_th=-50.0, R=1.0, t_ref=2.0):
    """Current-based LIF with refractory period; ``I`` is (steps, neurons). Returns (V, spikes)."""
    steps, n = I.shape
    decay = math.exp(-dt / tau)
    ref_steps = int(round(t_ref / dt))
    V = np.full(n, V_rest)
    refractory = np.zeros(n, np.int64)
    Vs, spikes = np.empty((steps, n)), np.empty((steps, n), bool)
    for t in range(steps):
        V_inf = V_rest + R * I[t]
        V_new = np.where(refractory > 0, V, V_inf + (V - V_inf) * decay)
        spike = V_new >= V_th
        V = np.where(spike, V_reset, V_new)
        refractory = np.where(spike, ref_steps, np.maximum(refractory - 1, 0))
        Vs[t], spikes[t] = V, spike
    return Vs, spikes


def izhikevich(I: np.ndarray, dt: float, a=0.02, b=0.2, c=-65.0, d=8.0, V_th=30.0):
    """Izhikevich neurons with an RK4 step; returns (V, spikes)."""
    steps, n = I.shape
    V, u = np.full(n, c), np.full(n, b * c)
    Vs, spikes = np.empty((steps, n)), np.empty((steps, n), bool)

    def f(V, u, I):
        return 0.04 * V * V + 5.0 * V + 140.0 - u + I, a * (b * V - u)

    for t in range(steps):
        k1 = f(V, u, I[t])
        k2 = f(V + 0.5 * dt * k1[0], u + 0.5 * dt * k1[1], I[t])
        k3 = f(V + 0.5 * dt * k2[0], u + 0.5 * dt * k2[1], I[t])
        k4 = f(V + dt * k3[0], u + dt * k3[1], I[t])
        V_new = V + dt / 6.0 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        u_new = u + dt / 6.0 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
        spike = V_new >= V_th
        V, u = np.where(spike, c, V_new), np.where(spike, u_new + d, u_new)
        Vs[t], spikes[t] = V, spike
    return Vs, spikes


def hh_rates(V: np.ndarray):
    return (1.0 / exprel(-(V + 40.0) / 10.0), 4.0 * np.exp(-(V + 65.0) / 18.0),
            0.07 * np.exp(-(V + 65.0) / 20.0), 1.0 / (1.0 + np.exp(-(V + 35.0) / 10.0)),
            0.1 / exprel(-(V + 55.0) / 10.0), 0.125 * np.exp(-(V + 65.0) / 80.0))


def hh(I: np.ndarray, dt: float, E_Na=50.0, E_K=-77.0, E_L=-54.387, g_Na=120.0, g_K=36.0, g_L=0.03, C=1.0,
       V_th=20.0, V_init=-65.0):
    """Hodgkin-Huxley with exponential Euler on V and on each gate; returns (V, spikes)."""
    steps, n = I.shape
    am, bm_, ah, bh, an, bn = hh_rates(np.array(V_init))
    V = np.full(n, V_init)
    m, h, nn = np.full(n, am / (am + bm_)), np.full(n, ah / (ah + bh)), np.full(n, an / (an + bn))
    Vs, spikes = np.empty((steps, n)), np.empty((steps, n), bool)

    def gate(x, alpha, beta):
        x_inf = alpha / (alpha + beta)
        return x_inf + (x - x_inf) * np.exp(-dt * (alpha + beta))

    for t in range(steps):
        am, bm_, ah, bh, an, bn = hh_rates(V)
        g_na, g_k = g_Na * m ** 3 * h, g_K * nn ** 4
        G = g_na + g_k + g_L
        V_inf = (g_na * E_Na + g_k * E_K + g_L * E_L + I[t]) / G
        V_new = V_inf + (V - V_inf) * np.exp(-dt / C * G)
        m, h, nn = gate(m, am, bm_), gate(h, ah, bh), gate(nn, an, bn)
        spike = (V_new >= V_th) & (V < V_th)
        V = V_new
        Vs[t], spikes[t] = V, spike
    return Vs, spikes


def synapse_bank(pre_spikes: np.ndarray, synapses: list[dict], I_ext: float, dt: float, **lif_parameters):
    """Each synapse (dict: ``kind`` 'exp' or 'alpha', ``W`` dense (pre, post) weights, ``tau``, ``E``
    None for current-based) drives its own current-based LIF population; returns (g, V, spikes), each
    (steps, synapse, post neuron)."""
    steps = pre_spikes.shape[0]
    k, num_post = len(synapses), synapses[0]["W"].shape[1]
    tau_m, V_rest, V_reset = lif_parameters.get("tau", 10.0), lif_parameters.get("V_rest", -65.0), -68.0
    V_th, ref_steps, decay_m = -50.0, int(round(2.0 / dt)), math.exp(-dt / tau_m)
    g, h = np.zeros((k, num_post)), np.zeros((k, num_post))
    V, refractory = np.full((k, num_post), V_rest), np.zeros((k, num_post), np.int64)
    gs, Vs, spikes = (np.empty((steps, k, num_post)), np.empty((steps, k, num_post)),
                      np.empty((steps, k, num_post), bool))
    for t in range(steps):
        for j, syn in enumerate(synapses):
            arriving = pre_spikes[t].astype(np.float64) @ syn["W"]
            decay = math.exp(-dt / syn["tau"])
            if syn["kind"] == "exp":
                g[j] = g[j] * decay + arriving
            else:
                h_now = h[j] + arriving
                g[j] = (g[j] + dt / syn["tau"] * h_now) * decay
                h[j] = h_now * decay
            current = g[j] if syn["E"] is None else g[j] * (syn["E"] - V[j])
            V_inf = V_rest + I_ext + current
            V_new = np.where(refractory[j] > 0, V[j], V_inf + (V[j] - V_inf) * decay_m)
            spike = V_new >= V_th
            V[j] = np.where(spike, V_reset, V_new)
            refractory[j] = np.where(spike, ref_steps, np.maximum(refractory[j] - 1, 0))
            spikes[t, j] = spike
        gs[t], Vs[t] = g, V
    return gs, Vs, spikes


def coba(indices: np.ndarray, indptr: np.ndarray, num_exc: int, V0: np.ndarray, num_steps: int, dt: float,
         tau_m=20.0, E_L=-60.0, I_ext=20.0, E_e=0.0, E_i=-80.0, V_th=-50.0, V_reset=-60.0, t_ref=5.0,
         tau_e=5.0, tau_i=10.0, w_e=0.6, w_i=6.7):
    """The COBA network of examples/ei_network.py in float64; returns (V, spikes), each (steps, N)."""
    n = V0.shape[0]
    V, ge, gi = V0.astype(np.float64), np.zeros(n), np.zeros(n)
    refractory, spike = np.zeros(n, np.int64), np.zeros(n, bool)
    decay_e, decay_i, ref_steps = math.exp(-dt / tau_e), math.exp(-dt / tau_i), int(round(t_ref / dt))
    Vs, spikes = np.empty((num_steps, n)), np.empty((num_steps, n), bool)
    for t in range(num_steps):
        ids = np.flatnonzero(spike)
        arriving = [np.zeros(n), np.zeros(n)]
        for i in ids:
            targets = indices[indptr[i]:indptr[i + 1]]
            np.add.at(arriving[0 if i < num_exc else 1], targets, w_e if i < num_exc else w_i)
        ge = ge * decay_e + arriving[0]
        gi = gi * decay_i + arriving[1]
        leak = 1.0 + ge + gi
        V_inf = (ge * E_e + gi * E_i + E_L + I_ext) / leak
        V_new = np.where(refractory > 0, V, V_inf + (V - V_inf) * np.exp(-dt / tau_m * leak))
        spike = V_new >= V_th
        V = np.where(spike, V_reset, V_new)
        refractory = np.where(spike, ref_steps, np.maximum(refractory - 1, 0))
        Vs[t], spikes[t] = V, spike
    return Vs, spikes
