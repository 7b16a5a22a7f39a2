"""`xposim cell` and `xposim params`: outputs, files, and one-line errors with exit 2."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from clihelp import run_cli


def test_cell_json_reports_occupancy_and_every_cargo():
    code, out, err = run_cli("cell", "--cell-line", "myeloma", "--drug", "selinexor=100nM",
                             "--hours", "24", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert 0.8 < data["occupancy"] <= 1.0
    assert set(data["nuclear_fraction"]) >= {"p53", "p21", "FOXO3a", "BRCA1", "IkBa"}
    assert all(0.0 <= v <= 1.0 for v in data["nuclear_fraction"].values())


def test_mass_units_are_converted_with_the_molecular_weight():
    # 44.33 ng/mL selinexor = 100 nM (MW 443.3 g/mol, calibration-targets.md unit facts)
    _, a, _ = run_cli("cell", "--cell-line", "normal", "--drug", "selinexor=44.33ng/mL",
                      "--hours", "6", "--json")
    _, b, _ = run_cli("cell", "--cell-line", "normal", "--drug", "selinexor=100nM",
                      "--hours", "6", "--json")
    assert json.loads(a)["occupancy"] == pytest.approx(json.loads(b)["occupancy"], rel=1e-6)


def test_cell_out_writes_parquet_and_plot(tmp_path):
    out = tmp_path / "run"
    code, _, err = run_cli("cell", "--cell-line", "dlbcl", "--drug", "selinexor=0.1uM",
                           "--hours", "12", "--washout-at", "6", "--out", str(out))
    assert code == 0, err
    df = pd.read_parquet(out / "timecourse.parquet")
    assert {"time_h", "variable", "value", "unit", "cell_line"} <= set(df.columns)
    assert df.time_h.max() == 12.0
    assert (out / "exposure.png").stat().st_size > 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no temporaries left


def test_cell_list_shows_presets():
    code, out, _ = run_cli("cell", "--list")
    assert code == 0
    for name in ("normal", "myeloma", "dlbcl", "myeloma-c528s"):
        assert name in out


@pytest.mark.parametrize("args, message", [
    (["--cell-line", "hela2", "--drug", "selinexor=1nM"], "cell-line: unknown cell line"),
    (["--cell-line", "normal", "--drug", "aspirin=1nM"], "drug: unknown drug"),
    (["--cell-line", "normal", "--drug", "selinexor=100"], "needs a unit"),
    (["--cell-line", "normal", "--drug", "selinexor=-5nM"], "must be >= 0"),
    (["--cell-line", "normal", "--drug", "selinexor=5 h"], "convertible to nM"),
    (["--cell-line", "normal", "--drug", "selinexor=5nM", "--hours", "0"], "hours: must be > 0"),
    (["--cell-line", "normal", "--drug", "selinexor=5nM", "--hours", "-3"], "hours"),
    (["--cell-line", "normal", "--drug", "selinexor=5nM", "--washout-at", "30"],
     "washout-at: must be > 0 and < hours"),
    (["--cell-line", "normal", "--drug", "dexamethasone=5nM"], "must be an XPO1 inhibitor"),
    (["--drug", "selinexor=5nM"], "cell-line: is required"),
])
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path, args, message):
    out = tmp_path / "never"
    code, _, err = run_cli("cell", *args, "--out", str(out))
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_params_lists_every_parameter_with_unit_and_source(tmp_path):
    code, out, _ = run_cli("params", "--model", "cell", "--cell-line", "myeloma")
    assert code == 0 and out.startswith("| name |")
    path = tmp_path / "params.csv"
    code, _, _ = run_cli("params", "--format", "csv", "--out", str(path))
    df = pd.read_csv(path)
    assert {"XPO1_total0", "kinact_drug", "p53_nes_kd", "k_tr"} <= set(df.name)
    assert df.source.notna().all() and df.unit.notna().all()
    code, _, err = run_cli("params", "--model", "nonsense")
    assert code == 2 and "model: unknown model" in err


def test_sbml_export_opens_in_a_fresh_roadrunner(tmp_path):
    import roadrunner

    path = tmp_path / "myeloma.xml"
    code, _, err = run_cli("sbml", "--model", "cell", "--cell-line", "myeloma", "--out",
                           str(path))
    assert code == 0, err
    rr = roadrunner.RoadRunner(str(path))
    assert rr["XPO1_total0"] == 900.0  # nM, the myeloma preset
    assert "kinact_drug" in rr.model.getGlobalParameterIds()


def test_cell_set_changes_the_run_and_bad_names_exit_2(tmp_path):
    """`--set` on `xposim cell`: a faster adduct reversal lowers occupancy at 24 h; an
    unknown name is one line, exit 2, nothing written."""
    args = ("cell", "--cell-line", "myeloma", "--drug", "selinexor=30nM", "--hours", "24",
            "--json")
    base = json.loads(run_cli(*args)[1])["occupancy"]
    fast = json.loads(run_cli(*args, "--set", "t_half_reversal=1h")[1])["occupancy"]
    assert fast < base
    code, _, err = run_cli(*args, "--set", "T0=1", "--out", str(tmp_path / "x"))
    assert code == 2 and "set T0: not a parameter of the cell model" in err
    assert list(tmp_path.iterdir()) == []
