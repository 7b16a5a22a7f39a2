"""Proteasome inhibition by bortezomib, and the NF-κB survival and proteotoxic readouts.

The IκBα / NF-κB shuttle itself lives in the export core (:mod:`xposim.biology.cargoes`,
Lipniacki et al. 2004 rates): free IκBα and the IκBα·NF-κB complex leave the nucleus only
through XPO1, and their degradation is proportional to ``proteasome_activity`` and, in the
cytoplasm, is sped up by IKK (``IKK_degradation``). This module provides those two inputs
and reads the nuclear free NF-κB back:

    C_btz + P  ⇌  P·btz          reversible 20S (β5) binding, koff from the label's
                                 dissociation t½ of about 20 min, kon = koff / IC50_cell
    proteasome_activity = 1 − P·btz / P_total            (steady state: 1 / (1 + C/IC50))
    IC50_cell = btz_IC50_cell · pi_resistance            (PSMB5-mutant lines bind less)
    nfkb_activity  = NFkB_n / NFkB_n_ref                 (1 in the untreated cell)
    IkBa_induction = 1 − w + w·d·(1 + K)/(d + K),  d = NFkB_n / NFkB_feedback_scale
                                                         (Lipniacki's negative feedback)
    nfkb_survival  = nfkb_dependence · min(1, nfkb_activity)
    proteotoxic_signal = inh^n / (EC50^n + inh^n),  inh = 1 − proteasome_activity

Selinexor traps IκBα in the nucleus, where it binds NF-κB in a complex that can no
longer leave (Turner et al., Oncotarget 2016; Kashyap et al., Oncotarget 2016);
bortezomib stops IκBα degradation. Both lower nuclear free NF-κB, by different routes,
so selinexor still works on NF-κB when a PI-resistant proteasome escapes bortezomib.

``NFkB_n_ref`` must be the untreated steady state of the composed cell; set it with
:func:`xposim.biology.signaling.with_untreated_references`.
"""

from __future__ import annotations

from xposim.biology.transport import CellVolumes
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
from xposim.presets.loader import parameter_file


def nfkb_parameters() -> tuple[Parameter, ...]:
    """The module's parameters (values and provenance: presets/params/nfkb.toml)."""
    return parameter_file("nfkb").parameters()


def nfkb_module(volumes: CellVolumes | None = None, *, name: str = "nfkb") -> Module:
    """Bortezomib–proteasome binding and the NF-κB readouts.

    Reads ``C_btz`` (bortezomib in the medium / unbound plasma, nM) and ``NFkB_n`` (nuclear
    free NF-κB of the export core, nM); provides ``proteasome_activity`` and
    ``IKK_degradation`` to the export core.
    """
    volumes = volumes or CellVolumes.reference()
    return Module(
        name=name,
        description="Reversible 20S inhibition by bortezomib; IkBa degradation inputs; "
                    "NF-kB survival and proteotoxic stress readouts",
        compartments=volumes.compartments(),
        parameters=nfkb_parameters(),
        derived=(
            Derived("btz_koff_cell", "log(2) / btz_t_half_off_cell", "1/h",
                    "bortezomib dissociation from the proteasome"),
            Derived("btz_kon_cell", "btz_koff_cell / (btz_IC50_cell * pi_resistance)",
                    "1/(nM*h)", "association, so that koff/kon is the line's IC50"),
        ),
        species=(
            Species("proteasome_btz", "cell", 0.0,
                    description="bortezomib-bound 20S proteasome"),
            Species("proteasome_free", "cell", "proteasome_total0",
                    description="active 20S proteasome"),
        ),
        reactions=(
            Reaction("btz_proteasome_binding",
                     "btz_kon_cell * C_btz * proteasome_free - btz_koff_cell * proteasome_btz",
                     {"proteasome_free": 1}, {"proteasome_btz": 1}, "cell",
                     "reversible bortezomib binding to the beta5 site", reversible=True),
        ),
        assignments=(
            Assignment("proteasome_activity", "proteasome_free / proteasome_total0", "1",
                       "20S chymotrypsin-like activity relative to the untreated cell"),
            Assignment("IKK_degradation", "IKK_basal", "1/h",
                       "IKK-driven IkBa degradation constant passed to the export core"),
            Assignment("nfkb_activity", "NFkB_n / NFkB_n_ref", "1",
                       "nuclear free NF-kB relative to the untreated cell"),
            Assignment("nfkb_feedback_drive", "NFkB_n / NFkB_feedback_scale", "1",
                       "nuclear free NF-kB on the feedback scale"),
            Assignment("IkBa_induction",
                       "1 - IkBa_feedback + IkBa_feedback * nfkb_feedback_drive * (1 + "
                       "IkBa_feedback_K) / (nfkb_feedback_drive + IkBa_feedback_K)", "1",
                       "IkBa synthesis relative to the export core's (NF-kB feedback), "
                       "passed to the export core"),
            Assignment("nfkb_survival", "nfkb_dependence * min(1, nfkb_activity)", "1",
                       "NF-kB survival signalling (0-1; nfkb_dependence when untreated)"),
            Assignment("proteotoxic_signal",
                       "(1 - proteasome_activity) ** proteotoxic_hill / (proteotoxic_ec50 ** "
                       "proteotoxic_hill + (1 - proteasome_activity) ** proteotoxic_hill)", "1",
                       "unfolded-protein (proteotoxic) pro-death signal of proteasome "
                       "inhibition (0-1)"),
        ),
        inputs=(
            Input("C_btz", "nM", 0.0, "unbound bortezomib at the cell (medium or unbound "
                  "plasma)"),
            Input("NFkB_n", "nM", 0.1073, "nuclear free NF-kB (export core species)"),
        ),
        conservations=(
            Conservation("proteasome_sites", {"proteasome_free": 1, "proteasome_btz": 1},
                         description="bortezomib binding only moves sites between forms"),
        ),
    )
