"""bm.jit on the numba backend: code outside the supported subset fails clearly, never silently."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

import brainpy_math as bm  # noqa: E402

import _numba_jit_models as models  # noqa: E402


@pytest.fixture(autouse=True)
def _numba():
    with bm.set_backend("numba"):
        yield


@pytest.fixture(scope="module")
def holder():
    with bm.set_backend("numba"):
        return models.HoldsObject()


def _located(message: str, text: str) -> None:
    assert "_numba_jit_models.py:" in message, message
    assert text in message, message


def test_an_attribute_that_is_no_array_scalar_or_base_names_file_line_and_fix(holder):
    with pytest.raises(TypeError) as info:
        bm.jit(holder.uses_object)()
    _located(str(info.value), "self.V += self.thing")
    assert "builtins.object" in str(info.value) and "bm.Variable" in str(info.value)


def test_assigning_a_scalar_attribute_is_an_error_not_a_dead_local(holder):
    with pytest.raises(TypeError) as info:
        bm.jit(holder.assigns_scalar)()
    _located(str(info.value), "self.scale = 3.0")
    assert "Make self.scale a bm.Variable" in str(info.value)
    assert holder.scale == 2.0


def test_printing_an_object_is_refused(holder):
    with pytest.raises(TypeError) as info:
        bm.jit(holder.prints_self)()
    _located(str(info.value), "print(self)")


def test_a_try_block_is_refused(holder):
    before = holder.V.value.copy()
    with pytest.raises(NotImplementedError) as info:
        bm.jit(holder.has_try)()
    _located(str(info.value), "try:")
    assert "a try block is not supported" in str(info.value)
    np.testing.assert_array_equal(holder.V.value, before)


def test_a_numba_typing_error_is_reported_with_the_model_line(holder):
    f = bm.jit(holder.bad_typing)
    with pytest.raises(TypeError) as info:
        f()
    message = str(info.value)
    _located(message, "self.V += self.V.no_such_method()")
    assert "Numba says" in message and "Generated source" in message


def test_a_python_container_value_is_refused(holder):
    with pytest.raises(TypeError) as info:
        bm.jit(holder.uses_dict)()
    _located(str(info.value), "return self.table")


def test_a_lambda_inside_compiled_code_is_refused(holder):
    with pytest.raises(NotImplementedError) as info:
        bm.jit(holder.lambda_inside)()
    _located(str(info.value), "f = lambda x: x")


def test_autodiff_inside_compiled_code_is_refused(holder):
    with pytest.raises(NotImplementedError) as info:
        bm.jit(holder.calls_grad)()
    assert "no autodiff/vectorising transform" in str(info.value)


@pytest.mark.parametrize("name", ["grad", "value_and_grad", "vector_grad", "jacobian", "jacrev", "jacfwd",
                                  "hessian", "vmap", "pmap"])
def test_autodiff_and_vectorising_transforms_are_not_implemented(name):
    with pytest.raises(NotImplementedError, match=f"bm.{name} .*numba backend.*jax backend"):
        getattr(bm, name)(lambda x: (x ** 2).sum())


def test_bad_arguments_of_jit():
    with pytest.raises(TypeError, match="argument 'f'"):
        bm.jit(42)
    with pytest.raises(TypeError, match="unknown option"):
        bm.jit(lambda x: x, fastmaths=True)
    with pytest.raises(ValueError, match="static_argnums"):
        bm.jit(lambda x: x, static_argnums=3)
    with pytest.raises(ValueError, match="static_argnames"):
        bm.jit(lambda x: x, static_argnames="y")
    with pytest.raises(TypeError, match="dyn_vars"):
        bm.jit(lambda x: x, dyn_vars=[1])


def test_wrong_call_arguments_of_a_nested_method():
    class Caller(bm.Base):
        def __init__(self):
            super().__init__()
            self.leaky = models.Leaky(2)

        def __call__(self):
            return self.leaky.update(1.0, 2.0)

    with pytest.raises(TypeError, match=r"self\.leaky\.update\(1\.0, 2\.0\).*too many"):
        bm.jit(Caller())()


def test_recursion_is_refused():
    def fact(n):
        return 1 if n <= 1 else n * fact(n - 1)

    with pytest.raises(NotImplementedError, match="calls itself"):
        bm.jit(fact)(3)


def test_unsupported_statements_name_the_construct():
    def with_del(x):
        y = x
        del y
        return x

    with pytest.raises(NotImplementedError, match="del is not supported"):
        bm.jit(with_del)(bm.ones(2))


def test_an_argument_numba_cannot_type_is_named():
    def identity(x):
        return x

    with pytest.raises(TypeError, match="an argument has a type Numba cannot compile") as info:
        bm.jit(identity)({"a": 1})
    assert "identity" in str(info.value) and "argument 0" in str(info.value)


def test_for_loop_inside_compiled_code_says_to_write_a_loop():
    def body(x):
        return x

    def outer(xs):
        return bm.for_loop(body, xs)

    with pytest.raises(NotImplementedError, match=r"bm.for_loop inside a method compiled.*for i in range"):
        bm.jit(outer)(bm.ones(3))
