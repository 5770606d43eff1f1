"""The Array API standard names of NumPy 2's namespace, with the standard's semantics, on every backend."""
from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import brainpy_math as bm
from _strategies import CONFORMANCE, FLOAT, INT, array, check, frontend

DTYPES = [np.bool_, np.int8, np.int16, np.int32, np.uint8, np.uint32, np.float32, np.complex64]
KINDS = ["bool", "signed integer", "unsigned integer", "integral", "real floating", "complex floating",
         "numeric"]
COVERED = {"astype", "isdtype", "issubdtype", "finfo", "iinfo", "result_type", "can_cast",
           "__array_namespace_info__"}


@given(data=st.data())
@CONFORMANCE
def test_astype(backend, data):
    x = array(data, data.draw(st.sampled_from([FLOAT, INT])), low=-100, high=100)
    dtype = data.draw(st.sampled_from([np.float32, np.int32, np.int16, np.bool_, np.complex64]))
    check(frontend("astype"), np.astype, (x, dtype))


@pytest.mark.parametrize("kind", KINDS)
def test_isdtype_and_issubdtype(backend, kind):
    for dtype in DTYPES:
        assert bm.isdtype(np.dtype(dtype), kind) == np.isdtype(np.dtype(dtype), kind)
        assert bm.issubdtype(dtype, np.floating) == np.issubdtype(dtype, np.floating)


def test_finfo_and_iinfo(backend):
    for dtype in (np.float32, np.float16):
        got, want = bm.finfo(dtype), np.finfo(dtype)
        assert (got.bits, float(got.eps), float(got.max), float(got.tiny)) == \
            (want.bits, float(want.eps), float(want.max), float(want.tiny))
    for dtype in (np.int8, np.int32, np.uint16):
        got, want = bm.iinfo(dtype), np.iinfo(dtype)
        assert (got.bits, int(got.min), int(got.max)) == (want.bits, int(want.min), int(want.max))


@given(first=st.sampled_from(DTYPES), second=st.sampled_from(DTYPES))
@CONFORMANCE
def test_result_type_and_can_cast(backend, first, second):
    # The policy's promotion: NumPy's, narrowed to 32 bits (JAX's promotion agrees on these pairs
    # when the result fits in 32 bits).
    want = bm._config.canonicalize_dtype(np.result_type(first, second))
    if np.dtype(want).itemsize * 8 <= 32 and np.result_type(first, second).itemsize <= 4:
        assert bm.result_type(first, second) == want
    assert bm.can_cast(first, second) == np.can_cast(first, second)


def test_namespace_info_reports_the_policy(backend):
    info = bm.__array_namespace_info__()
    defaults = info.default_dtypes()
    assert defaults["real floating"] == np.float32 and defaults["integral"] == np.int32
    assert defaults["complex floating"] == np.complex64
    bm.enable_x64()
    assert bm.__array_namespace_info__().default_dtypes()["real floating"] == np.float64
    assert "float32" in info.dtypes(kind="real floating")


def test_dtype_names_and_constants_are_numpys():
    for name in ("bool_", "bool", "int8", "int16", "int32", "int64", "uint8", "uint32", "float16", "float32",
                 "float64", "complex64", "complex128", "intp", "floating", "integer", "number"):
        assert getattr(bm, name) is getattr(np, name), name
    assert (bm.pi, bm.e, bm.euler_gamma, bm.inf) == (np.pi, np.e, np.euler_gamma, np.inf)
    assert np.isnan(bm.nan) and bm.newaxis is None
