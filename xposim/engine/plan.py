"""Validate a run request against a model and resolve every number it needs.

Shared by all backends so they agree on what a run means: canonical parameter values
(defaults, then overrides), derived parameters and initial state evaluated from them,
events sorted by time (stable, so same-time events apply in the order given), and the
outputs to record.

This runs before every simulation, so it only looks things up: the model's defaults and
its derived/initial expressions are compiled once per Model (``Model.evaluate_derived``,
``Model.evaluate_initial``), never per run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence, Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from xposim.engine.events import Bolus, Event, Set
from xposim.errors import InputError
from xposim.model.components import Compartment, Derived, Reaction, Species
from xposim.model.module import Model

#: Time resolution (relative to max(1 h, t)): intervals shorter than this are not
#: integrated (an event 1e-300 h after another is applied at the same state).
TIME_RESOLUTION = 1e-12


@dataclass(frozen=True)
class RunPlan:
    times: np.ndarray
    values: dict[str, float]  # parameters, inputs, derived and compartment sizes (canonical)
    initial: dict[str, float]  # species -> initial value (nM or amount)
    events: tuple[Event, ...]
    outputs: tuple[str, ...]
    t0: float
    subject: str | int | None
    #: output times all further apart than the time resolution (nothing to merge)
    well_spaced: bool = False


def _number(value: object, field: str) -> float:
    if type(value) is float and math.isfinite(value):  # the usual case, checked fast
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise InputError(field, "must be a number", got=repr(value))
    out = float(value)
    if not math.isfinite(out):
        raise InputError(field, "must be finite", got=out)
    return out


_MEMO_TIMES = 4096  # output grids up to this size have their check memoised


@lru_cache(maxsize=64)
def _check_times(buffer: bytes) -> bool:
    """Validate output times (float64 bytes, h); True if all further apart than the time
    resolution. Memoised: a pure function of the times."""
    t = np.frombuffer(buffer, dtype=float)
    if not np.all(np.isfinite(t)):
        raise InputError("times", "must be finite")
    step = np.diff(t)
    if np.any(step <= 0):
        raise InputError("times", "must be strictly increasing")
    if t[0] < 0:
        raise InputError("times", "must be >= 0 h", got=float(t[0]))
    return bool(np.all(step > TIME_RESOLUTION * np.maximum(1.0, np.abs(t[:-1]))))


def _whole_state(initial: Mapping[str, float], species: AbstractSet[str]) -> bool:
    """True if ``initial`` names exactly ``species`` with Python floats, all finite and
    >= 0 (False: check it name by name)."""
    if initial.keys() != species:
        return False
    vals = initial.values()
    if set(map(type, vals)) != {float}:
        return False
    # NaN or inf make the sum non-finite (so does an overflow: then checked by name)
    return math.isfinite(sum(vals)) and min(vals) >= 0.0


def default_outputs(model: Model) -> tuple[str, ...]:
    return tuple(s.name for s in model.species) + tuple(a.name for a in model.assignments)


def resolve_values(model: Model, overrides: Mapping[str, float] | None) -> dict[str, float]:
    """Canonical values of parameters, inputs, compartments and derived parameters.

    Raises InputError if an override makes a derived value non-finite (ModelError if the
    model's own defaults do)."""
    if not overrides:
        return model.constant_values()  # computed once per model
    values = model.default_values()
    for name, value in overrides.items():
        if isinstance(model.definitions.get(name), Derived):
            raise InputError(f"parameters.{name}", "is derived from other parameters; "
                             "override those instead")
        if name not in values:
            raise InputError(f"parameters.{name}", "is not a parameter or input of model "
                             f"{model.name}")
        values[name] = _number(value, f"parameters.{name}")
    for c in model.compartments:
        values[c.name] = c.size
    bad = model.evaluate_derived(values, values)
    if bad is not None:
        raise InputError(f"parameters.{bad}", f"derived value is not finite "
                         f"({model[bad].expression.text})")
    return values


def plan_run(model: Model, times: Iterable[float], *,
             parameters: Mapping[str, float] | None = None,
             initial: Mapping[str, float] | None = None,
             events: Sequence[Event] = (),
             outputs: Sequence[str] | None = None,
             subject: str | int | None = None,
             resolved: dict[str, float] | None = None,
             checked_outputs: set[tuple[str, ...]] | None = None,
             species: AbstractSet[str] | None = None) -> RunPlan:
    """Check a run request and resolve it (raises InputError naming the field).

    For callers that run one model many times (the backends): ``resolved``, the values
    :func:`resolve_values` gave for these same ``parameters`` (not resolved again; never
    changed here); ``checked_outputs``, output tuples already checked against this model
    (skipped; a newly checked one is added); ``species``, the names of the model's
    species (an ``initial`` giving all of them is checked in one pass)."""
    t = np.asarray(list(times) if not isinstance(times, np.ndarray) else times, dtype=float)
    if t.ndim != 1 or t.size == 0:
        raise InputError("times", "must be a non-empty 1-D sequence of times in h")
    # the same times come back run after run: remember small grids (large ones cost more
    # to keep than to check, next to the run they ask for)
    check = _check_times if t.size <= _MEMO_TIMES else _check_times.__wrapped__
    well_spaced = check(t.tobytes())
    t0 = float(t[0])
    values = resolve_values(model, parameters) if resolved is None else resolved
    defs = model.definitions
    init: dict[str, float] = {}
    if (species is not None and initial is not None and len(initial) == len(species)
            and _whole_state(initial, species)):
        # a run continuing from a full state (every segment of a patient): every species
        # given once as a finite float >= 0, checked in a few C-level passes (the loop
        # below checks the same per name and raises where this falls through)
        init = dict(initial)
        initial = None
    elif initial is None or len(initial) < len(model.species):
        # the model's initial values of the species ``initial`` does not give (a run
        # continuing from a full state, every segment of a patient, gives all of them:
        # each name below is a species, or an InputError)
        model.evaluate_initial(values, init)
    for name, value in (initial or {}).items():
        if not isinstance(defs.get(name), Species):
            raise InputError(f"initial.{name}", f"is not a species of model {model.name}")
        if type(value) is float and 0.0 <= value < math.inf:  # the usual case, fast
            init[name] = value
            continue
        v = _number(value, f"initial.{name}")
        if v < 0:
            raise InputError(f"initial.{name}", "must be >= 0", got=v)
        init[name] = v
    for ev in events:
        if not isinstance(ev, Set | Bolus):
            raise InputError("events", "must be Set or Bolus events", got=repr(ev))
        target = defs.get(ev.target)
        if isinstance(ev, Bolus) and not isinstance(target, Species):
            raise InputError(f"event Bolus({ev.target})", "target must be a species")
        settable = ev.target in values and not isinstance(target, Derived | Compartment)
        if isinstance(ev, Set) and not isinstance(target, Species) and not settable:
            raise InputError(f"event Set({ev.target})", "target must be a species, input or "
                             "parameter")
        if ev.time < t0:
            raise InputError(f"event {type(ev).__name__}({ev.target}).time",
                             f"must be >= the first output time {t0} h", got=ev.time)
    ordered = tuple(sorted(events, key=lambda e: e.time))
    outs = tuple(outputs) if outputs is not None else default_outputs(model)
    if checked_outputs is None or outs not in checked_outputs:
        for name in outs:
            # readable: species, assignments, parameters, inputs, derived, compartments
            if name not in values and (name not in defs or isinstance(defs[name], Reaction)):
                raise InputError(f"outputs.{name}", f"is not a species, assignment or "
                                 f"parameter of model {model.name}")
        if checked_outputs is not None:
            checked_outputs.add(outs)
    return RunPlan(times=t, values=values, initial=init, events=ordered, outputs=outs, t0=t0,
                   subject=subject, well_spaced=well_spaced)
