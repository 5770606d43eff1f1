"""The NumPy namespace on the Numba backend: NumPy itself, under the shared dtype policy.

Outside compiled code these are NumPy's functions; their results are narrowed to 32-bit types
unless x64 is on, as JAX does, so a call gives the same dtype on either backend.

``PROVIDERS`` is this backend's table: frontend name (``'linalg.norm'`` for sub-namespaces) →
:class:`brainpy_math._api.Provision` ``(outside, compiled)``:

- outside: ``"np"`` (``numpy.<name>``, ``numpy.linalg.<name>``, ``numpy.fft.<name>``, results
  narrowed under the policy) or ``"own"`` (defined here or in :mod:`.kernels`);
- compiled (inside code that ``numba.njit`` compiles, see :func:`compiled`): ``"np"`` (NumPy's
  function as Numba supports it, result cast to the policy's dtype), ``"njit-own"`` (this
  backend's own njit implementation, in :mod:`.kernels`, where Numba lacks the function or an
  argument such as ``axis``), or ``"unsupported"`` (``compiled`` raises ``NotImplementedError``).

Example:
    >>> import brainpy_math as bm
    >>> with bm.set_backend('numba'):
    ...     bm.sum(bm.ones(3)).dtype
    dtype('float32')
"""
from __future__ import annotations

import builtins
import functools
import operator
from typing import Any, Callable

import numpy as np

from brainpy_math import _api, _config, _conversion

from . import kernels
from .array import values_for, NumbaArray, as_array, narrow, raw, raw_arguments


# -------------------------------------------------------------------------------- arguments
_PYTHON_DATA = (bool, int, float, complex, list, tuple)


def _check_device(device: Any, where: str) -> None:
    """Accept the only device of this backend: ``None``, ``'cpu'`` (what ``x.device`` returns).

    Example:
        >>> _check_device('gpu', 'zeros')
        Traceback (most recent call last):
        ...
        ValueError: zeros: argument 'device' must be 'cpu' or None (the numba backend computes on the CPU only), got 'gpu'
    """
    # isinstance first: ``==`` on an arbitrary object (an array) may not give a bool.
    if device is None or (isinstance(device, str) and device == "cpu"):
        return
    raise ValueError(f"{where}: argument 'device' must be 'cpu' or None (the numba backend computes "
                     f"on the CPU only), got {device!r}")


def _check_like(like: Any, where: str) -> None:
    """NumPy's ``like=`` dispatches to another array library; here only ``None`` or a NumPy array is meaningful."""
    if like is not None and not isinstance(like, np.ndarray):
        raise ValueError(f"{where}: argument 'like' must be None or a NumPy array (results are NumPy arrays "
                         f"on the numba backend), got {type(like).__name__}")


def _unwrapped(obj: Any) -> Any:
    """``obj`` with bm arrays and Variables, also as items of a list or tuple, as plain ndarrays."""
    return raw_arguments(obj) if type(obj) in (list, tuple) else raw(obj)


# -------------------------------------------------------------------------------- conversion
def _convert_array(value: np.ndarray, dtype: Any, copy: bool | None, order: Any, where: str) -> np.ndarray:
    """The ndarray ``value`` under the policy (see :func:`asarray`): ``dtype`` or the policy's type
    of ``value.dtype``, integer values range-checked where the policy narrows them, copied per ``copy``."""
    target, check = _conversion.cast_plan(value.dtype, dtype, where)
    if check:
        _conversion.check_fits(value, target, where)
    if copy is False and target != value.dtype:
        why = (" (the dtype policy narrows 64-bit types unless bm.enable_x64())"
               if dtype is None else "")
        raise ValueError(f"{where}: copy=False, but converting dtype {value.dtype.name} to "
                         f"{target.name} needs a copy{why}")
    return np.asarray(value, dtype=target, order=order, copy=copy)


def _convert(obj: Any, dtype: Any, copy: bool | None, order: Any, where: str) -> np.ndarray:
    """Any array-like as a plain ndarray under the policy, with the Array API's ``copy`` meaning.

    Python data (scalars, nested lists and tuples) and NumPy scalars always make a new array, so
    ``copy=False`` refuses them, as NumPy does; other array-likes (buffers, ``__array__``) are
    viewed where NumPy can.
    """
    if isinstance(obj, np.ndarray):
        return _convert_array(raw(obj), dtype, copy, order, where)
    if isinstance(obj, (np.generic,) + _PYTHON_DATA):
        if copy is False:
            raise ValueError(f"{where}: copy=False, but a {type(obj).__name__} must be copied into a new "
                             f"array (copy=None copies only when needed)")
        out = _conversion.host_array(_unwrapped(obj), dtype, where)
        return out if order in (None, "K", "A") else np.asarray(out, order=order)
    try:
        value = np.asarray(obj, copy=False if copy is False else None)
    except ValueError as error:
        raise ValueError(f"{where}: copy=False, but {type(obj).__name__} cannot be viewed without a "
                         f"copy ({error})") from None
    return _convert_array(value, dtype, None if copy is False else copy, order, where)


def asarray(a: Any, dtype: Any = None, order: Any = None, *, device: Any = None, copy: bool | None = None,
            like: Any = None) -> NumbaArray:
    """``a`` as an array under the dtype policy, never losing an integer value.

    Python data gets the policy's types (ints int32, floats float32 unless ``bm.enable_x64()``);
    NumPy 64-bit arrays are narrowed to 32 bits, after checking that every integer fits
    (``OverflowError`` otherwise). An explicit 64-bit ``dtype`` under the 32-bit policy warns and
    gives the 32-bit type. ``copy`` is the Array API's: ``True`` always copies, ``None`` copies only
    when needed, ``False`` never copies (``ValueError`` when a copy is needed: Python data, another
    dtype). ``device`` is ``None`` or ``'cpu'``.

    Example:
        >>> x = np.arange(3, dtype=np.int32)
        >>> y = asarray(x, copy=False); y[0] = 7; int(x[0])
        7
        >>> asarray([1.5, 2.0]).dtype
        dtype('float32')
    """
    _check_device(device, "asarray")
    _check_like(like, "asarray")
    if type(a) is NumbaArray and copy is not True and order in (None, "K", "A"):
        # Nothing to convert: the array itself, as numpy.asarray returns its argument.
        wanted = (_config.canonicalize_dtype(a.dtype) if dtype is None
                  else _conversion.requested_dtype(dtype, "asarray"))
        if wanted == a.dtype:
            return a
    return as_array(_convert(a, dtype, copy, order, "asarray"))


def array(object: Any, dtype: Any = None, *, copy: bool | None = True, order: Any = "K", subok: bool = False,
          ndmin: int = 0, ndmax: int = 0, like: Any = None) -> NumbaArray:
    """``numpy.array`` under the dtype policy: :func:`asarray` that copies by default.

    ``copy=None`` copies only when needed and ``copy=False`` never copies (NumPy 2's meanings);
    ``ndmin`` prepends axes of length one; ``subok`` is accepted for NumPy's sake (the result is a
    bm array either way).

    Example:
        >>> array([[1, 2]], ndmin=3).shape
        (1, 1, 2)
    """
    _check_like(like, "array")
    if ndmax and type(object) in (list, tuple):
        # NumPy's ``ndmax`` stops the nesting of Python data; the result then converts as an array.
        object = np.array(_unwrapped(object), ndmax=ndmax)
    out = _convert(object, dtype, copy, order, "array")
    if ndmin > out.ndim:
        out = out.reshape((1,) * (ndmin - out.ndim) + out.shape)
    return as_array(out)


def astype(x: Any, dtype: Any, /, *, copy: bool = True, device: Any = None) -> NumbaArray:
    """``x`` cast to ``dtype`` (NumPy's cast), the dtype under the policy.

    A 64-bit ``dtype`` under the 32-bit policy warns and casts to the 32-bit type; integer values
    that the policy's narrowing would change raise ``OverflowError`` (``astype(x, int64)`` of an
    int64 array holding ``2**40``). A narrowing asked for explicitly (``astype(x, int8)``) is NumPy's
    cast. ``copy=False`` returns ``x``'s data when the dtype does not change.

    Example:
        >>> astype(np.arange(3), np.float32).dtype
        dtype('float32')
    """
    _check_device(device, "astype")
    value = raw(x) if isinstance(x, np.ndarray) else _convert(x, None, None, None, "astype")
    target, check = _conversion.cast_plan(value.dtype, dtype, "astype")
    if check:
        _conversion.check_fits(value, target, "astype")
    return as_array(value.astype(target, copy=copy))


def from_dlpack(x: Any, /, *, device: Any = None, copy: bool | None = None) -> NumbaArray:
    """An array sharing the memory of any DLPack producer on the CPU (``numpy.from_dlpack``).

    The data then follows the policy as in :func:`asarray` (a float64 producer gives float32
    unless ``bm.enable_x64()``, which is a copy: ``copy=False`` refuses it).

    Example:
        >>> x = np.arange(3.0, dtype=np.float32)
        >>> y = from_dlpack(x); y[0] = 5.0; float(x[0])
        5.0
    """
    _check_device(device, "from_dlpack")
    value = np.from_dlpack(x, device="cpu" if device is not None else None, copy=copy)
    # ``np.from_dlpack`` copied already if copy=True: no second copy.
    return as_array(_convert_array(value, None, False if copy is False else None, None, "from_dlpack"))


def put(a: Any, ind: Any, v: Any, mode: str = "raise") -> None:
    """``numpy.put``: write ``v`` at the flat indices ``ind`` of the array ``a``, in place.

    Integer values that do not fit ``a``'s dtype raise ``OverflowError`` (see :func:`_values_for`).

    Example:
        >>> x = np.zeros(3, np.int32); put(x, [0, 2], 5); x.tolist()
        [5, 0, 5]
    """
    if not isinstance(a, np.ndarray):
        raise TypeError(f"put: argument 'a' must be an array (it is written in place), got "
                        f"{type(a).__name__}")
    np.put(raw(a), _unwrapped(ind), values_for(v, a.dtype, "put"), mode=mode)


def fill_diagonal(a: Any, val: Any, wrap: bool = False, inplace: bool = True) -> NumbaArray | None:
    """``numpy.fill_diagonal`` with BrainPy's ``inplace``: write ``val`` (repeated cyclically) on the
    diagonal of the array or Variable ``a`` and return None, or with ``inplace=False`` return a new
    array (``a`` may then be any array-like). Integer values that do not fit ``a``'s dtype raise
    ``OverflowError`` (see :func:`values_for`).

    Example:
        >>> x = as_array(np.zeros((2, 2), np.float32)); fill_diagonal(x, 1.0) is None, x.tolist()
        (True, [[1.0, 0.0], [0.0, 1.0]])
        >>> fill_diagonal(np.zeros((2, 3), np.int32), [7, 8], inplace=False).tolist()
        [[7, 0, 0], [0, 8, 0]]
    """
    where = "fill_diagonal"
    _conversion.check_fill_target(a, inplace, isinstance(a, NumbaArray), where)
    target = raw(a) if isinstance(a, NumbaArray) else raw(asarray(a))
    positions = _conversion.diagonal_positions(target.shape, wrap, inplace, where)
    if not inplace:
        target = target.copy()
    values = values_for(val, target.dtype, where)
    if positions.size and values.size:  # NumPy writes nothing for an empty val
        np.fill_diagonal(target, values, wrap=bool(wrap))
    return None if inplace else as_array(target)


# -------------------------------------------------------------------------------- creation
def _shape(shape: Any, where: str) -> tuple[int, ...]:
    """``shape`` as a tuple of non-negative ints; a non-integer size or a negative one raises as in
    NumPy, naming the function and the value."""
    return _conversion.check_shape(raw(shape), where)


def _creation_dtype(dtype: Any, where: str, default: Callable[[], np.dtype] = _config.default_float) -> np.dtype:
    """An explicit ``dtype`` under the policy (warning for a 64-bit request), else ``default()``."""
    requested = _conversion.requested_dtype(dtype, where)
    return default() if requested is None else requested


def zeros(shape: Any, dtype: Any = None, order: str = "C", *, device: Any = None, like: Any = None) -> NumbaArray:
    """``numpy.zeros``; ``dtype=None`` is the policy's float. Example: ``zeros((2, 3))``."""
    _check_device(device, "zeros")
    _check_like(like, "zeros")
    return as_array(np.zeros(_shape(shape, "zeros"), _creation_dtype(dtype, "zeros"), order))


def ones(shape: Any, dtype: Any = None, order: str = "C", *, device: Any = None, like: Any = None) -> NumbaArray:
    """``numpy.ones``; ``dtype=None`` is the policy's float. Example: ``ones(4)``."""
    _check_device(device, "ones")
    _check_like(like, "ones")
    return as_array(np.ones(_shape(shape, "ones"), _creation_dtype(dtype, "ones"), order))


def empty(shape: Any, dtype: Any = None, order: str = "C", *, device: Any = None, like: Any = None) -> NumbaArray:
    """``numpy.empty``; ``dtype=None`` is the policy's float. Example: ``empty(3)``."""
    _check_device(device, "empty")
    _check_like(like, "empty")
    return as_array(np.empty(_shape(shape, "empty"), _creation_dtype(dtype, "empty"), order))


def full(shape: Any, fill_value: Any, dtype: Any = None, order: str = "C", *, device: Any = None,
         like: Any = None) -> NumbaArray:
    """``numpy.full``; ``dtype=None`` is the policy's type of ``fill_value`` (a Python float gives
    float32), and a Python int that does not fit the dtype raises ``OverflowError``.

    Example:
        >>> full(2, 7).dtype
        dtype('int32')
    """
    _check_device(device, "full")
    _check_like(like, "full")
    fill = _convert(fill_value, dtype, None, None, "full")
    return as_array(np.full(_shape(shape, "full"), fill, fill.dtype, order))


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None, order: str = "C", *, device: Any = None,
        like: Any = None) -> NumbaArray:
    """``numpy.eye``; ``dtype=None`` is the policy's float. Example: ``eye(3, k=1)``."""
    _check_device(device, "eye")
    _check_like(like, "eye")
    return as_array(np.eye(N, M, k, dtype=_creation_dtype(dtype, "eye"), order=order))


def _is_integral(value: Any) -> bool:
    return (isinstance(value, (int, np.integer)) or
            isinstance(value, np.ndarray) and value.dtype.kind in "biu")


def _is_inexact(value: Any) -> bool:
    return (isinstance(value, float) or
            isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "fc")


def arange(start_or_stop: Any = None, /, stop: Any = None, step: Any = None, *, dtype: Any = None, device: Any = None,
           like: Any = None) -> NumbaArray:
    """``numpy.arange`` under the policy.

    One positional argument is the stop (``arange(5.0, None, 2.0)`` is ``[0., 2., 4.]``, as in
    NumPy); ``dtype=None`` is the policy's float if an argument is a float, else its int. Integer
    values that do not fit the dtype raise ``OverflowError`` instead of wrapping.

    Example:
        >>> arange(5.0, None, 2.0).tolist()
        [0.0, 2.0, 4.0]
    """
    _check_device(device, "arange")
    _check_like(like, "arange")
    start, stop, step = (raw(v) for v in _conversion.arange_arguments(start_or_stop, stop, step))
    target = _conversion.requested_dtype(dtype, "arange")
    if target is None:
        inexact = builtins.any(_is_inexact(v) for v in (start, stop, step))
        target = _config.default_float() if inexact else _config.default_int()
    if target.kind in "iu" and builtins.all(_is_integral(v) for v in (start, stop, step)):
        start, stop, step = (int(v) for v in (start, stop, step))
        length = _conversion.arange_length(start, stop, step)
        if length:
            last = start + (length - 1) * step
            _conversion.check_range(builtins.min(start, last), builtins.max(start, last), target, "arange")
        if target.itemsize < 8:
            # Every value fits ``target`` (checked); computing in 64 bits keeps NumPy from converting
            # ``stop`` or ``step``, which need not fit.
            return as_array(np.arange(start, stop, step, dtype=np.int64).astype(target))
    return as_array(np.arange(start, stop, step, dtype=target))


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype: Any = None, axis: int = 0, *, device: Any = None) -> Any:
    """``numpy.linspace``; ``dtype=None`` is the policy's float; an integer ``dtype`` that cannot
    hold the values raises ``OverflowError``. Example: ``linspace(0.0, 1.0, 5)``."""
    _check_device(device, "linspace")
    target = _creation_dtype(dtype, "linspace")
    num = _conversion.check_num(num, "linspace")
    start, stop = raw(start), raw(stop)
    if target.kind in "iu":
        _conversion.check_fits(np.linspace(start, stop, num, endpoint=endpoint, axis=axis), target, "linspace")
    return narrow(np.linspace(start, stop, num, endpoint=endpoint, retstep=retstep, dtype=target, axis=axis))


def _like_dtype(a: Any, dtype: Any, where: str) -> np.dtype:
    """The dtype of a ``*_like`` result: ``dtype`` under the policy, else the policy's type of ``a``."""
    requested = _conversion.requested_dtype(dtype, where)
    if requested is not None:
        return requested
    if isinstance(a, (np.ndarray, np.generic)):
        return _config.canonicalize_dtype(a.dtype)
    return _convert(a, None, None, None, where).dtype


def zeros_like(a: Any, dtype: Any = None, order: str = "K", subok: bool = True, shape: Any = None, *,
               device: Any = None) -> NumbaArray:
    """``numpy.zeros_like``; the dtype follows the policy. Example: ``zeros_like(ones(3))``."""
    _check_device(device, "zeros_like")
    return as_array(np.zeros_like(_unwrapped(a), _like_dtype(a, dtype, "zeros_like"), order, False, shape))


def ones_like(a: Any, dtype: Any = None, order: str = "K", subok: bool = True, shape: Any = None, *,
              device: Any = None) -> NumbaArray:
    """``numpy.ones_like``; the dtype follows the policy. Example: ``ones_like(zeros(3))``."""
    _check_device(device, "ones_like")
    return as_array(np.ones_like(_unwrapped(a), _like_dtype(a, dtype, "ones_like"), order, False, shape))


def empty_like(prototype: Any, /, dtype: Any = None, order: str = "K", subok: bool = True, shape: Any = None, *,
               device: Any = None) -> NumbaArray:
    """``numpy.empty_like``; the dtype follows the policy. Example: ``empty_like(zeros(3))``."""
    _check_device(device, "empty_like")
    return as_array(np.empty_like(_unwrapped(prototype), _like_dtype(prototype, dtype, "empty_like"), order,
                                  False, shape))


def full_like(a: Any, fill_value: Any, dtype: Any = None, order: str = "K", subok: bool = True, shape: Any = None,
              *, device: Any = None) -> NumbaArray:
    """``numpy.full_like``; the dtype follows the policy, and an integer ``fill_value`` that does not
    fit it raises ``OverflowError``. Example: ``full_like(zeros(3), 2.0)``."""
    _check_device(device, "full_like")
    target = _like_dtype(a, dtype, "full_like")
    fill = values_for(fill_value, target, "full_like")
    return as_array(np.full_like(_unwrapped(a), fill, target, order, False, shape))


def meshgrid(*xi: Any, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> list:
    """``numpy.meshgrid`` as a list of arrays (the Array API's and JAX's type; NumPy gives a tuple).

    Example:
        >>> [g.shape for g in meshgrid(np.arange(3), np.arange(2))]
        [(2, 3), (2, 3)]
    """
    return list(narrow(np.meshgrid(*raw_arguments(xi), copy=copy, sparse=sparse, indexing=indexing)))


def broadcast_arrays(*args: Any, subok: bool = False) -> list:
    """``numpy.broadcast_arrays`` as a list of arrays (the Array API's and JAX's type; NumPy gives a tuple).

    Example:
        >>> [b.shape for b in broadcast_arrays(np.ones(3), np.ones((2, 1)))]
        [(2, 3), (2, 3)]
    """
    return list(narrow(np.broadcast_arrays(*raw_arguments(args))))


def one_hot(indices: Any, num_classes: int, dtype: Any = None, axis: int = -1) -> NumbaArray:
    """Rows of the identity for ``indices``; out-of-range indices give rows of zeros (as on JAX).

    Example:
        >>> one_hot([0, 2], 3).tolist()
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    indices = np.asarray(_unwrapped(indices))
    try:
        num_classes = operator.index(num_classes)
    except TypeError:
        raise TypeError(f"one_hot: argument 'num_classes' must be an integer, got {num_classes!r}") from None
    if num_classes < 0:
        raise ValueError(f"one_hot: argument 'num_classes' must be non-negative, got {num_classes}")
    ndim = indices.ndim + 1
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(f"one_hot: argument 'axis' is {axis}, but the result has {ndim} "
                                      f"dimensions (valid: {-ndim}..{ndim - 1})")
    axis %= ndim
    classes = np.arange(num_classes).reshape((-1,) + (1,) * (ndim - 1 - axis))
    hot = np.expand_dims(indices, axis) == classes
    return as_array(hot.astype(_creation_dtype(dtype, "one_hot")))


def fftfreq(n: int, d: float = 1.0, device: Any = None, *, dtype: Any = None) -> NumbaArray:
    """``numpy.fft.fftfreq`` with the Array API's ``dtype=`` (a real float; default the policy's).

    Example:
        >>> fftfreq(4).tolist()
        [0.0, 0.25, -0.5, -0.25]
    """
    _check_device(device, "fft.fftfreq")
    return as_array(np.fft.fftfreq(n, raw(d)).astype(_creation_dtype(dtype, "fft.fftfreq")))


def rfftfreq(n: int, d: float = 1.0, device: Any = None, *, dtype: Any = None) -> NumbaArray:
    """``numpy.fft.rfftfreq`` with the Array API's ``dtype=`` (a real float; default the policy's).

    Example:
        >>> rfftfreq(4).tolist()
        [0.0, 0.25, 0.5]
    """
    _check_device(device, "fft.rfftfreq")
    return as_array(np.fft.rfftfreq(n, raw(d)).astype(_creation_dtype(dtype, "fft.rfftfreq")))


# -------------------------------------------------------------------------------- dtypes
def result_type(*arrays_and_dtypes: Any) -> np.dtype:
    """``numpy.result_type`` under the dtype policy (64-bit types narrowed unless x64 is on)."""
    return _config.canonicalize_dtype(np.result_type(*raw_arguments(arrays_and_dtypes)))


def _info_dtype(type_or_array: Any) -> np.dtype:
    """The dtype ``finfo``/``iinfo`` describe: an array's or NumPy scalar's own, else ``np.dtype(...)``."""
    if isinstance(type_or_array, (np.ndarray, np.generic)):
        return type_or_array.dtype
    return np.dtype(type_or_array)


class _FloatInfo:
    """``numpy.finfo`` with the Array API's types: ``bits`` an int, ``eps``/``max``/``min``/
    ``smallest_normal`` Python floats (NumPy gives NumPy scalars); other attributes are NumPy's."""

    def __init__(self, info: np.finfo) -> None:
        self._info = info
        self.bits = int(info.bits)
        self.dtype = info.dtype
        for name in ("eps", "max", "min", "smallest_normal", "tiny", "resolution", "epsneg"):
            setattr(self, name, float(getattr(info, name)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._info, name)

    def __repr__(self) -> str:
        return repr(self._info)


def finfo(type: Any) -> _FloatInfo:
    """Machine limits of a float dtype (or of an array's dtype), as the Array API types them.

    Example:
        >>> finfo(np.float32).eps == float(np.finfo(np.float32).eps)
        True
    """
    return _FloatInfo(np.finfo(_info_dtype(type)))


def iinfo(int_type: Any) -> np.iinfo:
    """``numpy.iinfo`` of an integer dtype or of an array's dtype. Example: ``iinfo(np.int8).max``."""
    return np.iinfo(_info_dtype(int_type))


_SIXTY_FOUR_BIT = frozenset(np.dtype(t) for t in (np.int64, np.uint64, np.float64, np.complex128))


class _NamespaceInfo:
    """The Array API's inspection object: NumPy's, answering for the dtype policy and the CPU."""

    def __init__(self) -> None:
        self._numpy = np.__array_namespace_info__()

    def capabilities(self) -> dict:
        return self._numpy.capabilities()

    def default_device(self) -> str:
        return "cpu"

    def devices(self) -> list:
        return ["cpu"]

    def default_dtypes(self, *, device: Any = None) -> dict:
        _check_device(device, "default_dtypes")
        return {"real floating": _config.default_float(), "complex floating": _config.default_complex(),
                "integral": _config.default_int(), "indexing": _config.default_int()}

    def dtypes(self, *, device: Any = None, kind: Any = None) -> dict:
        """NumPy's dtypes of ``kind``; under the 32-bit policy without the 64-bit ones (they are narrowed)."""
        _check_device(device, "dtypes")
        found = self._numpy.dtypes(kind=kind)
        if _config.x64_enabled():
            return found
        return {name: dtype for name, dtype in found.items() if np.dtype(dtype) not in _SIXTY_FOUR_BIT}


def __array_namespace_info__() -> _NamespaceInfo:
    """The Array API inspection namespace of the Numba backend (dtypes and default dtypes follow
    the policy; the only device is ``'cpu'``, what ``x.device`` returns)."""
    return _NamespaceInfo()


# -------------------------------------------------------------------------------- from NumPy
_SOURCES = {"": np, "linalg": np.linalg, "fft": np.fft}


def _leaves(value: Any):
    if type(value) in (list, tuple):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _list_argument(value: Any, where: str) -> Any:
    """A list or tuple of Python numbers as the policy would take it, else ``value`` unchanged.

    Float (or complex) data becomes an array of the policy's type, so that ``bm.exp([0.1, 0.2])``
    computes in float32 as ``bm.exp(bm.asarray([0.1, 0.2]))`` does (and as on JAX). Lists of ints
    may be shapes, axes or indices: they stay lists, but an int beyond the policy's int raises
    ``OverflowError`` as it would in an int array.
    """
    if type(value) not in (list, tuple):
        return value
    leaves = list(_leaves(value))
    if not builtins.all(type(leaf) in _PYTHON_SCALARS for leaf in leaves):
        return value  # arrays inside, or other objects: NumPy's own reading
    if builtins.any(type(leaf) in (float, complex) for leaf in leaves):
        try:
            return _conversion.host_array(value, None, where)
        except ValueError:
            return value  # ragged: a sequence of arrays of different shapes (multi_dot, concatenate)
    integers = [leaf for leaf in leaves if type(leaf) is int]
    if integers:
        _conversion.check_range(builtins.min(integers), builtins.max(integers), _config.default_int(), where)
    return value


_PYTHON_SCALARS = (bool, int, float, complex)


def _from_np(qualified: str) -> Callable:
    namespace, _, name = qualified.rpartition(".")
    fn = getattr(_SOURCES[namespace], name)

    def call(*args, **kwargs):
        if kwargs.get("dtype") is not None:
            # An explicit 64-bit request under the 32-bit policy warns, as on JAX; NumPy still
            # computes with it and the result is narrowed.
            _conversion.requested_dtype(kwargs["dtype"], qualified)
        # NumPy computes on plain arrays, so its internals keep NumPy's semantics; the result
        # then follows the policy.
        args = [_list_argument(a, qualified) for a in raw_arguments(args)]
        kwargs = {k: _list_argument(raw(v), qualified) for k, v in kwargs.items()}
        return narrow(fn(*args, **kwargs))

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"``numpy.{qualified}``, its result under the dtype policy."
    return call


def _eager_activation(fn: Callable) -> Callable:
    """An activation of ``kernels`` for eager calls: its argument under the dtype policy, its result
    narrowed to it."""
    def call(x, *args, **kwargs):
        return narrow(fn(asarray(x), *args, **kwargs))

    functools.update_wrapper(call, fn)
    return call


_OWN = {name: globals()[name] for name in (
    "asarray", "array", "zeros", "ones", "empty", "full", "eye", "arange", "linspace", "zeros_like",
    "ones_like", "full_like", "empty_like", "meshgrid", "broadcast_arrays", "one_hot", "astype", "put",
    "fill_diagonal", "from_dlpack", "result_type", "finfo", "iinfo", "__array_namespace_info__")}
_OWN.update({"fft.fftfreq": fftfreq, "fft.rfftfreq": rfftfreq})
_OWN.update({f"activations.{name}": _eager_activation(fn) for name, fn in kernels.ACTIVATIONS.items()})

PROVIDERS: dict[str, _api.Provision] = {
    name: _api.Provision("own" if name in _OWN else "np", kernels.compiled_provision(name))
    for name in _api.all_names()
}

_FUNCTIONS: dict[str, Callable] = {name: _OWN[name] if name in _OWN else _from_np(name) for name in PROVIDERS}


def namespace(prefix: str) -> dict[str, Callable]:
    """The functions of sub-namespace ``prefix`` (``'linalg'``, ``'fft'``, ``'activations'``; ``''``
    for the main namespace), by unqualified name."""
    if not prefix:
        return {name: fn for name, fn in _FUNCTIONS.items() if "." not in name}
    return {name[len(prefix) + 1:]: fn for name, fn in _FUNCTIONS.items() if name.startswith(prefix + ".")}


globals().update(namespace(""))


def compiled(name: str) -> Callable:
    """The callable that code compiled by ``numba.njit`` uses for the frontend function ``name``.

    ``name`` is a main-namespace name (``'sum'``) or a qualified sub-namespace name
    (``'linalg.norm'``, ``'fft.fft'``, ``'activations.relu'``); each sub-namespace module also has
    ``compiled(name)`` taking the unqualified name. The callable takes NumPy's positional and
    keyword arguments (those Numba supports) and returns results under the dtype policy that is
    active when ``compiled`` is called (float32/int32 unless x64 is on).

    Raises:
        NotImplementedError: the backend cannot provide ``name`` inside compiled code.

    Example:
        >>> import numba, numpy as np
        >>> from brainpy_math_numba.numpy_ops import compiled
        >>> mean = compiled('mean')
        >>> numba.njit(lambda x: mean(x, axis=0))(np.ones((2, 3), np.float32)).dtype
        dtype('float32')
    """
    if name not in PROVIDERS:
        raise KeyError(f"compiled: {name!r} is not a brainpy_math function (see brainpy_math._api)")
    return kernels.compiled(name, PROVIDERS[name].compiled, _config.x64_enabled())


__all__ = [name for name in PROVIDERS if "." not in name] + ["PROVIDERS", "compiled", "narrow"]
