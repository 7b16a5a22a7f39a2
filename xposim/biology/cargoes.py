"""Named XPO1 export cargoes and their transport and turnover constants.

Each cargo shuttles between nucleus and cytoplasm: active import (NLS/importins, first
order in cytoplasmic concentration), passive leak through the pore (both ways), and
XPO1-dependent export whose rate depends on the cargo's NES affinity and on how much
active XPO1 the nucleus holds (see :mod:`xposim.biology.transport`). Proteins are made
in the cytoplasm and degraded in each compartment at its own rate (p53 and FOXO3a are
mainly destroyed in the cytoplasm, so blocking export also stabilises them).

The cargoes and their constants are data (presets/params/cargoes.toml), shared by the
reduced export law and the detailed Ran-cycle reference model, so the two describe the
same cargoes. Where no measured value exists the value is ``assumed`` with a plausible
range (``bounds``) and the reason is given; the NES affinities of most cargoes are solved
by ``xposim calibrate transport-affinities`` so the untreated normal cell meets each
cargo's baseline localisation or export constant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from xposim.errors import ModelError
from xposim.model.components import Parameter, check_name
from xposim.presets.loader import parameter_file, parameter_from_toml

Role = Literal["tumor_suppressor", "oncogenic_rna", "competitor", "partner"]


@dataclass(frozen=True)
class Cargo:
    """One NES cargo (protein or RNA) with its transport and turnover constants.

    ``nes_kd``: NES dissociation constant from CRM1·RanGTP (nM); ``k_import``: active
    import, per s of cytoplasmic concentration; ``k_leak``: passive pore permeation,
    per s, both directions; ``synthesis``: production in the cytoplasm (nuclear for
    RNA) in nM/h; ``t_half_cyt`` / ``t_half_nuc``: half-lives (h). ``exported=False``
    marks a cargo without its own NES (free NF-κB), which leaves only in complexes.
    ``proteasomal=True``: degradation scales with the input ``proteasome_activity`` (0-1)
    and, in the cytoplasm, adds IKK-driven degradation (input ``IKK_degradation``, 1/h);
    ``eif4e_dependent=True``: XPO1 export scales with the input ``eIF4E_export_factor``
    (mRNAs exported as eIF4E-LRPPRC-CRM1 complexes); ``synthesis_input``: name of an
    input (dimensionless, default 1) multiplying synthesis, e.g. NF-κB-induced IκBα
    transcription. The inputs default to the untreated reference (1, 0, 1, 1), so these
    change nothing unless a signalling module (:mod:`xposim.biology.signaling`) provides
    them.
    """

    name: str
    description: str
    role: Role
    nes_kd: Parameter
    k_import: Parameter
    k_leak: Parameter
    synthesis: Parameter
    t_half_cyt: Parameter
    t_half_nuc: Parameter
    exported: bool = True
    synthesized_in: Literal["cytoplasm", "nucleus"] = "cytoplasm"
    proteasomal: bool = False
    eif4e_dependent: bool = False
    synthesis_input: str | None = None

    def __post_init__(self) -> None:
        check_name(self.name, "cargo")
        if self.synthesized_in not in ("cytoplasm", "nucleus"):
            raise ModelError(f"cargo {self.name}: synthesized_in must be cytoplasm or "
                             f"nucleus, got {self.synthesized_in!r}")
        expect = {"nes_kd": "nM", "k_import": "1/s", "k_leak": "1/s", "synthesis": "nM/h",
                  "t_half_cyt": "h", "t_half_nuc": "h"}
        for attr, unit in expect.items():
            p: Parameter = getattr(self, attr)
            if p.unit != unit:
                raise ModelError(f"cargo {self.name}.{attr}: unit must be {unit}, "
                                 f"got {p.unit}")
            if p.value < 0 or (attr.startswith("t_half") and p.value <= 0):
                raise ModelError(f"cargo {self.name}.{attr}: must be positive, got {p.value}")


@dataclass(frozen=True)
class CargoComplex:
    """Two cargoes that bind in both compartments and are exported together."""

    name: str
    parts: tuple[str, str]
    kon: Parameter  # 1/(uM*s)
    koff: Parameter  # 1/s
    cargo: Cargo  # transport/turnover of the complex itself


def cargo_list(cargoes: Sequence[Cargo], complexes: Sequence[CargoComplex],
               where: str) -> list[Cargo]:
    """Free cargoes then complexes, as one list; ModelError if two share a name."""
    out = list(cargoes) + [cx.cargo for cx in complexes]
    names = [c.name for c in out]
    if len(set(names)) != len(names):
        raise ModelError(f"{where}: cargo names must be unique, got {names}")
    return out


def cargo_parameters(c: Cargo) -> list[Parameter]:
    """The cargo's constants as model parameters named ``<cargo>_<attribute>`` (shared by
    the reduced export law and the detailed Ran-cycle model, so both read the same)."""
    out = []
    for attr in ("nes_kd", "k_import", "k_leak", "synthesis", "t_half_cyt", "t_half_nuc"):
        p: Parameter = getattr(c, attr)
        out.append(Parameter(f"{c.name}_{attr}", p.value, p.unit, p.source, p.kind,
                             p.description or f"{attr} of {c.name}", p.bounds, p.fitted_to))
    return out


def complex_parameters(cx: CargoComplex) -> list[Parameter]:
    """Association and dissociation constants of a cargo complex as model parameters."""
    a, b = cx.parts
    return [Parameter(f"{cx.name}_kon", cx.kon.value, cx.kon.unit, cx.kon.source,
                      cx.kon.kind, f"association of {a} and {b}", cx.kon.bounds),
            Parameter(f"{cx.name}_koff", cx.koff.value, cx.koff.unit, cx.koff.source,
                      cx.koff.kind, f"dissociation of {cx.name}", cx.koff.bounds)]


_FLAGS = {"description", "role", "exported", "synthesized_in", "proteasomal",
          "eif4e_dependent", "synthesis_input"}
_CONSTANTS = ("nes_kd", "k_import", "k_leak", "synthesis", "t_half_cyt", "t_half_nuc")
ROLES: tuple[str, ...] = ("tumor_suppressor", "oncogenic_rna", "competitor", "partner")


def _cargo_from_toml(name: str, entry: Mapping[str, Any], where: str) -> Cargo:
    pf = parameter_file("cargoes")
    unknown = set(entry) - _FLAGS - set(_CONSTANTS)
    if unknown:
        raise ModelError(f"{where}: unknown keys {sorted(unknown)}")
    missing = [k for k in ("description", "role", *_CONSTANTS) if k not in entry]
    if missing:
        raise ModelError(f"{where}: missing {missing}")
    if entry["role"] not in ROLES:
        raise ModelError(f"{where}: role must be one of {ROLES}, got {entry['role']!r}")
    constants = {k: parameter_from_toml(k, entry[k], where, pf.references) for k in _CONSTANTS}
    return Cargo(name, entry["description"], entry["role"], **constants,
                 exported=bool(entry.get("exported", True)),
                 synthesized_in=entry.get("synthesized_in", "cytoplasm"),
                 proteasomal=bool(entry.get("proteasomal", False)),
                 eif4e_dependent=bool(entry.get("eif4e_dependent", False)),
                 synthesis_input=entry.get("synthesis_input"))


@cache
def _load() -> tuple[tuple[Cargo, ...], tuple[CargoComplex, ...]]:
    pf = parameter_file("cargoes")
    where = pf.where
    unknown = set(pf.data) - {"cargoes", "complexes"}
    if unknown:
        raise ModelError(f"{where}: unknown tables {sorted(unknown)}")
    cargoes = tuple(_cargo_from_toml(n, e, f"{where} [cargoes.{n}]")
                    for n, e in pf.data.get("cargoes", {}).items())
    complexes = []
    for n, e in pf.data.get("complexes", {}).items():
        w = f"{where} [complexes.{n}]"
        if set(e) != {"parts", "kon", "koff", "cargo"}:
            raise ModelError(f"{w}: needs exactly parts, kon, koff and cargo")
        parts = tuple(e["parts"])
        if len(parts) != 2:
            raise ModelError(f"{w}: parts must name two cargoes")
        complexes.append(CargoComplex(
            n, (parts[0], parts[1]),
            kon=parameter_from_toml("kon", e["kon"], w, pf.references),
            koff=parameter_from_toml("koff", e["koff"], w, pf.references),
            cargo=_cargo_from_toml(n, e["cargo"], f"{w}.cargo")))
    return cargoes, tuple(complexes)


#: Cargoes of the XPO1 export core, in the order they appear in outputs
#: (presets/params/cargoes.toml).
DEFAULT_CARGOES: tuple[Cargo, ...] = _load()[0]
DEFAULT_COMPLEXES: tuple[CargoComplex, ...] = _load()[1]
#: The IkBa / NF-kB shuttle. Its transport constants (NES affinities, import, leak) are
#: export-core data: the reduced export law is calibrated and checked against the detailed
#: Ran-cycle model with these cargoes aboard (their turnover here is a first-order stand-in
#: for that check). In the cell, the Lipniacki NF-kB core
#: (:mod:`xposim.biology.signaling.nfkb`) carries them instead, with IKK, A20 and
#: NF-kB-driven IkBa synthesis, reading the same transport constants.
NFKB_SHUTTLE: tuple[str, ...] = ("IkBa", "NFkB", "IkBa_NFkB")
#: Cargoes and complexes of the cell's export core (all but the NF-kB shuttle).
CELL_CARGOES: tuple[Cargo, ...] = tuple(c for c in DEFAULT_CARGOES
                                        if c.name not in NFKB_SHUTTLE)
CELL_COMPLEXES: tuple[CargoComplex, ...] = tuple(cx for cx in DEFAULT_COMPLEXES
                                                 if cx.name not in NFKB_SHUTTLE)


def default_cargo(name: str) -> Cargo:
    """A cargo of presets/params/cargoes.toml by name (a complex gives its own transport)."""
    for c in (*DEFAULT_CARGOES, *(cx.cargo for cx in DEFAULT_COMPLEXES)):
        if c.name == name:
            return c
    raise ModelError(f"no cargo {name!r} in presets/params/cargoes.toml")


def default_complex(name: str) -> CargoComplex:
    """A cargo complex of presets/params/cargoes.toml by name."""
    for cx in DEFAULT_COMPLEXES:
        if cx.name == name:
            return cx
    raise ModelError(f"no cargo complex {name!r} in presets/params/cargoes.toml")


#: Tumor suppressors reported in the CLI's nuclear_fraction output.
REPORTED_CARGOES: tuple[str, ...] = ("p53", "p21", "FOXO3a", "BRCA1", "IkBa", "NFkB",
                                      "oncoRNA")
