"""Provenance moved from Python to data (presets/params/*.toml) without moving a value:
the PK models.

The fixture (tests/fixtures/params_before.json.xz) holds parameter tables captured from
the code before the move. Names, order, values, units, canonical values, bounds, modules
and descriptions must be identical. The only differences allowed are listed here, each
with its reason: honest kind relabels (``convention``, and ``measured`` only with a cited
measurement), and sources that named an entry point that no longer exists (calibrations
now run as ``xposim calibrate NAME``).

The cell and Ran-cycle tables of the fixture are no longer compared: the cell-science work
(issue 11) changed the cell models on purpose (fate signals against a common reference,
cargo half-lives, the XPO1 mRNA feedback, refitted calibrations), and a snapshot that any
intended change breaks cannot tell a defect from a change. Their parameters are checked by
what they do (tests/test_cell_*.py) and by the provenance rules (test_provenance_kinds.py).
"""

from __future__ import annotations

import pytest
from params_fixture import load_fixture, parse_csv

from xposim.model import compose
from xposim.model.tables import parameter_table
from xposim.pharmacology.pk import pk_model

#: name -> (kind before, kind now). Conventions: reference levels, switches and
#: structural zeros, unit conventions, "1e6 h = stable" and the typical subject's defaults;
#: measured -> convention where the "measurement" was a definition (GR_level 1 of the
#: reference line, PBMC "not dividing" as 1e7 h, SI constants, Lipniacki's structural
#: zeros); w_nfkb was hand-picked among a few values against a qualitative statement, not
#: fitted, so it is assumed, not calibrated.
KIND_CHANGES: dict[str, tuple[str, str]] = {
    **{n: ("assumed", "convention") for n in (
        "IKK_basal", "IkBa_NFkB_t_half_nuc", "NFkB_nes_kd", "XPO1_mRNA0", "body_weight",
        "female", "reference_weight", "cargo_seed", "cells_seeded", "signal_unit",
        "f_inact", "oncoRNA_k_import", "oncoRNA_k_leak", "oncoprotein_unit", "btz_occ_unit",
        "eIF4E_level", "pi_resistance",
        *(f"{d}_eta_{e}" for d, es in (("sel", "CL Vc ka"), ("dex", "CL Vc ka"),
                                       ("btz", "CL V3 ka")) for e in es.split()))},
    **{n: ("measured", "convention") for n in (
        "GR_level", "doubling_time", "N_A", "pL_in_L", "NFkB_synthesis", "NFkB_t_half_cyt",
        "NFkB_t_half_nuc", "IkBa_NFkB_k_import", "IkBa_NFkB_koff", "IkBa_NFkB_synthesis")},
    "w_nfkb": ("calibrated", "assumed"),
}

#: Parameters whose source/fitted_to text changed: it named a removed calibration entry
#: point (now `xposim calibrate NAME`), says "by definition" for a convention, or states
#: why a value is assumed rather than calibrated.
TEXT_CHANGES: frozenset[str] = frozenset({
    "k_tr", "phi_n", "kinact_drug", "t_half_XPO1", "t_half_adduct", "w_nfkb",
    "arrest_ec50", "T0", "k_apo", "eIF4E_bypass_max",
    "eIF4E_level", "pi_resistance",
    *(f"{c}_nes_kd" for c in ("p53", "p21", "FOXO3a", "BRCA1", "IkBa", "oncoRNA",
                              "IkBa_NFkB")),
    *(f"sel_{n}_pop" for n in ("CL", "Vc", "Q", "Vp", "ka")),
    *(f"dex_{n}_pop" for n in ("Vc", "Vp", "ka")),
    *(f"btz_{n}" for n in ("CL_pop", "V1_pop", "Q2_pop", "V2_pop", "Q3_pop", "V3_pop",
                           "Bmax", "Kd", "ka_sc", "Imax", "Kd_blood", "t_half_blood")),
})

FIXTURE = load_fixture()
SEEN_KIND_CHANGES: set[str] = set()


def _compare(before, now) -> None:
    assert list(before["name"]) == list(now["name"]), "parameter names or order changed"
    b, n = before.set_index("name"), now.set_index("name")
    for name in b.index:
        for col in b.columns:
            old, new = b.at[name, col], n.at[name, col]
            if old == new:
                continue
            if col == "kind":
                assert KIND_CHANGES.get(name) == (old, new), (name, old, new)
                SEEN_KIND_CHANGES.add(name)
            elif col in ("source", "fitted_to"):
                assert name in TEXT_CHANGES or name in KIND_CHANGES, (name, col, old, new)
            else:
                pytest.fail(f"{name}.{col} changed: {old!r} -> {new!r}")


MODELS = {
    **{f"pk_{d}.csv": (lambda d=d: compose(pk_model(d).module, name=d))
       for d in ("selinexor", "dexamethasone", "bortezomib")},
}


@pytest.mark.parametrize("key", list(MODELS))
def test_model_parameter_tables_keep_every_value(key):
    """Full-precision tables (CSV) of models `xposim params` does not offer."""
    now = parse_csv(parameter_table(MODELS[key]()).to_csv(index=False))
    _compare(parse_csv(FIXTURE[key]), now)


def test_every_listed_relabel_happened():
    """The allowed changes are not a blank cheque: each listed relabel of a PK parameter
    occurs."""
    for key in MODELS:
        _compare(parse_csv(FIXTURE[key]), parse_csv(parameter_table(MODELS[key]()).to_csv(
            index=False)))
    pk = {n for n in KIND_CHANGES if n in {p for key in MODELS for p in parse_csv(
        FIXTURE[key])["name"]}}
    assert pk == SEEN_KIND_CHANGES
