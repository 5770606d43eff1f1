"""BrainPy 2.x's control-flow and object conventions on every backend: ``while_loop`` bodies that
return ``None`` or a bare value, ``body_fun=``/``cond_fun=``, ``bm.cls_jit``, ``bm.to_object``,
and the numba backend's message for a Variable passed as an argument of a jitted function."""
from __future__ import annotations

import numpy as np
import pytest

import brainpy_math as bm


# ---------------------------------------------------------------------------------- while_loop
class _Counter(bm.Base):
    def __init__(self):
        super().__init__()
        self.n = bm.Variable(bm.zeros(1))

    def body(self, i):
        self.n.value = self.n + i  # returns None: the operand stays, the Variable changes

    def cond(self, i):
        return self.n[0] < 7

    def run(self, i):
        return bm.while_loop(self.body, self.cond, (i,))


def _inc(x):
    return x + 1


def _below_five(x):
    return x[0] < 5


@pytest.mark.parametrize("as_tuple", [True, False])
def test_while_loop_body_returning_none_keeps_operands(backend, as_tuple):
    c = _Counter()
    start = bm.asarray(2.0)
    out = bm.while_loop(c.body, c.cond, (start,) if as_tuple else start)
    out = out[0] if as_tuple else out
    assert float(out) == 2.0
    assert np.asarray(c.n.value).tolist() == [8.0]


def test_while_loop_body_returning_none_with_two_operands(backend):
    c = _Counter()

    def body(i, j):
        c.n.value = c.n + i

    def cond(i, j):
        return c.n[0] < 7
    out = bm.while_loop(body, cond, (bm.asarray(3.0), bm.ones(2)))
    assert float(out[0]) == 3.0 and np.asarray(out[1]).tolist() == [1.0, 1.0]
    assert np.asarray(c.n.value).tolist() == [9.0]


def test_while_loop_bare_value_for_a_one_tuple(backend):
    out = bm.while_loop(_inc, _below_five, (bm.zeros(3),))
    assert isinstance(out, tuple) and len(out) == 1
    assert np.asarray(out[0]).tolist() == [5.0, 5.0, 5.0]
    out = bm.while_loop(_inc, lambda x: x[0, 0] < 2, [bm.zeros((2, 2))])
    assert np.asarray(out[0]).tolist() == [[2.0, 2.0], [2.0, 2.0]]


def test_while_loop_inside_jit(backend):
    c = _Counter()
    if backend == "numba":  # the numba backend compiles methods to Numba: no bm.while_loop inside
        with pytest.raises(NotImplementedError, match="Write a Python `while` loop"):
            bm.jit(c.run)(bm.asarray(2.0))
        assert np.asarray(c.n.value).tolist() == [0.0]
        return
    out = bm.jit(c.run)(bm.asarray(2.0))
    assert float(out[0]) == 2.0 and np.asarray(c.n.value).tolist() == [8.0]
    c.n.value = bm.zeros(1)
    bare = bm.jit(lambda x: bm.while_loop(_inc, lambda y: y < 4, x))(bm.asarray(0))
    assert int(bare) == 4


def test_while_loop_brainpy_keywords(backend):
    out = bm.while_loop(body_fun=_inc, cond_fun=_below_five, operands=(bm.zeros(2),))
    assert np.asarray(out[0]).tolist() == [5.0, 5.0]
    with pytest.raises(TypeError, match="'body' or as 'body_fun'"):
        bm.while_loop(_inc, _below_five, (bm.zeros(2),), body_fun=_inc)
    with pytest.raises(TypeError, match="'cond' or as 'cond_fun'"):
        bm.while_loop(_inc, _below_five, (bm.zeros(2),), cond_fun=_below_five)
    with pytest.raises(TypeError, match="missing argument 'cond' \\(or BrainPy's name, 'cond_fun'\\)"):
        bm.while_loop(body_fun=_inc, operands=(bm.zeros(2),))


def _two_for_one(i):
    return i, i


def _text(i):
    return "x"


@pytest.mark.parametrize("body, operands, message", [
    (None, (0, 1), "while_loop: body returned 1 value(s) for 2 operand(s); it must return the new "
                             "operands (a tuple of 2 arrays), or None to keep them"),
    (_text, (0,), "while_loop: body returned 'x' (str) as an operand's new value; it must return the "
                          "new value of the operand (an array or a number), or None to keep it"),
    (_two_for_one, 0, "while_loop: body returned 2 value(s) for 1 operand(s); it must return the new value "
                          "of the operand (an array or a number), or None to keep it"),
])
def test_while_loop_bad_body_result_is_the_same_error(backend, body, operands, message):
    c = _Counter()
    ops = tuple(bm.asarray(o) for o in operands) if isinstance(operands, tuple) else bm.asarray(operands)

    def cond(i):
        return i < 5

    def failing(i):
        c.n.value = c.n + 1
        return body(i)

    def cond2(i, j):
        return i < 5

    def failing2(i, j):  # one value for two operands
        c.n.value = c.n + 1
        return i
    with pytest.raises(TypeError) as info:
        if body is None:
            bm.while_loop(failing2, cond2, ops)
        else:
            bm.while_loop(failing, cond, ops)
    assert str(info.value) == message
    assert np.asarray(c.n.value).tolist() == [0.0]  # a failing loop leaves the Variable as it was


# ------------------------------------------------------------------------------------- cls_jit
class _Neuron(bm.Base):
    def __init__(self, n):
        super().__init__()
        self.V = bm.Variable(bm.zeros(n))

    @bm.cls_jit
    def update(self, x):
        self.V.value = self.V * 0.5 + x
        return self.V.value

    @bm.cls_jit(static_argnames="k")
    def scaled(self, k):
        return self.V * k


def test_cls_jit_compiles_per_instance(backend):
    a, b = _Neuron(2), _Neuron(3)
    a.update(2.0)
    assert np.asarray(a.update(2.0)).tolist() == [3.0, 3.0]
    assert np.asarray(b.update(1.0)).tolist() == [1.0, 1.0, 1.0]
    assert np.asarray(a.V.value).tolist() == [3.0, 3.0]
    assert a.update is a.update and a.update is not b.update
    assert np.asarray(a.scaled(k=2)).tolist() == [6.0, 6.0]
    assert list(a.vars().values()) == [a.V] and list(a.nodes()) == [a.name]
    assert np.asarray(_Neuron.update(a, 0.0)).tolist() == [1.5, 1.5]


def test_cls_jit_rejects_other_objects(backend):
    class Plain:
        @bm.cls_jit
        def f(self):
            return 1
    with pytest.raises(TypeError, match="must be a method of a bm.Base subclass, got an instance of Plain"):
        Plain().f()
    with pytest.raises(TypeError, match="argument 'func' must be a function"):
        bm.cls_jit(3)


# ----------------------------------------------------------------------------------- to_object
def test_to_object_holds_the_variables_and_calls(backend):
    v = bm.Variable(bm.zeros(2))

    def add(x):
        v.value = v + x
        return v.value * 2

    obj = bm.to_object(add, dyn_vars=[v])
    assert isinstance(obj, bm.Base) and list(obj.vars().values()) == [v]
    assert np.asarray(obj(1.0)).tolist() == [2.0, 2.0]
    assert np.asarray(v.value).tolist() == [1.0, 1.0]
    child = _Neuron(1)
    both = bm.to_object(add, child_objs=child, dyn_vars=v)
    assert list(both.vars().values()) == [v, child.V]
    with pytest.raises(TypeError, match="to_object: argument 'dyn_vars' must be a bm.Variable"):
        bm.to_object(add, dyn_vars=[1])
    with pytest.raises(TypeError, match="to_object: argument 'f' must be callable"):
        bm.to_object(3)


def test_to_object_under_jit(backend):
    v = bm.Variable(bm.zeros(2))

    @bm.to_object(dyn_vars=v)
    def add(x):
        v.value = v + x
        return v.value * 2
    jitted = bm.jit(add)
    jitted(1.0)
    assert np.asarray(jitted(2.0)).tolist() == [6.0, 6.0]
    assert np.asarray(v.value).tolist() == [3.0, 3.0]

    # A function defined in a doctest of a brainpy_math module carries that module's name; it is
    # still the user's code and compiles (the numba backend once refused it as library code).
    def shift(x):
        v.value = v + x
    shift.__module__ = "brainpy_math.transforms"
    bm.jit(bm.to_object(shift, dyn_vars=v))(1.0)
    assert np.asarray(v.value).tolist() == [4.0, 4.0]

    def scale(x, y, k=2.0):  # a default: the object's __call__ takes *args (the jax backend compiles it)
        return (x + y) * k
    obj = bm.to_object(scale)
    assert np.asarray(obj(1.0, 2.0)).tolist() == 6.0


# ------------------------------------------------------------------- Variable as a jit argument
def test_numba_message_for_a_variable_argument(need_backends):
    need_backends("numba")
    with bm.set_backend("numba"):
        v = bm.Variable(bm.zeros(2))

        @bm.jit
        def f(a, x):
            a.value = a + x
            return a.value
        with pytest.raises(NotImplementedError) as info:
            f(v, 1.0)
        message = str(info.value)
        assert "'a' is an argument of the compiled function" in message
        assert "Reach the Variable through the object instead of passing it (self.a" in message
        assert "Make a.value a bm.Variable" not in message
        assert np.asarray(v.value).tolist() == [0.0, 0.0]


def test_variable_argument_value_assignment_on_jax(need_backends):
    need_backends("jax")
    with bm.set_backend("jax"):
        v = bm.Variable(bm.zeros(2))

        @bm.jit
        def f(a, x):
            a.value = a + x
            return a.value
        assert np.asarray(f(v, 1.0)).tolist() == [1.0, 1.0]
