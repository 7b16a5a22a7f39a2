"""The project's PK modules run through the NONMEM event engine give the engine's numbers.

For every label regimen, a NONMEM dataset (dose records with II/ADDL, hourly-to-6-hourly
observation records) is simulated (a) through this package with the module's own
equations as an ODE system (SciPy LSODA, rtol 1e-10), (b) for the linear modules
(selinexor: 2-cmt with Erlang transit absorption; dexamethasone: 2-cmt oral) through the
closed-form path (``kernel_model``: K = the module's exact Jacobian), and compared with (c) the
project engine (libRoadRunner, Simulator with Bolus events). Agreement: 1e-6 relative to
the peak concentration (the engine integrates at rtol 1e-8).

Regimens: XPOVIO label (selinexor 80 mg days 1 and 3 weekly; 100 mg weekly; 60 mg days 1
and 3 weekly), dexamethasone 20 mg days 1 and 3 / days 1-2 / days 1, 2, 4, 5 weekly
(STORM, BOSTON), bortezomib 1.3 mg/m² SC days 1, 8, 15, 22 every 35 days and days 1, 4,
8, 11 every 21 days (VELCADE label; BOSTON). Bortezomib has saturable tissue binding, so
only the ODE path applies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xposim.engine import Bolus, Simulator, model_equations
from xposim.pharmacology.nonmem import MatrixModel, OdeModel, amounts, kernel_model
from xposim.pharmacology.pk import pk_model

BSA_M2 = 1.9  # assumed adult body-surface area for the mg/m² bortezomib dose (test input)
WEEK = 168.0

REGIMENS = [
    ("selinexor", "PO", 80.0, [0, 2], WEEK, 3),
    ("selinexor", "PO", 100.0, [0], WEEK, 3),
    ("selinexor", "PO", 60.0, [0, 2], WEEK, 3),
    ("dexamethasone", "PO", 20.0, [0, 2], WEEK, 3),
    ("dexamethasone", "PO", 20.0, [0, 1], WEEK, 3),
    ("dexamethasone", "PO", 20.0, [0, 1, 3, 4], WEEK, 3),
    ("bortezomib", "SC", 1.3 * BSA_M2, [0, 7, 14, 21], 35 * 24.0, 1),
    ("bortezomib", "SC", 1.3 * BSA_M2, [0, 3, 7, 10], 21 * 24.0, 1),
]


def _dataset(cmt: int, amount: float, days: list[int], ii: float, addl: int,
             times: np.ndarray) -> pd.DataFrame:
    doses = pd.DataFrame({"ID": 1, "TIME": [d * 24.0 for d in days], "AMT": amount,
                          "EVID": 1, "CMT": cmt, "II": ii, "ADDL": addl})
    obs = pd.DataFrame({"ID": 1, "TIME": times, "AMT": 0.0, "EVID": 0, "CMT": cmt,
                        "II": 0.0, "ADDL": 0})
    # doses before observations at equal times (stable sort keeps that order)
    return pd.concat([doses, obs]).sort_values("TIME", kind="stable").reset_index(drop=True)


def _dose_times(days: list[int], ii: float, addl: int) -> list[float]:
    return sorted(d * 24.0 + j * ii for d in days for j in range(addl + 1))


@pytest.mark.parametrize(("drug", "route", "amount", "days", "ii", "addl"), REGIMENS,
                         ids=[f"{r[0]}-{r[2]:.3g}mg-days{'+'.join(str(d + 1) for d in r[3])}"
                              f"-q{r[4] / 24:g}d" for r in REGIMENS])
def test_label_regimen_through_nonmem_engine_equals_project_engine(drug, route, amount,
                                                                   days, ii, addl):
    pk = pk_model(drug)
    model = pk.model
    species = [s.name for s in model.species]
    target = pk.dose_target(route)
    horizon = (max(days) * 24.0 + addl * ii) + 96.0
    times = np.arange(1.0, horizon, 6.0)
    data = _dataset(species.index(target) + 1, amount, days, ii, addl, times)

    eq = model_equations(model)
    rhs, outputs = eq.rhs, eq.outputs
    assert list(eq.species) == species
    values = eq.constants()
    ode = OdeModel(pk.module.name, tuple(species), (), lambda t, a, p: rhs(t, a, values))
    df, amt_ode, _ = amounts(data, ode, {}, method="ode")
    obs = (df["EVID"] == 0).to_numpy()

    def conc(amts: np.ndarray) -> np.ndarray:
        return np.array([outputs(0.0, a, values, [pk.concentration])[0] for a in amts])

    ref = Simulator(model).run(np.r_[0.0, times], outputs=[pk.concentration],
                               events=[Bolus(t, target, amount)
                                       for t in _dose_times(days, ii, addl)])
    want = ref[pk.concentration][1:]
    scale = float(np.max(want))
    np.testing.assert_allclose(conc(amt_ode[obs]), want, rtol=1e-6, atol=1e-6 * scale)

    # kernel_model: linear modules (Jacobian = K exactly) run in closed form
    system = kernel_model(model)
    assert isinstance(system, OdeModel if drug == "bortezomib" else MatrixModel)
    if drug != "bortezomib":
        _, amt_cf, _ = amounts(data, system, {}, method="closed-form")
        np.testing.assert_allclose(conc(amt_cf[obs]), want, rtol=1e-6, atol=1e-6 * scale)
        np.testing.assert_allclose(amt_cf, amt_ode, rtol=1e-6,
                                   atol=1e-8 * float(np.max(np.abs(amt_ode))))
