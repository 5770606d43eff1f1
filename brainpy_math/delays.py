"""Delays with BrainPy's names: ``LengthDelay`` (read by steps) and ``TimeDelay`` (read by time).

Both keep the past values of a state in a ring buffer Variable (``data``, one row per step) with an
integer Variable pointing at the newest row, so they are ``bm.Base`` objects that compile inside
``bm.jit`` and ``bm.for_loop`` on every backend. Written with ``bm`` functions only.

Reads outside the buffer are clipped to it (the oldest or the newest value stored), on every
backend, eager or compiled: the Numba backend cannot raise inside compiled code, so an error there
would not be the same on both backends.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

import brainpy_math as bm

from .base import Base
from .variables import Variable

__all__ = ["LengthDelay", "TimeDelay"]

_INTERP_METHODS = ("round", "linear_interp")


def _check_target(delay_target: Any, where: str) -> Any:
    if isinstance(delay_target, Variable):
        return delay_target.value
    if isinstance(delay_target, (numbers.Number, np.ndarray, list, tuple)) or hasattr(delay_target, "shape"):
        return bm.asarray(delay_target)
    raise TypeError(f"{where}: argument 'delay_target' must be an array or a bm.Variable, "
                    f"got {delay_target!r} ({type(delay_target).__name__})")


def _fill(data: Any, rows: Any, value: Any, where: str, argname: str) -> Any:
    """``data`` with ``data[1:] = value``, checked to broadcast to ``rows``' shape."""
    value = bm.asarray(value)
    try:
        np.broadcast_shapes(tuple(value.shape), rows)
    except ValueError:
        raise ValueError(f"{where}: argument '{argname}' of shape {tuple(value.shape)} does not broadcast "
                         f"to the delayed rows of shape {rows}") from None
    if tuple(np.broadcast_shapes(tuple(value.shape), rows)) != rows:
        raise ValueError(f"{where}: argument '{argname}' of shape {tuple(value.shape)} does not broadcast "
                         f"to the delayed rows of shape {rows}")
    return bm.concatenate([data[:1], bm.broadcast_to(value, rows).astype(data.dtype)], axis=0)


def _store(owner: Base, data: Any) -> None:
    """``owner.data = data``: written into the Variable when the shape and dtype are unchanged (so a
    compiled function keeps using it), else a new Variable (compiled functions then collect again)."""
    current = owner.__dict__.get("data")
    if isinstance(current, Variable) and tuple(current.shape) == tuple(data.shape) and current.dtype == data.dtype:
        current.value = data
    else:
        owner.data = Variable(data)


def _set_target(owner: Base, delay_target: Any) -> None:
    """``owner.target``: ``delay_target`` if it is a Variable (what ``update()`` pushes), else kept."""
    if isinstance(delay_target, Variable):
        owner.target = delay_target
    elif "target" not in owner.__dict__:  # (kept otherwise: None assigned over a Variable would write into it)
        owner.target = None


def _check_length(delay_len: Any, where: str) -> int:
    if isinstance(delay_len, bool) or not isinstance(delay_len, numbers.Integral) or delay_len < 0:
        raise ValueError(f"{where}: argument 'delay_len' must be an integer >= 0, got {delay_len!r}")
    return int(delay_len)


def _length_data(target: Any, delay_len: int, initial_delay_data: Any, where: str) -> Any:
    """The buffer of a LengthDelay: row 0 ``target``, rows ``1 .. delay_len`` the initial delay data."""
    rows = (delay_len,) + tuple(target.shape)
    data = bm.broadcast_to(target, (delay_len + 1,) + tuple(target.shape)) * 0
    data = bm.concatenate([target[None].astype(target.dtype), data[1:]], axis=0).astype(target.dtype)
    if initial_delay_data is not None and delay_len > 0:
        if callable(initial_delay_data):
            initial_delay_data = initial_delay_data(rows, target.dtype)
        data = _fill(data, rows, initial_delay_data, where, "initial_delay_data")
    return data


class LengthDelay(Base):
    """The last ``delay_len`` values of a state, read by a number of steps (BrainPy's ``LengthDelay``).

    ``retrieve(k)`` (or ``delay(k)``) is the value ``k`` updates ago: ``k = 0`` is the newest value
    (``delay_target`` before any update), ``k = delay_len`` the oldest kept. ``update(value)`` pushes
    ``value`` as the newest; ``update()`` pushes ``delay_target.value`` when ``delay_target`` is a
    Variable (``delay.target``), as in BrainPy. ``k`` outside ``[0, delay_len]`` is clipped into it on
    every backend. ``reset(delay_target, delay_len=None, initial_delay_data=None)`` starts again from
    ``delay_target`` (BrainPy's ``reset``; ``delay_len=None`` keeps the length): the buffer is written
    in place while its shape and dtype stay, so compiled functions keep working.

    ``initial_delay_data`` fills the rows ``k = 1 .. delay_len`` before any update: ``None`` (zeros),
    a value broadcast to them, or a callable ``f(shape, dtype)`` returning an array of shape
    ``(delay_len, *delay_target.shape)`` (row ``k - 1`` is delay ``k``, as in BrainPy >= 2.2.3.2).

    Example:
        >>> import brainpy_math as bm
        >>> d = bm.LengthDelay(bm.zeros(2), delay_len=2, initial_delay_data=-1.0)
        >>> d.update(bm.ones(2))
        >>> d(0).tolist(), d(1).tolist(), d.retrieve(2).tolist()
        ([1.0, 1.0], [0.0, 0.0], [-1.0, -1.0])
        >>> d.reset(bm.full(2, 5.0), initial_delay_data=2.0)
        >>> d(0).tolist(), d(2).tolist()
        ([5.0, 5.0], [2.0, 2.0])
    """

    def __init__(self, delay_target: Any, delay_len: int, initial_delay_data: Any = None,
                 name: str | None = None, update_method: str = "rotation"):
        where = "LengthDelay"
        if update_method != "rotation":
            raise ValueError(f"{where}: argument 'update_method' must be 'rotation', got {update_method!r} "
                             f"(BrainPy's 'concat' is not provided: it gives the same values)")
        delay_len = _check_length(delay_len, where)
        data = _length_data(_check_target(delay_target, where), delay_len, initial_delay_data, where)
        super().__init__(name=name)
        _set_target(self, delay_target)
        self.delay_len = delay_len
        self.num_delay_step = delay_len + 1
        self.data = Variable(data)
        self.idx = Variable(bm.zeros((), dtype=bm.int32))

    @property
    def delay_target(self) -> Any:
        """BrainPy's name of :attr:`target`: the Variable ``update()`` pushes, or None."""
        return self.target

    @property
    def delay_shape(self) -> tuple:
        """The shape of the buffer: ``(delay_len + 1, *delay_target.shape)``."""
        return tuple(self.data.shape)

    @property
    def delay_target_shape(self) -> tuple:
        """The shape of one delayed value."""
        return tuple(self.data.shape[1:])

    def reset(self, delay_target: Any, delay_len: int | None = None, initial_delay_data: Any = None) -> None:
        """Start again from ``delay_target`` (BrainPy's ``reset``): every delay reads it until updated,
        except the rows that ``initial_delay_data`` fills (as in the constructor). ``delay_len=None``
        keeps the length; a Variable ``delay_target`` becomes :attr:`target`. Call it outside
        ``bm.jit``.

        Example:
            >>> import brainpy_math as bm
            >>> d = bm.LengthDelay(bm.zeros(2), 1); d.update(bm.ones(2))
            >>> d.reset(bm.zeros(3), delay_len=2); d.delay_shape, d(2).tolist()
            ((3, 3), [0.0, 0.0, 0.0])
        """
        where = "LengthDelay.reset"
        delay_len = self.delay_len if delay_len is None else _check_length(delay_len, where)
        data = _length_data(_check_target(delay_target, where), delay_len, initial_delay_data, where)
        _set_target(self, delay_target)
        self.delay_len = delay_len
        self.num_delay_step = delay_len + 1
        _store(self, data)
        self.idx.value = bm.zeros((), dtype=bm.int32)

    def __call__(self, delay_len):
        """``self.retrieve(delay_len)``."""
        return self.retrieve(delay_len)

    def retrieve(self, delay_len):
        """The value ``delay_len`` updates ago (an integer, clipped into ``[0, self.delay_len]``)."""
        step = bm.minimum(bm.maximum(delay_len, 0), self.num_delay_step - 1)
        return self.data[(self.idx.value + step) % self.num_delay_step]

    def update(self, value=None):
        """Push ``value`` as the newest value; without one, ``delay_target.value`` (a Variable target)."""
        if value is None:
            value = self._target_value()
        self.idx.value = (self.idx.value + (self.num_delay_step - 1)) % self.num_delay_step
        self.data[self.idx.value] = value

    def _target_value(self):
        if self.target is None:
            raise ValueError("LengthDelay.update: argument 'value' is needed: the delay_target given was not a "
                             "bm.Variable (update() pushes delay_target.value only for a Variable)")
        return self.target.value


def _check_times(delay_len: Any, t0: Any, where: str) -> None:
    for argname, value in (("delay_len", delay_len), ("t0", t0)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
            raise ValueError(f"{where}: argument '{argname}' must be a finite real number, got {value!r}")
    if delay_len < 0:
        raise ValueError(f"{where}: argument 'delay_len' must be >= 0, got {delay_len!r}")


def _time_data(target: Any, delay_len: float, dt: float, t0: float, before_t0: Any, where: str) -> tuple[int, Any]:
    """``num_delay_step`` and the buffer of a TimeDelay: row 0 ``target``, then the values before ``t0``."""
    # ceil of delay_len / dt, forgiving the rounding of e.g. 1.0 / 0.1 = 10.000000000000002
    num_delay_step = int(np.ceil(float(delay_len) / dt - 1e-9)) + 1
    rows = (num_delay_step - 1,) + tuple(target.shape)
    data = bm.broadcast_to(target, (num_delay_step,) + tuple(target.shape)) * 0
    data = bm.concatenate([target[None], data[1:]], axis=0).astype(target.dtype)
    if before_t0 is not None and num_delay_step > 1:
        if callable(before_t0):
            before_t0 = bm.stack([bm.broadcast_to(bm.asarray(before_t0(float(t0) - k * dt)), target.shape)
                                  for k in range(1, num_delay_step)])
        data = _fill(data, rows, before_t0, where, "before_t0")
    return num_delay_step, data


class TimeDelay(Base):
    """The past values of a state over ``delay_len`` time units, read by time (BrainPy's ``TimeDelay``).

    The buffer keeps ``num_delay_step = ceil(delay_len / dt) + 1`` values, one per step ``dt`` (default
    ``bm.get_dt()``): the current time starts at ``t0`` and each ``update(value)`` stores ``value`` as
    the newest and advances it by ``dt``. ``delay(time)`` (or ``retrieve(time)``) is the value at
    ``time`` (absolute, as in BrainPy: e.g. ``t - 1.0`` for a delay of 1 ms at time ``t``), with
    ``interp_method='round'`` (the nearest stored step) or ``'linear_interp'`` (linear between the two
    stored steps around it, the default). Times outside ``[current - (num_delay_step - 1) * dt,
    current]`` are clipped into it on every backend.

    ``before_t0`` gives the values before ``t0``: ``None`` (zeros), a value broadcast to the
    target's shape, or a callable ``f(t)``; unlike BrainPy, which calls ``f`` at each read before
    ``t0``, ``f`` is evaluated once at the stored steps ``t0 - k * dt`` and read like stored data.
    ``reset(delay_target, delay_len=None, t0=0.0, before_t0=None)`` starts again (BrainPy's ``reset``).

    Example:
        >>> import brainpy_math as bm
        >>> d = bm.TimeDelay(bm.zeros(2), delay_len=1.0, dt=0.5, before_t0=lambda t: t)
        >>> d(-0.5).tolist(), d(-0.25).tolist()
        ([-0.5, -0.5], [-0.25, -0.25])
        >>> d.update(bm.ones(2))
        >>> d(0.5).tolist(), d(0.25).tolist()
        ([1.0, 1.0], [0.5, 0.5])
    """

    def __init__(self, delay_target: Any, delay_len: float, before_t0: Any = None, t0: float = 0.0,
                 dt: float | None = None, name: str | None = None, interp_method: str = "linear_interp"):
        where = "TimeDelay"
        if interp_method not in _INTERP_METHODS:
            raise ValueError(f"{where}: argument 'interp_method' must be one of {_INTERP_METHODS}, "
                             f"got {interp_method!r}")
        _check_times(delay_len, t0, where)
        dt = bm.get_dt() if dt is None else dt
        if isinstance(dt, bool) or not isinstance(dt, numbers.Real) or not dt > 0 or not np.isfinite(dt):
            raise ValueError(f"{where}: argument 'dt' must be a finite number > 0, got {dt!r}")
        target = _check_target(delay_target, where)
        num_delay_step, data = _time_data(target, delay_len, float(dt), t0, before_t0, where)
        super().__init__(name=name)
        _set_target(self, delay_target)
        self.dt = float(dt)
        self.interp_method = interp_method
        self.delay_len, self.t0, self.num_delay_step = float(delay_len), float(t0), num_delay_step
        self.data = Variable(data)
        self.idx = Variable(bm.zeros((), dtype=bm.int32))
        self.num_updates = Variable(bm.zeros((), dtype=bm.int32))

    @property
    def delay_target(self) -> Any:
        """BrainPy's name of :attr:`target`: the Variable given as ``delay_target``, or None."""
        return self.target

    def reset(self, delay_target: Any, delay_len: float | None = None, t0: float = 0.0, before_t0: Any = None) -> None:
        """Start again from ``delay_target`` at time ``t0`` (BrainPy's ``reset``), with the values before
        ``t0`` given by ``before_t0`` as in the constructor; ``delay_len=None`` keeps the length. The
        buffer is written in place while its shape and dtype stay. Call it outside ``bm.jit``.

        Example:
            >>> import brainpy_math as bm
            >>> d = bm.TimeDelay(bm.zeros(2), delay_len=1.0, dt=0.5); d.update(bm.ones(2))
            >>> d.reset(bm.full(2, 3.0), t0=10.0, before_t0=-1.0); d(10.0).tolist(), d(9.0).tolist()
            ([3.0, 3.0], [-1.0, -1.0])
        """
        where = "TimeDelay.reset"
        delay_len = self.delay_len if delay_len is None else delay_len
        _check_times(delay_len, t0, where)
        num_delay_step, data = _time_data(_check_target(delay_target, where), delay_len, self.dt, t0, before_t0,
                                          where)
        _set_target(self, delay_target)
        self.delay_len, self.t0, self.num_delay_step = float(delay_len), float(t0), num_delay_step
        _store(self, data)
        self.idx.value = bm.zeros((), dtype=bm.int32)
        self.num_updates.value = bm.zeros((), dtype=bm.int32)

    def __call__(self, time):
        """``self.retrieve(time)``."""
        return self.retrieve(time)

    def retrieve(self, time):
        """The value at ``time``, interpolated by ``interp_method`` and clipped into the buffer."""
        steps_back = (self.t0 + self.num_updates.value * self.dt - time) / self.dt
        steps_back = bm.minimum(bm.maximum(steps_back, 0.0), self.num_delay_step - 1.0)
        n = self.num_delay_step
        if self.interp_method == "round":
            step = bm.asarray(bm.round(steps_back), dtype=bm.int32)
            return self.data[(self.idx.value + step) % n]
        low = bm.floor(steps_back)
        frac = steps_back - low
        step = bm.asarray(low, dtype=bm.int32)
        later = self.data[(self.idx.value + step) % n]
        earlier = self.data[(self.idx.value + bm.minimum(step + 1, n - 1)) % n]
        return later + (earlier - later) * frac

    def update(self, value):
        """Store ``value`` as the newest value and advance the current time by ``dt``."""
        self.idx.value = (self.idx.value + (self.num_delay_step - 1)) % self.num_delay_step
        self.data[self.idx.value] = value
        self.num_updates.value = self.num_updates.value + 1
