"""Scalar building blocks of the fused loops that :mod:`.fusion` writes into generated code.

A fused loop computes a run of elementwise statements one element at a time. Whether a name in
it is an array or a scalar is only known when Numba types the function, so every read goes
through :func:`element` (``x[i]`` for a 1-D array, ``x`` for a scalar) and every write through
:func:`store`; :func:`loop_length`, :func:`join_lengths` and :func:`disjoint` decide at run time
whether the fused loop may run at all (every array 1-D and of one length, no written array
partially overlapping another operand); when not, the generated code takes its array-at-a-time
branch, which has NumPy's broadcasting and errors.

:func:`exp` (and :func:`expm1`) is a float32 ``exp`` that LLVM vectorises: PyPI's llvmlite has no SVML, so libm's
scalar ``expf`` would keep the loop scalar. It is within 1 ulp (``expm1``: 2 ulp) of the correctly
rounded result (checked in the tests), and handles ``inf``, ``nan``, overflow and subnormal
results as ``expf`` does. Their float32 kernels are ordinary ``cache=True`` functions, not inlined by
Numba: Numba's inliner ran its pipeline again at every call site (ten in a COBAHH step: 2.5 s of its
compile), while LLVM inlines the linked function into the loop anyway (COBA and COBAHH run as fast).
"""
from __future__ import annotations

import math

import numba
import numpy as np
from numba import types
from llvmlite import ir as llvm_ir
from numba.extending import intrinsic, overload
from numba.np.numpy_support import as_dtype, from_dtype

from brainpy_math import _config


__all__ = ["element", "store", "assign", "assign_new", "store_at", "store_new_at", "loop_length", "join_lengths", "disjoint", "select", "exp", "exp_float32",
           "expm1", "expm1_float32", "invert", "materializer", "separate", "element_of", "same_kind", "snapshot_at",
           "snapshot_views", "truth", "carry_like", "choose", "FusionMiss"]

class FusionMiss(Exception):
    """Raised by a fused loop whose operands turned out not to fit it (not 1-D arrays of one
    length, or a written array overlapping another operand). Fused code is generated for the
    shapes seen at the first call, without the array code for other shapes (compiling both cost
    as much again); the caller restores the Variables and compiles the guarded variant, which
    keeps the array code as the loop's fallback."""


NOT_FUSABLE = -1  # a non-1-D array: the array branch runs
NO_ARRAY = -2  # a scalar: no constraint on the loop length


def element(x, i):  # pragma: no cover - replaced by the overload inside compiled code
    """``x[i]`` for a 1-D array, ``x`` itself for a scalar."""
    return x


@overload(element)
def _element(x, i):
    if isinstance(x, types.Array):
        if x.ndim == 1:
            return lambda x, i: x[i]
        zero = x.dtype
        # Typed but never run: loop_length() sends other arrays to the array branch.
        return lambda x, i: zero(0)
    return lambda x, i: x


def store(x, i, value):  # pragma: no cover - replaced by the overload
    """``x[i] = value`` for a 1-D array (other shapes never reach a fused loop)."""


@overload(store)
def _store(x, i, value):
    if isinstance(x, types.Array) and x.ndim == 1:
        def impl(x, i, value):
            x[i] = value
        return impl
    return lambda x, i, value: None


def element_of(x, value):  # pragma: no cover - replaced by the overload
    """``value`` cast to the dtype of array ``x``, as ``x[i] = value`` stores it."""
    return value


@overload(element_of)
def _element_of(x, value):
    if isinstance(x, types.Array):
        dtype = x.dtype
        return lambda x, value: dtype(value)
    return lambda x, value: value


def same_kind(target, value):  # pragma: no cover - replaced by the overload
    """``value``, if writing it into ``target`` (a Variable, or one element of it) keeps NumPy's
    ``same_kind`` rule; else a ``ValueError`` at run time (a float written into an int32 Variable
    would be truncated silently, where eager ``Variable.value = ...`` raises)."""
    return value


@numba.njit(cache=True)
def _opaque_true():  # pragma: no cover - compiled
    # A condition Numba cannot fold: the raising version of same_kind still has a return type.
    return True


@overload(same_kind)
def _same_kind(target, value):
    try:
        target_dtype, value_dtype = _dtype_of(target), _dtype_of(value)
    except (NotImplementedError, TypeError, AttributeError):
        return lambda target, value: value  # not a number (Numba reports that on its own)
    if np.can_cast(value_dtype, target_dtype, "same_kind"):
        return lambda target, value: value
    message = (f"cannot write a value of dtype {_narrowed(value_dtype)} into a Variable of dtype "
               f"{target_dtype}; cast it first with .astype({target_dtype.name!r})")

    def impl(target, value):
        if _opaque_true():
            raise ValueError(message)
        # Never reached; typed as the target, so that `target op= ...` and `target[...] = ...`
        # compile (Numba's typing of `int_array += float_array` fails with an internal error).
        return target
    return impl


@intrinsic
def _memcpy_at(typingctx, buffer, offset, source):
    """Copy the bytes of C-contiguous ``source`` into ``buffer`` (uint8) from byte ``offset``."""
    def codegen(context, builder, signature, args):
        from numba.core import cgutils
        out = context.make_array(signature.args[0])(context, builder, args[0])
        into = context.make_array(signature.args[2])(context, builder, args[2])
        nbytes = builder.mul(into.nitems, into.itemsize)
        start = builder.gep(out.data, [args[1]])
        cgutils.raw_memcpy(builder, start, into.data, nbytes, 1)
        return context.get_dummy_value()
    return types.void(buffer, types.intp, source), codegen


def snapshot_at(buffer, offset, source):  # pragma: no cover - replaced by the overload
    """Copy ``source`` into the uint8 ``buffer`` from byte ``offset``; return the offset of the next
    array (8-byte aligned). All of a call's snapshots live in one buffer: each array argument of a
    Numba dispatcher costs ~0.1 us to unbox, so one buffer instead of one per Variable keeps the
    snapshot's cost to the copies."""


@overload(snapshot_at, jit_options={"nogil": True})
def _snapshot_at(buffer, offset, source):
    if not (isinstance(buffer, types.Array) and isinstance(source, types.Array)):
        return None

    def impl(buffer, offset, source):
        nbytes = source.size * source.itemsize
        if offset + nbytes > buffer.size:
            raise IndexError("snapshot buffer too small")
        _memcpy_at(buffer, offset, np.ascontiguousarray(source))
        return offset + (nbytes + 7) // 8 * 8
    return impl


def snapshot_views(arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """``(buffer, running flag, views)``: one uint8 buffer laid out as :func:`snapshot_at` fills it
    (8 bytes for the flag, then each array 8-byte aligned) and a view of it per array."""
    sizes = [(a.size * a.itemsize + 7) // 8 * 8 for a in arrays]
    buffer = np.zeros(8 + sum(sizes), np.uint8)
    views, offset = [], 8
    for array, size in zip(arrays, sizes):
        views.append(buffer[offset:offset + array.size * array.itemsize].view(array.dtype).reshape(array.shape))
        offset += size
    return buffer, buffer[:1], views


def loop_length(x):  # pragma: no cover - replaced by the overload
    """The length of a 1-D array, ``NO_ARRAY`` for a scalar, ``NOT_FUSABLE`` for other arrays."""


@overload(loop_length)
def _loop_length(x):
    if isinstance(x, types.Array):
        if x.ndim == 1:
            return lambda x: x.shape[0]
        return lambda x: NOT_FUSABLE
    return lambda x: NO_ARRAY


@numba.njit(cache=True)
def join_lengths(a, b):
    """The common loop length of two operands, or ``NOT_FUSABLE`` (lengths differ: broadcasting)."""
    if a == NOT_FUSABLE or b == NOT_FUSABLE:
        return NOT_FUSABLE
    if a == NO_ARRAY:
        return b
    if b == NO_ARRAY or a == b:
        return a
    return NOT_FUSABLE


@numba.njit(inline="always")
def _extent(a):
    """``(first, last + 1)``: the addresses of the bytes the elements of array ``a`` span."""
    first = a.ctypes.data
    last = a.ctypes.data + a.itemsize
    for k in range(a.ndim):
        reach = (a.shape[k] - 1) * a.strides[k]
        if reach < 0:
            first += reach
        else:
            last += reach
    return first, last


@numba.njit(inline="always")
def _apart(a, b):
    """Whether arrays ``a`` and ``b`` have no byte in common."""
    if a.size == 0 or b.size == 0:
        return True
    a_first, a_last = _extent(a)
    b_first, b_last = _extent(b)
    return a_last <= b_first or b_last <= a_first


def disjoint(written, other):  # pragma: no cover - replaced by the overload
    """Whether a fused loop may write ``written`` while reading ``other`` element by element:
    the same memory with the same stride, or no common byte."""
    return True


@overload(disjoint)
def _disjoint(written, other):
    if isinstance(written, types.Array) and isinstance(other, types.Array) and written.ndim == other.ndim == 1:
        def impl(written, other):
            same = written.ctypes.data == other.ctypes.data and written.strides[0] == other.strides[0]
            return same or _apart(written, other)
        return impl
    return lambda written, other: True


def separate(written, other):  # pragma: no cover - replaced by the overload
    """Whether ``written`` and ``other`` share no byte of memory (a call reading ``other`` may then
    run before a fused loop writing ``written``)."""
    return True


@overload(separate)
def _separate(written, other):
    if isinstance(written, types.Array) and isinstance(other, types.Array):
        return lambda written, other: _apart(written, other)
    return lambda written, other: True


def assign(target, value):  # pragma: no cover - replaced by the overload
    """``target[...] = value``: ``value`` broadcast to ``target``'s shape and copied in (a copy of it
    first when the two share memory), with ``np.broadcast_to``'s constant error message. Numba's own
    array assignment formats the shapes into its error message, which compiles its string machinery:
    ~3.5 s the first time a process compiles a model that assigns a whole 2-D array."""


def assign_new(target, value):  # pragma: no cover - replaced by the overload
    """:func:`assign` of a ``value`` that is a new array (an operation's result): no memory to share,
    so no overlap test to compile (~0.4 s)."""


def _copy_into(checked: bool):
    """The implementation of :func:`assign` (``checked``) or :func:`assign_new` for these types.
    ``checked`` is a constant of the implementations: Numba prunes the branch not taken."""
    def typer(target, value):
        if not (isinstance(target, types.Array) and isinstance(value, types.Array) and value.ndim <= target.ndim
                and target.ndim in (1, 2)):
            def numba_assign(target, value):  # scalars (no shapes to format), other ranks: Numba's own
                target[...] = value
            return numba_assign
        if target.ndim == 1:
            def copy_1d(target, value):
                if checked:
                    source = np.broadcast_to(value if _apart(target, value) else value.copy(), target.shape)
                else:
                    source = np.broadcast_to(value, target.shape)
                for i in range(target.shape[0]):
                    target[i] = source[i]
            return copy_1d

        def copy_2d(target, value):
            if checked:
                source = np.broadcast_to(value if _apart(target, value) else value.copy(), target.shape)
            else:
                source = np.broadcast_to(value, target.shape)
            for i in range(target.shape[0]):
                for j in range(target.shape[1]):
                    target[i, j] = source[i, j]
        return copy_2d
    return typer


overload(assign, jit_options={"nogil": True})(_copy_into(True))
overload(assign_new, jit_options={"nogil": True})(_copy_into(False))


def store_at(out, i, value):  # pragma: no cover - replaced by the overload
    """``out[i] = value`` for an int, a 0-d integer array or a slice ``i``: through :func:`assign` when
    it stores an array into part of ``out`` (a row of a record, a slice), so that Numba's own
    assignment (which compiles its string formatting) is not used."""


def store_new_at(out, i, value):  # pragma: no cover - replaced by the overload
    """:func:`store_at` of a ``value`` that is a new array (a loop's output row): :func:`assign_new`."""


def _row_store(checked: bool):
    def typer(out, i, value):
        if isinstance(i, types.Array) and i.ndim == 0 and isinstance(i.dtype, types.Integer):
            # A 0-d integer array (an index held in a Variable) indexes as its integer, as in NumPy;
            # Numba would take its fancy-indexing path, which formats both shapes into its error.
            if checked:
                return lambda out, i, value: store_at(out, i[()], value)
            return lambda out, i, value: store_new_at(out, i[()], value)
        if isinstance(out, types.Array) and isinstance(value, types.Array) and (
                isinstance(i, types.Integer) and out.ndim > 1 or isinstance(i, types.SliceType)):
            if checked:
                return lambda out, i, value: assign(out[i], value)
            return lambda out, i, value: assign_new(out[i], value)

        def item(out, i, value):
            out[i] = value
        return item
    return typer


# Checked indices, as in the generated functions that call them (``boundscheck``): an index out of
# bounds raises IndexError instead of writing outside the array.
overload(store_at, jit_options={"nogil": True, "boundscheck": True})(_row_store(True))
overload(store_new_at, jit_options={"nogil": True, "boundscheck": True})(_row_store(False))


def _narrowed(dtype: np.dtype) -> np.dtype:
    if not _config.x64_enabled():
        return {np.dtype(np.int64): np.dtype(np.int32), np.dtype(np.uint64): np.dtype(np.uint32),
                np.dtype(np.float64): np.dtype(np.float32),
                np.dtype(np.complex128): np.dtype(np.complex64)}.get(dtype, dtype)
    return dtype


def _dtype_of(t) -> np.dtype:
    return as_dtype(t.dtype if isinstance(t, types.Array) else t)


def select(condition, x, y):  # pragma: no cover - replaced by the overload
    """``where(condition, x, y)`` for one element, typed as ``bm.where`` types its result."""
    return x if condition else y


@intrinsic
def choose(typingctx, condition, x, y):
    """``x if condition else y`` for scalars of one type, as one LLVM ``select``: no branch, so a
    loop around it still vectorises, and Numba's inliner sees no conditional (a conditional
    expression inlined with ``inline="always"`` makes Numba warn that a variable is not in scope)."""
    if not isinstance(condition, types.Boolean) or x != y:
        return None

    def codegen(context, builder, signature, args):
        return builder.select(args[0], args[1], args[2])
    return x(condition, x, y), codegen


@overload(select)
def _select(condition, x, y):
    result = from_dtype(_narrowed(np.result_type(_dtype_of(x), _dtype_of(y))))
    return lambda condition, x, y: choose(bool(condition), result(x), result(y))


def invert(x):  # pragma: no cover - replaced by the overload
    """``~x`` for one element: logical not for a bool (as on bool arrays), bitwise not otherwise."""


@overload(invert)
def _invert(x):
    if isinstance(x, types.Boolean):
        return lambda x: not x
    return lambda x: ~x


# ------------------------------------------------------------------------------ exp
_LOG2E = np.float32(1.0 / math.log(2.0))
_LN2_HI = np.float32(0.693359375)  # few significant bits: n * _LN2_HI is exact (Cody and Waite)
_LN2_LO = np.float32(math.log(2.0) - 0.693359375)
_TAYLOR = [np.float32(1.0 / math.factorial(k)) for k in range(8)]
_C0, _C1, _C2, _C3, _C4, _C5, _C6, _C7 = _TAYLOR


@intrinsic
def float32_from_bits(typingctx, bits):
    """The float32 whose IEEE bits are the low 32 bits of the integer ``bits`` (a bit cast)."""
    if not isinstance(bits, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        value = args[0]
        if bits.bitwidth != 32:  # Numba computes int32 arithmetic in int64
            value = builder.trunc(value, llvm_ir.IntType(32)) if bits.bitwidth > 32 else \
                builder.zext(value, llvm_ir.IntType(32))
        return builder.bitcast(value, llvm_ir.FloatType())
    return types.float32(bits), codegen


@numba.njit(error_model="numpy", cache=True)
def _power_of_two(k):
    """``2.0 ** k`` as float32 for ``-126 <= k <= 127``, built from its exponent bits."""
    return float32_from_bits((k + np.int32(127)) << np.int32(23))


@numba.njit(error_model="numpy", cache=True)
def exp_float32(x):
    """``exp`` of a float32 scalar in plain float32 arithmetic (see the module docstring).

    ``exp(x) = 2**k * exp(r)``, ``k = round(x / ln 2)``, ``|r| <= ln(2) / 2``; ``exp(r)`` from its
    degree-7 Taylor polynomial; ``2**k`` as two factors ``2**(k // 2) * 2**(k - k // 2)``, each
    built from its exponent bits, so that subnormal results (``k < -126``) and ``k = 128`` need no
    branch: the second product rounds once, to the nearest subnormal, or overflows to ``inf``.
    """
    # Clamped (nan replaced) so that both factors stay normal; exp(-105) rounds to 0 and exp(89)
    # overflows, as every input beyond does.
    # min/max keep their first argument when the comparison is false (nan): a nan x gives -105.
    y = min(np.float32(89.0), max(np.float32(-105.0), x))
    n = np.floor(y * _LOG2E + np.float32(0.5))
    r = (y - n * _LN2_HI) - n * _LN2_LO
    p = _C7
    p = p * r + _C6
    p = p * r + _C5
    p = p * r + _C4
    p = p * r + _C3
    p = p * r + _C2
    p = p * r + _C1
    p = p * r + _C0
    k = np.int32(n)
    half = k >> np.int32(1)
    result = p * _power_of_two(half) * _power_of_two(k - half)
    return choose(x != x, x, result)  # nan stays nan


def exp(x):  # pragma: no cover - replaced by the overload
    """``np.exp`` of one element; float32 through :func:`exp_float32`."""
    return np.exp(x)


@overload(exp)
def _exp(x):
    if x == types.float32:
        return lambda x: exp_float32(x)
    return lambda x: np.exp(x)


_EXPM1_TAYLOR = [np.float32(1.0 / math.factorial(k)) for k in range(1, 13)]
(_E1, _E2, _E3, _E4, _E5, _E6, _E7, _E8, _E9, _E10, _E11, _E12) = _EXPM1_TAYLOR


@numba.njit(error_model="numpy", cache=True)
def expm1_float32(x):
    """``expm1`` of a float32 scalar, vectorisable: the Taylor series for ``|x| < 1`` (no
    cancellation near 0), ``exp(x) - 1`` beyond (within 2 ulp, checked in the tests)."""
    s = min(np.float32(1.0), max(np.float32(-1.0), x))  # a nan x gives -1 (see exp_float32)
    p = _E12
    p = p * s + _E11
    p = p * s + _E10
    p = p * s + _E9
    p = p * s + _E8
    p = p * s + _E7
    p = p * s + _E6
    p = p * s + _E5
    p = p * s + _E4
    p = p * s + _E3
    p = p * s + _E2
    p = p * s + _E1
    series = p * s
    far = exp_float32(x) - np.float32(1.0)
    return choose(abs(x) < np.float32(1.0), series, far)


def expm1(x):  # pragma: no cover - replaced by the overload
    """``np.expm1`` of one element; float32 through :func:`expm1_float32`."""
    return np.expm1(x)


@overload(expm1)
def _expm1(x):
    if x == types.float32:
        return lambda x: expm1_float32(x)
    return lambda x: np.expm1(x)


# ------------------------------------------------------------------------------ materialised arguments
def materializer(fill_kernel, array_kernel):
    """A decorator making ``stub(*operands)`` compute an elementwise expression (the argument of a
    call such as ``dot(expr, X)``) into a new array, in one loop where it can.

    ``array_kernel(*operands)`` computes the expression array at a time; ``fill_kernel(n,
    prototype, *operands)`` computes it one element at a time into a new array of length ``n``
    with ``prototype``'s dtype. Inside compiled code, a call to ``stub`` runs the loop when the
    expression's result is a 1-D array (decided when Numba types the call: the array kernel's
    result type) and every operand is a scalar or a 1-D array of one length (decided at run time);
    otherwise the array kernel runs, with NumPy's broadcasting, shapes and errors. Called from
    Python, ``stub`` runs its own body.

    The kernels are referenced from the implementation as globals, never passed as values: a
    function value makes Numba's on-disk cache refuse the caller.
    """
    def decorate(stub):
        arity = stub.__code__.co_argcount

        @overload(stub)
        def _typed(*operands):
            args = tuple(operands)
            array_kernel.compile(args)
            result = array_kernel.overloads[args].signature.return_type
            # A tuple of mixed types cannot be looped over in compiled code: one line per operand.
            lines = ["def impl(*operands):"]
            if isinstance(result, types.Array) and result.ndim == 1 and result.layout == "C":
                lines.append(f"    n = {NO_ARRAY}")
                lines += [f"    n = join_lengths(n, loop_length(operands[{k}]))" for k in range(arity)]
                lines += ["    if n >= 0:", "        return fill_kernel(n, np.empty(0, dtype), *operands)"]
            lines.append("    return array_kernel(*operands)")
            namespace = {"np": np, "join_lengths": join_lengths, "loop_length": loop_length,
                         "fill_kernel": fill_kernel, "array_kernel": array_kernel,
                         "dtype": result.dtype if isinstance(result, types.Array) else None}
            exec("\n".join(lines), namespace)
            return namespace["impl"]
        return stub
    return decorate


def truth(x):  # pragma: no cover - replaced by the overload
    """``bool(x)`` for a scalar or a 0-d array (a compiled while loop's condition); other arrays do
    not type, so the loop runs in Python and raises the eager error."""
    return bool(x)


@overload(truth)
def _truth(x):
    if isinstance(x, types.Array):
        if x.ndim == 0:
            return lambda x: bool(x[()])
        return None
    if isinstance(x, (types.Boolean, types.Number)):
        return lambda x: bool(x)
    return None


def carry_like(prototype, value):  # pragma: no cover - replaced by the overload
    """``value`` as the next carry of a compiled while loop whose carry is typed like ``prototype``:
    a scalar into a 0-d array of the same dtype (Numba computes ``0-d array + 1`` as a scalar). Any
    other change of type does not type, so the loop runs in Python, where the carry may change."""
    return value


@overload(carry_like)
def _carry_like(prototype, value):
    if isinstance(prototype, types.Array) and prototype.ndim == 0 and value == prototype.dtype:
        def impl(prototype, value):
            out = np.empty_like(prototype)
            out[()] = value
            return out
        return impl
    if isinstance(prototype, types.Array) and isinstance(value, types.Array) and \
            value.dtype == prototype.dtype and value.ndim == prototype.ndim:
        return lambda prototype, value: value
    if value == prototype:
        return lambda prototype, value: value
    return None


def body_result(result, carry):  # pragma: no cover - replaced by the overload
    """What a compiled while loop's body returned, as the loop's next carry before ``carry_like``:
    ``carry`` itself for ``None`` (a body that only updates Variables), ``(result,)`` for a bare
    value when ``carry`` is a 1-tuple, ``result`` otherwise."""
    return carry if result is None else result


@overload(body_result)
def _body_result(result, carry):
    if isinstance(result, types.NoneType):
        return lambda result, carry: carry
    if isinstance(carry, types.BaseTuple) and len(carry) == 1 and not isinstance(result, types.BaseTuple):
        return lambda result, carry: (result,)
    return lambda result, carry: result
