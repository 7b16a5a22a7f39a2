"""What a target function receives: the trial values of the estimated parameters and any
fixed overrides (``xposim calibrate NAME --set X=V``), converted for the model it runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from xposim.errors import InputError
from xposim.model.components import Parameter
from xposim.model.module import Model
from xposim.model.units import canonical_unit, same_dimension


@dataclass(frozen=True)
class Context:
    """Trial values (``values``: name -> value in ``units[name]``) and fixed overrides
    (``fixed``: name -> (value, unit or None = the parameter's own unit))."""

    values: Mapping[str, float]
    units: Mapping[str, str]
    fixed: Mapping[str, tuple[float, str | None]] = field(default_factory=dict)
    #: names of ``fixed`` some model used (filled as target functions run)
    used: set[str] = field(default_factory=set, compare=False)

    def value(self, name: str) -> float:
        """A trial value in its declared unit."""
        return self.values[name]

    def canonical(self, name: str) -> float:
        """A trial value in canonical units (h, nM, L, mg)."""
        return self.values[name] * canonical_unit(self.units[name])[1]

    def _fixed_canonical(self, model: Model, name: str) -> float:
        value, unit = self.fixed[name]
        own = model.parameter(name).unit
        unit = unit or own
        if not same_dimension(unit, own):
            raise InputError(f"set {name}", f"unit must convert to {own}", got=unit)
        return value * canonical_unit(unit)[1]

    def for_model(self, model: Model) -> dict[str, float]:
        """Canonical values of every trial value and fixed override ``model`` has."""
        names = {p.name for p in model.parameters}
        out = {n: self.canonical(n) for n in self.values if n in names}
        for n in self.fixed:
            if n in names:
                out[n] = self._fixed_canonical(model, n)
                self.used.add(n)
        return out

    def parameters_for(self, model: Model) -> tuple[Parameter, ...]:
        """The same overrides as :class:`Parameter` objects (in each parameter's unit)."""
        out = []
        for name, value in self.for_model(model).items():
            p = model.parameter(name)
            own = value / canonical_unit(p.unit)[1]
            out.append(Parameter(p.name, own, p.unit, "calibration trial value", "assumed",
                                 p.description))
        return tuple(out)
