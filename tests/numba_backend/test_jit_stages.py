"""Each stage of the Numba compiler (brainpy_math_numba.jit) on its own, on ASTs built by hand.

The end-to-end behaviour (values, dtypes, errors) is checked by the conformance suite and the
differential fuzzer (tests/fuzz); here each stage's contract is checked in isolation.
"""
from __future__ import annotations

import ast
import pathlib

import numpy as np
import pytest

pytest.importorskip("numba")

from brainpy_math_numba import elementwise, literals  # noqa: E402
from brainpy_math_numba.jit import ir  # noqa: E402
from brainpy_math_numba.jit.emit import emit  # noqa: E402
from brainpy_math_numba.jit.ir import Function, Kind, Origin, Program, Role, at  # noqa: E402
from brainpy_math_numba.jit.load import inject_decorators, load  # noqa: E402
from brainpy_math_numba.jit.lower import Lowering  # noqa: E402
from brainpy_math_numba.jit.passes import written_arrays  # noqa: E402
from brainpy_math_numba.jit.passes.fuse import fuse_runs  # noqa: E402
from brainpy_math_numba.jit.passes.inline import inline_calls, propagate_aliases  # noqa: E402
from brainpy_math_numba.jit.passes.materialize import materialize_arguments  # noqa: E402
from brainpy_math_numba.jit.passes.prange_streams import split_prange_streams  # noqa: E402

import brainpy_math as bm  # noqa: E402

HERE = Origin("model.py", 1, "...", "f")


def statements(text: str) -> list[ast.stmt]:
    return [at(s, HERE) for s in ast.parse(text).body]


def text(node: ast.AST) -> str:
    return ast.unparse(ast.fix_missing_locations(node))


def body_of(function: Function) -> ast.Module:
    return ast.Module(function.body, [])


def calls_in(node: ast.AST) -> list[str]:
    return [n.func.id for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]


def model_program(n: int = 64) -> tuple[Program, list[str]]:
    program = Program({})
    arrays = [program.array(np.zeros(n, np.float32)) for _ in range(3)]
    return program, arrays


# ------------------------------------------------------------------------------------------ lower
class Leaky(bm.Base):
    def __init__(self):
        super().__init__()
        self.v = bm.Variable(bm.zeros(8))
        self.tau = 10.0

    def update(self, x):
        self.v.value = self.v + x / self.tau


def test_lowering_resolves_variables_to_array_arguments_and_marks_origins():
    with bm.set_backend("numba"):
        model = Leaky()
        program = Program({})
        function = Lowering(program).function(Leaky.update, model, None, entry=True)
    assert function.params == ["x"] and function.state == ["_bm_a0"]
    assert program.names.role("_bm_a0") is Role.ARRAY
    (stmt,) = function.body
    assert isinstance(stmt, ast.Assign)
    assert ast.dump(stmt.targets[0]) == ast.dump(ast.Subscript(ast.Name("_bm_a0", ast.Load()), ast.Constant(Ellipsis),
                                                               ast.Store()), include_attributes=False)
    origin = ir.origin_of(stmt)
    assert origin.function == "Leaky.update" and "self.v.value" in origin.text
    assert origin.file == __file__
    # the attribute tau is a guarded constant of the code, not an argument
    assert any(g.key == "tau" for g in program.guards.values() if isinstance(g, ir.Guard))


def test_lowering_records_the_kind_of_each_injected_object():
    with bm.set_backend("numba"):
        model = Leaky()
        program = Program({})
        function = Lowering(program).function(Leaky.update, model, None)
    called = calls_in(body_of(function))
    kinds = {program.symbol(c).kind for c in called if program.symbol(c) is not None}
    assert kinds == {Kind.ELEMENTWISE}  # the weak-literal and true-divide helpers
    for c in called:
        symbol = program.symbol(c)
        if symbol is not None:
            assert symbol.element is not None and program.symbol(symbol.element) is not None


# ------------------------------------------------------------------------------------------ inline
def test_inline_replaces_a_straight_line_call_and_renames_its_locals_apart():
    program, (a, b, _) = model_program()
    callee = program.add_function(Function("child", ["x"], [a], statements(f"t = x * 2\n{a} += t")))
    callee.inline_body = callee.body
    caller = program.add_function(Function("parent", ["y"], [a], statements(f"t = 1\nchild(y, {a})\nz = t")))
    body = inline_calls(caller, program)
    assert "child" not in calls_in(ast.Module(body, []))
    renamed = [n.id for n in ast.walk(ast.Module(body, [])) if isinstance(n, ast.Name)
               and program.names.role(n.id) is Role.INLINED]
    assert renamed, "the callee's local t must not clash with the caller's t"
    assert text(body[-1]) == "z = t"


def test_inline_keeps_a_call_of_a_function_with_control_flow():
    program, (a, _, _) = model_program()
    callee = program.add_function(Function("child", ["x"], [a], statements(f"if x > 0:\n    {a} += 1")))
    callee.inline_body = callee.body
    caller = program.add_function(Function("parent", ["y"], [a], statements(f"child(y, {a})")))
    assert calls_in(ast.Module(inline_calls(caller, program), [])) == ["child"]


def test_propagate_aliases_reads_the_parameter():
    program, (a, _, _) = model_program()
    function = Function("f", [], [a], statements(f"V = {a}\nW = V + 1"))
    body = propagate_aliases(function, program)
    assert [text(s) for s in body] == [f"W = {a} + 1"]


# ------------------------------------------------------------------------------------------ fuse
def model_program_with(options: dict, n: int = 64) -> tuple[Program, list[str]]:
    program = Program(options)
    return program, [program.array(np.zeros(n, np.float32)) for _ in range(3)]


def test_fuse_over_the_models_arrays_writes_a_bare_loop_of_plain_element_code():
    program, (a, b, c) = model_program()
    function = Function("f", [], [a, b, c], statements(f"t = {a} * {b}\n{c}[...] = t + {a}"))
    (loop,) = fuse_runs(function, program)
    assert isinstance(loop, ast.For) and program.names.role(loop.target.id) is Role.INDEX
    assert text(loop.iter) == "range(64)"  # the arrays' length, known now: no check at run time
    assert calls_in(loop) == ["range"]  # a[i], np.float32(...), c[i] = ...: no helper to inline
    # the local array t became a scalar of the loop
    assert any(program.names.role(n.id) is Role.ELEMENT for n in ast.walk(loop) if isinstance(n, ast.Name))


def test_fuse_with_an_operand_of_unknown_shape_checks_it_and_raises_fusion_miss():
    program, (a, b, c) = model_program()
    function = Function("f", ["x"], [a, b, c], statements(f"t = {a} * x\n{c}[...] = t + {a}"))
    check, miss, loop = fuse_runs(function, program)[-3:]
    assert program.names.role(check.targets[0].id) is Role.LOOP  # the length, joined with x's
    assert isinstance(miss, ast.If) and isinstance(miss.body[0], ast.Raise) and not miss.orelse
    assert program.symbol(miss.body[0].exc.id).kind is Kind.EXCEPTION
    assert isinstance(loop, ast.For)


def test_fuse_guarded_keeps_the_array_code_as_the_loops_fallback():
    program, (a, b, c) = model_program_with({"guarded": True})
    function = Function("f", ["x"], [a, b, c], statements(f"t = {a} * x\n{c}[...] = t + {a}"))
    (branch,) = [s for s in fuse_runs(function, program) if isinstance(s, ast.If)]
    (loop,) = branch.body
    assert isinstance(loop, ast.For) and program.names.role(loop.target.id) is Role.INDEX
    assert [text(s) for s in branch.orelse] == [f"t = {a} * x", f"{c}[...] = t + {a}"]


def test_fuse_leaves_a_run_whose_local_is_used_after_it():
    program, (a, b, c) = model_program()
    function = Function("f", [], [a, b, c], statements(f"t = {a} * {b}\n{c}[...] = t\nreturn t"))
    body = fuse_runs(function, program)
    assert not any(isinstance(s, ast.For) for s in ir.walk_statements(body))


def test_fuse_does_not_move_a_call_of_a_model_function_across_a_write():
    program, (a, b, c) = model_program()
    program.add_function(Function("draw", [], [b], statements(f"{b} += 1\nreturn {b}")))
    function = Function("f", [], [a, b, c], statements(f"{a}[...] = {a} + 1\n{c}[...] = {a} * draw({b})"))
    body = fuse_runs(function, program)
    loops = [s for s in ir.walk_statements(body) if isinstance(s, ast.For)]
    assert len(loops) <= 1 and all("draw" not in calls_in(loop) for loop in loops)


def test_fuse_uses_the_one_element_version_the_symbol_table_names():
    program, (a, b, _) = model_program()
    array = program.inject("weak_mult", literals.weak_binary("_bm_weak_Mult_r"), "weak *", Kind.ELEMENTWISE,
                           element="weak_mult_one")
    program.inject("weak_mult_one", literals.weak_scalar("_bm_weak_Mult_r"), "weak * (one)", Kind.ELEMENTWISE,
                   element="weak_mult_one")
    function = Function("f", [], [a, b], statements(f"{b}[...] = {array}({a}, 0.5) + 1"))
    loop = next(s for s in ir.walk_statements(fuse_runs(function, program)) if isinstance(s, ast.For))
    assert "weak_mult_one" in calls_in(loop) and "weak_mult" not in calls_in(loop)


# ------------------------------------------------------------------------------------------ materialize
def test_materialize_computes_an_elementwise_argument_of_a_pure_call_in_a_kernel():
    program, (a, b, _) = model_program()
    program.inject("dot", np.dot, "numpy_ops.compiled('dot')", Kind.PURE, library="dot")
    function = Function("f", [], [a, b], statements(f"u = dot({a} * 2.0 + {b}, {b})"))
    body = materialize_arguments(function, program)
    kernel = body[0].value.func.id
    assert program.names.role(kernel) is Role.KERNEL
    assert {f.name for f in program.functions} == {kernel, f"{kernel}_fill", f"{kernel}_array"}
    assert all(f.purpose == "kernel" for f in program.functions)
    assert text(body[-1]) == f"u = dot({body[0].targets[0].id}, {b})"


def test_materialize_leaves_arguments_of_a_call_that_may_write():
    program, (a, b, _) = model_program()
    program.inject("kernel", np.dot, "a user's numba function", Kind.CALL)
    function = Function("f", [], [a, b], statements(f"u = kernel({a} * 2.0, {b})"))
    assert [text(s) for s in materialize_arguments(function, program)] == [f"u = kernel({a} * 2.0, {b})"]


# ------------------------------------------------------------------------------------------ prange streams
def test_prange_streams_give_each_iteration_its_own_stream():
    program, (key, counter, out) = model_program()
    program.random_streams[key] = counter
    program.inject("prange", range, "numba.prange", Kind.PRANGE)
    program.inject("draw", np.zeros, "random kernel", Kind.RANDOM)
    function = Function("f", ["n"], [key, counter, out],
                        statements(f"for i in prange(n):\n    {out}[i] = draw({key}, {counter})"))
    body = split_prange_streams(function, program)
    picked, loop = body
    assert calls_in(picked) == ["_bm_prange_key"]
    stream, store = loop.body
    assert calls_in(stream) == ["_bm_prange_stream"]
    drawn = [n.id for n in ast.walk(store) if isinstance(n, ast.Name)]
    assert key not in drawn and counter not in drawn
    assert all(program.names.role(n) is Role.STREAM for n in drawn if n not in (out, "i", "draw"))


# ------------------------------------------------------------------------------------------ snapshot
def test_written_arrays_follow_views_and_callees():
    program, (a, b, c) = model_program()
    program.add_function(Function("g", ["x"], [], statements("x[0] = 1")))
    entry = program.add_function(Function("f", [], [a, b, c], statements(f"v = {a}[1:]\ng(v)\nt = {c} + 1")))
    assert written_arrays(program, entry) == [a]
    program.inject("kernel", np.sum, "user numba function", Kind.CALL)
    entry.body += statements(f"kernel({b})")
    assert written_arrays(program, entry) == [a, b]


# ------------------------------------------------------------------------------------------ emit and load
def test_emit_maps_each_line_to_its_origin_and_load_compiles_it():
    program = Program({"cache": False})
    origin = Origin("model.py", 7, "return x + 1", "f")
    program.add_function(Function("f", ["x"], [], [at(ast.parse("return x + 1").body[0], origin)], header=origin))
    inject_decorators(program)
    emitted = emit(program)
    lines = emitted.source.splitlines()
    (number,) = [k for k, line in enumerate(lines, 1) if line.strip() == "return x + 1"]
    assert emitted.origins[number] is origin
    module = load(program, emitted)
    assert module.f(2) == 3


def test_only_emit_turns_ast_into_text():
    package = pathlib.Path(ir.__file__).parent
    users = sorted(p.relative_to(package).as_posix() for p in package.rglob("*.py") if "ast.unparse" in p.read_text()
                   and p.name != "emit.py")
    assert users == []


def test_elementwise_select_is_one_instruction_without_a_branch():
    import numba

    @numba.njit
    def pick(c, x, y):
        return elementwise.choose(c, x, y)
    assert pick(True, 1.0, 2.0) == 1.0 and pick(False, 1.0, 2.0) == 2.0


def test_fuse_writes_helper_bodies_and_weak_literals_out_for_known_dtypes():
    program, (a, b, _) = model_program()
    weak = program.inject("weak_mult", literals.weak_binary("_bm_weak_Mult_r"), "weak *", Kind.ELEMENTWISE,
                          element="weak_mult_one", weak=("Mult", False))
    program.inject("weak_mult_one", literals.weak_scalar("_bm_weak_Mult_r"), "weak * (one)", Kind.ELEMENTWISE,
                   element="weak_mult_one")
    helper = program.add_function(Function("_bm_f1_half", ["x"], [], statements(f"y = {weak}(x, 0.5)\nreturn y")))
    helper.plain_body = helper.body
    function = Function("f", [], [a, b], statements(f"{b}[...] = _bm_f1_half({a}) + {a}"))
    (loop,) = fuse_runs(function, program)
    assert calls_in(loop) == ["range"]  # no twin call, no weak-literal helper: np.float32 casts only
    products = [n for n in ast.walk(loop) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult)]
    assert [text(p.right) for p in products] == ["np.float32(0.5)"]


def test_fuse_keeps_the_helper_for_an_int_literal_out_of_the_dtypes_range():
    program = Program({})
    a, b = program.array(np.zeros(64, np.int8)), program.array(np.zeros(64, np.int8))
    weak = program.inject("weak_add", literals.weak_binary("_bm_weak_Add_r"), "weak +", Kind.ELEMENTWISE,
                          element="weak_add_one", weak=("Add", False))
    program.inject("weak_add_one", literals.weak_scalar("_bm_weak_Add_r"), "weak + (one)", Kind.ELEMENTWISE,
                   element="weak_add_one")
    function = Function("f", [], [a, b], statements(f"{b}[...] = {weak}({a}, 300)"))
    (loop,) = fuse_runs(function, program)
    assert "weak_add_one" in calls_in(loop)  # it raises OverflowError at run time, as eager code does
