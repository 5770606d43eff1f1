"""The passes, in the order the driver runs them (each takes a function's statements, returns new ones).

Per function, callees before callers, when the program's ``fuse`` option is on (the default):

1. :func:`.scalarize.expand_tuple_assignments` -- ``a, b = x, y`` as two statements;
2. :func:`.inline.inline_calls` -- calls of straight-line generated functions replaced by their bodies;
3. :func:`.inline.propagate_aliases` -- ``V = self.V.value`` removed, uses read the Variable;
4. :func:`remember_inline_body` -- what a caller inlines from this function (before the loops below);
5. :func:`.materialize.materialize_arguments` -- elementwise arguments of pure calls in one loop each;
6. :func:`.fuse.fuse_runs` -- runs of elementwise statements as one loop.

Then, on every function, always:

7. :func:`.prange_streams.split_prange_streams` -- one random stream per ``bm.prange`` iteration;
8. :func:`.stores.call_whole_array_stores` -- ``x[...] = value`` left outside loops as a call of the
   backend's copy (Numba's own compiles its string formatting).

Last, for a ``bm.jit`` entry, :func:`.snapshot.add_snapshot_function` (failure atomicity).
"""
from __future__ import annotations

import ast
import copy
from typing import Callable

from ..ir import Function, Program
from .fuse import array_extent, fuse_runs
from .inline import inline_calls, propagate_aliases
from .materialize import materialize_arguments
from .prange_streams import split_prange_streams
from .scalarize import expand_tuple_assignments
from .snapshot import add_snapshot_function, written_arrays
from .stores import call_whole_array_stores

__all__ = ["FUSION_PASSES", "PROGRAM_PASSES", "add_snapshot_function", "written_arrays", "array_extent",
           "Pass"]

Pass = Callable[[Function, Program], list[ast.stmt]]


def expand_tuples(function: Function, program: Program) -> list[ast.stmt]:
    return expand_tuple_assignments(function.body)


def remember_inline_body(function: Function, program: Program) -> list[ast.stmt]:
    function.inline_body = copy.deepcopy(function.body)
    return function.body


FUSION_PASSES: tuple[Pass, ...] = (expand_tuples, inline_calls, propagate_aliases, remember_inline_body,
                                   materialize_arguments, fuse_runs)
PROGRAM_PASSES: tuple[Pass, ...] = (split_prange_streams, call_whole_array_stores)
