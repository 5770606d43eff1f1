"""An import-linter contract type: no import cycle among the modules of some packages.

import-linter's own ``acyclic_siblings`` contract looks for cycles between the *children* of a
package, each child squashed with everything under it, and reports the imports that would break
them. We want the plain rule the house states: no two modules that (transitively) import each
other, with imports inside functions counted (grimp records every import statement, wherever it is
in the module), each cycle listed by its module names. Used from ``pyproject.toml``
(``[tool.importlinter] contract_types``); ``lint-imports`` runs from the repository root, which it
puts on ``sys.path``, so this module is found as ``tests._import_contracts``.

An import of a module's own ancestor package (``from brainpy_math import _config`` inside
``brainpy_math.random``) is not counted: Python always runs a package's ``__init__`` before any of
its submodules, so that edge adds no ordering the package does not already have, and counting it
would make every package whose ``__init__`` re-exports a submodule a "cycle" (the same rule as
``shared/tools/import_cycles.py``).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import grimp
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def _is_ancestor(package: str, module: str) -> bool:
    return module.startswith(package + ".")


def import_edges(graph: grimp.ImportGraph, packages: Iterable[str]) -> dict[str, set[str]]:
    """The direct imports among the modules of ``packages``, an ancestor package's import left out.

    >>> g = grimp.ImportGraph()
    >>> for name in ("pkg", "pkg.a", "pkg.b"):
    ...     g.add_module(name)
    >>> g.add_import(importer="pkg.a", imported="pkg.b")
    >>> g.add_import(importer="pkg.b", imported="pkg")
    >>> import_edges(g, ["pkg"])
    {'pkg': set(), 'pkg.a': {'pkg.b'}, 'pkg.b': set()}
    """
    modules: set[str] = set()
    for package in packages:
        modules.add(package)
        modules |= graph.find_descendants(package)
    return {m: {t for t in graph.find_modules_directly_imported_by(m)
                if t in modules and t != m and not _is_ancestor(t, m)}
            for m in sorted(modules)}


def find_cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The import cycles of ``edges``: each strongly connected set of two or more modules, sorted.

    Tarjan's algorithm, iterative so that a deep import chain cannot hit the recursion limit.

    >>> find_cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]})
    [['a', 'b', 'c']]
    >>> find_cycles({"a": ["b"], "b": []})
    []
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        # Each frame: a module and the iterator over the modules it imports still to visit.
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, todo = work[-1]
            for nxt in todo:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(edges.get(nxt, ())))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
    return sorted(cycles)


class AcyclicModulesContract(Contract):
    """No import cycle among the modules of ``packages`` (imports inside functions included).

    Options: ``packages``, the top-level packages whose modules are checked together (a cycle that
    passes through two of them is found too).
    """

    type_name = "acyclic_modules"

    packages = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        edges = import_edges(graph, self.packages)  # type: ignore[arg-type]
        cycles = find_cycles(edges)
        # For each cycle, the imports that close it, with their lines: what to edit to break it.
        details = []
        for cycle in cycles:
            members = set(cycle)
            lines = []
            for importer in cycle:
                for imported in sorted(edges[importer] & members):
                    where = graph.get_import_details(importer=importer, imported=imported)
                    numbers = ", ".join(f"l.{d['line_number']}" for d in where)
                    lines.append(f"{importer} -> {imported} ({numbers})")
            details.append({"modules": cycle, "imports": lines})
        output.verbose_print(verbose, f"{len(edges)} modules, {len(cycles)} import cycle(s).")
        return ContractCheck(kept=not cycles, metadata={"cycles": details})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error("Import cycle: " + " <-> ".join(cycle["modules"]))
            for line in cycle["imports"]:
                output.indent_cursor()
                output.print(line)
            output.new_line()
