"""Combination grids: run a viability function over a two-drug checkerboard.

``viability_fn`` is any callable taking ``{drug: concentration_nM}`` and returning the
viability (fraction of the untreated control), e.g.
``functools.partial(xposim.experiments.viability.viability, "MM.1S", hours=72)``. Every
well gets both varied drugs (0 nM included, so the function always sees the same keys)
plus the ``fixed`` drugs: a triplet at a fixed third dose is a grid with ``fixed``
(scored by :mod:`xposim.analysis.synergy` on top of the third drug as background).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from xposim.analysis.synergy import MAX_ABS_EFFECT, CombinationGrid, concentration_axis
from xposim.errors import InputError

ViabilityFn = Callable[[dict[str, float]], float]


def _axes(drugs: Sequence[str], axes: Mapping[str, Sequence[float]] | Sequence[Sequence[float]],
          ) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(axes, Mapping):
        missing = [d for d in drugs if d not in axes]
        extra = [k for k in axes if k not in drugs]
        if missing or extra:
            raise InputError("axes", f"must give one concentration axis for each of "
                             f"{list(drugs)}", got=sorted(axes))
        raw = [axes[d] for d in drugs]
    else:
        raw = list(axes)
        if len(raw) != 2:
            raise InputError("axes", "must give two concentration axes (nM), one per drug",
                             got=len(raw))
    return (concentration_axis(f"axes[{drugs[0]}]", raw[0]),
            concentration_axis(f"axes[{drugs[1]}]", raw[1]))


def combination_grid(viability_fn: ViabilityFn, drugs: Sequence[str],
                     axes: Mapping[str, Sequence[float]] | Sequence[Sequence[float]],
                     fixed: Mapping[str, float] | None = None, *,
                     progress: bool = False) -> CombinationGrid:
    """Evaluate ``viability_fn`` on every well of the ``drugs[0]`` × ``drugs[1]`` grid.

    ``axes`` gives the concentrations (nM; each starting at 0, increasing) by drug name or
    in ``drugs`` order; ``fixed`` adds drugs at one concentration (nM) to every well.
    Returns a :class:`CombinationGrid` of viability. ``progress`` shows a rich progress
    bar. Inputs are validated before the first call; a value returned by
    ``viability_fn`` that is not a finite fraction raises :class:`InputError` naming the
    well.
    """
    if not callable(viability_fn):
        raise InputError("viability_fn", "must be callable: {drug: nM} -> viability",
                         got=type(viability_fn).__name__)
    names = tuple(drugs)
    if len(names) != 2 or len(set(names)) != 2 or not all(
            isinstance(d, str) and d.strip() for d in names):
        raise InputError("drugs", "must be two distinct drug names", got=str(drugs))
    ca, cb = _axes(names, axes)
    fixed_nm = dict(fixed or {})
    for name, c in fixed_nm.items():
        if name in names:
            raise InputError("fixed", "names a drug already on the grid", got=name)
        if isinstance(c, bool) or not isinstance(c, int | float) or not (
                math.isfinite(c) and c >= 0):
            raise InputError("fixed", f"{name}: must be a concentration >= 0 nM", got=c)
    wells = [(i, j) for i in range(ca.size) for j in range(cb.size)]
    values = np.empty((ca.size, cb.size))

    def run_well(i: int, j: int) -> None:
        conc = {names[0]: float(ca[i]), names[1]: float(cb[j]), **{
            k: float(v) for k, v in fixed_nm.items()}}
        v = viability_fn(conc)
        if isinstance(v, bool) or not isinstance(v, int | float | np.floating) or not (
                math.isfinite(float(v)) and abs(float(v)) <= MAX_ABS_EFFECT):
            raise InputError("viability_fn", f"must return a finite viability fraction "
                             f"(0-1); well {conc}", got=v)
        values[i, j] = float(v)

    if progress:
        from rich.progress import Progress

        with Progress() as bar:
            task = bar.add_task(f"{names[0]} x {names[1]} grid", total=len(wells))
            for i, j in wells:
                run_well(i, j)
                bar.advance(task)
    else:
        for i, j in wells:
            run_well(i, j)
    return CombinationGrid(names, ca, cb, values, kind="viability", fixed=fixed_nm)
