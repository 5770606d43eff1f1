"""The compile cache survives damage, and generated modules load safely from threads and processes.

Every process here gets a private ``BRAINPY_MATH_CACHE_DIR`` (and, where the backend's own kernels
are damaged, a private ``NUMBA_CACHE_DIR``): the user's real caches are never touched.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("numba")
pytest.importorskip("filelock")

import brainpy_math as bm  # noqa: E402

MODELS = textwrap.dedent("""
    def affine(x):
        return x * 2.0 + 1.0


    def square(x):
        return x * x - 0.5
""")

SCRIPT = textwrap.dedent("""
    import json, sys, warnings
    import numpy as np
    import brainpy_math as bm
    bm.set_backend('numba')
    from brainpy_math_numba.cache_files import DamagedCacheWarning
    sys.path.insert(0, sys.argv[1])
    import cache_models as m
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        bm.random.seed(5)
        eager = bm.random.normal(size=4)          # a kernel of random/, called directly
        a = bm.jit(m.affine)(np.arange(4, dtype=np.float32))
        b = bm.jit(m.square)(np.arange(4, dtype=np.float32))
    print(json.dumps({"eager": np.asarray(eager).tolist(), "a": np.asarray(a).tolist(),
                      "b": np.asarray(b).tolist(),
                      "damaged": [str(w.message) for w in caught if issubclass(w.category, DamagedCacheWarning)],
                      "others": [str(w.message) for w in caught
                                 if not issubclass(w.category, DamagedCacheWarning)]}))
""")


def _run(root: Path, private_numba: bool) -> dict:
    env = {**os.environ, "BRAINPY_MATH_CACHE_DIR": str(root / "generated")}
    env.pop("NUMBA_CACHE_DIR", None)
    if private_numba:
        env["NUMBA_CACHE_DIR"] = str(root / "numba")
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(root)], env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    assert data, path
    if how == "truncate":
        path.write_bytes(data[:len(data) // 2])
    elif how == "garbage":
        path.write_bytes((b"\x00not a pickle\xff" * (len(data) // 14 + 1))[:max(len(data), 16)])
    else:
        path.write_bytes(b"")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Caches built once: `private` keeps Numba's files (kernels too) in its own NUMBA_CACHE_DIR,
    `default` keeps them where users have them, next to the generated modules."""
    caches = {}
    for layout in ("private", "default"):
        root = tmp_path_factory.mktemp(f"cache_{layout}")
        work = root / "work"
        work.mkdir()
        (work / "cache_models.py").write_text(MODELS)
        first = _run(work, private_numba=layout == "private")
        assert first["damaged"] == []
        shutil.copytree(work, root / "pristine")
        caches[layout] = (work, first)
    return caches


def _restore(built, layout: str) -> tuple[Path, dict]:
    """The built cache, undamaged, at the path it was built in (Numba's NUMBA_CACHE_DIR layout names
    a folder after the full path of the source's folder, so a copy elsewhere would start cold)."""
    work, expected = built[layout]
    shutil.rmtree(work)
    shutil.copytree(work.parent / "pristine", work)
    return work, expected


def _one(root: Path, pattern: str) -> Path:
    found = sorted(root.rglob(pattern))
    assert len(found) == 1, (pattern, found)
    return found[0]


def _generated_module(root: Path, function: str) -> Path:
    modules = [p for p in (root / "generated").glob("_bm_gen_*.py") if f"def _bm_f0_{function}(" in p.read_text()]
    assert len(modules) == 1, modules
    return modules[0]


def _check(result: dict, expected: dict, damaged: list[Path]) -> None:
    for key in ("eager", "a", "b"):
        assert result[key] == expected[key], key  # the right numbers, recompiled
    assert len(result["damaged"]) == len(damaged), result["damaged"]  # one warning per damaged file
    for path in damaged:
        assert sum(path.name in message for message in result["damaged"]) == 1, (path.name, result["damaged"])
    assert all("removed" in message for message in result["damaged"])


@pytest.mark.parametrize("how", ["truncate", pytest.param("garbage", marks=pytest.mark.slow),
                                 pytest.param("empty", marks=pytest.mark.slow)])
def test_damaged_cache_files_are_removed_and_recompiled_with_a_warning(built, how):
    root, expected = _restore(built, "private")
    # The index of one generated function, the generated module of another, a kernel's data file.
    # Numba names a kernel's files <module>.<qualname>-<line>: the pattern leaves out the module
    # and line, so it holds wherever brainpy_math_numba.random defines normal_into.
    first = [_one(root / "numba", "_bm_gen_*affine*.nbi"), _generated_module(root, "square"),
             _one(root / "numba", "*normal_into-*.nbc")]
    for path in first:
        _damage(path, how)
    _check(_run(root, private_numba=True), expected, first)
    # Then the other kinds: a generated function's data file, a kernel's index.
    second = [_one(root / "numba", "_bm_gen_*square*.nbc"), _one(root / "numba", "*normal_into-*.nbi")]
    for path in second:
        _damage(path, how)
    _check(_run(root, private_numba=True), expected, second)
    third = _run(root, private_numba=True)  # repaired: nothing left to discard
    _check(third, expected, [])


def test_damaged_caches_next_to_the_generated_modules(built):
    root, expected = _restore(built, "default")
    pycache = root / "generated" / "__pycache__"
    assert list(pycache.glob("_bm_gen_*.nbi")), "Numba's cache files live next to the generated modules"
    damaged = [_one(pycache, "_bm_gen_*affine*.nbi"), _one(pycache, "_bm_gen_*square*.nbc")]
    for path in damaged:
        _damage(path, "truncate")
    _check(_run(root, private_numba=False), expected, damaged)


def test_other_code_s_damaged_caches_are_not_discarded(tmp_path):
    """Only this backend's cache files are repaired; Numba's behaviour elsewhere is unchanged."""
    from numba.core import caching
    from brainpy_math_numba.cache_files import guard_numba_caches
    guard_numba_caches()
    index = tmp_path / "user_module.f-1.py311.nbi"
    index.write_bytes(b"")
    cache_file = caching.IndexDataCacheFile(str(tmp_path), "user_module.f-1.py311", ("stamp", 1))
    with pytest.raises(EOFError):
        cache_file.load("key")
    assert index.exists()



_THREEFRY_SCRIPT = textwrap.dedent("""
    import warnings
    import numpy as np
    from brainpy_math_numba.cache_files import DamagedCacheWarning
    warnings.simplefilter('error', DamagedCacheWarning)
    from brainpy_math_numba.random import generator as g
    words = g.threefry(np.uint32(1), np.uint32(2), np.uint32(3), np.uint32(4))
    print(list(map(int, words)), sum(g.threefry.stats.cache_hits.values()))
""")


def test_a_warm_process_loads_threefry_from_the_cache_without_a_damage_warning(tmp_path):
    """Regression: ``threefry`` is compiled from generated source, which had no module name; Numba could
    not rebuild the cached kernel's environment, so every warm process that compiled a new caller of it
    reported its cache file as damaged and compiled it again."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", _THREEFRY_SCRIPT], env=env, capture_output=True, text=True,
                           timeout=300) for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stderr[-3000:]
    (first_words, first_hits), (second_words, second_hits) = (run.stdout.strip().rsplit(" ", 1) for run in runs)
    assert (first_hits, second_hits) == ("0", "1")  # compiled in the first process, loaded in the second
    assert first_words == second_words == "[1576285164, 2249660814]"  # Threefry-2x32-20 of (3, 4) under key (1, 2)


# ------------------------------------------------------------------------------- loading modules
class Accumulator(bm.Base):
    def __init__(self, n, rate):
        super().__init__()
        self.rate = rate
        self.total = bm.Variable(bm.zeros(n))

    def update(self, x):
        self.total.value = self.total + x * self.rate
        return self.total.value


class Decay(bm.Base):
    def __init__(self, n, tau):
        super().__init__()
        self.tau = tau
        self.v = bm.Variable(bm.ones(n))

    def update(self, x):
        self.v.value = self.v - self.v / self.tau + x
        return self.v.value


def _build_and_run(worker: int, round_: int) -> tuple[np.ndarray, np.ndarray]:
    """A fresh model jitted and stepped twice. Its class depends on the worker, its constant on the
    round: every other round, four threads generate the same new module at once and four another;
    in the rounds between, they load the modules just made, for new objects."""
    n = 3 + worker % 3
    x = np.full(n, 0.5 + worker, np.float32)
    constant = round_ // 2
    if worker % 2:
        model = Accumulator(n, rate=float(1 + constant))
        expected = (x * np.float32(1 + constant)) * 2
    else:
        model = Decay(n, tau=float(2 + constant))
        tau = np.float32(2 + constant)
        v = np.ones(n, np.float32)
        for _ in range(2):
            v = v - v / tau + x
        expected = v
    step = bm.jit(model.update)
    step(x)
    return np.asarray(step(x)), expected


@pytest.mark.parametrize("rounds", [4, pytest.param(20, marks=pytest.mark.slow)])
def test_threads_jitting_their_own_models_see_whole_modules(tmp_path, monkeypatch, rounds):
    """8 threads x ``rounds`` rounds, each building and jitting its own model (same and different
    classes): loading a generated module used to publish it half executed (`module '_bm_gen_...' has
    no attribute '_bm_f0_...'`)."""
    monkeypatch.setenv("BRAINPY_MATH_CACHE_DIR", str(tmp_path))
    with bm.set_backend("numba"):
        errors: list[BaseException] = []
        wrong: list[tuple] = []
        barrier = threading.Barrier(8)

        def work(worker: int) -> None:
            try:
                for round_ in range(rounds):
                    barrier.wait(timeout=600)
                    got, expected = _build_and_run(worker, round_)
                    if not np.allclose(got, expected, rtol=1e-6):
                        wrong.append((worker, round_, got, expected))
            except BaseException as error:  # noqa: BLE001  (reported below)
                errors.append(error)
                barrier.abort()

        threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=900)
    assert not errors, repr(errors[0])
    assert not wrong, wrong[:3]


def test_module_writes_are_atomic_and_a_damaged_module_is_rewritten(tmp_path, monkeypatch):
    from brainpy_math_numba.jit import load as compiler
    monkeypatch.setenv("BRAINPY_MATH_CACHE_DIR", str(tmp_path))
    path = tmp_path / "_bm_gen_test.py"
    compiler._write_module(path, "x = 1\n")
    stamp = path.stat().st_mtime_ns
    compiler._write_module(path, "x = 1\n")  # the same text: untouched (Numba's stamp stays valid)
    assert path.stat().st_mtime_ns == stamp
    path.write_text("x = ")
    with pytest.warns(compiler.DamagedCacheWarning, match="_bm_gen_test.py"):
        compiler._write_module(path, "x = 1\n")
    assert path.read_text() == "x = 1\n"
    assert not list(tmp_path.glob("*.tmp"))  # no temporary file left behind


def test_two_processes_loading_the_same_module_at_once(tmp_path):
    """Processes that share the folder write and load the same module under the file lock."""
    (tmp_path / "cache_models.py").write_text(MODELS)
    env = {**os.environ, "BRAINPY_MATH_CACHE_DIR": str(tmp_path / "generated")}
    env.pop("NUMBA_CACHE_DIR", None)
    runs = [subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp_path)], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = []
    for run in runs:
        out, err = run.communicate(timeout=600)
        assert run.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert all(r == results[0] for r in results)
    assert results[0]["damaged"] == []
    assert (tmp_path / "generated" / ".brainpy_math_numba.lock").exists()
