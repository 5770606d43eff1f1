"""bm.random on the numba backend: the shared Threefry-2x32 stream and its distributions.

The stream, the state layout and the conversions are described in :mod:`brainpy_math.random`; the JAX
backend (``brainpy_math_jax.random``) implements the same formulas. Here every draw is an
``@numba.njit`` kernel with the signature ``(key, counter, *params)``: ``key`` (uint32[2]) and
``counter`` (uint32[2]: high, low word of the 64-bit word position) are a RandomState's arrays, the
kernel advances ``counter`` in place, and ``params`` are the public function's parameters, in the
same order and with the same defaults. The eager functions call these same kernels, so code
compiled by the numba backend (which passes ``state_arrays(rs)``) continues the very same stream.
Results follow the dtype policy fixed when the kernel is looked up (``compiled(name)``): float32 and
int32 unless x64 is on. ``prange_key``/``prange_stream`` give the iterations of a ``bm.prange`` loop
streams of their own (the rule is in :mod:`brainpy_math.random`; the code generator inserts the
calls).

Modules, lowest first: :mod:`.generator` (Threefry, stream positions, keys), :mod:`.tokens` (one
source for both dtype policies), :mod:`.conversions` (words to uniforms and normals),
:mod:`.distributions` (one draw per law), :mod:`.draws` (the table of public kernels,
``compiled``), :mod:`.state` (RandomState, ``state_arrays``, ``default_state``).

Example:
    >>> import brainpy_math as bm
    >>> with bm.set_backend('numba'):
    ...     bm.random.seed(1)
    ...     bm.random.normal(size=3).shape
    (3,)
"""
from __future__ import annotations

import brainpy_math.random as frontend
from .draws import compiled
from .generator import prange_key, prange_stream, threefry2x32
from .state import RandomState, default_state, state_arrays

__all__ = ["RandomState", "default_state", "state_arrays", "compiled", "threefry2x32", "prange_key",
           "prange_stream", *frontend.FORWARDED]

# bm.random.<name>: the method of the default state (the same functions on every backend).
globals().update(default_state.functions())
