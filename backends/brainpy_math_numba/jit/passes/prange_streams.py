"""Random streams of ``bm.prange`` loops: each iteration draws from a stream of its own.

Threads running a parallel loop would race on a stream's counter (repeated numbers, results that
change from run to run), so a ``bm.prange`` loop whose body draws from a stream (directly, or
through a function it calls, which receives the stream's arrays) is rewritten as::

    _bm_p0 = _bm_prange_key(key, counter)          # 2 words of the stream, as split_key()
    for i in _bm_prange(n):
        _bm_p1, _bm_p2 = _bm_prange_stream(_bm_p0, i)
        ... the body, drawing from (_bm_p1, _bm_p2) instead of (key, counter) ...

Iteration ``i`` then draws from the stream keyed ``threefry2x32(loop key, (hi(i), lo(i)))`` from
position 0: a function of (seed, position at loop entry, i) only, whatever the number of threads,
and the same with ``parallel=False``. After the loop the stream is 2 words further. A loop nested
in such a body splits the iteration's stream the same way.

It runs once the whole program is lowered: a loop's body (with the functions it calls, inlined or
not) is known only then. The streams are those lowering recorded (``Program.random_streams``).
"""
from __future__ import annotations

import ast
import copy

from ... import random as backend_random
from ..ir import Function, Kind, Program, Role, at, call, name, origin_of

__all__ = ["split_prange_streams"]


def split_prange_streams(function: Function, program: Program) -> list[ast.stmt]:
    """``function.body`` with the random streams of its ``bm.prange`` loops split per iteration."""
    if not program.random_streams:
        return function.body
    return _block(function.body, program, dict(program.random_streams))


def _is_prange_loop(stmt: ast.stmt, program: Program) -> bool:
    if not (isinstance(stmt, ast.For) and isinstance(stmt.iter, ast.Call) and isinstance(stmt.iter.func, ast.Name)):
        return False
    symbol = program.symbol(stmt.iter.func.id)
    return symbol is not None and symbol.kind is Kind.PRANGE


class _Rename(ast.NodeTransformer):
    def __init__(self, mapping: dict[str, str]):
        self.mapping = mapping

    def visit_Name(self, node: ast.Name) -> ast.Name:
        return ast.Name(self.mapping.get(node.id, node.id), node.ctx)


def _block(body: list[ast.stmt], program: Program, streams: dict[str, str]) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for stmt in body:
        if not _is_prange_loop(stmt, program):
            for block in ("body", "orelse"):
                if isinstance(getattr(stmt, block, None), list) and getattr(stmt, block):
                    setattr(stmt, block, _block(getattr(stmt, block), program, streams))
            out.append(stmt)
            continue
        words = {n.id for s in stmt.body for n in ast.walk(s) if isinstance(n, ast.Name)}
        used = [(key, counter) for key, counter in streams.items() if key in words or counter in words]
        if not used:
            stmt.body = _block(stmt.body, program, streams)
            out.append(stmt)
            continue
        pick_key = program.inject("_bm_prange_key", backend_random.prange_key,
                                  "brainpy_math_numba.random.prange_key", Kind.RANDOM)
        pick_stream = program.inject("_bm_prange_stream", backend_random.prange_stream,
                                     "brainpy_math_numba.random.prange_stream", Kind.PURE)
        origin = origin_of(stmt)
        index = stmt.target
        renames: dict[str, str] = {}
        top: list[ast.stmt] = []
        for key, counter in used:
            loop_key = program.names.new(Role.STREAM)
            sub_key, sub_counter = program.names.new(Role.STREAM), program.names.new(Role.STREAM)
            out.append(at(ast.Assign([ast.Name(loop_key, ast.Store())], call(pick_key, [name(key), name(counter)])),
                          origin))
            target = ast.Tuple([ast.Name(sub_key, ast.Store()), ast.Name(sub_counter, ast.Store())], ast.Store())
            top.append(at(ast.Assign([target], call(pick_stream, [name(loop_key), copy.deepcopy(index)])), origin))
            renames[key], renames[counter] = sub_key, sub_counter
        rename = _Rename(renames)
        renamed = [rename.visit(s) for s in stmt.body]
        inner = {renames.get(key, key): renames.get(counter, counter) for key, counter in streams.items()}
        stmt.body = top + _block(renamed, program, inner)
        out.append(stmt)
    return out
