"""The COBA E/I balanced network (Brette et al. 2007, benchmark 1), written once for both backends.

4,000 leaky integrate-and-fire neurons (80% excitatory) with conductance-based exponential
synapses, in the dimensionless-conductance form of the Brian2 and BrainPy examples::

    dV/dt = (ge (Ee - V) + gi (Ei - V) + (EL - V) + I) / tau_m
    dge/dt = -ge / tau_e, dgi/dt = -gi / tau_i  (ge += 0.6, gi += 6.7 per presynaptic spike)

Run it with ``python examples/ei_network.py --backend numba --duration 1000 --neurons 4000
--out raster.png`` (or ``--backend jax``): it prints the mean rate of each population, the
compile time and the simulation time, and saves a raster plot with the population rate below it.

The classes here are the one definition of the network: ``benchmarks/coba.py``, ``benchmarks/cobahh.py``
and ``tests/conformance/test_coba.py`` import them (``build_network``) from this file.

Each step, in this order (the order of the hand-written references in ``benchmarks/reference``):
the spikes of the previous step jump the conductances of their targets (``bm.event.csrmv``: only
the rows of the neurons that spiked are read), every neuron outside its refractory period takes an
exponential-Euler step (exact while the conductances are frozen over the step), neurons crossing
threshold reset and stay refractory for ``t_ref``.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from typing import Any

import numpy as np

import brainpy_math as bm

__all__ = ["LIF", "ExpCOBA", "COBANetwork", "build_network", "initial_potential", "simulate", "parse_arguments", "run", "main"]

# Brette et al. (2007) benchmark 1 in the units of the Brian2/BrainPy examples: mV, ms, conductances
# relative to the leak conductance.
COBA_PARAMETERS = dict(tau_m=20.0, E_L=-60.0, I_ext=20.0, E_e=0.0, E_i=-80.0, V_th=-50.0, V_reset=-60.0,
                       t_ref=5.0, tau_e=5.0, tau_i=10.0, w_e=0.6, w_i=6.7, V0_mean=-55.0, V0_std=2.0)
SYNAPSES_PER_NEURON = 80  # connection probability 80 / N: 0.02 at 4,000 neurons
EXCITATORY_FRACTION = 0.8


class LIF(bm.Base):
    """Leaky integrate-and-fire neurons driven by an excitatory and an inhibitory conductance.

    State: ``V`` (mV), ``spike`` (bool, this step) and ``refractory`` (steps left, int32). With
    ``noise_std > 0`` a white-noise current of that strength (mV / sqrt(ms)) drawn from the shared
    ``bm.random`` stream is added, so both backends see the same noise for the same seed.

    Example:
        >>> import brainpy_math as bm
        >>> lif = LIF(3, V_init=bm.asarray([-55.0, -50.5, -70.0]))
        >>> lif.update(bm.zeros(3), bm.zeros(3))
        >>> lif.V.shape, str(lif.spike.dtype)
        ((3,), 'bool')
    """

    def __init__(self, num: int, V_init: Any, tau_m: float = 20.0, E_L: float = -60.0, I_ext: float = 20.0,
                 E_e: float = 0.0, E_i: float = -80.0, V_th: float = -50.0, V_reset: float = -60.0,
                 t_ref: float = 5.0, noise_std: float = 0.0, name: str | None = None):
        super().__init__(name=name)
        dt = bm.get_dt()
        self.num = int(num)
        self.E_e, self.E_i, self.V_th, self.V_reset = float(E_e), float(E_i), float(V_th), float(V_reset)
        self.V_drive = float(E_L + I_ext)  # the leak reversal plus the constant input, in mV
        self.dt_over_tau = float(dt / tau_m)
        self.ref_steps = int(round(t_ref / dt))
        self.noise_scale = float(noise_std * math.sqrt(dt))
        self.V = bm.Variable(bm.asarray(V_init, dtype=bm.float_))
        if self.V.shape != (self.num,):
            raise ValueError(f"LIF: argument 'V_init' must have shape ({self.num},), got {self.V.shape}")
        self.spike = bm.Variable(bm.zeros(self.num, dtype=bm.bool_))
        self.refractory = bm.Variable(bm.zeros(self.num, dtype=bm.int32))

    def update(self, ge, gi):
        # With ge and gi frozen over the step, dV/dt = (V_inf - V) * leak / tau_m is linear in V:
        # exponential Euler integrates it exactly.
        leak = 1.0 + ge + gi
        V_inf = (ge * self.E_e + gi * self.E_i + self.V_drive) / leak
        V = V_inf + (self.V - V_inf) * bm.exp(-self.dt_over_tau * leak)
        if self.noise_scale > 0.0:
            V = V + self.noise_scale * bm.random.normal(0.0, 1.0, size=self.num)
        V = bm.where(self.refractory > 0, self.V, V)
        spike = V >= self.V_th
        self.spike = spike
        self.V = bm.where(spike, self.V_reset, V)
        self.refractory = bm.where(spike, self.ref_steps, bm.maximum(self.refractory - 1, 0))


class ExpCOBA(bm.Base):
    """An exponential synaptic conductance fed by presynaptic spikes through CSR connectivity.

    ``g`` (one value per postsynaptic neuron) decays with ``tau`` and jumps by ``weight`` for each
    spike of a connected presynaptic neuron; ``weight`` is a scalar or one value per synapse.

    Example:
        >>> import brainpy_math as bm
        >>> indices, indptr = bm.connect.fixed_prob(2, 3, 1.0, seed=0)
        >>> syn = ExpCOBA(indices, indptr, (2, 3), weight=0.5, tau=5.0)
        >>> syn.update(bm.asarray([True, True]))
        >>> syn.g.tolist()
        [1.0, 1.0, 1.0]
    """

    def __init__(self, indices: Any, indptr: Any, shape: tuple[int, int], weight: Any, tau: float,
                 name: str | None = None):
        super().__init__(name=name)
        self.num_pre, self.num_post = int(shape[0]), int(shape[1])
        self.indices, self.indptr = indices, indptr
        self.weight = float(weight) if np.ndim(weight) == 0 else bm.asarray(weight, dtype=bm.float_)
        self.decay = float(math.exp(-bm.get_dt() / tau))
        self.g = bm.Variable(bm.zeros(self.num_post))

    def update(self, pre_spikes):
        self.g = self.g * self.decay + bm.event.csrmv(self.weight, self.indices, self.indptr, pre_spikes,
                                                      shape=(self.num_pre, self.num_post), transpose=True)


class COBANetwork(bm.Base):
    """A population of ``neurons``: ``[0, num_exc)`` excitatory, the rest inhibitory.

    ``indices``/``indptr`` is the CSR connectivity of the whole population (``num x num``); the
    rows of the excitatory neurons feed ``exc.g`` (the neurons' ``ge``), those of the inhibitory
    neurons ``inh.g`` (``gi``). ``neurons`` is any population with a ``spike`` Variable and an
    ``update(ge, gi)`` method: :class:`LIF` for COBA, Hodgkin-Huxley neurons for COBAHH
    (``benchmarks/cobahh.py``). Call :meth:`step` (spikes of the step), :meth:`step_count` (number of
    spikes) or :meth:`update` (nothing) once per time step, e.g. through ``bm.for_loop``.

    Example:
        >>> net = build_network(400, seed=0)
        >>> net.update(0)
        >>> net.neurons.V.shape
        (400,)
    """

    def __init__(self, neurons: bm.Base, num_exc: int, indices: np.ndarray, indptr: np.ndarray,
                 w_e: float = 0.6, w_i: float = 6.7, tau_e: float = 5.0, tau_i: float = 10.0,
                 name: str | None = None):
        super().__init__(name=name)
        self.neurons = neurons
        self.num, self.num_exc = int(neurons.num), int(num_exc)
        indices, indptr = np.asarray(indices), np.asarray(indptr)
        if indptr.shape != (self.num + 1,):
            raise ValueError(f"COBANetwork: argument 'indptr' must have length {self.num + 1} (the neurons "
                             f"plus one), got shape {indptr.shape}")
        split = int(indptr[self.num_exc])
        # The excitatory rows of the CSR matrix and the inhibitory rows, each a CSR matrix of its own.
        exc_indices, exc_indptr = indices[:split], indptr[:self.num_exc + 1]
        inh_indices, inh_indptr = indices[split:], indptr[self.num_exc:] - indptr[self.num_exc]
        self.exc = ExpCOBA(bm.asarray(exc_indices), bm.asarray(exc_indptr), (self.num_exc, self.num),
                           weight=w_e, tau=tau_e)
        self.inh = ExpCOBA(bm.asarray(inh_indices), bm.asarray(inh_indptr),
                           (self.num - self.num_exc, self.num), weight=w_i, tau=tau_i)

    def update(self, i):
        """Advance one time step (``i``, the step index, is unused: the dynamics are autonomous)."""
        spike = self.neurons.spike
        self.exc.update(spike[:self.num_exc])
        self.inh.update(spike[self.num_exc:])
        self.neurons.update(self.exc.g, self.inh.g)

    def step(self, i):
        """Advance one step; return the spikes of this step (bool, one per neuron)."""
        self.update(i)
        return self.neurons.spike.value

    def step_count(self, i):
        """Advance one step; return the number of neurons that spiked (int32)."""
        self.update(i)
        return bm.sum(self.neurons.spike)


def initial_potential(num_neurons: int, seed: int, mean: float = -55.0, std: float = 2.0) -> np.ndarray:
    """V0 ~ Normal(mean, std) mV as float32, drawn on the host from ``seed``.

    Drawn with NumPy so that every backend, and the hand-written references of
    ``benchmarks/reference``, start from the same state for the same seed.

    Example:
        >>> initial_potential(3, seed=0).dtype
        dtype('float32')
    """
    rng = np.random.default_rng([seed, 1])
    return (mean + std * rng.standard_normal(num_neurons)).astype(np.float32)


def build_network(num_neurons: int = 4000, seed: int = 0, conn_prob: float | None = None,
                  noise_std: float = 0.0, **parameters: Any) -> COBANetwork:
    """The COBA network on the current backend, from ``seed``.

    Args:
        num_neurons: population size; 80% excitatory.
        seed: seeds the connectivity (``bm.connect.fixed_prob``) and the initial potentials.
        conn_prob: connection probability; by default ``80 / num_neurons`` (0.02 at 4,000 neurons),
            which keeps 80 synapses per neuron at every size.
        noise_std: strength of a white-noise input current (mV / sqrt(ms)); 0 for the benchmark.
        parameters: overrides of :data:`COBA_PARAMETERS`.

    Example:
        >>> import brainpy_math as bm
        >>> net = build_network(400, seed=1)
        >>> net.num_exc, net.exc.g.shape
        (320, (400,))
    """
    unknown = set(parameters) - set(COBA_PARAMETERS)
    if unknown:
        raise TypeError(f"build_network: unknown parameters {sorted(unknown)}; known: {sorted(COBA_PARAMETERS)}")
    p = {**COBA_PARAMETERS, **parameters}
    if conn_prob is None:
        conn_prob = min(1.0, SYNAPSES_PER_NEURON / num_neurons)
    indices, indptr = bm.connect.fixed_prob_numpy(num_neurons, num_neurons, conn_prob, seed=seed)
    neuron_keys = ("tau_m", "E_L", "I_ext", "E_e", "E_i", "V_th", "V_reset", "t_ref")
    neurons = LIF(num_neurons, initial_potential(num_neurons, seed, p["V0_mean"], p["V0_std"]),
                  noise_std=noise_std, **{k: p[k] for k in neuron_keys})
    return COBANetwork(neurons, int(round(EXCITATORY_FRACTION * num_neurons)), indices, indptr,
                       w_e=p["w_e"], w_i=p["w_i"], tau_e=p["tau_e"], tau_i=p["tau_i"])


def simulate(net: COBANetwork, duration_ms: float, progress_bar: bool = False,
             record: bool = True, repeats: int = 1) -> dict[str, Any]:
    """Run ``net`` for ``duration_ms`` with ``bm.for_loop``; time the compilation and the run.

    The compile time is measured on a first run from a saved copy of the state, which is then
    restored: each of the ``repeats`` timed runs starts from the same state and reuses the
    compiled loop (``run_s`` is the fastest: the benchmarks use 5 on a shared, noisy machine). Every
    run has the same ``progress_bar``, so the timed runs reuse the first run's compiled program.

    Returns:
        ``spikes`` (bool, steps x neurons; ``None`` unless ``record``), ``spike_count``,
        ``compile_s`` and ``run_s``.
    """
    num_steps = int(round(duration_ms / bm.get_dt()))
    body = net.step if record else net.step_count
    indices = bm.arange(num_steps)
    saved = net.vars().dict()
    start = time.perf_counter()
    # The same options as the timed runs: on JAX the progress bar is part of the compiled program, so
    # a first run without it would compile a program the timed runs do not use.
    np.asarray(bm.for_loop(body, indices, progress_bar=progress_bar))
    first_s = time.perf_counter() - start
    run_times = []
    for _ in range(max(1, int(repeats))):
        net.vars().assign(saved)
        start = time.perf_counter()
        out = np.asarray(bm.for_loop(body, indices, progress_bar=progress_bar))
        run_times.append(time.perf_counter() - start)
    run_s = min(run_times)
    spike_count = int(out.sum())
    return dict(spikes=out if record else None, spike_count=spike_count,
                compile_s=max(first_s - run_s, 0.0), run_s=run_s)


def plot(spikes: np.ndarray, num_exc: int, dt: float, path: str, title: str) -> None:
    """Save a raster plot of ``spikes`` (steps x neurons) with the population rate below it."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps, neurons = np.nonzero(spikes)
    times = steps * dt
    fig, (ax_raster, ax_rate) = plt.subplots(2, 1, sharex=True, figsize=(9, 6),
                                             gridspec_kw=dict(height_ratios=[3, 1]))
    exc = neurons < num_exc
    ax_raster.plot(times[exc], neurons[exc], ",", color="tab:blue", label="excitatory")
    ax_raster.plot(times[~exc], neurons[~exc], ",", color="tab:red", label="inhibitory")
    ax_raster.set_ylabel("neuron")
    ax_raster.set_ylim(0, spikes.shape[1])
    ax_raster.set_title(title)
    bin_steps = max(1, int(round(1.0 / dt)))  # 1 ms bins
    num_bins = spikes.shape[0] // bin_steps
    counts = spikes[:num_bins * bin_steps].reshape(num_bins, bin_steps, -1).sum(axis=(1, 2))
    rate = counts / spikes.shape[1] / (bin_steps * dt / 1000.0)
    ax_rate.plot(np.arange(num_bins) * bin_steps * dt, rate, color="black", lw=0.8)
    ax_rate.set_xlabel("time (ms)")
    ax_rate.set_ylabel("rate (Hz)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _check_output_path(path: str) -> str | None:
    """Why the plot could not be written to ``path`` (checked before the simulation), or None."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return f"--out {path!r}: the folder {folder!r} does not exist"
    if os.path.isdir(path):
        return f"--out {path!r} is a folder; expected a file path such as raster.png"
    if not os.access(path if os.path.exists(path) else folder, os.W_OK):
        return f"--out {path!r} is not writable"
    extension = os.path.splitext(path)[1].lower().lstrip(".")
    if extension not in _PLOT_FORMATS:
        return (f"--out {path!r}: the extension {extension or '(none)'!r} is not an image format; expected "
                f"one of {', '.join(sorted(_PLOT_FORMATS))}")
    return None


# What matplotlib's savefig writes without extra packages.
_PLOT_FORMATS = {"png", "pdf", "svg", "jpg", "jpeg", "eps", "ps", "tif", "tiff", "webp"}


class _OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (the usage is one ``--help`` away)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, checked: every bad value is a one-line usage error before anything runs."""
    parser = _OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["jax", "numba"], default=None,
                        help="the backend (default: $BRAINPY_MATH_BACKEND, else jax if installed, else numba)")
    parser.add_argument("--duration", type=float, default=1000.0, help="model time in ms (default 1000)")
    parser.add_argument("--neurons", type=int, default=4000, help="number of neurons (default 4000)")
    parser.add_argument("--seed", type=int, default=0, help="seeds connectivity and initial potentials")
    parser.add_argument("--noise", type=float, default=0.0, help="white-noise strength, mV/sqrt(ms)")
    parser.add_argument("--out", default="ei_network.png", help="path of the raster plot (PNG)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument("--traceback", action="store_true", help="show the full traceback of an error")
    args = parser.parse_args(argv)
    dt = bm.get_dt()
    if args.neurons < 2:
        parser.error(f"--neurons must be at least 2, got {args.neurons}")
    if not math.isfinite(args.duration) or args.duration < dt:
        parser.error(f"--duration must be at least one step (dt = {dt} ms), got {args.duration:g}")
    if not math.isfinite(args.noise) or args.noise < 0:
        parser.error(f"--noise must be a finite number >= 0 (mV/sqrt(ms)), got {args.noise:g}")
    if args.seed < 0:
        parser.error(f"--seed must be >= 0, got {args.seed}")
    problem = _check_output_path(args.out)
    if problem:
        parser.error(problem)
    return args


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Simulate, print the rates and the timings, and save the plot (see the module docstring)."""
    if args.backend is not None:
        bm.set_backend(args.backend)
    bm.random.seed(args.seed)
    progress = not args.no_progress
    try:
        import tqdm  # noqa: F401  (bm.for_loop's progress bar needs it)
    except ImportError:
        print("(tqdm is not installed: no progress bar; pip install tqdm)", file=sys.stderr)
        progress = False

    net = build_network(args.neurons, seed=args.seed, noise_std=args.noise)
    print(f"COBA network on the {bm.get_backend()} backend: {args.neurons} neurons "
          f"({net.num_exc} excitatory), {int(net.exc.indptr[-1]) + int(net.inh.indptr[-1])} synapses, "
          f"{args.duration:g} ms at dt = {bm.get_dt()} ms")
    result = simulate(net, args.duration, progress_bar=progress)
    spikes = result["spikes"]
    seconds = args.duration / 1000.0
    rate_exc = spikes[:, :net.num_exc].sum() / net.num_exc / seconds
    rate_inh = spikes[:, net.num_exc:].sum() / (net.num - net.num_exc) / seconds
    print(f"mean rate: excitatory {rate_exc:.2f} Hz, inhibitory {rate_inh:.2f} Hz, "
          f"all {result['spike_count'] / net.num / seconds:.2f} Hz")
    print(f"compile time {result['compile_s']:.3f} s, simulation time {result['run_s']:.3f} s "
          f"({result['run_s'] / seconds:.3f} s per second of model time"
          f"{', with the progress bar' if progress else ''})")
    try:
        plot(spikes, net.num_exc, bm.get_dt(), args.out,
             f"COBA, {args.neurons} neurons, {bm.get_backend()} backend")
        print(f"raster plot saved to {args.out}")
    except ImportError:
        print("matplotlib is not installed: no plot (pip install matplotlib)", file=sys.stderr)
    return dict(result, rate_exc=rate_exc, rate_inh=rate_inh)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the example; an error is printed as one line (``--traceback`` for the full one), exit 1."""
    args = parse_arguments(argv)
    try:
        return run(args)
    except KeyboardInterrupt:
        print("ei_network.py: interrupted", file=sys.stderr)
        raise SystemExit(130)
    except Exception as error:  # a user-facing script: one line, not a traceback
        if args.traceback:
            raise
        message = " ".join(str(error).split()) or "(no message)"
        print(f"ei_network.py: error: {type(error).__name__}: {message} (--traceback shows where)",
              file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
