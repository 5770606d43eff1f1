"""``JaxArray``: a mutable, NumPy-like wrapper over an immutable jax array.

Mutation (``b[0] += 5``, ``b[mask] = 0``) replaces the wrapped jax array with an updated copy
(``.at[].set``); under ``jit`` the copy is elided by XLA. The wrapper is a registered pytree, so
jax transformations and libraries such as optax see through it.

Conversions never lose a value silently (``brainpy_math._conversion``): a Python int or a NumPy
integer array that does not fit the policy's dtype raises ``OverflowError``, in operators too
(``int8_array + 300``), while comparisons with an out-of-range Python int give NumPy's exact answer.
JaxArray also implements the Array API standard's array object (``mT``, ``device``, ``to_device``,
``__dlpack__``, ``__array_namespace__``).
"""
from __future__ import annotations

import operator
import sys
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.core import Tracer

from brainpy_math import _config, _conversion, _promotion
from .tracking import LOCAL, check_array_write

__all__ = ["JaxArray", "unwrap", "wrap", "to_jax", "cast", "resolve_device", "put_on"]

_JAX_VALUES = (jax.Array, Tracer)
_PYTHON_DATA = (list, tuple, int, float, complex, bool)


def unwrap(x: Any) -> Any:
    """Replace JaxArrays in ``x`` (and in nested lists/tuples/dicts) by their jax arrays."""
    if isinstance(x, JaxArray):
        return x._value
    if isinstance(x, (list, tuple)):
        return type(x)(unwrap(i) for i in x) if type(x) in (list, tuple) else x
    if type(x) is dict:
        return {k: unwrap(v) for k, v in x.items()}
    return x


def wrap(x: Any) -> Any:
    """Wrap jax arrays in ``x`` (and in nested tuples/lists) as JaxArrays."""
    if isinstance(x, jax.Array):
        return JaxArray(x)
    if type(x) in (tuple, list):
        return type(x)(wrap(i) for i in x)
    if isinstance(x, tuple) and hasattr(x, "_fields"):  # named tuples such as slogdet's result
        return type(x)(*(wrap(i) for i in x))
    return x


def _holds_jax(data: Any) -> bool:
    """Whether nested lists/tuples ``data`` contain a jax array or a tracer (jax must stack them)."""
    for item in data:
        if isinstance(item, _JAX_VALUES) or (type(item) in (list, tuple) and _holds_jax(item)):
            return True
    return False


def to_jax(obj: Any, dtype: Any = None, where: str = "asarray") -> jax.Array:
    """Convert Python data, NumPy arrays, jax arrays or JaxArrays to a jax array under the dtype policy.

    No value is lost silently: Python ints out of the target dtype's range, and NumPy integer arrays
    the policy narrows (``int64 -> int32`` unless x64) with values out of range, raise
    ``OverflowError`` naming the value, the dtype and ``bm.enable_x64()``. An explicit 64-bit
    ``dtype`` under the 32-bit policy warns (``UserWarning``). ``where`` names the caller in messages.

    Example:
        >>> import numpy as np
        >>> from brainpy_math_jax.array import to_jax
        >>> to_jax(np.arange(3)).dtype
        dtype('int32')
    """
    obj = unwrap(obj)
    if isinstance(obj, _JAX_VALUES):
        return obj if dtype is None else cast(obj, dtype, where)
    kind = type(obj)
    if dtype is None:
        # Python scalars: the policy's type of their kind (never a weakly-typed jax value).
        if kind is float or kind is bool or kind is complex:
            return jnp.asarray(obj, dtype=_config.dtype_of_python_value(obj))
        if kind is int:
            target = _config.default_int()
            _conversion.check_range(obj, obj, target, where)
            return jnp.asarray(obj, dtype=target)
    if (kind is list or kind is tuple) and _holds_jax(obj):
        value = jnp.asarray(obj)  # jax stacks arrays and tracers (and checks the Python ints)
        return value if dtype is None else cast(value, dtype, where)
    if isinstance(obj, (np.ndarray, np.generic)) or isinstance(obj, _PYTHON_DATA):
        return _from_host(_conversion.host_array(obj, dtype, where))
    if hasattr(obj, "__jax_array__"):
        value = jnp.asarray(obj)
        return value if dtype is None else cast(value, dtype, where)
    # Other array-likes (objects with __array__, buffers, DLPack producers): NumPy reads them.
    return _from_host(_conversion.host_array(np.asarray(obj), dtype, where))


def _from_host(host: np.ndarray) -> jax.Array:
    # jax >= 0.9 turns a NumPy array given to jnp.asarray into a jax array by running a compiled
    # identity ("stage"): one XLA compile (30-50 ms) for each new shape and dtype converted.
    # device_put copies the buffer without compiling (inside a trace it records a device_put).
    return jax.device_put(host)


def cast(value: Any, dtype: Any, where: str = "astype") -> Any:
    """``value`` (a jax array or tracer) as ``dtype`` under the policy, never wrapping on a narrowing.

    An explicit 64-bit ``dtype`` under the 32-bit policy warns; where the policy narrows an integer
    result (``uint32 -> int64`` answered as ``int32``), a concrete ``value`` is range-checked on the
    device first (a traced one cannot be). A cast the caller asked for (``int8``) is NumPy's.

    Example:
        >>> import jax.numpy as jnp
        >>> from brainpy_math_jax.array import cast
        >>> cast(jnp.arange(3), 'float32').dtype
        dtype('float32')
    """
    source = np.dtype(value.dtype)
    target, check = _conversion.cast_plan(source, dtype, where)
    if check and not isinstance(value, Tracer) and value.size:
        low, high = _extremes(value)
        _conversion.check_range(low, high, target, where)
    return value if target == source else value.astype(target)


def _extremes(value: jax.Array) -> tuple[Any, Any]:
    """The smallest and largest value (NaNs ignored; floats truncated toward zero, as a cast does)."""
    # A concrete value inside jit (a closed-over constant) is still checked now, not staged out.
    with jax.ensure_compile_time_eval():
        if jnp.issubdtype(value.dtype, jnp.floating):
            low, high = jax.device_get((jnp.nanmin(value), jnp.nanmax(value)))
            return np.trunc(low), np.trunc(high)
        return jax.device_get((jnp.min(value), jnp.max(value)))


def resolve_device(device: Any, where: str) -> Any:
    """A jax ``Device`` (or ``Sharding``) for the Array API's ``device=`` argument, or ``None``.

    Accepts ``None`` (the default placement), a jax ``Device`` or ``Sharding``, and a platform
    name (``'cpu'``, ``'gpu'``, ``'tpu'``; ``'cuda'``/``'rocm'`` too): its first device.

    Example:
        >>> from brainpy_math_jax.array import resolve_device
        >>> resolve_device('cpu', 'zeros').platform
        'cpu'
    """
    if device is None or isinstance(device, (jax.Device, jax.sharding.Sharding)):
        return device
    if isinstance(device, str):
        platform = device.split(":")[0].lower()
        index = int(device.split(":")[1]) if ":" in device and device.split(":")[1].isdigit() else 0
        try:
            devices = jax.devices(platform)
        except RuntimeError:
            devices = []
        if index < len(devices):
            return devices[index]
        available = sorted({str(d) for d in jax.devices()} | {d.platform for d in jax.devices()})
        raise ValueError(f"{where}: device {device!r} is not available to JAX here; available: "
                         f"{available}")
    raise TypeError(f"{where}: argument 'device' must be None, a jax Device or a platform name such "
                    f"as 'cpu', got {device!r} ({type(device).__name__})")


def put_on(value: Any, device: Any) -> Any:
    """``value`` placed on ``device`` (already resolved); tracers and ``None`` leave it unchanged."""
    if device is None or isinstance(value, Tracer):
        return value
    return jax.device_put(value, device)


_INT_RANGES: dict[np.dtype, tuple[int, int]] = {}


def _int_range(dtype: np.dtype) -> tuple[int, int]:
    """``(min, max)`` of an integer dtype, cached (``np.iinfo`` costs microseconds per call)."""
    bounds = _INT_RANGES.get(dtype)
    if bounds is None:
        info = np.iinfo(dtype)
        bounds = _INT_RANGES[dtype] = (int(info.min), int(info.max))
    return bounds


def _python_int_operand(value: Any, other: int, name: str) -> None:
    """Check the Python int ``other`` against the integer result of ``value <op> other``.

    NumPy 2 raises where the int does not fit (``int8_array + 300``); JAX would wrap silently.
    Only integer and bool arrays need a look at the value: the result of a float array is float.
    """
    dtype = value.dtype
    kind = dtype.kind
    if kind == "b":
        dtype = _config.default_int()
    elif kind not in "iu":
        return
    low, high = _int_range(dtype)
    if not low <= other <= high:
        _promotion.check_python_int(other, np.dtype(dtype), name)  # raises, with the message


def _bool_power(base: Any, exponent: Any) -> tuple[Any, Any]:
    """jax.numpy computes a bool base of ``**`` in int32 whatever the exponent's integer type; the
    table computes it in the join (``bool ** int8`` is int8, as on the Numba backend)."""
    if np.dtype(getattr(base, "dtype", bool)) == np.bool_ or np.dtype(getattr(exponent, "dtype", bool)) == np.bool_:
        target = _promotion.result_type(base, exponent)
        if target.kind in "iu":
            base = base.astype(target) if hasattr(base, "astype") else base
            exponent = exponent.astype(target) if hasattr(exponent, "astype") else exponent
    return base, exponent


_NOT_AN_OPERAND = object()


def _strong_beside_bool(value: Any, scalar: int | float | complex) -> Any:
    """A Python number beside a bool array as the policy's dtype of its kind (a strong jax scalar);
    beside any other array, as it is (jax's weak typing gives the array's dtype, as the table does).

    jax types ``bool_array * 2`` as a *weak* int32: a later ``int8_array * that`` is then int8, where
    the table (and NumPy, and the Numba backend) say int32. Found by the differential fuzzer."""
    if getattr(value, "dtype", None) != np.bool_:
        return scalar
    return jnp.asarray(scalar, dtype=_config.dtype_of_python_value(scalar))


def _operand(self: "JaxArray", other: Any, name: str) -> Any:
    """``other`` as an operand of ``self <name> other``: a JaxArray unwrapped, a Python int checked
    against the array's integer dtype (not for true division, whose result is a float), lists and
    NumPy arrays converted by the policy; ``_NOT_AN_OPERAND`` for anything else."""
    if isinstance(other, JaxArray):
        return other._value
    if type(other) is int:
        if name != "divide":
            _python_int_operand(self._value, other, name)
        return _strong_beside_bool(self._value, other)
    if type(other) is float or type(other) is complex:
        return _strong_beside_bool(self._value, other)
    if isinstance(other, _CONVERTED_OPERANDS):
        return to_jax(other, where=name)
    return other if _is_operand(other) else _NOT_AN_OPERAND


def _binary(op, name: str, reflected: bool = False):
    """The operator method ``self <op> other`` (``other <op> self`` if ``reflected``)."""

    def method(self, other):
        other = _operand(self, other, name)
        if other is _NOT_AN_OPERAND:
            return NotImplemented
        left, right = (other, self._value) if reflected else (self._value, other)
        if name == "power":
            left, right = _bool_power(left, right)
        return JaxArray(op(left, right))
    return method


def _inplace(op, name: str):

    def method(self, other):
        other = _operand(self, other, name)
        if other is _NOT_AN_OPERAND:
            return NotImplemented  # Python then says "unsupported operand type(s)"
        result = op(self._value, other)
        self._write(_cast_inplace(result, self._value, name))
        return self
    return method


# For a comparison ``x <op> n`` with a Python int ``n`` above (below) every value of x's dtype.
_ABOVE_RANGE = {"lt": True, "le": True, "gt": False, "ge": False, "eq": False, "ne": True}
_BELOW_RANGE = {"lt": False, "le": False, "gt": True, "ge": True, "eq": False, "ne": True}


def _compare(op, name: str):
    def method(self, other):
        if isinstance(other, JaxArray):
            other = other._value
        elif type(other) is int:
            value = self._value
            low, high = _int_range(value.dtype) if value.dtype.kind in "iu" else (other, other)
            if not low <= other <= high:
                # NumPy's exact answer; JAX would wrap the int into the array's dtype first.
                above = other > high
                answer = (_ABOVE_RANGE if above else _BELOW_RANGE)[name]
                return JaxArray(jnp.full(value.shape, answer, dtype=bool))
        elif isinstance(other, _CONVERTED_OPERANDS):
            other = to_jax(other, where=name)
        elif not _is_operand(other):
            return NotImplemented
        return JaxArray(op(self._value, other))
    return method


# Operands jax.numpy refuses (lists, tuples) or would narrow silently (NumPy int64 arrays): converted
# by the policy first. NumPy scalars and Python scalars go to jax as they are (weak/strong typing).
_CONVERTED_OPERANDS = (list, tuple, np.ndarray)


def _is_operand(x: Any) -> bool:
    return isinstance(x, (jax.Array, np.ndarray, np.generic, int, float, complex, bool, list, tuple,
                          jax.core.Tracer))


def _cast_inplace(result, current, ufunc_name):
    """Give an in-place result the target's dtype and check its shape, as NumPy's ``out=`` does."""
    if result.shape != current.shape:
        raise ValueError(f"non-broadcastable output operand with shape {current.shape} doesn't match "
                         f"the broadcast shape {result.shape}")
    if result.dtype != current.dtype:
        if not np.can_cast(result.dtype, current.dtype, casting="same_kind"):
            raise TypeError(f"Cannot cast ufunc '{ufunc_name}' output from dtype('{result.dtype}') to "
                            f"dtype('{current.dtype}') with casting rule 'same_kind'")
        result = result.astype(current.dtype)
    return result


_BINARY = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow, "matmul": operator.matmul,
    "and": operator.and_, "or": operator.or_, "xor": operator.xor, "lshift": operator.lshift,
    "rshift": operator.rshift,
}
_UFUNC_NAMES = {
    "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "divide", "floordiv": "floor_divide",
    "mod": "remainder", "pow": "power", "matmul": "matmul", "and": "bitwise_and", "or": "bitwise_or",
    "xor": "bitwise_xor", "lshift": "left_shift", "rshift": "right_shift",
}
_COMPARE = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
            "eq": operator.eq, "ne": operator.ne}


def _index_item(item: Any) -> Any:
    if isinstance(item, JaxArray):
        return item._value
    if type(item) is list:
        # NumPy treats a list index as an integer/boolean array index; jax refuses lists.
        return jnp.asarray(_conversion.host_array(unwrap(item), None, "index")) if not _holds_jax(item) \
            else jnp.asarray(unwrap(item))
    return item


def _index(idx: Any, shape: tuple[int, ...]) -> Any:
    """``idx`` with JaxArrays and lists made jax arrays; static int indices checked against ``shape``.

    jax clamps an out-of-range int index (``x[10]`` of 3 elements is ``x[2]``) and drops
    out-of-range writes; NumPy raises ``IndexError``, and so do we wherever the index is static.
    """
    if type(idx) is tuple:
        idx = tuple(_index_item(item) for item in idx)
        _check_int_indices(idx, shape)
        return idx
    if type(idx) is int:
        _check_int_indices((idx,), shape)
        return idx
    return _index_item(idx)


def _check_int_indices(items: tuple, shape: tuple[int, ...]) -> None:
    # (``in``/``index`` would compare array items with ``==``)
    split = next((i for i, item in enumerate(items) if item is Ellipsis), None)
    if split is not None:
        before, after = items[:split], items[split + 1:]
    else:
        before, after = items, ()
    _check_axis_ints(before, shape, 0, 1)
    _check_axis_ints(after[::-1], shape, len(shape) - 1, -1)


def _check_axis_ints(items: tuple, shape: tuple[int, ...], axis: int, direction: int) -> None:
    """Check the Python ints among ``items``, which address ``shape`` from ``axis`` on in ``direction``.

    Checking stops at the first array index: a boolean mask spans as many axes as it has dimensions.
    """
    for item in items:
        if item is None:
            continue
        if type(item) is int:
            if not 0 <= axis < len(shape):
                raise IndexError(f"too many indices for array: array is {len(shape)}-dimensional")
            if not -shape[axis] <= item < shape[axis]:
                raise IndexError(f"index {item} is out of bounds for axis {axis} with size {shape[axis]}")
        elif not isinstance(item, slice):
            return
        axis += direction


def _setitem_value(new: Any, dtype: np.dtype) -> Any:
    """The value of ``x[...] = new`` for an array of ``dtype``, converted without silent loss.

    Python ints out of ``dtype``'s range raise ``OverflowError`` (as in NumPy 2); lists and NumPy
    arrays follow the policy (checked), then take ``dtype`` as NumPy's assignment does.
    """
    if isinstance(new, JaxArray):
        new = new._value
    elif type(new) is int:
        if dtype.kind in "iu":
            _promotion.check_python_int(new, dtype, "__setitem__")
        return new
    elif type(new) in (float, complex) and dtype.kind in "biu":
        return np.asarray(new).astype(dtype)  # NumPy's cast (2.7 -> 2); jax would warn about it
    elif isinstance(new, (list, tuple)):
        new = to_jax(new, None if _holds_jax(new) else dtype, "__setitem__")
    elif isinstance(new, np.ndarray):
        new = to_jax(new, where="__setitem__")
    if isinstance(new, _JAX_VALUES) and new.dtype != dtype:
        new = new.astype(dtype)
    return new


class JaxArray:
    """A mutable NumPy-like array backed by a jax array.

    Args:
        value: Python data, a NumPy array, a jax array or another JaxArray.
        dtype: the dtype; by default the dtype policy's (float32/int32 unless x64 is on).

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('jax'):
        ...     b = bm.arange(5); b[0] += 5
        ...     b
        JaxArray([5, 1, 2, 3, 4], dtype=int32)
    """

    __slots__ = ("_value", "__weakref__")
    # NumPy defers binary operators to ours (``np_array + b`` is a JaxArray), as for jax arrays.
    __array_priority__ = 100

    def __init__(self, value: Any, dtype: Any = None):
        self._value = to_jax(value, dtype)
        if LOCAL.contexts:
            LOCAL.contexts[-1].fresh.add(id(self))

    # ------------------------------------------------------------------ value and mutation
    @property
    def value(self) -> jax.Array:
        """The wrapped jax array; assigning replaces it."""
        return self._value

    @value.setter
    def value(self, new: Any) -> None:
        self._write(to_jax(new))

    def _write(self, new: jax.Array) -> None:
        """The single point through which a JaxArray's content changes.

        Inside a transformation, an array from outside may not receive a traced value (see
        ``tracking.check_array_write``); Variables override this to report the write instead.
        """
        if LOCAL.contexts:
            check_array_write(self, self._value, new)
        self._value = new

    def __setitem__(self, index: Any, new: Any) -> None:
        value = self._value
        self._write(value.at[_index(index, value.shape)].set(_setitem_value(new, np.dtype(value.dtype))))

    def __getitem__(self, index: Any) -> "JaxArray":
        value = self._value
        return JaxArray(value[_index(index, value.shape)])

    # ------------------------------------------------------------------ NumPy interop
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        arr = np.asarray(self._value, dtype=dtype)
        return arr.copy() if copy else arr

    def __jax_array__(self) -> jax.Array:
        return self._value

    def numpy(self) -> np.ndarray:
        """A NumPy copy of the value."""
        return np.asarray(self._value)

    def tolist(self) -> Any:
        return np.asarray(self._value).tolist()

    def item(self, *args) -> Any:
        return np.asarray(self._value).item(*args)

    def block_until_ready(self) -> "JaxArray":
        self._value.block_until_ready()
        return self

    # ------------------------------------------------------------------ attributes
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._value.shape)

    @property
    def ndim(self) -> int:
        return self._value.ndim

    @property
    def size(self) -> int:
        return int(self._value.size)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self._value.dtype)

    @property
    def T(self) -> "JaxArray":
        return JaxArray(self._value.T)

    @property
    def real(self) -> "JaxArray":
        return JaxArray(self._value.real)

    @property
    def imag(self) -> "JaxArray":
        return JaxArray(self._value.imag)

    @property
    def itemsize(self) -> int:
        """Bytes per element, as ``numpy.ndarray.itemsize``."""
        return np.dtype(self._value.dtype).itemsize

    @property
    def nbytes(self) -> int:
        """Bytes of all elements, as ``numpy.ndarray.nbytes``."""
        return self.size * self.itemsize

    # ------------------------------------------------------------------ the Array API's array object
    @property
    def mT(self) -> "JaxArray":
        """The matrix transpose: the last two axes swapped (the array needs at least two).

        Example:
            >>> import brainpy_math as bm
            >>> with bm.set_backend('jax'):
            ...     bm.ones((4, 2, 3)).mT.shape
            (4, 3, 2)
        """
        if self._value.ndim < 2:
            raise ValueError(f"mT: the array must have at least 2 dimensions, got shape {self.shape}")
        return JaxArray(jnp.swapaxes(self._value, -1, -2))

    @property
    def device(self) -> Any:
        """The jax ``Device`` holding the array (its ``Sharding`` if it spans several devices)."""
        value = self._value
        if isinstance(value, Tracer):
            sharding = getattr(value.aval, "sharding", None)
            return sharding if sharding is not None else None
        return value.device

    def to_device(self, device: Any, /, *, stream: Any = None) -> "JaxArray":
        """A copy of the array on ``device`` (a jax ``Device``, ``Sharding`` or ``'cpu'``/``'gpu'``...).

        Example:
            >>> import brainpy_math as bm
            >>> with bm.set_backend('jax'):
            ...     bm.arange(3).to_device('cpu').device.platform
            'cpu'
        """
        if stream is not None:
            raise ValueError(f"to_device: argument 'stream' is not supported by the JAX backend "
                             f"(JAX orders transfers itself), got {stream!r}")
        return JaxArray(put_on(self._value, resolve_device(device, "to_device")))

    def __array_namespace__(self, /, *, api_version: str | None = None) -> Any:
        """The ``brainpy_math`` module: the Array API namespace of this array.

        ``api_version`` (``'2024.12'``, ...) must be one of ``bm.SUPPORTED_ARRAY_API_VERSIONS``.

        Example:
            >>> import brainpy_math as bm
            >>> with bm.set_backend('jax'):
            ...     bm.ones(2).__array_namespace__() is bm
            True
        """
        namespace = sys.modules["brainpy_math"]
        supported = namespace.SUPPORTED_ARRAY_API_VERSIONS
        if api_version is not None and api_version not in supported:
            raise ValueError(f"__array_namespace__: api_version {api_version!r} is not supported; "
                             f"brainpy_math implements {', '.join(supported)}")
        return namespace

    def __dlpack__(self, *, stream: Any = None, max_version: tuple[int, int] | None = None,
                   dl_device: Any = None, copy: bool | None = None) -> Any:
        """A DLPack capsule of the array (jax's), for ``from_dlpack`` of any library.

        A consumer whose ``max_version`` is below 1.0 gets the unversioned (legacy) capsule, as the
        DLPack protocol asks (jax would raise).
        """
        if max_version is not None and max_version[0] < 1:
            max_version = None
        return self._value.__dlpack__(stream=stream, max_version=max_version, dl_device=dl_device,
                                      copy=copy)

    def __dlpack_device__(self) -> tuple[Any, int]:
        """``(device type, device id)`` in DLPack's enumeration."""
        return self._value.__dlpack_device__()

    def __len__(self) -> int:
        if self._value.ndim == 0:
            raise TypeError("len() of unsized object")
        return self._value.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield JaxArray(self._value[i])

    def __bool__(self) -> bool:
        return bool(self._value)

    def __float__(self) -> float:
        return float(self._value)

    def __int__(self) -> int:
        return int(self._value)

    def __complex__(self) -> complex:
        return complex(self._value)

    def __index__(self) -> int:
        return operator.index(self._value)

    __hash__ = None  # mutable, like numpy.ndarray

    def __repr__(self) -> str:
        value = self._value
        if isinstance(value, jax.core.Tracer):
            return f"JaxArray({value})"
        body = np.array2string(np.asarray(value), separator=", ", prefix="JaxArray(")
        return f"JaxArray({body}, dtype={np.dtype(value.dtype).name})"

    def __str__(self) -> str:
        return str(self._value)

    def __format__(self, spec: str) -> str:
        return format(np.asarray(self._value), spec) if self._value.ndim == 0 else str(self)

    # ------------------------------------------------------------------ operators
    for _name, _op in _BINARY.items():
        locals()[f"__{_name}__"] = _binary(_op, _UFUNC_NAMES[_name])
        locals()[f"__r{_name}__"] = _binary(_op, _UFUNC_NAMES[_name], reflected=True)
        locals()[f"__i{_name}__"] = _inplace(_op, _UFUNC_NAMES[_name])
    for _name, _op in _COMPARE.items():
        locals()[f"__{_name}__"] = _compare(_op, _name)
    del _name, _op

    def __divmod__(self, other):
        return self // other, self % other

    def __rdivmod__(self, other):
        return other // self, other % self

    def __neg__(self) -> "JaxArray":
        return JaxArray(-self._value)

    def __pos__(self) -> "JaxArray":
        return JaxArray(+self._value)

    def __abs__(self) -> "JaxArray":
        return JaxArray(jnp.abs(self._value))

    def __invert__(self) -> "JaxArray":
        return JaxArray(~self._value)

    # ------------------------------------------------------------------ methods
    def astype(self, dtype: Any, order: str = "K", casting: str = "unsafe", subok: bool = True,
               copy: bool = True, *, device: Any = None) -> "JaxArray":
        """A copy cast to ``dtype`` (``numpy.ndarray.astype``; ``copy=False`` may return ``self``).

        ``dtype`` follows the policy: a 64-bit request under the 32-bit policy warns and, where
        that narrows an integer result, a value that does not fit raises ``OverflowError``
        instead of wrapping. ``casting`` other than ``'unsafe'`` is checked as NumPy does.

        Example:
            >>> import brainpy_math as bm
            >>> with bm.set_backend('jax'):
            ...     bm.arange(3).astype(bm.float32)
            JaxArray([0., 1., 2.], dtype=float32)
        """
        value = self._value
        if casting != "unsafe" and not np.can_cast(value.dtype, _config.canonicalize_dtype(dtype), casting):
            raise TypeError(f"astype: cannot cast array data from dtype('{np.dtype(value.dtype)}') to "
                            f"dtype('{np.dtype(dtype)}') according to the rule {casting!r}")
        new = put_on(cast(value, dtype, "astype"), resolve_device(device, "astype"))
        if new is value and not copy:
            return self
        return JaxArray(new)

    def reshape(self, *shape, order: str = "C") -> "JaxArray":
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return JaxArray(self._value.reshape(shape, order=order))

    def flatten(self) -> "JaxArray":
        return JaxArray(self._value.ravel())

    ravel = flatten

    def copy(self) -> "JaxArray":
        return JaxArray(self._value)

    def __copy__(self) -> "JaxArray":
        return type(self)._from_value(self._value)

    def __deepcopy__(self, memo) -> "JaxArray":
        return type(self)._from_value(self._value)

    @classmethod
    def _from_value(cls, value: jax.Array) -> "JaxArray":
        obj = object.__new__(cls)
        obj._value = value
        if LOCAL.contexts:
            LOCAL.contexts[-1].fresh.add(id(obj))
        return obj

    def transpose(self, *axes) -> "JaxArray":
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return JaxArray(jnp.transpose(self._value, axes or None))

    def squeeze(self, axis=None) -> "JaxArray":
        return JaxArray(jnp.squeeze(self._value, axis))

    def swapaxes(self, axis1: int, axis2: int) -> "JaxArray":
        return JaxArray(jnp.swapaxes(self._value, axis1, axis2))

    def fill(self, value: Any) -> None:
        self._write(jnp.full_like(self._value, unwrap(value)))

    def sort(self, axis: int = -1) -> None:
        """Sort in place, as ``numpy.ndarray.sort`` does."""
        self._write(jnp.sort(self._value, axis=axis))

    def conj(self) -> "JaxArray":
        return JaxArray(jnp.conj(self._value))

    def dot(self, other: Any) -> "JaxArray":
        return JaxArray(jnp.dot(self._value, unwrap(other)))

    def nonzero(self) -> tuple["JaxArray", ...]:
        return tuple(JaxArray(i) for i in jnp.nonzero(self._value))


def _reduction(name: str):
    fn = getattr(jnp, name)

    def method(self, *args, **kwargs):
        return JaxArray(fn(self._value, *unwrap(args), **unwrap(kwargs)))

    method.__name__ = name
    method.__doc__ = f"``jax.numpy.{name}`` of this array."
    return method


for _name in ("sum", "mean", "max", "min", "prod", "std", "var", "any", "all", "argmax", "argmin",
              "cumsum", "cumprod", "clip", "round", "argsort", "ptp", "trace", "diagonal", "repeat",
              "take"):
    setattr(JaxArray, _name, _reduction(_name))
del _name


def register_pytree(cls: type) -> None:
    """Make ``cls`` (JaxArray or a subclass) a pytree node with its jax array as the only leaf."""
    jax.tree_util.register_pytree_node(
        cls,
        lambda x: ((x._value,), None),
        lambda _aux, children: cls._from_value(children[0]),
    )


register_pytree(JaxArray)
