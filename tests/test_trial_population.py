"""Virtual populations: declared distributions, sources, per-subject streams, validation.

Checks against the published marginals each population states (STORM median age 65.2,
53% high-risk; BOSTON 57.1% men, 59.6% aged >= 65, median 2 prior lines) and the
arithmetic the file derives (omega_CL = sqrt(ln(1 + 0.207^2)) from the label's AUC CV).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from xposim.errors import InputError
from xposim.trials.parameters import model_parameter_defaults, model_parameter_units
from xposim.trials.population import (
    REQUIRED_COVARIATES,
    load_population,
    parse_population,
    population_names,
)

N = 2000


@pytest.fixture(scope="module")
def storm_draws():
    pop = load_population("storm")
    return [pop.draw(11, (i,)) for i in range(N)]


@pytest.fixture(scope="module")
def boston_draws():
    pop = load_population("boston")
    return [pop.draw(11, (i,)) for i in range(N)]


def test_named_populations_exist_with_required_covariates():
    assert set(population_names()) >= {"storm", "boston", "dlbcl-relapsed"}
    for name in population_names():
        pop = load_population(name)
        names = [e.name for e in pop.covariates]
        assert set(REQUIRED_COVARIATES[pop.disease]) <= set(names)
        for e in (*pop.covariates, *pop.parameters, *pop.pk_iiv):
            assert e.source and e.status in ("excerpt", "derived", "recalled", "assumed",
                                             "calibrated")


def test_every_population_parameter_is_a_parameter_of_the_model_modules():
    # a renamed model parameter (XPO1_total0, p53_function, mm_kg0, sel_eta_CL ...) must
    # fail here, not be silently ignored by a trial
    known = model_parameter_defaults()
    for name in population_names():
        load_population(name).check_parameters(known, "patient modules")


def test_a_misspelt_parameter_is_an_error_naming_it():
    pop = load_population("storm").with_setting("XPO1_totl0", 1.0)
    with pytest.raises(InputError, match=r"XPO1_totl0.*did you mean XPO1_total0"):
        pop.check_parameters(model_parameter_defaults(), "patient modules")


def test_storm_marginals_match_the_published_table(storm_draws):
    age = np.array([c["age_years"] for c, _, _ in storm_draws])
    assert abs(np.median(age) - 65.2) < 0.8  # median 65.2 (Chari 2019)
    assert age.min() >= 40 and age.max() <= 86
    hr = np.mean([c["high_risk"] for c, _, _ in storm_draws])
    assert abs(hr - 0.53) < 3 * math.sqrt(0.53 * 0.47 / N)  # 53% high-risk
    lines = np.array([c["prior_lines"] for c, _, _ in storm_draws])
    assert np.median(lines) == 7 and lines.min() >= 3 and lines.max() <= 18
    plt = np.array([c["platelets_1e9_per_l"] for c, _, _ in storm_draws])
    assert 0.22 < np.mean(plt < 150) < 0.32  # 27% below 150 (derived in the file)


def test_boston_marginals_match_the_published_table(boston_draws):
    age = np.array([c["age_years"] for c, _, _ in boston_draws])
    assert abs(np.mean(age >= 65) - 0.596) < 0.03  # 59.6% aged >= 65
    men = np.mean([c["sex"] == "M" for c, _, _ in boston_draws])
    assert abs(men - 0.571) < 0.03
    assert np.median([c["prior_lines"] for c, _, _ in boston_draws]) == 2


def test_selinexor_cl_variability_is_the_label_derived_omega(storm_draws):
    omega = math.sqrt(math.log1p((1116 / 5386) ** 2))
    assert abs(omega - 0.205) < 5e-4
    eta = np.array([p["sel_eta_CL"] for _, p, _ in storm_draws])
    assert abs(eta.std() - 0.205) < 0.015 and abs(eta.mean()) < 0.015


def test_truncation_is_exact_and_maps_follow_covariates(storm_draws):
    for c, p, _ in storm_draws[:500]:
        assert 0.3 <= p["XPO1_total0"] <= 3.0
        assert p["p53_function"] == (0.0 if c["tp53_altered"] else 1.0)
        assert p["plt_base"] == c["platelets_1e9_per_l"]
        assert p["mm_mprotein_kdeg"] == {"IgG": 0.0021, "IgA": 0.0048,
                                         "light_chain": 0.1733}[c["isotype"]]


def test_a_subject_depends_only_on_seed_and_its_key():
    pop = load_population("storm")
    assert pop.draw(5, (3,)) == pop.draw(5, (3,))
    assert pop.draw(5, (3,)) != pop.draw(5, (4,)) != pop.draw(6, (3,))
    # adding an entry does not change the others' draws (one stream per name)
    more = pop.with_setting("GR_level", 1.0)
    c1, p1, _ = pop.draw(5, (3,))
    c2, p2, _ = more.draw(5, (3,))
    assert c1 == c2 and p1["XPO1_total0"] == p2["XPO1_total0"] and p2["GR_level"] == 1.0


def test_eligibility_redraws_until_accepted():
    pop = load_population("storm")
    rules = {"platelets_1e9_per_l": (150.0, None)}
    draws = [pop.draw(1, (i,), eligibility=rules) for i in range(200)]
    assert all(c["platelets_1e9_per_l"] >= 150 for c, _, _ in draws)
    assert max(a for _, _, a in draws) > 1
    with pytest.raises(InputError, match="eligibility"):
        pop.draw(1, (0,), eligibility={"age_years": (100.0, None)}, max_attempts=20)


def test_settings_change_a_declared_field_or_fix_a_parameter():
    pop = load_population("storm").with_setting("pk_iiv.sel_eta_CL.omega", 0.0)
    assert all(p["sel_eta_CL"] == 0.0 for _, p, _ in (pop.draw(1, (i,)) for i in range(5)))
    with pytest.raises(InputError, match="no pk_iiv entry"):
        pop.with_setting("pk_iiv.nope.omega", 1.0)
    with pytest.raises(InputError, match="numeric field"):
        pop.with_setting("covariates.sex.values", 1.0)


def _fixed(v):
    return {"dist": "fixed", "value": v, "source": "s", "status": "assumed"}


BASE = {"title": "t", "disease": "myeloma", "source": "s", "parameters": {},
        "covariates": {
            "age_years": {"dist": "normal", "mean": 60, "sd": 5, "source": "s",
                          "status": "assumed"},
            "sex": {"dist": "categorical", "values": ["M", "F"], "weights": [1, 1],
                    "source": "s", "status": "assumed"},
            **{n: _fixed(v) for n, v in [
                ("weight_kg", 70), ("height_cm", 170), ("platelets_1e9_per_l", 200),
                ("neutrophils_1e9_per_l", 3), ("sodium_mmol_per_l", 140),
                ("m_protein_g_dl", 2), ("isotype", "IgG"), ("prior_lines", 3)]}}}


def test_the_minimal_population_parses():
    pop = parse_population("p", BASE, "test.toml")
    assert pop.draw(1, (0,))[0]["isotype"] == "IgG"


@pytest.mark.parametrize("patch, message", [
    ({"covariates": {"age_years": {"dist": "normal", "mean": 60, "sd": 5,
                                   "status": "assumed"}}}, "age_years.source: is required"),
    ({"covariates": {"age_years": {"dist": "gamma", "source": "s", "status": "assumed"}}},
     "age_years.dist: must be one of"),
    ({"covariates": {"age_years": {"dist": "normal", "mean": 60, "sd": -5, "source": "s",
                                   "status": "assumed"}}}, "age_years.sd: must be > 0"),
    ({"covariates": {"age_years": {"dist": "normal", "mean": 60, "sd": 5, "source": "s",
                                   "status": "guessed"}}}, "status: must be one of"),
    ({"covariates": {"age_years": {"dist": "normal", "mean": 60, "sd": 5, "source": "s",
                                   "status": "assumed", "colour": 1}}}, "unknown key"),
    ({"parameters": {"x": {"from_covariate": "nope", "source": "s", "status": "derived"}}},
     "x.from_covariate"),
    ({"extra": 1}, "unknown key"),
])
def test_bad_population_entries_are_refused_naming_them(patch, message):
    table = {**BASE, **patch}
    if "covariates" in patch:
        table["covariates"] = {**BASE["covariates"], **patch["covariates"]}
    with pytest.raises(InputError, match=message):
        parse_population("p", table, "test.toml")


def test_parameters_are_converted_from_their_declared_unit_to_the_models():
    """The population writes XPO1 in uM, platelets in 10^9/L and sodium in mmol/L; the
    patient model takes nM, cells/L and nM (canonical). After in_units every drawn value
    is the declared one times the unit factor, whatever the entry's distribution."""
    pop = load_population("storm")
    conv = pop.in_units(model_parameter_units(), "patient modules")
    for subject in range(5):
        cov, shown, _ = pop.draw(3, (subject,))
        cov2, model, _ = conv.draw(3, (subject,))
        assert cov == cov2
        assert model["XPO1_total0"] == pytest.approx(1000.0 * shown["XPO1_total0"])
        assert model["plt_base"] == pytest.approx(1e9 * cov["platelets_1e9_per_l"])
        assert model["na_baseline"] == pytest.approx(1e6 * cov["sodium_mmol_per_l"])
        assert model["mm_kg0"] == shown["mm_kg0"]  # 1/h on both sides
        assert model["p53_function"] == shown["p53_function"]
        assert 300.0 <= model["XPO1_total0"] <= 3000.0  # the 0.3-3 uM bounds, in nM
    assert conv.to_dict()["unit_factors"]["XPO1_total0"] == 1000.0


def test_a_unit_that_cannot_be_converted_is_an_error_naming_the_parameter():
    units = {**model_parameter_units(), "XPO1_total0": "1/h"}
    with pytest.raises(InputError, match=r"parameters\.XPO1_total0\.unit.*cannot be "
                       r"converted to 1/h.*got 'uM'"):
        load_population("storm").in_units(units, "a model")


def test_a_missing_unit_is_an_error_unless_the_model_unit_is_dimensionless():
    from dataclasses import replace

    pop = load_population("storm")
    bare = tuple(replace(e, unit="") for e in pop.parameters)
    with pytest.raises(InputError, match=r"XPO1_total0\.unit.*not declared.*takes "
                       r"XPO1_total0 in nM"):
        replace(pop, parameters=bare).in_units(model_parameter_units(), "m")
    dimensionless = tuple(e for e in bare if e.name in ("p53_function", "GR_level"))
    conv = replace(pop, parameters=dimensionless).in_units(model_parameter_units(), "m")
    assert dict(conv.scales) == {"p53_function": 1.0, "GR_level": 1.0}


# -- logit-normal and shared draws: the marrow sensitivity ------------------------------

def _logitnormal(median, sigma, **kw):
    return {"dist": "logitnormal", "median": median, "sigma": sigma, "unit": "dimensionless",
            "source": "s", "status": "assumed", **kw}


def test_a_logitnormal_is_a_fraction_normal_on_the_logit_scale():
    from scipy.special import logit

    pop = parse_population("p", {**BASE, "parameters": {
        "plt_sel_emax": _logitnormal(0.8, 1.5)}}, "test.toml")
    x = np.array([pop.draw(3, (i,))[1]["plt_sel_emax"] for i in range(N)])
    assert ((x > 0) & (x < 1)).all()
    z = logit(x)
    # N = 2000: SE of the mean 1.5/sqrt(2000) = 0.034, of the SD ~0.024
    assert abs(np.mean(z) - logit(0.8)) < 0.1 and abs(np.std(z) - 1.5) < 0.08
    assert abs(np.median(x) - 0.8) < 0.03


def test_a_shared_draw_gives_entries_one_deviate_and_leaves_the_others_unchanged():
    from scipy.special import logit

    pop = parse_population("p", {**BASE, "parameters": {
        "plt_sel_emax": _logitnormal(0.8, 2.0, shared="marrow"),
        "neu_sel_emax": _logitnormal(0.1, 2.0, shared="marrow"),
        "GR_level": {"dist": "lognormal", "median": 1.0, "cv": 0.5, "unit": "dimensionless",
                     "source": "s", "status": "assumed"}}}, "test.toml")
    alone = parse_population("p", {**BASE, "parameters": {
        "GR_level": {"dist": "lognormal", "median": 1.0, "cv": 0.5, "unit": "dimensionless",
                     "source": "s", "status": "assumed"}}}, "test.toml")
    zs = []
    for i in range(50):
        c, p, _ = pop.draw(4, (i,))
        z_plt = (logit(p["plt_sel_emax"]) - logit(0.8)) / 2.0
        z_neu = (logit(p["neu_sel_emax"]) - logit(0.1)) / 2.0
        assert z_plt == pytest.approx(z_neu, abs=1e-9)  # one deviate: correlation 1
        zs.append(z_plt)
        c0, p0, _ = alone.draw(4, (i,))
        assert c == c0 and p["GR_level"] == p0["GR_level"]  # the other draws keep their values
    assert np.std(zs) > 0.5  # and the deviate does vary between patients


def test_the_marrow_entries_leave_every_other_draw_of_the_packaged_populations_unchanged():
    """The marrow sensitivity draws from its own stream: the patients drawn before it was
    added (covariates, biology, PK etas) are the same patients."""
    from dataclasses import replace

    for name in ("storm", "boston"):
        pop = load_population(name)
        marrow = {"plt_sel_emax", "neu_sel_emax"}
        assert marrow <= {e.name for e in pop.parameters}
        assert {e.spec.get("shared") for e in pop.parameters if e.name in marrow} == \
            {"marrow_sensitivity"}
        without = replace(pop, parameters=tuple(e for e in pop.parameters
                                                if e.name not in marrow))
        for i in range(20):
            c, p, _ = pop.draw(9, (i,))
            c0, p0, _ = without.draw(9, (i,))
            assert c == c0 and {k: v for k, v in p.items() if k not in marrow} == p0


@pytest.mark.parametrize("entry, message", [
    (_logitnormal(1.2, 1.0), "median: must be in \\(0, 1\\)"),
    (_logitnormal(0.5, 0.0), "sigma: must be > 0"),
    ({"dist": "logitnormal", "median": 0.5, "source": "s", "status": "assumed"},
     "sigma: is required"),
    (_logitnormal(0.5, 1.0, shared="age_years"), "shared: must not be the name of an entry"),
    ({"dist": "fixed", "value": 0.5, "shared": "m", "source": "s", "status": "assumed"},
     "shared: a shared draw couples continuous"),
])
def test_bad_logitnormal_or_shared_entries_are_refused_naming_them(entry, message):
    with pytest.raises(InputError, match=message):
        parse_population("p", {**BASE, "parameters": {"plt_sel_emax": entry}}, "test.toml")
