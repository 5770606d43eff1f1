"""Checkpoints: save the Variables of a model to a ``.npz`` file and load them back.

A checkpoint is a NumPy ``.npz`` archive (a zip of ``.npy`` files) holding one array per Variable,
keyed by the Variable's attribute path from the saved object (``obj.vars(method='relative')``: names
such as ``'V'`` or ``'syns[0].g'``), plus a format marker. No array is pickled and files are read
with ``allow_pickle=False``, so a checkpoint saved on one backend loads on the other, and in an
environment that has numba but no jax; loading a file never runs code from it.

Example:
    >>> import os, tempfile, brainpy_math as bm
    >>> class Net(bm.Base):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.w = bm.Variable(bm.ones(3))
    >>> net = Net()
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = bm.save_state(net, os.path.join(folder, 'net.npz'))
    ...     net.w.value = bm.zeros(3)
    ...     _ = bm.load_state(net, path)
    >>> net.w.value.tolist()
    [1.0, 1.0, 1.0]

This module imports NumPy only (never jax or numba): values reach the host with ``np.asarray``.
"""
from __future__ import annotations

import os
import secrets
import zipfile
from collections.abc import Mapping
from typing import Any, Union

import numpy as np

from .base import Base
from .variables import Variable

__all__ = ["save_state", "load_state", "FORMAT_KEY", "FORMAT_VERSION"]

# The array that marks a file as a brainpy_math checkpoint; its value is the format version. The
# name cannot be an attribute path produced by ``vars(method='relative')`` of a real model in
# practice, and save_state refuses a Variable of this name rather than overwrite the marker.
FORMAT_KEY = "__brainpy_math_checkpoint__"
FORMAT_VERSION = 1

# Only these dtype kinds are written: bool, signed/unsigned int, float and complex have the same
# meaning in every NumPy and on both backends, and none of them needs pickle. (A jax-only dtype such
# as bfloat16 would be written as raw void bytes that cannot be loaded back as itself.)
_KINDS = "biufc"

PathArg = Union[str, "os.PathLike[str]"]
StateOwner = Union[Base, Mapping[str, Any]]


def _fspath(path: PathArg, function: str) -> str:
    try:
        result = os.fspath(path)
    except TypeError:
        result = None
    if not isinstance(result, str):
        raise TypeError(f"{function}: argument 'path' must be a str or an os.PathLike of str, got {path!r}")
    return result


def _variables(obj: StateOwner, function: str) -> dict[str, Any]:
    """Name -> Variable of ``obj``: its ``vars(method='relative')``, or a mapping as given."""
    if isinstance(obj, Base):
        # Relative names (attribute paths from obj) rather than absolute ones ('Net0.w'): an
        # automatic object name carries a counter, so a second instance of the same class (a fresh
        # model built to resume, or one built on the other backend) would not match absolute names.
        found = dict(obj.vars(method="relative"))
    elif isinstance(obj, Mapping):
        found = dict(obj)
    else:
        raise TypeError(f"{function}: argument 'obj' must be a bm.Base object or a mapping of name -> "
                        f"Variable (such as obj.vars()), got {type(obj).__name__}")
    for name, var in found.items():
        if not isinstance(name, str) or not isinstance(var, Variable):
            raise TypeError(f"{function}: argument 'obj' must map str names to Variables; entry {name!r} "
                            f"is a {type(var).__name__}")
        if name == FORMAT_KEY:
            raise ValueError(f"{function}: a Variable of argument 'obj' is named {FORMAT_KEY!r}, the "
                             f"name reserved for the checkpoint's format marker; rename it")
    return found


def _write_member(archive: zipfile.ZipFile, name: str, array: np.ndarray) -> None:
    """Write ``array`` as ``name.npy`` into ``archive``, as ``np.savez`` would, but never pickled.

    A separate function so that tests can make a save fail midway.
    """
    with archive.open(name + ".npy", "w", force_zip64=True) as member:
        np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)


def _fsync_directory(folder: str) -> None:
    # Makes the rename itself durable on POSIX; there is no directory handle to sync on Windows.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_state(obj: StateOwner, path: PathArg) -> str:
    """Save the value of every Variable of ``obj`` to the ``.npz`` file ``path``; return ``path``.

    Keys are ``obj.vars(method='relative')`` names (attribute paths from ``obj``, such as
    ``'V'`` or ``'children[0].w'``), or the keys of ``obj`` when it is a mapping of name -> Variable.
    The file is written to a temporary file in the same folder, flushed to disk (fsync) and then
    renamed onto ``path`` (``os.replace``), so a crash or error mid-write never leaves half a
    checkpoint: an existing file at ``path`` stays intact and the temporary file is removed.

    Unlike ``np.savez``, nothing is appended to ``path``: the file written is exactly ``path``,
    with or without a ``.npz`` suffix (and :func:`load_state` reads exactly ``path`` too).

    Args:
        obj: a ``bm.Base`` object, or a mapping of name -> Variable (such as ``obj.vars()``).
        path: a ``str`` or ``os.PathLike`` path; its folder must exist.

    Returns:
        ``os.fspath(path)``: the path of the file written.

    Raises:
        TypeError: ``obj`` or ``path`` is of the wrong type.
        ValueError: a Variable has a dtype other than bool, integer, float or complex.
        OSError: the file could not be written (nothing at ``path`` has changed).

    Example:
        >>> import os, tempfile, numpy as np, brainpy_math as bm
        >>> state = {'x': bm.Variable(bm.arange(3))}
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = bm.save_state(state, os.path.join(folder, 'state.ckpt'))
        ...     os.path.basename(path), np.load(path, allow_pickle=False)['x'].tolist()
        ('state.ckpt', [0, 1, 2])
    """
    target = _fspath(path, "save_state")
    variables = _variables(obj, "save_state")
    # Read every value to the host before creating any file, so a bad value fails early.
    arrays: dict[str, np.ndarray] = {}
    for name, var in variables.items():
        array = np.asarray(var.value)
        if array.dtype.kind not in _KINDS:
            raise ValueError(f"save_state: Variable {name!r} of argument 'obj' has dtype {array.dtype}, "
                             f"which a checkpoint cannot hold; expected a bool, integer, float or complex "
                             f"dtype")
        arrays[name] = array

    folder = os.path.dirname(os.path.abspath(target))
    # O_EXCL with a random name: never clobbers another writer's temporary file, and the file is
    # created with the usual permissions (0o666 less the umask), which mkstemp's 0o600 would not give.
    while True:
        temporary = os.path.join(folder, f".{os.path.basename(target)}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as file:
            with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
                _write_member(archive, FORMAT_KEY, np.asarray(FORMAT_VERSION, dtype=np.int64))
                for name, array in arrays.items():
                    _write_member(archive, name, array)
            file.flush()
            os.fsync(file.fileno())  # the data must be on disk before the rename makes it visible
        os.replace(temporary, target)
    except BaseException:
        # Also on KeyboardInterrupt: the temporary file is never left behind.
        try:
            os.remove(temporary)
        except OSError:
            pass
        raise
    _fsync_directory(folder)
    return target


def _open_checkpoint(target: str) -> dict[str, Any]:
    """Every array of the checkpoint at ``target``, or ``ValueError`` if it is not one."""
    not_checkpoint = (f"load_state: argument 'path' ({target!r}) is not a brainpy_math checkpoint "
                      f"(a .npz file written by bm.save_state, holding {FORMAT_KEY!r})")
    try:
        loaded = np.load(target, allow_pickle=False)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"{not_checkpoint}: {error}") from error
    if not isinstance(loaded, np.lib.npyio.NpzFile):  # a single .npy array
        raise ValueError(f"{not_checkpoint}: it holds a single .npy array")
    with loaded:
        if FORMAT_KEY not in loaded.files:
            raise ValueError(f"{not_checkpoint}: no format marker; it holds {sorted(loaded.files)}")
        arrays: dict[str, Any] = {}
        for key in loaded.files:
            try:
                arrays[key] = loaded[key]
            except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
                # An object array (which needs pickle) or a damaged member.
                raise ValueError(f"load_state: argument 'path' ({target!r}): entry {key!r} cannot be "
                                 f"read without pickle: {error}") from error
    marker = arrays.pop(FORMAT_KEY)
    if marker.shape != () or marker.dtype.kind not in "iu" or not 1 <= int(marker) <= FORMAT_VERSION:
        raise ValueError(f"load_state: argument 'path' ({target!r}) has checkpoint format {marker!r}; "
                         f"this version of brainpy_math reads formats 1 to {FORMAT_VERSION}")
    return arrays


def load_state(obj: StateOwner, path: PathArg, strict: bool = True) -> StateOwner:
    """Load the checkpoint ``path`` (written by :func:`save_state`) into the Variables of ``obj``.

    Every name, shape and dtype is checked before anything is written. If anything does not match,
    one ``ValueError`` lists every mismatch (names missing from the file, names the file has but
    ``obj`` lacks, and each shape or dtype that differs, with the file's value and the Variable's
    expected one) and no Variable changes. On success each Variable is written through its normal
    ``var.value = ...`` assignment, so it keeps its identity and holds a value of the current
    backend; a checkpoint saved on either backend loads on either.

    ``path`` is opened exactly as given: no ``.npz`` suffix is appended (see :func:`save_state`).

    Args:
        obj: a ``bm.Base`` object, or a mapping of name -> Variable (such as ``obj.vars()``); names
            are matched like :func:`save_state` writes them.
        path: a ``str`` or ``os.PathLike`` path of a checkpoint.
        strict: if ``True`` (the default), a Variable of ``obj`` missing from the file, or an array
            in the file with no Variable of that name, is an error. If ``False``, those names are
            ignored (the Variables missing from the file keep their values); a shape or dtype that
            differs is an error either way.

    Returns:
        ``obj`` itself, so that ``model = bm.load_state(Model(), path)`` works.

    Raises:
        ValueError: the file is not a brainpy_math checkpoint (or not a ``.npz`` file, or holds
            pickled data), or it does not match ``obj``; no Variable has changed.
        FileNotFoundError: there is no file at ``path``.
        TypeError: ``obj`` or ``path`` is of the wrong type.

    Example:
        >>> import os, tempfile, brainpy_math as bm
        >>> state = {'x': bm.Variable(bm.zeros(2))}
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = bm.save_state(state, os.path.join(folder, 'state.npz'))
        ...     try:
        ...         bm.load_state({'x': bm.Variable(bm.zeros(3)), 'y': bm.Variable(bm.zeros(1))}, path)
        ...     except ValueError as error:
        ...         print(error)  # doctest: +ELLIPSIS
        load_state: ... 2 mismatches:
          - 'x': shape (2,) in the file, expected (3,) (the Variable's shape)
          - 'y': missing from the file (the Variable has shape (1,), dtype float32)
    """
    target = _fspath(path, "load_state")
    if not isinstance(strict, bool):
        raise TypeError(f"load_state: argument 'strict' must be a bool, got {strict!r}")
    variables = _variables(obj, "load_state")
    arrays = _open_checkpoint(target)

    # Check everything first: a checkpoint is all-or-nothing.
    problems: list[str] = []
    for name, var in variables.items():
        if name not in arrays:
            if strict:
                problems.append(f"{name!r}: missing from the file (the Variable has shape "
                                f"{tuple(var.shape)}, dtype {np.dtype(var.dtype)})")
            continue
        array = arrays[name]
        if tuple(array.shape) != tuple(var.shape):
            problems.append(f"{name!r}: shape {tuple(array.shape)} in the file, expected "
                            f"{tuple(var.shape)} (the Variable's shape)")
        if array.dtype != np.dtype(var.dtype):
            problems.append(f"{name!r}: dtype {array.dtype} in the file, expected "
                            f"{np.dtype(var.dtype)} (the Variable's dtype)")
    if strict:
        for name in arrays:
            if name not in variables:
                problems.append(f"{name!r}: in the file (shape {tuple(arrays[name].shape)}, dtype "
                                f"{arrays[name].dtype}) but argument 'obj' has no Variable of that name")
    if problems:
        owner = obj.name if isinstance(obj, Base) else "the mapping"
        raise ValueError(f"load_state: argument 'path' ({target!r}) does not match argument 'obj' "
                         f"({owner}); nothing was loaded. {len(problems)} mismatch"
                         f"{'es' if len(problems) != 1 else ''}:\n" + "\n".join(f"  - {p}" for p in problems))

    # Write, undoing the writes already made if one fails (a Variable's setter may still refuse,
    # e.g. a subclass with extra checks), so that on any failure no Variable has changed.
    written: list[tuple[Any, Any]] = []
    try:
        for name, var in variables.items():
            if name not in arrays:
                continue
            old = var.value
            # NumPy values (numba) are written in place, so keep a copy; jax values are immutable.
            old = old.copy() if isinstance(old, np.ndarray) else old
            var.value = arrays[name]
            written.append((var, old))  # only once written: a refused write changed nothing
    except BaseException:
        for var, old in reversed(written):
            var.value = old  # the old value passed the same setter before, so this cannot be refused
        raise
    return obj
