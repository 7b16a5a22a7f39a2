"""Per-run parameter overrides: ``NAME=VALUE[unit]`` as the CLI's ``--set`` takes them.

An :class:`Override` holds what the user wrote (name, number, optional unit). It becomes a
:class:`~xposim.model.Parameter` of a given model with :func:`override_parameter`: the
name must be one of the model's parameters (as ``xposim params`` lists them), the unit
must convert to the parameter's unit (a missing unit means the parameter's own unit), and
the value must have the sign of the parameter's plausible range (``> 0`` when the range is
strictly positive, ``>= 0`` when it starts at 0), so that a half-life of 0 or a negative
concentration is refused here instead of becoming NaN in a solver. Every error is an
:class:`~xposim.errors.InputError` whose field is ``set NAME``.

The parsing lives here (the kernel), so every command that simulates - cell, ic50,
synergy, and later the patient and trial commands - reads ``--set`` the same way.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from xposim.errors import InputError
from xposim.model.components import Parameter
from xposim.model.module import Model

_OVERRIDE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"
                       r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S.*)?$")


@dataclass(frozen=True)
class Override:
    """``name`` set to ``value`` in ``unit`` (``None``: the parameter's own unit)."""

    name: str
    value: float
    unit: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.value, bool) or not isinstance(self.value, int | float) or (
                not math.isfinite(self.value)):
            raise InputError(f"set {self.name}", "value must be a finite number",
                             got=self.value)
        object.__setattr__(self, "value", float(self.value))
        if self.unit is not None:
            from xposim.model.units import parse_unit

            unit = self.unit.strip()
            try:
                parse_unit(unit)
            except InputError as exc:
                raise InputError(f"set {self.name}", "unknown unit", got=unit) from exc
            object.__setattr__(self, "unit", unit)

    def __str__(self) -> str:
        return f"{self.name}={self.value:g}{self.unit or ''}"


def parse_override(text: str) -> Override:
    """``"XPO1_total0=0.9uM"`` -> Override("XPO1_total0", 0.9, "uM"); the unit is
    optional (``"GR_sel_emax=0"``)."""
    m = _OVERRIDE.match(str(text))
    if m is None:
        raise InputError("set", "must be NAME=VALUE with an optional unit, e.g. "
                         "XPO1_total0=0.9uM or GR_sel_emax=0", got=text)
    return Override(m.group(1), float(m.group(2)), m.group(3))


def parse_overrides(items: Iterable[str]) -> tuple[Override, ...]:
    """Parse several ``NAME=VALUE[unit]``; a name given twice is refused."""
    out: list[Override] = []
    for item in items:
        o = parse_override(item)
        if any(p.name == o.name for p in out):
            raise InputError("set", "given twice", got=o.name)
        out.append(o)
    return tuple(out)


def override_parameter(parameter: Parameter, override: Override) -> Parameter:
    """``parameter`` with the overridden value converted to its unit (provenance: the
    override)."""
    from xposim.model.units import convert, same_dimension

    field = f"set {override.name}"
    value = override.value
    if override.unit is not None:
        if not same_dimension(override.unit, parameter.unit):
            raise InputError(field, f"unit must convert to {parameter.unit}",
                             got=override.unit)
        value = convert(value, override.unit, parameter.unit)
    lo = parameter.bounds[0] if parameter.bounds is not None else 0.0
    if lo > 0 and value <= 0:
        raise InputError(field, f"must be > 0 {parameter.unit} (plausible range "
                         f"{parameter.bounds[0]:g}-{parameter.bounds[1]:g})",  # type: ignore[index]
                         got=value)
    if lo >= 0 and value < 0:
        raise InputError(field, f"must be >= 0 {parameter.unit}", got=value)
    return parameter.with_value(value, source=f"--set {override}: per-run override of "
                                f"{parameter.value:g} {parameter.unit} ({parameter.source})",
                                kind="assumed", fitted_to="")


def resolve_overrides(model: Model, overrides: Sequence[Override], *,
                      what: str = "the model") -> tuple[Parameter, ...]:
    """The overrides as parameters of ``model``; an unknown name is an InputError that
    says where the names are listed."""
    known = {p.name: p for p in model.parameters}
    out = []
    for o in overrides:
        if o.name not in known:
            close = sorted(n for n in known if n.lower() == o.name.lower())
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise InputError(f"set {o.name}", f"not a parameter of {what}{hint}; "
                             "`xposim params` lists the names")
        out.append(override_parameter(known[o.name], o))
    return tuple(out)
