"""NONMEM dataset reading, validation and writing (issue 3).

Rules checked against the NONMEM data-item help pages (NONMEM 7 help: EVID, SS, II, ADDL,
MDV items; Users Guide V on data records): each malformed row is rejected naming the
1-based data row and the rule; NONMEM defaults are filled; a write/read round trip is exact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xposim import InputError, read_dataset, validate_dataset, write_dataset

GOOD = """#ID,TIME,AMT,EVID,CMT,RATE,II,ADDL,SS,DV,MDV,WT
1,0,100,1,1,0,24,3,0,.,1,70
1,1,.,0,2,.,.,.,.,3.5,0,70
1,2.5,.,0,2,.,.,.,.,2.25,0,72
2,0,100,1,1,0,24,3,1,.,1,80
"""


def _write(tmp_path, text: str):
    p = tmp_path / "data.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_reads_standard_columns_with_nonmem_defaults(tmp_path):
    d = read_dataset(_write(tmp_path, GOOD))
    assert list(d.columns) == ["ID", "TIME", "AMT", "EVID", "CMT", "RATE", "II", "ADDL",
                               "SS", "DV", "MDV", "WT"]
    assert d["AMT"].tolist() == [100.0, 0.0, 0.0, 100.0]     # '.' -> 0 for AMT
    assert np.isnan(d["DV"][0]) and d["DV"][1] == 3.5        # '.' -> missing DV
    assert d["WT"].tolist() == [70.0, 70.0, 72.0, 80.0]       # covariate kept, numeric
    assert d["ID"].dtype == np.int64 and d["EVID"].dtype == np.int64


def test_defaults_when_columns_are_absent():
    d = validate_dataset(pd.DataFrame({"ID": [1, 1, 1], "TIME": [0, 1, 2],
                                       "AMT": [10, 0, 0], "MDV": [1, 0, 1]}))
    # NONMEM: EVID 1 for AMT > 0; MDV=1 without a dose is an "other" event (EVID 2)
    assert d["EVID"].tolist() == [1, 0, 2]
    assert d["CMT"].iloc[0] == 1  # dose without CMT goes to compartment 1 (default dose cmt)
    assert d["SS"].tolist() == [0, 0, 0] and d["RATE"].tolist() == [0.0, 0.0, 0.0]


def test_round_trip_is_exact(tmp_path):
    d = read_dataset(_write(tmp_path, GOOD))
    d.loc[1, "DV"] = 1 / 3  # full float precision must survive
    out = write_dataset(d, tmp_path / "out.csv")
    back = read_dataset(out)
    pd.testing.assert_frame_equal(back, d)


def test_accepts_a_dataframe_and_keeps_row_order():
    df = pd.DataFrame({"ID": [2, 2, 1], "TIME": [0, 5, 0], "AMT": [1, 0, 2], "COV": ["a",
                                                                                    "b", "c"]})
    d = read_dataset(df)
    assert d["ID"].tolist() == [2, 2, 1] and d["COV"].tolist() == ["a", "b", "c"]


@pytest.mark.parametrize(("row_text", "row", "rule"), [
    ("1,1,.,0,2,.,.,.,.,abc,0,70", 2, "DV must be numeric"),
    ("1,-1,.,0,2,.,.,.,.,3,0,70", 2, "TIME must be >= 0"),
    ("1,0.5,.,0,2,.,.,.,.,3,0,70", 3, "TIME must not decrease"),
    ("1,1,-5,1,1,.,.,.,.,.,1,70", 2, "AMT must be >= 0"),
    ("1,1,5,1,1,.,.,.,1,.,1,70", 2, "SS dose needs II > 0"),
    ("1,1,5,1,1,.,.,2,.,.,1,70", 2, "ADDL > 0 needs II > 0"),
    ("1,1,5,7,1,.,.,.,.,.,1,70", 2, "EVID must be 0"),
    ("1,1,5,1,1,-3,.,.,.,.,1,70", 2, "RATE must be >= 0, -1"),
    ("1,1,5,0,1,.,.,.,.,.,1,70", 2, "must not carry a dose"),
    ("1,1,.,0,2,.,.,.,3,1,0,70", 2, "SS must be 0, 1 or 2"),
])
def test_malformed_rows_are_rejected_with_row_and_rule(tmp_path, row_text, row, rule):
    lines = GOOD.splitlines()
    # rows: line 1 = header, data row 1 = lines[1]; replace data row 2 or insert as row 3
    if row == 3:
        lines = [*lines[:3], row_text, *lines[3:]]
        lines[2] = "1,1,.,0,2,.,.,.,.,3.5,0,70"
    else:
        lines[2] = row_text
    with pytest.raises(InputError) as err:
        read_dataset(_write(tmp_path, "\n".join(lines) + "\n"))
    assert err.value.field == f"row {row}"
    assert rule in str(err.value)


def test_missing_required_column(tmp_path):
    with pytest.raises(InputError, match=r"missing required column.*TIME"):
        read_dataset(_write(tmp_path, "ID,AMT\n1,100\n"))


def test_reset_may_restart_the_clock():
    # NONMEM: time may decrease only at a reset (EVID 3 or 4) record
    d = validate_dataset(pd.DataFrame({"ID": [1, 1, 1], "TIME": [0, 10, 0],
                                       "AMT": [5, 0, 5], "EVID": [1, 0, 4]}))
    assert d["TIME"].tolist() == [0, 10, 0]


def test_write_refuses_bad_data_and_writes_nothing(tmp_path):
    bad = pd.DataFrame({"ID": [1], "TIME": [0], "AMT": [-1]})
    with pytest.raises(InputError, match="row 1"):
        write_dataset(bad, tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()
