"""Synergy scores against hand-worked grids, closed forms and the defining properties.

Definitions: Bliss (Bliss, Ann Appl Biol 1939, 26:585), HSA (Berenbaum, Pharmacol Rev
1989, 41:93), Loewe additivity and its combination index (Loewe 1953; Greco, Bravo &
Parsons, Pharmacol Rev 1995, 47:331; Chou, Pharmacol Rev 2006, 58:621: CI = d1/Dx1 +
d2/Dx2, median-effect fa/fu = (D/Dm)^m), ZIP (Yadav et al., Comput Struct Biotechnol J
2015, 13:504; SynergyFinder, Ianevski et al. 2017/2022). Known properties: a drug combined
with itself is Loewe-additive (CI = 1) but not Bliss-additive ("sham compliance", Schindler,
Theor Biol Med Model 2017, 14:15, Table 1); an independent-action surface
E = Ea + Eb - Ea*Eb is Bliss-additive and has ZIP delta 0; Greco's response surface with
alpha = 0 is Loewe-additive even with unequal Hill slopes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from xposim.analysis.doseresponse import fit_hill, hill_curve
from xposim.analysis.synergy import (
    CombinationGrid,
    bliss,
    combination_index,
    hsa,
    loewe,
    single_agent_fits,
    summary,
    zip_scores,
)
from xposim.errors import InputError

CA = np.array([0.0, 10.0, 20.0, 40.0, 80.0, 160.0])  # drug A, nM
CB = np.array([0.0, 2.0, 4.0, 8.0, 16.0, 32.0])  # drug B, nM
A, B = np.meshgrid(CA, CB, indexing="ij")
KA, KB = 40.0, 8.0  # IC50s (nM)


def hill(c, ic50, h=1.0, top=1.0):
    return hill_curve(c, ic50_nM=ic50, hill=h, bottom=0.0, top=top, kind="inhibition")


def grid(effect, **kw):
    return CombinationGrid(("selinexor", "dexamethasone"), CA, CB, effect, **kw)


# ---- Bliss and HSA by hand -------------------------------------------------------------

def test_bliss_and_hsa_2x2_by_hand():
    # Ea = 0.4 (A alone), Eb = 0.3 (B alone), observed together 0.7.
    # Bliss: 0.4 + 0.3 - 0.4*0.3 = 0.58 -> excess 0.12.  HSA: max(0.4, 0.3) = 0.4 -> 0.30.
    g = CombinationGrid(("a", "b"), [0, 10], [0, 5], [[0.0, 0.3], [0.4, 0.7]])
    b, h = bliss(g), hsa(g)
    assert b.expected[1, 1] == pytest.approx(0.58, abs=1e-12)
    assert (b.mean, b.max) == (pytest.approx(0.12, abs=1e-12), pytest.approx(0.12, abs=1e-12))
    assert (h.mean, h.max) == (pytest.approx(0.30, abs=1e-12), pytest.approx(0.30, abs=1e-12))
    assert np.all(b.excess[0, :] == 0) and np.all(b.excess[:, 0] == 0)


def test_bliss_and_hsa_3x3_by_hand():
    # rows: A = 0, 1, 2 nM; columns: B = 0, 1, 2 nM
    e = [[0.0, 0.2, 0.5],
         [0.1, 0.3, 0.6],
         [0.4, 0.5, 0.9]]
    # Bliss expected: (1,1) .1+.2-.02 = .28; (1,2) .1+.5-.05 = .55; (2,1) .4+.2-.08 = .52;
    #                 (2,2) .4+.5-.20 = .70  -> excess .02, .05, -.02, .20: mean .0625
    # HSA expected:   .2, .5, .4, .5        -> excess .10, .10, .10, .40: mean .175
    g = CombinationGrid(("a", "b"), [0, 1, 2], [0, 1, 2], e)
    b, h = bliss(g), hsa(g)
    np.testing.assert_allclose(b.excess[1:, 1:], [[0.02, 0.05], [-0.02, 0.20]], atol=1e-12)
    np.testing.assert_allclose(h.excess[1:, 1:], [[0.10, 0.10], [0.10, 0.40]], atol=1e-12)
    assert b.mean == pytest.approx(0.0625, abs=1e-12) and b.max == pytest.approx(0.2)
    assert h.mean == pytest.approx(0.175, abs=1e-12) and h.max == pytest.approx(0.4)
    # the same plate given as viability (1 - inhibition) scores the same
    gv = CombinationGrid(("a", "b"), [0, 1, 2], [0, 1, 2], 1 - np.array(e), kind="viability")
    np.testing.assert_allclose(bliss(gv).excess, b.excess, atol=1e-12)


def test_background_well_is_rebased_by_hand():
    # Third drug alone kills 50% (E00 = 0.5): E' = (E - 0.5)/0.5.
    # [[.5, .6], [.7, .9]] -> [[0, .2], [.4, .8]]; Bliss .4 + .2 - .08 = .52 -> excess .28
    g = CombinationGrid(("a", "b"), [0, 1], [0, 1], [[0.5, 0.6], [0.7, 0.9]],
                        fixed={"bortezomib": 2.0})
    assert bliss(g).max == pytest.approx(0.28, abs=1e-12)
    assert dict(g.fixed) == {"bortezomib": 2.0}


# ---- independence and the sham combination ----------------------------------------------

def independent_surface(top_b=1.0, hb=1.0):
    ea, eb = hill(A, KA, 1.5), hill(B, KB, hb, top=top_b)
    return ea + eb - ea * eb


@pytest.mark.parametrize("top_b", [1.0, 0.6])  # 0.6: a partial agent (dexamethasone-like)
def test_independent_action_is_bliss_additive_and_zip_zero(top_b):
    g = grid(independent_surface(top_b))
    assert np.max(np.abs(bliss(g).excess)) < 1e-12  # exact by construction
    # ZIP: each refitted row/column curve is exactly a Hill curve from the other drug's
    # effect, so delta = 0 up to the optimiser's tolerance (1e-6 stated)
    assert np.max(np.abs(zip_scores(g).excess)) < 1e-6


def test_three_independent_drugs_give_a_bliss_additive_pair_on_the_third():
    # Bliss independence of A, B and a fixed third drug C (Ec = 0.3 in every well):
    # E = 1 - (1-Ea)(1-Eb)(1-Ec); rebasing on the (0,0) well removes C exactly.
    ec = 0.3
    ea, eb = hill(A, KA, 1.5), hill(B, KB)
    e = 1 - (1 - ea) * (1 - eb) * (1 - ec)
    g = grid(e, fixed={"bortezomib": 2.0})
    assert np.max(np.abs(bliss(g).excess)) < 1e-12
    assert np.max(np.abs(zip_scores(g).excess)) < 1e-6


def sham_surface(h=1.0):
    # drug B is drug A at 5x the potency (KA / KB = 5): E = H(a + 5 b)
    return hill(A + (KA / KB) * B, KA, h)


@pytest.mark.parametrize("h", [1.0, 2.5])
def test_sham_combination_is_loewe_additive_ci_one(h):
    g = grid(sham_surface(h))
    lo = loewe(g)
    assert np.max(np.abs(lo.excess)) < 1e-9  # single-agent fits recover H exactly
    ci = combination_index(g, 0.5)
    cells = ci.per_cell[1:, 1:]
    np.testing.assert_allclose(cells[np.isfinite(cells)], 1.0, atol=1e-9)
    # along the observed 50% isobole the points are interpolated between wells (PCHIP in
    # logit-log coordinates): measured error < 0.5%, tolerance 1%
    assert ci.on_ray
    assert ci.ci == pytest.approx(1.0, abs=0.01)
    assert all(p.ci == pytest.approx(1.0, abs=0.02) for p in ci.points)
    assert ci.single_nM[0] == pytest.approx(KA, rel=1e-6)
    assert ci.single_nM[1] == pytest.approx(KB, rel=1e-6)


def test_sham_combination_is_not_bliss_additive_by_hand():
    # h = 1: at a = 40 nM (= KA) and b = 8 nM (= KB) the sham gives H(80) = 80/120 = 2/3,
    # Bliss expects 0.5 + 0.5 - 0.25 = 0.75 -> excess -1/12 (Bliss calls it antagonism).
    b = bliss(grid(sham_surface(1.0)))
    assert b.excess[3, 3] == pytest.approx(-1 / 12, abs=1e-12)
    assert b.mean < -0.02


def test_loewe_and_ci_closed_form_for_hill_slope_one():
    # With h = 1 (bottom 0, top 1) A(E) = KA E/(1-E), so Loewe's expected effect is
    # s/(1+s), s = a/KA + b/KB. For the Bliss surface of the same drugs
    # 1 - E = KA KB / ((a+KA)(b+KB)), hence CI = (a KB + b KA)/(a KB + b KA + a b) < 1,
    # and on the equipotent ray (a/KA = b/KB = u) E = 0.5 at u = sqrt2 - 1: CI50 = 2u.
    ea, eb = hill(A, KA), hill(B, KB)
    g = grid(ea + eb - ea * eb)
    s = A / KA + B / KB
    lo = loewe(g)
    np.testing.assert_allclose(lo.expected, s / (1 + s), atol=1e-9)
    ci = combination_index(g)
    a, b = A[1:, 1:], B[1:, 1:]
    expect = (a * KB + b * KA) / (a * KB + b * KA + a * b)
    np.testing.assert_allclose(ci.per_cell[1:, 1:], expect, rtol=1e-9)
    assert ci.ci == pytest.approx(2 * (math.sqrt(2) - 1), abs=0.01)  # 0.8284


def test_isoeffect_crossing_in_the_first_interval_follows_the_hill_slope():
    # Coarse design: 80 nM of A alone already gives 2/3 inhibition, so every 50% crossing
    # lies between 0 and 80 nM. On a Bliss surface (E - Eb)/(1 - Eb) is A's own Hill
    # curve, so the crossing is exact (solved below for each point), and
    # each point's CI equals the slope-1 closed form (a KB + b KA)/(a KB + b KA + a b).
    ca = np.array([0.0, 80.0, 160.0, 320.0, 640.0])
    cb = np.array([0.0, 1.0, 2.0, 4.0, 6.0])
    a_, b_ = np.meshgrid(ca, cb, indexing="ij")
    ea, eb = hill(a_, KA), hill(b_, KB)
    g = CombinationGrid(("a", "b"), ca, cb, ea + eb - ea * eb)
    ci = combination_index(g)
    assert len(ci.points) == 4
    for p in ci.points:
        b = p.conc_b_nM
        e_b = b / (b + KB)
        # (0.5 - Eb)/(1 - Eb) = a/(a + KA)  ->  a = KA q/(1 - q)
        q = (0.5 - e_b) / (1 - e_b)
        a = KA * q / (1 - q)
        assert p.conc_a_nM == pytest.approx(a, rel=1e-9)
        assert p.ci == pytest.approx((a * KB + b * KA) / (a * KB + b * KA + a * b), rel=1e-9)


def greco_surface(alpha, ka=40.0, kb=8.0, ma=1.5, mb=0.8):
    """Greco's universal response surface (Greco, Park & Rustum, Cancer Res 1990, 50:5318;
    Greco, Bravo & Parsons, Pharmacol Rev 1995, 47:331), in inhibition odds psi = E/(1-E):
    1 = a/(ka psi^(1/ma)) + b/(kb psi^(1/mb)) + alpha a b/(ka kb psi^(1/(2ma) + 1/(2mb))).
    alpha = 0 is Loewe additivity (slopes may differ), alpha > 0 synergy."""
    from scipy.optimize import brentq

    e = np.zeros_like(A)
    for idx, (a, b) in enumerate(zip(A.ravel(), B.ravel(), strict=True)):
        if a == 0 and b == 0:
            continue

        def f(lp, a=a, b=b):
            psi = math.exp(lp)
            return (a / (ka * psi ** (1 / ma)) + b / (kb * psi ** (1 / mb))
                    + alpha * a * b / (ka * kb * psi ** (0.5 / ma + 0.5 / mb)) - 1.0)

        psi = math.exp(brentq(f, -60.0, 60.0, xtol=1e-14))
        e.flat[idx] = psi / (1 + psi)
    return e


def test_greco_additive_surface_with_unequal_slopes_is_loewe_additive():
    # alpha = 0, slopes 1.5 and 0.8: not a sham (the isobole is a straight line, but the
    # drugs are not dilutions of each other); Loewe excess 0 and CI 1 in every well.
    g = grid(greco_surface(0.0))
    assert np.max(np.abs(loewe(g).excess)) < 1e-8
    cells = combination_index(g).per_cell[1:, 1:]
    np.testing.assert_allclose(cells, 1.0, atol=1e-8)


def test_greco_synergy_ci_per_cell_equals_the_interaction_term():
    # At the observed effect, a/A(E) + b/B(E) = 1 - alpha a b/(ka kb psi^(...)) by the
    # model equation itself: the CI of each well is that closed form.
    alpha, ka, kb, ma, mb = 2.0, 40.0, 8.0, 1.5, 0.8
    e = greco_surface(alpha)
    g = grid(e)
    psi = e[1:, 1:] / (1 - e[1:, 1:])
    a, b = A[1:, 1:], B[1:, 1:]
    expect = 1 - alpha * a * b / (ka * kb * psi ** (0.5 / ma + 0.5 / mb))
    np.testing.assert_allclose(combination_index(g).per_cell[1:, 1:], expect, rtol=1e-8)
    assert np.all(loewe(g).excess[1:, 1:] > 0)
    assert combination_index(g).ci < 0.9


# ---- monotone properties ------------------------------------------------------------------

def test_adding_effect_to_the_combinations_raises_every_excess_and_lowers_ci():
    base = independent_surface()
    bump = np.zeros_like(base)
    bump[1:, 1:] = 0.02 * (1 - base[1:, 1:])  # stays below 1
    g0, g1 = grid(base), grid(base + bump)
    for score in (bliss, hsa, loewe):
        d = score(g1).excess - score(g0).excess
        np.testing.assert_allclose(d, bump, atol=1e-12)  # expected unchanged (single agents)
    assert zip_scores(g1).mean > zip_scores(g0).mean
    c0, c1 = combination_index(g0).per_cell, combination_index(g1).per_cell
    assert np.all(c1[1:, 1:] < c0[1:, 1:])
    assert combination_index(g1).ci < combination_index(g0).ci


def test_potency_shift_synergy_has_positive_zip():
    # B lowers A's IC50 by (1 + b/KB): a potency-shift synergy ZIP is built to detect.
    eb = hill(B, KB)
    u = (A * (1 + B / KB) / KA) ** 1.5  # Hill (h = 1.5) of A at the shifted IC50
    e = eb + (1 - eb) * u / (1 + u)
    z = zip_scores(grid(e))
    assert z.mean > 0.05
    assert np.all(z.excess[1:, 1:] > 0)


def test_drug_without_single_agent_effect_scores_without_error():
    # B does nothing alone (flat row): Loewe then expects A's own effect, CI uses A only.
    e = hill(A, KA) * (1 + 0.0 * B)
    g = grid(e)
    fa, fb = single_agent_fits(g)
    assert fb is None and fa is not None
    np.testing.assert_allclose(loewe(g).excess, 0.0, atol=1e-9)
    assert summary(g)["ci50"] is not None


def test_summary_has_exactly_the_documented_keys():
    out = summary(grid(independent_surface()))
    assert set(out) == {"bliss", "hsa", "loewe", "zip", "ci50"}
    for k in ("bliss", "hsa", "loewe", "zip"):
        assert set(out[k]) == {"mean", "max"}
        assert all(isinstance(v, float) and math.isfinite(v) for v in out[k].values())
    assert out["bliss"]["max"] == pytest.approx(0.0, abs=1e-12)


# ---- validation -----------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "field"), [
    (dict(conc_a_nM=[1, 2, 3]), "conc_a_nM"),              # no 0 (single-agent row)
    (dict(conc_b_nM=[0, 2, 1]), "conc_b_nM"),              # not increasing
    (dict(conc_b_nM=[0, -1]), "conc_b_nM"),                # negative
    (dict(conc_a_nM=[0]), "conc_a_nM"),                    # too short
    (dict(effect=np.zeros((3, 3))), "effect"),             # shape
    (dict(effect=np.full((3, 2), 50.0)), "effect"),        # percent, not fraction
    (dict(effect=[[0, np.nan], [0, 0], [0, 0]]), "effect"),
    (dict(drugs=("a", "a")), "drugs"),
    (dict(fixed={"a": 1.0}), "fixed"),                     # third drug is one of the pair
    (dict(fixed={"c": -1.0}), "fixed"),
    (dict(kind="percent"), "kind"),
])
def test_bad_grids_name_the_field(kwargs, field):
    args = dict(drugs=("a", "b"), conc_a_nM=[0, 1, 2], conc_b_nM=[0, 1],
                effect=np.zeros((3, 2)))
    args.update(kwargs)
    with pytest.raises(InputError) as exc:
        CombinationGrid(**args)
    assert exc.value.field == field


def test_curve_based_scores_need_three_concentrations_per_axis():
    g = CombinationGrid(("a", "b"), [0, 1, 2], [0, 1, 2, 3], np.zeros((3, 4)))
    for score in (loewe, zip_scores, combination_index):
        with pytest.raises(InputError) as exc:
            score(g)
        assert exc.value.field == "conc_a_nM"
    with pytest.raises(InputError, match="effect"):
        combination_index(grid(independent_surface()), effect=1.0)


def test_grid_is_frozen():
    g = grid(independent_surface())
    with pytest.raises(ValueError, match="read-only"):
        g.effect[1, 1] = 0.0


# ---- plots (render and label axes with units; the numbers are tested above) -------------

def test_plots_render_with_labelled_axes():
    import matplotlib.pyplot as plt

    from xposim.analysis.doseresponse import fit_hill
    from xposim.report.synergy_plots import (
        plot_dose_response,
        plot_excess_heatmap,
        plot_isobologram,
    )

    g = grid(independent_surface(), fixed={"bortezomib": 2.0})
    conc = np.repeat(CA, 2)
    resp = 1 - hill(conc, KA, 1.5) + np.tile([0.02, -0.02], CA.size)
    figs = [plot_dose_response(fit_hill(conc, resp), conc, resp, drug="selinexor"),
            plot_excess_heatmap(g, bliss(g)),
            plot_isobologram(g, 0.5)]
    for fig in figs:
        ax = fig.axes[0]
        assert "(nM)" in ax.get_xlabel()
        assert ax.get_ylabel()
        fig.canvas.draw()
        plt.close(fig)
    assert figs[1].axes[0].get_ylabel() == "selinexor (nM)"
    assert figs[2].axes[0].get_ylabel() == "dexamethasone (nM)"
    with pytest.raises(InputError, match="scores"):
        small = CombinationGrid(("a", "b"), [0, 1], [0, 1], [[0, 0.2], [0.3, 0.5]])
        plot_excess_heatmap(g, bliss(small))


def test_single_agent_without_a_plateau_is_capped_at_full_inhibition():
    # Drug A sampled only well below its IC50, on a curve heading for 1.3 (as noise or an
    # unsaturated assay can suggest): a free top is not determined (it runs to its bound),
    # so the single-agent curve is refitted with top = 1 (full inhibition, its maximum)
    # and Loewe never expects more than 1.
    ca = np.array([0.0, 10.0, 20.0, 40.0, 80.0])
    a_, b_ = np.meshgrid(ca, CB, indexing="ij")
    ea, eb = hill(a_, 400.0, top=1.3), hill(b_, KB)
    g = CombinationGrid(("a", "b"), ca, CB, np.minimum(ea + eb - ea * eb, 1.0))
    free = fit_hill(ca, g.rebased[:, 0], kind="inhibition", bottom=0.0)
    assert "at its bound" in free.status  # the data do not show the plateau
    fa, _ = single_agent_fits(g)
    assert fa.top == 1.0
    assert np.all(loewe(g).expected <= 1.0)
