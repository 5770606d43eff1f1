"""for_loop, while_loop, cond and ifelse: same signatures and results on every backend."""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm
from _assertions import assert_matches


class Accumulator(bm.Base):
    def __init__(self, n):
        super().__init__()
        self.total = bm.Variable(bm.zeros(n))
        self.steps = bm.Variable(bm.zeros((), dtype=bm.int32))

    def step(self, x, scale):
        self.total += x * scale
        self.steps += 1
        return self.total.value, self.steps.value


def test_for_loop_records_outputs_and_carries_variables(backend):
    acc = bm.Variable(bm.zeros(1))

    def step(x):
        acc.value = acc + x
        return acc.value

    out = bm.for_loop(step, bm.arange(1.0, 4.0))
    assert_matches(out, np.array([[1.0], [3.0], [6.0]]), np.float32)
    assert_matches(acc.value, np.array([6.0]), np.float32)


def test_for_loop_over_a_method_with_tuple_operands_and_outputs(backend):
    model = Accumulator(2)
    xs = bm.ones((5, 2))
    scales = bm.arange(5.0)
    totals, steps = bm.for_loop(model.step, (xs, scales))
    expected = np.cumsum(np.arange(5.0))[:, None] * np.ones((1, 2))
    assert_matches(totals, expected, np.float32)
    assert_matches(steps, np.arange(1, 6), np.int32)
    assert_matches(model.steps.value, np.int32(5), np.int32)


def test_for_loop_over_a_jitted_object(backend):
    model = Accumulator(1)
    step = bm.jit(model.step)
    totals, _ = bm.for_loop(step, (bm.ones((3, 1)), bm.ones(3)))
    assert_matches(totals, np.array([[1.0], [2.0], [3.0]]), np.float32)


def test_for_loop_progress_bar(backend, capsys):
    acc = bm.Variable(bm.zeros(1))

    def step(x):
        acc.value = acc + x
        return acc.value

    out = bm.for_loop(step, bm.ones(50), progress_bar=True)
    assert_matches(out[-1], np.array([50.0]), np.float32)
    assert "50/50" in capsys.readouterr().err


def test_while_loop_tuple_and_single_operands(backend):
    i, total = bm.while_loop(lambda i, s: (i + 1, s + i), lambda i, s: i < 5,
                             (bm.asarray(0), bm.asarray(0.0)))
    assert_matches(i, np.int32(5), np.int32)
    assert_matches(total, np.float32(10.0), np.float32)
    single = bm.while_loop(lambda x: x * 2.0, lambda x: x < 100.0, bm.asarray(1.0))
    assert_matches(single, np.float32(128.0), np.float32)


def test_cond(backend):
    up = bm.cond(True, lambda x: x + 1, lambda x: x - 1, (bm.asarray(1.0),))
    down = bm.cond(bm.asarray(False), lambda x: x + 1, lambda x: x - 1, bm.asarray(1.0))
    assert_matches(up, np.float32(2.0), np.float32)
    assert_matches(down, np.float32(0.0), np.float32)
    with pytest.raises(TypeError, match="scalar"):
        bm.cond(bm.ones(3) > 0, lambda: 1.0, lambda: 0.0)


def test_ifelse(backend):
    x = bm.asarray(5.0)
    picked = bm.ifelse([x > 10, x > 0], [lambda: 2.0, lambda: 1.0, lambda: 0.0])
    assert float(picked) == 1.0
    last = bm.ifelse([x > 10, x > 6], [lambda y: y * 2, lambda y: y * 3, lambda y: y * 4], (x,))
    assert_matches(last, np.float32(20.0), np.float32)
    with pytest.raises(ValueError, match="one more"):
        bm.ifelse([x > 0], [lambda: 1.0])
    with pytest.raises(TypeError, match="lists/tuples"):
        bm.ifelse(x > 0, [lambda: 1.0, lambda: 0.0])
