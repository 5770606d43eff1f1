"""The numba backend's public random kernels, built from one table (``brainpy_math_numba.random.draws``)."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

numba = pytest.importorskip("numba")

import brainpy_math as bm  # noqa: E402
import brainpy_math.random as frontend  # noqa: E402

pytestmark = pytest.mark.needs_backends("numba")


@pytest.fixture
def draws():
    return bm._backend.load("numba").random.draws


def _after_state(signature: inspect.Signature, skip: int) -> list[tuple]:
    # `key=` (BrainPy's: draw from that key, not the state's stream) is refused by the compiler before a
    # call is bound against a kernel (NotImplementedError, checked in test_brainpy_random_names.py), so
    # the kernels do not take it.
    return [(p.name, p.kind, p.default) for p in list(signature.parameters.values())[skip:] if p.name != "key"]


def test_every_kernel_takes_the_frontend_methods_parameters(draws):
    """Code compiled by the numba backend binds a call against the kernel's signature: the names,
    kinds and defaults must be those of ``bm.random.<name>``."""
    checked = 0
    for name in frontend.FORWARDED:
        if name == "seed":  # the kernel reseeds from an int; None (entropy) is drawn on the host
            continue
        kernel = draws.compiled(name)
        method = _after_state(inspect.signature(getattr(frontend.RandomState, name)), 1)
        if name == "split_key":  # BrainPy's split_key(n) is lowered to the split_keys kernel (jit/calls.py)
            assert method[0][0] == "n" and "n" in inspect.signature(draws.compiled("split_keys").py_func).parameters
            method = method[1:]
        assert _after_state(inspect.signature(kernel.py_func), 2) == method, name
        checked += 1
    assert checked == len(frontend.FORWARDED) - 1
    assert set(draws.KERNEL_NAMES) == set(frontend.FORWARDED)


def test_kernels_are_cached_njit_functions_one_per_dtype_policy(draws):
    narrow = {name: draws.compiled(name) for name in draws.KERNEL_NAMES}
    bm.enable_x64()
    wide = {name: draws.compiled(name) for name in draws.KERNEL_NAMES}
    for name, kernel in narrow.items():
        assert isinstance(kernel, numba.core.registry.CPUDispatcher), name
        # cache=True: Numba gives the dispatcher an on-disk cache (else a NullCache).
        assert isinstance(kernel._cache, numba.core.caching.FunctionCache), name
        row = draws.ROWS[name]
        assert (kernel is wide[name]) == (not row.tokened), name
        if row.tokened:
            # The token is the kernel's only closure variable: Numba's cache key tells the two apart.
            tokens = [k.py_func.__closure__[0].cell_contents for k in (kernel, wide[name])]
            assert [type(t) for t in tokens] == [np.float32, np.float64], name


def test_a_row_builds_one_call_of_its_draw(draws):
    row = draws.ROWS["randn"]
    assert row.source() == ("def randn(key, counter, *dims):\n"
                            "    return draw(key, counter, 0.0, 1.0, dims, token)\n")
    kernel = draws.build(row, np.float32(0))
    key, counter = np.array([0, 5], np.uint32), np.zeros(2, np.uint32)
    out = kernel(key, counter, 2, 3)
    assert out.shape == (2, 3) and out.dtype == np.float32 and counter.tolist() == [0, 6]


def test_a_row_missing_a_draw_parameter_is_refused(draws):
    row = draws.Draw("broken", draws.dist.normal, (("size", None),), {"loc": "0.0"})
    with pytest.raises(TypeError, match="'broken'.*'scale'"):
        row.source()


def test_eager_broadcast_parameters_are_kernel_parameters(draws):
    for row in draws.DRAWS:
        assert set(row.broadcast) <= set(row.names()), row.name
        if row.broadcast:
            assert "size" in row.names(), row.name
