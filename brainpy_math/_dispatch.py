"""Frontend functions that forward to the current backend.

Each public array function of the frontend is a thin wrapper that looks the function up on the
current backend at call time, so switching backends (``with bm.set_backend('numba'):``) takes
effect for code that did ``from brainpy_math import exp`` too.

The wrapper forwards ``*args, **kwargs`` untouched; what ``help()`` and ``inspect.signature`` show is
set once, when it is built (``__signature__`` and ``__doc__`` from :mod:`brainpy_math._signatures`),
so a call costs no more than before.

Example:
    >>> import inspect, brainpy_math as bm
    >>> str(inspect.signature(bm.clip))
    '(a, /, min=None, max=None, out=None, **kwargs)'
"""
from __future__ import annotations

from typing import Callable

from . import _backend, _signatures

__all__ = ["backend_function"]


def backend_function(name: str, area: str, example: str, namespace: str = "") -> Callable:
    """Build the frontend wrapper of the backend function ``name``.

    Args:
        name: the attribute looked up on the backend (on ``namespace`` of it, if given).
        area: the documentation group (``'creation'``, ``'elementwise'``, ...).
        example: a short call shown in the docstring.
        namespace: a sub-namespace of the backend, such as ``'random'`` or ``'linalg'``.
    """
    if namespace:
        def dispatch(*args, **kwargs):
            module = _backend._current_module or _backend.current()
            return getattr(getattr(module, namespace), name)(*args, **kwargs)
        qualified = f"{namespace}.{name}"
    else:
        def dispatch(*args, **kwargs):
            module = _backend._current_module or _backend.current()
            return getattr(module, name)(*args, **kwargs)
        qualified = name

    dispatch.__name__ = dispatch.__qualname__ = name
    # Read by inspect.signature/help() only: the call itself never binds its arguments to it.
    signature, dispatch.__doc__ = _signatures.describe(qualified, area, example)
    if signature is not None:  # a name missing from the table keeps (*args, **kwargs)
        dispatch.__signature__ = signature
    dispatch.__module__ = "brainpy_math" + (f".{namespace}" if namespace else "")
    return dispatch
