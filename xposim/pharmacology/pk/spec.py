"""What the population and CLI layers need to know about a PK module."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from xposim.errors import InputError, ModelError
from xposim.model import Model, Module, compose
from xposim.pharmacology.pk.common import RandomEffect, ResidualError
from xposim.presets.drugs import Drug


@dataclass(frozen=True)
class PKModel:
    """A drug's PK module with its dosing targets, variability and observation model.

    ``routes`` maps a route (``PO``, ``IV``, ``SC``) to the amount species a dose goes
    into (mg). ``concentration`` is the assignment giving total plasma concentration
    (mg/L); ``outputs`` the assignments recorded by default.
    """

    drug: Drug
    module: Module
    routes: Mapping[str, str]
    concentration: str
    outputs: tuple[str, ...]
    random_effects: tuple[RandomEffect, ...]
    residual: ResidualError
    description: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "routes", MappingProxyType(dict(self.routes)))
        species = {s.name for s in self.module.species}
        for route, target in self.routes.items():
            if target not in species:
                raise ModelError(f"{self.module.name}: route {route} doses unknown species "
                                 f"{target!r}")
        names = {a.name for a in self.module.assignments}
        for out in (self.concentration, *self.outputs):
            if out not in names:
                raise ModelError(f"{self.module.name}: output {out!r} is not an assignment")
        params = {p.name for p in self.module.parameters}
        for re in self.random_effects:
            if re.parameter not in params:
                raise ModelError(f"{self.module.name}: random effect on unknown parameter "
                                 f"{re.parameter!r}")

    @cached_property
    def model(self) -> Model:
        """The module composed alone (what the engine simulates)."""
        return compose(self.module, name=f"{self.module.name}_model",
                       description=self.description)

    def dose_target(self, route: str) -> str:
        key = route.strip().upper()
        if key not in self.routes:
            raise InputError("route", f"{self.drug.name} can be given {'/'.join(self.routes)}",
                             got=route)
        return self.routes[key]
