"""grad, value_and_grad, vector_grad, jacobian/jacrev/jacfwd, hessian on the JAX backend."""
import numpy as np
import pytest

pytest.importorskip("jax")

import jax  # noqa: E402

import brainpy_math as bm  # noqa: E402


class Quadratic(bm.Base):
    """f(x, y) = sum(w * x**2) + sum(b * y); aux = x.sum(); writes a counter Variable."""

    def __init__(self):
        super().__init__()
        self.w = bm.Variable(bm.asarray([1.0, 2.0]))
        self.b = bm.asarray([3.0, 4.0])                 # a plain JaxArray attribute
        self.calls = bm.Variable(bm.zeros(1))

    def __call__(self, x, y):
        self.calls += 1.0
        value = (self.w * x ** 2).sum() + (self.b * y).sum()
        return value, x.sum()


X = np.array([1.0, -2.0], np.float32)
Y = np.array([0.5, 0.25], np.float32)
VALUE = float((np.array([1.0, 2.0]) * X ** 2).sum() + (np.array([3.0, 4.0]) * Y).sum())
DX = 2 * np.array([1.0, 2.0]) * X          # d/dx
DY = np.array([3.0, 4.0])                  # d/dy
DW = X ** 2                                # d/dw
DB = Y                                     # d/db


def _function(has_aux):
    model = Quadratic()
    if has_aux:
        return model, model
    return model, lambda x, y: model(x, y)[0]


def _check_gradients(g, mode):
    if mode == "args":                                   # argnums=(0, 1): a tuple of arg grads
        np.testing.assert_allclose(g[0].numpy(), DX)
        np.testing.assert_allclose(g[1].numpy(), DY)
    elif mode == "vars":                                 # grad_vars={'w': .., 'b': ..}
        assert isinstance(g, dict) and set(g) == {"w", "b"}
        np.testing.assert_allclose(g["w"].numpy(), DW)
        np.testing.assert_allclose(g["b"].numpy(), DB)
    else:                                                # both: (var_grads, arg_grads)
        var_grads, arg_grads = g
        np.testing.assert_allclose(var_grads["w"].numpy(), DW)
        np.testing.assert_allclose(var_grads["b"].numpy(), DB)
        np.testing.assert_allclose(arg_grads.numpy(), DX)   # argnums=0: one arg grad, not a tuple


@pytest.mark.parametrize("return_value", [False, True])
@pytest.mark.parametrize("has_aux", [False, True])
@pytest.mark.parametrize("mode", ["args", "vars", "both"])
def test_grad_return_value_table(mode, has_aux, return_value):
    model, f = _function(has_aux)
    options = {"args": dict(argnums=(0, 1)),
               "vars": dict(grad_vars={"w": model.w, "b": model.b}),
               "both": dict(grad_vars={"w": model.w, "b": model.b}, argnums=0)}[mode]
    result = bm.grad(f, has_aux=has_aux, return_value=return_value, **options)(bm.asarray(X), bm.asarray(Y))
    if has_aux and return_value:
        g, value, aux = result
    elif has_aux:
        (g, aux), value = result, None
    elif return_value:
        (g, value), aux = result, None
    else:
        g, value, aux = result, None, None
    if not has_aux and not return_value:
        assert not (isinstance(result, tuple) and mode == "vars")
    _check_gradients(g, mode)
    if value is not None:
        assert float(value) == pytest.approx(VALUE)
    if aux is not None:
        assert float(aux) == pytest.approx(X.sum())
    assert model.calls.tolist() == [1.0]               # the write inside is written back, once
    assert type(model.w.value).__name__ == "ArrayImpl"  # and no tracer is left behind


def test_default_argnums_is_zero_and_single_grad_is_not_a_tuple():
    g = bm.grad(lambda x, y: (x * y).sum())(bm.asarray(X), bm.asarray(Y))
    np.testing.assert_allclose(g.numpy(), Y)
    assert type(g) is bm.JaxArray


def test_grad_vars_containers_keep_their_shape():
    w, b = bm.Variable(bm.ones(2)), bm.Variable(bm.ones(3))

    def f():
        return (w * 2).sum() + (b * 3).sum()

    single = bm.grad(f, grad_vars=w)()
    as_list = bm.grad(f, grad_vars=[w, b])()
    as_tuple = bm.grad(f, grad_vars=(w, b))()
    assert type(single) is bm.JaxArray and single.tolist() == [2.0, 2.0]
    assert isinstance(as_list, list) and as_list[1].tolist() == [3.0] * 3
    assert isinstance(as_tuple, tuple) and as_tuple[0].tolist() == [2.0, 2.0]
    collected = bm.ArrayCollector({"w": w, "b": b})
    by_name = bm.grad(f, grad_vars=collected)()
    assert isinstance(by_name, bm.ArrayCollector) and by_name["b"].tolist() == [3.0] * 3
    # ... and leaves bm.jit / jax.jit as one (a pytree keeping its order and class), as BrainPy's
    # `grads = bm.grad(loss, grad_vars=model.train_vars())` inside a jitted step needs
    from_jit = bm.jit(bm.grad(f, grad_vars=collected))()
    assert type(from_jit) is bm.ArrayCollector and list(from_jit) == ["w", "b"]
    assert from_jit["b"].tolist() == [3.0] * 3
    doubled = jax.tree_util.tree_map(lambda g: g * 2, from_jit)
    assert type(doubled) is bm.ArrayCollector and doubled["w"].tolist() == [4.0, 4.0]
    assert [str(p[0]) for p, _ in jax.tree_util.tree_leaves_with_path(from_jit)] == ["['w']", "['b']"]


def test_value_and_grad_forms():
    model = Quadratic()
    value, g = bm.value_and_grad(lambda x, y: model(x, y)[0])(bm.asarray(X), bm.asarray(Y))
    assert float(value) == pytest.approx(VALUE)
    np.testing.assert_allclose(g.numpy(), DX)
    (value, aux), (gv, ga) = bm.value_and_grad(model, grad_vars=[model.w], argnums=1, has_aux=True)(
        bm.asarray(X), bm.asarray(Y))
    assert float(aux) == pytest.approx(X.sum())
    np.testing.assert_allclose(gv[0].numpy(), DW)
    np.testing.assert_allclose(ga.numpy(), DY)


@pytest.mark.parametrize("return_value", [False, True])
@pytest.mark.parametrize("has_aux", [False, True])
def test_vector_grad_sums_a_non_scalar_output(has_aux, return_value):
    w = bm.Variable(bm.asarray([1.0, 2.0, 3.0]))

    def f(x):
        out = w * x ** 2
        return (out, x.mean()) if has_aux else out

    result = bm.vector_grad(f, grad_vars=w, argnums=0, has_aux=has_aux, return_value=return_value)(
        bm.asarray([1.0, 1.0, 2.0]))
    g = result[0] if (has_aux or return_value) else result
    gw, gx = g
    np.testing.assert_allclose(gw.numpy(), [1.0, 1.0, 4.0])
    np.testing.assert_allclose(gx.numpy(), [2.0, 4.0, 12.0])
    if return_value:
        np.testing.assert_allclose(result[1].numpy(), [1.0, 2.0, 12.0])
    if has_aux:
        assert float(result[-1]) == pytest.approx(4.0 / 3.0)


@pytest.mark.parametrize("name", ["jacobian", "jacrev", "jacfwd"])
def test_jacobians_with_grad_vars_and_args(name):
    w = bm.Variable(bm.asarray([1.0, 2.0]))
    transform = getattr(bm, name)
    jac_x = transform(lambda x: w * x ** 2)(bm.asarray([3.0, 4.0]))
    np.testing.assert_allclose(jac_x.numpy(), np.diag([6.0, 16.0]))
    (jw, jx), value = transform(lambda x: w * x ** 2, grad_vars=w, argnums=0, return_value=True)(
        bm.asarray([3.0, 4.0]))
    np.testing.assert_allclose(jw.numpy(), np.diag([9.0, 16.0]))
    np.testing.assert_allclose(jx.numpy(), np.diag([6.0, 16.0]))
    np.testing.assert_allclose(value.numpy(), [9.0, 32.0])
    jac, aux = transform(lambda x: (x * 2, x.sum()), has_aux=True)(bm.ones(2))
    np.testing.assert_allclose(jac.numpy(), 2 * np.eye(2))
    assert float(aux) == 2.0


def test_hessian():
    h = bm.hessian(lambda x: (x ** 3).sum())(bm.asarray([1.0, 2.0]))
    np.testing.assert_allclose(h.numpy(), np.diag([6.0, 12.0]))
    w = bm.Variable(bm.asarray([1.0, 2.0]))
    hw, value, aux = bm.hessian(lambda: ((w ** 3).sum(), w.sum()), grad_vars=w, has_aux=True,
                                return_value=True)()
    np.testing.assert_allclose(hw.numpy(), np.diag([6.0, 12.0]))
    assert float(value) == 9.0 and float(aux) == 3.0
    b = bm.Variable(bm.asarray(2.0))
    blocks = bm.hessian(lambda: (w ** 2).sum() * b, grad_vars=(w, b))()
    np.testing.assert_allclose(blocks[0][0].numpy(), 2 * 2.0 * np.eye(2))      # d2/dw2
    np.testing.assert_allclose(blocks[0][1].numpy(), [2.0, 4.0])               # d2/dw db
    with pytest.raises(NotImplementedError, match="jacfwd"):
        bm.hessian(lambda x: (x * w).sum(), grad_vars=w, argnums=0)


def test_dyn_vars_are_checked_and_writes_are_written_back():
    state = bm.Variable(bm.zeros(2))

    def f(x):
        state.value = state + x           # written inside grad: ends up as a value, not a tracer
        return (x ** 2).sum()

    g = bm.grad(f, dyn_vars=[state])(bm.ones(2))
    assert g.tolist() == [2.0, 2.0] and state.tolist() == [1.0, 1.0]
    assert not isinstance(state.value, jax.core.Tracer)
    with pytest.raises(TypeError, match="dyn_vars"):
        bm.grad(f, dyn_vars=[bm.ones(2)])


def test_failing_function_leaves_values_untouched():
    w = bm.Variable(bm.ones(2))

    def f(x):
        w.value = w * x
        raise ValueError("inside")

    with pytest.raises(ValueError, match="inside"):
        bm.grad(f, grad_vars=w)(bm.ones(2) * 3)
    assert w.tolist() == [1.0, 1.0] and not isinstance(w.value, jax.core.Tracer)


def test_errors_are_clear():
    with pytest.raises(TypeError, match="scalar"):
        bm.grad(lambda x: x * 2)(bm.ones(2))
    with pytest.raises(TypeError, match="has_aux=True"):
        bm.grad(lambda x: (x ** 2).sum(), has_aux=True)(bm.ones(2))
    with pytest.raises(ValueError, match="argnums"):
        bm.grad(lambda x: (x ** 2).sum(), argnums=3)(bm.ones(2))
    with pytest.raises(TypeError, match="grad_vars"):
        bm.grad(lambda x: x, grad_vars="w")


def test_grad_inside_jit_and_jit_inside_grad():
    w = bm.Variable(bm.asarray([1.0, 2.0]))
    inner = bm.jit(lambda x: (w * x ** 2).sum())
    g = bm.grad(inner)(bm.ones(2))
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])

    @bm.jit
    def step(x):
        gw = bm.grad(lambda: (w * x).sum(), grad_vars=w)()
        w.value = w - 0.5 * gw
        return gw

    step(bm.ones(2))
    np.testing.assert_allclose(w.numpy(), [0.5, 1.5])
