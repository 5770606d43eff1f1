#!/usr/bin/env python3
"""Run the Array API standard's test suite against one brainpy_math backend and dtype policy.

    python tests/array_api/run_suite.py --backend numba          # default (32-bit) policy
    python tests/array_api/run_suite.py --backend jax --x64      # BRAINPY_MATH_ENABLE_X64=1
    python tests/array_api/run_suite.py --backend jax --check-expected   # known failures passing now?
    python tests/array_api/run_suite.py --module numpy           # a reference library, no skips file
    python tests/array_api/run_suite.py --table build/array-api/*.summary.json   # a summary table

The suite is the unmodified copy in ``../shared/array-api-tests`` (beside the repository root; see
its SOURCE.md), run from its own folder against the working tree (this checkout's ``brainpy_math``
and ``backends/`` come first on ``PYTHONPATH``) with a pinned Hypothesis seed and max-examples, the
deadline off, shrinking off (``-p noshrink``) and examples that depend only on the seed and the
Hypothesis version (``-p fixed_examples``; both plugins are in this folder). ``--workers N`` runs
it under pytest-xdist, with the same examples and results. Hypothesis' storage and Python's bytecode
go to the output folder (``build/array-api/`` by default), never into the suite's folder.

Expected failures live in ``expected-failures-<backend>-<policy>.txt`` next to this script, in the
suite's skips-file format (whole-line test ids or id prefixes starting with ``array_api_tests``;
``#`` lines are comments; every entry needs a comment giving the reason, see ``read_expected``).
They are passed as ``--skips-file``, so they are not run; ``--check-expected`` passes them as
``--xfails-file`` instead, which runs them and lists the entries whose tests all pass now (a
warning, not a failure).

How the result is counted (printed, and written to ``<out>/<name>.summary.json``):

* passed: tests that ran and passed (in ``--check-expected`` mode including XPASS);
* failed: tests that ran and failed or errored and are NOT expected failures (these fail the run);
* known failures: tests skipped through the expected-failures file (XFAIL in check mode);
* suite skips: tests the suite itself skipped (API version > 2024.12, an extension or dtype the
  module lacks, tests the suite marks flaky); listed by reason and left out of the rate;
* pass rate = passed / (passed + failed + known failures): a known failure counts as run and not
  passed.

Exit status: 0 when nothing failed outside the expected-failures file; 1 when something did; 2 when
the suite could not run (not found, collection or usage error, no JSON report, timeout).
"""
from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_SUITE = REPO.parent / "shared" / "array-api-tests"
DEFAULT_OUT = REPO / "build" / "array-api"
API_VERSION = "2024.12"
BACKENDS = ("jax", "numba")
KNOWN_REASON = "--skips-file ("


def expected_failures_path(backend: str, policy: str) -> Path:
    return HERE / f"expected-failures-{backend}-{policy}.txt"


# --------------------------------------------------------------------------------------------------
# The expected-failures file
# --------------------------------------------------------------------------------------------------
@dataclass
class Entry:
    pattern: str
    reason: str      # the comment lines of its paragraph, joined
    line: int


def read_expected(path: Path) -> list[Entry]:
    """Entries of an expected-failures file, each with the comment that explains it.

    The format is the suite's skips file: the suite takes every line that starts with
    ``array_api_tests`` as a test id (the whole line, so no trailing comment or blank may follow
    it) and ignores every other line. Paragraphs are separated by blank lines; the ``#`` lines of a
    paragraph are the reason of every entry in it and must come before the first entry. A
    ``ValueError`` names the line of an entry without a reason, a trailing comment or space, an
    indented entry, or a line that is neither comment, blank nor entry.
    """
    entries: list[Entry] = []
    comment: list[str] = []
    in_entries = False
    problems = []
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.rstrip("\n")
        if not line.strip():
            comment, in_entries = [], False
            continue
        if line.startswith("#"):
            if in_entries:   # a new reason starts a new paragraph even without a blank line
                comment, in_entries = [], False
            comment.append(line.lstrip("#").strip())
            continue
        if line.startswith("array_api_tests"):
            in_entries = True
            if line != line.rstrip() or "#" in line:
                problems.append(f"{path.name}:{number}: trailing space or comment after the id "
                                f"(the suite would take it as part of the id): {line!r}")
            elif not " ".join(comment).strip():
                problems.append(f"{path.name}:{number}: entry without a '#' reason above it: "
                                f"{line}")
            else:
                entries.append(Entry(line, " ".join(c for c in comment if c), number))
            continue
        problems.append(f"{path.name}:{number}: not a comment, blank line or test id "
                        f"(ids start with 'array_api_tests', unindented): {line!r}")
    if problems:
        raise ValueError("\n".join(problems))
    return entries


def id_matches(nodeid: str, pattern: str) -> bool:
    """The suite's own rule (conftest.py ``check_id_match``) for a skips/xfails entry."""
    nodeid = nodeid.removeprefix("array-api-tests/")
    return (nodeid == pattern
            or nodeid.startswith(pattern.removesuffix("/") + "/")
            or (pattern.endswith(".py") and nodeid.startswith(pattern))
            or nodeid.split("::", maxsplit=2)[0] == pattern
            or nodeid.split("[", maxsplit=2)[0] == pattern)


# --------------------------------------------------------------------------------------------------
# Reading the JSON report
# --------------------------------------------------------------------------------------------------
@dataclass
class Summary:
    name: str
    module: str
    backend: str | None
    policy: str
    mode: str            # "run" (skips file), "check-expected" (xfails file) or "reference"
    max_examples: int
    seed: int
    passed: int = 0
    failed: int = 0
    known: int = 0
    suite_skipped: int = 0
    wall_s: float = 0.0
    failures: dict[str, str] = field(default_factory=dict)          # nodeid -> one-line message
    now_passing: list[str] = field(default_factory=list)             # entries whose tests all pass
    unmatched_entries: list[str] = field(default_factory=list)       # entries that match no test
    suite_skip_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def run(self) -> int:
        return self.passed + self.failed + self.known

    @property
    def rate(self) -> float:
        return self.passed / self.run if self.run else 0.0


def _message(test: dict) -> str:
    for stage in ("call", "setup", "teardown"):
        info = test.get(stage) or {}
        if info.get("outcome") in ("failed", "error"):
            crash = info.get("crash") or {}
            text = crash.get("message") or str(info.get("longrepr") or "")
            return text.strip().splitlines()[0][:300] if text.strip() else "(no message)"
    return "(no message)"


def _skip_reason(test: dict) -> str:
    for stage in ("setup", "call"):
        info = test.get(stage) or {}
        if info.get("outcome") == "skipped":
            longrepr = info.get("longrepr")
            if isinstance(longrepr, str) and longrepr.startswith("[gw"):
                longrepr = longrepr.splitlines()[-1]     # pytest-xdist puts the worker's name first
            if isinstance(longrepr, str) and longrepr.startswith("("):
                try:    # pytest-json-report stores the (path, line, message) tuple as its repr
                    longrepr = ast.literal_eval(longrepr)
                except (ValueError, SyntaxError):
                    pass
            if isinstance(longrepr, (list, tuple)) and len(longrepr) == 3:
                longrepr = longrepr[2]
            return str(longrepr or "").removeprefix("Skipped: ")
    return ""


def _skip_group(reason: str) -> str:
    """A short label for a suite skip's reason, for the count by reason."""
    if reason.startswith("requires ARRAY_API_TESTS_VERSION"):
        return reason
    if "not found in array module" in reason or "disabled in --disable-extensions" in reason:
        return reason
    return re.sub(r"\d+", "N", reason)[:120]


def summarize(report: dict, *, name: str, module: str, backend: str | None, policy: str, mode: str,
              max_examples: int, seed: int, entries: list[Entry] | None = None) -> Summary:
    s = Summary(name, module, backend, policy, mode, max_examples, seed)
    reasons: Counter[str] = Counter()
    xfailed_or_known: set[str] = set()
    xpassed: set[str] = set()
    collected = [t["nodeid"] for t in report.get("tests", [])]
    for test in report.get("tests", []):
        outcome, nodeid = test["outcome"], test["nodeid"]
        if outcome == "passed":
            s.passed += 1
        elif outcome == "xpassed":
            s.passed += 1
            xpassed.add(nodeid)
        elif outcome in ("failed", "error"):
            s.failed += 1
            s.failures[nodeid] = _message(test)
        elif outcome == "xfailed":
            s.known += 1
            xfailed_or_known.add(nodeid)
        elif outcome == "skipped":
            reason = _skip_reason(test)
            if reason.startswith(KNOWN_REASON):
                s.known += 1
                xfailed_or_known.add(nodeid)
            else:
                s.suite_skipped += 1
                reasons[_skip_group(reason)] += 1
        else:   # pragma: no cover - pytest-json-report knows no other outcome
            s.failed += 1
            s.failures[nodeid] = f"unexpected outcome {outcome!r}"
    s.suite_skip_reasons = dict(reasons.most_common())
    # The suite gives a test to the FIRST entry that matches it; so do we.
    owned: dict[int, list[str]] = {id(e): [] for e in entries or []}
    for nodeid in collected:
        owner = next((e for e in entries or [] if id_matches(nodeid, e.pattern)), None)
        if owner is not None:
            owned[id(owner)].append(nodeid)
    for entry in entries or []:
        matched = owned[id(entry)]
        if not matched:
            s.unmatched_entries.append(entry.pattern)
        elif mode == "check-expected" and all(n in xpassed for n in matched):
            s.now_passing.append(entry.pattern)
    return s


def print_summary(s: Summary, expected_file: Path | None, out=sys.stdout) -> None:
    title = s.module + (f" [{s.backend} backend]" if s.backend else "") + f", policy {s.policy}"
    print(f"\n== Array API suite {API_VERSION}: {title} (max-examples {s.max_examples}, "
          f"seed {s.seed}, {s.mode}, {s.wall_s:.0f} s) ==", file=out)
    print(f"passed {s.passed}, failed {s.failed}, known failures {s.known} "
          f"-> pass rate {s.passed}/{s.run} = {100 * s.rate:.1f}%", file=out)
    print(f"suite skips (not counted): {s.suite_skipped}"
          + "".join(f"\n    {n:4d}  {r}" for r, n in s.suite_skip_reasons.items()), file=out)
    if s.unmatched_entries:
        print(f"WARNING: {len(s.unmatched_entries)} entries of {expected_file} match no test "
              f"(renamed, or taken by an earlier entry):"
              + "".join(f"\n    {p}" for p in s.unmatched_entries), file=out)
    if s.now_passing:
        print(f"WARNING: {len(s.now_passing)} expected failures pass now; remove them from "
              f"{expected_file}:" + "".join(f"\n    {p}" for p in s.now_passing), file=out)
    if s.failures:
        label = "FAILED" if s.mode != "reference" else "failing"
        print(f"{label} ({len(s.failures)}"
              + (", not in the expected-failures file" if s.mode != "reference" else "") + "):",
              file=out)
        for nodeid, message in s.failures.items():
            print(f"    {nodeid}\n        {message}", file=out)


def print_table(summaries: list[Summary], out=sys.stdout) -> None:
    print(f"\n{'module / backend':<28} {'policy':<8} {'passed / run':>14} {'rate':>7} "
          f"{'unexpected':>10} {'known':>6} {'skips':>6} {'time':>6}", file=out)
    for s in summaries:
        label = s.module + (f" [{s.backend}]" if s.backend else "")
        print(f"{label:<28} {s.policy:<8} {f'{s.passed} / {s.run}':>14} {100 * s.rate:6.1f}% "
              f"{s.failed if s.mode != 'reference' else '-':>10} {s.known:>6} {s.suite_skipped:>6} "
              f"{s.wall_s:5.0f}s", file=out)


def load_summary(path: Path) -> Summary:
    data = json.loads(Path(path).read_text())
    return Summary(**{k: v for k, v in data.items() if k in Summary.__dataclass_fields__})


# --------------------------------------------------------------------------------------------------
# Running the suite
# --------------------------------------------------------------------------------------------------
def build_command(args, report: Path, skips: Path | None, check: bool) -> list[str]:
    cmd = [sys.executable, "-m", "pytest", "array_api_tests/",
           "--max-examples", str(args.max_examples), "--hypothesis-seed", str(args.seed),
           "--disable-deadline", "-q", "-p", "no:cacheprovider",
           "-p", "noshrink", "-p", "fixed_examples",
           "--json-report", f"--json-report-file={report}", "--json-report-omit", "log",
           "-o", "console_output_style=classic"]
    if args.workers > 1:
        if importlib.util.find_spec("xdist") is None:
            print("run_suite: pytest-xdist is not installed; running in one process",
                  file=sys.stderr)
        else:   # a crash (an abort in XLA, a segfault in compiled code) then fails one test only
            cmd += ["-n", str(args.workers)]
    if skips is not None:
        cmd += ["--xfails-file" if check else "--skips-file", str(skips)]
    return cmd + list(args.pytest_args)


def build_env(args, out: Path) -> dict[str, str]:
    env = dict(os.environ)
    # This folder (the noshrink plugin), then the working tree (frontend and backends) first.
    path = [str(HERE), str(REPO), str(REPO / "backends")]
    if env.get("PYTHONPATH"):
        path.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(path)
    env["ARRAY_API_TESTS_MODULE"] = args.module
    env["ARRAY_API_TESTS_VERSION"] = API_VERSION
    env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(out / "hypothesis")
    env["PYTHONPYCACHEPREFIX"] = str(out / "pycache")
    env.pop("ARRAY_API_TESTS_XFAIL_MARK", None)     # check mode must really run the xfails
    env.pop("ARRAY_API_TESTS_SKIP_DTYPES", None)
    x64 = "1" if args.x64 else "0"
    env["BRAINPY_MATH_ENABLE_X64"] = x64
    env["JAX_ENABLE_X64"] = x64     # for --module jax.numpy; the JAX backend syncs it itself
    if args.backend:
        env["BRAINPY_MATH_BACKEND"] = args.backend
    return env


def run(args) -> int:
    suite = Path(args.suite).resolve()
    if not (suite / "array_api_tests").is_dir() or not (suite / "conftest.py").is_file():
        print(f"run_suite: the Array API suite is not at {suite} (expected "
              f"../shared/array-api-tests beside the repository root; --suite to point elsewhere)",
              file=sys.stderr)
        return 2
    policy = "x64" if args.x64 else "default"
    reference = args.module != "brainpy_math"
    mode = "reference" if reference else ("check-expected" if args.check_expected else "run")
    name = (args.module.replace(".", "_") if reference else args.backend) + f"-{policy}" \
        + ("-check" if args.check_expected else "")
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    report = out / f"{name}.json"
    report.unlink(missing_ok=True)
    log = out / f"{name}.log"

    expected_file = None if (reference or args.no_expected) else (
        Path(args.expected_failures) if args.expected_failures
        else expected_failures_path(args.backend, policy))
    entries: list[Entry] | None = None
    if expected_file is not None:
        if not expected_file.is_file():
            print(f"run_suite: no expected-failures file {expected_file}", file=sys.stderr)
            return 2
        entries = read_expected(expected_file)   # raises on an entry without a reason

    cmd = build_command(args, report, expected_file, args.check_expected)
    print(f"run_suite: {name}: {' '.join(cmd[1:])}\n  (in {suite}; log: {log})", flush=True)
    start = time.perf_counter()
    with open(log, "w") as log_file:
        try:
            proc = subprocess.run(cmd, cwd=suite, env=build_env(args, out), timeout=args.timeout,
                                  stdout=None if args.verbose else log_file,
                                  stderr=subprocess.STDOUT if not args.verbose else None)
            code = proc.returncode
        except subprocess.TimeoutExpired:
            print(f"run_suite: {name}: the suite ran past --timeout {args.timeout} s",
                  file=sys.stderr)
            return 2
    wall = time.perf_counter() - start
    if code not in (0, 1) or not report.is_file():
        tail = "" if args.verbose else "\n".join(log.read_text().splitlines()[-30:])
        print(f"run_suite: {name}: pytest exited with {code} and "
              f"{'a' if report.is_file() else 'no'} JSON report:\n{tail}", file=sys.stderr)
        return 2
    data = json.loads(report.read_text())
    if not data.get("tests"):
        print(f"run_suite: {name}: no test was collected", file=sys.stderr)
        return 2
    s = summarize(data, name=name, module=args.module, backend=None if reference else args.backend,
                  policy=policy, mode=mode, max_examples=args.max_examples, seed=args.seed,
                  entries=entries)
    if args.pytest_args:    # a selection (-k, a path) leaves tests out: "matches no test" is moot
        s.unmatched_entries = []
    s.wall_s = wall
    (out / f"{name}.summary.json").write_text(json.dumps(asdict(s), indent=1) + "\n")
    print_summary(s, expected_file)
    if reference:
        return 0
    return 1 if s.failed else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backend", choices=BACKENDS, help="brainpy_math backend to test")
    p.add_argument("--x64", action="store_true",
                   help="64-bit policy (BRAINPY_MATH_ENABLE_X64=1; JAX_ENABLE_X64=1 for jax.numpy)")
    p.add_argument("--module", default="brainpy_math",
                   help="array module to test; another one (numpy, jax.numpy) is a reference run "
                        "without expected failures that never fails the step")
    p.add_argument("--max-examples", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--check-expected", action="store_true",
                   help="run the expected failures too (as xfails); list the entries that pass now")
    p.add_argument("--no-expected", action="store_true",
                   help="ignore the expected-failures file: every failing test counts as a failure")
    p.add_argument("--expected-failures", help="another expected-failures file")
    p.add_argument("--suite", default=str(DEFAULT_SUITE), help="the suite's folder")
    p.add_argument("--out", default=str(DEFAULT_OUT),
                   help="folder for the JSON report, log and summary (default build/array-api)")
    p.add_argument("--workers", type=int, default=1,
                   help="pytest-xdist processes (the examples do not depend on it)")
    p.add_argument("--timeout", type=float, default=None, help="seconds before the run is stopped")
    p.add_argument("--verbose", action="store_true",
                   help="show pytest's output instead of logging it")
    p.add_argument("--table", nargs="+", metavar="SUMMARY_JSON",
                   help="only print a table of earlier runs' *.summary.json files")
    p.add_argument("pytest_args", nargs="*", help="after '--': more arguments for pytest")
    args = p.parse_args(argv)
    if args.table:
        print_table([load_summary(Path(f)) for f in args.table])
        return 0
    if args.module == "brainpy_math" and not args.backend:
        p.error("--backend is required for brainpy_math")
    if args.module != "brainpy_math" and (args.backend or args.check_expected):
        p.error("--backend and --check-expected are for brainpy_math only")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
