"""Named XPO1 export cargoes and their transport and turnover constants.

Each cargo shuttles between nucleus and cytoplasm: active import (NLS/importins, first
order in cytoplasmic concentration), passive leak through the pore (both ways), and
XPO1-dependent export whose rate depends on the cargo's NES affinity and on how much
active XPO1 the nucleus holds (see :mod:`xposim.biology.transport`). Proteins are made
in the cytoplasm and degraded in each compartment at its own rate (p53 and FOXO3a are
mainly destroyed in the cytoplasm, so blocking export also stabilises them).

The values are shared by the reduced export law and the detailed Ran-cycle reference
model, so the two describe the same cargoes. Where no measured value exists the value
is ``assumed`` with a plausible range (``bounds``) and the reason is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from xposim.errors import ModelError
from xposim.model.components import Parameter, check_name
from xposim.presets.loader import load_preset_file

Role = Literal["tumor_suppressor", "oncogenic_rna", "competitor", "partner"]

RM2005 = "Riddick & Macara, J Cell Biol 2005;168:1027 (Table III), via NucCytoShuttle"
RM2007 = "Riddick & Macara, Mol Syst Biol 2007;3:118 (Table I)"
LIPNIACKI = "Lipniacki et al., J Theor Biol 2004;228:195 (Table 1)"


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
    baseline_nuclear_fraction: Parameter | None = None
    baseline_k_export: Parameter | None = None
    proteasomal: bool = False
    eif4e_dependent: bool = False
    synthesis_input: str | None = None

    def __post_init__(self) -> None:
        check_name(self.name, "cargo")
        if self.baseline_nuclear_fraction is not None and self.baseline_k_export is not None:
            raise ModelError(f"cargo {self.name}: give one baseline target, not two")
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


def _p(name: str, value: float, unit: str, source: str, kind: str, description: str = "",
       bounds: tuple[float, float] | None = None, fitted_to: str = "") -> Parameter:
    return Parameter(name, value, unit, source, kind, description, bounds, fitted_to)  # type: ignore[arg-type]


def _fitted_kd(name: str, target: str, kind: str = "derived", fitted_to: str = "") -> Parameter:
    """NES affinity solved by :mod:`xposim.biology.calibrate_transport` so the normal
    preset meets ``target``; the value is read from presets/cargo_affinities.toml."""
    table = load_preset_file("cargo_affinities.toml")
    if name not in table:
        raise ModelError(f"presets/cargo_affinities.toml has no entry for {name}; run "
                         "python -m xposim.biology.calibrate_transport --write")
    return Parameter("nes_kd", float(table[name]["nes_kd_nM"]), "nM",
                     f"solved so that, in the untreated normal preset, {target} "
                     "(xposim.biology.calibrate_transport)", kind,  # type: ignore[arg-type]
                     bounds=(1.0, 1e7), fitted_to=fitted_to)


def _cargo(name: str, description: str, role: Role, *, kd: Parameter, imp: Parameter,
           leak: Parameter, syn: Parameter, thc: Parameter, thn: Parameter,
           exported: bool = True, synthesized_in: str = "cytoplasm",
           nf: Parameter | None = None, ke: Parameter | None = None,
           proteasomal: bool = False, eif4e_dependent: bool = False,
           synthesis_input: str | None = None) -> Cargo:
    return Cargo(name, description, role, kd, imp, leak, syn, thc, thn, exported,  # type: ignore[arg-type]
                 synthesized_in, nf, ke, proteasomal, eif4e_dependent, synthesis_input)


def _nf(value: float, why: str) -> Parameter:
    return _p("baseline_nuclear_fraction", value, "dimensionless", why, "assumed",
              "share in the nucleus in the untreated normal preset", bounds=(0.05, 0.95))


_LEAK = _p("k_leak", 5e-4, "1/s", RM2005 + " (P_CF, passive permeability of cargo)",
           "measured", bounds=(1e-5, 5e-3))
_LEAK_LARGE = _p("k_leak", 1e-4, "1/s", "cargo above ~150 kDa (p53 tetramer, BRCA1) "
                 "permeates ~5x slower than the 40-60 kDa cargo of R&M 2005 (P_CF 5e-4 /s): "
                 "soft size barrier of Timney et al., J Cell Biol 2016; assumed",
                 "assumed", bounds=(1e-5, 1e-3))

P53 = _cargo(
    "p53", "Tumor suppressor p53 (NES in the tetramerisation domain; MDM2 degrades it "
    "mainly after export)", "tumor_suppressor",
    kd=_fitted_kd("p53", "p53 is 65% nuclear"),
    nf=_nf(0.65, "unstressed cells keep most p53 nuclear while it shuttles; export block "
           "(leptomycin B) makes it almost entirely nuclear (Freedman & Levine, Mol Cell "
           "Biol 1998); 65% assumed"),
    imp=_p("k_import", 2e-3, "1/s", "classical NLS import; assumed 2x IkBa import i1a of "
           + LIPNIACKI + " so that export block drives p53 >90% nuclear", "assumed",
           bounds=(2e-4, 1e-2)),
    leak=_LEAK_LARGE,
    syn=_p("synthesis", 30.0, "nM/h", "gives ~10-20 nM whole-cell p53 in unstressed cells "
           "(~10^4 molecules in 2 pL)", "assumed", bounds=(3.0, 300.0)),
    thc=_p("t_half_cyt", 0.33, "h", "p53 half-life ~20 min in unstressed cells, MDM2-driven "
           "and mostly cytoplasmic (Freedman & Levine, Mol Cell Biol 1998)", "assumed",
           bounds=(0.1, 1.0)),
    thn=_p("t_half_nuc", 2.0, "h", "nuclear-retained p53 is stabilised (Freedman & Levine "
           "1998); 2 h assumed", "assumed", bounds=(0.5, 8.0)),
)

P21 = _cargo(
    "p21", "CDK inhibitor p21 (CDKN1A): arrests G1 when nuclear", "tumor_suppressor",
    kd=_fitted_kd("p21", "p21 is 70% nuclear"),
    nf=_nf(0.70, "p21 acts on nuclear cyclin-CDK and is mostly nuclear in cycling cells; "
           "70% assumed"),
    imp=_p("k_import", 3e-3, "1/s", "fast NLS import of a small protein; assumed 3x IkBa "
           "import (" + LIPNIACKI + ")", "assumed", bounds=(2e-4, 1e-2)),
    leak=_p("k_leak", 5e-4, "1/s", "18 kDa p21 diffuses freely but is retained by nuclear "
            "cyclin-CDK binding; effective leak taken as R&M 2005 P_CF (assumed)",
            "assumed", bounds=(1e-4, 5e-3)),
    syn=_p("synthesis", 40.0, "nM/h", "tens of nM p21 in cycling cells (assumed)", "assumed",
           bounds=(4.0, 400.0)),
    thc=_p("t_half_cyt", 0.75, "h", "p21 half-life 30-60 min (proteasomal; Bloom et al., "
           "Mol Biol Cell 2003)", "assumed", bounds=(0.25, 2.0)),
    thn=_p("t_half_nuc", 0.75, "h", "as cytoplasm (no compartment-specific data)", "assumed",
           bounds=(0.25, 2.0)),
)

FOXO3A = _cargo(
    "FOXO3a", "Forkhead transcription factor FOXO3a: pro-apoptotic (BIM, PUMA) in the "
    "nucleus; Akt phosphorylation drives its export", "tumor_suppressor",
    kd=_fitted_kd("FOXO3a", "FOXO3a is 40% nuclear"),
    nf=_nf(0.40, "Akt/14-3-3 keeps FOXO3a largely cytoplasmic in growing cells (Brunet et "
           "al., Cell 1999); 40% assumed"),
    imp=_p("k_import", 2e-3, "1/s", "NLS import; assumed 2x IkBa import i1a of " + LIPNIACKI,
           "assumed", bounds=(2e-4, 1e-2)),
    leak=_LEAK,
    syn=_p("synthesis", 5.0, "nM/h", "assumed", "assumed", bounds=(0.5, 50.0)),
    thc=_p("t_half_cyt", 4.0, "h", "phospho-FOXO3a is ubiquitinated and degraded in the "
           "cytoplasm over hours (Plas & Thompson, JBC 2003); assumed", "assumed",
           bounds=(1.0, 12.0)),
    thn=_p("t_half_nuc", 12.0, "h", "nuclear FOXO3a is stable over hours (assumed)",
           "assumed", bounds=(3.0, 48.0)),
)

BRCA1 = _cargo(
    "BRCA1", "DNA-repair tumor suppressor BRCA1 (two NESs; nuclear in repair-competent "
    "cells)", "tumor_suppressor",
    kd=_fitted_kd("BRCA1", "BRCA1 is 70% nuclear"),
    nf=_nf(0.70, "BRCA1 is predominantly nuclear and shuttles (Rodriguez & Henderson, JBC "
           "2000); 70% assumed"),
    imp=_p("k_import", 1.5e-3, "1/s", "large (220 kDa) NLS cargo; assumed 1.5x IkBa import "
           "(" + LIPNIACKI + ")", "assumed", bounds=(1e-4, 1e-2)),
    leak=_LEAK_LARGE,
    syn=_p("synthesis", 2.0, "nM/h", "low-abundance protein (assumed)", "assumed",
           bounds=(0.2, 20.0)),
    thc=_p("t_half_cyt", 6.0, "h", "assumed (no compartment-specific data)", "assumed",
           bounds=(1.0, 24.0)),
    thn=_p("t_half_nuc", 6.0, "h", "assumed", "assumed", bounds=(1.0, 24.0)),
)

# IkBa / NF-kB after Lipniacki 2004: there the nuclear loss constants are kv*e1a and
# kv*e2a (kv = 5, cytoplasm/nucleus volume ratio); the NES affinities are calibrated so
# that the reduced export law gives exactly those constants in the normal preset.
_LIP_FIT_FREE = ("Lipniacki 2004 free IkBa export e1a = 5e-4 /s with kv = 5, i.e. nuclear "
                 "loss 2.5e-3 /s (calibration-targets.md §5)")
_LIP_FIT_CPLX = ("Lipniacki 2004 IkBa-NF-kB export e2a = 1e-2 /s with kv = 5, i.e. nuclear "
                 "loss 5e-2 /s (calibration-targets.md §5)")
IKBA = _cargo(
    "IkBa", "Free IkBa (NFKBIA), NF-kB inhibitor; nuclear IkBa strips NF-kB from DNA",
    "tumor_suppressor",
    kd=_fitted_kd("IkBa", "the export constant is 2.5e-3 /s", "calibrated", _LIP_FIT_FREE),
    ke=_p("baseline_k_export", 2.5e-3, "1/s", LIPNIACKI + ": kv*e1a", "measured",
          "export rate constant of free IkBa in the untreated normal preset"),
    imp=_p("k_import", 1e-3, "1/s", LIPNIACKI + " (i1a)", "measured"),
    leak=_p("k_leak", 0.0, "1/s", "Lipniacki 2004 has no passive IkBa flux (transport "
            "lumped into i1a and e1a)", "assumed", bounds=(0.0, 5e-4)),
    syn=_p("synthesis", 18.0, "nM/h", "gives ~0.1 uM free+bound IkBa as in the Lipniacki "
           "2004 resting state (assumed)", "assumed", bounds=(2.0, 200.0)),
    thc=_p("t_half_cyt", 1.93, "h", LIPNIACKI + ": free IkBa decay c5a = 1e-4 /s "
           "(t1/2 = ln2/c5a)", "measured"),
    thn=_p("t_half_nuc", 1.93, "h", "as cytoplasm (Lipniacki 2004 degrades nuclear IkBa only "
           "after export; same constant assumed)", "assumed", bounds=(1.0, 20.0)),
    proteasomal=True,
    synthesis_input="IkBa_induction",  # NF-kB drives NFKBIA transcription (Lipniacki c1a)
)

NFKB = _cargo(
    "NFkB", "NF-kB (p65/p50): pro-survival transcription factor when nuclear and free",
    "partner",
    kd=_p("nes_kd", 1e6, "nM", "free NF-kB has no export route in Lipniacki 2004 "
          "(exported only with IkBa); effectively non-binding", "assumed"),
    imp=_p("k_import", 2.5e-3, "1/s", LIPNIACKI + " (i1)", "measured"),
    leak=_p("k_leak", 0.0, "1/s", "Lipniacki 2004: none", "assumed", bounds=(0.0, 5e-4)),
    syn=_p("synthesis", 0.0, "nM/h", "NF-kB total is conserved in Lipniacki 2004 (0.06 uM)",
           "measured"),
    thc=_p("t_half_cyt", 1e6, "h", "stable (Lipniacki 2004 conserves NF-kB)", "measured"),
    thn=_p("t_half_nuc", 1e6, "h", "stable (Lipniacki 2004 conserves NF-kB)", "measured"),
    exported=False,
)

IKBA_NFKB = CargoComplex(
    "IkBa_NFkB", ("IkBa", "NFkB"),
    kon=_p("kon", 0.5, "1/uM/s", LIPNIACKI + " (a1, IkBa-NF-kB association)", "measured"),
    koff=_p("koff", 0.0, "1/s", "Lipniacki 2004: the complex dissociates only through IkBa "
            "degradation", "measured"),
    cargo=_cargo(
        "IkBa_NFkB", "IkBa-NF-kB complex (the NF-kB NLS is masked, IkBa NES exposed)",
        "partner",
        kd=_fitted_kd("IkBa_NFkB", "the export constant is 5e-2 /s", "calibrated",
                      _LIP_FIT_CPLX),
        ke=_p("baseline_k_export", 5e-2, "1/s", LIPNIACKI + ": kv*e2a", "measured",
              "export rate constant of IkBa-NF-kB in the untreated normal preset"),
        imp=_p("k_import", 0.0, "1/s", "Lipniacki 2004: the complex is not imported",
               "measured"),
        leak=_p("k_leak", 0.0, "1/s", "Lipniacki 2004: none", "assumed", bounds=(0.0, 5e-4)),
        syn=_p("synthesis", 0.0, "nM/h", "forms by binding only", "measured"),
        thc=_p("t_half_cyt", 9.63, "h", LIPNIACKI + ": bound IkBa decay c6a = 2e-5 /s "
               "(releases NF-kB)", "measured"),
        thn=_p("t_half_nuc", 1e6, "h", LIPNIACKI + ": NF-kB-bound IkBa is degraded only in "
               "the cytoplasm (c6a, and IKK-driven t2); in the nucleus the complex is stable "
               "until exported (1e6 h stands for 'not degraded')", "assumed",
               bounds=(1.0, 1e6)),
        proteasomal=True,
    ),
)

POOL = _cargo(
    "NESpool", "Lumped pool of the >1,000 other endogenous NES cargoes (Kirli et al., eLife "
    "2015) competing for XPO1", "competitor",
    kd=_p("nes_kd", 30.0, "nM", RM2007 + ": NES cargo Kd 0.03 uM with RanGTP", "measured"),
    imp=_p("k_import", 1e-3, "1/s", "lumped NLS import; taken equal to IkBa import of "
           + LIPNIACKI, "assumed", bounds=(2e-4, 1e-2)),
    leak=_LEAK,
    syn=_p("synthesis", 173.0, "nM/h", "keeps ~1 uM total NES cargo (NucCytoShuttle "
           "estimate from la Cour 2003 x Liu 2019) with a 4 h half-life: "
           "1000 nM x ln2 / 4 h", "derived"),
    thc=_p("t_half_cyt", 4.0, "h", "bulk turnover of shuttling regulators; assumed",
           "assumed", bounds=(1.0, 48.0)),
    thn=_p("t_half_nuc", 4.0, "h", "as cytoplasm (assumed)", "assumed", bounds=(1.0, 48.0)),
)

ONCO_MRNA = _cargo(
    "oncoRNA", "Lumped eIF4E-dependent oncogene mRNAs (c-MYC, cyclin D1, MCL1, BCL-6...) "
    "exported through eIF4E-LRPPRC-CRM1", "oncogenic_rna",
    kd=_fitted_kd("oncoRNA", "30% of the mRNA is nuclear"),
    nf=_nf(0.30, "most eIF4E-dependent mRNA is exported and translated in growing cells; "
           "30% nuclear assumed"),
    imp=_p("k_import", 0.0, "1/s", "mRNAs are not re-imported", "assumed"),
    leak=_p("k_leak", 0.0, "1/s", "mRNPs do not diffuse through the pore", "assumed"),
    syn=_p("synthesis", 10.0, "nM/h", "lumped transcription (relative units)", "assumed",
           bounds=(1.0, 100.0)),
    thc=_p("t_half_cyt", 1.0, "h", "short-lived oncogene mRNAs (c-MYC ~30 min, cyclin D1 "
           "~1 h; Sharova et al., DNA Res 2009)", "assumed", bounds=(0.25, 4.0)),
    thn=_p("t_half_nuc", 2.0, "h", "nuclear retention and decay of unexported mRNA "
           "(assumed)", "assumed", bounds=(0.5, 8.0)),
    synthesized_in="nucleus",
    eif4e_dependent=True,
)

#: Cargoes of the XPO1 export core, in the order they appear in outputs.
DEFAULT_CARGOES: tuple[Cargo, ...] = (P53, P21, FOXO3A, BRCA1, IKBA, NFKB, POOL, ONCO_MRNA)
DEFAULT_COMPLEXES: tuple[CargoComplex, ...] = (IKBA_NFKB,)
#: Tumor suppressors reported in the CLI's nuclear_fraction output.
REPORTED_CARGOES: tuple[str, ...] = ("p53", "p21", "FOXO3a", "BRCA1", "IkBa", "NFkB",
                                      "oncoRNA")
