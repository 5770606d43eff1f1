"""The JAX backend of brainpy_math.

Importing this package does not import jax: it only declares the backend. The implementation lives
in :mod:`brainpy_math_jax.backend` and is imported by the frontend on first use.
"""
from brainpy_math import BackendSpec

SPEC = BackendSpec(name="jax", module="brainpy_math_jax.backend", requires=("jax", "jaxlib"), extra="jax")
