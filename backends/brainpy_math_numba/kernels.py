"""What code compiled by ``numba.njit`` calls for ``bm.<name>``: NumPy's functions made to follow
the dtype policy, and this backend's own njit implementations where Numba lacks one.

Numba's NumPy differs from NumPy 2 in result dtypes (``np.zeros(3)`` and ``np.mean(float32)`` are
float64, ``np.sum(int32)`` is int64, a float literal promotes float32 to float64). Every compiled
function therefore casts its result to the policy's dtype: under the 32-bit default, 64-bit
results become 32-bit (what JAX gives); under x64, a float64 result of float32-only inputs becomes
float32 again (what NumPy 2 gives).

The table of which names are provided how is data (:data:`COMPILED_NP`, :data:`COMPILED_OWN`);
``numpy_ops.PROVIDERS`` reads it through :func:`compiled_provision`.
"""
from __future__ import annotations

import functools
import inspect
import math
from typing import Any, Callable

import numba
import numpy as np
from numba import types
from numba.core.extending import overload

from brainpy_math import _api

__all__ = ["ACTIVATIONS", "COMPILED_NP", "COMPILED_OWN", "compiled", "compiled_provision", "vector_product"]

# ------------------------------------------------------------------------------ result dtype casts
_NARROW_TYPES = {types.float64: np.float32, types.int64: np.int32, types.uint64: np.uint32,
                 types.complex128: np.complex64}
_WIDE_TO_NARROW = {types.float64: (types.float32, np.float32), types.complex128: (types.complex64, np.complex64)}


def _array_dtypes(ty: Any) -> list:
    """The dtypes of the array arguments in a (possibly nested) argument type."""
    if isinstance(ty, types.Array):
        return [ty.dtype]
    if isinstance(ty, (types.BaseTuple, types.List)):
        members = ty.types if isinstance(ty, types.BaseTuple) else (ty.dtype,)
        return [d for member in members for d in _array_dtypes(member)]
    return []


def _target(dtype: Any, inputs: Any, x64: bool) -> Any:
    """The NumPy scalar type a result of numba dtype ``dtype`` must have, or None to keep it."""
    if not x64:
        return _NARROW_TYPES.get(dtype)
    if dtype in _WIDE_TO_NARROW:
        narrow, scalar_type = _WIDE_TO_NARROW[dtype]
        given = _array_dtypes(inputs)
        # NumPy 2 keeps float32 for float32-only inputs; numba widens some of them.
        if given and all(d in (types.float32, types.complex64) for d in given):
            return scalar_type
    return None


def _make_cast(x64: bool) -> Callable:
    def cast(result, inputs):  # pragma: no cover - replaced by the overload inside compiled code
        raise NotImplementedError("cast is only callable inside numba-compiled code")

    @overload(cast, jit_options={"nogil": True})
    def _cast(result, inputs):
        if isinstance(result, types.BaseTuple):
            count = len(result)
            body = ", ".join(f"cast(result[{i}], inputs)" for i in range(count)) + ("," if count == 1 else "")
            scope = {"cast": cast}
            exec(f"def impl(result, inputs):\n    return ({body})\n", scope)
            return scope["impl"]
        if isinstance(result, types.Array):
            target = _target(result.dtype, inputs, x64)
            if target is None:
                return lambda result, inputs: result
            return lambda result, inputs: result.astype(target)
        if isinstance(result, (types.Float, types.Integer, types.Complex)):
            target = _target(result, inputs, x64)
            if target is None:
                return lambda result, inputs: result
            return lambda result, inputs: target(result)
        return lambda result, inputs: result

    cast.__name__ = f"cast_to_policy_{'x64' if x64 else 'x32'}"
    return cast


# One cast per policy: numba caches an overload's implementation per type signature, so the two
# policies need distinct functions.
_CASTS = {False: _make_cast(False), True: _make_cast(True)}


# ------------------------------------------------------------------------------ wrapper generation
# NumPy parameters that compiled code does not take (Numba has no out=/where=, no device).
_NOT_COMPILED = frozenset(("out", "where", "device", "like", "casting", "order", "subok", "copy",
                           "keepdims", "initial", "overwrite_input", "overwrite_a", "overwrite_b"))
_MAX_OPTIONAL = 4
_NUMPY_SOURCES = {"": np, "linalg": np.linalg, "fft": np.fft}


def _parameters(fn: Callable) -> tuple[list[str], list[str]]:
    """Required and optional parameter names of ``fn`` that compiled code can pass."""
    if isinstance(fn, np.ufunc):
        return [f"x{i + 1}" for i in range(fn.nin)], []
    target = getattr(fn, "py_func", fn)
    required: list[str] = []
    optional: list[str] = []
    for parameter in inspect.signature(target).parameters.values():
        if parameter.kind not in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            break
        if parameter.name in _NOT_COMPILED:
            continue
        if parameter.default is parameter.empty and not optional:
            required.append(parameter.name)
        elif len(optional) < _MAX_OPTIONAL:
            optional.append(parameter.name)
    return required, optional


def _call_source(required: list[str], optional: list[str], given: tuple[bool, ...]) -> str:
    """The call of ``fn`` with the optional arguments that were given (positionally if they are a prefix)."""
    names = [name for name, present in zip(optional, given) if present]
    prefix = all(given[:len(names)])
    arguments = required + (names if prefix else [f"{name}={name}" for name in names])
    return f"cast(fn({', '.join(arguments)}), ({''.join(r + ', ' for r in required)}))"


def _omitted(ty: Any) -> bool:
    return ty is None or isinstance(ty, (types.NoneType, types.Omitted))


def _wrap(qualified: str, fn: Callable, x64: bool) -> Callable:
    """A function for compiled code taking NumPy's parameters (optional ones default to None); it
    calls ``fn`` with the arguments given and casts the result to the policy.

    It is an ``overload``: when Numba types a call it sees which optional arguments were omitted
    (or None), and compiles a call of ``fn`` with exactly the others, so an omitted argument takes
    Numba's own default.
    """
    required, optional = _parameters(fn)
    name = qualified.replace(".", "_").strip("_")
    signature = ", ".join(required + [f"{o}=None" for o in optional])
    scope: dict[str, Any] = {"fn": fn, "cast": _CASTS[x64]}
    exec(f"def {name}({signature}):\n    raise NotImplementedError('{name} runs inside numba-compiled "
         f"code only; call bm.{qualified} outside it')\n", scope)
    stub = scope[name]

    def implementation(*arg_types: Any) -> Callable:
        given = tuple(not _omitted(t) for t in arg_types[len(required):])
        given += (False,) * (len(optional) - len(given))
        local = dict(scope)
        exec(f"def impl({signature}):\n    return {_call_source(required, optional, given)}\n", local)
        return local["impl"]

    exec(f"def typer({signature}):\n    return implementation({', '.join(required + optional)})\n",
         {"implementation": implementation}, scope)
    overload(stub, jit_options={"nogil": True})(scope["typer"])
    return stub


def compiled_provision(qualified: str) -> str:
    """How compiled code gets ``qualified``: ``'njit-own'``, ``'np'`` or ``'unsupported'``."""
    if qualified in COMPILED_OWN:
        return "njit-own"
    if qualified in COMPILED_NP:
        return "np"
    return _api.UNSUPPORTED


@functools.lru_cache(maxsize=None)
def compiled(qualified: str, provision: str, x64: bool) -> Callable:
    """The njit callable for ``qualified`` under policy ``x64`` (see ``numpy_ops.compiled``)."""
    if provision == "njit-own":
        return _wrap(qualified, COMPILED_OWN[qualified], x64)
    if provision == "np":
        namespace, _, name = qualified.rpartition(".")
        return _wrap(qualified, getattr(_NUMPY_SOURCES[namespace], name), x64)
    raise NotImplementedError(
        f"bm.{qualified} is not available inside code compiled by the numba backend (Numba has no "
        f"implementation of it); call it outside the compiled function, or use bm.set_backend('jax')")


# ------------------------------------------------------------------------------ activations
# Written with the NumPy operations Numba also compiles, so one definition serves eager calls and
# compiled code; results are cast to the policy by the callers.
def relu(x):
    return np.maximum(x, 0)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def tanh(x):
    return np.tanh(x)


def softplus(x):
    # log(1 + exp(x)) without overflow for large x.
    return np.logaddexp(x, 0)


def elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def silu(x):
    return x / (1 + np.exp(-x))


def leaky_relu(x, negative_slope=0.01):
    return np.where(x >= 0, x, negative_slope * x)


_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)  # Python floats: they keep float32 inputs float32
_SQRT_HALF = math.sqrt(0.5)


@numba.vectorize(["float32(float32)", "float64(float64)"])
def _erf(x):
    return math.erf(x)


def gelu(x, approximate=True):
    if approximate:
        return 0.5 * x * (1 + np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + _erf(x * _SQRT_HALF))


def _shifted(x, axis):
    return x - np.max(x, axis=axis, keepdims=True)


def softmax(x, axis=-1):
    unnormalized = np.exp(_shifted(x, axis))
    return unnormalized / np.sum(unnormalized, axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    shifted = _shifted(x, axis)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


#: The activations by name, as plain NumPy functions (``numpy_ops`` wraps them for eager calls:
#: arguments converted under the dtype policy, results narrowed).
ACTIVATIONS: dict[str, Callable] = {fn.__name__: fn for fn in (
    relu, sigmoid, tanh, softmax, log_softmax, softplus, elu, gelu, silu, leaky_relu)}

# ------------------------------------------------------------------------------ own njit implementations
# For functions Numba lacks (or compiles with other semantics), written with NumPy's signature.
@numba.njit
def _array(a):
    return np.asarray(a).copy()


@numba.njit(inline="always")
def _lanes(a, axis):
    """``(lanes, axis)``: ``a`` seen as ``(outer, length, inner)`` around ``axis`` (which may be negative;
    out of bounds raises), and the axis made non-negative. Reducing or normalising lane by lane through
    one buffer compiles in a fraction of the time of ``np.moveaxis`` (seconds per function)."""
    rank = a.ndim
    if axis < -rank or axis >= rank:
        raise ValueError("axis is out of bounds for the array's dimension")
    if axis < 0:
        axis += rank
    shape = a.shape
    outer, inner = 1, 1
    for k in range(axis):
        outer *= shape[k]
    for k in range(axis + 1, rank):
        inner *= shape[k]
    return np.ascontiguousarray(a).reshape((outer, shape[axis], inner)), axis


@numba.njit
def _normalized_rows(x, axis, log):
    # softmax / log_softmax along ``axis``: each lane along it is shifted by its maximum first.
    lanes, _ = _lanes(x, axis)
    outer, length, inner = lanes.shape
    out = np.empty((outer, length, inner), x.dtype)
    lane = np.empty(length, x.dtype)
    for o in range(outer if length else 0):
        for i in range(inner):
            for k in range(length):
                lane[k] = lanes[o, k, i]
            shifted = lane - lane.max()
            if log:
                values = shifted - np.log(np.sum(np.exp(shifted)))
            else:
                unnormalized = np.exp(shifted)
                values = unnormalized / np.sum(unnormalized)
            for k in range(length):
                out[o, k, i] = values[k]
    return out.reshape(x.shape)


@numba.njit
def _softmax(x, axis=-1):
    return _normalized_rows(x, axis, False)


@numba.njit
def _log_softmax(x, axis=-1):
    return _normalized_rows(x, axis, True)


def fill_diagonal(a, val, wrap=False, inplace=True):  # pragma: no cover - replaced by the overload
    """``bm.fill_diagonal`` inside compiled code: ``numpy.fill_diagonal`` (Numba's) with BrainPy's
    ``inplace``. With ``inplace`` omitted it writes into ``a`` and returns None, as eagerly; given (a
    run-time bool: one return type), it returns the filled array, ``a`` itself or a copy. Code
    compiled by ``bm.jit`` passes ``inplace`` only when it is ``False`` (``jit.calls``)."""
    raise NotImplementedError("fill_diagonal runs inside numba-compiled code only; call bm.fill_diagonal")


def _given(ty: Any) -> bool:
    return not (ty is None or isinstance(ty, (types.Omitted, types.NoneType)))


@overload(fill_diagonal, jit_options={"nogil": True})
def _fill_diagonal_typed(a, val, wrap=False, inplace=True):
    if not isinstance(a, types.Array):
        return None
    if not _given(inplace):
        if not _given(wrap):
            def in_place(a, val, wrap=False, inplace=True):
                np.fill_diagonal(a, val)
            return in_place

        def in_place_wrap(a, val, wrap=False, inplace=True):
            np.fill_diagonal(a, val, wrap)
        return in_place_wrap
    if not _given(wrap):
        def filled(a, val, wrap=False, inplace=True):
            out = a if inplace else a.copy()
            np.fill_diagonal(out, val)
            return out
        return filled

    def filled_wrap(a, val, wrap=False, inplace=True):
        out = a if inplace else a.copy()
        np.fill_diagonal(out, val, wrap)
        return out
    return filled_wrap


COMPILED_OWN: dict[str, Callable] = {"array": _array, "activations.softmax": _softmax,
                                     "activations.log_softmax": _log_softmax,
                                     "activations.gelu": numba.njit(gelu), "fill_diagonal": fill_diagonal}
COMPILED_OWN.update({f"activations.{fn.__name__}": numba.njit(fn) for fn in (
    relu, sigmoid, tanh, softplus, elu, silu, leaky_relu)})

# NumPy functions whose Numba implementation compiles the call in tests/numba/_compiled_cases.py and
# matches NumPy 2 once the result is cast to the policy (checked by tests/numba/test_compiled_functions.py).
COMPILED_NP: frozenset = frozenset("""
abs absolute acos acosh add allclose angle append arange arccos arccosh arcsin arcsinh arctan
arctan2 arctanh argsort argwhere around array_equal array_split asarray asin asinh atan atan2 atanh
average bitwise_and bitwise_invert bitwise_left_shift bitwise_not bitwise_or
bitwise_right_shift bitwise_xor broadcast_to cbrt ceil clip column_stack concat concatenate conj
conjugate convolve copy copysign corrcoef correlate cos cosh cov cross cumprod cumsum deg2rad
degrees delete diag diagflat diff digitize divide divmod dot dstack ediff1d empty empty_like equal
exp exp2 expand_dims expm1 extract eye fabs flatnonzero flip fliplr flipud float_power floor
floor_divide fmax fmin fmod full full_like gcd geomspace greater greater_equal histogram
hsplit hstack hypot identity imag insert interp intersect1d invert isclose isfinite isin isinf isnan
isneginf isposinf kron lcm ldexp left_shift less less_equal linalg.cholesky linalg.cond linalg.det
linalg.eigh linalg.eigvals linalg.eigvalsh linalg.inv linalg.matrix_power linalg.matrix_rank
linalg.norm linalg.pinv linalg.qr linalg.solve linalg.svd linspace log log10 log1p log2 logaddexp
logaddexp2 logical_and logical_not logical_or logical_xor logspace maximum minimum mod moveaxis
multiply nan_to_num nanargmax nanargmin nancumprod nancumsum nanpercentile nanquantile negative
nextafter nonzero not_equal ones ones_like outer percentile permute_dims positive pow power quantile
rad2deg radians ravel real reciprocal remainder repeat reshape right_shift rint roll rot90 round
searchsorted select setdiff1d setxor1d sign signbit sin sinc sinh sort spacing split sqrt square
stack subtract sum swapaxes take tan tanh trace transpose tri tril triu true_divide
trunc union1d unique vdot vsplit vstack where zeros zeros_like
""".split())


def _without_axis(shape, axis):  # pragma: no cover - replaced by the overload
    """``shape`` without its entry ``axis`` (``0 <= axis < len(shape)``), a tuple one shorter."""


@overload(_without_axis)
def _without_axis_typed(shape, axis):
    # A tuple's length is part of its type, so a run-time axis cannot slice it: one branch per axis,
    # each building the shorter tuple (cheap to compile, unlike np.moveaxis: ~8 s for one reduction).
    if not isinstance(shape, types.UniTuple):
        return None
    rank = len(shape)
    lines = ["def impl(shape, axis):"]
    for axis_value in range(rank):
        kept = "".join(f"shape[{k}], " for k in range(rank) if k != axis_value)
        test = "if" if axis_value == 0 else "elif"
        lines += [f"    {test} axis == {axis_value}:", f"        return ({kept})"]
    lines += ["    raise ValueError('axis out of bounds')"] if rank else ["    return ()"]
    scope: dict[str, Any] = {}
    exec("\n".join(lines), scope)
    return scope["impl"]


# Reductions with an ``axis`` argument, which Numba's own versions lack: each lane along the axis
# is copied into one buffer and reduced with Numba's whole-array function (one compiled version of
# it, for a contiguous 1-D array, whatever the rank or the axis).
def _over_axis(reduce_all: Callable, name: str) -> Callable:
    @numba.njit
    def reduce_rows(a, axis):
        lanes, axis = _lanes(a, axis)
        outer, length, inner = lanes.shape
        lane = np.empty(length, a.dtype)
        # The result's dtype is the reduction's: from a reduction of one element (defined for all).
        out = np.full(outer * inner, reduce_all(np.zeros(1, a.dtype)))
        for o in range(outer):
            for i in range(inner):
                for k in range(length):
                    lane[k] = lanes[o, k, i]
                out[o * inner + i] = reduce_all(lane)
        return out.reshape(_without_axis(a.shape, axis))

    def reduction(a, axis=None):
        if axis is None:
            return reduce_all(a)
        return reduce_rows(a, axis)

    reduction.__name__ = name
    return numba.njit(reduction)


_AXIS_REDUCTIONS = ("mean", "std", "var", "max", "min", "argmax", "argmin", "prod", "any", "all", "median",
                    "ptp", "nansum", "nanprod", "nanmean", "nanstd", "nanvar", "nanmax", "nanmin", "nanmedian",
                    "amax", "amin", "count_nonzero")
@numba.njit
def _median(a):
    # Numba's median ignores NaN; NumPy's is NaN when any value is.
    if np.isnan(a).any():
        return np.nan
    return np.median(a)


_WHOLE_ARRAY = {"median": _median}
COMPILED_OWN.update({name: _over_axis(_WHOLE_ARRAY.get(name, getattr(np, name)), name)
                     for name in _AXIS_REDUCTIONS})


# ------------------------------------------------------------------------------ vector products
# Matrix-vector and vector-vector products of one float dtype are loops of this module rather than
# Numba's np.dot: typing and lowering np.dot's BLAS call costs ~0.6 s of compile per signature (a
# third of the logistic-regression step's), these compile in ~0.1 s, are cached on disk, and the
# products are bound by reading the matrix either way. Four partial sums keep the row dot from
# waiting on one chain of additions (BLAS also sums in its own order: NumPy's results differ from
# a sequential sum in the last bits too).
def _make_products(dtype: type) -> tuple[Callable, Callable, Callable]:
    zero = dtype(0)

    @numba.njit(cache=True, nogil=True)
    def row_dots(a, b):  # a (m, k) @ b (k,): a's rows are read in order
        rows, inner = a.shape
        if b.shape[0] != inner:
            raise ValueError("dot: shapes not aligned (the matrix's last dimension is not the vector's length)")
        out = np.empty(rows, dtype)
        for i in range(rows):
            s0 = s1 = s2 = s3 = zero
            j = 0
            while j + 4 <= inner:
                s0 += a[i, j] * b[j]
                s1 += a[i, j + 1] * b[j + 1]
                s2 += a[i, j + 2] * b[j + 2]
                s3 += a[i, j + 3] * b[j + 3]
                j += 4
            while j < inner:
                s0 += a[i, j] * b[j]
                j += 1
            out[i] = (s0 + s1) + (s2 + s3)
        return out

    @numba.njit(cache=True, nogil=True)
    def row_sums(v, a):  # v (m,) @ a (m, k): a's rows, scaled, summed in order
        rows, columns = a.shape
        if v.shape[0] != rows:
            raise ValueError("dot: shapes not aligned (the vector's length is not the matrix's first dimension)")
        out = np.empty(columns, dtype)  # not np.zeros: one allocation routine less to compile
        for j in range(columns):
            out[j] = zero
        for i in range(rows):
            weight = v[i]
            for j in range(columns):
                out[j] += weight * a[i, j]
        return out

    @numba.njit(cache=True, nogil=True)
    def vector_dot(a, b):
        size = a.shape[0]
        if b.shape[0] != size:
            raise ValueError("dot: shapes not aligned (the vectors' lengths differ)")
        s0 = s1 = s2 = s3 = zero
        j = 0
        while j + 4 <= size:
            s0 += a[j] * b[j]
            s1 += a[j + 1] * b[j + 1]
            s2 += a[j + 2] * b[j + 2]
            s3 += a[j + 3] * b[j + 3]
            j += 4
        while j < size:
            s0 += a[j] * b[j]
            j += 1
        return (s0 + s1) + (s2 + s3)

    return row_dots, row_sums, vector_dot


_PRODUCTS = {types.float32: _make_products(np.float32), types.float64: _make_products(np.float64)}
_PRODUCT_KINDS = {(2, 1): 0, (1, 2): 1, (1, 1): 2}  # the position in _make_products' result


def vector_product(dtype: np.dtype, ndims: tuple[int, int]) -> Callable | None:
    """The loop computing ``dot(a, b)`` (= ``a @ b``) for arrays of one float ``dtype`` with
    ``ndims == (a.ndim, b.ndim)``, called with ``(a, b)``; ``None`` for other products. Code
    generated for arguments of known types calls it directly (no dispatch layer to compile).

    Example:
        >>> vector_product(np.dtype(np.float32), (2, 1)).__name__
        'row_dots'
    """
    kernels = _PRODUCTS.get(numba.from_dtype(dtype)) if dtype.kind == "f" else None
    position = _PRODUCT_KINDS.get(ndims)
    return None if kernels is None or position is None else kernels[position]


def _loops_for(a: Any, b: Any, shapes: tuple) -> Callable | None:
    """This module's loop computing the product of arrays of numba types ``a`` and ``b`` when their
    ``(a.ndim, b.ndim)`` is one of ``shapes`` and they share a float dtype, else ``None``."""
    if not (isinstance(a, types.Array) and isinstance(b, types.Array) and a.dtype == b.dtype
            and a.dtype in _PRODUCTS and (a.ndim, b.ndim) in shapes):
        return None
    row_dots, row_sums, vector_dot = _PRODUCTS[a.dtype]
    if (a.ndim, b.ndim) == (2, 1):
        if a.layout == "F":  # a's columns are contiguous: sum them, scaled, as the rows of a.T
            return lambda a, b: row_sums(b, a.T)
        return lambda a, b: row_dots(a, b)
    if (a.ndim, b.ndim) == (1, 2):
        if b.layout == "F":
            return lambda a, b: row_dots(b.T, a)
        return lambda a, b: row_sums(a, b)
    return lambda a, b: vector_dot(a, b)


def _product(name: str, shapes: tuple, fallback: Callable) -> Callable:
    """A function for compiled code computing ``bm.<name>(a, b)``: the loops above for ``shapes``
    of one float dtype, ``fallback`` (Numba's NumPy) for everything else."""
    def product(a, b):  # pragma: no cover - replaced by the overload inside compiled code
        raise NotImplementedError(f"{name} is only callable inside numba-compiled code")

    @overload(product, jit_options={"nogil": True}, inline="always")
    def _typer(a, b):
        return _loops_for(a, b, shapes) or fallback

    product.__name__ = name
    return product


_VECTOR_SHAPES = ((2, 1), (1, 2), (1, 1))
_dot = _product("dot", _VECTOR_SHAPES, lambda a, b: np.dot(a, b))
_matmul = _product("matmul", _VECTOR_SHAPES, lambda a, b: a @ b)
_inner = _product("inner", ((1, 1),), lambda a, b: np.dot(a, b))


@numba.njit
def _matrix_transpose(x):
    # A view with the last two axes swapped, built from shape and strides: Numba's np.swapaxes checks
    # its axes with a formatted error message, and compiling the formatting cost ~4.5 s per process.
    # (x.ndim is a constant to Numba: the branches not taken are pruned before typing.)
    if x.ndim < 2:
        raise ValueError("matrix_transpose: argument 'x' must be at least 2-dimensional")
    if x.ndim == 2:
        return x.T
    shape = x.shape[:-2] + (x.shape[-1], x.shape[-2])
    strides = x.strides[:-2] + (x.strides[-1], x.strides[-2])
    return np.lib.stride_tricks.as_strided(x, shape, strides)


@numba.njit
def _vecdot(x1, x2):
    product = x1 * x2
    return np.sum(product, axis=product.ndim - 1)


@numba.njit
def _outer(x1, x2):
    return np.outer(x1, x2)


@numba.njit
def _diagonal(a):
    # Of a matrix (NumPy's default offset and axes).
    return np.diag(a)


@numba.njit
def _matrix_trace(x):
    return np.trace(x)


@numba.njit
def _root_sum_squares(x):
    # The default order of both vector_norm (2, over all elements) and matrix_norm (Frobenius).
    return np.sqrt(np.sum(np.abs(x) ** 2))


@numba.njit
def _fftfreq(n, d=1.0):
    # NumPy: [0, 1, ..., ceil(n/2)-1, -floor(n/2), ..., -1] / (d*n)
    result = np.empty(n, np.float64)
    positive = (n - 1) // 2 + 1
    for i in range(n):
        result[i] = i if i < positive else i - n
    return result / (d * n)


@numba.njit
def _rfftfreq(n, d=1.0):
    return np.arange(n // 2 + 1) / (d * n)


@numba.njit
def _one_hot(indices, num_classes):
    # Out-of-range indices give rows of zeros, as eagerly; float64 here, cast to the policy's float.
    flat = indices.ravel()
    hot = np.zeros((flat.size, num_classes))
    for i in range(flat.size):
        if 0 <= flat[i] < num_classes:
            hot[i, flat[i]] = 1.0
    return hot.reshape(indices.shape + (num_classes,))


@numba.njit
def _fix(x):
    return np.trunc(x)


@numba.njit
def _modf(x):
    # modf(±inf) is (±0, ±inf) as in NumPy.
    integral = np.trunc(x)
    return np.where(np.isinf(x), np.copysign(np.zeros_like(x), x), x - integral), integral


@numba.njit
def _cumulative_sum(x):
    if x.ndim > 1:
        raise ValueError("cumulative_sum: argument 'axis' is required for arrays of more than one dimension")
    return np.cumsum(x)


@numba.njit
def _cumulative_prod(x):
    if x.ndim > 1:
        raise ValueError("cumulative_prod: argument 'axis' is required for arrays of more than one dimension")
    return np.cumprod(x)


@numba.njit
def _compress(condition, a):
    # NumPy: a True beyond the end of ``a`` is an IndexError; False entries there are ignored.
    for i in range(a.size, condition.size):
        if condition[i]:
            raise IndexError("compress: argument 'condition' selects an index beyond the size of 'a'")
    return a.ravel()[:condition.size][condition[:a.size]]


# Numba's versions of these read or write at indices taken from the data without checking them
# (a stray index reads or corrupts memory): the indices are checked first, as NumPy does.
@numba.njit
def _take_along_axis(arr, indices, axis):
    size = arr.size if axis is None else arr.shape[axis]
    flat = indices.ravel()
    for i in range(flat.size):
        if flat[i] < -size or flat[i] >= size:
            raise IndexError("take_along_axis: an index in 'indices' is out of bounds for the axis")
    if axis is None:
        return np.take_along_axis(arr, indices, None)
    # Numba's take_along_axis needs the axis as a compile-time constant.
    return np.take_along_axis(arr, indices, numba.literally(axis))


@numba.njit
def _bincount(x, weights=None, minlength=0):
    if minlength < 0:
        raise ValueError("bincount: argument 'minlength' must be non-negative")
    flat = x.ravel()
    for i in range(flat.size):
        if flat[i] < 0:
            raise ValueError("bincount: argument 'x' must hold non-negative integers")
    return np.bincount(x, weights, minlength)


@numba.njit
def _heaviside(x1, x2):
    # NumPy: 0 below zero, x2 at zero, 1 above, NaN for NaN.
    return np.where(np.isnan(x1), x1, np.where(x1 < 0, 0.0, np.where(x1 > 0, 1.0, x2)))


@numba.njit
def _astype(x, dtype):
    return x.astype(dtype)


COMPILED_OWN.update({"linalg.outer": _outer, "linalg.diagonal": _diagonal, "linalg.trace": _matrix_trace,
                     "linalg.vector_norm": _root_sum_squares, "linalg.matrix_norm": _root_sum_squares,
                     "fft.fftfreq": _fftfreq, "fft.rfftfreq": _rfftfreq, "astype": _astype,
                     "one_hot": _one_hot, "fix": _fix, "modf": _modf, "diagonal": _diagonal,
                     "cumulative_sum": _cumulative_sum, "cumulative_prod": _cumulative_prod,
                     "compress": _compress, "heaviside": _heaviside,
                     "take_along_axis": _take_along_axis, "bincount": _bincount})
COMPILED_OWN.update({"dot": _dot, "matmul": _matmul, "linalg.matmul": _matmul, "inner": _inner,
                     "matrix_transpose": _matrix_transpose, "linalg.matrix_transpose": _matrix_transpose,
                     "vecdot": _vecdot, "linalg.vecdot": _vecdot})
