"""bm.jit sees the model as it is at each call: attributes changed after the first compile are used.

Compiled code may hold a model's plain attributes as constants; each backend checks them at every
call and compiles again when one changed. Storing a Variable created inside the compiled function on
the model is refused with an error naming the attribute.
"""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm


class Stale(bm.Base):
    """Reads a float, a plain array, a dict value and a list of Variables."""

    def __init__(self):
        super().__init__()
        self.tau = 10.0
        self.w = bm.ones(3)
        self.params = {"g": 2.0}
        self.v = bm.Variable(bm.zeros(3))
        self.extra = [bm.Variable(bm.zeros(2))]

    def __call__(self):
        self.v.value = self.w * self.params["g"] + self.tau
        for e in self.extra:
            e.value = e + 1.0
        return self.v.sum()


class StoresNewVariable(bm.Base):
    def __init__(self):
        super().__init__()
        self.v = bm.Variable(bm.zeros(2))

    def __call__(self):
        self.state = bm.Variable(self.v + 1.0)


def test_rebound_float_attribute_is_used(backend):
    m = Stale()
    step = bm.jit(m)
    step()
    np.testing.assert_allclose(m.v.tolist(), [12.0] * 3)
    m.tau = 5.0
    step()
    np.testing.assert_allclose(m.v.tolist(), [7.0] * 3)


def test_plain_array_attribute_rebound_or_changed_in_place_is_used(backend):
    m = Stale()
    step = bm.jit(m)
    step()
    m.w = bm.ones(3) * 2
    step()
    np.testing.assert_allclose(m.v.tolist(), [14.0] * 3)
    m.w[0] = 7.0
    step()
    np.testing.assert_allclose(m.v.tolist(), [24.0, 14.0, 14.0])


def test_dict_attribute_value_change_is_used(backend):
    m = Stale()
    step = bm.jit(m)
    step()
    m.params["g"] = 3.0
    step()
    np.testing.assert_allclose(m.v.tolist(), [13.0] * 3)


def test_variable_appended_to_list_attribute_is_updated(backend):
    m = Stale()
    step = bm.jit(m)
    step()
    extra = bm.Variable(bm.zeros(2))
    m.extra.append(extra)
    step()
    step()
    np.testing.assert_allclose(extra.tolist(), [2.0, 2.0])
    np.testing.assert_allclose(m.extra[0].tolist(), [3.0, 3.0])


def test_variable_created_inside_jit_and_stored_is_refused(backend):
    m = StoresNewVariable()
    with pytest.raises(TypeError, match=r"(self|StoresNewVariable)\.state"):
        bm.jit(m)()
    assert "state" not in vars(m)


class CountsInAPlainAttribute(bm.Base):
    def __init__(self):
        super().__init__()
        self.count = 0
        self.v = bm.Variable(bm.zeros(1))

    def __call__(self):
        self.count = self.count + 1
        self.v += 1.0


def test_rebinding_a_plain_attribute_inside_jit_is_refused(backend):
    """Compiled code would run the assignment once per compile, not once per call (JAX counted 1
    after 3 calls); both backends refuse it, name the attribute and leave the object as it was."""
    m = CountsInAPlainAttribute()
    step = bm.jit(m)
    with pytest.raises(TypeError, match=r"(self|CountsInAPlainAttribute)\.count") as info:
        step()
    assert "Variable" in str(info.value)
    assert m.count == 0 and m.v.tolist() == [0.0]
