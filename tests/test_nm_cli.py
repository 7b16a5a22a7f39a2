"""`xposim nm simulate`: input rows kept with outputs added; bad datasets -> one line naming
the row and the rule, exit 2, no output file.

Numbers: 1-compartment oral (Bateman function) with lag and F from data columns,
A2(t) = F·D·ka/(ka − k)·(e^{−k(t−L)} − e^{−ka(t−L)}), k = CL/V.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from clihelp import run_cli

HEADER = "ID,TIME,AMT,EVID,CMT,RATE,II,ADDL,SS,DV,MDV,LAGT,BIOAV,NOTE\n"
GOOD = HEADER + (
    "1,0,100,1,1,0,0,0,0,.,1,0.5,0.8,dose\n"
    "1,1,.,0,2,.,.,.,.,1.2,0,0.5,0.8,obs\n"
    "1,6,.,0,2,.,.,.,.,.,0,0.5,0.8,obs\n"
)
ARGS = ["--model", "1cmt-oral", "--param", "CL=1.1", "--param", "V=20", "--param", "KA=1.5",
        "--param", "ALAG1=@LAGT", "--param", "F1=@BIOAV", "--output", "CP=A2/V*1000"]


def test_simulate_adds_outputs_to_the_unchanged_input(tmp_path):
    src = tmp_path / "data.csv"
    src.write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out.csv"
    code, _, err = run_cli("nm", "simulate", str(src), *ARGS, "--out", str(out))
    assert code == 0, err
    res = pd.read_csv(out, dtype=str, keep_default_na=False)
    orig = pd.read_csv(src, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(res.drop(columns="CP"), orig)
    k, ka, f, lag = 1.1 / 20, 1.5, 0.8, 0.5
    for row, t in ((1, 1.0), (2, 6.0)):
        want = f * 100 * ka / (ka - k) * (math.exp(-k * (t - lag)) - math.exp(-ka * (t - lag)))
        assert float(res["CP"][row]) == pytest.approx(want / 20 * 1000, rel=1e-9)
    assert float(res["CP"][0]) == 0.0


@pytest.mark.parametrize(("text", "expect"), [
    ("ID,AMT\n1,100\n", "missing required column"),
    (GOOD.replace("1,6,.,0,2", "1,x6,.,0,2"), "row 3: TIME must be numeric"),
    (GOOD.replace("1,6,.,0,2", "1,0.5,.,0,2"), "row 3: TIME must not decrease"),
    (GOOD.replace("1,0,100,1,1,0,0,0,0", "1,0,100,1,1,0,0,0,1"), "row 1: SS dose needs II"),
    (GOOD.replace("1,0,100,1,1", "1,0,-100,1,1"), "row 1: AMT must be >= 0"),
])
def test_bad_datasets_exit_2_naming_row_and_rule(tmp_path, text, expect):
    src = tmp_path / "data.csv"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "out.csv"
    code, _, err = run_cli("nm", "simulate", str(src), *ARGS, "--out", str(out))
    assert code == 2
    assert expect in err and err.count("\n") == 1
    assert not out.exists()


def test_bad_parameter_column_and_missing_parameter(tmp_path):
    src = tmp_path / "data.csv"
    src.write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out.csv"
    code, _, err = run_cli("nm", "simulate", str(src), "--model", "1cmt-oral", "--param",
                           "CL=1", "--param", "V=20", "--param", "KA=@NOPE", "--output",
                           "C=A2/V", "--out", str(out))
    assert code == 2 and "NOPE" in err and not out.exists()
    code, _, err = run_cli("nm", "simulate", str(src), "--model", "1cmt-oral", "--param",
                           "CL=1", "--param", "V=20", "--output", "C=A2/V", "--out", str(out))
    assert code == 2 and "missing KA" in err and not out.exists()


def _run(tmp_path, *args, text=GOOD):
    src = tmp_path / "data.csv"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "out.csv"
    code, _, err = run_cli("nm", "simulate", str(src), "--out", str(out), *args)
    return code, err, out


BASE = ["--model", "1cmt-oral", "--param", "CL=1.1", "--param", "V=20", "--param", "KA=1.5"]


@pytest.mark.parametrize(("args", "expect"), [
    # issue 10: silent wrong answers become exit 2 naming the problem
    (["--param", "F=0.5", "--output", "CP=A2/V"],
     "param F: not a parameter of model 1cmt-oral (parameters CL, V, KA; dose parameters "
     "F1..F2"),
    (["--output", "DV=A2/V"], "output DV: clashes with an input column"),
    (["--output", "TIME=A2/V"], "output TIME: clashes with an input column"),
    (["--output", "CP=A2/V", "--output", "CP=A2"], "output CP: clashes with another output"),
    (["--output", "CP=A2/0"], "output CP: A2/0 is not finite on row 1 (ID 1)"),
    (["--output", "CP=A2/V", "--omega", "CL=0.09"], "omega CL: ETA_CL is declared but"),
    (["--output", "CP=A2/V", "--omega", "CL=-1"], "omega ETA_CL: variance must be"),
    (["--output", "CP=A2/V", "--sigma", "prop=0"], "sigma EPS_PROP: variance must be"),
    (["--output", "CP=A2/V", "--seed", "3"], "seed: nothing is random without --omega"),
    (["--output", "CP=A2/V", "--nsub", "4"], "nsub: replicates would be identical"),
    (["--output", "CP=exp(A2"], "output CP: expected ')'"),
    (["--output", "CP=A2/V", "--on-error", "ignore"], "on-error: must be raise or skip"),
])
def test_bad_requests_exit_2_naming_the_problem(tmp_path, args, expect):
    code, err, out = _run(tmp_path, *BASE, *args)
    assert code == 2, err
    assert expect in err and err.count("\n") == 1
    assert not out.exists() and not (tmp_path / "out.manifest.json").exists()


def test_population_with_covariate_formula_variability_and_replicates(tmp_path):
    code, err, out = _run(
        tmp_path, "--model", "1cmt-oral", "--param", "TVCL=1.1",
        "--param", "CL=TVCL*(BIOAV/0.8)**0.75*exp(ETA_CL)", "--param", "V=20",
        "--param", "KA=1.5", "--param", "F1=@BIOAV", "--omega", "CL=0.09",
        "--sigma", "prop=0.04", "--output", "CP=A2/V*1000",
        "--output", "DV_SIM=CP*(1+EPS_PROP)", "--nsub", "3", "--seed", "7")
    assert code == 0, err
    res = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(res) == 9 and res["IREP"].tolist() == ["1"] * 3 + ["2"] * 3 + ["3"] * 3
    assert list(res.columns)[:-3] == list(pd.read_csv(tmp_path / "data.csv").columns)
    cp = res["CP"].astype(float)
    assert cp.iloc[0] == 0.0 and cp.iloc[1] != cp.iloc[4]     # replicates differ
    manifest = json.loads((tmp_path / "out.manifest.json").read_text())
    # the common manifest (docs/cli.md): what was asked in "inputs", what happened in
    # "details"
    assert manifest["command"] == "nm simulate" and manifest["status"] == "complete"
    assert manifest["seed"] == 7 and manifest["inputs"]["nsub"] == 3
    assert manifest["details"]["nsub"] == 3 and manifest["details"]["skipped"] == []
    assert manifest["files"] == {"out.csv": out.stat().st_size}
    # same seed, same file
    first = out.read_text()
    assert _run(tmp_path, "--model", "1cmt-oral", "--param", "TVCL=1.1",
                "--param", "CL=TVCL*(BIOAV/0.8)**0.75*exp(ETA_CL)", "--param", "V=20",
                "--param", "KA=1.5", "--param", "F1=@BIOAV", "--omega", "CL=0.09",
                "--sigma", "prop=0.04", "--output", "CP=A2/V*1000",
                "--output", "DV_SIM=CP*(1+EPS_PROP)", "--nsub", "3", "--seed", "7")[0] == 0
    assert out.read_text() == first


def test_on_error_skip_lists_the_subject_and_runs_the_rest(tmp_path):
    text = GOOD + ("2,0,100,1,5,0,0,0,0,.,1,0.5,0.8,dose\n"
                   "2,1,.,0,2,.,.,.,.,.,0,0.5,0.8,obs\n")
    code, err, out = _run(tmp_path, *ARGS, text=text)
    assert code == 2 and "row 4 (ID 2): CMT of a dose must be 1..2" in err
    code, err, out = _run(tmp_path, *ARGS, "--on-error", "skip", text=text)
    assert code == 0, err
    assert "skipped: row 4 (ID 2): CMT of a dose must be 1..2" in err
    res = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert res["CP"].tolist()[3:] == [".", "."] and "." not in res["CP"].tolist()[:3]
    manifest = json.loads((tmp_path / "out.manifest.json").read_text())
    skipped = manifest["details"]["skipped"]
    assert skipped[0]["ID"] == 2 and skipped[0]["row"] == 4
