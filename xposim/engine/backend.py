"""The abstract integration backend and the piecewise segment loop all backends share.

A run integrates between event times; events apply at their time, and outputs requested
at an event time report the state *after* the events at that time (right-continuous).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence

import numpy as np

from xposim.engine.events import Bolus, Event, Set
from xposim.engine.plan import TIME_RESOLUTION, RunPlan, plan_run
from xposim.engine.results import Result
from xposim.errors import SimulationError
from xposim.model.module import Model
from xposim.model.units import canonical_unit


def _resolution(t: float) -> float:
    return TIME_RESOLUTION * max(1.0, abs(t))


class Backend(ABC):
    """Integrates one Model; subclasses provide start / advance / apply / read."""

    def __init__(self, model: Model, *, rtol: float = 1e-8, atol: float = 1e-10,
                 max_steps: int = 200_000) -> None:
        if not isinstance(model, Model):
            raise TypeError(f"expected a composed Model, got {type(model).__name__}")
        self.model = model
        self.rtol = float(rtol)
        self.atol = float(atol)
        self.max_steps = int(max_steps)
        self._species = {s.name: s for s in model.species}
        self._units: dict[tuple[str, ...], tuple[str, ...]] = {}  # outputs -> their units
        # Runs of one subject repeat the same parameters and outputs segment after
        # segment: the last parameters' resolved values, and the outputs already checked
        # (both depend on the model only, which a backend never changes).
        self._resolved: tuple[dict[str, float], dict[str, float]] | None = None
        self._checked_outputs: set[tuple[str, ...]] = set()

    # -- backend hooks -------------------------------------------------------------------
    @abstractmethod
    def _start(self, plan: RunPlan) -> None:
        """Load parameter values and the initial state at plan.t0."""

    @abstractmethod
    def _advance(self, t_from: float, t_to: float, record: np.ndarray) -> np.ndarray:
        """Integrate from t_from to t_to; return outputs at ``record`` (t_from <= r <= t_to)."""

    @abstractmethod
    def _set(self, name: str, value: float, *, species: bool) -> None:
        """Set a species (nM or amount) or a parameter/input value now."""

    @abstractmethod
    def _get(self, name: str) -> float:
        """Current value of a species, parameter, input or assignment."""

    @abstractmethod
    def _read(self) -> np.ndarray:
        """Current values of the plan's outputs."""

    # -- shared loop ---------------------------------------------------------------------
    def run(self, times: Sequence[float] | np.ndarray, *,
            parameters: Mapping[str, float] | None = None,
            initial: Mapping[str, float] | None = None,
            events: Sequence[Event] = (),
            outputs: Sequence[str] | None = None,
            subject: str | int | None = None) -> Result:
        """Simulate and return outputs at ``times`` (h).

        ``parameters`` override canonical parameter/input values for this run only;
        ``initial`` overrides initial species values; ``events`` are applied at their
        times. Nothing persists between runs.
        """
        plan = plan_run(self.model, times, parameters=parameters, initial=initial,
                        events=events, outputs=outputs, subject=subject,
                        resolved=self._resolved_for(parameters),
                        checked_outputs=self._checked_outputs,
                        species=self._species.keys())
        if parameters and (self._resolved is None or self._resolved[1] is not plan.values):
            self._resolved = (dict(parameters), plan.values)
        self._plan = plan
        self._start(plan)
        times_arr = plan.times
        t_end = float(times_arr[-1])
        out = np.empty((times_arr.size, len(plan.outputs)))
        t, idx = plan.t0, 0
        for te in sorted({e.time for e in plan.events if e.time <= t_end}):
            hi = int(np.searchsorted(times_arr, te, side="left"))  # outputs before te
            if te - t > _resolution(t):
                out[idx:hi] = self._checked_advance(t, te, times_arr[idx:hi])
            elif hi > idx:
                out[idx:hi] = self._read()
            idx, t = hi, te
            for ev in plan.events:
                if ev.time == te:
                    self._apply(ev)
        if t_end - t > _resolution(t):
            out[idx:] = self._checked_advance(t, t_end, times_arr[idx:])
        elif idx < times_arr.size:
            out[idx:] = self._read()
        units = self._units.get(plan.outputs)
        if units is None:
            units = self._units[plan.outputs] = tuple(self._unit_of(n) for n in plan.outputs)
        return Result(time=times_arr.copy(), names=plan.outputs, units=units, values=out,
                      subject=subject, model_hash=self.model.hash)

    def _resolved_for(self, parameters: Mapping[str, float] | None) -> dict[str, float] | None:
        """The resolved values of the previous run if ``parameters`` are the same (equal
        floats: anything else is resolved, and checked, anew), else None."""
        last = self._resolved
        if (not parameters or last is None or last[0] != parameters
                or not all(type(v) is float for v in parameters.values())):
            return None
        return last[1]

    def _checked_advance(self, t_from: float, t_to: float, record: np.ndarray) -> np.ndarray:
        who = f"subject {self._plan.subject}" if self._plan.subject is not None else "run"
        try:
            values = self._advance(t_from, t_to, record)
        except SimulationError:
            raise
        except Exception as exc:
            raise SimulationError(f"{who}: integration failed between t={t_from:g} h and "
                                  f"t={t_to:g} h: {exc}") from exc
        # one reduction in the usual case; the sum can only overflow if a value is huge
        if not math.isfinite(values.sum()) and not np.all(np.isfinite(values)):
            bad = np.argwhere(~np.isfinite(values))[0]
            when = record[bad[0]] if record.size else t_to
            raise SimulationError(f"{who}: non-finite {self._plan.outputs[bad[1]]} at "
                                  f"t={when:g} h")
        return values

    def _apply(self, ev: Event) -> None:
        is_species = ev.target in self._species
        if isinstance(ev, Bolus):
            self._set(ev.target, self._get(ev.target) + ev.amount, species=True)
        elif isinstance(ev, Set):
            self._set(ev.target, ev.value, species=is_species)

    def _unit_of(self, name: str) -> str:
        if name in self._species:
            return canonical_unit(self._species[name].unit)[0]
        return self.model.unit_of(name)
