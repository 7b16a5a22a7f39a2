"""Hypothesis profiles: CI replays a fixed sequence of examples (a red build is always
reproducible, never a lucky draw); `make validate` (XPOSIM_HYPOTHESIS_EXAMPLES set) explores
new random examples each run."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("explore" if os.environ.get("XPOSIM_HYPOTHESIS_EXAMPLES") else "ci")
