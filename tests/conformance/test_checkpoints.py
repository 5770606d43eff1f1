"""Checkpoints (bm.save_state / bm.load_state) on every backend: round trips, cross-backend files,
all-or-nothing loading with one error listing every mismatch, atomic writes, and pickle-free files."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import brainpy_math as bm
from brainpy_math import checkpoints


class Synapse(bm.Base):
    def __init__(self, n: int):
        super().__init__()
        self.g = bm.Variable(bm.zeros((n, 2)))
        self.count = bm.Variable(bm.zeros(n, dtype=bm.int32))


class Net(bm.Base):
    """float32 and int32 Variables of several shapes, a TrainVar, children in a list and an attribute."""

    def __init__(self):
        super().__init__()
        self.V = bm.Variable(bm.zeros((3, 4)))
        self.spikes = bm.Variable(bm.zeros(5, dtype=bm.int32))
        self.w = bm.TrainVar(bm.ones(()))
        self.syns = [Synapse(2), Synapse(3)]
        self.readout = Synapse(1)


def _fill(net: Net, seed: int) -> dict[str, np.ndarray]:
    """Write distinct values into every Variable of ``net``; return them as host arrays."""
    rng = np.random.default_rng(seed)
    values = {}
    for name, var in net.vars(method="relative").items():
        dtype = np.dtype(var.dtype)
        value = (rng.normal(size=var.shape) if dtype.kind == "f" else rng.integers(-9, 9, size=var.shape))
        var.value = np.asarray(value, dtype=dtype)
        values[name] = np.asarray(var.value).copy()
    return values


def _snapshot(obj) -> dict[str, np.ndarray]:
    return {name: np.array(np.asarray(var.value), copy=True) for name, var in obj.vars(method="relative").items()}


def _assert_state(obj, expected: dict[str, np.ndarray]) -> None:
    state = _snapshot(obj)
    assert sorted(state) == sorted(expected)
    for name, value in expected.items():
        assert state[name].dtype == value.dtype, name
        assert state[name].shape == value.shape, name
        np.testing.assert_array_equal(state[name], value, err_msg=name)


def test_round_trip_keeps_values_dtypes_and_identity(backend, tmp_path):
    net = Net()
    saved = _fill(net, 0)
    assert sorted(saved) == ["V", "readout.count", "readout.g", "spikes", "syns[0].count", "syns[0].g",
                             "syns[1].count", "syns[1].g", "w"]
    path = tmp_path / "net.npz"
    assert bm.save_state(net, path) == str(path)
    before = dict(net.vars(method="relative"))

    _fill(net, 1)  # change everything, then load into the same object ...
    assert bm.load_state(net, path) is net
    _assert_state(net, saved)
    assert all(net.vars(method="relative")[name] is var for name, var in before.items())  # written in place
    assert type(net.V.value) is type(bm.Variable(bm.zeros(1)).value)  # the backend's own value type

    fresh = Net()  # ... and into a fresh instance (another automatic name: names are relative paths)
    assert fresh.name != net.name
    bm.load_state(fresh, str(path))
    _assert_state(fresh, saved)
    assert fresh.spikes.dtype == np.int32 and fresh.V.dtype == np.float32


def test_a_mapping_of_variables_round_trips(backend, tmp_path):
    state = {"a": bm.Variable(bm.arange(4)), "b": bm.Variable(bm.ones((2, 2)))}
    path = bm.save_state(state, tmp_path / "state.npz")
    state["a"].value = bm.zeros(4, dtype=bm.int32)
    assert bm.load_state(state, path) is state
    np.testing.assert_array_equal(np.asarray(state["a"].value), np.arange(4))


def test_the_file_is_plain_npz_without_pickle(backend, tmp_path):
    net = Net()
    saved = _fill(net, 2)
    path = bm.save_state(net, tmp_path / "net.npz")
    with np.load(path, allow_pickle=False) as data:
        assert sorted(data.files) == sorted([*saved, checkpoints.FORMAT_KEY])
        assert int(data[checkpoints.FORMAT_KEY]) == checkpoints.FORMAT_VERSION
        for name, value in saved.items():
            assert data[name].dtype == value.dtype
            np.testing.assert_array_equal(data[name], value)


def test_path_is_used_exactly_as_given(backend, tmp_path):
    # np.savez would write 'ckpt.npz'; save_state writes (and load_state reads) exactly 'ckpt'.
    net = Net()
    saved = _fill(net, 3)
    path = bm.save_state(net, pathlib.Path(tmp_path / "ckpt"))
    assert path == str(tmp_path / "ckpt")
    assert sorted(os.listdir(tmp_path)) == ["ckpt"]
    _fill(net, 4)
    bm.load_state(net, tmp_path / "ckpt")
    _assert_state(net, saved)
    with pytest.raises(TypeError, match="argument 'path'"):
        bm.save_state(net, 3)


def test_overwriting_a_checkpoint_replaces_it(backend, tmp_path):
    net = Net()
    _fill(net, 5)
    bm.save_state(net, tmp_path / "net.npz")
    saved = _fill(net, 6)
    bm.save_state(net, tmp_path / "net.npz")
    _fill(net, 7)
    bm.load_state(net, tmp_path / "net.npz")
    _assert_state(net, saved)
    assert os.listdir(tmp_path) == ["net.npz"]


@pytest.mark.needs_backends("jax", "numba")
@pytest.mark.parametrize("source, target", [("jax", "numba"), ("numba", "jax")])
def test_saved_on_one_backend_loads_on_the_other(source, target, tmp_path):
    with bm.set_backend(source):
        net = Net()
        saved = _fill(net, 8)
        path = bm.save_state(net, tmp_path / "net.npz")
    with bm.set_backend(target):
        other = Net()
        bm.load_state(other, path)
        _assert_state(other, saved)
        # The loaded values are the target backend's own: computing with them works there.
        assert type(other.V.value) is type(bm.Variable(bm.zeros(1)).value)
        assert float(bm.sum(other.V)) == pytest.approx(float(saved["V"].sum()), rel=1e-5)


def test_mismatches_are_all_listed_and_nothing_changes(backend, tmp_path):
    net = Net()
    _fill(net, 9)
    path = bm.save_state(net, tmp_path / "net.npz")

    class Changed(bm.Base):
        def __init__(self):
            super().__init__()
            self.V = bm.Variable(bm.zeros((4, 3)))                 # shape differs
            self.spikes = bm.Variable(bm.zeros(5))                 # dtype differs (float32, not int32)
            self.w = bm.TrainVar(bm.zeros(2, dtype=bm.int32))      # shape and dtype differ
            self.syns = [Synapse(2), Synapse(3)]
            self.extra = bm.Variable(bm.zeros(2))                  # not in the file
            # 'readout.g', 'readout.count' are in the file but not here

    changed = Changed()
    before = _snapshot(changed)
    with pytest.raises(ValueError) as info:
        bm.load_state(changed, path)
    message = str(info.value)
    assert "argument 'path'" in message and "argument 'obj'" in message and "nothing was loaded" in message
    expected = [
        "'V': shape (3, 4) in the file, expected (4, 3)",
        "'spikes': dtype int32 in the file, expected float32",
        "'w': shape () in the file, expected (2,)",
        "'w': dtype float32 in the file, expected int32",
        "'extra': missing from the file (the Variable has shape (2,), dtype float32)",
        "'readout.g': in the file (shape (1, 2), dtype float32) but argument 'obj' has no Variable",
        "'readout.count': in the file (shape (1,), dtype int32) but argument 'obj' has no Variable",
    ]
    for line in expected:
        assert line in message, (line, message)
    assert "7 mismatches" in message
    _assert_state(changed, before)  # matching Variables (syns[...]) were not written either


def test_strict_false_ignores_names_but_not_shapes_or_dtypes(backend, tmp_path):
    net = Net()
    saved = _fill(net, 10)
    path = bm.save_state(net, tmp_path / "net.npz")

    class Partial(bm.Base):
        def __init__(self, v_shape=(3, 4)):
            super().__init__()
            self.V = bm.Variable(bm.zeros(v_shape))
            self.extra = bm.Variable(bm.full(2, 7.0))

    partial = Partial()
    with pytest.raises(ValueError, match="9 mismatches"):
        bm.load_state(partial, path)  # strict: 'extra' missing, many unexpected -> listed
    bm.load_state(partial, path, strict=False)
    np.testing.assert_array_equal(np.asarray(partial.V.value), saved["V"])
    np.testing.assert_array_equal(np.asarray(partial.extra.value), [7.0, 7.0])  # kept its value

    wrong = Partial(v_shape=(2,))
    with pytest.raises(ValueError, match=r"1 mismatch:\n  - 'V': shape \(3, 4\) in the file, expected \(2,\)"):
        bm.load_state(wrong, path, strict=False)
    np.testing.assert_array_equal(np.asarray(wrong.extra.value), [7.0, 7.0])


def test_a_failing_write_is_undone(backend, tmp_path, monkeypatch):
    # If a Variable's setter refuses midway, the Variables written before it get their old values back.
    net = Net()
    saved = _fill(net, 11)
    path = bm.save_state(net, tmp_path / "net.npz")
    before = _fill(net, 12)
    refusing = net.syns[1].g
    original = type(refusing).value

    def setter(self, value):
        if self is refusing:
            raise RuntimeError("refused")
        original.fset(self, value)

    monkeypatch.setattr(type(refusing), "value", property(original.fget, setter))
    with pytest.raises(RuntimeError, match="refused"):
        bm.load_state(net, path)
    monkeypatch.undo()
    _assert_state(net, before)
    bm.load_state(net, path)
    _assert_state(net, saved)


def test_a_failing_save_keeps_the_old_checkpoint_and_leaves_no_temporary(backend, tmp_path, monkeypatch):
    net = Net()
    saved = _fill(net, 13)
    path = bm.save_state(net, tmp_path / "net.npz")
    _fill(net, 14)

    real_write = checkpoints._write_member
    calls = []

    def failing_write(archive, name, array):
        calls.append(name)
        if len(calls) == 4:  # after the marker and a few arrays have been written
            raise OSError("disk full")
        real_write(archive, name, array)

    monkeypatch.setattr(checkpoints, "_write_member", failing_write)
    with pytest.raises(OSError, match="disk full"):
        bm.save_state(net, path)
    with pytest.raises(OSError, match="disk full"):
        calls.clear()
        bm.save_state(net, tmp_path / "new.npz")
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["net.npz"]  # no temporary file, no half-written new.npz
    bm.load_state(net, path)
    _assert_state(net, saved)


def test_files_that_are_not_checkpoints_are_refused(backend, tmp_path):
    net = Net()
    before = _fill(net, 15)
    plain = tmp_path / "plain.npz"
    np.savez(plain, V=np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError, match="is not a brainpy_math checkpoint.*no format marker"):
        bm.load_state(net, plain)
    text = tmp_path / "text.npz"
    text.write_text("not a zip file")
    with pytest.raises(ValueError, match="is not a brainpy_math checkpoint"):
        bm.load_state(net, text)
    single = tmp_path / "single.npy"
    np.save(single, np.zeros(3))
    with pytest.raises(ValueError, match="single .npy array"):
        bm.load_state(net, single)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, **{checkpoints.FORMAT_KEY: np.asarray(1), "V": np.array([None], dtype=object)})
    with pytest.raises(ValueError, match="'V' cannot be read without pickle"):
        bm.load_state(net, pickled)
    future = tmp_path / "future.npz"
    np.savez(future, **{checkpoints.FORMAT_KEY: np.asarray(checkpoints.FORMAT_VERSION + 1)})
    with pytest.raises(ValueError, match="checkpoint format"):
        bm.load_state(net, future)
    with pytest.raises(FileNotFoundError):
        bm.load_state(net, tmp_path / "missing.npz")
    _assert_state(net, before)


def test_bad_arguments(backend, tmp_path):
    with pytest.raises(TypeError, match="argument 'obj'"):
        bm.save_state([bm.Variable(bm.zeros(2))], tmp_path / "x.npz")
    with pytest.raises(TypeError, match="entry 'a' is a"):
        bm.save_state({"a": bm.zeros(2)}, tmp_path / "x.npz")
    with pytest.raises(ValueError, match="reserved"):
        bm.save_state({checkpoints.FORMAT_KEY: bm.Variable(bm.zeros(2))}, tmp_path / "x.npz")
    path = bm.save_state({"a": bm.Variable(bm.zeros(2))}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="argument 'strict'"):
        bm.load_state({"a": bm.Variable(bm.zeros(2))}, path, strict="no")
    assert os.listdir(tmp_path) == ["x.npz"]


_LOAD_WITHOUT_JAX = textwrap.dedent("""
    import sys
    sys.modules['jax'] = None      # `import jax` now raises ImportError
    sys.modules['jaxlib'] = None
    import numpy as np
    import brainpy_math as bm
    bm.set_backend('numba')

    class Synapse(bm.Base):
        def __init__(self, n):
            super().__init__()
            self.g = bm.Variable(bm.zeros((n, 2)))
            self.count = bm.Variable(bm.zeros(n, dtype=bm.int32))

    class Net(bm.Base):
        def __init__(self):
            super().__init__()
            self.V = bm.Variable(bm.zeros((3, 4)))
            self.spikes = bm.Variable(bm.zeros(5, dtype=bm.int32))
            self.w = bm.TrainVar(bm.ones(()))
            self.syns = [Synapse(2), Synapse(3)]
            self.readout = Synapse(1)

    net = bm.load_state(Net(), sys.argv[1])
    expected = np.load(sys.argv[1], allow_pickle=False)
    for name, var in net.vars(method='relative').items():
        assert np.asarray(var.value).dtype == expected[name].dtype, name
        np.testing.assert_array_equal(np.asarray(var.value), expected[name], err_msg=name)
    assert not any(m == 'jax' or m.startswith('jax.') for m, v in sys.modules.items() if v is not None)
    print('loaded', len(net.vars()))
""")


@pytest.mark.needs_backends("numba")
def test_loads_where_jax_cannot_be_imported(backend, tmp_path):
    # Saved on each backend in turn; loaded in a fresh interpreter in which jax cannot be imported.
    net = Net()
    _fill(net, 16)
    path = bm.save_state(net, tmp_path / "net.npz")
    env = {**os.environ, "BRAINPY_MATH_BACKEND": "numba"}
    done = subprocess.run([sys.executable, "-c", _LOAD_WITHOUT_JAX, path], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "loaded 9" in done.stdout
