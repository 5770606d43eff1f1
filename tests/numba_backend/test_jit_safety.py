"""Compiled calls on the numba backend never lose or corrupt data.

- a call, a for_loop or a while_loop that fails leaves every Variable as it was before it;
- compiled code never reads or writes outside an array: IndexError naming the model's line;
- runtime shape errors name the model's line, not Numba's generated file;
- one jitted object called from several threads applies every update;
- values changed inside dict/list attributes after the first call are picked up.
"""
from __future__ import annotations

import os
import sys
import threading

import numpy as np
import pytest

pytest.importorskip("numba")

import brainpy_math as bm  # noqa: E402

HERE = os.path.basename(__file__)


@pytest.fixture(autouse=True)
def _numba():
    with bm.set_backend("numba"):
        yield


def _line_of(text: str) -> int:
    """The line number of ``text`` in this file (the model line an error must name)."""
    with open(__file__) as handle:
        for number, line in enumerate(handle, start=1):
            if text in line and "_line_of" not in line:
                return number
    raise AssertionError(text)


class Table(bm.Base):
    def __init__(self):
        super().__init__()
        self.x = bm.Variable(bm.arange(4.0))
        self.y = bm.Variable(bm.zeros(4))
        self.out = bm.Variable(bm.zeros(1))
        self.other = bm.Variable(bm.ones(3))

    def read(self, i):
        self.y.value = self.y + 1.0
        self.out[0] = self.x[i]  # read-index

    def write(self, i):
        self.y.value = self.y + 1.0
        self.x[i] = 5.0  # write-index

    def shapes(self):
        self.y.value = self.y + 1.0
        self.x.value = self.x + self.other  # shape-error

    def step(self, i):
        self.y.value = self.y + 1.0
        self.out[0] = self.x[i]  # loop-index
        return self.y.value


def _unchanged(model):
    np.testing.assert_array_equal(model.x.value, [0.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(model.y.value, [0.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(model.out.value, [0.0])


@pytest.mark.parametrize("method, marker", [("read", "# read-index"), ("write", "# write-index")])
def test_an_out_of_bounds_index_raises_index_error_naming_the_model_line(method, marker):
    model = Table()
    f = bm.jit(getattr(model, method))
    for _ in range(2):  # the compiling call and a call of the compiled code
        with pytest.raises(IndexError) as info:
            f(10)
        message = str(info.value)
        assert f"{HERE}:{_line_of(marker)} in {method}: index 10 is out of bounds for axis 0 with size 4" in message
        _unchanged(model)
    f(-1)  # NumPy's wrap rule still holds
    assert model.y.value[0] == 1.0
    with pytest.raises(IndexError, match="index -5 is out of bounds for axis 0 with size 4"):
        f(-5)
    assert model.y.value[0] == 1.0


def test_a_runtime_shape_error_names_the_model_line_and_restores_the_state():
    model = Table()
    f = bm.jit(model.shapes)
    with pytest.raises(ValueError) as info:
        f()
    message = str(info.value)
    assert f"{HERE}:{_line_of('# shape-error')} in shapes:" in message, message
    assert "could not be broadcast" in message and "_bm_gen_" not in message
    _unchanged(model)


def test_a_for_loop_failing_at_step_4_leaves_the_variables_as_before_the_loop():
    model = Table()
    with pytest.raises(IndexError) as info:
        bm.for_loop(model.step, bm.asarray([0, 1, 2, 3, 9, 1], dtype=bm.int32))
    assert f"{HERE}:{_line_of('# loop-index')} in step: index 9 is out of bounds" in str(info.value)
    _unchanged(model)
    # The same loop still runs afterwards, from the restored state.
    out = bm.for_loop(model.step, bm.asarray([0, 1, 2], dtype=bm.int32))
    np.testing.assert_array_equal(np.asarray(out)[:, 0], [1.0, 2.0, 3.0])
    assert model.out.value[0] == 2.0


def test_a_while_loop_failing_at_iteration_3_leaves_the_variables_as_before_the_loop():
    model = Table()

    def body(i):
        model.y.value = model.y + 1.0
        model.x[i * 2] = 7.0
        return i + 1

    with pytest.raises(IndexError):
        bm.while_loop(body, lambda i: i < 5, (bm.asarray(0),))
    _unchanged(model)


def test_a_failing_call_restores_the_random_state_arrays():
    from brainpy_math_numba import random as backend_random
    model = Table()

    def noisy(i):
        model.y.value = model.y + bm.random.normal(size=4)
        model.out[0] = model.x[i]

    arrays = backend_random.state_arrays(backend_random.default_state())
    before = [np.array(a, copy=True) for a in arrays]
    f = bm.jit(noisy)
    with pytest.raises(IndexError):
        f(10)
    for now, then in zip(arrays, before):
        np.testing.assert_array_equal(now, then)
    _unchanged(model)


def test_a_call_failing_before_it_runs_does_not_roll_back_the_previous_call():
    model = Table()
    f = bm.jit(model.read)
    f(1)
    with pytest.raises(TypeError):
        f("not an index")  # refused by Numba's typing: nothing ran
    np.testing.assert_array_equal(model.y.value, [1.0, 1.0, 1.0, 1.0])
    assert model.out.value[0] == 1.0


class Big(bm.Base):
    def __init__(self, n):
        super().__init__()
        self.weights = bm.Variable(bm.ones(n))  # read only
        self.table = bm.ones(n)  # a plain array, read only
        self.v = bm.Variable(bm.zeros(n))
        self.key = bm.Variable(bm.zeros(1, dtype=bm.int32))

    def update(self):
        self.v.value = self.v * 0.5 + self.weights * self.table
        self.key[0] += 1


def test_only_the_variables_the_code_writes_are_copied_before_a_call():
    model = Big(16)
    f = bm.jit(model.update)
    f()
    written = f._current.written
    assert len(written) == 2
    assert any(np.shares_memory(a, model.v) for a in written)
    assert any(np.shares_memory(a, model.key) for a in written)
    assert not any(np.shares_memory(a, model.weights) or np.shares_memory(a, model.table) for a in written)


def test_writing_a_float_into_an_int_variable_names_the_model_line():
    class Count(bm.Base):
        def __init__(self):
            super().__init__()
            self.n = bm.Variable(bm.zeros(3, dtype=bm.int32))
            self.total = bm.Variable(bm.zeros(3))

        def update(self, x):
            self.total.value = self.total + x
            self.n.value = self.n + x  # float-into-int

    model = Count()
    with pytest.raises(ValueError, match="dtype float32 into a Variable of dtype int32") as info:
        bm.jit(model.update)(bm.ones(3))
    assert f"{HERE}:{_line_of('# float-into-int')} in update" in str(info.value)
    np.testing.assert_array_equal(model.total.value, [0.0, 0.0, 0.0])
    # An int value is fine, fused or not.
    bm.jit(model.update)(bm.ones(3, dtype=bm.int32))
    np.testing.assert_array_equal(model.n.value, [1, 1, 1])


def test_an_in_place_float_update_of_an_int_variable_raises_as_eagerly():
    class Count(bm.Base):
        def __init__(self):
            super().__init__()
            self.n = bm.Variable(bm.zeros(3, dtype=bm.int32))
            self.total = bm.Variable(bm.zeros(3))

        def update(self, x):
            self.total.value = self.total + x
            self.n += x  # in-place-float

    model = Count()
    with pytest.raises(TypeError, match="same_kind"):
        model.update(bm.full(3, 1.5))
    model.total.value = bm.zeros(3)
    with pytest.raises(TypeError, match="same_kind") as info:  # was a crash inside Numba's typing
        bm.jit(model.update)(bm.full(3, 1.5))
    assert f"{HERE}:{_line_of('# in-place-float')} in update" in str(info.value)
    np.testing.assert_array_equal(model.total.value, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(model.n.value, [0, 0, 0])


@pytest.fixture
def _frequent_thread_switches():
    """Switch threads every microsecond (default: 5 ms), so that races show up within a test."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


class Accumulator(bm.Base):
    def __init__(self):
        super().__init__()
        self.n = bm.Variable(bm.zeros(1, dtype=bm.int32))
        self.history = bm.Variable(bm.zeros(8))

    def __call__(self):
        self.n += 1
        self.history.value = self.history + 1.0


def test_one_jitted_object_called_from_four_threads_applies_every_update(_frequent_thread_switches):
    model = Accumulator()
    step = bm.jit(model)
    barrier = threading.Barrier(4)
    errors = []

    def work():
        try:
            barrier.wait()
            for _ in range(500):
                step()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert int(model.n.value[0]) == 2000
    np.testing.assert_array_equal(model.history.value, np.full(8, 2000.0))


class Guarded(bm.Base):
    def __init__(self):
        super().__init__()
        self.n = bm.Variable(bm.zeros(1, dtype=bm.int32))
        self.x = bm.Variable(bm.arange(4.0))
        self.out = bm.Variable(bm.zeros(1))

    def __call__(self, i):
        self.n += 1
        self.out[0] = self.x[i]


def test_threads_mixing_failing_and_succeeding_calls_keep_exactly_the_successful_updates(
        _frequent_thread_switches):
    # A failing call restores the state from before it; no other thread's call may slip in
    # between and be undone by that restore.
    model = Guarded()
    step = bm.jit(model)
    barrier = threading.Barrier(4)
    errors = []

    def work():
        try:
            barrier.wait()
            for k in range(200):
                if k % 5 == 4:
                    with pytest.raises(IndexError):
                        step(10)
                else:
                    step(1)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert int(model.n.value[0]) == 4 * 160


def test_threads_each_jitting_their_own_object(_frequent_thread_switches):
    results = {}
    errors = []

    def work(k):
        try:
            model = Accumulator()
            step = bm.jit(model)
            for _ in range(100 + k):
                step()
            results[k] = int(model.n.value[0])
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert results == {k: 100 + k for k in range(4)}


class Doubler(bm.Base):
    def __init__(self):
        super().__init__()
        self.x = bm.Variable(bm.ones(3))

    def __call__(self):
        self.x.value = self.x * 2.0


def test_threads_generating_code_take_turns_converting_ast():
    """CPython counts AST conversion depth per interpreter: two threads parsing at once can fail with
    "AST constructor recursion depth mismatch" (seen once in a run of the test above). The compiler
    parses and compiles ``ast`` under one lock; a thread that needs it waits for it."""
    from brainpy_math_numba.jit import ir
    model, done = Doubler(), threading.Event()

    def work():
        bm.jit(model)()
        done.set()

    with ir._AST_CONVERSION:
        thread = threading.Thread(target=work)
        thread.start()
        assert not done.wait(0.5)  # parsing the model's source waits for the lock
    thread.join(timeout=300)
    assert done.is_set() and model.x.value.tolist() == [2.0, 2.0, 2.0]


class Settings(bm.Base):
    def __init__(self):
        super().__init__()
        self.params = {"tau": 2.0, "gain": 1.0}
        self.x = bm.Variable(bm.ones(2))
        self.group = [bm.Variable(bm.zeros(2))]

    def update(self):
        self.x.value = self.x * self.params["tau"]
        for v in self.group:
            v.value = v + 1.0


def test_dict_and_list_attributes_changed_after_the_first_call_regenerate_the_code():
    model = Settings()
    f = bm.jit(model.update)
    f()
    model.params["tau"] = 5.0
    f()
    np.testing.assert_array_equal(model.x.value, [10.0, 10.0])
    model.params["tau"] = 5.0  # a new float object with the same value: no regeneration needed
    compiled = f._current
    f()
    assert f._current is compiled
    extra = bm.Variable(bm.zeros(2))
    model.group.append(extra)
    f()
    np.testing.assert_array_equal(model.group[0].value, [4.0, 4.0])  # the 4th call
    np.testing.assert_array_equal(extra.value, [1.0, 1.0])
    model.group[1] = replacement = bm.Variable(bm.full(2, 10.0))
    f()
    np.testing.assert_array_equal(replacement.value, [11.0, 11.0])
    np.testing.assert_array_equal(extra.value, [1.0, 1.0])


class ParallelAdd(bm.Base):
    def __init__(self):
        super().__init__()
        self.v = bm.Variable(bm.zeros(64))

    def update(self):
        for i in bm.prange(64):
            self.v[i] = self.v[i] + 1.0


def test_parallel_jit_compiles_the_snapshot_wrapper_serially():
    """The snapshot wrapper holds no prange loop: compiled with parallel=True, Numba warned on every
    parallel model that it found nothing to parallelise."""
    import warnings
    model = ParallelAdd()
    step = bm.jit(model.update, parallel=True, cache=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        step()
    assert model.v.tolist() == [1.0] * 64
