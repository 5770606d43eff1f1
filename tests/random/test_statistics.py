"""The laws of bm.random's draws on each backend: Kolmogorov-Smirnov / chi-square tests and moments.

Seeds are fixed, so every test is deterministic; the thresholds (p > 1e-4, moments within 5 standard
errors) are loose enough that a correct sampler passes for any seed with overwhelming probability.
The large-sample variants are marked slow.
"""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm

stats = pytest.importorskip("scipy.stats")

CONTINUOUS = {
    "uniform": (lambda n: bm.random.uniform(-1.0, 3.0, size=n), stats.uniform(-1.0, 4.0)),
    "normal": (lambda n: bm.random.normal(1.0, 2.0, size=n), stats.norm(1.0, 2.0)),
    "exponential": (lambda n: bm.random.exponential(2.0, size=n), stats.expon(scale=2.0)),
    "lognormal": (lambda n: bm.random.lognormal(0.3, 0.7, size=n), stats.lognorm(0.7, scale=np.exp(0.3))),
    "gamma_small_shape": (lambda n: bm.random.gamma(0.4, size=n), stats.gamma(0.4)),
    "gamma": (lambda n: bm.random.gamma(3.0, 2.0, size=n), stats.gamma(3.0, scale=2.0)),
    "beta": (lambda n: bm.random.beta(0.5, 2.5, size=n), stats.beta(0.5, 2.5)),
    "truncated_normal": (lambda n: bm.random.truncated_normal(-1.0, 2.0, size=n), stats.truncnorm(-1.0, 2.0)),
    "truncated_normal_tail": (lambda n: bm.random.truncated_normal(2.5, 6.0, size=n, loc=1.0, scale=0.5),
                              stats.truncnorm(3.0, 10.0, loc=1.0, scale=0.5)),
}

DISCRETE = {
    "poisson_inversion": (lambda n: bm.random.poisson(3.5, size=n), stats.poisson(3.5)),
    "poisson_ptrs": (lambda n: bm.random.poisson(150.0, size=n), stats.poisson(150.0)),
    "binomial_inversion": (lambda n: bm.random.binomial(15, 0.3, size=n), stats.binom(15, 0.3)),
    "binomial_btrs_flipped": (lambda n: bm.random.binomial(500, 0.7, size=n), stats.binom(500, 0.7)),
    "randint": (lambda n: bm.random.randint(-3, 4, size=n), stats.randint(-3, 4)),
    "bernoulli": (lambda n: bm.random.bernoulli(0.3, size=n).astype(np.int32), stats.bernoulli(0.3)),
    "choice_p": (lambda n: bm.random.choice(4, size=n, p=[0.1, 0.2, 0.3, 0.4]),
                 stats.rv_discrete(values=(np.arange(4), [0.1, 0.2, 0.3, 0.4]))),
}


def _check_continuous(samples: np.ndarray, law) -> None:
    x = samples.astype(np.float64)
    assert stats.kstest(x, law.cdf).pvalue > 1e-4
    n = x.size
    assert abs(x.mean() - law.mean()) < 5 * law.std() / np.sqrt(n)


def _check_discrete(samples: np.ndarray, law) -> None:
    x = samples.astype(np.int64)
    values, counts = np.unique(x, return_counts=True)
    expected = law.pmf(values) * x.size
    assert np.all(law.pmf(values) > 0), "a value outside the support was drawn"
    keep = expected >= 5  # pool the sparse tail into one cell
    observed = np.append(counts[keep], counts[~keep].sum())
    expected = np.append(expected[keep], x.size - expected[keep].sum())
    if expected[-1] < 5:
        observed, expected = observed[:-1], expected[:-1] * observed[:-1].sum() / expected[:-1].sum()
    assert stats.chisquare(observed, expected).pvalue > 1e-4
    assert abs(x.mean() - law.mean()) < 5 * law.std() / np.sqrt(x.size)


def _draw(draw, n: int, seed: int) -> np.ndarray:
    bm.random.seed(seed)
    return np.asarray(draw(n))


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_continuous_laws(backend, name):
    draw, law = CONTINUOUS[name]
    _check_continuous(_draw(draw, 20000, 2024), law)


@pytest.mark.parametrize("name", sorted(DISCRETE))
def test_discrete_laws(backend, name):
    draw, law = DISCRETE[name]
    _check_discrete(_draw(draw, 20000, 2024), law)


def test_multivariate_normal_covariance(backend):
    cov = np.array([[2.0, 0.6], [0.6, 1.0]])
    x = _draw(lambda n: bm.random.multivariate_normal([1.0, -1.0], cov, size=n), 20000, 7).astype(np.float64)
    np.testing.assert_allclose(x.mean(axis=0), [1.0, -1.0], atol=5 * np.sqrt(2.0 / 20000))
    np.testing.assert_allclose(np.cov(x.T), cov, atol=0.06)


def test_permutations_are_uniform(backend):
    # Where element 0 lands, over many shuffles of 5 items: uniform over the 5 positions.
    bm.random.seed(3)
    landing = np.array([int(np.argmax(np.asarray(bm.random.permutation(5)) == 0)) for _ in range(400)])
    counts = np.bincount(landing, minlength=5)
    assert stats.chisquare(counts).pvalue > 1e-4


def test_choice_without_replacement_weights(backend):
    # First pick of a weighted draw without replacement follows p.
    p = np.array([0.5, 0.3, 0.2])
    bm.random.seed(4)
    first = np.array([int(np.asarray(bm.random.choice(3, size=2, replace=False, p=p))[0]) for _ in range(400)])
    assert stats.chisquare(np.bincount(first, minlength=3), 400 * p).pvalue > 1e-4


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_continuous_laws_large_sample(backend, name):
    draw, law = CONTINUOUS[name]
    _check_continuous(_draw(draw, 10 ** 6, 11), law)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(DISCRETE))
def test_discrete_laws_large_sample(backend, name):
    draw, law = DISCRETE[name]
    _check_discrete(_draw(draw, 10 ** 6, 11), law)
