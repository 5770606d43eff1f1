"""Frontend functions inside code that numba compiles (``numpy_ops.compiled``), against eager calls.

Functions the Numba backend's ``PROVIDERS`` marks as available in compiled code are called inside
one generated ``numba.njit`` function per area and compared with the eager call of the same
frontend function: same dtype (the policy, float32/int32 by default), same shape, same values.

Compiling costs one to three seconds per function, so the default run covers one function of
each kind of ``njit-own`` implementation (axis reductions, products, activations, creation, ...)
and every 25th ``np`` one; the ``slow`` test covers all the others.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

numba = pytest.importorskip("numba")

import brainpy_math as bm  # noqa: E402
from brainpy_math import _api  # noqa: E402
from brainpy_math_numba import numpy_ops  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from _calls import CASES, calls, inputs  # noqa: E402
from numba import types  # noqa: E402
from numba.core.extending import overload  # noqa: E402

_INPUT_NAMES = "F V W I J B M N S".split()
COMPILED = sorted(name for name, p in numpy_ops.PROVIDERS.items() if p.compiled != _api.UNSUPPORTED)
UNSUPPORTED = sorted(name for name, p in numpy_ops.PROVIDERS.items() if p.compiled == _api.UNSUPPORTED)


def as_array(x):
    """Inside compiled code: scalars as 1-element arrays, so their dtype reaches Python."""


@overload(as_array)
def _as_array(x):
    if isinstance(x, (types.Float, types.Integer, types.Complex, types.Boolean)):
        return lambda x: np.full(1, x)
    if isinstance(x, types.BaseTuple):
        body = ", ".join(f"as_array(x[{i}])" for i in range(len(x))) + ("," if len(x) == 1 else "")
        scope = {"as_array": as_array}
        exec(f"def impl(x):\n    return ({body})\n", scope)
        return scope["impl"]
    return lambda x: x


def _eager(name: str, source: str, values: dict):
    with bm.set_backend("numba"):
        return eval(f"bm.{name}({source})", {"bm": bm, "np": np, **values})


def _as_eager_layout(x):
    if isinstance(x, (tuple, list)):  # compiled code returns tuples, NumPy some lists
        return tuple(_as_eager_layout(i) for i in x)
    return np.asarray(x).reshape(1) if np.ndim(x) == 0 else np.asarray(x)


def _batch(cases: list[tuple[str, str]]):
    """One njit function making every call in ``cases`` (name, argument source); returns their results."""
    scope = {"np": np, "as_array": as_array}
    lines = []
    for i, (name, arguments) in enumerate(cases):
        scope[f"f{i}"] = numpy_ops.compiled(name)
        lines.append(f"as_array(f{i}({arguments}))")
    source = f"def batch({', '.join(_INPUT_NAMES)}):\n    return ({', '.join(lines)},)\n"
    exec(source, scope)
    return numba.njit(scope["batch"])


def _assert_same(got, want, name):
    if isinstance(want, tuple):
        got = tuple(got) if isinstance(got, list) else got
        assert isinstance(got, tuple) and len(got) == len(want), name
        for g, w in zip(got, want):
            _assert_same(g, w, name)
        return
    got = np.asarray(got)
    assert got.dtype == want.dtype, f"{name}: compiled dtype {got.dtype} != eager {want.dtype}"
    assert got.shape == want.shape, f"{name}: compiled shape {got.shape} != eager {want.shape}"
    tol = 1e-5 if got.dtype.kind in "fc" else 0
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol, equal_nan=True, err_msg=name)


_OWN = [name for name in COMPILED if numpy_ops.PROVIDERS[name].compiled == "njit-own"]
_NP = [name for name in COMPILED if numpy_ops.PROVIDERS[name].compiled == "np"]
# One of each kind of own implementation (functions of a kind share their code).
_OWN_KINDS = ["mean", "argmax", "median", "nanmean", "matmul", "vecdot", "linalg.trace", "linalg.vector_norm",
              "activations.sigmoid", "activations.softmax", "activations.gelu", "one_hot", "array", "astype", "fft.fftfreq", "modf", "compress",
              "cumulative_sum"]
DEFAULT = sorted(set(_OWN_KINDS) | set(_NP[::25]))
REST = sorted(set(COMPILED) - set(DEFAULT))


def _check_area(names: list[str], area: str) -> None:
    cases = [(name, source) for name in names if _api.area_of(name) == area for source in calls(name)]
    if not cases:
        return
    values = inputs()
    results = _batch(cases)(*(values[k] for k in _INPUT_NAMES))
    for (name, source), got in zip(cases, results):
        _assert_same(got, _as_eager_layout(_eager(name, source, values)), f"{name}({source})")


@pytest.mark.parametrize("area", sorted({_api.area_of(name) for name in DEFAULT}))
def test_compiled_functions_match_eager_calls(area):
    _check_area(DEFAULT, area)


@pytest.mark.slow
@pytest.mark.parametrize("area", sorted({_api.area_of(name) for name in REST}))
def test_all_compiled_functions_match_eager_calls(area):
    _check_area(REST, area)


def test_every_compiled_function_has_a_case():
    assert not [name for name in COMPILED if name not in CASES]
    assert set(_OWN_KINDS) <= set(_OWN)


@pytest.mark.parametrize("name", UNSUPPORTED[:5] + ["finfo"])
def test_unsupported_functions_raise_naming_function_and_backend(name):
    with pytest.raises(NotImplementedError, match=rf"bm\.{name}.*numba"):
        numpy_ops.compiled(name)


def test_sub_namespace_compiled_takes_unqualified_names():
    from brainpy_math_numba import linalg
    assert linalg.compiled("det") is numpy_ops.compiled("linalg.det")


def test_policy_inside_compiled_code():
    zeros, mean, total = numpy_ops.compiled("zeros"), numpy_ops.compiled("mean"), numpy_ops.compiled("sum")
    run = numba.njit(lambda n, x, k: (zeros(n), as_array(mean(x)), as_array(total(k))))
    z, m, s = run(3, np.ones(4, np.float32), np.ones(4, np.int32))
    assert (z.dtype, m.dtype, s.dtype) == (np.float32, np.float32, np.int32)


def test_x64_keeps_float32_inputs_float32():
    bm.enable_x64()
    mean, zeros = numpy_ops.compiled("mean"), numpy_ops.compiled("zeros")
    run = numba.njit(lambda x: (as_array(mean(x)), zeros(2)))
    m, z = run(np.ones(4, np.float32))
    assert m.dtype == np.float32 and z.dtype == np.float64
