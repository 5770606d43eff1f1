"""bm.jit on the numba backend: generated code for functions, methods and nested objects.

What was generated is checked on the compiler's IR (helpers in ``_ir``); the text of ``.source`` is
checked only where the text is the feature (each such check says so).
"""
from __future__ import annotations

import ast

import numpy as np
import pytest

pytest.importorskip("numba")

import brainpy_math as bm  # noqa: E402
from brainpy_math_numba.jit.ir import Kind  # noqa: E402
from brainpy_math_numba.transforms import JitFunction  # noqa: E402

import _numba_jit_models as models  # noqa: E402
from _ir import array_name, called_functions, entry_of, functions, functions_of, fused_loops, nodes, program_of, text  # noqa: E402


@pytest.fixture(autouse=True)
def _numba():
    with bm.set_backend("numba"):
        yield


def _state(obj):
    return {k: v.value.copy() for k, v in obj.vars().items()}


@pytest.fixture(scope="module")
def forms_pair():
    """A compiled Forms object and an identical twin run eagerly (the reference)."""
    with bm.set_backend("numba"):
        compiled, eager = models.Forms(5), models.Forms(5)
        return compiled, bm.jit(compiled), eager


@pytest.mark.filterwarnings("ignore::brainpy_math.PortabilityWarning")  # Forms branches on its arguments on purpose
def test_every_statement_form_matches_eager_execution(forms_pair):
    compiled, step, eager = forms_pair
    inputs = [bm.asarray(np.linspace(0.1, 0.9, 5)), bm.ones(5) * 0.7, bm.ones(5) * 0.2]
    for I, flag in zip(inputs, (True, False, True)):
        got = step(I, flag=flag)
        want = eager(I, 3, flag)
        for g, w in zip(got, want):
            assert np.asarray(g).dtype == np.asarray(w).dtype
            np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-6, atol=1e-6)
        got_state, want_state = list(_state(compiled).values()), list(_state(eager).values())
        for g, w in zip(got_state, want_state):
            assert g.dtype == w.dtype
            np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)


def test_generated_source_shows_the_rewrites(forms_pair):
    compiled, step, _ = forms_pair
    entry = entry_of(step)
    everything = [n for f in functions(step, None) for n in nodes(f)]
    # self.V.value = ... writes in place: the whole array, or (fused) each element of it in the loop
    V = array_name(step, compiled.V)
    targets = [t for n in nodes(entry) if isinstance(n, ast.Assign) for t in n.targets]
    assert any(isinstance(t, ast.Subscript) and text(t.value) == V and
               (text(t.slice) == "..." or any(t.slice.id == loop.target.id for loop in fused_loops(step)))
               for t in targets)
    # the loops over objects (a list, a dict's items) are unrolled: one function per synapse, each called once
    loops = [n for n in everything if isinstance(n, (ast.For, ast.While))]
    assert not any(isinstance(n, ast.Name) and n.id in ("syn", "name") for loop in loops
                   if isinstance(loop, ast.For) for n in ast.walk(loop.target))
    synapses = functions_of(step, models.Synapse.update.__qualname__)
    assert len(synapses) == 3
    assert sorted(f.name for f in called_functions(step, entry)
                  if f in synapses) == sorted(f.name for f in synapses)
    # Kept as text: how a literal is printed (typed under the dtype policy) is what a reader sees.
    assert "np.float32(0.0)" in step.source
    assert [text(n.test) for n in loops if isinstance(n, ast.While)] == ["i < k"]
    assert [text(n.iter) for n in loops if isinstance(n, ast.For) and text(n.target) == "j"] == ["range(5)"]
    assert "flag" in [text(n.test) for n in nodes(entry) if isinstance(n, ast.If)]
    assert not any(isinstance(n, ast.Name) and n.id == "self" for n in everything)  # self.x chains resolved
    assert not any("self" in f.arguments for f in functions(step, None))


def test_logistic_regression_seed_class_matches_numpy():
    model = models.LogisticRegression(10)
    rng = np.random.default_rng(0)
    X = (0.1 * rng.normal(size=(200, 10))).astype(np.float32)
    Y = rng.normal(size=200).astype(np.float32)
    w = model.w.value.copy()
    step = bm.jit(model)
    for _ in range(3):
        step(X, Y)
        w = models.logistic_step_numpy(w, X, Y)
    assert model.w.dtype == np.float32
    np.testing.assert_allclose(model.w.value, w, rtol=1e-5, atol=1e-5)


def test_jit_of_a_function_with_closure_variable_and_defaults():
    acc = bm.Variable(bm.zeros(3))

    def add(x, times=2):
        for _ in range(times):
            acc.value = acc + x
        return acc.sum()

    f = bm.jit(add)
    result = f(bm.ones(3))
    assert result.dtype == np.float32 and float(result) == 6.0
    assert float(f(bm.ones(3), times=1)) == 9.0
    np.testing.assert_array_equal(acc.value, [3.0, 3.0, 3.0])


def test_literals_keep_float32_and_int32():
    f = bm.jit(lambda x, y: (x * 2 + 1.5, y + 1, y * 0.5, -x / 3))
    a, b, c, d = f(bm.ones(2), bm.ones(2, dtype=bm.int32))
    assert (a.dtype, b.dtype, c.dtype, d.dtype) == (np.float32, np.int32, np.float32, np.float32)


def test_jit_of_a_bound_method_and_of_a_jitted_object_without_a_prior_call():
    leaky = models.Leaky(3)
    update = bm.jit(leaky.update)
    entry = entry_of(update)  # generated without any call
    assert entry.params == ["I"] and entry.state == [array_name(update, leaky.V)]
    # Kept as text: the feature is the source itself, readable before a call, its def showing the parameters.
    assert f"def {entry.name}(I, {entry.state[0]})" in update.source
    out = update(bm.ones(3))
    np.testing.assert_allclose(out, np.full(3, 0.1, np.float32))
    np.testing.assert_allclose(leaky.V.value, out)


def test_a_changed_constant_is_noticed_and_recompiled():
    leaky = models.Leaky(2)
    update = bm.jit(leaky.update)
    update(bm.ones(2))
    first = update.source  # kept as text: the feature is that the source is stable until a constant changes
    leaky.tau = 10.0  # equal value, new object: no regeneration
    assert update.source == first
    leaky.tau = 2.0
    leaky.V.value = bm.zeros(2)
    np.testing.assert_allclose(update(bm.ones(2)), [0.5, 0.5])
    assert update.source != first


def test_a_rebound_variable_is_noticed():
    leaky = models.Leaky(2)
    update = bm.jit(leaky.update)
    update(bm.ones(2))
    leaky.V = bm.Variable(bm.ones(2) * 5.0)  # a new Variable object: new array argument
    update(bm.ones(2))
    np.testing.assert_allclose(leaky.V.value, [4.6, 4.6], rtol=1e-6)


def test_static_argnums():
    def power(x, n):
        out = x
        for _ in range(n - 1):
            out = out * x
        return out

    f = bm.jit(power, static_argnums=1)
    np.testing.assert_allclose(f(bm.ones(2) * 2.0, 3), [8.0, 8.0])
    np.testing.assert_allclose(f(bm.ones(2) * 2.0, 2), [4.0, 4.0])
    assert [text(n.iter) for n in nodes(entry_of(f)) if isinstance(n, ast.For)] == ["range(1)"]  # n = 2, folded


def test_cond_and_ifelse_inside_compiled_code():
    def up(x):
        return x + 1.0

    def down(x):
        return x - 1.0

    def choose(x, p):
        a = bm.cond(p > 0, up, down, (x,))
        b = bm.ifelse([p > 1, p > 0], [up, down, down], (x,))
        return a, b

    f = bm.jit(choose)
    a, b = f(bm.ones(2), 1)
    np.testing.assert_allclose(a, [2.0, 2.0])
    np.testing.assert_allclose(b, [0.0, 0.0])


def test_prange_with_parallel():
    def total(x):
        out = bm.zeros(x.shape[0])
        for i in bm.prange(x.shape[0]):
            out[i] = x[i] * 2.0
        return out

    f = bm.jit(total, parallel=True, cache=False)
    np.testing.assert_allclose(f(bm.arange(4.0)), [0.0, 2.0, 4.0, 6.0])
    program = program_of(f)
    (loop,) = [n for n in nodes(entry_of(f)) if isinstance(n, ast.For)]
    assert program.symbol(loop.iter.func.id).kind is Kind.PRANGE  # the loop is numba.prange's
    assert f.dispatcher.targetoptions.get("parallel")


def test_prange_is_range_outside_compiled_code():
    assert list(bm.prange(3)) == [0, 1, 2]


def test_jit_returns_a_jit_function_usable_as_decorator():
    @bm.jit
    def double(x):
        return x * 2.0

    assert isinstance(double, JitFunction)
    np.testing.assert_allclose(double(bm.ones(2)), [2.0, 2.0])


def test_returned_variables_are_snapshots_as_on_jax():
    leaky = models.Leaky(2)
    update = bm.jit(leaky.update)
    first = update(bm.ones(2))
    update(bm.ones(2))
    np.testing.assert_allclose(first, [0.1, 0.1])
    assert not np.shares_memory(first, leaky.V.value)


def test_random_draws_continue_the_same_streams_as_eager_calls():
    random = bm.random
    random.seed(1)
    compiled = models.Noisy(3)
    out = bm.jit(compiled)()
    random.seed(1)
    eager = models.Noisy(3)
    expected = eager()
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(compiled.V.value, eager.V.value)
    np.testing.assert_array_equal(compiled.rng.counter.value, eager.rng.counter.value)


def test_x64_policy_inside_compiled_code():
    bm.enable_x64()
    f = bm.jit(lambda x: (x * 2.0 + 1, bm.zeros(2)))
    a, b = f(bm.ones(2))
    assert a.dtype == np.float64 and b.dtype == np.float64
    assert "np.float64" in [text(n) for n in nodes(entry_of(f)) if isinstance(n, ast.Attribute)]


def test_a_jitted_method_called_from_compiled_code():
    class Outer(bm.Base):
        def __init__(self):
            super().__init__()
            self.leaky = models.Leaky(2)
            self.inner = bm.jit(self.leaky.update)

        def __call__(self, I):
            return self.inner(I) * 2.0

    outer = Outer()
    np.testing.assert_allclose(bm.jit(outer)(bm.ones(2)), [0.2, 0.2], rtol=1e-6)


def test_ufunc_literal_arguments_keep_their_values_and_the_array_dtype():
    f = bm.jit(lambda x, i: (bm.maximum(x, 0), bm.maximum(i, 1.5), bm.exp(i), bm.minimum(i, 3)))
    a, b, c, d = f(bm.asarray([-1.0, 2.0]), bm.asarray([1, 2], dtype=bm.int32))
    assert a.dtype == np.float32 and a.tolist() == [0.0, 2.0]
    assert b.tolist() == [1.5, 2.0]
    assert c.dtype == np.float32 and d.dtype == np.int32


def test_the_entry_is_compiled_once_inside_its_snapshot_wrapper():
    """Numba re-optimises every function linked into a caller: the entry is inlined into the
    wrapper that snapshots what it writes, so one dispatcher compiles (and caches) the step."""
    model = models.LogisticRegression(4)
    step = bm.jit(model)
    step(np.ones((8, 4), np.float32), np.ones(8, np.float32))
    module, entry = step._current.module, entry_of(step)
    wrapper = step._current.call_dispatcher
    assert wrapper is not getattr(module, entry.name)
    assert len(wrapper.overloads) == 1 and len(getattr(module, entry.name).overloads) == 0


def test_under_parallel_the_entry_keeps_a_dispatcher_of_its_own():
    """The snapshot wrapper is serial: a prange loop inlined into it would run serially."""
    model = models.LogisticRegression(4)
    step = bm.jit(model, parallel=True)
    step(np.ones((8, 4), np.float32), np.ones(8, np.float32))
    # What the wrapper calls is compiled, or loaded from Numba's cache with the entry linked in: the
    # decorator, not the dispatcher's state, tells whether the entry is inlined.
    assert text(entry_of(step).decorator) == "_bm_njit"
    assert text(entry_of(bm.jit(models.LogisticRegression(4))).decorator) == "_bm_njit_inline"


def _generated_model(tmp_path, num_vars: int, helper_params: int = 0):
    """A model with ``num_vars`` Variables (and a helper taking ``helper_params`` arrays), written to
    a file: the numba backend reads the source."""
    import importlib.util
    helper = [f"p{i}" for i in range(helper_params)]
    lines = ["import brainpy_math as bm", ""]
    if helper:
        lines += [f"def total({', '.join(helper)}):", f"    return {' + '.join(helper)}", ""]
    lines += ["class Many(bm.Base):", "    def __init__(self):", "        super().__init__()"]
    lines += [f"        self.v{i} = bm.Variable(bm.zeros(3))" for i in range(num_vars)]
    lines += ["        self.out = bm.Variable(bm.zeros(3))"] if helper else []
    # One element each: the statements stay out of fused loops, which keeps the compile short.
    lines += ["", "    def __call__(self, x):"] + [f"        self.v{i}[0] = x * {i + 1}" for i in range(num_vars)]
    if helper:
        lines += [f"        self.out.value = total({', '.join(f'self.v{i % num_vars}' for i in range(helper_params))}) * 2"]
    path = tmp_path / f"many_{num_vars}_{helper_params}.py"
    path.write_text("\n".join(lines) + "\n")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Many()


@pytest.mark.parametrize("num_vars", [29, 30])
def test_an_entry_with_more_arguments_than_numba_inlines_keeps_its_dispatcher(tmp_path, num_vars):
    """CPython passes more than 30 call arguments as ``f(*tuple)``, which Numba cannot inline (CI
    found it in the 100-Variable jit_overhead benchmark, a slow test): such an entry stays a
    function of its own. 29 Variables and x are 30 arguments, 30 Variables 31."""
    model = _generated_model(tmp_path, num_vars)
    step = bm.jit(model)
    step(np.float32(1))
    assert [model.v0.value.tolist(), getattr(model, f"v{num_vars - 1}").value.tolist()] == \
        [[1.0, 0.0, 0.0], [float(num_vars), 0.0, 0.0]]
    entry = entry_of(step)
    assert len(entry.arguments) == num_vars + 1  # x and the Variables
    assert text(entry.decorator) == ("_bm_njit_inline" if num_vars + 1 <= 30 else "_bm_njit")


def test_a_helper_with_more_arguments_than_numba_inlines_has_a_twin_numba_calls(tmp_path):
    model = _generated_model(tmp_path, 3, helper_params=31)
    step = bm.jit(model)
    step(np.float32(1))
    twin, = functions(step, "twin")
    assert text(twin.decorator) == "_bm_njit"
    # v0[0] = 1, v1[0] = 2, v2[0] = 3 after the updates; total sums v0, v1, v2, v0, ... (31 terms)
    assert model.out.value.tolist() == [2.0 * sum((1.0, 2.0, 3.0)[i % 3] for i in range(31)), 0.0, 0.0]
