"""Conversion without silent data loss, NumPy's argument kinds, safe creation and the Array API's
array object: the same behaviour on every backend (issue 13, items 2-5).

- Integer values that do not fit the policy's dtype raise ``OverflowError`` naming the value, the
  dtype and ``bm.enable_x64()``; a 64-bit ``dtype=`` under the 32-bit policy warns, never wraps.
- Lists, tuples, NumPy arrays and Variables are accepted wherever NumPy takes an array (a generic
  test over every function of ``_api`` with its example's arrays replaced).
- Creation functions check their arguments as NumPy does; no input aborts the interpreter.
- ``asarray(copy=)``, ``device=``, ``from_dlpack``, ``isdtype``, ``__array_namespace_info__`` and
  the array attributes of the Array API standard 2024.12.
"""
from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import brainpy_math as bm
from brainpy_math import _api

from _assertions import assert_matches

# The functions of ``_api`` tested here first (``test_coverage`` collects these sets).
COVERED = {"from_dlpack"}
NOT_FIT = r"{value}.*does not fit dtype {dtype}.*bm\.enable_x64\(\)"


def _no_fit(value, dtype: str = "int32") -> str:
    return NOT_FIT.format(value=value, dtype=dtype)


# ---------------------------------------------------------------------------------------------
# 2. No silent data loss
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: bm.asarray(np.array([3037000498, 2**40])),
    lambda: bm.array(np.array([3037000498, 2**40])),
    lambda: bm.asarray([1, 3037000498]),
    lambda: bm.asarray(3037000498),
    lambda: bm.full(3, 3037000498),
    lambda: bm.arange(3037000498, 3037000500),
    lambda: bm.asarray(np.array([3037000498]), dtype=bm.int64),
])
def test_integers_that_do_not_fit_the_policy_raise(backend, make):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the explicit int64 request warns as well
        with pytest.raises(OverflowError, match=_no_fit(3037000498)):
            make()


def test_integers_that_fit_are_converted_exactly(backend):
    assert_matches(bm.asarray(np.array([2**31 - 1, -2**31])), [2**31 - 1, -2**31], "int32")
    assert_matches(bm.asarray(np.array([2**32 - 1], np.uint64)), [2**32 - 1], "uint32")
    bm.enable_x64()
    assert_matches(bm.asarray(np.array([3037000498, 2**40])), [3037000498, 2**40], "int64")


def test_explicit_narrow_dtype_is_numpys_cast_and_python_ints_never_wrap(backend):
    # An explicit int8 request of a NumPy array is NumPy's (wrapping) cast ...
    assert bm.asarray(np.array([300]), dtype=bm.int8).tolist() == [44]
    # ... but Python ints are converted exactly or not at all, as in NumPy 2.
    with pytest.raises(OverflowError, match="300.*int8"):
        bm.asarray([300], dtype=bm.int8)
    with pytest.raises(OverflowError, match="300.*int8"):
        bm.full(2, 300, dtype=bm.int8)
    with pytest.raises(OverflowError, match="300.*int8"):
        bm.full_like(bm.zeros(2, dtype=bm.int8), 300)


@pytest.mark.parametrize("call, name, wide, narrow", [
    (lambda: bm.zeros(3, dtype=bm.int64), "zeros", "int64", "int32"),
    (lambda: bm.ones(3, dtype=bm.uint64), "ones", "uint64", "uint32"),
    (lambda: bm.full(2, 1.5, dtype=bm.float64), "full", "float64", "float32"),
    (lambda: bm.eye(2, dtype=bm.float64), "eye", "float64", "float32"),
    (lambda: bm.arange(3, dtype=bm.int64), "arange", "int64", "int32"),
    (lambda: bm.asarray([1.0], dtype=bm.float64), "asarray", "float64", "float32"),
    (lambda: bm.arange(3).astype(bm.uint64), "astype", "uint64", "uint32"),
    (lambda: bm.astype(bm.arange(3), bm.int64), "astype", "int64", "int32"),
    (lambda: bm.zeros_like(bm.ones(2), dtype=bm.complex128), "zeros_like", "complex128", "complex64"),
])
def test_explicit_64_bit_request_warns(backend, call, name, wide, narrow):
    with pytest.warns(UserWarning, match=rf"Explicitly requested dtype {wide} requested in {name} is not "
                                         rf"available, and will be truncated to dtype {narrow}\. To enable "
                                         rf"more dtypes, call bm\.enable_x64\(\)"):
        out = call()
    assert out.dtype == np.dtype(narrow)


def test_explicit_64_bit_request_never_wraps(backend):
    big = bm.asarray(np.array([3_000_000_000], np.uint32))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(OverflowError, match=_no_fit(3000000000)):
            big.astype(bm.int64)
        with pytest.raises(OverflowError, match=_no_fit(3000000000)):
            bm.astype(big, bm.int64)
        with pytest.raises(OverflowError, match=_no_fit(10000000000)):
            bm.asarray(np.array([1e10]), dtype=bm.int64)
        assert bm.asarray(np.array([7], np.uint32)).astype(bm.int64).tolist() == [7]


def test_no_warning_under_x64(backend):
    bm.enable_x64()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert bm.zeros(2, dtype=bm.int64).dtype == np.int64
        assert bm.arange(3).astype(bm.uint64).dtype == np.uint64


def test_variable_writes_never_wrap(backend):
    v = bm.Variable(bm.zeros(2, dtype=bm.int32))
    with pytest.raises(OverflowError, match=_no_fit(1099511627776)):
        v.value = 2**40
    with pytest.raises(OverflowError, match=_no_fit(1099511627776)):
        v[0] = 2**40
    with pytest.raises(OverflowError, match=_no_fit(1099511627776)):
        v[:] = np.array([2**40, 1])
    with pytest.raises(OverflowError, match=_no_fit(1099511627776)):
        v.value = [1, 2**40]
    assert v.tolist() == [0, 0]  # nothing written
    v[1] = 2**31 - 1
    assert v.tolist() == [0, 2**31 - 1]


def test_int8_array_refuses_python_ints_out_of_range_in_writes(backend):
    x = bm.zeros(3, dtype=bm.int8)
    with pytest.raises(OverflowError, match="300.*int8"):
        x[0] = 300
    with pytest.raises(OverflowError, match="300.*int8"):
        x[:] = [1, 300, 2]
    assert x.tolist() == [0, 0, 0]


# Operators: NumPy 2 raises for a Python int outside the integer result dtype; JAX would wrap.
@pytest.mark.parametrize("dtype, value", [(np.int8, 300), (np.int8, -129), (np.uint8, -1), (np.uint32, -1),
                                          (np.int16, 2**15), (np.int32, 2**31)])
@pytest.mark.parametrize("op", ["add", "radd", "sub", "rsub", "mul", "floordiv", "mod", "pow", "and",
                                "or", "xor", "iadd", "isub", "imul"])
def test_operators_refuse_python_ints_out_of_range(backend, dtype, value, op):
    x = bm.asarray(np.array([1, 2], dtype))
    with pytest.raises(OverflowError, match=f"{value}.*{np.dtype(dtype).name}"):
        getattr(x, f"__{op}__")(value)
    assert x.tolist() == [1, 2]


def test_operators_with_python_ints_in_range_and_true_division(backend):
    x = bm.asarray(np.array([1, 2], np.int8))
    assert_matches(x + 100, [101, 102], "int8")
    assert_matches(x / 300, np.array([1, 2]) / 300, "float32")  # a float result: any int is fine
    b = bm.asarray([True, False])
    with pytest.raises(OverflowError, match=_no_fit(1099511627776)):
        b + 2**40
    bm.enable_x64()
    y = bm.asarray(np.array([1], np.int32))
    with pytest.raises(OverflowError, match="1099511627776.*int32"):
        y + 2**40


@pytest.mark.parametrize("dtype, value", [(np.int8, 1000), (np.int8, -1000), (np.uint32, -1),
                                          (np.uint8, 256), (np.int32, 2**40)])
def test_comparisons_with_python_ints_out_of_range_are_exact(backend, dtype, value):
    values = np.array([0, 1, 100], dtype)
    x = bm.asarray(values)
    for name in ("lt", "le", "gt", "ge", "eq", "ne"):
        got = getattr(x, f"__{name}__")(value)
        want = getattr(values, f"__{name}__")(value)
        assert_matches(got, want, "bool")
    assert_matches(value > x, value > values, "bool")


# ---------------------------------------------------------------------------------------------
# 3. NumPy's argument kinds in every position
# ---------------------------------------------------------------------------------------------
_NUMPY_MODULES = {"": np, "linalg": np.linalg, "fft": np.fft}
_NOT_CALLABLE_WITH_EXAMPLE = {"put"}  # its example writes into an array defined elsewhere
KINDS = ["list", "tuple", "numpy", "variable"]


def _example(qualified: str) -> str:
    namespace, _, name = qualified.rpartition(".")
    table = _api.NAMESPACES[namespace] if namespace else _api.FUNCTIONS
    return table[name][1].split("#")[0].strip()


def _example_arguments(qualified: str) -> tuple[list, dict]:
    """The evaluated positional and keyword arguments of ``qualified``'s ``_api`` example."""
    call = ast.parse(_example(qualified), mode="eval").body
    while isinstance(call, ast.Attribute):  # bm.finfo(bm.float32).eps
        call = call.value
    assert isinstance(call, ast.Call), qualified
    scope = {"bm": bm, "np": np}
    evaluate = lambda node: eval(compile(ast.Expression(node), qualified, "eval"), scope)  # noqa: E731
    return [evaluate(a) for a in call.args], {k.arg: evaluate(k.value) for k in call.keywords}


def _replace_arrays(value, kind: str):
    """``value`` with every bm array replaced by the argument kind ``kind`` (recursively in sequences)."""
    if isinstance(value, bm.ndarray) and not isinstance(value, bm.Variable):
        if kind == "list":
            return value.tolist()
        if kind == "tuple":
            data = value.tolist()
            as_tuple = lambda d: tuple(as_tuple(i) for i in d) if isinstance(d, list) else d  # noqa: E731
            return as_tuple(data)
        if kind == "numpy":
            return np.asarray(value)
        return bm.Variable(value)
    if type(value) in (list, tuple):
        return type(value)(_replace_arrays(item, kind) for item in value)
    if type(value) is dict:
        return {key: _replace_arrays(item, kind) for key, item in value.items()}
    return value


def _has_arrays(value) -> bool:
    if isinstance(value, bm.ndarray):
        return True
    return type(value) in (list, tuple) and any(_has_arrays(item) for item in value)


def _function(qualified: str):
    namespace, _, name = qualified.rpartition(".")
    return getattr(getattr(bm, namespace) if namespace else bm, name)


def _numpy_accepts(qualified: str, args, kwargs) -> bool:
    """Whether NumPy's function of that name takes these arguments (names NumPy lacks: assumed so)."""
    namespace, _, name = qualified.rpartition(".")
    module = _NUMPY_MODULES.get(namespace)
    function = getattr(module, name, None) if module is not None else None
    if function is None:
        return True
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            function(*args, **kwargs)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def _leaves(result) -> list:
    if isinstance(result, dict):
        return [result]
    if isinstance(result, (list, tuple)):
        return [leaf for item in result for leaf in _leaves(item)]
    return [result]


_UNINITIALIZED = {"empty", "empty_like"}  # their values are whatever the memory held


def _assert_same(got, want, label: str, values: bool = True) -> None:
    got_leaves, want_leaves = _leaves(got), _leaves(want)
    assert len(got_leaves) == len(want_leaves), label
    for g, w in zip(got_leaves, want_leaves):
        if isinstance(w, bm.ndarray):
            assert isinstance(g, bm.ndarray), f"{label}: {type(g).__name__} is not the backend's array"
            assert g.dtype == w.dtype and g.shape == w.shape, f"{label}: {g.dtype}{g.shape} != {w.dtype}{w.shape}"
            if values:
                np.testing.assert_array_equal(np.asarray(g), np.asarray(w), err_msg=label)
        elif isinstance(w, (bool, int, float, complex, np.generic)):
            np.testing.assert_array_equal(g, w, err_msg=label)


ARRAY_FUNCTIONS = sorted(name for name in _api.all_names() if name not in _NOT_CALLABLE_WITH_EXAMPLE)


@pytest.mark.parametrize("qualified", ARRAY_FUNCTIONS)
def test_every_function_takes_numpys_argument_kinds(backend, qualified):
    args, kwargs = _example_arguments(qualified)
    function = _function(qualified)
    want = function(*args, **kwargs)
    if not _has_arrays([args, list(kwargs.values())]):
        return  # no array argument: nothing to replace
    for kind in KINDS:
        new_args, new_kwargs = _replace_arrays(args, kind), _replace_arrays(kwargs, kind)
        if kind in ("list", "tuple") and not _numpy_accepts(qualified, _replace_arrays(args, kind),
                                                            _replace_arrays(kwargs, kind)):
            continue  # NumPy refuses this kind here too
        _assert_same(function(*new_args, **new_kwargs), want, f"bm.{qualified} with {kind} arguments",
                     values=qualified not in _UNINITIALIZED)


def test_lists_where_numpy_takes_arrays(backend):
    x = bm.arange(5)
    assert_matches(bm.isin(x, [1, 2, 3]), np.isin(np.arange(5), [1, 2, 3]), "bool")
    assert_matches(bm.take(x, [0, 3]), [0, 3], "int32")
    assert_matches(bm.take(x, (0, 3)), [0, 3], "int32")
    assert_matches(bm.where([True, False], [1.0, 2.0], 0.0), [1.0, 0.0], "float32")
    assert_matches(bm.percentile(bm.arange(5.0), [25, 75]), [1.0, 3.0], "float32")
    # Tuples that are shapes or axes stay shapes and axes; lists of arrays stay sequences.
    assert bm.reshape(bm.arange(6), (2, 3)).shape == (2, 3)
    assert_matches(bm.sum(bm.ones((2, 3)), axis=(0, 1)), 6.0, "float32")
    assert_matches(bm.concatenate([bm.zeros(2), [1.0, 2.0]]), [0.0, 0.0, 1.0, 2.0], "float32")
    assert_matches(bm.stack([[1, 2], [3, 4]]), [[1, 2], [3, 4]], "int32")
    assert_matches(x + [1, 1, 1, 1, 1], np.arange(5) + 1, "int32")


def test_list_arguments_follow_the_policy(backend):
    # A list of Python ints is an int array of the policy's int: values beyond it raise.
    with pytest.raises(OverflowError, match=_no_fit(1099511627776)):
        bm.isin(bm.arange(3), [1, 2**40])


# ---------------------------------------------------------------------------------------------
# 4. Creation arguments are checked as NumPy checks them
# ---------------------------------------------------------------------------------------------
def test_arange_stop_none_is_the_one_argument_form(backend):
    assert_matches(bm.arange(5.0, None, 2.0), [0.0, 2.0, 4.0], "float32")
    assert_matches(bm.arange(5, None, 2), [0, 2, 4], "int32")
    assert_matches(bm.arange(stop=3), [0, 1, 2], "int32")
    assert_matches(bm.arange(5, step=2), [0, 2, 4], "int32")
    assert_matches(bm.arange(10, 0, -3), [10, 7, 4, 1], "int32")
    assert_matches(bm.arange(0.0, 1.0, 0.25), [0.0, 0.25, 0.5, 0.75], "float32")


@pytest.mark.parametrize("call, error, message", [
    (lambda: bm.arange(0, 5, 0), ZeroDivisionError, "step"),
    (lambda: bm.arange(1, 2, float("nan")), ValueError, "length"),
    (lambda: bm.arange(0, float("inf")), ValueError, "Maximum allowed size"),
    (lambda: bm.arange(3, dtype=bm.bool_), TypeError, "bool"),
    (lambda: bm.linspace(0.0, 1.0, -1), ValueError, "Number of samples, -1, must be non-negative"),
    (lambda: bm.linspace(0.0, 1.0, 2.5), TypeError, "num"),
    (lambda: bm.eye(-1), ValueError, "negative dimensions"),
    (lambda: bm.eye(2, -1), ValueError, "negative dimensions"),
    (lambda: bm.identity(-1), ValueError, "negative dimensions"),
    (lambda: bm.full((2, -1), 0.0), ValueError, "negative dimensions"),
    (lambda: bm.zeros(-1), ValueError, "negative dimensions"),
    (lambda: bm.ones((2, 2.5)), TypeError, "2.5"),
    (lambda: bm.empty("a"), TypeError, "'a'"),
    (lambda: bm.zeros_like(bm.ones(2), shape=(-1,)), ValueError, "negative dimensions"),
])
def test_creation_arguments_raise_numpys_exceptions(backend, call, error, message):
    with pytest.raises(error, match=message):
        call()


_CRASH_PROBE = textwrap.dedent("""
    import brainpy_math as bm
    bm.set_backend({backend!r})
    cases = ["bm.arange(0, 2**62)", "bm.zeros((2**32, 2**32))", "bm.eye(2**33)", "bm.full(2**62, 1)",
             "bm.arange(-2**63, 2**63 - 1)", "bm.arange(0.0, 1e30, 1e-30)", "bm.ones((2**31, 2**31, 4))",
             "bm.linspace(0.0, 1.0, 2**62)", "bm.empty_like(bm.ones(1), shape=(2**40, 2**40))"]
    for x64 in (False, True):
        bm.enable_x64(x64)
        for case in cases:
            try:
                eval(case)
                print(case, x64, "-> no error")
            except (ValueError, MemoryError, OverflowError) as err:
                print(case, x64, "->", type(err).__name__)
    print("survived")
""")


def test_huge_sizes_raise_instead_of_crashing(backend):
    # XLA aborts the interpreter when an array's byte size overflows 64 bits: run in a subprocess.
    # (Under the 32-bit policy some cases raise OverflowError first: their bounds need 64 bits.)
    env = {**os.environ, "BRAINPY_MATH_BACKEND": backend}
    done = subprocess.run([sys.executable, "-c", _CRASH_PROBE.format(backend=backend)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "survived" in done.stdout, done.stdout + done.stderr
    assert "no error" not in done.stdout, done.stdout
    assert "True -> OverflowError" not in done.stdout, done.stdout  # under x64: NumPy's exceptions


# ---------------------------------------------------------------------------------------------
# 5. The Array API standard 2024.12
# ---------------------------------------------------------------------------------------------
def test_asarray_copy_semantics(backend):
    x = bm.arange(3)
    assert bm.asarray(x) is x  # no copy needed, none made
    same = bm.asarray(x, copy=False)
    same[0] = 7
    assert x[0] == 7
    copied = bm.asarray(x, copy=True)
    copied[1] = 9
    assert x.tolist() == [7, 1, 2] and copied.tolist() == [7, 9, 2]
    with pytest.raises(ValueError, match="copy"):
        bm.asarray([1, 2], copy=False)
    with pytest.raises(ValueError, match="copy"):
        bm.asarray(x, dtype=bm.float32, copy=False)
    assert_matches(bm.asarray([1, 2], copy=True), [1, 2], "int32")
    assert_matches(bm.asarray(x, dtype=bm.float32, copy=None), [7.0, 1.0, 2.0], "float32")


CREATION_WITH_DEVICE = {
    "asarray": lambda device: bm.asarray([1.0, 2.0], device=device),
    "arange": lambda device: bm.arange(3, device=device),
    "empty": lambda device: bm.empty(3, device=device),
    "empty_like": lambda device: bm.empty_like(bm.ones(2), device=device),
    "eye": lambda device: bm.eye(2, device=device),
    "full": lambda device: bm.full(2, 3.0, device=device),
    "full_like": lambda device: bm.full_like(bm.ones(2), 3.0, device=device),
    "linspace": lambda device: bm.linspace(0.0, 1.0, 3, device=device),
    "ones": lambda device: bm.ones(2, device=device),
    "ones_like": lambda device: bm.ones_like(bm.ones(2), device=device),
    "zeros": lambda device: bm.zeros(2, device=device),
    "zeros_like": lambda device: bm.zeros_like(bm.ones(2), device=device),
    "from_dlpack": lambda device: bm.from_dlpack(np.ones(2, np.float32), device=device),
}


@pytest.mark.parametrize("name", sorted(CREATION_WITH_DEVICE))
def test_creation_functions_take_device(backend, name):
    for device in (None, "cpu", bm.__array_namespace_info__().default_device()):
        out = CREATION_WITH_DEVICE[name](device)
        assert isinstance(out, bm.ndarray)
        assert "cpu" in str(out.device).lower() or out.device == bm.__array_namespace_info__().default_device()


def test_from_dlpack(backend):
    assert_matches(bm.from_dlpack(np.arange(3.0, dtype=np.float32)), [0.0, 1.0, 2.0], "float32")
    x = bm.arange(4)
    assert_matches(bm.from_dlpack(x), [0, 1, 2, 3], "int32")
    assert_matches(np.from_dlpack(x), [0, 1, 2, 3], "int32")  # the array is a DLPack producer
    assert_matches(bm.from_dlpack(np.arange(3)), [0, 1, 2], "int32")  # the policy applies
    with pytest.raises(OverflowError, match=_no_fit(1099511627776)):
        bm.from_dlpack(np.array([2**40]))


@pytest.mark.parametrize("kind", ["bool", "signed integer", "unsigned integer", "integral", "real floating",
                                  "complex floating", "numeric", ("integral", "real floating"),
                                  ("bool", np.float32), np.int16])
def test_isdtype_matches_numpy(backend, kind):
    for dtype in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint32, np.uint64,
                  np.float16, np.float32, np.float64, np.complex64, np.complex128):
        assert bm.isdtype(np.dtype(dtype), kind) == np.isdtype(np.dtype(dtype), kind), (dtype, kind)
        assert bm.isdtype(dtype, kind) == np.isdtype(np.dtype(dtype), kind), (dtype, kind)


def test_namespace_info_follows_the_policy(backend):
    info = bm.__array_namespace_info__()
    devices = info.devices()
    assert devices and info.default_device() in devices
    listed = info.dtypes()
    assert not any(np.dtype(d).itemsize == 8 and np.dtype(d).kind in "iuf" for d in listed.values())
    assert "complex128" not in listed and {"float32", "int32", "bool", "complex64"} <= set(listed)
    assert set(info.dtypes(kind="real floating")) == {"float32"}
    assert set(info.dtypes(kind=("bool", "unsigned integer"))) == {"bool", "uint8", "uint16", "uint32"}
    assert set(info.dtypes(device=info.default_device(), kind="integral")) == {
        "int8", "int16", "int32", "uint8", "uint16", "uint32"}
    assert info.default_dtypes()["indexing"] == np.int32
    assert {"boolean indexing", "data-dependent shapes"} <= set(info.capabilities())
    bm.enable_x64()
    assert {"float64", "int64", "uint64", "complex128"} <= set(bm.__array_namespace_info__().dtypes())
    assert bm.__array_namespace_info__().default_dtypes()["integral"] == np.int64


def test_array_object_of_the_standard(backend):
    x = bm.reshape(bm.arange(6.0), (2, 3))
    assert x.__array_namespace__() is bm
    assert x.__array_namespace__(api_version="2024.12") is bm
    with pytest.raises(ValueError, match="2019.01"):
        x.__array_namespace__(api_version="2019.01")
    assert x.mT.shape == (3, 2) and bm.ones((4, 2, 3)).mT.shape == (4, 3, 2)
    assert_matches(x.mT, np.arange(6.0).reshape(2, 3).T, "float32")
    with pytest.raises(ValueError):
        bm.ones(3).mT
    assert x.device is not None
    moved = x.to_device(x.device)
    assert isinstance(moved, bm.ndarray) and moved.tolist() == x.tolist()
    assert isinstance(x.to_device("cpu"), bm.ndarray)
    assert len(x.__dlpack_device__()) == 2
    assert x.__dlpack__() is not None
    assert x.itemsize == 4 and x.nbytes == 24


def test_scalar_conversions_and_setitem(backend):
    assert bool(bm.asarray(True)) is True and int(bm.asarray(3)) == 3 and float(bm.asarray(2.5)) == 2.5
    assert complex(bm.asarray(1.0)) == 1 + 0j and [0, 1, 2][bm.asarray(2)] == 2
    with pytest.raises(ValueError):
        bool(bm.ones(2))
    with pytest.raises(TypeError):
        [0, 1][bm.asarray(1.0)]
    x = bm.zeros((3, 4))
    x[0] = 1.0
    x[1, 2] = 2.0
    x[..., 3] = bm.asarray(3.0)
    x[bm.asarray([False, False, True])] = 4.0
    x[-1, None, 1:3] = bm.asarray([[5.0, 6.0]])
    want = np.zeros((3, 4), np.float32)
    want[0] = 1.0
    want[1, 2] = 2.0
    want[..., 3] = 3.0
    want[np.array([False, False, True])] = 4.0
    want[-1, None, 1:3] = [[5.0, 6.0]]
    assert_matches(x, want, "float32")
    with pytest.raises(IndexError):
        x[3] = 1.0
    with pytest.raises(IndexError):
        x[0, -5]


def test_finfo_and_iinfo_give_python_numbers(backend):
    info = bm.finfo(bm.float32)
    assert all(type(getattr(info, name)) is float for name in ("eps", "max", "min", "smallest_normal"))
    assert info.bits == 32 and info.dtype == np.float32 and bm.finfo(bm.complex64).dtype == np.float32
    integer = bm.iinfo(bm.int8)
    assert (type(integer.min), type(integer.max), integer.bits) == (int, int, 8)


def test_result_dtypes_of_the_standard(backend):
    assert bm.permute_dims(bm.ones((1, 4, 3)), (0, -1, -2)).shape == (1, 3, 4)
    assert_matches(bm.searchsorted(bm.arange(5), [1, 3]), [1, 3], "int32")
    assert_matches(bm.cumulative_prod(bm.asarray(np.array([1, 2, 3], np.uint8))), [1, 2, 6], "uint32")
    bm.enable_x64()
    assert_matches(bm.searchsorted(bm.arange(5), [1, 3]), [1, 3], "int64")
    assert_matches(bm.cumulative_prod(bm.asarray(np.array([1, 2, 3], np.uint8))), [1, 2, 6], "uint64")


class _Counter(bm.Base):
    def __init__(self):
        super().__init__()
        self.count = bm.Variable(bm.zeros(2, dtype=bm.int8))

    def write_in_range(self):
        self.count[0] = -100
        self.count[1] = 127

    def write_out_of_range(self):
        self.count[0] = 300


def test_compiled_writes_of_python_ints_never_wrap(backend):
    counter = _Counter()
    bm.jit(counter.write_in_range)()
    assert np.asarray(counter.count).tolist() == [-100, 127]
    with pytest.raises(OverflowError, match="300"):
        bm.jit(counter.write_out_of_range)()
    assert np.asarray(counter.count).tolist() == [-100, 127]  # nothing written
