"""A pytest plugin for the Array API suite: a pinned seed draws the same examples on every run.

With ``--hypothesis-seed`` alone, two things still changed the examples from one run to the next:

* the special-case tests (``test_special_cases.py``: test_unary/test_binary/test_iop, 45% of the
  suite) are not ``@given`` tests: each draws ONE value with ``strategy.example()``, which picks it
  with the global ``random`` module, seeded from the OS at start-up. This plugin seeds ``random``
  before each test from the Hypothesis seed and the test's id, so a test draws the same value on
  every run, alone or in the whole suite, under pytest-xdist, and for any array module;
* Hypothesis mixes into its draws the literal constants of every "local" module (outside
  site-packages and the standard library) imported so far - brainpy_math's own source included. So
  the examples changed with every edit of brainpy_math, with the order of the tests, between xdist
  workers, and differed from those drawn for numpy or jax.numpy (so "fails on the wrapped library
  too" compared different inputs). This plugin turns local constants off (a private hook of
  Hypothesis; a warning if it is gone); Hypothesis' built-in constants (0, -0.0, inf, nan, the
  dtype bounds, ...) are still drawn.

The project's runner (``run_suite.py``) loads it with ``-p fixed_examples``.
"""
from __future__ import annotations

import random
import warnings

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    try:
        from hypothesis.internal.conjecture import providers
        empty = providers.Constants()
        providers._get_local_constants   # noqa: B018  (the private hook this plugin replaces)
    except (ImportError, AttributeError, TypeError) as error:   # a Hypothesis without the hook
        warnings.warn(f"fixed_examples: cannot turn off Hypothesis' local constants ({error!r}); "
                      f"examples may depend on the source of the tested library", stacklevel=1)
        return
    providers._get_local_constants = lambda: empty


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    seed = item.config.getoption("hypothesis_seed", None)
    random.seed(f"{seed}:{item.nodeid}")
