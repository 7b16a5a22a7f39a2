"""`xposim pk`: JSON NCA of the typical subject and a population, files, one-line errors.

Figures: XPOVIO US label §12.3 (80 mg: Cmax 680 ± 124 ng/mL, AUCinf 5386 ± 1116 ng·h/mL,
t½ 6-8 h); calibration-targets.md §1.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from clihelp import run_cli

from xposim.pharmacology.nmdata import read_dataset
from xposim.pharmacology.pk import dose_compartments
from xposim.pharmacology.regimen import parse_regimen, regimen_from_nonmem


def test_typical_selinexor_json_matches_the_label():
    code, out, err = run_cli("pk", "--regimen", "selinexor 80 mg PO once", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert {"cmax_ng_ml", "tmax_h", "auc_inf_ng_h_ml", "half_life_h", "cl_f_l_h",
            "vz_f_l"} <= set(data)
    assert 680 - 124 <= data["cmax_ng_ml"] <= 680 + 124
    assert 5386 - 1116 <= data["auc_inf_ng_h_ml"] <= 5386 + 1116
    assert 6.0 <= data["half_life_h"] <= 8.0
    assert data["cl_f_l_h"] == pytest.approx(80_000 / data["auc_inf_ng_h_ml"])


def test_population_json_has_median_and_percentiles():
    code, out, err = run_cli("pk", "--regimen", "selinexor 80 mg PO once", "--n", "40",
                             "--seed", "1", "--json")
    assert code == 0, err
    pop = json.loads(out)["population"]
    for key in ("cmax_ng_ml", "auc_inf_ng_h_ml", "half_life_h"):
        assert pop[key]["p5"] < pop[key]["median"] < pop[key]["p95"]
    assert pop["n"] == 40
    # same seed, same answer
    assert run_cli("pk", "--regimen", "selinexor 80 mg PO once", "--n", "40", "--seed", "1",
                   "--json")[1] == out


def test_given_covariates_change_the_typical_subject():
    _, light, _ = run_cli("pk", "--regimen", "selinexor 80 mg PO once", "--weight", "50",
                          "--sex", "F", "--json")
    _, ref, _ = run_cli("pk", "--regimen", "selinexor 80 mg PO once", "--json")
    # lighter woman: lower CL (allometry 0.75, female 0.85) -> higher AUC
    assert json.loads(light)["auc_inf_ng_h_ml"] > 1.3 * json.loads(ref)["auc_inf_ng_h_ml"]


def test_bortezomib_mg_per_m2_with_body_size_and_two_drugs(tmp_path):
    code, out, err = run_cli("pk", "--regimen", "bortezomib 1.3 mg/m2 SC days 1,4,8,11 q21d",
                             "--weight", "70", "--height", "170", "--json")
    assert code == 0, err
    assert 10 < json.loads(out)["cmax_ng_ml"] < 40
    code, out, err = run_cli("pk", "--regimen", "selinexor 80 mg PO biw + dex 20 mg PO biw",
                             "--json")
    assert code == 0, err
    assert set(json.loads(out)) == {"selinexor", "dexamethasone"}


def test_label_regimen_by_name_and_its_dose_records(tmp_path):
    # label:selinexor-dex (XPOVIO label §2.1: 80 mg + dex 20 mg on days 1 and 3 weekly),
    # open-ended: three weeks of dosing by default
    out = tmp_path / "xd"
    code, js, err = run_cli("pk", "--regimen", "label:selinexor-dex", "--step", "1", "--json",
                            "--out", str(out))
    assert code == 0, err
    data = json.loads(js)
    assert set(data) == {"selinexor", "dexamethasone"}
    # NCA of the first dose (0-48 h) matches the single-dose label figures
    assert 680 - 124 <= data["selinexor"]["cmax_ng_ml"] <= 680 + 124
    nm = read_dataset(out / "nonmem_selinexor.csv")
    doses = nm[nm.EVID == 1]
    assert doses.TIME.tolist() == [0, 48, 168, 216, 336, 384]
    back = regimen_from_nonmem(doses[doses.ID == 0],
                               cmt_for_route=dose_compartments(["selinexor"]))
    assert back.doses() == parse_regimen("selinexor 80 mg PO days 1,3 weekly").doses(504)


def test_out_writes_parquet_nonmem_and_plot(tmp_path):
    out = tmp_path / "run"
    code, _, err = run_cli("pk", "--regimen", "selinexor 80 mg PO days 1,3 weekly",
                           "--n", "5", "--seed", "2", "--hours", "200", "--step", "1",
                           "--out", str(out))
    assert code == 0, err
    df = pd.read_parquet(out / "pk.parquet")
    assert {"drug", "kind", "subject", "time_h", "variable", "value", "unit"} <= set(df.columns)
    assert set(df.kind) == {"typical", "population"}
    nm = read_dataset(out / "nonmem.csv")  # written by nmdata.write_dataset: valid
    assert list(nm.columns) == ["ID", "TIME", "AMT", "EVID", "CMT", "RATE", "II", "ADDL",
                                "SS", "DV", "MDV", "WT", "SEX", "HT"]
    doses = nm[nm.EVID == 1]
    assert len(doses) == 5 * 3  # days 1, 3 and 8 fall before 200 h
    assert (doses.AMT == 80).all() and (doses.CMT == 1).all()
    assert (out / "profiles.png").stat().st_size > 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


@pytest.mark.parametrize("args, message", [
    (["--regimen", "selinexor -80 mg PO once"], "dose: must be > 0 mg"),
    (["--regimen", "aspirin 80 mg PO once"], "drug: unknown drug"),
    (["--regimen", "selinexor 80 mg IM once"], "route: must be PO, IV or SC"),
    (["--regimen", "selinexor 80 mg IV once"], "route: selinexor can be given PO"),
    (["--regimen", "bortezomib 1.3 mg/m2 SC once"], "height: mg/m2 doses need"),
    (["--regimen", "selinexor eighty mg PO once"], "regimen: amount must be a number: "
     "'eighty'"),
    (["--regimen", "selinexor 80 mg PO sometimes"], "regimen: unknown schedule"),
    (["--regimen", "label:selinexor-pomalidomide"], "regimen: unknown label regimen"),
    (["--regimen", "selinexor 80 mg PO once", "--hours", "200", "--step", "0"],
     "step: must be > 0"),
    (["--regimen", "selinexor 80 mg PO once", "--weight", "5"], "weight: must be between"),
    (["--regimen", "selinexor 80 mg PO once", "--sex", "Q"], "sex: must be M or F"),
    (["--regimen", "selinexor 80 mg PO once", "--n", "0"], "n: must be >= 1"),
    (["--regimen", "selinexor 80 mg PO once", "--hours", "-1"], "hours: must be > 0"),
])
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path, args, message):
    out = tmp_path / "never"
    code, _, err = run_cli("pk", *args, "--out", str(out))
    assert code == 2, err
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_population_output_times_and_a_fine_nca(tmp_path):
    # --obs-every 1d records the population daily; the NCA still uses the --step grid
    out = tmp_path / "daily"
    code, js, err = run_cli("pk", "--regimen", "selinexor 80 mg PO days 1,3 weekly x 2 weeks",
                            "--n", "4", "--seed", "3", "--obs-every", "1d", "--json",
                            "--out", str(out))
    assert code == 0, err
    _, ref, _ = run_cli("pk", "--regimen", "selinexor 80 mg PO days 1,3 weekly x 2 weeks",
                        "--n", "4", "--seed", "3", "--json")
    assert json.loads(js)["population"] == json.loads(ref)["population"]
    df = pd.read_parquet(out / "pk.parquet")
    pop = df[(df.kind == "population") & (df.variable == "Cp_selinexor_ng_ml")]
    assert sorted(set(pop.time_h)) == [24.0 * k for k in range(13)]  # 0..288 h, daily
    nm = read_dataset(out / "nonmem.csv")
    assert len(nm[(nm.ID == 0) & (nm.EVID == 0)]) == 13
    code, _, err = run_cli("pk", "--regimen", "selinexor 80 mg PO once", "--n", "2",
                           "--obs-times", "0,1,2,4,8,24h", "--json")
    assert code == 0, err


@pytest.mark.parametrize(("args", "message"), [
    (["--obs-every", "1d", "--obs-times", "0,1h"], "obs-times: give --obs-every or"),
    (["--obs-every", "1"], "obs-every: must end with a unit"),
    (["--obs-every", "0h"], "obs-every: must be > 0"),
    (["--obs-times", "4,2h"], "obs-times: must be finite, >= 0 h and increasing"),
    (["--obs-times", "0,500h"], "obs-times: must end within the simulated time"),
])
def test_bad_output_times(tmp_path, args, message):
    out = tmp_path / "never"
    code, _, err = run_cli("pk", "--regimen", "selinexor 80 mg PO once", "--n", "2", *args,
                           "--out", str(out))
    assert code == 2 and message in err, err
    assert not out.exists()


def test_output_times_without_a_population_are_refused():
    code, _, err = run_cli("pk", "--regimen", "selinexor 80 mg PO once", "--obs-every", "1d")
    assert code == 2 and "obs-every: sets the times a population is recorded at" in err
