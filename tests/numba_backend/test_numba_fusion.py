"""Loop fusion in generated code (brainpy_math_numba.jit.passes.fuse, materialize) and the float32
exp of fused loops.

What was generated is checked on the compiler's IR (helpers in ``_ir``: fused loops are loops over a
name of Role.INDEX, kernels the functions of Role.KERNEL), never on the spelling of ``.source``.
"""
from __future__ import annotations

import ast

import numpy as np
import pytest

pytest.importorskip("numba")

import numba  # noqa: E402

import brainpy_math as bm  # noqa: E402
from brainpy_math_numba import elementwise  # noqa: E402
from brainpy_math_numba.elementwise import exp_float32  # noqa: E402
from brainpy_math_numba.kernels import vector_product  # noqa: E402
from brainpy_math_numba.jit.ir import Kind, Role, walk_statements  # noqa: E402

from _ir import (array_fallbacks, array_name, assignments, called_functions, called_names, entry_of,  # noqa: E402
                 functions, fused_loops, has_role, kernels, nodes, program_of, symbol_calls, text)


@pytest.fixture(autouse=True)
def _numba():
    with bm.set_backend("numba"):
        yield


class Neurons(bm.Base):
    """A LIF-like update: a run of elementwise statements, with a where, an exp and a comparison."""

    def __init__(self, n, V0):
        super().__init__()
        self.V = bm.Variable(bm.asarray(V0, dtype=bm.float32))
        self.spike = bm.Variable(bm.zeros(n, dtype=bm.bool_))
        self.counter = bm.Variable(bm.zeros(n, dtype=bm.int32))

    def update(self, current):
        leak = 1.0 + current * 0.5
        V = self.V + (current - self.V) * bm.exp(-0.1 * leak)
        V = bm.where(self.counter > 0, self.V, V)
        spike = V >= -50.0
        self.spike = spike
        self.V = bm.where(spike, -60.0, V)
        self.counter = bm.where(~spike, bm.maximum(self.counter - 1, 0), 5)


def _reference_update(V, counter, current):
    V = V.astype(np.float64)
    leak = 1.0 + current * 0.5
    new = V + (current - V) * np.exp(-0.1 * leak)
    new = np.where(counter > 0, V, new)
    spike = new >= -50.0
    return np.where(spike, -60.0, new), spike, np.where(~spike, np.maximum(counter - 1, 0), 5)


def _run(fuse, V0, current, steps=3):
    model = Neurons(V0.shape[0], V0)
    step = bm.jit(model.update, fuse=fuse)
    for _ in range(steps):
        step(current)
    return model, step


def test_a_run_of_elementwise_statements_becomes_one_loop_with_the_array_version_as_fallback():
    V0 = np.linspace(-70, -45, 64).astype(np.float32)
    current = np.linspace(-5, 30, 64).astype(np.float32)
    model, step = _run(True, V0, current, steps=1)
    assert len(fused_loops(step)) == 1  # the whole update is one loop
    V, spike, counter = _reference_update(V0, np.zeros(64, np.int32), current)
    np.testing.assert_allclose(np.asarray(model.V), V, rtol=1e-6, atol=1e-4)
    np.testing.assert_array_equal(np.asarray(model.spike), spike)
    np.testing.assert_array_equal(np.asarray(model.counter), counter)
    assert model.V.dtype == np.float32 and model.counter.dtype == np.int32 and model.spike.dtype == np.bool_
    # ... with the array version kept: a length-1 current broadcasts, which the loop cannot do.
    model, step = _run(True, V0, current[:1], steps=1)
    (fallback,) = array_fallbacks(step)
    assert symbol_calls(step, lambda symbol: symbol.library == "where", fallback)
    assert len(fused_loops(step)) == 1
    V, spike, counter = _reference_update(V0, np.zeros(64, np.int32), current[:1])
    np.testing.assert_allclose(np.asarray(model.V), V, rtol=1e-6, atol=1e-4)
    np.testing.assert_array_equal(np.asarray(model.spike), spike)
    np.testing.assert_array_equal(np.asarray(model.counter), counter)


def test_fused_and_unfused_code_agree():
    V0 = np.linspace(-70, -45, 101).astype(np.float32)
    current = np.linspace(-5, 30, 101).astype(np.float32)
    fused, fused_step = _run(True, V0, current, steps=20)
    plain, plain_step = _run(False, V0, current, steps=20)
    assert fused_loops(fused_step) and not fused_loops(plain_step)
    # exp differs by at most 1 ulp between the fused loop's float32 exp and libm's expf.
    np.testing.assert_allclose(np.asarray(fused.V), np.asarray(plain.V), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(np.asarray(fused.spike), np.asarray(plain.spike))
    np.testing.assert_array_equal(np.asarray(fused.counter), np.asarray(plain.counter))


def test_broadcasting_and_other_shapes_take_the_array_branch():
    class Grid(bm.Base):
        def __init__(self):
            super().__init__()
            self.x = bm.Variable(bm.ones((3, 4)))
            self.y = bm.Variable(bm.ones(4))

        def update(self, row, scale):
            self.x = self.x * scale + row  # 2-D: not a fused loop at run time
            self.y = self.y * scale + row[:1]  # a length-1 operand broadcasts

    grid = Grid()
    row = np.arange(4, dtype=np.float32)
    bm.jit(grid.update)(row, 2.0)
    np.testing.assert_array_equal(np.asarray(grid.x), np.ones((3, 4)) * 2 + row)
    np.testing.assert_array_equal(np.asarray(grid.y), np.ones(4) * 2 + row[:1])


def test_overlapping_views_are_not_fused_element_by_element():
    """``a[...] = b + 1`` with ``a``, ``b`` overlapping views: NumPy reads all of ``b`` first."""
    class Shift(bm.Base):
        def __init__(self):
            super().__init__()
            self.v = bm.Variable(bm.zeros(8))

        def write(self, a, b):
            a[...] = b + 1.0

        def update(self):
            self.write(self.v[1:], self.v[:-1])

    shift = Shift()
    bm.jit(shift.update)()
    expected = np.zeros(8, np.float32)
    expected[1:] = expected[:-1] + 1  # [0, 1, 1, ...]; element by element it would be [0, 1, 2, ...]
    np.testing.assert_array_equal(np.asarray(shift.v), expected)


def test_a_local_used_after_the_run_keeps_its_array():
    class Model(bm.Base):
        def __init__(self):
            super().__init__()
            self.x = bm.Variable(bm.arange(5).astype(bm.float32))
            self.total = bm.Variable(bm.zeros(1))

        def update(self):
            y = self.x * 2.0
            self.x = y + 1.0
            self.total[0] = bm.sum(y)  # y is needed whole after the elementwise statements

    model = Model()
    bm.jit(model.update)()
    np.testing.assert_array_equal(np.asarray(model.x), np.arange(5) * 2.0 + 1)
    assert float(model.total[0]) == float(np.sum(np.arange(5) * 2.0))


def test_calls_that_are_not_elementwise_are_evaluated_once_before_the_loop():
    class Noisy(bm.Base):
        def __init__(self):
            super().__init__()
            self.V = bm.Variable(bm.zeros(1000))
            self.rng = bm.random.RandomState(3)

        def update(self):
            self.V = self.V * 0.5 + self.rng.normal(0.0, 1.0, size=1000)

    results = []
    for fuse in (True, False):
        model = Noisy()
        step = bm.jit(model.update, fuse=fuse)
        step()
        step()
        results.append(np.asarray(model.V).copy())
        assert has_role(step, Role.HOISTED) == fuse
        hoisted = assignments(step, Role.HOISTED)
        if fuse:  # the draw, assigned once before the loop, which reads its result element by element
            (draw,) = hoisted
            assert symbol_calls(step, lambda symbol: symbol.kind is Kind.RANDOM, draw.value)
            order = list(walk_statements(entry_of(step).body))
            (loop,) = fused_loops(step)
            assert order.index(draw) < order.index(loop)
            assert draw.targets[0].id in {n.id for n in nodes(loop) if isinstance(n, ast.Name)}
            assert not symbol_calls(step, lambda symbol: symbol.kind is Kind.RANDOM, loop)
    np.testing.assert_array_equal(results[0], results[1])  # the same draws, in the same order


def test_augmented_assignment_into_a_variable_is_fused():
    class Counter(bm.Base):
        def __init__(self):
            super().__init__()
            self.n = bm.Variable(bm.zeros(40, dtype=bm.int32))

        def update(self, k):
            self.n += k * 2

    counter = Counter()
    step = bm.jit(counter.update)
    step(np.arange(40, dtype=np.int32))
    step(np.arange(40, dtype=np.int32))
    assert len(fused_loops(step)) == 1
    np.testing.assert_array_equal(np.asarray(counter.n), 4 * np.arange(40))
    assert counter.n.dtype == np.int32


def test_exp_float32_is_within_one_ulp_and_handles_special_values():
    @numba.njit
    def fill(x, out):
        for i in range(x.shape[0]):
            out[i] = exp_float32(x[i])

    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-110, 95, 200_000), rng.uniform(-1, 1, 100_000),
                        np.linspace(-104.5, -85, 20_000)]).astype(np.float32)
    out = np.empty_like(x)
    fill(x, out)
    with np.errstate(over="ignore"):
        expected = np.exp(x.astype(np.float64)).astype(np.float32)
    finite = np.isfinite(expected)
    ulps = np.abs(out[finite].view(np.int32).astype(np.int64) - expected[finite].view(np.int32).astype(np.int64))
    assert ulps.max() <= 1
    np.testing.assert_array_equal(np.isinf(out), np.isinf(expected))
    special = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 88.72, 88.73, -103.97, -200.0], np.float32)
    got = np.empty_like(special)
    fill(special, got)
    with np.errstate(over="ignore"):
        want = np.exp(special.astype(np.float64)).astype(np.float32)
    np.testing.assert_array_equal(got, want)


def test_expm1_float32_is_within_two_ulp():
    from brainpy_math_numba.elementwise import expm1_float32

    @numba.njit
    def fill(x, out):
        for i in range(x.shape[0]):
            out[i] = expm1_float32(x[i])

    rng = np.random.default_rng(1)
    x = np.concatenate([rng.uniform(-110, 95, 100_000), rng.uniform(-2, 2, 100_000), rng.uniform(-1e-3, 1e-3, 10_000),
                        [0.0, -0.0, 1e-30, -1.0, 1.0]]).astype(np.float32)
    out = np.empty_like(x)
    fill(x, out)
    with np.errstate(over="ignore"):
        expected = np.expm1(x.astype(np.float64)).astype(np.float32)
    finite = np.isfinite(expected)
    ulps = np.abs(out[finite].view(np.int32).astype(np.int64) - expected[finite].view(np.int32).astype(np.int64))
    assert ulps.max() <= 2
    special = np.array([np.inf, -np.inf, np.nan], np.float32)
    got = np.empty_like(special)
    fill(special, got)
    np.testing.assert_array_equal(got, [np.inf, -1.0, np.nan])


def _exprel(x):
    small = bm.abs(x) < 1e-3
    safe = bm.where(small, 1.0, x)
    return bm.where(small, 1.0 + 0.5 * x, bm.expm1(safe) / safe)


def test_elementwise_helper_functions_are_called_one_element_at_a_time_inside_the_loop():
    class Gates(bm.Base):
        def __init__(self, n):
            super().__init__()
            self.m = bm.Variable(bm.linspace(0.0, 1.0, n))

        def rate(self, u):
            return 0.32 / _exprel(u * 0.25)

        def update(self, V):
            u = -63.0 - V
            self.m = self.m + 0.1 * (self.rate(u) * (1.0 - self.m) - self.m)

    V = np.linspace(-90, 30, 257).astype(np.float32)
    V[10] = -63.0 + 0.0  # u = 0: the series branch of exprel
    results = []
    for fuse in (True, False):
        gates = Gates(257)
        step = bm.jit(gates.update, fuse=fuse)
        step(V)
        results.append(np.asarray(gates.m).copy())
        if fuse:  # the bodies of rate and of _exprel are written into the loop, one element at a time
            (loop,) = fused_loops(step)
            assert called_functions(step, loop, purpose=None) == []  # no generated function left to call
            # _exprel's expm1, inside the loop: the float32 one-element version, called directly
            assert symbol_calls(step, lambda s: s.obj is elementwise.expm1_float32, where=loop)
            assert not symbol_calls(step, lambda s: s.obj is elementwise.expm1, where=loop)
    np.testing.assert_allclose(results[0], results[1], rtol=2e-6, atol=1e-7)
    m0 = np.linspace(0.0, 1.0, 257)
    x = (-63.0 - V.astype(np.float64)) * 0.25
    with np.errstate(invalid="ignore", divide="ignore"):
        exprel = np.where(np.abs(x) < 1e-3, 1.0 + 0.5 * x, np.expm1(x) / np.where(x == 0, 1.0, x))
    np.testing.assert_allclose(results[0], m0 + 0.1 * (0.32 / exprel * (1.0 - m0) - m0), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ elementwise arguments of calls
class Regression(bm.Base):
    """The seed's logistic-regression step: the elementwise chain is an argument of ``bm.dot``."""

    def __init__(self, dimension):
        super().__init__()
        self.w = bm.Variable(2.0 * bm.ones(dimension) - 1.3)

    def __call__(self, X, Y):
        u = bm.dot(((1.0 / (1.0 + bm.exp(-Y * bm.dot(X, self.w))) - 1.0) * Y), X)
        self.w[:] = self.w - u


def test_an_elementwise_argument_of_dot_is_computed_in_one_loop_into_a_new_array():
    rng = np.random.default_rng(3)
    X = rng.random((999, 10), dtype=np.float32)
    Y = rng.random(999, dtype=np.float32)
    results = []
    for fuse in (True, False):
        model = Regression(10)
        step = bm.jit(model, fuse=fuse)
        step(X, Y)
        results.append(np.asarray(model.w).copy())
        if fuse:
            # u = dot(m, X) with h = dot(X, w) computed first and m filled by one loop in the step itself:
            # the dtypes of X and Y are known from the call, so there is no kernel to choose at typing time.
            assert kernels(step) == [] and functions(step, "kernel") == []
            (materialized,) = assignments(step, Role.MATERIALIZED)
            m = materialized.targets[0].id
            assert text(materialized.value).startswith("np.empty(")
            (filling,) = [loop for loop in fused_loops(step) if any(
                isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store) and text(n.value) == m
                for n in ast.walk(loop))]
            read = {text(n.value) for n in ast.walk(filling) if isinstance(n, ast.Subscript) and
                    isinstance(n.ctx, ast.Load)}
            (hoisted,) = read - {"Y"}
            assert "Y" in read and set(called_names(filling)) <= {"range", "_bm_e_exp_float32"}
            assert symbol_calls(step, lambda symbol: symbol.obj is exp_float32, filling)
            (h,) = [a for a in assignments(step, Role.HOISTED) if a.targets[0].id == hoisted]
            (inner,) = symbol_calls(step, lambda symbol: symbol.library == "dot", h.value)
            assert [text(a) for a in inner.args] == ["X", array_name(step, model.w)]
            dots = symbol_calls(step, lambda symbol: symbol.library == "dot", entry_of(step))
            assert [[text(a) for a in c.args] for c in dots] == [["X", array_name(step, model.w)], [m, "X"]]
            # both products of known float32 arrays call the backend's loops directly (no np.dot to type)
            program = program_of(step)
            assert [program.symbol(c.func.id).obj for c in dots] == [
                vector_product(np.dtype(np.float32), (2, 1)), vector_product(np.dtype(np.float32), (1, 2))]
        else:
            assert kernels(step) == [] and functions(step, "kernel") == []
    assert results[0].dtype == results[1].dtype == np.float32
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5)
    w = 2.0 * np.ones(10) - 1.3
    expected = w - np.dot(((1.0 / (1.0 + np.exp(-Y * np.dot(X.astype(np.float64), w))) - 1.0) * Y), X)
    np.testing.assert_allclose(results[0], expected, rtol=1e-4)


class Reductions(bm.Base):
    def __init__(self):
        super().__init__()
        self.out = bm.Variable(bm.zeros(2))

    def update(self, a, b, scale):
        self.out[0] = bm.sum(a * scale + b)
        self.out[1] = bm.max(bm.abs(a - b))

    def product(self, a, b, scale):
        return bm.mean(bm.dot(a * 2.0, b) * scale)


@pytest.mark.parametrize("shapes", [((6,), (6,)), ((6,), (1,)), ((3, 6), (6,)), ((), ())],
                         ids=["1-D", "broadcast", "2-D", "scalars"])
def test_materialised_arguments_keep_numpy_shapes_and_broadcasting(shapes):
    """The loop runs for 1-D operands of one length: in the step itself where every operand's dtype is
    known from the call (``abs(a - b)``), in a kernel beside a Python scalar argument (``a * scale + b``);
    broadcasting (a FusionMiss, then the guarded variant), 2-D and scalar operands take the array
    kernels, and every case matches NumPy."""
    rng = np.random.default_rng(0)
    a = rng.random(shapes[0]).astype(np.float32)
    b = rng.random(shapes[1]).astype(np.float32)
    model = Reductions()
    step = bm.jit(model.update)
    step(a, b, 1.5)
    assert len(kernels(step)) == (1 if shapes == ((6,), (6,)) else 2)
    np.testing.assert_allclose(np.asarray(model.out), [np.sum(a * 1.5 + b), np.max(np.abs(a - b))], rtol=1e-5)


@pytest.mark.parametrize("shapes", [((6,), (6,)), ((3, 6), (6,))], ids=["1-D", "2-D"])
def test_a_call_inside_a_materialised_argument_gets_its_own_materialised_argument(shapes):
    rng = np.random.default_rng(1)
    a = rng.random(shapes[0]).astype(np.float32)
    b = rng.random(shapes[1]).astype(np.float32)
    product = bm.jit(Reductions().product)
    result = product(a, b, 1.5)
    # The mean's argument (dot(...) * scale, 0-d for vectors) and, unless a is a vector, the dot's.
    assert len(kernels(product)) == (1 if shapes == ((6,), (6,)) else 2)
    np.testing.assert_allclose(result, np.mean(np.dot(a * 2.0, b) * 1.5), rtol=1e-5)
    assert np.asarray(result).dtype == np.float32


def test_a_materialised_argument_raises_numpy_error_for_shapes_that_do_not_match():
    product = bm.jit(Reductions().product)
    with pytest.raises(ValueError):
        np.dot(np.ones(6, np.float32), np.ones(5, np.float32))
    with pytest.raises(ValueError):
        product(np.ones(6, np.float32), np.ones(5, np.float32), 1.0)


def test_a_materialised_integer_argument_keeps_numpy_dtype_and_overflow():
    class Ints(bm.Base):
        def __init__(self):
            super().__init__()
            self.peak = bm.Variable(bm.zeros(1, dtype=bm.int32))

        def update(self, a, b):
            self.peak[0] = bm.max(a * b + 1)
            return bm.max(a * b + 1)

    a = np.array([3, 50_000, -7], np.int32)
    b = np.array([2, 50_000, 9], np.int32)  # 50_000**2 wraps around in int32, as in NumPy
    with np.errstate(over="ignore"):
        expected = np.max(a * b + np.int32(1))
    for fuse in (True, False):
        model = Ints()
        step = bm.jit(model.update, fuse=fuse)
        result = step(a, b)
        assert bool(kernels(step)) == fuse
        assert np.asarray(result).dtype == expected.dtype == np.int32
        assert int(result) == int(expected) == int(np.asarray(model.peak)[0])


def test_arguments_are_not_materialised_where_that_would_reorder_or_add_work():
    """A statement with a random draw (its order in the stream matters) or a conditional
    expression (the argument may not be evaluated at all) keeps its calls as they are."""
    class Guarded(bm.Base):
        def __init__(self):
            super().__init__()
            self.total = bm.Variable(bm.zeros(2))

        def update(self, x, flag):
            self.total[0] = bm.sum(bm.random.uniform(size=x.shape[0]) * x)
            self.total[1] = bm.sum(x * 2.0) if flag else 0.0

    model = Guarded()
    step = bm.jit(model.update)
    x = np.ones(5, np.float32)
    step(x, False)
    assert kernels(step) == []
    assert np.asarray(model.total)[1] == 0.0
    step(x, True)
    assert np.asarray(model.total)[1] == 10.0


class _DoubleThenShift(bm.Base):
    def __init__(self):
        super().__init__()
        self.a = bm.Variable(bm.arange(40.0))

    def update(self, view):
        self.a[...] = self.a * 2.0
        shifted = bm.sum(view) + self.a  # sum(view) moves before the loop, after the write above
        self.a[...] = shifted - 1.0


@pytest.mark.parametrize("aliased", [False, True])
def test_a_call_moved_before_the_loop_sees_the_writes_it_followed(aliased):
    """``bm.sum(view)`` runs before the fused loop although the statement before it writes
    ``self.a``: when ``view`` shares memory with ``self.a`` (known only at run time), the array
    code runs instead, and the sum sees the doubled values as NumPy's order of statements says."""
    model = _DoubleThenShift()
    other = np.arange(40.0, dtype=np.float32) + 100.0
    view = model.a.value[2:5] if aliased else other[2:5]
    step = bm.jit(model.update)
    step(view)
    separations = symbol_calls(step, lambda symbol: symbol.obj is elementwise.separate)
    assert [[text(a) for a in c.args] for c in separations] == [[array_name(step, model.a), "view"]]
    assert len(fused_loops(step)) == 1
    doubled = np.arange(40.0) * 2.0
    total = doubled[2:5].sum() if aliased else other[2:5].sum()
    np.testing.assert_allclose(np.asarray(model.a), doubled + total - 1.0)


def test_a_loop_fixed_at_a_few_elements_by_a_variable_is_not_fused_when_guarded():
    """A 2-D Variable cannot be looped over: the array code stays. A Variable of 4 elements is one
    short pass (fused: compiling the array code instead costs more); in the guarded variant, whose
    run-time checks would cost more than the passes saved, it stays array code."""
    class Small(bm.Base):
        def __init__(self, shape):
            super().__init__()
            self.x = bm.Variable(bm.zeros(shape))

        def update(self, k):
            self.x += k * 2.0

    for shape, fused, guarded in (((4,), True, False), ((4,), False, True), ((3, 40), False, False),
                                  ((40,), True, False), ((40,), True, True)):
        model = Small(shape)
        step = bm.jit(model.update)
        step._options["guarded"] = guarded  # what a FusionMiss switches on
        step(1.0)
        assert bool(fused_loops(step)) == fused, (shape, guarded)
        np.testing.assert_array_equal(np.asarray(model.x), np.full(shape, 2.0))


def test_a_value_stored_in_the_loop_is_read_back_as_stored():
    """A later statement of the run reads the element the loop just stored, cast to the array's
    dtype: int32 wraps around as NumPy's int32 arithmetic does (Numba computes it in int64)."""
    class Wrap(bm.Base):
        def __init__(self):
            super().__init__()
            self.n = bm.Variable(bm.full(40, 2**31 - 1, dtype=bm.int32))
            self.k = bm.Variable(bm.ones(40, dtype=bm.int32))
            self.half = bm.Variable(bm.zeros(40, dtype=bm.int32))

        def update(self):
            self.n = self.n + self.k
            self.half = self.n // 2

    model = Wrap()
    step = bm.jit(model.update)
    step()
    assert len(fused_loops(step)) == 1
    with np.errstate(over="ignore"):
        n = np.full(40, 2**31 - 1, np.int32) + np.ones(40, np.int32)
    np.testing.assert_array_equal(np.asarray(model.n), n)
    np.testing.assert_array_equal(np.asarray(model.half), n // 2)
