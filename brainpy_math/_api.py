"""The array functions of the frontend: name → (area, example).

Every name here becomes ``bm.<name>``, a wrapper that calls the current backend's function of the
same name. Each backend's ``numpy_ops`` module says how it provides each name.
"""
from __future__ import annotations

FUNCTIONS: dict[str, tuple[str, str]] = {
    # creation
    "array": ("creation", "bm.array([1.0, 2.0])"),
    "asarray": ("creation", "bm.asarray([1, 2, 3])"),
    "zeros": ("creation", "bm.zeros((2, 3))"),
    "ones": ("creation", "bm.ones(4)"),
    "full": ("creation", "bm.full((2, 2), 7.0)"),
    "empty": ("creation", "bm.empty(3)"),
    "arange": ("creation", "bm.arange(5)"),
    "linspace": ("creation", "bm.linspace(0.0, 1.0, 5)"),
    "eye": ("creation", "bm.eye(3)"),
    "zeros_like": ("creation", "bm.zeros_like(bm.ones(3))"),
    "ones_like": ("creation", "bm.ones_like(bm.zeros(3))"),
    "full_like": ("creation", "bm.full_like(bm.zeros(3), 2.0)"),
    "empty_like": ("creation", "bm.empty_like(bm.zeros(3))"),
    # elementwise
    "exp": ("elementwise", "bm.exp(bm.zeros(3))"),
    "log": ("elementwise", "bm.log(bm.ones(3))"),
    "sqrt": ("elementwise", "bm.sqrt(bm.arange(4.0))"),
    "sin": ("elementwise", "bm.sin(bm.zeros(2))"),
    "cos": ("elementwise", "bm.cos(bm.zeros(2))"),
    "tanh": ("elementwise", "bm.tanh(bm.linspace(-1.0, 1.0, 3))"),
    "abs": ("elementwise", "bm.abs(bm.arange(-2, 2))"),
    "maximum": ("elementwise", "bm.maximum(bm.arange(3), 1)"),
    "minimum": ("elementwise", "bm.minimum(bm.arange(3), 1)"),
    "where": ("elementwise", "bm.where(bm.arange(4) > 1, 1.0, 0.0)"),
    "clip": ("elementwise", "bm.clip(bm.arange(5), 1, 3)"),
    # reductions
    "sum": ("reduction", "bm.sum(bm.ones((2, 3)), axis=0)"),
    "mean": ("reduction", "bm.mean(bm.arange(4.0))"),
    "max": ("reduction", "bm.max(bm.arange(4))"),
    "min": ("reduction", "bm.min(bm.arange(4))"),
    "prod": ("reduction", "bm.prod(bm.arange(1, 5))"),
    "std": ("reduction", "bm.std(bm.arange(4.0))"),
    "var": ("reduction", "bm.var(bm.arange(4.0))"),
    "any": ("reduction", "bm.any(bm.arange(3) > 1)"),
    "all": ("reduction", "bm.all(bm.arange(3) >= 0)"),
    # linear algebra
    "dot": ("linalg", "bm.dot(bm.ones(3), bm.ones(3))"),
    "matmul": ("linalg", "bm.matmul(bm.eye(2), bm.ones((2, 3)))"),
    # manipulation
    "reshape": ("manipulation", "bm.reshape(bm.arange(6), (2, 3))"),
    "concatenate": ("manipulation", "bm.concatenate([bm.zeros(2), bm.ones(2)])"),
    "stack": ("manipulation", "bm.stack([bm.zeros(2), bm.ones(2)])"),
    # comparison
    "allclose": ("comparison", "bm.allclose(bm.ones(2), bm.ones(2))"),
    "array_equal": ("comparison", "bm.array_equal(bm.arange(3), bm.arange(3))"),
}
