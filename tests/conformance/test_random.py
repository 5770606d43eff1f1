"""bm.random gives the same streams on every backend: each test draws on all installed backends.

Uniforms, integers, permutations, choices and Bernoulli draws must be identical; normal and
exponential draws agree to 4 ulp; the other continuous draws to the documented tolerance (the
transform amplifies libm's last-bit differences), and the rejection samplers agree except where
an acceptance test lands within rounding of its threshold (rare; their laws are tested in
tests/random/test_statistics.py).
"""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm

INSTALLED = [b for b in bm._backend.known_backends() if b in bm.available_backends()]
needs_two = pytest.mark.needs_backends("jax", "numba")  # a cross-backend comparison


def on_each_backend(draw, seed: int = 1) -> dict[str, np.ndarray]:
    """``draw()`` after ``bm.random.seed(seed)`` on every installed backend, as NumPy arrays."""
    out = {}
    for name in INSTALLED:
        with bm.set_backend(name):
            bm.random.seed(seed)
            out[name] = np.asarray(draw())
    return out


def assert_identical(results: dict[str, np.ndarray]) -> None:
    first_name, first = next(iter(results.items()))
    for name, other in results.items():
        assert other.dtype == first.dtype, f"{name}: dtype {other.dtype} != {first_name}: {first.dtype}"
        np.testing.assert_array_equal(other, first, err_msg=f"{name} differs from {first_name}")


def assert_close_ulp(results: dict[str, np.ndarray], ulps: float, scale=None) -> None:
    """|a - b| <= ulps * eps * max(1, |a|) (times ``scale(a)`` if given): ulps, with an absolute floor."""
    first_name, first = next(iter(results.items()))
    eps = np.finfo(first.dtype).eps
    for name, other in results.items():
        assert other.dtype == first.dtype and other.shape == first.shape
        a, b = first.astype(np.float64), other.astype(np.float64)
        bound = ulps * eps * np.maximum(1.0, np.abs(a)) * (1.0 if scale is None else scale(a))
        worst = np.max(np.abs(a - b) / bound) if a.size else 0.0
        assert worst <= 1.0, f"{name} differs from {first_name} by {worst:.2f} x the bound"


# ------------------------------------------------------------------------ the example
@needs_two
def test_normal_1000_is_the_same_on_every_backend_in_one_or_ten_calls():
    one_call = on_each_backend(lambda: bm.random.normal(size=1000))
    ten_calls = on_each_backend(lambda: np.concatenate([np.asarray(bm.random.normal(size=100))
                                                        for _ in range(10)]))
    assert_close_ulp(one_call, 4)
    for name in INSTALLED:
        np.testing.assert_array_equal(ten_calls[name], one_call[name])


class Noisy(bm.Base):
    def __init__(self):
        super().__init__()
        self.v = bm.Variable(bm.zeros(100))

    def update(self):
        self.v.value = self.v.value * 0.0 + bm.random.normal(0.0, 1.0, size=100)
        return self.v.value


def test_jitted_draws_continue_the_eager_stream(backend):
    bm.random.seed(1)
    eager = np.asarray(bm.random.normal(size=1000))
    model = Noisy()
    step = bm.jit(model.update)
    bm.random.seed(1)
    jitted = np.concatenate([np.asarray(step()) for _ in range(10)])
    np.testing.assert_array_equal(jitted, eager)
    assert np.asarray(bm.random.default_state().counter.value).tolist() == [0, 1000]
    bm.random.seed(1)
    first = np.asarray(step())
    np.testing.assert_array_equal(first, eager[:100])
    np.testing.assert_array_equal(np.asarray(bm.random.normal(size=100)), eager[100:200])


def test_jit_of_a_function_draws_new_noise_each_call(backend):
    draw = bm.jit(lambda: bm.random.uniform(size=4))
    bm.random.seed(3)
    a, b = np.asarray(draw()), np.asarray(draw())
    bm.random.seed(3)
    np.testing.assert_array_equal(np.concatenate([a, b]), np.asarray(bm.random.uniform(size=8)))


# ------------------------------------------------------------------------ exact draws
EXACT = {
    "uniform": lambda: bm.random.uniform(-2.0, 3.0, size=(4, 5)),
    "uniform_broadcast": lambda: bm.random.uniform(np.zeros((3, 1)), np.arange(1.0, 5.0)),
    "rand": lambda: bm.random.rand(3, 7),
    "random": lambda: bm.random.random(9),
    "random_sample": lambda: bm.random.random_sample((2, 2)),
    "randint": lambda: bm.random.randint(-5, 17, size=40),
    "randint_high_only": lambda: bm.random.randint(3, size=(4, 4)),
    "randint_wide": lambda: bm.random.randint(-2 ** 30, 2 ** 30 + 1, size=200),
    "randint_arrays": lambda: bm.random.randint(np.arange(5), np.arange(5) * 3 + 1),
    "randint_int8": lambda: bm.random.randint(-100, 100, size=6, dtype=np.int8),
    "random_integers": lambda: bm.random.random_integers(1, 6, size=30),
    "choice": lambda: bm.random.choice(10, size=12),
    "choice_array": lambda: bm.random.choice(np.arange(5.0) * 2, size=(2, 3)),
    "choice_unique": lambda: bm.random.choice(20, size=7, replace=False),
    "choice_p": lambda: bm.random.choice(4, size=50, p=[0.1, 0.0, 0.6, 0.3]),
    "choice_p_unique": lambda: bm.random.choice(6, size=3, replace=False, p=[0.1, 0.2, 0.3, 0.1, 0.2, 0.1]),
    "choice_scalar": lambda: bm.random.choice(7),
    "permutation": lambda: bm.random.permutation(25),
    "permutation_array": lambda: bm.random.permutation(np.arange(12.0).reshape(4, 3)),
    "bernoulli": lambda: bm.random.bernoulli(0.3, size=64),
    "bernoulli_array": lambda: bm.random.bernoulli(np.linspace(0.0, 1.0, 11)),
    "poisson_small": lambda: bm.random.poisson(3.5, size=64),
    "binomial_small": lambda: bm.random.binomial(12, 0.3, size=64),
    "binomial_flipped": lambda: bm.random.binomial(8, 0.9, size=64),
    "split_key": lambda: bm.random.split_key(),
}


@needs_two
@pytest.mark.parametrize("name", sorted(EXACT))
def test_exact_draws_are_identical_across_backends(name):
    assert_identical(on_each_backend(EXACT[name], seed=7))


@needs_two
def test_shuffle_is_identical_across_backends():
    def shuffled():
        v = bm.Variable(bm.arange(30))
        bm.random.shuffle(v)
        return v.value
    result = on_each_backend(shuffled)
    assert_identical(result)
    assert sorted(result[INSTALLED[0]].tolist()) == list(range(30))


@needs_two
def test_exact_draws_are_identical_under_x64():
    bm.enable_x64()
    for draw in (lambda: bm.random.uniform(size=33), lambda: bm.random.randint(0, 1000, size=33)):
        result = on_each_backend(draw)
        assert result[INSTALLED[0]].dtype.itemsize == 8
        assert_identical(result)
    assert_close_ulp(on_each_backend(lambda: bm.random.normal(size=33)), 4)


# ------------------------------------------------------------------------ continuous draws
@needs_two
@pytest.mark.parametrize("draw", [
    lambda: bm.random.normal(size=2000),
    lambda: bm.random.normal(np.arange(3.0), 2.0, size=(50, 3)),
    lambda: bm.random.standard_normal(301),
    lambda: bm.random.randn(7, 9),
    lambda: bm.random.exponential(2.0, size=2000),
], ids=["normal", "normal_loc", "standard_normal", "randn", "exponential"])
def test_normal_and_exponential_agree_to_4_ulp(draw):
    assert_close_ulp(on_each_backend(draw), 4)


@needs_two
def test_lognormal_agrees_to_4_ulp_of_its_exponent():
    # exp(y) turns an absolute rounding of y into a relative one of the result: 4 ulp of |y|.
    result = on_each_backend(lambda: bm.random.lognormal(0.5, 1.5, size=2000))
    assert_close_ulp(result, 4, scale=lambda a: np.maximum(1.0, np.abs(np.log(a))) + 0.25)


@needs_two
def test_truncated_normal_and_multivariate_normal_agree_to_8_ulp():
    # Inversion divides the CDF's rounding by the density; Cholesky and the product add a few ulp.
    for draw in (lambda: bm.random.truncated_normal(-1.0, 2.0, size=2000),
                 lambda: bm.random.truncated_normal(2.0, 5.0, size=2000, loc=1.0, scale=0.5),
                 lambda: bm.random.multivariate_normal([0.0, 1.0], [[1.0, 0.3], [0.3, 2.0]], size=500)):
        assert_close_ulp(on_each_backend(draw), 8)


@needs_two
@pytest.mark.parametrize("draw", [
    lambda: bm.random.gamma(2.5, 1.5, size=2000),
    lambda: bm.random.gamma(0.3, size=2000),
    lambda: bm.random.beta(0.5, 3.0, size=2000),
], ids=["gamma", "gamma_small_shape", "beta"])
def test_gamma_and_beta_follow_the_same_algorithm(draw):
    # Marsaglia-Tsang's (1 + c x)**3 amplifies cos's last-bit difference (up to ~100 ulp measured).
    result = on_each_backend(draw)
    first, other = (result[n].astype(np.float64) for n in INSTALLED[:2])
    np.testing.assert_allclose(other, first, rtol=3e-5, atol=1e-6)


@needs_two
@pytest.mark.parametrize("draw", [
    lambda: bm.random.poisson(200.0, size=4000),
    lambda: bm.random.binomial(1000, 0.4, size=4000),
], ids=["poisson_ptrs", "binomial_btrs"])
def test_rejection_counts_agree_except_at_rounding_thresholds(draw):
    result = on_each_backend(draw)
    first, other = (result[n] for n in INSTALLED[:2])
    assert first.dtype == other.dtype
    assert np.mean(first != other) <= 1e-3


# ------------------------------------------------------------------------ state and errors
def test_random_state_objects(backend):
    rs = bm.random.RandomState(5)
    assert isinstance(rs, bm.random.RandomState) and isinstance(rs, bm.Base)
    assert isinstance(rs.key, bm.Variable) and isinstance(rs.counter, bm.Variable)
    assert set(rs.vars(method="relative")) == {"key", "counter"}
    key, counter = rs.key, rs.counter
    first = np.asarray(rs.uniform(size=5))
    rs.seed(5)
    assert rs.key is key and rs.counter is counter
    np.testing.assert_array_equal(np.asarray(rs.uniform(size=5)), first)
    child = rs.split()
    assert not np.array_equal(np.asarray(child.uniform(size=5)), np.asarray(rs.uniform(size=5)))
    other = bm.random.RandomState(6)
    assert not np.array_equal(np.asarray(other.uniform(size=5)), first)


def test_default_state_is_reseeded_in_place(backend):
    state = bm.random.default_state()
    key, counter = state.key, state.counter
    bm.random.seed(42)
    assert bm.random.default_state() is state and state.key is key and state.counter is counter
    assert np.asarray(state.key.value).tolist() == [0, 42]


@pytest.mark.parametrize("call,message", [
    (lambda: bm.random.normal(0.0, -1.0, size=3), "argument 'scale' must be non-negative"),
    (lambda: bm.random.uniform(size=-1), "argument 'size'"),
    (lambda: bm.random.randint(5, 5), "'high' must be greater than 'low'"),
    (lambda: bm.random.randint(0, 2 ** 33, dtype=np.int64), "at most 2\\*\\*32 - 1"),
    (lambda: bm.random.choice(5, size=6, replace=False), "without replacement"),
    (lambda: bm.random.choice(3, p=[0.5, 0.6, -0.1]), "argument 'p'"),
    (lambda: bm.random.poisson(-1.0), "argument 'lam'"),
    (lambda: bm.random.binomial(3.5, 0.5), "argument 'n'"),
    (lambda: bm.random.gamma(0.0), "argument 'shape' must be positive"),
    (lambda: bm.random.truncated_normal(1.0, -1.0), "'lower' must be below 'upper'"),
    (lambda: bm.random.normal(np.zeros(3), 1.0, size=(2,)), "do not broadcast"),
    (lambda: bm.random.multivariate_normal([0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]]), "positive definite"),
    (lambda: bm.random.seed(-3), "argument 'seed'"),
])
def test_bad_arguments_raise_and_leave_the_state_alone(backend, call, message):
    bm.random.seed(0)
    bm.random.uniform(size=3)
    before = np.asarray(bm.random.default_state().counter.value).copy()
    with pytest.raises(ValueError, match=message):
        call()
    np.testing.assert_array_equal(np.asarray(bm.random.default_state().counter.value), before)


def test_shuffle_refuses_immutable_sequences(backend):
    with pytest.raises(TypeError, match="shuffle: argument 'x' must be a Variable, a bm array"):
        bm.random.shuffle((0, 1, 2, 3))


def test_unsupported_method_names_the_alternative(backend):
    with pytest.raises(NotImplementedError, match="method='cholesky'"):
        bm.random.multivariate_normal([0.0], [[1.0]], method="svd")
