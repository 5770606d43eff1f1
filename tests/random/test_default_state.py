"""The default RandomState and the module-level functions, written once in the frontend
(``brainpy_math.random.DefaultState``) and used by every backend."""
from __future__ import annotations

import inspect
import threading
import time

import numpy as np
import pytest

import brainpy_math as bm
import brainpy_math.random as frontend


def test_the_state_is_made_once_even_by_threads_starting_together(backend):
    made = []

    def make():
        time.sleep(0.05)  # wide enough a window for every thread to find no state yet
        made.append(bm.random.RandomState(0))
        return made[-1]

    default_state = frontend.DefaultState(make)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(default_state())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 1 and all(s is made[0] for s in seen) and len(seen) == 8


def test_functions_are_the_methods_of_the_default_state(backend):
    default_state = frontend.DefaultState(lambda: bm.random.RandomState(5))
    functions = default_state.functions()
    assert list(functions) == list(frontend.FORWARDED)
    for name, function in functions.items():
        assert function.__qualname__ == name
        assert inspect.signature(function) == inspect.signature(getattr(frontend.RandomState, name))
    twin = bm.random.RandomState(5)
    np.testing.assert_array_equal(np.asarray(functions["normal"](1.0, 2.0, size=4)),
                                  np.asarray(twin.normal(1.0, 2.0, size=4)))
    assert np.asarray(default_state().counter.value).tolist() == np.asarray(twin.counter.value).tolist()


def test_each_backend_forwards_every_draw_to_its_own_default_state(backend):
    module = bm._backend.load(backend).random
    assert set(frontend.FORWARDED) <= set(module.__all__)
    assert isinstance(module.default_state, frontend.DefaultState)
    state = module.default_state()
    assert type(state) is module.RandomState and state is bm.random.default_state()
    bm.random.seed(9)
    before = np.asarray(state.counter.value).tolist()
    module.uniform(size=3)
    assert before == [0, 0] and np.asarray(state.counter.value).tolist() == [0, 3]


def test_a_backend_class_without_its_array_type_is_refused():
    class Incomplete(frontend.RandomState):
        pass

    with pytest.raises(NotImplementedError, match="Incomplete must implement _state_values"):
        Incomplete(0)


def test_seed_rewrites_the_variables_in_place(backend):
    rs = bm.random.RandomState(1)
    key, counter = rs.key, rs.counter
    rs.uniform(size=3)
    rs.seed(2 ** 32 + 7)
    assert rs.key is key and rs.counter is counter
    assert np.asarray(key.value).tolist() == [1, 7] and np.asarray(counter.value).tolist() == [0, 0]
