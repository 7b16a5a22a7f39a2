"""Cell-line presets (presets/cell_lines.toml), validated on load."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from xposim.errors import InputError, ModelError
from xposim.model.components import Parameter, cites_measurement
from xposim.presets.loader import load_preset_file, parameter_from_toml

_KEYS = {"description", "lineage", "malignant", "distinguishing", "sources", "xpo1_c528s",
         "volumes", "attributes", "parameters", "biology"}

P53_STATUS = ("wild-type", "mutant", "null")
LINEAGES = ("normal", "myeloma", "dlbcl")
_BIOLOGY_KEYS = {"p53_status", "doubling_time_h", "apoptotic_priming", "oncogenic_drive",
                 "oncogene_addiction", "gr_level", "nfkb_dependence", "eif4e_level",
                 "pi_resistance_fold", "facts", "kinds", "ranges"}
#: Fields that are relative to the line's own parental line: 1 there by definition.
_SELF_RELATIVE = {"eif4e_level": 1.0, "pi_resistance_fold": 1.0}
_FACT_KINDS = ("measured", "assumed", "convention")


def _number(where: str, field: str, value: object, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            math.isfinite(value) and lo <= value <= hi):
        raise ModelError(f"{where}: {field} must be a number in [{lo:g}, {hi:g}], got "
                         f"{value!r}")
    return float(value)


@dataclass(frozen=True)
class Volumes:
    """Nuclear and cytoplasmic volumes of a cell (pL) with their source: plain data that
    the biology layer turns into model compartments (``biology.transport.CellVolumes``)."""

    nucleus_pL: float
    cytoplasm_pL: float
    source: str

    def __post_init__(self) -> None:
        for name in ("nucleus_pL", "cytoplasm_pL"):
            v = getattr(self, name)
            if isinstance(v, bool) or not (isinstance(v, int | float) and math.isfinite(v)
                                           and 0 < v < 100):
                raise ModelError(f"cell volumes: {name} must be in (0, 100) pL, got {v!r}")
            object.__setattr__(self, name, float(v))
        if not isinstance(self.source, str) or not self.source.strip():
            raise ModelError("cell volumes: source must name where the volumes come from")

    @staticmethod
    def reference() -> Volumes:
        """The reference (HeLa) geometry of presets/params/geometry.toml."""
        entry = load_preset_file("params/geometry.toml").get("reference")
        return _volumes(entry, "presets/params/geometry.toml [reference]")


def _volumes(entry: object, where: str) -> Volumes:
    if not isinstance(entry, Mapping):
        raise ModelError(f"{where}: expected a table {{nucleus_pL, cytoplasm_pL, source}}")
    unknown = set(entry) - {"nucleus_pL", "cytoplasm_pL", "source"}
    if unknown:
        raise ModelError(f"{where}: unknown keys {sorted(unknown)}")
    try:
        return Volumes(entry["nucleus_pL"], entry["cytoplasm_pL"], entry["source"])
    except KeyError as exc:
        raise ModelError(f"{where}: missing key {exc.args[0]!r}") from exc
    except ModelError as exc:
        raise ModelError(f"{where}: {exc}") from exc


@dataclass(frozen=True)
class CellBiology:
    """What distinguishes a line downstream of XPO1, each a model input with a unit.

    ``p53_status``: wild-type / mutant / null (mutant and null carry no p53
    transcriptional function); ``doubling_time_h``: untreated doubling time (h), ``None`` for
    non-dividing cells (resting PBMC); ``apoptotic_priming``: mitochondrial priming relative
    to the reference myeloma line (0-3, BH3 profiling); ``oncogenic_drive``: oncogene-driven
    replication relative to it (0-1; 0 = non-transformed); ``oncogene_addiction``: dependence
    of division and survival on XPO1/eIF4E-exported oncoproteins (0-1); ``gr_level``:
    glucocorticoid receptor relative to MM.1S (0-3); ``nfkb_dependence``: 0-1;
    ``eif4e_level``: eIF4E relative to the parental line (0.1-20); ``pi_resistance_fold``:
    rise of the cellular bortezomib IC50 (>= 1; 1 = PI-sensitive). ``facts``: field ->
    citation; ``kinds``: field -> provenance kind where the citation alone does not say it
    (e.g. ``convention`` for a reference level); ``ranges``: field -> (low, high), the
    plausible range of an assumed value (what sensitivity analyses scan).
    """

    p53_status: str = "wild-type"
    doubling_time_h: float | None = 30.0
    apoptotic_priming: float = 1.0
    oncogenic_drive: float = 1.0
    oncogene_addiction: float = 1.0
    gr_level: float = 1.0
    nfkb_dependence: float = 0.5
    eif4e_level: float = 1.0
    pi_resistance_fold: float = 1.0
    facts: tuple[tuple[str, str], ...] = ()
    kinds: tuple[tuple[str, str], ...] = ()
    ranges: tuple[tuple[str, tuple[float, float]], ...] = ()
    where: str = "cell line"

    def __post_init__(self) -> None:
        w = self.where
        if self.p53_status not in P53_STATUS:
            raise ModelError(f"{w}: p53_status must be one of {P53_STATUS}, got "
                             f"{self.p53_status!r}")
        if self.doubling_time_h is not None:
            _number(w, "doubling_time_h", self.doubling_time_h, 10.0, 1000.0)
        _number(w, "apoptotic_priming", self.apoptotic_priming, 0.0, 3.0)
        _number(w, "oncogenic_drive", self.oncogenic_drive, 0.0, 1.0)
        _number(w, "oncogene_addiction", self.oncogene_addiction, 0.0, 1.0)
        _number(w, "gr_level", self.gr_level, 0.0, 3.0)
        _number(w, "nfkb_dependence", self.nfkb_dependence, 0.0, 1.0)
        _number(w, "eif4e_level", self.eif4e_level, 0.1, 20.0)
        _number(w, "pi_resistance_fold", self.pi_resistance_fold, 1.0, 1000.0)
        fields = _BIOLOGY_KEYS - {"facts", "kinds", "ranges"}
        unknown = {k for k, _ in self.facts} - fields - {"xpo1"}
        if unknown:
            raise ModelError(f"{w}: facts for unknown fields {sorted(unknown)}")
        unknown = {k for k, _ in self.kinds} - fields
        if unknown:
            raise ModelError(f"{w}: kinds for unknown fields {sorted(unknown)}")
        for key, (lo, hi) in self.ranges:
            if key not in fields or key in ("p53_status", "doubling_time_h"):
                raise ModelError(f"{w}: ranges.{key}: not a numeric biology field")
            value = getattr(self, key)
            if not (math.isfinite(lo) and math.isfinite(hi) and lo <= value <= hi):
                raise ModelError(f"{w}: ranges.{key} must be [low, high] around the value "
                                 f"{value}, got [{lo}, {hi}]")
        for key, kind in self.kinds:
            if kind not in _FACT_KINDS:
                raise ModelError(f"{w}: kinds.{key} must be one of {_FACT_KINDS}, got "
                                 f"{kind!r}")
            if kind == "measured" and not cites_measurement(self.fact(key)):
                raise ModelError(f"{w}: kinds.{key} = 'measured' needs a fact citing the "
                                 f"measurement, got {self.fact(key)!r}")

    @property
    def p53_function(self) -> float:
        return 1.0 if self.p53_status == "wild-type" else 0.0

    def fact(self, field: str) -> str:
        return dict(self.facts).get(field, "")

    def range(self, field: str) -> tuple[float, float] | None:
        return dict(self.ranges).get(field)

    def kind(self, field: str, value: float) -> str:
        """Provenance kind of a field: as stated in ``kinds``; else ``measured`` when its
        fact cites a measurement; ``convention`` for a self-relative level at 1 without a
        fact; else ``assumed``."""
        stated = dict(self.kinds).get(field)
        if stated is not None:
            return stated
        fact = self.fact(field)
        if fact and cites_measurement(fact):
            return "measured"
        if not fact and _SELF_RELATIVE.get(field) == value:
            return "convention"
        return "assumed"


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
    volumes: Volumes = field(default_factory=Volumes.reference)
    attributes: tuple[tuple[str, str], ...] = ()
    biology: CellBiology = field(default_factory=CellBiology)

    def __post_init__(self) -> None:
        if self.lineage not in LINEAGES:
            raise ModelError(f"cell line {self.name}: lineage must be one of {LINEAGES}, got "
                             f"{self.lineage!r}")
        if not self.sources:
            raise ModelError(f"cell line {self.name}: at least one source is required")
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            raise ModelError(f"cell line {self.name}: a parameter is set twice")

    def attribute(self, key: str, default: str = "") -> str:
        return dict(self.attributes).get(key, default)

    def model_parameters(self) -> tuple[Parameter, ...]:
        """The line's biology as model parameters (fate, GR, NF-kB, eIF4E modules); a
        builder applies those its model has."""
        b = self.biology
        src = f"preset {self.name} (presets/cell_lines.toml)"

        def par(name: str, value: float, unit: str, key: str, what: str) -> Parameter:
            fact = b.fact(key)
            kind = b.kind(key, value)
            default = "by definition" if kind == "convention" else "assumed"
            return Parameter(name, value, unit, f"{src}: {fact or default}",
                             kind, what, b.range(key))  # type: ignore[arg-type]

        return (
            par("doubling_time", b.doubling_time_h if b.doubling_time_h is not None else 1e7,
                "h", "doubling_time_h", "population doubling time (1e7 h: not dividing)"),
            par("p53_function", b.p53_function, "dimensionless", "p53_status",
                f"TP53 {b.p53_status}"),
            par("apoptotic_priming", b.apoptotic_priming, "dimensionless",
                "apoptotic_priming", "mitochondrial priming relative to the reference "
                "myeloma line"),
            par("oncogenic_drive", b.oncogenic_drive, "dimensionless", "oncogenic_drive",
                "oncogene-driven replication relative to the reference myeloma line"),
            par("oncogene_addiction", b.oncogene_addiction, "dimensionless",
                "oncogene_addiction", "dependence on XPO1/eIF4E-exported oncoproteins"),
            par("GR_level", b.gr_level, "dimensionless", "gr_level",
                "glucocorticoid receptor relative to MM.1S"),
            par("nfkb_dependence", b.nfkb_dependence, "dimensionless", "nfkb_dependence",
                "dependence on NF-kB for survival (0-1)"),
            par("eIF4E_level", b.eif4e_level, "dimensionless", "eif4e_level",
                "eIF4E relative to the parental line"),
            par("pi_resistance", b.pi_resistance_fold, "dimensionless", "pi_resistance_fold",
                "fold rise of the cellular bortezomib IC50 (1 = PI-sensitive)"),
        )


def _build(name: str, entry: Mapping[str, Any]) -> CellLine:
    where = f"presets/cell_lines.toml [{name}]"
    unknown = set(entry) - _KEYS
    if unknown:
        raise ModelError(f"{where}: unknown keys {sorted(unknown)}")
    try:
        vol = entry.get("volumes")
        volumes = _volumes(vol, f"{where}.volumes") if vol else Volumes.reference()
        params = tuple(parameter_from_toml(k, v, f"{where}.parameters")
                       for k, v in entry.get("parameters", {}).items())
        bio = dict(entry.get("biology", {}))
        unknown_bio = set(bio) - _BIOLOGY_KEYS
        if unknown_bio:
            raise ModelError(f"{where}.biology: unknown keys {sorted(unknown_bio)}")
        facts = tuple((str(k), str(v)) for k, v in bio.pop("facts", {}).items())
        kinds = tuple((str(k), str(v)) for k, v in bio.pop("kinds", {}).items())
        try:
            ranges = tuple((str(k), (float(v[0]), float(v[1])))
                           for k, v in bio.pop("ranges", {}).items())
        except (TypeError, ValueError, IndexError) as exc:
            raise ModelError(f"{where}.biology.ranges: each must be [low, high]") from exc
        if bio.get("doubling_time_h") == "none":
            bio["doubling_time_h"] = None
        biology = CellBiology(**bio, facts=facts, kinds=kinds, ranges=ranges,
                              where=f"{where}.biology")
        return CellLine(name=name, description=entry["description"], lineage=entry["lineage"],
                        malignant=bool(entry["malignant"]),
                        distinguishing=entry["distinguishing"],
                        sources=tuple(entry["sources"]), parameters=params,
                        xpo1_c528s=bool(entry.get("xpo1_c528s", False)), volumes=volumes,
                        attributes=tuple((str(k), str(v)) for k, v in
                                         entry.get("attributes", {}).items()),
                        biology=biology)
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
