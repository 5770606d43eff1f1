"""COBA and COBAHH in BrainPy (2.x, ``brainpy.dyn``), for ``benchmarks/coba.py`` and ``cobahh.py``.

The models follow BrainPy's own E/I-network examples: ``LifRef`` (COBA) or Hodgkin-Huxley (COBAHH,
the Brian2 example's rates and units, integrated by BrainPy's ``exp_auto`` exponential Euler)
neurons, exponential conductance synapses aligned post-synaptically, event-driven CSR
connectivity with ``p = 80 / N``. In COBAHH the synaptic conductances start at 0 (BrainPy's
synapse objects own them), where the other implementations start from the Brian2 example's random
values: the first ~20 ms differ, the steady state does not. The step runs under ``brainpy.math.for_loop``;
the compile time is a first run of the same length (minus the timed run), as for brainpy_math.
"""
from __future__ import annotations

import time


def _run(net, num_steps: int) -> tuple[int, float, float]:
    import brainpy.math as bpm
    import numpy as np

    def step(i):
        return net.step_run(i)

    indices = np.arange(num_steps)
    start = time.perf_counter()
    counts = bpm.for_loop(step, indices)
    np.asarray(counts)
    first_s = time.perf_counter() - start
    net.reset()
    start = time.perf_counter()
    counts = np.asarray(bpm.for_loop(step, indices))
    run_s = time.perf_counter() - start
    return int(counts.sum()), max(first_s - run_s, 0.0), run_s


def _projection(bp, pre, post, prob, weight, tau, E, seed):
    return bp.dyn.ProjAlignPostMg2(
        pre=pre, delay=None,
        comm=bp.dnn.EventCSRLinear(bp.conn.FixedProb(prob, pre=pre.num, post=post.num, seed=seed), weight),
        syn=bp.dyn.Expon.desc(post.varshape, tau=tau), out=bp.dyn.COBA.desc(E=E), post=post)


def simulate_coba(num_neurons: int = 4000, duration_ms: float = 1000.0, seed: int = 0, dt: float = 0.1) -> dict:
    """Brette et al. (2007) benchmark 1 in BrainPy; returns spike_count, rate_hz, compile_s, run_s."""
    import brainpy as bp
    import brainpy.math as bpm
    bpm.set_dt(dt)
    bpm.random.seed(seed)
    num_exc = int(round(0.8 * num_neurons))
    prob = min(1.0, 80 / num_neurons)

    class EINet(bp.DynSysGroup):
        def __init__(self):
            super().__init__()
            pars = dict(V_rest=-60., V_th=-50., V_reset=-60., tau=20., tau_ref=5.,
                        V_initializer=bp.init.Normal(-55., 2.))
            self.exc = bp.dyn.LifRef(num_exc, **pars)
            self.inh = bp.dyn.LifRef(num_neurons - num_exc, **pars)
            self.E2E = _projection(bp, self.exc, self.exc, prob, 0.6, 5., 0., seed)
            self.E2I = _projection(bp, self.exc, self.inh, prob, 0.6, 5., 0., seed + 1)
            self.I2E = _projection(bp, self.inh, self.exc, prob, 6.7, 10., -80., seed + 2)
            self.I2I = _projection(bp, self.inh, self.inh, prob, 6.7, 10., -80., seed + 3)

        def update(self, i):
            self.E2E()
            self.E2I()
            self.I2E()
            self.I2I()
            self.exc(20.)
            self.inh(20.)
            return bpm.sum(self.exc.spike) + bpm.sum(self.inh.spike)

    net = EINet()
    count, compile_s, run_s = _run(net, int(round(duration_ms / dt)))
    return dict(spike_count=count, rate_hz=count / num_neurons / (duration_ms / 1000.0), compile_s=compile_s,
                run_s=run_s, version=bp.__version__)


def simulate_cobahh(num_neurons: int = 4000, duration_ms: float = 1000.0, seed: int = 0, dt: float = 0.1) -> dict:
    """Brette et al. (2007) benchmark 3 in BrainPy; same returns as :func:`simulate_coba`."""
    import brainpy as bp
    import brainpy.math as bpm
    bpm.set_dt(dt)
    bpm.random.seed(seed)
    num_exc = int(round(0.8 * num_neurons))
    prob = min(1.0, 80 / num_neurons)
    area = 20000e-8  # cm^2; units: mV, ms, nS, pF as in benchmarks/reference/params.py
    C_m, g_L, g_Na, g_K = 1e6 * area, 5e-5 * 1e9 * area, 100e-3 * 1e9 * area, 30e-3 * 1e9 * area
    E_L, E_K, E_Na, V_T = -60.0, -90.0, 50.0, -63.0

    class HH(bp.dyn.NeuDyn):
        def __init__(self, size):
            super().__init__(size)
            self.V = bpm.Variable(E_L + (bpm.random.randn(self.num) * 5 - 5))
            self.m = bpm.Variable(bpm.zeros(self.num))
            self.h = bpm.Variable(bpm.zeros(self.num))
            self.n = bpm.Variable(bpm.zeros(self.num))
            self.spike = bpm.Variable(bpm.zeros(self.num, dtype=bool))
            self.t_last = bpm.Variable(bpm.ones(self.num) * -1e7)
            self.integral = bp.odeint(bp.JointEq(self.dV, self.dm, self.dh, self.dn), method="exp_auto")

        def return_info(self):
            return self.spike  # what the projections read from a presynaptic population

        def dV(self, V, t, m, h, n, Isyn):
            g_na = g_Na * (m * m * m) * h
            g_kd = g_K * (n * n * n * n)
            return (-g_L * (V - E_L) - g_na * (V - E_Na) - g_kd * (V - E_K) + Isyn) / C_m

        def dm(self, m, t, V):
            u = V_T - V
            alpha = 1.28 / bpm.exprel((13.0 + u) / 4.0)
            beta = 1.4 / bpm.exprel((-40.0 - u) / 5.0)
            return alpha * (1 - m) - beta * m

        def dh(self, h, t, V):
            u = V_T - V
            alpha = 0.128 * bpm.exp((17.0 + u) / 18.0)
            beta = 4.0 / (1.0 + bpm.exp((40.0 + u) / 5.0))
            return alpha * (1 - h) - beta * h

        def dn(self, n, t, V):
            u = V_T - V
            alpha = 0.16 / bpm.exprel((15.0 + u) / 5.0)
            beta = 0.5 * bpm.exp((10.0 + u) / 40.0)
            return alpha * (1 - n) - beta * n

        def update(self, x=None):
            x = 0.0 if x is None else x
            x = self.sum_current_inputs(self.V.value, init=x)
            t = bp.share["t"]
            V, m, h, n = self.integral(self.V.value, self.m.value, self.h.value, self.n.value, t, Isyn=x,
                                       dt=bp.share["dt"])
            spike = bpm.logical_and(V > -20.0, (t - self.t_last) > 3.0)
            self.spike.value = spike
            self.t_last.value = bpm.where(spike, t, self.t_last.value)
            self.V.value, self.m.value, self.h.value, self.n.value = V, m, h, n
            return spike

    class EINet(bp.DynSysGroup):
        def __init__(self):
            super().__init__()
            self.exc = HH(num_exc)
            self.inh = HH(num_neurons - num_exc)
            self.E2E = _projection(bp, self.exc, self.exc, prob, 6.0, 5., 0., seed)
            self.E2I = _projection(bp, self.exc, self.inh, prob, 6.0, 5., 0., seed + 1)
            self.I2E = _projection(bp, self.inh, self.exc, prob, 67.0, 10., -80., seed + 2)
            self.I2I = _projection(bp, self.inh, self.inh, prob, 67.0, 10., -80., seed + 3)

        def update(self, i):
            self.E2E()
            self.E2I()
            self.I2E()
            self.I2I()
            self.exc()
            self.inh()
            return bpm.sum(self.exc.spike) + bpm.sum(self.inh.spike)

    net = EINet()
    count, compile_s, run_s = _run(net, int(round(duration_ms / dt)))
    return dict(spike_count=count, rate_hz=count / num_neurons / (duration_ms / 1000.0), compile_s=compile_s,
                run_s=run_s, version=bp.__version__)
