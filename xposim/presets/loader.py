"""Reading preset files (TOML shipped inside the package) into validated objects.

A parameter entry in a preset is a table ``{value, unit, source, kind, fitted_to?,
bounds?, description?}``; :func:`parameter_from_toml` turns it into a
:class:`~xposim.model.Parameter`, naming the file and key on any error.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from xposim.errors import ModelError
from xposim.model.components import Parameter


@cache
def load_preset_file(filename: str) -> Mapping[str, Any]:
    """Parse a TOML file shipped in ``xposim/presets`` (cached; treat as read-only)."""
    text = resources.files("xposim.presets").joinpath(filename).read_text(encoding="utf-8")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(f"presets/{filename}: {exc}") from exc


def parameter_from_toml(name: str, entry: Mapping[str, Any], where: str) -> Parameter:
    """Build a Parameter from a TOML table, with the location in any error message."""
    if not isinstance(entry, Mapping):
        raise ModelError(f"{where}.{name}: expected a table {{value, unit, source, kind}}")
    unknown = set(entry) - {"value", "unit", "source", "kind", "fitted_to", "bounds",
                            "description"}
    if unknown:
        raise ModelError(f"{where}.{name}: unknown keys {sorted(unknown)}")
    try:
        bounds = entry.get("bounds")
        return Parameter(name=name, value=entry["value"], unit=entry["unit"],
                         source=entry["source"], kind=entry["kind"],
                         description=entry.get("description", ""),
                         bounds=tuple(bounds) if bounds is not None else None,
                         fitted_to=entry.get("fitted_to", ""))
    except KeyError as exc:
        raise ModelError(f"{where}.{name}: missing key {exc.args[0]!r}") from exc
    except ModelError as exc:
        raise ModelError(f"{where}: {exc}") from exc
