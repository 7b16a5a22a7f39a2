"""Independent validation: trials and arms no calibration saw (slow: `make validate`).

Every figure a built-in protocol marks ``use = "prediction"`` or ``"validation"`` is
checked here against its published 95% interval, on virtual arms of 400 patients:

- BOSTON's XVd arm (selinexor 100 mg weekly + bortezomib + dexamethasone; Grosicki et al.,
  Lancet 2020): ORR 76.4% (Clopper–Pearson from 149/195), median PFS 13.93 months (95% CI
  11.73 to not evaluable), grade 3–4 thrombocytopenia 39% (77/195), and the PFS hazard
  ratio XVd vs Vd 0.70 (0.53–0.93). Only the Vd arm's figures were fitted
  (``trial-boston-vd``); the selinexor–bortezomib interaction is the cell layer's.
- SADAL (selinexor 60 mg twice weekly in relapsed/refractory DLBCL; Kalakonda et al.,
  Lancet Haematol 2020, and the US label §5.1): ORR 28.3% (20.7–37.0), grade 3–4
  thrombocytopenia 49% (Clopper–Pearson from 66/134). No DLBCL figure is in the
  calibration set: the disease parameters come from the cell layer and the sources.

Figures published without an interval or a count (SADAL's median PFS 2.6 months, the
onset of thrombocytopenia at 28 days) cannot fail a test: they are reported in
docs/known-gaps.md ("Independent validation"), not asserted. Misses are strict xfails
with the measured value, and rows of that table; the published ranges are never widened.
"""

from __future__ import annotations

import math

import pytest
from known_misses import case_or_known_miss

from xposim.trials.endpoints import clopper_pearson
from xposim.trials.protocol import load_protocol

pytestmark = pytest.mark.slow

N = 400
SEED = 7
WORKERS = 2
PROTOCOLS = ("boston", "sadal")
#: endpoints that are proportions (an interval can be computed from the published count)
PROPORTIONS = frozenset({"orr", "mr_or_better", "cbr", "grade34_thrombocytopenia",
                         "grade4_thrombocytopenia", "any_grade_thrombocytopenia",
                         "grade34_neutropenia", "dose_modified"})


def _interval(t) -> tuple[float, float] | None:
    """The published 95% interval: as printed, or Clopper–Pearson from the count."""
    if t.ci is not None:
        return (float(t.ci[0]), float(t.ci[1]))
    if t.n is not None and t.endpoint in PROPORTIONS:
        return clopper_pearson(round(t.value * t.n), t.n)
    return None


def _cases() -> list[tuple[str, str | None, str, float, float, str]]:
    out = []
    for name in PROTOCOLS:
        for t in load_protocol(name).spec.targets:
            ci = _interval(t)
            if t.use != "calibration" and ci is not None:
                out.append((name, t.arm, t.endpoint, ci[0], ci[1], t.source))
    return out


CASES = _cases()
#: (protocol, arm, endpoint) -> the measured miss (docs/known-gaps.md).
#: Measured at n = 400 per arm, seed 7, on the trial-storm and trial-boston-vd estimates
#: fitted on 400 patients each (2026-12-02; investigators' rule adherence 0.300, read by
#: storm, both boston arms and sadal; the 200/100-patient fits' values in brackets).
KNOWN_MISSES: dict[tuple[str, str | None, str], str] = {
    ("boston", "XVd", "orr"): "62.0% (57.0-66.8), below 69.8-82.2 (69.75% before the "
    "resistance spread; Vd arm 62.0%): >= VGPR 18.0% against the published XVd 44.6%",
    ("boston", "XVd", "median_pfs_months"): "8.3 months, below 11.73: shorter than the "
    "simulated Vd arm's 9.2 (responders relapse sooner; APEX shows the drug split: "
    "tests/test_trial_apex.py)",
    ("boston", None, "hazard_ratio_pfs"): "1.02 (0.87-1.19; 1.16 before the resistance "
    "spread), XVd no better than Vd, published 0.70 (0.53-0.93)",
    ("sadal", "X60", "orr"): "8.0% (8.25%), below 20.7-37.0: the uncalibrated DLBCL disease "
    "(cell-layer kill, no in-vivo anchor) rarely shrinks 50%",
    ("sadal", "X60", "any_grade_thrombocytopenia"): "74.25% (73.5%), below 78.7-91.2: the "
    "myeloma-calibrated marrow (typical effect 0.815) stands in for DLBCL's",
}


def test_every_independent_figure_with_an_interval_is_checked():
    """The case list is not empty and covers both protocols (a guard on the collection)."""
    assert {c[0] for c in CASES} == set(PROTOCOLS)
    assert len(CASES) >= 6


@pytest.fixture(scope="module")
def endpoints(tmp_path_factory):
    from xposim.trials.model import patient_model_recipe
    from xposim.trials.run import run_trial

    out = {}
    for name in PROTOCOLS:
        run = run_trial(name, n=N, seed=SEED, out=tmp_path_factory.mktemp(name),
                        simulator=patient_model_recipe(), backend="processes",
                        workers=WORKERS, chunk_size=20)
        out[name] = run.endpoints
    return out


@pytest.mark.parametrize("protocol, arm, endpoint, low, high, source",
                         [case_or_known_miss(c, c[:3], KNOWN_MISSES) for c in CASES],
                         ids=[f"{c[0]}-{c[1] or 'between'}-{c[2]}" for c in CASES])
def test_prediction_lies_within_the_published_95ci(endpoints, protocol, arm, endpoint,
                                                   low, high, source):
    got = endpoints[protocol] if arm is None else endpoints[protocol]["arms"][arm]
    value = got.get(endpoint)
    assert value is not None and math.isfinite(value), f"{endpoint} not estimable"
    assert low <= value <= high, (f"{protocol} {arm or ''} {endpoint} = {value:.3f}, "
                                  f"published 95% CI [{low:.3f}, {high:.3f}] ({source})")
