"""COBA and COBAHH in BrainPy (2.x, ``brainpy.dyn``), for ``benchmarks/coba.py`` and ``cobahh.py``.

The models follow BrainPy's own E/I-network examples: ``LifRef`` (COBA) or Hodgkin-Huxley (COBAHH,
the Brian2 example's rates) neurons, exponential conductance synapses aligned post-synaptically,
event-driven CSR connectivity with ``p = 80 / N``. The step runs under ``brainpy.math.for_loop``;
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
