"""bm.LengthDelay and bm.TimeDelay: eager, in bm.jit and in bm.for_loop, against a list of past values."""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm
from _assertions import assert_matches


class Model(bm.Base):
    def __init__(self, shape, delay):
        super().__init__()
        self.x = bm.Variable(bm.zeros(shape))
        self.delay = delay(self.x)

    def step(self, value, read):
        self.x.value = value
        self.delay.update(self.x.value)
        return self.delay(read)


def _inputs(shape, n):
    return np.arange(1, n + 1, dtype=np.float32).reshape((n,) + (1,) * len(shape)) * np.ones(shape, np.float32)


def _length_reference(shape, n, max_len, k, init):
    past = [np.full(shape, init, np.float32)] * max_len + [np.zeros(shape, np.float32)]
    out = []
    for x in _inputs(shape, n):
        past.append(x)
        out.append(past[-1 - min(k, max_len)])
    return np.stack(out)


@pytest.mark.parametrize("shape", [(3,), (2, 3)])
@pytest.mark.parametrize("mode", ["eager", "jit", "for_loop"])
def test_length_delay_matches_a_list_of_past_values(backend, shape, mode):
    # The delay is a run-time argument: one compiled program serves every k (a static k compiled one
    # program per value, 4x the compile time of this test).
    for k in (0, 2, 3, 7):
        model = Model(shape, lambda t: bm.LengthDelay(t, 3, initial_delay_data=-1.0))
        xs = _inputs(shape, 6)
        if mode == "for_loop":
            got = bm.for_loop(model.step, (bm.asarray(xs), bm.full(6, k, dtype=bm.int32)))
        else:
            step = bm.jit(model.step) if mode == "jit" else model.step
            got = np.stack([np.asarray(step(bm.asarray(x), k)) for x in xs])
        assert_matches(got, _length_reference(shape, 6, 3, k, -1.0), np.float32)


def test_length_delay_initial_data_callable_and_checks(backend):
    d = bm.LengthDelay(bm.zeros(2), 2, initial_delay_data=lambda shape, dtype: bm.ones(shape, dtype=dtype) * 5)
    assert_matches(d(2), np.full(2, 5.0), np.float32)
    assert_matches(d(0), np.zeros(2), np.float32)
    assert d.delay_shape == (3, 2)
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="delay_len"):
            bm.LengthDelay(bm.zeros(2), bad)
    with pytest.raises(ValueError, match="initial_delay_data"):
        bm.LengthDelay(bm.zeros(2), 2, initial_delay_data=bm.zeros(3))


def _time_reference(ts, dt, delay_len, lag, method, before):
    """Values of x(t) = step index (x = i + 1 after update i), before t0 = before(t)."""
    out = []
    hist = {0: 0.0}
    for i, t in enumerate(ts):
        hist[i + 1] = float(i + 1)
        s = min(max(lag / dt, 0.0), np.ceil(delay_len / dt - 1e-9))
        s = round(s) if method == "round" else s
        lo = int(np.floor(s))
        vals = [hist[i + 1 - j] if i + 1 - j >= 0 else before((i + 1 - j) * dt) for j in (lo, lo + 1)]
        out.append(vals[0] + (vals[1] - vals[0]) * (s - lo))
    return np.asarray(out)


class TwoDelays(bm.Base):
    """One Variable read through both interpolation methods: one compiled program checks both."""

    def __init__(self, shape, dt):
        super().__init__()
        self.x = bm.Variable(bm.zeros(shape))
        self.rounded = bm.TimeDelay(self.x, 1.0, before_t0=lambda s: s, dt=dt, interp_method="round")
        self.linear = bm.TimeDelay(self.x, 1.0, before_t0=lambda s: s, dt=dt, interp_method="linear_interp")

    def step(self, value, time):
        self.x.value = value
        self.rounded.update(self.x.value)
        self.linear.update(self.x.value)
        return self.rounded(time), self.linear(time)


@pytest.mark.parametrize("shape", [(3,), (2, 2)])
@pytest.mark.parametrize("mode", ["eager", "jit", "for_loop"])
def test_time_delay_matches_interpolated_past_values(backend, shape, mode):
    dt, lag = 0.1, 0.33
    model = TwoDelays(shape, dt)
    n = 8
    xs = _inputs(shape, n)
    ts = (np.arange(n) + 1) * dt
    if mode == "for_loop":
        rounded, linear = bm.for_loop(lambda x, t: model.step(x, t - lag),
                                      (bm.asarray(xs), bm.asarray(ts, dtype=bm.float32)))
    else:
        step = bm.jit(model.step) if mode == "jit" else model.step
        pairs = [step(bm.asarray(x), t - lag) for x, t in zip(xs, ts)]
        rounded, linear = (np.stack([np.asarray(pair[k]) for pair in pairs]) for k in (0, 1))
    for method, got in (("round", rounded), ("linear_interp", linear)):
        want = _time_reference(ts, dt, 1.0, lag, method, lambda s: s)
        np.testing.assert_allclose(np.asarray(got), want.reshape((n,) + (1,) * len(shape)) * np.ones(shape),
                                   atol=1e-5, err_msg=method)


def test_time_delay_defaults_and_checks(backend):
    d = bm.TimeDelay(bm.ones(2), 0.3, before_t0=2.0)
    assert d.dt == bm.get_dt() and d.num_delay_step == 4
    assert_matches(d(-0.2), np.full(2, 2.0), np.float32)
    assert_matches(d(-5.0), np.full(2, 2.0), np.float32)  # clipped to the oldest
    assert_matches(d(0.0), np.ones(2), np.float32)
    with pytest.raises(ValueError, match="interp_method"):
        bm.TimeDelay(bm.ones(2), 1.0, interp_method="cubic")
    with pytest.raises(ValueError, match="delay_len"):
        bm.TimeDelay(bm.ones(2), -1.0)
    with pytest.raises(ValueError, match="'dt'"):
        bm.TimeDelay(bm.ones(2), 1.0, dt=0.0)


class _Pushed(bm.Base):
    """BrainPy's conventions: ``LengthDelay.update()`` pushes its Variable target; ``reset`` restarts."""

    def __init__(self):
        super().__init__()
        self.x = bm.Variable(bm.zeros(3))
        self.length = bm.LengthDelay(self.x, 2, initial_delay_data=-1.0)
        self.time = bm.TimeDelay(self.x, 0.2, dt=0.1, before_t0=-1.0, interp_method="round")

    def step(self, value, time):
        self.x.value = value
        self.length.update()
        self.time.update(self.x.value)
        return self.length(1), self.time(time)


@pytest.mark.parametrize("mode", ["eager", "jit"])
def test_update_without_value_and_reset(backend, mode):
    model = _Pushed()
    assert model.length.delay_target is model.x and model.time.delay_target is model.x
    step = bm.jit(model.step) if mode == "jit" else model.step
    data = model.length.data
    length, time = step(bm.ones(3), 0.0)
    assert_matches(length, np.zeros(3), np.float32)      # the target's value before the update
    assert_matches(time, np.zeros(3), np.float32)
    length, time = step(bm.full(3, 2.0), 0.2)
    assert_matches(length, np.ones(3), np.float32)
    assert_matches(time, np.full(3, 2.0), np.float32)
    model.length.reset(bm.full(3, 5.0))                  # BrainPy's reset: starts again from the target
    model.time.reset(bm.full(3, 5.0), t0=1.0, before_t0=-2.0)
    assert model.length.data is data                     # written in place: a compiled step still works
    length, time = step(bm.full(3, 3.0), 1.0)
    assert_matches(length, np.full(3, 5.0), np.float32)
    assert_matches(time, np.full(3, 5.0), np.float32)
    assert_matches(model.time(0.0), np.full(3, -2.0), np.float32)  # before t0 (clipped to the oldest)


def test_reset_to_another_length_and_errors(backend):
    d = bm.LengthDelay(bm.zeros(2), 1)
    d.update(bm.ones(2))
    d.reset(bm.full(3, 4.0), delay_len=3, initial_delay_data=lambda shape, dtype: bm.full(shape, 7.0, dtype=dtype))
    assert d.delay_shape == (4, 3) and d.delay_len == 3 and d.target is None
    assert_matches(d(0), np.full(3, 4.0), np.float32)
    assert_matches(d(3), np.full(3, 7.0), np.float32)
    with pytest.raises(ValueError, match="LengthDelay.update: argument 'value' is needed: the delay_target given was "
                                         "not a bm.Variable"):
        d.update()
    with pytest.raises(ValueError, match="LengthDelay.reset: argument 'delay_len' must be an integer >= 0, got -1"):
        d.reset(bm.zeros(3), delay_len=-1)
    with pytest.raises(ValueError, match="LengthDelay.reset: argument 'initial_delay_data'"):
        d.reset(bm.zeros(3), initial_delay_data=bm.zeros(5))
    assert d.delay_shape == (4, 3)                        # a failed reset changes nothing
    assert_matches(d(0), np.full(3, 4.0), np.float32)
    t = bm.TimeDelay(bm.zeros(2), 0.2, dt=0.1)
    with pytest.raises(ValueError, match="TimeDelay.reset: argument 't0' must be a finite real number"):
        t.reset(bm.zeros(2), t0=float("nan"))
    t.reset(bm.ones(2), delay_len=0.5)
    assert t.num_delay_step == 6 and t.data.shape == (6, 2)
    assert_matches(t(0.0), np.ones(2), np.float32)
