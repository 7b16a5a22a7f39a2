"""What each step of the explorer accepts: one pydantic model per step, validated on the
server before any simulation runs.

Every field has a unit in its name or metadata, bounds from :mod:`xposim.web.limits` and
a label the page shows; an unknown field, a value out of range or an unknown preset is a
422 whose message names the field and what is allowed (:func:`validation_messages`).
The models' JSON schema is what the page builds its controls from, so the two cannot
disagree.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from xposim.pharmacology.label_regimens import label_regimen, label_regimen_names
from xposim.presets.cell_lines import P53_STATUS, all_cell_lines
from xposim.web import limits

_LINES = all_cell_lines()
ALL_LINES = tuple(c.name for c in _LINES)
MALIGNANT_LINES = tuple(c.name for c in _LINES if c.malignant)
NORMAL_LINES = tuple(c.name for c in _LINES if not c.malignant)
#: Label regimens that give selinexor (the patient step needs it).
SELINEXOR_REGIMENS = tuple(n for n in label_regimen_names()
                           if "selinexor" in label_regimen(n).regimen.drugs)
SCHEDULES = ("label", "days 1,3 weekly", "weekly")

# Literal types built from the preset data, so a new preset appears in the page by itself.
AnyLine = Literal[ALL_LINES]  # type: ignore[valid-type]
CancerLine = Literal[MALIGNANT_LINES]  # type: ignore[valid-type]
NormalLine = Literal[NORMAL_LINES]  # type: ignore[valid-type]
RegimenName = Literal[SELINEXOR_REGIMENS]  # type: ignore[valid-type]
Tp53 = Literal[("preset", *P53_STATUS)]  # type: ignore[valid-type]
Schedule = Literal[SCHEDULES]  # type: ignore[valid-type]


def _ui(label: str, unit: str = "", **extra: Any) -> dict[str, Any]:
    return {"label": label, "unit": unit, **extra}


def _hours(default: float) -> Any:
    return Field(default, ge=limits.MIN_DISH_HOURS, le=limits.MAX_DISH_HOURS,
                 description="length of the experiment (h)",
                 json_schema_extra=_ui("time span", "h", step=1))


def _conc(default: float, drug: str, *, positive: bool = False) -> Any:
    bound = {"gt": 0.0} if positive else {"ge": 0.0}
    return Field(default, le=limits.MAX_CONCENTRATION_NM, **bound,
                 description=f"free {drug} concentration in the medium (nM)",
                 json_schema_extra=_ui(drug, "nM", step=1))


def _xpo1() -> Any:
    lo, hi = limits.XPO1_RANGE_UM
    return Field(None, ge=lo, le=hi,
                 description="XPO1 abundance of the cell (µM; empty: the preset's own)",
                 json_schema_extra=_ui("XPO1 level", "µM", step=0.1, parameter="XPO1_total0"))


def _washout() -> Any:
    return Field(0.0, ge=0.0, le=limits.MAX_DISH_HOURS,
                 description="replace the medium with drug-free medium at this time (h; 0: "
                             "never)", json_schema_extra=_ui("washout at", "h", step=1))


class StepParams(BaseModel):
    """Base of every step's parameters: unknown fields are refused, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def key(self) -> tuple[tuple[str, Any], ...]:
        """Cache key: every field, in order."""
        return tuple(self.model_dump().items())


class _Washout(StepParams):
    @model_validator(mode="after")
    def _washout_before_end(self) -> _Washout:
        w, h = getattr(self, "washout_h", 0.0), getattr(self, "hours", None)
        if w and h is not None and w >= h:
            raise ValueError(f"washout_h: must be 0 (never) or less than hours ({h:g} h), "
                             f"got {w:g}")
        return self


class Step1(StepParams):
    cell_line: Annotated[AnyLine, Field(description="cell preset",
                                        json_schema_extra=_ui("cell line"))] = "normal"
    xpo1_uM: Annotated[float | None, _xpo1()]
    hours: Annotated[float, _hours(24.0)]


class Step2(StepParams):
    normal_line: Annotated[NormalLine, Field(description="normal cell preset",
                                             json_schema_extra=_ui("normal cell"))] = "normal"
    cell_line: Annotated[CancerLine, Field(description="cancer cell preset",
                                           json_schema_extra=_ui("cancer cell"))] = "myeloma"
    xpo1_uM: Annotated[float | None, _xpo1()]
    hours: Annotated[float, _hours(24.0)]


class Step3(_Washout):
    cell_line: Annotated[AnyLine, Field(description="cell preset (its C528S mutant is "
                                        "drawn beside it)", json_schema_extra=_ui(
                                            "cell line"))] = "myeloma"
    selinexor_nM: Annotated[float, _conc(100.0, "selinexor")]
    hours: Annotated[float, _hours(24.0)]
    washout_h: Annotated[float, _washout()]
    xpo1_uM: Annotated[float | None, _xpo1()]


class Step4(_Washout):
    cell_line: Annotated[CancerLine, Field(description="cancer cell preset",
                                           json_schema_extra=_ui("cancer cell"))] = "MM.1S"
    normal_line: Annotated[NormalLine, Field(description="normal cell preset",
                                             json_schema_extra=_ui("normal cell"))] = (
        "fibroblast")
    selinexor_nM: Annotated[float, _conc(100.0, "selinexor")]
    hours: Annotated[float, _hours(72.0)]
    washout_h: Annotated[float, _washout()]
    tp53: Annotated[Tp53, Field(description="TP53 status of the cancer cell (preset: its "
                                "own)", json_schema_extra=_ui("TP53 status"))] = "preset"
    xpo1_uM: Annotated[float | None, _xpo1()]


class Step5(StepParams):
    cell_line: Annotated[CancerLine, Field(description="GR-positive line",
                                           json_schema_extra=_ui("GR-positive line"))] = (
        "MM.1S")
    gr_negative_line: Annotated[CancerLine, Field(description="GR-negative line",
                                                  json_schema_extra=_ui(
                                                      "GR-negative line"))] = "MM.1R"
    selinexor_nM: Annotated[float, _conc(20.0, "selinexor", positive=True)]
    dexamethasone_nM: Annotated[float, _conc(100.0, "dexamethasone", positive=True)]
    bortezomib_nM: Annotated[float, _conc(0.0, "bortezomib (in every well)")]
    hours: Annotated[float, _hours(72.0)]


class Step6(StepParams):
    regimen: Annotated[RegimenName, Field(description="label regimen",
                                          json_schema_extra=_ui("regimen"))] = "selinexor-dex"
    selinexor_mg: Annotated[float | None, Field(
        None, ge=limits.SELINEXOR_DOSE_RANGE_MG[0], le=limits.SELINEXOR_DOSE_RANGE_MG[1],
        description="selinexor per administration (mg PO; empty: the label dose)",
        json_schema_extra=_ui("selinexor dose", "mg", step=10))]
    schedule: Annotated[Schedule, Field(description="selinexor schedule (label: the "
                                        "regimen's)", json_schema_extra=_ui(
                                            "selinexor schedule"))] = "label"
    weeks: Annotated[int, Field(12, ge=1, le=limits.MAX_WEEKS, description="weeks "
                                "simulated", json_schema_extra=_ui("time span", "weeks"))]
    platelets0: Annotated[float, Field(
        240.0, ge=limits.PLATELET_BASELINE_RANGE[0], le=limits.PLATELET_BASELINE_RANGE[1],
        description="baseline platelet count (10^9/L)",
        json_schema_extra=_ui("baseline platelets", "10^9/L", step=10))]


STEP_PARAMS: dict[int, type[StepParams]] = {1: Step1, 2: Step2, 3: Step3, 4: Step4, 5: Step5,
                                            6: Step6}


_BOUNDS = {"less_than_equal": ("<=", "le"), "less_than": ("<", "lt"),
           "greater_than_equal": (">=", "ge"), "greater_than": (">", "gt")}


def _unit(model: type[StepParams], field: str) -> str:
    info = model.model_fields.get(field)
    extra = info.json_schema_extra if info is not None else None
    return str(extra.get("unit", "")) if isinstance(extra, dict) else ""


def validation_messages(model: type[StepParams], exc: ValidationError) -> list[str]:
    """One line per problem, naming the field and what is allowed: ``selinexor_nM: must
    be <= 10000 nM, got '2e6'``."""
    out = []
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err["loc"] if not isinstance(p, int)]
        field = loc[0] if loc else ""
        msg = str(err["msg"]).removeprefix("Value error, ")
        unit = _unit(model, field)
        kind = err["type"]
        if not field:  # a check across fields: its message names them
            out.append(msg)
            continue
        if kind == "extra_forbidden":
            msg = f"unknown parameter for this step; known: {', '.join(model.model_fields)}"
        elif kind == "literal_error":
            msg = f"must be one of {err['ctx']['expected']}"
        elif kind in _BOUNDS:
            op, key = _BOUNDS[kind]
            msg = f"must be {op} {err['ctx'][key]:g}{' ' + unit if unit else ''}"
        elif kind in ("float_parsing", "float_type", "finite_number", "int_parsing",
                      "int_type", "int_from_float"):
            what = "a whole number" if kind.startswith("int") else "a finite number"
            msg = f"must be {what}{' in ' + unit if unit else ''}"
        got = err.get("input")
        got_text = "" if kind == "missing" or isinstance(got, dict) else f", got {got!r}"
        out.append(f"{field}: {msg}{got_text}")
    return out


def parse_params(step: int, query: dict[str, str]) -> StepParams:
    """The validated parameters of ``step`` from a query string's fields (empty values
    mean "the default")."""
    model = STEP_PARAMS[step]
    data = {k: v for k, v in query.items() if v != ""}
    return model.model_validate(data)
