"""The compiled loops of ``bm.for_loop`` and ``bm.while_loop``, built as IR around a compiled body.

The body (and a while loop's condition) is a program of its own, compiled first; the loop is a
second program that calls it as an injected dispatcher, so one body serves every output structure.

Example (``bm.for_loop(step, xs)`` with one operand and one output)::

    def _bm_loop(start, stop, xs0, out, s0, _bm_step):
        for _bm_i in range(start, stop):
            _bm_step[0] = _bm_i
            _bm_e_store_new_at(out, _bm_i, _bm_body(xs0[_bm_i], s0))

(``elementwise.store_new_at``: Numba's own assignment of an array row compiles its string formatting.)
"""
from __future__ import annotations

import ast

from .. import elementwise
from .ir import Function, Kind, Program, at, call, name

__all__ = ["for_loop_function", "while_loop_function"]


def _store(identifier: str) -> ast.Name:
    return ast.Name(identifier, ast.Store())


def _step_store(value: ast.expr) -> ast.stmt:
    """``_bm_step[0] = value``: the step running, so that a failing loop can name it."""
    return ast.Assign([ast.Subscript(name("_bm_step"), ast.Constant(0), ast.Store())], value)


def for_loop_function(program: Program, body: str, n_operands: int, outputs: int | None, n_state: int) -> Function:
    """``_bm_loop(start, stop, *xs, *outs, *state, _bm_step)``: steps ``start .. stop-1`` of the body
    (injected as ``body``); ``outputs``: 0 (none), ``None`` (one array) or the tuple's length."""
    xs = [f"xs{i}" for i in range(n_operands)]
    state = [f"s{i}" for i in range(n_state)]
    outs = [] if outputs == 0 else ["out"] if outputs is None else [f"out{i}" for i in range(outputs)]
    index = name("_bm_i")
    step = call(body, [ast.Subscript(name(x), index, ast.Load()) for x in xs] + [name(s) for s in state])
    loop_body: list[ast.stmt] = [_step_store(index)]
    if outputs == 0:
        loop_body.append(ast.Expr(step))
    else:
        store_at = program.inject("_bm_e_store_new_at", elementwise.store_new_at,
                                  "brainpy_math_numba.elementwise.store_new_at", Kind.STORE)
        if outputs is None:
            loop_body.append(ast.Expr(call(store_at, [name("out"), index, step])))
        else:
            loop_body.append(ast.Assign([_store("_bm_r")], step))
            loop_body += [ast.Expr(call(store_at, [name(o), index, ast.Subscript(name("_bm_r"), ast.Constant(i),
                                                                                    ast.Load())]))
                          for i, o in enumerate(outs)]
    loop = ast.For(_store("_bm_i"), call("range", [name("start"), name("stop")]), loop_body, [])
    function = Function("_bm_loop", ["start", "stop", *xs, *outs, *state, "_bm_step"], [], [at(loop, None)])
    return program.add_function(function)


def while_loop_function(program: Program, body: str, cond: str, n_carry: int, is_tuple: bool, n_body_state: int,
                        n_cond_state: int) -> Function:
    """``_bm_while(*carry, *body_state, *cond_state, _bm_step)``: the whole loop, compiled; returns the
    last carry (a tuple when ``is_tuple``). ``_bm_step[0]`` counts the iterations started."""
    carry = [f"c{i}" for i in range(n_carry)]
    body_state = [f"b{i}" for i in range(n_body_state)]
    cond_state = [f"k{i}" for i in range(n_cond_state)]
    truth = program.inject("_bm_e_truth", elementwise.truth, "brainpy_math_numba.elementwise.truth", Kind.ELEMENTWISE)
    test = call(truth, [call(cond, [name(c) for c in carry] + [name(s) for s in cond_state])])
    step = call(body, [name(c) for c in carry] + [name(s) for s in body_state])
    like = program.inject("_bm_e_carry_like", elementwise.carry_like, "brainpy_math_numba.elementwise.carry_like",
                          Kind.ELEMENTWISE)
    counter = ast.Subscript(name("_bm_step"), ast.Constant(0), ast.Load())
    loop_body: list[ast.stmt] = [_step_store(ast.BinOp(counter, ast.Add(), ast.Constant(1)))]
    # The body may return None (the carry stays) or, for one operand, a bare value.
    result_of = program.inject("_bm_e_body_result", elementwise.body_result,
                               "brainpy_math_numba.elementwise.body_result", Kind.ELEMENTWISE)
    as_carry = ast.Tuple([name(c) for c in carry], ast.Load()) if is_tuple else name(carry[0])
    step = call(result_of, [step, as_carry])
    if is_tuple:
        loop_body.append(ast.Assign([_store("_bm_r")], step))
        loop_body += [ast.Assign([_store(c)], call(like, [name(c), ast.Subscript(name("_bm_r"), ast.Constant(i),
                                                                                 ast.Load())]))
                      for i, c in enumerate(carry)]
    else:
        loop_body.append(ast.Assign([_store(carry[0])], call(like, [name(carry[0]), step])))
    result = ast.Tuple([name(c) for c in carry], ast.Load()) if is_tuple else name(carry[0])
    statements = [ast.While(test, loop_body, []), ast.Return(result)]
    function = Function("_bm_while", [*carry, *body_state, *cond_state, "_bm_step"], [],
                        [at(s, None) for s in statements])
    return program.add_function(function)
