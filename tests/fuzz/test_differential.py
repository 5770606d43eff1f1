"""Differential fuzzing of ``bm.jit``: drawn models agree eagerly and compiled, on both backends.

:func:`check_model` builds a fresh model per path from the same initial values, calls its
``update`` twice and compares every Variable (values and dtype) and the returned value:

- within a backend, each compiled path against that backend's eager run: Numba fused and
  ``fuse=False``, JAX ``jit``;
- across backends, Numba's eager run against JAX's eager run: the same dtypes always, the same
  values unless the model writes through a slice of a Variable (a view on Numba, a copy on JAX);
- a call that raises must raise the same exception type on every path.

Integers and bools are compared exactly, floats with ``rtol=1e-5, atol=1e-5`` (a fused loop may
compute a float32 expression in float64 before storing it). The default run draws a few models
(derandomized, so CI sees the same ones); ``pytest -m fuzz tests/fuzz`` runs the large budget
(``BRAINPY_MATH_FUZZ_EXAMPLES`` examples, default 200, drawn afresh each run).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings

import brainpy_math as bm

from ._generator import ModelSpec, load_module, model_specs, policy

CALLS = 2
RTOL = ATOL = 1e-5
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
# No shrinking in the default run: each step compiles again (minutes); the failing model is printed
# whole, and the large budget shrinks.
SMALL = settings(max_examples=5, deadline=None, derandomize=True, database=None, suppress_health_check=_HEALTH,
                 phases=(Phase.explicit, Phase.generate))
LARGE = settings(max_examples=int(os.environ.get("BRAINPY_MATH_FUZZ_EXAMPLES", "200")), deadline=None,
                 suppress_health_check=_HEALTH)


@dataclass
class Outcome:
    """What one path did: per call, a :class:`Raised` or (return value, Variables)."""

    calls: list


@dataclass
class Raised:
    """An exception: paths are compared by its type's name; the message helps reading a failure."""

    name: str
    message: str

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Raised) and other.name == self.name

    def __str__(self) -> str:
        first = self.message.splitlines()[0] if self.message else ""
        return f"{self.name}: {first[:300]}"


def _snapshot(value: Any) -> tuple | None:
    if value is None:
        return None
    array = np.array(value)  # a copy: the Numba backend writes Variables in place
    return array, array.dtype


def _run(make: Callable[[Any], Callable[[], Any]], factory: Callable[[], Any], backend: str) -> Outcome:
    calls: list = []
    with bm.set_backend(backend):
        model = factory()
        names = [re.sub(r"\d+\.", ".", key) for key in model.vars()]
        try:
            step = make(model)
        except Exception as error:  # noqa: BLE001 - the error's type is what is compared
            return Outcome([Raised(type(error).__name__, str(error))])
        for _ in range(CALLS):
            try:
                result = step()
            except Exception as error:  # noqa: BLE001
                calls.append(Raised(type(error).__name__, str(error)))
                break
            variables = {f"{i}:{name}": _snapshot(v.value)
                         for i, (name, v) in enumerate(zip(names, model.vars().values()))}
            calls.append((_snapshot(result), variables))
    return Outcome(calls)


PATHS: dict[str, tuple[str, Callable]] = {
    "numba eager": ("numba", lambda model: model.update),
    "numba jit": ("numba", lambda model: bm.jit(model.update)),
    "numba jit fuse=False": ("numba", lambda model: bm.jit(model.update, fuse=False)),
    "jax eager": ("jax", lambda model: model.update),
    "jax jit": ("jax", lambda model: bm.jit(model.update)),
}
# (path, reference, compare values too): which path is checked against which.
COMPARISONS = [("numba jit", "numba eager", True), ("numba jit fuse=False", "numba eager", True),
               ("jax jit", "jax eager", True), ("jax eager", "numba eager", None)]


def _differences(label: str, got: tuple | None, want: tuple | None, values: bool) -> list[str]:
    if (got is None) != (want is None):
        return [f"{label}: {'None' if got is None else 'a value'} != {'None' if want is None else 'a value'}"]
    if got is None:
        return []
    (g, gd), (w, wd) = got, want
    if gd != wd:
        return [f"{label}: dtype {gd} != {wd}"]
    if g.shape != w.shape:
        return [f"{label}: shape {g.shape} != {w.shape}"]
    if not values:
        return []
    if gd.kind == "f":
        ok = np.allclose(g, w, rtol=RTOL, atol=ATOL, equal_nan=True)
    else:
        ok = np.array_equal(g, w)
    return [] if ok else [f"{label}: {g.tolist()} != {w.tolist()}"]


def compare(got: Outcome, want: Outcome, values: bool) -> list[str]:
    """The differences between two paths' outcomes (empty when they agree)."""
    problems = []
    for call, (g, w) in enumerate(zip(got.calls, want.calls)):
        if isinstance(g, Raised) or isinstance(w, Raised):
            if g != w:
                describe = lambda x: f"raised {x}" if isinstance(x, Raised) else "returned"  # noqa: E731
                problems.append(f"call {call}: {describe(g)}; reference {describe(w)}")
            break
        problems += _differences(f"call {call} return", g[0], w[0], values)
        for name in sorted(set(g[1]) | set(w[1])):
            if name not in g[1] or name not in w[1]:
                problems.append(f"call {call}: Variable {name} only on one path")
                continue
            problems += _differences(f"call {call} {name}", g[1][name], w[1][name], values)
    if len(got.calls) != len(want.calls) and not problems:
        problems.append(f"{len(got.calls)} calls != {len(want.calls)}")
    return problems


def check_class(factory: Callable[[], Any], *, x64: bool = False, views: bool = False,
                paths: tuple[str, ...] | None = None, source: str = "") -> dict[str, Outcome]:
    """Run ``factory()``'s ``update`` on every installed path and assert that the paths agree.

    ``views``: the model writes through a slice of a Variable, so Numba and JAX are compared in
    dtypes only. Paths of a backend that is not installed are left out (the Numba-only CI
    environment runs the Numba paths alone). Returns the outcomes by path name.
    """
    available = bm.available_backends()
    chosen = [p for p in (paths or PATHS) if PATHS[p][0] in available]
    outcomes: dict[str, Outcome] = {}
    with policy(x64):
        for path in chosen:
            backend, make = PATHS[path]
            outcomes[path] = _run(make, factory, backend)
    problems = []
    for path, reference, values in COMPARISONS:
        if path in outcomes and reference in outcomes:
            values = not views if values is None else values
            problems += [f"{path} vs {reference}: {p}" for p in compare(outcomes[path], outcomes[reference], values)]
    assert not problems, "\n".join(problems) + ("\n\nmodel:\n" + source if source else "")
    return outcomes


def check_model(spec: ModelSpec) -> dict[str, Outcome]:
    """:func:`check_class` of a drawn model, written to a module file and imported.

    A drawn model is valid by construction, so its eager run must not raise either: an error
    there is a bug of the generator or of the eager backend, not an agreement to pass over.
    """
    module = load_module(spec.source())
    outcomes = check_class(module.Model, x64=spec.x64, views=spec.writes_through_views, source=spec.source())
    for path in ("numba eager", "jax eager"):
        raised = [c for c in outcomes.get(path, Outcome([])).calls if isinstance(c, Raised)]
        assert not raised, f"{path} raised {raised[0]}\n\nmodel:\n{spec.source()}"
    return outcomes


@pytest.mark.needs_backends("numba")  # skipped without Numba, failed where it is required (conftest)
@SMALL
@given(model_specs(max_statements=5))
def test_drawn_models_agree_on_every_path(spec):
    check_model(spec)


@pytest.mark.fuzz
@pytest.mark.needs_backends("numba")
@LARGE
@given(model_specs())
def test_drawn_models_agree_on_every_path_large_budget(spec):
    check_model(spec)


def test_compare_reports_every_kind_of_difference():
    # The harness itself can fail: a dtype, a value, a shape, an error and a missing return differ.
    f32 = np.float32
    base = Outcome([(None, {"0:v": (np.array([1.0], f32), np.dtype(f32))})])
    assert compare(base, base, values=True) == []
    other_dtype = Outcome([(None, {"0:v": (np.array([1.0]), np.dtype(np.float64))})])
    other_value = Outcome([(None, {"0:v": (np.array([1.001], f32), np.dtype(f32))})])
    other_shape = Outcome([(None, {"0:v": (np.array([1.0, 1.0], f32), np.dtype(f32))})])
    raised = Outcome([Raised("TypeError", "no")])
    returned = Outcome([((np.array(1.0, f32), np.dtype(f32)), base.calls[0][1])])
    assert "dtype" in compare(other_dtype, base, values=True)[0]
    assert compare(other_value, base, values=True) and not compare(other_value, base, values=False)
    assert "shape" in compare(other_shape, base, values=True)[0]
    assert "raised TypeError" in compare(raised, base, values=True)[0]
    assert compare(raised, Outcome([Raised("TypeError", "other message")]), values=True) == []
    assert compare(raised, Outcome([Raised("ValueError", "no")]), values=True)
    assert "None" in compare(returned, base, values=True)[0]


class Float16Decay(bm.Base):
    def __init__(self):
        super().__init__()
        self.v = bm.Variable(bm.asarray([1.5, 2.5], dtype=bm.float16))

    def update(self):
        self.v.value = self.v * 0.5 + 1
        return self.v


@pytest.mark.needs_backends("numba")
def test_float16_models_agree_eagerly_and_numba_jit_names_its_limit():
    # float16 is left out of the drawn dtypes: Numba has no float16 arithmetic, and its jit says so.
    outcomes = check_class(Float16Decay, paths=("numba eager", "jax eager", "jax jit"))
    assert outcomes["numba eager"].calls[0][0][1] == np.dtype(np.float16)
    for path in ("numba jit", "numba jit fuse=False"):
        backend, make = PATHS[path]
        outcome = _run(make, Float16Decay, backend)
        assert outcome.calls == [Raised("NotImplementedError", "")], outcome.calls
        assert "float16" in outcome.calls[0].message and "jax" in outcome.calls[0].message.lower()
