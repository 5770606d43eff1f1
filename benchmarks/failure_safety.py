"""What failure atomicity costs a compiled call on the Numba backend (issue 14).

A ``bm.jit`` call that writes Variables first copies them, inside the compiled code, into
preallocated snapshot buffers (a failing call restores them from there), and holds a per-object
lock. Rows, per model:

- ``bm_jit_us``: a call through ``bm.jit`` as users make it (guards, lock, snapshot, dispatch);
- ``raw_entry_us``: the compiled model function called directly, without the snapshot;
- ``raw_safe_us``: the compiled function that copies the written Variables, then calls the model;
- ``snapshot_us`` = ``raw_safe_us - raw_entry_us``: the cost of the copies;
- ``lock_us``: acquiring and releasing the per-object lock, timed alone.

Models: a small one (3 Variables of 4 floats, the ``jit_overhead`` model) and the COBA network
of ``examples/ei_network.py`` at 4,000 neurons (one step per call; its written state is five
arrays of 4,000 elements). ``bm.for_loop`` copies once per loop, not per step, so its cost is
one such copy per simulation.

Run: ``python -m benchmarks.failure_safety [--quick]``.
"""
from __future__ import annotations

import importlib.util
import os
import statistics
import threading
from typing import Any

import brainpy_math as bm

try:
    from ._harness import command_line, machine, median_time
    from .jit_overhead import _generated_module
except ImportError:  # run as a script
    from _harness import command_line, machine, median_time
    from jit_overhead import _generated_module

NAME = "failure_safety"
COLUMNS = ["model", "written_bytes", "bm_jit_us", "raw_entry_us", "raw_safe_us", "snapshot_us", "lock_us"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _small_model() -> Any:
    return _generated_module(3).Model()


def _coba_network(num: int) -> Any:
    spec = importlib.util.spec_from_file_location("ei_network", os.path.join(ROOT, "examples", "ei_network.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_network(num, 0)


def _measure(label: str, step: Any, args: tuple, repeat: int, number: int) -> dict:
    step(*args)  # compile
    compiled = step._current
    state = list(compiled.wrapper_globals["_bm_state"])
    plain = state[:-1] if compiled.snapshots else state  # the snapshot buffer comes last
    entry, safe = compiled.dispatcher, compiled.call_dispatcher
    entry(*args, *plain)
    rounds = {"bm_jit": [], "raw_entry": [], "raw_safe": []}
    for _ in range(repeat):  # alternating rounds: a slow phase of a shared machine hits all alike
        rounds["bm_jit"].append(median_time(lambda: step(*args), repeat=1, number=number, warmup=2))
        rounds["raw_entry"].append(median_time(lambda: entry(*args, *plain), repeat=1, number=number, warmup=2))
        rounds["raw_safe"].append(median_time(lambda: safe(*args, *state), repeat=1, number=number, warmup=2))
    lock = threading.RLock()

    def locked() -> None:
        with lock:
            pass
    lock_s = median_time(locked, repeat=repeat, number=number * 10)
    row = {k + "_us": round(statistics.median(v) * 1e6, 3) for k, v in rounds.items()}
    row.update(model=label, written_bytes=int(sum(a.nbytes for a in compiled.written)),
               snapshot_us=round(row["raw_safe_us"] - row["raw_entry_us"], 3), lock_us=round(lock_s * 1e6, 3))
    return row


def run(quick: bool = False) -> list[dict]:
    repeat, number = (3, 50) if quick else (11, 500)
    if importlib.util.find_spec("numba") is None:
        return [{"benchmark": NAME, "quick": quick, "model": "-", "note": "skipped: numba is not installed"}]
    rows = []
    with bm.set_backend("numba"):
        model = _small_model()
        rows.append(_measure("small (3 Variables x 4 floats)", bm.jit(model), (), repeat, number))
        num = 400 if quick else 4000
        net = _coba_network(num)
        saved = net.vars().dict()
        rows.append(_measure(f"COBA step, {num} neurons", bm.jit(net.step), (0,), repeat,
                             max(5, number // 10)))
        net.vars().assign(saved)
    info = machine()
    for row in rows:
        row.update(benchmark=NAME, quick=quick, **info)
    return rows


def main(argv: list[str] | None = None) -> list[dict]:
    return command_line("failure_safety", __doc__, run, COLUMNS, "fewer repetitions, 400 neurons", argv)


if __name__ == "__main__":
    main()
