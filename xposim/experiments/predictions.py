"""The cell layer's headline predictions as functions of parameter overrides: the myeloma
IC50, the therapeutic window, the C528S shift and the selinexor x dexamethasone Bliss
excess. They are what :mod:`xposim.experiments.sensitivity` perturbs and what the docs
report.

A line that never falls to 50% viability up to the top of the series (10 uM) has no IC50;
a ratio that needs it is then *censored*: at least ``10 uM / IC50`` of the other line,
reported with ``censored=True`` (shown as ``>= x``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial

from xposim.experiments.dose_response import (
    DEFAULT_CONCENTRATIONS_NM,
    DoseResponse,
    run_dose_response,
)
from xposim.model.overrides import Override

#: Top of the IC50 series (nM): a censored IC50 is "above this".
TOP_NM = float(max(DEFAULT_CONCENTRATIONS_NM))

#: Selinexor x dexamethasone grid for the synergy prediction (nM): selinexor at
#: clinically relevant unbound levels below its myeloma IC50 (unbound Cmax after 80 mg
#: 77 nM, lower between doses), dexamethasone on its default dish axis
#: (presets/drugs.toml). Above the selinexor IC50 both drugs hold most cells in G1 and a
#: 72 h CTG reading cannot fall as Bliss expects (docs/combinations.md).
SEL_DEX_AXES: dict[str, tuple[float, ...]] = {
    "selinexor": (0.0, 10.0, 20.0, 30.0),
    "dexamethasone": (0.0, 3.0, 10.0, 30.0, 100.0, 300.0)}


@dataclass(frozen=True)
class Ratio:
    """``value`` = numerator IC50 / denominator IC50 (nM); ``censored``: the numerator
    line never reached 50% (value is then a lower bound, 10 uM / denominator IC50)."""

    value: float
    numerator_ic50_nM: float | None
    denominator_ic50_nM: float
    censored: bool

    def __str__(self) -> str:
        return f"{'>= ' if self.censored else ''}{self.value:.3g}"


def ic50_nM(cell_line: str, overrides: Sequence[Override] = ()) -> float | None:
    """72 h selinexor IC50 (nM) of ``cell_line`` with ``overrides``; None without a 50%
    effect up to 10 uM (memoised: the models are immutable)."""
    return _ic50(cell_line, tuple(overrides))


@lru_cache(maxsize=512)
def _ic50(cell_line: str, overrides: tuple[Override, ...]) -> float | None:
    return run_dose_response(DoseResponse(cell_line, overrides=overrides)).ic50_nM


def _ratio(numerator: float | None, denominator: float | None, what: str) -> Ratio:
    if denominator is None:
        raise ValueError(f"{what}: the reference line has no IC50 up to {TOP_NM:g} nM")
    if numerator is None:
        return Ratio(TOP_NM / denominator, None, denominator, True)
    return Ratio(numerator / denominator, numerator, denominator, False)


def therapeutic_window(normal_overrides: Sequence[Override] = (),
                       cancer_overrides: Sequence[Override] = (), *,
                       normal: str = "normal", cancer: str = "myeloma") -> Ratio:
    """IC50 of the resting normal cell over that of the myeloma cell (72 h); overrides
    apply to each line separately (a shared constant goes in both)."""
    return _ratio(ic50_nM(normal, normal_overrides), ic50_nM(cancer, cancer_overrides),
                  "therapeutic window")


def c528s_shift(overrides: Sequence[Override] = ()) -> Ratio:
    """IC50 of the C528S myeloma cell over that of the wild-type myeloma cell (72 h)."""
    return _ratio(ic50_nM("myeloma-c528s", overrides), ic50_nM("myeloma", overrides),
                  "C528S shift")


def bliss_excess(cell_line: str = "MM.1S", overrides: Sequence[Override] = (),
                 axes: Mapping[str, Sequence[float]] = SEL_DEX_AXES,
                 hours: float = 72.0, readout: str = "viability") -> float:
    """Mean Bliss excess (fraction; > 0 synergy) of the two-drug grid ``axes`` in
    ``cell_line`` at ``hours``, scored on ``readout``: ``"viability"`` (72 h CTG-like,
    relative to the untreated control) or ``"survival"`` (share of cells not killed: Bliss
    on the probabilities of death; :func:`~xposim.experiments.viability.surviving_fraction`)."""
    from xposim.analysis.synergy import bliss
    from xposim.experiments.combination import combination_grid
    from xposim.experiments.viability import readout_function

    drugs = tuple(axes)
    grid = combination_grid(partial(readout_function(readout), cell_line, hours=hours,
                                    overrides=tuple(overrides)),
                            (drugs[0], drugs[1]), {d: list(v) for d, v in axes.items()})
    return float(bliss(grid).mean)
