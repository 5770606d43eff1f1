"""bm.jit on the JAX backend: objects, methods, functions, state write-back, caching, safety."""
import gc
import warnings
import weakref

import numpy as np
import pytest

pytest.importorskip("jax")

import jax  # noqa: E402

import brainpy_math as bm  # noqa: E402
from brainpy_math_jax import compiled  # noqa: E402
from brainpy_math_jax.tracking import NonVariableMutationError  # noqa: E402

# Traces per model (by id). A global: jit refuses rebinding a model attribute, and checks the
# attributes it reads, so a counter on the model would itself cause retraces.
TRACES: dict[int, int] = {}


class Counter(bm.Base):
    def __init__(self, n=3):
        super().__init__()
        self.count = bm.Variable(bm.zeros(n))
        TRACES[id(self)] = 0

    def __call__(self, inc):
        TRACES[id(self)] += 1
        self.count += inc
        return self.count * 2

    def update(self, inc):
        TRACES[id(self)] += 1
        self.count.value = self.count + inc


# ---------------------------------------------------------------------------------- call forms
def test_object_call_writes_back_and_returns():
    c = Counter()
    step = bm.jit(c)
    out = step(1.0)
    out = step(2.0)
    np.testing.assert_allclose(c.count.numpy(), [3.0, 3.0, 3.0])
    np.testing.assert_allclose(np.asarray(out), [6.0, 6.0, 6.0])
    assert type(out) is bm.JaxArray and type(c.count).__name__ == "Variable"
    assert TRACES[id(c)] == 1


def test_bound_method_and_class_body_decorator():
    c = Counter()
    update = bm.jit(c.update)
    update(1.0)
    update(1.0)
    assert c.count.tolist() == [2.0, 2.0, 2.0] and TRACES[id(c)] == 1

    class Model(bm.Base):
        def __init__(self):
            super().__init__()
            self.v = bm.Variable(bm.zeros(2))

        @bm.jit
        def step(self, x):
            self.v.value = self.v + x

    m, other = Model(), Model()
    m.step(1.0)
    m.step(2.0)
    other.step(5.0)
    assert m.v.tolist() == [3.0, 3.0] and other.v.tolist() == [5.0, 5.0]
    assert m.step is m.step and list(m.vars().values()) == [m.v]


def test_function_with_dyn_vars_and_decorator_forms():
    v = bm.Variable(bm.zeros(2))

    @bm.jit(dyn_vars=v)
    def add(x):
        v.value = v + x
        return v.value

    add(bm.ones(2))
    assert add(bm.ones(2)).tolist() == [2.0, 2.0] and v.tolist() == [2.0, 2.0]

    @bm.jit
    def pure(x):
        return x + 1

    assert pure(bm.zeros(2)).tolist() == [1.0, 1.0]


def test_closure_variables_are_discovered_without_dyn_vars():
    v = bm.Variable(bm.zeros(1))
    w = bm.Variable(bm.ones(1))

    @bm.jit
    def step():
        v.value = v + w          # w is only read: still an input, not a frozen constant

    step()
    w.value = bm.full(1, 5.0)    # a write outside jit between calls
    step()
    assert v.tolist() == [6.0]
    assert {id(x) for x in step.compiled_variables} == {id(v), id(w)}


def test_pytree_arguments_and_results():
    @bm.jit
    def f(params, x):
        return {"y": params["w"] * x + params["b"], "n": x.sum()}

    out = f({"w": bm.ones(3), "b": bm.zeros(3)}, bm.arange(3.0))
    assert out["y"].tolist() == [0.0, 1.0, 2.0] and float(out["n"]) == 3.0


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="argument 'f'"):
        bm.jit(42)
    with pytest.raises(TypeError, match="static_argnums"):
        bm.jit(lambda x: x, static_argnums="a")
    with pytest.raises(TypeError, match="dyn_vars"):
        bm.jit(lambda x: x, dyn_vars=[bm.ones(2)])
    with pytest.raises(TypeError, match="__call__"):
        bm.jit(bm.Base())


# ------------------------------------------------------------------------------ recompilation
def test_same_shapes_do_not_retrace_static_and_shape_changes_do():
    traces = []

    @bm.jit(static_argnums=1, static_argnames="scale")
    def f(x, power, scale=1.0):
        traces.append(power)
        return (x ** power) * scale

    f(bm.ones(3), 2)
    f(bm.ones(3) * 2, 2)
    assert len(traces) == 1
    assert f(bm.ones(3) * 2, 3).tolist() == [8.0] * 3 and len(traces) == 2
    f(bm.ones(3), 3, scale=2.0)
    assert len(traces) == 3
    f(bm.ones(4), 3, scale=2.0)          # a new shape
    assert len(traces) == 4


def test_variable_shape_change_retraces():
    compiled.PROGRAMS.clear()  # programs are shared by instances alike: count this one's
    c = Counter(3)
    step = bm.jit(c)
    step(1.0)
    step(1.0)
    assert TRACES[id(c)] == 1
    c.count = bm.Variable(bm.zeros(5))   # rebinding the attribute to a Variable of another shape
    step(1.0)
    assert TRACES[id(c)] == 2 and c.count.tolist() == [1.0] * 5


def test_rejitting_the_same_object_reuses_the_compiled_code():
    compiled.PROGRAMS.clear()  # programs are shared by instances alike: count this one's
    c = Counter()
    bm.jit(c)(1.0)
    bm.jit(c)(1.0)
    bm.jit(c.update)(1.0)
    bm.jit(c.update)(1.0)
    assert TRACES[id(c)] == 2 and c.count.tolist() == [4.0] * 3


# ------------------------------------------------------------------------- state correctness
def test_failing_trace_leaves_concrete_values_and_next_call_works():
    class Faulty(bm.Base):
        def __init__(self):
            super().__init__()
            self.a = bm.Variable(bm.ones(2))
            self.fail = True

        def __call__(self, x):
            self.a.value = self.a * x
            other.value = other + x           # a Variable outside the object, written before failing
            if self.fail:
                raise RuntimeError("boom")
            return self.a.value

    other = bm.Variable(bm.zeros(2))
    model = Faulty()
    step = bm.jit(model)
    with pytest.raises(RuntimeError, match="boom"):
        step(3.0)
    for var in (model.a, other):
        assert not isinstance(var.value, jax.core.Tracer)
    assert model.a.tolist() == [1.0, 1.0] and other.tolist() == [0.0, 0.0]
    model.fail = False
    assert step(3.0).tolist() == [3.0, 3.0] and other.tolist() == [3.0, 3.0]


def test_two_jitted_objects_sharing_a_variable_see_each_others_writes():
    shared = bm.Variable(bm.zeros(1))

    class Writer(bm.Base):
        def __init__(self, var, inc):
            super().__init__()
            self.var, self.inc = var, inc

        def __call__(self):
            self.var.value = self.var + self.inc
            return self.var.value

    a, b = bm.jit(Writer(shared, 1.0)), bm.jit(Writer(shared, 10.0))
    a()
    b()
    assert a().tolist() == [12.0] and b().tolist() == [22.0] and shared.tolist() == [22.0]


def test_variable_first_touched_on_a_later_call_is_tracked():
    hidden = bm.Variable(bm.zeros(1))

    @bm.jit(static_argnums=0)
    def step(touch_hidden):
        if touch_hidden:                  # not taken on the first call
            hidden.value = hidden + 1.0
        return hidden.value

    step(False)
    step(True)
    step(True)
    assert hidden.tolist() == [2.0]
    hidden.value = bm.full(1, 10.0)
    assert step(False).tolist() == [10.0]     # read, not a constant frozen at the first trace


def test_variable_added_to_the_object_after_the_first_call_is_tracked():
    class Growing(bm.Base):
        def __init__(self):
            super().__init__()
            self.a = bm.Variable(bm.zeros(1))

        def __call__(self):
            self.a += 1.0
            if hasattr(self, "b"):
                self.b += 1.0

    g = Growing()
    step = bm.jit(g)
    step()
    g.b = bm.Variable(bm.zeros(1))
    step()
    step()
    assert g.a.tolist() == [3.0] and g.b.tolist() == [2.0]


def test_writes_outside_jit_between_calls_are_seen():
    c = Counter(2)
    step = bm.jit(c)
    step(1.0)
    c.count.value = bm.full(2, 100.0)
    c.count[0] = -1.0
    step(1.0)
    assert c.count.tolist() == [0.0, 101.0]


def test_top_level_array_argument_mutated_inside_is_written_back():
    @bm.jit
    def bump(x):
        x += 1.0
        return x * 2

    x = bm.zeros(2)
    assert bump(x).tolist() == [2.0, 2.0]
    assert x.tolist() == [1.0, 1.0]           # as NumPy would have it


def test_variable_arguments_are_read_and_written_back():
    @bm.jit
    def scale(v, factor):
        v *= factor
        return v.sum()

    v = bm.Variable(bm.ones(3))
    assert float(scale(v, 2.0)) == 6.0 and v.tolist() == [2.0] * 3
    assert float(scale(v, 2.0)) == 12.0 and isinstance(v, bm.Variable)

    @bm.jit
    def total(state):
        return state["a"].sum() + state["b"].sum()

    assert float(total({"a": bm.Variable(bm.ones(2)), "b": bm.Variable(bm.ones(1))})) == 3.0


# ---------------------------------------------------------------------- non-Variable mutation
class WithPlainArray(bm.Base):
    def __init__(self):
        super().__init__()
        self.buffer = bm.zeros(2)              # a plain JaxArray, not a Variable

    def __call__(self, x):
        self.buffer[0] = x
        return x


def test_mutating_a_plain_array_attribute_raises_naming_it():
    model = WithPlainArray()
    with pytest.raises(NonVariableMutationError, match=r"attribute '.*\.buffer'.*bm.Variable"):
        bm.jit(model)(1.0)
    assert model.buffer.tolist() == [0.0, 0.0] and not isinstance(model.buffer.value, jax.core.Tracer)


def test_mutating_a_captured_or_global_plain_array_raises_naming_it():
    captured = bm.zeros(2)

    def f(x):
        captured[1] = x

    with pytest.raises(NonVariableMutationError, match="'captured'"):
        bm.jit(f)(1.0)

    with pytest.raises(NonVariableMutationError, match="global 'GLOBAL_PLAIN'"):
        bm.jit(_write_global)(1.0)
    assert captured.tolist() == [0.0, 0.0] and GLOBAL_PLAIN.tolist() == [0.0]


GLOBAL_PLAIN = bm.asarray(np.zeros(1, np.float32))


def _write_global(x):
    GLOBAL_PLAIN[0] = x


def test_mutating_arrays_made_inside_or_nested_arguments():
    @bm.jit
    def local(x):
        buf = bm.zeros(3)                      # made inside: may be mutated
        buf[1] = x
        return buf

    assert local(2.0).tolist() == [0.0, 2.0, 0.0]

    @bm.jit
    def nested(d):
        d["a"][0] = 1.0

    with pytest.raises(NonVariableMutationError, match="nested inside an argument"):
        nested({"a": bm.zeros(2)})


# ------------------------------------------------------------------------------- memory bound
def test_rejitting_fresh_closures_in_a_loop_releases_them():
    refs = []
    before = len(compiled.CACHE)
    for p in range(30):
        def f(x, p=p):
            return x * p
        step = bm.jit(f)
        step(bm.ones(2))
        # the closure, our compiled variant, and the pure function handed to jax.jit (JAX's own
        # caches hold it weakly): all must go with the closure
        refs.append((weakref.ref(f), weakref.ref(step._core), weakref.ref(step._core.compiled.__wrapped__)))
        del f, step
    gc.collect()
    assert all(r() is None for pair in refs for r in pair)
    assert len(compiled.CACHE) <= before + 1


def test_cache_per_object_is_bounded_and_released_with_the_object():
    c = Counter()
    core_refs = []
    for k in range(compiled.MAX_CORES_PER_OWNER + 5):
        bm.jit(c.update, static_argnames=f"unused{k}")
        core_refs.append(weakref.ref(bm.jit(c.update, static_argnames=f"unused{k}")._core))
    gc.collect()
    assert sum(r() is not None for r in core_refs) <= compiled.MAX_CORES_PER_OWNER
    del c
    gc.collect()
    assert all(r() is None for r in core_refs)


# -------------------------------------------------------------------------------------- misc
def test_nested_jit_and_grad_inside_jit():
    v = bm.Variable(bm.ones(2))
    inner = bm.jit(lambda x: x * v)

    @bm.jit
    def outer(x):
        g = bm.grad(lambda y: (inner(y) ** 2).sum())(x)
        v.value = v + 1.0
        return g

    g = outer(bm.ones(2))
    assert g.tolist() == [2.0, 2.0] and v.tolist() == [2.0, 2.0]
    assert outer(bm.ones(2)).tolist() == [8.0, 8.0]


def test_default_random_state_advances_inside_jit():
    @bm.jit
    def draw():
        return bm.random.uniform(size=3)

    a, b = draw(), draw()
    assert not np.allclose(a.numpy(), b.numpy())


def test_donate_vars_gives_the_same_results():
    c = Counter()
    step = bm.jit(c, donate_vars=True)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*donated.*")   # CPU cannot reuse buffers
        step(1.0)
        step(1.0)
    assert c.count.tolist() == [2.0] * 3
