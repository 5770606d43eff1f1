"""Code paths that used to compile Numba's string machinery, and must not again.

Numba's array assignment through its fancy-indexing path (an array index, a 0-d integer array such
as a Variable holding an index, ``np.swapaxes``'s axis permutation) formats both shapes into the
message of its broadcast error; compiling that formatting (``raise_with_shape_context``, then
``str(int)``, concatenation and joins from ``numba.cpython.unicode``) cost 2-5 s the first time a
process compiled such code. Each case here runs in a fresh process with empty caches (a process that
already compiled the formatting would compile nothing, and the check would pass for nothing), under
a listener of Numba's compile events.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("numba")

import brainpy_math as bm  # noqa: E402

pytestmark = [pytest.mark.skipif("numba" not in bm.available_backends(), reason="numba backend not installed"),
              pytest.mark.slow]  # a fresh process compiling from empty caches: ~10 s

SCRIPT = textwrap.dedent("""
    import json
    import numpy as np
    from numba.core import event

    compiled = []

    class Listener(event.Listener):
        def on_start(self, ev):
            f = ev.data["dispatcher"].py_func
            compiled.append(f"{f.__module__}:{f.__qualname__}")

        def on_end(self, ev):
            pass

    event.register("numba:compile", Listener())
    import brainpy_math as bm
    bm.set_backend("numba")

    # 1. bm.random.shuffle along an axis (it permuted rows through np.swapaxes and row stores).
    bm.random.seed(3)
    shuffled = []
    for shape, axis in (((10,), 0), ((3, 4), 1), ((2, 3, 4), 2)):
        v = bm.Variable(bm.arange(int(np.prod(shape))).reshape(shape))
        bm.random.shuffle(v, axis=axis)
        shuffled.append(np.asarray(v).tolist())

    # 2. A LengthDelay inside bm.jit (its update stores a row at an index held in a 0-d Variable).
    class Model(bm.Base):
        def __init__(self):
            super().__init__()
            self.x = bm.Variable(bm.zeros(3))
            self.delay = bm.LengthDelay(self.x, 3)

        def step(self, value, read):
            self.x.value = value
            self.delay.update(self.x)
            return self.delay(read)

    step = bm.jit(Model().step)
    delayed = [np.asarray(step(np.full(3, float(k), np.float32), 1)).tolist() for k in range(4)]
    string_machinery = sorted({name for name in compiled
                               if "raise_with_shape_context" in name or name.startswith("numba.cpython.unicode")})
    print(json.dumps({"shuffled": shuffled, "delayed": delayed, "string_machinery": string_machinery}))
""")


def test_shuffle_along_an_axis_and_a_length_delay_compile_no_string_formatting(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba"), "BRAINPY_MATH_CACHE_DIR": str(tmp_path / "bm")}
    script = tmp_path / "string_machinery_case.py"  # a file: the numba backend reads the model's source
    script.write_text(SCRIPT)
    run = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["string_machinery"] == []
    # Each permutes its axis: the same permutation moves every column of the matrix, every tube of the cube.
    flat, matrix, cube = result["shuffled"]
    assert sorted(flat) == list(range(10)) and flat != list(range(10))
    assert sorted(matrix[0]) == [0, 1, 2, 3]
    assert all([value - 4 * row for value in matrix[row]] == matrix[0] for row in range(3))
    assert sorted(cube[0][0]) == [0, 1, 2, 3]
    assert all([value - 12 * i - 4 * j for value in cube[i][j]] == cube[0][0] for i in range(2) for j in range(3))
    # ... and the delay returns the value stored one step before (its first reads: the initial zeros).
    assert result["delayed"] == [[0.0] * 3, [0.0] * 3, [1.0] * 3, [2.0] * 3]
