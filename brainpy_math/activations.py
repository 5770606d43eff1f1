"""Activation functions of neural models (``bm.activations.relu``, ...) on the current backend.

Each function forwards to the current backend's ``activations`` sub-namespace at call time, so
``with bm.set_backend('numba'):`` also switches code that did ``from brainpy_math.activations import ...``.
The names and their areas are listed in ``brainpy_math._api.NAMESPACES['activations']``.

Example:
    >>> import brainpy_math as bm
    >>> bm.activations.relu(bm.asarray([-1.0, 2.0])).tolist()
    [0.0, 2.0]
"""
from __future__ import annotations

from ._api import NAMESPACES as _NAMESPACES, namespace_functions as _namespace_functions

globals().update(_namespace_functions("activations"))
__all__ = list(_NAMESPACES["activations"])
