"""for_loop / while_loop / cond / ifelse on the JAX backend: tracing, Variables threaded, inside jit."""
import numpy as np
import pytest

pytest.importorskip("jax")

import jax  # noqa: E402

import brainpy_math as bm  # noqa: E402
from brainpy_math_jax import compiled  # noqa: E402

# Traces per model (by id). A global: jit refuses rebinding a model attribute, and checks the
# attributes it reads, so a counter on the model would itself cause retraces.
TRACES: dict[int, int] = {}


class Neuron(bm.Base):
    def __init__(self):
        super().__init__()
        self.v = bm.Variable(bm.zeros(2))
        self.spikes = bm.Variable(bm.zeros(2, dtype=bm.int32))
        TRACES[id(self)] = 0

    def update(self, current):
        TRACES[id(self)] += 1
        self.v.value = self.v * 0.5 + current
        fired = self.v > 1.0
        self.spikes += fired.astype(bm.int32)
        self.v.value = bm.where(fired, 0.0, self.v)
        return self.v.value


def _reference(currents):
    v, spikes, trace = np.zeros(2, np.float32), np.zeros(2, np.int32), []
    for c in currents:
        v = v * np.float32(0.5) + c
        spikes += v > 1.0
        v = np.where(v > 1.0, np.float32(0.0), v)
        trace.append(v.copy())
    return np.array(trace), v, spikes


def test_for_loop_records_a_trajectory_and_threads_variables():
    n = Neuron()
    currents = np.linspace(0.0, 1.5, 12, dtype=np.float32)[:, None] * np.ones(2, np.float32)
    trace = bm.for_loop(n.update, bm.asarray(currents))
    want_trace, want_v, want_spikes = _reference(currents)
    assert trace.shape == (12, 2) and type(trace) is bm.JaxArray
    np.testing.assert_allclose(trace.numpy(), want_trace, rtol=1e-6)
    np.testing.assert_allclose(n.v.numpy(), want_v, rtol=1e-6)
    assert n.spikes.tolist() == want_spikes.tolist() and n.spikes.dtype == np.int32


def test_for_loop_outside_jit_compiles_once_per_body():
    n = Neuron()
    currents = bm.ones((5, 2))
    bm.for_loop(n.update, currents)
    traces = TRACES[id(n)]
    bm.for_loop(n.update, currents)
    bm.for_loop(n.update, currents * 2)
    assert TRACES[id(n)] == traces                      # cached: no new trace of the body
    _, want_v, want_spikes = _reference(np.concatenate([np.ones((10, 2)), 2 * np.ones((5, 2))]).astype(np.float32))
    assert n.spikes.tolist() == want_spikes.tolist()
    np.testing.assert_allclose(n.v.numpy(), want_v)


def test_for_loop_inside_jit_with_several_operands_and_dict_outputs():
    acc = bm.Variable(bm.zeros(()))

    @bm.jit
    def run(xs, ys):
        def body(x, y):
            acc.value = acc + x * y
            return {"acc": acc.value, "x": x}
        return bm.for_loop(body, (xs, ys))

    out = run(bm.arange(4.0), bm.full(4, 2.0))
    assert out["acc"].tolist() == [0.0, 2.0, 6.0, 12.0] and out["x"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert float(acc) == 12.0
    run(bm.arange(4.0), bm.full(4, 2.0))
    assert float(acc) == 24.0


def test_for_loop_finds_written_variables_and_dyn_vars_preseeds_them():
    a, b = bm.Variable(bm.zeros(1)), bm.Variable(bm.zeros(1))

    def body(x):
        a.value = a + x
        b.value = b + 2 * x

    assert bm.for_loop(body, bm.ones(3), dyn_vars=[a]) is None
    assert a.tolist() == [3.0] and b.tolist() == [6.0]
    assert not isinstance(b.value, jax.core.Tracer)


def test_for_loop_progress_bar_advances(capsys):
    pytest.importorskip("tqdm")
    v = bm.Variable(bm.zeros(1))

    def body(x):
        v.value = v + x

    bm.for_loop(body, bm.ones(250), progress_bar=True)
    jax.effects_barrier()
    err = capsys.readouterr().err
    assert "250/250" in err and "100%" in err
    assert v.tolist() == [250.0]


def test_for_loop_errors():
    with pytest.raises(TypeError, match="body"):
        bm.for_loop(3, bm.ones(2))
    with pytest.raises(ValueError, match="leading"):
        bm.for_loop(lambda a, b: a, (bm.ones(2), bm.ones(3)))
    with pytest.raises(TypeError, match="progress_bar"):
        bm.for_loop(lambda a: a, bm.ones(2), progress_bar="yes")


def test_failing_body_leaves_concrete_values():
    v = bm.Variable(bm.ones(1))

    def body(x):
        v.value = v + x
        raise RuntimeError("in body")

    with pytest.raises(RuntimeError, match="in body"):
        bm.for_loop(body, bm.ones(3))
    assert v.tolist() == [1.0] and not isinstance(v.value, jax.core.Tracer)


def test_while_loop_operands_and_variables():
    count = bm.Variable(bm.zeros((), dtype=bm.int32))

    def body(i, total):
        count.value = count + 1
        return i + 1, total + i

    i, total = bm.while_loop(body, lambda i, total: i < 5, (bm.asarray(0), bm.asarray(0.0)))
    assert int(i) == 5 and float(total) == 10.0 and int(count) == 5
    assert int(bm.while_loop(lambda x: x * 2, lambda x: x < 100, bm.asarray(3))) == 192

    @bm.jit
    def inside(limit):
        return bm.while_loop(lambda x: x + 1.0, lambda x: x < limit, bm.asarray(0.0))

    assert float(inside(3.5)) == 4.0 and int(count) == 5


def test_while_loop_cond_must_not_write():
    v = bm.Variable(bm.zeros(()))

    def cond(x):
        v.value = v + 1.0
        return x < 3

    with pytest.raises(ValueError, match="cond must only read"):
        bm.while_loop(lambda x: x + 1, cond, bm.asarray(0))
    assert float(v) == 0.0


def test_cond_concrete_and_traced_predicates():
    v = bm.Variable(bm.zeros(()))

    def yes(x):
        v.value = v + x
        return x * 2

    def no(x):
        return x - 1

    assert float(bm.cond(True, yes, no, bm.asarray(3.0))) == 6.0 and float(v) == 3.0
    assert float(bm.cond(bm.asarray(False), yes, no, (bm.asarray(3.0),))) == 2.0

    @bm.jit
    def f(p, x):
        return bm.cond(p, yes, no, x)

    assert float(f(True, 1.0)) == 2.0 and float(v) == 4.0
    assert float(f(False, 1.0)) == 0.0 and float(v) == 4.0     # the other branch leaves v alone
    with pytest.raises(TypeError, match="scalar"):
        bm.cond(bm.ones(2) > 0, yes, no, bm.asarray(1.0))


def test_ifelse_branches_constants_and_variables():
    v = bm.Variable(bm.zeros(()))

    def big():
        v.value = v + 100.0
        return 2.0

    @bm.jit
    def classify(x):
        return bm.ifelse([x > 10, x > 0], [big, lambda: 1.0, 0.0])

    assert [float(classify(x)) for x in (20.0, 5.0, -1.0)] == [2.0, 1.0, 0.0]
    assert float(v) == 100.0
    assert float(bm.ifelse([False, True], [1.0, 2.0, 3.0])) == 2.0
    with pytest.raises(ValueError, match="one more"):
        bm.ifelse([True], [1.0])


def test_loops_nest_and_variables_flow_between_levels():
    inner_total = bm.Variable(bm.zeros(()))
    outer_count = bm.Variable(bm.zeros(()))

    def outer(x):
        def inner(y):
            inner_total.value = inner_total + y
        bm.for_loop(inner, bm.ones(3) * x)
        outer_count.value = outer_count + 1.0
        return inner_total.value

    out = bm.jit(lambda xs: bm.for_loop(outer, xs))(bm.arange(1.0, 4.0))
    assert out.tolist() == [3.0, 9.0, 18.0] and float(outer_count) == 3.0


def test_cache_of_loops_called_outside_jit_is_released_with_the_body():
    import gc
    import weakref
    before = len(compiled.CACHE)
    refs = []
    for k in range(5):
        v = bm.Variable(bm.zeros(1))

        def body(x, v=v):
            v.value = v + x

        bm.for_loop(body, bm.ones(2))
        refs.append(weakref.ref(body))
        del body
    gc.collect()
    assert all(r() is None for r in refs) and len(compiled.CACHE) <= before + 1


def test_while_loop_outside_jit_with_fresh_conditions_each_call():
    count = bm.Variable(bm.zeros((), dtype=bm.int32))

    def body(i):
        count.value = count + 1
        return i + 1

    for limit in (3, 5, 2):
        # a new lambda each call (it may reuse a collected one's id): never a stale compilation
        assert int(bm.while_loop(body, lambda i: i < limit, bm.asarray(0))) == limit
    assert int(count) == 10


def test_dyn_vars_may_name_a_base_object_as_on_numba():
    # dyn_vars follows one rule on every backend (brainpy_math._control_checks.collect_variables):
    # a Base object stands for its Variables.
    class Acc(bm.Base):
        def __init__(self):
            super().__init__()
            self.total = bm.Variable(bm.zeros(1))

    acc = Acc()

    def step(x):
        acc.total.value = acc.total + x
        return acc.total.value

    out = bm.for_loop(step, bm.arange(1.0, 4.0), dyn_vars=acc)
    assert out.ravel().tolist() == [1.0, 3.0, 6.0] and acc.total.tolist() == [6.0]
    add = bm.jit(lambda x: step(x), dyn_vars=[acc])
    add(1.0)
    assert acc.total.tolist() == [7.0]
    assert any(v is acc.total for v in add.compiled_variables)


def test_control_flow_accepts_the_compile_options_and_names_unknown_ones():
    x = bm.asarray(2.0)
    assert float(bm.cond(True, lambda a: a + 1, lambda a: a - 1, (x,), fastmath=True)) == 3.0
    assert float(bm.ifelse([False], [lambda: 1.0, lambda: 0.0], parallel=False)) == 0.0
    assert int(bm.while_loop(lambda i: i + 1, lambda i: i < 3, bm.asarray(0), cache=True)) == 3
    for call in (lambda: bm.cond(True, lambda: 1.0, lambda: 0.0, fastmaths=True),
                 lambda: bm.while_loop(lambda i: i + 1, lambda i: i < 3, bm.asarray(0), fastmaths=True),
                 lambda: bm.for_loop(lambda a: a, bm.ones(2), fastmaths=True)):
        with pytest.raises(TypeError, match=r"unknown option\(s\) \['fastmaths'\]; the compile options are"):
            call()


def test_while_loop_cond_returning_an_array_is_named():
    with pytest.raises(TypeError, match=r"while_loop: the value cond returns must be a scalar condition"):
        bm.while_loop(lambda x: x + 1, lambda x: x < 3, bm.zeros(2))
