"""JAX-backend specifics of conversion, argument kinds and the Array API (issue 13, items 2-5).

The behaviour shared with the Numba backend is tested in ``tests/conformance/test_conversion.py``;
here: the same inside ``bm.jit``/``jax.jit`` (tracers), jax devices, DLPack with jax, and what the
JaxArray wrapper itself adds (static index checks, copies of immutable buffers).
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

import brainpy_math as bm  # noqa: E402
from brainpy_math import _api  # noqa: E402
from brainpy_math_jax import numpy_ops  # noqa: E402

from _assertions import assert_matches  # noqa: E402
from conformance.test_conversion import (_example_arguments, _function, _has_arrays,  # noqa: E402
                                         _replace_arrays)

# ---------------------------------------------------------------------------------------------
# NumPy's argument kinds inside jit
# ---------------------------------------------------------------------------------------------
# Output shapes that depend on values need jax's size= inside jit; put writes into an outside array;
# from_dlpack needs a real buffer.
_NOT_TRACEABLE = numpy_ops._ARRAY_SHAPE_FROM_VALUES | {"put", "from_dlpack"}
TRACED = sorted(name for name in _api.all_names() if name not in _NOT_TRACEABLE)


def _split_first_array(args: list) -> tuple[int | None, list]:
    """The index of the first top-level array argument (it becomes the traced input) and the rest as lists."""
    for index, value in enumerate(args):
        if isinstance(value, bm.ndarray):
            return index, [v if i == index else _replace_arrays(v, "list") for i, v in enumerate(args)]
    return None, _replace_arrays(args, "list")


@pytest.mark.parametrize("qualified", TRACED)
def test_list_arguments_inside_jit(qualified):
    """Traced with the first array argument a tracer and every other array argument a list."""
    args, kwargs = _example_arguments(qualified)
    if not _has_arrays([args, list(kwargs.values())]):
        return
    function = _function(qualified)
    traced, rest = _split_first_array(args)
    rest_kwargs = _replace_arrays(kwargs, "list")

    def call(first):
        call_args = list(rest)
        if traced is not None:
            call_args[traced] = first
        return function(*call_args, **rest_kwargs)

    first = args[traced] if traced is not None else bm.zeros(())
    # Tracing is what jit does with the arguments; compiling every function would only cost time.
    with_lists = jax.make_jaxpr(call)(first).out_avals
    with_arrays = jax.make_jaxpr(lambda: function(*args, **kwargs))().out_avals
    assert [(a.shape, a.dtype) for a in with_lists] == [(a.shape, a.dtype) for a in with_arrays], qualified


def test_lists_inside_bm_jit_of_a_model():
    class Model(bm.Base):
        def __init__(self):
            super().__init__()
            self.hits = bm.Variable(bm.zeros(4))
            self.picked = bm.Variable(bm.zeros(2, dtype=bm.int32))

        def __call__(self, x):
            self.hits.value = bm.where(bm.isin(x, [1, 3]), 1.0, 0.0)
            self.picked[:] = bm.take(x, [0, 3])
            return bm.concatenate([[7], x]) + [0, 0, 0, 0, 1]

    model = Model()
    out = bm.jit(model)(bm.arange(4))
    assert out.tolist() == [7, 0, 1, 2, 4]
    assert model.hits.tolist() == [0.0, 1.0, 0.0, 1.0] and model.picked.tolist() == [0, 3]


def test_argument_plan_reads_numpys_signatures():
    assert numpy_ops.argument_plan("take").positions == ((0, "array"), (1, "array"))
    plan = numpy_ops.argument_plan("sum")
    assert plan.dtype_position == 2 and "axis" not in plan.keywords
    assert numpy_ops.argument_plan("concatenate").positions == ((0, "sequence"),)
    assert numpy_ops.argument_plan("meshgrid").varargs == 0
    assert numpy_ops.argument_plan("reshape").positions == ((0, "array"),)  # not the shape


def test_argument_conversion_leaves_other_calls_alone():
    x = jnp.arange(3)
    args, kwargs = numpy_ops.convert_arguments("sum", (x,), {"axis": (0,)})
    assert args[0] is x and kwargs == {"axis": (0,)}


# ---------------------------------------------------------------------------------------------
# No silent data loss inside jit (values that are concrete there)
# ---------------------------------------------------------------------------------------------
def test_variable_write_of_a_python_int_inside_jit_raises():
    class Counter(bm.Base):
        def __init__(self):
            super().__init__()
            self.count = bm.Variable(bm.zeros(2, dtype=bm.int32))

        def __call__(self):
            self.count.value = 2**40  # concrete inside the trace: checked there

    counter = Counter()
    with pytest.raises(OverflowError, match="1099511627776.*int32.*enable_x64"):
        bm.jit(counter)()
    assert counter.count.tolist() == [0, 0]


def test_operators_inside_jit_check_python_ints():
    @jax.jit
    def f(x):
        return bm.asarray(x) + 300

    with pytest.raises(OverflowError, match="300.*int8"):
        f(jnp.arange(3, dtype=jnp.int8))

    @jax.jit
    def g(x):
        return bm.asarray(x) < 1000

    assert g(jnp.arange(3, dtype=jnp.int8)).tolist() == [True, True, True]


def test_explicit_64_bit_request_inside_jit_warns_and_narrows():
    @jax.jit
    def f(x):
        return bm.asarray(x).astype(bm.int64)

    with pytest.warns(UserWarning, match="int64 requested in astype"):
        assert f(jnp.arange(3)).dtype == np.int32


# ---------------------------------------------------------------------------------------------
# Devices, copies, DLPack
# ---------------------------------------------------------------------------------------------
def test_device_arguments_take_jax_devices_and_platform_names():
    device = jax.devices("cpu")[0]
    for out in (bm.zeros(2, device=device), bm.arange(3, device="cpu"), bm.asarray([1.0], device="cpu:0"),
                bm.ones(2).to_device(device), bm.full_like(bm.ones(2), 1.0, device=device)):
        assert out.device == device
    with pytest.raises(ValueError, match="not available"):
        bm.zeros(2, device="tpu:7")
    with pytest.raises(TypeError, match="device"):
        bm.zeros(2, device=3.5)
    with pytest.raises(ValueError, match="stream"):
        bm.ones(2).to_device(device, stream=1)


def test_asarray_copy_true_makes_a_new_buffer():
    x = bm.arange(3.0)
    y = bm.asarray(x, copy=True)
    assert y is not x and y.value is not x.value
    raw = jnp.arange(3)
    assert bm.asarray(raw, copy=True).value is not raw
    assert bm.asarray(raw, copy=False).value is raw


def test_asarray_copy_false_refuses_numpy_and_device_moves():
    with pytest.raises(ValueError, match="copy=False"):
        bm.asarray(np.ones(3, np.float32), copy=False)


def test_dlpack_round_trip_with_jax_and_numpy():
    x = bm.arange(4.0)
    assert_matches(jnp.from_dlpack(x), [0.0, 1.0, 2.0, 3.0], "float32")
    assert_matches(bm.from_dlpack(jnp.arange(3)), [0, 1, 2], "int32")
    assert x.__dlpack_device__()[1] == 0
    assert_matches(np.from_dlpack(x), [0.0, 1.0, 2.0, 3.0], "float32")


def test_dlpack_consumers_below_version_1_get_the_legacy_capsule():
    x = bm.arange(3.0)
    for max_version in ((0, 0), (0, 5), (1, 0), None):
        assert x.__dlpack__(max_version=max_version, dl_device=(1, 0), copy=None) is not None


def test_namespace_info_devices_are_jax_devices():
    info = bm.__array_namespace_info__()
    assert info.devices() == jax.devices()
    assert info.dtypes(device="cpu") == info.dtypes(device=jax.devices("cpu")[0])


def test_device_of_a_traced_array_does_not_fail():
    jax.jit(lambda x: (bm.asarray(x).device, x)[1])(jnp.ones(2))


# ---------------------------------------------------------------------------------------------
# Indexing: jax clamps static out-of-range ints, NumPy raises
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("index", [3, -4, (0, 5), (Ellipsis, 4), (None, 3), (0, 0, 0)])
def test_out_of_range_static_indices_raise(index):
    x = bm.zeros((3, 4))
    with pytest.raises(IndexError):
        x[index]
    with pytest.raises(IndexError):
        x[index] = 1.0
    assert x.tolist() == np.zeros((3, 4)).tolist()


def test_in_range_indices_of_every_kind():
    x = bm.arange(12).reshape(3, 4)
    ref = np.arange(12, dtype=np.int32).reshape(3, 4)
    for index in (-3, (2, -1), (Ellipsis, -4), (None, 1), ([0, 2], 1), (slice(None), [True, False, True, False]),
                  (bm.asarray([0, 1]), bm.asarray([3, 2]))):
        expected = ref[tuple(np.asarray(i) if isinstance(i, bm.ndarray) else i for i in index)] \
            if isinstance(index, tuple) else ref[index]
        assert_matches(x[index], expected, "int32")


def test_setitem_casts_values_as_numpy_does():
    x = bm.zeros(3, dtype=bm.int32)
    x[0] = 2.7
    x[1:] = [1.9, -1.9]
    assert x.tolist() == [2, 1, -1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no jax FutureWarning about implicit casts
        y = bm.zeros(2)
        y[:] = np.array([1, 2])
    assert_matches(y, [1.0, 2.0], "float32")
