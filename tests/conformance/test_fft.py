"""Conformance of ``bm.fft`` with ``numpy.fft`` (complex64 results under the 32-bit policy)."""
from __future__ import annotations

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

from _strategies import RANKED, CONFORMANCE, FLOAT, array, axis_for, check, frontend, numpy_function

ONE_D = "fft.fft fft.ifft fft.rfft fft.irfft fft.hfft fft.ihfft".split()
N_D = "fft.fft2 fft.ifft2 fft.rfft2 fft.irfft2 fft.fftn fft.ifftn fft.rfftn fft.irfftn".split()
HELPERS = "fft.fftfreq fft.rfftfreq fft.fftshift fft.ifftshift".split()
COVERED = set(ONE_D) | set(N_D) | set(HELPERS)


@pytest.mark.parametrize("name", ONE_D)
@given(data=st.data())
@CONFORMANCE
def test_one_dimensional(backend, name, data):
    # Length >= 2: a Hermitian input of length 1 has no valid default output length.
    x = array(data, FLOAT, hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=6), low=-2, high=2)
    kwargs = {"axis": axis_for(data, x.ndim, allow_none=False),
              "norm": data.draw(st.sampled_from([None, "ortho", "forward"]))}
    if data.draw(st.booleans()):
        kwargs["n"] = data.draw(st.integers(2, 8))
    check(frontend(name), numpy_function(name), (x,), kwargs, scale=32.0)


@pytest.mark.parametrize("name", N_D)
@given(data=st.data())
@CONFORMANCE
def test_multi_dimensional(backend, name, data):
    x = array(data, FLOAT, hnp.array_shapes(min_dims=2, max_dims=3, min_side=2, max_side=5), low=-2, high=2)
    check(frontend(name), numpy_function(name), (x,), {"norm": data.draw(st.sampled_from([None, "ortho"]))},
          scale=64.0)


@given(data=st.data())
@CONFORMANCE
def test_frequencies_and_shifts(backend, data):
    n = data.draw(st.integers(1, 9))
    spacing = data.draw(st.sampled_from([1.0, 0.1, 2.5]))
    check(frontend("fft.fftfreq"), np.fft.fftfreq, (n, spacing))
    check(frontend("fft.rfftfreq"), np.fft.rfftfreq, (n, spacing))
    x = array(data, FLOAT, RANKED)
    axes = axis_for(data, x.ndim)
    check(frontend("fft.fftshift"), np.fft.fftshift, (x,), {"axes": axes})
    check(frontend("fft.ifftshift"), np.fft.ifftshift, (x,), {"axes": axes})


def test_complex_input_keeps_complex64(backend):
    x = (np.arange(4) + 1j).astype(np.complex64)
    check(frontend("fft.fft"), np.fft.fft, (x,), scale=32.0)
