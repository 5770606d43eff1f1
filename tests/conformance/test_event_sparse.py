"""bm.event.csrmv and bm.sparse.csrmv on every backend, against a dense NumPy float64 reference.

The JAX backend bounds the work of ``event.csrmv`` by the spikes with budget tiers and falls back
to the full product beyond them; the cases below cross each tier (few spikes, a burst, every
neuron) and the fallback for spiking rows that hold more synapses than the tier's buffer.
"""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm
from brainpy_math.connect import csr_to_dense, fixed_prob_numpy
from _assertions import assert_matches

NUM_PRE, NUM_POST = 300, 120


def _matrix(seed=0, prob=0.1, num_pre=NUM_PRE, num_post=NUM_POST):
    indices, indptr = fixed_prob_numpy(num_pre, num_post, prob, seed=seed)
    weights = np.random.default_rng(seed).uniform(-1, 1, indices.size)
    return indices, indptr, weights


def _events(num, count, seed=0):
    events = np.zeros(num, bool)
    events[np.random.default_rng(seed + 100).choice(num, count, replace=False)] = True
    return events


# Spike counts: none, a few (the small tier), a burst (the large tier), every neuron (the fallback).
SPIKE_COUNTS = [0, 5, 60, NUM_PRE]


@pytest.mark.parametrize("count", SPIKE_COUNTS)
@pytest.mark.parametrize("per_synapse", [False, True], ids=["scalar", "per_synapse"])
@pytest.mark.parametrize("event_dtype", ["bool", "float32"])
def test_event_csrmv_transpose(backend, count, per_synapse, event_dtype):
    indices, indptr, weights = _matrix()  # one matrix: the compiled JAX kernels are reused
    events = _events(NUM_PRE, count, seed=count)
    w = weights if per_synapse else 0.75
    dense = csr_to_dense(w, indices, indptr, (NUM_PRE, NUM_POST))
    # Float events count as events where non-zero, whatever their value (BrainPy's meaning).
    given = events if event_dtype == "bool" else events * np.float32(2.5)
    got = bm.event.csrmv(bm.asarray(w) if per_synapse else w, bm.asarray(indices), bm.asarray(indptr),
                         bm.asarray(given, dtype=event_dtype), shape=(NUM_PRE, NUM_POST), transpose=True)
    assert type(got) is type(bm.zeros(1))
    assert_matches(got, events.astype(np.float64) @ dense, "float32")


@pytest.mark.parametrize("per_synapse", [False, True], ids=["scalar", "per_synapse"])
def test_event_csrmv_no_transpose(backend, per_synapse):
    indices, indptr, weights = _matrix()
    events = _events(NUM_POST, 30, seed=3)
    w = weights if per_synapse else -1.5
    dense = csr_to_dense(w, indices, indptr, (NUM_PRE, NUM_POST))
    got = bm.event.csrmv(bm.asarray(w) if per_synapse else w, bm.asarray(indices), bm.asarray(indptr),
                         bm.asarray(events), shape=(NUM_PRE, NUM_POST), transpose=False)
    assert_matches(got, dense @ events.astype(np.float64), "float32")


def test_event_csrmv_rows_longer_than_the_buffer(backend):
    # A few spiking rows hold every column while the mean row is short: the spike count fits
    # the small tier but their synapses overflow its buffer, so the fallback must take over.
    num_pre, num_post = 400, 500
    indices, indptr = fixed_prob_numpy(num_pre, num_post, 0.01, seed=4)
    long_rows = [3, 50, 51, 399]
    rows = [np.arange(num_post) if i in long_rows else indices[indptr[i]:indptr[i + 1]] for i in range(num_pre)]
    indptr = np.concatenate([[0], np.cumsum([r.size for r in rows])]).astype(np.int32)
    indices = np.concatenate(rows).astype(np.int32)
    events = np.zeros(num_pre, bool)
    events[long_rows + [7, 8]] = True
    dense = csr_to_dense(1.0, indices, indptr, (num_pre, num_post))
    got = bm.event.csrmv(1.0, bm.asarray(indices), bm.asarray(indptr), bm.asarray(events),
                         shape=(num_pre, num_post))
    assert_matches(got, events @ dense, "float32")
    if backend == "jax":  # traced connectivity: the synapse buffer overflows, the fallback runs
        import jax
        traced = jax.jit(lambda i, p, e: bm.event.csrmv(1.0, bm.asarray(i), bm.asarray(p), bm.asarray(e),
                                                        shape=(num_pre, num_post)).value)
        assert_matches(traced(indices, indptr, events), events @ dense, "float32")


def test_event_csrmv_empty_rows_and_empty_matrix(backend):
    indptr = np.array([0, 0, 2, 2, 3, 3], np.int32)  # rows 0, 2 and 4 are empty
    indices = np.array([0, 2, 1], np.int32)
    events = bm.asarray([True, True, True, False, True])
    got = bm.event.csrmv(1.0, bm.asarray(indices), bm.asarray(indptr), events, shape=(5, 3))
    assert_matches(got, np.array([1.0, 0.0, 1.0]), "float32")
    empty = bm.asarray(np.zeros(0, np.int32))
    got = bm.event.csrmv(2.0, empty, bm.asarray(np.zeros(5, np.int32)), events[:4], shape=(4, 3))
    assert_matches(got, np.zeros(3), "float32")


def test_event_csrmv_dtype_policy(backend):
    indices, indptr, weights = _matrix()
    events = _events(NUM_PRE, 10, seed=5)
    args = (bm.asarray(indices), bm.asarray(indptr), bm.asarray(events))
    assert bm.event.csrmv(1, *args, shape=(NUM_PRE, NUM_POST)).dtype == np.float32
    # A float64 NumPy array is narrowed under the default policy, as every backend array is.
    assert bm.event.csrmv(weights, *args, shape=(NUM_PRE, NUM_POST)).dtype == np.float32
    bm.enable_x64()
    indices64, indptr64 = bm.connect.fixed_prob(NUM_PRE, NUM_POST, 0.1, seed=0)
    got = bm.event.csrmv(bm.asarray(weights), indices64, indptr64, bm.asarray(events),
                         shape=(NUM_PRE, NUM_POST))
    assert_matches(got, events @ csr_to_dense(weights, indices, indptr, (NUM_PRE, NUM_POST)), "float64")


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("per_entry", [False, True], ids=["scalar", "per_entry"])
def test_sparse_csrmv(backend, transpose, per_entry):
    indices, indptr, weights = _matrix()
    data = weights if per_entry else 0.5
    dense = csr_to_dense(data, indices, indptr, (NUM_PRE, NUM_POST))
    vector = np.random.default_rng(6).normal(size=NUM_PRE if transpose else NUM_POST)
    got = bm.sparse.csrmv(bm.asarray(data) if per_entry else data, bm.asarray(indices), bm.asarray(indptr),
                          bm.asarray(vector), shape=(NUM_PRE, NUM_POST), transpose=transpose)
    want = vector @ dense if transpose else dense @ vector
    assert_matches(got, want, "float32")


def test_sparse_csrmv_dtype_policy(backend):
    indices, indptr = bm.asarray([1, 0], dtype=bm.int32), bm.asarray([0, 1, 2], dtype=bm.int32)
    assert bm.sparse.csrmv(2, indices, indptr, bm.asarray([1, 2]), shape=(2, 2)).dtype == np.float32
    bm.enable_x64()
    got = bm.sparse.csrmv(0.1, indices, indptr, bm.asarray([1.0, 2.0]), shape=(2, 2))
    assert_matches(got, np.array([0.2, 0.1]), "float64")


def test_lists_are_taken_as_numpy_takes_them(backend):
    # Events and vectors written as Python lists, as NumPy users do: the same result as the array.
    indices, indptr, weights = _matrix()
    events = _events(NUM_PRE, 10, seed=5)
    args = (bm.asarray(indices), bm.asarray(indptr))
    want = bm.event.csrmv(0.5, *args, bm.asarray(events), shape=(NUM_PRE, NUM_POST))
    got = bm.event.csrmv(0.5, *args, events.tolist(), shape=(NUM_PRE, NUM_POST))
    assert_matches(got, np.asarray(want), "float32")
    vector = [float(i % 3) for i in range(NUM_POST)]
    got = bm.sparse.csrmv(0.5, *args, vector, shape=(NUM_PRE, NUM_POST), transpose=False)
    assert_matches(got, csr_to_dense(0.5, indices, indptr, (NUM_PRE, NUM_POST)) @ np.array(vector), "float32")


@pytest.mark.parametrize("call, error, message", [
    (lambda i, p, e: bm.event.csrmv(1.0, i, p, e, shape=(3,)), ValueError, "shape"),
    (lambda i, p, e: bm.event.csrmv(1.0, i, p, e, shape=(4, 3)), ValueError, "indptr"),
    (lambda i, p, e: bm.event.csrmv(1.0, i, p, e[:2], shape=(3, 3)), ValueError, "events"),
    (lambda i, p, e: bm.event.csrmv(1.0, i, p, e, shape=(3, 4), transpose=False), ValueError, "events"),
    (lambda i, p, e: bm.event.csrmv(bm.ones(2), i, p, e, shape=(3, 3)), ValueError, "weights"),
    (lambda i, p, e: bm.event.csrmv(1.0, bm.ones(3), p, e, shape=(3, 3)), TypeError, "indices"),
    (lambda i, p, e: bm.sparse.csrmv(1j, i, p, bm.ones(3), shape=(3, 3)), TypeError, "data"),
    (lambda i, p, e: bm.sparse.csrmv(1.0, i, p, bm.ones(2), shape=(3, 3)), ValueError, "vector"),
])
def test_bad_arguments(backend, call, error, message):
    indices, indptr = bm.asarray([0, 1, 2], dtype=bm.int32), bm.asarray([0, 1, 2, 3], dtype=bm.int32)
    with pytest.raises(error, match=message):
        call(indices, indptr, bm.asarray([True, False, True]))


def test_jax_event_csrmv_traces_under_jit(backend):
    """Under ``jax.jit`` the tier is chosen at run time, from the traced spikes; the connectivity
    may be captured (concrete: rows read as a block) or traced (rows enumerated into a buffer)."""
    if backend != "jax":
        pytest.skip("jax.jit applies to the jax backend only")
    import jax
    indices, indptr, weights = _matrix()
    dense = csr_to_dense(weights, indices, indptr, (NUM_PRE, NUM_POST))

    @jax.jit
    def propagate(w, events):
        return bm.event.csrmv(bm.asarray(w), bm.asarray(indices), bm.asarray(indptr), bm.asarray(events),
                              shape=(NUM_PRE, NUM_POST)).value

    # With the connectivity traced too, the rows' synapses go through the enumerated buffer.
    @jax.jit
    def propagate_traced(w, indices, indptr, events):
        return bm.event.csrmv(bm.asarray(w), bm.asarray(indices), bm.asarray(indptr), bm.asarray(events),
                              shape=(NUM_PRE, NUM_POST)).value

    for count in SPIKE_COUNTS:
        events = _events(NUM_PRE, count, seed=count)
        assert_matches(propagate(weights.astype(np.float32), events), events @ dense, "float32")
        assert_matches(propagate_traced(weights.astype(np.float32), indices, indptr, events), events @ dense,
                       "float32")
    assert propagate._cache_size() == 1 and propagate_traced._cache_size() == 1


@pytest.mark.parametrize("n", [1, 32, 33, 1100, 40000])
@pytest.mark.needs_backends("jax")
def test_jax_first_spiking_matches_nonzero(n):
    """The recursive block compaction behind the JAX tiers (one to four levels here)."""
    import jax
    from brainpy_math_jax.event import first_spiking
    compact = jax.jit(first_spiking, static_argnums=1)
    rng = np.random.default_rng(n)
    for fraction in (0.0, 0.002, 0.05):
        spiking = rng.random(n) < fraction
        want = np.nonzero(spiking)[0][:64]
        if spiking.sum() > 64:
            continue  # beyond the budget the result is unspecified (the callers fall back)
        got = np.asarray(compact(spiking, 64))
        np.testing.assert_array_equal(got, np.concatenate([want, np.full(64 - want.size, n)]))
