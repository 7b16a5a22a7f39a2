"""The explorer's one door into the cell layer: a preset, or a preset with the few named
parameters a user may change (XPO1 abundance, TP53 status, the C528S mutation), in a dish.

Every run is :func:`xposim.experiments.viability.fate_timecourse`, so the page shows
exactly what the library computes. A change is a parameter override, as the CLI's
``--set`` gives it (:class:`~xposim.model.overrides.Override`): ``XPO1_total0`` (µM),
``p53_function`` (1 wild type, 0 mutant or null) and ``kinact_drug = 0`` (C528S: Cys528
replaced by Ser, no covalent bond - what the C528S presets carry). The library applies
overrides before it computes the untreated state, so a changed cell starts from its own
steady state, as any preset does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from xposim.biology.cell import build_cell_model
from xposim.engine.results import Result
from xposim.errors import InputError
from xposim.experiments.viability import fate_timecourse
from xposim.model.overrides import Override
from xposim.presets.cell_lines import P53_STATUS, CellLine, get_cell_line

#: Model parameter holding a cell's XPO1 abundance (µM), as in ``xposim params``.
XPO1_PARAMETER = "XPO1_total0"
#: Model parameter of TP53 transcriptional function (1 wild type, 0 mutant or null).
P53_PARAMETER = "p53_function"
#: Model parameter of covalent bond formation; 0 in the C528S mutant.
COVALENT_PARAMETER = "kinact_drug"


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
        return not self.overrides()

    def overrides(self) -> tuple[Override, ...]:
        """The changes from the preset as parameter overrides (``--set``)."""
        n = self.normalised()
        out = []
        if n.xpo1_uM is not None:
            out.append(Override(XPO1_PARAMETER, float(n.xpo1_uM), "uM"))
        if n.tp53 is not None:
            out.append(Override(P53_PARAMETER, 1.0 if n.tp53 == "wild-type" else 0.0))
        if n.c528s:
            out.append(Override(COVALENT_PARAMETER, 0.0))
        return tuple(out)


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


def cell_timecourse(spec: CellSpec, concentrations: Mapping[str, float], *, hours: float,
                    step_h: float, washout_at_h: float | None = None,
                    outputs: Sequence[str]) -> Result:
    """Time courses of ``outputs`` for the cell ``spec`` in medium holding
    ``concentrations`` ({drug: nM}, free) for ``hours`` (h), washed out at
    ``washout_at_h`` (h) if given; from the untreated state."""
    concentrations = {k: float(v) for k, v in concentrations.items()}
    return fate_timecourse(spec.cell_line, concentrations, hours=hours, step_h=step_h,
                           washout_at_h=washout_at_h, outputs=outputs,
                           overrides=spec.overrides())
