"""Transformations on the numba backend (jit, and the autodiff/vectorising transforms)."""
from __future__ import annotations

__all__: list[str] = []
