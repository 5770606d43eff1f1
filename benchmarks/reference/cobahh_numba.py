"""Hand-written Numba COBAHH (Brette et al. 2007, benchmark 3): the bar for the Numba backend.

Hodgkin-Huxley neurons (the Brian2 example's rates, in mV and ms) with the exponential synapses
of COBA, integrated by exponential Euler as Brian2 does: every variable ``x`` with
``dx/dt = A - B x`` (``A``, ``B`` from the previous state) steps to ``A/B + (x - A/B) exp(-B dt)``.
A spike is ``v > -20 mV`` outside a 3 ms refractory period (integration continues through it).

Each neuron needs ten exponentials per step. Numba's ``exp`` is a scalar libm call without SVML,
so the neuron loop is written branch-free around :func:`exp32`, a float32 ``exp`` LLVM vectorises;
``exp_kind='libm'`` selects ``math.exp`` instead, to measure the difference.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from ._timing import time_numba
from .coba_numba import collect_spikes, propagate
from .numba_exp import exp32
from .params import COBAHH, DT, cobahh_initial_state, connectivity, num_excitatory

__all__ = ["simulate"]

f32 = np.float32


def _make_run(exp):
    """The simulation loop, with ``exp`` (an ``njit`` float32 function) for every exponential."""

    @numba.njit(inline="always", fastmath=True, error_model="numpy")
    def exprel(x):
        # (exp(x) - 1) / x, by its Taylor series near 0 where the quotient cancels in float32.
        series = f32(1.0) + x * (f32(0.5) + x * (f32(1.0 / 6.0) + x * f32(1.0 / 24.0)))
        quotient = (exp(x) - f32(1.0)) / x
        return series if abs(x) < f32(0.01) else quotient

    @numba.njit(inline="always", fastmath=True, error_model="numpy")
    def gate(x, alpha, beta, dt):
        rate = alpha + beta
        x_inf = alpha / rate
        return x_inf + (x - x_inf) * exp(-rate * dt)

    @numba.njit(fastmath=True, nogil=True, error_model="numpy")
    def run(num_steps, v, m, h, n, ge, gi, refractory, spiked, indices, indptr, num_exc, dt, decay_e,
            decay_i, w_e, w_i, C_m, g_L, g_Na, g_K, E_L, E_K, E_Na, V_T, E_e, E_i, V_spike, ref_steps):
        size = v.shape[0]
        spike_ids = np.empty(size, np.int32)
        num_spiking = 0
        total = 0
        zero = np.int32(0)
        for _ in range(num_steps):
            propagate(spike_ids, num_spiking, indices, indptr, num_exc, ge, gi, w_e, w_i)
            for i in range(size):
                v_i, m_i, h_i, n_i, ge_i, gi_i = v[i], m[i], h[i], n[i], ge[i], gi[i]
                u = V_T - v_i  # the rates depend on v - V_T only
                alpha_m = f32(1.28) / exprel((f32(13.0) + u) * f32(0.25))
                beta_m = f32(1.4) / exprel((f32(-40.0) - u) * f32(0.2))
                alpha_h = f32(0.128) * exp((f32(17.0) + u) * f32(1.0 / 18.0))
                beta_h = f32(4.0) / (f32(1.0) + exp((f32(40.0) + u) * f32(0.2)))
                alpha_n = f32(0.16) / exprel((f32(15.0) + u) * f32(0.2))
                beta_n = f32(0.5) * exp((f32(10.0) + u) * f32(0.025))
                g_na = g_Na * m_i * m_i * m_i * h_i
                n2 = n_i * n_i
                g_k = g_K * n2 * n2
                conductance = g_L + ge_i + gi_i + g_na + g_k
                drive = g_L * E_L + ge_i * E_e + gi_i * E_i + g_na * E_Na + g_k * E_K
                v_inf = drive / conductance
                v_new = v_inf + (v_i - v_inf) * exp(-conductance * dt / C_m)
                m[i] = gate(m_i, alpha_m, beta_m, dt)
                h[i] = gate(h_i, alpha_h, beta_h, dt)
                n[i] = gate(n_i, alpha_n, beta_n, dt)
                r = refractory[i]
                fire = (v_new > V_spike) & (r == zero)
                v[i] = v_new
                refractory[i] = ref_steps if fire else max(r - np.int32(1), zero)
                spiked[i] = fire
                ge[i] = ge_i * decay_e
                gi[i] = gi_i * decay_i
            num_spiking = collect_spikes(spiked, spike_ids)
            total += num_spiking
        return total

    return run


@numba.njit(inline="always", fastmath=True, error_model="numpy")
def _libm_exp(x):
    return np.float32(math.exp(x))


_RUNS = {"exp32": _make_run(exp32), "libm": _make_run(_libm_exp)}


def simulate(num_neurons: int = 4000, duration_ms: float = 1000.0, seed: int = 0, dt: float = DT,
             exp_kind: str = "exp32") -> dict:
    """Run COBAHH; returns ``spike_count``, ``rate_hz``, ``compile_s`` and ``run_s``.

    Example:
        >>> simulate(400, 10.0)['spike_count'] >= 0  # doctest: +SKIP
        True
    """
    p = COBAHH
    indices, indptr = connectivity(num_neurons, seed)
    constants = (indices, indptr, np.int32(num_excitatory(num_neurons)), f32(dt), f32(math.exp(-dt / p["tau_e"])),
                 f32(math.exp(-dt / p["tau_i"])), f32(p["w_e"]), f32(p["w_i"]), f32(p["C_m"]), f32(p["g_L"]),
                 f32(p["g_Na"]), f32(p["g_K"]), f32(p["E_L"]), f32(p["E_K"]), f32(p["E_Na"]), f32(p["V_T"]),
                 f32(p["E_e"]), f32(p["E_i"]), f32(p["V_spike"]), np.int32(round(p["t_ref"] / dt)))

    def state():
        s = cobahh_initial_state(num_neurons, seed)
        return (s["v"], s["m"], s["h"], s["n"], s["ge"], s["gi"], np.zeros(num_neurons, np.int32),
                np.zeros(num_neurons, np.bool_))

    return time_numba(_RUNS[exp_kind], state, constants, int(round(duration_ms / dt)), num_neurons, duration_ms)


if __name__ == "__main__":
    import sys
    for kind in sys.argv[1:] or ["exp32", "libm"]:
        print(kind, simulate(exp_kind=kind))
