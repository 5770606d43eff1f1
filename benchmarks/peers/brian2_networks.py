"""COBA and COBAHH in Brian2, for ``benchmarks/coba.py``, ``benchmarks/cobahh.py`` and
``benchmarks/compile_time.py``: runtime mode (code generation target chosen by Brian2: Cython when
available, else NumPy) and C++ standalone mode (one C++ program per run, built by ``make`` in a fresh
output folder: the fastest peer at run time, and the slowest to build).

The models are those of the Brian2 examples and of ``benchmarks/reference``: COBA in the
dimensionless-conductance form (exponential Euler, 5 ms refractory with V clamped), COBAHH with
the Brian2 example's rates (exponential Euler, spike at V > -20 mV, 3 ms refractory on spike
detection). Connectivity: ``p = 80 / N``, drawn by Brian2 from the seed.

Runtime mode: the compile time is a first run of one step (Brian2 generates and compiles its code
objects then). Standalone mode: the run time is the simulation loop as the program itself times it
(Brian2's ``device._last_run_time``); the compile time is the rest of building and running the program
from the model's construction on (code generation, ``make``, the program's start and its synapse
creation), what a user waits for on top of the simulation after editing a model.

Brian2 2.9 does not import under NumPy 2.4 (``ndarray.ptp`` is gone): run the peers from another
virtual environment with ``$BRAINPY_MATH_PEER_PYTHON`` (see ``benchmarks/_spiking.py``).
"""
from __future__ import annotations

import tempfile
import time


def _network_run(objects, duration_ms: float, dt_ms: float, monitor) -> dict:
    import brian2 as b2
    net = b2.Network(*objects)
    start = time.perf_counter()
    net.run(dt_ms * b2.ms)
    compile_s = time.perf_counter() - start
    before = int(monitor.num_spikes)
    start = time.perf_counter()
    net.run(duration_ms * b2.ms)
    run_s = time.perf_counter() - start
    count = int(monitor.num_spikes) - before
    return dict(spike_count=count, compile_s=compile_s, run_s=run_s, version=b2.__version__)


def _standalone(model, num_neurons: int, duration_ms: float, seed: int, dt: float) -> dict:
    """Build ``model`` as a C++ standalone program in a fresh folder and run it for ``duration_ms``.

    A fresh folder so that ``make`` finds no object files of an earlier build: the build time is a
    cold one, like the other rows' cold compile caches.
    """
    import brian2 as b2
    with tempfile.TemporaryDirectory(prefix="bm_brian2_standalone_") as folder:
        b2.set_device("cpp_standalone", directory=folder, build_on_run=False)
        start = time.perf_counter()
        objects, monitor = model(b2, num_neurons, seed, dt)
        b2.Network(*objects).run(duration_ms * b2.ms)
        b2.device.build(directory=folder, compile=True, run=True, with_output=False)
        total_s = time.perf_counter() - start
        count = int(monitor.num_spikes)
    run_s = float(b2.device._last_run_time)
    timers = b2.device.timers
    return dict(spike_count=count, rate_hz=count / num_neurons / (duration_ms / 1000.0), compile_s=total_s - run_s,
                run_s=run_s, total_s=total_s, make_s=timers["compile"].get("make"),
                run_binary_s=timers.get("run_binary"), version=b2.__version__)


def _coba_model(b2, num_neurons: int, seed: int, dt: float) -> tuple[list, object]:
    """The COBA network's objects and its spike monitor, on Brian2's current device."""
    b2.start_scope()
    b2.seed(seed)
    b2.defaultclock.dt = dt * b2.ms
    ns = dict(taum=20 * b2.ms, taue=5 * b2.ms, taui=10 * b2.ms, Vt=-50 * b2.mV, Vr=-60 * b2.mV, El=-60 * b2.mV,
              Ee=0 * b2.mV, Ei=-80 * b2.mV, I=20 * b2.mV)
    eqs = """
    dv/dt = (ge * (Ee - v) + gi * (Ei - v) + (El - v) + I) / taum : volt (unless refractory)
    dge/dt = -ge / taue : 1
    dgi/dt = -gi / taui : 1
    """
    group = b2.NeuronGroup(num_neurons, eqs, threshold="v > Vt", reset="v = Vr", refractory=5 * b2.ms,
                           method="exponential_euler", namespace=ns)
    group.v = "-55*mV + 2*mV * randn()"
    num_exc = int(round(0.8 * num_neurons))
    prob = min(1.0, 80 / num_neurons)
    exc = b2.Synapses(group[:num_exc], group, on_pre="ge += 0.6")
    exc.connect(p=prob)
    inh = b2.Synapses(group[num_exc:], group, on_pre="gi += 6.7")
    inh.connect(p=prob)
    monitor = b2.SpikeMonitor(group, record=False)
    return [group, exc, inh, monitor], monitor


def simulate_coba(num_neurons: int = 4000, duration_ms: float = 1000.0, seed: int = 0, dt: float = 0.1) -> dict:
    """Brette et al. (2007) benchmark 1 in Brian2; returns spike_count, rate_hz, compile_s, run_s."""
    import brian2 as b2
    objects, monitor = _coba_model(b2, num_neurons, seed, dt)
    result = _network_run(objects, duration_ms, dt, monitor)
    result["rate_hz"] = result["spike_count"] / num_neurons / (duration_ms / 1000.0)
    return result


def simulate_coba_standalone(num_neurons: int = 4000, duration_ms: float = 1000.0, seed: int = 0,
                             dt: float = 0.1) -> dict:
    """COBA as a Brian2 C++ standalone program built in a fresh folder; returns spike_count, rate_hz,
    compile_s (the build), run_s (the simulation loop) and the build's parts.

    Example:
        >>> simulate_coba_standalone(400, 10.0)["spike_count"] >= 0  # doctest: +SKIP
        True
    """
    return _standalone(_coba_model, num_neurons, duration_ms, seed, dt)


def _cobahh_model(b2, num_neurons: int, seed: int, dt: float) -> tuple[list, object]:
    """The COBAHH network's objects and its spike monitor, on Brian2's current device."""
    b2.start_scope()
    b2.seed(seed)
    b2.defaultclock.dt = dt * b2.ms
    area = 20000 * b2.umetre ** 2
    ns = dict(Cm=1 * b2.ufarad * b2.cm ** -2 * area, gl=5e-5 * b2.siemens * b2.cm ** -2 * area, El=-60 * b2.mV,
              EK=-90 * b2.mV, ENa=50 * b2.mV, g_na=100 * b2.msiemens * b2.cm ** -2 * area,
              g_kd=30 * b2.msiemens * b2.cm ** -2 * area, VT=-63 * b2.mV, taue=5 * b2.ms, taui=10 * b2.ms,
              Ee=0 * b2.mV, Ei=-80 * b2.mV)
    eqs = """
    dv/dt = (gl*(El-v) + ge*(Ee-v) + gi*(Ei-v) - g_na*(m*m*m)*h*(v-ENa) - g_kd*(n*n*n*n)*(v-EK))/Cm : volt
    dm/dt = alpha_m*(1-m)-beta_m*m : 1
    dn/dt = alpha_n*(1-n)-beta_n*n : 1
    dh/dt = alpha_h*(1-h)-beta_h*h : 1
    dge/dt = -ge*(1./taue) : siemens
    dgi/dt = -gi*(1./taui) : siemens
    alpha_m = 0.32*(mV**-1)*4*mV/exprel((13*mV-v+VT)/(4*mV))/ms : Hz
    beta_m = 0.28*(mV**-1)*5*mV/exprel((v-VT-40*mV)/(5*mV))/ms : Hz
    alpha_h = 0.128*exp((17*mV-v+VT)/(18*mV))/ms : Hz
    beta_h = 4./(1+exp((40*mV-v+VT)/(5*mV)))/ms : Hz
    alpha_n = 0.032*(mV**-1)*5*mV/exprel((15*mV-v+VT)/(5*mV))/ms : Hz
    beta_n = .5*exp((10*mV-v+VT)/(40*mV))/ms : Hz
    """
    group = b2.NeuronGroup(num_neurons, eqs, threshold="v > -20*mV", refractory=3 * b2.ms,
                           method="exponential_euler", namespace=ns)
    group.v = "El + (randn() * 5 - 5)*mV"
    group.ge = "(randn() * 1.5 + 4) * 10.*nS"
    group.gi = "(randn() * 12 + 20) * 10.*nS"
    num_exc = int(round(0.8 * num_neurons))
    prob = min(1.0, 80 / num_neurons)
    exc = b2.Synapses(group[:num_exc], group, on_pre="ge += 6*nS")
    exc.connect(p=prob)
    inh = b2.Synapses(group[num_exc:], group, on_pre="gi += 67*nS")
    inh.connect(p=prob)
    monitor = b2.SpikeMonitor(group, record=False)
    return [group, exc, inh, monitor], monitor


def simulate_cobahh(num_neurons: int = 4000, duration_ms: float = 1000.0, seed: int = 0, dt: float = 0.1) -> dict:
    """Brette et al. (2007) benchmark 3 (the Brian2 COBAHH example); same returns as :func:`simulate_coba`."""
    import brian2 as b2
    objects, monitor = _cobahh_model(b2, num_neurons, seed, dt)
    result = _network_run(objects, duration_ms, dt, monitor)
    result["rate_hz"] = result["spike_count"] / num_neurons / (duration_ms / 1000.0)
    return result


def simulate_cobahh_standalone(num_neurons: int = 4000, duration_ms: float = 1000.0, seed: int = 0,
                               dt: float = 0.1) -> dict:
    """COBAHH as a Brian2 C++ standalone program; same returns as :func:`simulate_coba_standalone`."""
    return _standalone(_cobahh_model, num_neurons, duration_ms, seed, dt)
