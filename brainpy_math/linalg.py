"""Linear algebra: ``numpy.linalg``'s functions (and the Array API linalg extension) on the current backend.

Each function forwards to the current backend's ``linalg`` sub-namespace at call time, so
``with bm.set_backend('numba'):`` also switches code that did ``from brainpy_math.linalg import ...``.
The names and their areas are listed in ``brainpy_math._api.NAMESPACES['linalg']``.

Example:
    >>> import brainpy_math as bm
    >>> float(bm.linalg.det(bm.eye(2)))
    1.0
"""
from __future__ import annotations

from ._api import NAMESPACES as _NAMESPACES, namespace_functions as _namespace_functions

globals().update(_namespace_functions("linalg"))
__all__ = list(_NAMESPACES["linalg"])
