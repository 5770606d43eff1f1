"""``bm.activations`` against float64 NumPy definitions of each activation, on every backend."""
from __future__ import annotations

import math

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

from _strategies import CONFORMANCE, FLOAT, NONEMPTY, SHAPES, array, check, frontend

_ERF = np.vectorize(math.erf, otypes=[np.float64])


def _softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# Float64 references; results are compared in float32 (the input's dtype).
REFERENCES = {
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh,
    "softplus": lambda x: np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0),
    "elu": lambda x, alpha=1.0: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))),
    "gelu": lambda x, approximate=True: (
        0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))) if approximate
        else 0.5 * x * (1 + _ERF(x / math.sqrt(2)))),
    "silu": lambda x: x / (1 + np.exp(-x)),
    "leaky_relu": lambda x, negative_slope=0.01: np.where(x >= 0, x, negative_slope * x),
    "softmax": _softmax,
    "log_softmax": lambda x, axis=-1: np.log(_softmax(x, axis)),
}
COVERED = {f"activations.{name}" for name in REFERENCES}


def _float32(fn):
    return lambda x, **kw: fn(x.astype(np.float64), **kw).astype(np.float32)


@pytest.mark.parametrize("name", list(REFERENCES))
@given(data=st.data())
@CONFORMANCE
def test_activation(backend, name, data):
    # softmax normalizes over an axis, so it takes arrays of at least one element along one axis.
    shape = NONEMPTY if name in ("softmax", "log_softmax") else SHAPES
    x = array(data, FLOAT, shape, low=-8, high=8)
    kwargs = {}
    if name in ("softmax", "log_softmax") and x.ndim:
        kwargs["axis"] = data.draw(st.integers(-x.ndim, x.ndim - 1))
    if name == "gelu":
        kwargs["approximate"] = data.draw(st.booleans())
    if name == "leaky_relu":
        kwargs["negative_slope"] = data.draw(st.sampled_from([0.01, 0.2]))
    check(frontend(f"activations.{name}"), _float32(REFERENCES[name]), (x,), kwargs, scale=4.0)
