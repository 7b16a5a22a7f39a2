"""The Lipniacki et al. 2004 NF-κB regulatory module, with XPO1-dependent export, bortezomib
on the proteasome, and the NF-κB survival and proteotoxic readouts (docs/signaling.md).

Lipniacki, Paszek, Brasier, Luxon & Kimmel, J Theor Biol 2004;228:195 (BioModels
BIOMD0000000786). Concentrations are per volume of their compartment; ``TR`` is the
receptor activity that drives IKK (Lipniacki's TNF switch, 0–1):

    IKK:   ∅ → IKKn (kprod);  IKKn, IKKa, IKKi → ∅ (kdeg);  IKKn → IKKa (TR·k1)
           IKKa → IKKi (k3 + TR·k2·A20)
    IκBα:  IKKa + IκBα_c → IKKa·IκBα → IKKa (a2, t1: IκBα destroyed)
           IKKa + IκBα·NF-κB_c → IKKa·IκBα·NF-κB → IKKa + NF-κB_c (a3, t2)
           (with change 2 both go through phospho-IκBα, destroyed by the proteasome)
           IκBα + NF-κB → IκBα·NF-κB in both compartments (a1)
           IκBα_c → ∅ (c5a);  IκBα·NF-κB_c → NF-κB_c (c6a)
    feedback: mRNA_X made at c2 + c1·NF-κB_n, decays at c3, translated at c4 (X = IκBα,
           A20, and a generic target gene 'cgen'); A20 → ∅ (c5)
    shuttle: NF-κB_c → NF-κB_n (i1), IκBα_c → IκBα_n (i1a), IκBα_n → IκBα_c and
           IκBα·NF-κB_n → IκBα·NF-κB_c through XPO1

The transcription–translation chain (mRNA half-life 29 min) is the paper's transcriptional
delay. The shuttle's constants are export-core data (:data:`xposim.biology.cargoes.
NFKB_SHUTTLE`): export follows the reduced export law of every other cargo,
``k_exp = k_tr·XPO1_eff/(Kd_NES + XPO1_eff)``, with ``XPO1_eff`` (NES-available nuclear
XPO1) read from the export core, so selinexor acts through XPO1 occupancy. The NES
affinities are solved so that the untreated reference cell has Lipniacki's export
constants (kv·e1a, kv·e2a); alone, ``XPO1_eff`` defaults to that cell's value.

Documented changes (off in :func:`lipniacki_2004_model`, which is the published model):

1. ``TR = IKK_tonic + TNF_activity``: myeloma cells carry constitutive IKK activity
   (``IKK_tonic``, assumed 0.01), where Lipniacki's resting cell has none.
2. Every IκBα degradation step is proteasomal. IKK releases phosphorylated IκBα (free, or
   still holding NF-κB: phosphorylation signals degradation, not dissociation), which the
   proteasome destroys at ``pIkBa_kdeg``·p (p = ``proteasome_activity``); c5a and c6a
   run at p of their rate too. Lipniacki lumps phosphorylation and destruction into t1,
   t2 (the limit ``pIkBa_kdeg`` → ∞).
3. Free nuclear IκBα is degraded too (``IkBa_kdeg_free_nuclear``, = c5a), proteasomally.

Bortezomib binds the 20S β5 site reversibly (koff from the label's ~20 min
dissociation half-life, kon = koff / IC50_cell; IC50_cell = btz_IC50_cell·pi_resistance),
so ``proteasome_activity = 1/(1 + C/IC50_cell)`` at steady state.

Readouts: ``nfkb_activity`` is the NF-κB target transcript (Lipniacki's 'cgen', a
survival-gene stand-in) over its untreated level ``NFkB_target_mRNA_ref``;
``nfkb_survival = nfkb_dependence·min(1, nfkb_activity)``; ``proteotoxic_signal`` is a
steep function of proteasome inhibition. Set the reference with the cell builder or
:func:`xposim.biology.signaling.with_untreated_references`.
"""

from __future__ import annotations

from xposim.biology.cargoes import NFKB_SHUTTLE, default_cargo, default_complex
from xposim.biology.transport import CellVolumes, nfkb_total
from xposim.model import (
    Assignment,
    Conservation,
    Derived,
    Input,
    Module,
    Parameter,
    Reaction,
    Species,
)
from xposim.model.module import Model, compose
from xposim.presets.loader import parameter_file

#: Parameters of presets/params/nfkb.toml that are not model constants (input defaults).
_INPUT_DEFAULTS = ("XPO1_eff_ref",)

#: The documented changes to Lipniacki 2004 and the values that switch them off (a
#: phospho-IkBa destroyed 1000 times faster than IKK makes it stands for Lipniacki's
#: lumped step: the trajectories agree to about 1e-3).
LIPNIACKI_2004_VALUES: dict[str, float] = {"IKK_tonic": 0.0, "IkBa_kdeg_free_nuclear": 0.0,
                                           "pIkBa_kdeg": 100.0}

#: Lipniacki's cytoplasm / nucleus volume ratio kv.
LIPNIACKI_KV = 5.0


def nfkb_parameters() -> tuple[Parameter, ...]:
    """The module's own constants (values and provenance: presets/params/nfkb.toml)."""
    pf = parameter_file("nfkb")
    return pf.parameters(*(n for n in pf if n not in _INPUT_DEFAULTS))


def shuttle_parameters() -> tuple[Parameter, ...]:
    """Transport constants of the IκBα/NF-κB shuttle, shared with the export core's data
    (presets/params/cargoes.toml; k_tr from transport.toml) under the same names."""
    ikba, nfkb = default_cargo("IkBa"), default_cargo("NFkB")
    cx = default_complex("IkBa_NFkB")
    out = [parameter_file("transport").parameter("k_tr"), nfkb_total()]
    for cargo, attrs in ((ikba, ("nes_kd", "k_import", "k_leak")),
                         (nfkb, ("k_import", "k_leak")),
                         (cx.cargo, ("nes_kd", "k_import", "k_leak"))):
        for attr in attrs:
            p: Parameter = getattr(cargo, attr)
            out.append(Parameter(f"{cargo.name}_{attr}", p.value, p.unit, p.source, p.kind,
                                 p.description or f"{attr} of {cargo.name}", p.bounds,
                                 p.fitted_to))
    for attr in ("kon", "koff"):
        p = getattr(cx, attr)
        out.append(Parameter(f"{cx.name}_{attr}", p.value, p.unit, p.source, p.kind,
                             f"{'association' if attr == 'kon' else 'dissociation'} of IkBa "
                             "and NF-kB (a1)", p.bounds))
    return tuple(out)


def _species() -> tuple[Species, ...]:
    c, n = "cytoplasm", "nucleus"
    return (
        Species("IKKn", c, 0.0, description="neutral IKK (made from 0, as in Lipniacki)"),
        Species("IKKa", c, 0.0, description="active IKK (free)"),
        Species("IKKi", c, 0.0, description="inactive IKK"),
        Species("IKKa_IkBa", c, 0.0, description="active IKK bound to free IkBa"),
        Species("IKKa_IkBa_NFkB", c, 0.0, description="active IKK bound to IkBa-NF-kB"),
        Species("NFkB_c", c, 0.0, description="free cytoplasmic NF-kB"),
        Species("NFkB_n", n, 0.0, description="free nuclear NF-kB"),
        Species("IkBa_c", c, 0.0, description="free cytoplasmic IkBa"),
        Species("IkBa_n", n, 0.0, description="free nuclear IkBa"),
        Species("IkBa_NFkB_c", c, "NFkB_tot0 * cell / cytoplasm",
                description="cytoplasmic IkBa-NF-kB complex"),
        Species("IkBa_NFkB_n", n, 0.0, description="nuclear IkBa-NF-kB complex"),
        Species("pIkBa_c", c, 0.0, description="IKK-phosphorylated free IkBa awaiting the "
                "proteasome"),
        Species("pIkBa_NFkB_c", c, 0.0, description="IKK-phosphorylated IkBa still holding "
                "NF-kB, awaiting the proteasome"),
        Species("IkBa_mRNA", c, 0.0, description="IkBa transcript (per cytoplasmic volume)"),
        Species("A20_mRNA", c, 0.0, description="A20 transcript (per cytoplasmic volume)"),
        Species("A20", c, 0.0, description="A20 protein"),
        Species("NFkB_target_mRNA", c, 0.0, description="generic NF-kB target (survival "
                "gene) transcript, Lipniacki's 'cgen'"),
        Species("proteasome_free", "cell", "proteasome_total0", description="active 20S "
                "proteasome"),
        Species("proteasome_btz", "cell", 0.0, description="bortezomib-bound 20S proteasome"),
    )


def _reactions() -> tuple[Reaction, ...]:
    c, n = "cytoplasm", "nucleus"
    p = "proteasome_activity"
    r = [
        # IKK (Lipniacki: kprod, kdeg, k1, k2, k3)
        Reaction("IKK_made", "IKK_kprod", (), {"IKKn": 1}, c, "neutral IKK synthesis"),
        *(Reaction(f"{s}_degradation", f"IKK_kdeg * {s}", {s: 1}, (), c, f"{s} turnover")
          for s in ("IKKn", "IKKa", "IKKi")),
        Reaction("IKK_activation", "IKK_receptor_activity * IKK_k1 * IKKn", {"IKKn": 1},
                 {"IKKa": 1}, c, "receptor-driven IKK activation"),
        Reaction("IKK_inactivation", "(IKK_k3 + IKK_receptor_activity * IKK_k2 * A20) * IKKa",
                 {"IKKa": 1}, {"IKKi": 1}, c, "spontaneous and A20-driven IKK inactivation"),
        # IKK-induced IkBa degradation (a2/t1, a3/t2) through a phospho-IkBa intermediate
        # that the proteasome destroys (change 2; Lipniacki lumps it into t1, t2)
        Reaction("IKK_binds_IkBa", "IKK_IkBa_kon * IKKa * IkBa_c", {"IKKa": 1, "IkBa_c": 1},
                 {"IKKa_IkBa": 1}, c, "active IKK binds free IkBa"),
        Reaction("IKK_binds_IkBa_NFkB", "IKK_IkBa_NFkB_kon * IKKa * IkBa_NFkB_c",
                 {"IKKa": 1, "IkBa_NFkB_c": 1}, {"IKKa_IkBa_NFkB": 1}, c,
                 "active IKK binds the IkBa-NF-kB complex"),
        Reaction("IKK_phosphorylates_IkBa", "IKK_IkBa_kcat * IKKa_IkBa", {"IKKa_IkBa": 1},
                 {"IKKa": 1, "pIkBa_c": 1}, c, "IkBa phosphorylated, IKK released"),
        Reaction("IKK_phosphorylates_IkBa_NFkB", "IKK_IkBa_NFkB_kcat * IKKa_IkBa_NFkB",
                 {"IKKa_IkBa_NFkB": 1}, {"IKKa": 1, "pIkBa_NFkB_c": 1}, c,
                 "bound IkBa phosphorylated, IKK released; NF-kB stays bound"),
        Reaction("pIkBa_degradation", f"pIkBa_kdeg * {p} * pIkBa_c", {"pIkBa_c": 1}, (), c,
                 "proteasome destroys phospho-IkBa"),
        Reaction("pIkBa_NFkB_degradation", f"pIkBa_kdeg * {p} * pIkBa_NFkB_c",
                 {"pIkBa_NFkB_c": 1}, {"NFkB_c": 1}, c,
                 "proteasome destroys NF-kB-bound phospho-IkBa, releasing NF-kB"),
        Reaction("pIkBa_binds_NFkB", "IkBa_NFkB_kon * pIkBa_c * NFkB_c",
                 {"pIkBa_c": 1, "NFkB_c": 1}, {"pIkBa_NFkB_c": 1}, c,
                 "phospho-IkBa still binds NF-kB"),
        # constitutive degradation (c5a, c6a; nuclear free IkBa: change 3), proteasomal
        Reaction("IkBa_c_degradation", f"IkBa_kdeg_free * {p} * IkBa_c", {"IkBa_c": 1}, (), c,
                 "constitutive degradation of free cytoplasmic IkBa"),
        Reaction("IkBa_n_degradation", f"IkBa_kdeg_free_nuclear * {p} * IkBa_n",
                 {"IkBa_n": 1}, (), n, "constitutive degradation of free nuclear IkBa"),
        Reaction("IkBa_NFkB_c_degradation", f"IkBa_kdeg_bound * {p} * IkBa_NFkB_c",
                 {"IkBa_NFkB_c": 1}, {"NFkB_c": 1}, c,
                 "constitutive degradation of bound IkBa, releasing NF-kB"),
        # transcription (NF-kB-driven), mRNA decay, translation
        *(rr for gene, protein in (("IkBa", "IkBa_c"), ("A20", "A20"))
          for rr in (
              Reaction(f"{gene}_transcribed",
                       f"{gene}_mRNA_basal + {gene}_mRNA_induction * NFkB_n", (),
                       {f"{gene}_mRNA": 1}, c, f"{gene} transcription (NF-kB-inducible)"),
              Reaction(f"{gene}_mRNA_decay", f"{gene}_mRNA_kdeg * {gene}_mRNA",
                       {f"{gene}_mRNA": 1}, (), c, f"{gene} mRNA decay"),
              Reaction(f"{gene}_translated", f"{gene}_translation * {gene}_mRNA", (),
                       {protein: 1}, c, f"{gene} translation"))),
        Reaction("A20_degradation", "A20_kdeg * A20", {"A20": 1}, (), c, "A20 turnover"),
        Reaction("NFkB_target_transcription", "target_mRNA_induction * NFkB_n", (),
                 {"NFkB_target_mRNA": 1}, c, "NF-kB target-gene transcription"),
        Reaction("NFkB_target_mRNA_decay", "target_mRNA_kdeg * NFkB_target_mRNA",
                 {"NFkB_target_mRNA": 1}, (), c, "target transcript decay"),
        # bortezomib on the 20S beta5 site
        Reaction("btz_proteasome_binding",
                 "btz_kon_cell * C_btz * proteasome_free - btz_koff_cell * proteasome_btz",
                 {"proteasome_free": 1}, {"proteasome_btz": 1}, "cell",
                 "reversible bortezomib binding to the beta5 site", reversible=True),
    ]
    # association in both compartments (a1)
    for s, comp in (("c", c), ("n", n)):
        r.append(Reaction(
            f"IkBa_NFkB_binding_{s}",
            f"IkBa_NFkB_kon * IkBa_{s} * NFkB_{s} - IkBa_NFkB_koff * IkBa_NFkB_{s}",
            {f"IkBa_{s}": 1, f"NFkB_{s}": 1}, {f"IkBa_NFkB_{s}": 1}, comp,
            "IkBa-NF-kB binding", reversible=True))
    # the shuttle: import (i1, i1a), leak, XPO1 export (e1a, e2a through the export law)
    for cargo in NFKB_SHUTTLE:
        r += [Reaction(f"{cargo}_import", f"{cargo}_k_import * {cargo}_c",
                       {f"{cargo}_c": 1}, {f"{cargo}_n": 1}, c,
                       f"active nuclear import of {cargo}"),
              Reaction(f"{cargo}_leak", f"{cargo}_k_leak * ({cargo}_n - {cargo}_c)",
                       {f"{cargo}_n": 1}, {f"{cargo}_c": 1}, n,
                       f"passive permeation of {cargo} (net, nucleus to cytoplasm)",
                       reversible=True)]
    for cargo in ("IkBa", "IkBa_NFkB"):
        r.append(Reaction(f"{cargo}_export", f"{cargo}_k_export * {cargo}_n",
                          {f"{cargo}_n": 1}, {f"{cargo}_c": 1}, n, f"XPO1 export of {cargo}"))
    return tuple(r)


def _fraction(nuclear: str, cytoplasmic: str) -> str:
    return (f"({nuclear}) * nucleus / max(({nuclear}) * nucleus + ({cytoplasmic}) * "
            "cytoplasm, 1e-30)")


def _assignments() -> tuple[Assignment, ...]:
    ikba_c = "IkBa_c + IkBa_NFkB_c + pIkBa_c + pIkBa_NFkB_c + IKKa_IkBa + IKKa_IkBa_NFkB"
    nfkb_c = "NFkB_c + IkBa_NFkB_c + pIkBa_NFkB_c + IKKa_IkBa_NFkB"
    return (
        Assignment("proteasome_activity", "proteasome_free / proteasome_total0", "1",
                   "20S chymotrypsin-like activity relative to the untreated cell"),
        Assignment("IKK_receptor_activity", "IKK_tonic + TNF_activity", "1",
                   "receptor-proximal IKK drive TR (Lipniacki: 0 at rest, 1 with TNF)"),
        Assignment("IKK_active", "IKKa + IKKa_IkBa + IKKa_IkBa_NFkB", "nM",
                   "active IKK, free and substrate-bound"),
        *(Assignment(f"{cargo}_k_export",
                     f"k_tr * XPO1_eff / ({cargo}_nes_kd + XPO1_eff)", "1/h",
                     f"XPO1-dependent export rate constant of {cargo} (reduced law)")
          for cargo in ("IkBa", "IkBa_NFkB")),
        Assignment("IkBa_total", f"((IkBa_n + IkBa_NFkB_n) * nucleus + ({ikba_c}) * "
                   "cytoplasm) / cell", "nM", "whole-cell IkBa, every form"),
        Assignment("IkBa_nuclear_fraction", _fraction("IkBa_n + IkBa_NFkB_n", ikba_c), "1",
                   "share of IkBa (free and bound) in the nucleus"),
        Assignment("NFkB_total", f"((NFkB_n + IkBa_NFkB_n) * nucleus + ({nfkb_c}) * "
                   "cytoplasm) / cell", "nM", "whole-cell NF-kB (conserved)"),
        Assignment("NFkB_nuclear_fraction", _fraction("NFkB_n + IkBa_NFkB_n", nfkb_c), "1",
                   "share of NF-kB (free and IkBa-bound) in the nucleus"),
        Assignment("nfkb_activity", "NFkB_target_mRNA / NFkB_target_mRNA_ref", "1",
                   "NF-kB target transcription relative to the untreated cell"),
        Assignment("nfkb_survival", "nfkb_dependence * min(1, nfkb_activity)", "1",
                   "NF-kB survival signalling (0-1; nfkb_dependence when untreated)"),
        Assignment("proteotoxic_signal",
                   "hill(1 - proteasome_activity, proteotoxic_ec50, proteotoxic_hill)", "1",
                   "unfolded-protein (proteotoxic) pro-death signal of proteasome "
                   "inhibition (0-1)"),
    )


def nfkb_module(volumes: CellVolumes | None = None, *, name: str = "nfkb") -> Module:
    """The Lipniacki NF-κB core with its documented changes, bortezomib and the readouts.

    Reads ``C_btz`` (bortezomib in the medium or unbound plasma, nM), ``XPO1_eff``
    (NES-available nuclear XPO1 of the export core, nM) and ``TNF_activity`` (Lipniacki's
    receptor activity from TNF, 0–1; 0 by default); provides ``proteasome_activity``,
    ``nfkb_survival`` and ``proteotoxic_signal``.
    """
    volumes = volumes or CellVolumes.reference()
    xpo1_ref = parameter_file("nfkb").parameter("XPO1_eff_ref")
    nfkb_species = ("NFkB_n", "NFkB_c", "IkBa_NFkB_n", "IkBa_NFkB_c", "IKKa_IkBa_NFkB",
                    "pIkBa_NFkB_c")
    return Module(
        name=name,
        description="Lipniacki 2004 NF-kB module (IKK, IkBa and A20 feedback, XPO1 export "
                    "of IkBa) with constitutive IKK, proteasomal IkBa degradation, "
                    "bortezomib binding and the NF-kB survival and proteotoxic readouts",
        compartments=volumes.compartments(),
        parameters=(*nfkb_parameters(), *shuttle_parameters()),
        derived=(
            Derived("btz_koff_cell", "log(2) / btz_t_half_off_cell", "1/h",
                    "bortezomib dissociation from the proteasome"),
            Derived("btz_kon_cell", "btz_koff_cell / (btz_IC50_cell * pi_resistance)",
                    "1/(nM*h)", "association, so that koff/kon is the line's IC50"),
        ),
        species=_species(),
        reactions=_reactions(),
        assignments=_assignments(),
        inputs=(
            Input("C_btz", "nM", 0.0, "unbound bortezomib at the cell (medium or unbound "
                  "plasma)"),
            Input("XPO1_eff", xpo1_ref.unit, xpo1_ref.value,
                  "NES-available nuclear XPO1 (export core); default: the untreated "
                  "reference cell, where the export law gives Lipniacki's constants"),
            Input("TNF_activity", "1", 0.0, "TNF receptor activity (Lipniacki's TR "
                  "stimulus, 0-1)"),
        ),
        conservations=(
            Conservation("NFkB_mass", {s: 1 for s in nfkb_species},
                         description="NF-kB is neither made nor destroyed (Lipniacki 2004)"),
            Conservation("IKK_mass", {s: 1 for s in ("IKKn", "IKKa", "IKKi", "IKKa_IkBa",
                                                      "IKKa_IkBa_NFkB")},
                         when={"IKK_kprod": 0.0, "IKK_kdeg": 0.0},
                         description="IKK is only converted when its turnover is off"),
            Conservation("proteasome_sites", {"proteasome_free": 1, "proteasome_btz": 1},
                         description="bortezomib binding only moves sites between forms"),
        ),
    )


def lipniacki_volumes(nucleus_pL: float = 0.45) -> CellVolumes:
    """A geometry with Lipniacki's cytoplasm / nucleus volume ratio kv = 5."""
    return CellVolumes(nucleus_pL, LIPNIACKI_KV * nucleus_pL,
                       "Lipniacki et al., J Theor Biol 2004: kv = 5")


def lipniacki_2004_model(name: str = "lipniacki_2004") -> Model:
    """The published model: this module alone with kv = 5, total NF-κB 0.06 µM per
    cytoplasmic volume and the documented changes switched off
    (:data:`LIPNIACKI_2004_VALUES`). With ``C_btz = 0`` and ``XPO1_eff`` at its default
    (the export constants kv·e1a, kv·e2a) its equations are BIOMD0000000786's; drive it
    with ``TNF_activity`` 0 → 1."""
    volumes = lipniacki_volumes()
    model = compose(nfkb_module(volumes=volumes), name=name,
                    description="Lipniacki et al. 2004 NF-kB module as published")
    total = model.parameter("NFkB_tot0")  # Lipniacki's 0.06 uM, per cytoplasmic volume
    whole_cell = total.value * volumes.cytoplasm_pL / (volumes.cytoplasm_pL
                                                       + volumes.nucleus_pL)
    changes = [model.parameter(k).with_value(v, source="Lipniacki et al., J Theor Biol "
                                             "2004: not in the published model",
                                             kind="convention")
               for k, v in LIPNIACKI_2004_VALUES.items()]
    return model.override(
        total.with_value(whole_cell, source="Lipniacki et al., J Theor Biol 2004: 0.06 uM "
                         "per cytoplasmic volume with kv = 5"), *changes)
