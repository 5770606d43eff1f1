"""Random draws inside ``bm.prange`` loops: one stream per iteration, the same whatever the threads.

The rule (``brainpy_math.random``, "Inside bm.prange loops"): a loop whose body draws from a stream
takes a loop key from it as ``split_key`` does (2 words); iteration ``i`` draws from the stream keyed
``threefry2x32(loop key, (hi(i), lo(i)))`` from position 0. Checked here against the NumPy reference
of the stream, with Numba's ``parallel=True`` on 1, 2 and 4 threads and with ``parallel=False``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

numba = pytest.importorskip("numba")

import brainpy_math as bm  # noqa: E402

from _reference import seed_key, threefry2x32, uniform32, words  # noqa: E402

pytestmark = pytest.mark.skipif("numba" not in bm.available_backends(), reason="numba backend not installed")

MODELS = textwrap.dedent("""
    import brainpy_math as bm


    def shifted_normal(shift):
        return bm.random.normal() + shift           # a generated function of its own, drawing


    class Noisy(bm.Base):
        def __init__(self, n):
            super().__init__()
            self.rng = bm.random.RandomState(11)
            self.out = bm.Variable(bm.zeros((n, 4)))
            self.ints = bm.Variable(bm.zeros(n, dtype=bm.int32))
            self.before = bm.Variable(bm.zeros(2))
            self.after = bm.Variable(bm.zeros(2))

        def update(self):
            self.before.value = bm.random.uniform(size=2)
            for i in bm.prange(self.out.shape[0]):
                self.out[i, 0] = bm.random.uniform()
                self.out[i, 1] = shifted_normal(10.0)
                pair = bm.random.uniform(size=2)
                self.out[i, 2] = pair[0]
                self.out[i, 3] = pair[1]
                self.ints[i] = self.rng.randint(0, 1000)
            self.after.value = bm.random.uniform(size=2)


    def nested(out):
        for i in bm.prange(out.shape[0]):
            for j in bm.prange(out.shape[1]):
                out[i, j] = bm.random.uniform()


    def integers(out):
        for i in bm.prange(out.shape[0]):
            out[i] = bm.random.randint(0, 2147483647)
""")

SCRIPT = textwrap.dedent("""
    import json, sys
    import numba
    import numpy as np
    import brainpy_math as bm
    bm.set_backend('numba')
    sys.path.insert(0, sys.argv[1])
    import prange_models as m

    def run(parallel, threads):
        numba.set_num_threads(threads)
        bm.random.seed(123)
        model = m.Noisy(1000)
        bm.jit(model.update, parallel=parallel)()
        grid = np.zeros((40, 30), np.float32)
        bm.jit(m.nested, parallel=parallel)(grid)
        ints = np.zeros(200_000, np.int32)
        bm.jit(m.integers, parallel=parallel)(ints)
        return {"out": model.out.value.tolist(), "ints": model.ints.value.tolist(),
                "before": model.before.value.tolist(), "after": model.after.value.tolist(),
                "rng": model.rng.counter.value.tolist(), "grid": grid.tolist(),
                "duplicates": int(ints.size - np.unique(ints).size),
                "counter": bm.random.default_state().counter.value.tolist()}

    runs = {"serial": run(False, 4)}
    for threads in (1, 2, 4):
        runs[f"parallel-{threads}"] = run(True, threads)
    print(json.dumps(runs))
""")


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    """The models' file and a private compile cache, shared by this module's tests (and the subprocess)."""
    folder = tmp_path_factory.mktemp("prange")
    (folder / "prange_models.py").write_text(MODELS)
    return folder


@pytest.fixture
def models(models_dir, monkeypatch):
    monkeypatch.syspath_prepend(str(models_dir))
    monkeypatch.setenv("BRAINPY_MATH_CACHE_DIR", str(models_dir / "cache"))
    sys.modules.pop("prange_models", None)
    import prange_models
    with bm.set_backend("numba"):
        yield prange_models


def test_parallel_loops_draw_the_same_numbers_on_1_2_and_4_threads_and_serially(models_dir):
    env = {**os.environ, "BRAINPY_MATH_CACHE_DIR": str(models_dir / "cache"), "NUMBA_NUM_THREADS": "4"}
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(models_dir)], env=env, capture_output=True,
                         text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    runs = json.loads(run.stdout.strip().splitlines()[-1])
    serial = runs.pop("serial")
    for name, result in runs.items():
        for key in serial:
            assert result[key] == serial[key], (name, key)  # bit-identical
    out = np.array(serial["out"], np.float32)
    assert np.unique(out[:, 0]).size > 990 and np.unique(out[:, 2:]).size > 1980  # not one number repeated
    # 200k draws from 2**31 - 1 values: about 9 coincidences are expected; racing threads gave thousands.
    assert serial["duplicates"] < 40
    assert serial["rng"] == [0, 2]  # the model's own stream: only the loop key was taken from it


def test_iterations_draw_from_the_documented_per_iteration_streams(models):
    model = models.Noisy(1000)
    bm.random.seed(7)
    bm.jit(model.update, parallel=True)()
    key = seed_key(7)
    # Outside the loop the stream is the serial one: `before` at 0-1, the loop key at 2-3, `after` at 4-5.
    np.testing.assert_array_equal(model.before.value, uniform32(words(key, 0, 2)))
    loop_key = words(key, 2, 2)
    np.testing.assert_array_equal(model.after.value, uniform32(words(key, 4, 2)))
    assert bm.random.default_state().counter.value.tolist() == [0, 6]
    for i in (0, 1, 37, 999):
        k0, k1 = threefry2x32(loop_key[0], loop_key[1], np.uint32(0), np.uint32(i))
        own = (int(k0), int(k1))
        # Iteration i's stream: a uniform (word 0), the called function's normal (word 1, checked
        # below), two uniforms (words 2-3).
        assert model.out.value[i, 0] == uniform32(words(own, 0, 1))[0]
        np.testing.assert_array_equal(model.out.value[i, 2:], uniform32(words(own, 2, 2)))


def test_the_normal_drawn_in_a_called_function_uses_the_iteration_stream(models):
    from brainpy_math_numba.random import RandomState
    model = models.Noisy(1000)
    bm.random.seed(7)
    bm.jit(model.update)()
    loop_key = words(seed_key(7), 2, 2)
    for i in (0, 5, 998):
        k0, k1 = threefry2x32(loop_key[0], loop_key[1], np.uint32(0), np.uint32(i))
        twin = RandomState(np.array([k0, k1], np.uint32))
        twin.counter.value = np.array([0, 1], np.uint32)  # after the iteration's first uniform
        assert model.out.value[i, 1] == np.float32(twin.normal() + np.float32(10.0))


def test_a_model_s_own_stream_is_split_per_iteration_too(models):
    model = models.Noisy(1000)
    bm.jit(model.update, parallel=True)()
    loop_key = words(seed_key(11), 0, 2)
    for i in range(0, 1000, 37):
        k0, k1 = threefry2x32(loop_key[0], loop_key[1], np.uint32(0), np.uint32(i))
        word = int(words((int(k0), int(k1)), 0, 1)[0])
        threshold = (2 ** 32 - 1000) % 1000
        if word >= threshold:  # accepted at the first attempt (the usual case)
            assert model.ints.value[i] == word % 1000


def _stream_calls(jitted):
    """How many calls of prange_key and prange_stream the generated program makes (read on its IR)."""
    import ast

    from brainpy_math_numba import random as backend_random  # only these IR checks need it
    jitted.source  # generates the program if no call has
    program = jitted._current.program
    called = [program.symbol(n.func.id) for f in program.functions for s in f.body for n in ast.walk(s)
              if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    objects = [symbol.obj for symbol in called if symbol is not None]
    return {"key": sum(o is backend_random.prange_key for o in objects),
            "stream": sum(o is backend_random.prange_stream for o in objects)}


def test_a_loop_without_draws_is_left_alone(models):
    def double(x):
        out = bm.zeros(x.shape[0])
        for i in bm.prange(x.shape[0]):
            out[i] = x[i] * 2.0
        return out

    f = bm.jit(double, parallel=True)
    np.testing.assert_array_equal(f(bm.arange(4.0)), [0.0, 2.0, 4.0, 6.0])
    assert _stream_calls(f) == {"key": 0, "stream": 0}  # checked on the IR, not on the spelling of .source


def test_the_lowered_source_names_the_per_iteration_streams(models):
    f = bm.jit(models.nested, parallel=True)
    # the outer loop and, in each iteration, the inner one
    assert _stream_calls(f) == {"key": 2, "stream": 2}
    grid = np.zeros((40, 30), np.float32)  # the shape of the subprocess's: its compiled code
    bm.random.seed(2)
    f(grid)
    outer = words(seed_key(2), 0, 2)
    k0, k1 = threefry2x32(outer[0], outer[1], np.uint32(0), np.uint32(1))
    inner = words((int(k0), int(k1)), 0, 2)  # row 1's loop key: 2 words of row 1's stream
    j0, j1 = threefry2x32(inner[0], inner[1], np.uint32(0), np.uint32(4))
    assert grid[1, 4] == uniform32(words((int(j0), int(j1)), 0, 1))[0]
    assert np.unique(grid).size == grid.size


# ------------------------------------------------------------------------------ eager loops
def _eager_update(model, prange):
    """Noisy.update written out eagerly with ``prange`` as the loop."""
    model.before.value = bm.random.uniform(size=2)
    for i in prange(model.out.shape[0]):
        model.out[i, 0] = bm.random.uniform()
        model.out[i, 1] = _shifted_normal(10.0)
        pair = bm.random.uniform(size=2)
        model.out[i, 2] = pair[0]
        model.out[i, 3] = pair[1]
        model.ints[i] = model.rng.randint(0, 1000)
    model.after.value = bm.random.uniform(size=2)


def _shifted_normal(shift):
    return bm.random.normal() + shift


def _state(model) -> dict:
    return {"out": np.asarray(model.out.value), "ints": np.asarray(model.ints.value),
            "before": np.asarray(model.before.value), "after": np.asarray(model.after.value),
            "rng": np.asarray(model.rng.counter.value),
            "counter": np.asarray(bm.random.default_state().counter.value)}


def test_an_eager_loop_draws_what_the_compiled_loop_draws(models):
    prange = bm.prange  # the public loop follows the rule, not only the random module's
    bm.random.seed(123)
    compiled = models.Noisy(1000)
    bm.jit(compiled.update, parallel=True)()
    expected = _state(compiled)
    bm.random.seed(123)
    eager = models.Noisy(1000)
    _eager_update(eager, prange)
    for key, value in _state(eager).items():
        np.testing.assert_array_equal(value, expected[key], err_msg=key)


@pytest.mark.needs_backends("jax", "numba")
def test_an_eager_loop_on_jax_draws_what_it_draws_on_numba(models):
    prange = bm.prange  # the public loop follows the rule, not only the random module's
    bm.random.seed(5)  # the numba backend's eager loop draws what its compiled loop does (above)
    numba_eager = models.Noisy(30)
    _eager_update(numba_eager, prange)
    expected = _state(numba_eager)
    with bm.set_backend("jax"):
        bm.random.seed(5)
        eager = models.Noisy(30)
        _eager_update(eager, prange)
        got = _state(eager)
    for key in ("ints", "before", "after", "rng", "counter"):
        np.testing.assert_array_equal(got[key], expected[key], err_msg=key)
    np.testing.assert_array_equal(got["out"][:, [0, 2, 3]], expected["out"][:, [0, 2, 3]])  # uniforms
    np.testing.assert_allclose(got["out"][:, 1], expected["out"][:, 1], rtol=4 * 2.0 ** -23)  # normals: 4 ulp


def test_draws_outside_an_eager_loop_are_the_serial_stream(models):
    prange = bm.prange  # the public loop follows the rule, not only the random module's
    bm.random.seed(9)
    serial = np.asarray(bm.random.uniform(size=7))
    bm.random.seed(9)
    first = np.asarray(bm.random.uniform(size=2))
    for i in prange(5):
        if i == 2:
            bm.random.uniform()
            break  # leaving the loop early: later draws are serial again
    later = np.asarray(bm.random.uniform(size=2))
    np.testing.assert_array_equal(first, serial[:2])
    np.testing.assert_array_equal(later, serial[4:6])  # the loop took its key: words 2-3
    for i in prange(3):
        pass  # a loop without draws takes nothing
    assert np.asarray(bm.random.uniform()) == serial[6]


def test_a_draw_at_a_negative_index_of_an_eager_loop_is_refused(models):
    prange = bm.prange  # the public loop follows the rule, not only the random module's
    with pytest.raises(NotImplementedError, match="iteration -1"):
        for i in prange(-1, 0):
            bm.random.uniform()
