"""`xposim ic50`: JSON, files, `--set` overrides and one-line errors with exit 2."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from clihelp import run_cli


def test_cli_json_prints_ic50_and_ci():
    code, out, err = run_cli("ic50", "--cell-line", "MM.1S", "--drug", "selinexor",
                             "--hours", "72", "--json")
    assert code == 0, err
    data = json.loads(out)
    lo, hi = data["ci95_nm"]
    assert lo < data["ic50_nm"] < hi


def test_tidy_table_and_files(tmp_path):
    out = tmp_path / "mm"
    code, _, err = run_cli("ic50", "--cell-line", "U266", "--concentrations",
                           "0nM,3nM,10nM,30nM,100nM,0.3uM,1uM", "--out", str(out))
    assert code == 0, err
    df = pd.read_parquet(out / "dose_response.parquet")
    assert list(df.columns) == ["cell_line", "drug", "hours", "concentration_nM",
                                "viability", "fitted"]
    assert df.concentration_nM.tolist() == pytest.approx([0, 3, 10, 30, 100, 300, 1000])
    assert df.viability.iloc[0] == pytest.approx(1.0)  # the vehicle control
    assert (out / "dose_response.png").stat().st_size > 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mm"]


def test_set_with_and_without_unit_is_the_same_run():
    """`--set` converts the unit to the parameter's own (XPO1_total0 is in uM)."""
    runs = [json.loads(run_cli("ic50", "--cell-line", "myeloma", "--set", s, "--json")[1])
            for s in ("XPO1_total0=2.7uM", "XPO1_total0=2700nM", "XPO1_total0=2.7")]
    assert runs[0]["ic50_nm"] == pytest.approx(runs[1]["ic50_nm"], rel=1e-9)
    assert runs[0]["ic50_nm"] == pytest.approx(runs[2]["ic50_nm"], rel=1e-9)


@pytest.mark.parametrize("args, message", [
    (["--cell-line", "HeLa-X"], "cell-line: unknown cell line"),
    (["--cell-line", "MM.1S", "--drug", "aspirin"], "drug: unknown drug"),
    (["--cell-line", "MM.1S", "--concentrations", "1,10,100,1000"], "needs a unit"),
    (["--cell-line", "MM.1S", "--concentrations", "-1nM,1nM,10nM,100nM"], "must be >= 0"),
    (["--cell-line", "MM.1S", "--concentrations", "1nM,10nM"], "at least 4 positive"),
    (["--cell-line", "MM.1S", "--hours", "0"], "hours: must be > 0"),
    (["--drug", "selinexor"], "cell-line: is required"),
    (["--cell-line", "MM.1S", "--set", "XPO1_total=0.9uM"],
     "set XPO1_total: not a parameter of the cell-fate model of MM.1S"),
    (["--cell-line", "MM.1S", "--set", "XPO1_total0=0.9h"],
     "set XPO1_total0: unit must convert to uM"),
    (["--cell-line", "MM.1S", "--set", "XPO1_total0=0.9blarg"],
     "set XPO1_total0: unknown unit"),
    (["--cell-line", "MM.1S", "--set", "XPO1_total0"], "set: must be NAME=VALUE"),
])
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path, args, message):
    out = tmp_path / "never"
    code, _, err = run_cli("ic50", *args, "--out", str(out))
    assert code == 2, err
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
