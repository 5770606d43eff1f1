"""Load: a program's emitted source compiled into a module of Numba dispatchers; a module file per source hash, Numba's on-disk cache, clear errors.

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
import sys
import tempfile
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

import numba
import numpy as np
from filelock import FileLock

from ..cache_files import DamagedCacheWarning, discard, guard_numba_caches
from .emit import Emitted
from .ir import Kind, Program

__all__ = ["cache_dir", "load", "inject_decorators", "DamagedCacheWarning", "ENV_VAR"]

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


_decorators: dict[tuple, Any] = {}


def _njit(cache: bool, parallel: bool, fastmath: bool, boundscheck: bool, inline: bool) -> Any:
    """``numba.njit`` with these options; one object per option set, so that a module generated again
    over the same objects is recognised (by identity) and reused."""
    key = (cache, parallel, fastmath, boundscheck, inline)
    decorator = _decorators.get(key)
    if decorator is None:
        # error_model='numpy': division by zero gives inf/nan as in NumPy and JAX, not an exception.
        decorator = _decorators[key] = numba.njit(cache=cache, parallel=parallel, fastmath=fastmath,
                                                  error_model="numpy", inline="always" if inline else "never",
                                                  boundscheck=boundscheck)
    return decorator


def inject_decorators(program: Program) -> None:
    """The decorators the emitted functions name, with the program's options:

    - ``_bm_njit``: every generated function checks its indices (``boundscheck``): an index out of
      bounds raises IndexError (explained with the model's line by the caller) instead of reading
      or writing outside the array. Measured on COBA (4,000 neurons, 1 s): no difference in run time;
    - ``_bm_njit_serial``: functions that never hold a prange loop (the snapshot wrapper), compiled
      serially, since parallel=True on them only makes Numba warn that it found nothing to parallelise;
    - ``_bm_njit_inline``: the one-element twins of helper functions, inlined into fused loops.
    """
    options = program.options
    cache, parallel, fastmath = (bool(options.get("cache", True)), bool(options.get("parallel", False)),
                                 bool(options.get("fastmath", False)))
    flags = f"error_model='numpy', cache={cache}, fastmath={fastmath}"
    program.inject("_bm_njit", _njit(cache, parallel, fastmath, True, False),
                   f"numba.njit(boundscheck=True, parallel={parallel}, {flags})", Kind.DECORATOR)
    program.inject("_bm_njit_serial", _njit(cache, False, fastmath, True, False),
                   f"numba.njit(boundscheck=True, parallel=False, {flags})", Kind.DECORATOR)
    program.inject("_bm_njit_inline", _njit(cache, parallel, fastmath, False, True),
                   f"numba.njit(inline='always', parallel={parallel}, {flags})", Kind.DECORATOR)


# One process-wide lock around loading: a module is looked up, written and executed as one step, so a
# thread never finds another thread's module half executed.
_LOAD_LOCK = threading.RLock()
_LOCK_TIMEOUT_S = 300.0


def _folder_lock(folder: Path):
    """The file lock that processes sharing ``folder`` take to write and execute a module."""
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


def load(program: Program, emitted: Emitted) -> ModuleType:
    """Write (once) and import the module of ``program``; its functions are Numba dispatchers.

    Thread- and process-safe (see the module docstring).
    """
    source = emitted.source
    digest = hashlib.sha256(source.encode()).hexdigest()[:20]
    module_name = f"_bm_gen_{digest}"
    namespace = program.namespace
    guard_numba_caches()
    with _LOAD_LOCK:
        existing = sys.modules.get(module_name)
        if existing is not None and all(existing.__dict__.get(k) is v for k, v in namespace.items()):
            return existing  # the same code over the same objects: reuse its compiled functions
        folder = cache_dir()
        path = folder / f"{module_name}.py"
        variant = module_name if existing is None else f"{module_name}_{id(program):x}"
        module = ModuleType(variant)
        module.__dict__.update(np=np, **namespace, __file__=str(path))
        with _folder_lock(folder):
            _write_module(path, source)
            # Compiled from the text, not imported: no .pyc of ours that could be damaged.
            code = compile(source, str(path), "exec")
            exec(code, module.__dict__)  # Numba stamps its cache with the file as written here
        sys.modules[variant] = module  # published only now: fully executed
    return module
