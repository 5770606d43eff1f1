"""Compiling generated source: a module file per source hash, Numba's on-disk cache, clear errors.

Numba caches only functions defined in a file, and on loading a cached function it imports the
module the function came from. So each generated module is written to the cache folder under a
name derived from a hash of its source (``_bm_gen_<hash>.py``), registered in ``sys.modules`` under
that name and executed from the file. A second process generates the same source, finds the file,
and Numba loads the machine code from its cache instead of compiling.

The folder is ``$BRAINPY_MATH_CACHE_DIR`` if set, else ``~/.cache/brainpy_math/numba`` (a temporary
folder if that is not writable).
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from .codegen import Origin, Program, describe_location

__all__ = ["cache_dir", "load_program", "explain_numba_error"]

ENV_VAR = "BRAINPY_MATH_CACHE_DIR"


def cache_dir() -> Path:
    """The folder holding generated modules (and, next to them, Numba's cache files)."""
    configured = os.environ.get(ENV_VAR)
    folder = Path(configured) if configured else Path.home() / ".cache" / "brainpy_math" / "numba"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.touch()
        probe.unlink()
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


def load_program(program: Program) -> ModuleType:
    """Write (once) and import the module of ``program``; its functions are Numba dispatchers."""
    source = program.source()
    digest = hashlib.sha256(source.encode()).hexdigest()[:20]
    name = f"_bm_gen_{digest}"
    namespace = {"np": np, "_bm_njit": _njit_decorator(program.options),
                 "_bm_njit_inline": _njit_decorator(program.options, inline=True), **program.namespace}
    existing = sys.modules.get(name)
    if existing is not None and all(existing.__dict__.get(k) is v for k, v in program.namespace.items()):
        return existing  # the same code over the same objects: reuse its compiled functions
    folder = cache_dir()
    path = folder / f"{name}.py"
    if not path.exists() or path.read_text() != source:
        # Written once, atomically: rewriting would change the file's stamp and void Numba's cache.
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            handle.write(source)
        os.replace(tmp, path)
    variant = name if existing is None else f"{name}_{id(program):x}"
    spec = importlib.util.spec_from_file_location(variant, path)
    module = importlib.util.module_from_spec(spec)
    module.__dict__.update(namespace)
    sys.modules[variant] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
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
