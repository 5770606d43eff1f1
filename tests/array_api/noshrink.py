"""A pytest plugin for the Array API suite: Hypothesis reports the first failing example unshrunk.

Shrinking a failing example costs minutes per failing test on two cores and does not change
whether a test passes, so the project's runner loads this plugin (``-p noshrink``).
"""
from __future__ import annotations

import pytest
from hypothesis import Phase, settings


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    # The suite's conftest registered and loaded its profile already; derive one without shrinking.
    settings.register_profile("array-api-tests-noshrink", parent=settings.default,
                              phases=[Phase.explicit, Phase.reuse, Phase.generate])
    settings.load_profile("array-api-tests-noshrink")
