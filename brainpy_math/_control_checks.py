"""The argument checks of ``for_loop``, ``while_loop``, ``cond``, ``ifelse`` (and ``jit``'s ``dyn_vars``).

One implementation for every backend: the frontend's dispatching functions
(``brainpy_math.transforms``) run them before the backend does, so a bad argument raises the same
one-line error, naming the argument, its value and what was expected, on every backend. The checks
that need values computed while the loop runs (the shape of what ``cond`` returns, the number of
operands ``body`` returns) are here too, for the backends to call.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .base import Base
from .variables import Variable

__all__ = ["check_callable", "check_bool", "collect_variables", "check_scalar_condition",
           "check_ifelse", "operand_shapes", "loop_length", "check_loop_result"]

_PYTHON_SCALARS = (bool, int, float, complex)


def check_callable(fn: Any, where: str, argname: str) -> None:
    """Raise ``TypeError`` unless ``fn`` is callable.

    Example:
        >>> check_callable(3, "for_loop", "body")
        Traceback (most recent call last):
        ...
        TypeError: for_loop: argument 'body' must be callable, got 3 (int)
    """
    if not callable(fn):
        raise TypeError(f"{where}: argument '{argname}' must be callable, got {fn!r} ({type(fn).__name__})")


def check_bool(value: Any, where: str, argname: str) -> None:
    """Raise ``TypeError`` unless ``value`` is a bool.

    Example:
        >>> check_bool("yes", "for_loop", "progress_bar")
        Traceback (most recent call last):
        ...
        TypeError: for_loop: argument 'progress_bar' must be a bool, got 'yes'
    """
    if not isinstance(value, bool):
        raise TypeError(f"{where}: argument '{argname}' must be a bool, got {value!r}")


def _describe(item: Any) -> str:
    shape = getattr(item, "shape", None)
    if shape is not None and not isinstance(item, np.generic):
        return f"a {type(item).__name__} of shape {tuple(shape)}"
    return f"{item!r} ({type(item).__name__})"


def collect_variables(items: Any, where: str, argname: str = "dyn_vars") -> list:
    """The Variables ``items`` names, each once, in order: ``items`` is ``None``, a ``bm.Variable``,
    a ``bm.Base`` object (its Variables, ``obj.vars()``), or a list, tuple or dict of these.

    Example:
        >>> import brainpy_math as bm
        >>> v = bm.Variable(bm.zeros(2))
        >>> collect_variables({"a": v, "b": [v]}, "jit") == [v]
        True
        >>> collect_variables([1], "jit")
        Traceback (most recent call last):
        ...
        TypeError: jit: argument 'dyn_vars' must be a bm.Variable, a bm.Base object or a list, tuple or dict of them, got 1 (int)
    """
    found: list = []
    seen: set[int] = set()

    def add(var: Any) -> None:
        if id(var) not in seen:
            seen.add(id(var))
            found.append(var)

    def walk(item: Any) -> None:
        if isinstance(item, Variable):
            add(item)
        elif isinstance(item, Base):
            for var in item.vars().values():
                add(var)
        elif isinstance(item, dict):
            for value in item.values():
                walk(value)
        elif isinstance(item, (list, tuple)):
            for value in item:
                walk(value)
        else:
            raise TypeError(f"{where}: argument '{argname}' must be a bm.Variable, a bm.Base object or a "
                            f"list, tuple or dict of them, got {_describe(item)}")

    if items is not None:
        walk(items)
    return found


def check_scalar_condition(value: Any, where: str, what: str) -> None:
    """Raise ``TypeError`` unless ``value`` (a bool, a NumPy/backend array or a tracer) has shape ().

    ``what`` names it in the message: ``"argument 'pred'"``, ``"the value cond returns"``.

    Example:
        >>> check_scalar_condition(np.ones(3) > 0, "cond", "argument 'pred'")
        Traceback (most recent call last):
        ...
        TypeError: cond: argument 'pred' must be a scalar condition (a bool or an array of shape ()), got an array of shape (3,)
    """
    shape = value.shape if hasattr(value, "shape") else np.shape(value)
    if tuple(shape) != ():
        raise TypeError(f"{where}: {what} must be a scalar condition (a bool or an array of shape ()), got "
                        f"an array of shape {tuple(shape)}")


def check_ifelse(conditions: Any, branches: Any) -> None:
    """Raise unless ``conditions`` and ``branches`` are lists/tuples, with one more branch (the else).

    Example:
        >>> check_ifelse([True], [1.0])
        Traceback (most recent call last):
        ...
        ValueError: ifelse: 'branches' must have one more element than 'conditions' (the else branch): got 1 condition(s) and 1 branch(es)
    """
    if not isinstance(conditions, (list, tuple)) or not isinstance(branches, (list, tuple)):
        raise TypeError(f"ifelse: arguments 'conditions' and 'branches' must be lists/tuples, got "
                        f"{type(conditions).__name__} and {type(branches).__name__}")
    if len(branches) != len(conditions) + 1:
        raise ValueError(f"ifelse: 'branches' must have one more element than 'conditions' (the else "
                         f"branch): got {len(conditions)} condition(s) and {len(branches)} branch(es)")
    for i, condition in enumerate(conditions):
        check_scalar_condition(condition, "ifelse", f"argument 'conditions[{i}]'")


def operand_shapes(operands: Any) -> list[tuple] | None:
    """The shapes of a ``for_loop``'s operands (one array, or a list/tuple of them), or None when one
    of them is a container (a dict, a nested list: a JAX pytree), which the backend flattens itself.

    Example:
        >>> operand_shapes((np.ones(3), np.zeros((3, 2))))
        [(3,), (3, 2)]
    """
    items = operands if isinstance(operands, (list, tuple)) else (operands,)
    shapes = []
    for item in items:
        if isinstance(item, _PYTHON_SCALARS):
            shapes.append(())
        elif hasattr(item, "shape"):
            shapes.append(tuple(item.shape))
        else:
            return None
    return shapes


def loop_length(shapes: Sequence[tuple], where: str = "for_loop") -> int:
    """The number of steps of a loop over operands of these ``shapes``: their common leading axis.

    Example:
        >>> loop_length([(3,), (3, 2)])
        3
        >>> loop_length([(2,), (3,)])
        Traceback (most recent call last):
        ...
        ValueError: for_loop: every operand must have the same length along the leading (loop) axis, got shapes [(2,), (3,)]
    """
    shapes = [tuple(s) for s in shapes]
    if not shapes or any(s == () for s in shapes):
        raise ValueError(f"{where}: argument 'operands' must be arrays with a leading axis to loop over, got "
                         f"shapes {shapes}")
    if len({s[0] for s in shapes}) != 1:
        raise ValueError(f"{where}: every operand must have the same length along the leading (loop) axis, "
                         f"got shapes {shapes}")
    return shapes[0][0]


def check_loop_result(result: Any, n_operands: int, multi: bool, operands: Any = None) -> tuple:
    """What ``while_loop``'s body returned, as a tuple of new operands; ``TypeError`` if it returned
    another number of values than the loop has operands (``multi``: the operands were a list/tuple),
    or something that is not an operand's new value (an array or a number).

    A body returning ``None`` (BrainPy's bodies that only update Variables) keeps the ``operands``
    as they are; a body returning a bare value is the new value of the loop's single operand.

    Example:
        >>> check_loop_result((1, 2), 2, True)
        (1, 2)
        >>> check_loop_result(None, 2, True, (1, 2))
        (1, 2)
        >>> check_loop_result(1, 2, True)
        Traceback (most recent call last):
        ...
        TypeError: while_loop: body returned 1 value(s) for 2 operand(s); it must return the new operands (a tuple of 2 arrays), or None to keep them
    """
    expected = f"the new operands (a tuple of {n_operands} arrays), or None to keep them" if multi and \
        n_operands != 1 else "the new value of the operand (an array or a number), or None to keep it"
    if result is None and operands is not None:
        return tuple(operands) if isinstance(operands, (list, tuple)) else (operands,)
    if not isinstance(result, (list, tuple)) and (not multi or n_operands == 1):
        result = (result,)  # one operand: its new value, bare or in a tuple (as BrainPy accepts)
    count = len(result) if isinstance(result, (list, tuple)) else 1
    if count != n_operands or not isinstance(result, (list, tuple)):
        raise TypeError(f"while_loop: body returned {count} value(s) for {n_operands} operand(s); it must "
                        f"return {expected}")
    for item in result:
        if not (isinstance(item, _PYTHON_SCALARS) or hasattr(item, "shape")):
            raise TypeError(f"while_loop: body returned {_describe(item)} as an operand's new value; it must "
                            f"return {expected}")
    return tuple(result)
