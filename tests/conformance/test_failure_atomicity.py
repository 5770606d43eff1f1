"""A failing compiled call leaves every Variable as it was, on every backend (README: "a failing
call leaves every Variable holding the concrete value it had before").

Each model here writes a Variable, then fails on a later statement; after the error every
Variable (the random generator's state included) must hold its value from before the call, and
the same object must keep working. Also: writes the eager code refuses are refused compiled, and
values changed inside list/dict attributes after the first call are picked up.
"""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm


class ThreeWrites(bm.Base):
    """Writes a, then b (which fails when ``bad`` shapes mismatch), then c."""

    def __init__(self):
        super().__init__()
        self.a = bm.Variable(bm.ones(3))
        self.b = bm.Variable(bm.ones(3))
        self.c = bm.Variable(bm.ones(3))
        self.other = bm.Variable(bm.ones(4))

    def __call__(self, bad):
        self.a.value = self.a + 1.0
        if bad:
            self.b.value = self.b + self.other  # shapes (3,) and (4,) do not broadcast
        else:
            self.b.value = self.b + 1.0
        self.c.value = self.c + 1.0

    def method(self):
        self.a.value = self.a + 1.0
        self.b.value = self.b + self.other
        self.c.value = self.c + 1.0

    def noisy(self):
        self.a.value = self.a + bm.random.uniform(size=3)
        self.b.value = self.b + self.other


def _state(model):
    return [np.asarray(v).copy() for v in (model.a, model.b, model.c, model.other)]


def _assert_unchanged(model, before):
    for now, then in zip(_state(model), before):
        np.testing.assert_array_equal(now, then)


def test_a_failing_jitted_object_leaves_every_variable_unchanged(backend):
    model = ThreeWrites()
    step = bm.jit(model, static_argnums=0)
    step(False)
    before = _state(model)
    with pytest.raises((ValueError, TypeError)):
        step(True)
    _assert_unchanged(model, before)
    step(False)  # still usable
    np.testing.assert_array_equal(np.asarray(model.c), [3.0, 3.0, 3.0])


def test_a_failing_jitted_method_leaves_every_variable_unchanged(backend):
    model = ThreeWrites()
    before = _state(model)
    f = bm.jit(model.method)
    for _ in range(2):  # the first call compiles, the second runs compiled code
        with pytest.raises((ValueError, TypeError)):
            f()
        _assert_unchanged(model, before)


def test_a_failing_jitted_call_leaves_the_random_state_unchanged(backend):
    model = ThreeWrites()
    bm.random.seed(7)
    expected = np.asarray(bm.random.uniform(size=5)).copy()
    bm.random.seed(7)
    f = bm.jit(model.noisy)
    with pytest.raises((ValueError, TypeError)):
        f()
    np.testing.assert_array_equal(np.asarray(model.a), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(np.asarray(bm.random.uniform(size=5)), expected)


def test_a_failing_for_loop_leaves_every_variable_unchanged(backend):
    model = ThreeWrites()
    before = _state(model)

    def body(x):
        model.a.value = model.a + x
        s = bm.sum(model.a)  # a reduction: the two writes are not one fused loop
        model.b.value = model.b * s + model.other
        return model.a.value

    with pytest.raises((ValueError, TypeError)):
        bm.for_loop(body, bm.arange(1.0, 6.0))
    _assert_unchanged(model, before)


class Counter(bm.Base):
    def __init__(self):
        super().__init__()
        self.total = bm.Variable(bm.zeros(2))
        self.count = bm.Variable(bm.zeros(1, dtype=bm.int32))

    def add_half(self):
        self.total.value = self.total + 1.0
        self.count.value = self.count + 1.5

    def set_element(self, x):
        self.count[0] = x[0]


def test_writing_a_float_into_an_int_variable_raises_like_eager_code(backend):
    model = Counter()
    with pytest.raises(ValueError, match="dtype"):
        model.add_half()  # eager
    model.total.value = bm.zeros(2)
    with pytest.raises(ValueError, match="dtype"):
        bm.jit(model.add_half)()
    np.testing.assert_array_equal(np.asarray(model.total), [0.0, 0.0])
    np.testing.assert_array_equal(np.asarray(model.count), [0])
    assert model.count.dtype == np.int32


def test_writing_a_float_element_into_an_int_variable_truncates_as_eager_code_does(backend):
    # NumPy and JAX element writes cast (no error) eagerly; compiled code does the same.
    model = Counter()
    model.set_element(bm.asarray([1.5]))
    eager = int(np.asarray(model.count)[0])
    model.count.value = bm.zeros(1, dtype=bm.int32)
    bm.jit(model.set_element)(bm.asarray([1.5]))
    assert int(np.asarray(model.count)[0]) == eager == 1


class Indexed(bm.Base):
    def __init__(self):
        super().__init__()
        self.x = bm.Variable(bm.arange(4.0))
        self.out = bm.Variable(bm.zeros(1))

    def read(self, i):
        self.out[0] = self.x[i]


def test_a_negative_index_counts_from_the_end_compiled_as_eagerly(backend):
    model = Indexed()
    bm.jit(model.read)(-1)
    assert float(np.asarray(model.out)[0]) == 3.0
    bm.jit(model.read)(-4)
    assert float(np.asarray(model.out)[0]) == 0.0


class Params(bm.Base):
    def __init__(self):
        super().__init__()
        self.params = {"tau": 2.0}
        self.x = bm.Variable(bm.ones(2))
        self.vars_list = [bm.Variable(bm.zeros(2))]

    def scale(self):
        self.x.value = self.x * self.params["tau"]

    def bump(self):
        for v in self.vars_list:
            v.value = v + 1.0


def test_a_changed_value_inside_a_dict_attribute_is_picked_up(backend):
    model = Params()
    f = bm.jit(model.scale)
    f()
    np.testing.assert_array_equal(np.asarray(model.x), [2.0, 2.0])
    model.params["tau"] = 5.0
    f()
    np.testing.assert_array_equal(np.asarray(model.x), [10.0, 10.0])


def test_a_variable_appended_to_a_list_attribute_is_updated(backend):
    model = Params()
    f = bm.jit(model.bump)
    f()
    extra = bm.Variable(bm.zeros(2))
    model.vars_list.append(extra)
    f()
    np.testing.assert_array_equal(np.asarray(model.vars_list[0]), [2.0, 2.0])
    np.testing.assert_array_equal(np.asarray(extra), [1.0, 1.0])
