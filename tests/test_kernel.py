"""The modelling kernel: validation on construction, composition, units, SBML."""

from __future__ import annotations

import libsbml
import pytest
from conftest import shuttle_module

from xposim.errors import InputError, ModelError
from xposim.model import (
    Assignment,
    Compartment,
    Input,
    Module,
    Parameter,
    Reaction,
    Species,
    compose,
)
from xposim.model.tables import parameter_table, to_markdown
from xposim.model.units import canonical_unit, concentration_to_nM, parse_quantity
from xposim.testing import check_module, unit_problems


def test_parameter_keeps_source_unit_and_converts_to_canonical():
    p = Parameter("kon", 10, "1/uM/s", "Riddick & Macara 2007 Table I", "measured")
    # 10 /(uM s) = 10 * 3600 / 1000 /(nM h) = 36
    assert p.canonical_unit == "1/(nM*h)"
    assert p.canonical_value == pytest.approx(36.0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(source=""), "source"),
    (dict(unit="furlongs/fortnight^q"), "unit"),
    (dict(kind="guessed"), "kind"),
    (dict(kind="calibrated"), "fitted_to"),
    (dict(value=float("nan")), "finite"),
    (dict(bounds=(2.0, 3.0)), "outside bounds"),
    (dict(name="2k"), "must match"),
    (dict(name="time"), "reserved"),
])
def test_parameter_refuses_bad_values_naming_the_field(kwargs, message):
    base = dict(name="k", value=1.0, unit="1/h", source="test", kind="assumed")
    with pytest.raises(ModelError, match=message):
        Parameter(**{**base, **kwargs})


def test_units_canonical_forms():
    assert canonical_unit("ng/mL") == ("mg/L", pytest.approx(1e-3))
    assert canonical_unit("1/s") == ("1/h", 3600.0)
    assert canonical_unit("L/h")[0] == "L/h"
    assert canonical_unit("uM")[1] == pytest.approx(1000.0)


def test_quantity_parsing_requires_units():
    assert parse_quantity("100nM", field="drug", expect="nM") == (100.0, "nM")
    with pytest.raises(InputError, match="drug: needs a unit"):
        parse_quantity("100", field="drug", expect="nM")
    with pytest.raises(InputError, match="convertible to nM"):
        parse_quantity("100 h", field="drug", expect="nM")
    # selinexor MW 443.3 g/mol: 1 ng/mL = 2.256 nM (calibration-targets.md, unit facts)
    assert concentration_to_nM(1.0, "ng/mL", mw_g_per_mol=443.3) == pytest.approx(2.256, 1e-3)


def test_module_refuses_undefined_symbols():
    with pytest.raises(ModelError, match=r"undefined symbol\(s\) \['kx'\]"):
        Module(name="m", compartments=[Compartment("c", 1, "pL")],
               species=[Species("A", "c", 1.0)],
               reactions=[Reaction("r", "kx * A", {"A": 1}, (), "c")])


def test_module_refuses_species_in_unknown_compartment():
    with pytest.raises(ModelError, match="unknown compartment"):
        Module(name="m", species=[Species("A", "nowhere", 1.0)])


def test_compose_shares_identical_parameters_and_refuses_clashes():
    a = Module(name="a", parameters=[Parameter("k", 1, "1/h", "s", "assumed")])
    b = Module(name="b", parameters=[Parameter("k", 1, "1/h", "s", "assumed")])
    c = Module(name="c", parameters=[Parameter("k", 2, "1/h", "s", "assumed")])
    assert len(compose(a, b, name="ab").parameters) == 1
    with pytest.raises(ModelError, match="'k' is defined by both a and c with different"):
        compose(a, c, name="ac")


def test_compose_binds_inputs_and_checks_units():
    provider = Module(name="pk", compartments=[Compartment("c", 1, "pL")],
                      species=[Species("drug", "c", 5.0)])
    reader = Module(name="cell", inputs=[Input("drug", "nM")],
                    assignments=[Assignment("twice", "2 * drug", "nM")])
    model = compose(provider, reader, name="m")
    assert model.inputs == ()
    wrong = Module(name="cell2", inputs=[Input("drug", "ng/mL")],
                   assignments=[Assignment("twice2", "2 * drug", "mg/L")])
    with pytest.raises(ModelError, match="unit mismatch for 'drug'"):
        compose(provider, wrong, name="m2")


def test_unbound_input_becomes_settable_model_input(shuttle):
    assert [i.name for i in shuttle.inputs] == ["u"]
    assert shuttle.default_values()["u"] == 0.0


def test_sbml_is_valid_and_carries_provenance(shuttle):
    doc = libsbml.readSBMLFromString(shuttle.sbml)
    doc.checkConsistency()
    errors = [doc.getError(i).getMessage() for i in range(doc.getNumErrors())
              if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR]
    assert errors == []
    kexp = doc.getModel().getParameter("kexp")
    assert kexp.getValue() == pytest.approx(3.6)  # 1e-3 /s in /h
    assert "1/s" in kexp.getNotesString() and "assumed" in kexp.getNotesString()
    assert doc.getModel().getInitialAssignmentBySymbol("ksyn") is not None


def test_model_hash_changes_with_parameters(shuttle):
    assert shuttle.hash != shuttle.with_parameters(kdeg=0.1).hash
    assert shuttle.hash == compose(shuttle_module(), name="shuttle_model").hash


def test_unit_check_finds_inconsistent_rate_laws():
    mod = Module(name="bad", compartments=[Compartment("c", 1, "pL")],
                 parameters=[Parameter("k", 1, "1/h", "s", "assumed")],
                 species=[Species("A", "c", 1.0)],
                 reactions=[Reaction("r", "k * A * A", {"A": 1}, (), "c")])
    problems = unit_problems(compose(mod, name="bad"))
    assert len(problems) == 1 and "rate of reaction r" in problems[0]


def test_check_module_passes_on_shuttle(shuttle):
    report = check_module(shuttle)
    assert report.sbml_roundtrip_max_rel < 1e-5
    assert report.conservation_max_rel["cargo"] < 1e-8


def test_parameter_table_lists_every_parameter_with_unit_and_source(shuttle):
    table = parameter_table(shuttle)
    assert set(table["name"]) == {"kexp", "kimp", "X0", "kdeg", "ksyn", "u"}
    assert table.loc[table.name == "kexp", "canonical_value"].item() == pytest.approx(3.6)
    assert (table["source"].str.len() > 0).all()
    md = to_markdown(table)
    assert md.startswith("| name | module |") and "kexp" in md


def test_rename_wires_an_input_to_another_module():
    pk = Module(name="pk", compartments=[Compartment("c", 1, "pL")],
                species=[Species("Cu", "c", 7.0)])
    reader = Module(name="cell", inputs=[Input("drug_ext", "nM")],
                    assignments=[Assignment("seen", "2 * drug_ext", "nM")])
    model = compose(pk, reader.rename({"drug_ext": "Cu"}), name="m")
    assert model.inputs == ()
    assert model["seen"].expression.text == "2 * Cu"
    with pytest.raises(ModelError, match="cannot rename unknown"):
        reader.rename({"nope": "x"})


def test_rename_keeps_a_module_equivalent(shuttle):
    from xposim.engine import Simulator

    mod = shuttle_module()
    renamed = compose(mod.rename({"Xn": "cargo_nuc", "kexp": "k_out"}), name="renamed")
    a = Simulator(shuttle).run([0.0, 5.0, 10.0])
    b = Simulator(renamed).run([0.0, 5.0, 10.0])
    assert b["cargo_nuc"].tolist() == pytest.approx(a["Xn"].tolist(), rel=1e-9)


def test_hill_is_one_sbml_function_equal_to_the_textbook_fraction():
    """hill(x, k, n) is written as SBML function definitions (only where a model uses it)
    and libRoadRunner, the SciPy backend and the textbook x^n / (k^n + x^n) agree."""
    import numpy as np

    from xposim.engine import Simulator

    mod = Module(name="hillmod", compartments=[Compartment("c", 1.0, "L")],
                 parameters=[Parameter("k", 2.0, "nM", "test value", "assumed"),
                             Parameter("n", 2.5, "1", "test value", "assumed"),
                             Parameter("kin", 3.0, "nM/h", "test value", "assumed")],
                 species=[Species("x", "c", 0.0), Species("y", "c", 0.0)],
                 reactions=[Reaction("fill", "kin", (), {"x": 1}, "c"),
                            Reaction("mark", "kin * hill(x, k, n)", (), {"y": 1}, "c")],
                 assignments=[Assignment("h", "hill(x, k, n)", "1")])
    model = compose(mod, name="hill_model")
    doc = libsbml.readSBMLFromString(model.sbml)
    fids = [doc.getModel().getFunctionDefinition(i).getId()
            for i in range(doc.getModel().getNumFunctionDefinitions())]
    assert fids == ["hill_power", "hill_ratio", "hill"]
    t = np.linspace(0.0, 2.0, 9)
    x = 3.0 * t
    for n in (2.5, 1.0, 2.0, 3.0, 4.0):  # the power, and the products for n = 1-4
        textbook = x**n / (2.0**n + x**n)
        for backend in ("roadrunner", "scipy"):
            res = Simulator(model, backend=backend, rtol=1e-10, atol=1e-12).run(
                t, parameters={"n": n}, outputs=["h", "y"])
            np.testing.assert_allclose(res["h"], textbook, rtol=1e-9, atol=1e-12)
            # y = kin * integral of the fraction, from 0 (x = 0: no division by 0)
            assert res["y"][0] == 0.0 and np.all(np.diff(res["y"]) > 0)
    shuttle_doc = libsbml.readSBMLFromString(compose(shuttle_module(), name="s").sbml)
    assert shuttle_doc.getModel().getNumFunctionDefinitions() == 0
