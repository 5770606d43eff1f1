"""Every test here runs with the JAX backend current (the modules skip themselves without jax)."""
import pytest

import brainpy_math as bm


@pytest.fixture(autouse=True)
def _jax_backend_current():
    with bm.set_backend("jax"):
        yield
