"""Viability of a cell preset in a dish: drugs at fixed medium concentrations for a time.

Viability is what a CellTiter-Glo assay reports: ATP-holding cells (cycling, arrested and
cells committed to apoptosis but not yet dying, see :mod:`xposim.biology.fate`) divided
by the untreated control at the same time. The medium is an infinite reservoir; its
concentration is the free concentration (no serum protein binding modelled). Each preset's
model is compiled once per process and reused for every concentration.

Every function takes ``overrides`` (:class:`~xposim.model.overrides.Override`, what the
CLI's ``--set NAME=VALUE[unit]`` gives): parameter values changed for this experiment
only, applied before the untreated state is computed (so ``XPO1_total0`` makes the cell
a line with that much XPO1).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from xposim.biology.cell import cell_fate_model, fate_initial_state, simulator_for
from xposim.engine import Set, Simulator
from xposim.engine.results import Result
from xposim.errors import InputError
from xposim.model.overrides import Override
from xposim.presets.cell_lines import get_cell_line
from xposim.presets.drugs import get_drug

#: Drug -> model input holding its free medium concentration (nM).
DRUG_INPUTS: dict[str, str] = {"selinexor": "drug_ext", "dexamethasone": "C_dex",
                               "bortezomib": "C_btz"}
#: Longest in-vitro experiment accepted (h): four weeks.
MAX_HOURS = 24.0 * 28
#: Fate outputs recorded by :func:`fate_timecourse`.
FATE_OUTPUTS: tuple[str, ...] = (
    "viable_cells", "total_cells", "g1_arrested_fraction", "apoptotic_fraction",
    "arrest_signal", "death_signal", "apoptosis_hazard", "occupancy",
    "p53_nuclear_fraction", "p21_nuclear_fraction", "FOXO3a_nuclear_fraction")


@dataclass(frozen=True)
class _Dish:
    """A compiled preset with its untreated initial state."""

    cell_line: str
    simulator: Simulator
    values: tuple[tuple[str, float], ...]  # the preset's parameters, loaded every run
    initial: tuple[tuple[str, float], ...]
    inputs: frozenset[str]

    def run(self, times: Sequence[float] | np.ndarray, *,
            parameters: Mapping[str, float] | None = None, **kwargs: object) -> Result:
        return self.simulator.run(times, parameters={**dict(self.values), **(parameters or {})},
                                  initial=dict(self.initial), **kwargs)  # type: ignore[arg-type]


Overrides = Sequence[Override]


@lru_cache(maxsize=64)
def _dish_cached(cell_line: str, overrides: tuple[Override, ...]) -> _Dish:
    name = get_cell_line(cell_line).name
    model = cell_fate_model(name, overrides=overrides)
    sim, values = simulator_for(model, fate=True)
    return _Dish(name, sim, tuple(values.items()),
                 tuple(fate_initial_state(name, overrides=overrides).items()),
                 frozenset(i.name for i in model.inputs))


def _dish(cell_line: str, overrides: Overrides = ()) -> _Dish:
    return _dish_cached(cell_line, tuple(overrides))


def _hours(hours: float) -> float:
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not (
            math.isfinite(hours) and 0 < hours <= MAX_HOURS):
        raise InputError("hours", f"must be > 0 and <= {MAX_HOURS:g} h", got=hours)
    return float(hours)


def _input_of(dish: _Dish, drug: str) -> str:
    d = get_drug(drug)  # InputError with the choices
    name = DRUG_INPUTS.get(d.name)
    if name is None or name not in dish.inputs:
        modelled = sorted(k for k, v in DRUG_INPUTS.items() if v in dish.inputs)
        raise InputError("drug", f"{d.name} is not modelled in the cell yet; modelled: "
                         f"{', '.join(modelled)}", got=drug)
    return name


def _conc(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating) or not (
            math.isfinite(float(value)) and float(value) >= 0):
        raise InputError(field, "must be a finite concentration >= 0 nM (give a number in "
                         "nM)", got=value)
    return float(value)


def drug_parameters(cell_line: str, concentrations: Mapping[str, float],
                    overrides: Overrides = ()) -> dict[str, float]:
    """Validated model inputs (nM) for ``{drug: nM}``."""
    if not isinstance(concentrations, Mapping):
        raise InputError("concentrations", "must map drug name -> concentration in nM",
                         got=type(concentrations).__name__)
    dish = _dish(cell_line, overrides)
    out: dict[str, float] = {}
    for drug, c in concentrations.items():
        key = _input_of(dish, drug)
        if key in out:
            raise InputError("drug", "given twice", got=drug)
        out[key] = _conc(c, f"concentration of {drug}")
    return out


@lru_cache(maxsize=256)
def _control_cells(cell_line: str, hours: float, overrides: tuple[Override, ...]) -> float:
    dish = _dish(cell_line, overrides)
    res = dish.run([0.0, _hours(hours)], outputs=["viable_cells"])
    return float(res["viable_cells"][-1])


def control_cells(cell_line: str, hours: float = 72.0, overrides: Overrides = ()) -> float:
    """ATP-holding cells of the untreated control at ``hours`` (cells)."""
    return _control_cells(cell_line, hours, tuple(overrides))


def viability(cell_line: str, concentrations: Mapping[str, float], *,
              hours: float = 72.0, overrides: Overrides = ()) -> float:
    """Viability (0-1, relative to the untreated control) of ``cell_line`` after ``hours``
    in medium holding ``concentrations`` ({drug: nM}, free)."""
    params = drug_parameters(cell_line, concentrations, overrides)
    dish = _dish(cell_line, overrides)
    h = _hours(hours)
    res = dish.run([0.0, h], parameters=params, outputs=["viable_cells"])
    return float(res["viable_cells"][-1]) / control_cells(dish.cell_line, h, overrides)


def surviving_fraction(cell_line: str, concentrations: Mapping[str, float], *,
                       hours: float = 72.0, overrides: Overrides = ()) -> float:
    """Share (0-1) of all cells present in the dish over the experiment that are still
    alive (ATP-holding) after ``hours``: 1 minus the share killed, as a cumulative death
    assay (annexin V/PI counts plus the cells already cleared) reads it. 1 untreated.

    Unlike :func:`viability` it does not fall when cells merely stop dividing, so Bliss
    independence on it is independence of the *probabilities of death* - the readout of
    "synergistic cell death" claims - while Bliss on CTG viability also scores two
    cytostatic drugs against each other (docs/combinations.md)."""
    params = drug_parameters(cell_line, concentrations, overrides)
    dish = _dish(cell_line, overrides)
    res = dish.run([0.0, _hours(hours)], parameters=params,
                   outputs=["viable_cells", "total_cells"])
    return float(res["viable_cells"][-1] / res["total_cells"][-1])


#: Dish readouts a combination grid can score: :func:`viability` and
#: :func:`surviving_fraction`, both 1 untreated and falling with drug effect.
READOUTS: tuple[str, ...] = ("viability", "survival")


def readout_function(name: str) -> Callable[..., float]:
    """The readout called ``name`` (:data:`READOUTS`), a function of (cell line,
    {drug: nM}, hours=, overrides=); InputError listing the choices."""
    if name == "viability":
        return viability
    if name == "survival":
        return surviving_fraction
    raise InputError("readout", f"must be one of {', '.join(READOUTS)}", got=name)


def viability_curve(cell_line: str, drug: str, concentrations_nM: Sequence[float] | np.ndarray,
                    hours: float = 72.0, fixed: Mapping[str, float] | None = None, *,
                    overrides: Overrides = ()) -> np.ndarray:
    """Viability at each of ``concentrations_nM`` of ``drug``, other drugs held at
    ``fixed`` ({drug: nM}); one compiled model, one run per concentration (a few ms each)."""
    dish = _dish(cell_line, overrides)
    key = _input_of(dish, drug)
    base = drug_parameters(cell_line, fixed or {}, overrides)
    if key in base:
        raise InputError("fixed", f"already holds the varied drug {drug}", got=drug)
    conc = np.asarray(concentrations_nM, dtype=float) if not isinstance(
        concentrations_nM, np.ndarray) else concentrations_nM.astype(float)
    if conc.ndim != 1 or conc.size == 0:
        raise InputError("concentrations", "must be a non-empty 1-D sequence in nM")
    for c in conc:
        _conc(float(c), f"concentration of {drug}")
    h = _hours(hours)
    ctrl = control_cells(dish.cell_line, h, overrides)
    out = np.empty(conc.size)
    for i, c in enumerate(conc):
        res = dish.run([0.0, h], parameters={**base, key: float(c)}, outputs=["viable_cells"])
        out[i] = res["viable_cells"][-1] / ctrl
    return out


def fate_timecourse(cell_line: str, concentrations: Mapping[str, float], *,
                    hours: float = 72.0, step_h: float = 1.0,
                    washout_at_h: float | None = None,
                    outputs: Sequence[str] = FATE_OUTPUTS,
                    overrides: Overrides = ()) -> Result:
    """Time courses of arrest, apoptosis, cell counts and localisation in the dish; the
    medium is replaced by drug-free medium at ``washout_at_h`` if given."""
    params = drug_parameters(cell_line, concentrations, overrides)
    dish = _dish(cell_line, overrides)
    h = _hours(hours)
    if not (isinstance(step_h, int | float) and 0 < step_h <= h):
        raise InputError("step", "must be > 0 h and <= hours", got=step_h)
    if washout_at_h is not None and not 0 < washout_at_h < h:
        raise InputError("washout-at", f"must be > 0 and < hours ({h:g} h)", got=washout_at_h)
    n = math.floor(h / step_h + 1e-9)
    times = np.unique(np.concatenate([np.arange(n + 1) * step_h, [h]]
                                     + ([[washout_at_h]] if washout_at_h else [])))
    events = [Set(0.0, k, v) for k, v in params.items()]
    if washout_at_h is not None:
        events += [Set(washout_at_h, k, 0.0) for k in params]
    return dish.run(times, events=events, outputs=list(outputs), subject=dish.cell_line)
