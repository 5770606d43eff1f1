"""``JaxArray``: a mutable, NumPy-like wrapper over an immutable jax array.

Mutation (``b[0] += 5``, ``b[mask] = 0``) replaces the wrapped jax array with an updated copy
(``.at[].set``); under ``jit`` the copy is elided by XLA. The wrapper is a registered pytree, so
jax transformations and libraries such as optax see through it.
"""
from __future__ import annotations

import operator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from brainpy_math import _config
from .tracking import CONTEXTS, check_array_write

__all__ = ["JaxArray", "unwrap", "wrap", "to_jax"]


def unwrap(x: Any) -> Any:
    """Replace JaxArrays in ``x`` (and in nested lists/tuples/dicts) by their jax arrays."""
    if isinstance(x, JaxArray):
        return x._value
    if isinstance(x, (list, tuple)):
        return type(x)(unwrap(i) for i in x) if type(x) in (list, tuple) else x
    if type(x) is dict:
        return {k: unwrap(v) for k, v in x.items()}
    return x


def wrap(x: Any) -> Any:
    """Wrap jax arrays in ``x`` (and in nested tuples/lists) as JaxArrays."""
    if isinstance(x, jax.Array):
        return JaxArray(x)
    if type(x) in (tuple, list):
        return type(x)(wrap(i) for i in x)
    if isinstance(x, tuple) and hasattr(x, "_fields"):  # named tuples such as slogdet's result
        return type(x)(*(wrap(i) for i in x))
    return x


def to_jax(obj: Any, dtype: Any = None) -> jax.Array:
    """Convert Python data, NumPy arrays, jax arrays or JaxArrays to a jax array under the dtype policy."""
    obj = unwrap(obj)
    if dtype is None:
        dtype = _config.dtype_of_python_value(obj)
    elif dtype is not None:
        dtype = _config.canonicalize_dtype(dtype)
    if dtype is None and isinstance(obj, (jax.Array, jax.core.Tracer)):
        return obj
    return jnp.asarray(obj, dtype=dtype)


def _binary(op):
    def method(self, other):
        if isinstance(other, JaxArray):
            other = other._value
        elif not _is_operand(other):
            return NotImplemented
        return JaxArray(op(self._value, other))
    return method


def _reflected(op):
    def method(self, other):
        if not _is_operand(other):
            return NotImplemented
        return JaxArray(op(other, self._value))
    return method


def _inplace(op, ufunc_name):
    def method(self, other):
        if isinstance(other, JaxArray):
            other = other._value
        result = op(self._value, other)
        self._write(_cast_inplace(result, self._value, ufunc_name))
        return self
    return method


def _is_operand(x: Any) -> bool:
    return isinstance(x, (jax.Array, np.ndarray, np.generic, int, float, complex, bool, list, tuple,
                          jax.core.Tracer))


def _cast_inplace(result, current, ufunc_name):
    """Give an in-place result the target's dtype and check its shape, as NumPy's ``out=`` does."""
    if result.shape != current.shape:
        raise ValueError(f"non-broadcastable output operand with shape {current.shape} doesn't match "
                         f"the broadcast shape {result.shape}")
    if result.dtype != current.dtype:
        if not np.can_cast(result.dtype, current.dtype, casting="same_kind"):
            raise TypeError(f"Cannot cast ufunc '{ufunc_name}' output from dtype('{result.dtype}') to "
                            f"dtype('{current.dtype}') with casting rule 'same_kind'")
        result = result.astype(current.dtype)
    return result


_BINARY = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow, "matmul": operator.matmul,
    "and": operator.and_, "or": operator.or_, "xor": operator.xor, "lshift": operator.lshift,
    "rshift": operator.rshift,
}
_UFUNC_NAMES = {
    "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "divide", "floordiv": "floor_divide",
    "mod": "remainder", "pow": "power", "matmul": "matmul", "and": "bitwise_and", "or": "bitwise_or",
    "xor": "bitwise_xor", "lshift": "left_shift", "rshift": "right_shift",
}
_COMPARE = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
            "eq": operator.eq, "ne": operator.ne}


def _index(idx: Any) -> Any:
    if isinstance(idx, JaxArray):
        return idx._value
    if isinstance(idx, tuple):
        return tuple(i._value if isinstance(i, JaxArray) else i for i in idx)
    if isinstance(idx, list):
        # NumPy treats a list index as an integer/boolean array index.
        return jnp.asarray(unwrap(idx))
    return idx


class JaxArray:
    """A mutable NumPy-like array backed by a jax array.

    Args:
        value: Python data, a NumPy array, a jax array or another JaxArray.
        dtype: the dtype; by default the dtype policy's (float32/int32 unless x64 is on).

    Example:
        >>> import brainpy_math as bm
        >>> with bm.set_backend('jax'):
        ...     b = bm.arange(5); b[0] += 5
        ...     b
        JaxArray([5, 1, 2, 3, 4], dtype=int32)
    """

    __slots__ = ("_value", "__weakref__")
    # NumPy defers binary operators to ours (``np_array + b`` is a JaxArray), as for jax arrays.
    __array_priority__ = 100

    def __init__(self, value: Any, dtype: Any = None):
        self._value = to_jax(value, dtype)
        if CONTEXTS:
            CONTEXTS[-1].fresh.add(id(self))

    # ------------------------------------------------------------------ value and mutation
    @property
    def value(self) -> jax.Array:
        """The wrapped jax array; assigning replaces it."""
        return self._value

    @value.setter
    def value(self, new: Any) -> None:
        self._write(to_jax(new))

    def _write(self, new: jax.Array) -> None:
        """The single point through which a JaxArray's content changes.

        Inside a transformation, an array from outside may not receive a traced value (see
        ``tracking.check_array_write``); Variables override this to report the write instead.
        """
        if CONTEXTS:
            check_array_write(self, self._value, new)
        self._value = new

    def __setitem__(self, index: Any, new: Any) -> None:
        self._write(self._value.at[_index(index)].set(unwrap(new)))

    def __getitem__(self, index: Any) -> "JaxArray":
        return JaxArray(self._value[_index(index)])

    # ------------------------------------------------------------------ NumPy interop
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        arr = np.asarray(self._value, dtype=dtype)
        return arr.copy() if copy else arr

    def __jax_array__(self) -> jax.Array:
        return self._value

    def numpy(self) -> np.ndarray:
        """A NumPy copy of the value."""
        return np.asarray(self._value)

    def tolist(self) -> Any:
        return np.asarray(self._value).tolist()

    def item(self, *args) -> Any:
        return np.asarray(self._value).item(*args)

    def block_until_ready(self) -> "JaxArray":
        self._value.block_until_ready()
        return self

    # ------------------------------------------------------------------ attributes
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._value.shape)

    @property
    def ndim(self) -> int:
        return self._value.ndim

    @property
    def size(self) -> int:
        return int(self._value.size)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self._value.dtype)

    @property
    def T(self) -> "JaxArray":
        return JaxArray(self._value.T)

    @property
    def real(self) -> "JaxArray":
        return JaxArray(self._value.real)

    @property
    def imag(self) -> "JaxArray":
        return JaxArray(self._value.imag)

    def __len__(self) -> int:
        if self._value.ndim == 0:
            raise TypeError("len() of unsized object")
        return self._value.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield JaxArray(self._value[i])

    def __bool__(self) -> bool:
        return bool(self._value)

    def __float__(self) -> float:
        return float(self._value)

    def __int__(self) -> int:
        return int(self._value)

    def __complex__(self) -> complex:
        return complex(self._value)

    def __index__(self) -> int:
        return operator.index(self._value)

    __hash__ = None  # mutable, like numpy.ndarray

    def __repr__(self) -> str:
        value = self._value
        if isinstance(value, jax.core.Tracer):
            return f"JaxArray({value})"
        body = np.array2string(np.asarray(value), separator=", ", prefix="JaxArray(")
        return f"JaxArray({body}, dtype={np.dtype(value.dtype).name})"

    def __str__(self) -> str:
        return str(self._value)

    def __format__(self, spec: str) -> str:
        return format(np.asarray(self._value), spec) if self._value.ndim == 0 else str(self)

    # ------------------------------------------------------------------ operators
    for _name, _op in _BINARY.items():
        locals()[f"__{_name}__"] = _binary(_op)
        locals()[f"__r{_name}__"] = _reflected(_op)
        locals()[f"__i{_name}__"] = _inplace(_op, _UFUNC_NAMES[_name])
    for _name, _op in _COMPARE.items():
        locals()[f"__{_name}__"] = _binary(_op)
    del _name, _op

    def __divmod__(self, other):
        return self // other, self % other

    def __rdivmod__(self, other):
        return other // self, other % self

    def __neg__(self) -> "JaxArray":
        return JaxArray(-self._value)

    def __pos__(self) -> "JaxArray":
        return JaxArray(+self._value)

    def __abs__(self) -> "JaxArray":
        return JaxArray(jnp.abs(self._value))

    def __invert__(self) -> "JaxArray":
        return JaxArray(~self._value)

    # ------------------------------------------------------------------ methods
    def astype(self, dtype: Any) -> "JaxArray":
        return JaxArray(self._value.astype(_config.canonicalize_dtype(dtype)))

    def reshape(self, *shape, order: str = "C") -> "JaxArray":
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return JaxArray(self._value.reshape(shape, order=order))

    def flatten(self) -> "JaxArray":
        return JaxArray(self._value.ravel())

    ravel = flatten

    def copy(self) -> "JaxArray":
        return JaxArray(self._value)

    def __copy__(self) -> "JaxArray":
        return type(self)._from_value(self._value)

    def __deepcopy__(self, memo) -> "JaxArray":
        return type(self)._from_value(self._value)

    @classmethod
    def _from_value(cls, value: jax.Array) -> "JaxArray":
        obj = object.__new__(cls)
        obj._value = value
        if CONTEXTS:
            CONTEXTS[-1].fresh.add(id(obj))
        return obj

    def transpose(self, *axes) -> "JaxArray":
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return JaxArray(jnp.transpose(self._value, axes or None))

    def squeeze(self, axis=None) -> "JaxArray":
        return JaxArray(jnp.squeeze(self._value, axis))

    def swapaxes(self, axis1: int, axis2: int) -> "JaxArray":
        return JaxArray(jnp.swapaxes(self._value, axis1, axis2))

    def fill(self, value: Any) -> None:
        self._write(jnp.full_like(self._value, unwrap(value)))

    def sort(self, axis: int = -1) -> None:
        """Sort in place, as ``numpy.ndarray.sort`` does."""
        self._write(jnp.sort(self._value, axis=axis))

    def conj(self) -> "JaxArray":
        return JaxArray(jnp.conj(self._value))

    def dot(self, other: Any) -> "JaxArray":
        return JaxArray(jnp.dot(self._value, unwrap(other)))

    def nonzero(self) -> tuple["JaxArray", ...]:
        return tuple(JaxArray(i) for i in jnp.nonzero(self._value))


def _reduction(name: str):
    fn = getattr(jnp, name)

    def method(self, *args, **kwargs):
        return JaxArray(fn(self._value, *unwrap(args), **unwrap(kwargs)))

    method.__name__ = name
    method.__doc__ = f"``jax.numpy.{name}`` of this array."
    return method


for _name in ("sum", "mean", "max", "min", "prod", "std", "var", "any", "all", "argmax", "argmin",
              "cumsum", "cumprod", "clip", "round", "argsort", "ptp", "trace", "diagonal", "repeat",
              "take"):
    setattr(JaxArray, _name, _reduction(_name))
del _name


def register_pytree(cls: type) -> None:
    """Make ``cls`` (JaxArray or a subclass) a pytree node with its jax array as the only leaf."""
    jax.tree_util.register_pytree_node(
        cls,
        lambda x: ((x._value,), None),
        lambda _aux, children: cls._from_value(children[0]),
    )


register_pytree(JaxArray)
