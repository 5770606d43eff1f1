"""Per-call cost of a jitted object's wrapper, against the raw compiled function, side by side.

A model with N Variables (N = 1, 10, 100) whose step adds 1 to each is called through ``bm.jit`` on
every installed backend, and compared with the equivalent pure function compiled by hand: ``jax.jit``
of ``lambda *vs: tuple(v + 1 for v in vs)`` (state passed in and returned), and a ``numba.njit``
function that updates the same arrays in place. The arrays are tiny, so the time is the overhead.

Run: ``python -m benchmarks.jit_overhead [--quick]``.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import statistics
import sys
import tempfile
from typing import Any

import numpy as np

import brainpy_math as bm

try:
    from ._harness import command_line, machine, median_time
except ImportError:  # run as a script
    from _harness import command_line, machine, median_time

NAME = "jit_overhead"
SIZES = (1, 10, 100)


def _generated_module(num_vars: int) -> Any:
    """A module holding the model class and the hand-written numba function for ``num_vars``.

    The code is written to a real file because both ``inspect.getsource`` (used by the Numba
    backend's code generator) and Numba's cache need source files.
    """
    folder = os.path.join(tempfile.gettempdir(), "brainpy_math_jit_overhead")
    os.makedirs(folder, exist_ok=True)
    name = f"overhead_model_{num_vars}"
    names = [f"v{i}" for i in range(num_vars)]
    lines = ["import numpy as np", "import brainpy_math as bm", "",
             "class Model(bm.Base):", "    def __init__(self):", "        super().__init__()"]
    lines += [f"        self.{n} = bm.Variable(bm.zeros(4))" for n in names]
    lines += ["", "    def __call__(self):"]
    lines += [f"        self.{n} += 1.0" for n in names]
    # The same step reading five plain float attributes, which bm.jit on JAX checks at every call.
    lines += ["", "", "class ModelWithAttributes(Model):", "    def __init__(self):", "        super().__init__()"]
    lines += [f"        self.a{k} = 1.0" for k in range(5)]
    lines += ["", "    def __call__(self):", "        one = self.a0 * self.a1 * self.a2 * self.a3 * self.a4"]
    lines += [f"        self.{n} += one" for n in names]
    lines += ["", "", f"def hand_step({', '.join(names)}):"]
    lines += [f"    {n} += np.float32(1.0)" for n in names]
    path = os.path.join(folder, name + ".py")
    source = "\n".join(lines) + "\n"
    if not os.path.exists(path) or open(path).read() != source:
        with open(path, "w") as f:
            f.write(source)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module(name)


def _per_call_pair(wrapped, raw, repeat: int, number: int) -> tuple[float, float]:
    """Median seconds per call of ``wrapped`` and of ``raw``, timed in alternating rounds so that a
    slow phase of a shared machine hits both alike."""
    first, second = [], []
    for _ in range(repeat):
        first.append(median_time(wrapped, repeat=1, number=number, warmup=3))
        second.append(median_time(raw, repeat=1, number=number, warmup=3))
    return statistics.median(first), statistics.median(second)


def run(quick: bool = False) -> list[dict]:
    repeat, number = (3, 200) if quick else (15, 2000)
    rows: list[dict] = []
    for n in SIZES:
        module = _generated_module(n)
        if importlib.util.find_spec("jax"):
            import jax
            with bm.set_backend("jax"):
                model = module.Model()
                step = bm.jit(model)
                first = model.v0 if n else None
                raw_fn = jax.jit(lambda *vs: tuple(v + 1.0 for v in vs))
                state = [v.value for v in model.vars().values()]

                def raw_call():
                    nonlocal state
                    state = raw_fn(*state)
                    state[0].block_until_ready()

                wrapped, raw = _per_call_pair(lambda: (step(), first.value.block_until_ready()), raw_call,
                                              repeat, number)
            rows.append({"backend": "jax", "num_vars": n, "bm_jit_us": wrapped * 1e6,
                         "raw_us": raw * 1e6, "baseline": "jax.jit of the pure function",
                         "ratio": round(wrapped / raw, 2)})
            with bm.set_backend("jax"):
                model = module.ModelWithAttributes()
                step = bm.jit(model)
                first = model.v0 if n else None
                wrapped, raw = _per_call_pair(lambda: (step(), first.value.block_until_ready()), raw_call,
                                              repeat, number)
            rows.append({"backend": "jax", "num_vars": n, "bm_jit_us": wrapped * 1e6,
                         "raw_us": raw * 1e6, "ratio": round(wrapped / raw, 2),
                         "baseline": "jax.jit of the pure function; the step reads 5 float attributes"})
        if importlib.util.find_spec("numba"):
            import numba
            with bm.set_backend("numba"):
                model = module.Model()
                step = bm.jit(model)
                hand = numba.njit(module.hand_step)
                arrays = [np.asarray(v) for v in model.vars().values()]  # plain ndarrays, as the wrapper passes
                wrapped, raw = _per_call_pair(step, lambda: hand(*arrays), repeat, number)
            rows.append({"backend": "numba", "num_vars": n, "bm_jit_us": wrapped * 1e6,
                         "raw_us": raw * 1e6, "baseline": "hand-written numba.njit",
                         "ratio": round(wrapped / raw, 2)})
    info = machine()
    for row in rows:
        row.update(benchmark=NAME, **info)
    return rows


def main(argv: list[str] | None = None) -> list[dict]:
    return command_line("jit_overhead", __doc__, run, ["backend", "num_vars", "bm_jit_us", "raw_us", "ratio", "baseline"], "fewer repetitions", argv)


if __name__ == "__main__":
    main()
