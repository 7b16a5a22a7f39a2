"""What a target function receives: the trial values of the estimated parameters and any
fixed overrides (``xposim calibrate NAME --set X=V``), converted for the model it runs,
and the :class:`Session` of the fit it belongs to (resources shared by its evaluations)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, TypeVar

from xposim.errors import InputError
from xposim.model.components import Parameter
from xposim.model.module import Model
from xposim.model.units import canonical_unit, same_dimension

T = TypeVar("T")


class Session:
    """Resources that the evaluations of one fit share and that outlive one evaluation —
    e.g. a pool of worker processes that has compiled the patient model once — opened on
    first use and closed together when the session ends (``with Session() as s``).

    :func:`xposim.calibration.runner.fit` holds one session for the whole fit; a single
    :func:`~xposim.calibration.runner.evaluate` opens and closes its own.
    """

    def __init__(self) -> None:
        self._items: dict[Hashable, Any] = {}
        self._stack = ExitStack()

    def get(self, key: Hashable, open_: Callable[[ExitStack], T]) -> T:
        """The resource ``key``, opened by ``open_(stack)`` on first use; ``open_``
        registers its own clean-up on ``stack`` (closed when the session ends)."""
        if key not in self._items:
            self._items[key] = open_(self._stack)
        return self._items[key]  # type: ignore[no-any-return]

    def close(self) -> None:
        self._items.clear()
        self._stack.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class Context:
    """Trial values (``values``: name -> value in ``units[name]``) and fixed overrides
    (``fixed``: name -> (value, unit or None = the parameter's own unit))."""

    values: Mapping[str, float]
    units: Mapping[str, str]
    fixed: Mapping[str, tuple[float, str | None]] = field(default_factory=dict)
    #: names of ``fixed`` some model used (filled as target functions run)
    used: set[str] = field(default_factory=set, compare=False)
    #: resources shared across the evaluations of a fit (None: the function opens its own)
    session: Session | None = field(default=None, compare=False, repr=False)

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

    def for_units(self, units: Mapping[str, str | None]) -> dict[str, float]:
        """As :meth:`for_model`, for a model known only by its parameter names and their
        units (name -> unit; None = unknown, then a fixed override must carry no unit and
        is taken as it is). The contract of the trial layer's patient simulators."""
        out = {n: self.canonical(n) for n in self.values if n in units}
        for n, (value, unit) in self.fixed.items():
            if n not in units:
                continue
            own = units[n]
            if own is None:
                if unit is not None:
                    raise InputError(f"set {n}", "the model states no unit for this "
                                     "parameter: give the value without one", got=unit)
                out[n] = value
            else:
                unit = unit or own
                if not same_dimension(unit, own):
                    raise InputError(f"set {n}", f"unit must convert to {own}", got=unit)
                out[n] = value * canonical_unit(unit)[1]
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
