"""Cell-line presets: coverage, validation on load, and that each preset carries the
biology its citation states into the model."""

from __future__ import annotations

import pytest

from xposim.biology.cell import cell_fate_model
from xposim.errors import InputError, ModelError
from xposim.presets.cell_lines import CellBiology, all_cell_lines, get_cell_line


def test_required_presets_exist_with_sources():
    """Issue 4: >= 4 myeloma lines, >= 3 DLBCL lines, a PBMC-like and a fibroblast-like
    normal cell, the C528S variant, an eIF4E-high and a PI-resistant line."""
    lines = {c.name: c for c in all_cell_lines()}
    named_mm = [n for n, c in lines.items() if c.lineage == "myeloma" and n[0].isupper()
                and not c.xpo1_c528s]
    named_dlbcl = [n for n, c in lines.items() if c.lineage == "dlbcl" and n[0].isupper()]
    assert len(named_mm) >= 4 and len(named_dlbcl) >= 3
    assert {"PBMC", "fibroblast", "myeloma-c528s", "myeloma-eIF4E-high",
            "RPMI-8226-B25"} <= set(lines)
    assert not lines["PBMC"].malignant and not lines["fibroblast"].malignant
    for c in lines.values():
        assert c.sources and c.distinguishing


@pytest.mark.parametrize("name, status", [
    ("MM.1S", "wild-type"), ("NCI-H929", "wild-type"), ("RPMI-8226", "mutant"),
    ("U266", "mutant"), ("SU-DHL-4", "mutant"), ("OCI-LY3", "wild-type")])
def test_tp53_status_reaches_the_model(name, status):
    """TP53 status (Cellosaurus, as cited per preset) sets p53 transcriptional function:
    1 for wild type, 0 for the E285K / A161T / R273C missense mutants."""
    cell = get_cell_line(name)
    assert cell.biology.p53_status == status
    model = cell_fate_model(name)
    assert model.parameter("p53_function").value == (1.0 if status == "wild-type" else 0.0)


def test_presets_differ_by_biology():
    """MM.1R is GR-deficient (Moalli et al., Blood 1992); 8226-B25 is PI-resistant (Turner
    et al., Oncotarget 2016); the eIF4E line overexpresses eIF4E (Blood Adv 2023); OCI-LY3
    (ABC) depends on NF-kB more than GCB SU-DHL-4 (Davis et al., J Exp Med 2001); resting
    PBMC do not divide."""
    b = {n: get_cell_line(n).biology for n in ("MM.1S", "MM.1R", "RPMI-8226-B25",
                                               "myeloma-eIF4E-high", "OCI-LY3", "SU-DHL-4",
                                               "PBMC")}
    assert b["MM.1R"].gr_level < 0.2 * b["MM.1S"].gr_level
    assert b["RPMI-8226-B25"].pi_resistance_fold > 10
    assert b["myeloma-eIF4E-high"].eif4e_level > 1
    assert b["OCI-LY3"].nfkb_dependence > b["SU-DHL-4"].nfkb_dependence
    assert b["PBMC"].doubling_time_h is None
    model = cell_fate_model("MM.1R")
    assert model.parameter("GR_level").value == pytest.approx(b["MM.1R"].gr_level)
    assert model.parameter("doubling_time").value == 36.0


def test_fate_references_are_each_lines_untreated_state():
    """Signals are relative to the line's own untreated cell: p53_n_ref differs between a
    3x-XPO1 myeloma and a normal cell (more export, less nuclear p53)."""
    mm = cell_fate_model("MM.1S").parameter("p53_n_ref").value
    normal = cell_fate_model("fibroblast").parameter("p53_n_ref").value
    assert mm < 0.7 * normal


@pytest.mark.parametrize("kwargs, field", [
    ({"p53_status": "wt"}, "p53_status"),
    ({"doubling_time_h": -5.0}, "doubling_time_h"),
    ({"oncogenic_stress": 7.0}, "oncogenic_stress"),
    ({"nfkb_dependence": 1.5}, "nfkb_dependence"),
    ({"pi_resistance_fold": 0.5}, "pi_resistance_fold"),
    ({"eif4e_level": float("nan")}, "eif4e_level"),
])
def test_biology_is_validated_where_it_is_made(kwargs, field):
    with pytest.raises(ModelError, match=field):
        CellBiology(**kwargs)


def test_unknown_preset_lists_the_choices():
    with pytest.raises(InputError) as err:
        get_cell_line("HeLa-S3")
    assert err.value.field == "cell-line" and "MM.1S" in str(err.value)
    assert get_cell_line("mm.1s").name == "MM.1S"
