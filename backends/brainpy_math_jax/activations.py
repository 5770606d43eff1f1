"""``bm.activations`` on the JAX backend: activation functions of neural models, traced inside ``bm.jit``.

The functions and how they are provided are listed in ``numpy_ops.PROVIDERS`` under ``'activations.<name>'``.
"""
from __future__ import annotations

from .numpy_ops import namespace as _namespace

globals().update(_namespace("activations"))
__all__ = list(_namespace("activations"))
