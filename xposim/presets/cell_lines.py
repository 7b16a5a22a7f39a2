"""Cell-line presets (presets/cell_lines.toml), validated on load."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from xposim.biology.transport import CellVolumes
from xposim.errors import InputError, ModelError
from xposim.model.components import Parameter
from xposim.presets.loader import load_preset_file, parameter_from_toml

_KEYS = {"description", "lineage", "malignant", "distinguishing", "sources", "xpo1_c528s",
         "volumes", "attributes", "parameters"}


@dataclass(frozen=True)
class CellLine:
    """A named cell preset: what distinguishes it, and the parameter values it changes."""

    name: str
    description: str
    lineage: str
    malignant: bool
    distinguishing: str
    sources: tuple[str, ...]
    parameters: tuple[Parameter, ...] = ()
    xpo1_c528s: bool = False
    volumes: CellVolumes = field(default_factory=CellVolumes)
    attributes: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not self.sources:
            raise ModelError(f"cell line {self.name}: at least one source is required")
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            raise ModelError(f"cell line {self.name}: a parameter is set twice")

    def attribute(self, key: str, default: str = "") -> str:
        return dict(self.attributes).get(key, default)


def _build(name: str, entry: Mapping[str, Any]) -> CellLine:
    where = f"presets/cell_lines.toml [{name}]"
    unknown = set(entry) - _KEYS
    if unknown:
        raise ModelError(f"{where}: unknown keys {sorted(unknown)}")
    try:
        vol = entry.get("volumes")
        volumes = CellVolumes(**vol) if vol else CellVolumes()
        params = tuple(parameter_from_toml(k, v, f"{where}.parameters")
                       for k, v in entry.get("parameters", {}).items())
        return CellLine(name=name, description=entry["description"], lineage=entry["lineage"],
                        malignant=bool(entry["malignant"]),
                        distinguishing=entry["distinguishing"],
                        sources=tuple(entry["sources"]), parameters=params,
                        xpo1_c528s=bool(entry.get("xpo1_c528s", False)), volumes=volumes,
                        attributes=tuple((str(k), str(v)) for k, v in
                                         entry.get("attributes", {}).items()))
    except KeyError as exc:
        raise ModelError(f"{where}: missing key {exc.args[0]!r}") from exc
    except TypeError as exc:
        raise ModelError(f"{where}: {exc}") from exc


def cell_line_names() -> tuple[str, ...]:
    return tuple(load_preset_file("cell_lines.toml"))


def all_cell_lines() -> tuple[CellLine, ...]:
    return tuple(_build(n, e) for n, e in load_preset_file("cell_lines.toml").items())


def get_cell_line(name: str) -> CellLine:
    """Look up a preset by name (case-insensitive); InputError lists the choices."""
    table = load_preset_file("cell_lines.toml")
    key = name.strip().lower()
    for preset, entry in table.items():
        if preset.lower() == key:
            return _build(preset, entry)
    raise InputError("cell-line", f"unknown cell line; known: {', '.join(table)}", got=name)
