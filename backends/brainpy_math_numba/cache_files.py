"""Numba's on-disk cache files of this backend: a damaged one is discarded and compiled again.

A truncated or garbage index (``.nbi``) or data (``.nbc``) file made every later process fail with
``EOFError``/``UnpicklingError`` until the user deleted the cache by hand. :func:`guard_numba_caches`
makes Numba remove such a file of this backend, warn once with :class:`DamagedCacheWarning` naming it,
and compile again. A module of its own (it imports nothing of the backend) so that the kernels'
modules and the compiler can both install the guard without importing each other.
"""
from __future__ import annotations

import hashlib
import os
import warnings

__all__ = ["DamagedCacheWarning", "discard", "guard_numba_caches"]


class DamagedCacheWarning(RuntimeWarning):
    """A damaged compile-cache file was removed; the code it held is compiled again."""


def discard(path: str | os.PathLike, error: BaseException) -> None:
    """Remove the damaged cache file ``path`` and say so once."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass  # another process removed it first
    warnings.warn(f"brainpy_math (numba backend): the compile cache file {os.fspath(path)} could not be read "
                  f"({type(error).__name__}: {error}); it was removed and the code is compiled again",
                  DamagedCacheWarning, stacklevel=3)


_HERE = os.path.dirname(os.path.abspath(__file__))
# Under NUMBA_CACHE_DIR, Numba files a source folder's caches in "<folder name>_<sha1 of its path>"
# (numba.core.caching._CacheLocator.get_suitable_cache_subpath): a subpackage's folder (random/)
# does not start with the package's name.
_SUBPACKAGE_FOLDERS = frozenset(f"{os.path.basename(d)}_{hashlib.sha1(d.encode()).hexdigest()}"
                                for d, _, _ in os.walk(_HERE) if d != _HERE and "__pycache__" not in d)


def _is_ours(path: str) -> bool:
    """Whether a Numba cache file belongs to this backend (generated modules or its own kernels)."""
    # A generated module's functions are cached under its name, wherever NUMBA_CACHE_DIR puts them;
    # the package's kernels under its folder (``__pycache__``, or a ``brainpy_math_numba_<hash>``
    # folder of NUMBA_CACHE_DIR).
    path = os.path.abspath(path)
    package = os.path.basename(os.path.dirname(os.path.abspath(__file__)))
    return os.path.basename(path).startswith("_bm_gen_") or \
        any(part.startswith(package) or part in _SUBPACKAGE_FOLDERS for part in path.split(os.sep)[:-1])


def guard_numba_caches() -> None:
    """Make Numba discard (instead of failing on) damaged cache files of this backend.

    Numba reads a function's index (``.nbi``) and data (``.nbc``) with ``pickle`` in
    ``IndexDataCacheFile._load_index``/``_load_data`` and lets ``EOFError``/``UnpicklingError`` escape,
    so a truncated file (a full disk, a killed process on a filesystem without atomic rename) breaks
    every later process. Those two methods are the narrowest place where every kind of Numba cache
    (njit, vectorize) reads a file; they are wrapped once, and only files of this backend (generated
    modules' caches, the kernels of this package) are discarded: other code's caches behave as before.
    A missing data file is what Numba already treats as a miss, so the wrapper removes the damaged one
    and reports it missing. Idempotent.
    """
    from numba.core import caching
    cls = caching.IndexDataCacheFile
    if getattr(cls, "_bm_guarded", False):
        return
    load_index, load_data = cls._load_index, cls._load_data
    load_overload = caching.Cache._load_overload

    def _load_index(self):
        try:
            return load_index(self)
        except OSError:
            raise
        except Exception as error:  # noqa: BLE001  (pickle raises many kinds on garbage)
            if not _is_ours(self._index_path):
                raise
            discard(self._index_path, error)
            return {}

    def _load_data(self, name):
        try:
            return load_data(self, name)
        except OSError:
            raise
        except Exception as error:  # noqa: BLE001
            path = self._data_path(name)
            if not _is_ours(path):
                raise
            discard(path, error)
            raise FileNotFoundError(path) from error

    def _load_overload(self, sig, target_context):
        try:
            return load_overload(self, sig, target_context)
        except Exception as error:  # noqa: BLE001  (data that unpickled but cannot be rebuilt)
            index = getattr(self._cache_file, "_index_path", None)
            if index is None or not _is_ours(index):
                raise
            discard(index, error)
            return None

    cls._load_index, cls._load_data = _load_index, _load_data
    caching.Cache._load_overload = _load_overload
    cls._bm_guarded = True
