"""bm.jit on the numba backend: Python control flow on array values (which the jax backend cannot
trace) is reported with the model's file and line; ``portable='strict'`` makes it an error."""
from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

pytest.importorskip("numba")

import brainpy_math as bm  # noqa: E402


@pytest.fixture(autouse=True)
def _numba():
    with bm.set_backend("numba"):
        yield


def _line_of(method, text: str) -> int:
    lines, first = inspect.getsourcelines(method)
    for k, line in enumerate(lines):
        if text in line:
            return first + k
    raise AssertionError(f"{text!r} not in {method}")


class Dynamic(bm.Base):
    def __init__(self):
        super().__init__()
        self.V = bm.Variable(bm.ones(3))
        self.spike = bm.Variable(bm.zeros(3, dtype=bool))

    def if_element(self):
        if self.V[0] > 0:
            self.V += 1.0

    def while_sum(self):
        x = self.V.value * 1.0
        while x.sum() < 10:
            x = x + 1.0
        self.V.value = x

    def if_any(self):
        if bm.any(self.spike):
            self.V.value = self.V * 0.0

    def if_float(self):
        v = float(self.V[0])
        if v > 0.5:
            self.V[0] = 0.0

    def if_expression(self):
        self.V[1] = 1.0 if self.V[0] > 0 else 2.0

    def and_operand(self):
        flag = self.V[0] > 0 and self.V[1] > 0
        if flag:
            self.V[2] = 5.0

    def argument(self, x):
        if x > 0:
            self.V[0] = x


DYNAMIC = [
    ("if_element", "if self.V[0] > 0:", ()),
    ("while_sum", "while x.sum() < 10:", ()),
    ("if_any", "if bm.any(self.spike):", ()),
    ("if_float", "if v > 0.5:", ()),
    ("if_expression", "1.0 if self.V[0] > 0 else 2.0", ()),
    ("and_operand", "flag = self.V[0] > 0 and self.V[1] > 0", ()),
    ("argument", "if x > 0:", (2.0,)),
]


@pytest.mark.parametrize("method, text, args", DYNAMIC, ids=[d[0] for d in DYNAMIC])
def test_control_flow_on_array_values_warns_with_file_and_line(method, text, args):
    model = Dynamic()
    bound = getattr(model, method)
    with pytest.warns(bm.PortabilityWarning) as record:
        bm.jit(bound)(*args)
    messages = [str(w.message) for w in record if issubclass(w.category, bm.PortabilityWarning)]
    line = _line_of(bound, text)
    assert any(f"test_jit_portability.py:{line}" in m for m in messages), messages
    assert all("bm.where" in m and "bm.while_loop" in m for m in messages)
    hit = [w for w in record if w.lineno == line]
    assert hit and hit[0].filename.endswith("test_jit_portability.py")


@pytest.mark.parametrize("method, text, args", DYNAMIC, ids=[d[0] for d in DYNAMIC])
def test_strict_mode_raises_naming_file_line_expression_and_alternatives(method, text, args):
    model = Dynamic()
    bound = getattr(model, method)
    with pytest.raises(bm.PortabilityError) as info:
        bm.jit(bound, portable="strict")(*args)
    message = str(info.value)
    assert f"test_jit_portability.py:{_line_of(bound, text)}" in message, message
    for alternative in ("bm.where", "bm.ifelse", "bm.cond", "bm.while_loop"):
        assert alternative in message


def test_warned_once_per_generated_function_not_per_call():
    model = Dynamic()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        step = bm.jit(model.if_element)
        step()
        step()
        step()
    assert len([w for w in record if issubclass(w.category, bm.PortabilityWarning)]) == 1
    assert np.allclose(np.asarray(model.V.value), [4.0, 4.0, 4.0])


def test_off_is_silent_and_still_runs():
    model = Dynamic()
    with warnings.catch_warnings():
        warnings.simplefilter("error", bm.PortabilityWarning)
        bm.jit(model.if_element, portable="off")()
    assert np.allclose(np.asarray(model.V.value), [2.0, 2.0, 2.0])


def test_a_bad_portable_value_names_the_option_and_the_choices():
    with pytest.raises(ValueError, match="option 'portable' is 'loud'; expected one of"):
        bm.jit(Dynamic().if_element, portable="loud")


class Static(bm.Base):
    def __init__(self, mode="fast"):
        super().__init__()
        self.mode = mode
        self.n = 3
        self.has_noise = False
        self.children = [bm.Base(), bm.Base()]
        self.V = bm.Variable(bm.zeros(3))

    def update(self):
        if self.mode == "fast":
            self.V += 1.0
        if self.has_noise:
            self.V += 100.0
        if len(self.children) > 1 and self.n > 2:
            self.V += 1.0
        if self.V.shape[0] == 3:
            self.V += 1.0
        k = 0
        while k < self.n:
            k = k + 1
        for i in range(self.n):
            if i > 0:
                self.V[i] = self.V[i] + 1.0
        y = self.V * 2.0
        if y.ndim == 1:
            self.V.value = bm.where(self.V > 2.0, self.V, y)
        return k


def test_static_conditions_do_not_warn():
    model = Static()
    with warnings.catch_warnings():
        warnings.simplefilter("error", bm.PortabilityWarning)
        k = bm.jit(model.update, portable="strict")()
    assert int(k) == 3
    assert np.allclose(np.asarray(model.V.value), [3.0, 4.0, 4.0])


def _up(x):
    return x + 1.0


def _down(x):
    return x - 1.0


def test_bm_cond_and_ifelse_are_the_portable_spelling_and_do_not_warn():
    def choose(x, p):
        return bm.cond(p > 0, _up, _down, (x,)), bm.ifelse([p > 1, p > 0], [_up, _down, _down], (x,))

    with warnings.catch_warnings():
        warnings.simplefilter("error", bm.PortabilityWarning)
        a, b = bm.jit(choose, portable="strict")(bm.ones(2), 0.5)
    assert np.allclose(np.asarray(a), [2.0, 2.0]) and np.allclose(np.asarray(b), [0.0, 0.0])
