"""Fused loops compiled for the shapes they fit, and what happens when a call brings other shapes.

The Numba backend compiles a fused run without its array-at-a-time fallback; operands that do not
fit the loop (broadcasting, other ranks) raise FusionMiss inside the compiled code, the Variables
are restored and the guarded variant (loop + fallback) is compiled and run. Also: bm.while_loop
compiled as one loop.
"""
from __future__ import annotations

import ast

import numpy as np
import pytest

pytest.importorskip("numba")

import brainpy_math as bm  # noqa: E402
from brainpy_math_numba import control_flow  # noqa: E402
from brainpy_math_numba.elementwise import FusionMiss  # noqa: E402
from brainpy_math_numba.jit.ir import walk_statements  # noqa: E402


@pytest.fixture(autouse=True)
def numba_backend():
    with bm.set_backend("numba"):
        yield


class TwoWrites(bm.Base):
    def __init__(self, n=64):
        super().__init__()
        self.a = bm.Variable(bm.zeros(n))
        self.b = bm.Variable(bm.ones(n))

    def update(self, x):
        self.a += 1.0                    # a run of its own: fits any call
        self.b.value = self.b * 0.5 + x  # x of shape (1,) broadcasts: the loop does not fit


def raises_fusion_miss(program) -> bool:
    return any(isinstance(s, ast.Raise) for f in program.functions for s in walk_statements(f.body))


def test_a_call_with_other_shapes_restores_then_runs_the_guarded_variant_once():
    model = TwoWrites()
    step = bm.jit(model.update)
    step(bm.ones(64))
    assert raises_fusion_miss(step._current.program)  # no array fallback compiled
    np.testing.assert_array_equal(np.asarray(model.a), np.ones(64, np.float32))
    step(bm.full(1, 2.0))  # broadcasting: FusionMiss, restore, guarded variant
    assert step._options.get("guarded") is True and not raises_fusion_miss(step._current.program)
    # a was incremented exactly once by the second call, although its loop ran before the miss
    np.testing.assert_array_equal(np.asarray(model.a), np.full(64, 2.0, np.float32))
    np.testing.assert_allclose(np.asarray(model.b), np.full(64, (1.0 * 0.5 + 1.0) * 0.5 + 2.0, np.float32))
    step(bm.ones(64))  # the guarded variant serves every shape from now on
    np.testing.assert_array_equal(np.asarray(model.a), np.full(64, 3.0, np.float32))


def test_eager_and_compiled_agree_across_a_fusion_miss():
    eager, compiled = TwoWrites(), TwoWrites()
    step = bm.jit(compiled.update)
    for x in (bm.ones(64), bm.full(1, 3.0), bm.arange(64).astype(bm.float32)):
        eager.update(x)
        step(x)
        np.testing.assert_allclose(np.asarray(compiled.a), np.asarray(eager.a))
        np.testing.assert_allclose(np.asarray(compiled.b), np.asarray(eager.b), rtol=1e-6)


def test_a_for_loop_body_with_other_shapes_is_run_again_guarded():
    eager, compiled = TwoWrites(), TwoWrites()
    xs = bm.ones((5, 1)) * 2.0  # each step's x has shape (1,)
    bm.for_loop(compiled.update, xs)
    for k in range(5):
        eager.update(xs[k])
    np.testing.assert_allclose(np.asarray(compiled.a), np.asarray(eager.a))
    np.testing.assert_allclose(np.asarray(compiled.b), np.asarray(eager.b), rtol=1e-6)


def test_fusion_miss_is_an_exception_users_never_see():
    model = TwoWrites()
    step = bm.jit(model.update)
    step(bm.ones(64))
    try:
        step(bm.ones((3, 64)))  # does not fit the Variable: the eager error, not FusionMiss
    except FusionMiss:  # pragma: no cover - the failure this test is about
        pytest.fail("FusionMiss escaped")
    except ValueError as error:
        assert "keeps its shape" in str(error)
    np.testing.assert_array_equal(np.asarray(model.a), np.ones(64, np.float32))  # restored


# ------------------------------------------------------------------------------------------ while_loop
def count_up(i, x):
    return i + 1, x * 2.0


def below_five(i, x):
    return i < 5


def test_while_loop_is_one_compiled_loop_with_the_python_loops_results():
    i, x = bm.while_loop(count_up, below_five, (bm.asarray(0), bm.ones(3)))
    compiled = [c for c in control_flow._whiles.values() if c is not None and c.usable]
    assert compiled, "the loop was not compiled"
    assert int(i) == 5 and i.dtype == np.int32 and x.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(x), np.full(3, 32.0, np.float32))


def half_step(i):
    return i + 0.5  # an int32 carry becomes float32: one compiled loop cannot hold it


def below_three(i):
    return i < 3


def test_while_loop_whose_carry_changes_type_runs_in_python():
    out = bm.while_loop(half_step, below_three, bm.asarray(0))
    assert float(out) == 3.0 and out.dtype == np.float32


class Counter(bm.Base):
    def __init__(self):
        super().__init__()
        self.total = bm.Variable(bm.zeros(2))

    def step(self, i):
        self.total.value = self.total + 1.0
        return i + 1

    def step_then_fail(self, i):
        self.total.value = self.total + 1.0
        return i + bm.ones(3)[i + 5]  # index out of bounds at i = 0 ... raises

    @staticmethod
    def below(i):
        return i < 3


def test_a_compiled_while_loop_writes_variables_and_restores_them_on_error():
    counter = Counter()
    assert int(bm.while_loop(counter.step, Counter.below, bm.asarray(0))) == 3
    np.testing.assert_array_equal(np.asarray(counter.total), [3.0, 3.0])
    with pytest.raises(IndexError):
        bm.while_loop(counter.step_then_fail, Counter.below, bm.asarray(0))
    np.testing.assert_array_equal(np.asarray(counter.total), [3.0, 3.0])
