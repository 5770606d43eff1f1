"""Lowering of calls: what each called object becomes in the compiled function.

Part of lowering (:mod:`.lower`): it receives the function being lowered as ``gen`` (anything with
``program``, ``fail``, ``origin``, ``materialize``, ``state`` and ``lower_function``), so this
module imports only :mod:`.ir` and the backend's kernel libraries.

- ``bm.<name>``: NumPy's function inside compiled code (``numpy_ops.compiled``); creation functions
  get the default dtype explicitly; ``bm.random.<name>``: the backend's random kernel with the state
  arrays of the default generator (recorded in ``Program.random_streams``); ``bm.prange``:
  ``numba.prange`` (the random streams its body draws from are split per iteration by
  :mod:`.passes.prange_streams`);
- ``bm.cond`` / ``bm.ifelse`` with named branch functions: a conditional expression;
- a method of ``self``, of a nested ``Base`` object, or a plain helper function: a generated function
  of its own, called with its arguments bound by name and defaults filled in;
- NumPy and ``math`` functions, and functions already compiled with ``numba.njit``: called as is.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import math
import os
import types as pytypes
from typing import Any, Callable

import numpy as np

import brainpy_math
from brainpy_math import _config, _conversion
from brainpy_math.base import Base

import numba
from numba.core.dispatcher import Dispatcher

from brainpy_math.random import RandomState

from .. import literals
from .. import random as backend_random
from .ir import (NUMPY_TYPES, CompiledCallable, Kind, Static, UnsupportedObject, is_constant_data, numpy_attr)

__all__ = ["resolve_call", "as_constant", "matmul_operator"]

FunctionGenerator = Any  # the function being lowered (see the module docstring)


def as_constant(node: ast.expr) -> ast.expr:
    """A Static holding a Python scalar, string or None becomes a literal (weak-typed) constant."""
    if isinstance(node, Static) and (node.obj is None or type(node.obj) in (bool, int, float, complex, str)):
        return ast.Constant(node.obj)
    return node

_NOT_IN_COMPILED = {
    "for_loop": "write a Python `for i in range(n):` loop in the compiled method instead",
    "while_loop": "write a Python `while` loop in the compiled method instead",
    "jit": "call the function directly: the whole method is compiled already",
}


def _frontend_name(obj: Any) -> tuple[str, str] | None:
    """``(namespace, name)`` if ``obj`` is a frontend function such as ``bm.exp`` or ``bm.random.normal``."""
    module = getattr(obj, "__module__", None) or ""
    name = getattr(obj, "__name__", None)
    if not name or not module.startswith("brainpy_math"):
        return None
    if module == "brainpy_math" or module == "brainpy_math.transforms":
        if getattr(brainpy_math, name, None) is obj:
            return "", name
        return None
    namespace = module.split(".", 1)[1] if "." in module else ""
    if namespace.startswith("_") or namespace in ("base", "variables"):
        return None
    return namespace, name


_LIBRARY_DIRECTORIES = tuple(
    os.path.dirname(module.__file__) + os.sep
    for module in (brainpy_math, importlib.import_module("brainpy_math_numba"), np, numba))


def _library_function(obj: pytypes.FunctionType) -> bool:
    """Whether ``obj`` is brainpy_math's, NumPy's or Numba's own Python code (not compilable here).

    Decided by the file the code lives in, not by ``__module__``: a function defined in a doctest
    of ``brainpy_math.transforms`` carries that module's name but is the user's code.
    """
    return os.path.abspath(obj.__code__.co_filename).startswith(_LIBRARY_DIRECTORIES)


def resolve_call(gen: FunctionGenerator, resolver: ast.NodeTransformer, node: ast.Call) -> ast.expr:
    func = resolver.visit(node.func)
    args = [resolver.visit(a) for a in node.args]
    keywords = [ast.keyword(k.arg, resolver.visit(k.value)) for k in node.keywords]
    if any(k.arg is None for k in keywords):
        raise gen.fail("**kwargs in a call is not supported", "Pass the keyword arguments by name", node)
    if not isinstance(func, Static):
        if isinstance(func, ast.Name) and func.id == "len" and len(args) == 1 and \
                isinstance(args[0], Static) and not isinstance(args[0].obj, np.ndarray):
            return ast.Constant(len(args[0].obj))  # the length of a list of objects, known now
        node.func, node.args, node.keywords = func, args, keywords
        return node
    obj = func.obj
    owner = getattr(obj, "__self__", None)
    if isinstance(owner, (dict, list, tuple)) and getattr(obj, "__name__", "") in ("items", "values", "keys") \
            and not args and not keywords:
        return Static(list(obj()))  # iterating a container of objects: unrolled by the caller
    if isinstance(obj, CompiledCallable):  # a jitted method called from compiled code: inline its source
        return _generated_call(gen, obj._func, obj._owner, args, keywords, node)
    if inspect.ismethod(obj) and isinstance(obj.__self__, Base):
        if isinstance(obj.__self__, RandomState):
            return _random_call(gen, obj.__self__, obj.__name__, args, keywords, node)
        return _generated_call(gen, obj.__func__, obj.__self__, args, keywords, node)
    if obj is _config.get_dt and not args and not keywords:
        # The time step is a constant of the generated code (JAX reads it at trace time too); a
        # guard on the setting regenerates the code when bm.set_dt changes it.
        settings = vars(_config)
        gen.program.guard(settings, "_dt", settings["_dt"], "bm.get_dt()")
        return Static(settings["_dt"], "bm.get_dt()")
    frontend = _frontend_name(obj)
    if frontend is not None:
        return _frontend_call(gen, frontend, obj, args, keywords, node)
    if isinstance(obj, Base):
        return _generated_call(gen, type(obj).__call__, obj, args, keywords, node)
    if isinstance(obj, pytypes.FunctionType):
        if _library_function(obj):
            raise gen.fail(f"{obj.__module__}.{obj.__qualname__} cannot be called inside compiled code",
                           "Call it outside bm.jit", node, UnsupportedObject)
        return _generated_call(gen, obj, None, args, keywords, node)
    return _external_call(gen, obj, args, keywords, node)


def _call(func: ast.expr, args: list[ast.expr], keywords: list[ast.keyword]) -> ast.Call:
    return ast.Call(func, list(args), list(keywords))


def _frontend_call(gen: FunctionGenerator, frontend: tuple[str, str], obj: Any, args, keywords,
                   node: ast.Call) -> ast.expr:
    namespace, name = frontend
    if namespace == "" and name == "prange":
        return _call(ast.Name(gen.program.inject("_bm_prange", numba.prange, "numba.prange", Kind.PRANGE), ast.Load()),
                     args, keywords)
    if namespace == "" and name in ("cond", "ifelse"):
        return _inline_branches(gen, name, args, keywords, node)
    if namespace == "" and name in _NOT_IN_COMPILED:
        raise gen.fail(f"bm.{name} inside a method compiled by the numba backend", _NOT_IN_COMPILED[name][0]
                       .upper() + _NOT_IN_COMPILED[name][1:], node)
    if namespace == "" and name in ("grad", "value_and_grad", "vector_grad", "jacobian", "jacrev", "jacfwd",
                                    "hessian", "vmap", "pmap"):
        raise gen.fail(f"bm.{name}: the numba backend has no autodiff/vectorising transform",
                       "Use the jax backend (bm.set_backend('jax'))", node)
    if namespace == "random":
        return _random_call(gen, backend_random.default_state(), name, args, keywords, node)
    if namespace == "" and name in _CREATION:
        return _creation(gen, name, args, keywords, node)
    if namespace == "einops":
        raise gen.fail(f"bm.{name} (an einops pattern, parsed in Python) is not supported inside code compiled by "
                       f"the numba backend", "Call it outside bm.jit, write the same bm.reshape/bm.transpose/"
                       "bm.sum calls (which compile), or use the jax backend", node, NotImplementedError)
    if namespace == "" and name == "fill_diagonal":
        args, keywords = _fill_diagonal_arguments(gen, args, keywords, node)
    if namespace == "" and name == "where" and len(args) == 3 and not keywords:
        args = _weak_where_literals(gen, args)
    ufunc = getattr(np, name, None) if namespace == "" else None
    # Elementwise ufuncs only: NumPy 2's matmul and vecdot are generalized ufuncs (a signature such
    # as "(n?,k),(k,m?)->(n?,m?)"), which Numba does not compile as ufuncs.
    if isinstance(ufunc, np.ufunc) and ufunc.signature is None and not keywords:
        return _ufunc_call(gen, name, args)
    module_name = "brainpy_math_numba.numpy_ops" if not namespace else f"brainpy_math_numba.{namespace}"
    try:
        module = importlib.import_module(module_name)
        implementation = module.compiled(name)
    except (ImportError, AttributeError):
        raise gen.fail(f"bm.{namespace + '.' if namespace else ''}{name} has no implementation inside code "
                       f"compiled by the numba backend", "Call it outside bm.jit, or use the jax backend",
                       node) from None
    except (NotImplementedError, KeyError) as err:
        implementation = getattr(np, name, None) if not namespace else None
        if implementation is None:
            raise gen.fail(str(err), "Call it outside bm.jit, or use the jax backend", node) from None
        # NumPy's own function: Numba compiles it if it can, and a typing error names this line.
    if namespace == "" and name == "astype":
        args, keywords = _requested_dtype(gen, args, keywords, 1, "astype")
    label = f"_bm_{namespace + '_' if namespace else ''}{name}"
    kind = Kind.CALL if name in MUTATING_NUMPY else Kind.PURE
    gen.program.inject(label, implementation, f"{module_name}.compiled({name!r})", kind, library=name)
    return _call(ast.Name(label, ast.Load()), args, _without_defaults(implementation, keywords))


def _fill_diagonal_arguments(gen: FunctionGenerator, args, keywords, node: ast.Call) -> tuple[list, list]:
    """``bm.fill_diagonal``'s ``inplace`` decides what the call returns, so it must be a constant:
    ``True`` (or none) writes into ``a`` and gives None, as eagerly (the kernel without ``inplace``);
    ``False`` gives a new array (the kernel with ``inplace=False``)."""
    given = [k.value for k in keywords if k.arg == "inplace"]
    if len(args) > 3:
        given, args = [args[3]], list(args[:3]) + list(args[4:])
    keywords = [k for k in keywords if k.arg != "inplace"]
    if not given:
        return args, keywords
    constant = as_constant(given[0])
    if not (isinstance(constant, ast.Constant) and isinstance(constant.value, (bool, np.bool_))):
        raise gen.fail("bm.fill_diagonal: argument 'inplace' must be the constant True or False inside code "
                       "compiled by the numba backend (it decides what the call returns)",
                       "Write inplace=True (writes into the array, returns None) or inplace=False (returns a new "
                       "array)", node, TypeError)
    return args, keywords + ([] if constant.value else [ast.keyword("inplace", ast.Constant(False))])


def matmul_operator(gen: FunctionGenerator, left: ast.expr, right: ast.expr, node: ast.AST) -> ast.expr:
    """``left @ right``: the call ``bm.matmul(left, right)`` lowers to, so the operator and the
    function compile the same code (the backend's loops for matrix-vector products)."""
    return _frontend_call(gen, ("", "matmul"), brainpy_math.matmul, [left, right], [], node)


def _without_defaults(implementation: Any, keywords: list[ast.keyword]) -> list[ast.keyword]:
    """``keywords`` less the constants equal to the implementation's defaults: an omitted argument
    reaches Numba's typing as its default value (``types.Omitted``), which an ``@overload`` can
    specialise on (``transpose=True`` in ``bm.event.csrmv`` compiles one branch)."""
    try:
        parameters = inspect.signature(getattr(implementation, "py_func", implementation)).parameters
    except (TypeError, ValueError):
        return keywords
    kept = []
    for keyword in keywords:
        parameter = parameters.get(keyword.arg)
        default = parameter.default if parameter is not None else inspect.Parameter.empty
        constant = as_constant(keyword.value)  # a literal, or a Static holding a Python scalar
        value = constant.value if isinstance(constant, ast.Constant) else inspect.Parameter.empty
        if default is not inspect.Parameter.empty and type(value) is type(default) and value == default:
            continue
        kept.append(keyword)
    return kept


def _requested_dtype(gen: FunctionGenerator, args: list, keywords: list, position: int,
                     where: str) -> tuple[list, list]:
    """The ``dtype`` argument (at ``position`` or by keyword) as the policy answers it: a 64-bit
    request under the 32-bit policy warns once, when the code is generated, and gives 32 bits."""
    def answered(value: ast.expr) -> ast.expr:
        if isinstance(value, Static):
            try:
                return numpy_attr(_conversion.requested_dtype(value.obj, f"bm.{where} (compiled)").name)
            except TypeError:
                return value
        return value
    args = [answered(a) if i == position else a for i, a in enumerate(args)]
    keywords = [ast.keyword(k.arg, answered(k.value)) if k.arg == "dtype" else k for k in keywords]
    return args, keywords


_CREATION = {"zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like",
             "arange", "asarray", "array", "eye", "linspace"}


def _float_result(ufunc: np.ufunc) -> bool:
    """Whether ``ufunc`` turns integer inputs into floats (``exp``, ``sqrt``: not ``abs``, ``maximum``)."""
    try:
        return ufunc(*([np.ones(1, np.int32)] * ufunc.nin)).dtype.kind in "fc"
    except TypeError:
        return False


def _ufunc_call(gen: FunctionGenerator, name: str, args: list[ast.expr]) -> ast.expr:
    """A NumPy ufunc called directly, so Numba fuses it with the arithmetic around it into one loop
    (a call of a wrapper would split the expression into a pass and a temporary per call).

    The policy is kept on the arguments instead of the result: integer inputs of a float-valued
    ufunc become the default float first (``exp(int32)`` is float32, as on JAX), and a Python
    literal argument takes the dtype of the array argument (``maximum(x, 0)`` stays float32).
    """
    ufunc = getattr(np, name)
    if _float_result(ufunc):
        helper = inject_elementwise(gen.program, "_bm_float_argument", "float_argument", *literals.float_argument())
        args = [a if _is_literal(a) else _call(ast.Name(helper, ast.Load()), [a], []) for a in args]
    reference = next((a for a in args if isinstance(a, ast.Name) or
                      (isinstance(a, Static) and isinstance(a.obj, np.ndarray))), None)
    if reference is not None and any(_is_literal(a, int) for a in args):
        # Only integer literals: casting 1.5 to an integer array's dtype would change its value.
        helper = inject_elementwise(gen.program, "_bm_cast_literal", "cast_literal", literals.cast_literal,
                                    literals.cast_literal)
        args = [_call(ast.Name(helper, ast.Load()), [reference, as_constant(a)], [])
                if _is_literal(a, int) else a for a in args]
    return _call(numpy_attr(name), args, [])


def _weak_where_literals(gen: FunctionGenerator, args: list[ast.expr]) -> list[ast.expr]:
    """``bm.where(c, x, 3)``: the Python literal among the two values typed beside the other, as
    eager code and JAX type it (a uint8 ``x`` keeps uint8; Numba would make the literal int64 and
    the result int32). The other value must be a name (an array or a local), as for ufuncs.

    A float literal becomes the policy's float (``np.float32(0.5)``) anyway; beside a float32 array
    that is only wrong under x64 (float64), so only then is it cast too.
    """
    condition, *values = args
    kinds = (int, float) if _config.x64_enabled() else (int,)
    reference = next((v for v in values if isinstance(v, ast.Name) or
                      (isinstance(v, Static) and isinstance(v.obj, np.ndarray))), None)
    if reference is None or not any(_is_literal(v, *kinds) for v in values):
        return args
    helper = inject_elementwise(gen.program, "_bm_weak_literal", "weak_literal", literals.weak_literal,
                                literals.weak_literal)
    return [condition] + [_call(ast.Name(helper, ast.Load()), [reference, as_constant(v)], [])
                          if _is_literal(v, *kinds) else v for v in values]


def _is_literal(node: ast.expr, *kinds: type) -> bool:
    node = as_constant(node)
    return isinstance(node, ast.Constant) and type(node.value) in (kinds or (int, float, bool))


def _creation(gen: FunctionGenerator, name: str, args, keywords, node: ast.Call) -> ast.expr:
    """Creation functions with the dtype the policy gives (Numba's own default is 64-bit)."""
    kw = {k.arg: k.value for k in keywords}
    dtype = kw.pop("dtype", None)
    signatures = {
        "zeros": ("shape", "dtype"), "ones": ("shape", "dtype"), "empty": ("shape", "dtype"),
        "full": ("shape", "fill_value", "dtype"), "zeros_like": ("a", "dtype"), "ones_like": ("a", "dtype"),
        "empty_like": ("a", "dtype"), "full_like": ("a", "fill_value", "dtype"),
        "asarray": ("a", "dtype"), "array": ("a", "dtype"), "eye": ("N", "M", "k", "dtype"),
        "arange": ("start", "stop", "step", "dtype"), "linspace": ("start", "stop", "num", "endpoint"),
    }
    names = signatures[name]
    positional = list(args)
    if "dtype" in names and len(positional) > names.index("dtype"):
        dtype = positional.pop(names.index("dtype"))
    bound = dict(zip(names, positional))
    for key, value in kw.items():
        if key not in names:
            raise gen.fail(f"bm.{name}: the argument {key!r} is not supported inside compiled code",
                           f"Use {', '.join(names)}", node)
        bound[key] = value
    dtype = as_constant(dtype) if dtype is not None else None
    if isinstance(dtype, ast.Constant) and dtype.value is None:
        dtype = None
    if dtype is not None and isinstance(dtype, Static):
        dtype = numpy_attr(_conversion.requested_dtype(dtype.obj, f"bm.{name} (compiled)").name)
    np_call = lambda fn, *a: _call(numpy_attr(fn), [x for x in a if x is not None], [])
    default_float = numpy_attr(_config.default_float().name)

    def literal_dtype(value: ast.expr | None) -> ast.expr | None:
        value = as_constant(value) if value is not None else None
        if isinstance(value, ast.Constant):
            policy = _config.dtype_of_python_value(value.value)
            if policy is not None:
                return numpy_attr(policy.name)
        return None

    if name in ("zeros", "ones", "empty"):
        return np_call(name, bound["shape"], dtype or default_float)
    if name == "full":
        dtype = dtype or literal_dtype(bound["fill_value"])
        return np_call("full", bound["shape"], bound["fill_value"], dtype)
    if name in ("zeros_like", "ones_like", "empty_like"):
        if dtype is None:
            return np_call(name, bound["a"])
        return np_call(name[:-len("_like")], ast.Attribute(bound["a"], "shape", ast.Load()), dtype)
    if name == "full_like":
        a = bound["a"]
        dtype = dtype or ast.Attribute(a, "dtype", ast.Load())
        return np_call("full", ast.Attribute(a, "shape", ast.Load()), bound["fill_value"], dtype)
    if name in ("asarray", "array"):
        value = bound["a"]
        dtype = dtype or literal_dtype(value)
        result = np_call("asarray", value)
        if name == "array":
            result = _call(ast.Attribute(result, "copy", ast.Load()), [], [])
        if dtype is not None:
            result = _call(ast.Attribute(result, "astype", ast.Load()), [dtype], [])
        return result
    if name == "eye":
        return _call(numpy_attr("eye"), [bound["N"], bound.get("M", ast.Constant(None)),
                                          bound.get("k", ast.Constant(0)), dtype or default_float], [])
    if name == "arange":
        parts = [bound[k] for k in ("start", "stop", "step") if k in bound]
        if dtype is None:
            kinds = [literal_dtype(p) for p in parts]
            if all(k is not None for k in kinds):
                is_float = any(isinstance(as_constant(p), ast.Constant) and
                               type(as_constant(p).value) is float for p in parts)
                dtype = default_float if is_float else numpy_attr(_config.default_int().name)
        result = np_call("arange", *parts)
        return result if dtype is None else _call(ast.Attribute(result, "astype", ast.Load()), [dtype], [])
    # linspace: NumPy's float64 narrowed to the default float
    parts = [bound[k] for k in ("start", "stop", "num", "endpoint") if k in bound]
    return _call(ast.Attribute(np_call("linspace", *parts), "astype", ast.Load()), [default_float], [])


def _bind(gen: FunctionGenerator, func: Any, owner: Any, args, keywords, node: ast.Call):
    """Arguments bound to ``func``'s parameters, defaults filled in (as live objects)."""
    signature = inspect.signature(func)
    parameters = list(signature.parameters.values())
    if owner is not None:
        parameters = parameters[1:]
    signature = signature.replace(parameters=parameters)
    try:
        bound = signature.bind(*args, **{k.arg: k.value for k in keywords})
    except TypeError as err:
        raise gen.fail(f"calling {func.__qualname__}: {err}", "Fix the arguments of the call", node,
                       TypeError) from None
    bound.apply_defaults()
    return bound.arguments


def _generated_call(gen: FunctionGenerator, func: Any, owner: Any, args, keywords, node: ast.Call) -> ast.expr:
    arguments = _bind(gen, func, owner, args, keywords, node)
    static: dict[str, Any] = {}
    runtime: list[ast.expr] = []
    for name, value in arguments.items():
        if not isinstance(value, ast.AST):
            value = Static(value)  # a default value
        value = as_constant(value)
        if isinstance(value, Static) and not isinstance(value.obj, np.ndarray) and \
                not is_constant_data(value.obj):
            static[name] = value.obj  # an object argument: the callee is specialised on it
        else:
            runtime.append(value)
    generated = gen.lower_function(func, owner, gen.origin(node), static)
    gen.state.update(generated.state)
    state = [ast.Name(n, ast.Load()) for n in generated.state]
    return _call(ast.Name(generated.name, ast.Load()), runtime + state, [])


def _external_call(gen: FunctionGenerator, obj: Any, args, keywords, node: ast.Call) -> ast.expr:
    if isinstance(obj, type) and obj in NUMPY_TYPES:
        return _call(numpy_attr(np.dtype(obj).name), args, keywords)
    name = getattr(obj, "__name__", None)
    if name and getattr(np, name, None) is obj:
        return _call(numpy_attr(name), args, keywords)
    if name and getattr(math, name, None) is obj:
        gen.program.inject("math", math, "math", Kind.MODULE)
        return _call(ast.Attribute(ast.Name("math", ast.Load()), name, ast.Load()), args, keywords)
    if isinstance(obj, Dispatcher):
        label = f"_bm_ext_{name}_{id(obj):x}"
        gen.program.inject(label, obj, f"numba function {obj.py_func.__module__}.{obj.py_func.__qualname__}",
                           Kind.CALL)
        return _call(ast.Name(label, ast.Load()), args, keywords)
    shown = gen.text(node.func)
    raise gen.fail(f"{shown} is a {type(obj).__qualname__} that compiled code cannot call",
                   "Call functions defined with def, methods of bm.Base objects, bm/NumPy/math functions, "
                   "or functions compiled with numba.njit", node, UnsupportedObject)


def _inline_branches(gen: FunctionGenerator, name: str, args, keywords, node: ast.Call) -> ast.expr:
    """``bm.cond``/``bm.ifelse`` with branch functions known now: a chain of conditional expressions."""
    kw = {k.arg: k.value for k in keywords}
    if name == "cond":
        fields = ("pred", "true_fun", "false_fun", "operands")
    else:
        fields = ("conditions", "branches", "operands")
    bound = dict(zip(fields, args))
    bound.update({k: v for k, v in kw.items() if k in fields})
    operands = bound.get("operands")
    operands = as_constant(operands) if operands is not None else None
    if operands is None:
        operand_nodes: list[ast.expr] = []
    elif isinstance(operands, (ast.Tuple, ast.List)):
        operand_nodes = list(operands.elts)
    elif isinstance(operands, Static) and isinstance(operands.obj, tuple):
        operand_nodes = [Static(o) for o in operands.obj]
    else:
        operand_nodes = [operands]
    if name == "cond":
        conditions, branches = [bound["pred"]], [bound["true_fun"], bound["false_fun"]]
    else:
        conditions, branches = bound.get("conditions"), bound.get("branches")
        if conditions is not None and not isinstance(conditions, (ast.List, ast.Tuple)) and \
                isinstance(branches, (ast.List, ast.Tuple)):
            conditions = ast.List([conditions], ast.Load())  # BrainPy's single condition: [f, g]
        if not isinstance(conditions, (ast.List, ast.Tuple)) or not isinstance(branches, (ast.List, ast.Tuple)):
            raise gen.fail("bm.ifelse inside compiled code needs literal lists of conditions and branches",
                           "Write bm.ifelse([c1, c2], [f1, f2, f3], operands)", node)
        conditions, branches = list(conditions.elts), list(branches.elts)
        if len(branches) != len(conditions) + 1:
            raise gen.fail(f"bm.ifelse got {len(conditions)} conditions and {len(branches)} branches",
                           "Give one more branch than conditions (the last is the else)", node, ValueError)
    calls = []
    for branch in branches:
        branch = as_constant(branch)
        if isinstance(branch, Static) and callable(branch.obj):
            calls.append(resolve_call(gen, _NoOpVisitor(), ast.Call(branch, operand_nodes, [],
                                                                    lineno=node.lineno)))
        else:
            calls.append(branch)
    result = calls[-1]
    for condition, call in zip(reversed(conditions), reversed(calls[:-1])):
        result = ast.IfExp(condition, call, result)
    return result


class _NoOpVisitor(ast.NodeTransformer):
    """Arguments already resolved: visiting returns them unchanged."""

    def visit(self, node: ast.AST) -> ast.AST:
        return node


def _random_call(gen: FunctionGenerator, state: Any, name: str, args, keywords, node: ast.Call) -> ast.expr:
    """A random function: the backend's kernel, called with the generator's state arrays first."""
    if any(k.arg == "key" for k in keywords):
        raise gen.fail(f"bm.random.{name}(..., key=...) is not supported inside code compiled by the numba "
                       f"backend (a compiled draw reads the stream's own arrays)",
                       f"Draw from a stream of that key instead: rs = bm.random.RandomState(key) made outside "
                       f"bm.jit and rs.{name}(...) inside, or call it outside bm.jit", node, NotImplementedError)
    if name == "split_key" and (args or keywords):
        name = "split_keys"  # BrainPy's split_key(n): n keys, as split_keys(n) takes them
        keywords = [ast.keyword("n", k.value) if k.arg == "n" else k for k in keywords]
    try:
        kernel = backend_random.compiled(name)
        arrays = backend_random.state_arrays(state)
    except (AttributeError, NotImplementedError, KeyError) as err:
        raise gen.fail(f"bm.random.{name} is not available inside code compiled by the numba backend ({err})",
                       "Draw the numbers outside bm.jit, or use the jax backend", node) from None
    label = f"_bm_random_{name}"
    gen.program.inject(label, kernel, f"brainpy_math_numba.random.compiled({name!r})", Kind.RANDOM)
    state_nodes = [gen.materialize(_owning_variable(state, a), node) for a in arrays]
    key_node, counter_node = state_nodes
    if isinstance(key_node, ast.Name) and isinstance(counter_node, ast.Name):
        # Remembered for the prange-streams pass: these two arrays are a random stream.
        gen.program.random_streams[key_node.id] = counter_node.id
    try:
        parameters = list(inspect.signature(getattr(kernel, "py_func", kernel)).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    parameters = parameters[len(arrays):]
    positional = list(args)
    given = {k.arg: k.value for k in keywords}
    names = [p.name for p in parameters]
    unknown = [k for k in given if k not in names[len(positional):]]
    if unknown or len(positional) > len(parameters):
        raise gen.fail(f"bm.random.{name} got unexpected argument(s) {unknown or positional[len(names):]}",
                       f"Its arguments are {names}", node, TypeError)
    if given:
        for parameter in parameters[len(positional):]:
            if parameter.name in given:
                positional.append(given.pop(parameter.name))
            elif not given:
                break
            elif parameter.default is inspect.Parameter.empty:
                raise gen.fail(f"bm.random.{name} is missing the argument {parameter.name!r}",
                               f"Its arguments are {names}", node, TypeError)
            else:
                positional.append(Static(parameter.default))
    return _call(ast.Name(label, ast.Load()), state_nodes + positional, [])


def _owning_variable(state: Any, array: np.ndarray) -> np.ndarray:
    """The Variable of ``state`` whose memory ``array`` is (one array argument per Variable)."""
    address = array.__array_interface__["data"][0]
    for variable in state.vars().values():
        if variable.__array_interface__["data"][0] == address and variable.shape == array.shape:
            return variable
    return array




MUTATING_NUMPY = {"copyto", "put", "place", "putmask", "fill_diagonal", "put_along_axis", "shuffle"}


def inject_elementwise(program: Any, identifier: str, library: str, array: Callable, element: Callable) -> str:
    """Inject ``array`` (a helper of :mod:`..literals`) as elementwise helper ``identifier`` whose
    one-element version (what a fused loop calls) is ``element``."""
    element_name = f"{identifier}_element" if element is not array else identifier
    description = f"brainpy_math_numba.literals.{library}"
    if element_name != identifier:
        program.inject(element_name, element, f"{description} (one element)", Kind.ELEMENTWISE,
                       element=element_name, library=library)
    return program.inject(identifier, array, description, Kind.ELEMENTWISE, element=element_name, library=library)
