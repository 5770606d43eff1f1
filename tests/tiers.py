"""Which tests the test command leaves to CI's slow step: ``tests/slow_tests.txt``, from a measured run.

The README's test command must finish in five minutes on two cores from empty compile caches; most
of its time is compiling (Numba and XLA), and a few hundred tests that each compile a model, spawn a
fresh Python process or draw from many random kernels take two thirds of it. Those tests are listed
in ``slow_tests.txt`` (``tests/conftest.py`` marks them ``slow``); ``.ci/run`` runs them in its slow
step (``python -m pytest -m slow``), so CI runs every test.

The list is measured, not guessed: run the test command with ``--junitxml``, cold, on the 2-core
machine, then add the tests that took ``--threshold`` seconds or more::

    CI=true NUMBA_CACHE_DIR=$(mktemp -d) BRAINPY_MATH_CACHE_DIR=$(mktemp -d) \\
        python -m pytest --junitxml=run.xml
    python tests/tiers.py run.xml            # adds to tests/slow_tests.txt

Tests already listed are kept (a default run does not time them). :data:`KEPT` names the tests that
stay in the default run however long they take, and why.
"""
from __future__ import annotations

import argparse
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
LIST = HERE / "slow_tests.txt"

#: Patterns (regular expressions over node ids) of tests kept in the default run whatever they cost.
KEPT: dict[str, str] = {
    r"^tests/fuzz/test_differential\.py::": "the fuzzer's small budget runs in the default suite (issue 15)",
    r"^tests/frontend/test_doctests\.py::": "the README promises the doctests of every module in the test command",
    r"^tests/conformance/test_operators\.py::test_(binary|unary)_operators_(follow|keep)":
        "operators with Python scalars, the way users write code, on both backends",
    r"^tests/conformance/test_lif_network\.py::test_compiled_network_matches_eager_execution":
        "one compiled network per backend: the main job",
}

HEADER = """\
# Tests that the README's test command leaves to the slow step of .ci/run (`python -m pytest -m slow`).
# Measured in cold runs of the test command on the 2-core machine (2026-12-01): the tests that took
# 1 s or more; then, in a run without those (whose shared compiles then fell to other tests), 2 s or
# more; then, in a later run, 3 s or more.
# Regenerate or extend with `python tests/tiers.py run.xml` (see tests/tiers.py); tests/conftest.py
# marks these `slow` and fails the run if one of them no longer exists.
"""


def node_id(classname: str, name: str) -> str:
    """The pytest node id of a junit ``testcase`` (``tests.a.test_b.TestC`` -> ``tests/a/test_b.py::TestC``)."""
    parts = classname.split(".")
    for cut in range(len(parts), 0, -1):
        path = Path(*parts[:cut]).with_suffix(".py")
        if (HERE.parent / path).is_file():
            return "::".join([path.as_posix(), *parts[cut:], name])
    raise ValueError(f"no test file for junit class {classname!r}")


def read_list(path: Path = LIST) -> set[str]:
    """The node ids listed in ``path`` (comments and blank lines skipped)."""
    if not path.is_file():
        return set()
    return {line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")}


def slow_in(xml_path: Path, threshold: float) -> dict[str, float]:
    """Node id -> seconds of every test in the junit file at ``xml_path`` that took ``threshold`` or more."""
    out = {}
    for case in ET.parse(xml_path).iter("testcase"):
        seconds = float(case.get("time", 0.0))
        nid = node_id(case.get("classname"), case.get("name"))
        if seconds >= threshold and not any(re.search(p, nid) for p in KEPT):
            out[nid] = seconds
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("junit", nargs="+", type=Path, help="junit xml files of cold runs of the test command")
    parser.add_argument("--threshold", type=float, default=1.0, help="seconds (default 1.0)")
    args = parser.parse_args(argv)
    listed = read_list()
    found: dict[str, float] = {}
    for xml_path in args.junit:
        found.update(slow_in(xml_path, args.threshold))
    added = sorted(set(found) - listed)
    LIST.write_text(HEADER + "".join(f"{nid}\n" for nid in sorted(listed | set(found))))
    print(f"{len(added)} tests added ({sum(found[n] for n in added):.0f} s in the measured run), "
          f"{len(listed | set(found))} listed in {LIST.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
