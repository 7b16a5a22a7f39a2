"""Helpers shared by CLI commands: option parsing with field-named errors, JSON output,
the file-only plotting backend.

Imports only the standard library and ``xposim.errors`` at module level: every command
module imports this one, and ``xposim --help`` must stay fast (tests/test_startup.py).
"""

from __future__ import annotations

import json
import math
import sys
from typing import TYPE_CHECKING, Any

from xposim.errors import InputError

if TYPE_CHECKING:
    from xposim.model.overrides import Override

#: Help text of the ``--set`` option every simulation command takes.
SET_HELP = ("NAME=VALUE[unit]: run with a model parameter changed (repeatable; names as in "
            "`xposim params`, e.g. XPO1_total0=0.9uM or GR_sel_emax=0; no unit = the "
            "parameter's own unit)")


def parse_set_options(items: list[str] | None) -> tuple[Override, ...]:
    """The ``--set NAME=VALUE[unit]`` options of a command, parsed once for every command
    (the model that runs checks the names and converts the units)."""
    from xposim.model.overrides import parse_overrides

    return parse_overrides(items or [])


def parse_drug_concentration(text: str, *, field: str = "drug") -> tuple[str, float]:
    """``"selinexor=100nM"`` -> ("selinexor", 100.0); mass units need the drug's MW."""
    from xposim.model.units import concentration_to_nM, parse_quantity
    from xposim.presets.drugs import get_drug

    if "=" not in text:
        raise InputError(field, "must be NAME=CONCENTRATION with a unit, e.g. selinexor=100nM",
                         got=text)
    name, _, qty = text.partition("=")
    drug = get_drug(name)
    value, unit = parse_quantity(qty, field=f"{field} {drug.name}", expect="nM")
    if value < 0:
        raise InputError(f"{field} {drug.name}", "concentration must be >= 0", got=qty)
    return drug.name, concentration_to_nM(value, unit, mw_g_per_mol=drug.mw_g_per_mol,
                                          field=f"{field} {drug.name}")


def print_json(obj: Any) -> None:
    """Print JSON to stdout; NaN/inf are refused (they are never valid results)."""

    def check(x: Any) -> Any:
        if isinstance(x, float) and not math.isfinite(x):
            raise InputError("result", "non-finite value in output", got=x)
        if isinstance(x, dict):
            return {k: check(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [check(v) for v in x]
        return x

    sys.stdout.write(json.dumps(check(obj), indent=2) + "\n")


def use_file_backend() -> None:
    """Select matplotlib's Agg backend before a command draws figures to files.

    Only the CLI does this: it writes figures and never shows them. Library modules leave
    the backend to the user (switching it at import would break inline plots in Jupyter).
    """
    import matplotlib

    matplotlib.use("Agg")
