"""The array functions of the frontend: name → (area, example).

Every name in :data:`FUNCTIONS` becomes ``bm.<name>``, a wrapper that calls the current backend's
function of the same name; :data:`NAMESPACES` does the same for ``bm.linalg``, ``bm.fft`` and
``bm.activations``. Each backend's ``numpy_ops.PROVIDERS`` says, per name (sub-namespace names
qualified as ``'linalg.norm'``), how it provides the function outside and inside compiled code;
:func:`coverage` counts those tables per area (the README's coverage table).

Example:
    >>> from brainpy_math import _api
    >>> _api.FUNCTIONS['sum'][0]
    'reduction'
"""
from __future__ import annotations

from typing import Iterable, NamedTuple

__all__ = ["FUNCTIONS", "NAMESPACES", "Provision", "UNSUPPORTED", "all_names", "namespace_functions", "area_of", "coverage",
           "format_coverage"]


class Provision(NamedTuple):
    """How a backend provides one function.

    Attributes:
        outside: how it is provided in ordinary (eager) calls, e.g. ``'jnp'``, ``'np'``, ``'own'``.
        compiled: how it is provided inside compiled code (``bm.jit`` on JAX, numba-compiled code
            on Numba), e.g. ``'traced'``, ``'np'`` (NumPy's function as Numba supports it),
            ``'njit-own'`` (the backend's own njit implementation) or ``UNSUPPORTED``.
    """

    outside: str
    compiled: str


UNSUPPORTED = "unsupported"

_F = "bm.linspace(0.1, 0.9, 4)"  # a float argument for the examples
_I = "bm.arange(1, 5)"           # an integer argument


def _group(area: str, template: str, names: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Entries ``name -> (area, template.format(name=name))`` for a group of similar functions."""
    return {name: (area, template.format(name=name)) for name in names}


_UNARY_FLOAT = (
    "negative positive absolute abs fabs sign reciprocal square sqrt cbrt exp exp2 expm1 log log2 log10 "
    "log1p sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh arctanh deg2rad rad2deg degrees "
    "radians floor ceil trunc rint round around fix isnan isinf isfinite isposinf isneginf signbit "
    "nan_to_num conj conjugate real imag angle sinc spacing frexp modf "
    "acos asin atan asinh atanh"
).split()
_BINARY_FLOAT = (
    "add subtract multiply divide true_divide floor_divide power float_power remainder mod fmod divmod "
    "hypot arctan2 atan2 logaddexp logaddexp2 heaviside copysign nextafter maximum minimum fmax fmin "
    "greater greater_equal less less_equal equal not_equal logical_and logical_or logical_xor pow"
).split()
_INTEGER = ("bitwise_and bitwise_or bitwise_xor left_shift right_shift bitwise_left_shift bitwise_right_shift "
            "gcd lcm").split()
_INTEGER_UNARY = "invert bitwise_not bitwise_invert".split()
_REDUCTIONS = (
    "sum prod mean median std var max min amax amin argmax argmin ptp count_nonzero any all cumsum "
    "cumprod nansum nanprod nanmean nanmedian nanstd nanvar nanmax nanmin nanargmax nanargmin nancumsum "
    "nancumprod cumulative_sum cumulative_prod diff"
).split()

FUNCTIONS: dict[str, tuple[str, str]] = {
    # ---------------------------------------------------------------- creation
    "array": ("creation", "bm.array([1.0, 2.0])"),
    "asarray": ("creation", "bm.asarray([1, 2, 3])"),
    "zeros": ("creation", "bm.zeros((2, 3))"),
    "ones": ("creation", "bm.ones(4)"),
    "full": ("creation", "bm.full((2, 2), 7.0)"),
    "empty": ("creation", "bm.empty(3)"),
    "arange": ("creation", "bm.arange(5)"),
    "linspace": ("creation", "bm.linspace(0.0, 1.0, 5)"),
    "logspace": ("creation", "bm.logspace(0.0, 2.0, 3)"),
    "geomspace": ("creation", "bm.geomspace(1.0, 100.0, 3)"),
    "eye": ("creation", "bm.eye(3)"),
    "identity": ("creation", "bm.identity(3)"),
    "zeros_like": ("creation", "bm.zeros_like(bm.ones(3))"),
    "ones_like": ("creation", "bm.ones_like(bm.zeros(3))"),
    "full_like": ("creation", "bm.full_like(bm.zeros(3), 2.0)"),
    "empty_like": ("creation", "bm.empty_like(bm.zeros(3))"),
    "meshgrid": ("creation", "bm.meshgrid(bm.arange(3), bm.arange(2))"),
    "diag": ("creation", "bm.diag(bm.arange(3))"),
    "diagflat": ("creation", "bm.diagflat(bm.arange(3))"),
    "tri": ("creation", "bm.tri(3)"),
    "tril": ("creation", "bm.tril(bm.ones((3, 3)))"),
    "triu": ("creation", "bm.triu(bm.ones((3, 3)), k=1)"),
    "copy": ("creation", "bm.copy(bm.arange(3))"),
    "one_hot": ("creation", "bm.one_hot(bm.arange(3), 4)"),
    # ---------------------------------------------------------------- manipulation
    "reshape": ("manipulation", "bm.reshape(bm.arange(6), (2, 3))"),
    "ravel": ("manipulation", "bm.ravel(bm.ones((2, 3)))"),
    "transpose": ("manipulation", "bm.transpose(bm.ones((2, 3)))"),
    "permute_dims": ("manipulation", "bm.permute_dims(bm.ones((2, 3)), (1, 0))"),
    "matrix_transpose": ("manipulation", "bm.matrix_transpose(bm.ones((4, 2, 3)))"),
    "moveaxis": ("manipulation", "bm.moveaxis(bm.ones((2, 3, 4)), 0, -1)"),
    "swapaxes": ("manipulation", "bm.swapaxes(bm.ones((2, 3)), 0, 1)"),
    "expand_dims": ("manipulation", "bm.expand_dims(bm.ones(3), 0)"),
    "squeeze": ("manipulation", "bm.squeeze(bm.ones((1, 3)))"),
    "broadcast_to": ("manipulation", "bm.broadcast_to(bm.ones(3), (2, 3))"),
    "broadcast_arrays": ("manipulation", "bm.broadcast_arrays(bm.ones(3), bm.ones((2, 1)))"),
    "atleast_1d": ("manipulation", "bm.atleast_1d(bm.asarray(1.0))"),
    "atleast_2d": ("manipulation", "bm.atleast_2d(bm.ones(3))"),
    "atleast_3d": ("manipulation", "bm.atleast_3d(bm.ones(3))"),
    "concatenate": ("manipulation", "bm.concatenate([bm.zeros(2), bm.ones(2)])"),
    "concat": ("manipulation", "bm.concat([bm.zeros(2), bm.ones(2)])"),
    "stack": ("manipulation", "bm.stack([bm.zeros(2), bm.ones(2)])"),
    "hstack": ("manipulation", "bm.hstack([bm.zeros(2), bm.ones(2)])"),
    "vstack": ("manipulation", "bm.vstack([bm.zeros(2), bm.ones(2)])"),
    "dstack": ("manipulation", "bm.dstack([bm.zeros(2), bm.ones(2)])"),
    "column_stack": ("manipulation", "bm.column_stack([bm.zeros(2), bm.ones(2)])"),
    "append": ("manipulation", "bm.append(bm.zeros(2), bm.ones(2))"),
    "split": ("manipulation", "bm.split(bm.arange(6), 3)"),
    "array_split": ("manipulation", "bm.array_split(bm.arange(7), 3)"),
    "hsplit": ("manipulation", "bm.hsplit(bm.ones((2, 4)), 2)"),
    "vsplit": ("manipulation", "bm.vsplit(bm.ones((4, 2)), 2)"),
    "unstack": ("manipulation", "bm.unstack(bm.ones((2, 3)))"),
    "tile": ("manipulation", "bm.tile(bm.arange(3), 2)"),
    "repeat": ("manipulation", "bm.repeat(bm.arange(3), 2)"),
    "roll": ("manipulation", "bm.roll(bm.arange(5), 2)"),
    "flip": ("manipulation", "bm.flip(bm.arange(5))"),
    "fliplr": ("manipulation", "bm.fliplr(bm.ones((2, 3)))"),
    "flipud": ("manipulation", "bm.flipud(bm.ones((2, 3)))"),
    "rot90": ("manipulation", "bm.rot90(bm.ones((2, 3)))"),
    "pad": ("manipulation", "bm.pad(bm.arange(3), 1)"),
    "take": ("manipulation", "bm.take(bm.arange(5), bm.asarray([0, 2]))"),
    "take_along_axis": ("manipulation", "bm.take_along_axis(bm.ones((2, 3)), bm.zeros((2, 1), dtype=bm.int32), 1)"),
    "put": ("manipulation", "bm.put(x, bm.asarray([0, 2]), 1.0)  # writes into x"),
    "fill_diagonal": ("manipulation", "bm.fill_diagonal(bm.zeros((3, 3)), 1.0, inplace=False)"),
    "where": ("manipulation", "bm.where(bm.arange(4) > 1, 1.0, 0.0)"),
    "select": ("manipulation", "bm.select([bm.arange(3) > 1], [bm.ones(3)], 0.0)"),
    "nonzero": ("manipulation", "bm.nonzero(bm.arange(4) > 1)"),
    "argwhere": ("manipulation", "bm.argwhere(bm.arange(4) > 1)"),
    "flatnonzero": ("manipulation", "bm.flatnonzero(bm.arange(4) > 1)"),
    "extract": ("manipulation", "bm.extract(bm.arange(4) > 1, bm.arange(4))"),
    "compress": ("manipulation", "bm.compress(bm.asarray([True, False, True]), bm.arange(3))"),
    "delete": ("manipulation", "bm.delete(bm.arange(4), 1)"),
    "insert": ("manipulation", "bm.insert(bm.arange(4), 1, 9)"),
    "diagonal": ("manipulation", "bm.diagonal(bm.ones((3, 3)))"),
    "trace": ("manipulation", "bm.trace(bm.eye(3))"),
    # ---------------------------------------------------------------- elementwise (ufuncs)
    **_group("elementwise", "bm.{name}(" + _F + ")", _UNARY_FLOAT),
    **_group("elementwise", "bm.{name}(" + _F + ", " + _F + ")", _BINARY_FLOAT),
    **_group("elementwise", "bm.{name}(" + _I + ", " + _I + ")", _INTEGER),
    **_group("elementwise", "bm.{name}(" + _I + ")", _INTEGER_UNARY),
    "arccosh": ("elementwise", "bm.arccosh(bm.linspace(1.0, 2.0, 3))"),
    "acosh": ("elementwise", "bm.acosh(bm.linspace(1.0, 2.0, 3))"),
    "logical_not": ("elementwise", "bm.logical_not(bm.arange(3) > 1)"),
    "ldexp": ("elementwise", "bm.ldexp(" + _F + ", " + _I + ")"),
    "clip": ("elementwise", "bm.clip(bm.arange(5), 1, 3)"),
    "interp": ("elementwise", "bm.interp(bm.asarray([0.5]), bm.asarray([0.0, 1.0]), bm.asarray([1.0, 3.0]))"),
    "convolve": ("elementwise", "bm.convolve(bm.ones(4), bm.ones(2))"),
    "correlate": ("elementwise", "bm.correlate(bm.ones(4), bm.ones(2))"),
    "isclose": ("elementwise", "bm.isclose(bm.ones(2), bm.ones(2))"),
    "allclose": ("elementwise", "bm.allclose(bm.ones(2), bm.ones(2))"),
    "array_equal": ("elementwise", "bm.array_equal(bm.arange(3), bm.arange(3))"),
    "array_equiv": ("elementwise", "bm.array_equiv(bm.arange(3), bm.arange(3))"),
    # ---------------------------------------------------------------- reductions and statistics
    **_group("reduction", "bm.{name}(bm.ones((2, 3)), axis=0)", _REDUCTIONS),
    "ediff1d": ("reduction", "bm.ediff1d(bm.asarray([1, 4, 9]))"),
    "average": ("reduction", "bm.average(bm.arange(4.0), weights=bm.ones(4))"),
    "percentile": ("reduction", "bm.percentile(bm.arange(5.0), 50.0)"),
    "quantile": ("reduction", "bm.quantile(bm.arange(5.0), 0.5)"),
    "nanpercentile": ("reduction", "bm.nanpercentile(bm.arange(5.0), 50.0)"),
    "nanquantile": ("reduction", "bm.nanquantile(bm.arange(5.0), 0.5)"),
    "cov": ("reduction", "bm.cov(bm.ones((2, 5)))"),
    "corrcoef": ("reduction", "bm.corrcoef(bm.linspace(0.0, 1.0, 5), bm.linspace(1.0, 0.0, 5))"),
    # ---------------------------------------------------------------- sorting, searching, counting
    "sort": ("sorting", "bm.sort(bm.asarray([3, 1, 2]))"),
    "argsort": ("sorting", "bm.argsort(bm.asarray([3, 1, 2]))"),
    "lexsort": ("sorting", "bm.lexsort((bm.asarray([1, 0]), bm.asarray([0, 0])))"),
    "searchsorted": ("sorting", "bm.searchsorted(bm.arange(5), 2)"),
    "unique": ("sorting", "bm.unique(bm.asarray([1, 1, 2]))"),
    "unique_values": ("sorting", "bm.unique_values(bm.asarray([1, 1, 2]))"),
    "unique_counts": ("sorting", "bm.unique_counts(bm.asarray([1, 1, 2]))"),
    "unique_inverse": ("sorting", "bm.unique_inverse(bm.asarray([1, 1, 2]))"),
    "unique_all": ("sorting", "bm.unique_all(bm.asarray([1, 1, 2]))"),
    "bincount": ("sorting", "bm.bincount(bm.asarray([0, 1, 1]))"),
    "histogram": ("sorting", "bm.histogram(bm.arange(5.0), bins=2)"),
    "digitize": ("sorting", "bm.digitize(bm.arange(5.0), bm.asarray([1.0, 3.0]))"),
    "isin": ("sorting", "bm.isin(bm.arange(4), bm.asarray([1, 3]))"),
    "intersect1d": ("sorting", "bm.intersect1d(bm.arange(4), bm.arange(2, 6))"),
    "union1d": ("sorting", "bm.union1d(bm.arange(4), bm.arange(2, 6))"),
    "setdiff1d": ("sorting", "bm.setdiff1d(bm.arange(4), bm.arange(2, 6))"),
    "setxor1d": ("sorting", "bm.setxor1d(bm.arange(4), bm.arange(2, 6))"),
    # ---------------------------------------------------------------- linear algebra (main namespace)
    "dot": ("linalg", "bm.dot(bm.ones(3), bm.ones(3))"),
    "vdot": ("linalg", "bm.vdot(bm.ones(3), bm.ones(3))"),
    "inner": ("linalg", "bm.inner(bm.ones(3), bm.ones(3))"),
    "outer": ("linalg", "bm.outer(bm.ones(3), bm.ones(2))"),
    "matmul": ("linalg", "bm.matmul(bm.eye(2), bm.ones((2, 3)))"),
    "vecdot": ("linalg", "bm.vecdot(bm.ones((2, 3)), bm.ones(3))"),
    "tensordot": ("linalg", "bm.tensordot(bm.ones((2, 3)), bm.ones((3, 4)), axes=1)"),
    "einsum": ("linalg", "bm.einsum('ij,jk->ik', bm.ones((2, 3)), bm.ones((3, 4)))"),
    "kron": ("linalg", "bm.kron(bm.eye(2), bm.ones((2, 2)))"),
    "cross": ("linalg", "bm.cross(bm.asarray([1.0, 0, 0]), bm.asarray([0.0, 1, 0]))"),
    # ---------------------------------------------------------------- array API: dtypes and info
    "astype": ("array_api", "bm.astype(bm.arange(3), bm.float32)"),
    "isdtype": ("array_api", "bm.isdtype(bm.float32, 'real floating')"),
    "issubdtype": ("array_api", "bm.issubdtype(bm.float32, bm.floating)"),
    "finfo": ("array_api", "bm.finfo(bm.float32).eps"),
    "iinfo": ("array_api", "bm.iinfo(bm.int32).max"),
    "result_type": ("array_api", "bm.result_type(bm.int32, bm.float32)"),
    "can_cast": ("array_api", "bm.can_cast(bm.int32, bm.float32)"),
    "__array_namespace_info__": ("array_api", "bm.__array_namespace_info__().default_dtypes()"),
    "from_dlpack": ("array_api", "bm.from_dlpack(bm.arange(3))"),
}

_LINALG = (
    "norm inv pinv det slogdet solve lstsq eig eigh eigvals eigvalsh svd svdvals qr cholesky "
    "matrix_power matrix_rank matrix_norm vector_norm cond multi_dot cross outer matmul "
    "matrix_transpose vecdot diagonal trace tensordot"
).split()
_FFT = ("fft ifft rfft irfft hfft ihfft fft2 ifft2 rfft2 irfft2 fftn ifftn rfftn irfftn fftfreq "
        "rfftfreq fftshift ifftshift").split()
_ACTIVATIONS = "relu sigmoid tanh softmax log_softmax softplus elu gelu silu leaky_relu".split()

_M = "bm.eye(3) + 1.0"  # a matrix argument for the linalg examples
_S = "bm.linspace(0.0, 1.0, 8)"  # a signal for the fft examples

NAMESPACES: dict[str, dict[str, tuple[str, str]]] = {
    "linalg": {
        **_group("linalg", "bm.linalg.{name}(" + _M + ")", _LINALG),
        # the functions of two arguments (a later key keeps the earlier one's place)
        **_group("linalg", "bm.linalg.{name}(" + _M + ", bm.ones(3))", "solve lstsq".split()),
        **_group("linalg", "bm.linalg.{name}(" + _M + ", " + _M + ")", "matmul tensordot".split()),
        **_group("linalg", "bm.linalg.{name}(bm.ones(3), bm.arange(3.0))", "cross outer vecdot".split()),
        "matrix_power": ("linalg", "bm.linalg.matrix_power(" + _M + ", 2)"),
        "multi_dot": ("linalg", "bm.linalg.multi_dot([" + _M + ", bm.eye(3), bm.ones((3, 2))])"),
    },
    "fft": {
        **_group("fft", "bm.fft.{name}(" + _S + ")", _FFT),
        **_group("fft", "bm.fft.{name}(bm.ones((4, 4)))", "fft2 ifft2 rfft2 irfft2".split()),
        **_group("fft", "bm.fft.{name}(8, d=0.1)", "fftfreq rfftfreq".split()),
    },
    "activations": _group("activations", "bm.activations.{name}(bm.linspace(-1.0, 1.0, 5))", _ACTIVATIONS),
}


def namespace_functions(namespace: str) -> dict:
    """The frontend wrappers of sub-namespace ``namespace`` (``'linalg'``, ...), by name."""
    from ._dispatch import backend_function
    return {name: backend_function(name, area, example, namespace=namespace)
            for name, (area, example) in NAMESPACES[namespace].items()}


def all_names() -> dict[str, str]:
    """Every frontend function as ``qualified name -> area`` (sub-namespaces as ``'linalg.norm'``)."""
    names = {name: area for name, (area, _example) in FUNCTIONS.items()}
    for namespace, table in NAMESPACES.items():
        names.update({f"{namespace}.{name}": area for name, (area, _example) in table.items()})
    return names


def area_of(qualified_name: str) -> str:
    """The documentation area of a frontend function (``'linalg.norm'`` for sub-namespaces)."""
    names = all_names()
    if qualified_name not in names:
        raise KeyError(f"area_of: {qualified_name!r} is not a brainpy_math function")
    return names[qualified_name]


def coverage(backends: Iterable[str] | None = None) -> dict[str, dict[str, dict[str, int]]]:
    """Count, per area, the functions each backend provides outside and inside compiled code.

    Returns ``{area: {'listed': n, '<backend>': m, '<backend> compiled': k}}``: ``listed`` is the
    number of frontend functions of that area; ``m``/``k`` how many of them the backend's
    ``PROVIDERS`` table provides (not ``unsupported``) outside and inside compiled code.

    Example:
        >>> from brainpy_math import _api
        >>> _api.coverage(['numba'])['fft']['listed']
        18
    """
    from . import _backend
    names = all_names()
    backends = list(_backend.available_backends() if backends is None else backends)
    table: dict[str, dict[str, int]] = {}
    for area in names.values():
        table.setdefault(area, {"listed": 0})
        table[area]["listed"] += 1
    for backend in backends:
        providers = _backend.load(backend).PROVIDERS
        for area in table:
            table[area].setdefault(backend, 0)
            table[area].setdefault(f"{backend} compiled", 0)
        for name, area in names.items():
            provision = providers.get(name)
            if provision is None:
                continue
            table[area][backend] += provision.outside != UNSUPPORTED
            table[area][f"{backend} compiled"] += provision.compiled != UNSUPPORTED
    return table


def format_coverage(backends: Iterable[str] | None = None) -> str:
    """The coverage table as Markdown (``python -m brainpy_math._api`` prints it)."""
    table = coverage(backends)
    columns = list(next(iter(table.values())).keys())
    lines = ["| area | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    totals = dict.fromkeys(columns, 0)
    for area, counts in table.items():
        lines.append(f"| {area} | " + " | ".join(str(counts[c]) for c in columns) + " |")
        for c in columns:
            totals[c] += counts[c]
    lines.append("| **total** | " + " | ".join(str(totals[c]) for c in columns) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(format_coverage())
