"""BrainPy 2.x's random names on every backend (issue 16): ``shuffle`` of NumPy arrays and lists,
``RandomState.split_keys``/``sample`` and the ``key=`` argument of the draws, with the same numbers
on both backends."""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm

from test_random import assert_close_ulp, assert_identical, needs_two, on_each_backend


# ------------------------------------------------------------------------------- shuffle
def test_shuffle_permutes_numpy_arrays_and_lists_in_place(backend):
    bm.random.seed(4)
    order = np.asarray(bm.random.permutation(12))
    bm.random.seed(4)
    a = np.arange(12.0) * 10
    assert bm.random.shuffle(a) is None
    np.testing.assert_array_equal(a, np.arange(12.0)[order] * 10)
    bm.random.seed(4)
    items = list("abcdefghijkl")
    assert bm.random.shuffle(items) is None
    assert items == [list("abcdefghijkl")[i] for i in order]
    bm.random.seed(4)
    x = bm.arange(12)  # a bm array (mutable on both backends, like BrainPy's bm.Array)
    assert bm.random.shuffle(x) is None
    np.testing.assert_array_equal(np.asarray(x), order)


def test_shuffle_of_2d_numpy_array_permutes_rows(backend):
    a = np.arange(12).reshape(4, 3)
    bm.random.shuffle(a)
    assert sorted(map(tuple, a.tolist())) == [tuple(r) for r in np.arange(12).reshape(4, 3).tolist()]


@needs_two
def test_shuffle_of_numpy_array_is_identical_across_backends():
    def shuffled():
        a = np.arange(40)
        bm.random.shuffle(a)
        return a
    result = on_each_backend(shuffled)
    assert_identical(result)
    assert sorted(result["jax"].tolist()) == list(range(40))


def test_shuffle_refuses_scalars_and_tuples_without_drawing(backend):
    bm.random.seed(0)
    for bad in (3, (1, 2, 3), np.float32(1.0)):
        with pytest.raises(TypeError, match="shuffle: argument 'x' must be a Variable"):
            bm.random.shuffle(bad)
    assert np.asarray(bm.random.default_state().counter.value).tolist() == [0, 0]


def test_shuffle_of_numpy_array_inside_jax_jit_is_a_clear_error(need_backends):
    need_backends("jax")
    with bm.set_backend("jax"):
        a = np.arange(5)
        bm.random.seed(0)
        with pytest.raises(TypeError, match="cannot be shuffled in place by traced code"):
            bm.jit(lambda: bm.random.shuffle(a))()
        np.testing.assert_array_equal(a, np.arange(5))
        assert np.asarray(bm.random.default_state().counter.value).tolist() == [0, 0]


# ------------------------------------------------------------------------------- split_keys, sample
def test_split_keys_are_successive_split_keys(backend):
    rs = bm.random.RandomState(9)
    keys = np.asarray(rs.split_keys(3))
    assert keys.shape == (3, 2) and keys.dtype == np.uint32
    assert np.asarray(rs.counter.value).tolist() == [0, 6]
    again = bm.random.RandomState(9)
    np.testing.assert_array_equal(keys, np.stack([np.asarray(again.split_key()) for _ in range(3)]))
    assert np.asarray(bm.random.RandomState(9).split_keys(0)).shape == (0, 2)


def test_split_keys_refuses_bad_n_without_moving(backend):
    rs = bm.random.RandomState(9)
    for bad in (-1, 2.0, "3"):
        with pytest.raises(ValueError, match="split_keys: argument 'n' must be a non-negative int"):
            rs.split_keys(bad)
    assert np.asarray(rs.counter.value).tolist() == [0, 0]


@needs_two
def test_split_keys_and_sample_are_identical_across_backends():
    assert_identical(on_each_backend(lambda: bm.random.default_state().split_keys(4), seed=11))
    assert_identical(on_each_backend(lambda: bm.random.default_state().sample((2, 3)), seed=11))


def test_sample_is_random(backend):
    rs1, rs2 = bm.random.RandomState(2), bm.random.RandomState(2)
    np.testing.assert_array_equal(np.asarray(rs1.sample(5)), np.asarray(rs2.random(5)))


# ------------------------------------------------------------------------------- key=
KEYED = {
    "uniform": lambda key: bm.random.uniform(-1.0, 2.0, size=6, key=key),
    "rand": lambda key: bm.random.rand(2, 3, key=key),
    "randint": lambda key: bm.random.randint(0, 100, size=8, key=key),
    "random_integers": lambda key: bm.random.random_integers(1, 6, size=8, key=key),
    "choice": lambda key: bm.random.choice(10, size=4, replace=False, key=key),
    "permutation": lambda key: bm.random.permutation(9, key=key),
    "bernoulli": lambda key: bm.random.bernoulli(0.4, size=10, key=key),
    "poisson": lambda key: bm.random.poisson(2.0, size=10, key=key),
}
CLOSE = {
    "normal": lambda key: bm.random.normal(1.0, 2.0, size=6, key=key),
    "randn": lambda key: bm.random.randn(5, key=key),
    "exponential": lambda key: bm.random.exponential(2.0, size=6, key=key),
}


@pytest.mark.parametrize("name", sorted(KEYED) + sorted(CLOSE))
def test_key_draws_from_that_key_without_moving_the_stream(backend, name):
    draw = {**KEYED, **CLOSE}[name]
    bm.random.seed(1)
    bm.random.uniform(size=3)
    before = np.asarray(bm.random.default_state().counter.value).copy()
    keyed = np.asarray(draw(123))
    np.testing.assert_array_equal(np.asarray(bm.random.default_state().counter.value), before)
    # The same numbers as a fresh stream seeded by the key, and as the key given as two words.
    np.testing.assert_array_equal(np.asarray(draw(np.array([0, 123], np.uint32))), keyed)
    saved = bm.random.default_state()
    bm.random.seed(123)
    np.testing.assert_array_equal(np.asarray(draw(None)), keyed)
    assert saved is bm.random.default_state()


def test_key_on_a_random_state_and_shuffle(backend):
    rs = bm.random.RandomState(0)
    key = rs.split_key()
    counter = np.asarray(rs.counter.value).copy()
    v = bm.Variable(bm.arange(8))
    rs.shuffle(v, key=key)
    np.testing.assert_array_equal(np.asarray(rs.counter.value), counter)
    np.testing.assert_array_equal(np.asarray(v), np.asarray(bm.random.RandomState(key).permutation(8)))


@pytest.mark.parametrize("name", sorted(KEYED))
@needs_two
def test_key_draws_are_identical_across_backends(name):
    assert_identical(on_each_backend(lambda: KEYED[name](77)))


@pytest.mark.parametrize("name", sorted(CLOSE))
@needs_two
def test_key_continuous_draws_agree_across_backends(name):
    assert_close_ulp(on_each_backend(lambda: CLOSE[name](77)), 4)


def test_bad_key_is_a_clear_error_without_moving(backend):
    bm.random.seed(0)
    with pytest.raises(ValueError, match="argument 'key' must be an int in \\[0, 2\\*\\*64\\)"):
        bm.random.normal(size=2, key=-1)
    with pytest.raises(ValueError, match="argument 'key'"):
        bm.random.normal(size=2, key=np.array([1, 2, 3], np.uint32))
    assert np.asarray(bm.random.default_state().counter.value).tolist() == [0, 0]


class _Keyed(bm.Base):
    def __init__(self):
        super().__init__()
        self.x = bm.Variable(bm.zeros(3))

    def step(self):
        self.x.value = bm.random.uniform(size=3, key=5)
        return self.x.value


def test_key_inside_jax_jit_draws_from_that_key(need_backends):
    need_backends("jax")
    with bm.set_backend("jax"):
        bm.random.seed(0)
        out = np.asarray(bm.jit(_Keyed().step)())
        assert np.asarray(bm.random.default_state().counter.value).tolist() == [0, 0]
        np.testing.assert_array_equal(out, np.asarray(bm.random.RandomState(5).uniform(size=3)))


def test_key_inside_numba_jit_names_the_alternative(need_backends):
    need_backends("numba")
    with bm.set_backend("numba"):
        model = _Keyed()
        with pytest.raises(NotImplementedError, match="key=.*numba backend.*RandomState\\(key\\)"):
            bm.jit(model.step)()
        assert np.asarray(model.x).tolist() == [0.0, 0.0, 0.0]
