"""``xposim patient``: JSON keys, output folder, and one clear error (exit 2, nothing
written) for bad input."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from clihelp import run_cli

KEYS = ("best_response", "days_to_response", "m_protein_best_change", "progression_day",
        "platelet_nadir_1e9_per_l", "day_first_grade34_thrombocytopenia", "dose_holds",
        "dose_reductions", "relative_dose_intensity")


def test_json_of_the_typical_patient(tmp_path):
    out = tmp_path / "run"
    code, stdout, err = run_cli("patient", "--disease", "myeloma", "--regimen",
                                "label:selinexor-dex", "--weeks", "24", "--typical", "--json",
                                "--out", str(out))
    assert code == 0, err
    summary = json.loads(stdout)
    for key in KEYS:
        assert key in summary, key
    assert summary["best_response"] in ("PD", "SD", "MR", "PR", "VGPR", "CR")
    assert -1.0 <= summary["m_protein_best_change"] <= 1.0
    assert 0 < summary["platelet_nadir_1e9_per_l"] < 240
    assert isinstance(summary["dose_holds"], int)
    assert 0 < summary["relative_dose_intensity"] <= 1
    # the folder: tidy time course with units, decision log, doses, summary, HTML page
    tc = pd.read_parquet(out / "timecourse.parquet")
    assert list(tc.columns) == ["subject_id", "day", "variable", "value", "unit"]
    units = tc.drop_duplicates("variable").set_index("variable")["unit"]
    assert units["m_protein_g_per_dl"] == "g/dL"
    assert units["plt_1e9_per_l"] == "10^9/L"
    assert units["Cp_selinexor_ng_ml"] == "ng/mL"
    assert units["occupancy"] == "1"
    dec = pd.read_csv(out / "decisions.csv")
    assert {"day", "drug", "rule", "lab", "lab_value", "action", "new_dose"} <= set(dec.columns)
    sel = dec[dec["drug"] == "selinexor"]
    assert sel[sel["action"] == "hold"]["day"].nunique() == summary["dose_holds"]
    assert sel[sel["action"].isin(["reduce", "resume"])]["day"].nunique() == summary[
        "dose_reductions"]
    doses = pd.read_csv(out / "doses.csv")
    assert set(doses["drug"]) == {"selinexor", "dexamethasone"}
    assert json.loads((out / "summary.json").read_text()) == summary
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["model_hash"]) == 64
    assert manifest["inputs"]["regimen"] == "label:selinexor-dex"
    assert manifest["details"]["disabled_rules"] == ["sel-hb-lt8", "sel-other-g34"]
    assert manifest["command"] == "patient" and manifest["status"] == "complete"
    page = (out / "report.html").read_text()
    assert len(re.findall(r'<img alt="(marker|platelets|exposure|doses)" '
                          r'src="data:image/png;base64,', page)) == 4
    assert "sel-plt-25-75" in page  # the decision log is on the page


def test_set_overrides_a_named_parameter_with_its_unit():
    args = ("patient", "--regimen", "label:selinexor-dex", "--weeks", "8", "--json")
    code, base, err = run_cli(*args)
    assert code == 0, err
    code, high, err = run_cli(*args, "--set", "XPO1_total0=2.7uM")
    assert code == 0, err
    code, same, err = run_cli(*args, "--set", "XPO1_total0=2.7")  # declared unit: uM
    assert code == 0, err
    assert json.loads(high) == json.loads(same)
    assert json.loads(high)["m_protein_best_change"] > json.loads(base)[
        "m_protein_best_change"]


@pytest.mark.parametrize("args,field", [
    (("--disease", "melanoma"), "disease"),
    (("--regimen", "carfilzomib 20 mg/m2 IV weekly"), "drug"),
    (("--weeks", "-4"), "weeks"),
    (("--set", "no_such_parameter=3"), "no_such_parameter"),
    (("--set", "XPO1_total0=3 mg"), "XPO1_total0"),
    (("--typical", "--seed", "1", "--subject", "2"), "typical"),
    (("--seed", "1"), "seed"),
    (("--cell", "coarse"), "cell"),
], ids=["disease", "drug-without-pk", "negative-weeks", "unknown-parameter", "bad-unit",
        "typical-and-drawn", "seed-without-subject", "cell"])
def test_bad_input_is_one_error_and_writes_nothing(tmp_path, args, field):
    out = tmp_path / "out"
    code, stdout, err = run_cli("patient", "--weeks", "4", *args, "--out", str(out))
    assert code == 2, (stdout, err)
    lines = [x for x in err.strip().splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and field in lines[0], err
    assert not out.exists()


def test_an_output_path_that_is_a_file_is_refused_before_work(tmp_path):
    target = tmp_path / "taken"
    target.write_text("mine")
    code, _, err = run_cli("patient", "--weeks", "4", "--out", str(target))
    assert code == 2 and "out" in err and target.read_text() == "mine"


def test_a_rule_reading_an_unknown_lab_is_refused(tmp_path):
    rules = tmp_path / "rules.toml"
    from importlib import resources

    text = resources.files("xposim.patient").joinpath("dose_rules.toml").read_text()
    rules.write_text(text.replace('when = "platelets_1e9_per_l < 25"',
                                  'when = "ldh_u_per_l > 250"'))
    out = tmp_path / "out"
    code, _, err = run_cli("patient", "--weeks", "4", "--rules", str(rules), "--out",
                           str(out))
    assert code == 2
    assert "unknown lab 'ldh_u_per_l'" in err and "sel-plt-lt25" in err
    assert not out.exists()


def test_a_drawn_patient_needs_the_trial_population(tmp_path):
    """--seed/--subject draw from the trial population (xposim.trials, issue 14); without
    it the command says so (exit 2); with it, the patient is drawn reproducibly."""
    try:
        import xposim.trials.population  # noqa: F401
    except ImportError:
        code, _, err = run_cli("patient", "--weeks", "4", "--seed", "1", "--subject", "3",
                               "--json")
        assert code == 2 and "trial populations" in err
        return
    one = run_cli("patient", "--weeks", "4", "--seed", "1", "--subject", "3", "--json")
    two = run_cli("patient", "--weeks", "4", "--seed", "1", "--subject", "3", "--json")
    assert one[0] == 0 and one == two
