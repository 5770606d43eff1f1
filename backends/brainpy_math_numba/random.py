"""bm.random on the numba backend: the shared Threefry-2x32 stream and its distributions."""
from __future__ import annotations

__all__: list[str] = []
