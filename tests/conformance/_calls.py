"""Calls of every frontend function as source text, for the compiled-code tests of both backends
(inside numba-compiled code, tests/numba/test_compiled_functions.py; inside jax.jit, test_traced.py).

Each entry is ``qualified name -> argument source`` (or a tuple of several); the arguments refer to the test inputs
``F`` (float32, 3x4), ``V`` (float32, 5), ``W`` (float32, 5), ``I`` (int32, 5, values 0..4),
``J`` (int32, 5), ``B`` (bool, 5), ``M`` (float32 3x3 symmetric positive definite), ``N``
(float32, with NaNs, 5) and ``S`` (float32, 8, for FFTs).
"""
from __future__ import annotations

import numpy as np

_UNARY = ("negative positive absolute abs fabs sign reciprocal square sqrt cbrt exp exp2 expm1 log log2 "
          "log10 log1p sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh arctanh deg2rad rad2deg "
          "degrees radians floor ceil trunc rint round around fix isnan isinf isfinite isposinf isneginf "
          "signbit nan_to_num conj conjugate real imag angle sinc spacing frexp modf acos asin atan asinh "
          "atanh").split()
_BINARY = ("add subtract multiply divide true_divide floor_divide power float_power remainder mod fmod "
           "divmod hypot arctan2 atan2 logaddexp logaddexp2 heaviside copysign nextafter maximum minimum "
           "fmax fmin greater greater_equal less less_equal equal not_equal logical_and logical_or "
           "logical_xor pow").split()
_INTEGER = ("bitwise_and bitwise_or bitwise_xor left_shift right_shift bitwise_left_shift "
            "bitwise_right_shift gcd lcm").split()
_REDUCTIONS = ("sum prod mean median std var max min amax amin argmax argmin ptp count_nonzero any all "
               "cumsum cumprod nansum nanprod nanmean nanmedian nanstd nanvar nanmax nanmin nanargmax "
               "nanargmin nancumsum nancumprod cumulative_sum cumulative_prod diff ediff1d").split()

# Reductions also called with an axis (Numba lacks most of these; the backend has its own).
_AXIS = ("sum mean std var max min argmax argmin prod any all median ptp nansum nanprod nanmean nanstd nanvar "
         "nanmax nanmin nanmedian amax amin count_nonzero").split()

CASES: dict[str, str | tuple[str, ...]] = {
    **{name: "V" for name in _UNARY},
    **{name: "V, W" for name in _BINARY},
    **{name: "I, J" for name in _INTEGER},
    "invert": "I", "bitwise_not": "I", "bitwise_invert": "I",
    "arccosh": "V + 1.0", "acosh": "V + 1.0", "logical_not": "B", "ldexp": "V, I",
    "clip": "V, 0.2, 0.6", "interp": "V, S[:5], W", "convolve": "V, W", "correlate": "V, W",
    "isclose": "V, W", "allclose": "V, W", "array_equal": "V, W", "array_equiv": "V, V",
    **{name: "N" for name in _REDUCTIONS},
    **{name: ("N", "F, 1", "F, axis=-2") for name in _AXIS},
    "average": "V", "percentile": "V, 30.0", "quantile": "V, 0.3", "nanpercentile": "N, 30.0",
    "nanquantile": "N, 0.3", "cov": "F", "corrcoef": "F",
    # creation
    "array": "V", "asarray": "V", "zeros": "3", "ones": "(2, 3)", "full": "3, 2.0", "empty": "0",
    "arange": "5", "linspace": "0.0, 1.0, 5", "logspace": "0.0, 2.0, 3", "geomspace": "1.0, 100.0, 3",
    "eye": "3", "identity": "3", "zeros_like": "V", "ones_like": "V", "full_like": "V, 2.0",
    "empty_like": "V[:0]", "meshgrid": "V, W", "diag": "V", "diagflat": "V", "tri": "3", "tril": "F",
    "triu": "F", "copy": "V", "one_hot": "I, 5",
    # manipulation
    "reshape": "F, (4, 3)", "ravel": "F", "transpose": "F", "permute_dims": "F, (1, 0)",
    "matrix_transpose": "F", "moveaxis": "F, 0, 1", "swapaxes": "F, 0, 1", "expand_dims": "V, 0",
    "squeeze": "F[:1]", "broadcast_to": "V, (2, 5)", "broadcast_arrays": "V, F[:, :1]",
    "atleast_1d": "V", "atleast_2d": "V", "atleast_3d": "V", "concatenate": "(V, W)", "concat": "(V, W)",
    "stack": "(V, W)", "hstack": "(V, W)", "vstack": "(V, W)", "dstack": "(V, W)",
    "column_stack": "(V, W)", "append": "V, W", "split": "F, 2, 1", "array_split": "V, 2",
    "hsplit": "F, 2", "vsplit": "F[:2], 2", "unstack": "F", "tile": "V, 2", "repeat": "V, 2",
    "roll": "V, 2", "flip": "V", "fliplr": "F", "flipud": "F", "rot90": "F", "pad": "V, 1",
    "take": "V, I", "take_along_axis": "F, I[:3].reshape(3, 1) % 4, 1", "where": "B, V, W",
    "select": "[B], [V], 0.0", "nonzero": "B", "argwhere": "B", "flatnonzero": "B", "extract": "B, V",
    "compress": "B, V", "delete": "V, 1", "insert": "V, 1, 9.0", "diagonal": "F", "trace": "F",
    "fill_diagonal": "F, 2.0, False, False",
    # sorting, searching, sets
    "sort": "N", "argsort": "W", "lexsort": "(I, J)", "searchsorted": "S, V", "unique": "J",
    "unique_values": "J", "unique_counts": "J", "unique_inverse": "J", "unique_all": "J",
    "bincount": "I", "histogram": "V", "digitize": "V, S[:4]", "isin": "I, J", "intersect1d": "I, J",
    "union1d": "I, J", "setdiff1d": "I, J", "setxor1d": "I, J",
    # linear algebra
    "dot": "V, W", "vdot": "V, W", "inner": "V, W", "outer": "V, W", "matmul": "F.T, F",
    "vecdot": "F, F", "tensordot": "F, F.T, 1", "einsum": "'ij,jk->ik', F, F.T", "kron": "V, W",
    "cross": "V[:3], W[:3]",
    "linalg.norm": "M", "linalg.inv": "M", "linalg.pinv": "M", "linalg.det": "M", "linalg.slogdet": "M",
    "linalg.solve": "M, V[:3]", "linalg.lstsq": "M, V[:3]", "linalg.eig": "M", "linalg.eigh": "M",
    "linalg.eigvals": "M", "linalg.eigvalsh": "M", "linalg.svd": "M", "linalg.svdvals": "M",
    "linalg.qr": "M", "linalg.cholesky": "M", "linalg.matrix_power": "M, 3", "linalg.matrix_rank": "M",
    "linalg.matrix_norm": "M", "linalg.vector_norm": "V", "linalg.cond": "M",
    "linalg.multi_dot": "[M, M, M]", "linalg.cross": "M, M", "linalg.outer": "V, W",
    "linalg.matmul": "M, M", "linalg.matrix_transpose": "F", "linalg.vecdot": "F, F",
    "linalg.diagonal": "M", "linalg.trace": "M", "linalg.tensordot": "F, F",
    # fft
    **{f"fft.{name}": "S" for name in "fft ifft rfft irfft hfft ihfft fftshift ifftshift".split()},
    **{f"fft.{name}": "F" for name in "fft2 ifft2 rfft2 irfft2 fftn ifftn rfftn irfftn".split()},
    "fft.fftfreq": "8", "fft.rfftfreq": "8",
    # activations
    **{f"activations.{name}": "F - 0.5" for name in
       "relu sigmoid tanh softmax log_softmax softplus elu gelu silu leaky_relu".split()},
    "activations.softmax": ("F - 0.5", "F, 0", "F, axis=-2"), "activations.log_softmax": ("F - 0.5", "F, 0"),
    "activations.gelu": ("F - 0.5", "F, False"),
    # array API dtype functions: no array computation, not provided inside compiled code
    "astype": "V, np.int32",
}


def calls(name: str) -> tuple[str, ...]:
    """The argument sources of the test calls of ``name``."""
    case = CASES[name]
    return (case,) if isinstance(case, str) else case


def inputs() -> dict[str, np.ndarray]:
    """The test inputs the argument sources refer to."""
    rng = np.random.default_rng(0)
    base = rng.uniform(0.1, 0.9, size=(3, 3))
    values = {
        "F": rng.uniform(0.1, 0.9, size=(3, 4)), "V": rng.uniform(0.1, 0.9, size=5),
        "W": rng.uniform(-0.9, 0.9, size=5), "M": base @ base.T + 3 * np.eye(3),
        "N": np.array([0.5, np.nan, 0.25, 0.75, np.nan]), "S": np.sort(rng.uniform(0, 1, 8)),
    }
    out = {k: v.astype(np.float32) for k, v in values.items()}
    out.update(I=np.array([0, 1, 2, 3, 4], np.int32), J=np.array([3, 1, 3, 0, 7], np.int32),
               B=np.array([True, False, True, True, False]))
    return out
