"""Neuron models of the conformance suite, written once as ``bm.Base`` classes for both backends.

Each model keeps its state in Variables and advances one time step of ``bm.get_dt()`` ms per
``update(I)`` call, with vectorised array code only (``bm.where`` for resets and refractoriness),
so ``bm.jit``/``bm.for_loop`` compile the same source with JAX or with the Numba code generator.

- :class:`LIF`: leaky integrate-and-fire with a refractory period, exponential Euler (exact for a
  current held over the step);
- :class:`Izhikevich`: the 2003 model, classic fourth-order Runge-Kutta step;
- :class:`HH`: Hodgkin-Huxley (squid axon, rest at -65 mV), exponential Euler on the membrane
  potential and on each gate (each linear in itself while the others are held over the step).
"""
from __future__ import annotations

import math

import numpy as np

import brainpy_math as bm


def exprel(x):
    """``(exp(x) - 1) / x``, equal to 1 at 0 (its series near 0, where the quotient loses digits)."""
    small = bm.abs(x) < 1e-4
    safe = bm.where(small, 1.0, x)
    return bm.where(small, 1.0 + 0.5 * x, bm.expm1(safe) / safe)


class LIF(bm.Base):
    """Current-based leaky integrate-and-fire neurons: ``tau dV/dt = V_rest - V + R I``.

    After a spike (``V >= V_th``) ``V`` is set to ``V_reset`` and held there for ``t_ref`` ms.

    Example:
        >>> lif = LIF(2)
        >>> lif.update(bm.asarray([0.0, 100.0]))
        >>> lif.V.shape
        (2,)
    """

    def __init__(self, num, tau=10.0, V_rest=-65.0, V_reset=-68.0, V_th=-50.0, R=1.0, t_ref=2.0):
        super().__init__()
        dt = bm.get_dt()
        self.V_rest, self.V_reset, self.V_th, self.R = V_rest, V_reset, V_th, R
        self.decay = math.exp(-dt / tau)
        self.ref_steps = int(round(t_ref / dt))
        self.V = bm.Variable(bm.full(num, V_rest))
        self.spike = bm.Variable(bm.zeros(num, dtype=bm.bool_))
        self.refractory = bm.Variable(bm.zeros(num, dtype=bm.int32))  # steps left

    def update(self, I):
        V_inf = self.V_rest + self.R * I
        V = V_inf + (self.V - V_inf) * self.decay
        V = bm.where(self.refractory > 0, self.V, V)
        spike = V >= self.V_th
        self.spike = spike
        self.V = bm.where(spike, self.V_reset, V)
        self.refractory = bm.where(spike, self.ref_steps, bm.maximum(self.refractory - 1, 0))


class Izhikevich(bm.Base):
    """Izhikevich (2003) neurons, regular spiking by default, one RK4 step per ``update``.

    ``dV/dt = 0.04 V^2 + 5 V + 140 - u + I``, ``du/dt = a (b V - u)``; at ``V >= V_th``:
    ``V = c``, ``u += d``.

    Example:
        >>> izh = Izhikevich(2)
        >>> izh.update(bm.asarray([0.0, 10.0]))
        >>> izh.u.shape
        (2,)
    """

    def __init__(self, num, a=0.02, b=0.2, c=-65.0, d=8.0, V_th=30.0):
        super().__init__()
        self.a, self.b, self.c, self.d, self.V_th = a, b, c, d, V_th
        self.dt = bm.get_dt()
        self.V = bm.Variable(bm.full(num, c))
        self.u = bm.Variable(bm.full(num, b * c))
        self.spike = bm.Variable(bm.zeros(num, dtype=bm.bool_))

    def derivative(self, V, u, I):
        dV = 0.04 * V * V + 5.0 * V + 140.0 - u + I
        du = self.a * (self.b * V - u)
        return dV, du

    def update(self, I):
        h = self.dt
        V0 = self.V.value
        u0 = self.u.value
        k1V, k1u = self.derivative(V0, u0, I)
        k2V, k2u = self.derivative(V0 + 0.5 * h * k1V, u0 + 0.5 * h * k1u, I)
        k3V, k3u = self.derivative(V0 + 0.5 * h * k2V, u0 + 0.5 * h * k2u, I)
        k4V, k4u = self.derivative(V0 + h * k3V, u0 + h * k3u, I)
        V = V0 + h / 6.0 * (k1V + 2.0 * k2V + 2.0 * k3V + k4V)
        u = u0 + h / 6.0 * (k1u + 2.0 * k2u + 2.0 * k3u + k4u)
        spike = V >= self.V_th
        self.spike = spike
        self.V = bm.where(spike, self.c, V)
        self.u = bm.where(spike, u + self.d, u)


class HH(bm.Base):
    """Hodgkin-Huxley neurons (squid axon, mV, ms, mS/cm^2, uA/cm^2), exponential Euler.

    ``C dV/dt = g_Na m^3 h (E_Na - V) + g_K n^4 (E_K - V) + g_L (E_L - V) + I``; a spike is an upward
    crossing of ``V_th``. Gates start at their steady state at ``V_init``.

    Example:
        >>> hh = HH(2)
        >>> hh.update(bm.asarray([0.0, 10.0]))
        >>> hh.m.shape
        (2,)
    """

    def __init__(self, num, E_Na=50.0, E_K=-77.0, E_L=-54.387, g_Na=120.0, g_K=36.0, g_L=0.03, C=1.0,
                 V_th=20.0, V_init=-65.0):
        super().__init__()
        self.E_Na, self.E_K, self.E_L = E_Na, E_K, E_L
        self.g_Na, self.g_K, self.g_L, self.C, self.V_th = g_Na, g_K, g_L, C, V_th
        self.dt = bm.get_dt()
        m, h, n = steady_gates(V_init)
        self.V = bm.Variable(bm.full(num, V_init))
        self.m = bm.Variable(bm.full(num, m))
        self.h = bm.Variable(bm.full(num, h))
        self.n = bm.Variable(bm.full(num, n))
        self.spike = bm.Variable(bm.zeros(num, dtype=bm.bool_))

    def gate_step(self, x, alpha, beta):
        """Exponential Euler for ``dx/dt = alpha (1 - x) - beta x`` with the rates held."""
        rate = alpha + beta
        x_inf = alpha / rate
        return x_inf + (x - x_inf) * bm.exp(-self.dt * rate)

    def update(self, I):
        V = self.V.value
        alpha_m = 1.0 / exprel(-(V + 40.0) / 10.0)
        beta_m = 4.0 * bm.exp(-(V + 65.0) / 18.0)
        alpha_h = 0.07 * bm.exp(-(V + 65.0) / 20.0)
        beta_h = 1.0 / (1.0 + bm.exp(-(V + 35.0) / 10.0))
        alpha_n = 0.1 / exprel(-(V + 55.0) / 10.0)
        beta_n = 0.125 * bm.exp(-(V + 65.0) / 80.0)
        g_na = self.g_Na * self.m * self.m * self.m * self.h
        n2 = self.n * self.n
        g_k = self.g_K * n2 * n2
        conductance = g_na + g_k + self.g_L
        V_inf = (g_na * self.E_Na + g_k * self.E_K + self.g_L * self.E_L + I) / conductance
        V_new = V_inf + (V - V_inf) * bm.exp(-self.dt / self.C * conductance)
        self.m = self.gate_step(self.m.value, alpha_m, beta_m)
        self.h = self.gate_step(self.h.value, alpha_h, beta_h)
        self.n = self.gate_step(self.n.value, alpha_n, beta_n)
        self.spike = (V_new >= self.V_th) & (V < self.V_th)
        self.V = V_new


def steady_gates(V: float) -> tuple[float, float, float]:
    """The steady-state ``(m, h, n)`` of :class:`HH` at potential ``V`` (host side, float64)."""
    def exprel64(x):
        return 1.0 if abs(x) < 1e-12 else math.expm1(x) / x
    alpha_m, beta_m = 1.0 / exprel64(-(V + 40.0) / 10.0), 4.0 * math.exp(-(V + 65.0) / 18.0)
    alpha_h, beta_h = 0.07 * math.exp(-(V + 65.0) / 20.0), 1.0 / (1.0 + math.exp(-(V + 35.0) / 10.0))
    alpha_n, beta_n = 0.1 / exprel64(-(V + 55.0) / 10.0), 0.125 * math.exp(-(V + 65.0) / 80.0)
    return (alpha_m / (alpha_m + beta_m), alpha_h / (alpha_h + beta_h), alpha_n / (alpha_n + beta_n))


class NeuronBank(bm.Base):
    """One population of each model, driven by the same input scaled per model (one compile)."""

    def __init__(self, num, lif_gain=25.0, izh_gain=12.0, hh_gain=12.0):
        super().__init__()
        self.lif, self.izh, self.hh = LIF(num), Izhikevich(num), HH(num)
        self.lif_gain, self.izh_gain, self.hh_gain = lif_gain, izh_gain, hh_gain

    def step(self, I):
        self.lif.update(self.lif_gain * I)
        self.izh.update(self.izh_gain * I)
        self.hh.update(self.hh_gain * I)
        return (self.lif.V.value, self.lif.spike.value, self.izh.V.value, self.izh.spike.value,
                self.hh.V.value, self.hh.spike.value)
