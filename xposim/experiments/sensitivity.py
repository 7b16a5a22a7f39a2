"""Local sensitivity of the cell layer's headline predictions to its parameters.

For each parameter, the predictions of :mod:`xposim.experiments.predictions` - the 72 h
myeloma IC50, the therapeutic window (resting normal / myeloma IC50) and the MM.1S
selinexor x dexamethasone Bliss excess - are recomputed with the parameter multiplied and
divided by ``factor`` (2 by default; clipped to the parameter's plausible range, and the
factor actually used reported). IC50 and Bliss are reported as fold changes of the
prediction; the window as its value, because a window whose normal line never reaches
50% is censored (``>= x``) and has no fold change.

Parameters are of three scopes (a name may say its scope, ``"normal:XPO1_total0"``):

- ``shared``: a constant of the model, changed in every line; when it is a constant of the
  XPO1 core the common references of the nuclear signals (``<X>_n_scale``: the untreated
  normal cell's level) are re-derived with it, as their definition requires;
- ``myeloma``: the myeloma line's own value (``XPO1_total0``);
- ``normal``: the normal line's own value (what spares it: ``apoptotic_priming``,
  ``oncogenic_drive``, ``oncogene_addiction``, its ``XPO1_total0``) - window only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import pandas as pd

from xposim.biology.cell import build_cell_model, core_baseline, core_parameter_names
from xposim.biology.fate import FATE_CARGOES
from xposim.experiments.predictions import (
    Ratio,
    bliss_excess,
    ic50_nM,
    therapeutic_window,
)
from xposim.model.components import Parameter
from xposim.model.overrides import Override
from xposim.presets.cell_lines import get_cell_line

#: The assumed and calibrated parameters that carry the headline predictions: every one
#: whose doubling or halving moves the myeloma IC50 >= 1.5-fold, or the MM.1S
#: selinexor x dexamethasone Bliss excess >= 2-fold or across 0, in a screen of all
#: assumed and calibrated constants of the MM.1S cell-fate model (the preset-level biology
#: - TP53 status, doubling time, GR, NF-kB and eIF4E levels - excluded; slow test
#: tests/test_cell_sensitivity.py keeps this list complete). None moves the window below
#: "never reaches 50%" (docs/cell-fate.md).
MAIN_PARAMETERS: tuple[str, ...] = (
    # target engagement and XPO1 turnover
    "XPO1_total0", "kinact_drug", "Ki_drug", "t_half_XPO1", "fb_emax",
    # oncogene mRNA export (division, cyclin D, MCL1)
    "oncoRNA_synthesis", "oncoRNA_t_half_cyt", "oncoRNA_t_half_nuc",
    # fate: arrest
    "arrest_ec50", "arrest_hill", "w_p21_by_p53", "w_growth", "t_arrest", "t_release",
    # fate: apoptosis, and the NF-kB survival support that blunts it
    "T0", "apo_hill", "w_oncoprotein_loss", "w_nfkb",
    # glucocorticoid route and GR module
    "gr_arrest_ec50", "k_gr_apo", "gr_apo_hill", "GR_sel_emax", "GR_signal_ec50",
    "GR_signal_hill", "GR_ks_Rm", "GR_kd_Rm", "GR_IC50_Rm", "GR_ks_R", "GR_kre", "GR_Rf",
)

#: Line-level biology of the presets: what distinguishes a line, not a model constant.
PRESET_BIOLOGY: frozenset[str] = frozenset({
    "doubling_time", "p53_function", "apoptotic_priming", "oncogenic_drive",
    "oncogene_addiction", "GR_level", "nfkb_dependence", "eIF4E_level", "pi_resistance"})

#: Parameters of a line (scope -> names); everything else is shared.
LINE_SCOPED: dict[str, frozenset[str]] = {
    "myeloma": frozenset({"XPO1_total0"}),
    "normal": frozenset({"apoptotic_priming", "oncogenic_drive", "oncogene_addiction"}),
}


@dataclass(frozen=True)
class Predictions:
    """The three headline predictions at one parameter setting."""

    ic50_nM: float | None
    window: Ratio
    bliss: float | None


@cache
def _scales(core: tuple[Override, ...]) -> tuple[Override, ...]:
    """The common references re-derived from the normal core with ``core`` overrides."""
    if not core:
        return ()
    base = core_baseline(get_cell_line("normal"), "selinexor", core)
    unit = _line_parameter("MM.1S", "p53_n_scale").unit
    return tuple(Override(f"{c}_n_scale", base[f"{c}_n"], unit) for c in FATE_CARGOES)


def _with_scales(overrides: tuple[Override, ...]) -> tuple[Override, ...]:
    core = tuple(o for o in overrides if o.name in core_parameter_names())
    return (*overrides, *_scales(core))


def predictions(shared: Sequence[Override] = (), myeloma: Sequence[Override] = (),
                normal: Sequence[Override] = (), *, bliss: bool = True) -> Predictions:
    """The headline predictions with ``shared`` overrides in every line and line-scoped
    ones in the myeloma (IC50, window, and MM.1S for the Bliss excess) or the normal line."""
    common = _with_scales(tuple(shared))
    cancer = (*common, *myeloma)
    return Predictions(
        ic50_nM=ic50_nM("myeloma", cancer),
        window=therapeutic_window(normal_overrides=(*common, *normal),
                                  cancer_overrides=cancer),
        bliss=bliss_excess("MM.1S", cancer) if bliss else None)


def _split(name: str) -> tuple[str, str]:
    """``"normal:XPO1_total0"`` -> ("normal", "XPO1_total0"); a bare name gets its default
    scope (LINE_SCOPED, else shared)."""
    if ":" in name:
        scope, _, bare = name.partition(":")
        if scope not in ("shared", *LINE_SCOPED):
            raise ValueError(f"{name}: scope must be shared, myeloma or normal")
        return scope, bare
    for scope, names in LINE_SCOPED.items():
        if name in names:
            return scope, name
    return "shared", name


@cache
def _line_parameter(line: str, name: str) -> Parameter:
    return build_cell_model(get_cell_line(line), fate=True).parameter(name)


def _lookup(name: str) -> tuple[str, Parameter]:
    scope, bare = _split(name)
    line = "normal" if scope == "normal" else "MM.1S"
    return scope, _line_parameter(line, bare)


def _perturbed(name: str, factor: float) -> tuple[float, float]:
    """(new value, factor actually applied) within the parameter's plausible range."""
    _, p = _lookup(name)
    value = p.value * factor
    if p.bounds is not None:
        value = min(max(value, p.bounds[0]), p.bounds[1])
    return value, (value / p.value if p.value else math.nan)


def _run(name: str, value: float, *, bliss: bool) -> Predictions:
    scope, p = _lookup(name)
    o = (Override(p.name, value, p.unit),)
    return predictions(shared=o if scope == "shared" else (),
                       myeloma=o if scope == "myeloma" else (),
                       normal=o if scope == "normal" else (), bliss=bliss)


def _fold(new: float | None, base: float | None) -> float:
    if new is None or base is None or base == 0:
        return math.nan
    return new / base


def local_sensitivity(names: Sequence[str], *, factor: float = 2.0,
                      bliss: bool = True,
                      progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """One row per parameter: ``parameter``, ``scope``, ``kind``, ``value``, ``unit``,
    the factors applied up and down (``up``, ``down``; < ``factor`` where the plausible
    range stops it), the fold change of the myeloma IC50 (``ic50_up``, ``ic50_down``),
    the window at both settings as text (``window_up``, ``window_down``; ``>= x`` when
    censored) and the fold change of the MM.1S Bliss excess (``bliss_up``,
    ``bliss_down``; negative when the synergy turns into antagonism)."""
    base = predictions(bliss=bliss)
    rows = []
    for name in names:
        if progress is not None:
            progress(name)
        scope, p = _lookup(name)
        row: dict[str, object] = {"parameter": p.name, "scope": scope, "kind": p.kind,
                                  "value": p.value, "unit": p.unit}
        for label, f in (("up", factor), ("down", 1.0 / factor)):
            value, applied = _perturbed(name, f)
            run = _run(name, value, bliss=bliss and scope != "normal")
            row[label] = applied
            row[f"ic50_{label}"] = _fold(run.ic50_nM, base.ic50_nM)
            row[f"window_{label}"] = str(run.window)
            row[f"bliss_{label}"] = _fold(run.bliss, base.bliss)
        rows.append(row)
    return pd.DataFrame(rows)


def window_over_bounds(names: Sequence[str]) -> pd.DataFrame:
    """The therapeutic window with each of ``names`` (normal-line or shared) at the low
    and high end of its plausible range: ``parameter``, ``value``, ``low``, ``high``,
    ``window_low``, ``window_high`` (text, ``>= x`` when censored)."""
    rows = []
    for name in names:
        scope, p = _lookup(name)
        if p.bounds is None:
            raise ValueError(f"{name}: no plausible range to scan")
        row: dict[str, object] = {"parameter": f"{scope}:{p.name}", "value": p.value,
                                  "low": p.bounds[0], "high": p.bounds[1]}
        for label, v in (("low", p.bounds[0]), ("high", p.bounds[1])):
            row[f"window_{label}"] = str(_run(name, v, bliss=False).window)
        rows.append(row)
    return pd.DataFrame(rows)
