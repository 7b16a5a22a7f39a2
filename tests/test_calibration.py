"""Calibration as one capability: declarations validated on load, residual forms, the
write rule, stored estimates read by the model, and the `xposim calibrate` command."""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pytest
from clihelp import run_cli

from xposim.calibration import declaration_names, evaluate, load_declaration, storage
from xposim.calibration.declaration import Target, parse_declaration
from xposim.calibration.functions import get_target_function
from xposim.errors import InputError, ModelError
from xposim.presets.loader import parameter_from_toml, stored_estimates

MINIMAL = {
    "name": "demo", "description": "d", "writes": "presets/calibrated/demo.toml",
    "fitted_to": "f",
    "parameters": {"k": {"unit": "1/h", "bounds": [0.1, 10.0], "start": 1.0}},
    "targets": {"t": {"quantity": "q", "function": "ic50", "value": 1.0, "unit": "nM",
                      "source": "s"}},
}


def _with(path: str, value: object) -> dict:
    data = json.loads(json.dumps(MINIMAL))
    node = data
    keys = path.split(".")
    for k in keys[:-1]:
        node = node[k]
    node[keys[-1]] = value
    return data


@pytest.mark.parametrize("path, value, message", [
    ("name", "other", "name must be 'demo'"),
    ("colour", "red", "unknown keys"),
    ("writes", "elsewhere.toml", "writes"),
    ("method", "newton", "method"),
    ("parameters.k.bounds", [0.0, 1.0], "bounds"),
    ("parameters.k.start", 50.0, "outside bounds"),
    ("parameters.k.unit", "quux", "unit"),
    ("parameters.k.prior", 1.0, "prior and prior_log_sd"),
    ("targets.t.residual", "cubic", "residual"),
    ("targets.t.value", None, "value"),
    ("targets.t.source", "", "source"),
    ("targets.t.residual", "range", "range residual needs low"),
])
def test_declaration_errors_name_the_file_and_key(path, value, message):
    data = _with(path, value)
    if value is None:
        del data["targets"]["t"]["value"]
    with pytest.raises(ModelError, match=message) as exc:
        parse_declaration("demo", data)
    assert "calibration/declarations/demo.toml" in str(exc.value)


def test_residual_forms_are_their_closed_forms():
    base = dict(name="t", quantity="q", function="f", figure="f", args=(), unit="1",
                source="s")
    assert Target(**base, residual="relative", value=2.0, weight=3.0).residuals(3.0)[0] \
        == pytest.approx(1.5)
    assert Target(**base, residual="log", value=2.0).residuals(2 * np.e)[0] \
        == pytest.approx(1.0)
    assert Target(**base, residual="log10", value=5.0).residuals(50.0)[0] \
        == pytest.approx(1.0)
    assert Target(**base, residual="absolute", value=0.0).residuals(
        np.array([0.1, -0.2])).tolist() == pytest.approx([0.1, -0.2])
    rng = Target(**base, residual="range", low=0.9, high=None, scale=0.01, margin=0.01)
    assert rng.residuals(0.95)[0] == 0.0
    assert rng.residuals(0.905)[0] == pytest.approx(-0.5)  # 0.005 short of 0.91
    pull = Target(**base, residual="range", low=10.0, high=20.0, value=15.0, scale=15.0,
                  pull=0.1)
    assert pull.residuals(15.0)[0] == 0.0
    assert pull.residuals(30.0)[0] == pytest.approx(10 / 15 + 0.1)


@pytest.mark.parametrize("name", declaration_names())
def test_every_declaration_loads_names_known_functions_and_has_stored_estimates(name):
    cal = load_declaration(name)
    for t in cal.targets:
        get_target_function(t.function)
    stored = stored_estimates(cal.writes.split("/")[-1][:-5])
    assert set(stored["estimates"]) == {p.name for p in cal.parameters}
    assert set(stored["targets"]) == {t.name for t in cal.targets}
    for key in ("date", "xposim_version", "fitted_to"):
        assert stored["calibration"][key]


def test_model_code_reads_calibrated_values_from_the_stored_estimates():
    from xposim.biology.target import target_parameters

    stored = stored_estimates("target-engagement")["estimates"]
    params = {p.name: p for p in target_parameters()}
    for name in ("kinact_drug", "t_half_adduct", "t_half_XPO1"):
        assert params[name].value == stored[name]["value"]
        assert params[name].kind == "calibrated" and params[name].fitted_to


@pytest.mark.parametrize("entry, message", [
    ({"value": 1.0, "unit": "1/s", "kind": "calibrated", "source": "s"}, "xposim calibrate"),
    ({"value": 1.0, "unit": "1/s", "kind": "calibrated", "calibration": "target-engagement",
      "source": "s"}, "either value or calibration"),
    ({"unit": "1/h", "kind": "calibrated", "calibration": "target-engagement",
      "source": "s"}, "differs from the stored"),
    ({"unit": "1/s", "kind": "assumed", "calibration": "target-engagement",
      "source": "s"}, "only calibrated or derived"),
    ({"unit": "1/s", "kind": "calibrated", "calibration": "target-engagement",
      "estimate": "nope", "source": "s"}, "no estimate 'nope'"),
    ({"value": 1.0, "unit": "1/s", "kind": "assumed", "source": "{NOPE} 2004"},
     "unknown reference"),
])
def test_parameter_files_refuse_pasted_or_mismatched_calibrated_values(entry, message):
    with pytest.raises(ModelError, match=message):
        parameter_from_toml("kinact_drug", entry, "presets/params/x.toml")


def test_set_overrides_reach_the_model_and_unknown_names_are_refused():
    cal = load_declaration("pk-dexamethasone")
    base = evaluate(cal)
    slower = evaluate(cal, fixed={"dex_CL_pop": (7.45, "L/h")})  # half the clearance
    assert slower.model["half_life"] > 1.5 * base.model["half_life"]
    with pytest.raises(InputError, match="not a parameter"):
        evaluate(cal, fixed={"no_such_parameter": (1.0, None)})


# -- the write rule ------------------------------------------------------------------

def test_write_rule(tmp_path, monkeypatch):
    cal = load_declaration("pk-dexamethasone")
    assert storage.source_checkout() is not None  # the test suite runs from the checkout
    assert storage.destination(cal, None) == storage.package_file(cal)
    assert storage.destination(cal, tmp_path / "x.toml") == tmp_path / "x.toml"
    with pytest.raises(InputError, match="--set"):
        storage.destination(cal, None, overrides=True)
    with pytest.raises(InputError, match="package's own preset file"):
        storage.destination(cal, storage.package_file(cal), overrides=True)
    monkeypatch.setattr(storage, "source_checkout", lambda: None)  # an installed package
    with pytest.raises(InputError, match="--out FILE"):
        storage.destination(cal, None)
    with pytest.raises(InputError, match="package's own preset file"):
        storage.destination(cal, storage.package_file(cal))


# -- the command -----------------------------------------------------------------------

def test_cli_list_shows_every_calibration_with_targets_and_date():
    code, out, _ = run_cli("calibrate", "--list", "--json")
    assert code == 0
    rows = {r["name"]: r for r in json.loads(out)}
    assert set(rows) == set(declaration_names())
    for r in rows.values():
        assert r["targets"] and r["parameters"] and r["stored"]["date"]
        assert r["stored"]["declaration_changed"] is False  # stored for these declarations
    code, out, _ = run_cli("calibrate", "--list")
    assert code == 0 and "transport-affinities" in out


def test_cli_fit_writes_the_estimates_file_atomically(tmp_path):
    out = tmp_path / "sub" / "affinities.toml"
    code, stdout, err = run_cli("calibrate", "transport-affinities", "--out", str(out),
                                "--json")
    assert code == 0, err
    data = tomllib.loads(out.read_text())
    stored = stored_estimates("transport-affinities")["estimates"]
    for name, entry in data["estimates"].items():
        assert entry["value"] == pytest.approx(stored[name]["value"], rel=1e-6)
    assert data["calibration"]["xposim_version"] and data["calibration"]["date"]
    assert json.loads(stdout)["written"] == str(out)
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary left


def test_cli_check_and_verify_exit_codes():
    code, out, _ = run_cli("calibrate", "transport-affinities", "--check", "--json")
    assert code == 0 and json.loads(out)["ok"]
    code, out, _ = run_cli("calibrate", "pk-dexamethasone", "--verify", "--json")
    assert code == 0 and json.loads(out)["ok"]


def test_cli_exits_1_when_a_stored_estimate_no_longer_reproduces(monkeypatch):
    import dataclasses

    from xposim.calibration import runner

    real = runner.verify

    def moved(cal):
        v = real(cal)
        return dataclasses.replace(v, recorded={k: 1.1 * np.asarray(m) for k, m in
                                                v.recorded.items()})

    monkeypatch.setattr(runner, "verify", moved)
    code, out, _ = run_cli("calibrate", "pk-dexamethasone", "--verify", "--json")
    assert code == 1 and json.loads(out)["ok"] is False


@pytest.mark.parametrize("args, field", [
    (["calibrate"], "name"),
    (["calibrate", "nope"], "calibration"),
    (["calibrate", "pk-dexamethasone", "--set", "dex_CL_pop"], "set"),
    (["calibrate", "pk-dexamethasone", "--set", "dex_CL_pop=1quux"], "unknown unit"),
    (["calibrate", "pk-dexamethasone", "--set", "dex_CL_pop=7"], "--set overrides"),
    (["calibrate", "pk-dexamethasone", "--check", "--out", "x.toml"], "write nothing"),
    (["calibrate", "pk-dexamethasone", "--check", "--verify"], "not both"),
    (["calibrate", "pk-dexamethasone", "--list"], "list"),
])
def test_cli_bad_input_is_one_line_and_exit_2(args, field):
    code, _, err = run_cli(*args)
    assert code == 2
    assert err.count("\n") == 1 and field in err
