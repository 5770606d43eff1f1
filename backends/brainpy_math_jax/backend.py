"""The JAX backend as the frontend sees it: every name the frontend forwards to lives here."""
from __future__ import annotations

import jax

from brainpy_math import _config
from .array import JaxArray
from .numpy_ops import *  # noqa: F401,F403  (the NumPy namespace)
from .numpy_ops import PROVIDERS
from . import random  # noqa: F401  (bm.random)
from . import event, jitconn, sparse, surrogate  # noqa: F401  (bm.event, bm.jitconn, bm.sparse, bm.surrogate)
from . import activations, fft, linalg  # noqa: F401  (bm.activations, bm.fft, bm.linalg)
from .control_flow import *  # noqa: F401,F403
from .transforms import *  # noqa: F401,F403
from .variables import Parameter, TrainVar, Variable

name = "jax"
ndarray = JaxArray


def _sync_x64(enabled: bool) -> None:
    jax.config.update("jax_enable_x64", enabled)


_sync_x64(_config.x64_enabled())
_config._x64_listeners.append(_sync_x64)


def set_platform(platform: str) -> None:
    """Make ``platform`` ('cpu', 'gpu' or 'tpu') JAX's default device type."""
    try:
        jax.devices(platform)
    except RuntimeError as err:
        raise RuntimeError(f"set_platform: platform={platform!r} is not available to JAX here "
                           f"({err}); available: {sorted({d.platform for d in jax.devices()})}") from None
    jax.config.update("jax_platform_name", platform)
