"""Arrays on every backend: the dtype policy of creation functions, NumPy-style mutation and indexing.

Each test body runs once per installed backend (the ``backend`` fixture) and compares with NumPy.
"""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm
from _assertions import assert_matches

# (call, the policy dtype under 32-bit defaults, under x64)
CREATION = [
    (lambda: bm.zeros((2, 3)), "float32", "float64"),
    (lambda: bm.ones(4), "float32", "float64"),
    (lambda: bm.empty(3), "float32", "float64"),
    (lambda: bm.full((2,), 7), "int32", "int64"),
    (lambda: bm.full((2,), 7.0), "float32", "float64"),
    (lambda: bm.full((2,), True), "bool", "bool"),
    (lambda: bm.arange(5), "int32", "int64"),
    (lambda: bm.arange(0.0, 1.0, 0.25), "float32", "float64"),
    (lambda: bm.linspace(0, 1, 5), "float32", "float64"),
    (lambda: bm.eye(3), "float32", "float64"),
    (lambda: bm.array([1, 2, 3]), "int32", "int64"),
    (lambda: bm.array([1.0, 2.0]), "float32", "float64"),
    (lambda: bm.asarray(3), "int32", "int64"),
    (lambda: bm.asarray(3.5), "float32", "float64"),
    (lambda: bm.asarray(np.ones(3)), "float32", "float64"),
    (lambda: bm.asarray(np.arange(3)), "int32", "int64"),
    (lambda: bm.asarray(np.ones(3, np.float16)), "float16", "float16"),
    (lambda: bm.zeros_like(np.ones(3)), "float32", "float64"),
    (lambda: bm.ones_like(bm.arange(3)), "int32", "int64"),
    (lambda: bm.full_like(bm.zeros(2), 2.0), "float32", "float64"),
    (lambda: bm.empty_like(bm.arange(2)), "int32", "int64"),
    (lambda: bm.zeros(2, dtype=bm.int32), "int32", "int32"),
    (lambda: bm.zeros(2, dtype=bm.float64), "float32", "float64"),
]


@pytest.mark.parametrize("x64", [False, True], ids=["x32", "x64"])
@pytest.mark.parametrize("index", range(len(CREATION)))
def test_creation_dtypes_follow_the_policy(backend, index, x64):
    make, dtype32, dtype64 = CREATION[index]
    if x64:
        bm.enable_x64()
    out = make()
    assert isinstance(out, bm.ndarray)
    assert out.dtype == np.dtype(dtype64 if x64 else dtype32)


def test_creation_values_match_numpy(backend):
    assert_matches(bm.linspace(0, 1, 5), np.linspace(0, 1, 5), "float32")
    assert_matches(bm.arange(1, 10, 3), np.arange(1, 10, 3), "int32")
    assert_matches(bm.eye(3, 4, 1), np.eye(3, 4, 1), "float32")
    assert_matches(bm.full((2, 2), 7.5), np.full((2, 2), 7.5), "float32")
    assert_matches(bm.array([[1, 2], [3, 4]]), np.array([[1, 2], [3, 4]]), "int32")


def test_asarray_accepts_every_kind_of_input(backend):
    inputs = [[1.0, 2.0], (1.0, 2.0), np.array([1.0, 2.0]), bm.asarray([1.0, 2.0])]
    if backend == "jax":
        import jax.numpy as jnp
        inputs.append(jnp.asarray([1.0, 2.0]))
    for x in inputs:
        out = bm.asarray(x)
        assert isinstance(out, bm.ndarray)
        assert_matches(out, [1.0, 2.0], "float32")


def test_the_seed_example_runs_unchanged(backend):
    b = bm.arange(5)
    b[0] += 5
    assert b.dtype == np.int32
    assert b.tolist() == [5, 1, 2, 3, 4]

    class Net(bm.Base):
        def __init__(self):
            super().__init__()
            self.w = bm.Variable(2.0 * bm.ones(10) - 1.3)

    net = Net()
    assert list(net.vars().values())[0] is net.w
    assert_matches(net.w, np.full(10, 0.7), "float32")


def test_setitem_with_every_kind_of_index(backend):
    ref = np.arange(12, dtype=np.int32).reshape(3, 4)
    b = bm.arange(12).reshape(3, 4)
    for index, value in [
        (0, 100), ((1, 2), -1), (slice(0, 2), 5), ((Ellipsis, 0), 9), ((slice(None), [1, 3]), 8),
        (np.array([True, False, True]), 4), (ref > 6, 0), ((np.array([0, 2]), np.array([1, 3])), 77),
    ]:
        ref[index] = value
        b[index] = value
        assert_matches(b, ref, "int32")


def test_inplace_operators_match_numpy(backend):
    ref = np.arange(1, 7, dtype=np.float32).reshape(2, 3)
    b = bm.arange(1.0, 7.0).reshape(2, 3)
    steps = [("+=", 5), ("-=", 1.5), ("*=", 2), ("/=", 4), ("**=", 2), ("//=", 3), ("%=", 5)]
    for op, value in steps:
        exec(f"ref {op} value; b {op} value")
        assert_matches(b, ref, "float32")
    b[0] += 10
    ref[0] += 10
    b[1, 1:] *= 2
    ref[1, 1:] *= 2
    b[b > 12] = 0
    ref[ref > 12] = 0
    assert_matches(b, ref, "float32")


def test_integer_inplace_operators_match_numpy(backend):
    ref = np.arange(6, dtype=np.int32)
    b = bm.arange(6)
    for op, value in [("&=", 3), ("|=", 8), ("^=", 5), ("<<=", 1), (">>=", 2), ("+=", 1), ("*=", 3)]:
        exec(f"ref {op} value; b {op} value")
        assert_matches(b, ref, "int32")


def test_inplace_cast_errors_like_numpy(backend):
    b = bm.arange(3)
    with pytest.raises(TypeError, match="[Cc]annot cast"):
        b += 1.5
    assert b.tolist() == [0, 1, 2]
    with pytest.raises(ValueError):
        b += bm.ones((2, 3), dtype=bm.int32)
    assert b.tolist() == [0, 1, 2]


def test_binary_and_unary_operators_match_numpy(backend):
    a_np = np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]], np.float32)
    b_np = np.array([2.0, 0.5, -3.0], np.float32)
    a, b = bm.asarray(a_np), bm.asarray(b_np)
    for expr in ["a + b", "a - b", "a * b", "a / b", "a ** 2", "a // b", "a % b", "-a", "+a", "abs(a)",
                 "a < b", "a <= b", "a > b", "a >= b", "a == b", "a != b", "2.0 * a", "1 - a", "a @ b",
                 "b @ a.T", "np.ones(3, np.float32) + a", "a + 1", "2 ** b"]:
        got = eval(expr, {"a": a, "b": b, "np": np})
        want = eval(expr, {"a": a_np, "b": b_np, "np": np})
        assert isinstance(got, bm.ndarray), expr
        assert_matches(got, want)
    ints = bm.arange(6)
    ints_np = np.arange(6, dtype=np.int32)
    for expr in ["x & 3", "x | 8", "x ^ 5", "x << 1", "x >> 1", "~x", "3 & x"]:
        assert_matches(eval(expr, {"x": ints}), eval(expr, {"x": ints_np}))


def test_array_attributes_and_methods(backend):
    ref = np.arange(6, dtype=np.float32).reshape(2, 3)
    a = bm.arange(6.0).reshape(2, 3)
    assert (a.shape, a.ndim, a.size, a.dtype, len(a)) == (ref.shape, ref.ndim, ref.size, ref.dtype, len(ref))
    assert_matches(a.T, ref.T)
    assert_matches(a.reshape(3, 2), ref.reshape(3, 2))
    assert_matches(a.reshape((6,)), ref.reshape((6,)))
    assert_matches(a.flatten(), ref.flatten())
    assert_matches(a.astype(bm.int32), ref.astype(np.int32))
    assert [r.tolist() for r in a] == ref.tolist()
    assert a.tolist() == ref.tolist()
    assert a[1, 2].item() == 5.0 and a.item(4) == 4.0
    for name in ["sum", "mean", "max", "min", "prod", "std", "var", "cumsum"]:
        assert_matches(getattr(a, name)(), getattr(ref, name)())
        assert_matches(getattr(a, name)(axis=0), getattr(ref, name)(axis=0))
    # On Numba arrays are plain ndarrays, so index-returning *methods* give NumPy's int64; the
    # functions (bm.argmax) follow the policy on both backends.
    for name in ["argmax", "argmin"]:
        assert getattr(a, name)() == getattr(ref, name)()
        assert getattr(a, name)(axis=1).tolist() == getattr(ref, name)(axis=1).tolist()
    assert bool((a > 2).any()) and not bool((a > 10).all())
    c = a.copy()
    c[0, 0] = 99
    assert a[0, 0] == 0 and c[0, 0] == 99
    assert np.asarray(a).dtype == np.float32
    assert float(bm.asarray(2.5)) == 2.5 and int(bm.asarray(3)) == 3


def test_len_of_a_zero_dimensional_array_raises(backend):
    with pytest.raises(TypeError, match="unsized"):
        len(bm.asarray(1.0))
