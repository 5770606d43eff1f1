"""The remaining BrainPy 2.x names (issue 16): ``bm.relu``, ``bm.fill_diagonal``, the einops functions
(``bm.ein_rearrange``/``ein_reduce``/``ein_repeat``/``ein_shape``), module-level
``bm.random.split_keys``/``sample`` and ``bm.random.shuffle(x, axis)``: on every backend against
NumPy (values and dtypes), eagerly and inside ``bm.jit``, with the same errors everywhere."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import brainpy_math as bm
from _assertions import assert_matches

from test_random import assert_identical, needs_two, on_each_backend

# For tests/conformance/test_coverage.py: the frontend functions of _api tested here.
COVERED = {"fill_diagonal"}


# ------------------------------------------------------------------------------- relu
def test_relu_is_the_activation(backend):
    assert bm.relu is bm.activations.relu and "relu" in bm.__all__
    x = np.asarray([-1.5, 0.0, 2.0], np.float32)
    assert_matches(bm.relu(bm.asarray(x)), np.maximum(x, 0), "float32")
    assert isinstance(bm.relu(x), bm.ndarray)


# ------------------------------------------------------------------------------- fill_diagonal
FILL_CASES = [  # (shape, dtype, val, wrap)
    ((3, 3), np.float32, 2.0, False),
    ((5, 2), np.float32, [1.0, 2.0, 3.0], True),   # a tall array: the diagonal wraps; val repeats
    ((5, 2), np.float32, [1.0, 2.0, 3.0], False),
    ((2, 4), np.int32, 7, True),
    ((3, 3, 3), np.int32, np.arange(2), False),
    ((3, 3), np.int32, 2.7, False),                 # cast as NumPy's assignment casts
    ((3, 3), np.bool_, True, False),
]


@pytest.mark.parametrize("shape, dtype, val, wrap", FILL_CASES)
def test_fill_diagonal_is_numpys_in_place_and_as_a_copy(backend, shape, dtype, val, wrap):
    start = (np.arange(int(np.prod(shape))).reshape(shape) % 2).astype(dtype)
    want = start.copy()
    np.fill_diagonal(want, val, wrap=wrap)
    x = bm.asarray(start)
    assert bm.fill_diagonal(x, val, wrap=wrap) is None
    assert_matches(x, want, dtype)
    for a in (start, bm.asarray(start), bm.Variable(bm.asarray(start))):
        out = bm.fill_diagonal(a, val, wrap, inplace=False)
        assert isinstance(out, bm.ndarray) and not isinstance(out, bm.Variable)
        assert_matches(out, want, dtype)
        np.testing.assert_array_equal(np.asarray(a), start)  # inplace=False leaves its argument


def test_fill_diagonal_writes_a_variable_in_place(backend):
    v = bm.Variable(bm.zeros((2, 2)))
    same = v
    bm.fill_diagonal(v, bm.asarray([1.0, 2.0]))
    assert v is same
    assert_matches(v, [[1.0, 0.0], [0.0, 2.0]], "float32")


@pytest.mark.parametrize("call, error, message", [
    (lambda: bm.fill_diagonal(bm.zeros(3), 1.0), ValueError,
     r"argument 'a' must have at least 2 dimensions, got shape \(3,\)"),
    (lambda: bm.fill_diagonal(bm.zeros((2, 3, 3)), 1.0), ValueError,
     r"argument 'a' of more than 2 dimensions must have all dimensions of equal length \(NumPy's rule\), got "
     r"shape \(2, 3, 3\)"),
    (lambda: bm.fill_diagonal(np.zeros((2, 2)), 1.0), TypeError,
     r"argument 'a' must be a bm array or a bm.Variable when inplace=True .*got ndarray; pass inplace=False"),
    (lambda: bm.fill_diagonal([[0.0, 0.0], [0.0, 0.0]], 1.0), TypeError, r"argument 'a' .*when inplace=True .*got list"),
    (lambda: bm.fill_diagonal(bm.zeros((2, 2)), 1.0, wrap="yes"), TypeError,
     r"argument 'wrap' must be True or False, got 'yes'"),
    (lambda: bm.fill_diagonal(bm.zeros((2, 2)), 1.0, inplace=None), TypeError,
     r"argument 'inplace' must be True or False, got None"),
])
def test_fill_diagonal_errors_are_the_same_on_every_backend(backend, call, error, message):
    with pytest.raises(error, match=f"^fill_diagonal: {message}"):
        call()


class _Diagonals(bm.Base):
    def __init__(self):
        super().__init__()
        self.w = bm.Variable(bm.ones((3, 3)))
        self.tall = bm.Variable(bm.zeros((5, 2), dtype=bm.int32))

    def step(self, value):
        bm.fill_diagonal(self.w, value)                      # BrainPy's default: in place
        bm.fill_diagonal(self.tall, 4, True, inplace=True)   # wrap=True, a constant inplace=True
        return bm.fill_diagonal(self.w, value * 2, inplace=False)

    def dynamic(self, flag):
        return bm.fill_diagonal(self.w, 1.0, inplace=flag)


def test_fill_diagonal_inside_jit(backend):
    model = _Diagonals()
    out = bm.jit(model.step)(bm.asarray(0.5))
    assert_matches(model.w, np.where(np.eye(3) > 0, 0.5, 1.0), "float32")
    assert_matches(out, np.ones((3, 3)), "float32")  # the new diagonal, 2 * 0.5
    want = np.zeros((5, 2), np.int32)
    np.fill_diagonal(want, 4, wrap=True)
    assert_matches(model.tall, want, "int32")


def test_fill_diagonal_inplace_must_be_a_constant_in_numba_compiled_code(need_backends):
    need_backends("numba")
    with bm.set_backend("numba"):
        model = _Diagonals()
        with pytest.raises(TypeError, match=r"bm.fill_diagonal: argument 'inplace' must be the constant True or "
                                            r"False inside code compiled by the numba backend"):
            bm.jit(model.dynamic)(True)


# ------------------------------------------------------------------------------- einops
X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
REARRANGE = [  # (pattern, axes_lengths, NumPy reference of X)
    ("a b c -> c b a", {}, lambda x: x.transpose(2, 1, 0)),
    ("a b c -> a (b c)", {}, lambda x: x.reshape(2, 12)),
    ("a b c -> (c a) b", {}, lambda x: x.transpose(2, 0, 1).reshape(8, 3)),
    ("a b (c1 c2) -> a c2 b c1", {"c1": 2}, lambda x: x.reshape(2, 3, 2, 2).transpose(0, 3, 1, 2)),
    ("a ... -> ... a", {}, lambda x: x.transpose(1, 2, 0)),
    ("... c -> (...) c", {}, lambda x: x.reshape(6, 4)),
    ("a b c -> a 1 b () c", {}, lambda x: x.reshape(2, 1, 3, 1, 4)),
]


@pytest.mark.parametrize("pattern, lengths, reference", REARRANGE, ids=[c[0] for c in REARRANGE])
def test_ein_rearrange_matches_numpy(backend, pattern, lengths, reference):
    out = bm.ein_rearrange(bm.asarray(X), pattern, **lengths)
    assert isinstance(out, bm.ndarray)
    assert_matches(out, reference(X), "float32")
    assert_matches(bm.ein_rearrange(X.astype(np.int32), pattern, **lengths), reference(X).astype(np.int32), "int32")


REDUCE = [  # (pattern, reduction, axes_lengths, input (from X), NumPy reference of the input)
    ("a b c -> a", "sum", {}, X, lambda x: x.sum((1, 2))),
    ("a b c -> c a", "max", {}, X, lambda x: x.max(1).T),
    ("a b (c k) -> b c", "mean", {"k": 2}, X, lambda x: x.reshape(2, 3, 2, 2).mean((0, 3))),
    ("a b c -> () b ()", "min", {}, X, lambda x: x.min((0, 2)).reshape(1, 3, 1)),
    ("a b c -> b", "prod", {}, X / 10 + 1, lambda x: x.prod((0, 2))),
    ("a b c -> a c", "any", {}, X > 20, lambda x: x.any(1)),
    ("a b c -> a", "all", {}, X > 2, lambda x: x.all((1, 2))),
]


@pytest.mark.parametrize("pattern, reduction, lengths, x, reference", REDUCE, ids=[c[1] for c in REDUCE])
def test_ein_reduce_matches_numpy(backend, pattern, reduction, lengths, x, reference):
    out = bm.ein_reduce(bm.asarray(x), pattern, reduction, **lengths)
    assert isinstance(out, bm.ndarray)
    assert_matches(out, reference(x), x.dtype)


def test_ein_reduce_callable_integer_mean_lists_and_variables(backend):
    out = bm.ein_reduce(bm.asarray(X), "a b c -> a c", lambda x, axes: bm.sum(x * x, axis=axes))
    assert_matches(out, (X * X).sum(1), "float32")
    assert_matches(bm.ein_reduce(bm.arange(6).reshape(2, 3), "a b -> b", "mean"), [1.5, 2.5, 3.5], "float32")
    assert_matches(bm.ein_reduce(bm.arange(6).reshape(2, 3), "a b -> b", "sum"), [3, 5, 7], "int32")
    stacked = bm.ein_rearrange([bm.ones(3), bm.zeros(3)], "n c -> c n")  # a list is stacked first
    assert_matches(stacked, np.stack([np.ones(3), np.zeros(3)]).T, "float32")
    v = bm.Variable(bm.asarray(X))
    out = bm.ein_rearrange(v, "a b c -> a b c")
    assert isinstance(out, bm.ndarray) and not isinstance(out, bm.Variable)
    assert_matches(out, X, "float32")


def test_ein_repeat_matches_numpy(backend):
    x = np.arange(6, dtype=np.int32).reshape(2, 3)
    assert_matches(bm.ein_repeat(x, "h w -> h w c", c=2), np.repeat(x[:, :, None], 2, axis=2), "int32")
    assert_matches(bm.ein_repeat(bm.asarray(x), "h w -> (r h) w", r=2), np.tile(x, (2, 1)), "int32")
    assert_matches(bm.ein_repeat(bm.asarray(x), "h w -> h (w 2)"), np.repeat(x, 2, axis=1), "int32")
    assert_matches(bm.ein_repeat(bm.asarray(x), "h w -> w n h", n=2), np.broadcast_to(x.T[:, None], (3, 2, 2)),
                   "int32")


def test_ein_shape(backend):
    x = bm.zeros((2, 3, 5, 7))
    assert bm.ein_shape(x, "batch _ h w") == {"batch": 2, "h": 5, "w": 7}
    assert bm.ein_shape(x, "b ... w") == {"b": 2, "w": 7}
    assert bm.ein_shape(np.zeros((4,)), "n") == {"n": 4}
    with pytest.raises(ValueError, match=r"^ein_shape: pattern 'a \(b c\)': only axis names, '_' and '...'"):
        bm.ein_shape(x, "a (b c)")
    with pytest.raises(ValueError, match=r"^ein_shape: pattern 'a b': an input of 2 dimensions is needed, got "
                                         r"shape \(2, 3, 5, 7\)"):
        bm.ein_shape(x, "a b")


EIN_ERRORS = [  # (function, pattern, extra arguments, error, message)
    ("rearrange", "a b c -> a b", {}, ValueError, r"axis 'c' on one side only"),
    ("rearrange", "a b -> b a", {}, ValueError, r"an input of 2 dimensions is needed, got shape \(2, 3, 4\)"),
    ("rearrange", "a b (c d) -> a b c d", {}, ValueError, r"the lengths of axes 'c', 'd' in one group cannot all be "
                                                          r"inferred from its length 4; give all but one, e.g. c=2"),
    ("rearrange", "a b (c d) -> a b c d", {"c": 3}, ValueError, r"an axis of length 4 \(input shape \(2, 3, 4\)\) "
                                                                r"cannot be split into groups of 3"),
    ("rearrange", "a b c -> a b c", {"z": 2}, ValueError, r"the length z=2 names an axis the pattern does not have"),
    ("rearrange", "a b c", {}, ValueError, r"argument 'pattern' must have the form 'left -> right'"),
    ("rearrange", "a a c -> a c", {}, ValueError, r"axis 'a' appears twice on one side"),
    ("rearrange", "a (b c -> a", {}, ValueError, r"a '\(' without its '\)'"),
    ("rearrange", "a b c -> a b c ...", {}, ValueError, r"'...' on the right side needs '...' on the left side"),
    ("rearrange", "a b 4 -> a b", {}, ValueError, r"no numbers other than 1"),
    ("rearrange", "a b c -> a b c", {"a": 0}, TypeError, r"the axis length a= must be a positive int, got 0"),
    ("reduce", "a b c -> a d", {"reduction": "sum"}, ValueError, r"axis 'd' of the right side not on the left side"),
    ("reduce", "a b c -> a", {"reduction": "median"}, ValueError,
     r"argument 'reduction' must be one of \('min', 'max', 'sum', 'mean', 'prod', 'any', 'all'\) or a callable"),
    ("repeat", "a b c -> a b c d", {}, ValueError, r"new axis 'd' without a length; give it, e.g. d=3"),
    ("repeat", "a b c -> a b", {}, ValueError, r"axis 'c' of the left side missing on the right side"),
]


@pytest.mark.parametrize("function, pattern, extra, error, message", EIN_ERRORS,
                         ids=[f"{c[0]}: {c[1]}" for c in EIN_ERRORS])
def test_ein_errors_are_the_same_on_every_backend(backend, function, pattern, extra, error, message):
    with pytest.raises(error, match=rf"^ein_{function}: .*{message}"):
        getattr(bm, f"ein_{function}")(bm.asarray(X), pattern, **extra)


def test_ein_pattern_must_be_a_string(backend):
    with pytest.raises(TypeError, match=r"^ein_rearrange: argument 'pattern' must be a str .*got int"):
        bm.ein_rearrange(bm.asarray(X), 3)


class _Pooling(bm.Base):
    def __init__(self):
        super().__init__()
        self.x = bm.Variable(bm.asarray(X))
        self.pooled = bm.Variable(bm.zeros((3, 2)))

    def step(self):
        self.pooled.value = bm.ein_reduce(self.x, "a b (c k) -> b c", "max", k=2)
        return bm.ein_repeat(bm.ein_rearrange(self.pooled, "b c -> c b"), "c b -> c b n", n=2)


def test_ein_functions_inside_jax_jit(need_backends):
    need_backends("jax")
    with bm.set_backend("jax"):
        model = _Pooling()
        out = bm.jit(model.step)()
        pooled = X.reshape(2, 3, 2, 2).max((0, 3))
        assert_matches(model.pooled, pooled, "float32")
        assert_matches(out, np.repeat(pooled.T[:, :, None], 2, axis=2), "float32")


def test_ein_functions_inside_numba_compiled_code_name_the_alternative(need_backends):
    need_backends("numba")
    with bm.set_backend("numba"):
        model = _Pooling()
        with pytest.raises(NotImplementedError, match=r"bm.ein_reduce \(an einops pattern, parsed in Python\) is not "
                                                      r"supported inside code compiled by the numba backend. Call it "
                                                      r"outside bm.jit.*or use the jax backend"):
            bm.jit(model.step)()
        assert_matches(model.pooled, np.zeros((3, 2)), "float32")


@needs_two
def test_ein_results_are_identical_across_backends():
    def pooled():
        x = bm.asarray(X / 7)
        return bm.ein_reduce(bm.ein_rearrange(x, "a b c -> c b a"), "c b a -> b", "mean")
    assert_identical({name: np.asarray(result) for name, result in on_each_backend(pooled).items()})


# ------------------------------------------------------------------------------- random
def test_module_level_split_keys_and_sample_forward_to_the_default_state(backend):
    assert {"split_keys", "sample"} <= set(bm.random.__all__)
    method = inspect.signature(bm.random.RandomState.sample)
    assert inspect.signature(bm.random.sample) == method.replace(parameters=list(method.parameters.values())[1:])
    bm.random.seed(5)
    keys, values = np.asarray(bm.random.split_keys(2)), np.asarray(bm.random.sample((2, 3)))
    twin = bm.random.RandomState(5)
    np.testing.assert_array_equal(keys, np.asarray(twin.split_keys(2)))
    np.testing.assert_array_equal(values, np.asarray(twin.sample((2, 3))))
    # BrainPy's split_key(n): n keys, as split_keys(n) takes them
    np.testing.assert_array_equal(np.asarray(bm.random.split_key(2)), np.asarray(twin.split_keys(2)))
    assert np.asarray(twin.split_key(None)).shape == (2,)
    assert keys.dtype == np.uint32 and values.dtype == np.float32 and values.shape == (2, 3)
    with pytest.raises(ValueError, match="split_keys: argument 'n' must be a non-negative int"):
        bm.random.split_keys(-1)


def _shuffled_along_axis_1():
    v = bm.Variable(bm.arange(12).reshape(3, 4))
    bm.random.shuffle(v, axis=1)
    return v


def test_shuffle_along_an_axis_permutes_that_axis(backend):
    bm.random.seed(4)
    order = np.asarray(bm.random.permutation(4))
    base = np.arange(12).reshape(3, 4)
    bm.random.seed(4)
    assert_matches(_shuffled_along_axis_1(), base[:, order], "int32")
    for x in (bm.arange(12).reshape(3, 4), base.copy()):  # a bm array, a NumPy array
        bm.random.seed(4)
        assert bm.random.shuffle(x, axis=-1) is None
        np.testing.assert_array_equal(np.asarray(x), base[:, order])
    bm.random.seed(4)
    x = bm.arange(12).reshape(4, 3)
    bm.random.shuffle(x, 0)  # axis is the second positional argument, as in BrainPy
    np.testing.assert_array_equal(np.asarray(x), np.arange(12).reshape(4, 3)[order])


@pytest.mark.parametrize("x, axis, message", [
    (lambda: bm.arange(6).reshape(2, 3), 2, r"argument 'axis' must be an int in \[-2, 2\) for x of shape \(2, 3\), "
                                            r"got 2"),
    (lambda: bm.arange(6).reshape(2, 3), 1.0, r"argument 'axis' must be an int .*got 1.0"),
    (lambda: [[1, 2], [3, 4]], 1, r"argument 'axis' must be an int in \[-2, 2\) for x of shape \(2, 2\) \(0 for a "
                                  r"list\), got 1"),
])
def test_shuffle_refuses_a_bad_axis_without_drawing(backend, x, axis, message):
    bm.random.seed(0)
    with pytest.raises(ValueError, match=f"^shuffle: {message}"):
        bm.random.shuffle(x(), axis=axis)
    assert np.asarray(bm.random.default_state().counter.value).tolist() == [0, 0]


@needs_two
def test_shuffle_along_an_axis_is_identical_across_backends():
    assert_identical(on_each_backend(_shuffled_along_axis_1, seed=8))


class _Draws(bm.Base):
    def __init__(self):
        super().__init__()
        self.v = bm.Variable(bm.arange(12).reshape(3, 4))

    def step(self):
        bm.random.shuffle(self.v, axis=1)
        return bm.random.split_keys(2), bm.random.sample(3), bm.random.split_key(2)


def test_split_keys_sample_and_shuffle_axis_inside_jit(backend):
    model, twin = _Draws(), _Draws()
    bm.random.seed(7)
    keys, values, more_keys = bm.jit(model.step)()
    bm.random.seed(7)
    want_keys, want_values, want_more = twin.step()  # eagerly: the same stream
    np.testing.assert_array_equal(np.asarray(model.v), np.asarray(twin.v))
    np.testing.assert_array_equal(np.asarray(keys), np.asarray(want_keys))
    np.testing.assert_array_equal(np.asarray(more_keys), np.asarray(want_more))
    assert np.asarray(more_keys).shape == (2, 2)
    assert_matches(values, np.asarray(want_values), "float32")
    assert sorted(np.asarray(model.v)[0].tolist()) == [0, 1, 2, 3]
