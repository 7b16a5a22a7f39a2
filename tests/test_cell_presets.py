"""Cell-line presets: coverage, validation on load, and that each preset's biology reaches
the model and changes what the model does (not preset values compared with themselves)."""

from __future__ import annotations

import pytest

from xposim.biology.cell import cell_fate_model
from xposim.errors import InputError, ModelError
from xposim.experiments.viability import viability
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
    assert get_cell_line(name).biology.p53_status == status
    assert cell_fate_model(name).parameter("p53_function").value == (
        1.0 if status == "wild-type" else 0.0)


@pytest.mark.parametrize("line, drugs, parent, expect", [
    # GR-deficient MM.1R does not respond to dexamethasone; MM.1S does (Moalli 1992)
    ("MM.1R", {"dexamethasone": 100.0}, "MM.1S", "less"),
    # PI-resistant 8226-B25 survives bortezomib that kills its parent (Turner 2016)
    ("RPMI-8226-B25", {"bortezomib": 20.0}, "RPMI-8226", "less"),
    # eIF4E overexpression rescues from selinexor (Blood Adv 2023)
    ("myeloma-eIF4E-high", {"selinexor": 100.0}, "myeloma", "less"),
    # TP53-mutant RPMI-8226 keeps only the FOXO3a route: less killed than wild-type MM.1S
    ("RPMI-8226", {"selinexor": 30.0}, "MM.1S", "less"),
])
def test_what_distinguishes_a_preset_changes_its_response(line, drugs, parent, expect):
    """Each preset's distinguishing biology reaches the model: the line is less affected
    than its comparator by the drug its biology concerns (72 h viability)."""
    assert viability(line, drugs) > viability(parent, drugs) + 0.1


def test_resting_presets_do_not_divide():
    """Resting PBMC and the resting normal reference do not divide (doubling 'none' ->
    1e7 h), so their untreated control does not grow; the fibroblast does."""
    for name, grows in (("PBMC", False), ("normal", False), ("fibroblast", True)):
        assert (get_cell_line(name).biology.doubling_time_h is not None) is grows
        assert (cell_fate_model(name).parameter("doubling_time").value < 1e6) is grows


@pytest.mark.parametrize("kwargs, field", [
    ({"p53_status": "wt"}, "p53_status"),
    ({"doubling_time_h": -5.0}, "doubling_time_h"),
    ({"apoptotic_priming": 7.0}, "apoptotic_priming"),
    ({"oncogenic_drive": 1.5}, "oncogenic_drive"),
    ({"oncogene_addiction": -0.1}, "oncogene_addiction"),
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
