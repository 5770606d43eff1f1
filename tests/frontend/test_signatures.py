"""Signatures and docstrings of the frontend functions (``help(bm.clip)``, ``inspect.signature``).

The wrappers built by ``brainpy_math._dispatch.backend_function`` forward ``*args, **kwargs``; their
``__signature__`` and docstring come from ``brainpy_math._signatures``. These tests check that every
function has a real signature (NumPy's names where NumPy has the function), a docstring with an
example, that calls by the signature's keywords work on every backend, and that the wrapper still
forwards its arguments untouched.
"""
from __future__ import annotations

import inspect
import math
import pydoc
import types
from inspect import Parameter
from typing import Any, Callable

import numpy as np
import pytest

import brainpy_math as bm
from brainpy_math import _api, _signatures
from brainpy_math._dispatch import backend_function

ALL = sorted(_api.all_names())
RANDOM = [name for name in bm.random.__all__ if name != "RandomState"]
NUMPY_2_4 = tuple(int(part) for part in np.__version__.split(".")[:2]) >= (2, 4)


def frontend(qualified: str) -> Callable:
    """``bm.<qualified>``, sub-namespaces included (``'linalg.norm'``)."""
    function: Any = bm
    for part in qualified.split("."):
        function = getattr(function, part)
    return function


def numpy_function(qualified: str) -> Callable | None:
    """``numpy.<qualified>``, or None where NumPy has no such function."""
    function: Any = np
    for part in qualified.split("."):
        function = getattr(function, part, None)
        if function is None:
            return None
    return function


def _is_star_args_only(signature: inspect.Signature) -> bool:
    return [p.kind for p in signature.parameters.values()] == [Parameter.VAR_POSITIONAL, Parameter.VAR_KEYWORD]


# ---------------------------------------------------------------------------------------------- signatures
@pytest.mark.parametrize("name", ALL + [f"random.{name}" for name in RANDOM])
def test_every_function_has_a_real_signature(name):
    signature = inspect.signature(frontend(name))
    assert not _is_star_args_only(signature), f"bm.{name} still shows (*args, **kwargs)"


def test_the_table_lists_exactly_the_frontend_functions():
    assert sorted(set(ALL) - set(_signatures.SIGNATURES)) == []
    assert sorted(set(_signatures.SIGNATURES) - set(ALL)) == [], "stale entries in _signatures.SIGNATURES"


# Where the signature is NumPy's with the Array API's keywords added (at the end, keyword-only).
ARRAY_API_ADDITIONS = {"sort": ["descending"], "argsort": ["descending"], "fft.fftfreq": ["dtype"],
                       "fft.rfftfreq": ["dtype"]}
# Where BrainPy 2.x's signature adds a parameter after NumPy's (positional or keyword, as in BrainPy).
BRAINPY_ADDITIONS = {"fill_diagonal": ["inplace"]}
WITH_NUMPY = [name for name in ALL if numpy_function(name) is not None and name != "clip"]


@pytest.mark.skipif(not NUMPY_2_4, reason="the table holds NumPy 2.4's signatures; older NumPy differs")
@pytest.mark.parametrize("name", WITH_NUMPY)
def test_parameter_names_and_kinds_are_numpys(name):
    ours = [(p.name, p.kind) for p in inspect.signature(frontend(name)).parameters.values()]
    numpys = [(p.name, p.kind) for p in inspect.signature(numpy_function(name)).parameters.values()]
    added = [(extra, Parameter.KEYWORD_ONLY) for extra in ARRAY_API_ADDITIONS.get(name, [])]
    added += [(extra, Parameter.POSITIONAL_OR_KEYWORD) for extra in BRAINPY_ADDITIONS.get(name, [])]
    assert ours == numpys + added


def test_clip_takes_the_array_apis_min_and_max_in_the_places_of_numpys_a_min_and_a_max():
    parameters = inspect.signature(bm.clip).parameters
    assert list(parameters) == ["a", "min", "max", "out", "kwargs"]
    assert parameters["min"].kind is parameters["max"].kind is Parameter.POSITIONAL_OR_KEYWORD
    assert parameters["kwargs"].kind is Parameter.VAR_KEYWORD  # NumPy's a_min=/a_max= still get through
    if NUMPY_2_4:
        assert list(inspect.signature(np.clip).parameters)[:4] == ["a", "a_min", "a_max", "out"]


@pytest.mark.parametrize("name, keyword", [("sort", "descending"), ("argsort", "descending"),
                                           ("fft.fftfreq", "dtype"), ("fft.rfftfreq", "dtype"),
                                           ("astype", "device"), ("asarray", "device"), ("asarray", "copy"),
                                           ("zeros", "device"), ("arange", "device"), ("linspace", "device")])
def test_the_array_apis_keywords_are_listed(name, keyword):
    parameter = inspect.signature(frontend(name)).parameters[keyword]
    assert parameter.kind in (Parameter.KEYWORD_ONLY, Parameter.POSITIONAL_OR_KEYWORD)


def test_dtype_defaults_follow_the_policy_not_numpys_float():
    assert inspect.signature(bm.eye).parameters["dtype"].default is None
    assert inspect.signature(bm.tri).parameters["dtype"].default is None


def test_names_numpy_lacks_have_the_backends_signature():
    assert str(inspect.signature(bm.one_hot)) == "(indices, num_classes, dtype=None, axis=-1)"
    assert str(inspect.signature(bm.activations.softmax)) == "(x, axis=-1)"
    assert str(inspect.signature(bm.activations.leaky_relu)) == "(x, negative_slope=0.01)"


def test_random_functions_have_their_randomstate_methods_signature_without_self():
    method = inspect.signature(bm.random.RandomState.normal)
    assert inspect.signature(bm.random.normal) == method.replace(parameters=list(method.parameters.values())[1:])
    assert list(inspect.signature(bm.random.randint).parameters) == ["low", "high", "size", "dtype", "key"]
    assert str(inspect.signature(bm.random.default_state)) == "()"


# ---------------------------------------------------------------------------------------------- docstrings
def _examples() -> dict[str, str]:
    examples = {name: example for name, (_area, example) in _api.FUNCTIONS.items()}
    for namespace, table in _api.NAMESPACES.items():
        examples.update({f"{namespace}.{name}": example for name, (_area, example) in table.items()})
    return examples


@pytest.mark.parametrize("name", ALL)
def test_docstring_has_numpys_summary_the_differences_and_the_example(name):
    doc = frontend(name).__doc__
    assert f">>> {_examples()[name]}" in doc and "Example:" in doc
    assert "bm.enable_x64()" in doc  # the dtype policy
    summary = _signatures.numpy_summary(name)
    if summary is not None:  # NumPy has the function (the first 40 characters: long ones are wrapped)
        assert doc.startswith(summary[:40]), doc.splitlines()[0]
    assert "(*args, **kwargs)" not in doc


@pytest.mark.parametrize("name", RANDOM)
def test_random_docstrings_have_an_example(name):
    doc = frontend(f"random.{name}").__doc__
    assert "Example:" in doc and ">>> " in doc


def test_numpy_summary_is_the_first_sentence_after_a_ufuncs_call_line():
    assert _signatures.numpy_summary("sin") == "Trigonometric sine, element-wise."
    assert _signatures.numpy_summary("abs") == "Calculate the absolute value element-wise."  # alias: absolute(...)
    assert _signatures.numpy_summary("dot") == "Dot product of two arrays."
    assert _signatures.numpy_summary("activations.relu") is None


def test_help_shows_the_signature_and_the_docstring():
    text = pydoc.render_doc(bm.clip, renderer=pydoc.plaintext)
    assert "clip(a, /, min=None, max=None, out=None, **kwargs)" in text
    assert "Clip (limit) the values in an array." in text and "bm.clip(bm.arange(5), 1, 3)" in text
    text = pydoc.render_doc(bm.linalg.norm, renderer=pydoc.plaintext)
    assert "norm(x, ord=None, axis=None, keepdims=False)" in text and "Matrix or vector norm." in text


# ---------------------------------------------------------------------------------------------- the wrapper
def test_the_wrapper_forwards_exactly_the_arguments_given(monkeypatch):
    # No Signature.bind and no defaults filled in: the backend receives the call as written.
    calls = []
    record = lambda *args, **kwargs: calls.append((args, kwargs))  # noqa: E731
    fake = types.SimpleNamespace(sum=record, linalg=types.SimpleNamespace(norm=record))
    monkeypatch.setattr(bm._backend, "_current_module", fake)
    bm.sum(1, axis=0)
    bm.linalg.norm(2, not_a_numpy_parameter=3)
    assert calls == [((1,), {"axis": 0}), ((2,), {"not_a_numpy_parameter": 3})]


def test_a_name_missing_from_the_table_keeps_star_args_rather_than_failing():
    wrapper = backend_function("not_in_the_table", "elementwise", "bm.not_in_the_table(1)")
    assert _is_star_args_only(inspect.signature(wrapper))
    assert "bm.not_in_the_table(1)" in wrapper.__doc__


def test_signature_texts_parse_like_python_defs():
    for text in set(_signatures.SIGNATURES.values()):
        scope = {"NoValue": _signatures.NO_VALUE}
        exec(f"def f{text}: pass", scope)  # the table's notation is Python's own
        assert str(inspect.signature(scope["f"])) == str(_signatures._parse(text)), text


# ---------------------------------------------------------------------------------------------- keyword calls
def _inputs() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    f = rng.uniform(-1, 1, (3, 4)).astype(np.float32)
    m = rng.uniform(-1, 1, (3, 3)).astype(np.float32)
    return {
        "V": np.linspace(0.1, 0.9, 5, dtype=np.float32), "W": np.asarray([0.3, 0.1, 0.9, 0.5, 0.7], np.float32),
        "X": np.linspace(-2.0, 2.0, 5, dtype=np.float32), "F": f, "G": np.ascontiguousarray(f.T),
        "M": (m @ m.T + 3 * np.eye(3)).astype(np.float32), "V3": np.asarray([1.0, 2.0, 3.0], np.float32),
        "W3": np.asarray([0.0, 1.0, -1.0], np.float32), "I": np.asarray([0, 2, 1, 4, 3], np.int32),
        "J": np.asarray([3, 1, 3, 0, 1], np.int32), "I2": np.asarray([0, 2], np.int32),
        "B": np.asarray([True, False, True, True, False]), "S": np.linspace(0.0, 1.0, 8, dtype=np.float32),
        "N": np.asarray([1.0, np.nan, 3.0, np.inf, -2.0], np.float32),
    }


def _gelu_exact(x: np.ndarray) -> np.ndarray:
    return np.asarray([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.tolist()])


# (name, positional arguments, keyword arguments, reference for names NumPy lacks). Strings that name
# an input of _inputs() stand for that array; every keyword is a parameter name of the signature.
KEYWORD_CALLS: list[tuple[str, list, dict, Callable | None]] = [
    ("clip", ["V"], {"min": 0.2, "max": 0.6}, None),
    ("sum", [], {"a": "F", "axis": 0, "keepdims": True}, None),
    ("mean", ["F"], {"axis": 1, "dtype": np.float32}, None),
    ("std", [], {"a": "F", "axis": 0, "ddof": 1}, None),
    ("cumsum", [], {"a": "F", "axis": 1}, None),
    ("diff", [], {"a": "V", "n": 2}, None),
    ("argmax", [], {"a": "F", "axis": 0}, None),
    ("count_nonzero", [], {"a": "B", "axis": 0}, None),
    ("percentile", [], {"a": "V", "q": 30.0, "axis": 0}, None),
    ("average", [], {"a": "V", "weights": "W"}, None),
    ("cov", [], {"m": "F", "rowvar": False, "ddof": 1}, None),
    ("zeros", [], {"shape": (2, 3), "dtype": np.float32}, None),
    ("full", [], {"shape": 3, "fill_value": 2.0}, None),
    ("linspace", [], {"start": 0.0, "stop": 1.0, "num": 5, "endpoint": False}, None),
    ("arange", [0], {"stop": 6, "step": 2}, None),
    ("eye", [], {"N": 3, "M": 4, "k": 1}, None),
    ("full_like", [], {"a": "V", "fill_value": 3.0}, None),
    ("asarray", [], {"a": [1, 2, 3], "dtype": np.int32}, None),
    ("reshape", ["F"], {"shape": (4, 3)}, None),
    ("moveaxis", [], {"a": "F", "source": 0, "destination": 1}, None),
    ("expand_dims", [], {"a": "V", "axis": 0}, None),
    ("concatenate", [["V", "W"]], {"axis": 0}, None),
    ("stack", [], {"arrays": ["V", "W"], "axis": 1}, None),
    ("take", [], {"a": "V", "indices": "I2", "axis": 0}, None),
    ("roll", [], {"a": "V", "shift": 2}, None),
    ("repeat", [], {"a": "V", "repeats": 2, "axis": 0}, None),
    ("tile", [], {"A": "V", "reps": 2}, None),
    ("split", [], {"ary": "F", "indices_or_sections": 2, "axis": 1}, None),
    ("pad", [], {"array": "V", "pad_width": 1, "mode": "edge"}, None),
    ("trace", [], {"a": "M", "offset": 1}, None),
    ("sort", [], {"a": "W", "axis": -1}, None),
    ("argsort", [], {"a": "W", "axis": 0, "stable": True}, None),
    ("searchsorted", [], {"a": "S", "v": "V", "side": "right"}, None),
    ("unique", [], {"ar": "J", "return_counts": True}, None),
    ("histogram", [], {"a": "V", "bins": 3}, None),
    ("isclose", [], {"a": "V", "b": "W", "rtol": 1e-3, "atol": 0.0}, None),
    ("array_equal", [], {"a1": "V", "a2": "V", "equal_nan": True}, None),
    ("nan_to_num", [], {"x": "N", "nan": -1.0, "posinf": 9.0}, None),
    ("cross", [], {"a": "V3", "b": "W3"}, None),
    ("tensordot", [], {"a": "F", "b": "G", "axes": 1}, None),
    ("einsum", ["ij,jk->ik", "F", "G"], {"optimize": False}, None),
    ("linalg.norm", [], {"x": "M", "ord": 2}, None),
    ("linalg.matrix_power", [], {"a": "M", "n": 2}, None),
    ("linalg.solve", [], {"a": "M", "b": "V3"}, None),
    ("linalg.eigvalsh", [], {"a": "M", "UPLO": "U"}, None),
    ("linalg.vector_norm", ["V"], {"axis": 0, "keepdims": True, "ord": 1}, None),
    ("linalg.trace", ["M"], {"offset": 1}, None),
    ("fft.fft", [], {"a": "S", "n": 8, "axis": -1, "norm": "ortho"}, None),
    ("fft.rfft", [], {"a": "S", "norm": "forward"}, None),
    ("fft.fftfreq", [], {"n": 8, "d": 0.1}, None),
    ("fft.fftshift", [], {"x": "S", "axes": 0}, None),
    ("one_hot", [], {"indices": "I", "num_classes": 6, "dtype": np.float32, "axis": -1},
     lambda x: np.eye(6)[x["I"]]),
    ("activations.relu", [], {"x": "X"}, lambda x: np.maximum(x["X"], 0)),
    ("activations.softmax", [], {"x": "F", "axis": 0}, lambda x: np.exp(x["F"]) / np.exp(x["F"]).sum(0)),
    ("activations.leaky_relu", [], {"x": "X", "negative_slope": 0.1},
     lambda x: np.where(x["X"] >= 0, x["X"], 0.1 * x["X"])),
    ("activations.elu", [], {"x": "X", "alpha": 0.5}, lambda x: np.where(x["X"] > 0, x["X"], 0.5 * np.expm1(x["X"]))),
    ("activations.gelu", [], {"x": "X", "approximate": False}, lambda x: _gelu_exact(x["X"])),
]


def _resolve(value: Any, inputs: dict[str, np.ndarray], convert: Callable) -> Any:
    if isinstance(value, str) and value in inputs:
        return convert(inputs[value])
    if isinstance(value, list):
        return [_resolve(item, inputs, convert) for item in value]
    return value


def _assert_close(got: Any, want: Any, name: str) -> None:
    if isinstance(want, (tuple, list)):
        assert len(got) == len(want), name
        for g, w in zip(got, want):
            _assert_close(g, w, name)
        return
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-4, atol=1e-5, err_msg=name)


@pytest.mark.parametrize("name, args, kwargs, reference", KEYWORD_CALLS, ids=[c[0] for c in KEYWORD_CALLS])
def test_keyword_arguments_by_the_signatures_names(backend, name, args, kwargs, reference):
    function = frontend(name)
    inspect.signature(function).bind(*args, **kwargs)  # the call is one the signature describes
    inputs = _inputs()
    got = function(*_resolve(args, inputs, bm.asarray), **{k: _resolve(v, inputs, bm.asarray)
                                                           for k, v in kwargs.items()})
    if reference is not None:
        want = reference(inputs)
    else:
        want = numpy_function(name)(*_resolve(args, inputs, np.asarray),
                                    **{k: _resolve(v, inputs, np.asarray) for k, v in kwargs.items()})
    _assert_close(got, want, name)


def test_random_keyword_arguments_by_the_signatures_names(backend):
    calls = [("uniform", {"low": 0.0, "high": 2.0, "size": 3}, (3,)),
             ("normal", {"loc": 1.0, "scale": 2.0, "size": (2, 2)}, (2, 2)),
             ("randint", {"low": 0, "high": 5, "size": 4, "dtype": bm.int32}, (4,)),
             ("choice", {"a": 5, "size": 2, "replace": False, "p": None}, (2,)),
             ("truncated_normal", {"lower": -1.0, "upper": 1.0, "size": 3, "loc": 0.0, "scale": 1.0}, (3,)),
             ("bernoulli", {"p": 0.3, "size": 5}, (5,))]
    bm.random.seed(seed=3)
    for name, kwargs, shape in calls:
        function = frontend(f"random.{name}")
        inspect.signature(function).bind(**kwargs)
        assert np.shape(function(**kwargs)) == shape, name
