"""Every docstring example of the frontend and of both backends runs, one test per module.

Modules are listed from the file system (``pkgutil.iter_modules``), not by importing them, so that
a backend whose dependencies are missing is still listed, then skipped, or failed where it is
required (as under CI), by ``need_backends`` of tests/conftest.py. A backend module's examples run
with that backend current; a frontend module's with the default one, except that a docstring
calling ``bm.set_backend('<name>')`` needs that backend.
"""
from __future__ import annotations

import ast
import doctest
import importlib
import importlib.util
import os
import pkgutil
from collections.abc import Iterator

import pytest

import brainpy_math as bm

# Package -> the backend its modules belong to (None: the frontend, which needs none).
PACKAGES = {"brainpy_math": None, "brainpy_math_jax": "jax", "brainpy_math_numba": "numba"}


def _walk(prefix: str, paths: list[str]) -> Iterator[str]:
    for info in pkgutil.iter_modules(paths, prefix):
        yield info.name
        if info.ispkg:
            yield from _walk(info.name + ".", [os.path.join(info.module_finder.path, info.name.rpartition(".")[2])])


def module_names(package: str) -> list[str]:
    """``package`` and all its modules and subpackages, found without importing them."""
    spec = importlib.util.find_spec(package)
    if spec is None:
        raise ModuleNotFoundError(f"package {package!r} is not installed (pip install -e .)")
    return [package, *_walk(package + ".", list(spec.submodule_search_locations))]


def _params():
    for package, backend in PACKAGES.items():
        marks = [pytest.mark.needs_backends(backend)] if backend else []
        for name in module_names(package):
            yield pytest.param(name, backend, marks=marks, id=name)


# Frontend functions that need one backend installed whatever the current one is.
NEEDS_BACKEND = {"as_jax": "jax"}


def backends_named(test: doctest.DocTest) -> set[str]:
    """The backends an example selects by ``set_backend('<name>')`` or needs by calling a function
    of ``NEEDS_BACKEND`` (read from its syntax tree).

    >>> parser = doctest.DocTestParser()
    >>> test = parser.get_doctest(">>> with bm.set_backend('jax'):\\n...     pass\\n", {}, "t", None, 0)
    >>> sorted(backends_named(test))
    ['jax']
    >>> sorted(backends_named(parser.get_doctest(">>> bm.as_jax(1)\\n", {}, "t", None, 0)))
    ['jax']
    """
    names = set()
    for example in test.examples:
        for node in ast.walk(ast.parse(example.source)):
            called = getattr(node.func, "attr", getattr(node.func, "id", None)) if isinstance(node, ast.Call) else None
            if called in NEEDS_BACKEND:
                names.add(NEEDS_BACKEND[called])
            if (called == "set_backend"
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                names.add(node.args[0].value)
    return names


@pytest.mark.parametrize("name, backend", list(_params()))
def test_docstring_examples(name, backend, need_backends):
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    left_out: dict[str, set[str]] = {}
    # A backend module's examples are about that backend; the `with` also restores whatever
    # backend an example may select.
    with bm.set_backend(backend or bm.get_backend()):
        for test in doctest.DocTestFinder().find(module, name):
            missing = {b for b in backends_named(test) if b not in bm.available_backends()}
            if missing:
                left_out[test.name] = missing
                continue
            runner.run(test)
    # A failing example is printed by the runner (pytest shows the captured output).
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed (output above)"
    if left_out:
        need_backends(*sorted(set().union(*left_out.values())))
