"""Parametrize cases with the model's recorded misses as strict xfails (shared by the
trial validation, prediction and APEX tests; each keeps its table of misses beside its
cases, with the measured value as the reason)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import pytest


def case_or_known_miss(case: tuple, key: Hashable, misses: Mapping[Hashable, str]) -> object:
    """``case`` as it is, or as a strict xfail whose reason is ``misses[key]``."""
    if key in misses:
        return pytest.param(*case, marks=pytest.mark.xfail(strict=True, reason=misses[key]))
    return case
