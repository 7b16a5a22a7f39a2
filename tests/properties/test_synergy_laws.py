"""Laws every synergy score must obey on any plate (Hypothesis).

- Naming the drugs the other way round transposes every score (the models are symmetric
  in the two drugs: Bliss 1939, Berenbaum 1989, Loewe 1953, Yadav et al. 2015).
- For effects in [0, 1], max(Ea, Eb) <= Ea + Eb - Ea*Eb, so the Bliss excess never
  exceeds the HSA excess.
- Bliss independence is multiplicative in survival: a background killing a fixed fraction
  of every well (a fixed third drug acting independently) leaves the rebased Bliss
  excess unchanged.

XPOSIM_HYPOTHESIS_EXAMPLES raises the number of examples (25 by default).
"""

from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from xposim.analysis.synergy import (
    CombinationGrid,
    bliss,
    combination_index,
    hsa,
    loewe,
    zip_scores,
)

N = int(os.environ.get("XPOSIM_HYPOTHESIS_EXAMPLES", "25"))
FAST = settings(max_examples=N, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# every example fits ~20 curves (~1 s): fewer examples, and no shrinking (a failure prints
# the plate, which reproduces it directly)
CURVES = settings(max_examples=max(N // 5, 5), deadline=None, phases=[
    Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow])
CA = np.array([0.0, 10.0, 30.0, 100.0, 300.0])
CB = np.array([0.0, 3.0, 10.0, 30.0])


@st.composite
def plates(draw: st.DrawFn) -> np.ndarray:
    """Inhibition plates: Hill single agents plus a bounded interaction, and noise."""
    ka = draw(st.floats(5.0, 200.0))
    kb = draw(st.floats(1.0, 30.0))
    ha, hb = draw(st.floats(0.5, 3.0)), draw(st.floats(0.5, 3.0))
    ta, tb = draw(st.floats(0.4, 1.0)), draw(st.floats(0.4, 1.0))
    a, b = np.meshgrid(CA, CB, indexing="ij")
    ea = ta * (a / ka) ** ha / (1 + (a / ka) ** ha)
    eb = tb * (b / kb) ** hb / (1 + (b / kb) ** hb)
    bliss_e = ea + eb - ea * eb
    inter = draw(st.floats(-0.3, 0.3))
    noise = np.array(draw(st.lists(st.floats(-0.02, 0.02), min_size=a.size,
                                   max_size=a.size))).reshape(a.shape)
    e = bliss_e + inter * ea * eb + noise
    e[0, 0] = 0.0
    return np.clip(e, 0.0, 1.0)


@CURVES
@given(plates())
def test_swapping_the_drugs_transposes_every_score(e):
    g = CombinationGrid(("a", "b"), CA, CB, e)
    gt = CombinationGrid(("b", "a"), CB, CA, e.T)
    for score, tol in ((bliss, 1e-12), (hsa, 1e-12), (loewe, 1e-7), (zip_scores, 1e-5)):
        np.testing.assert_allclose(score(gt).excess, score(g).excess.T, atol=tol)
    c, ct = combination_index(g), combination_index(gt)
    np.testing.assert_allclose(ct.per_cell, c.per_cell.T, rtol=1e-7, equal_nan=True)
    assert (c.ci is None) == (ct.ci is None)
    if c.ci is not None:
        assert abs(c.ci - ct.ci) < 1e-7


@FAST
@given(plates())
def test_bliss_excess_never_exceeds_hsa_excess(e):
    g = CombinationGrid(("a", "b"), CA, CB, e)
    assert np.all(bliss(g).excess <= hsa(g).excess + 1e-12)


@FAST
@given(plates(), st.floats(0.0, 0.9))
def test_an_independent_background_leaves_bliss_unchanged(e, ec):
    g = CombinationGrid(("a", "b"), CA, CB, e)
    with_bg = CombinationGrid(("a", "b"), CA, CB, 1 - (1 - e) * (1 - ec),
                              fixed={"bortezomib": 1.0})
    np.testing.assert_allclose(bliss(with_bg).excess, bliss(g).excess, atol=1e-12)
