"""Reading preset files (TOML shipped inside the package) into validated objects.

Layout (see docs/kernel.md, "Where parameters live"):

- ``presets/params/<module>.toml``: the parameters of one model module (value, unit,
  source, kind, bounds, description), read by that module's code, which holds only
  equations. A file may define ``[references]``: named citations that sources quote as
  ``{NAME}``.
- ``presets/calibrated/<calibration>.toml``: estimates written by ``xposim calibrate``
  (never by hand). A parameter whose entry says ``calibration = "NAME"`` takes its value
  (and, when calibrated, ``fitted_to``) from there.
- ``presets/*.toml``: cell lines, drugs, label regimens.

A parameter entry is a table ``{value, unit, source, kind, fitted_to?, bounds?,
description?, calibration?, estimate?}``; :func:`parameter_from_toml` turns it into a
:class:`~xposim.model.Parameter`, naming the file and key on any error.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from xposim.errors import ModelError
from xposim.model.components import Parameter

_PARAMETER_KEYS = {"value", "unit", "source", "kind", "fitted_to", "bounds", "description",
                   "calibration", "estimate"}
_REFERENCE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_FILE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def read_packaged_toml(package: str, relative: str) -> Mapping[str, Any]:
    """Parse the TOML data file ``relative`` (``/``-separated) shipped in ``package``; a
    missing or malformed file is a :class:`ModelError` naming it. The one reader of the
    package's data files (presets, disease and patient tables)."""
    where = f"{package.replace('.', '/')}/{relative}"
    node = resources.files(package)
    for part in relative.split("/"):
        node = node.joinpath(part)
    try:
        text = node.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ModelError(f"{where}: no such data file") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(f"{where}: {exc}") from exc


def _read(relative: str) -> Mapping[str, Any]:
    if not all(_FILE_NAME.match(p) for p in relative.split("/")):
        raise ModelError(f"presets/{relative}: not a preset file name")
    return read_packaged_toml("xposim.presets", relative)


@cache
def load_preset_file(filename: str) -> Mapping[str, Any]:
    """Parse a TOML file shipped in ``xposim/presets`` (cached; treat as read-only).

    ``filename`` may name a sub-folder, e.g. ``"params/fate.toml"``.
    """
    return _read(filename)


def resolve_references(text: str, references: Mapping[str, str], where: str) -> str:
    """Replace each ``{NAME}`` in ``text`` by ``references[NAME]``."""

    def sub(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in references:
            raise ModelError(f"{where}: unknown reference {{{key}}}; the file's "
                             f"[references] has {sorted(references)}")
        return references[key]

    return _REFERENCE.sub(sub, text)


@cache
def stored_estimates(calibration: str) -> Mapping[str, Any]:
    """The estimates file ``presets/calibrated/<calibration>.toml`` written by
    ``xposim calibrate`` (validated: a ``[calibration]`` record and ``[estimates]``)."""
    where = f"presets/calibrated/{calibration}.toml"
    data = _read(f"calibrated/{calibration}.toml")
    for key in ("calibration", "estimates", "targets"):
        if not isinstance(data.get(key), Mapping):
            raise ModelError(f"{where}: missing table [{key}] (rerun xposim calibrate "
                             f"{calibration})")
    if data["calibration"].get("name") != calibration:
        raise ModelError(f"{where}: written for calibration "
                         f"{data['calibration'].get('name')!r}, not {calibration!r}")
    for name, entry in data["estimates"].items():
        if not isinstance(entry, Mapping) or not {"value", "unit"} <= set(entry):
            raise ModelError(f"{where}: [estimates.{name}] needs value and unit")
    return data


def _calibrated_value(name: str, entry: Mapping[str, Any], where: str,
                      ) -> tuple[float, str]:
    """(value, fitted_to) of a parameter whose value a calibration stores."""
    calibration = entry["calibration"]
    key = entry.get("estimate", name)
    if "value" in entry:
        raise ModelError(f"{where}.{name}: give either value or calibration, not both (the "
                         f"value is written by xposim calibrate {calibration})")
    stored = stored_estimates(calibration)
    estimates = stored["estimates"]
    if key not in estimates:
        raise ModelError(f"{where}.{name}: presets/calibrated/{calibration}.toml has no "
                         f"estimate {key!r}; run xposim calibrate {calibration}")
    est = estimates[key]
    if est["unit"] != entry["unit"]:
        raise ModelError(f"{where}.{name}: unit {entry['unit']!r} differs from the stored "
                         f"estimate's {est['unit']!r} (presets/calibrated/{calibration}.toml)")
    fitted_to = str(est.get("fitted_to") or stored["calibration"].get("fitted_to", ""))
    return est["value"], fitted_to


def parameter_from_toml(name: str, entry: Mapping[str, Any], where: str,
                        references: Mapping[str, str] | None = None) -> Parameter:
    """Build a Parameter from a TOML table, with the location in any error message.

    ``{NAME}`` in ``source``/``fitted_to``/``description`` is replaced from
    ``references``; ``calibration = "C"`` takes the value (and ``fitted_to``) from the
    stored estimates of calibration ``C`` (``estimate`` names the estimate when it differs
    from ``name``).
    """
    if not isinstance(entry, Mapping):
        raise ModelError(f"{where}.{name}: expected a table {{value, unit, source, kind}}")
    unknown = set(entry) - _PARAMETER_KEYS
    if unknown:
        raise ModelError(f"{where}.{name}: unknown keys {sorted(unknown)}")
    refs = references or {}
    try:
        text = {k: resolve_references(str(entry.get(k, "")), refs, f"{where}.{name}.{k}")
                for k in ("source", "fitted_to", "description")}
        if "calibration" in entry:
            if entry["kind"] not in ("calibrated", "derived"):
                raise ModelError(f"{where}.{name}: only calibrated or derived parameters "
                                 f"take their value from a calibration, got kind "
                                 f"{entry['kind']!r}")
            value, fitted_to = _calibrated_value(name, entry, where)
            if entry["kind"] == "calibrated" and not text["fitted_to"]:
                text["fitted_to"] = fitted_to
        else:
            if "estimate" in entry:
                raise ModelError(f"{where}.{name}: 'estimate' needs 'calibration'")
            if entry.get("kind") == "calibrated":
                raise ModelError(f"{where}.{name}: a calibrated value must come from "
                                 "xposim calibrate: name its calibration "
                                 "(calibration = \"NAME\") instead of a value")
            value = entry["value"]
        bounds = entry.get("bounds")
        return Parameter(name=name, value=value, unit=entry["unit"],
                         source=entry["source"] and text["source"], kind=entry["kind"],
                         description=text["description"],
                         bounds=tuple(bounds) if bounds is not None else None,
                         fitted_to=text["fitted_to"])
    except KeyError as exc:
        raise ModelError(f"{where}.{name}: missing key {exc.args[0]!r}") from exc
    except ModelError as exc:
        if str(exc).startswith(where):
            raise
        raise ModelError(f"{where}: {exc}") from exc


@dataclass(frozen=True)
class ParameterFile:
    """The parameters of one model module, from ``presets/params/<name>.toml``.

    ``[references]`` holds named citations; ``[parameters.<name>]`` the parameters in
    file order; any other top-level table is module-specific data (``data``).
    """

    name: str
    references: Mapping[str, str]
    entries: Mapping[str, Mapping[str, Any]]
    data: Mapping[str, Any]

    @property
    def where(self) -> str:
        return f"presets/params/{self.name}.toml"

    def parameter(self, name: str) -> Parameter:
        if name not in self.entries:
            raise ModelError(f"{self.where}: no parameter {name!r}")
        return parameter_from_toml(name, self.entries[name], f"{self.where} [parameters]",
                                   self.references)

    def parameters(self, *names: str) -> tuple[Parameter, ...]:
        """The named parameters (all, in file order, when none are named)."""
        return tuple(self.parameter(n) for n in (names or tuple(self.entries)))

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def reference(self, key: str) -> str:
        if key not in self.references:
            raise ModelError(f"{self.where}: no reference {key!r}")
        return self.references[key]

    def text(self, value: str, where: str) -> str:
        """``value`` with its ``{NAME}`` references resolved."""
        return resolve_references(value, self.references, f"{self.where} {where}")


@cache
def parameter_file(name: str) -> ParameterFile:
    """Load and validate ``presets/params/<name>.toml`` (cached)."""
    where = f"presets/params/{name}.toml"
    raw = load_preset_file(f"params/{name}.toml")
    refs = raw.get("references", {})
    if not isinstance(refs, Mapping) or not all(isinstance(v, str) for v in refs.values()):
        raise ModelError(f"{where}: [references] must map names to citation strings")
    entries = raw.get("parameters", {})
    if not isinstance(entries, Mapping):
        raise ModelError(f"{where}: [parameters] must be a table of parameter tables")
    pf = ParameterFile(name, dict(refs), dict(entries),
                       {k: v for k, v in raw.items() if k not in ("references", "parameters")})
    pf.parameters()  # validate every entry now, naming the file on error
    return pf
