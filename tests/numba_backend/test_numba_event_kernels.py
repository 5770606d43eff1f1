"""The Numba kernels of bm.event / bm.sparse called from code compiled by ``numba.njit``.

Generated model code calls ``brainpy_math_numba.event.compiled('csrmv')`` with the positional
arguments of ``bm.event.csrmv``; ``shape`` arrives as a tuple of ints.
"""
from __future__ import annotations

import numpy as np
import pytest

numba = pytest.importorskip("numba")

from brainpy_math.connect import csr_to_dense, fixed_prob_numpy  # noqa: E402
from brainpy_math_numba import event, sparse  # noqa: E402

NUM_PRE, NUM_POST = 60, 40
INDICES, INDPTR = fixed_prob_numpy(NUM_PRE, NUM_POST, 0.2, seed=11)
WEIGHTS = np.random.default_rng(11).uniform(0, 1, INDICES.size).astype(np.float32)
SPIKES = np.random.default_rng(12).random(NUM_PRE) < 0.3

EVENT_KERNEL = event.compiled("csrmv")
SPARSE_KERNEL = sparse.compiled("csrmv")


@numba.njit
def _two_steps(weights, indices, indptr, spikes, shape):
    """A model step as generated code writes it: propagate, then use the input in a loop."""
    total = np.zeros(shape[1], np.float32)
    for _ in range(2):
        total += EVENT_KERNEL(weights, indices, indptr, spikes, shape, True)
    return total


@pytest.mark.parametrize("weights", [np.float32(0.25), WEIGHTS], ids=["scalar", "per_synapse"])
def test_event_kernel_inside_njit(weights):
    got = _two_steps(weights, INDICES, INDPTR, SPIKES, (NUM_PRE, NUM_POST))
    want = 2 * SPIKES @ csr_to_dense(weights, INDICES, INDPTR, (NUM_PRE, NUM_POST))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@numba.njit
def _event_post(weights, indices, indptr, spikes, shape):
    return EVENT_KERNEL(weights, indices, indptr, spikes, shape, False)


def test_event_kernel_postsynaptic_events_float():
    post_spikes = (np.arange(NUM_POST) % 3 == 0).astype(np.float32) * np.float32(4.0)
    got = _event_post(WEIGHTS, INDICES, INDPTR, post_spikes, (NUM_PRE, NUM_POST))
    want = csr_to_dense(WEIGHTS, INDICES, INDPTR, (NUM_PRE, NUM_POST)) @ (post_spikes != 0)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@numba.njit
def _sparse_both(data, indices, indptr, pre_vector, post_vector, shape):
    return (SPARSE_KERNEL(data, indices, indptr, post_vector, shape, False),
            SPARSE_KERNEL(data, indices, indptr, pre_vector, shape, True))


def test_sparse_kernel_inside_njit():
    pre = np.linspace(-1, 1, NUM_PRE).astype(np.float32)
    post = np.linspace(0, 2, NUM_POST).astype(np.float32)
    forward, backward = _sparse_both(WEIGHTS, INDICES, INDPTR, pre, post, (NUM_PRE, NUM_POST))
    dense = csr_to_dense(WEIGHTS, INDICES, INDPTR, (NUM_PRE, NUM_POST))
    assert forward.dtype == backward.dtype == np.float32
    np.testing.assert_allclose(forward, dense @ post, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(backward, pre @ dense, rtol=1e-5, atol=1e-5)


def test_unknown_kernel_names_the_alternative():
    with pytest.raises(NotImplementedError, match="bm.event.coomv.*jax backend"):
        event.compiled("coomv")
    with pytest.raises(NotImplementedError, match="bm.sparse.csrmm"):
        sparse.compiled("csrmm")


@numba.njit
def _event_pre(weights, indices, indptr, spikes, shape):
    return EVENT_KERNEL(weights, indices, indptr, spikes, shape, True)


def test_event_kernel_word_scan_edge_cases():
    """Contiguous events are scanned eight bytes at a time: -0.0 makes a word non-zero without
    being an event, a length that is not a multiple of the word leaves a tail, and strided events
    take the entry-by-entry loop."""
    dense = csr_to_dense(WEIGHTS, INDICES, INDPTR, (NUM_PRE, NUM_POST))
    floats = np.where(SPIKES, np.float32(3.0), np.float32(-0.0)).astype(np.float32)
    got = _event_pre(WEIGHTS, INDICES, INDPTR, floats, (NUM_PRE, NUM_POST))
    np.testing.assert_allclose(got, SPIKES @ dense, rtol=1e-5, atol=1e-5)
    rows = NUM_PRE - 3  # the first 57 rows: 7 words of bools and a tail of 1
    sub_indptr = INDPTR[:rows + 1].copy()
    got = _event_pre(WEIGHTS, INDICES, sub_indptr, SPIKES[:rows].copy(), (rows, NUM_POST))
    np.testing.assert_allclose(got, SPIKES[:rows] @ dense[:rows], rtol=1e-5, atol=1e-5)
    strided = np.repeat(SPIKES, 2)[::2]
    assert not strided.flags.c_contiguous
    got = _event_pre(WEIGHTS, INDICES, INDPTR, strided, (NUM_PRE, NUM_POST))
    np.testing.assert_allclose(got, SPIKES @ dense, rtol=1e-5, atol=1e-5)


def test_a_default_keyword_reaches_the_kernel_omitted_and_others_as_written():
    """``transpose=True`` (the default) is left out of the generated call: Numba types it as the
    omitted default, which the kernel specialises on (one branch compiled); ``False`` stays."""
    import brainpy_math as bm
    from _ir import symbol_calls

    pre = np.array([True, False, True])
    indices = np.array([0, 1, 1, 2], np.int32)
    indptr = np.array([0, 2, 3, 4], np.int32)

    class Projection(bm.Base):
        def __init__(self, transpose):
            super().__init__()
            self.transpose = transpose
            self.out = bm.Variable(bm.zeros(3))

        def update(self, spikes):
            self.out.value = bm.event.csrmv(0.5, indices, indptr, spikes, shape=(3, 3), transpose=self.transpose)

    with bm.set_backend("numba"):
        for transpose in (True, False):
            model = Projection(transpose)
            step = bm.jit(model.update)
            step(pre)
            (call,) = symbol_calls(step, lambda symbol: symbol.library == "csrmv")
            assert [k.arg for k in call.keywords] == (["shape"] if transpose else ["shape", "transpose"])
            eager = Projection(transpose)
            with bm.set_backend("numba"):
                eager.update(bm.asarray(pre))
            np.testing.assert_array_equal(np.asarray(model.out), np.asarray(eager.out))
