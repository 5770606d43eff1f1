"""The backend registry: discovery through entry points, selection, and lazy loading.

A backend package exposes a :class:`BackendSpec` under the entry-point group
``brainpy_math.backends``. The spec names the module that implements the backend and the
distributions that module needs; the module is imported only when the backend is first used, so
``import brainpy_math`` never imports jax or numba.
"""
from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import os
import re
from importlib import metadata
from types import ModuleType
from typing import Iterator

__all__ = ["BackendSpec", "available_backends", "known_backends", "get_backend", "set_backend",
           "current", "load", "BackendError"]

ENTRY_POINT_GROUP = "brainpy_math.backends"
ENV_VAR = "BRAINPY_MATH_BACKEND"
# Order of preference when neither set_backend nor the environment variable chose one.
_PREFERENCE = ("jax", "numba")


@dataclasses.dataclass(frozen=True)
class BackendSpec:
    """What the frontend needs to know about a backend before importing it.

    Attributes:
        name: the name users pass to ``bm.set_backend``.
        module: the module implementing the backend (imported on first use).
        requires: top-level modules that must be importable for the backend to work.
        extra: the optional-dependency group that installs ``requires``.
    """

    name: str
    module: str
    requires: tuple[str, ...]
    extra: str


class BackendError(ValueError):
    """A backend name that is unknown, or whose dependencies are not installed."""


_specs: dict[str, BackendSpec] | None = None
# The distribution that registered each backend: its metadata lists what the backend's extra installs.
_dists: dict[str, metadata.Distribution] = {}
_loaded: dict[str, ModuleType] = {}
_current_name: str | None = None
# The loaded module of the current backend. Dispatch reads this global, so it must stay in step
# with _current_name; only _activate writes either.
_current_module: ModuleType | None = None


def _discover() -> dict[str, BackendSpec]:
    global _specs
    if _specs is None:
        specs = {}
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            spec = ep.load()
            if not isinstance(spec, BackendSpec):
                raise TypeError(f"entry point {ep.name!r} in group {ENTRY_POINT_GROUP!r} must point to a "
                                f"brainpy_math.BackendSpec, got {type(spec).__name__}")
            specs[spec.name] = spec
            if ep.dist is not None:
                _dists[spec.name] = ep.dist
        _specs = specs
    return _specs


def known_backends() -> list[str]:
    """Names of every registered backend, installed or not."""
    return sorted(_discover())


def _installed(spec: BackendSpec) -> bool:
    return all(importlib.util.find_spec(req) is not None for req in spec.requires)


def available_backends() -> list[str]:
    """Names of the backends whose dependencies are installed.

    Example:
        >>> import brainpy_math as bm
        >>> 'numba' in bm.available_backends()
        True
    """
    return [name for name, spec in sorted(_discover().items()) if _installed(spec)]


def install_hint(name: str) -> str:
    """A pip command that installs what backend ``name`` needs, from PyPI.

    The requirements of the backend's extra are read from the metadata of the distribution that
    registered it (``brainpy-math[jax]`` itself names no PyPI package: the project installs from a
    checkout), so the command works wherever pip does.

    Example:
        >>> from brainpy_math._backend import install_hint
        >>> install_hint('numba').startswith('pip install "numba')
        True
    """
    spec = _discover().get(name)
    if spec is None:
        return ""
    marker = re.compile(r"extra\s*==\s*[\"']" + re.escape(spec.extra) + r"[\"']")
    dist = _dists.get(name)
    requirements = [r.split(";")[0].strip() for r in (dist.requires or [] if dist else [])
                    if marker.search(r)]
    return "pip install " + " ".join(f'"{r}"' for r in (requirements or spec.requires))


def _unavailable_message(name: str, source: str = "backend") -> str:
    specs = _discover()
    known = ", ".join(sorted(specs)) or "none"
    installed = ", ".join(available_backends()) or "none"
    if name in specs:
        spec = specs[name]
        return (f"{source}={name!r}: the backend is registered but its dependencies "
                f"({', '.join(spec.requires)}) are not installed (installed backends: {installed}). "
                f"Fix: {install_hint(name)}")
    hints = " or ".join(install_hint(n) for n in sorted(specs) if n in _PREFERENCE)
    return (f"{source}={name!r} is not a brainpy_math backend; expected one of: {known} (installed: "
            f"{installed}).{' To install one: ' + hints if hints else ''}")


def load(name: str, source: str = "backend") -> ModuleType:
    """Import (once) and return the module implementing backend ``name`` (``source`` names where the
    name came from, for the error)."""
    module = _loaded.get(name)
    if module is not None:
        return module
    specs = _discover()
    if name not in specs or not _installed(specs[name]):
        raise BackendError(_unavailable_message(name, source))
    module = importlib.import_module(specs[name].module)
    _loaded[name] = module
    return module


def _default_name() -> str:
    env = os.environ.get(ENV_VAR)
    if env:
        return env.strip().lower()
    installed = available_backends()
    for name in _PREFERENCE:
        if name in installed:
            return name
    if installed:
        return installed[0]
    hints = " or ".join(install_hint(n) for n in sorted(_discover()) if n in _PREFERENCE)
    raise BackendError(f"no brainpy_math backend is installed. Fix: {hints or 'pip install numba scipy'}")


def _activate(name: str, source: str = "backend") -> None:
    global _current_name, _current_module
    module = load(name, source)
    _current_name, _current_module = name, module


def current() -> ModuleType:
    """The module of the current backend, loading the default one on first use."""
    module = _current_module
    if module is None:
        name = _default_name()
        _activate(name, f"${ENV_VAR}" if os.environ.get(ENV_VAR) else "backend")
        module = _current_module
    return module  # type: ignore[return-value]


def get_backend() -> str:
    """The name of the current backend.

    Example:
        >>> import brainpy_math as bm
        >>> bm.get_backend() in ('jax', 'numba')
        True
    """
    current()
    return _current_name  # type: ignore[return-value]


class _BackendContext:
    """Returned by :func:`set_backend`; restores the previous backend when used with ``with``."""

    def __init__(self, previous: str | None, name: str):
        self._previous = previous
        self.name = name

    def __enter__(self) -> "_BackendContext":
        return self

    def __exit__(self, *exc) -> None:
        global _current_name, _current_module
        if self._previous is None:
            _current_name, _current_module = None, None
        else:
            _activate(self._previous)

    def __repr__(self) -> str:
        return f"set_backend({self.name!r})"


def set_backend(name: str) -> _BackendContext:
    """Select the backend by name; also a context manager restoring the previous one on exit.

    Args:
        name: ``'jax'`` or ``'numba'`` (or any backend registered by a plugin).

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('numba'):
        ...     type(bm.zeros(2)).__name__
        'NumbaArray'
    """
    if not isinstance(name, str):
        raise BackendError(f"set_backend: argument 'name' must be a backend name (str), got {name!r}")
    previous = _current_name
    _activate(name.strip().lower())
    return _BackendContext(previous, name)


def iter_loaded() -> Iterator[ModuleType]:
    """The backend modules imported so far (settings such as x64 are pushed to each)."""
    return iter(list(_loaded.values()))
