"""``xposim trial``: list, run, report; bad input is one line, exit 2, and the output
folder untouched. Most runs plug in the test double (tests/trial_double.py, never a model)
through XPOSIM_PATIENT_MODEL; one smoke test runs the built-in patient model."""

from __future__ import annotations

import json
import re

import pytest
from clihelp import run_cli


@pytest.fixture
def double(monkeypatch):
    monkeypatch.setenv("XPOSIM_PATIENT_MODEL", "trial_double:make_double")


def test_list_shows_the_builtin_protocols():
    code, out, _ = run_cli("trial", "list", "--json")
    assert code == 0
    names = {p["name"] for p in json.loads(out)}
    assert {"storm", "boston-vd", "boston"} <= names


def test_run_uses_the_builtin_patient_model_by_default(tmp_path, monkeypatch):
    """Smoke test of a real trial (CI-sized): the STORM arm with the clinical patient model,
    3 patients over 8 weeks (a protocol file with a shorter follow-up)."""
    monkeypatch.delenv("XPOSIM_PATIENT_MODEL", raising=False)
    from xposim.trials.protocol import load_protocol

    text = load_protocol("storm").text.replace("follow_up_days = 364", "follow_up_days = 56")
    proto = tmp_path / "storm-8wk.toml"
    proto.write_text(text)
    code, out, err = run_cli("trial", "run", str(proto), "--n", "3", "--seed", "1",
                             "--out", str(tmp_path / "r"), "--json", "--no-report")
    assert code == 0, err
    arm = json.loads(out)["arms"]["Xd"]
    assert arm["n"] == 3 and arm["n_failed"] == 0
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["inputs"]["model"]["name"] == "xposim-clinical"
    # the population's uM became the model's nM
    assert manifest["details"]["population"]["unit_factors"]["XPO1_total0"] == 1000.0


def test_run_json_has_the_documented_keys(tmp_path, double):
    code, out, err = run_cli("trial", "run", "boston", "--n", "8", "--seed", "2",
                             "--out", str(tmp_path / "boston"), "--json", "--no-report")
    assert code == 0, err
    res = json.loads(out)
    assert set(res["arms"]) == {"XVd", "Vd"} and res["hazard_ratio_pfs_arms"] == ["XVd", "Vd"]
    assert isinstance(res["hazard_ratio_pfs"], float)
    for arm in res["arms"].values():
        for key in ("n", "orr", "mr_or_better", "median_pfs_months",
                    "median_time_to_response_weeks", "grade34_thrombocytopenia",
                    "median_onset_thrombocytopenia_days", "dose_modified"):
            assert key in arm
        assert arm["n"] == 8
    assert not (tmp_path / "boston" / "report.html").exists()


def test_run_writes_a_self_contained_report_that_report_rebuilds(tmp_path, double):
    out_dir = tmp_path / "storm"
    code, _, err = run_cli("trial", "run", "storm", "--n", "6", "--out", str(out_dir))
    assert code == 0, err
    html = (out_dir / "report.html").read_text()
    assert "data:image/png;base64," in html and "Published figures" in html
    assert not re.search(r"""(src|href)=["'](?!data:)""", html)  # self-contained
    (out_dir / "report.html").unlink()
    code, out, _ = run_cli("trial", "report", str(out_dir))
    assert code == 0 and (out_dir / "report.html").exists() and "report.html" in out


def _protocol(tmp_path, text):
    p = tmp_path / "p.toml"
    p.write_text(text)
    return str(p)


BAD_FIELD = """\
[protocol]
name = "x"
title = "x"
disease = "myeloma"
population = "storm"
colour = "red"

[schedule]
follow_up_days = 84
lab_every_days = 7
assessment_every_days = 28

[[arms]]
name = "A"
regimen = "selinexor 80 mg PO days 1,3 weekly"
cycle_days = 28
"""


@pytest.mark.parametrize("argv, message", [
    (["storm", "--n", "-4"], "n: must be in"),
    (["nosuchtrial", "--n", "4"], "protocol: not a .toml file or a built-in"),
    (["storm", "--n", "4", "--workers", "2", "--scheduler", "tcp://127.0.0.1:9"],
     "give --workers or --scheduler"),
    (["storm", "--n", "4", "--set", "XPO1_totl0=1"], "XPO1_totl0"),
    (["storm", "--n", "4", "--set", "GR_level=high"], "set GR_level: value must be a number"),
    (["storm", "--n", "4", "--scheduler", "tcp://127.0.0.1:9"], "scheduler: cannot reach"),
])
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path, double, argv, message):
    out_dir = tmp_path / "o"
    code, _, err = run_cli("trial", "run", *argv, "--out", str(out_dir))
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert not out_dir.exists()


def test_bad_protocol_files_name_line_and_field(tmp_path, double):
    code, _, err = run_cli("trial", "run", _protocol(tmp_path, BAD_FIELD), "--n", "2",
                           "--out", str(tmp_path / "o"))
    assert code == 2 and "line 6: protocol.colour: unknown field" in err
    drug = BAD_FIELD.replace('colour = "red"\n', "").replace("selinexor 80", "aspirin 80")
    code, _, err = run_cli("trial", "run", _protocol(tmp_path, drug), "--n", "2",
                           "--out", str(tmp_path / "o"))
    assert code == 2 and "arms[0].regimen" in err and "aspirin" in err
    assert not (tmp_path / "o").exists()


def test_a_folder_holding_another_run_is_refused(tmp_path, double):
    out_dir = tmp_path / "o"
    assert run_cli("trial", "run", "storm", "--n", "3", "--out", str(out_dir),
                   "--no-report", "--json")[0] == 0
    manifest = (out_dir / "manifest.json").read_text()
    code, _, err = run_cli("trial", "run", "storm", "--n", "3", "--seed", "9", "--out",
                           str(out_dir), "--no-report")
    assert code == 2 and "holds another run (xposim trial run of protocol storm with 3 " \
        "subjects per arm and seed 1, complete, started" in err
    assert len(err.strip().splitlines()) == 1
    assert (out_dir / "manifest.json").read_text() == manifest
    code, _, err = run_cli("trial", "report", str(tmp_path))
    assert code == 2 and "dir: holds no xposim trial run (no manifest.json)" in err


@pytest.mark.parametrize(("raised", "code", "name"), [
    ("keyboard", 130, "SIGINT"), ("sigterm", 143, "SIGTERM")])
def test_an_interrupted_run_is_one_line_with_the_signal_code_and_keeps_its_chunks(
        tmp_path, double, monkeypatch, raised, code, name):
    # Ctrl-C (KeyboardInterrupt, or the CLI's Interrupted) and SIGTERM end a trial with
    # 128 + the signal and one line saying the folder resumes (it is not removed)
    import signal

    import xposim.trials.run as run_module
    from xposim.io.interrupts import Interrupted

    real = run_module.run_trial

    def stopped(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt if raised == "keyboard" else Interrupted(signal.SIGTERM)

    monkeypatch.setattr(run_module, "run_trial", stopped)
    out = tmp_path / "storm"
    got, stdout, err = run_cli("trial", "run", "storm", "--n", "4", "--out", str(out),
                               "--no-report", "--json")
    assert got == code and stdout == ""
    assert err.strip().splitlines() == [
        f"error: interrupted by {name}: finished chunks are kept in {out}; run the same "
        "command to resume"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == "trial run"
    argv = manifest["argv"]  # the command line as its words
    assert argv[argv.index("trial"):argv.index("trial") + 5] == ["trial", "run", "storm",
                                                                "--n", "4"]
