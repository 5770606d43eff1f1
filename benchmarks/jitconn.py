"""COBA with just-in-time connectivity (``bm.jitconn``) against the stored CSR matrix, 4,000 to
400,000 neurons, on each installed backend: run time, peak memory and build time.

The network is COBA's (``examples/ei_network.py``: its ``LIF`` neurons, exponential conductances,
initial potentials and parameters; 80 synapses per neuron, connection probability ``80 / N``) with
its connectivity in one of two forms:

- ``csr``: stored, as the COBA benchmark builds it: ``bm.connect.fixed_prob`` (its NumPy half,
  ``fixed_prob_numpy``, as ``build_network`` calls it) split into the excitatory and inhibitory rows,
  each step ``bm.event.csrmv(w, indices, indptr, spikes, transpose=True)``;
- ``jitconn``: never stored: each step ``bm.jitconn.event_mv_prob_homo(spikes, w, 80 / N, seed,
  shape=(num_pre, N), transpose=True, outdim_parallel=False)``, one Python int seed per projection
  (E and I), so only the lines of the neurons that spiked are regenerated (``outdim_parallel=True``
  would regenerate all ``N`` lines every step).

The two variants are different random networks with the same statistics: their rates are close,
not identical. Each (backend, variant, N) runs in its own subprocess (:mod:`benchmarks._spiking`),
so its peak memory is its own. Columns:

- ``s_per_model_s``: run time per second of model time (dt 0.1 ms: 10,000 steps), the best of
  ``repeats`` runs of ``duration_ms`` (:func:`timed_runs`): a first run of ``duration_ms`` from the
  initial state compiles ``bm.for_loop`` and takes the network past its onset volley, and each timed
  run restarts from the state it reached; ``x_csr``: over the CSR row of the same backend and size;
- ``build_s``: building the network, for ``csr`` including ``conn_build_s`` (in the JSON rows:
  generating the connectivity with ``bm.connect``; ``jitconn`` generates none);
- ``conn_mb``: the bytes of the stored connectivity (``indices`` + ``indptr`` of both projections;
  0 for ``jitconn``);
- ``rss_base_mb``: the process's resident memory after importing, selecting the backend and a first
  operation on it; ``rss_built_mb``: after building the network; ``peak_rss_mb``: the peak over the
  whole process (building, compiling and running): Linux's ``VmHWM``, not ``ru_maxrss``, which
  counts the parent's memory at the fork (in the JSON rows as ``ru_maxrss_mb``, see :func:`_ru_maxrss_mb`);
- ``rate_hz``: mean firing rate over a timed run (settled: the onset is in the first run, whose
  rate is ``first_rate_hz`` in the JSON rows, with ``first_run_s``, compile included).

Defaults: 4,000 neurons for 1 s (5 timed runs), 40,000 for 1 s (3) and 400,000 for 100 ms (3).
``--quick``: 400 neurons for 20 ms (a smoke run for CI; timings mean nothing).

Run: ``python -m benchmarks.jitconn [--quick] [--neurons 4000 40000 400000] [--backends numba jax]``.
"""
from __future__ import annotations

import argparse
import gc
import math
import os
import resource
import time

import numpy as np

import brainpy_math as bm

try:
    from ._harness import machine, print_table, write_jsonl
    from ._spiking import Implementation, load_example, run_in_subprocess
except ImportError:  # run as a script
    from _harness import machine, print_table, write_jsonl
    from _spiking import Implementation, load_example, run_in_subprocess

NAME = "jitconn"
COLUMNS = ["neurons", "backend", "variant", "duration_ms", "s_per_model_s", "x_csr", "build_s", "conn_mb",
           "rss_base_mb", "rss_built_mb", "peak_rss_mb", "rate_hz", "note", "error"]
VARIANTS = ("csr", "jitconn")
#: Model time (ms) and timed runs per size: the full default run took 4 minutes on a quiet 2-core machine.
DEFAULT_SIZES = {4000: (1000.0, 5), 40000: (1000.0, 3), 400000: (100.0, 3)}
QUICK_SIZES = {400: (20.0, 2)}
DT = 0.1
NEURON_KEYS = ("tau_m", "E_L", "I_ext", "E_e", "E_i", "V_th", "V_reset", "t_ref")


def _status_mb(field: str) -> float | None:
    """``field`` (``VmRSS``, ``VmHWM``) of ``/proc/self/status`` in MiB; None off Linux."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def _ru_maxrss_mb() -> float:
    """``getrusage(RUSAGE_SELF).ru_maxrss`` in MiB (KiB on Linux, bytes on macOS).

    On Linux it is at least the parent's resident memory at the fork: ``execve`` folds the
    high-water mark of the memory it replaces (the parent's, shared after the fork) into the
    process's. A child of a 3.6 GB ``python -m benchmarks`` reports 3.6 GB; hence ``VmHWM`` below.
    """
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0 * 1024.0) if os.uname().sysname == "Darwin" else peak / 1024.0


def _rss_mb() -> float:
    """The current resident memory of this process in MiB (the peak so far off Linux)."""
    current = _status_mb("VmRSS")
    return _ru_maxrss_mb() if current is None else current


def _peak_rss_mb() -> float:
    """The peak resident memory of this process in MiB: ``VmHWM`` (this program's own, reset by
    ``execve``), else ``ru_maxrss``."""
    peak = _status_mb("VmHWM")
    return _ru_maxrss_mb() if peak is None else peak


def _nbytes(x) -> int:
    value = getattr(x, "value", x)
    return int(getattr(value, "nbytes"))


class JitExpCOBA(bm.Base):
    """``ExpCOBA`` of ``examples/ei_network.py`` with its connectivity regenerated from ``seed`` at
    each step (``bm.jitconn.event_mv_prob_homo``, event-driven: the lines of the spikes only).

    Example:
        >>> syn = JitExpCOBA(3, 100, 0.2, seed=7, weight=0.5, tau=5.0)
        >>> syn.update(bm.asarray([True, False, True]))
        >>> syn.g.shape
        (100,)
    """

    def __init__(self, num_pre: int, num_post: int, conn_prob: float, seed: int, weight: float, tau: float,
                 name: str | None = None):
        super().__init__(name=name)
        self.num_pre, self.num_post = int(num_pre), int(num_post)
        self.conn_prob, self.seed, self.weight = float(conn_prob), int(seed), float(weight)
        self.decay = float(math.exp(-bm.get_dt() / tau))
        self.g = bm.Variable(bm.zeros(self.num_post))

    def update(self, pre_spikes):
        self.g = self.g * self.decay + bm.jitconn.event_mv_prob_homo(
            pre_spikes, self.weight, self.conn_prob, self.seed, shape=(self.num_pre, self.num_post),
            transpose=True, outdim_parallel=False)


class JitCOBANetwork(bm.Base):
    """COBA's network (``examples/ei_network.py``: ``LIF`` neurons, ``COBANetwork``'s step) with
    :class:`JitExpCOBA` projections: connection probability ``80 / num``, seeds ``2 seed + 1`` (E)
    and ``2 seed + 2`` (I); the initial potentials are ``build_network``'s for ``seed``.

    Example:
        >>> net = JitCOBANetwork(400, seed=0)
        >>> net.num_exc, net.exc.seed, net.inh.seed, net.neurons.V.shape
        (320, 1, 2, (400,))
    """

    def __init__(self, num: int, seed: int = 0, name: str | None = None):
        super().__init__(name=name)
        example = load_example()
        p = example.COBA_PARAMETERS
        self.num = int(num)
        self.num_exc = int(round(example.EXCITATORY_FRACTION * self.num))
        prob = min(1.0, example.SYNAPSES_PER_NEURON / self.num)
        self.neurons = example.LIF(self.num, example.initial_potential(self.num, seed, p["V0_mean"], p["V0_std"]),
                                   **{k: p[k] for k in NEURON_KEYS})
        self.exc = JitExpCOBA(self.num_exc, self.num, prob, 2 * seed + 1, p["w_e"], p["tau_e"])
        self.inh = JitExpCOBA(self.num - self.num_exc, self.num, prob, 2 * seed + 2, p["w_i"], p["tau_i"])

    def update(self, i):
        """Advance one step (``COBANetwork.update``)."""
        spike = self.neurons.spike
        self.exc.update(spike[:self.num_exc])
        self.inh.update(spike[self.num_exc:])
        self.neurons.update(self.exc.g, self.inh.g)

    def step_count(self, i):
        """Advance one step; return the number of neurons that spiked."""
        self.update(i)
        return bm.sum(self.neurons.spike)


def simulate(num_neurons: int, duration_ms: float, seed: int, backend: str = "numba", variant: str = "csr",
             repeats: int = 5) -> dict:
    """One row's measurements, in this process (run it in a fresh one: the memory is the process's)."""
    bm.set_backend(backend)
    bm.set_dt(DT)
    example = load_example()
    bm.asarray(bm.zeros(1) + 1)  # the backend's runtime started (XLA's client on JAX): part of the base
    base = _rss_mb()
    start = time.perf_counter()
    if variant == "csr":
        p = example.COBA_PARAMETERS
        prob = min(1.0, example.SYNAPSES_PER_NEURON / num_neurons)
        indices, indptr = bm.connect.fixed_prob_numpy(num_neurons, num_neurons, prob, seed=seed)
        conn_build_s = time.perf_counter() - start
        neurons = example.LIF(num_neurons, example.initial_potential(num_neurons, seed, p["V0_mean"], p["V0_std"]),
                              **{k: p[k] for k in NEURON_KEYS})
        net = example.COBANetwork(neurons, int(round(example.EXCITATORY_FRACTION * num_neurons)), indices, indptr,
                                  w_e=p["w_e"], w_i=p["w_i"], tau_e=p["tau_e"], tau_i=p["tau_i"])
        del indices, indptr
        conn_bytes = sum(_nbytes(a) for a in (net.exc.indices, net.exc.indptr, net.inh.indices, net.inh.indptr))
        synapses = int(net.exc.indptr[-1]) + int(net.inh.indptr[-1])
    elif variant == "jitconn":
        net = JitCOBANetwork(num_neurons, seed)
        conn_build_s, conn_bytes, synapses = 0.0, 0, None
    else:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    build_s = time.perf_counter() - start
    gc.collect()
    built = _rss_mb()
    timing = timed_runs(net, duration_ms, repeats)
    seconds = duration_ms / 1000.0
    return dict(timing, rate_hz=timing["spike_count"] / num_neurons / seconds,
                first_rate_hz=timing["first_spike_count"] / num_neurons / seconds,
                s_per_model_s=timing["run_s"] / seconds, steps=int(round(duration_ms / DT)), build_s=build_s,
                conn_build_s=conn_build_s, conn_mb=conn_bytes / 2 ** 20, synapses=synapses, rss_base_mb=base,
                rss_built_mb=built, peak_rss_mb=_peak_rss_mb(), ru_maxrss_mb=_ru_maxrss_mb(), repeats=repeats)


def timed_runs(net, duration_ms: float, repeats: int) -> dict:
    """Run ``net`` for ``duration_ms`` from its initial state (``bm.for_loop``: compiling, and past the
    onset volley), then ``repeats`` timed runs of ``duration_ms``, each from the state that first run
    reached; ``run_s`` is the fastest.

    The settled start matters: from the initial state, COBA's onset volley (at 400,000 neurons up to
    13,500 spikes in one 0.1 ms step, against ~850 settled) would weigh on a 100 ms run, and on the
    JAX backend the CSR product of a step with more spiking rows than its largest budget falls back
    to a pass over every synapse.
    """
    indices = bm.arange(int(round(duration_ms / DT)))
    start = time.perf_counter()
    first_count = int(np.asarray(bm.for_loop(net.step_count, indices)).sum())
    first_s = time.perf_counter() - start
    settled = net.vars().dict()
    times, counts = [], []
    for _ in range(max(1, int(repeats))):
        net.vars().assign(settled)
        start = time.perf_counter()
        counts.append(int(np.asarray(bm.for_loop(net.step_count, indices)).sum()))
        times.append(time.perf_counter() - start)
    if len(set(counts)) != 1:  # every timed run starts from the same state
        raise RuntimeError(f"the timed runs from the same state gave different spike counts: {counts}")
    return dict(run_s=min(times), first_run_s=first_s, spike_count=counts[0], first_spike_count=first_count)


def add_csr_ratios(rows: list[dict]) -> list[dict]:
    """``x_csr``: ``s_per_model_s`` over the CSR row of the same backend and size."""
    for row in rows:
        csr = [r for r in rows if r["variant"] == "csr" and r["backend"] == row["backend"]
               and r["neurons"] == row["neurons"] and r.get("s_per_model_s")]
        if csr and row.get("s_per_model_s"):
            row["x_csr"] = round(row["s_per_model_s"] / csr[0]["s_per_model_s"], 2)
    return rows


def run(quick: bool = False, sizes: list[int] | None = None, backends: list[str] | None = None, seed: int = 0,
        timeout_s: float = 900.0) -> list[dict]:
    table = QUICK_SIZES if quick else DEFAULT_SIZES
    if sizes:
        table = {n: table.get(n, DEFAULT_SIZES.get(n, (100.0 if n > 100000 else 1000.0, 3))) for n in sizes}
    installed = bm.available_backends()
    rows = []
    info = machine()
    for neurons, (duration_ms, repeats) in table.items():
        for backend in backends or ("numba", "jax"):
            for variant in VARIANTS:
                row = {"benchmark": NAME, "implementation": f"brainpy_math {backend} backend, {variant}",
                       "engine": backend, "backend": backend, "variant": variant, "neurons": neurons,
                       "duration_ms": duration_ms, "seed": seed, **info}
                if backend not in installed:
                    row["note"] = f"skipped: the {backend} backend is not installed"
                    rows.append(row)
                    continue
                impl = Implementation(row["implementation"], backend, "brainpy_math", "benchmarks.jitconn",
                                      "simulate", kwargs=dict(backend=backend, variant=variant, repeats=repeats))
                result = run_in_subprocess(impl, neurons, duration_ms, seed, quick, timeout_s)
                row.update(result)
                rows.append(row)
                print(f"  {neurons} neurons, {backend}, {variant}: "
                      + (f"{row['s_per_model_s']:.3f} s per model s, peak {row['peak_rss_mb']:.0f} MiB, "
                         f"{row['rate_hz']:.1f} Hz" if "s_per_model_s" in row else row.get("error", "?")),
                      flush=True)
    for row in rows:
        for key in ("s_per_model_s", "run_s", "first_run_s", "build_s", "conn_build_s", "rate_hz", "first_rate_hz"):
            if isinstance(row.get(key), float):
                row[key] = round(row[key], 4)
        for key in ("conn_mb", "rss_base_mb", "rss_built_mb", "peak_rss_mb", "ru_maxrss_mb"):
            if isinstance(row.get(key), float):
                row[key] = round(row[key], 1)
    return add_csr_ratios(rows)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="400 neurons for 20 ms (a smoke run)")
    parser.add_argument("--neurons", type=int, nargs="*", help="sizes (default 4000 40000 400000)")
    parser.add_argument("--backends", nargs="*", choices=["numba", "jax"], help="backends (default both)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                                                      f"{NAME}.jsonl"))
    args = parser.parse_args(argv)
    rows = run(args.quick, args.neurons, args.backends)
    print_table(rows, COLUMNS)
    write_jsonl(rows, args.out)
    return rows


if __name__ == "__main__":
    main()
