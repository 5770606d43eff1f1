"""BrainPy 2.x's einops functions: ``bm.ein_rearrange``, ``bm.ein_reduce``, ``bm.ein_repeat`` and
``bm.ein_shape``, with the pattern language of the ``einops`` library (``'b (h w) c -> b h w c'``).

A pattern is parsed here, in Python, into a plan made of the input's shape and a few ``bm.``
calls (``reshape``, ``transpose``, a reduction, ``expand_dims``/``broadcast_to``, ``reshape``),
so the result is an array of the current backend with the same values and dtype on every backend,
eagerly and inside ``bm.jit`` on JAX (shapes are static there). Inside code compiled by the numba
backend a pattern cannot be parsed: a call raises ``NotImplementedError`` saying so (write the
``bm.reshape``/``bm.transpose`` calls there, or call it outside ``bm.jit``). Bad patterns raise
``ValueError`` naming the function, the pattern and what is wrong, the same on every backend.

Differences from BrainPy (whose module is a copy of einops 0.6): no dependency on the einops
library; ``'mean'`` of an integer array gives the policy's float (``bm.mean``'s result) rather than
an error; errors are ``ValueError``/``TypeError`` rather than ``EinopsError``.

Example:
    >>> import brainpy_math as bm
    >>> x = bm.arange(6).reshape(2, 3)
    >>> bm.ein_rearrange(x, 'a b -> b a').tolist()
    [[0, 3], [1, 4], [2, 5]]
    >>> bm.ein_reduce(x, 'a b -> a', 'sum').tolist(), bm.ein_shape(x, 'rows cols')
    ([3, 12], {'rows': 2, 'cols': 3})
"""
from __future__ import annotations

import functools
import keyword
import numbers
from typing import Any, Callable, NamedTuple

import numpy as np

__all__ = ["ein_rearrange", "ein_reduce", "ein_repeat", "ein_shape"]

REDUCTIONS = ("min", "max", "sum", "mean", "prod", "any", "all")
_ELLIPSIS = "..."


class _Anonymous(NamedTuple):
    """A number in a pattern (``'(h 2)'``): an axis of that length, distinct from every other one."""

    index: int
    length: int

    def __str__(self) -> str:
        return str(self.length)


class _Side(NamedTuple):
    """One side of a pattern: its groups (a bare name is a group of one; ``()``/``1`` is empty)."""

    groups: tuple[tuple[Any, ...], ...]
    ellipsis_in_group: bool

    @property
    def axes(self) -> list:
        return [axis for group in self.groups for axis in group]

    @property
    def has_ellipsis(self) -> bool:
        return any(_ELLIPSIS in group for group in self.groups)


def _fail(where: str, pattern: str, problem: str) -> ValueError:
    return ValueError(f"{where}: pattern {pattern!r}: {problem}")


def _valid_name(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("_") \
        and not name.endswith("_")


def _parse_side(text: str, where: str, pattern: str, counter: list[int], allow_underscore: bool = False) -> _Side:
    """Parse ``'b (h w) ... c'`` into groups; numbers become :class:`_Anonymous` axes (``1``: none)."""
    groups: list[tuple] = []
    current: list | None = None  # the open parenthesised group
    ellipsis_in_group = False
    seen: set = set()
    tokens = text.replace("(", " ( ").replace(")", " ) ").split()
    for token in tokens:
        if token == "(":
            if current is not None:
                raise _fail(where, pattern, "nested parentheses are not allowed")
            current = []
            continue
        if token == ")":
            if current is None:
                raise _fail(where, pattern, "a ')' without its '('")
            groups.append(tuple(current))
            current = None
            continue
        if token == _ELLIPSIS:
            if _ELLIPSIS in seen:
                raise _fail(where, pattern, "'...' may appear once on each side")
            seen.add(_ELLIPSIS)
            axis: Any = _ELLIPSIS
            ellipsis_in_group = ellipsis_in_group or current is not None
        elif token.isdecimal():
            length = int(token)
            if length < 1:
                raise _fail(where, pattern, f"an axis length in a pattern must be >= 1, got {token}")
            if length == 1:  # a unitary axis: no elementary axis at all
                if current is None:
                    groups.append(())
                continue
            counter[0] += 1
            axis = _Anonymous(counter[0], length)
        elif token == "_" and allow_underscore:
            axis = token
        elif _valid_name(token):
            if token in seen:
                raise _fail(where, pattern, f"axis {token!r} appears twice on one side")
            seen.add(token)
            axis = token
        else:
            raise _fail(where, pattern, f"{token!r} is not an axis name (a Python identifier not starting or "
                                        f"ending with '_'), a number, '...', '(' or ')'")
        if current is None:
            groups.append((axis,))
        else:
            current.append(axis)
    if current is not None:
        raise _fail(where, pattern, "a '(' without its ')'")
    return _Side(tuple(groups), ellipsis_in_group)


class _Plan(NamedTuple):
    """What a pattern does to an input of one shape: each step is skipped when it is None/empty."""

    init_shape: tuple[int, ...] | None   # reshape into the left side's elementary axes
    reduced: tuple[int, ...]              # those axes reduced
    permutation: tuple[int, ...] | None   # the kept axes in the right side's order
    added: tuple[tuple[int, int], ...]    # (position, length) of new axes (ein_repeat)
    final_shape: tuple[int, ...] | None   # reshape into the right side's groups


@functools.lru_cache(maxsize=256)
def _plan(where: str, operation: str, pattern: str, shape: tuple[int, ...],
          lengths: tuple[tuple[str, int], ...]) -> _Plan:
    if pattern.count("->") != 1:
        raise ValueError(f"{where}: argument 'pattern' must have the form 'left -> right' (one '->'), "
                         f"got {pattern!r}")
    left_text, right_text = pattern.split("->")
    counter = [0]
    left = _parse_side(left_text, where, pattern, counter)
    right = _parse_side(right_text, where, pattern, counter)
    if left.ellipsis_in_group:
        raise _fail(where, pattern, "'...' inside parentheses is allowed on the right side only")
    if right.has_ellipsis and not left.has_ellipsis:
        raise _fail(where, pattern, "'...' on the right side needs '...' on the left side")
    # Expand '...' into as many axes as the input has dimensions left over.
    if left.has_ellipsis:
        named = len(left.groups) - 1
        if len(shape) < named:
            raise _fail(where, pattern, f"an input of at least {named} dimensions is needed, got shape {shape}")
        dots = tuple(f"...{i}" for i in range(len(shape) - named))

        def expand(side):
            out = []
            for group in side.groups:
                if group == (_ELLIPSIS,) and not side.ellipsis_in_group:  # a bare '...': one group per axis
                    out.extend((axis,) for axis in dots)
                else:
                    out.append(tuple(a for axis in group for a in (dots if axis == _ELLIPSIS else (axis,))))
            return out

        left_groups, right_groups = expand(left), expand(right)
    else:
        if len(shape) != len(left.groups):
            raise _fail(where, pattern, f"an input of {len(left.groups)} dimensions is needed, got shape {shape}")
        left_groups, right_groups = list(left.groups), list(right.groups)
    left_axes = [axis for group in left_groups for axis in group]
    right_axes = [axis for group in right_groups for axis in group]
    left_set, right_set = set(left_axes), set(right_axes)

    def names(axes) -> str:
        axes = sorted(axes, key=str)
        return ("axis " if len(axes) == 1 else "axes ") + ", ".join(repr(str(a)) for a in axes)

    if operation == "rearrange":
        anonymous = [a for a in left_axes + right_axes if isinstance(a, _Anonymous)]
        if anonymous:
            raise _fail(where, pattern, f"ein_rearrange takes no numbers other than 1 in a pattern (got "
                                        f"{names(anonymous)}); give lengths as keywords, e.g. h=2")
        if left_set != right_set:
            raise _fail(where, pattern, f"{names(left_set ^ right_set)} on one side only; "
                                        f"ein_rearrange needs every axis on both sides")
    elif operation == "repeat":
        if left_set - right_set:
            raise _fail(where, pattern, f"{names(left_set - right_set)} of the left side missing on the right side; "
                                        f"ein_repeat keeps every axis (ein_reduce removes axes)")
        unsized = [a for a in right_axes if a not in left_set and not isinstance(a, _Anonymous)
                   and a not in dict(lengths)]
        if unsized:
            raise _fail(where, pattern, f"new {names(unsized)} without a length; give it, e.g. "
                                        f"{str(unsized[0])}=3")
    else:
        if right_set - left_set:
            raise _fail(where, pattern, f"{names(right_set - left_set)} of the right side not on the left side; "
                                        f"ein_reduce only removes axes (ein_repeat adds them)")
    known: dict[Any, int] = {a: a.length for a in left_axes + right_axes if isinstance(a, _Anonymous)}
    for name, length in lengths:
        if name not in left_set and name not in right_set:
            raise _fail(where, pattern, f"the length {name}={length} names an axis the pattern does not have")
        known[name] = length
    # The length of every left axis: from the input's shape, at most one unknown per group.
    for group, dim in zip(left_groups, shape):
        unknown = [axis for axis in group if axis not in known]
        product = int(np.prod([known[axis] for axis in group if axis in known], dtype=np.int64))
        if len(unknown) > 1:
            raise _fail(where, pattern, f"the lengths of {names(unknown)} in one group cannot all be inferred "
                                        f"from its length {dim}; give all but one, e.g. {str(unknown[0])}=2")
        if unknown:
            if product == 0 or dim % product:
                raise _fail(where, pattern, f"an axis of length {dim} (input shape {shape}) cannot be split "
                                            f"into groups of {product}")
            known[unknown[0]] = dim // product
        elif product != dim:
            group_text = "(" + " ".join(map(str, group)) + ")" if len(group) != 1 else str(group[0])
            raise _fail(where, pattern, f"{group_text} has length {product}, but the input's axis has length "
                                        f"{dim} (input shape {shape})")
    init_shape = tuple(known[a] for a in left_axes)
    reduced = tuple(i for i, a in enumerate(left_axes) if a not in right_set)
    kept = [a for a in left_axes if a in right_set]
    order = [a for a in right_axes if a in left_set]
    permutation = tuple(kept.index(a) for a in order)
    added = tuple((i, known[a]) for i, a in enumerate(right_axes) if a not in left_set)
    final_shape = tuple(int(np.prod([known[a] for a in group], dtype=np.int64)) for group in right_groups)
    return _Plan(None if init_shape == shape else init_shape, reduced,
                 None if permutation == tuple(range(len(permutation))) else permutation, added,
                 None if all(len(group) == 1 for group in right_groups) else final_shape)


def _checked_lengths(where: str, axes_lengths: dict) -> tuple[tuple[str, int], ...]:
    out = []
    for name, length in axes_lengths.items():
        if isinstance(length, bool) or not isinstance(length, numbers.Integral) or length < 1:
            raise TypeError(f"{where}: the axis length {name}= must be a positive int, got {length!r}")
        out.append((name, int(length)))
    return tuple(out)


def _as_array(tensor: Any, where: str) -> Any:
    import brainpy_math as bm
    from .variables import Variable
    if isinstance(tensor, (list, tuple)) and tensor and all(hasattr(t, "shape") for t in tensor):
        return bm.stack([t.value if isinstance(t, Variable) else t for t in tensor])  # einops stacks a list
    if isinstance(tensor, Variable):
        return bm.asarray(tensor.value)
    return bm.asarray(tensor)


def _apply(where: str, operation: str, tensor: Any, pattern: Any, reduction: Any, axes_lengths: dict) -> Any:
    import brainpy_math as bm
    if not isinstance(pattern, str):
        raise TypeError(f"{where}: argument 'pattern' must be a str such as 'a b -> b a', got "
                        f"{type(pattern).__name__}")
    x = _as_array(tensor, where)
    plan = _plan(where, operation, pattern, tuple(int(s) for s in x.shape), _checked_lengths(where, axes_lengths))
    if plan.init_shape is not None:
        x = bm.reshape(x, plan.init_shape)
    if plan.reduced:
        x = reduction(x, plan.reduced) if callable(reduction) else getattr(bm, reduction)(x, axis=plan.reduced)
    if plan.permutation is not None:
        x = bm.transpose(x, plan.permutation)
    if plan.added:
        for position, _ in plan.added:
            x = bm.expand_dims(x, position)
        shape = list(x.shape)
        for position, length in plan.added:
            shape[position] = length
        x = bm.broadcast_to(x, tuple(shape))
    if plan.final_shape is not None:
        x = bm.reshape(x, plan.final_shape)
    return x


def ein_reduce(tensor: Any, pattern: str, reduction: str | Callable, **axes_lengths: int) -> Any:
    """Reorder and reduce axes by a pattern (BrainPy's ``bm.ein_reduce``, einops' ``reduce``).

    Axes of the left side missing on the right are reduced with ``reduction``: one of ``'min'``,
    ``'max'``, ``'sum'``, ``'mean'``, ``'prod'``, ``'any'``, ``'all'`` (the ``bm.`` function of that
    name), or a callable ``f(x, axes)`` taking a tuple of axes. ``axes_lengths`` give the lengths of
    axes that a group splits (``h2=2`` in ``'(h1 h2) w -> h1 w'``). ``tensor`` may be a list of
    arrays of one shape (stacked first). Returns an array of the current backend.

    Example:
        >>> import brainpy_math as bm
        >>> x = bm.arange(8.0).reshape(2, 4)
        >>> bm.ein_reduce(x, 'b (w k) -> b w', 'max', k=2).tolist()
        [[1.0, 3.0], [5.0, 7.0]]
        >>> bm.ein_reduce(x, 'b w -> () w', 'mean').tolist()
        [[2.0, 3.0, 4.0, 5.0]]
    """
    where = "ein_reduce"
    if not (callable(reduction) or (isinstance(reduction, str) and reduction in REDUCTIONS)):
        raise ValueError(f"{where}: argument 'reduction' must be one of {REDUCTIONS} or a callable f(x, axes), "
                         f"got {reduction!r}")
    return _apply(where, "reduce", tensor, pattern, reduction, axes_lengths)


def ein_rearrange(tensor: Any, pattern: str, **axes_lengths: int) -> Any:
    """Transpose, reshape, split, join, squeeze and unsqueeze axes by a pattern (BrainPy's
    ``bm.ein_rearrange``, einops' ``rearrange``): every axis appears on both sides.

    Groups in parentheses are joined (right side) or split (left side, with ``axes_lengths`` for all
    but one axis of a group) in C order; ``()`` or ``1`` is an axis of length 1; ``...`` stands for
    the remaining axes. ``tensor`` may be a list of arrays of one shape (stacked first). Returns an
    array of the current backend.

    Example:
        >>> import brainpy_math as bm
        >>> x = bm.arange(6).reshape(2, 3)
        >>> bm.ein_rearrange(x, 'a b -> (b a)').tolist()
        [0, 3, 1, 4, 2, 5]
        >>> bm.ein_rearrange(bm.arange(6), '(h w) -> h w', h=2).shape
        (2, 3)
    """
    return _apply("ein_rearrange", "rearrange", tensor, pattern, None, axes_lengths)


def ein_repeat(tensor: Any, pattern: str, **axes_lengths: int) -> Any:
    """Reorder axes and repeat along new ones by a pattern (BrainPy's ``bm.ein_repeat``, einops'
    ``repeat``): axes only on the right side are new, of the length given in ``axes_lengths`` (or
    written as a number in the pattern). Returns an array of the current backend.

    Example:
        >>> import brainpy_math as bm
        >>> bm.ein_repeat(bm.arange(2), 'w -> h w', h=2).tolist()
        [[0, 1], [0, 1]]
        >>> bm.ein_repeat(bm.arange(2), 'w -> (w 3)').tolist()
        [0, 0, 0, 1, 1, 1]
    """
    return _apply("ein_repeat", "repeat", tensor, pattern, None, axes_lengths)


def ein_shape(x: Any, pattern: str) -> dict[str, int]:
    """The lengths of ``x``'s axes by name (BrainPy's ``bm.ein_shape``, einops' ``parse_shape``):
    ``pattern`` names each axis (``_`` skips one, ``...`` any number of them; no groups).

    Example:
        >>> import brainpy_math as bm
        >>> bm.ein_shape(bm.zeros((2, 3, 5)), 'batch _ w')
        {'batch': 2, 'w': 5}
    """
    where = "ein_shape"
    if not isinstance(pattern, str):
        raise TypeError(f"{where}: argument 'pattern' must be a str such as 'batch _ w', got "
                        f"{type(pattern).__name__}")
    shape = tuple(int(s) for s in np.shape(x))
    side = _parse_side(pattern, where, pattern, [0], allow_underscore=True)
    if any(len(group) != 1 or isinstance(group[0], _Anonymous) for group in side.groups):
        raise _fail(where, pattern, "only axis names, '_' and '...' are allowed (no groups or numbers)")
    names = [group[0] for group in side.groups]
    if _ELLIPSIS in names:
        if len(shape) < len(names) - 1:
            raise _fail(where, pattern, f"an input of at least {len(names) - 1} dimensions is needed, got shape "
                                        f"{shape}")
        at = names.index(_ELLIPSIS)
        names = names[:at] + ["_"] * (len(shape) - len(names) + 1) + names[at + 1:]
    elif len(names) != len(shape):
        raise _fail(where, pattern, f"an input of {len(names)} dimensions is needed, got shape {shape}")
    return {name: length for name, length in zip(names, shape) if name != "_"}
