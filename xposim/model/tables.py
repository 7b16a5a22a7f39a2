"""Parameter tables: every parameter with value, unit, canonical value, kind and source."""

from __future__ import annotations

import pandas as pd

from xposim.model.module import Model

COLUMNS = ["name", "module", "value", "unit", "canonical_value", "canonical_unit", "kind",
           "source", "fitted_to", "lower", "upper", "description"]


def parameter_table(model: Model) -> pd.DataFrame:
    """One row per parameter, derived parameter and input of ``model``."""
    rows = []
    for p in model.parameters:
        lo, hi = p.bounds if p.bounds is not None else (None, None)
        rows.append(dict(name=p.name, module=model.origin(p.name), value=p.value, unit=p.unit,
                         canonical_value=p.canonical_value, canonical_unit=p.canonical_unit,
                         kind=p.kind, source=p.source, fitted_to=p.fitted_to, lower=lo,
                         upper=hi, description=p.description))
    for d in model.derived:
        rows.append(dict(name=d.name, module=model.origin(d.name), value=None, unit=d.unit,
                         canonical_value=None, canonical_unit=d.unit, kind="derived",
                         source=f"{d.name} = {d.expression.text} ({d.source})", fitted_to="",
                         lower=None, upper=None, description=d.description))
    for i in model.inputs:
        rows.append(dict(name=i.name, module=model.origin(i.name), value=i.default,
                         unit=i.unit, canonical_value=i.canonical_default,
                         canonical_unit=model.unit_of(i.name), kind="input",
                         source="set by the experiment or protocol", fitted_to="", lower=None,
                         upper=None, description=i.description))
    return pd.DataFrame(rows, columns=COLUMNS)


def to_markdown(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (no extra dependency)."""

    def cell(v: object) -> str:
        if v is None or (isinstance(v, float) and pd.isna(v)):
            return ""
        if isinstance(v, float):
            return f"{v:.6g}"
        return str(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(df.columns) + " |",
             "|" + "|".join("---" for _ in df.columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |"
              for row in df.itertuples(index=False)]
    return "\n".join(lines) + "\n"
