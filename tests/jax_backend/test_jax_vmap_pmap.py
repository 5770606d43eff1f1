"""vmap and pmap on functions and objects (one device here; several in test_jax_multi_device)."""
import numpy as np
import pytest

pytest.importorskip("jax")

import jax  # noqa: E402

import brainpy_math as bm  # noqa: E402


def test_vmap_function_with_shared_and_mapped_arguments():
    out = bm.vmap(lambda a, b: a * b, in_axes=(None, 0))(bm.asarray([1.0, 2.0]), bm.ones((3, 2)))
    assert out.shape == (3, 2) and type(out) is bm.JaxArray
    assert out.tolist() == [[1.0, 2.0]] * 3
    out = bm.vmap(lambda a, b: a + b, in_axes=[0, 1], out_axes=1)(bm.zeros((4, 2)), bm.ones((2, 4)))
    assert out.shape == (2, 4)
    with pytest.raises(ValueError, match="in_axes"):
        bm.vmap(lambda a: a, in_axes=(0, 0))(bm.ones(2))


class Layer(bm.Base):
    def __init__(self):
        super().__init__()
        self.w = bm.Variable(bm.asarray([1.0, 2.0, 3.0]))     # shared by all batch elements
        self.state = bm.Variable(bm.zeros((4, 3)))           # one row per batch element
        self.calls = bm.Variable(bm.zeros(()))

    def __call__(self, x):
        self.state.value = self.state + x * self.w
        self.calls += 1.0                                   # same for every element: allowed
        return self.state.sum()


def test_vmap_object_variables_shared_unless_batched():
    layer = Layer()
    xs = bm.asarray(np.arange(12, dtype=np.float32).reshape(4, 3))
    out = bm.vmap(layer, batched_vars=[layer.state])(xs)
    want_state = np.arange(12, dtype=np.float32).reshape(4, 3) * np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(layer.state.numpy(), want_state)
    np.testing.assert_allclose(out.numpy(), want_state.sum(1))
    assert float(layer.calls) == 1.0 and layer.w.tolist() == [1.0, 2.0, 3.0]
    assert not isinstance(layer.state.value, jax.core.Tracer)


def test_vmap_writing_a_shared_variable_with_batched_values_is_refused():
    layer = Layer()
    with pytest.raises(ValueError, match="batched_vars"):
        bm.vmap(layer)(bm.ones((4, 3)))
    assert layer.state.tolist() == [[0.0] * 3] * 4 and float(layer.calls) == 0.0


def test_vmap_inside_jit_and_grad_inside_vmap():
    w = bm.Variable(bm.asarray([1.0, -1.0]))

    @bm.jit
    def per_example_grads(xs):
        return bm.vmap(lambda x: bm.grad(lambda w_: ((w_ * x).sum()) ** 2)(w.value))(xs)

    xs = bm.asarray([[1.0, 0.0], [2.0, 1.0]])
    g = per_example_grads(xs)
    np.testing.assert_allclose(g.numpy(), [[2.0, 0.0], [4.0, 2.0]])


def test_pmap_function_and_object_on_one_device():
    n = jax.local_device_count()
    out = bm.pmap(lambda x: x * 2)(bm.ones((n, 3)))
    assert out.shape == (n, 3) and out.tolist() == [[2.0] * 3] * n

    class Acc(bm.Base):
        def __init__(self):
            super().__init__()
            self.total = bm.Variable(bm.zeros((n, 2)))
            self.scale = bm.Variable(bm.asarray(2.0))

        def __call__(self, x):
            self.total.value = self.total + x * self.scale
            return self.total.value

    acc = Acc()
    step = bm.pmap(acc, axis_name="d", batched_vars=[acc.total])
    step(bm.ones((n, 2)))
    acc.scale.value = bm.asarray(10.0)         # a write outside between calls is seen
    out = step(bm.ones((n, 2)))
    assert acc.total.tolist() == [[12.0, 12.0]] * n and out.shape == (n, 2)
