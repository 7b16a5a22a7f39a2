"""Honest provenance kinds: ``measured`` needs a cited measurement, ``convention`` marks
reference levels and switches; parameter values live in presets/params (no silently
skipped module, no upward import from presets)."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

import xposim
from xposim.errors import ModelError
from xposim.model import Parameter
from xposim.model.components import KINDS, cites_measurement
from xposim.presets.cell_lines import CellBiology, get_cell_line


def test_kinds():
    assert KINDS == ("measured", "derived", "assumed", "convention", "calibrated")


@pytest.mark.parametrize("source, ok", [
    ("Lipniacki et al., J Theor Biol 2004;228:195 (Table 1)", True),
    ("XPOVIO US label §12.3 (95% bound to plasma proteins)", True),
    ("NEXPOVIO SmPC §5.2", True),
    ("TP53 wild type (Cellosaurus CVCL_8792; recalled)", False),
    ("Ri et al., Leukemia 2010; 20-fold assumed", False),
    ("resting PBMC do not divide in culture without mitogen", False),
    ("convention: 1 nM-equivalent", False),
])
def test_a_measurement_is_cited_and_unhedged(source, ok):
    assert cites_measurement(source) is ok


def test_measured_without_a_cited_measurement_is_refused():
    with pytest.raises(ModelError, match="kind 'measured' needs a source citing"):
        Parameter("k", 1.0, "1/h", "typical value (assumed)", "measured")
    Parameter("k", 1.0, "1/h", "typical value (assumed)", "assumed")
    Parameter("GR_level", 1.0, "dimensionless", "reference level", "convention")


def test_preset_kinds_follow_the_rule():
    mm1s = {p.name: p for p in get_cell_line("MM.1S").model_parameters()}
    assert mm1s["GR_level"].kind == "convention"  # the reference line, by definition
    assert mm1s["eIF4E_level"].kind == "convention"  # relative to its own parent: 1
    assert mm1s["p53_function"].kind == "assumed"  # "recalled"
    high = {p.name: p for p in get_cell_line("myeloma-eIF4E-high").model_parameters()}
    assert high["eIF4E_level"].kind == "assumed"
    assert {p.name: p for p in get_cell_line("PBMC").model_parameters()}[
        "doubling_time"].kind == "convention"  # 1e7 h stands for "not dividing"
    with pytest.raises(ModelError, match="needs a fact citing"):
        CellBiology(kinds=(("gr_level", "measured"),), facts=(("gr_level", "assumed"),))


def test_mm1s_cell_fate_kind_counts_are_what_params_summary_prints():
    """`xposim params --model cell-fate --cell-line MM.1S --summary` counts the parameters
    of the model `xposim ic50` simulates, by kind (docs/known-gaps.md states the counts,
    checked there); every calibrated one says what it was fitted to."""
    from clihelp import run_cli

    from xposim.biology.cell import cell_fate_model

    model = cell_fate_model("MM.1S")
    code, out, _ = run_cli("params", "--model", "cell-fate", "--cell-line", "MM.1S",
                           "--summary", "--format", "csv")
    assert code == 0
    rows = dict(line.split(",") for line in out.strip().splitlines()[1:])
    counts = Counter(p.kind for p in model.parameters)
    assert {k: int(v) for k, v in rows.items() if k != "total"} == {
        k: counts.get(k, 0) for k in KINDS}
    assert int(rows["total"]) == len(model.parameters)
    assert all(p.fitted_to for p in model.parameters if p.kind == "calibrated")


def test_a_failing_signalling_module_is_an_error_naming_it(monkeypatch):
    from xposim.biology import cell

    def broken(volumes):
        raise TypeError("unexpected keyword")

    monkeypatch.setattr(cell, "SIGNALLING", (("gr", cell.SIGNALLING[0][1]), ("nfkb", broken)))
    with pytest.raises(ModelError, match="signalling module nfkb"):
        cell.signalling_modules(cell.cell_volumes(get_cell_line("myeloma")))


def test_presets_import_nothing_above_the_kernel():
    folder = Path(xposim.__file__).parent / "presets"
    for f in folder.glob("*.py"):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                layer = node.module.split(".")[1] if node.module.startswith("xposim.") else ""
                assert layer in ("", "errors", "model", "presets"), (f.name, node.module)


def test_model_modules_hold_no_parameter_literals():
    """Values and provenance are data: no Parameter(...) with a literal value in the model
    modules (they load presets/params; copies of loaded parameters are fine)."""
    folder = Path(xposim.__file__).parent
    files = [*folder.glob("biology/*.py"), *folder.glob("biology/signaling/*.py"),
             *(folder / "pharmacology" / "pk" / f"{n}.py"
               for n in ("selinexor", "dexamethasone", "bortezomib", "common"))]
    for f in files:
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Parameter":
                value = node.args[1] if len(node.args) > 1 else next(
                    (k.value for k in node.keywords if k.arg == "value"), None)
                if isinstance(value, ast.Constant):
                    pytest.fail(f"{f.name}:{node.lineno}: Parameter with a literal value")


def test_params_summary_counts_parameters_by_kind():
    from clihelp import run_cli

    from xposim.biology.cell import cell_model

    code, out, _ = run_cli("params", "--cell-line", "MM.1S", "--summary", "--format", "csv")
    assert code == 0
    rows = dict(line.split(",") for line in out.strip().splitlines()[1:])
    counts = Counter(p.kind for p in cell_model("MM.1S").parameters)
    assert {k: int(v) for k, v in rows.items() if k != "total"} == {
        k: counts.get(k, 0) for k in KINDS}
    assert int(rows["total"]) == len(cell_model("MM.1S").parameters)
