"""Validation of CSR structures by bm.event.csrmv and bm.sparse.csrmv, the same on every backend.

Bad structures used to crash the interpreter (Numba, ``indptr[-1] > len(indices)``), return
garbage (Numba, out-of-range columns), drop or wrap contributions silently (both backends) or fail
with JAX-internal messages. Now each raises one line naming the argument, the position and value
and what was expected; the verdict is cached per structure (``brainpy_math._csr``), and the Numba
kernels check the indices they read, so compiled code never touches memory out of bounds either.
"""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm
from brainpy_math import _csr
from brainpy_math.connect import csr_to_dense, fixed_prob_numpy

GOOD_INDICES = [0, 2, 1, 2]
GOOD_INDPTR = [0, 1, 3, 4]  # 3 rows, 3 columns

# (indices, indptr, shape, expected message after "<fn>: ")
BAD_STRUCTURES = {
    "indptr_past_the_end": ([0, 1, 2], [0, 1, 2, 1000], (3, 3),
                            "argument 'indptr' must end at len(indices) = 3, got indptr[-1] = 1000"),
    "indptr_short_of_the_end": ([0, 1, 2], [0, 1, 2, 2], (3, 3),
                                "argument 'indptr' must end at len(indices) = 3, got indptr[-1] = 2"),
    "indptr_decreasing": ([0, 1, 2], [0, 2, 1, 3], (3, 3),
                          "argument 'indptr' must be non-decreasing, got indptr[1] = 2 > indptr[2] = 1"),
    "indptr_not_at_zero": ([0, 1, 2], [1, 1, 2, 3], (3, 3),
                           "argument 'indptr' must start at 0, got indptr[0] = 1"),
    "column_too_large": ([0, 3, 2], [0, 1, 2, 3], (3, 3),
                         "argument 'indices' must hold column ids in [0, num_post) = [0, 3), got indices[1] = 3"),
    "column_negative": ([0, 1, -1], [0, 1, 2, 3], (3, 3),
                        "argument 'indices' must hold column ids in [0, num_post) = [0, 3), got indices[2] = -1"),
}

# The structures a kernel would read or write out of bounds with (or read rows of in the wrong
# order): the kernels themselves raise on them, inside compiled code too.
UNSAFE_STRUCTURES = ["indptr_past_the_end", "indptr_decreasing", "column_too_large", "column_negative"]

CALLS = {
    "event_transpose": ("event.csrmv", lambda i, p, s: bm.event.csrmv(
        1.0, i, p, bm.ones(s[0], dtype=bool), shape=s, transpose=True)),
    "event_post": ("event.csrmv", lambda i, p, s: bm.event.csrmv(
        1.0, i, p, bm.ones(s[1], dtype=bool), shape=s, transpose=False)),
    "sparse": ("sparse.csrmv", lambda i, p, s: bm.sparse.csrmv(
        1.0, i, p, bm.ones(s[1]), shape=s, transpose=False)),
    "sparse_transpose": ("sparse.csrmv", lambda i, p, s: bm.sparse.csrmv(
        1.0, i, p, bm.ones(s[0]), shape=s, transpose=True)),
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    _csr.clear_cache()
    yield
    _csr.clear_cache()


@pytest.mark.parametrize("call", list(CALLS))
@pytest.mark.parametrize("case", list(BAD_STRUCTURES))
def test_bad_structure_is_one_clear_error(backend, case, call):
    indices, indptr, shape, message = BAD_STRUCTURES[case]
    fn, run = CALLS[call]
    with pytest.raises(ValueError) as info:
        run(bm.asarray(indices, dtype=bm.int32), bm.asarray(indptr, dtype=bm.int32), shape)
    # The exact text, identical on every backend.
    assert str(info.value) == f"{fn}: {message}"


@pytest.mark.parametrize("dtype", ["uint8", "uint32", "int64"])
def test_other_integer_dtypes_validate_too(backend, dtype):
    np_dtype = np.dtype(dtype)
    indices, indptr = np.array([0, 5, 1], np_dtype), np.array([0, 1, 2, 3], np_dtype)
    with pytest.raises(ValueError, match=r"indices\[1\] = 5"):
        bm.event.csrmv(1.0, indices, indptr, np.ones(3, bool), shape=(3, 3))
    # A valid unsigned structure passes and gives the dense product.
    indices[1] = 2
    got = bm.event.csrmv(1.0, indices, indptr, np.ones(3, bool), shape=(3, 3))
    np.testing.assert_allclose(np.asarray(got), np.ones(3) @ csr_to_dense(1.0, indices, indptr, (3, 3)))


def test_non_integer_structure_is_a_type_error(backend):
    with pytest.raises(TypeError, match="argument 'indptr' must be a 1-D integer array"):
        bm.event.csrmv(1.0, bm.asarray(GOOD_INDICES), bm.asarray([0.0, 1.0, 3.0, 4.0]), bm.ones(3, dtype=bool),
                       shape=(3, 3))


def test_verdict_is_cached_per_structure(backend, monkeypatch):
    indices, indptr = bm.connect.fixed_prob(50, 40, 0.2, seed=3)
    calls = []
    real = _csr.validate_values
    monkeypatch.setattr(_csr, "validate_values", lambda *a: (calls.append(1), real(*a)))
    spikes = bm.ones(50, dtype=bool)
    first = bm.event.csrmv(0.5, indices, indptr, spikes, shape=(50, 40))
    for _ in range(5):
        again = bm.event.csrmv(0.5, indices, indptr, spikes, shape=(50, 40))
    bm.sparse.csrmv(0.5, indices, indptr, bm.ones(40), shape=(50, 40))
    assert len(calls) == 1, "a structure is validated once, whatever the function and the call count"
    np.testing.assert_array_equal(np.asarray(first), np.asarray(again))
    # Another num_post is another structure: validated again (and rejected here: columns reach 39).
    with pytest.raises(ValueError, match=r"\[0, 30\)"):
        bm.event.csrmv(0.5, indices, indptr, spikes, shape=(50, 30))
    assert len(calls) == 2


def test_in_place_edit_of_the_ends_is_seen(backend):
    """Editing an array after its first use: the first/last entries are in the fingerprint (Numba)
    and a JaxArray written in place holds a new jax array (JAX), so the edit is validated."""
    indices, indptr = bm.asarray(GOOD_INDICES, dtype=bm.int32), bm.asarray(GOOD_INDPTR, dtype=bm.int32)
    spikes = bm.ones(3, dtype=bool)
    bm.event.csrmv(1.0, indices, indptr, spikes, shape=(3, 3))
    indices[3] = 7
    with pytest.raises(ValueError, match=r"got indices\[3\] = 7"):
        bm.event.csrmv(1.0, indices, indptr, spikes, shape=(3, 3))
    indices[3] = 2
    indptr[3] = 9
    with pytest.raises(ValueError, match=r"got indptr\[-1\] = 9"):
        bm.event.csrmv(1.0, indices, indptr, spikes, shape=(3, 3))


def test_in_place_edit_inside_never_reads_out_of_bounds(backend):
    """An edit the fingerprint does not see: JAX revalidates (a new jax array); the Numba kernel
    checks the index it reads instead of writing out of bounds, and the full validation then names
    the position: the same error on both backends."""
    indices, indptr = bm.asarray(GOOD_INDICES, dtype=bm.int32), bm.asarray(GOOD_INDPTR, dtype=bm.int32)
    spikes = bm.ones(3, dtype=bool)
    bm.event.csrmv(1.0, indices, indptr, spikes, shape=(3, 3))
    indices[1] = 100000
    with pytest.raises(ValueError, match=r"indices\[1\] = 100000"):
        bm.event.csrmv(1.0, indices, indptr, spikes, shape=(3, 3))


def test_read_only_numpy_structure_is_cached_exactly(backend, monkeypatch):
    indices, indptr = fixed_prob_numpy(30, 30, 0.3, seed=1)
    indices.flags.writeable = indptr.flags.writeable = False
    assert _csr.frozen_numpy(indices) and not _csr.frozen_numpy(np.arange(3))
    view = np.arange(4)[:3]
    view.flags.writeable = False
    assert not _csr.frozen_numpy(view), "a read-only view of a writable array can still change"
    calls = []
    real = _csr.validate_values
    monkeypatch.setattr(_csr, "validate_values", lambda *a: (calls.append(1), real(*a)))
    for _ in range(3):
        bm.event.csrmv(1.0, indices, indptr, np.ones(30, bool), shape=(30, 30))
    assert len(calls) == 1  # read-only NumPy input is frozen on both backends


def test_writable_numpy_on_jax_is_validated_every_call(backend, monkeypatch):
    if backend != "jax":
        pytest.skip("the jax backend's rule for writable NumPy input")
    indices, indptr = np.array(GOOD_INDICES, np.int32), np.array(GOOD_INDPTR, np.int32)
    spikes = np.ones(3, bool)
    bm.event.csrmv(1.0, indices, indptr, spikes, shape=(3, 3))
    indices[1] = 1  # inside: no fingerprint would see it; the kernel would drop the column silently
    indices[1] = 5
    with pytest.raises(ValueError, match=r"indices\[1\] = 5"):
        bm.event.csrmv(1.0, indices, indptr, spikes, shape=(3, 3))


def test_writable_numpy_edited_in_place_gives_the_new_product(backend):
    """A valid in-place edit of writable NumPy connectivity is used by the next call (before, the
    JAX backend reused row tables cached by the arrays' identity and returned the old product)."""
    indices, indptr = fixed_prob_numpy(100, 50, 0.2, seed=0)
    spikes = np.zeros(100, bool)
    spikes[3] = True
    before = np.asarray(bm.event.csrmv(1.0, indices, indptr, spikes, shape=(100, 50)))
    row = indices[indptr[3]:indptr[4]]
    indices[indptr[3]] = next(c for c in range(50) if c not in row)  # still a valid structure
    after = np.asarray(bm.event.csrmv(1.0, indices, indptr, spikes, shape=(100, 50)))
    np.testing.assert_allclose(after, spikes @ csr_to_dense(1.0, indices, indptr, (100, 50)))
    assert not np.array_equal(before, after)


class _Synapse(bm.Base):
    def __init__(self, indices, indptr, num_pre, num_post):
        super().__init__()
        self.indices, self.indptr = indices, indptr
        self.num_pre, self.num_post = num_pre, num_post
        self.g = bm.Variable(bm.zeros(num_post))

    def update(self, spikes):
        self.g.value = bm.event.csrmv(1.0, self.indices, self.indptr, spikes,
                                      shape=(self.num_pre, self.num_post), transpose=True)


@pytest.mark.parametrize("case", list(BAD_STRUCTURES))
def test_bad_structure_inside_jit(backend, case):
    """Inside bm.jit: on JAX the model's arrays are constants when the function is traced, and
    validated then; on Numba the compiled kernel checks what it reads and bm.jit replays the failed
    call eagerly to name the model line (which validates: the same message). A structure the
    Numba kernel can read safely is not an error in compiled code (see brainpy_math._csr)."""
    if backend == "numba" and case not in UNSAFE_STRUCTURES:
        pytest.skip("safe to read: the numba kernel in compiled code does not reject it")
    indices, indptr, shape, message = BAD_STRUCTURES[case]
    syn = _Synapse(bm.asarray(indices, dtype=bm.int32), bm.asarray(indptr, dtype=bm.int32), *shape)
    with pytest.raises(ValueError, match=r"event\.csrmv: " + message.replace("[", r"\[").replace("(", r"\(")
                       .replace(")", r"\)").replace("]", r"\]")):
        bm.jit(syn.update)(bm.ones(3, dtype=bool))


@pytest.mark.parametrize("edit, message", [
    (lambda syn: syn.indices.__setitem__(1, 100000), r"got indices\[1\] = 100000"),
    (lambda syn: syn.indices.__setitem__(2, -3), r"got indices\[2\] = -3"),
    (lambda syn: syn.indptr.__setitem__(2, 50), r"got indptr\[2\] = 50"),
])
def test_compiled_numba_code_never_indexes_out_of_bounds(backend, monkeypatch, edit, message):
    """The Numba backend's compiled code calls the kernel directly (no frontend validation): an
    array edited in place after compilation makes the kernel raise (bm.jit reports it as a
    ValueError naming the model's line) instead of reading or writing out of bounds."""
    if backend != "numba":
        pytest.skip("compiled code calling the kernel directly is the numba backend's")
    syn = _Synapse(bm.asarray(GOOD_INDICES, dtype=bm.int32), bm.asarray(GOOD_INDPTR, dtype=bm.int32), 3, 3)
    step = bm.jit(syn.update)
    step(bm.ones(3, dtype=bool))
    step(bm.ones(3, dtype=bool))
    np.testing.assert_allclose(np.asarray(syn.g), [1.0, 1.0, 2.0])
    edit(syn)
    # The frontend's validation switched off: the error can only come from the kernel's own checks
    # (bm.jit replays a failed compiled call eagerly to name the model line; that replay calls the
    # frontend, which would otherwise report the same structure first).
    monkeypatch.setattr(_csr, "validate_values", lambda *a: None)
    with pytest.raises((IndexError, ValueError), match=r"in update: event\.csrmv: argument .*" + message) as info:
        step(bm.ones(3, dtype=bool))
    # The kernel's own check fired (its constant message); the position comes from the full validation.
    assert "compiled code raised IndexError: event.csrmv: argument" in str(info.value)


def test_good_structure_inside_jit(backend):
    indices, indptr = bm.connect.fixed_prob(20, 30, 0.3, seed=5)
    syn = _Synapse(indices, indptr, 20, 30)
    spikes = np.random.default_rng(0).random(20) < 0.5
    bm.jit(syn.update)(bm.asarray(spikes))
    want = spikes @ csr_to_dense(1.0, indices, indptr, (20, 30))
    np.testing.assert_allclose(np.asarray(syn.g), want, rtol=1e-6)


@pytest.mark.needs_backends("numba")
def test_numba_kernels_check_what_they_read():
    """The kernels called by code compiled by Numba, with validation bypassed: an IndexError naming
    the argument, never a segfault or garbage (before: the first case crashed the interpreter)."""
    import numba
    from brainpy_math_numba import event, sparse
    event_kernel, sparse_kernel = event.compiled("csrmv"), sparse.compiled("csrmv")

    @numba.njit
    def both(indices, indptr, n, transpose):
        ones = np.ones(n, np.float32)
        return (event_kernel(np.float32(1), indices, indptr, ones > 0, (n, n), transpose),
                sparse_kernel(np.float32(1), indices, indptr, ones, (n, n), transpose))

    for case in UNSAFE_STRUCTURES:
        indices, indptr, shape, message = BAD_STRUCTURES[case]
        for transpose in (True, False):
            with pytest.raises(IndexError, match="csrmv: argument '(indptr|indices)'"):
                both(np.array(indices, np.int32), np.array(indptr, np.int32), 3, transpose)
    # The last offset is checked in O(1) even when its row is silent (the case that segfaulted).
    with pytest.raises(IndexError) as info:
        event_kernel(np.float32(1), np.array([0, 1, 2], np.int32), np.array([0, 1, 2, 1000], np.int32),
                     np.zeros(3, bool), (3, 3), True)
    # A constant message (the kernel formats no numbers: that compiled Numba's string code into it);
    # the frontend's validation, which eager calls go through, names the position and the value.
    assert str(info.value) == "event.csrmv: argument 'indptr' must hold non-decreasing offsets in [0, len(indices)]"
    # What the kernel can read safely it accepts: rows sliced off a larger matrix (the frontend,
    # which sees the whole call, rejects indptr[-1] < len(indices)).
    got = event_kernel(np.float32(1), np.array([0, 1, 2], np.int32), np.array([0, 1, 2], np.int32),
                       np.ones(2, bool), (2, 3), True)
    np.testing.assert_array_equal(got, [1.0, 1.0, 0.0])
    with pytest.raises(IndexError, match="argument 'events' must have length num_pre$"):
        event_kernel(np.float32(1), np.array(GOOD_INDICES, np.int32), np.array(GOOD_INDPTR, np.int32),
                     np.ones(2, bool), (3, 3), True)
    with pytest.raises(IndexError, match="argument 'weights' must have length len\\(indices\\)$"):
        event_kernel(np.ones(3, np.float32), np.array(GOOD_INDICES, np.int32), np.array(GOOD_INDPTR, np.int32),
                     np.ones(3, bool), (3, 3), True)


@pytest.mark.parametrize("args", [(0, 5, 0.5), (5, 0, 0.5), (40, 30, 0.0), (40, 30, 1.0), (200, 300, 0.05)])
@pytest.mark.parametrize("include_self", [True, False])
def test_connect_output_passes(backend, args, include_self):
    indices, indptr = bm.connect.fixed_prob(*args, seed=2, include_self=include_self)
    assert _csr.check_structure("fixed_prob", indices, indptr, args[:2]) == args[:2]
    spikes = bm.ones(args[0], dtype=bool)
    got = bm.event.csrmv(1.0, indices, indptr, spikes, shape=args[:2])
    np.testing.assert_allclose(np.asarray(got), np.asarray(spikes, np.float64) @
                               csr_to_dense(1.0, indices, indptr, args[:2]))


def test_csr_to_dense_rejects_bad_structure():
    with pytest.raises(ValueError, match=r"csr_to_dense: argument 'indices' must hold column ids .* indices\[1\] = 3"):
        csr_to_dense(1.0, [0, 3, 2], [0, 1, 2, 3], (3, 3))
    with pytest.raises(ValueError, match=r"csr_to_dense: argument 'indptr' must end at len\(indices\) = 3"):
        csr_to_dense(1.0, [0, 1, 2], [0, 1, 2, 1000], (3, 3))
