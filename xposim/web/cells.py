"""The explorer's one door into the cell layer: a preset, or a preset with the few named
parameters a user may change (XPO1 abundance, TP53 status, the C528S mutation), in a dish.

A preset runs through :func:`xposim.experiments.viability.fate_timecourse` unchanged, so
the page shows exactly what the library computes. A changed preset is a
:class:`~xposim.presets.cell_lines.CellLine` made with :func:`dataclasses.replace` and
built by :func:`xposim.biology.cell.build_cell_model`, so its reference levels and its
untreated initial state are its own, as for any preset. :func:`run_variant` is the only
place that repeats what ``fate_timecourse`` does (drug inputs set at 0, the output grid);
once the library takes parameter overrides itself (issue 11's ``--set``), it becomes a
call. ``tests/test_web_cells.py`` checks that both paths agree for an unchanged preset.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from xposim.biology.cell import (
    build_cell_model,
    core_baseline,
    fate_initial_state,
    simulator_for,
)
from xposim.engine import Set, Simulator
from xposim.engine.results import Result
from xposim.errors import InputError
from xposim.experiments.viability import DRUG_INPUTS, fate_timecourse
from xposim.presets.cell_lines import P53_STATUS, CellLine, get_cell_line

#: Model parameter holding a cell's XPO1 abundance (µM), as in ``xposim params``.
XPO1_PARAMETER = "XPO1_total0"
#: Provenance written on a parameter the user changed in the explorer.
USER_SOURCE = "set by the user in the explorer (xposim serve)"


@dataclass(frozen=True)
class CellSpec:
    """A preset with optional changes: ``xpo1_uM`` (µM, None = the preset's),
    ``tp53`` (``wild-type``/``mutant``/``null``, None = the preset's), ``c528s``
    (XPO1 C528S: no covalent bond)."""

    cell_line: str
    xpo1_uM: float | None = None
    tp53: str | None = None
    c528s: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "cell_line", get_cell_line(self.cell_line).name)
        if self.xpo1_uM is not None and not (
                isinstance(self.xpo1_uM, int | float) and math.isfinite(self.xpo1_uM)
                and self.xpo1_uM > 0):
            raise InputError("xpo1_uM", "must be a finite XPO1 abundance > 0 µM",
                             got=self.xpo1_uM)
        if self.tp53 is not None and self.tp53 not in P53_STATUS:
            raise InputError("tp53", f"must be one of {', '.join(P53_STATUS)}", got=self.tp53)

    @property
    def label(self) -> str:
        """What the page calls this cell, e.g. ``myeloma C528S (XPO1 1.5 µM)``."""
        parts = [self.cell_line]
        if self.c528s and not preset(self.cell_line).xpo1_c528s:
            parts.append("C528S")
        changes = []
        if self.xpo1_uM is not None:
            changes.append(f"XPO1 {self.xpo1_uM:g} µM")
        if self.tp53 is not None:
            changes.append(f"TP53 {self.tp53}")
        return " ".join(parts) + (f" ({', '.join(changes)})" if changes else "")

    def normalised(self) -> CellSpec:
        """The same cell with every change equal to the preset dropped."""
        base = preset(self.cell_line)
        xpo1 = None if self.xpo1_uM is None or math.isclose(
            self.xpo1_uM, preset_xpo1_uM(self.cell_line), rel_tol=1e-12) else self.xpo1_uM
        tp53 = None if self.tp53 in (None, base.biology.p53_status) else self.tp53
        return CellSpec(self.cell_line, xpo1, tp53, self.c528s and not base.xpo1_c528s)

    @property
    def is_preset(self) -> bool:
        n = self.normalised()
        return n.xpo1_uM is None and n.tp53 is None and not n.c528s


@lru_cache(maxsize=64)
def preset(name: str) -> CellLine:
    """The preset called ``name`` (memoised: presets are immutable data)."""
    return get_cell_line(name)


@lru_cache(maxsize=64)
def preset_xpo1_uM(name: str) -> float:
    """A preset's XPO1 abundance (µM): its own value, else the model default."""
    param = {p.name: p for p in build_cell_model(preset(name)).parameters}[XPO1_PARAMETER]
    if param.unit != "uM":
        raise InputError(XPO1_PARAMETER, "the explorer expects this parameter in uM",
                         got=param.unit)
    return float(param.value)


def variant_line(spec: CellSpec) -> CellLine:
    """The :class:`CellLine` of ``spec``: the preset with the user's changes, each changed
    parameter carrying :data:`USER_SOURCE` as its source."""
    spec = spec.normalised()
    line = preset(spec.cell_line)
    if spec.xpo1_uM is not None:
        current = {p.name: p for p in build_cell_model(line).parameters}[XPO1_PARAMETER]
        changed = current.with_value(float(spec.xpo1_uM), source=USER_SOURCE, kind="assumed")
        kept = [p for p in line.parameters if p.name != XPO1_PARAMETER]
        line = dataclasses.replace(line, parameters=(*kept, changed))
    if spec.tp53 is not None:
        facts = (*((k, v) for k, v in line.biology.facts if k != "p53_status"),
                 ("p53_status", f"assumed: {USER_SOURCE}"))
        line = dataclasses.replace(line, biology=dataclasses.replace(
            line.biology, p53_status=spec.tp53, facts=facts))
    if spec.c528s:
        line = dataclasses.replace(line, xpo1_c528s=True)
    return line


def output_times(hours: float, step_h: float, washout_at_h: float | None) -> np.ndarray:
    """The output grid of :func:`fate_timecourse` (h): every ``step_h``, the end and the
    washout time."""
    n = math.floor(hours / step_h + 1e-9)
    extra = [[hours]] + ([[washout_at_h]] if washout_at_h else [])
    return np.unique(np.concatenate([np.arange(n + 1) * step_h, *extra]))


def run_variant(line: CellLine, concentrations: Mapping[str, float], *, hours: float,
                step_h: float, washout_at_h: float | None, outputs: Sequence[str],
                preset_name: str) -> Result:
    """``fate_timecourse`` for a changed preset ``line`` (drugs {name: nM}, free)."""
    sim, values, initial = _prepared(line, preset_name)
    params = {}
    for drug, c in concentrations.items():
        if drug not in DRUG_INPUTS:
            raise InputError("drug", f"not modelled in the cell; modelled: "
                             f"{', '.join(DRUG_INPUTS)}", got=drug)
        params[DRUG_INPUTS[drug]] = float(c)
    events = [Set(0.0, k, v) for k, v in params.items()]
    if washout_at_h is not None:
        events += [Set(washout_at_h, k, 0.0) for k in params]
    return sim.run(output_times(hours, step_h, washout_at_h), parameters=dict(values),
                   initial=dict(initial), events=events, outputs=list(outputs),
                   subject=line.name)


@lru_cache(maxsize=32)
def _prepared(line: CellLine, preset_name: str) -> tuple[Simulator, tuple[tuple[str, float], ...],
                                                         tuple[tuple[str, float], ...]]:
    """Simulator, parameter values and untreated initial state of a changed preset
    (memoised per variant: a slider moved back and forth costs one build)."""
    model = build_cell_model(line, fate=True)
    sim, values = simulator_for(model, fate=True)
    initial = fate_initial_state(preset_name)  # seeded population, threshold at T0
    baseline = core_baseline(line)  # ... and this cell's own untreated core
    initial.update({k: baseline[k] for k in initial if k in baseline})
    return sim, tuple(values.items()), tuple(initial.items())


def cell_timecourse(spec: CellSpec, concentrations: Mapping[str, float], *, hours: float,
                    step_h: float, washout_at_h: float | None = None,
                    outputs: Sequence[str]) -> Result:
    """Time courses of ``outputs`` for the cell ``spec`` in medium holding
    ``concentrations`` ({drug: nM}, free) for ``hours`` (h), washed out at
    ``washout_at_h`` (h) if given; from the untreated state."""
    concentrations = {k: float(v) for k, v in concentrations.items()}
    if spec.is_preset:
        return fate_timecourse(spec.cell_line, concentrations, hours=hours, step_h=step_h,
                               washout_at_h=washout_at_h, outputs=outputs)
    return run_variant(variant_line(spec), concentrations, hours=hours, step_h=step_h,
                       washout_at_h=washout_at_h, outputs=outputs,
                       preset_name=spec.cell_line)
