"""Hypothesis profiles for the whole suite.

``unit`` (the default) keeps the property tests inside the fast tier's time budget; ``mutation``
(set by ``make mutate``) is derandomised, so a mutant is killed or survives the same way on every
run, and keeps no example database between runs; ``thorough`` is for a long local hunt:
``PURNA_HYPOTHESIS_PROFILE=thorough make test-unit``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "unit", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "mutation",
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("PURNA_HYPOTHESIS_PROFILE", "unit"))
