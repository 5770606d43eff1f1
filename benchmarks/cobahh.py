"""COBAHH (Brette et al. 2007, benchmark 3), 1 s of model time, every implementation side by side.

4,000 Hodgkin-Huxley neurons (80% excitatory, 80 synapses per neuron) with the exponential
conductance synapses of COBA (``ExpCOBA`` of ``examples/ei_network.py``), at dt = 0.1 ms with
exponential Euler, in the form of the Brian2 example (mV, ms, nS, pF; the parameters and initial
state of ``benchmarks/reference/params.py``). Rows as in ``benchmarks/coba.py``: brainpy_math on
each backend, the hand-written Numba and JAX references, Brian2 (runtime and C++ standalone mode) and
BrainPy when installed.

``--quick``: 400 neurons for 20 ms, brainpy_math and hand-written rows only.

Run: ``python -m benchmarks.cobahh [--quick]``.
"""
from __future__ import annotations

import argparse
import os
import math

import numpy as np

import brainpy_math as bm

try:
    from ._harness import print_table, write_jsonl
    from ._spiking import COLUMNS, Implementation, brainpy_math_rows, load_example, run_workload
    from .reference.params import COBAHH, cobahh_initial_state, connectivity, num_excitatory
except ImportError:  # run as a script
    import sys
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from benchmarks._harness import print_table, write_jsonl
    from benchmarks._spiking import COLUMNS, Implementation, brainpy_math_rows, load_example, run_workload
    from benchmarks.reference.params import COBAHH, cobahh_initial_state, connectivity, num_excitatory

NAME = "cobahh"
PEER_FIGURE_S = 1.1  # the best peer on 4,000 neurons, 1 s, on a 2-core box (issue 7)


def exprel(x):
    """``(exp(x) - 1) / x``, equal to 1 at 0 (its series near 0, where the quotient cancels)."""
    small = bm.abs(x) < 1e-3
    safe = bm.where(small, 1.0, x)
    return bm.where(small, 1.0 + 0.5 * x, bm.expm1(safe) / safe)


class HHNeurons(bm.Base):
    """Hodgkin-Huxley neurons of the Brian2 COBAHH example, driven by ``ge`` and ``gi`` (nS).

    Exponential Euler: with the other variables held over the step, each of ``V``, ``m``, ``h``
    and ``n`` obeys ``dx/dt = A - B x`` and steps exactly to ``A/B + (x - A/B) exp(-B dt)``. A spike
    is ``V > V_spike`` outside the refractory period (integration continues through it).

    Example:
        >>> hh = HHNeurons(2, dict(v=np.full(2, -65.0, np.float32), m=np.zeros(2, np.float32),
        ...                        h=np.zeros(2, np.float32), n=np.zeros(2, np.float32)))
        >>> hh.update(bm.zeros(2), bm.zeros(2))
        >>> hh.V.shape
        (2,)
    """

    def __init__(self, num: int, initial: dict, C_m=COBAHH["C_m"], g_L=COBAHH["g_L"], g_Na=COBAHH["g_Na"],
                 g_K=COBAHH["g_K"], E_L=COBAHH["E_L"], E_K=COBAHH["E_K"], E_Na=COBAHH["E_Na"],
                 V_T=COBAHH["V_T"], E_e=COBAHH["E_e"], E_i=COBAHH["E_i"], V_spike=COBAHH["V_spike"],
                 t_ref=COBAHH["t_ref"]):
        super().__init__()
        self.num = int(num)
        self.dt = bm.get_dt()
        self.g_L, self.g_Na, self.g_K = float(g_L), float(g_Na), float(g_K)
        self.E_L, self.E_K, self.E_Na, self.E_e, self.E_i = float(E_L), float(E_K), float(E_Na), float(E_e), float(E_i)
        self.V_T, self.V_spike = float(V_T), float(V_spike)
        self.dt_over_C = float(self.dt / C_m)
        self.ref_steps = int(round(t_ref / self.dt))
        self.V = bm.Variable(bm.asarray(initial["v"], dtype=bm.float_))
        self.m = bm.Variable(bm.asarray(initial["m"], dtype=bm.float_))
        self.h = bm.Variable(bm.asarray(initial["h"], dtype=bm.float_))
        self.n = bm.Variable(bm.asarray(initial["n"], dtype=bm.float_))
        self.spike = bm.Variable(bm.zeros(self.num, dtype=bm.bool_))
        self.refractory = bm.Variable(bm.zeros(self.num, dtype=bm.int32))

    def gate(self, x, alpha, beta):
        rate = alpha + beta
        x_inf = alpha / rate
        return x_inf + (x - x_inf) * bm.exp(-self.dt * rate)

    def update(self, ge, gi):
        V = self.V.value
        u = self.V_T - V  # the rates depend on V - V_T only
        alpha_m = 1.28 / exprel((13.0 + u) * 0.25)
        beta_m = 1.4 / exprel((-40.0 - u) * 0.2)
        alpha_h = 0.128 * bm.exp((17.0 + u) * (1.0 / 18.0))
        beta_h = 4.0 / (1.0 + bm.exp((40.0 + u) * 0.2))
        alpha_n = 0.16 / exprel((15.0 + u) * 0.2)
        beta_n = 0.5 * bm.exp((10.0 + u) * 0.025)
        m, h, n = self.m.value, self.h.value, self.n.value
        g_na = self.g_Na * m * m * m * h
        n2 = n * n
        g_k = self.g_K * n2 * n2
        conductance = self.g_L + ge + gi + g_na + g_k
        drive = self.g_L * self.E_L + ge * self.E_e + gi * self.E_i + g_na * self.E_Na + g_k * self.E_K
        V_inf = drive / conductance
        V_new = V_inf + (V - V_inf) * bm.exp(-self.dt_over_C * conductance)
        self.m = self.gate(m, alpha_m, beta_m)
        self.h = self.gate(h, alpha_h, beta_h)
        self.n = self.gate(n, alpha_n, beta_n)
        spike = (V_new > self.V_spike) & (self.refractory == 0)
        self.spike = spike
        self.V = V_new
        self.refractory = bm.where(spike, self.ref_steps, bm.maximum(self.refractory - 1, 0))


def build_cobahh(num_neurons: int = 4000, seed: int = 0):
    """The COBAHH network on the current backend: the ``COBANetwork`` of the example with HH neurons.

    Connectivity and initial state are those of ``benchmarks/reference/params.py`` for ``seed``.

    Example:
        >>> net = build_cobahh(400, seed=0)
        >>> net.neurons.V.shape
        (400,)
    """
    example = load_example()
    initial = cobahh_initial_state(num_neurons, seed)
    indices, indptr = connectivity(num_neurons, seed)
    p = COBAHH
    net = example.COBANetwork(HHNeurons(num_neurons, initial), num_excitatory(num_neurons), indices, indptr,
                              w_e=p["w_e"], w_i=p["w_i"], tau_e=p["tau_e"], tau_i=p["tau_i"])
    # ExpCOBA decays its conductance at the start of a step, the references at the end: starting from
    # g0 / decay makes the first step see g0, as theirs does.
    net.exc.g.value = bm.asarray(initial["ge"] / np.float32(math.exp(-bm.get_dt() / p["tau_e"])))
    net.inh.g.value = bm.asarray(initial["gi"] / np.float32(math.exp(-bm.get_dt() / p["tau_i"])))
    return net


def implementations(quick: bool) -> list[Implementation]:
    rows = brainpy_math_rows("cobahh") + [
        Implementation("hand-written Numba (reference/cobahh_numba)", "numba", "hand-written",
                       "benchmarks.reference.cobahh_numba", requires=("numba",)),
        Implementation("hand-written JAX (reference/cobahh_jax)", "jax", "hand-written",
                       "benchmarks.reference.cobahh_jax", requires=("jax",)),
    ]
    if not quick:
        rows += [
            Implementation("Brian2 (runtime mode)", "brian2", "peer", "benchmarks.peers.brian2_networks",
                           "simulate_cobahh", requires=("brian2",)),
            Implementation("Brian2 (C++ standalone; compile_s = build)", "brian2", "peer",
                           "benchmarks.peers.brian2_networks", "simulate_cobahh_standalone", requires=("brian2",)),
            Implementation("BrainPy", "brainpy", "peer", "benchmarks.peers.brainpy_networks", "simulate_cobahh",
                           requires=("brainpy",)),
        ]
    return rows


def run(quick: bool = False, sizes: list[int] | None = None, duration_ms: float | None = None,
        seed: int = 0) -> list[dict]:
    sizes = sizes or ([400] if quick else [4000])
    duration_ms = duration_ms or (20.0 if quick else 1000.0)
    return run_workload(NAME, implementations(quick), sizes, duration_ms, seed, quick, PEER_FIGURE_S)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="400 neurons for 20 ms, no peers")
    parser.add_argument("--neurons", type=int, nargs="*", help="sizes (default 4000)")
    parser.add_argument("--duration-ms", type=float, default=None, help="model time (default 1000)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                                                      "cobahh.jsonl"))
    args = parser.parse_args(argv)
    rows = run(args.quick, args.neurons, args.duration_ms)
    print_table(rows, COLUMNS)
    write_jsonl(rows, args.out)
    return rows


if __name__ == "__main__":
    main()
