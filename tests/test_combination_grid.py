"""The combination-grid runner with synthetic viability functions (closed forms).

A Bliss-independent viability v = (1-Ea)(1-Eb)(1-Ec) (Bliss 1939) run through the runner
must give a Bliss-additive grid on top of the fixed third drug (rebasing convention of
xposim.analysis.synergy), and every well must be called exactly once with every drug.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from xposim.analysis.doseresponse import hill_curve
from xposim.analysis.synergy import bliss
from xposim.errors import InputError
from xposim.experiments.combination import combination_grid

SEL = [0.0, 10.0, 30.0, 100.0]
DEX = [0.0, 5.0, 50.0]


def inhibition(c, ic50, h=1.0):
    return float(hill_curve(c, ic50_nM=ic50, hill=h, kind="inhibition"))


class Independent:
    """Bliss-independent three-drug viability; records every call."""

    def __init__(self):
        self.calls = []

    def __call__(self, conc):
        self.calls.append(dict(conc))
        v = 1.0
        for drug, ic50 in (("selinexor", 40.0), ("dexamethasone", 20.0), ("bortezomib", 3.0)):
            v *= 1.0 - inhibition(conc.get(drug, 0.0), ic50)
        return v


def test_independent_triplet_grid_is_bliss_additive_and_calls_each_well_once():
    fn = Independent()
    g = combination_grid(fn, ["selinexor", "dexamethasone"],
                         {"selinexor": SEL, "dexamethasone": DEX}, fixed={"bortezomib": 2.0},
                         progress=True)
    assert len(fn.calls) == len(SEL) * len(DEX)
    assert all(c["bortezomib"] == 2.0 and set(c) == {"selinexor", "dexamethasone",
                                                     "bortezomib"} for c in fn.calls)
    assert g.kind == "viability" and dict(g.fixed) == {"bortezomib": 2.0}
    # (0, 0) well: bortezomib alone, 1 - 2/(2+3) = 0.6 viability
    assert g.effect[0, 0] == pytest.approx(0.6, abs=1e-12)
    # (1, 1): 0.6 * (1 - 10/50) * (1 - 5/25) = 0.6 * 0.8 * 0.8 = 0.384
    assert g.effect[1, 1] == pytest.approx(0.384, abs=1e-12)
    assert np.max(np.abs(bliss(g).excess)) < 1e-12


def test_axes_in_drug_order_equal_axes_by_name():
    g1 = combination_grid(Independent(), ("selinexor", "dexamethasone"), [SEL, DEX])
    g2 = combination_grid(Independent(), ("selinexor", "dexamethasone"),
                          {"dexamethasone": DEX, "selinexor": SEL})
    np.testing.assert_array_equal(g1.effect, g2.effect)


@pytest.mark.parametrize(("kwargs", "field"), [
    (dict(axes={"selinexor": SEL}), "axes"),
    (dict(axes=[SEL]), "axes"),
    (dict(axes=[SEL, [5.0, 50.0]]), "axes[dexamethasone]"),  # no 0 nM column
    (dict(drugs=("selinexor", "selinexor")), "drugs"),
    (dict(fixed={"selinexor": 1.0}), "fixed"),
    (dict(fixed={"bortezomib": math.nan}), "fixed"),
])
def test_bad_inputs_are_refused_before_any_call(kwargs, field):
    fn = Independent()
    args = dict(drugs=("selinexor", "dexamethasone"), axes=[SEL, DEX])
    args.update(kwargs)
    with pytest.raises(InputError) as exc:
        combination_grid(fn, **args)
    assert exc.value.field == field
    assert fn.calls == []


@pytest.mark.parametrize("bad", [math.nan, "0.5", 50.0, None])
def test_bad_viability_values_name_the_well(bad):
    def fn(conc):
        return bad if conc["selinexor"] == 30.0 else 0.5

    with pytest.raises(InputError, match=r"selinexor': 30\.0") as exc:
        combination_grid(fn, ("selinexor", "dexamethasone"), [SEL, DEX])
    assert exc.value.field == "viability_fn"


def test_viability_fn_must_be_callable():
    with pytest.raises(InputError) as exc:
        combination_grid(0.5, ("selinexor", "dexamethasone"), [SEL, DEX])
    assert exc.value.field == "viability_fn"
