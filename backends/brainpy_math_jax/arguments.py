"""Reading the arguments that say what a transformation works on: containers of arrays, argnums, argnames.

The Variables named by ``dyn_vars``/``batched_vars`` are collected by the frontend's
:func:`brainpy_math._control_checks.collect_variables` (one rule for every backend).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from .array import JaxArray

__all__ = ["flatten_arrays", "unique", "normalize_argnums", "normalize_argnames"]


def unique(items: Sequence) -> list:
    """``items`` without repeats (by identity: a Variable's ``==`` is elementwise), in order."""
    seen: set[int] = set()
    out = []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            out.append(item)
    return out


def flatten_arrays(tree: Any, where: str, argname: str) -> tuple[list, Callable[[list], Any]]:
    """The JaxArrays of a JaxArray / list / tuple / dict container, and a function rebuilding it."""
    if isinstance(tree, JaxArray):
        return [tree], lambda leaves: leaves[0]
    if isinstance(tree, dict):
        keys = list(tree)
        parts = [flatten_arrays(tree[k], where, argname) for k in keys]
        counts = [len(p[0]) for p in parts]

        def rebuild_dict(leaves):
            out, start = {}, 0
            for k, (_, rebuild), n in zip(keys, parts, counts):
                out[k] = rebuild(leaves[start:start + n])
                start += n
            return type(tree)(out) if type(tree) is not dict else out
        return [leaf for p in parts for leaf in p[0]], rebuild_dict
    if isinstance(tree, (list, tuple)):
        parts = [flatten_arrays(item, where, argname) for item in tree]
        counts = [len(p[0]) for p in parts]

        def rebuild_seq(leaves):
            items, start = [], 0
            for (_, rebuild), n in zip(parts, counts):
                items.append(rebuild(leaves[start:start + n]))
                start += n
            if hasattr(tree, "_fields"):
                return type(tree)(*items)
            return type(tree)(items)
        return [leaf for p in parts for leaf in p[0]], rebuild_seq
    raise TypeError(f"{where}: argument '{argname}' must be a JaxArray/Variable or a list, tuple or dict "
                    f"of them, got {type(tree).__name__}")


def normalize_argnums(value: Any, where: str, argname: str) -> tuple[int, ...]:
    """``None``, an int or a sequence of ints as a tuple of ints."""
    if value is None:
        return ()
    items = (value,) if isinstance(value, int) else tuple(value)
    for i in items:
        if not isinstance(i, int) or isinstance(i, bool):
            raise TypeError(f"{where}: argument '{argname}' must be an int or a sequence of ints, got {value!r}")
    return items


def normalize_argnames(value: Any, where: str) -> tuple[str, ...]:
    """``None``, a str or a sequence of str (``static_argnames``) as a tuple of str."""
    if value is None:
        return ()
    items = (value,) if isinstance(value, str) else tuple(value)
    for name in items:
        if not isinstance(name, str):
            raise TypeError(f"{where}: argument 'static_argnames' must be a str or a sequence of str, got {value!r}")
    return items
