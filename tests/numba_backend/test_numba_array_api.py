"""Numba backend: conversion without data loss, the Array API's creation arguments, and argument checks
before Numba kernels run (issue 13, items 2-5; what both backends share is in
``tests/conformance/test_conversion.py``).

The Numba backend's arrays are NumPy's, so it can do what JAX cannot: ``asarray(copy=False)`` and
``from_dlpack`` share memory with a NumPy array; its only device is the CPU.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

numba = pytest.importorskip("numba")

import brainpy_math as bm  # noqa: E402
from brainpy_math_numba import numpy_ops  # noqa: E402

NO_FIT_INT32 = r"does not fit dtype int32.*bm\.enable_x64\(\)"


@pytest.fixture(autouse=True)
def _numba_backend():
    with bm.set_backend("numba"):
        yield


# ---------------------------------------------------------------------------------- no data loss
def test_put_never_wraps_an_integer():
    x = bm.zeros(3, dtype=bm.int32)
    with pytest.raises(OverflowError, match="put: value 1099511627776 " + NO_FIT_INT32):
        bm.put(x, [0], 2**40)
    # NumPy would wrap a NumPy integer silently; a write here never changes a value.
    with pytest.raises(OverflowError, match="put: value 1099511627776 " + NO_FIT_INT32):
        bm.put(x, [0], np.array([2**40]))
    with pytest.raises(OverflowError, match="300.*int8"):
        bm.put(bm.zeros(2, dtype=bm.int8), [1], np.array([300], np.int16))
    assert x.tolist() == [0, 0, 0]
    bm.put(x, [0, 2], np.array([7, 2**31 - 1]))
    assert x.tolist() == [7, 0, 2**31 - 1]
    with pytest.raises(TypeError, match="put: argument 'a' must be an array"):
        bm.put([0, 0], [0], 1)


def test_full_like_never_wraps_a_numpy_integer():
    with pytest.raises(OverflowError, match="full_like: value 1099511627776 " + NO_FIT_INT32):
        bm.full_like(bm.zeros(2, dtype=bm.int32), np.int64(2**40))
    with pytest.raises(OverflowError, match="full_like: value inf does not fit dtype int32"):
        bm.full_like(bm.zeros(2, dtype=bm.int32), np.inf)


def test_integer_ranges_of_arange_and_linspace():
    with pytest.raises(OverflowError, match="arange: value 299 does not fit dtype uint8"):
        bm.arange(0, 300, dtype=bm.uint8)  # NumPy wraps to [0..255, 0..43]
    with pytest.raises(OverflowError, match="arange: value 824633720832 " + NO_FIT_INT32):
        bm.arange(0, 2**40, 2**38)
    # The values fit although the stop does not.
    assert bm.arange(0, 2**31, 2**30).tolist() == [0, 2**30]
    with pytest.raises(OverflowError, match="linspace: value 1099511627776 " + NO_FIT_INT32):
        bm.linspace(0, 2**40, 3, dtype=bm.int32)
    bm.enable_x64()
    assert bm.arange(0, 2**40, 2**38).tolist()[-1] == 3 * 2**38


def test_dtype_keyword_of_numpy_functions_warns_for_64_bit_requests():
    with pytest.warns(UserWarning, match="Explicitly requested dtype float64 requested in sum is not available"):
        assert bm.sum(bm.ones(3), dtype=bm.float64).dtype == np.float32
    with pytest.warns(UserWarning, match="requested in identity"):
        assert bm.identity(2, dtype=bm.int64).dtype == np.int32


def test_float_lists_compute_in_the_policy_float():
    values = [0.1, 0.7, 2.3]
    # NumPy would compute in float64 and round once more when narrowing.
    np.testing.assert_array_equal(bm.exp(values), bm.exp(bm.asarray(values)))
    np.testing.assert_array_equal(bm.sinc(values), np.sinc(np.asarray(values, np.float32)))
    # Lists of ints may be shapes or axes: they stay lists.
    assert bm.reshape(bm.arange(6), [2, 3]).shape == (2, 3)
    assert bm.linalg.multi_dot([[[1.0, 2.0]], [[1.0], [1.0]]]).tolist() == [[3.0]]  # ragged: a sequence


# ---------------------------------------------------------------------------------- Array API
def test_asarray_copy_false_shares_numpy_memory():
    x = np.arange(3, dtype=np.int32)
    view = bm.asarray(x, copy=False)
    view[0] = 9
    assert x[0] == 9 and isinstance(view, bm.ndarray)
    copied = bm.asarray(x, copy=True)
    copied[1] = 5
    assert x[1] == 1
    with pytest.raises(ValueError, match=r"copy=False, but converting dtype float64 to float32 needs a "
                                         r"copy \(the dtype policy narrows"):
        bm.asarray(np.ones(2), copy=False)
    bm.enable_x64()
    assert np.shares_memory(bm.asarray(np.ones(2), copy=False), np.ones(2)) is False
    wide = np.ones(2)
    assert np.shares_memory(bm.asarray(wide, copy=False), wide)


def test_array_is_numpys_with_the_policy():
    x = np.arange(3, dtype=np.int32)
    assert not np.shares_memory(bm.array(x), x)
    assert np.shares_memory(bm.array(x, copy=None), x)
    assert bm.array([[1, 2]], ndmin=3).shape == (1, 1, 2)
    assert bm.array(object=[1.0]).dtype == np.float32


@pytest.mark.parametrize("make", [
    lambda d: bm.zeros(2, device=d), lambda d: bm.ones(2, device=d), lambda d: bm.empty(2, device=d),
    lambda d: bm.full(2, 1.0, device=d), lambda d: bm.eye(2, device=d), lambda d: bm.arange(2, device=d),
    lambda d: bm.linspace(0.0, 1.0, 2, device=d), lambda d: bm.asarray([1.0], device=d),
    lambda d: bm.zeros_like(bm.ones(2), device=d), lambda d: bm.ones_like(bm.ones(2), device=d),
    lambda d: bm.empty_like(bm.ones(2), device=d), lambda d: bm.full_like(bm.ones(2), 2.0, device=d),
    lambda d: bm.astype(bm.ones(2), bm.int32, device=d), lambda d: bm.fft.fftfreq(4, device=d),
    lambda d: bm.fft.rfftfreq(4, device=d), lambda d: numpy_ops.from_dlpack(np.ones(2, np.float32), device=d),
])
def test_the_only_device_is_the_cpu(make):
    x = bm.ones(1)
    for device in (None, "cpu", x.device, bm.__array_namespace_info__().default_device()):
        assert make(device).device == "cpu"
    with pytest.raises(ValueError, match=r"argument 'device' must be 'cpu' or None \(the numba backend "
                                         r"computes on the CPU only\), got 'gpu'"):
        make("gpu")


def test_from_dlpack_shares_memory_and_follows_the_policy():
    x = np.arange(3.0, dtype=np.float32)
    y = numpy_ops.from_dlpack(x)
    y[0] = 5.0
    assert x[0] == 5.0 and isinstance(y, bm.ndarray)
    assert not np.shares_memory(numpy_ops.from_dlpack(x, copy=True), x)
    assert numpy_ops.from_dlpack(np.ones(2)).dtype == np.float32
    with pytest.raises(ValueError, match="from_dlpack: copy=False"):
        numpy_ops.from_dlpack(np.ones(2), copy=False)
    assert numpy_ops.from_dlpack(bm.arange(3)).tolist() == [0, 1, 2]


def test_namespace_info_answers_for_the_cpu_and_the_policy():
    info = bm.__array_namespace_info__()
    assert info.devices() == ["cpu"] and info.default_device() == bm.zeros(1).device == "cpu"
    assert "float64" not in info.dtypes() and "float32" in info.dtypes()
    assert set(info.dtypes(kind="signed integer")) == {"int8", "int16", "int32"}
    with pytest.raises(ValueError, match="dtypes: argument 'device'"):
        info.dtypes(device="gpu")
    with pytest.raises(ValueError, match="default_dtypes: argument 'device'"):
        info.default_dtypes(device="gpu")
    bm.enable_x64()
    assert set(bm.__array_namespace_info__().dtypes(kind="signed integer")) == {"int8", "int16", "int32", "int64"}


def test_finfo_and_iinfo_take_arrays_and_give_python_numbers():
    for argument in (bm.float32, np.dtype(np.float32), bm.ones(2), bm.asarray(1.0)):
        info = bm.finfo(argument)
        assert type(info.eps) is float and type(info.max) is float and type(info.smallest_normal) is float
        assert info.bits == 32 and info.dtype == np.float32
    assert bm.finfo(bm.complex64).dtype == np.float32
    assert bm.iinfo(bm.arange(3)).max == 2**31 - 1 and bm.iinfo(np.uint8).max == 255


def test_meshgrid_and_broadcast_arrays_give_lists():
    grids = bm.meshgrid(bm.arange(3), [1.0, 2.0])
    assert type(grids) is list and [g.shape for g in grids] == [(2, 3), (2, 3)]
    assert all(isinstance(g, bm.ndarray) for g in grids)
    arrays = bm.broadcast_arrays(bm.ones(3), bm.ones((2, 1)))
    assert type(arrays) is list and [a.shape for a in arrays] == [(2, 3), (2, 3)]


def test_fftfreq_takes_the_array_api_dtype():
    assert bm.fft.fftfreq(4).dtype == np.float32
    assert bm.fft.rfftfreq(4, d=0.5, dtype=bm.float32).tolist() == [0.0, 0.5, 1.0]
    bm.enable_x64()
    assert bm.fft.fftfreq(4, dtype=bm.float32).dtype == np.float32
    assert bm.fft.fftfreq(4).dtype == np.float64


# ---------------------------------------------------------------------------------- argument checks
def test_one_hot_checks_its_arguments():
    with pytest.raises(ValueError, match="one_hot: argument 'num_classes' must be non-negative, got -2"):
        bm.one_hot([0, 1], -2)
    with pytest.raises(TypeError, match="one_hot: argument 'num_classes' must be an integer"):
        bm.one_hot([0, 1], 2.5)
    with pytest.raises(np.exceptions.AxisError, match="one_hot: argument 'axis' is 5"):
        bm.one_hot([0, 1], 3, axis=5)  # used to wrap around silently
    assert bm.one_hot([0, 2], 3, axis=0).tolist() == [[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]]


def _compiled(source: str, *names: str):
    scope = {name.replace(".", "_"): numpy_ops.compiled(name) for name in names}
    exec(f"def kernel(x, y):\n    return {source}\n", scope)
    return numba.njit(scope["kernel"])


def test_compiled_kernels_check_indices_before_reading_or_writing():
    # Numba's own take_along_axis and bincount index memory with the data unchecked.
    take = _compiled("take_along_axis(x, y, 0)", "take_along_axis")
    assert take(np.arange(3.0), np.array([2, -1])).tolist() == [2.0, 2.0]
    with pytest.raises(IndexError, match="take_along_axis: an index in 'indices' is out of bounds"):
        take(np.arange(3.0), np.array([7]))
    count = _compiled("bincount(x, y)", "bincount")
    assert count(np.array([0, 2]), np.array([0.5, 1.0])).tolist() == [0.5, 0.0, 1.0]
    with pytest.raises(ValueError, match="bincount: argument 'x' must hold non-negative integers"):
        count(np.array([-100, 2]), np.array([1.0, 1.0]))


def test_compiled_reductions_and_shape_checks():
    mean = _compiled("(mean(x, axis=1), matrix_transpose(y))", "mean", "matrix_transpose")
    means, _ = mean(np.ones((2, 0)), np.ones((2, 2)))  # rows of length 0: NaN, as in NumPy
    assert means.shape == (2,) and np.isnan(means).all()
    with pytest.raises(ValueError, match="matrix_transpose: argument 'x' must be at least 2-dimensional"):
        mean(np.ones((2, 1)), np.ones(3))
    cumulative = _compiled("(cumulative_sum(x), compress(y, x))", "cumulative_sum", "compress")
    with pytest.raises(ValueError, match="cumulative_sum: argument 'axis' is required"):
        cumulative(np.ones((2, 2)), np.array([True]))
    with pytest.raises(IndexError, match="compress: argument 'condition' selects an index beyond"):
        cumulative(np.ones(2), np.array([True, False, True]))


def test_compiled_matrix_transpose_is_a_view_of_any_rank():
    """matrix_transpose builds its view from shape and strides (Numba's swapaxes formats an error
    message, ~4.5 s to compile): the same values as NumPy's for 2-D to 4-D arrays, C, F and strided."""
    transpose = _compiled("matrix_transpose(x)", "matrix_transpose")
    for x in (np.arange(6.0).reshape(2, 3), np.asfortranarray(np.arange(6.0).reshape(2, 3)),
              np.arange(24.0).reshape(2, 3, 4), np.arange(240.0).reshape(2, 3, 5, 8)[:, ::2, :, 1::3]):
        out = transpose(x, 0)  # the helper compiles kernel(x, y)
        np.testing.assert_array_equal(out, np.swapaxes(x, -1, -2))


def test_warnings_point_at_the_callers_line():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bm.zeros(2, dtype=bm.int64)
    assert caught and caught[0].filename == __file__
