"""Hypothesis settings for the whole test suite: deterministic, so CI runs are reproducible.

``derandomize=True`` draws the same examples on every run (and every machine), ``database=None``
keeps no example database between runs, ``deadline=None`` because the first call into torch or
a cold cache can take longer than hypothesis's default 200 ms. Set ``HYPOTHESIS_PROFILE=explore``
to draw fresh random examples locally (still without a database).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore",
    derandomize=False,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
