"""The NumPy namespace on the JAX backend: ``jax.numpy`` with JaxArrays in and out.

``PROVIDERS`` is this backend's table: frontend name (``'linalg.norm'`` for sub-namespaces) →
:class:`brainpy_math._api.Provision` ``(outside, compiled)``:

- outside: ``"jnp"`` (``jax.numpy.<name>``, or ``jax.numpy.linalg``/``jax.numpy.fft``/``jax.nn`` in
  the sub-namespaces, with JaxArrays unwrapped and results wrapped), or ``"own"`` (defined here:
  creation functions apply the dtype policy, ``put`` writes into the JaxArray);
- compiled (inside ``bm.jit``): ``"traced"`` (the same function, traced), or ``"traced, size="`` for
  functions whose output shape depends on values (``nonzero``, ``unique``, ...): inside ``bm.jit``
  they need jax's static ``size=`` argument and raise ``NotImplementedError`` without it.

The sub-namespaces ``linalg``, ``fft`` and ``activations`` are modules of this backend built from
the same table (:func:`namespace`).

Every function takes NumPy's argument kinds: lists, tuples, NumPy arrays and Variables wherever NumPy
takes an array (:func:`convert_arguments`, which jax.numpy alone refuses for lists), converted by the
dtype policy without silent data loss (``brainpy_math._conversion``). Creation functions check their
arguments before jax sees them (``arange(5.0, None, 2.0)`` is NumPy's one-argument form; a huge or
negative shape raises NumPy's exception instead of aborting inside XLA) and take the Array API's
``device=`` (a jax ``Device`` or ``'cpu'``) and, for ``asarray``, ``copy=``.

Example:
    >>> import brainpy_math as bm
    >>> with bm.set_backend('jax'):
    ...     bm.sum(bm.ones(3)).tolist()
    3.0
"""
from __future__ import annotations

import builtins
import functools
import inspect
import math
import operator
import warnings
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from brainpy_math import _api, _config, _conversion
from .array import JaxArray, _setitem_value, cast, put_on, resolve_device, to_jax, unwrap, wrap

# -------------------------------------------------------------------------------- creation
# JAX's own defaults already follow the policy (the backend keeps ``jax_enable_x64`` in step with
# ``bm.enable_x64``); the dtype is still passed explicitly so a Python scalar never yields a
# weakly-typed array, which would promote differently from NumPy's. Every creation function checks
# its arguments before jax sees them: a negative or huge shape raises NumPy's exception here rather
# than aborting the interpreter inside XLA, and an explicit 64-bit dtype under the 32-bit policy
# warns (``_conversion.requested_dtype``).


def _dtype(dtype: Any, default: Callable[[], Any], where: str) -> np.dtype:
    """The policy's dtype for a ``dtype=`` request (warning on a narrowed 64-bit one), or the default."""
    return default() if dtype is None else _conversion.requested_dtype(dtype, where)


# Allocations below this size cannot exhaust a device worth computing on: no memory look-up.
_SMALL_ALLOCATION = 1 << 30
_DEVICE_MEMORY: dict[Any, int | None] = {}


def _device_memory(device: Any) -> int | None:
    """Bytes of memory of ``device`` (the default device for ``None``); ``None`` where unknown."""
    if device is None:
        device = jax.config.jax_default_device or jax.devices()[0]
        if isinstance(device, str):
            device = resolve_device(device, "memory")
    if not isinstance(device, jax.Device):
        return None  # a Sharding spreads the array: no single limit
    if device not in _DEVICE_MEMORY:
        memory = None
        if device.platform == "cpu":
            memory = _conversion.host_memory()
        else:
            try:
                memory = (device.memory_stats() or {}).get("bytes_limit")
            except Exception:  # noqa: BLE001  (some platforms do not report memory)
                memory = None
        _DEVICE_MEMORY[device] = memory
    return _DEVICE_MEMORY[device]


def _check_allocation(shape: tuple[int, ...], dtype: Any, where: str, device: Any = None) -> None:
    """Raise NumPy's ``ValueError``/``MemoryError`` for an array that cannot be allocated on ``device``.

    XLA aborts the whole interpreter when an array's size in bytes overflows 64 bits
    (``bm.zeros((2**32, 2**32))``), so this runs before every allocation of a requested shape.
    """
    nbytes = math.prod(shape) * np.dtype(dtype).itemsize
    memory = _device_memory(device) if nbytes > _SMALL_ALLOCATION else None
    _conversion.check_size(shape, dtype, where, memory)


def _without_copy(a: Any, dtype: Any, device: Any, where: str) -> JaxArray:
    """``asarray(a, copy=False)``: ``a`` itself (a JaxArray or jax array), or ``ValueError``."""
    value = unwrap(a)
    if not isinstance(value, (jax.Array, jax.core.Tracer)):
        raise ValueError(f"{where}: copy=False, but a {type(a).__name__} must be copied into a JAX array "
                         f"(pass copy=None to allow the copy)")
    target = _conversion.requested_dtype(dtype, where)
    if target is not None and target != value.dtype:
        raise ValueError(f"{where}: copy=False, but converting dtype {np.dtype(value.dtype).name} to "
                         f"{target.name} needs a copy (pass copy=None to allow it)")
    if device is not None and not isinstance(value, jax.core.Tracer) and value.devices() != {device}:
        raise ValueError(f"{where}: copy=False, but moving the array from {value.device} to {device} "
                         f"needs a copy (pass copy=None to allow it)")
    return a if isinstance(a, JaxArray) else JaxArray(value)


def _asarray(a: Any, dtype: Any, device: Any, copy: bool | None, where: str) -> JaxArray:
    device = resolve_device(device, where)
    if copy is False:
        return _without_copy(a, dtype, device, where)
    source = unwrap(a)
    value = put_on(to_jax(source, dtype, where), device)
    if value is source:
        if not copy and isinstance(a, JaxArray):
            return a  # nothing to convert: the same array, as NumPy's asarray returns
        if copy:
            value = jnp.array(value, copy=True)
    return JaxArray(value)


def asarray(a: Any, dtype: Any = None, order: str | None = None, *, device: Any = None,
            copy: bool | None = None) -> JaxArray:
    """``numpy.asarray`` (and the Array API's): ``a`` as a JaxArray under the dtype policy.

    ``copy=None`` copies only if needed (a JaxArray of the right dtype is returned itself),
    ``copy=True`` always copies, ``copy=False`` never does (``ValueError`` where a copy is needed:
    Python data, NumPy arrays, another dtype or device). ``device`` is a jax ``Device`` or ``'cpu'``.
    Integer data that does not fit the policy's dtype raises ``OverflowError``.
    """
    return _asarray(a, dtype, device, copy, "asarray")


def array(object: Any, dtype: Any = None, *, copy: bool | None = True, order: str = "K", ndmin: int = 0,
          device: Any = None) -> JaxArray:
    """``numpy.array``: a new JaxArray by default (``copy=True``); see :func:`asarray`."""
    out = _asarray(object, dtype, device, copy, "array")
    if out.ndim < ndmin:
        out = JaxArray(jnp.reshape(out._value, (1,) * (ndmin - out.ndim) + out.shape))
    return out


def from_dlpack(x: Any, /, *, device: Any = None, copy: bool | None = None) -> JaxArray:
    """The Array API's ``from_dlpack``: a JaxArray of any DLPack producer (NumPy, torch, a JaxArray).

    The result follows the dtype policy (a NumPy ``int64`` array becomes ``int32`` unless x64,
    checked for values that do not fit).
    """
    device = resolve_device(device, "from_dlpack")
    if isinstance(x, np.ndarray) and copy is not False:
        # Host data: the policy's conversion (jax cannot export a read-only NumPy array via DLPack).
        return JaxArray(put_on(to_jax(x, where="from_dlpack"), device))
    dtype = getattr(x, "dtype", None)
    if not isinstance(x, (JaxArray, jax.Array)) and dtype is not None and _narrowed(dtype):
        # jax would narrow a 64-bit buffer itself, wrapping its values; read it on the host instead
        # (where the producer allows) so that the policy's conversion checks them.
        try:
            host = np.from_dlpack(x)
        except (TypeError, ValueError, RuntimeError, BufferError):
            host = None
        if host is not None:
            if copy is False:
                raise ValueError(f"from_dlpack: copy=False, but the {np.dtype(dtype).name} data must be "
                                 f"converted to {_config.canonicalize_dtype(dtype).name} under the dtype "
                                 f"policy (bm.enable_x64() keeps 64-bit types)")
            return JaxArray(put_on(to_jax(host, where="from_dlpack"), device))
    value = jnp.from_dlpack(x, device=device, copy=copy)
    return JaxArray(cast(value, None, "from_dlpack"))


def _narrowed(dtype: Any) -> bool:
    """Whether the policy narrows ``dtype`` (a 64-bit type without x64)."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        return False
    return _config.canonicalize_dtype(dtype) != dtype


def astype(x: Any, dtype: Any, /, *, copy: bool = True, device: Any = None) -> JaxArray:
    """The Array API's (and NumPy's) ``astype``: ``x`` cast to ``dtype`` under the policy.

    A 64-bit ``dtype`` under the 32-bit policy warns and never wraps a value (``OverflowError``).
    """
    if not isinstance(x, JaxArray):
        x = JaxArray(to_jax(x, where="astype"))
    return x.astype(dtype, copy=copy, device=device)


def _filled(make: Callable, shape: Any, dtype: Any, device: Any, where: str) -> JaxArray:
    shape = _conversion.check_shape(shape, where)
    dtype = _dtype(dtype, _config.default_float, where)
    device = resolve_device(device, where)
    _check_allocation(shape, dtype, where, device)
    return JaxArray(make(shape, dtype, device=device))


def zeros(shape: Any, dtype: Any = None, order: str = "C", *, device: Any = None) -> JaxArray:
    return _filled(jnp.zeros, shape, dtype, device, "zeros")


def ones(shape: Any, dtype: Any = None, order: str = "C", *, device: Any = None) -> JaxArray:
    return _filled(jnp.ones, shape, dtype, device, "ones")


def empty(shape: Any, dtype: Any = None, order: str = "C", *, device: Any = None) -> JaxArray:
    return _filled(jnp.zeros, shape, dtype, device, "empty")


def _fill_value(fill_value: Any, dtype: Any, where: str) -> jax.Array:
    """``fill_value`` as a jax value of ``dtype`` (or of its own policy dtype); Python ints checked."""
    return to_jax(fill_value, dtype, where)


def full(shape: Any, fill_value: Any, dtype: Any = None, order: str = "C", *, device: Any = None) -> JaxArray:
    shape = _conversion.check_shape(shape, "full")
    value = _fill_value(fill_value, dtype, "full")
    device = resolve_device(device, "full")
    _check_allocation(shape, value.dtype, "full", device)
    return JaxArray(jnp.full(shape, value, value.dtype, device=device))


def _square(N: Any, M: Any, where: str) -> tuple[int, int]:
    rows = _conversion.check_shape(N, where)[0]
    return rows, rows if M is None else _conversion.check_shape(M, where)[0]


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None, order: str = "C", *,
        device: Any = None) -> JaxArray:
    rows, columns = _square(N, M, "eye")
    dtype = _dtype(dtype, _config.default_float, "eye")
    device = resolve_device(device, "eye")
    _check_allocation((rows, columns), dtype, "eye", device)
    return JaxArray(jnp.eye(rows, columns, operator.index(k), dtype=dtype, device=device))


def identity(n: int, dtype: Any = None) -> JaxArray:
    rows, _ = _square(n, None, "identity")
    dtype = _dtype(dtype, _config.default_float, "identity")
    _check_allocation((rows, rows), dtype, "identity")
    return JaxArray(jnp.identity(rows, dtype=dtype))


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> JaxArray:
    """``numpy.tri``; like NumPy, a negative size gives an empty dimension."""
    rows = builtins.max(operator.index(N), 0)
    columns = rows if M is None else builtins.max(operator.index(M), 0)
    dtype = _dtype(dtype, _config.default_float, "tri")
    _check_allocation((rows, columns), dtype, "tri")
    return JaxArray(jnp.tri(rows, columns, operator.index(k), dtype=dtype))


def _arange_scalar(value: Any) -> Any:
    """A bound of ``arange`` as a Python scalar (0-d arrays included; larger arrays refused)."""
    value = unwrap(value)
    if isinstance(value, (jax.Array, np.ndarray, np.generic)):
        if np.ndim(value) != 0:
            raise TypeError(f"arange: bounds must be scalars, got an array of shape {np.shape(value)}")
        return np.asarray(value).item()
    return value


def arange(start: Any = None, stop: Any = None, step: Any = None, dtype: Any = None, *,
           device: Any = None) -> JaxArray:
    """``numpy.arange``: ``arange(stop)``, ``arange(start, stop[, step])``, ``arange(stop, None, step)``.

    The length is computed (as NumPy does) and checked before anything is allocated; integer
    results whose values do not fit the policy's int raise ``OverflowError``.
    """
    bounds = tuple(unwrap(v) for v in (start, stop, step))
    if builtins.any(isinstance(v, jax.core.Tracer) for v in bounds):
        # Traced bounds: jax explains that arange needs concrete ones.
        return JaxArray(jnp.arange(*bounds, dtype=_dtype(dtype, _config.default_int, "arange")))
    start, stop, step = _conversion.arange_arguments(*(_arange_scalar(v) for v in bounds))
    if dtype is None:
        kinds = {type(v) for v in (start, stop, step)}
        dtype = (_config.default_complex() if complex in kinds else
                 _config.default_float() if float in kinds else _config.default_int())
    else:
        dtype = _conversion.requested_dtype(dtype, "arange")
    length = _conversion.arange_length(start, stop, step, "arange")
    if dtype.kind == "b" and length > 2:
        raise TypeError("arange: bool results are only supported up to length 2 (as in NumPy)")
    if dtype.kind in "iu" and length and builtins.all(isinstance(v, int) for v in (start, stop, step)):
        _conversion.check_range(start, start + (length - 1) * step, dtype, "arange")
    device = resolve_device(device, "arange")
    _check_allocation((length,), dtype, "arange", device)
    return JaxArray(jnp.arange(start, stop, step, dtype=dtype, device=device))


def _space_dtype(dtype: Any, ends: tuple, where: str) -> np.dtype:
    """linspace's dtype: requested, else the policy's complex for complex ends, else its float."""
    if dtype is not None:
        return _conversion.requested_dtype(dtype, where)
    complex_ends = builtins.any(isinstance(v, complex) or jnp.iscomplexobj(v) for v in ends)
    return _config.default_complex() if complex_ends else _config.default_float()


def _spaced_shape(num: int, ends: tuple, axis: int) -> tuple[int, ...]:
    shape = list(np.broadcast_shapes(*(np.shape(v) for v in ends)))
    shape.insert(axis if axis >= 0 else len(shape) + axis + 1, num)
    return tuple(shape)


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype: Any = None, axis: int = 0, *, device: Any = None) -> Any:
    num = _conversion.check_num(num, "linspace")
    start, stop = to_jax(start, where="linspace"), to_jax(stop, where="linspace")
    dtype = _space_dtype(dtype, (start, stop), "linspace")
    device = resolve_device(device, "linspace")
    _check_allocation(_spaced_shape(num, (start, stop), axis), dtype, "linspace", device)
    out = jnp.linspace(start, stop, num, endpoint=endpoint, retstep=retstep, dtype=dtype, axis=axis,
                       device=device)
    return wrap(out)


def logspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: Any = 10.0,
             dtype: Any = None, axis: int = 0) -> JaxArray:
    num = _conversion.check_num(num, "logspace")
    ends = (to_jax(start, where="logspace"), to_jax(stop, where="logspace"))
    dtype = _space_dtype(dtype, ends, "logspace")
    _check_allocation(_spaced_shape(num, ends, axis), dtype, "logspace")
    return JaxArray(jnp.logspace(*ends, num, endpoint, to_jax(base, where="logspace"), dtype, axis))


def geomspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None,
              axis: int = 0) -> JaxArray:
    num = _conversion.check_num(num, "geomspace")
    ends = (to_jax(start, where="geomspace"), to_jax(stop, where="geomspace"))
    dtype = _space_dtype(dtype, ends, "geomspace")
    _check_allocation(_spaced_shape(num, ends, axis), dtype, "geomspace")
    return JaxArray(jnp.geomspace(*ends, num, endpoint, dtype, axis))


def _make_like(make: Callable, name: str, a: Any, fill: tuple, dtype: Any, shape: Any,
               device: Any) -> JaxArray:
    """An array like ``a`` (its dtype, shape and device unless given), filled by ``make``."""
    value = to_jax(a, where=name)
    dtype = _dtype(dtype, lambda: np.dtype(value.dtype), name)
    shape = value.shape if shape is None else _conversion.check_shape(shape, name)
    device = resolve_device(device, name)
    _check_allocation(shape, dtype, name, device)
    fill = tuple(to_jax(v, dtype, name) for v in fill)  # Python ints checked against dtype
    return JaxArray(make(value, *fill, dtype=dtype, shape=shape, device=device))


def _like(make: Callable, name: str) -> Callable:
    def like(a: Any, dtype: Any = None, order: str = "K", subok: bool = True, shape: Any = None, *,
             device: Any = None) -> JaxArray:
        return _make_like(make, name, a, (), dtype, shape, device)
    like.__name__ = like.__qualname__ = name
    like.__doc__ = (f"``numpy.{name}``: the dtype, shape and device of ``a`` unless given (``device``: "
                    f"a jax ``Device`` or ``'cpu'``).")
    return like


zeros_like = _like(jnp.zeros_like, "zeros_like")
ones_like = _like(jnp.ones_like, "ones_like")
empty_like = _like(jnp.zeros_like, "empty_like")


def full_like(a: Any, fill_value: Any, dtype: Any = None, order: str = "K", subok: bool = True,
              shape: Any = None, *, device: Any = None) -> JaxArray:
    """``numpy.full_like``; a Python int ``fill_value`` out of the dtype's range raises ``OverflowError``."""
    return _make_like(jnp.full_like, "full_like", a, (fill_value,), dtype, shape, device)


def searchsorted(a: Any, v: Any, side: str = "left", sorter: Any = None) -> JaxArray:
    """``numpy.searchsorted``: indices of the policy's int (jax.numpy gives int32 even under x64)."""
    out = jnp.searchsorted(to_jax(a, where="searchsorted"), to_jax(v, where="searchsorted"), side=side,
                           sorter=None if sorter is None else to_jax(sorter, where="searchsorted"))
    return JaxArray(out.astype(_config.default_int()))


def cumulative_prod(x: Any, /, *, axis: int | None = None, dtype: Any = None,
                    include_initial: bool = False) -> JaxArray:
    """``numpy.cumulative_prod``: small integers accumulate in the policy's int, as ``cumulative_sum``
    does (jax.numpy's keeps ``uint8`` for ``uint8``)."""
    value = to_jax(x, where="cumulative_prod")
    dtype = _conversion.requested_dtype(dtype, "cumulative_prod")
    if dtype is None and value.dtype.kind in "biu" and value.dtype.itemsize < _config.default_int().itemsize:
        wide = np.uint64 if value.dtype.kind == "u" else np.int64
        dtype = _config.canonicalize_dtype(wide)
    return JaxArray(jnp.cumulative_prod(value, axis=axis, dtype=dtype, include_initial=include_initial))


def permute_dims(a: Any, /, axes: Any) -> JaxArray:
    """``numpy.permute_dims``: axes may be negative (jax.numpy's ``permute_dims`` refuses that)."""
    return JaxArray(jnp.transpose(to_jax(a, where="permute_dims"), axes))


class _Info:
    """``finfo``/``iinfo`` with the Array API's attribute types (Python numbers), NumPy's otherwise."""

    _PYTHON = {}  # attribute -> Python type, per subclass

    def __init__(self, info: Any):
        self._info = info

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._info, name)
        kind = self._PYTHON.get(name)
        return kind(value) if kind is not None else value

    def __repr__(self) -> str:
        return repr(self._info)


class finfo(_Info):
    """``numpy.finfo`` whose ``eps``, ``max``, ``min``, ``smallest_normal`` are Python floats.

    Example:
        >>> import numpy as np
        >>> from brainpy_math_jax.numpy_ops import finfo
        >>> type(finfo(np.float32).eps).__name__, finfo(np.complex64).dtype
        ('float', dtype('float32'))
    """

    _PYTHON = {"bits": int, "eps": float, "max": float, "min": float, "smallest_normal": float,
               "tiny": float, "resolution": float, "epsneg": float, "smallest_subnormal": float}

    def __init__(self, dtype: Any):
        super().__init__(jnp.finfo(to_jax(dtype).dtype if isinstance(dtype, (JaxArray, jax.Array)) else dtype))


class iinfo(_Info):
    """``numpy.iinfo`` (``bits``, ``min``, ``max`` are Python ints)."""

    _PYTHON = {"bits": int, "min": int, "max": int}

    def __init__(self, int_type: Any):
        super().__init__(jnp.iinfo(to_jax(int_type).dtype if isinstance(int_type, (JaxArray, jax.Array))
                                   else int_type))


def isdtype(dtype: Any, kind: Any) -> bool:
    """The Array API's ``isdtype``: whether ``dtype`` is of ``kind`` (a kind name, a dtype, or a tuple).

    NumPy's answer, exactly: jax.numpy's would compare a 64-bit ``dtype`` after narrowing it under
    the 32-bit policy (``isdtype(float64, float32)`` would be True). Types NumPy does not know
    (``bfloat16``) are answered by jax.

    Example:
        >>> import numpy as np
        >>> from brainpy_math_jax.numpy_ops import isdtype
        >>> isdtype(np.float64, ('bool', np.float32)), isdtype(np.int8, 'integral')
        (False, True)
    """
    try:
        return bool(np.isdtype(np.dtype(dtype), kind))
    except TypeError:
        if isinstance(kind, (str, tuple)) or np.dtype(dtype).type.__module__ != "numpy":
            return bool(jnp.isdtype(dtype, kind))
        raise


class ArrayNamespaceInfo:
    """The Array API's inspection namespace (``bm.__array_namespace_info__()``) on the JAX backend.

    Devices are jax's; dtypes follow the policy: without ``bm.enable_x64()`` no 64-bit type is
    listed, and the defaults are float32/int32/complex64.

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('jax'):
        ...     sorted(bm.__array_namespace_info__().dtypes(kind='real floating'))
        ['float32']
    """

    _NAMES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
              "float32", "float64", "complex64", "complex128")

    def capabilities(self) -> dict[str, Any]:
        # Boolean masks and value-dependent shapes work eagerly, not inside bm.jit (as in jax.numpy).
        return {"boolean indexing": False, "data-dependent shapes": False, "max dimensions": 64}

    def default_device(self) -> Any:
        device = jax.config.jax_default_device
        return resolve_device(device, "default_device") if device is not None else jax.devices()[0]

    def devices(self) -> list:
        return list(jax.devices())

    def _check_device(self, device: Any) -> None:
        if device is not None and resolve_device(device, "__array_namespace_info__") is None:
            raise ValueError(f"__array_namespace_info__: unknown device {device!r}")

    def default_dtypes(self, *, device: Any = None) -> dict[str, np.dtype]:
        self._check_device(device)
        return {"real floating": _config.default_float(), "complex floating": _config.default_complex(),
                "integral": _config.default_int(), "indexing": _config.default_int()}

    def dtypes(self, *, device: Any = None, kind: Any = None) -> dict[str, np.dtype]:
        self._check_device(device)
        listed = {name: np.dtype(name) for name in self._NAMES
                  if _config.canonicalize_dtype(np.dtype(name)) == np.dtype(name)}
        if kind is None:
            return listed
        return {name: dtype for name, dtype in listed.items() if isdtype(dtype, kind)}


def __array_namespace_info__() -> ArrayNamespaceInfo:
    """The Array API's inspection namespace: devices, dtypes and defaults under the policy."""
    return ArrayNamespaceInfo()


def _concrete(value: Any) -> bool:
    """Whether ``value`` is known now (not a tracer), so NumPy's value checks can run on it."""
    return not isinstance(value, jax.core.Tracer)


def _eager(check: Callable[[], Any]) -> Any:
    """Run a check on concrete values now, even inside ``jit`` (where it would be staged out)."""
    with jax.ensure_compile_time_eval():
        return check()


def one_hot(indices: Any, num_classes: int, dtype: Any = None, axis: int = -1) -> JaxArray:
    """Rows of the identity for ``indices``; out-of-range indices give rows of zeros."""
    return JaxArray(jax.nn.one_hot(to_jax(indices, where="one_hot"), num_classes,
                                   dtype=_dtype(dtype, _config.default_float, "one_hot"), axis=axis))


def put(a: Any, ind: Any, v: Any, mode: str = "raise") -> None:
    """``numpy.put``: write ``v`` into the flattened JaxArray ``a`` at ``ind`` (in place)."""
    if not isinstance(a, JaxArray):
        raise TypeError(f"put: argument 'a' must be a JaxArray (it is written in place), got {type(a).__name__}")
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"put: argument 'mode' must be 'raise', 'wrap' or 'clip', got {mode!r}")
    flat_index = jnp.ravel(jnp.asarray(unwrap(ind)))
    values = jnp.ravel(jnp.asarray(unwrap(v)))
    if a.size == 0:
        if flat_index.size:
            raise IndexError("put: cannot replace elements of an empty array")
        return
    if mode == "raise":
        if _concrete(flat_index) and flat_index.size and _eager(
                lambda: int(flat_index.max()) >= a.size or int(flat_index.min()) < -a.size):
            raise IndexError(f"put: index out of range for an array of size {a.size}")
        flat_index = jnp.where(flat_index < 0, flat_index + a.size, flat_index)
    elif mode == "wrap":
        flat_index = flat_index % a.size
    else:
        flat_index = jnp.clip(flat_index, 0, a.size - 1)
    if values.size == 0:
        return
    # NumPy repeats v cyclically over the indices.
    values = jnp.resize(values, flat_index.shape).astype(a.dtype)
    flat = jnp.ravel(a._value).at[flat_index].set(values)
    a._write(flat.reshape(a.shape))


def fill_diagonal(a: Any, val: Any, wrap: bool = False, inplace: bool = True) -> JaxArray | None:
    """``numpy.fill_diagonal`` with BrainPy's ``inplace``: write ``val`` (repeated cyclically) on the
    diagonal of the JaxArray or Variable ``a`` and return None, or with ``inplace=False`` return a new
    array (``a`` may then be any array-like). Works inside ``bm.jit`` (a Variable is written there).

    Example:
        >>> x = JaxArray(jnp.zeros((2, 2))); fill_diagonal(x, 1.0) is None, x.tolist()
        (True, [[1.0, 0.0], [0.0, 1.0]])
        >>> fill_diagonal(jnp.zeros((2, 3), jnp.int32), [7, 8], inplace=False).tolist()
        [[7, 0, 0], [0, 8, 0]]
    """
    where = "fill_diagonal"
    _conversion.check_fill_target(a, inplace, isinstance(a, JaxArray), where)
    value = a._value if isinstance(a, JaxArray) else to_jax(a, where=where)
    positions = _conversion.diagonal_positions(value.shape, wrap, inplace, where)
    dtype = np.dtype(value.dtype)
    values = jnp.ravel(jnp.asarray(_setitem_value(val, dtype), dtype=dtype))
    out = value
    if positions.size and values.size:  # NumPy writes nothing for an empty val
        values = jnp.resize(values, positions.shape)  # repeated cyclically, as NumPy's flat assignment
        out = jnp.ravel(value).at[positions].set(values).reshape(value.shape)
    if inplace:
        a._write(out)
        return None
    return JaxArray(out)


def fix(x: Any) -> JaxArray:
    """``numpy.fix``: round towards zero."""
    value = to_jax(x)
    if not jnp.issubdtype(value.dtype, jnp.inexact):
        value = value.astype(_config.default_float())
    return JaxArray(jnp.trunc(value))


def modf(x: Any) -> tuple[JaxArray, JaxArray]:
    """``numpy.modf``: fractional and integral parts (``modf(±inf)`` is ``(±0, ±inf)`` as in NumPy)."""
    value = to_jax(x)
    if not jnp.issubdtype(value.dtype, jnp.inexact):
        value = value.astype(_config.default_float())
    integral = jnp.trunc(value)
    fractional = jnp.where(jnp.isinf(value), jnp.copysign(jnp.zeros_like(value), value), value - integral)
    return JaxArray(fractional), JaxArray(integral)


def _nan_arg_reduction(name: str) -> Callable:
    reduce = getattr(jnp, name)

    def nan_arg_reduction(a: Any, axis: int | None = None, out: None = None, *, keepdims: bool = False) -> JaxArray:
        value = to_jax(a)
        if _concrete(value) and value.size and _eager(lambda: bool(jnp.isnan(value).all(axis=axis).any())):
            # NumPy raises for a slice of NaNs only; traced code cannot raise and returns -1 there.
            raise ValueError(f"{name}: All-NaN slice encountered")
        return JaxArray(reduce(value, axis=axis, keepdims=keepdims))

    nan_arg_reduction.__name__ = nan_arg_reduction.__qualname__ = name
    nan_arg_reduction.__doc__ = f"``numpy.{name}``: raises ValueError for an all-NaN slice, as NumPy does."
    return nan_arg_reduction


nanargmax = _nan_arg_reduction("nanargmax")
nanargmin = _nan_arg_reduction("nanargmin")


def _empty_like_numpy(name: str) -> Callable:
    """``jax.numpy.<name>``, except that empty inputs give NumPy's result (NaNs) or NumPy's error.

    An empty input's shape is static, so NumPy's answer for it is a constant even under ``bm.jit``.
    """
    reduce = getattr(jnp, name)
    reference = getattr(np, name)

    def order_statistic(a: Any, *args, **kwargs) -> JaxArray:
        value = to_jax(a)
        if value.size == 0:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                return JaxArray(to_jax(reference(np.zeros(value.shape, value.dtype), *unwrap(args),
                                                 **unwrap(kwargs))))
        return JaxArray(reduce(value, *unwrap(args), **unwrap(kwargs)))

    order_statistic.__name__ = order_statistic.__qualname__ = name
    order_statistic.__doc__ = f"``numpy.{name}`` (jax.numpy's, with NumPy's result for empty inputs)."
    return order_statistic


_ORDER_STATISTICS = ("median", "percentile", "quantile", "nanmedian", "nanpercentile", "nanquantile")
globals().update({name: _empty_like_numpy(name) for name in _ORDER_STATISTICS})


def histogram(a: Any, bins: Any = 10, range: Any = None, weights: Any = None,
              density: bool | None = None) -> tuple[JaxArray, JaxArray]:
    """``numpy.histogram``: counts are integers (jax.numpy gives floats) unless weighted or a density.

    For a number of bins, the edges are NumPy's whenever they can be known before tracing (a range is given,
    or ``a`` is concrete): ``jnp.linspace`` rounds differently in float32 (an edge of 2.0 becomes 2.0000002),
    which moves a value lying on an edge into the bin below.
    """
    value = to_jax(a)
    bins = unwrap(bins)
    if isinstance(bins, (int, np.integer)) and (range is not None or _concrete(value)):
        sample = np.empty(0, value.dtype) if range is not None else np.asarray(value)
        bins = jnp.asarray(np.histogram_bin_edges(sample, int(bins), range))
    counts, edges = jnp.histogram(value, bins, range, unwrap(weights), density)
    if weights is None and not density:
        counts = counts.astype(_config.default_int())
    return JaxArray(counts), JaxArray(edges)


def bincount(x: Any, weights: Any = None, minlength: int = 0, *, length: int | None = None) -> JaxArray:
    """``numpy.bincount``; negative values raise ValueError as in NumPy (when not traced)."""
    value = to_jax(x)
    if _concrete(value) and value.size and _eager(lambda: int(value.min()) < 0):
        raise ValueError("bincount: argument 'x' must have no negative elements")
    return _FUNCTIONS_FROM_JAX["bincount"](value, unwrap(weights), minlength, length=length)


def vsplit(ary: Any, indices_or_sections: Any) -> list[JaxArray]:
    """``numpy.vsplit``: split along the first axis of an array of at least 2 dimensions."""
    value = to_jax(ary)
    if value.ndim < 2:
        raise ValueError(f"vsplit: argument 'ary' must have 2 or more dimensions, got shape {value.shape}")
    return [JaxArray(part) for part in jnp.vsplit(value, unwrap(indices_or_sections))]


# -------------------------------------------------------------------------------- from jax
_ARRAY_SHAPE_FROM_VALUES = frozenset(
    "nonzero argwhere flatnonzero extract compress unique unique_values unique_counts unique_inverse unique_all "
    "intersect1d union1d setdiff1d setxor1d bincount".split())


def _wrap_result(x: Any) -> Any:
    """JaxArrays for the array results (some jax.numpy functions pass NumPy inputs through)."""
    if isinstance(x, np.ndarray):
        return JaxArray(x)
    if type(x) in (tuple, list):
        return type(x)(_wrap_result(i) for i in x)
    return wrap(x)


# -------------------------------------------------------------------------------- argument kinds
# NumPy takes lists, tuples, scalars and arrays wherever it takes an array; jax.numpy refuses lists
# and tuples ("requires ndarray or scalar arguments") and narrows NumPy int64 arrays silently. So the
# arguments that are *arrays in NumPy's signature* are converted by the policy first (to_jax: lists
# become arrays, out-of-range ints raise). Tuples are also shapes and axes (``reshape(x, (2, 3))``,
# ``sum(x, axis=(0, 1))``) and lists of arrays are sequences (``concatenate([a, b])``), so only the
# parameters named here are touched, by name and by their position in NumPy's signature.
_ARRAY_PARAMETERS = frozenset(
    "a a1 a2 A a_min a_max min max append prepend ar ar1 ar2 arr array ary aweights fweights b bins "
    "condition element test_elements fp xp x x1 x2 y z v val values weights indices ind q obj repeats "
    "to_begin to_end m prototype where default sorter".split())
# Parameters that are sequences of arrays: each element that is a list, tuple or NumPy array is converted.
_SEQUENCE_PARAMETERS = frozenset("arrays tup keys condlist choicelist".split())
# ``*args`` of arrays.
_ARRAY_VARARGS = frozenset("args arys xi operands".split())
_CONVERTED = (list, tuple, np.ndarray)
# Functions whose ``dtype`` parameter is the data inspected, not a request for the result's dtype.
_DTYPE_INSPECTED = frozenset({"isdtype", "finfo", "iinfo"})


class ArgumentPlan(NamedTuple):
    """Which arguments of one function are arrays (converted) and where its ``dtype`` is."""

    positions: tuple[tuple[int, str], ...]  # (index, 'array' | 'sequence') of positional parameters
    keywords: dict[str, str]                 # name -> 'array' | 'sequence'
    varargs: int | None                      # positions from here on are arrays (``*arrays``)
    dtype_position: int | None               # where a positional dtype request is
    dtype_keyword: bool                      # whether ``dtype=`` is a request (it goes through the policy)


def _signature(qualified: str) -> inspect.Signature | None:
    """NumPy's signature of ``qualified`` (the names users pass), else jax's, else ``None``."""
    namespace, _, name = qualified.rpartition(".")
    numpy_module = {"": np, "linalg": np.linalg, "fft": np.fft}.get(namespace)
    for candidate in (getattr(numpy_module, name, None), _source_or_none(qualified)):
        if candidate is None:
            continue
        try:
            signature = inspect.signature(candidate)
        except (TypeError, ValueError):
            continue
        if builtins.any(p.kind is p.VAR_POSITIONAL and p.name == "args" for p in signature.parameters.values()) \
                and candidate is not getattr(numpy_module, name, None) and qualified != "broadcast_arrays":
            continue  # jax's ufuncs are (*args): no names to go by
        return signature
    return None


@functools.lru_cache(maxsize=None)
def argument_plan(qualified: str) -> ArgumentPlan:
    """The :class:`ArgumentPlan` of ``qualified``, read from its signature (cached).

    Example:
        >>> from brainpy_math_jax.numpy_ops import argument_plan
        >>> argument_plan('take').positions
        ((0, 'array'), (1, 'array'))
    """
    signature = _signature(qualified)
    positions, keywords, varargs, dtype_position = [], {}, None, None
    for index, parameter in enumerate((signature.parameters.values() if signature else ())):
        kind = ("array" if parameter.name in _ARRAY_PARAMETERS else
                "sequence" if parameter.name in _SEQUENCE_PARAMETERS else None)
        if parameter.kind is parameter.VAR_POSITIONAL:
            if parameter.name in _ARRAY_VARARGS:
                varargs = index
            continue
        positional = parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)
        if kind and positional:
            positions.append((index, kind))
        if kind and parameter.kind is not parameter.POSITIONAL_ONLY:
            keywords[parameter.name] = kind
        if parameter.name == "dtype" and positional:
            dtype_position = index
    requests = qualified not in _DTYPE_INSPECTED
    return ArgumentPlan(tuple(positions), keywords, varargs, dtype_position if requests else None, requests)


def _array_argument(value: Any, where: str) -> Any:
    return to_jax(value, where=where) if isinstance(value, _CONVERTED) else value


def _sequence_argument(value: Any, where: str) -> Any:
    if type(value) in (list, tuple):
        return type(value)(_array_argument(item, where) for item in value)
    return _array_argument(value, where)


_CONVERT = {"array": _array_argument, "sequence": _sequence_argument}


def _needs_conversion(plan: ArgumentPlan, args: tuple, kwargs: dict) -> bool:
    if plan.dtype_position is not None and len(args) > plan.dtype_position:
        return True
    for value in args:
        if isinstance(value, _CONVERTED):
            return True
    if not kwargs:
        return False
    return (plan.dtype_keyword and "dtype" in kwargs) or builtins.any(isinstance(v, _CONVERTED)
                                                                      for v in kwargs.values())


def convert_arguments(qualified: str, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """``args``/``kwargs`` of ``bm.<qualified>`` with NumPy's argument kinds made jax's.

    Array parameters given as lists, tuples or NumPy arrays become jax arrays under the policy;
    an explicit ``dtype`` goes through the policy (a 64-bit one warns without x64). Nothing else
    is touched, and a call without such arguments costs one scan of ``args``.

    Example:
        >>> from brainpy_math_jax.numpy_ops import convert_arguments
        >>> args, _ = convert_arguments('isin', ([1, 2], [2]), {})
        >>> type(args[1]).__name__
        'ArrayImpl'
    """
    plan = argument_plan(qualified)
    if not _needs_conversion(plan, args, kwargs):
        return args, kwargs
    args = list(args)
    for index, kind in plan.positions:
        if index < len(args):
            args[index] = _CONVERT[kind](args[index], qualified)
    if plan.varargs is not None and not (qualified == "einsum" and args and not isinstance(args[0], str)):
        # (einsum's other form interleaves operands with lists of axis labels: left alone)
        for index in range(plan.varargs, len(args)):
            args[index] = _array_argument(args[index], qualified)
    if plan.dtype_position is not None and len(args) > plan.dtype_position:
        args[plan.dtype_position] = _conversion.requested_dtype(args[plan.dtype_position], qualified)
    if kwargs:
        kwargs = dict(kwargs)
        for key, value in kwargs.items():
            if key == "dtype" and plan.dtype_keyword:
                kwargs[key] = _conversion.requested_dtype(value, qualified)
            elif key in plan.keywords:
                kwargs[key] = _CONVERT[plan.keywords[key]](value, qualified)
    return tuple(args), kwargs


def _with_numpy_arguments(qualified: str, fn: Callable) -> Callable:
    """``fn`` (one of this module's own functions) taking NumPy's argument kinds (see above)."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        if kwargs or _any_converted(args):
            args, kwargs = convert_arguments(qualified, args, kwargs)
        return fn(*args, **kwargs)
    return call


def _any_converted(args: tuple) -> bool:
    """The fast test of a call: no list, tuple or NumPy array among the positional arguments."""
    for value in args:
        if isinstance(value, _CONVERTED):
            return True
    return False


def _from_jax(qualified: str, fn: Callable) -> Callable:
    def call(*args, **kwargs):
        if kwargs or _any_converted(args) or len(args) > 2:  # (a positional dtype comes 3rd or later)
            args, kwargs = convert_arguments(qualified, args, kwargs)
        try:
            return _wrap_result(fn(*unwrap(args), **unwrap(kwargs)))
        except jax.errors.ConcretizationTypeError:
            if qualified in _ARRAY_SHAPE_FROM_VALUES:
                raise NotImplementedError(
                    f"bm.{qualified} on the jax backend inside bm.jit needs a static output size: pass "
                    f"size=<max number of results> (jax.numpy's argument), or call it outside bm.jit"
                ) from None
            raise
        except TypeError as err:
            # jax reports operands that do not broadcast
            # (and mismatched contraction dimensions) as TypeErrors; NumPy as ValueErrors.
            if "incompatible shapes" in str(err) or "dimensions to have the same shape" in str(err):
                raise ValueError(f"{qualified}: operand shapes do not match: {err}") from None
            raise

    name = qualified.rsplit(".", 1)[-1]
    call.__name__ = call.__qualname__ = name
    call.__doc__ = (f"``{getattr(fn, '__module__', 'jax')}.{name}`` with JaxArrays in and out "
                    f"(NumPy's ``{qualified}``; lists and tuples are accepted wherever NumPy takes an array).")
    return call


_CREATION = ("asarray", "array", "zeros", "ones", "empty", "full", "eye", "identity", "tri", "arange",
             "linspace", "logspace", "geomspace", "zeros_like", "ones_like", "full_like", "empty_like",
             "from_dlpack", "astype", "__array_namespace_info__")
_OWN = (*_CREATION, "isdtype", "finfo", "iinfo", "permute_dims", "searchsorted", "cumulative_prod",
        "one_hot", "put", "fill_diagonal", "fix", "modf", "nanargmax", "nanargmin", "histogram", "bincount",
        "vsplit", *_ORDER_STATISTICS)
_SOURCES = {"": jnp, "linalg": jnp.linalg, "fft": jnp.fft, "activations": jax.nn}


def _source(qualified: str) -> Callable:
    namespace, _, name = qualified.rpartition(".")
    if namespace == "activations" and name == "tanh":
        return jnp.tanh
    return getattr(_SOURCES[namespace], name)


def _source_or_none(qualified: str) -> Callable | None:
    try:
        return _source(qualified)
    except AttributeError:
        return None


PROVIDERS: dict[str, _api.Provision] = {
    name: _api.Provision("own" if name in _OWN else "jnp",
                         "traced, size=" if name in _ARRAY_SHAPE_FROM_VALUES else "traced")
    for name in _api.all_names()
}

_FUNCTIONS_FROM_JAX = {"bincount": _from_jax("bincount", jnp.bincount)}
_FUNCTIONS: dict[str, Callable] = {
    # (fill_diagonal converts its own arguments: an array it writes into must not be converted)
    name: (globals()[name] if name in (*_CREATION, "fill_diagonal")
           else _with_numpy_arguments(name, globals()[name]))
    if provision.outside == "own" else _from_jax(name, _source(name))
    for name, provision in PROVIDERS.items()
}


def namespace(prefix: str) -> dict[str, Callable]:
    """The functions of sub-namespace ``prefix`` (``'linalg'``, ``'fft'``, ``'activations'``; ``''``
    for the main namespace), by unqualified name."""
    if not prefix:
        return {name: fn for name, fn in _FUNCTIONS.items() if "." not in name}
    return {name[len(prefix) + 1:]: fn for name, fn in _FUNCTIONS.items() if name.startswith(prefix + ".")}


globals().update(namespace(""))  # the main namespace: names without a dot
__all__ = [name for name in PROVIDERS if "." not in name] + ["PROVIDERS"]
