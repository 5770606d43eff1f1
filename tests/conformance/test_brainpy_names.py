"""BrainPy 2.x's names and calling conventions (``bm.random.DEFAULT``, ``Variable.update``, ...) on
every backend, eagerly and inside ``bm.jit``; where brainpy_math differs, a clear error."""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm
from _assertions import assert_matches


# ------------------------------------------------------------------------------- bm.random.DEFAULT
def test_random_default_is_the_current_backends_default_state(backend):
    assert bm.random.DEFAULT is bm.random.default_state()
    assert isinstance(bm.random.DEFAULT, bm.random.RandomState)
    bm.random.DEFAULT.seed(1)
    first = np.asarray(bm.random.uniform(size=4))
    bm.random.seed(1)  # reseeds in place: DEFAULT is still the same object
    assert bm.random.DEFAULT is bm.random.default_state()
    assert_matches(bm.random.DEFAULT.uniform(size=4), first, "float32")


def test_random_default_follows_backend_switches(need_backends):
    need_backends("jax", "numba")
    with bm.set_backend("jax"):
        jax_default = bm.random.DEFAULT
        assert bm.random.DEFAULT is bm.random.default_state()
    with bm.set_backend("numba"):
        assert bm.random.DEFAULT is bm.random.default_state()
        assert bm.random.DEFAULT is not jax_default
        bm.random.DEFAULT.seed(3)
        numba_values = np.asarray(bm.random.uniform(size=3))
    with bm.set_backend("jax"):
        assert bm.random.DEFAULT is jax_default
        bm.random.DEFAULT.seed(3)
        assert_matches(bm.random.uniform(size=3), numba_values, "float32")


def test_random_default_from_import_and_unknown_names(backend):
    from brainpy_math.random import DEFAULT
    assert DEFAULT is bm.random.default_state()
    with pytest.raises(AttributeError, match="no attribute 'DEFAULTS'"):
        bm.random.DEFAULTS  # noqa: B018


def test_random_default_value_is_a_clear_error(backend):
    with pytest.raises(AttributeError, match="two Variables, 'key' and 'counter'"):
        bm.random.DEFAULT.value  # noqa: B018


class _Noisy(bm.Base):
    def __init__(self):
        super().__init__()
        self.x = bm.Variable(bm.zeros(3))

    def step(self):
        self.x.value = self.x + bm.random.uniform(size=3)
        return self.x.value


def test_random_default_as_dyn_vars(backend):
    model = _Noisy()
    f = bm.jit(model.step, dyn_vars=[model.vars(), bm.random.DEFAULT])
    bm.random.DEFAULT.seed(5)
    compiled = np.asarray(f())
    bm.random.DEFAULT.seed(5)
    assert_matches(bm.random.uniform(size=3), compiled, "float32")
    f2 = bm.jit(lambda: bm.random.normal(size=2), dyn_vars=bm.random.DEFAULT)
    bm.random.seed(2)
    a = np.asarray(f2())
    bm.random.seed(2)
    assert_matches(f2(), a, "float32")


# ------------------------------------------------------------------------------- Variable.update
def test_variable_update_eager(backend):
    v = bm.Variable(bm.zeros(3))
    same = v
    assert v.update(bm.ones(3)) is None
    assert same is v
    assert_matches(v, np.ones(3), "float32")
    v.update([1.0, 2.0, 3.0])
    assert_matches(v, [1.0, 2.0, 3.0], "float32")
    v.update(value=bm.full(3, 2.0))
    assert_matches(v, [2.0, 2.0, 2.0], "float32")
    t = bm.TrainVar(bm.zeros(2))
    t.update(bm.ones(2))
    assert_matches(t, [1.0, 1.0], "float32")


@pytest.mark.parametrize("value, message", [
    (lambda: bm.zeros(4), r"shape \(4,\).*shape \(3,\)"),
    (lambda: bm.zeros(3, dtype=bm.int32), "dtype int32.*dtype float32"),
])
def test_variable_update_is_atomic(backend, value, message):
    v = bm.Variable(bm.arange(3.0))
    with pytest.raises(ValueError, match=message):
        v.update(value())
    assert_matches(v, [0.0, 1.0, 2.0], "float32")  # nothing written


class _Counter(bm.Base):
    def __init__(self):
        super().__init__()
        self.v = bm.Variable(bm.zeros(3))
        self.n = bm.Variable(bm.zeros((), dtype=bm.int32))

    def step(self, x):
        self.v.update(self.v + x)
        self.n.update(value=self.n + 1)
        return self.v.value

    def bad(self, x):
        self.v.update(x, x)
        return self.v.value


def test_variable_update_inside_jit(backend):
    model = _Counter()
    f = bm.jit(model.step)
    assert_matches(f(bm.ones(3)), [1.0, 1.0, 1.0], "float32")
    assert_matches(f(bm.ones(3)), [2.0, 2.0, 2.0], "float32")
    assert_matches(model.v, [2.0, 2.0, 2.0], "float32")
    assert int(model.n.value) == 2


def test_variable_update_inside_jit_refuses_wrong_calls(backend):
    model = _Counter()
    with pytest.raises(TypeError):
        bm.jit(model.bad)(bm.ones(3))
    assert_matches(model.v, [0.0, 0.0, 0.0], "float32")


def test_variable_update_inside_for_loop(backend):
    model = _Counter()

    def body(x):
        model.v.update(model.v + x)
        return model.v.value

    out = bm.for_loop(body, bm.ones((4, 3)))
    assert_matches(out[-1], [4.0, 4.0, 4.0], "float32")
    assert_matches(model.v, [4.0, 4.0, 4.0], "float32")


class _Resize(bm.Base):
    def __init__(self):
        super().__init__()
        self.v = bm.Variable(bm.zeros(3))

    def step(self, x):
        self.v.update(x)
        return self.v.value


def test_variable_update_inside_jit_is_atomic(backend):
    model = _Resize()
    with pytest.raises(ValueError, match=r"shape \(4,\).*shape \(3,\)"):
        bm.jit(model.step)(bm.ones(4))
    assert_matches(model.v, [0.0, 0.0, 0.0], "float32")


# ------------------------------------------------------------------------------- aliases
def test_array_alias(backend):
    x = bm.Array([1.0, 2.0])
    assert isinstance(x, bm.Array) and isinstance(x, bm.ndarray)
    assert_matches(x, [1.0, 2.0], "float32")
    v = bm.Variable(bm.zeros(2))
    assert isinstance(v, bm.Array)
    assert not isinstance(bm.Array(v), bm.Variable)
    assert not isinstance(np.ones(2), bm.Array) and not isinstance([1.0], bm.Array)
    assert issubclass(type(x), bm.Array) and not issubclass(np.ndarray, bm.Array)
    assert bm.Array([1, 2], dtype=bm.float32).dtype == np.float32
    if backend == "jax":
        assert isinstance(x, bm.JaxArray)


def test_array_alias_follows_the_backend(need_backends):
    need_backends("jax", "numba")
    with bm.set_backend("jax"):
        jax_array = bm.zeros(2)
    with bm.set_backend("numba"):
        assert not isinstance(jax_array, bm.Array)
        assert isinstance(bm.zeros(2), bm.Array)
    with bm.set_backend("jax"):
        assert isinstance(jax_array, bm.Array)


def test_brainpy_object_is_base(backend):
    assert bm.BrainPyObject is bm.Base

    class Model(bm.BrainPyObject):
        def __init__(self):
            super().__init__()
            self.x = bm.Variable(bm.zeros(2))

    assert isinstance(Model(), bm.Base) and len(Model().vars()) == 1


class _Layer(bm.Base):
    def __init__(self, n):
        super().__init__()
        self.w = bm.Variable(bm.zeros(n))

    def step(self):
        self.w.value = self.w + 1.0


class _Net(bm.Base):
    def __init__(self):
        super().__init__()
        self.layers = bm.NodeList([_Layer(2), _Layer(3)])
        self.states = bm.VarList([bm.Variable(bm.zeros(2))])

    def step(self):
        for layer in self.layers:
            layer.step()
        self.states[0].value = self.states[0] + 2.0
        return self.layers[1].w.value


def test_node_list_and_var_list_are_collected(backend):
    net = _Net()
    assert list(net.vars("relative")) == ["states[0]", "layers[0].w", "layers[1].w"]
    assert [n for n in net.nodes("relative")] == ["", "layers[0]", "layers[1]"]
    assert isinstance(net.layers, list) and isinstance(net.states, list)
    f = bm.jit(net.step)
    assert_matches(f(), [1.0, 1.0, 1.0], "float32")
    assert_matches(f(), [2.0, 2.0, 2.0], "float32")
    assert_matches(net.layers[0].w, [2.0, 2.0], "float32")
    assert_matches(net.states[0], [4.0, 4.0], "float32")
    net.layers.append(_Layer(3))  # a change of the list: compiled code sees the new node
    f()
    assert_matches(net.layers[2].w, [1.0, 1.0, 1.0], "float32")


def test_node_list_and_var_list_check_elements(backend):
    with pytest.raises(TypeError, match="NodeList: element 1 must be a bm.Base object, got list"):
        bm.NodeList([_Layer(1), [1]])
    nodes = bm.NodeList()
    assert nodes.append(_Layer(1)) is nodes and len(nodes) == 1
    with pytest.raises(TypeError, match="NodeList.append: element 0 must be a bm.Base object"):
        nodes.append(bm.Variable(bm.zeros(1)))
    with pytest.raises(TypeError, match="VarList.extend: element 1 must be a bm.Variable, got"):
        bm.VarList().extend([bm.Variable(bm.zeros(1)), bm.zeros(1)])
    states = bm.VarList([bm.Variable(bm.zeros(2))])
    first = states[0]
    states[0] = bm.ones(2)  # writes into the Variable, checked
    assert states[0] is first
    assert_matches(first, [1.0, 1.0], "float32")
    with pytest.raises(ValueError, match="shape"):
        states[0] = bm.ones(3)
    assert_matches(first, [1.0, 1.0], "float32")
    replacement = bm.Variable(bm.zeros(2))
    states[0] = replacement
    assert states[0] is replacement


def test_as_numpy(backend):
    v = bm.Variable(bm.arange(3.0))
    a = bm.as_numpy(v)
    assert type(a) is np.ndarray and a.flags.writeable
    assert_matches(a, [0.0, 1.0, 2.0], "float32")
    v.value = bm.zeros(3)  # a copy: it does not follow the Variable
    assert a.tolist() == [0.0, 1.0, 2.0]
    assert type(bm.as_numpy(bm.ones(2) * 2)) is np.ndarray
    assert bm.as_numpy([1.0, 2.0]).dtype == np.float32
    assert bm.as_numpy(np.arange(3, dtype=np.int16)).dtype == np.int16


def test_as_jax(backend, need_backends):
    need_backends("jax")
    import jax
    for x in (bm.Variable(bm.arange(3.0)), bm.ones(3), np.ones(3, np.float32), [1.0, 2.0, 3.0]):
        out = bm.as_jax(x)
        assert isinstance(out, jax.Array) and out.dtype == np.float32 and out.shape == (3,)
    assert bm.as_jax(bm.arange(3), dtype=bm.float32).dtype == np.float32


def test_as_jax_without_jax_names_it(backend, monkeypatch):
    from brainpy_math import _backend
    monkeypatch.setattr(_backend, "available_backends", lambda: ["numba"])
    with pytest.raises(ImportError, match="bm.as_jax needs jax, which is not installed"):
        bm.as_jax(np.ones(2))


# ------------------------------------------------------------------------------- control flow
def _double(x):
    return x * 2.0


def test_for_loop_body_fun_keyword(backend):
    out = bm.for_loop(body_fun=_double, operands=bm.ones(3))
    assert_matches(out, [2.0, 2.0, 2.0], "float32")
    assert_matches(bm.for_loop(_double, operands=bm.ones(2)), [2.0, 2.0], "float32")
    with pytest.raises(TypeError, match="not both"):
        bm.for_loop(_double, bm.ones(3), body_fun=_double)
    with pytest.raises(TypeError, match="missing argument 'body' \\(or BrainPy's name, 'body_fun'\\)"):
        bm.for_loop(operands=bm.ones(3))
    with pytest.raises(TypeError, match="missing argument 'operands'"):
        bm.for_loop(body_fun=_double)


def _one():
    return 1.0


def _zero():
    return 0.0


@pytest.mark.parametrize("condition, expected", [(True, 1.0), (False, 0.0), (np.bool_(True), 1.0),
                                                 (np.asarray(False), 0.0)])
def test_ifelse_single_condition(backend, condition, expected):
    out = bm.ifelse(condition, [_one, _zero])
    assert isinstance(out, bm.ndarray) and out.shape == ()
    assert float(out) == expected
    out = bm.ifelse([condition], [_one, _zero])  # eager ifelse returns an array on every backend
    assert isinstance(out, bm.ndarray) and float(out) == expected
    assert isinstance(bm.cond(condition, _one, _zero), bm.ndarray)


def test_ifelse_single_condition_errors(backend):
    with pytest.raises(ValueError, match="one more element than 'conditions'.*1 condition\\(s\\) and 3"):
        bm.ifelse(True, [_one, _zero, _zero])
    with pytest.raises(TypeError, match="argument 'conditions' must be a scalar condition"):
        bm.ifelse(np.ones(3) > 0, [_one, _zero])


class _Switch(bm.Base):
    def __init__(self):
        super().__init__()
        self.x = bm.Variable(bm.zeros(()))

    def step(self, flag):
        return bm.ifelse(flag > 0, [self._up, self._down])

    def _up(self):
        return self.x + 1.0

    def _down(self):
        return self.x - 1.0


def test_ifelse_single_condition_inside_jit(backend):
    model = _Switch()
    f = bm.jit(model.step)
    assert float(f(bm.asarray(1.0))) == 1.0
    assert float(f(bm.asarray(-1.0))) == -1.0
