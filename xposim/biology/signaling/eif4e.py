"""eIF4E-dependent export of oncogene mRNAs, and the proliferation and survival readouts.

eIF4E binds a 4E-sensitivity element in the mRNAs of cyclin D1, MYC, MCL1 and other
oncogenes in the nucleus and exports them through LRPPRC and CRM1 (XPO1); in the
cytoplasm the same cap-bound eIF4E drives their translation. The export core carries
these mRNAs as the lumped cargo ``oncoRNA`` (:mod:`xposim.biology.cargoes`), whose XPO1
export is multiplied by ``eIF4E_export_factor``, the eIF4E-loaded share of the mRNAs
relative to the reference cell:

    eIF4E_export_factor = L·(1 + K) / (L + K)          L = eIF4E_level, 1 at L = 1
    proliferation_drive = oncoRNA_c / oncoRNA_c_ref       (1 in the untreated cell)
    eIF4E_bypass = b_max · E / (E + K),   E = max(L − 1, 0)          (0 at L <= 1)
    dP/dt = k_P·((eIF4E_export_factor · oncoRNA_c / oncoRNA_c_scale + eIF4E_bypass)
                 · P_unit − P)
                                      lumped short-lived oncoproteins (MCL1, cyclin D1, MYC)
    survival_translation = T^n / (K_S^n + T^n),  T = P / P_unit      (anti-apoptotic)

The translation term reuses the export factor: the same eIF4E·cap binding that loads the
mRNAs for export drives their cap-dependent translation.

More eIF4E speeds export beyond what nuclear decay competes with (an export reserve),
so deeper XPO1 inhibition is needed to empty the cytoplasm of these mRNAs, and it raises
the translated protection. That alone saturates with XPO1 (selinexor occupies > 95% of
it by 100-300 nM) and gave only a ~4-fold IC50 shift. The bypass is the part of the
translated protection selinexor cannot reach: eIF4E's export (4E-SE, CRM1) and
translation roles rest on different mRNA elements, and bulk mRNA leaves the nucleus
through NXF1, not CRM1 (Culjkovic et al., J Cell Biol 2006); eIF4E is limiting, so
eIF4E above the reference level recruits eIF4E-sensitive mRNAs such as MCL1 (Wendel
et al., Genes Dev 2007) whose export selinexor does not block. It is exactly 0 at the
reference level and below, so every line with ``eIF4E_level`` 1 is unchanged. Its extent
``eIF4E_bypass_max`` (half-saturation shared with ``eIF4E_K``) is fitted to the 10-fold
IC50 shift (Blood Adv 2023;7:2926: eIF4E overexpression raised the selinexor IC50
10-fold and reduced G1 arrest).

``oncoRNA_c_ref`` (readout only) must be the untreated steady state of the composed cell;
set it with :func:`xposim.biology.signaling.with_untreated_references`. The dynamics use
the fixed ``oncoRNA_c_scale`` instead, so they never depend on that reference.
"""

from __future__ import annotations

from xposim.biology.transport import CellVolumes
from xposim.model import Assignment, Derived, Input, Module, Parameter, Reaction, Species
from xposim.presets.loader import parameter_file


def eif4e_parameters() -> tuple[Parameter, ...]:
    """The module's parameters (values and provenance: presets/params/eif4e.toml)."""
    return parameter_file("eif4e").parameters()


def eif4e_module(volumes: CellVolumes | None = None, *, name: str = "eif4e") -> Module:
    """eIF4E level -> oncoRNA export factor; proliferation and survival readouts.

    Reads ``oncoRNA_c`` (cytoplasmic oncogene mRNA of the export core, nM); provides
    ``eIF4E_export_factor`` to the export core.
    """
    volumes = volumes or CellVolumes.reference()
    return Module(
        name=name,
        description="eIF4E-dependent oncogene mRNA export; proliferation drive and "
                    "translation-driven survival",
        compartments=volumes.compartments(),
        parameters=eif4e_parameters(),
        derived=(
            Derived("eIF4E_export_factor",
                    "eIF4E_level * (1 + eIF4E_K) / (eIF4E_level + eIF4E_K)", "1",
                    "eIF4E-loaded share of oncogene mRNAs relative to the reference"),
            Derived("oncoprotein_kdeg", "log(2) / oncoprotein_t_half", "1/h",
                    "oncoprotein turnover"),
            Derived("eIF4E_bypass", "eIF4E_bypass_max * max(eIF4E_level - 1, 0) / "
                    "(max(eIF4E_level - 1, 0) + eIF4E_K)", "1",
                    "XPO1-independent oncoprotein translation from eIF4E above the reference "
                    "level (exactly 0 at eIF4E_level <= 1)"),
        ),
        species=(
            Species("oncoprotein", "cytoplasm",
                    "oncoprotein_unit * (eIF4E_export_factor + eIF4E_bypass)",
                    description="lumped eIF4E-dependent oncoproteins (MCL1, cyclin D1, MYC), "
                                "nM-equivalents with 1 = untreated reference cell"),
        ),
        reactions=(
            Reaction("oncoprotein_translation_rxn",
                     "oncoprotein_kdeg * oncoprotein_unit * eIF4E_export_factor * oncoRNA_c / "
                     "oncoRNA_c_scale + oncoprotein_kdeg * oncoprotein_unit * eIF4E_bypass",
                     (), {"oncoprotein": 1}, "cytoplasm",
                     "eIF4E-dependent translation of XPO1-exported oncogene mRNA, plus the "
                     "XPO1-independent share recruited by excess eIF4E"),
            Reaction("oncoprotein_degradation", "oncoprotein_kdeg * oncoprotein",
                     {"oncoprotein": 1}, (), "cytoplasm", "oncoprotein turnover"),
        ),
        assignments=(
            Assignment("proliferation_drive", "oncoRNA_c / oncoRNA_c_ref", "1",
                       "cytoplasmic oncogene mRNA relative to the untreated cell"),
            Assignment("oncoprotein_translation", "oncoprotein / oncoprotein_unit", "1",
                       "eIF4E-dependent oncoproteins relative to the untreated reference "
                       "myeloma cell"),
            Assignment("survival_translation",
                       "hill(oncoprotein_translation, survival_translation_K, "
                       "survival_translation_hill)", "1",
                       "anti-apoptotic protection from translated oncoproteins (0-1)"),
        ),
        inputs=(Input("oncoRNA_c", "nM", 3.911, "cytoplasmic oncogene mRNA (export core "
                      "species)"),),
    )
