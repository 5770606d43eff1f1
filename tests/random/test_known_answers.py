"""Threefry-2x32-20 known answers (Random123, jax.random) and the documented stream, per backend."""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm
import _reference as ref


def _threefry(backend: str):
    return bm._backend.load(backend).random.threefry2x32


@pytest.mark.parametrize("key,counter,expected", ref.KNOWN_ANSWERS)
def test_reference_matches_random123_vectors(key, counter, expected):
    y0, y1 = ref.threefry2x32(key[0], key[1], counter[0], counter[1])
    assert (int(y0), int(y1)) == expected


@pytest.mark.parametrize("key,counter,expected", ref.KNOWN_ANSWERS)
def test_backend_threefry_matches_random123_vectors(backend, key, counter, expected):
    y0, y1 = _threefry(backend)(key[0], key[1], np.uint32([counter[0]]), np.uint32([counter[1]]))
    assert (int(np.asarray(y0)[0]), int(np.asarray(y1)[0])) == expected


def test_backend_threefry_matches_reference_on_random_inputs(backend):
    rng = np.random.default_rng(0)
    x0, x1 = (rng.integers(0, 2 ** 32, 257, dtype=np.uint64).astype(np.uint32) for _ in range(2))
    for k0, k1 in [(0, 0), (0xFFFFFFFF, 1), (123456789, 987654321)]:
        got = _threefry(backend)(k0, k1, x0, x1)
        want = ref.threefry2x32(k0, k1, x0, x1)
        np.testing.assert_array_equal(np.asarray(got[0]), want[0])
        np.testing.assert_array_equal(np.asarray(got[1]), want[1])


@pytest.mark.needs_backends("jax")
def test_reference_matches_jax_random_threefry():
    import jax.numpy as jnp
    from jax.extend.random import threefry_2x32

    rng = np.random.default_rng(1)
    x0, x1 = (rng.integers(0, 2 ** 32, 64, dtype=np.uint64).astype(np.uint32) for _ in range(2))
    for key in [(0, 0), (0x13198A2E, 0x03707344), (7, 0xFFFFFFFF)]:
        # jax's function splits its counter array in halves: first half x0, second half x1.
        out = np.asarray(threefry_2x32(jnp.asarray(key, jnp.uint32), jnp.concatenate([x0, x1])))
        want = ref.threefry2x32(key[0], key[1], x0, x1)
        np.testing.assert_array_equal(out[:64], want[0])
        np.testing.assert_array_equal(out[64:], want[1])


def test_uniform_is_the_documented_stream_bit_for_bit(backend):
    rs = bm.random.RandomState(2 ** 40 + 7)
    rs.uniform(size=3)  # an odd start: later draws begin in the middle of a block
    got = np.asarray(rs.uniform(size=11))
    np.testing.assert_array_equal(got, ref.uniform32(ref.words(ref.seed_key(2 ** 40 + 7), 3, 11)))
    assert np.asarray(rs.counter.value).tolist() == [0, 14]


def test_float64_uniform_uses_two_words_per_value(backend):
    bm.enable_x64()
    rs = bm.random.RandomState(5)
    rs.uniform(size=1)
    got = np.asarray(rs.uniform(size=6))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, ref.uniform64(ref.words(ref.seed_key(5), 2, 12)))


def test_normal_is_box_muller_on_the_blocks(backend):
    rs = bm.random.RandomState(11)
    rs.normal(size=1)
    got = np.asarray(rs.normal(size=9))
    assert ref.ulp_distance(got, ref.normal32(ref.seed_key(11), 1, 9)).max() <= 4


def test_randint_and_its_retries_follow_the_documented_rule(backend):
    rs = bm.random.RandomState(3)
    # span 2**31 + 1 rejects about half of the first words: the attempt streams are exercised.
    got = np.asarray(rs.randint(-2 ** 30, 2 ** 30 + 1, size=64))
    want = -2 ** 30 + ref.bounded(ref.seed_key(3), 0, [2 ** 31 + 1] * 64)
    np.testing.assert_array_equal(got, want)
    small = np.asarray(rs.randint(5, 12, size=20))
    np.testing.assert_array_equal(small, 5 + ref.bounded(ref.seed_key(3), 64, [7] * 20))


def test_permutation_is_forward_fisher_yates(backend):
    rs = bm.random.RandomState(9)
    np.testing.assert_array_equal(np.asarray(rs.permutation(12)), ref.permutation(ref.seed_key(9), 0, 12))
    np.testing.assert_array_equal(np.asarray(rs.choice(12, 4, replace=False)),
                                  ref.permutation(ref.seed_key(9), 12, 12, steps=4))


def test_seed_key_layout_high_then_low_word(backend):
    rs = bm.random.RandomState(2 ** 33 + 5)
    assert np.asarray(rs.key.value).tolist() == [2, 5]
    assert np.asarray(rs.counter.value).dtype == np.uint32
