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


class LengthDelay(Base):
    """The last ``delay_len`` values of a state, read by a number of steps (BrainPy's ``LengthDelay``).

    ``retrieve(k)`` (or ``delay(k)``) is the value ``k`` updates ago: ``k = 0`` is the newest value
    (``delay_target`` before any update), ``k = delay_len`` the oldest kept. ``update(value)`` pushes
    ``value`` as the newest (BrainPy's ``update()`` without a value is
    ``update(delay.target.value)`` here: ``target`` is ``delay_target`` when that is a Variable). ``k`` outside ``[0, delay_len]`` is clipped into it on every backend.

    ``initial_delay_data`` fills the rows ``k = 1 .. delay_len`` before any update: ``None`` (zeros),
    a value broadcast to them, or a callable ``f(shape, dtype)`` returning an array of shape
    ``(delay_len, *delay_target.shape)`` (row ``k - 1`` is delay ``k``, as in BrainPy >= 2.2.3.2).

    Example:
        >>> import brainpy_math as bm
        >>> d = bm.LengthDelay(bm.zeros(2), delay_len=2, initial_delay_data=-1.0)
        >>> d.update(bm.ones(2))
        >>> d(0).tolist(), d(1).tolist(), d.retrieve(2).tolist()
        ([1.0, 1.0], [0.0, 0.0], [-1.0, -1.0])
    """

    def __init__(self, delay_target: Any, delay_len: int, initial_delay_data: Any = None,
                 name: str | None = None, update_method: str = "rotation"):
        where = "LengthDelay"
        if update_method != "rotation":
            raise ValueError(f"{where}: argument 'update_method' must be 'rotation', got {update_method!r} "
                             f"(BrainPy's 'concat' is not provided: it gives the same values)")
        if isinstance(delay_len, bool) or not isinstance(delay_len, numbers.Integral) or delay_len < 0:
            raise ValueError(f"{where}: argument 'delay_len' must be an integer >= 0, got {delay_len!r}")
        target = _check_target(delay_target, where)
        super().__init__(name=name)
        self.target = delay_target if isinstance(delay_target, Variable) else None
        self.delay_len = int(delay_len)
        self.num_delay_step = int(delay_len) + 1
        rows = (self.delay_len,) + tuple(target.shape)
        data = bm.broadcast_to(target, (self.num_delay_step,) + tuple(target.shape)) * 0
        data = bm.concatenate([target[None].astype(target.dtype), data[1:]], axis=0).astype(target.dtype)
        if initial_delay_data is not None and self.delay_len > 0:
            if callable(initial_delay_data):
                initial_delay_data = initial_delay_data(rows, target.dtype)
            data = _fill(data, rows, initial_delay_data, where, "initial_delay_data")
        self.data = Variable(data)
        self.idx = Variable(bm.zeros((), dtype=bm.int32))

    @property
    def delay_shape(self) -> tuple:
        """The shape of the buffer: ``(delay_len + 1, *delay_target.shape)``."""
        return tuple(self.data.shape)

    @property
    def delay_target_shape(self) -> tuple:
        """The shape of one delayed value."""
        return tuple(self.data.shape[1:])

    def __call__(self, delay_len):
        """``self.retrieve(delay_len)``."""
        return self.retrieve(delay_len)

    def retrieve(self, delay_len):
        """The value ``delay_len`` updates ago (an integer, clipped into ``[0, self.delay_len]``)."""
        step = bm.minimum(bm.maximum(delay_len, 0), self.num_delay_step - 1)
        return self.data[(self.idx.value + step) % self.num_delay_step]

    def update(self, value):
        """Push ``value`` as the newest value (pass ``delay.target.value`` to push the target's)."""
        self.idx.value = (self.idx.value + (self.num_delay_step - 1)) % self.num_delay_step
        self.data[self.idx.value] = value


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
        for argname, value in (("delay_len", delay_len), ("t0", t0)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
                raise ValueError(f"{where}: argument '{argname}' must be a finite real number, got {value!r}")
        if delay_len < 0:
            raise ValueError(f"{where}: argument 'delay_len' must be >= 0, got {delay_len!r}")
        dt = bm.get_dt() if dt is None else dt
        if isinstance(dt, bool) or not isinstance(dt, numbers.Real) or not dt > 0 or not np.isfinite(dt):
            raise ValueError(f"{where}: argument 'dt' must be a finite number > 0, got {dt!r}")
        target = _check_target(delay_target, where)
        super().__init__(name=name)
        self.target = delay_target if isinstance(delay_target, Variable) else None
        self.delay_len = float(delay_len)
        self.dt = float(dt)
        self.t0 = float(t0)
        self.interp_method = interp_method
        # ceil of delay_len / dt, forgiving the rounding of e.g. 1.0 / 0.1 = 10.000000000000002
        self.num_delay_step = int(np.ceil(self.delay_len / self.dt - 1e-9)) + 1
        rows = (self.num_delay_step - 1,) + tuple(target.shape)
        data = bm.broadcast_to(target, (self.num_delay_step,) + tuple(target.shape)) * 0
        data = bm.concatenate([target[None], data[1:]], axis=0).astype(target.dtype)
        if before_t0 is not None and self.num_delay_step > 1:
            if callable(before_t0):
                before_t0 = bm.stack([bm.broadcast_to(bm.asarray(before_t0(self.t0 - k * self.dt)), target.shape)
                                      for k in range(1, self.num_delay_step)])
            data = _fill(data, rows, before_t0, where, "before_t0")
        self.data = Variable(data)
        self.idx = Variable(bm.zeros((), dtype=bm.int32))
        self.num_updates = Variable(bm.zeros((), dtype=bm.int32))

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
