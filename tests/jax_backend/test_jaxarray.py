"""JaxArray specifics: the wrapped jax array, pytree registration, NumPy and jax.numpy interop."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

import brainpy_math as bm  # noqa: E402


@pytest.fixture(autouse=True)
def _jax_backend():
    with bm.set_backend("jax"):
        yield


def test_repr_matches_the_seed():
    b = bm.arange(5)
    b[0] += 5
    assert repr(b) == "JaxArray([5, 1, 2, 3, 4], dtype=int32)"
    assert repr(bm.Variable(bm.zeros(2))) == "Variable([0., 0.], dtype=float32)"
    assert bm.JaxArray is type(b)


def test_value_is_the_jax_array_and_is_settable():
    b = bm.zeros(3)
    assert isinstance(b.value, jax.Array)
    b.value = jnp.ones(3)
    assert b.tolist() == [1.0, 1.0, 1.0]
    b.value = [4.0, 5.0, 6.0]
    assert b.tolist() == [4.0, 5.0, 6.0] and b.dtype == np.float32


def test_numpy_interop():
    b = bm.arange(3.0)
    assert isinstance(np.asarray(b), np.ndarray) and np.asarray(b).dtype == np.float32
    assert isinstance(b.numpy(), np.ndarray)
    out = np.ones(3, np.float32) + b  # NumPy defers to JaxArray's reflected operator
    assert isinstance(out, bm.JaxArray)
    assert np.sum(b) == 3.0


def test_jax_numpy_accepts_jaxarrays():
    b = bm.arange(4.0)
    out = jnp.sum(b * 2)
    assert float(out) == 12.0
    assert jnp.dot(b, bm.ones(4)).shape == ()


def test_asarray_of_jax_array_and_jaxarray():
    raw = jnp.arange(3)
    a = bm.asarray(raw)
    assert isinstance(a, bm.JaxArray) and a.tolist() == [0, 1, 2]
    assert bm.asarray(a) is a
    c = bm.array(a)
    c[0] = 10
    assert a[0] == 0


def test_jaxarray_is_a_pytree():
    tree = {"w": bm.ones(2), "b": bm.Variable(bm.zeros(3))}
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    assert all(isinstance(leaf, jax.Array) for leaf in leaves)
    rebuilt = jax.tree_util.tree_unflatten(treedef, [leaf + 1 for leaf in leaves])
    assert isinstance(rebuilt["w"], bm.JaxArray) and isinstance(rebuilt["b"], bm.Variable)
    doubled = jax.tree_util.tree_map(lambda x: x * 2, tree)
    assert doubled["w"].tolist() == [2.0, 2.0]


def test_jax_jit_sees_through_jaxarrays():
    @jax.jit
    def f(x):
        return x * 2

    out = f(bm.arange(3.0))
    assert isinstance(out, bm.JaxArray) and out.tolist() == [0.0, 2.0, 4.0]


def test_optax_sees_through_jaxarrays():
    optax = pytest.importorskip("optax")
    params = {"w": bm.ones(3)}
    optimizer = optax.sgd(0.5)
    state = optimizer.init(params)
    grads = {"w": bm.ones(3)}
    updates, state = optimizer.update(grads, state)
    new = optax.apply_updates(params, updates)
    assert np.allclose(np.asarray(new["w"]), 0.5)


def test_copy_is_independent_and_deepcopy_keeps_type():
    import copy
    v = bm.Variable(bm.zeros(2))
    assert isinstance(copy.deepcopy(v), bm.Variable)
    w = copy.copy(v)
    w[0] = 1.0
    assert v[0] == 0.0
