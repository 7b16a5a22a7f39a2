"""Expressions and variability in nm_simulate: per-record formulas (time-varying
covariates), ETAs with the declared Ω, residual errors with the declared Σ, and per-subject
random streams that do not depend on order, chunking or replicates.

Statistical checks use the sampling error of a variance, SE(s²) = σ²·sqrt(2/(n-1)), and
allow 4 SE; the closed forms are the 1-compartment bolus C(t) = D/V·e^{-kt}.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from xposim.errors import InputError
from xposim.pharmacology.nonmem import nm_simulate
from xposim.pharmacology.nonmem.simulate import iter_chunks, prepare
from xposim.pharmacology.nonmem.variability import Omega, parse_omega, parse_sigma


def population(n: int, obs: tuple[float, ...] = (2.0,)) -> pd.DataFrame:
    rows = []
    for i in range(1, n + 1):
        rows.append({"ID": i, "TIME": 0.0, "AMT": 100.0, "EVID": 1, "CMT": 1,
                     "WT": 50.0 + i % 40})
        rows += [{"ID": i, "TIME": t, "AMT": 0.0, "EVID": 0, "CMT": 1, "WT": 50.0 + i % 40}
                 for t in obs]
    return pd.DataFrame(rows)


def test_time_varying_covariate_changes_the_parameter_from_its_record():
    # WT 70 -> 35 at t = 5 (a record): CL = 2*(WT/70) is 2 over (0, 5] (the value of the
    # record at 5, NOCB), then 1 over (5, 10]
    data = pd.DataFrame({"ID": 1, "TIME": [0.0, 5.0, 10.0], "AMT": [100.0, 0, 0],
                         "EVID": [1, 2, 0], "CMT": 1, "WT": [70.0, 70.0, 35.0]})
    out = nm_simulate(data, "1cmt-iv", ["CL=2*(WT/70)", "V=10"], ["C=A1/V", "CLX=CL"])
    c5 = 10 * math.exp(-0.2 * 5)
    np.testing.assert_allclose(out["C"], [10.0, c5, c5 * math.exp(-0.1 * 5)], rtol=1e-12)
    assert out["CLX"].tolist() == [2.0, 2.0, 1.0]


def test_eta_variance_and_block_correlation():
    n = 3000
    omega = Omega(("ETA_CL", "ETA_V"), np.array([[0.09, 0.03], [0.03, 0.04]]))
    out = nm_simulate(population(n), "1cmt-iv",
                      ["CL=2*exp(ETA_CL)", "V=10*exp(ETA_V)"],
                      ["LCL=log(CL/2)", "LV=log(V/10)"], omega=omega, seed=11)
    first = out.groupby("ID").first()
    cov = np.cov(first["LCL"], first["LV"])
    se = lambda v: v * math.sqrt(2 / (n - 1))  # noqa: E731
    assert abs(cov[0, 0] - 0.09) < 4 * se(0.09)
    assert abs(cov[1, 1] - 0.04) < 4 * se(0.04)
    assert abs(cov[0, 1] - 0.03) < 4 * math.sqrt((0.09 * 0.04 + 0.03**2) / (n - 1))
    # one ETA per subject: constant over its records
    assert (out.groupby("ID")["LCL"].nunique() == 1).all()


def test_residual_errors_are_drawn_per_record_with_the_declared_variances():
    n = 2000
    data = population(n, obs=(1.0, 2.0))
    sigma = parse_sigma(["prop=0.04,add=0.25"])
    out = nm_simulate(data, "1cmt-iv", ["CL=2", "V=10"],
                      ["CP=A1/V", "EP=EPS_PROP", "EA=EPS_ADD",
                       "DV_SIM=CP*(1+EPS_PROP)+EPS_ADD"], sigma=sigma, seed=3)
    for col, var in (("EP", 0.04), ("EA", 0.25)):
        v = out[col].to_numpy()
        assert abs(v.var(ddof=1) - var) < 4 * var * math.sqrt(2 / (v.size - 1))
    np.testing.assert_allclose(out["DV_SIM"], out["CP"] * (1 + out["EP"]) + out["EA"])


def _by_subject(out: pd.DataFrame, col: str) -> dict:
    return {k: g[col].tolist() for k, g in out.groupby(["IREP", "ID"] if "IREP" in out
                                                       else ["ID"])}


def test_streams_do_not_depend_on_order_chunking_or_replicates():
    data = population(30, obs=(1.0, 4.0))
    kw = {"omega": parse_omega(["CL=0.09"]), "sigma": parse_sigma(["prop=0.01"]),
          "seed": 5}
    args = ("1cmt-iv", ["CL=2*exp(ETA_CL)", "V=10"], ["DV_SIM=A1/V*(1+EPS_PROP)"])
    ref = nm_simulate(data, *args, **kw)
    # subjects in another order
    ids = np.random.default_rng(0).permutation(data["ID"].unique())
    shuffled = pd.concat([data[i == data.ID] for i in ids], ignore_index=True)
    assert _by_subject(nm_simulate(shuffled, *args, **kw), "DV_SIM") == \
        _by_subject(ref, "DV_SIM")
    # a subset
    sub = nm_simulate(data[data.ID.isin([3, 17, 29])], *args, **kw)
    want = _by_subject(ref, "DV_SIM")
    assert all(want[k] == v for k, v in _by_subject(sub, "DV_SIM").items())
    # chunks of 7 records (whole subjects) instead of one chunk
    setup = prepare(data, *args, **kw)
    chunks = pd.concat([c.frame for c in iter_chunks(setup, max_records=7)],
                       ignore_index=True)
    pd.testing.assert_frame_equal(chunks, ref)
    # replicate 1 of three is the single run; replicates differ
    three = nm_simulate(data, *args, nsub=3, **kw)
    assert three["IREP"].tolist() == [1] * len(data) + [2] * len(data) + [3] * len(data)
    np.testing.assert_array_equal(three["DV_SIM"].iloc[:len(data)], ref["DV_SIM"])
    assert not np.allclose(three["DV_SIM"].iloc[len(data):2 * len(data)], ref["DV_SIM"])
    # another seed, other values; the same seed, the same values
    assert not np.allclose(nm_simulate(data, *args, **(kw | {"seed": 6}))["DV_SIM"],
                           ref["DV_SIM"])
    pd.testing.assert_frame_equal(nm_simulate(data, *args, **kw), ref)


def test_an_id_that_reappears_is_another_individual_with_its_own_etas():
    data = pd.concat([population(2), population(1)], ignore_index=True)  # IDs 1, 2, 1
    out = nm_simulate(data, "1cmt-iv", ["CL=2*exp(ETA_CL)", "V=10"], ["X=ETA_CL"],
                      omega=parse_omega(["CL=0.09"]), seed=1)
    x = out.groupby((out.ID.shift() != out.ID).cumsum())["X"].first().tolist()
    assert len(set(x)) == 3


def test_omega_block_from_a_file(tmp_path):
    f = tmp_path / "omega.csv"
    f.write_text("ETA,CL,V\nCL,0.09,0.01\nV,0.01,0.04\n", encoding="utf-8")
    om = parse_omega([str(f), "KA=0.2"])
    assert om.names == ("ETA_CL", "ETA_V", "ETA_KA")
    np.testing.assert_array_equal(om.matrix, [[0.09, 0.01, 0], [0.01, 0.04, 0], [0, 0, 0.2]])
    f.write_text("CL,V\n0.09,0.01\n0.01,0.04\n", encoding="utf-8")  # no row labels
    assert parse_omega([str(f)]).names == ("ETA_CL", "ETA_V")


@pytest.mark.parametrize(("texts", "message"), [
    (["CL=0"], "omega ETA_CL: variance must be a finite number > 0, got '0'"),
    (["CL=-0.1"], "variance must be a finite number > 0"),
    (["CL=nan"], "variance must be a finite number > 0"),
    (["CL=big"], "variance must be a number"),
    (["CL"], "must be NAME=VARIANCE (e.g. CL=0.09) or a CSV file"),
    (["CL=0.1", "CL=0.2"], "each ETA may be declared once"),
    (["2CL=0.1"], "names must be identifiers"),
])
def test_bad_omega(texts, message):
    with pytest.raises(InputError) as err:
        parse_omega(texts)
    assert message in str(err.value)


@pytest.mark.parametrize(("block", "message"), [
    ("CL,V\n0.09,0.2\n0.2,0.04\n", "positive definite"),
    ("CL,V\n0.09,0.01\n0.02,0.04\n", "symmetric"),
    ("CL,V\n0.09,0.01\n", "needs 2 rows"),
    ("CL,V\n0.09,x\nx,0.04\n", "every element must be a number"),
])
def test_bad_omega_blocks_name_the_file(tmp_path, block, message):
    f = tmp_path / "om.csv"
    f.write_text(block, encoding="utf-8")
    with pytest.raises(InputError) as err:
        parse_omega([str(f)])
    assert str(err.value).startswith(f"omega {f}") and message in str(err.value)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"params": ["CL=2", "V=10", "F=0.5"]},
     "param F: not a parameter of model 1cmt-iv (parameters CL, V; dose parameters F1"),
    ({"params": ["CL=2*exp(ETA_CL)", "V=10"]}, "param CL: unknown name(s) ETA_CL"),
    ({"params": ["CL=2*WTT", "V=10"]}, "param CL: unknown name(s) WTT; it may use"),
    ({"params": ["CL=2", "V=10"], "omega": ["CL=0.09"]},
     "omega CL: ETA_CL is declared but no --param or --output uses it"),
    ({"params": ["CL=2", "V=10"], "sigma": ["prop=0.04"]},
     "sigma prop: EPS_PROP is declared but no --output uses it"),
    ({"params": ["CL=A1", "V=10"]}, "param CL: amounts (A1, A2, ...) are not known"),
    ({"params": ["CL=2", "V=10", "ETA_X=1"]}, "param ETA_X: ETA_/EPS_ names are"),
    ({"outputs": ["C=A1/V", "C=A1"]}, "output C: clashes with another output"),
    ({"outputs": ["DV=A1/V"]}, "output DV: clashes with an input column"),
    ({"outputs": ["time=A1/V"]}, "output time: clashes with an input column"),
    ({"outputs": ["C=A3"]}, "output C: unknown name(s) A3"),
])
def test_bad_runs_are_refused_before_simulating(kwargs, message):
    data = population(2)
    data["DV"] = 0.0
    kw = {"params": ["CL=2", "V=10"], "outputs": ["C=A1/V"]} | kwargs
    om = parse_omega(kw.pop("omega", []))
    sg = parse_sigma(kw.pop("sigma", []))
    with pytest.raises(InputError) as err:
        prepare(data, "1cmt-iv", kw["params"], kw["outputs"], omega=om, sigma=sg)
    assert message in str(err.value)


def test_non_finite_output_names_the_output_and_row():
    with pytest.raises(InputError, match=r"output CP: A1/0 is not finite on row 1 \(ID 1\)"):
        nm_simulate(population(1), "1cmt-iv", ["CL=2", "V=10"], ["CP=A1/0"])
