"""Hand-written reference implementations of COBA and COBAHH (Numba and JAX), the bars the
brainpy_math backends are measured against; ``python -m benchmarks.reference`` prints the table."""
