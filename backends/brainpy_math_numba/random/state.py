"""The numba backend's RandomState: a stream in two uint32 Variables, drawn from by the kernels.

The frontend (``brainpy_math.random.RandomState``) checks a draw's arguments and calls
``_draw(name, *args)``; here the eager call runs the kernel of :mod:`.draws` on the Variables' memory,
so eager draws and code compiled by the numba backend (which passes :func:`state_arrays`) advance
the very same stream. :data:`default_state` is the stream behind ``bm.random.<name>``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import brainpy_math.random as frontend
from brainpy_math import _config
from ..array import as_array, raw
from ..numpy_ops import asarray
from ..variables import Variable
from .conversions import fill_normal32_parallel, fill_uniform32_parallel
from .distributions import normal_affine, normal_into, uniform_affine, uniform_into
from .draws import DRAWS, Draw, compiled, policy_token

__all__ = ["RandomState", "default_state", "state_arrays"]


def state_arrays(rs: "RandomState") -> tuple[np.ndarray, np.ndarray]:
    """``(key, counter)`` of ``rs`` as plain ndarrays sharing the Variables' memory (kernel arguments).

    Example:
        >>> key, counter = state_arrays(default_state())
        >>> key.dtype, counter.shape
        (dtype('uint32'), (2,))
    """
    return raw(rs.key), raw(rs.counter)


def _argument(x: Any) -> Any:
    """A draw argument as a kernel accepts it: Variables as plain arrays, lists as arrays."""
    if isinstance(x, np.ndarray):
        return raw(x)
    if isinstance(x, (list, tuple)) and not all(isinstance(i, (int, np.integer)) for i in x):
        return np.asarray(x)
    if isinstance(x, list):
        return np.asarray(x)
    return x


def _flat_param(x: Any, shape: tuple, dtype: type) -> np.ndarray:
    """``x`` as a 1-d array: its single value, or its values broadcast to ``shape``."""
    values = np.asarray(x, dtype=dtype)
    if values.size == 1:
        return values.reshape(1)
    return np.ascontiguousarray(np.broadcast_to(values, shape)).reshape(-1)


# Uniform and normal draws fill a buffer allocated here: NumPy's allocator is much cheaper than a
# fresh allocation inside compiled code for the large arrays of throughput-bound draws. Large
# float32 draws fill on all cores, then apply the same affine step as the kernels.
_INTO = {"uniform": uniform_into, "normal": normal_into}
_PARALLEL = {"uniform": (fill_uniform32_parallel, uniform_affine),
             "normal": (fill_normal32_parallel, normal_affine)}
_PARALLEL_FROM = 1 << 17


def _eager_layout(row: Draw) -> tuple[int, tuple[int, ...], type] | None:
    """Where an eager call of ``row`` passes ``size``, which arguments it flattens, to what dtype;
    None for draws without a size (permutation, shuffle, split_key)."""
    names = row.names()
    if "size" not in names:
        return None
    return names.index("size"), tuple(i for i, n in enumerate(names) if n in row.broadcast), row.broadcast_dtype


_EAGER_LAYOUT = {row.name: _eager_layout(row) for row in DRAWS}


class RandomState(frontend.RandomState):
    """A Threefry stream on the numba backend (see ``brainpy_math.random.RandomState``).

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('numba'):
        ...     rs = bm.random.RandomState(0)
        ...     rs.randint(0, 10, size=3).shape
        (3,)
    """

    _variable_type = Variable

    def _state_values(self, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(key, np.uint32), np.zeros(2, np.uint32)

    def _draw(self, name: str, *args: Any) -> Any:
        drawn = self._draw_arrays(name, *args)
        if type(drawn) is tuple:
            return tuple(as_array(d) if type(d) is np.ndarray else d for d in drawn)
        return as_array(drawn) if type(drawn) is np.ndarray else drawn

    def _draw_arrays(self, name: str, *args: Any) -> Any:
        key, counter = state_arrays(self)
        layout = _EAGER_LAYOUT[name]
        if layout is None:  # permutation, shuffle, split_key
            if name == "permutation" and not isinstance(args[0], (int, np.integer)):
                args = (asarray(args[0]),)  # the items keep the dtype policy, as on JAX
            return compiled(name)(key, counter, *(_argument(a) for a in args))
        # The eager call passes flat parameters of the row's dtype and a 1-d size, so each kernel is
        # compiled once per dtype policy whatever the user passed; the result is reshaped here.
        shape_at, broadcast_at, broadcast_dtype = layout
        shape = args[shape_at]
        count = 1 if shape is None else int(np.prod(shape, dtype=np.int64))
        flat_shape = (count,)
        args = list(args)
        args[shape_at] = flat_shape
        for i in broadcast_at:
            if i < len(args):
                args[i] = _flat_param(args[i], shape, broadcast_dtype)
        if name in _INTO:
            token = policy_token(_config.x64_enabled())
            out = np.empty(count, type(token))
            params = [a for i, a in enumerate(args) if i != shape_at]
            fill, affine = _PARALLEL[name]
            if count >= _PARALLEL_FROM and type(token) is np.float32:
                fill(key, counter, out)
                return affine(*params, flat_shape, out, token).reshape(shape)
            return _INTO[name](key, counter, *params, flat_shape, out, token).reshape(shape)
        if name == "randint":
            dtype = args.pop()
            out = compiled(name)(key, counter, *args)
            return (out if dtype is None else out.astype(dtype)).reshape(shape)
        if name == "multivariate_normal":
            args[0], args[1] = (np.ascontiguousarray(args[i], dtype=np.float64) for i in (0, 1))
            return compiled(name)(key, counter, *args).reshape(tuple(shape) + (len(args[0]),))
        if name == "choice":
            a, _, replace, p = args
            a = a if isinstance(a, (int, np.integer)) else _argument(asarray(a))
            out = compiled(name)(key, counter, a, flat_shape, replace, p)
            return out.reshape(() if shape is None else shape)
        return compiled(name)(key, counter, *args).reshape(shape)


#: The RandomState behind ``bm.random.<name>`` on this backend (created on first use, from entropy).
default_state = frontend.DefaultState(lambda: RandomState(name="bm_random_default_numba"))
