"""`xposim synergy`: JSON summary from a CSV plate equals the library's, files, errors.

The numbers themselves are tested in test_synergy.py against hand-worked grids and closed
forms; here the CLI must print exactly `xposim.analysis.synergy.summary` of the plate it
read (replicates averaged), write its outputs atomically and fail in one line, exit 2.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from clihelp import run_cli

from xposim.analysis.doseresponse import hill_curve
from xposim.analysis.synergy import CombinationGrid, summary

SEL = np.array([0.0, 10.0, 20.0, 40.0, 80.0, 160.0])
DEX = np.array([0.0, 2.0, 4.0, 8.0, 16.0, 32.0])


def surface():
    a, b = np.meshgrid(SEL, DEX, indexing="ij")
    eb = hill_curve(b, ic50_nM=8.0, hill=1.0, kind="inhibition")
    u = (a * (1 + b / 8.0) / 40.0) ** 1.5  # dexamethasone lowers selinexor's IC50
    return a, b, eb + (1 - eb) * u / (1 + u)


@pytest.fixture
def plate(tmp_path):
    a, b, e = surface()
    # duplicate wells +-0.01 around the surface: the CLI averages replicates
    df = pd.concat([pd.DataFrame({"selinexor_nM": a.ravel(), "dexamethasone_nM": b.ravel(),
                                  "viability": 1 - e.ravel() + d}) for d in (0.01, -0.01)])
    path = tmp_path / "plate.csv"
    df.to_csv(path, index=False)
    return path


def test_json_is_the_library_summary_of_the_plate(plate):
    code, out, err = run_cli("synergy", "--grid", str(plate), "--json")
    assert code == 0, err
    got = json.loads(out)
    expected = summary(CombinationGrid(("selinexor", "dexamethasone"), SEL, DEX, surface()[2]))
    assert set(got) == {"bliss", "hsa", "loewe", "zip", "ci50"}
    for k in ("bliss", "hsa", "loewe", "zip"):
        assert got[k]["mean"] == pytest.approx(expected[k]["mean"], abs=1e-9)
        assert got[k]["max"] == pytest.approx(expected[k]["max"], abs=1e-9)
    assert got["ci50"] == pytest.approx(expected["ci50"], abs=1e-9)
    assert got["bliss"]["mean"] > 0 and got["ci50"] < 1  # the planted synergy


def test_out_writes_grid_scores_and_plots_atomically(plate, tmp_path):
    out = tmp_path / "syn"
    code, stdout, err = run_cli("synergy", "--grid", str(plate), "--fixed", "bortezomib=2nM",
                                "--out", str(out))
    assert code == 0, err
    assert "bortezomib 2 nM" in stdout and "combination index" in stdout
    names = sorted(p.name for p in out.iterdir())
    assert names == ["bliss_excess.png", "grid.csv", "hsa_excess.png", "isobologram.png",
                     "loewe_excess.png", "manifest.json", "scores.csv", "zip_excess.png"]
    scores = pd.read_csv(out / "scores.csv")
    assert len(scores) == SEL.size * DEX.size
    assert {"bliss_excess", "zip_excess", "selinexor_nM"} <= set(scores.columns)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plate.csv", "syn"]


@pytest.mark.parametrize(("args", "message"), [
    (("--grid", "missing.csv"), "grid: no such file"),
    ((), "grid: give either --grid FILE or --cell-line"),
    (("--cell-line", "myeloma", "--drug", "selinexor=0,10,30,100nM"),
     "drug: give exactly two"),
    (("--cell-line", "myeloma", "--drug", "selinexor"), "drug: must be NAME="),
    (("--cell-line", "MM.1S", "--drugs", "selinexor,dexamethasone", "--set", "GR_emax=0"),
     "set GR_emax: not a parameter of the cell-fate model of MM.1S"),
    (("--cell-line", "MM.1S", "--drugs", "selinexor,dexamethasone", "--set",
      "GR_sel_emax=1uM"), "set GR_sel_emax: unit must convert to dimensionless"),
])
def test_errors_are_one_line_exit_2(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("synergy", *args, "--out", "never")
    assert code == 2
    assert err.strip().startswith(f"error: {message}")
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "never").exists()


def test_plate_with_a_missing_well_names_it(plate, tmp_path):
    df = pd.read_csv(plate)
    df = df[~((df.selinexor_nM == 40.0) & (df.dexamethasone_nM == 8.0))]
    bad = tmp_path / "holes.csv"
    df.to_csv(bad, index=False)
    code, _, err = run_cli("synergy", "--grid", str(bad), "--json")
    assert code == 2
    assert "missing well selinexor_nM=40, dexamethasone_nM=8" in err


def test_cell_line_mode_passes_axes_fixed_drug_and_hours_to_the_viability_model(monkeypatch):
    # The plumbing only (the cell model has its own tests): a stand-in viability records
    # each call; every well gets both axes in nM (the unit after the last value applies to
    # all, uM converted), the fixed drug and hours.
    import xposim.experiments.viability as viability_module

    calls = []

    def fake(cell_line, concentrations, *, hours=72.0, overrides=()):
        calls.append((cell_line, dict(concentrations), hours))
        s, d = concentrations["selinexor"], concentrations["dexamethasone"]
        return (1 - s / (s + 40.0)) * (1 - d / (d + 8.0)) * 0.8

    monkeypatch.setattr(viability_module, "viability", fake)
    code, out, err = run_cli("synergy", "--cell-line", "myeloma", "--drug",
                             "selinexor=0,0.01,0.03,0.1uM", "--drug", "dexamethasone=0,2,8,32nM",
                             "--fixed", "bortezomib=2nM", "--hours", "48", "--json")
    assert code == 0, err
    assert len(calls) == 16
    assert {c[0] for c in calls} == {"myeloma"} and {c[2] for c in calls} == {48.0}
    assert sorted({c[1]["selinexor"] for c in calls}) == pytest.approx([0.0, 10.0, 30.0, 100.0])
    assert all(c[1]["bortezomib"] == 2.0 for c in calls)
    # Bliss-independent stand-in on a constant background: Bliss excess 0 exactly
    assert json.loads(out)["bliss"]["max"] == pytest.approx(0.0, abs=1e-12)


def test_drugs_option_uses_each_drugs_default_dish_axis(monkeypatch):
    # `--drugs A,B` (the form) takes each axis from presets/drugs.toml dish_grid_nM
    import xposim.experiments.viability as viability_module
    from xposim.presets.drugs import get_drug

    calls = []

    def fake(cell_line, concentrations, *, hours=72.0, overrides=()):
        calls.append(dict(concentrations))
        return 1.0 / (1.0 + concentrations["selinexor"] / 50.0)

    monkeypatch.setattr(viability_module, "viability", fake)
    code, out, err = run_cli("synergy", "--cell-line", "MM.1S", "--drugs",
                             "selinexor,dex", "--json")
    assert code == 0, err
    sel, dex = get_drug("selinexor").dish_grid_nM, get_drug("dexamethasone").dish_grid_nM
    assert sorted({c["selinexor"] for c in calls}) == list(sel)
    assert sorted({c["dexamethasone"] for c in calls}) == list(dex)
    assert set(json.loads(out)) == {"bliss", "hsa", "loewe", "zip", "ci50"}


@pytest.mark.parametrize(("drugs", "message"), [
    ("selinexor", "drugs: give two drugs"),
    ("selinexor,selinexor", "drugs: the two drugs must differ"),
    ("selinexor,aspirin", "drug: unknown drug"),
])
def test_bad_drugs_option_is_one_line_exit_2(drugs, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("synergy", "--cell-line", "MM.1S", "--drugs", drugs, "--out", "x")
    assert code == 2 and err.strip().startswith(f"error: {message}"), err
    assert not (tmp_path / "x").exists()


def test_readout_survival_scores_the_share_of_cells_not_killed(monkeypatch):
    # `--readout survival` puts surviving_fraction (death) in each well instead of CTG
    # viability; the plumbing only, with a stand-in
    import xposim.experiments.viability as viability_module

    calls = []

    def fake(cell_line, concentrations, *, hours=72.0, overrides=()):
        calls.append(dict(concentrations))
        s, d = concentrations["selinexor"], concentrations["dexamethasone"]
        return (1 - s / (s + 40.0)) * (1 - d / (d + 8.0))

    monkeypatch.setattr(viability_module, "surviving_fraction", fake)
    code, out, err = run_cli("synergy", "--cell-line", "MM.1S", "--drug",
                             "selinexor=0,10,30,100nM", "--drug", "dexamethasone=0,3,30,100nM",
                             "--readout", "survival", "--json")
    assert code == 0, err
    # Bliss-independent stand-in: excess 0 exactly
    assert len(calls) == 16
    assert json.loads(out)["bliss"]["max"] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(("args", "message"), [
    (["--cell-line", "MM.1S", "--drugs", "selinexor,dexamethasone", "--readout", "apoptosis"],
     "readout: must be one of viability, survival"),
    (["--grid", "plate.csv", "--readout", "survival"], "readout: applies to a simulated"),
])
def test_bad_readout_is_one_line_exit_2(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plate.csv").write_text("selinexor_nM,dexamethasone_nM,viability\n"
                                        "0,0,1\n0,3,0.9\n10,0,0.8\n10,3,0.7\n")
    code, _, err = run_cli("synergy", *args, "--json")
    assert code == 2 and err.strip().startswith(f"error: {message}"), err
