"""The trial calibrations on the real patient model (slow: `make validate`).

Fit regressions (``test_fit_*``): the stored estimates of trial-storm and trial-boston-vd,
evaluated again on their declared virtual arm (same subjects, same seed), reproduce the
model values recorded when they were written and meet every target within the
declaration's own tolerance (the published 95% interval; a z-score within ±1.96 of the
declared SE where only an SE is stated).

Reproduction of the calibration figures at trial size: STORM and BOSTON-Vd arms of 400
virtual patients, on another seed than the calibration's (other patients), give the
*hard* figures — IMWG counts and Kaplan–Meier medians as `xposim trial run` reports them,
not the smooth versions the fit used — inside the published figures' 95% CIs:

- STORM part 2 (Chari et al., NEJM 2019, n = 122): ORR 26% (95% CI 19–35, published);
  ≥ MR 39% (Clopper–Pearson 30.6–48.6 from 48/122); median PFS 3.7 months (no CI
  retrieved: 3.0–4.5 by the exponential approximation 3.7·exp(±1.96/√d), d ≈ 100 events);
- STORM dose modifications 58% (Clopper–Pearson 48.9–67.1 from 71/122; the label's rules
  applied with the calibrated investigators' rule adherence);
- XPOVIO US label §5.1 (myeloma, 80 mg twice weekly, n = 202): thrombocytopenia of any
  grade 74% (Clopper–Pearson 67.1–79.7 from 149/202), grade 3–4 61% (53.8–67.7 from
  123/202), grade 4 ~32% (25.8–39.1 from 65/202);
- BOSTON Vd arm (Grosicki et al., Lancet 2020, n = 207): ORR 62.3% (Clopper–Pearson
  55.3–68.9 from 129/207), median PFS 9.46 months (95% CI 8.11–10.78, published), grade
  3–4 thrombocytopenia 17% (Clopper–Pearson 12.1–22.7 from 35/207);
- STORM median time to response 4.1 weeks and the label's median onset of
  thrombocytopenia 22 days (no CI published: the exponential approximation on 32
  responders and 149 patients with thrombocytopenia), median duration of response 4.4
  months (95% CI 3.7–10.8, published), >= VGPR 8/122 and grade 3–4 hyponatraemia 22%
  (27/123; both fitted since 2026-12-02).

These are the figures the calibrations were fitted to (the issue's "calibration figures
reproduced"), not independent validation: that is the other trials' job.

Validation against a figure not used in fitting (``test_validation_*``): grade 3–4
neutropenia in STORM part 2, 21% (Chari et al., NEJM 2019, safety population n = 123;
the count 26/123 = 21.1% is derived from the published 21% and n — 25/123 and 27/123
round to 20% and 22% — and gives the Clopper–Pearson 95% CI 14.3–29.4). trial-storm
estimates the neutrophil effect through the dose modifications, never through this
figure.
"""

from __future__ import annotations

import pytest
from known_misses import case_or_known_miss
from test_trial_calibration import trial_target_cases, within_tolerance

from xposim.calibration import load_declaration, verify

pytestmark = pytest.mark.slow

N = 400
SEED = 1
WORKERS = 2

#: (protocol, arm, endpoint, low, high, source) — the published 95% intervals.
FIGURES = [
    ("storm", "Xd", "orr", 0.19, 0.35, "Chari 2019: 26% (95% CI 19-35), n = 122"),
    ("storm", "Xd", "mr_or_better", 0.306, 0.486,
     "Chari 2019: 48/122 (39%), Clopper-Pearson 95% CI"),
    ("storm", "Xd", "median_pfs_months", 3.0, 4.5,
     "Chari 2019: 3.7 months; CI approximated (no published CI retrieved)"),
    ("storm", "Xd", "grade34_thrombocytopenia", 0.538, 0.677,
     "XPOVIO label §5.1: 61% of 202, Clopper-Pearson 95% CI"),
    ("storm", "Xd", "any_grade_thrombocytopenia", 0.671, 0.797,
     "XPOVIO label §5.1: 74% of 202 (149/202), Clopper-Pearson 95% CI"),
    ("storm", "Xd", "grade4_thrombocytopenia", 0.258, 0.391,
     "XPOVIO label §5.1: ~32% of 202 (65/202), Clopper-Pearson 95% CI"),
    ("storm", "Xd", "dose_modified", 0.489, 0.671,
     "Chari 2019 (calibration-targets.md §4): 58% (71/122), Clopper-Pearson 95% CI"),
    ("boston-vd", "Vd", "orr", 0.553, 0.689,
     "Grosicki 2020: 62.3% of 207, Clopper-Pearson 95% CI"),
    ("boston-vd", "Vd", "median_pfs_months", 8.11, 10.78,
     "Grosicki 2020: 9.46 months (95% CI 8.11-10.78)"),
    ("boston-vd", "Vd", "grade34_thrombocytopenia", 0.121, 0.227,
     "Grosicki 2020: 35/207 (17%), Clopper-Pearson 95% CI"),
    ("storm", "Xd", "median_time_to_response_weeks", 2.9, 5.8,
     "Chari 2019: 4.1 weeks (range 1-14); no CI published: 2.9-5.8 by the exponential "
     "approximation 4.1 x exp(+-1.96/sqrt(32)), 32 responders"),
    ("storm", "Xd", "median_dor_months", 3.7, 10.8,
     "Chari 2019: 4.4 months (95% CI 3.7-10.8), 32 responders"),
    ("storm", "Xd", "median_onset_thrombocytopenia_days", 18.7, 25.8,
     "XPOVIO label §5.1: median onset 22 days; no CI published: 18.7-25.8 by the "
     "exponential approximation 22 x exp(+-1.96/sqrt(149)), 149 with thrombocytopenia"),
    # the calibration set's STORM depth and safety figures (calibration-targets.md §4):
    # >= VGPR and hyponatraemia fitted since 2026-12-02, discontinuation not fitted
    ("storm", "Xd", "vgpr_or_better", 0.0287, 0.1251,
     "Chari 2019: 2 sCR + 6 VGPR = 8/122 (6.6%), Clopper-Pearson 95% CI"),
    ("storm", "Xd", "grade34_hyponatremia", 0.1499, 0.3031,
     "Chari 2019 / XPOVIO label: grade 3-4 hyponatraemia 22% (CTCAE v4.03: < 130 "
     "mmol/L); 27/123 of the safety population, Clopper-Pearson 95% CI"),
    ("storm", "Xd", "discontinued_toxicity", 0.1924, 0.3557,
     "calibration-targets.md §4 (Chari 2019): 27% stopped for adverse events; 33/123, "
     "Clopper-Pearson 95% CI"),
]
#: Figures the model misses at trial size: (protocol, endpoint) -> the measured value
#: (docs/known-gaps.md), n = 400, seed 1, after trial-storm's refit with the resistance
#: spread and the sodium effect (2026-12-02).
KNOWN_MISSES: dict[tuple[str, str], str] = {
    ("storm", "median_time_to_response_weeks"):
        "8.0 weeks: the first assessment at or after the response, on day 1 of each "
        "28-day cycle (assumed schedule); the smooth crossing is 4.17 weeks",
    ("storm", "median_onset_thrombocytopenia_days"):
        "14.0 days (weekly labs): plt_mtt at its 300 h bound; one Friberg chain gives "
        "onset and recovery the same delay",
    ("storm", "dose_modified"):
        "67.75%, 0.65 points above 67.1 (67.0% before the sodium effect was fitted: the "
        "label's sodium <= 130 hold adds modifications; the fit meets 61.7% on its own "
        "patients)",
    ("storm", "discontinued_toxicity"):
        "8.5%: the patients' own stops (toxicity_discontinuation) are modelled but not "
        "fitted: fitted jointly they pushed >= MR, grade 4 thrombocytopenia and grade 3-4 "
        "neutropenia out of their intervals (docs/known-gaps.md)",
}


@pytest.fixture(scope="module")
def arms(tmp_path_factory):
    from xposim.trials.model import patient_model_recipe
    from xposim.trials.run import run_trial

    out = {}
    for protocol in ("storm", "boston-vd"):
        run = run_trial(protocol, n=N, seed=SEED, out=tmp_path_factory.mktemp(protocol),
                        simulator=patient_model_recipe(), backend="processes",
                        workers=WORKERS, chunk_size=20)
        out[protocol] = {k: dict(v) for k, v in run.endpoints["arms"].items()}
    return out


@pytest.mark.parametrize("protocol, arm, endpoint, low, high, source", [
    case_or_known_miss(f, (f[0], f[2]), KNOWN_MISSES) for f in FIGURES],
    ids=[f"{f[0]}-{f[2]}" for f in FIGURES])
def test_calibration_figures_are_reproduced_within_the_published_95ci(
        arms, protocol, arm, endpoint, low, high, source):
    """Every figure of the calibration set at trial size (FIGURES)."""
    value = arms[protocol][arm][endpoint]
    assert value is not None, f"{endpoint} not estimable"
    assert low <= value <= high, f"{protocol} {endpoint} = {value:.3f}, published " \
                                 f"[{low}, {high}] ({source})"


def test_validation_storm_grade34_neutropenia_within_the_published_95ci(arms):
    """Not a calibration target: STORM part 2 grade 3-4 neutropenia 21% (Chari et al.,
    NEJM 2019; 26/123 derived from 21% of the safety population; Clopper-Pearson 95% CI
    14.3-29.4)."""
    value = arms["storm"]["Xd"]["grade34_neutropenia"]
    assert value is not None
    assert 0.143 <= value <= 0.294, f"grade 3-4 neutropenia {value:.3f}, published 21% " \
                                    "(14.3-29.4)"


@pytest.fixture(scope="module")
def verified():
    """The stored estimates of each trial calibration evaluated again (one arm each)."""
    return {name: verify(load_declaration(name)) for name in ("trial-storm", "trial-boston-vd")}


@pytest.mark.parametrize("name", ["trial-storm", "trial-boston-vd"])
def test_fit_trial_calibration_reproduces_its_recorded_values(verified, name):
    """Common random numbers: the same patients give the recorded model values again."""
    bad = {k: d for k, d in verified[name].differences().items() if d > 1.0}
    assert not bad, f"{name}: targets moved since the estimates were written ({bad}); " \
                    f"rerun xposim calibrate {name}"


@pytest.mark.parametrize("name, target", trial_target_cases())
def test_fit_trial_calibration_meets_each_target_within_its_tolerance(verified, name,
                                                                     target):
    cal = load_declaration(name)
    t = next(x for x in cal.targets if x.name == target)
    m = float(verified[name].evaluation.model[target])
    assert within_tolerance(t, m), f"{name} {target}: {m:.4g} vs {t.value} (sd {t.sd}, " \
                                   f"range {t.low}-{t.high})"
