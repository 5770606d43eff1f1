"""``bm.fft`` on the JAX backend: ``numpy.fft``, traced inside ``bm.jit``.

The functions and how they are provided are listed in ``numpy_ops.PROVIDERS`` under ``'fft.<name>'``.
"""
from __future__ import annotations

from .numpy_ops import namespace as _namespace

globals().update(_namespace("fft"))
__all__ = list(_namespace("fft"))
