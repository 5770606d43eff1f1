"""Compiling generated source: a module file per source hash, Numba's on-disk cache, clear errors.

Numba caches only functions defined in a file, and on loading a cached function it imports the
module the function came from. So each generated module is written to the cache folder under a
name derived from a hash of its source (``_bm_gen_<hash>.py``), registered in ``sys.modules`` under
that name and executed from the file. A second process generates the same source, finds the file,
and Numba loads the machine code from its cache instead of compiling.

The folder is ``$BRAINPY_MATH_CACHE_DIR`` if set, else ``~/.cache/brainpy_math/numba`` (a temporary
folder if that is not writable).

Concurrency: a module is written (to a temporary file, then ``os.replace``) and executed under a file
lock on the folder, so processes sharing the folder never see a half-written module, and under a
process-wide lock; it is published in ``sys.modules`` only once fully executed, so threads jitting
at the same time never see a half-loaded one.

Damage: a cache file that cannot be read (a truncated or garbage ``.nbi``/``.nbc`` of Numba, here or
of the backend's own ``cache=True`` kernels, or a generated module whose text is not its source) is
removed and the code compiled again, with one :class:`DamagedCacheWarning` naming the file, instead
of every later process failing with ``EOFError``/``UnpicklingError``.
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from .cache_files import DamagedCacheWarning, discard, guard_numba_caches
from .codegen import Origin, Program, describe_location

__all__ = ["cache_dir", "load_program", "explain_numba_error", "DamagedCacheWarning", "guard_numba_caches"]

ENV_VAR = "BRAINPY_MATH_CACHE_DIR"


def cache_dir() -> Path:
    """The folder holding generated modules (and, next to them, Numba's cache files)."""
    configured = os.environ.get(ENV_VAR)
    folder = Path(configured) if configured else Path.home() / ".cache" / "brainpy_math" / "numba"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # A probe of its own: a shared probe name raced between threads (one unlinked the other's).
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError:
        folder = Path(tempfile.gettempdir()) / f"brainpy_math_numba_{os.getuid() if hasattr(os, 'getuid') else 0}"
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def _njit_decorator(options: dict[str, Any], inline: bool = False):
    import numba
    # error_model='numpy': division by zero gives inf/nan as in NumPy and JAX, not an exception.
    # inline: the one-element twins of helper functions, called inside fused loops.
    return numba.njit(cache=bool(options.get("cache", True)), parallel=bool(options.get("parallel", False)),
                      fastmath=bool(options.get("fastmath", False)), error_model="numpy",
                      inline="always" if inline else "never")


# One process-wide lock around loading: a module is looked up, written and executed as one step, so a
# thread never finds another thread's module half executed.
_LOAD_LOCK = threading.RLock()
_LOCK_TIMEOUT_S = 300.0


def _folder_lock(folder: Path):
    """The file lock that processes sharing ``folder`` take to write and execute a module."""
    try:
        from filelock import FileLock
    except ImportError:
        raise ImportError("the numba backend needs the filelock package to share its compile cache safely: "
                          "pip install filelock") from None
    return FileLock(str(folder / ".brainpy_math_numba.lock"), timeout=_LOCK_TIMEOUT_S)


def _write_module(path: Path, source: str) -> None:
    """Write ``source`` to ``path`` unless it holds exactly that (call under the folder lock)."""
    data = source.encode()
    try:
        current = path.read_bytes()
    except FileNotFoundError:
        current = None
    if current == data:
        return  # rewriting would change the file's stamp and void Numba's cache
    if current is not None:
        # The name is a hash of the source, so other text there is damage (a truncated write).
        discard(path, ValueError("its text is not the source its name was hashed from"))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def load_program(program: Program) -> ModuleType:
    """Write (once) and import the module of ``program``; its functions are Numba dispatchers.

    Thread- and process-safe (see the module docstring).
    """
    from .calls import lower_prange_streams
    lower_prange_streams(program)
    source = program.source()
    digest = hashlib.sha256(source.encode()).hexdigest()[:20]
    name = f"_bm_gen_{digest}"
    namespace = {"np": np, "_bm_njit": _njit_decorator(program.options),
                 "_bm_njit_inline": _njit_decorator(program.options, inline=True), **program.namespace}
    guard_numba_caches()
    with _LOAD_LOCK:
        existing = sys.modules.get(name)
        if existing is not None and all(existing.__dict__.get(k) is v for k, v in program.namespace.items()):
            return existing  # the same code over the same objects: reuse its compiled functions
        folder = cache_dir()
        path = folder / f"{name}.py"
        variant = name if existing is None else f"{name}_{id(program):x}"
        module = ModuleType(variant)
        module.__dict__.update(namespace, __file__=str(path))
        with _folder_lock(folder):
            _write_module(path, source)
            # Compiled from the text, not imported: no .pyc of ours that could be damaged.
            code = compile(source, str(path), "exec")
            exec(code, module.__dict__)  # Numba stamps its cache with the file as written here
        sys.modules[variant] = module  # published only now: fully executed
    return module


_LINE = re.compile(r'File "([^"]+)", line (\d+)')


def explain_numba_error(error: Exception, program: Program, module: ModuleType, what: str) -> TypeError:
    """A ``TypeError`` naming the model source line behind a Numba compilation error."""
    origins = program.line_origins()
    path = getattr(module, "__file__", "")
    message = re.sub(r"\x1b\[[0-9;]*m", "", str(error))  # Numba's terminal colours
    located: Origin | None = None
    for file, line in _LINE.findall(message):
        if os.path.basename(file) == os.path.basename(path or "") and int(line) in origins:
            located = origins[int(line)]
    summary = "\n".join(l for l in message.strip().splitlines()[:24] if l.strip())
    where = describe_location(located) if located else f"one of the generated functions of {what}"
    if "typing of argument" in message:
        where = (f"{what} for these arguments ({where}): an argument has a type Numba cannot compile; "
                 f"pass arrays, numbers, or tuples of them")
    return TypeError(
        f"bm.jit (numba backend): Numba could not compile {where}.\n"
        f"Numba says:\n{summary}\n"
        f"Generated source: {path} (also `jitted.source`). Fix: use arrays, scalars and bm/NumPy functions "
        f"Numba supports on this line, or run this model on the jax backend.")
