"""Control flow on the jax backend: for_loop, while_loop, cond and ifelse."""
from __future__ import annotations

__all__: list[str] = []
