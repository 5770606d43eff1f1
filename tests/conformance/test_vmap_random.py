"""Random numbers under bm.vmap: each batch element draws its own numbers (issue 14).

Before, every row of a vmapped function drew the same numbers (the key was shared by the batch).
Now each RandomState drawn from inside ``bm.vmap`` (the default one behind ``bm.random.*`` or a
model's own) gives row ``r`` a key derived from the state's key, its counter and ``r``, and the
state advances once (2 words) per call. ``bm.vmap`` exists on the JAX backend only; the Numba
backend raises NotImplementedError, checked below.
"""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm

# RandomState(5).normal(size=6) and then .uniform(size=3), as the stream gave them before vmap
# learned to split: drawing outside vmap must not change.
STREAM_5_NORMAL = [0.6992327570915222, -1.2341713905334473, 0.2570624053478241, -0.17476718127727509,
                   -1.642452359199524, 0.9638749957084656]
STREAM_5_UNIFORM = [0.6844151020050049, 0.7163480520248413, 0.20911180973052979]


@pytest.fixture
def jax_backend(backend):
    if backend != "jax":
        with pytest.raises(NotImplementedError, match="bm.vmap.*jax backend"):
            bm.vmap(lambda x: x + bm.random.normal(size=2))(bm.zeros((3, 2)))
        pytest.skip("bm.vmap is the jax backend's (the numba backend raises NotImplementedError, checked)")
    return backend


class _Noisy(bm.Base):
    def __init__(self, seed):
        super().__init__()
        self.rng = bm.random.RandomState(seed)

    def __call__(self, x):
        return x + self.rng.normal(size=x.shape)


def test_rows_differ_with_the_default_state(jax_backend):
    bm.random.seed(3)
    rows = np.asarray(bm.vmap(lambda x: x + bm.random.normal(size=4))(bm.zeros((6, 4))))
    assert len({tuple(r) for r in rows.tolist()}) == 6, rows


def test_rows_differ_with_a_model_state_and_reproduce(jax_backend):
    first = np.asarray(bm.vmap(_Noisy(11))(bm.zeros((5, 3))))
    again = np.asarray(bm.vmap(_Noisy(11))(bm.zeros((5, 3))))
    other = np.asarray(bm.vmap(_Noisy(12))(bm.zeros((5, 3))))
    assert len({tuple(r) for r in first.tolist()}) == 5
    np.testing.assert_array_equal(first, again)  # the same seed gives the same rows
    assert not np.array_equal(first, other)


def test_the_parent_advances_once_per_call(jax_backend):
    model = _Noisy(7)
    f = bm.vmap(model)
    a = np.asarray(f(bm.zeros((4, 3))))
    assert np.asarray(model.rng.counter).tolist() == [0, 2]  # 2 words, whatever the batch and draw size
    b = np.asarray(f(bm.zeros((9, 3))))
    assert np.asarray(model.rng.counter).tolist() == [0, 4]
    assert not np.array_equal(a, b[:4]), "a second call draws new numbers"
    # After the calls the parent continues its own stream from word 4, as after two split keys.
    reference = bm.random.RandomState(7)
    reference.split_key(), reference.split_key()
    np.testing.assert_array_equal(np.asarray(model.rng.uniform(size=3)), np.asarray(reference.uniform(size=3)))


def test_row_statistics(jax_backend):
    bm.random.seed(0)
    rows = np.asarray(bm.vmap(lambda x: x + bm.random.normal(size=20000))(bm.zeros((8, 20000))), np.float64)
    # Each row is standard normal: mean within 5 standard errors of 0, variance within 5% of 1.
    assert np.all(np.abs(rows.mean(axis=1)) < 5 / np.sqrt(20000)), rows.mean(axis=1)
    np.testing.assert_allclose(rows.var(axis=1), 1.0, rtol=0.05)
    # ... and the rows are independent of each other (no shared or shifted stream).
    correlation = np.corrcoef(rows) - np.eye(8)
    assert np.abs(correlation).max() < 5 / np.sqrt(20000), correlation


def test_unbatched_stream_is_unchanged(jax_backend):
    rs = bm.random.RandomState(5)
    np.testing.assert_allclose(np.asarray(rs.normal(size=6)), STREAM_5_NORMAL, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(rs.uniform(size=3)), STREAM_5_UNIFORM, rtol=1e-6)
    assert np.asarray(rs.counter).tolist() == [0, 9]


def test_under_jit_and_nested(jax_backend):
    model = _Noisy(21)
    step = bm.jit(bm.vmap(model))
    a, b = np.asarray(step(bm.zeros((3, 2)))), np.asarray(step(bm.zeros((3, 2))))
    assert len({tuple(r) for r in a.tolist()}) == 3 and not np.array_equal(a, b)
    assert np.asarray(model.rng.counter).tolist() == [0, 4]
    # The jitted call draws what the eager one does from the same state.
    eager = _Noisy(21)
    np.testing.assert_array_equal(np.asarray(bm.vmap(eager)(bm.zeros((3, 2)))), a)
    # Nested vmaps split again: every (outer, inner) element is distinct.
    bm.random.seed(1)
    grid = np.asarray(bm.vmap(bm.vmap(lambda x: x + bm.random.uniform()))(bm.zeros((4, 5))))
    assert len(set(grid.ravel().tolist())) == 20


def test_draws_inside_a_loop_inside_vmap(jax_backend):
    """A loop inside the vmapped function carries each row's stream: new numbers every iteration,
    different numbers in every row, under bm.jit too, and the same numbers for the same seed."""
    def trial(x):
        return bm.for_loop(lambda i: x + bm.random.normal(), bm.arange(5))

    for transform in (lambda f: f, bm.jit):
        bm.random.seed(4)
        a = np.asarray(transform(bm.vmap(trial))(bm.zeros(3)))
        assert a.shape == (3, 5) and len(set(a.ravel().tolist())) == 15, a
        assert np.asarray(bm.random.default_state().counter).tolist() == [0, 2]
        bm.random.seed(4)
        np.testing.assert_array_equal(np.asarray(transform(bm.vmap(trial))(bm.zeros(3))), a)


def test_unused_states_do_not_advance(jax_backend):
    model = _Noisy(8)
    key = np.asarray(model.rng.key).copy()
    bm.vmap(lambda x: x * 2)(bm.zeros((3, 2)))
    bm.jit(bm.vmap(lambda x: x + bm.random.uniform()))(bm.zeros(3))  # another state drawn from
    assert np.asarray(model.rng.counter).tolist() == [0, 0]
    np.testing.assert_array_equal(np.asarray(model.rng.key), key)
    np.testing.assert_array_equal(np.asarray(model(bm.zeros(2))), np.asarray(_Noisy(8)(bm.zeros(2))))


def test_batched_draw_shapes_and_other_distributions(jax_backend):
    bm.random.seed(2)
    out = bm.vmap(lambda x: (bm.random.randint(0, 1000, size=3), bm.random.bernoulli(0.5, size=64)))(
        bm.zeros(4))
    ints, coins = np.asarray(out[0]), np.asarray(out[1])
    assert ints.shape == (4, 3) and coins.shape == (4, 64)
    assert len({tuple(r) for r in ints.tolist()}) == 4 and len({tuple(r) for r in coins.tolist()}) == 4
