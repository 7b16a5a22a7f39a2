"""`xposim nm simulate`: input rows kept with outputs added; bad datasets -> one line naming
the row and the rule, exit 2, no output file.

Numbers: 1-compartment oral (Bateman function) with lag and F from data columns,
A2(t) = F·D·ka/(ka − k)·(e^{−k(t−L)} − e^{−ka(t−L)}), k = CL/V.
"""

from __future__ import annotations

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
