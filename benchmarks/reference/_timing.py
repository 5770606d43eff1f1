"""Compile-then-run timing shared by the reference implementations."""
from __future__ import annotations

import time
from typing import Any, Callable


RUN_TIME_OF = min
"""How the timed runs of one implementation become its run time: the best of them. On the shared
2-core machine the same compiled run takes about 0.55 s or about 0.87 s from one run to the next
(JAX COBAHH, hand-written and brainpy_math alike); the fastest run is the least disturbed one."""


def summary(spike_count: int, num_neurons: int, duration_ms: float, compile_s: float, run_s: float,
            **extra: Any) -> dict:
    """The result dict every ``simulate`` returns."""
    return dict(spike_count=int(spike_count), rate_hz=int(spike_count) / num_neurons / (duration_ms / 1000.0),
                compile_s=compile_s, run_s=run_s, **extra)


def time_numba(run: Callable, make_state: Callable[[], tuple], constants: tuple, num_steps: int,
               num_neurons: int, duration_ms: float, repeats: int = 5) -> dict:
    """Time ``run(num_steps, *state, *constants) -> spike_count``: a one-step call compiles it, then
    ``repeats`` runs from a fresh state: the run time is the best (see :data:`RUN_TIME_OF`)."""
    start = time.perf_counter()
    run(1, *make_state(), *constants)
    compile_s = time.perf_counter() - start
    run_times = []
    for _ in range(repeats):
        state = make_state()
        start = time.perf_counter()
        spike_count = run(num_steps, *state, *constants)
        run_times.append(time.perf_counter() - start)
    return summary(spike_count, num_neurons, duration_ms, compile_s, RUN_TIME_OF(run_times))


def time_jax(run: Callable, state: Any, num_neurons: int, duration_ms: float, repeats: int = 5) -> dict:
    """Time the jitted ``run(state) -> (state, spike_count, fallback_steps)``: compiled ahead, then
    ``repeats`` runs from ``state``: the run time is the best (see :data:`RUN_TIME_OF`)."""
    start = time.perf_counter()
    compiled = run.lower(state).compile()
    compile_s = time.perf_counter() - start
    run_times = []
    for _ in range(repeats):
        start = time.perf_counter()
        _, spike_count, fallbacks = compiled(state)
        spike_count = int(spike_count)  # blocks until the result is ready
        run_times.append(time.perf_counter() - start)
    return summary(spike_count, num_neurons, duration_ms, compile_s, RUN_TIME_OF(run_times),
                   fallback_steps=int(fallbacks))
