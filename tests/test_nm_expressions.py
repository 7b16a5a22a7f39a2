"""The formula language of `nm simulate`: parsed by our own Pratt parser (never ``eval``),
evaluated with NumPy over records. Expected values are the arithmetic written out."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xposim.errors import InputError
from xposim.pharmacology.nonmem.expressions import FUNCTIONS, parse_formula

ENV = {"WT": np.array([50.0, 70.0, 100.0]), "CL": 2.0, "ETA_CL": np.array([0.0, 0.1, -0.2]),
       "A2": np.array([0.0, 5.0, 10.0]), "V": 4.0}


@pytest.mark.parametrize(("text", "want"), [
    ("1.1*(WT/70)**0.75*exp(ETA_CL)",
     [1.1 * (w / 70) ** 0.75 * math.exp(e) for w, e in zip([50, 70, 100], [0, 0.1, -0.2],
                                                            strict=True)]),
    ("-2**2", [-4.0] * 3),                        # ** binds tighter than unary minus
    ("2**3**2", [512.0] * 3),                     # and is right-associative
    ("2**-1", [0.5] * 3),
    ("1 - 2 - 3", [-4.0] * 3),                    # left-associative
    ("8 / 4 / 2", [1.0] * 3),
    ("2.5e-1 + .5 + 1.", [1.75] * 3),
    ("if(WT > 60, 1, 0)", [0.0, 1.0, 1.0]),
    ("if(A2 > 0, A2/V, 0)", [0.0, 1.25, 2.5]),    # the unselected branch may be 0/0
    ("WT >= 70 and WT < 100", [0.0, 1.0, 0.0]),
    ("WT < 60 or WT == 100", [1.0, 0.0, 1.0]),
    ("not WT == 70", [1.0, 0.0, 1.0]),
    ("WT != 70", [1.0, 0.0, 1.0]),
    ("min(WT, 80, 90)", [50.0, 70.0, 80.0]),
    ("max(WT, 60)", [60.0, 70.0, 100.0]),
    ("abs(-CL) + sqrt(16) + log(exp(2))", [8.0] * 3),
    ("@WT / 10", [5.0, 7.0, 10.0]),
])
def test_values(text, want):
    got = np.broadcast_to(parse_formula(text).evaluate(ENV), (3,))
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_names_and_columns_are_reported():
    f = parse_formula("TVCL*(WT/70)**0.75*exp(ETA_CL) + @AGE")
    assert f.names == {"TVCL", "WT", "ETA_CL"} and f.columns == {"AGE"}


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty expression"),
    ("2*", "ends too early"),
    ("(1+2", "expected ')'"),
    ("1+2)", "unexpected ')'"),
    ("foo(1)", "unknown function foo()"),
    ("exp(1, 2)", "exp() takes 1 argument, got 2"),
    ("max(1)", "max() takes two or more arguments, got 1"),
    ("if(1, 2)", "if() takes 3 arguments, got 2"),
    ("exp", "exp is a function"),
    ("a < b < c", "chained comparison"),
    ("__import__('os')", "unexpected character"),
    ("x.y", "unexpected character"),
    ("x[0]", "unexpected character"),
    ("lambda: 1", "unexpected character"),
    ("2 x", "unexpected 'x'"),
    ("1e999", "not finite"),
])
def test_bad_formulas_name_the_field_and_the_problem(text, message):
    with pytest.raises(InputError) as err:
        parse_formula(text, field="param CL")
    assert str(err.value).startswith("param CL: ") and message in str(err.value)
    assert "allowed:" in str(err.value)


def test_documented_functions():
    assert set(FUNCTIONS) == {"exp", "log", "sqrt", "abs", "min", "max", "if"}
