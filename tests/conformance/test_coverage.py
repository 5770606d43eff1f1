"""Every function of the frontend is provided by each backend's table and has a conformance test."""
from __future__ import annotations

import importlib

import pytest

import brainpy_math as bm
from brainpy_math import _api

MODULES = ("test_ufuncs", "test_reductions", "test_manipulation", "test_creation", "test_linalg", "test_fft",
           "test_sorting", "test_array_api", "test_activations", "test_conversion", "test_brainpy_names_more")


def _tested() -> set[str]:
    names: set[str] = set()
    for module in MODULES:
        names |= importlib.import_module(module).COVERED
    return names


def test_every_listed_function_has_a_conformance_test():
    missing = sorted(set(_api.all_names()) - _tested())
    assert not missing, f"functions without a conformance test: {missing}"


def test_conformance_modules_test_only_listed_functions():
    assert not sorted(_tested() - set(_api.all_names()))


@pytest.mark.parametrize("name", bm.available_backends())
def test_backend_table_lists_every_function(name):
    providers = bm._backend.load(name).PROVIDERS
    assert set(providers) == set(_api.all_names())
    assert all(isinstance(p, _api.Provision) for p in providers.values())


def test_every_function_exists_on_the_frontend_and_each_backend(backend):
    module = bm._backend.current()
    for qualified in _api.all_names():
        namespace, _, name = qualified.rpartition(".")
        assert callable(getattr(getattr(bm, namespace) if namespace else bm, name)), qualified
        assert callable(getattr(getattr(module, namespace) if namespace else module, name)), qualified


def test_coverage_counts_the_tables():
    table = _api.coverage()
    assert sum(row["listed"] for row in table.values()) == len(_api.all_names())
    for backend in bm.available_backends():
        assert all(row[backend] <= row["listed"] for row in table.values())
    assert "| **total** |" in _api.format_coverage()
