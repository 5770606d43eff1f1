"""``bm.activations`` on the Numba backend, and ``compiled(name)`` for code that numba compiles.

The functions and how they are provided are listed in ``numpy_ops.PROVIDERS`` under ``'activations.<name>'``.
``compiled('<name>')`` here is ``numpy_ops.compiled('activations.<name>')``.
"""
from __future__ import annotations

from typing import Callable

from . import numpy_ops as _numpy_ops

globals().update(_numpy_ops.namespace("activations"))


def compiled(name: str) -> Callable:
    """The callable numba-compiled code uses for ``bm.activations.<name>`` (see ``numpy_ops.compiled``)."""
    return _numpy_ops.compiled(f"activations.{name}")


__all__ = [*_numpy_ops.namespace("activations"), "compiled"]
