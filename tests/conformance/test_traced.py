"""Frontend functions inside ``jax.jit`` on the JAX backend (traced), against eager calls.

The calls of ``_calls.CASES`` are made inside one jitted function per area (one trace and one
compilation per area) and compared with the same calls made eagerly. Functions whose output
shape depends on values (``PROVIDERS[...].compiled == 'traced, size='``) must raise
``NotImplementedError`` without jax's ``size=`` argument and work with it.
"""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import brainpy_math as bm  # noqa: E402
from brainpy_math import _api  # noqa: E402
from _calls import CASES, calls, inputs  # noqa: E402
from _strategies import assert_same, unwrap  # noqa: E402

_INPUT_NAMES = "F V W I J B M N S".split()


def _providers():
    return bm._backend.load("jax").PROVIDERS


def _traced_cases(area: str) -> list[tuple[str, str]]:
    return [(name, source) for name, provision in sorted(_providers().items())
            if provision.compiled == "traced" and name in CASES and _api.area_of(name) == area
            for source in calls(name)]


def _call(name: str, source: str, values: dict):
    return eval(f"bm.{name}({source})", {"bm": bm, "np": np, **values})


AREAS = sorted({_api.area_of(name) for name in CASES})


@pytest.mark.parametrize("area", AREAS)
def test_functions_trace_under_jit(area):
    with bm.set_backend("jax"):
        cases = _traced_cases(area)
        values = {k: bm.asarray(v) for k, v in inputs().items()}

        @jax.jit
        def batch(values):
            return [_call(name, source, values) for name, source in cases]

        traced = batch(values)
        for (name, source), got in zip(cases, traced):
            want = unwrap(_call(name, source, values))
            assert_same(got, want, scale=4.0)


def test_every_traced_function_has_a_call():
    # put writes in place and returns None: test_put_inside_jit covers it.
    missing = [name for name, p in _providers().items() if p.compiled != _api.UNSUPPORTED and name not in CASES
               and _api.area_of(name) != "array_api" and name != "put"]
    assert not missing, missing


def test_put_inside_jit():
    with bm.set_backend("jax"):
        @jax.jit
        def written(values):
            target = bm.zeros(4)
            bm.put(target, bm.asarray([0, -1]), values)
            return target

        np.testing.assert_array_equal(np.asarray(written(bm.asarray([1.0, 2.0]))), [1.0, 0.0, 0.0, 2.0])


@pytest.mark.parametrize("name", sorted(n for n, p in _api.all_names().items()
                                        if n in CASES and n in {"nonzero", "argwhere", "flatnonzero",
                                                                "unique", "unique_values", "intersect1d"}))
def test_value_dependent_shapes_need_size_inside_jit(name):
    with bm.set_backend("jax"):
        assert _providers()[name].compiled == "traced, size="
        x = bm.asarray(np.array([3, 1, 3, 0, 7], np.int32))
        args = (x, x) if name == "intersect1d" else (x,)
        with pytest.raises(NotImplementedError, match=rf"bm\.{name}.*size="):
            jax.jit(lambda *a: bm.__dict__[name](*a))(*args)
        result = jax.jit(lambda *a: bm.__dict__[name](*a, size=5))(*args)
        assert result is not None
