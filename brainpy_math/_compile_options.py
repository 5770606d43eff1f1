"""The compile options of ``bm.jit`` and the control-flow functions, one list for every backend.

A model passes them once (``bm.jit(model, parallel=True)``) and runs unchanged on any backend:
each backend takes what applies to it and accepts the rest without effect. Any other keyword is a
``TypeError`` naming it: each backend's ``jit`` and control-flow functions call
:func:`check_compile_options` (a backend may accept more names of its own before calling it, as
long as it documents them).

=============  =====================================================  ===========================
option         numba backend                                          jax backend
=============  =====================================================  ===========================
``parallel``   compile with ``numba.njit(parallel=True)``, so          ignored: XLA parallelises
               ``bm.prange`` loops run on several threads              on its own
               (default ``False``)
``cache``      keep the machine code in Numba's on-disk cache, so      ignored: JAX's compilation
               a new process does not compile again (default           cache is configured with
               ``True``)                                               ``jax.config``
``fastmath``   ``numba.njit(fastmath=True)``: LLVM may reorder and     ignored: XLA chooses its
               contract float arithmetic (default ``False``)           float rewrites itself
``fuse``       fuse runs of elementwise statements into one loop       ignored: XLA fuses on its
               (default ``True``; ``False`` helps when debugging)      own
=============  =====================================================  ===========================
"""
from __future__ import annotations

from typing import Any, Mapping

__all__ = ["COMPILE_OPTIONS", "check_compile_options"]

# name -> what it does on each backend (the table above, one line each).
COMPILE_OPTIONS: Mapping[str, str] = {
    "parallel": "numba: njit(parallel=True), bm.prange loops run on threads (default False); jax: ignored",
    "cache": "numba: Numba's on-disk cache of machine code (default True); jax: ignored",
    "fastmath": "numba: njit(fastmath=True) (default False); jax: ignored",
    "fuse": "numba: fuse runs of elementwise statements into one loop (default True); jax: ignored",
}


def check_compile_options(where: str, options: Mapping[str, Any]) -> None:
    """Raise ``TypeError`` naming the keywords of ``options`` that are not compile options.

    Example:
        >>> from brainpy_math._compile_options import check_compile_options
        >>> check_compile_options("jit", {"parallel": True})
        >>> check_compile_options("jit", {"fastmaths": True})
        Traceback (most recent call last):
        ...
        TypeError: jit: unknown option(s) ['fastmaths']; the compile options are ['cache', 'fastmath', 'fuse', 'parallel']
    """
    unknown = sorted(name for name in options if name not in COMPILE_OPTIONS)
    if unknown:
        raise TypeError(f"{where}: unknown option(s) {unknown}; the compile options are {sorted(COMPILE_OPTIONS)}")
