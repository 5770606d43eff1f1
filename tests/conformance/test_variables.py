"""Variables and Base on every backend: state containers, collection, writes that keep identity."""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm
from _assertions import assert_matches


def test_variable_classes_and_isinstance(backend):
    v, t, p = bm.Variable(bm.zeros(3)), bm.TrainVar(bm.ones(2)), bm.Parameter(bm.asarray(10.0))
    assert isinstance(v, bm.Variable) and not isinstance(v, bm.TrainVar)
    assert isinstance(t, bm.Variable) and isinstance(t, bm.TrainVar)
    assert isinstance(p, bm.Variable) and isinstance(p, bm.Parameter)
    for var in (v, t, p):
        assert isinstance(var, bm.ndarray)
    assert not isinstance(bm.zeros(3), bm.Variable)


def test_variable_value_reads_and_writes_in_place(backend):
    v = bm.Variable(bm.zeros(3))
    same = v
    v.value = bm.ones(3)
    assert same is v
    assert_matches(v.value, np.ones(3), "float32")
    v.value = [1.0, 2.0, 3.0]
    assert_matches(v, [1.0, 2.0, 3.0], "float32")
    v.value = 4  # a Python int is a compatible scalar for a float Variable: filled and cast
    assert_matches(v, [4.0, 4.0, 4.0], "float32")
    v[1] = 7.0
    v += 1.0
    assert_matches(v, [5.0, 8.0, 5.0], "float32")
    assert v.dtype == np.float32 and v.shape == (3,)


def test_variable_owns_its_memory(backend):
    source = np.zeros(3, np.float32)
    v = bm.Variable(source)
    v[0] = 1.0
    assert source[0] == 0.0


@pytest.mark.parametrize("value, message", [
    (lambda: bm.zeros(4), r"shape \(4,\).*shape \(3,\)"),
    (lambda: bm.zeros(3, dtype=bm.int32), "dtype int32.*dtype float32"),
    (lambda: [1.0, 2.0], r"shape \(2,\).*shape \(3,\)"),
    (lambda: 1 + 2j, "complex"),
])
def test_variable_refuses_another_shape_or_dtype(backend, value, message):
    v = bm.Variable(bm.arange(3.0))
    with pytest.raises(ValueError, match=message):
        v.value = value()
    assert_matches(v, [0.0, 1.0, 2.0], "float32")  # nothing written


def test_integer_variable_refuses_a_float_scalar(backend):
    v = bm.Variable(bm.arange(3))
    with pytest.raises(ValueError, match="float.*int32"):
        v.value = 1.5
    assert v.tolist() == [0, 1, 2]


def test_results_derived_from_a_variable_are_plain_arrays(backend):
    v = bm.Variable(bm.ones(3))
    for derived in (v + 1, v[:2], v.reshape(3, 1), bm.exp(v), v.copy()):
        assert not isinstance(derived, bm.Variable)
        assert isinstance(derived, bm.ndarray)


def test_variable_repr_names_its_class(backend):
    assert repr(bm.Variable(bm.arange(3))).startswith("Variable([0, 1, 2]")
    assert repr(bm.TrainVar(bm.arange(2))).startswith("TrainVar(")


class LIF(bm.Base):
    def __init__(self, n, name=None):
        super().__init__(name=name)
        self.V = bm.Variable(bm.zeros(n))
        self.tau = 10.0

    def update(self):
        self.V = self.V + 1.0


class Synapse(bm.Base):
    def __init__(self, pre, post, shared):
        super().__init__()
        self.pre, self.post = pre, post
        self.g = bm.Variable(bm.zeros(post.V.shape[0]))
        self.shared = shared


class Network(bm.Base):
    def __init__(self):
        super().__init__()
        self.shared = bm.Variable(bm.zeros(1))
        self.E, self.I = LIF(4), LIF(2)
        self.synapses = [Synapse(self.E, self.I, self.shared), Synapse(self.I, self.E, self.shared)]
        self.extra = {"w": bm.TrainVar(bm.ones(2)), "nested": (bm.Variable(bm.zeros(2)),)}
        self.constant = bm.ones(3)  # a plain array is not state


def test_vars_finds_every_variable_once(backend):
    net = Network()
    found = net.vars()
    ids = [id(v) for v in found.values()]
    assert len(ids) == len(set(ids)) == 7
    assert found[f"{net.E.name}.V"] is net.E.V
    assert found[f"{net.synapses[0].name}.g"] is net.synapses[0].g
    assert sum(v is net.shared for v in found.values()) == 1
    assert any(v is net.extra["w"] for v in found.values())
    assert any(v is net.extra["nested"][0] for v in found.values())
    assert not any(v is net.constant for v in found.values())


def test_vars_keys_are_stable_and_relative_paths_work(backend):
    net = Network()
    assert list(net.vars().keys()) == list(net.vars().keys())
    relative = net.vars(method="relative")
    assert relative["E.V"] is net.E.V
    assert relative["synapses[1].g"] is net.synapses[1].g
    assert relative["extra['w']"] is net.extra["w"]


def test_train_vars_and_nodes(backend):
    net = Network()
    assert list(net.train_vars().values()) == [net.extra["w"]]
    nodes = net.nodes()
    assert set(nodes) == {net.name, net.E.name, net.I.name, net.synapses[0].name, net.synapses[1].name}
    assert nodes[net.E.name] is net.E
    assert net.name not in net.nodes(include_self=False)


def test_collector_helpers(backend):
    net = Network()
    values = net.vars().dict()
    net.E.V.value = bm.ones(4)
    net.vars().assign(values)
    assert_matches(net.E.V, np.zeros(4), "float32")


def test_names_are_unique_and_explicit_duplicates_refused(backend):
    a, b = LIF(1), LIF(1)
    assert a.name != b.name and a.name.startswith("LIF")
    named = LIF(1, name="only_one")
    with pytest.raises(ValueError, match="'only_one'.*already used"):
        LIF(1, name="only_one")
    with pytest.raises(ValueError, match="identifier"):
        LIF(1, name="not a name")
    del named


def test_assigning_a_plain_value_writes_into_the_variable(backend):
    lif = LIF(3)
    v = lif.V
    lif.update()
    lif.update()
    assert lif.V is v
    assert_matches(v, [2.0, 2.0, 2.0], "float32")
    with pytest.raises(ValueError, match="shape"):
        lif.V = bm.ones(5)
    assert_matches(v, [2.0, 2.0, 2.0], "float32")
    replacement = bm.Variable(bm.zeros(5))
    lif.V = replacement  # assigning a Variable rebinds
    assert lif.V is replacement
