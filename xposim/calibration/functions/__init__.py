"""The target functions a calibration declaration can name (``function = "..."``).

Each takes a :class:`~xposim.calibration.context.Context` (trial values and fixed
overrides) and the target's ``args``, and returns named figures; a target picks one with
``figure``. Targets with the same function and arguments share one call per evaluation.
The table is explicit (no registration at import): a declaration naming anything else is
refused when it is checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from xposim.calibration.context import Context

TargetFunction = Callable[..., Mapping[str, Any]]


def _table() -> Mapping[str, TargetFunction]:
    from xposim.calibration.functions import cell, pk, target_engagement, transport, trial

    return MappingProxyType({
        "export_core_untreated": transport.export_core_untreated,
        "reduced_vs_detailed": transport.reduced_vs_detailed,
        "single_dose_occupancy": target_engagement.single_dose_occupancy,
        "parameter_ratio": target_engagement.parameter_ratio,
        "pk_single_dose": pk.pk_single_dose,
        "pk_population_cv": pk.pk_population_cv,
        "bortezomib_label_figures": pk.bortezomib_label_figures,
        "ic50": cell.ic50,
        "ic50_ratio": cell.ic50_ratio,
        "g1_arrest": cell.g1_arrest,
        "fate_readouts": cell.fate_readouts,
        "trial_endpoints": trial.trial_endpoints,
    })


def target_function_names() -> tuple[str, ...]:
    return tuple(sorted(_table()))


def get_target_function(name: str) -> TargetFunction:
    """The function registered as ``name``; KeyError-free: ValueError lists the names."""
    table = _table()
    if name not in table:
        raise ValueError(f"unknown target function {name!r}; known: "
                         f"{', '.join(sorted(table))}")
    return table[name]


__all__ = ["Context", "TargetFunction", "get_target_function", "target_function_names"]
