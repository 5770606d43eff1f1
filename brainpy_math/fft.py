"""Discrete Fourier transforms: ``numpy.fft``'s functions on the current backend.

Each function forwards to the current backend's ``fft`` sub-namespace at call time, so
``with bm.set_backend('numba'):`` also switches code that did ``from brainpy_math.fft import ...``.
The names and their areas are listed in ``brainpy_math._api.NAMESPACES['fft']``.

Example:
    >>> import brainpy_math as bm
    >>> bm.fft.fftfreq(4).tolist()
    [0.0, 0.25, -0.5, -0.25]
"""
from __future__ import annotations

from ._api import NAMESPACES as _NAMESPACES, namespace_functions as _namespace_functions

globals().update(_namespace_functions("fft"))
__all__ = list(_NAMESPACES["fft"])
