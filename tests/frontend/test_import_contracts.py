"""The custom import-linter contract of pyproject.toml (tests/_import_contracts.py) finds cycles."""
import doctest
import sys
from pathlib import Path

import grimp  # with import-linter, in the `test` extra

# The contract module lives in tests/ (lint-imports imports it from the repository root).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import _import_contracts  # noqa: E402


def _package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root.joinpath(*name.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _check(tmp_path, monkeypatch, files):
    _package(tmp_path, files)
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("cyclepkg", cache_dir=None)
    contract = _import_contracts.AcyclicModulesContract(
        name="no cycles", session_options={}, contract_options={"packages": ["cyclepkg"]})
    return contract.check(graph, verbose=False)


def test_a_cycle_through_an_import_inside_a_function_is_reported_by_module_names(tmp_path, monkeypatch):
    check = _check(tmp_path, monkeypatch, {
        "cyclepkg/__init__.py": "from . import a\n",
        "cyclepkg/a.py": "from . import b\n",
        "cyclepkg/b.py": "def f():\n    from .sub import c\n",
        "cyclepkg/sub/__init__.py": "",
        "cyclepkg/sub/c.py": "import cyclepkg.a\n",
        "cyclepkg/d.py": "import cyclepkg.a\n",
    })
    assert not check.kept
    [cycle] = check.metadata["cycles"]
    assert cycle["modules"] == ["cyclepkg.a", "cyclepkg.b", "cyclepkg.sub.c"]
    assert "cyclepkg.b -> cyclepkg.sub.c (l.2)" in cycle["imports"]


def test_importing_an_ancestor_package_is_not_a_cycle(tmp_path, monkeypatch):
    check = _check(tmp_path, monkeypatch, {
        "cyclepkg/__init__.py": "from .sub import c\nfrom . import a\n",
        "cyclepkg/a.py": "import cyclepkg\n",
        "cyclepkg/sub/__init__.py": "from . import c\n",
        "cyclepkg/sub/c.py": "from cyclepkg import sub\nfrom .. import a\n",
    })
    assert check.kept, check.metadata["cycles"]


def test_the_contract_module_docstring_examples():
    result = doctest.testmod(_import_contracts)
    assert result.attempted > 0 and result.failed == 0
