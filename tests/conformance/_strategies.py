"""Shared hypothesis strategies and the NumPy comparison used by the conformance modules.

A conformance case is a function of hypothesis' ``data`` returning ``(args, kwargs)`` of NumPy
arrays and Python values; :func:`check` calls the backend function and NumPy's with them and
compares results (type, shape, dtype under the policy, values within dtype-aware tolerances) or
the kind of exception raised.
"""
from __future__ import annotations

from typing import Any, Callable

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
from hypothesis import HealthCheck, settings

import brainpy_math as bm
from brainpy_math import _config

FLOAT, INT, BOOL = np.dtype(np.float32), np.dtype(np.int32), np.dtype(np.bool_)
# The ``backend`` fixture only selects the backend, which is the same for every drawn example.
CONFORMANCE = settings(max_examples=4, deadline=None, derandomize=True, database=None,
                       suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                              HealthCheck.data_too_large, HealthCheck.filter_too_much])
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
RANKED = hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4)
NONEMPTY = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def elements(dtype: np.dtype, low: float = -10, high: float = 10, special: bool | str = False):
    """Values of ``dtype`` in [low, high]; with ``special``, NaN and infinities are drawn too
    (``special='nan'``: NaN only)."""
    dtype = np.dtype(dtype)
    if dtype == BOOL:
        return st.booleans()
    if dtype.kind in "iu":
        return st.integers(int(low), int(high))
    finite = st.floats(low, high, width=dtype.itemsize * 8, allow_subnormal=False)
    if special == "nan":
        return st.one_of(finite, st.just(np.nan))
    if special:
        return st.one_of(finite, st.sampled_from([np.nan, np.inf, -np.inf]))
    return finite


def array(data, dtype=FLOAT, shape=SHAPES, **element_options) -> np.ndarray:
    """Draw one array of ``dtype`` with a shape from ``shape`` (a strategy or a tuple)."""
    return data.draw(hnp.arrays(np.dtype(dtype), shape, elements=elements(dtype, **element_options)))


def axis_for(data, ndim: int, allow_none: bool = True):
    """Draw an axis valid for ``ndim`` (negative axes included), or None."""
    choices = list(range(-ndim, ndim)) + ([None] if allow_none else [])
    return data.draw(st.sampled_from(choices)) if choices else None


def unwrap(x: Any) -> Any:
    """A backend result as NumPy data (JaxArrays converted), recursively through tuples/lists."""
    if isinstance(x, (tuple, list)):
        return type(x)(unwrap(i) for i in x) if type(x) in (tuple, list) else tuple(unwrap(i) for i in x)
    if hasattr(x, "__jax_array__") or type(x).__name__ == "JaxArray":
        return np.asarray(x)
    return x


def _tolerance(dtype: np.dtype, scale: float) -> dict:
    if dtype.kind not in "fc":
        return dict(rtol=0, atol=0)
    eps = float(np.finfo(dtype).eps)
    return dict(rtol=eps * 64 * scale, atol=eps * 64 * scale)


def assert_same(got: Any, want: Any, scale: float = 1.0, path: str = "result") -> None:
    """``got`` (a backend result) equals ``want`` (NumPy's) up to the policy's dtypes and tolerances."""
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)), f"{path}: expected a sequence, got {type(got).__name__}"
        assert len(got) == len(want), f"{path}: {len(got)} items != {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, scale, f"{path}[{i}]")
        return
    backend = bm._backend.current()
    if isinstance(want, (np.ndarray, np.generic)):
        assert isinstance(got, (backend.ndarray, np.generic)) or np.ndim(got) == 0, (
            f"{path}: type {type(got).__name__} is not the backend's array type")
    got_np, want_np = np.asarray(unwrap(got)), np.asarray(want)
    if isinstance(want, (bool, int, float, complex)) and not isinstance(want, np.generic):
        want_dtype = got_np.dtype  # a Python scalar: only the value is NumPy's contract
    else:
        want_dtype = _config.canonicalize_dtype(want_np.dtype)
    assert got_np.dtype == want_dtype, f"{path}: dtype {got_np.dtype} != expected {want_dtype}"
    assert got_np.shape == want_np.shape, f"{path}: shape {got_np.shape} != expected {want_np.shape}"
    if want_np.dtype.kind in "fc" and got_np.dtype != want_np.dtype:
        want_np = want_np.astype(got_np.dtype)
    np.testing.assert_allclose(got_np, want_np, equal_nan=True, err_msg=path,
                               **_tolerance(want_dtype, scale))


def _same_kind(error: BaseException, expected: BaseException) -> bool:
    """Whether ``error`` is the same kind as NumPy's ``expected``.

    ValueError and IndexError count as one kind (a bad argument value): NumPy's own AxisError is
    both, and NumPy and JAX choose between them differently for out-of-range positions.
    """
    kinds = [k for k in (IndexError, ValueError, TypeError, ZeroDivisionError, NotImplementedError)
             if isinstance(expected, k)]
    if IndexError in kinds or ValueError in kinds:
        kinds += [IndexError, ValueError]
    return any(isinstance(error, k) for k in kinds)


def check(backend_fn: Callable, numpy_fn: Callable, args: tuple, kwargs: dict | None = None,
          scale: float = 1.0) -> None:
    """Call both with the same arguments and compare results, or the kind of exception raised."""
    kwargs = kwargs or {}
    try:
        want = numpy_fn(*args, **kwargs)
    except Exception as expected:  # NumPy raises: the backend must raise the same kind
        try:
            backend_fn(*args, **kwargs)
        except Exception as error:
            assert _same_kind(error, expected), f"raised {error!r}, NumPy raised {expected!r}"
            return
        raise AssertionError(f"NumPy raised {expected!r}, the backend returned a result")
    got = backend_fn(*args, **kwargs)
    assert_same(got, want, scale)


def frontend(qualified: str) -> Callable:
    """The frontend function ``bm.<qualified>`` (``'linalg.norm'`` → ``bm.linalg.norm``)."""
    target: Any = bm
    for part in qualified.split("."):
        target = getattr(target, part)
    return target


def numpy_function(qualified: str) -> Callable:
    """NumPy's function of the same qualified name."""
    target: Any = np
    for part in qualified.split("."):
        target = getattr(target, part)
    return target
