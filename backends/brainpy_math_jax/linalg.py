"""``bm.linalg`` on the JAX backend: ``numpy.linalg`` (and the Array API linalg extension), traced inside ``bm.jit``.

The functions and how they are provided are listed in ``numpy_ops.PROVIDERS`` under ``'linalg.<name>'``.
"""
from __future__ import annotations

from .numpy_ops import namespace as _namespace

globals().update(_namespace("linalg"))
__all__ = list(_namespace("linalg"))
