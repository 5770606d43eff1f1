"""Frontend functions that forward to the current backend.

Each public array function of the frontend is a thin wrapper that looks the function up on the
current backend at call time, so switching backends (``with bm.set_backend('numba'):``) takes
effect for code that did ``from brainpy_math import exp`` too.
"""
from __future__ import annotations

from typing import Callable

from . import _backend

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
    dispatch.__doc__ = (
        f"``numpy.{qualified}`` on the current backend ({area}).\n\n"
        f"Takes NumPy's arguments and returns the backend's array type (``JaxArray`` on JAX, "
        f"``numpy.ndarray`` on Numba); dtypes follow the shared policy (32-bit defaults unless "
        f"``bm.enable_x64()``).\n\n"
        f"Example:\n    >>> import brainpy_math as bm\n    >>> {example}  # doctest: +SKIP\n"
    )
    dispatch.__module__ = "brainpy_math" + (f".{namespace}" if namespace else "")
    return dispatch
