"""Independent prediction: APEX, bortezomib alone vs high-dose dexamethasone alone (slow:
`make validate`).

Richardson et al., N Engl J Med 2005;352:2487-2498 (NCT00048230): 669 patients after 1-3
prior lines, bortezomib 1.3 mg/m² IV (days 1, 4, 8, 11 q21d × 8, then days 1, 8, 15, 22
q35d × 3) vs dexamethasone 40 mg PO (days 1-4, 9-12, 17-20 q35d × 4, then days 1-4 q28d
× 5). No APEX figure is in the calibration set, and none may be: the trial splits what
BOSTON's Vd arm (the calibration) lumps together, bortezomib's kill and dexamethasone's.
Protocol: ``xposim/trials/protocols/apex.toml``; comparison: docs/predictions-apex.md.

Checked against published 95% intervals (Clopper–Pearson from the published share and
denominator, as tests/test_trial_predictions.py does):

- ORR (EBMT CR + PR): 38% of 315 response-evaluable bortezomib patients (Niesvizky et al.,
  Br J Haematol 2008 gives the 315), 18% of 312 with dexamethasone.
- Grade 3-4 thrombocytopenia: 26% + 4% with bortezomib, 5% + 1% with dexamethasone
  (Lonial et al., Br J Haematol 2008;143:222, APEX safety population 331 / 332).

The medians of time to progression (6.22 and 3.49 months) and the hazard ratio (0.55) were
read without intervals. A median without an interval cannot fail a test honestly, so it is
reported (docs/known-gaps.md), not asserted; what the published P values do imply is
asserted: P < 0.001 puts the hazard ratio's 95% interval below 1 and separates the arms'
response rates, so a prediction inside the published intervals has HR < 1 and bortezomib
ahead on ORR and on median TTP.

Misses are strict xfails carrying the measured value (n = 400 per arm, seed 1, the
trial-storm / trial-boston-vd estimates of 2026-12-02); the published ranges are never
widened.
"""

from __future__ import annotations

import math

import pytest
from known_misses import case_or_known_miss

from xposim.trials.endpoints import clopper_pearson
from xposim.trials.protocol import load_protocol

pytestmark = pytest.mark.slow

N = 400
SEED = 1
WORKERS = 2
PROPORTIONS = frozenset({"orr", "grade34_thrombocytopenia"})


def _cases() -> list[tuple[str, str, float, float, str]]:
    out = []
    for t in load_protocol("apex").spec.targets:
        if t.endpoint in PROPORTIONS and t.n is not None and t.arm is not None:
            low, high = clopper_pearson(round(t.value * t.n), t.n)
            out.append((t.arm, t.endpoint, low, high, t.source))
    return out


CASES = _cases()
#: (arm, endpoint) -> the measured miss (docs/predictions-apex.md, docs/known-gaps.md).
KNOWN_MISSES: dict[tuple[str, str], str] = {
    ("dexamethasone", "orr"): "39.0% (34.2-44.0), above 13.9-22.7: the glucocorticoid "
    "route (mm_gr_kill_weight, a prior shared with STORM) carries the BOSTON Vd response",
    ("bortezomib", "grade34_thrombocytopenia"): "14.25% (11.0-18.1), below 25.0-35.2: no "
    "grade 4 at all; the marrow's bortezomib effect was fitted on BOSTON's SC Vd (17%)",
    ("dexamethasone", "grade34_thrombocytopenia"): "0.0% (0-0.9), below 3.7-9.2: the model "
    "has no dexamethasone effect on platelets and no disease-driven marrow failure",
}


def test_every_apex_proportion_is_checked():
    """ORR and grade 3-4 thrombocytopenia of both arms (a guard on the collection)."""
    assert {(c[0], c[1]) for c in CASES} == {
        (arm, ep) for arm in ("bortezomib", "dexamethasone") for ep in PROPORTIONS}


@pytest.fixture(scope="module")
def endpoints(tmp_path_factory):
    from xposim.trials.model import patient_model_recipe
    from xposim.trials.run import run_trial

    run = run_trial("apex", n=N, seed=SEED, out=tmp_path_factory.mktemp("apex"),
                    simulator=patient_model_recipe(), backend="processes",
                    workers=WORKERS, chunk_size=20)
    return run.endpoints


@pytest.mark.parametrize("arm, endpoint, low, high, source",
                         [case_or_known_miss(c, c[:2], KNOWN_MISSES) for c in CASES],
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_apex_prediction_lies_within_the_published_95ci(endpoints, arm, endpoint, low,
                                                        high, source):
    value = endpoints["arms"][arm].get(endpoint)
    assert value is not None and math.isfinite(value), f"{endpoint} not estimable"
    assert low <= value <= high, (f"apex {arm} {endpoint} = {value:.3f}, published 95% CI "
                                  f"[{low:.3f}, {high:.3f}] ({source})")


@pytest.mark.xfail(strict=True, reason="1.27 (1.07-1.51): bortezomib progresses sooner "
                   "than dexamethasone in the model (median TTP 7.59 vs 9.66 months)")
def test_apex_hazard_ratio_lies_below_one(endpoints):
    """Richardson 2005: TTP hazard ratio bortezomib vs dexamethasone 0.55, P < 0.001 — its
    95% interval lies wholly below 1, so any value inside it does too."""
    assert endpoints["hazard_ratio_pfs_arms"] == ["bortezomib", "dexamethasone"]
    hr = endpoints["hazard_ratio_pfs"]
    assert math.isfinite(hr) and hr < 1.0, f"HR {hr:.2f}, published 0.55 (P < 0.001)"


@pytest.mark.xfail(strict=True, reason="38.75% vs 39.0%: the order is reversed (barely)")
def test_apex_bortezomib_responds_more_than_dexamethasone(endpoints):
    """Richardson 2005: CR + PR 38% vs 18%, P < 0.001 (the published intervals, 32.7-43.7
    and 13.9-22.7, do not overlap)."""
    arms = endpoints["arms"]
    assert arms["bortezomib"]["orr"] > arms["dexamethasone"]["orr"]


@pytest.mark.xfail(strict=True, reason="7.59 vs 9.66 months: the order is reversed")
def test_apex_bortezomib_delays_progression_longer_than_dexamethasone(endpoints):
    """Richardson 2005: median TTP 6.22 vs 3.49 months (HR 0.55, P < 0.001)."""
    arms = endpoints["arms"]
    assert arms["bortezomib"]["median_pfs_months"] > arms["dexamethasone"]["median_pfs_months"]
