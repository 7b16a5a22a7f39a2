"""Issue 4 combinations scored on simulated checkerboards (72 h CellTiter-Glo-like viability).

Sources (calibration-targets.md §3, qualitative): Argueta et al., Oncotarget 2018;9:25529
(selinexor induces GR; with dexamethasone GR activity and REDD1 rise, mTORC1 falls:
synergistic death; single-agent selinexor is GR-independent); Turner et al., Oncotarget
2016;7:78896 and Transl Oncol 2021 (nuclear IkBa retention inhibits NF-kB; selinexor with
bortezomib restores sensitivity in PI-resistant lines; lost with IkB knockdown).
Clinically relevant bortezomib: 1.3 mg/m2 SC Cmax 20.4 ng/mL = 53 nM (MW 384.2; Moreau et
al. 2011, calibration-targets.md §2); plasma levels stay far below that between doses.
Grids are coarse (4 x 4) and placed on the steep part of each single-agent curve; the
thresholds are the conventional ones (Bliss / Loewe excess > 0, CI < 1) with a margin.

NF-kB (xposim.biology.signaling.nfkb, the Lipniacki 2004 core): selinexor traps IkBa-NF-kB
in the nucleus only once it blocks nearly all XPO1 (>= ~98% occupancy, 150-300 nM in a
0.9 uM-XPO1 myeloma cell); at 20 nM it leaves NF-kB within 2% of untreated. The 8226-B25
claims are therefore tested where that mechanism acts (200 nM), and the earlier
sub-toxic-selinexor (20 nM) statements are strict xfails with the measured values
(docs/combinations.md, known gaps).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

import numpy as np
import pytest

from xposim.analysis.doseresponse import fit_hill
from xposim.analysis.synergy import CombinationGrid, bliss, loewe, summary
from xposim.biology.cell import build_cell_model, core_baseline, simulator_for
from xposim.experiments.combination import combination_grid
from xposim.experiments.viability import DRUG_INPUTS, viability, viability_curve
from xposim.presets.cell_lines import get_cell_line

SEL_DEX = {"selinexor": [0.0, 10.0, 20.0, 40.0], "dexamethasone": [0.0, 10.0, 100.0, 1000.0]}
SEL_BTZ = {"selinexor": [0.0, 10.0, 20.0, 40.0], "bortezomib": [0.0, 3.0, 5.0, 8.0]}
BTZ_CMAX_SC_NM = 20.4 / 384.2 * 1000.0  # 53 nM (Moreau 2011; calibration-targets.md §2)
BTZ_CLINICAL_NM = 50.0                  # at or below the SC Cmax
SEL_SUBTOXIC_NM = 20.0                  # selinexor alone leaves >= 75% viable in 8226-B25
SEL_TRAPPING_NM = 200.0                 # XPO1 98.5% occupied: IkBa-NF-kB trapped (nfkb docs)


def _grid(line: str, axes: Mapping[str, list[float]],
          fixed: Mapping[str, float] | None = None) -> CombinationGrid:
    drugs = tuple(axes)
    return combination_grid(lambda c: viability(line, c), (drugs[0], drugs[1]), axes,
                            fixed=fixed)


@pytest.fixture(scope="module")
def grids() -> dict[str, CombinationGrid]:
    return {"MM.1S dex": _grid("MM.1S", SEL_DEX), "MM.1R dex": _grid("MM.1R", SEL_DEX),
            "RPMI-8226 btz": _grid("RPMI-8226", SEL_BTZ)}


def _knockdown_viability(line: str, ikba_fold: float) -> Callable[[Mapping[str, float]], float]:
    """72 h viability of ``line`` with IkBa transcription cut ``ikba_fold``-fold (shRNA
    knockdown, Turner 2016); the knocked-down cell is its own untreated control and
    reference."""
    cell = get_cell_line(line)
    syn = build_cell_model(cell).parameter("IkBa_mRNA_induction")
    knocked = syn.with_value(syn.value / ikba_fold, source="IkBa knockdown (Turner 2016)",
                             kind="assumed")
    cell = dataclasses.replace(cell, parameters=(*cell.parameters, knocked))
    model = build_cell_model(cell, fate=True)
    sim, values = simulator_for(model, fate=True)
    base, defaults = core_baseline(cell), model.default_values()
    initial = {s.name: base[s.name] for s in model.species if s.name in base}
    initial.update({k: 0.0 for k in ("fate_arrested", "fate_dying1", "fate_dying2",
                                     "fate_dying3", "fate_dead", "apo_drive")})
    initial.update({"fate_proliferating": defaults["cells_seeded"],
                    "apo_threshold": defaults["T0"] * defaults["signal_unit"]})

    def cells(conc: Mapping[str, float]) -> float:
        drugs = {DRUG_INPUTS[d]: float(c) for d, c in conc.items()}
        res = sim.run([0.0, 72.0], parameters={**values, **drugs}, initial=initial,
                      outputs=["viable_cells"])
        return float(res["viable_cells"][-1])

    control = cells({})
    return lambda conc: cells(conc) / control


def _bliss_excess_at(v: Callable[[Mapping[str, float]], float], sel: float,
                     btz: float) -> tuple[float, float, float, float]:
    """(selinexor alone, bortezomib alone, both, Bliss excess) viabilities."""
    a, b = v({"selinexor": sel}), v({"bortezomib": btz})
    ab = v({"selinexor": sel, "bortezomib": btz})
    return a, b, ab, a * b - ab


# --- (a) selinexor x dexamethasone: GR-positive vs GR-negative (Argueta 2018) -------------

def test_selinexor_dexamethasone_synergistic_in_gr_positive_mm1s(grids):
    """Argueta 2018: synergistic death in GR-positive myeloma. MM.1S (GR high, Moalli 1992):
    mean Bliss excess > 0.1, mean Loewe excess > 0.1 and CI50 < 0.8 on the 4 x 4 grid."""
    s = summary(grids["MM.1S dex"])
    assert s["bliss"]["mean"] > 0.1  # type: ignore[index]
    assert s["loewe"]["mean"] > 0.1  # type: ignore[index]
    assert s["ci50"] is not None and s["ci50"] < 0.8


def test_selinexor_dexamethasone_additive_in_gr_negative_mm1r(grids):
    """Argueta 2018: the synergy needs GR; MM.1R lacks functional GR (Moalli 1992).
    |mean Bliss excess| < 0.03 and dexamethasone alone (1 uM) leaves >= 98% viable;
    single-agent selinexor is GR-independent: MM.1R and MM.1S selinexor columns agree
    within 0.02 (the only preset difference is GR)."""
    r, s = grids["MM.1R dex"], grids["MM.1S dex"]
    assert abs(bliss(r).mean) < 0.03
    assert r.effect[0, -1] >= 0.98
    assert abs(r.effect[:, 0] - s.effect[:, 0]).max() < 0.02


# --- (b) selinexor x bortezomib in a PI-sensitive line (Turner 2016) ----------------------

def test_selinexor_bortezomib_synergistic_in_pi_sensitive_rpmi8226(grids):
    """Turner 2016 (parental RPMI-8226 of 8226-B25): synergistic. Mean Bliss excess > 0.2,
    mean Loewe excess > 0.2, CI50 < 0.8. The bortezomib axis (3/5/8 nM) sits on the steep
    part of its curve (72 h IC50 7.9 nM): 8 nM alone < 80% viable."""
    g = grids["RPMI-8226 btz"]
    s = summary(g)
    assert s["bliss"]["mean"] > 0.2  # type: ignore[index]
    assert loewe(g).mean > 0.2
    assert s["ci50"] is not None and s["ci50"] < 0.8
    assert g.effect[0, -1] < 0.8


# --- (c) PI-resistant 8226-B25: resistance, resensitisation, IkBa knockdown --------------

def test_pi_resistant_b25_survives_clinical_bortezomib_parental_does_not():
    """Turner 2016: 8226-B25 is PI-resistant. At 50 nM (<= SC Cmax 53 nM) bortezomib alone
    leaves >= 90% of B25 viable, against <= 5% of parental RPMI-8226."""
    assert BTZ_CLINICAL_NM <= BTZ_CMAX_SC_NM
    assert viability("RPMI-8226-B25", {"bortezomib": BTZ_CLINICAL_NM}) >= 0.9
    assert viability("RPMI-8226", {"bortezomib": BTZ_CLINICAL_NM}) <= 0.05


@pytest.mark.xfail(strict=True, reason="Lipniacki core: 20 nM selinexor leaves NF-kB within "
                   "2% of untreated in 8226-B25, so it cannot lift the NF-kB crutch; measured: "
                   "selinexor alone 0.85, with 50 nM bortezomib 0.82 (ratio 0.96), Bliss 0.03")
def test_selinexor_restores_bortezomib_killing_in_b25_at_subtoxic_selinexor():
    """Turner 2016: selinexor restores PI sensitivity in 8226-B25. "Restored" here: at a
    clinical bortezomib concentration (50 nM) and a sub-toxic selinexor concentration
    (20 nM, alone >= 75% viable), bortezomib's own effect on top of selinexor (viability
    both / selinexor alone) is <= 0.5 against >= 0.95 without selinexor, the pair leaves
    <= 40% viable and the Bliss excess is >= 0.3."""
    a, b, ab, excess = _bliss_excess_at(lambda c: viability("RPMI-8226-B25", c),
                                        SEL_SUBTOXIC_NM, BTZ_CLINICAL_NM)
    assert a >= 0.75 and b >= 0.95
    assert ab <= 0.4 and ab / a <= 0.5
    assert excess >= 0.3


def test_selinexor_restores_bortezomib_killing_in_b25_where_it_traps_ikba():
    """Turner 2016 (abstract): selinexor with bortezomib raises nuclear IkBa-p65 and
    restores PI sensitivity of 8226-B25. At 200 nM selinexor (98.5% of XPO1 occupied, where
    the Lipniacki core traps IkBa-NF-kB) a clinical bortezomib concentration (50 nM, alone
    >= 95% viable) halves viability on top of selinexor (both / selinexor alone <= 0.6;
    measured 0.51) with a Bliss excess >= 0.25 (0.30). No value was picked for this figure
    (w_nfkb and the B25 nfkb_dependence were picked for the knockdown one, below); the
    concentration is where the mechanism acts; selinexor alone leaves >= 50% viable
    (0.62)."""
    a, b, ab, excess = _bliss_excess_at(lambda c: viability("RPMI-8226-B25", c),
                                        SEL_TRAPPING_NM, BTZ_CLINICAL_NM)
    assert a >= 0.5 and b >= 0.95
    assert ab / a <= 0.6
    assert excess >= 0.25


def _bortezomib_ic50(line: str, sel: float) -> float:
    """72 h bortezomib IC50 (Hill fit, top 1, bottom 0), viability rebased to the
    selinexor-alone well."""
    conc = np.array([0.0, 2, 5, 10, 20, 30, 50, 70, 100, 150, 200, 300, 500, 1000])
    v = viability_curve(line, "bortezomib", conc, fixed={"selinexor": sel})
    return fit_hill(conc, v / v[0], top=1.0, bottom=0.0).ic50_nM


def test_fit_parental_rpmi8226_bortezomib_ic50_is_low_nm():
    """The parental IC50 lies in the low-nM range of sensitive myeloma lines (2-10 nM, Ri et
    al., Leukemia 2010, recalled): the figure w_proteotoxic (fate.toml) was picked for.
    Measured 7.9 nM."""
    assert 2.0 <= _bortezomib_ic50("RPMI-8226", 0.0) <= 10.0


@pytest.mark.xfail(strict=True, reason="Lipniacki core: with 20 nM selinexor the 8226-B25 "
                   "bortezomib IC50 falls 2.3-fold, 250 -> 108 nM, still above the SC Cmax "
                   "(53 nM); it crosses it near 200 nM selinexor (49 nM)")
def test_selinexor_brings_the_b25_bortezomib_ic50_below_the_clinical_cmax():
    """Turner 2016, in clinical terms: the B25 bortezomib IC50 lies above the SC Cmax
    (53 nM) alone and below it with 20 nM selinexor."""
    alone = _bortezomib_ic50("RPMI-8226-B25", 0.0)
    with_sel = _bortezomib_ic50("RPMI-8226-B25", SEL_SUBTOXIC_NM)
    assert alone > BTZ_CMAX_SC_NM > with_sel


def test_fit_ikba_knockdown_abolishes_the_b25_synergy():
    """Turner 2016: the selinexor-bortezomib effect is lost with IkB knockdown. A fit
    regression, not a validation: w_nfkb (fate.toml) and the 8226-B25 nfkb_dependence
    (cell_lines.toml) were picked by hand so that it holds. IkBa transcription cut
    100-fold (the knocked-down line is its own control): the Bliss excess of the B25 pair
    (200 nM / 50 nM) is >= 0.25 intact (0.30) and falls below 0.1 and a quarter of it with
    the knockdown (0.025)."""
    full = _bliss_excess_at(_knockdown_viability("RPMI-8226-B25", 1.0), SEL_TRAPPING_NM,
                            BTZ_CLINICAL_NM)[3]
    kd = _bliss_excess_at(_knockdown_viability("RPMI-8226-B25", 100.0), SEL_TRAPPING_NM,
                          BTZ_CLINICAL_NM)[3]
    assert full >= 0.25
    assert kd < 0.1 and kd < 0.25 * full


# --- (d) the triplet ---------------------------------------------------------------------

def test_selinexor_dexamethasone_grid_on_bortezomib_background_scores():
    """The triplet (selinexor x dexamethasone on 2 nM bortezomib, MM.1S) runs and scores:
    the (0, 0) well holds bortezomib alone (< 1), and sel x dex on that background stays
    synergistic (mean Bliss excess > 0; Argueta 2018 - no claim on the triplet's size)."""
    g = _grid("MM.1S", SEL_DEX, fixed={"bortezomib": 2.0})
    s = summary(g)
    assert dict(g.fixed) == {"bortezomib": 2.0} and g.effect[0, 0] < 1.0
    assert s["bliss"]["mean"] > 0.0  # type: ignore[index]
    assert all(s[k]["mean"] == s[k]["mean"] for k in ("bliss", "hsa", "loewe", "zip"))  # type: ignore[index]
