"""for_loop compiled as one Numba loop, and the on-disk cache seen from a second process."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("numba")

import brainpy_math as bm  # noqa: E402

import _numba_jit_models as models  # noqa: E402


@pytest.fixture(autouse=True)
def _numba():
    with bm.set_backend("numba"):
        yield


def test_for_loop_over_a_method_runs_as_one_compiled_loop():
    leaky = models.Leaky(3)
    inputs = bm.ones((500, 3))
    bm.for_loop(leaky.update, inputs[:2])  # compile outside the measured call
    leaky.V.value = bm.zeros(3)
    python_calls = []

    def profile(frame, event, arg):
        if event == "call":
            python_calls.append(frame.f_code.co_name)

    sys.setprofile(profile)
    try:
        out = bm.for_loop(leaky.update, inputs)
    finally:
        sys.setprofile(None)
    assert "update" not in python_calls             # the model's Python code never runs
    assert len(python_calls) < 100                  # no Python call per step (500 steps)
    expected = 1.0 - 0.9 ** np.arange(1, 501, dtype=np.float64)
    assert out.shape == (500, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out[:, 0], expected, rtol=1e-4)
    np.testing.assert_allclose(leaky.V.value, out[-1])


def test_for_loop_over_a_jitted_object_and_tuple_outputs():
    class Pair(bm.Base):
        def __init__(self):
            super().__init__()
            self.total = bm.Variable(bm.zeros(()))

        def __call__(self, x, y):
            self.total += x * y
            return self.total.value, x + y

    pair = Pair()
    totals, sums = bm.for_loop(bm.jit(pair), (bm.arange(4.0), bm.ones(4)))
    np.testing.assert_allclose(totals, [0.0, 1.0, 3.0, 6.0])
    np.testing.assert_allclose(sums, [1.0, 2.0, 3.0, 4.0])
    assert totals.dtype == np.float32 and sums.dtype == np.float32


def test_for_loop_without_outputs_returns_none():
    acc = bm.Variable(bm.zeros(2))

    def accumulate(x):
        acc.value = acc + x

    assert bm.for_loop(accumulate, bm.ones((3, 2))) is None
    np.testing.assert_allclose(acc.value, [3.0, 3.0])


def test_for_loop_progress_bar(capsys):
    acc = bm.Variable(bm.zeros(1))

    def step(x):
        acc.value = acc + x
        return acc.value

    out = bm.for_loop(step, bm.ones((250, 1)), progress_bar=True)
    assert out[-1, 0] == 250.0
    assert "250/250" in capsys.readouterr().err


def test_for_loop_bad_operands():
    with pytest.raises(ValueError, match="same length"):
        bm.for_loop(lambda a, b: a + b, (bm.ones(3), bm.ones(4)))
    with pytest.raises(ValueError, match="leading axis"):
        bm.for_loop(lambda a: a, bm.asarray(1.0))
    with pytest.raises(TypeError, match="callable"):
        bm.for_loop(3, bm.ones(3))


_SCRIPT = textwrap.dedent("""
    import sys, time
    start = time.perf_counter()
    import brainpy_math as bm
    bm.set_backend('numba')
    sys.path.insert(0, {models_dir!r})
    import _numba_jit_models as models
    import numpy as np
    model = models.LogisticRegression(4)
    step = bm.jit(model)
    step(np.ones((8, 4), np.float32), np.ones(8, np.float32))
    stats = step.dispatcher.stats
    print(sum(stats.cache_hits.values()), sum(stats.cache_misses.values()),
          model.w.value.tolist())
""")


def test_a_second_process_loads_the_compiled_code_from_the_cache(tmp_path):
    script = _SCRIPT.format(models_dir=os.path.dirname(models.__file__))
    env = {**os.environ, "BRAINPY_MATH_CACHE_DIR": str(tmp_path)}
    env.pop("NUMBA_CACHE_DIR", None)
    runs = [subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                           timeout=300) for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stderr
    first, second = (run.stdout.split(maxsplit=2) for run in runs)
    assert first[:2] == ["0", "1"]          # compiled (a cache miss) in the first process
    assert second[0] == "1" and second[1] == "0"  # loaded, nothing compiled, in the second
    assert first[2] == second[2]
    assert list(tmp_path.glob("_bm_gen_*.py")) and list((tmp_path / "__pycache__").glob("*.nbi"))
