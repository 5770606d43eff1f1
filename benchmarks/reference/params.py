"""Parameters shared by the hand-written reference implementations (Brette et al. 2007).

COBA (benchmark 1) is in the dimensionless-conductance form of the Brian2 and BrainPy examples;
COBAHH (benchmark 3) is the Hodgkin-Huxley network of the Brian2 example, in mV, ms, nS and pF
(so nS * mV = pA and pA / pF = mV / ms). Connectivity: ``bm.connect.fixed_prob(n, n, 80 / n, seed)``.
"""
from __future__ import annotations

import numpy as np

DT = 0.1                    # ms
SYNAPSES_PER_NEURON = 80    # connection probability 80 / n: 0.02 at 4,000 neurons
EXCITATORY_FRACTION = 0.8

# ---------------------------------------------------------------- COBA (benchmark 1)
COBA = dict(
    tau_m=20.0, E_L=-60.0, I_ext=20.0, E_e=0.0, E_i=-80.0, V_th=-50.0, V_reset=-60.0,
    t_ref=5.0, tau_e=5.0, tau_i=10.0, w_e=0.6, w_i=6.7, V0_mean=-55.0, V0_std=2.0,
)

# ---------------------------------------------------------------- COBAHH (benchmark 3)
_AREA = 20000e-8            # cm^2 (20,000 um^2)
COBAHH = dict(
    C_m=1.0e6 * _AREA,      # pF   (1 uF/cm^2)
    g_L=5e-5 * 1e9 * _AREA,  # nS  (5e-5 S/cm^2)
    g_Na=100e-3 * 1e9 * _AREA,
    g_K=30e-3 * 1e9 * _AREA,
    E_L=-60.0, E_K=-90.0, E_Na=50.0, V_T=-63.0,
    E_e=0.0, E_i=-80.0, tau_e=5.0, tau_i=10.0, w_e=6.0, w_i=67.0,
    V_spike=-20.0, t_ref=3.0,
)


def num_excitatory(num_neurons: int) -> int:
    """Neurons ``[0, num_excitatory)`` are excitatory, the rest inhibitory."""
    return int(round(EXCITATORY_FRACTION * num_neurons))


def connection_prob(num_neurons: int) -> float:
    """The probability that keeps 80 synapses per neuron on average."""
    return min(1.0, SYNAPSES_PER_NEURON / num_neurons)


def coba_initial_v(num_neurons: int, seed: int) -> np.ndarray:
    """V0 ~ Normal(-55, 2) mV, float32, from the seed (the same for every implementation)."""
    rng = np.random.default_rng([seed, 1])
    return (COBA["V0_mean"] + COBA["V0_std"] * rng.standard_normal(num_neurons)).astype(np.float32)


def cobahh_initial_state(num_neurons: int, seed: int) -> dict[str, np.ndarray]:
    """The Brian2 example's initial values: V = E_L + (5 randn - 5) mV, ge = (1.5 randn + 4) * 10 nS,
    gi = (12 randn + 20) * 10 nS; gates start at 0 as in that example. All float32."""
    rng = np.random.default_rng([seed, 3])
    p = COBAHH
    v = p["E_L"] + 5.0 * rng.standard_normal(num_neurons) - 5.0
    ge = (1.5 * rng.standard_normal(num_neurons) + 4.0) * 10.0
    gi = (12.0 * rng.standard_normal(num_neurons) + 20.0) * 10.0
    zeros = np.zeros(num_neurons)
    return {k: a.astype(np.float32) for k, a in dict(v=v, m=zeros, h=zeros, n=zeros, ge=ge, gi=gi).items()}


def connectivity(num_neurons: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The CSR ``(indices, indptr)`` (int32, NumPy) every implementation uses."""
    from brainpy_math.connect import fixed_prob_numpy
    return fixed_prob_numpy(num_neurons, num_neurons, connection_prob(num_neurons), seed=seed)
