"""Inlining of generated functions into their callers (brainpy_math_numba.jit.passes.inline), before
fusion, checked on the compiler's IR (helpers in ``_ir``)."""
from __future__ import annotations

import ast

import numpy as np
import pytest

pytest.importorskip("numba")

import brainpy_math as bm  # noqa: E402

from _ir import called_functions, entry_of, functions_of, fused_loops, nodes, text  # noqa: E402


@pytest.fixture(autouse=True)
def _numba():
    with bm.set_backend("numba"):
        yield


class Decay(bm.Base):
    def __init__(self, n, factor):
        super().__init__()
        self.factor = factor
        self.g = bm.Variable(bm.zeros(n))

    def update(self, drive):
        self.g = self.g * self.factor + drive


class Cell(bm.Base):
    def __init__(self, n):
        super().__init__()
        self.V = bm.Variable(bm.linspace(-70.0, -40.0, n))
        self.spike = bm.Variable(bm.zeros(n, dtype=bm.bool_))

    def update(self, g_a, g_b):
        V = self.V + 0.1 * (g_a - g_b - (self.V + 60.0))
        spike = V >= -50.0
        self.spike = spike
        self.V = bm.where(spike, -65.0, V)


class Net(bm.Base):
    def __init__(self, n):
        super().__init__()
        self.a, self.b = Decay(n, 0.9), Decay(n, 0.8)
        self.cell = Cell(n)

    def update(self, drive):
        spike = self.cell.spike
        self.a.update(drive * 2.0)  # an argument that is an expression: evaluated once, first
        self.b.update(bm.where(spike, 1.0, 0.0))
        self.cell.update(self.a.g, self.b.g)
        return bm.sum(self.cell.spike)


def _reference(n, drive, steps):
    g_a, g_b = np.zeros(n, np.float32), np.zeros(n, np.float32)
    V, spike = np.linspace(-70.0, -40.0, n).astype(np.float32), np.zeros(n, bool)
    counts = []
    for _ in range(steps):
        g_a = g_a * np.float32(0.9) + drive * np.float32(2.0)
        g_b = g_b * np.float32(0.8) + np.where(spike, np.float32(1.0), np.float32(0.0))
        new = V + np.float32(0.1) * (g_a - g_b - (V + np.float32(60.0)))
        spike = new >= -50.0
        V = np.where(spike, np.float32(-65.0), new)
        counts.append(int(spike.sum()))
    return V, counts


def test_the_children_of_a_network_run_in_one_loop_of_the_caller():
    n = 64
    drive = np.linspace(0.0, 3.0, n).astype(np.float32)
    results = []
    for fuse in (True, False):
        net = Net(n)
        step = bm.jit(net.update, fuse=fuse)
        counts = [int(step(drive)) for _ in range(30)]
        results.append((np.asarray(net.cell.V).copy(), counts))
        if fuse:
            entry = entry_of(step)
            assert called_functions(step, entry) == []  # the children's calls are gone
            assert len(fused_loops(step, entry)) == 1
            # the alias `spike = <the array of self.cell.spike>` went too
            assigned = {n.id for n in nodes(entry) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            assert "spike" not in assigned
    V, counts = _reference(n, drive, 30)
    assert results[0][1] == results[1][1] == counts
    np.testing.assert_allclose(results[0][0], V, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6)


class Rebinds(bm.Base):
    def __init__(self):
        super().__init__()
        self.total = bm.Variable(bm.zeros(40))

    def add(self, x):
        x = x * 2.0  # rebinds the parameter: the caller's array is untouched
        self.total += x

    def update(self, x):
        self.add(x)
        self.add(x)
        return x


def test_a_callee_rebinding_its_parameter_leaves_the_caller_variable_alone():
    model = Rebinds()
    step = bm.jit(model.update)
    x = np.arange(40, dtype=np.float32)
    returned = step(x)
    assert called_functions(step, entry_of(step)) == []  # both calls of add are inlined
    np.testing.assert_array_equal(np.asarray(returned), np.arange(40))
    np.testing.assert_array_equal(np.asarray(model.total), 4.0 * np.arange(40))


class Branches(bm.Base):
    def __init__(self):
        super().__init__()
        self.x = bm.Variable(bm.zeros(40))

    def child(self, k):
        if k > 0:
            self.x += 1.0
        else:
            self.x -= 1.0

    def update(self, k):
        self.child(k)
        self.child(k)


def test_a_callee_with_control_flow_stays_a_call():
    model = Branches()
    step = bm.jit(model.update)
    step(1)
    step(-1)
    step(1)
    child = functions_of(step, Branches.child.__qualname__)
    calls = [c for c in nodes(entry_of(step)) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)
             and c.func.id in {f.name for f in child}]
    assert [text(c.args[0]) for c in calls] == ["k", "k"]  # called twice, not inlined
    np.testing.assert_array_equal(np.asarray(model.x), np.full(40, 2.0))


class RungeKutta(bm.Base):
    """Izhikevich neurons, one RK4 step: the derivative returns a tuple of two elementwise values."""

    def __init__(self, n):
        super().__init__()
        self.V = bm.Variable(bm.linspace(-70.0, -50.0, n))
        self.u = bm.Variable(bm.zeros(n))

    def derivative(self, V, u, I):
        return 0.04 * V * V + 5.0 * V + 140.0 - u + I, 0.02 * (0.2 * V - u)

    def update(self, I):
        k1V, k1u = self.derivative(self.V.value, self.u.value, I)
        k2V, k2u = self.derivative(self.V + 0.05 * k1V, self.u + 0.05 * k1u, I)
        k3V, k3u = self.derivative(self.V + 0.05 * k2V, self.u + 0.05 * k2u, I)
        k4V, k4u = self.derivative(self.V + 0.1 * k3V, self.u + 0.1 * k3u, I)
        self.V = self.V + 0.1 / 6.0 * (k1V + 2.0 * k2V + 2.0 * k3V + k4V)
        self.u = self.u + 0.1 / 6.0 * (k1u + 2.0 * k2u + 2.0 * k3u + k4u)


class ManyGates(bm.Base):
    def __init__(self, n, count=12):
        super().__init__()
        self.gates = [bm.Variable(bm.full(n, float(k))) for k in range(count)]

    def update(self, I):
        drive = 0.5 * I
        for k, gate in enumerate(self.gates):
            gate.value = gate * (0.9 - 0.05 * k) + drive


class RungeKuttaWithState(bm.Base):
    """RK2 whose derivative reads a Variable: it has no one-element version, its calls stay calls,
    and the two pairs of arrays they return are operands of unknown extent for the run after them."""

    def __init__(self, n):
        super().__init__()
        self.V = bm.Variable(bm.linspace(-70.0, -50.0, n))
        self.u = bm.Variable(bm.zeros(n))
        self.a = bm.Variable(bm.full(n, 0.02))

    def derivative(self, V, u, I):
        return 0.04 * V * V + 5.0 * V + 140.0 - u + I, self.a * (0.2 * V - u)

    def update(self, I):
        k1V, k1u = self.derivative(self.V.value, self.u.value, I)
        k2V, k2u = self.derivative(self.V + 0.1 * k1V, self.u + 0.1 * k1u, I)
        self.V = self.V + 0.05 * (k1V + k2V)
        self.u = self.u + 0.05 * (k1u + k2u)


class TwoChildren(bm.Base):
    def __init__(self, n):
        super().__init__()
        self.rk, self.gates = RungeKuttaWithState(n), ManyGates(n)

    def update(self, I):
        self.rk.update(I)
        self.gates.update(I)


def test_children_too_many_to_check_as_one_run_are_fused_one_loop_each():
    # As one run, the RK tail and the gates write 14 arrays and read 5 of unknown extent (I and the
    # k's): 70 overlap checks, over the budget of one loop. The run is cut between the children (no
    # local crosses there), and each part is a loop; before, the whole run stayed array code.
    n, steps = 48, 5
    drive = np.linspace(0.0, 2.0, n).astype(np.float32)
    net = TwoChildren(n)
    step = bm.jit(net.update)
    for _ in range(steps):
        step(drive)
    loops = fused_loops(step, entry_of(step))
    assert len(loops) == 2
    stores = [sum(isinstance(t, ast.Subscript) for s in nodes(loop) if isinstance(s, ast.Assign) for t in s.targets)
              for loop in loops]
    assert stores == [2, 12]  # V and u in the first loop, every gate in the second
    V, u, I = np.linspace(-70.0, -50.0, n), np.zeros(n), drive.astype(np.float64)
    gates = [np.full(n, float(k)) for k in range(12)]
    for _ in range(steps):
        k1V, k1u = 0.04 * V * V + 5.0 * V + 140.0 - u + I, 0.02 * (0.2 * V - u)
        V2, u2 = V + 0.1 * k1V, u + 0.1 * k1u
        k2V, k2u = 0.04 * V2 * V2 + 5.0 * V2 + 140.0 - u2 + I, 0.02 * (0.2 * V2 - u2)
        V, u = V + 0.05 * (k1V + k2V), u + 0.05 * (k1u + k2u)
        gates = [g * (0.9 - 0.05 * k) + 0.5 * I for k, g in enumerate(gates)]
    np.testing.assert_allclose(net.rk.V, V, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(net.rk.u, u, rtol=1e-5, atol=1e-5)
    for got, want in zip(net.gates.gates, gates):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def _rk4_reference(V, u, I, steps):
    def derivative(V, u):
        return 0.04 * V * V + 5.0 * V + 140.0 - u + I, 0.02 * (0.2 * V - u)
    for _ in range(steps):
        k1V, k1u = derivative(V, u)
        k2V, k2u = derivative(V + 0.05 * k1V, u + 0.05 * k1u)
        k3V, k3u = derivative(V + 0.05 * k2V, u + 0.05 * k2u)
        k4V, k4u = derivative(V + 0.1 * k3V, u + 0.1 * k3u)
        V, u = V + 0.1 / 6.0 * (k1V + 2.0 * k2V + 2.0 * k3V + k4V), u + 0.1 / 6.0 * (k1u + 2.0 * k2u + 2.0 * k3u + k4u)
    return V, u


def test_a_helper_returning_a_tuple_is_written_into_the_loop():
    # `k1V, k1u = self.derivative(V, u, I)`: BrainPy's way of writing an ODE system. The helper's
    # one-element body goes into the loop once per call, its two results scalars: the RK4 step is
    # one loop with no call left (before, each call was an array call and the run stopped there).
    n = 40
    drive = np.linspace(0.0, 10.0, n).astype(np.float32)
    results = []
    for fuse in (True, False):
        rk = RungeKutta(n)
        step = bm.jit(rk.update, fuse=fuse)
        for _ in range(20):
            step(drive)
        results.append((np.asarray(rk.V).copy(), np.asarray(rk.u).copy()))
        if fuse:
            entry = entry_of(step)
            assert called_functions(step, entry) == []
            assert len(fused_loops(step, entry)) == 1
            assert rk.V.dtype == np.float32 and rk.u.dtype == np.float32
    V, u = _rk4_reference(np.linspace(-70.0, -50.0, n), np.zeros(n), drive.astype(np.float64), 20)
    for got, plain, want in zip(results[0], results[1], (V, u)):
        np.testing.assert_allclose(got, plain, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


class TupleOfMixedResults(bm.Base):
    """A helper whose tuple holds a parameter as it came and a comparison; one result is used
    after the run (it stays an array), the other only inside it."""

    def __init__(self, n):
        super().__init__()
        self.x = bm.Variable(bm.arange(n, dtype=bm.float32))
        self.flags = bm.Variable(bm.zeros(n, dtype=bm.bool_))

    def split(self, x, limit):
        return x, x > limit

    def update(self, limit):
        same, above = self.split(self.x * 2.0, limit)
        self.flags = above
        self.x = bm.where(above, 0.0, same)
        return same


def test_a_tuple_result_used_after_the_run_keeps_its_array():
    n = 16
    model = TupleOfMixedResults(n)
    step = bm.jit(model.update)
    returned = step(10.0)
    doubled = np.arange(n, dtype=np.float32) * 2.0
    want = (doubled, np.where(doubled > 10.0, 0.0, doubled).astype(np.float32), doubled > 10.0)
    for got, w in zip((returned, model.x, model.flags), want):
        np.testing.assert_array_equal(got, w)
        assert np.asarray(got).dtype == w.dtype
    assert len(fused_loops(step, entry_of(step))) == 1
