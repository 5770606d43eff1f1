"""Signatures and docstrings of the frontend's array functions (``bm.clip``, ``bm.linalg.norm``, ...).

The wrappers that :func:`brainpy_math._dispatch.backend_function` builds take ``*args, **kwargs`` and
forward them untouched to the current backend; this module gives each one the signature (set as
``__signature__``, so a call costs nothing more) and the docstring that ``help()``,
``inspect.signature`` and editors show.

Where the signatures come from
    - NumPy 2.4's signature, written out in :data:`SIGNATURES` rather than read from the installed
      NumPy: brainpy_math supports ``numpy>=1.26``, whose ufuncs have no signature and whose
      functions lack the Array API's keywords, and ``bm.clip`` should not change with the NumPy
      version.
    - Changed where the Array API standard 2024.12 needs other names or keywords than NumPy has
      (``clip``, ``sort``, ``argsort``, ``fft.fftfreq``, ``fft.rfftfreq``), so that the signature
      satisfies both; ``dtype=None`` where NumPy's default (``float``) would contradict the dtype
      policy (``eye``, ``tri``).
    - For names NumPy lacks (``one_hot``, ``bm.activations.*``), the signature both backends
      implement; for ``bm.random.*``, the signature of the frontend ``RandomState`` method.

The docstring is NumPy's one-line summary (read from the installed NumPy; brainpy_math's own for
names NumPy lacks), then what differs on brainpy_math, then the example of ``_api.FUNCTIONS``.

Example:
    >>> from brainpy_math import _signatures
    >>> str(_signatures.signature('clip'))
    '(a, /, min=None, max=None, out=None, **kwargs)'
"""
from __future__ import annotations

import functools
import importlib
import inspect
import re
from inspect import Parameter, Signature
from typing import Any, Callable

import numpy as np

__all__ = ["NO_VALUE", "SIGNATURES", "NOTES", "signature", "docstring", "numpy_summary", "describe"]


class _NoValueType:
    """NumPy's ``<no value>`` default: the argument was not given, so the backend's own default applies."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<no value>"


#: The default shown for parameters that NumPy marks ``<no value>`` (written ``NoValue`` in the table).
NO_VALUE = _NoValueType()

# ------------------------------------------------------------------------------------------------
# The table: qualified name -> signature text, grouped as in ``_api``. Names that share a signature
# share one parsed ``Signature`` object (see ``_parse``).
_UFUNC_1 = "(x, /, out=None, *, where=True, casting='same_kind', order='K', dtype=None, subok=True, signature=None)"
_UFUNC_2 = _UFUNC_1.replace("(x, /", "(x1, x2, /")
_UFUNC_1_TWO_OUT = _UFUNC_1.replace("out=None", "out=(None, None)")
_UFUNC_2_TWO_OUT = _UFUNC_2.replace("out=None", "out=(None, None)")
_GUFUNC_2 = ("(x1, x2, /, out=None, *, axes=NoValue, axis=NoValue, keepdims=False, casting='same_kind', "
             "order='K', dtype=None, subok=True, signature=None)")


def _names(text: str, signature_text: str) -> dict[str, str]:
    return dict.fromkeys(text.split(), signature_text)


SIGNATURES: dict[str, str] = {
    # ---------------------------------------------------------------- creation
    "array": "(object, dtype=None, *, copy=True, order='K', subok=False, ndmin=0, ndmax=0, like=None)",
    "asarray": "(a, dtype=None, order=None, *, device=None, copy=None, like=None)",
    **_names("zeros ones empty", "(shape, dtype=None, order='C', *, device=None, like=None)"),
    "full": "(shape, fill_value, dtype=None, order='C', *, device=None, like=None)",
    "arange": "(start_or_stop, /, stop=None, step=1, *, dtype=None, device=None, like=None)",
    "linspace": "(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *, device=None)",
    "logspace": "(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0)",
    "geomspace": "(start, stop, num=50, endpoint=True, dtype=None, axis=0)",
    "eye": "(N, M=None, k=0, dtype=None, order='C', *, device=None, like=None)",  # NumPy: dtype=float
    "identity": "(n, dtype=None, *, like=None)",
    **_names("zeros_like ones_like", "(a, dtype=None, order='K', subok=True, shape=None, *, device=None)"),
    "full_like": "(a, fill_value, dtype=None, order='K', subok=True, shape=None, *, device=None)",
    "empty_like": "(prototype, /, dtype=None, order='K', subok=True, shape=None, *, device=None)",
    "meshgrid": "(*xi, copy=True, sparse=False, indexing='xy')",
    **_names("diag diagflat", "(v, k=0)"),
    "tri": "(N, M=None, k=0, dtype=None, *, like=None)",  # NumPy: dtype=float
    **_names("tril triu", "(m, k=0)"),
    "copy": "(a, order='K', subok=False)",
    "one_hot": "(indices, num_classes, dtype=None, axis=-1)",  # the backends' (jax.nn.one_hot's meaning)
    # ---------------------------------------------------------------- manipulation
    "reshape": "(a, /, shape, order='C', *, copy=None)",
    "ravel": "(a, order='C')",
    **_names("transpose permute_dims", "(a, axes=None)"),
    "matrix_transpose": "(x, /)",
    "moveaxis": "(a, source, destination)",
    "swapaxes": "(a, axis1, axis2)",
    "expand_dims": "(a, axis)",
    "squeeze": "(a, axis=None)",
    "broadcast_to": "(array, shape, subok=False)",
    "broadcast_arrays": "(*args, subok=False)",
    **_names("atleast_1d atleast_2d atleast_3d", "(*arys)"),
    **_names("concatenate concat", "(arrays, /, axis=0, out=None, *, dtype=None, casting='same_kind')"),
    "stack": "(arrays, axis=0, out=None, *, dtype=None, casting='same_kind')",
    **_names("hstack vstack", "(tup, *, dtype=None, casting='same_kind')"),
    **_names("dstack column_stack", "(tup)"),
    "append": "(arr, values, axis=None)",
    **_names("split array_split", "(ary, indices_or_sections, axis=0)"),
    **_names("hsplit vsplit", "(ary, indices_or_sections)"),
    "unstack": "(x, /, *, axis=0)",
    "tile": "(A, reps)",
    "repeat": "(a, repeats, axis=None)",
    "roll": "(a, shift, axis=None)",
    "flip": "(m, axis=None)",
    **_names("fliplr flipud", "(m)"),
    "rot90": "(m, k=1, axes=(0, 1))",
    "pad": "(array, pad_width, mode='constant', **kwargs)",
    "take": "(a, indices, axis=None, out=None, mode='raise')",
    "take_along_axis": "(arr, indices, axis=-1)",
    "put": "(a, ind, v, mode='raise')",
    "fill_diagonal": "(a, val, wrap=False, inplace=True)",
    "where": "(condition, x=None, y=None, /)",
    "select": "(condlist, choicelist, default=0)",
    **_names("nonzero argwhere flatnonzero", "(a)"),
    "extract": "(condition, arr)",
    "compress": "(condition, a, axis=None, out=None)",
    "delete": "(arr, obj, axis=None)",
    "insert": "(arr, obj, values, axis=None)",
    "diagonal": "(a, offset=0, axis1=0, axis2=1)",
    "trace": "(a, offset=0, axis1=0, axis2=1, dtype=None, out=None)",
    # ---------------------------------------------------------------- elementwise
    **_names("negative positive absolute abs fabs sign reciprocal square sqrt cbrt exp exp2 expm1 log log2 "
             "log10 log1p sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh arctanh deg2rad rad2deg "
             "degrees radians floor ceil trunc rint isnan isinf isfinite signbit conj conjugate spacing acos "
             "asin atan asinh atanh invert bitwise_not bitwise_invert arccosh acosh logical_not", _UFUNC_1),
    **_names("add subtract multiply divide true_divide floor_divide power float_power remainder mod fmod hypot "
             "arctan2 atan2 logaddexp logaddexp2 heaviside copysign nextafter maximum minimum fmax fmin greater "
             "greater_equal less less_equal equal not_equal logical_and logical_or logical_xor pow bitwise_and "
             "bitwise_or bitwise_xor left_shift right_shift bitwise_left_shift bitwise_right_shift gcd lcm "
             "ldexp", _UFUNC_2),
    **_names("frexp modf", _UFUNC_1_TWO_OUT),
    "divmod": _UFUNC_2_TWO_OUT,
    **_names("round around", "(a, decimals=0, out=None)"),
    **_names("fix isposinf isneginf", "(x, out=None)"),
    "nan_to_num": "(x, copy=True, nan=0.0, posinf=None, neginf=None)",
    **_names("real imag", "(val)"),
    "angle": "(z, deg=False)",
    "sinc": "(x)",
    # NumPy: (a, a_min, a_max, out=None, *, min, max, **kwargs). The Array API needs min and max second
    # and third, by those names; they take the same positions as NumPy's a_min and a_max, and NumPy's
    # a_min=/a_max= keywords still reach the backend through **kwargs.
    "clip": "(a, /, min=None, max=None, out=None, **kwargs)",
    "interp": "(x, xp, fp, left=None, right=None, period=None)",
    "convolve": "(a, v, mode='full')",
    "correlate": "(a, v, mode='valid')",
    **_names("isclose allclose", "(a, b, rtol=1e-05, atol=1e-08, equal_nan=False)"),
    "array_equal": "(a1, a2, equal_nan=False)",
    "array_equiv": "(a1, a2)",
    # ---------------------------------------------------------------- reductions and statistics
    **_names("sum prod nansum nanprod",
             "(a, axis=None, dtype=None, out=None, keepdims=NoValue, initial=NoValue, where=NoValue)"),
    **_names("mean nanmean", "(a, axis=None, dtype=None, out=None, keepdims=NoValue, *, where=NoValue)"),
    **_names("std var nanstd nanvar", "(a, axis=None, dtype=None, out=None, ddof=0, keepdims=NoValue, *, "
                                      "where=NoValue, mean=NoValue, correction=NoValue)"),
    **_names("max min amax amin nanmax nanmin",
             "(a, axis=None, out=None, keepdims=NoValue, initial=NoValue, where=NoValue)"),
    **_names("argmax argmin nanargmax nanargmin", "(a, axis=None, out=None, *, keepdims=NoValue)"),
    "median": "(a, axis=None, out=None, overwrite_input=False, keepdims=False)",
    "nanmedian": "(a, axis=None, out=None, overwrite_input=False, keepdims=NoValue)",
    "ptp": "(a, axis=None, out=None, keepdims=NoValue)",
    "count_nonzero": "(a, axis=None, *, keepdims=False)",
    **_names("any all", "(a, axis=None, out=None, keepdims=NoValue, *, where=NoValue)"),
    **_names("cumsum cumprod nancumsum nancumprod", "(a, axis=None, dtype=None, out=None)"),
    **_names("cumulative_sum cumulative_prod", "(x, /, *, axis=None, dtype=None, out=None, include_initial=False)"),
    "diff": "(a, n=1, axis=-1, prepend=NoValue, append=NoValue)",
    "ediff1d": "(ary, to_end=None, to_begin=None)",
    "average": "(a, axis=None, weights=None, returned=False, *, keepdims=NoValue)",
    **_names("percentile quantile", "(a, q, axis=None, out=None, overwrite_input=False, method='linear', "
                                    "keepdims=False, *, weights=None)"),
    **_names("nanpercentile nanquantile", "(a, q, axis=None, out=None, overwrite_input=False, method='linear', "
                                          "keepdims=NoValue, *, weights=None)"),
    "cov": "(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *, dtype=None)",
    "corrcoef": "(x, y=None, rowvar=True, *, dtype=None)",
    # ---------------------------------------------------------------- sorting, searching, counting
    # NumPy's, plus the Array API's descending= keyword.
    **_names("sort argsort", "(a, axis=-1, kind=None, order=None, *, stable=None, descending=False)"),
    "lexsort": "(keys, axis=-1)",
    "searchsorted": "(a, v, side='left', sorter=None)",
    "unique": "(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *, equal_nan=True, "
              "sorted=True)",
    **_names("unique_values unique_counts unique_inverse unique_all", "(x)"),
    "bincount": "(x, /, weights=None, minlength=0)",
    "histogram": "(a, bins=10, range=None, density=None, weights=None)",
    "digitize": "(x, bins, right=False)",
    "isin": "(element, test_elements, assume_unique=False, invert=False, *, kind=None)",
    "intersect1d": "(ar1, ar2, assume_unique=False, return_indices=False)",
    "union1d": "(ar1, ar2)",
    **_names("setdiff1d setxor1d", "(ar1, ar2, assume_unique=False)"),
    # ---------------------------------------------------------------- linear algebra (main namespace)
    **_names("dot outer", "(a, b, out=None)"),
    **_names("vdot inner", "(a, b, /)"),
    **_names("matmul vecdot", _GUFUNC_2),
    "tensordot": "(a, b, axes=2)",
    "einsum": "(*operands, out=None, optimize=False, **kwargs)",
    "kron": "(a, b)",
    "cross": "(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None)",
    # ---------------------------------------------------------------- array API: dtypes and info
    "astype": "(x, dtype, /, *, copy=True, device=None)",
    "isdtype": "(dtype, kind)",
    "issubdtype": "(arg1, arg2)",
    "finfo": "(dtype)",
    "iinfo": "(int_type)",
    "result_type": "(*arrays_and_dtypes)",
    "can_cast": "(from_, to, casting='safe')",
    "__array_namespace_info__": "()",
    "from_dlpack": "(x, /, *, device=None, copy=None)",
    # ---------------------------------------------------------------- bm.linalg
    "linalg.norm": "(x, ord=None, axis=None, keepdims=False)",
    **_names("linalg.inv linalg.det linalg.slogdet linalg.eig linalg.eigvals", "(a)"),
    "linalg.pinv": "(a, rcond=None, hermitian=False, *, rtol=NoValue)",
    **_names("linalg.solve", "(a, b)"),
    "linalg.lstsq": "(a, b, rcond=None)",
    **_names("linalg.eigh linalg.eigvalsh", "(a, UPLO='L')"),
    "linalg.svd": "(a, full_matrices=True, compute_uv=True, hermitian=False)",
    **_names("linalg.svdvals linalg.matrix_transpose", "(x, /)"),
    "linalg.qr": "(a, mode='reduced')",
    "linalg.cholesky": "(a, /, *, upper=False)",
    "linalg.matrix_power": "(a, n)",
    "linalg.matrix_rank": "(A, tol=None, hermitian=False, *, rtol=None)",
    "linalg.matrix_norm": "(x, /, *, keepdims=False, ord='fro')",
    "linalg.vector_norm": "(x, /, *, axis=None, keepdims=False, ord=2)",
    "linalg.cond": "(x, p=None)",
    "linalg.multi_dot": "(arrays, *, out=None)",
    **_names("linalg.cross linalg.vecdot", "(x1, x2, /, *, axis=-1)"),
    **_names("linalg.outer linalg.matmul", "(x1, x2, /)"),
    "linalg.diagonal": "(x, /, *, offset=0)",
    "linalg.trace": "(x, /, *, offset=0, dtype=None)",
    "linalg.tensordot": "(x1, x2, /, *, axes=2)",
    # ---------------------------------------------------------------- bm.fft
    **_names("fft.fft fft.ifft fft.rfft fft.irfft fft.hfft fft.ihfft", "(a, n=None, axis=-1, norm=None, out=None)"),
    **_names("fft.fft2 fft.ifft2 fft.rfft2 fft.irfft2", "(a, s=None, axes=(-2, -1), norm=None, out=None)"),
    **_names("fft.fftn fft.ifftn fft.rfftn fft.irfftn", "(a, s=None, axes=None, norm=None, out=None)"),
    # NumPy's, plus the Array API's dtype= keyword.
    **_names("fft.fftfreq fft.rfftfreq", "(n, d=1.0, device=None, *, dtype=None)"),
    **_names("fft.fftshift fft.ifftshift", "(x, axes=None)"),
    # ---------------------------------------------------------------- bm.activations (both backends' own)
    **_names("activations.relu activations.sigmoid activations.softplus activations.silu", "(x)"),
    "activations.tanh": "(x, /)",  # jax.numpy.tanh on JAX: its x is positional-only
    **_names("activations.softmax activations.log_softmax", "(x, axis=-1)"),
    "activations.elu": "(x, alpha=1.0)",
    "activations.gelu": "(x, approximate=True)",
    "activations.leaky_relu": "(x, negative_slope=0.01)",
}

# ------------------------------------------------------------------------------------------------
# Docstring text. Summaries of the names NumPy lacks (the others come from NumPy's docstrings).
_OWN_SUMMARIES: dict[str, str] = {
    "one_hot": "One-hot encode integer ``indices`` as rows of the identity of size ``num_classes``.",
    "activations.relu": "Rectified linear unit, element-wise: ``max(x, 0)``.",
    "activations.sigmoid": "Logistic sigmoid, element-wise: ``1 / (1 + exp(-x))``.",
    "activations.tanh": "Hyperbolic tangent, element-wise (the same as ``bm.tanh``).",
    "activations.softmax": "Softmax along ``axis``: ``exp(x) / sum(exp(x))``, shifted by the maximum for stability.",
    "activations.log_softmax": "Logarithm of the softmax along ``axis``, shifted by the maximum for stability.",
    "activations.softplus": "Softplus, element-wise: ``log(1 + exp(x))``, without overflow for large ``x``.",
    "activations.elu": "Exponential linear unit, element-wise: ``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``.",
    "activations.gelu": ("Gaussian error linear unit, element-wise: ``x * Phi(x)``; ``approximate=True`` uses the "
                         "tanh approximation."),
    "activations.silu": "Sigmoid linear unit (swish), element-wise: ``x * sigmoid(x)``.",
    "activations.leaky_relu": "Leaky rectified linear unit, element-wise: ``x`` where ``x >= 0``, else "
                              "``negative_slope * x``.",
    "random.default_state": ("The current backend's default ``RandomState``: the stream the module-level "
                             "``bm.random`` functions draw from."),
}

_POLICY_FLOAT = "``dtype=None`` is the policy's default float (float32; float64 under ``bm.enable_x64()``)."
_STATIC_SIZE = ("The output shape depends on the values: inside ``bm.jit`` on JAX, pass ``size=`` (jax.numpy's "
                "static output size).")

#: What differs from NumPy for one function, as the backends implement and document it.
NOTES: dict[str, str] = {
    **dict.fromkeys("zeros ones empty eye identity tri linspace logspace geomspace".split(), _POLICY_FLOAT),
    "arange": ("``dtype=None`` is int32 for integer arguments and float32 for float ones (int64/float64 under "
               "``bm.enable_x64()``)."),
    "full": "``dtype=None`` takes the dtype of ``fill_value`` under the policy (a Python float gives float32).",
    **dict.fromkeys(("array", "asarray"), "Python data gets the policy's dtypes, and 64-bit NumPy arrays are narrowed "
                                          "to 32 bits unless ``bm.enable_x64()``."),
    "one_hot": ("Out-of-range indices give rows of zeros, as ``jax.nn.one_hot`` (on both backends). "
                + _POLICY_FLOAT),
    "put": "Writes ``v`` into ``a`` in place and returns None; on JAX ``a`` must be a ``JaxArray``.",
    "fill_diagonal": ("BrainPy's ``inplace=True`` (the default) writes into ``a``, a bm array or ``bm.Variable`` "
                      "(also inside ``bm.jit``), and returns None as NumPy does; ``inplace=False`` returns a new "
                      "array; inside code compiled by the numba backend ``inplace`` must be a constant"),
    **dict.fromkeys(("nanargmax", "nanargmin"), "An all-NaN slice raises ValueError, as in NumPy; inside ``bm.jit`` "
                                                "on JAX, where nothing can raise, it gives -1."),
    "histogram": ("The counts are of the policy's default int (jax.numpy alone gives floats) unless ``weights`` "
                  "or ``density`` is given."),
    "result_type": "64-bit results are narrowed to 32 bits unless ``bm.enable_x64()``.",
    "__array_namespace_info__": "Its ``default_dtypes()`` follow the dtype policy.",
    "clip": ("``min``/``max`` are the Array API's names (and NumPy's since 2.1); NumPy's ``a_min=``/``a_max=`` "
             "keywords still pass through ``**kwargs``."),
    **dict.fromkeys(("sort", "argsort"), "``descending=`` is the Array API's keyword (NumPy has none)."),
    **dict.fromkeys(("fft.fftfreq", "fft.rfftfreq"), "``dtype=`` is the Array API's keyword (NumPy has none); "
                                                      "without it the result is the policy's default float."),
    **dict.fromkeys("nonzero argwhere flatnonzero extract compress unique unique_values unique_counts unique_inverse "
                    "unique_all intersect1d union1d setdiff1d setxor1d bincount".split(), _STATIC_SIZE),
    **{f"activations.{name}": (f"``jax.nn.{name}`` on JAX; the same formula on Numba, also inside compiled code.")
       for name in "relu sigmoid softmax log_softmax softplus elu gelu silu leaky_relu".split()},
}

# ------------------------------------------------------------------------------------------------
# Parsing: the table is parsed when the wrappers are built, at import, so it is kept cheap (a few
# milliseconds for all of it): each distinct text, parameter and default is converted once.
_DEFAULTS: dict[str, Any] = {"None": None, "True": True, "False": False, "NoValue": NO_VALUE}
_PARSED: dict[str, Signature] = {}


def _items(body: str) -> list[str]:
    """The comma-separated items of a parameter list, a tuple default such as ``axes=(0, 1)`` kept whole."""
    items: list[str] = []
    for piece in body.split(", "):
        if items and items[-1].count("(") > items[-1].count(")"):
            items[-1] += ", " + piece
        else:
            items.append(piece)
    return items


@functools.lru_cache(maxsize=None)
def _parameter(item: str, kind: inspect._ParameterKind) -> Parameter:
    """The Parameter for one item such as ``axis=None`` (cached: Parameters are immutable and repeat)."""
    if item.startswith("**"):
        return Parameter(item[2:], Parameter.VAR_KEYWORD)
    if item.startswith("*"):
        return Parameter(item[1:], Parameter.VAR_POSITIONAL)
    name, has_default, default = item.partition("=")
    if not has_default:
        return Parameter(name, kind)
    if default not in _DEFAULTS:
        _DEFAULTS[default] = _literal(default)
    return Parameter(name, kind, default=_DEFAULTS[default])


def _literal(text: str) -> Any:
    """The value of a default in the table: a quoted string, a number, or a tuple of those.

    ``ast.literal_eval`` would do, but it compiles each text and costs ~50 times as much at import.
    """
    if text in _DEFAULTS:
        return _DEFAULTS[text]
    if text[0] in "'\"":
        return text[1:-1]
    if text[0] == "(":
        return tuple(_literal(part) for part in text[1:-1].split(", "))
    return float(text) if any(c in text for c in ".eE") else int(text)


def _parse(text: str) -> Signature:
    """The Signature that ``def f<text>: ...`` would have (cached: many names share one text).

    A small parser of the table's notation (Python's own, see the tests) rather than ``exec`` of a
    ``def``: compiling the ~150 distinct texts would cost ten times as much at import.
    """
    cached = _PARSED.get(text)
    if cached is not None:
        return cached
    items = _items(text[1:-1]) if text != "()" else []
    # Items before "/" are positional-only, those after "*" or "*args" keyword-only.
    kind = Parameter.POSITIONAL_ONLY if "/" in items else Parameter.POSITIONAL_OR_KEYWORD
    parameters: list[Parameter] = []
    for item in items:
        if item == "/":
            kind = Parameter.POSITIONAL_OR_KEYWORD
        elif item == "*":
            kind = Parameter.KEYWORD_ONLY
        else:
            parameters.append(_parameter(item, kind))
            if item.startswith("*") and not item.startswith("**"):
                kind = Parameter.KEYWORD_ONLY
    parsed = _PARSED[text] = Signature(parameters)
    return parsed


def _random_method(name: str) -> Callable | None:
    """The frontend ``RandomState`` method that ``bm.random.<name>`` calls on the default stream."""
    # brainpy_math.random builds its wrappers while it is being imported, after its RandomState class
    # is defined: import_module returns that partly initialised module from sys.modules.
    module = importlib.import_module(f"{__package__}.random")
    return getattr(module.RandomState, name, None)


def signature(qualified: str) -> Signature | None:
    """The signature of the frontend function ``qualified`` (``'clip'``, ``'linalg.norm'``, ``'random.normal'``).

    None for a name missing from :data:`SIGNATURES`: its wrapper then keeps ``(*args, **kwargs)``
    rather than failing ``import brainpy_math`` (tests/frontend/test_signatures.py reports it).

    Example:
        >>> from brainpy_math import _signatures
        >>> list(_signatures.signature('linalg.norm').parameters)
        ['x', 'ord', 'axis', 'keepdims']
    """
    if qualified.startswith("random."):
        name = qualified[len("random."):]
        if name == "default_state":  # a function of the backend, not a method
            return _parse("()")
        method = _random_method(name)
        if method is None:
            return None
        method_signature = inspect.signature(method)
        return method_signature.replace(parameters=list(method_signature.parameters.values())[1:])  # drop self
    text = SIGNATURES.get(qualified)
    return None if text is None else _parse(text)


# NumPy's docstrings: ufuncs (and a few C functions) begin with their call signature; Sphinx roles
# such as :ref:`type promotion <arrays.promotion>` read better as their text.
_CALL_LINE = re.compile(r"[\w.]+\(.*\)$")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_SPHINX_ROLE = re.compile(r":\w+:`([^`<]*?)\s*(?:<[^>]*>)?`")


def numpy_summary(qualified: str) -> str | None:
    """The first sentence of NumPy's docstring of ``numpy.<qualified>``, or None if NumPy has none.

    Example:
        >>> from brainpy_math import _signatures
        >>> _signatures.numpy_summary('clip')
        'Clip (limit) the values in an array.'
    """
    function: Any = np
    for part in qualified.split("."):
        function = getattr(function, part, None)
    doc = getattr(function, "__doc__", None) if function is not None else None
    if not doc:  # NumPy lacks the name, or docstrings were stripped (python -OO)
        return None
    start = len(doc) - len(doc.lstrip())
    for _ in range(2):  # the first paragraph, or the second after a call signature
        blank = _BLANK_LINE.search(doc, start)
        end = blank.start() if blank else len(doc)
        text = " ".join(doc[start:end].split())
        if text and not _CALL_LINE.match(text):
            if ":`" in text:
                text = _SPHINX_ROLE.sub(r"\1", text)
            stop = text.find(". ")
            return text if stop < 0 else text[:stop + 1]
        if blank is None:
            return None
        start = blank.end()
    return None


@functools.lru_cache(maxsize=None)
def _wrap(text: str, indent: str = "", first: str = "") -> str:
    """``first + text`` wrapped at 100 columns, later lines starting with ``indent`` (cached: notes repeat)."""
    if len(first) + len(text) <= 100:
        return first + text
    lines: list[str] = []
    line, empty = first, True
    for word in text.split():
        if not empty and len(line) + 1 + len(word) > 100:
            lines.append(line)
            line = indent + word
        else:
            line = line + word if empty else f"{line} {word}"
        empty = False
    lines.append(line)
    return "\n".join(lines)


def _item(text: str) -> str:
    """One item of the list of differences from NumPy."""
    return _wrap(text, " " * 6, "    - ")


# The items every function shares, wrapped once.
_SHARED_ITEMS = ";\n".join(_item(text) for text in (
    "array results are the backend's array type, ``bm.ndarray`` (``JaxArray`` on JAX, a ``numpy.ndarray`` "
    "on Numba)",
    "dtypes follow the shared policy: float32/int32 unless ``bm.enable_x64()``"))
_RAISES = _item("a backend raises for a NumPy parameter it lacks")
_RAISES_OUT = _item("a backend raises for a NumPy parameter it lacks; JAX takes no ``out=`` (its arrays are "
                    "immutable)")


def _example(example: str) -> str:
    return f"Example:\n    >>> import brainpy_math as bm\n    >>> {example}  # doctest: +SKIP"


def _random_docstring(name: str, example: str) -> str:
    method = _random_method(name)
    if method is None:
        summary = _OWN_SUMMARIES.get(f"random.{name}", f"``bm.random.{name}`` on the current backend.")
        return "\n\n".join((_wrap(summary), _example(example))) + "\n"
    body, has_example, example_section = (inspect.getdoc(method) or "").partition("Example:")
    note = _wrap(f"Acts on the current backend's default stream, ``bm.random.default_state()``; "
                 f"``bm.random.RandomState(seed).{name}(...)`` does the same on an independent stream.")
    example_text = "Example:" + example_section if has_example else _example(example)
    # Without the method's docstring (python -OO), the summary is the function's name.
    return "\n\n".join((body.strip() or f"``bm.random.{name}``.", note, example_text)) + "\n"


def docstring(qualified: str, area: str, example: str) -> str:
    """The docstring of the frontend function ``qualified``: summary, differences from NumPy, example.

    Example:
        >>> from brainpy_math import _signatures
        >>> _signatures.docstring('clip', 'elementwise', 'bm.clip(bm.arange(5), 1, 3)').splitlines()[0]
        'Clip (limit) the values in an array.'
    """
    if qualified.startswith("random."):
        return _random_docstring(qualified[len("random."):], example)
    own = qualified in _OWN_SUMMARIES
    summary = _OWN_SUMMARIES.get(qualified) or numpy_summary(qualified) or f"``numpy.{qualified}``."
    origin = (f"A brainpy_math function ({area}; NumPy has none) on the current backend." if own
              else f"``numpy.{qualified}`` on the current backend ({area}).")
    items = [_SHARED_ITEMS]
    if qualified in NOTES:
        items.append(_item(NOTES[qualified].rstrip(".")))
    if not own:
        items.append(_RAISES_OUT if "out" in getattr(signature(qualified), "parameters", ()) else _RAISES)
    return "\n\n".join((_wrap(summary), f"{origin} On brainpy_math:", ";\n".join(items) + ".",
                         _example(example))) + "\n"


def describe(qualified: str, area: str, example: str) -> tuple[Signature | None, str]:
    """``(signature(qualified), docstring(qualified, area, example))``, what a frontend wrapper is given."""
    return signature(qualified), docstring(qualified, area, example)
