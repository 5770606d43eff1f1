"""bm.connect.fixed_prob on every backend: one seed, one CSR matrix; degree statistics; errors."""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm
from brainpy_math.connect import csr_to_dense, fixed_prob_numpy


def _check_csr(indices, indptr, num_pre, num_post):
    indices, indptr = np.asarray(indices), np.asarray(indptr)
    assert indptr.shape == (num_pre + 1,) and indptr[0] == 0 and indptr[-1] == indices.size
    assert np.all(np.diff(indptr) >= 0)
    assert indices.size == 0 or (indices.min() >= 0 and indices.max() < num_post)
    for i in range(num_pre):
        row = indices[indptr[i]:indptr[i + 1]]
        assert np.all(np.diff(row) > 0), f"row {i} is not sorted and duplicate-free: {row}"


def test_same_csr_for_a_seed_on_every_backend(backend):
    indices, indptr = bm.connect.fixed_prob(300, 200, 0.05, seed=7)
    assert type(indices) is type(bm.zeros(1)) and type(indptr) is type(bm.zeros(1))
    assert indices.dtype == np.int32 and indptr.dtype == np.int32
    want_indices, want_indptr = fixed_prob_numpy(300, 200, 0.05, seed=7)
    np.testing.assert_array_equal(np.asarray(indices), want_indices)
    np.testing.assert_array_equal(np.asarray(indptr), want_indptr)
    _check_csr(indices, indptr, 300, 200)


def test_x64_gives_int64(backend):
    bm.enable_x64()
    indices, indptr = bm.connect.fixed_prob(10, 10, 0.5, seed=1)
    assert indices.dtype == np.int64 and indptr.dtype == np.int64


def test_seed_determines_the_matrix():
    a = fixed_prob_numpy(100, 100, 0.1, seed=1)
    b = fixed_prob_numpy(100, 100, 0.1, seed=1)
    c = fixed_prob_numpy(100, 100, 0.1, seed=2)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])


def test_degree_statistics():
    num_pre, num_post, prob = 2000, 1000, 0.08
    indices, indptr = fixed_prob_numpy(num_pre, num_post, prob, seed=3)
    degrees = np.diff(indptr)
    mean, var = num_post * prob, num_post * prob * (1 - prob)
    # Binomial(num_post, prob) out-degrees: mean within 5 standard errors, variance within 15%.
    assert abs(degrees.mean() - mean) < 5 * np.sqrt(var / num_pre)
    assert abs(degrees.var() / var - 1) < 0.15
    # In-degrees are Binomial(num_pre, prob) as well: every column is drawn alike.
    in_degrees = np.bincount(indices, minlength=num_post)
    assert abs(in_degrees.mean() - num_pre * prob) < 5 * np.sqrt(num_pre * prob / num_post)
    _check_csr(indices, indptr, num_pre, num_post)


def test_include_self_and_edge_probabilities():
    indices, indptr = fixed_prob_numpy(4, 4, 1.0, include_self=False)
    dense = csr_to_dense(1.0, indices, indptr, (4, 4))
    np.testing.assert_array_equal(dense, 1.0 - np.eye(4))
    indices, indptr = fixed_prob_numpy(4, 3, 1.0)
    np.testing.assert_array_equal(csr_to_dense(1.0, indices, indptr, (4, 3)), np.ones((4, 3)))
    indices, indptr = fixed_prob_numpy(5, 6, 0.0, seed=0)
    assert indices.size == 0 and np.array_equal(indptr, np.zeros(6))
    indices, indptr = fixed_prob_numpy(0, 6, 0.5, seed=0)
    assert indices.size == 0 and indptr.tolist() == [0]
    indices, indptr = fixed_prob_numpy(3, 0, 0.5, seed=0)
    assert indices.size == 0 and indptr.tolist() == [0, 0, 0, 0]
    indices, indptr = fixed_prob_numpy(300, 300, 0.3, seed=5, include_self=False)
    rows = np.repeat(np.arange(300), np.diff(indptr))
    assert not np.any(rows == indices)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(num_pre=-1, num_post=3, prob=0.5), ValueError, "num_pre"),
    (dict(num_pre=3, num_post=-2, prob=0.5), ValueError, "num_post"),
    (dict(num_pre=3.0, num_post=3, prob=0.5), TypeError, "num_pre"),
    (dict(num_pre=3, num_post=3, prob=1.5), ValueError, "prob"),
    (dict(num_pre=3, num_post=3, prob=-0.1), ValueError, "prob"),
    (dict(num_pre=3, num_post=3, prob="0.1"), TypeError, "prob"),
    (dict(num_pre=3, num_post=3, prob=0.1, seed=1.5), TypeError, "seed"),
])
def test_bad_arguments(backend, kwargs, error, message):
    with pytest.raises(error, match=message):
        bm.connect.fixed_prob(**kwargs)
