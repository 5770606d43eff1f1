"""The Numba backend of brainpy_math.

Importing this package does not import numba: it only declares the backend. The implementation
lives in :mod:`brainpy_math_numba.backend` and is imported by the frontend on first use.
"""
from brainpy_math import BackendSpec

SPEC = BackendSpec(name="numba", module="brainpy_math_numba.backend", requires=("numba",), extra="numba")
