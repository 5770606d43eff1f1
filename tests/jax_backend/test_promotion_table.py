"""The promotion table of the frontend (``brainpy_math._promotion``, NumPy only) is JAX's lattice.

Every pair of dtypes and Python scalars, with and without x64, against ``jax.numpy.result_type``.
"""
from __future__ import annotations

import itertools
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainpy_math as bm
from brainpy_math import _promotion

DTYPES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
          np.float16, np.float32, np.float64, np.complex64, np.complex128]
SCALARS = [True, 1, 1.0, 1j]
OPERANDS = DTYPES + SCALARS


def _ours(x):
    return np.zeros(1, x) if isinstance(x, type) else x


def _jax(x):
    return jnp.zeros(1, x) if isinstance(x, type) else x


@pytest.mark.parametrize("x64", [False, True], ids=["default", "x64"])
def test_the_table_is_jaxs_lattice(x64):
    with bm.set_backend("jax"):  # the JAX backend keeps jax_enable_x64 in step with the policy
        bm.enable_x64(x64)
        assert jax.config.jax_enable_x64 == x64
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # jax warns when x64 is off and a 64-bit dtype is named
            differ = [(a, b, jnp.result_type(_jax(a), _jax(b)), _promotion.result_type(_ours(a), _ours(b)))
                      for a, b in itertools.product(OPERANDS, repeat=2)
                      if jnp.result_type(_jax(a), _jax(b)) != _promotion.result_type(_ours(a), _ours(b))]
    assert not differ, differ[:10]
