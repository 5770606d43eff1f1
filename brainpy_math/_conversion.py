"""Conversion under the dtype policy without silent data loss, shared by every backend (NumPy only).

The policy (``_config``) narrows 64-bit types to 32 bits unless x64 is on. Narrowing must never
change a value silently:

* an integer value that does not fit the policy's dtype raises ``OverflowError`` naming the value,
  the dtype and ``bm.enable_x64()`` (:func:`check_range`, :func:`check_fits`, :func:`host_array`);
* an explicit 64-bit dtype request under the 32-bit policy warns, as JAX does, and is answered in
  32 bits (:func:`requested_dtype`); its values are range-checked like any narrowing
  (:func:`cast_plan`);
* shapes and sizes are checked before anything is allocated, so a huge or negative request raises
  NumPy's exception instead of reaching XLA or a Numba kernel (:func:`check_shape`,
  :func:`check_size`, :func:`arange_arguments`, :func:`arange_length`, :func:`check_num`).

Example:
    >>> import numpy as np
    >>> from brainpy_math import _conversion
    >>> _conversion.host_array([1, 2, 3]).dtype          # Python ints: the policy's int
    dtype('int32')
    >>> _conversion.host_array(np.array([3037000498]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    OverflowError: asarray: value 3037000498 does not fit dtype int32 (...); 64-bit integers need bm.enable_x64()
"""
from __future__ import annotations

import math
import operator
import os
import sys
import warnings
from typing import Any, Iterable

import numpy as np

from . import _config

__all__ = ["requested_dtype", "cast_plan", "check_range", "check_fits", "host_array", "check_shape",
           "check_size", "check_num", "arange_arguments", "arange_length", "host_memory", "MAX_BYTES",
           "diagonal_positions"]

# NumPy's limit: an array's size in bytes must fit a signed 64-bit integer (XLA aborts beyond it).
MAX_BYTES = np.iinfo(np.int64).max
# The packages whose frames a warning skips, so that it points at the user's line.
_OWN_PACKAGES = ("brainpy_math", "brainpy_math_jax", "brainpy_math_numba")


def _user_stacklevel() -> int:
    """The ``stacklevel`` of the first frame outside brainpy_math and its backends (for warnings)."""
    frame, level = sys._getframe(1), 1
    while frame is not None:
        package = frame.f_globals.get("__name__", "").partition(".")[0]
        if package not in _OWN_PACKAGES:
            return level
        frame, level = frame.f_back, level + 1
    return level


def requested_dtype(dtype: Any, where: str) -> np.dtype | None:
    """The policy's dtype for an explicit ``dtype=`` request of the function ``where``.

    ``None`` stays ``None`` (the caller's default applies). A 64-bit request under the 32-bit policy
    is answered in 32 bits with a ``UserWarning``, as JAX does; values are never wrapped on the way
    (see :func:`cast_plan`).

    Example:
        >>> import numpy as np, warnings
        >>> from brainpy_math import _conversion
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     _conversion.requested_dtype(np.int64, "zeros")
        dtype('int32')
        >>> print(caught[0].message)  # doctest: +NORMALIZE_WHITESPACE
        Explicitly requested dtype int64 requested in zeros is not available, and will be truncated
        to dtype int32. To enable more dtypes, call bm.enable_x64()
    """
    if dtype is None:
        return None
    try:
        wanted = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: argument 'dtype' must be a dtype (such as bm.float32 or 'int32'), "
                        f"got {dtype!r}") from None
    given = _config.canonicalize_dtype(wanted)
    if given != wanted:
        warnings.warn(f"Explicitly requested dtype {wanted.name} requested in {where} is not available, "
                      f"and will be truncated to dtype {given.name}. To enable more dtypes, call "
                      f"bm.enable_x64()", UserWarning, stacklevel=_user_stacklevel())
    return given


def _may_exceed(source: np.dtype, target: np.dtype) -> bool:
    """Whether values of dtype ``source`` can lie outside the range of the integer dtype ``target``."""
    if source.kind == "b":
        return False
    if source.kind in "iu":
        return not np.can_cast(source, target, casting="safe")
    return source.kind == "f"


def cast_plan(source: Any, dtype: Any, where: str) -> tuple[np.dtype, bool]:
    """How to convert an array of dtype ``source`` to ``dtype`` under the policy.

    Returns ``(target, check)``: ``target`` is the dtype to produce (``dtype`` canonicalized, with
    the warning of :func:`requested_dtype`; for ``dtype=None`` the policy's version of ``source``)
    and ``check`` says whether the values must be range-checked against ``target`` first
    (:func:`check_range`): when the *policy* narrowed an integer result (``int64 -> int32``,
    ``uint64 -> uint32``, a float array asked for as ``int64``). A narrowing the caller asked for
    explicitly (``astype(int8)``) is NumPy's cast and is not checked.

    Example:
        >>> import numpy as np
        >>> from brainpy_math import _conversion
        >>> _conversion.cast_plan(np.int64, None, "asarray")
        (dtype('int32'), True)
        >>> _conversion.cast_plan(np.int64, np.int8, "astype")
        (dtype('int8'), False)
    """
    source = np.dtype(source)
    if dtype is None:
        wanted = source
        target = _config.canonicalize_dtype(source)
    else:
        wanted = np.dtype(dtype) if not isinstance(dtype, np.dtype) else dtype
        target = requested_dtype(wanted, where)
    narrowed_by_policy = target != wanted
    check = narrowed_by_policy and target.kind in "iu" and _may_exceed(source, target)
    return target, check


def _hint(value: Any, dtype: np.dtype) -> str:
    """``'; 64-bit integers need bm.enable_x64()'`` where the policy's narrowing lost ``value``.

    Only the 32-bit types the policy stands in for 64-bit ones (int32, uint32) qualify, and only if
    the 64-bit type of the same kind would hold ``value``.
    """
    if _config.x64_enabled() or dtype.itemsize != 4:
        return ""
    wide = np.iinfo(np.int64 if dtype.kind == "i" else np.uint64)
    try:
        fits_wide = wide.min <= value <= wide.max
    except TypeError:
        return ""
    return "; 64-bit integers need bm.enable_x64()" if fits_wide else ""


def _as_python_number(value: Any) -> Any:
    """``value`` as a Python int where it is integral (so messages print ``3037000498``, not ``3.0e9``)."""
    if isinstance(value, (np.integer, np.bool_)):
        return int(value)
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
        return int(value)
    return value.item() if isinstance(value, np.generic) else value


def check_range(low: Any, high: Any, dtype: Any, where: str) -> None:
    """Raise ``OverflowError`` if the extremes ``low``/``high`` of some values leave the integer ``dtype``.

    Backends compute the extremes where the data is (on the device for JAX) and pass them here.
    NaN extremes are ignored (a float array of NaNs has no integer value to lose).

    Example:
        >>> import numpy as np
        >>> from brainpy_math import _conversion
        >>> _conversion.check_range(0, 2**40, np.int32, "Variable assignment")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        OverflowError: Variable assignment: value 1099511627776 does not fit dtype int32 (...); ...
    """
    dtype = np.dtype(dtype)
    info = np.iinfo(dtype)
    for value in (low, high):
        value = _as_python_number(value)
        if value != value:  # NaN
            continue
        if not info.min <= value <= info.max:
            raise OverflowError(f"{where}: value {value} does not fit dtype {dtype.name} "
                                f"(range {info.min}..{info.max}){_hint(value, dtype)}")


def check_fits(values: np.ndarray, dtype: Any, where: str) -> None:
    """Raise ``OverflowError`` if an element of the NumPy array ``values`` is outside the integer ``dtype``.

    Example:
        >>> import numpy as np
        >>> from brainpy_math import _conversion
        >>> _conversion.check_fits(np.array([1, 300]), np.int8, "astype")
        Traceback (most recent call last):
        ...
        OverflowError: astype: value 300 does not fit dtype int8 (range -128..127)
    """
    if values.size == 0 or values.dtype.kind not in "biuf":
        return
    if values.dtype.kind == "f":
        finite = values[np.isfinite(values)]
        infinite = values[np.isinf(values)]
        if infinite.size:
            check_range(infinite.flat[0], infinite.flat[0], dtype, where)
        if not finite.size:
            return
        values = np.trunc(finite)
    check_range(values.min(), values.max(), dtype, where)


def _python_data(obj: Any, where: str) -> np.ndarray:
    """NumPy's array of Python data (scalars, nested lists/tuples), refusing ints beyond 64 bits."""
    try:
        value = np.asarray(obj)
    except OverflowError:
        raise OverflowError(f"{where}: an integer in {_short(obj)} does not fit any integer dtype "
                            f"(the widest is uint64, up to {np.iinfo(np.uint64).max})") from None
    if value.dtype == object:
        for item in _flat(obj):
            if isinstance(item, int) and not np.iinfo(np.int64).min <= item <= np.iinfo(np.uint64).max:
                raise OverflowError(f"{where}: value {item} does not fit any integer dtype (the widest "
                                    f"are int64 and uint64)")
    return value


def _flat(obj: Any) -> Iterable[Any]:
    if isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _flat(item)
    else:
        yield obj


def _short(obj: Any) -> str:
    text = repr(obj)
    return text if len(text) <= 60 else text[:57] + "..."


def host_array(obj: Any, dtype: Any = None, where: str = "asarray") -> np.ndarray:
    """A NumPy array of host data under the policy, with no value lost on the way.

    ``obj`` is Python data (scalars, nested lists/tuples of them), a NumPy array or a NumPy scalar.
    The result has ``dtype`` (canonicalized, see :func:`requested_dtype`) or, without one, the
    policy's type of the data (Python ints: the default int; NumPy ``int64``: ``int32`` unless x64).
    Python ints never wrap: out of range they raise ``OverflowError``, as in NumPy 2. NumPy arrays
    narrowed by the policy are range-checked; an explicit narrowing (``dtype=int8``) of a NumPy
    array is NumPy's cast.

    Example:
        >>> import numpy as np
        >>> from brainpy_math import _conversion
        >>> _conversion.host_array(np.arange(3)).dtype
        dtype('int32')
        >>> _conversion.host_array([300], np.int8)
        Traceback (most recent call last):
        ...
        OverflowError: asarray: value 300 does not fit dtype int8 (range -128..127)
    """
    if isinstance(obj, (np.ndarray, np.generic)):
        value = np.asarray(obj)
        target, check = cast_plan(value.dtype, dtype, where)
        if check:
            check_fits(value, target, where)
        return value.astype(target, copy=False)
    value = _python_data(obj, where)
    target = requested_dtype(dtype, where)
    if value.dtype == object:
        # Only ints beyond int64 (and below uint64's maximum, see _python_data) land here.
        if not all(isinstance(item, (int, np.integer)) for item in value.flat):
            raise TypeError(f"{where}: cannot convert {_short(obj)} to an array of numbers")
        target = _config.default_int() if target is None else target
    elif target is None:
        target = _config.canonicalize_dtype(value.dtype)
    if target.kind in "iu" and value.dtype.kind in "iuO" and value.size:
        # Python ints are converted exactly or not at all (NumPy 2 raises too).
        check_range(value.min(), value.max(), target, where)
    return value.astype(target, copy=False)


def _dimension(size: Any, where: str) -> int:
    try:
        size = operator.index(size)
    except TypeError:
        raise TypeError(f"{where}: a shape must be an integer or a sequence of integers, got "
                        f"{size!r} ({type(size).__name__})") from None
    if size < 0:
        raise ValueError(f"{where}: negative dimensions are not allowed, got {size}")
    return size


def check_shape(shape: Any, where: str) -> tuple[int, ...]:
    """``shape`` (an int or a sequence of ints) as a tuple of non-negative ints.

    Raises NumPy's exceptions: ``TypeError`` for a non-integer, ``ValueError`` for a negative size.

    Example:
        >>> from brainpy_math import _conversion
        >>> _conversion.check_shape(3, "zeros"), _conversion.check_shape([2, 3], "zeros")
        ((3,), (2, 3))
        >>> _conversion.check_shape((2, -1), "full")
        Traceback (most recent call last):
        ...
        ValueError: full: negative dimensions are not allowed, got -1
    """
    if isinstance(shape, (list, tuple)):
        return tuple(_dimension(size, where) for size in shape)
    if hasattr(shape, "shape") and hasattr(shape, "__len__") and not hasattr(shape, "__index__"):
        return tuple(_dimension(size, where) for size in np.asarray(shape).tolist())
    return (_dimension(shape, where),)



def check_fill_target(a: Any, inplace: Any, writable: bool, where: str = "fill_diagonal") -> None:
    """``fill_diagonal(..., inplace=True)`` writes into ``a``: it must be a bm array or Variable
    (``writable``, decided by the backend); one message for both backends.

    Example:
        >>> from brainpy_math import _conversion
        >>> _conversion.check_fill_target([[0]], True, False)
        Traceback (most recent call last):
        ...
        TypeError: fill_diagonal: argument 'a' must be a bm array or a bm.Variable when inplace=True (it is written in place), got list; pass inplace=False for a new array
    """
    if isinstance(inplace, (bool, np.bool_)) and inplace and not writable:
        raise TypeError(f"{where}: argument 'a' must be a bm array or a bm.Variable when inplace=True (it is "
                        f"written in place), got {type(a).__name__}; pass inplace=False for a new array")


def diagonal_positions(shape: tuple[int, ...], wrap: Any, inplace: Any, where: str = "fill_diagonal") -> np.ndarray:
    """The flat positions ``numpy.fill_diagonal`` writes in an array of ``shape`` (int64, in order).

    Checked as both backends' ``fill_diagonal`` needs it, with one message for each problem: ``wrap``
    and ``inplace`` must be bools; ``a`` needs 2 or more dimensions, all equal beyond 2 (NumPy's rule).
    A 2-d array gets ``a[i, i]`` for ``i < min(shape)``, and with ``wrap=True`` the diagonal starts
    again ``ncols + 1`` rows further down in a tall array, as in NumPy.

    Example:
        >>> from brainpy_math import _conversion
        >>> _conversion.diagonal_positions((3, 3), False, True).tolist()
        [0, 4, 8]
        >>> _conversion.diagonal_positions((5, 2), True, True).tolist()
        [0, 3, 6, 9]
        >>> _conversion.diagonal_positions((2, 3, 3), False, True)
        Traceback (most recent call last):
        ...
        ValueError: fill_diagonal: argument 'a' of more than 2 dimensions must have all dimensions of equal length (NumPy's rule), got shape (2, 3, 3)
    """
    for argname, value in (("wrap", wrap), ("inplace", inplace)):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{where}: argument '{argname}' must be True or False, got {value!r}")
    shape = tuple(int(s) for s in shape)
    if len(shape) < 2:
        raise ValueError(f"{where}: argument 'a' must have at least 2 dimensions, got shape {shape}")
    size = int(np.prod(shape, dtype=np.int64))
    if len(shape) == 2:
        step = shape[1] + 1
        end = size if wrap else min(size, shape[1] * shape[1])
    else:
        if len(set(shape)) != 1:
            raise ValueError(f"{where}: argument 'a' of more than 2 dimensions must have all dimensions of "
                             f"equal length (NumPy's rule), got shape {shape}")
        step = 1 + int(np.cumprod(shape[:-1], dtype=np.int64).sum())
        end = size
    return np.arange(0, end, step, dtype=np.int64)

def _format_bytes(count: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if count < 1024 or unit == "EiB":
            return f"{count:.2f} {unit}" if unit != "bytes" else f"{count} bytes"
        count /= 1024
    return f"{count} bytes"  # pragma: no cover


def host_memory() -> int | None:
    """The machine's physical memory in bytes, or ``None`` where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_size(shape: tuple[int, ...], dtype: Any, where: str, memory: int | None = None) -> None:
    """Raise before allocating an array of ``shape`` and ``dtype`` that cannot exist.

    ``ValueError`` (NumPy's) when its size in bytes exceeds a signed 64-bit integer (XLA would abort
    the interpreter); ``MemoryError`` (NumPy's) when it exceeds ``memory`` bytes, the memory of the
    device it would live on (``None``: not checked).

    Example:
        >>> import numpy as np
        >>> from brainpy_math import _conversion
        >>> _conversion.check_size((2**32, 2**32), np.float32, "zeros")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: zeros: array is too big; shape (4294967296, 4294967296) of dtype float32 needs ...
    """
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * max(dtype.itemsize, 1)
    if nbytes > MAX_BYTES:
        raise ValueError(f"{where}: array is too big; shape {tuple(shape)} of dtype {dtype.name} needs "
                         f"{nbytes} bytes, more than the maximum possible size ({MAX_BYTES} bytes)")
    if memory is not None and nbytes > memory:
        raise MemoryError(f"{where}: Unable to allocate {_format_bytes(nbytes)} for an array with shape "
                          f"{tuple(shape)} and data type {dtype.name} (the device has "
                          f"{_format_bytes(memory)})")


def check_num(num: Any, where: str) -> int:
    """``linspace``'s ``num`` as a non-negative int (NumPy's ``TypeError``/``ValueError`` otherwise).

    Example:
        >>> from brainpy_math import _conversion
        >>> _conversion.check_num(-1, "linspace")
        Traceback (most recent call last):
        ...
        ValueError: linspace: Number of samples, -1, must be non-negative.
    """
    try:
        num = operator.index(num)
    except TypeError:
        raise TypeError(f"{where}: argument 'num' must be an integer, got {num!r} "
                        f"({type(num).__name__})") from None
    if num < 0:
        raise ValueError(f"{where}: Number of samples, {num}, must be non-negative.")
    return num


def arange_arguments(start: Any, stop: Any = None, step: Any = None) -> tuple[Any, Any, Any]:
    """NumPy's reading of ``arange(start, stop, step)`` as an explicit ``(start, stop, step)``.

    ``stop=None`` is the one-argument form: ``arange(5.0, None, 2.0)`` is ``arange(0, 5.0, 2.0)``.
    ``step=None`` is 1.

    Example:
        >>> from brainpy_math import _conversion
        >>> _conversion.arange_arguments(5.0, None, 2.0)
        (0, 5.0, 2.0)
    """
    if stop is None:
        if start is None:
            raise TypeError("arange: argument 'stop' (or a single 'start') is required, got None")
        start, stop = 0, start
    if start is None:
        start = 0
    if step is None:
        step = 1
    return start, stop, step


def arange_length(start: Any, stop: Any, step: Any, where: str = "arange") -> int:
    """The number of values of ``arange(start, stop, step)``, computed as NumPy does, before allocating.

    Raises NumPy's exceptions: ``ZeroDivisionError`` for ``step == 0``, ``ValueError`` when the
    length cannot be computed (NaN) or exceeds the maximum size (an infinite or huge range).

    Example:
        >>> from brainpy_math import _conversion
        >>> _conversion.arange_length(0, 10, 3), _conversion.arange_length(0.0, 1.0, 0.1)
        (4, 10)
    """
    values = [_as_python_number(np.asarray(v).item()) if hasattr(v, "dtype") else v
              for v in (start, stop, step)]
    start, stop, step = values
    if any(isinstance(v, complex) for v in values):
        raise TypeError(f"{where}: complex arguments are not supported, got {values}")
    if step == 0:
        raise ZeroDivisionError(f"{where}: argument 'step' must not be zero")
    if all(isinstance(v, int) for v in values):
        length = -((start - stop) // step)  # exact ceil((stop - start) / step) for Python ints
    else:
        delta = (float(stop) - float(start)) / float(step)
        if math.isnan(delta):
            raise ValueError(f"{where}: cannot compute length of arange({start}, {stop}, {step})")
        if math.isinf(delta) or delta > np.iinfo(np.int64).max:
            raise ValueError(f"{where}: Maximum allowed size exceeded: arange({start}, {stop}, {step}) "
                             f"has {delta:.3g} values")
        length = math.ceil(delta)
    length = max(length, 0)
    if length > np.iinfo(np.int64).max:
        raise ValueError(f"{where}: Maximum allowed size exceeded: arange({start}, {stop}, {step}) "
                         f"has {length} values")
    return length
