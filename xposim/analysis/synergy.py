"""Drug-combination synergy on a dose grid: Bliss, HSA, Loewe (with combination index), ZIP.

Conventions (all scores are in *fractional* effect units, 0-1; SynergyFinder prints the
same numbers x100):

- The grid's effect is **fractional inhibition** ``E`` (1 - viability). Rows are the
  concentrations of drug A, columns those of drug B (nM); both axes start at 0, so the
  first column is drug A alone and the first row drug B alone.
- Every score first **rebases on the (0, 0) well**: ``E' = (E - E00) / (1 - E00)``. For
  data normalised to the vehicle control ``E00 = 0`` and nothing changes. For a triplet
  at a fixed third dose (``fixed={"bortezomib": 2.0}``) the (0, 0) well holds the third
  drug alone, so the pair is scored *on top of the third drug as background*: the
  surviving fraction relative to "third drug alone" (Bliss-consistent: three independent
  drugs give a Bliss-additive rebased pair, tested).
- **excess = observed - expected**, > 0 is synergy (CI < 1 is synergy). Excess is defined
  on the combination cells (both concentrations > 0); single-agent cells are 0 by
  definition, and ``mean``/``max`` summarise the combination cells only.

Models:

- **Bliss** independence (Bliss 1939): ``E_exp = Ea + Eb - Ea*Eb`` from the *observed*
  single-agent effects at the same concentrations.
- **HSA** (highest single agent; Berenbaum 1989): ``E_exp = max(Ea, Eb)``, observed.
- **Loewe** additivity (Loewe 1953; Greco, Bravo & Parsons, Pharmacol Rev 1995, 47:331):
  ``E_exp`` solves ``a / A(E) + b / B(E) = 1`` where ``A(E)``, ``B(E)`` are the
  concentrations of each drug alone giving ``E``, from fitted single-agent Hill curves
  (4PL, bottom 0, plateau fitted). A drug whose plateau is below ``E`` contributes 0
  (it would need an infinite dose), as SynergyFinder does by capping.
- **Combination index** (Chou & Talalay 1984; Chou, Pharmacol Rev 2006, 58:621):
  ``CI = a / A(E) + b / B(E)`` at the observed effect ``E`` of a cell (``per_cell``) and
  along the observed iso-effect curve at ``effect`` (default 0.5). The iso-effect points
  are found along every row and column by interpolating linearly in the median-effect
  coordinates ``log(E/(1-E))`` vs ``log(conc)`` (exact for a Hill curve, fa/fu =
  (D/Dm)^m). ``ci`` is the CI where that curve meets the equipotent ray
  ``a/A(effect) = b/B(effect)`` (Chou's recommended ratio, IC50_A : IC50_B).
- **ZIP** (zero interaction potency; Yadav, Wennerberg, Aittokallio & Tang, Comput
  Struct Biotechnol J 2015, 13:504; Ianevski et al., Nucleic Acids Res 2017/2022
  SynergyFinder): reference ``y_zip = ya + yb - ya*yb`` from the *fitted* single-agent
  curves; for each concentration of B, drug A's curve is refitted to the combination
  row with its bottom fixed at B's fitted effect (and vice versa for columns); the
  delta score is the mean of the two fitted surfaces minus ``y_zip``. Yadav fix the
  refitted curve's top at 100%; here it is fitted within [bottom, 1] so partial agents
  (dexamethasone alone plateaus well below 100%) are not biased, which reduces to Yadav's
  when the agents reach full effect (an independent-action surface scores exactly 0 in
  both).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import numpy as np
from scipy import interpolate, optimize

from xposim.analysis.doseresponse import HillFit, fit_hill
from xposim.errors import InputError

EffectKind = Literal["inhibition", "viability"]
#: Effects are fractions of the control (0-1), not percent; measured wells may overshoot
#: by noise. Accepted: [1 - MAX_ABS_EFFECT, MAX_ABS_EFFECT] = [-0.5, 1.5], the same band for
#: viability and inhibition, so a well v and its inhibition 1 - v get the same verdict.
MAX_ABS_EFFECT = 1.5


def concentration_axis(name: str, values: Sequence[float] | np.ndarray) -> np.ndarray:
    """A grid axis as a float array (nM): >= 2 values, starting at 0, strictly increasing;
    else :class:`InputError` naming ``name``."""
    a = np.asarray(values, dtype=float)
    if a.ndim != 1 or a.size < 2:
        raise InputError(name, "must be a 1-D sequence of at least 2 concentrations (nM), "
                         "starting at 0", got=a.size if a.ndim == 1 else a.shape)
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise InputError(name, "must be finite concentrations >= 0 nM")
    if a[0] != 0.0:
        raise InputError(name, "must start at 0 nM (the single-agent row/column)",
                         got=float(a[0]))
    if np.any(np.diff(a) <= 0):
        raise InputError(name, "must be strictly increasing (nM)")
    return a


@dataclass(frozen=True, eq=False)  # holds arrays: identity equality
class CombinationGrid:
    """A two-drug checkerboard: ``effect[i, j]`` at ``conc_a_nM[i]`` of ``drugs[0]`` and
    ``conc_b_nM[j]`` of ``drugs[1]`` (nM, both axes start at 0 and increase).

    ``kind`` says what ``effect`` holds: fractional inhibition (0-1) or viability (0-1,
    converted as 1 - viability). ``fixed`` names drugs present at one concentration (nM)
    in every well, including (0, 0): the background of a triplet.
    """

    drugs: tuple[str, str]
    conc_a_nM: np.ndarray
    conc_b_nM: np.ndarray
    effect: np.ndarray
    kind: EffectKind = "inhibition"
    fixed: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        drugs = tuple(self.drugs)
        if (len(drugs) != 2 or not all(isinstance(d, str) and d.strip() for d in drugs)
                or drugs[0] == drugs[1]):
            raise InputError("drugs", "must be two distinct, non-empty drug names",
                             got=str(self.drugs))
        a = concentration_axis("conc_a_nM", self.conc_a_nM)
        b = concentration_axis("conc_b_nM", self.conc_b_nM)
        e = np.asarray(self.effect, dtype=float)
        if e.shape != (a.size, b.size):
            raise InputError("effect", f"must have shape (len(conc_a_nM), len(conc_b_nM)) = "
                             f"({a.size}, {b.size})", got=e.shape)
        if not np.all(np.isfinite(e)):
            raise InputError("effect", "must be finite (no NaN; every well measured)")
        outside = (e < 1.0 - MAX_ABS_EFFECT) | (e > MAX_ABS_EFFECT)
        if np.any(outside):
            raise InputError("effect", f"must be fractions 0-1 (not percent), within the "
                             f"noise band [{1.0 - MAX_ABS_EFFECT:g}, {MAX_ABS_EFFECT:g}]",
                             got=float(e[outside][0]))
        if self.kind not in ("inhibition", "viability"):
            raise InputError("kind", "must be 'inhibition' or 'viability'", got=self.kind)
        fixed = dict(self.fixed)
        for name, conc in fixed.items():
            if name in drugs or not (isinstance(name, str) and name.strip()):
                raise InputError("fixed", "names a third drug, not one of the grid's two",
                                 got=name)
            if not (isinstance(conc, int | float) and math.isfinite(conc) and conc >= 0):
                raise InputError("fixed", f"{name}: must be a concentration >= 0 nM", got=conc)
        for arr in (a, b, e):
            arr.setflags(write=False)
        object.__setattr__(self, "drugs", drugs)
        object.__setattr__(self, "conc_a_nM", a)
        object.__setattr__(self, "conc_b_nM", b)
        object.__setattr__(self, "effect", e)
        object.__setattr__(self, "fixed", MappingProxyType({k: float(v)
                                                           for k, v in fixed.items()}))

    @property
    def inhibition(self) -> np.ndarray:
        """Fractional inhibition as given (1 - viability for ``kind="viability"``)."""
        return self.effect if self.kind == "inhibition" else 1.0 - self.effect

    @property
    def rebased(self) -> np.ndarray:
        """Inhibition relative to the (0, 0) well: ``(E - E00) / (1 - E00)``."""
        e = self.inhibition
        e00 = float(e[0, 0])
        if e00 >= 1.0:
            raise InputError("effect", "the (0, 0) well is fully inhibited: nothing left to "
                             "score", got=e00)
        return (e - e00) / (1.0 - e00)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.conc_a_nM.size, self.conc_b_nM.size)


@dataclass(frozen=True, eq=False)  # holds arrays: identity equality
class SynergyScores:
    """Observed, expected and excess (observed - expected) inhibition on the grid, the
    excess summarised over the combination cells (both concentrations > 0)."""

    method: str
    observed: np.ndarray
    expected: np.ndarray
    excess: np.ndarray

    @property
    def combination_cells(self) -> np.ndarray:
        return self.excess[1:, 1:]

    @property
    def mean(self) -> float:
        return float(np.mean(self.combination_cells))

    @property
    def max(self) -> float:
        return float(np.max(self.combination_cells))

    def to_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "max": self.max}


@dataclass(frozen=True)
class IsoeffectPoint:
    """A point of the observed iso-effect curve (nM of each drug) and its CI."""

    conc_a_nM: float
    conc_b_nM: float
    ci: float


@dataclass(frozen=True, eq=False)  # holds arrays: identity equality
class CombinationIndex:
    """Chou–Talalay combination index.

    ``per_cell[i, j]``: CI at the cell's own observed effect (NaN where undefined: the
    single-agent cells, effects <= 0, or an effect neither drug alone reaches).
    ``points``: the observed iso-``effect`` curve with CI at each point. ``ci``: CI where
    that curve crosses the equipotent ray (``None`` if not defined); ``on_ray`` is False
    when the value comes from the nearest point instead (ray outside the grid) or, if a
    drug alone never reaches ``effect``, from the median of ``points``.
    ``single_nM``: concentration of each drug alone giving ``effect`` (inf if never).
    """

    effect: float
    per_cell: np.ndarray
    points: tuple[IsoeffectPoint, ...]
    ci: float | None
    on_ray: bool
    single_nM: tuple[float, float]


class _Agent:
    """A single-agent curve on rebased inhibition (bottom 0; top fitted, or 1 when the
    data do not show the plateau or it would exceed full inhibition); a drug without a
    fittable effect is the null curve (effect 0 everywhere, never reaches any effect > 0)."""

    def __init__(self, conc: np.ndarray, effect: np.ndarray) -> None:
        self.fit: HillFit | None = None
        try:
            self.fit = fit_hill(conc, effect, kind="inhibition", bottom=0.0)
        except InputError as exc:
            if "did not converge" not in str(exc):
                return  # flat or wrong-way data: an inactive drug
        if self.fit is None or self.fit.top > 1.0 or "at its bound" in self.fit.status:
            # no plateau within the tested range: take full inhibition (it cannot exceed 1)
            try:
                self.fit = fit_hill(conc, effect, kind="inhibition", bottom=0.0, top=1.0)
            except InputError:
                self.fit = None

    @property
    def top(self) -> float:
        return self.fit.top if self.fit is not None else 0.0

    def effect(self, conc: np.ndarray | float) -> np.ndarray:
        c = np.asarray(conc, dtype=float)
        return self.fit.predict(c) if self.fit is not None else np.zeros_like(c)

    def dose_for(self, e: float) -> float:
        """Concentration alone giving inhibition ``e`` (nM); 0 if e <= 0, inf if never."""
        if e <= 0.0:
            return 0.0
        if self.fit is None or e >= self.fit.top:
            return math.inf
        return self.fit.inverse(e)


def _need_curves(grid: CombinationGrid, method: str) -> None:
    for name, axis in (("conc_a_nM", grid.conc_a_nM), ("conc_b_nM", grid.conc_b_nM)):
        if axis.size < 4:
            raise InputError(name, f"{method} fits single-agent Hill curves: needs at least "
                             "3 concentrations > 0 nM besides 0", got=axis.size - 1)


def single_agent_fits(grid: CombinationGrid) -> tuple[HillFit | None, HillFit | None]:
    """Hill fits (inhibition, bottom 0) of each drug alone on the rebased grid; ``None``
    for a drug whose single-agent data are flat or run the wrong way."""
    _need_curves(grid, "single_agent_fits")
    e = grid.rebased
    return (_Agent(grid.conc_a_nM, e[:, 0]).fit, _Agent(grid.conc_b_nM, e[0, :]).fit)


def _agents(grid: CombinationGrid) -> tuple[_Agent, _Agent]:
    e = grid.rebased
    return _Agent(grid.conc_a_nM, e[:, 0]), _Agent(grid.conc_b_nM, e[0, :])


def _scores(method: str, observed: np.ndarray, expected: np.ndarray) -> SynergyScores:
    excess = observed - expected
    excess[0, :] = 0.0
    excess[:, 0] = 0.0
    for arr in (observed, expected, excess):
        arr.setflags(write=False)
    return SynergyScores(method, observed, expected, excess)


def bliss(grid: CombinationGrid) -> SynergyScores:
    """Bliss independence excess: observed - (Ea + Eb - Ea*Eb), observed single agents."""
    e = grid.rebased
    ea, eb = e[:, :1], e[:1, :]
    return _scores("bliss", e.copy(), ea + eb - ea * eb)


def hsa(grid: CombinationGrid) -> SynergyScores:
    """Highest-single-agent excess: observed - max(Ea, Eb), observed single agents."""
    e = grid.rebased
    return _scores("hsa", e.copy(), np.maximum(e[:, :1], e[:1, :]))


def _loewe_expected(a: float, b: float, agent_a: _Agent, agent_b: _Agent) -> float:
    if a == 0.0:
        return float(agent_b.effect(b))
    if b == 0.0:
        return float(agent_a.effect(a))
    hi = max(t for t, x in ((agent_a.top, a), (agent_b.top, b)) if x > 0)
    if hi <= 0.0:
        return 0.0

    def f(y: float) -> float:
        total = 0.0
        for x, ag in ((a, agent_a), (b, agent_b)):
            d = ag.dose_for(y)
            total += 0.0 if math.isinf(d) else (x / d if d > 0 else math.inf)
        return total - 1.0

    lo = hi * 1e-12
    hi_in = hi * (1.0 - 1e-12)
    if f(hi_in) >= 0.0:  # the combination reaches the top plateau
        return hi
    if f(lo) <= 0.0:  # f falls with y: not even a trace of effect (steep Hill, low doses)
        return 0.0
    return optimize.brentq(f, lo, hi_in, xtol=1e-15, rtol=1e-14, maxiter=500)


def loewe(grid: CombinationGrid) -> SynergyScores:
    """Loewe additivity excess: observed - E_exp with a/A(E_exp) + b/B(E_exp) = 1, from
    fitted single-agent Hill curves."""
    _need_curves(grid, "loewe")
    e = grid.rebased
    agent_a, agent_b = _agents(grid)
    exp = np.empty_like(e)
    for i, a in enumerate(grid.conc_a_nM):
        for j, b in enumerate(grid.conc_b_nM):
            exp[i, j] = _loewe_expected(float(a), float(b), agent_a, agent_b)
    return _scores("loewe", e.copy(), exp)


def _crossing(x: np.ndarray, y: np.ndarray, level: float,
              hill: float | None = None) -> float | None:
    """First concentration where y rises through ``level``.

    Between positive concentrations: a monotone cubic (PCHIP) through the points in
    median-effect coordinates, logit(y) vs log(x), in which a Hill curve is a straight
    line (Chou 2006). From the 0 nM point (effect y0 of the other drug): the varied
    drug's own Hill curve of slope ``hill`` acting on what y0 leaves,
    (y - y0)/(1 - y0) = u/(1 + u), u = (x/D)^hill, through the first well (linear in
    concentration if the drug has no fitted curve).
    """
    for k in range(x.size - 1):
        y0, y1 = float(y[k]), float(y[k + 1])
        if not y0 < level <= y1:
            continue
        x0, x1 = float(x[k]), float(x[k + 1])
        if x0 == 0.0:
            if hill is not None and 0.0 <= y0 < level < y1 < 1.0:
                p1, pl = (y1 - y0) / (1.0 - y0), (level - y0) / (1.0 - y0)
                return x1 * ((pl / (1.0 - pl)) / (p1 / (1.0 - p1))) ** (1.0 / hill)
            return x0 + (level - y0) / (y1 - y0) * (x1 - x0)
        pos = x > 0
        lx = np.log(x[pos])
        yc = np.clip(y[pos], 1e-9, 1.0 - 1e-9)
        ly = np.log(yc / (1.0 - yc))
        lv = math.log(level / (1.0 - level))
        spline = interpolate.PchipInterpolator(lx, ly - lv)
        a, b = math.log(x0), math.log(x1)
        fa, fb = float(spline(a)), float(spline(b))
        if fa >= 0.0:
            return x0
        if fb <= 0.0:
            return x1
        return math.exp(optimize.brentq(lambda u, f=spline: float(f(u)), a, b, xtol=1e-14))
    return None


def _ci(a: float, b: float, da: float, db: float) -> float:
    if math.isinf(da) and math.isinf(db):
        return math.nan
    return (0.0 if math.isinf(da) else a / da) + (0.0 if math.isinf(db) else b / db)


def combination_index(grid: CombinationGrid, effect: float = 0.5) -> CombinationIndex:
    """Chou–Talalay CI per cell and along the observed iso-``effect`` curve (0 < effect < 1,
    fractional inhibition of the rebased grid)."""
    if not (isinstance(effect, int | float) and 0.0 < effect < 1.0):
        raise InputError("effect", "must be a fractional inhibition strictly between 0 and 1",
                         got=effect)
    _need_curves(grid, "combination_index")
    e = grid.rebased
    agent_a, agent_b = _agents(grid)
    ca, cb = grid.conc_a_nM, grid.conc_b_nM
    per_cell = np.full(e.shape, math.nan)
    for i in range(1, ca.size):
        for j in range(1, cb.size):
            y = float(e[i, j])
            if y > 0.0:
                per_cell[i, j] = _ci(ca[i], cb[j], agent_a.dose_for(y), agent_b.dose_for(y))
    per_cell.setflags(write=False)
    da, db = agent_a.dose_for(effect), agent_b.dose_for(effect)
    points: list[IsoeffectPoint] = []
    for j in range(1, cb.size):  # along drug A at each concentration of B
        x = _crossing(ca, e[:, j], effect, agent_a.fit.hill if agent_a.fit else None)
        if x is not None and x > 0:
            points.append(IsoeffectPoint(x, float(cb[j]), _ci(x, cb[j], da, db)))
    for i in range(1, ca.size):  # along drug B at each concentration of A
        x = _crossing(cb, e[i, :], effect, agent_b.fit.hill if agent_b.fit else None)
        if x is not None and x > 0:
            points.append(IsoeffectPoint(float(ca[i]), x, _ci(ca[i], x, da, db)))
    points = [p for p in points if math.isfinite(p.ci)]
    ci, on_ray = _ray_ci(points, da, db)
    return CombinationIndex(effect=float(effect), per_cell=per_cell, points=tuple(points),
                            ci=ci, on_ray=on_ray, single_nM=(da, db))


def _ray_ci(points: list[IsoeffectPoint], da: float, db: float) -> tuple[float | None, bool]:
    if not points:
        return None, False
    if math.isinf(da) or math.isinf(db):
        return float(np.median([p.ci for p in points])), False
    # angle of each point in normalised coordinates (a/A, b/B); the ray is 45 degrees
    ang = np.array([math.atan2(p.conc_b_nM / db, p.conc_a_nM / da) for p in points])
    cis = np.array([p.ci for p in points])
    order = np.argsort(ang)
    ang, cis = ang[order], cis[order]
    target = math.pi / 4
    if ang[0] <= target <= ang[-1] and ang.size > 1:
        return float(np.interp(target, ang, cis)), True
    k = int(np.argmin(np.abs(ang - target)))
    return float(cis[k]), False


def _fit_row(x: np.ndarray, y: np.ndarray, base: float, ic50: float, hill: float,
             top0: float) -> np.ndarray:
    """Refit a Hill curve rising from ``base`` (fixed) over x > 0: (log10 IC50, h, top)."""
    top_hi = max(1.0, float(np.max(y)))
    top0 = min(max(top0, base + 1e-9), top_hi)
    lx = np.log10(x)
    lo_log, hi_log = lx.min() - 4.0, lx.max() + 4.0
    free_top = x.size >= 3

    def curve(p: np.ndarray) -> np.ndarray:
        top = p[2] if free_top else top0
        z = np.clip(p[1] * (lx - p[0]) * math.log(10.0), -700, 700)
        return base + (top - base) / (1.0 + np.exp(-z))

    p0 = [min(max(math.log10(ic50), lo_log), hi_log) if ic50 > 0 else lx.mean(),
          min(max(hill, 0.05), 50.0)]
    lb, ub = [lo_log, 0.05], [hi_log, 50.0]
    if free_top:
        p0.append(top0)
        lb.append(base)
        ub.append(top_hi + 1e-12)
    p0 = [min(max(v, lo + 1e-12), hi - 1e-12) for v, lo, hi in zip(p0, lb, ub, strict=True)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = optimize.least_squares(lambda p: curve(p) - y, p0, bounds=(lb, ub),
                                     xtol=1e-12, ftol=1e-12, gtol=1e-12)
    return curve(res.x)


def zip_scores(grid: CombinationGrid) -> SynergyScores:
    """ZIP delta scores (Yadav 2015): mean of the row- and column-refitted surfaces minus
    the fitted single agents combined by Bliss independence."""
    _need_curves(grid, "zip")
    e = grid.rebased
    agent_a, agent_b = _agents(grid)
    ca, cb = grid.conc_a_nM, grid.conc_b_nM
    ya = agent_a.effect(ca)  # fitted single agents
    yb = agent_b.effect(cb)
    fa = agent_a.fit
    fb = agent_b.fit
    fitted_a = np.zeros_like(e)  # drug A refitted along each column (B fixed)
    fitted_b = np.zeros_like(e)
    for j in range(1, cb.size):
        base = float(yb[j])
        top0 = base + (1.0 - base) * agent_a.top
        fitted_a[1:, j] = _fit_row(ca[1:], e[1:, j], base,
                                   fa.ic50_nM if fa else float(np.median(ca[1:])),
                                   fa.hill if fa else 1.0, top0)
    for i in range(1, ca.size):
        base = float(ya[i])
        top0 = base + (1.0 - base) * agent_b.top
        fitted_b[i, 1:] = _fit_row(cb[1:], e[i, 1:], base,
                                   fb.ic50_nM if fb else float(np.median(cb[1:])),
                                   fb.hill if fb else 1.0, top0)
    reference = ya[:, None] + yb[None, :] - ya[:, None] * yb[None, :]
    fitted = (fitted_a + fitted_b) / 2.0
    return _scores("zip", fitted, reference)


def summary(grid: CombinationGrid, effect: float = 0.5) -> dict[str, object]:
    """Mean and max excess for each model and the CI at ``effect`` (JSON-ready):
    ``{"bliss": {"mean", "max"}, "hsa": ..., "loewe": ..., "zip": ..., "ci50": x}``."""
    return {
        "bliss": bliss(grid).to_dict(),
        "hsa": hsa(grid).to_dict(),
        "loewe": loewe(grid).to_dict(),
        "zip": zip_scores(grid).to_dict(),
        "ci50": combination_index(grid, effect).ci,
    }


# the package-level name: ``xposim.synergy_summary``
synergy_summary = summary
