"""The public kernels of the numba backend: ``compiled(name)``, built from one table.

Every ``bm.random`` function has a kernel ``name(key, counter, *params)``: the arrays of a
RandomState (``state_arrays(rs)``; ``counter`` advances in place), then the public function's
parameters with the same names and defaults, so code compiled by the numba backend binds a call's
arguments against the kernel's signature. Each row of :data:`DRAWS` says which draw of
:mod:`.distributions` (or of :mod:`.generator`) a kernel calls and with what: :func:`build` turns a
row into an ``njit(cache=True)`` function, one per dtype policy (the policy's token is its only
closure variable, which Numba's cache key includes; the draws it calls are globals).
"""
from __future__ import annotations

import dataclasses
import inspect
from typing import Any, Callable, Mapping

import numpy as np

from brainpy_math import _config
from . import distributions as dist
from .generator import njit, reseed, split_key, split_keys

__all__ = ["Draw", "DRAWS", "KERNEL_NAMES", "ROWS", "build", "compiled", "policy_token"]


@dataclasses.dataclass(frozen=True)
class Draw:
    """One public kernel: ``name(key, counter, *params)`` returning ``draw(key, counter, *arguments)``.

    Attributes:
        name: the ``bm.random`` function.
        draw: the ``njit`` draw called; its parameters after ``(key, counter)`` are the kernel's
            parameters of the same names, then the dtype token when ``tokened``.
        params: the kernel's parameters after ``(key, counter)``: ``"x"`` (required), ``("x", default)``
            or ``"*x"``.
        given: source expressions for draw parameters the kernel does not take (``random`` passes
            ``low="0.0"``) or takes under another name (``rand`` passes ``size="dims"``).
        tokened: whether the draw takes the dtype token last (one kernel per dtype policy). Draws
            that do not are the kernel themselves.
        broadcast: the parameters that broadcast against ``size``; eager calls pass them as flat
            1-d arrays of ``broadcast_dtype`` (so each kernel compiles once per dtype policy).
        broadcast_dtype: see ``broadcast``.

    Example:
        >>> row = Draw("random", dist.uniform, (("size", None),), {"low": "0.0", "high": "1.0"})
        >>> row.source()
        'def random(key, counter, size=None):\\n    return draw(key, counter, 0.0, 1.0, size, token)\\n'
    """

    name: str
    draw: Callable
    params: tuple = ()
    given: Mapping[str, str] = dataclasses.field(default_factory=dict)
    tokened: bool = True
    broadcast: tuple = ()
    broadcast_dtype: Any = np.float64

    def signature(self) -> str:
        """The kernel's parameter list, as source."""
        names = ["key", "counter"]
        for p in self.params:
            names.append(f"{p[0]}={p[1]!r}" if isinstance(p, tuple) else p)
        return ", ".join(names)

    def arguments(self) -> list[str]:
        """The draw's arguments after ``(key, counter)``, as source."""
        taken = set(self.names())
        wanted = list(inspect.signature(self.draw.py_func).parameters)[2:]
        if self.tokened:
            wanted = wanted[:-1]
        out = []
        for name in wanted:
            if name in self.given:
                out.append(self.given[name])
            elif name in taken:
                out.append(name)
            else:
                raise TypeError(f"Draw {self.name!r}: the draw's parameter {name!r} is neither a kernel "
                                f"parameter nor given")
        return out

    def source(self) -> str:
        """The kernel's source: one call of ``draw`` (a global of the namespace it is built in)."""
        return (f"def {self.name}({self.signature()}):\n"
                f"    return draw(key, counter, {', '.join(self.arguments() + ['token'])})\n")

    def names(self) -> list[str]:
        """The kernel's parameter names after ``(key, counter)``."""
        return [p[0] if isinstance(p, tuple) else p.lstrip("*") for p in self.params]


_UNIT = {"low": "0.0", "high": "1.0"}
_STANDARD = {"loc": "0.0", "scale": "1.0"}
_SIZE = ("size", None)

#: One row per kernel, in the order of ``brainpy_math.random``'s functions.
DRAWS: tuple[Draw, ...] = (
    Draw("uniform", dist.uniform, (("low", 0.0), ("high", 1.0), _SIZE), broadcast=("low", "high")),
    Draw("random", dist.uniform, (_SIZE,), _UNIT),
    Draw("random_sample", dist.uniform, (_SIZE,), _UNIT),
    Draw("sample", dist.uniform, (_SIZE,), _UNIT),
    Draw("rand", dist.uniform, ("*dims",), {**_UNIT, "size": "dims"}),
    Draw("normal", dist.normal, (("loc", 0.0), ("scale", 1.0), _SIZE), broadcast=("loc", "scale")),
    Draw("standard_normal", dist.normal, (_SIZE,), _STANDARD),
    Draw("randn", dist.normal, ("*dims",), {**_STANDARD, "size": "dims"}),
    Draw("lognormal", dist.lognormal, (("mean", 0.0), ("sigma", 1.0), _SIZE), broadcast=("mean", "sigma")),
    Draw("exponential", dist.exponential, (("scale", 1.0), _SIZE), broadcast=("scale",)),
    Draw("truncated_normal", dist.truncated_normal, ("lower", "upper", _SIZE, ("loc", 0.0), ("scale", 1.0)),
         broadcast=("lower", "upper", "loc", "scale")),
    Draw("multivariate_normal", dist.multivariate_normal, ("mean", "cov", _SIZE, ("method", "cholesky"))),
    Draw("gamma", dist.gamma, ("shape", ("scale", 1.0), _SIZE), broadcast=("shape", "scale")),
    Draw("beta", dist.beta, ("a", "b", _SIZE), broadcast=("a", "b")),
    Draw("bernoulli", dist.bernoulli, (("p", 0.5), _SIZE), broadcast=("p",)),
    Draw("poisson", dist.poisson, (("lam", 1.0), _SIZE), broadcast=("lam",)),
    Draw("binomial", dist.binomial, ("n", "p", _SIZE), broadcast=("n", "p")),
    Draw("randint", dist.randint, ("low", ("high", None), _SIZE, ("dtype", None)), broadcast=("low", "high"),
         broadcast_dtype=np.int64),
    Draw("random_integers", dist.random_integers, ("low", ("high", None), _SIZE)),
    Draw("permutation", dist.permutation, ("x",)),
    Draw("shuffle", dist.shuffle, ("x", ("axis", 0)), tokened=False),
    Draw("choice", dist.choice, ("a", _SIZE, ("replace", True), ("p", None))),
    Draw("split_key", split_key, (), tokened=False),
    Draw("split_keys", split_keys, ("n",), tokened=False),
    Draw("seed", reseed, ("seed",), tokened=False),
)
KERNEL_NAMES: tuple[str, ...] = tuple(row.name for row in DRAWS)
ROWS: dict[str, Draw] = {row.name: row for row in DRAWS}


def build(row: Draw, dtype_token: Any) -> Callable:
    """The ``njit(cache=True)`` kernel of ``row`` for the dtype of ``dtype_token``.

    The kernel's source is compiled under this module's file name, which Numba's cache stamps it with
    (the table lives here: editing it recompiles the kernels).

    Example:
        >>> kernel = build(ROWS["standard_normal"], np.float32(0))
        >>> kernel(np.zeros(2, np.uint32), np.zeros(2, np.uint32), 3).dtype
        dtype('float32')
    """
    if not row.tokened:
        return row.draw
    # An enclosing function makes the token a closure variable: Numba's cache key includes closure
    # values (not globals), so the float32 and float64 kernels of one row never share a cache entry.
    indented = "".join(f"    {line}\n" for line in row.source().splitlines())
    source = f"def make(token):\n{indented}    return {row.name}\n"
    namespace = {"__name__": __name__, "draw": row.draw}
    exec(compile(source, __file__, "exec"), namespace)
    return njit(namespace["make"](dtype_token))


def policy_token(x64: bool) -> Any:
    """The dtype token of the policy: ``np.float64(0)`` under x64, else ``np.float32(0)``."""
    return np.float64(0.0) if x64 else np.float32(0.0)


_kernel_sets: dict[bool, dict[str, Callable]] = {}


def _kernels() -> dict[str, Callable]:
    wide = _config.x64_enabled()
    kernels = _kernel_sets.get(wide)
    if kernels is None:
        kernels = _kernel_sets[wide] = {row.name: build(row, policy_token(wide)) for row in DRAWS}
    return kernels


def compiled(name: str) -> Callable:
    """The ``numba.njit`` kernel of draw ``name``, for code compiled by the numba backend.

    Its signature is ``(key, counter, *params)``: the arrays of ``state_arrays(rs)`` (``counter`` is
    advanced in place), then the public function's parameters with the same defaults. The kernel's
    dtypes follow the policy at the time of this call (float32/int32 unless x64 is on).

    Example:
        >>> import numba
        >>> normal = compiled('normal')
        >>> @numba.njit
        ... def noise(key, counter):
        ...     return normal(key, counter, 0.0, 1.0, 3)
        >>> noise(np.array([0, 1], np.uint32), np.zeros(2, np.uint32)).shape
        (3,)
    """
    if name not in ROWS:
        raise NotImplementedError(f"bm.random.{name} has no kernel for code compiled by the numba backend; "
                                  f"available: {', '.join(KERNEL_NAMES)}")
    return _kernels()[name]

