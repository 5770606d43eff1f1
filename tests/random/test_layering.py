"""Layers of the numba backend's random package, and of the modules it stands on: a module imports
only modules below it, imports inside functions included (they are how a cycle is usually dodged)."""
from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.needs_backends("numba")

# Lowest first: each module may import only the ones before it.
RANDOM_LAYERS = ("generator", "tokens", "conversions", "distributions", "draws", "state")


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.submodule_search_locations, name
    return Path(list(spec.submodule_search_locations)[0])


def _imported(path: Path, package: str) -> set[str]:
    """The modules ``path`` imports anywhere in its text, relative imports resolved in ``package``."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            if node.module:  # ``from . import x`` imports x, not the package's own names
                out.add(module)
            out |= {f"{module}.{a.name}" for a in node.names}
    return out


def test_random_modules_import_only_lower_layers():
    folder = _package_dir("brainpy_math_numba.random")
    assert {p.stem for p in folder.glob("*.py")} == {"__init__", *RANDOM_LAYERS}
    for i, name in enumerate(RANDOM_LAYERS):
        higher = {f"brainpy_math_numba.random.{h}" for h in RANDOM_LAYERS[i + 1:]} | {"brainpy_math_numba.random"}
        imported = _imported(folder / f"{name}.py", "brainpy_math_numba.random")
        assert not imported & higher, f"{name} imports {sorted(imported & higher)}"


def test_kernels_never_import_numpy_ops():
    """``numpy_ops`` builds on ``kernels``; the reverse import made a cycle (held by an import
    inside a function)."""
    folder = _package_dir("brainpy_math_numba")
    imported = _imported(folder / "kernels.py", "brainpy_math_numba")
    assert not {m for m in imported if m.startswith("brainpy_math_numba.numpy_ops")}
