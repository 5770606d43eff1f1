"""The JAX backend's modules import only downwards: no cycle, imports inside functions counted.

The transformations' state machinery is split into modules of one idea each (see the docstring of
``brainpy_math_jax.transforms``); this pins their order, so that a new import against it (say,
``tracking`` reaching up to ``variables`` from inside a function) fails here, naming the edge.
"""
import ast
from pathlib import Path

import pytest

pytest.importorskip("jax")

import brainpy_math_jax  # noqa: E402

PACKAGE = Path(brainpy_math_jax.__file__).parent
# Bottom to top: each module may import only modules listed before it.
ORDER = ["tracking", "array", "variables", "random", "state", "arguments", "target", "programs", "compiled",
         "jitting", "autodiff", "mapping", "transforms", "control_flow", "backend"]


def _imports(name: str) -> list[tuple[str, list[str]]]:
    """``(module of the package, names imported from it)`` for every import anywhere in ``name``."""
    found = []
    for node in ast.walk(ast.parse((PACKAGE / f"{name}.py").read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.append((node.module.split(".")[0], [a.name for a in node.names]))
            elif node.level == 1:
                found += [(a.name, []) for a in node.names]
            elif node.module and node.module.startswith("brainpy_math_jax."):
                found.append((node.module.split(".")[1], [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(a.name.split(".")[1], []) for a in node.names if a.name.startswith("brainpy_math_jax.")]
    return found


def test_the_state_machinery_imports_only_downwards():
    wrong = []
    for position, name in enumerate(ORDER):
        for module, _ in _imports(name):
            if module in ORDER and ORDER.index(module) >= position:
                wrong.append(f"{name} imports {module}")
    assert wrong == []


def test_no_import_cycle_in_the_backend():
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    graph = {m: {t for t, _ in _imports(m) if t in modules and t != m} for m in modules}
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError("import cycle: " + " -> ".join(path[path.index(module):] + [module]))
        if module in done:
            return
        for target in sorted(graph[module]):
            visit(target, path + [module])
        done.add(module)

    for module in sorted(modules):
        visit(module, [])


def test_control_flow_imports_public_names_only():
    private = [(module, n) for module, names in _imports("control_flow") for n in names if n.startswith("_")]
    assert private == []
