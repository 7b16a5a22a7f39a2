"""Validate a run request against a model and resolve every number it needs.

Shared by all backends so they agree on what a run means: canonical parameter values
(defaults, then overrides), derived parameters and initial state evaluated from them,
events sorted by time (stable, so same-time events apply in the order given), and the
outputs to record.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from xposim.engine.events import Bolus, Event, Set
from xposim.errors import InputError
from xposim.model.module import Model


@dataclass(frozen=True)
class RunPlan:
    times: np.ndarray
    values: dict[str, float]  # parameters, inputs, derived and compartment sizes (canonical)
    initial: dict[str, float]  # species -> initial value (nM or amount)
    events: tuple[Event, ...]
    outputs: tuple[str, ...]
    t0: float
    subject: str | int | None


def _number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise InputError(field, "must be a number", got=repr(value))
    out = float(value)
    if not math.isfinite(out):
        raise InputError(field, "must be finite", got=out)
    return out


def default_outputs(model: Model) -> tuple[str, ...]:
    return tuple(s.name for s in model.species) + tuple(a.name for a in model.assignments)


def resolve_values(model: Model, overrides: Mapping[str, float] | None) -> dict[str, float]:
    """Canonical values of parameters, inputs, compartments and derived parameters."""
    values = model.default_values()
    derived = {d.name for d in model.derived}
    for name, value in (overrides or {}).items():
        if name in derived:
            raise InputError(f"parameters.{name}", "is derived from other parameters; "
                             "override those instead")
        if name not in values:
            raise InputError(f"parameters.{name}", "is not a parameter or input of model "
                             f"{model.name}")
        values[name] = _number(value, f"parameters.{name}")
    values.update({c.name: c.size for c in model.compartments})
    for d in model.derived_order:
        values[d.name] = float(d.expression.compile()(values))
        if not math.isfinite(values[d.name]):
            raise InputError(f"parameters.{d.name}", f"derived value is not finite "
                             f"({d.expression.text})")
    return values


def plan_run(model: Model, times: Iterable[float], *,
             parameters: Mapping[str, float] | None = None,
             initial: Mapping[str, float] | None = None,
             events: Sequence[Event] = (),
             outputs: Sequence[str] | None = None,
             subject: str | int | None = None) -> RunPlan:
    """Check a run request and resolve it (raises InputError naming the field)."""
    t = np.asarray(list(times) if not isinstance(times, np.ndarray) else times, dtype=float)
    if t.ndim != 1 or t.size == 0:
        raise InputError("times", "must be a non-empty 1-D sequence of times in h")
    if not np.all(np.isfinite(t)):
        raise InputError("times", "must be finite")
    if np.any(np.diff(t) <= 0):
        raise InputError("times", "must be strictly increasing")
    t0 = float(t[0])
    if t0 < 0:
        raise InputError("times", "must be >= 0 h", got=t0)
    values = resolve_values(model, parameters)
    species = {s.name: s for s in model.species}
    init: dict[str, float] = {}
    for s in model.species:
        init[s.name] = float(s.initial.compile()(values))
    for name, value in (initial or {}).items():
        if name not in species:
            raise InputError(f"initial.{name}", f"is not a species of model {model.name}")
        v = _number(value, f"initial.{name}")
        if v < 0:
            raise InputError(f"initial.{name}", "must be >= 0", got=v)
        init[name] = v
    settable = set(values) - {d.name for d in model.derived} - {c.name for c in model.compartments}
    for ev in events:
        if not isinstance(ev, Set | Bolus):
            raise InputError("events", "must be Set or Bolus events", got=repr(ev))
        if isinstance(ev, Bolus) and ev.target not in species:
            raise InputError(f"event Bolus({ev.target})", "target must be a species")
        if isinstance(ev, Set) and ev.target not in species and ev.target not in settable:
            raise InputError(f"event Set({ev.target})", "target must be a species, input or "
                             "parameter")
        if ev.time < t0:
            raise InputError(f"event {type(ev).__name__}({ev.target}).time",
                             f"must be >= the first output time {t0} h", got=ev.time)
    ordered = tuple(sorted(events, key=lambda e: e.time))
    outs = tuple(outputs) if outputs is not None else default_outputs(model)
    readable = set(species) | {a.name for a in model.assignments} | set(values)
    for name in outs:
        if name not in readable:
            raise InputError(f"outputs.{name}", f"is not a species, assignment or parameter of "
                             f"model {model.name}")
    return RunPlan(times=t, values=values, initial=init, events=ordered, outputs=outs, t0=t0,
                   subject=subject)
