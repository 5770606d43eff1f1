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
``portable``   Python ``if``/``while``/``x if c else y``/``and``/``or``  accepted: JAX already fails
               on array values (which JAX cannot trace) is reported   on such code
               with the model's file and line: ``'warn'`` (default)   (``TracerBoolConversionError``)
               a :class:`PortabilityWarning`, ``'strict'`` a
               :class:`PortabilityError`, ``'off'`` nothing
=============  =====================================================  ===========================

``portable`` is decided once per generated function, when code is generated (not at every call).
A condition on things fixed while generating (Python numbers, strings, bools, shapes, ``len`` of a
list of objects, ``self.mode == 'x'``, the integers of a ``range`` loop over such lengths) is not
reported. A condition that stays a run-time branch on a value computed from arrays, Variables or
the jitted function's arguments is (``if self.V[0] > 0:``, ``while x.sum() < 10:``,
``if bm.any(spike):``): write it with ``bm.where``, ``bm.ifelse``, ``bm.cond`` or ``bm.while_loop``.
"""
from __future__ import annotations

from typing import Any, Mapping

__all__ = ["COMPILE_OPTIONS", "PORTABLE_MODES", "PortabilityError", "PortabilityWarning", "check_compile_options"]

# name -> what it does on each backend (the table above, one line each).
COMPILE_OPTIONS: Mapping[str, str] = {
    "parallel": "numba: njit(parallel=True), bm.prange loops run on threads (default False); jax: ignored",
    "cache": "numba: Numba's on-disk cache of machine code (default True); jax: ignored",
    "fastmath": "numba: njit(fastmath=True) (default False); jax: ignored",
    "fuse": "numba: fuse runs of elementwise statements into one loop (default True); jax: ignored",
    "portable": "numba: Python control flow on array values: 'warn' (default), 'strict' (error) or 'off'; "
                "jax: accepted (it fails on such code anyway)",
}
PORTABLE_MODES = ("strict", "warn", "off")


class PortabilityWarning(UserWarning):
    """Model code that runs under ``bm.jit`` on Numba but not on JAX: Python control flow (``if``,
    ``while``, ``x if c else y``, ``and``/``or``) on a value computed from arrays.

    Example:
        >>> import warnings, brainpy_math as bm
        >>> issubclass(bm.PortabilityWarning, UserWarning)
        True
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", bm.PortabilityWarning)  # silence it
    """


class PortabilityError(TypeError):
    """Raised instead of :class:`PortabilityWarning` by ``bm.jit(..., portable='strict')``.

    Example:
        >>> import brainpy_math as bm
        >>> issubclass(bm.PortabilityError, TypeError)
        True
    """


def check_compile_options(where: str, options: Mapping[str, Any]) -> None:
    """Raise ``TypeError`` naming the keywords of ``options`` that are not compile options.

    Example:
        >>> from brainpy_math._compile_options import check_compile_options
        >>> check_compile_options("jit", {"parallel": True})
        >>> check_compile_options("jit", {"fastmaths": True})
        Traceback (most recent call last):
        ...
        TypeError: jit: unknown option(s) ['fastmaths']; the compile options are ['cache', 'fastmath', 'fuse', 'parallel', 'portable']
        >>> check_compile_options("jit", {"portable": "loose"})
        Traceback (most recent call last):
        ...
        ValueError: jit: option 'portable' is 'loose'; expected one of ('strict', 'warn', 'off')
    """
    unknown = sorted(name for name in options if name not in COMPILE_OPTIONS)
    if unknown:
        raise TypeError(f"{where}: unknown option(s) {unknown}; the compile options are {sorted(COMPILE_OPTIONS)}")
    portable = options.get("portable", "warn")
    if not isinstance(portable, str) or portable not in PORTABLE_MODES:
        raise ValueError(f"{where}: option 'portable' is {portable!r}; expected one of {PORTABLE_MODES}")
