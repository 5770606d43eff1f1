"""The Numba backend as the frontend sees it: every name the frontend forwards to lives here."""
from __future__ import annotations

from .numpy_ops import *  # noqa: F401,F403  (the NumPy namespace)
from .numpy_ops import PROVIDERS
from . import random  # noqa: F401  (bm.random)
from . import activations, fft, linalg  # noqa: F401  (bm.activations, bm.fft, bm.linalg)
from . import event, jitconn, sparse, surrogate  # noqa: F401  (bm.event, bm.jitconn, bm.sparse, bm.surrogate)
from .control_flow import *  # noqa: F401,F403
from .transforms import *  # noqa: F401,F403
from .array import NumbaArray
from .variables import Parameter, TrainVar, Variable

name = "numba"
ndarray = NumbaArray  # the type bm functions return (a numpy.ndarray subclass)


def set_platform(platform: str) -> None:
    """The Numba backend computes on the CPU only."""
    if platform != "cpu":
        raise NotImplementedError(f"set_platform: platform={platform!r} is not supported by the numba "
                                  f"backend, which runs on the CPU only; use bm.set_backend('jax') for "
                                  f"GPU or TPU")
