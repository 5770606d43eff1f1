"""Backend discovery and selection: entry points, lazy import, the context manager, clear errors."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

import brainpy_math as bm
from brainpy_math import _backend


def _run(code: str, **env: str) -> str:
    """Run ``code`` in a fresh interpreter (module caches and env vars start clean there)."""
    full_env = {k: v for k, v in os.environ.items() if k != "BRAINPY_MATH_BACKEND"}
    full_env.update(env)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full_env,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_import_does_not_import_jax_or_numba():
    out = _run("import sys, brainpy_math as bm\n"
               "bm.available_backends(); bm.enable_x64(); bm.disable_x64(); bm.set_dt(0.2)\n"
               "print(sorted(m for m in ('jax', 'jaxlib', 'numba', 'llvmlite') if m in sys.modules))")
    assert out == "[]"


def test_backend_is_imported_on_first_use_only():
    backend = bm.available_backends()[0]
    lib = {"jax": "jax", "numba": "numba"}[backend]
    out = _run(f"import sys, brainpy_math as bm\nbm.set_backend({backend!r})\n"
               f"print({lib!r} in sys.modules)")
    assert out == "True"


def test_registered_backends_come_from_entry_points():
    assert {"jax", "numba"} <= set(_backend.known_backends())
    assert set(bm.available_backends()) <= set(_backend.known_backends())
    assert bm.available_backends(), "at least one backend must be installed to run the tests"


def test_default_backend_prefers_jax_then_numba():
    expected = "jax" if "jax" in bm.available_backends() else "numba"
    assert _run("import brainpy_math as bm; print(bm.get_backend())") == expected


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.needs_backends(n)) for n in ("jax", "numba")])
def test_environment_variable_chooses_the_default(name):
    assert _run("import brainpy_math as bm; print(bm.get_backend())", BRAINPY_MATH_BACKEND=name) == name


def test_set_backend_is_also_a_context_manager():
    names = bm.available_backends()
    before = bm.get_backend()
    for name in names:
        with bm.set_backend(name) as ctx:
            assert bm.get_backend() == name
            assert isinstance(bm.zeros(2), bm.ndarray)
            assert ctx.name == name
        assert bm.get_backend() == before
    # Used as a plain call, the choice sticks.
    bm.set_backend(names[-1])
    try:
        assert bm.get_backend() == names[-1]
    finally:
        bm.set_backend(before)


def test_array_type_follows_the_backend(backend):
    expected = {"jax": "JaxArray", "numba": "NumbaArray"}[backend]
    assert type(bm.zeros(2)).__name__ == expected
    assert bm.ndarray.__name__ == expected


def test_unknown_backend_error_lists_backends_and_the_fix():
    with pytest.raises(bm.BackendError) as info:
        bm.set_backend("torch")
    message = str(info.value)
    assert "'torch'" in message
    assert "jax" in message and "numba" in message
    assert "installed:" in message
    # brainpy-math is not on PyPI: the hint installs the extra's own requirements, which are.
    assert "brainpy-math[" not in message
    assert 'pip install "numba' in message and 'pip install "jax' in message


def test_registered_but_missing_dependencies_names_the_extra(monkeypatch):
    specs = dict(_backend._discover())
    specs["fakebackend"] = bm.BackendSpec(name="fakebackend", module="fake_module",
                                          requires=("no_such_module_for_brainpy_math",), extra="fake")
    monkeypatch.setattr(_backend, "_specs", specs)
    assert "fakebackend" in _backend.known_backends()
    assert "fakebackend" not in bm.available_backends()
    with pytest.raises(bm.BackendError) as info:
        bm.set_backend("fakebackend")
    message = str(info.value)
    assert "no_such_module_for_brainpy_math" in message
    assert 'Fix: pip install "no_such_module_for_brainpy_math"' in message


def test_a_bad_environment_variable_is_named_as_the_source(tmp_path):
    import subprocess, sys
    env = {**__import__("os").environ, "BRAINPY_MATH_BACKEND": "torhc"}
    result = subprocess.run([sys.executable, "-c", "import brainpy_math as bm; bm.zeros(2)"],
                            capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert "$BRAINPY_MATH_BACKEND='torhc' is not a brainpy_math backend" in result.stderr


def test_a_third_backend_is_a_plugin_not_an_edit(monkeypatch, tmp_path):
    # A module that re-exports the numba or jax backend under a new name stands in for a plugin.
    base = bm.available_backends()[0]
    (tmp_path / "third_backend.py").write_text(
        f"from brainpy_math_{base}.backend import *\n"
        f"from brainpy_math_{base}.backend import ndarray, set_platform, Variable, TrainVar, Parameter\n"
        "name = 'third'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    specs = dict(_backend._discover())
    specs["third"] = bm.BackendSpec(name="third", module="third_backend", requires=(), extra="third")
    monkeypatch.setattr(_backend, "_specs", specs)
    monkeypatch.delitem(_backend._loaded, "third", raising=False)
    with bm.set_backend("third"):
        assert bm.get_backend() == "third"
        assert bm.arange(3).tolist() == [0, 1, 2]
    _backend._loaded.pop("third", None)


def test_set_backend_rejects_non_strings():
    with pytest.raises(bm.BackendError, match="argument 'name'"):
        bm.set_backend(3)


def test_set_platform(backend):
    bm.set_platform("cpu")
    with pytest.raises(ValueError, match="'platform'.*'quantum'"):
        bm.set_platform("quantum")
    if backend == "numba":
        with pytest.raises(NotImplementedError, match="numba.*set_backend\\('jax'\\)"):
            bm.set_platform("gpu")
