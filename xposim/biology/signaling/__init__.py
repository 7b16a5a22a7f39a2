"""Signalling modules that explain selinexor's combinations.

- :func:`gr_module`: glucocorticoid receptor and dexamethasone (Jusko fifth-generation
  model), GR induced by XPO1 blockade; output ``gr_death_signal``.
- :func:`nfkb_module`: the Lipniacki 2004 NF-κB module (IKK, IκBα and A20 feedback,
  XPO1-dependent IκBα export) with bortezomib on the proteasome; outputs
  ``proteasome_activity``, ``nfkb_survival``, ``proteotoxic_signal``.
- :func:`eif4e_module`: eIF4E-dependent export of oncogene mRNAs; outputs
  ``proliferation_drive`` and ``survival_translation``.

Compose them with the export core and the target module, then call
:func:`with_untreated_references` so that the relative readouts are 1 (or their preset
weight) in the untreated cell.
"""

from __future__ import annotations

from collections.abc import Mapping

from xposim.biology.signaling.eif4e import eif4e_module as eif4e_module
from xposim.biology.signaling.gr import gr_module as gr_module
from xposim.biology.signaling.nfkb import nfkb_module as nfkb_module
from xposim.engine import Simulator
from xposim.model.module import Model

#: Reference parameters and the species whose untreated steady state they hold.
REFERENCES: dict[str, str] = {"NFkB_target_mRNA_ref": "NFkB_target_mRNA",
                              "oncoRNA_c_ref": "oncoRNA_c"}

#: Outputs the cell-fate layer reads (all dimensionless, 0-1 except proliferation_drive).
SIGNALING_OUTPUTS: tuple[str, ...] = ("gr_death_signal", "proteasome_activity",
                                      "nfkb_survival", "proteotoxic_signal",
                                      "proliferation_drive", "survival_translation")


def untreated_references(model: Model,
                         parameters: Mapping[str, float] | None = None) -> dict[str, float]:
    """Untreated steady-state values (nM) for the reference parameters ``model`` has.

    ``parameters`` (canonical units) are per-run overrides, e.g. a preset's values; drug
    inputs keep their defaults (0: untreated).
    """
    names = {p.name for p in model.parameters}
    wanted = {p: s for p, s in REFERENCES.items() if p in names}
    if not wanted:
        return {}
    # the references only scale readouts, never the dynamics: one steady state suffices
    state = Simulator(model, rtol=1e-10, atol=1e-12).steady_state(parameters=parameters)
    return {p: state[s] for p, s in wanted.items()}


def with_untreated_references(model: Model) -> Model:
    """A copy of ``model`` whose ``NFkB_target_mRNA_ref`` / ``oncoRNA_c_ref`` are its own
    untreated steady state, so ``nfkb_activity`` and ``proliferation_drive`` start at 1."""
    values = untreated_references(model)
    if not values:
        return model
    params = [model.parameter(name).with_value(
        value, source=f"untreated steady state of model {model.name} "
                      "(xposim.biology.signaling.with_untreated_references)", kind="derived")
        for name, value in values.items()]
    return model.override(*params)
