"""`xposim nca DATA`: NONMEM-style files as-is, tidy files with column flags, units on
every column, atomic files, plots, and one-line errors (row and column) with exit 2.

Reference values: Phoenix WinNonlin on R's Theoph (see tests/test_nca_reference.py for the
source): subject 1, "Linear Up Log Down", AUCINF_obs 214.9236316 h·mg/L, λz 0.0484570 1/h,
and with 320 mg CL/F 1.4889010 L/h.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from clihelp import run_cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
THEOPH = str(EXAMPLES / "nca_theoph.csv")


def _subject(data, sid, interval=1):
    return next(r for r in data["subjects"] if r["ID"] == sid and r["INTERVAL"] == interval)


def test_nonmem_style_file_with_dose_records_works_as_is():
    code, out, err = run_cli("nca", THEOPH, "--json", "--conc-unit", "mg/L")
    assert code == 0, err
    data = json.loads(out)
    assert len(data["subjects"]) == 12
    s1 = _subject(data, 1)
    assert s1["AUCIFO"] == pytest.approx(214.9236316, rel=1e-7)
    assert s1["LAMZ"] == pytest.approx(0.0484570, rel=1e-6)
    assert s1["DOSE"] == pytest.approx(319.992)  # AMT of the dose record (mg)
    assert s1["CLFO"] == pytest.approx(319.992 / 214.9236316, rel=1e-7)
    assert (s1["LAMZLL"], s1["LAMZUL"], s1["R2"]) == pytest.approx((9.05, 24.37, 0.9999997),
                                                                    abs=1e-7)
    assert data["units"]["AUCIFO"] == "h*mg/L"
    assert data["units"]["CLFO"] == "L/h" and data["units"]["VZFO"] == "L"
    cmax = next(r for r in data["summary"] if r["PARAM"] == "CMAX")
    assert cmax["N"] == 12 and cmax["PKNCA"].startswith("geometric mean")
    # geometric mean of the 12 observed Cmax values
    import math

    values = [8.33, 10.5, 8.2, 8.6, 11.4, 6.44, 7.09, 7.56, 9.03, 10.21, 8.0, 9.75]
    assert cmax["GEOMEAN"] == pytest.approx(math.exp(sum(map(math.log, values)) / 12))


def test_tidy_lower_case_file_with_dose_flag_and_units(tmp_path):
    df = pd.read_csv(THEOPH)
    obs = df[df.EVID == 0][["ID", "TIME", "DV"]].rename(
        columns={"ID": "subject", "TIME": "time_min", "DV": "conc"})
    obs["time_min"] *= 60.0
    obs.loc[obs.index[3], "conc"] = "."  # a missing sample is dropped
    path = tmp_path / "tidy.csv"
    obs.to_csv(path, index=False)
    code, out, err = run_cli("nca", str(path), "--id-col", "subject", "--time-col",
                             "time_min", "--dose", "320mg", "--time-unit", "min",
                             "--conc-unit", "mg/L", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["units"]["AUCIFO"] == "min*mg/L" and data["units"]["CLFO"] == "L/min"
    s2 = _subject(data, 2)
    assert s2["AUCIFO"] == pytest.approx(97.3779346 * 60, rel=1e-7)
    assert s2["CLFO"] * 60 == pytest.approx(3.2861654, rel=1e-7)  # L/min -> L/h


def test_out_csv_and_parquet_carry_a_unit_per_column(tmp_path):
    csv = tmp_path / "res.csv"
    code, _, err = run_cli("nca", THEOPH, "--conc-unit", "mg/L", "--out", str(csv))
    assert code == 0, err
    table = pd.read_csv(csv)
    assert {"CMAX (mg/L)", "AUCIFO (h*mg/L)", "LAMZ (1/h)", "CLFO (L/h)", "R2ADJ",
            "LAMZNPT"} <= set(table.columns)
    pq_path = tmp_path / "res.parquet"
    code, _, err = run_cli("nca", THEOPH, "--conc-unit", "mg/L", "--out", str(pq_path))
    assert code == 0, err
    schema = pq.read_schema(pq_path)
    assert schema.field("AUCIFO (h*mg/L)").metadata[b"unit"] == b"h*mg/L"
    assert pd.read_parquet(pq_path)["AUCIFO (h*mg/L)"].iloc[0] == pytest.approx(214.9236316)


def test_no_dose_gives_null_clearance_with_a_reason():
    df = pd.read_csv(THEOPH)
    code, out, err = run_cli("nca", str(EXAMPLES / "nca_indometh.csv"), "--id-col",
                             "subject", "--time-col", "time_h", "--conc-col", "conc_mg_l",
                             "--route", "iv-bolus", "--json")
    assert code == 0, err
    s = _subject(json.loads(out), 1)
    assert s["CLO"] is None and s["VZO"] is None
    assert "no dose" in s["notes"]["CLO"]
    assert "*" not in s["notes"]
    assert s["C0"] == pytest.approx(2.3936170, rel=1e-7) and s["CMAX"] == 1.5
    del df


def test_infusion_from_rate_and_manual_lambda_z(tmp_path):
    ind = pd.read_csv(EXAMPLES / "nca_indometh.csv")
    rows = []
    for sid, g in ind.groupby("subject"):
        rows.append({"id": sid, "time": 0.0, "dv": ".", "amt": 25, "rate": 100, "evid": 1})
        rows += [{"id": sid, "time": t, "dv": c, "amt": ".", "rate": ".", "evid": 0}
                 for t, c in zip(g.time_h, g.conc_mg_l, strict=True)]
    path = tmp_path / "inf.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    code, out, err = run_cli("nca", str(path), "--conc-unit", "mg/L", "--json",
                             "--lambda-z", "1:range=3-8", "--lambda-z", "2:exclude=8")
    assert code == 0, err
    data = json.loads(out)
    s3 = _subject(data, 3)  # best fit: WinNonlin's infusion result for subject 3
    assert s3["ROUTE"] == "iv_infusion" and s3["DURATION"] == pytest.approx(0.25)
    assert s3["MRTIVIFO"] == pytest.approx(2.1547159, rel=1e-6)
    s1 = _subject(data, 1)
    assert (s1["LAMZLL"], s1["LAMZUL"], s1["LAMZNPT"]) == (3.0, 8.0, 5)
    assert _subject(data, 2)["LAMZUL"] == 6.0


def test_superposition_and_partial_auc_and_plots(tmp_path):
    plots = tmp_path / "plots"
    code, out, err = run_cli("nca", THEOPH, "--conc-unit", "mg/L", "--json",
                             "--superposition", "tau=12h", "--partial-auc", "0-12",
                             "--plots", str(plots))
    assert code == 0, err
    data = json.loads(out)
    ss = next(r for r in data["subjects"] if r["ID"] == 1 and r["KIND"] == "superposition")
    single = _subject(data, 1)
    # AUCτ,ss ≈ AUCINF of the single dose (superposition law); accumulation > 1
    assert ss["AUCTAU"] == pytest.approx(single["AUCIFO"], rel=1e-3)
    assert ss["ACCR"] == pytest.approx(ss["AUCTAU"] / single["AUCINT_0_12"], rel=1e-9)
    assert data["superposition"][0]["tau"] == 12.0
    assert "superposition" in ss["notes"]["*"]
    assert sorted(p.name for p in plots.iterdir())[:2] == ["ID10_dose1.png", "ID10_ss.png"]
    assert len(list(plots.glob("*.png"))) == 24 and (plots / "manifest.json").is_file()


def _bad(tmp_path, text: str, *extra: str):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    out = tmp_path / "out.csv"
    code, stdout, err = run_cli("nca", str(path), "--out", str(out), *extra)
    assert code == 2 and stdout == ""
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["bad.csv"]
    return err


@pytest.mark.parametrize("text, message", [
    ("ID,TIME\n1,0\n", "missing column(s) for conc"),
    ("ID,TIME,DV\n1,0,0\n1,1,abc\n1,2,3\n", "row 2, column DV: must be numeric"),
    ("ID,TIME,DV\n1,0,0\n1,2,5\n1,1,3\n", "row 3, column TIME: times must not decrease"),
    ("ID,TIME,DV\n1,0,0\n1,1,5\n1,1,6\n", "rows 2 and 3, column DV: two samples of ID 1"),
    ("ID,TIME,DV\n1,0,0\n1,1,0\n2,1,.\n", "column DV: no positive (measurable)"),
    ("id,time,dv\n1,0,0\n1,1,-2\n", "row 2, column dv: concentrations must be >= 0"),
    ("ID,TIME,DV,EVID,AMT\n1,0,.,1,0\n1,1,5,0,.\n", "row 1, column AMT: a dose record"),
])
def test_bad_files_give_one_line_naming_row_and_column(tmp_path, text, message):
    assert message in _bad(tmp_path, text)


def test_bad_options_are_refused_before_any_work(tmp_path):
    assert "out: must end in .csv or .parquet" in run_cli(
        "nca", THEOPH, "--out", str(tmp_path / "x.txt"))[2]
    assert "dose: the data has dose records" in _bad(
        tmp_path, Path(THEOPH).read_text(), "--dose", "320mg")
    code, _, err = run_cli("nca", THEOPH, "--auc-method", "log")
    assert code == 2 and "auc-method: must be one of" in err
    code, _, err = run_cli("nca", THEOPH, "--route", "oral")
    assert code == 2 and "route: must be one of" in err
    code, _, err = run_cli("nca", THEOPH, "--conc-unit", "mg")
    assert code == 2 and "conc-unit" in err
    code, _, err = run_cli("nca", THEOPH, "--lambda-z", "99:range=1-2")
    assert code == 2 and "lambda-z: no subject with this ID" in err
