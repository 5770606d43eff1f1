"""``bm.event``: event-driven operators, whose work is bounded by the neurons that spiked.

Example:
    >>> import brainpy_math as bm
    >>> indices, indptr = bm.connect.fixed_prob(3, 4, 1.0, seed=0)
    >>> spikes = bm.asarray([True, False, True])
    >>> bm.event.csrmv(0.5, indices, indptr, spikes, shape=(3, 4)).tolist()
    [1.0, 1.0, 1.0, 1.0]
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _backend
from .sparse import as_vector, cast_values, check_csr, check_values, check_vector

__all__ = ["csrmv"]


def csrmv(weights: Any, indices: Any, indptr: Any, events: Any, shape: tuple[int, int],
          transpose: bool = True) -> Any:
    """Propagate events through a CSR connectivity matrix ``W`` of shape ``(num_pre, num_post)``.

    An event is a ``True`` (bool events) or a non-zero value (float events); its value is not used,
    as in BrainPy. With ``transpose=True`` (presynaptic spikes to postsynaptic input) the result,
    of length ``num_post``, is ``events @ W``: only the rows of the neurons that spiked are read,
    so the work is proportional to the spikes, not to the synapses. With ``transpose=False`` the
    events are postsynaptic (length ``num_post``) and the result is ``W @ events`` (length ``num_pre``).

    Args:
        weights: the synaptic weight, a scalar shared by every synapse or one value per synapse.
        indices, indptr: the CSR structure (e.g. from ``bm.connect.fixed_prob``).
        events: bool or float spikes, of length ``num_pre`` (``transpose=True``) or ``num_post``.
        shape: ``(num_pre, num_post)``.
        transpose: see above; BrainPy's meaning.

    Returns:
        The summed weights, of the float dtype of ``weights`` under the dtype policy (float32
        for a Python float unless ``bm.enable_x64()``).

    Raises:
        ValueError / TypeError: a bad structure, on every backend with the same one-line message
            naming the argument, the position and value and what was expected (``indptr`` must
            start at 0, never decrease and end at ``len(indices)``; ``0 <= indices < num_post``;
            integer dtypes; the lengths of ``indptr``, ``weights`` and ``events``). The values are
            checked once per structure and the verdict cached: see ``brainpy_math._csr`` for the
            rule (exact for jax arrays and read-only NumPy arrays; writable NumPy arrays on the
            Numba backend by identity and a fingerprint, the kernel checking every index it reads).
            Inside ``bm.jit`` the model's arrays are checked when the function is first traced/run;
            connectivity passed as a traced argument of ``jax.jit`` only gets the static checks.

    Example:
        >>> import brainpy_math as bm
        >>> indices, indptr = bm.asarray([1, 0, 1]), bm.asarray([0, 1, 3])
        >>> w = bm.asarray([1., 2., 3.])
        >>> bm.event.csrmv(w, indices, indptr, bm.asarray([False, True]), shape=(2, 2)).tolist()
        [2.0, 3.0]
    """
    fn = "event.csrmv"
    num_pre, num_post = check_csr(fn, indices, indptr, shape)
    dtype = check_values(fn, "weights", weights, np.shape(indices)[0])
    length, what = (num_pre, "num_pre") if transpose else (num_post, "num_post")
    events = as_vector(events)
    check_vector(fn, "events", events, length, what)
    module = _backend.current()
    return module.event.csrmv(cast_values(weights, dtype), indices, indptr, events,
                              shape=(num_pre, num_post), transpose=bool(transpose))
