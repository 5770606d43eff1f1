"""The numba backend's random kernels called from user ``numba.njit`` code, as generated code does."""
from __future__ import annotations

import numpy as np
import pytest

numba = pytest.importorskip("numba")

import brainpy_math as bm  # noqa: E402

pytestmark = pytest.mark.skipif("numba" not in bm.available_backends(), reason="numba backend not installed")


@pytest.fixture
def nb():
    with bm.set_backend("numba"):
        yield bm._backend.load("numba").random


def _twin_states(nb, seed):
    """Two RandomStates at the same position: one for the kernel, one for the eager functions."""
    return nb.RandomState(seed), nb.RandomState(seed)


def test_normal_kernel_with_none_int_and_tuple_sizes_matches_eager(nb):
    normal = nb.compiled("normal")

    @numba.njit
    def draws(key, counter):
        return normal(key, counter), normal(key, counter, 1.0, 2.0, 5), normal(key, counter, 0.0, 1.0, (2, 3))

    kernel_state, eager_state = _twin_states(nb, 4)
    scalar, vector, matrix = draws(*nb.state_arrays(kernel_state))
    assert scalar.shape == () and vector.shape == (5,) and matrix.shape == (2, 3)
    assert vector.dtype == np.float32
    np.testing.assert_array_equal(scalar, eager_state.normal())
    np.testing.assert_array_equal(vector, eager_state.normal(1.0, 2.0, 5))
    np.testing.assert_array_equal(matrix, eager_state.normal(0.0, 1.0, (2, 3)))
    np.testing.assert_array_equal(kernel_state.counter.value, eager_state.counter.value)
    assert kernel_state.counter.value.tolist() == [0, 12]


def test_kernels_advance_the_default_state_in_place(nb):
    uniform = nb.compiled("uniform")

    @numba.njit
    def step(key, counter):
        return uniform(key, counter, 0.0, 1.0, 4)

    bm.random.seed(8)
    state = nb.default_state()
    counter_variable = state.counter
    first = step(*nb.state_arrays(state))
    second = step(*nb.state_arrays(state))
    assert state.counter is counter_variable and state.counter.value.tolist() == [0, 8]
    bm.random.seed(8)
    np.testing.assert_array_equal(np.concatenate([first, second]), bm.random.uniform(size=8))


def test_array_parameters_broadcast_inside_njit(nb):
    normal = nb.compiled("normal")

    @numba.njit
    def draws(key, counter, loc, scale):
        return normal(key, counter, loc, scale, (2, 4))

    kernel_state, eager_state = _twin_states(nb, 2)
    loc = np.arange(4, dtype=np.float32)
    got = draws(*nb.state_arrays(kernel_state), loc, np.float32(0.5))
    np.testing.assert_array_equal(got, eager_state.normal(loc, 0.5, (2, 4)))


def test_parameters_that_do_not_broadcast_raise_value_error_inside_njit(nb):
    """The kernels broadcast parameters with ``np.broadcast_to`` (a constant message; assigning into an
    array of the shape compiled Numba's string formatting, seconds of every cold first draw)."""
    from brainpy_math_numba.random.tokens import broadcast_flat

    @numba.njit
    def flat(x, shape):
        return broadcast_flat(x, shape)

    assert flat(np.arange(2.0).reshape(2, 1), (2, 3)).tolist() == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    assert flat(1.5, ()).tolist() == [1.5] and flat(np.ones(1), ()).tolist() == [1.0]
    with pytest.raises(ValueError, match="broadcast"):
        flat(np.ones(3), (2, 4))
    with pytest.raises(ValueError, match=r"requested shape \(\)"):
        flat(np.ones(3), ())


def _f(*values):
    """Parameters as the eager functions pass them (1-d float64), so the kernels compiled for the
    eager calls serve these wrappers too and the test compiles little."""
    return tuple(np.array([v], np.float64) for v in values)


def test_discrete_kernels_match_eager(nb):
    randint, choice, permutation = nb.compiled("randint"), nb.compiled("choice"), nb.compiled("permutation")
    poisson, binomial, bernoulli = nb.compiled("poisson"), nb.compiled("binomial"), nb.compiled("bernoulli")

    @numba.njit
    def draws(key, counter, low, high, weights, lam, trials, p):
        return (randint(key, counter, low, high, (6,)), choice(key, counter, 10, (4,), False, None),
                choice(key, counter, 3, (5,), True, weights), permutation(key, counter, 7),
                poisson(key, counter, lam, (5,)), binomial(key, counter, trials, p, (5,)),
                bernoulli(key, counter, p, (6,)))

    kernel_state, eager_state = _twin_states(nb, 6)
    weights = np.array([0.2, 0.5, 0.3])
    want = (eager_state.randint(-3, 3, 6), eager_state.choice(10, 4, False), eager_state.choice(3, 5, True, weights),
            eager_state.permutation(7), eager_state.poisson(20.0, 5), eager_state.binomial(30, 0.4, 5),
            eager_state.bernoulli(0.4, 6))
    got = draws(*nb.state_arrays(kernel_state), np.array([-3]), np.array([3]), weights, *_f(20.0, 30.0, 0.4))
    for g, w in zip(got, want):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)
    assert got[0].dtype == np.int32


def test_continuous_kernels_match_eager(nb):
    names = ("exponential", "lognormal", "gamma", "beta", "truncated_normal", "multivariate_normal")
    exponential, lognormal, gamma, beta, truncated, mvn = (nb.compiled(n) for n in names)

    @numba.njit
    def draws(key, counter, two, zero, half, shape, one, three, low, mean, cov):
        return (exponential(key, counter, two, (4,)), lognormal(key, counter, zero, half, (4,)),
                gamma(key, counter, shape, one, (4,)), beta(key, counter, two, three, (4,)),
                truncated(key, counter, low, two, (4,), zero, one), mvn(key, counter, mean, cov, (3,), "cholesky"))

    kernel_state, eager_state = _twin_states(nb, 10)
    mean, cov = np.zeros(2), np.array([[1.0, 0.2], [0.2, 1.0]])
    want = (eager_state.exponential(2.0, 4), eager_state.lognormal(0.0, 0.5, 4), eager_state.gamma(0.7, 1.0, 4),
            eager_state.beta(2.0, 3.0, 4), eager_state.truncated_normal(-1.0, 2.0, 4),
            eager_state.multivariate_normal(mean, cov, 3))
    got = draws(*nb.state_arrays(kernel_state), *_f(2.0, 0.0, 0.5, 0.7, 1.0, 3.0, -1.0), mean, cov)
    for g, w in zip(got, want):
        assert g.dtype == np.float32
        np.testing.assert_array_equal(g, w)


def test_shuffle_kernel_permutes_in_place(nb):
    shuffle = nb.compiled("shuffle")

    @numba.njit
    def run(key, counter, x):
        shuffle(key, counter, x)

    kernel_state, eager_state = _twin_states(nb, 12)
    x = np.arange(10, dtype=np.float32)
    run(*nb.state_arrays(kernel_state), x)
    v = bm.Variable(np.arange(10, dtype=np.float32))
    eager_state.shuffle(v)
    np.testing.assert_array_equal(x, v.value)
    assert sorted(x.tolist()) == list(range(10))


def test_kernels_follow_x64(nb):
    bm.enable_x64()
    normal, randint = nb.compiled("normal"), nb.compiled("randint")

    @numba.njit
    def draws(key, counter):
        return normal(key, counter, 0.0, 1.0, 3), randint(key, counter, 0, 5, 3)

    kernel_state, eager_state = _twin_states(nb, 1)
    z, k = draws(*nb.state_arrays(kernel_state))
    assert z.dtype == np.float64 and k.dtype == np.int64
    np.testing.assert_array_equal(z, eager_state.normal(size=3))
    assert kernel_state.counter.value.tolist() == [0, 15]  # 4 words per float64 normal, 1 per integer


def test_state_arrays_share_memory_and_unknown_names_are_refused(nb):
    state = nb.RandomState(0)
    key, counter = nb.state_arrays(state)
    assert type(key) is np.ndarray and np.shares_memory(key, state.key)
    counter[1] = 5
    assert state.counter.value.tolist() == [0, 5]
    with pytest.raises(NotImplementedError, match="bm.random.zipf"):
        nb.compiled("zipf")


def test_large_eager_draws_fill_in_parallel_with_the_same_values(nb):
    n = (1 << 17) + 3  # above the eager functions' parallel threshold; odd, from an odd position
    kernel_state, eager_state = _twin_states(nb, 13)
    for rs in (kernel_state, eager_state):
        rs.uniform(size=1)
    eager = eager_state.normal(0.5, 2.0, n), eager_state.uniform(-1.0, 2.0, n)
    normal, uniform = nb.compiled("normal"), nb.compiled("uniform")
    key, counter = nb.state_arrays(kernel_state)
    kernel = normal(key, counter, *_f(0.5, 2.0), (n,)), uniform(key, counter, *_f(-1.0, 2.0), (n,))
    for got, want in zip(kernel, eager):
        np.testing.assert_array_equal(got, want)
    assert kernel_state.counter.value.tolist() == eager_state.counter.value.tolist() == [0, 2 * n + 1]
