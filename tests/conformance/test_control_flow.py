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
    # BrainPy's single condition with two branches (tests/conformance/test_brainpy_names.py).
    assert float(bm.ifelse(x > 0, [lambda: 1.0, lambda: 0.0])) == 1.0
    with pytest.raises(TypeError, match="lists/tuples"):
        bm.ifelse([x > 0], lambda: 1.0)


def test_bad_arguments_raise_one_message_on_every_backend(backend):
    # The frontend checks these before the backend runs (brainpy_math/_control_checks.py), so the
    # whole message, not just a keyword, is the same on every backend.
    v = bm.Variable(bm.zeros(1))
    scalar = ("must be a scalar condition (a bool or an array of shape ()), got an array of shape (3,)")
    dyn_vars = "must be a bm.Variable, a bm.Base object or a list, tuple or dict of them, got 1 (int)"
    cases = [
        (TypeError, "for_loop: argument 'body' must be callable, got 3 (int)",
         lambda: bm.for_loop(3, bm.ones(2))),
        (TypeError, "for_loop: argument 'progress_bar' must be a bool, got 'yes'",
         lambda: bm.for_loop(lambda a: a, bm.ones(2), progress_bar="yes")),
        (ValueError, "for_loop: every operand must have the same length along the leading (loop) axis, "
                     "got shapes [(2,), (3,)]",
         lambda: bm.for_loop(lambda a, b: a, (bm.ones(2), bm.ones(3)))),
        (ValueError, "for_loop: argument 'operands' must be arrays with a leading axis to loop over, got "
                     "shapes [()]",
         lambda: bm.for_loop(lambda a: a, bm.asarray(1.0))),
        (TypeError, f"for_loop: argument 'dyn_vars' {dyn_vars}",
         lambda: bm.for_loop(lambda a: a, bm.ones(2), dyn_vars=[v, 1])),
        (TypeError, "while_loop: missing argument 'cond' (or BrainPy's name, 'cond_fun')",
         lambda: bm.while_loop(lambda i: i + 1, None, bm.asarray(0))),
        (TypeError, f"while_loop: argument 'dyn_vars' {dyn_vars}",
         lambda: bm.while_loop(lambda i: i + 1, lambda i: i < 3, bm.asarray(0), dyn_vars=1)),
        (TypeError, f"cond: argument 'pred' {scalar}",
         lambda: bm.cond(bm.ones(3) > 0, lambda: 1.0, lambda: 0.0)),
        (TypeError, f"ifelse: argument 'conditions[1]' {scalar}",
         lambda: bm.ifelse([True, bm.ones(3) > 0], [1.0, 2.0, 3.0])),
        (ValueError, "ifelse: 'branches' must have one more element than 'conditions' (the else branch): "
                     "got 1 condition(s) and 1 branch(es)",
         lambda: bm.ifelse([True], [1.0])),
        (TypeError, f"jit: argument 'dyn_vars' {dyn_vars}",
         lambda: bm.jit(lambda x: x, dyn_vars={"a": [v], "b": 1})),
    ]
    for error, message, call in cases:
        with pytest.raises(error) as info:
            call()
        assert str(info.value) == message
    assert v.tolist() == [0.0]


def test_while_loop_body_returning_another_number_of_operands(backend):
    with pytest.raises(TypeError) as info:
        bm.while_loop(lambda i, n: i + 1, lambda i, n: i < n, (bm.asarray(0), bm.asarray(3)))
    assert str(info.value) == ("while_loop: body returned 1 value(s) for 2 operand(s); it must return the "
                               "new operands (a tuple of 2 arrays), or None to keep them")


def count_to_three(i):
    return i + 1  # a bare value for the one operand of a tuple


def below_three(i):
    return i < 3


def test_while_loop_body_may_return_its_one_operand_bare(backend):
    (i,) = bm.while_loop(count_to_three, below_three, (bm.asarray(0),))
    assert int(i) == 3 and np.asarray(i).dtype == np.int32
