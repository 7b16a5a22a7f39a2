"""libRoadRunner backend: LLVM-compiled CVODE on the generated SBML.

Compiled models are cached per process by SBML hash (compiling costs ~0.1-1 s; a
RoadRunner object cannot be pickled, so workers receive SBML text and compile once).
Every run loads all parameter values and the initial state explicitly, so a shared
compiled model carries nothing from one run to the next.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import roadrunner

from xposim.engine.backend import Backend, _resolution
from xposim.engine.plan import RunPlan
from xposim.model.module import Model

_CACHE_SIZE = 16
_compiled: OrderedDict[str, roadrunner.RoadRunner] = OrderedDict()
#: Tolerances last applied to each compiled model (shared by Simulators of one model).
_applied: dict[int, tuple[float, float, int]] = {}


def compiled(model: Model) -> roadrunner.RoadRunner:
    """The process-wide compiled RoadRunner for ``model`` (LRU cache by model hash)."""
    key = model.hash
    rr = _compiled.get(key)
    if rr is None:
        roadrunner.Logger.setLevel(roadrunner.Logger.LOG_ERROR)
        rr = roadrunner.RoadRunner(model.sbml)
        _compiled[key] = rr
        while len(_compiled) > _CACHE_SIZE:
            old = _compiled.popitem(last=False)[1]
            _applied.pop(id(old), None)
    else:
        _compiled.move_to_end(key)
    return rr


class RoadRunnerBackend(Backend):
    """CVODE (BDF, stiff) through libRoadRunner."""

    def __init__(self, model: Model, **kwargs: float) -> None:
        super().__init__(model, **kwargs)
        self._rr = compiled(model)
        m = self._rr.model
        self._param_ids = list(m.getGlobalParameterIds())
        self._param_index = {n: i for i, n in enumerate(self._param_ids)}
        assigned = {a.name for a in model.assignments}
        self._loadable = [n for n in self._param_ids if n not in assigned]
        self._load_idx = np.array([self._param_index[n] for n in self._loadable], dtype=np.int32)
        self._sp_ids = list(m.getFloatingSpeciesIds())
        self._sp_index = {n: i for i, n in enumerate(self._sp_ids)}
        self._amount = np.array([self._species[n].amount for n in self._sp_ids])

    def _selection(self, name: str) -> str:
        sp = self._species.get(name)
        if sp is not None and not sp.amount:
            return f"[{name}]"
        return name

    def _apply_tolerances(self) -> None:
        """Set CVODE tolerances: relative ``rtol``; absolute ``atol`` in each species' own
        unit (nM or amount). libRoadRunner scales a scalar absolute tolerance by the
        *current* state (so it would depend on the previous run and collapse for species
        near zero); an explicit per-species vector avoids both."""
        key = (self.rtol, self.atol, self.max_steps)
        if _applied.get(id(self._rr)) == key:
            return
        integ = self._rr.integrator
        integ.relative_tolerance = self.rtol
        integ.maximum_num_steps = self.max_steps
        volumes = dict(zip(self._rr.model.getCompartmentIds(),
                           self._rr.model.getCompartmentVolumes(), strict=True))
        for sid in self._sp_ids:
            sp = self._species[sid]
            scale = 1.0 if sp.amount else float(volumes[sp.compartment])
            integ.setIndividualTolerance(sid, self.atol * scale)
        _applied[id(self._rr)] = key

    def _start(self, plan: RunPlan) -> None:
        rr = self._rr
        self._apply_tolerances()
        m = rr.model
        m.setGlobalParameterValues(
            self._load_idx, np.array([plan.values[n] for n in self._loadable]))
        init = np.array([plan.initial[n] for n in self._sp_ids])
        idx = np.arange(len(self._sp_ids), dtype=np.int32)
        conc = ~self._amount
        if conc.any():
            m.setFloatingSpeciesConcentrations(idx[conc], init[conc])
        if self._amount.any():
            m.setFloatingSpeciesAmounts(idx[self._amount], init[self._amount])
        m.setTime(plan.t0)
        self._sel = [self._selection(n) for n in plan.outputs]

    def _advance(self, t_from: float, t_to: float, record: np.ndarray) -> np.ndarray:
        # CVODE refuses output times closer than its resolution (CV_TOO_CLOSE): merge
        # points within the engine's time resolution and read merged outputs from the
        # kept point
        points = np.concatenate(([t_from], record, [t_to]))
        kept = [float(t_from)]
        for p in np.unique(points)[1:]:
            if p - kept[-1] > _resolution(kept[-1]):
                kept.append(float(p))
        kept[-1] = max(kept[-1], float(t_to)) if len(kept) > 1 else kept[-1]
        grid = np.array(kept)
        if grid.size < 2:
            raise RuntimeError(f"empty integration interval [{t_from}, {t_to}]")
        res = np.asarray(self._rr.simulate(times=grid, selections=self._sel))
        if record.size == 0:
            return np.empty((0, len(self._sel)))
        rows = np.clip(np.searchsorted(grid, record - _resolution(t_to)), 0, grid.size - 1)
        return res[rows]

    def _set(self, name: str, value: float, *, species: bool) -> None:
        if species:
            i = np.array([self._sp_index[name]], dtype=np.int32)
            if self._species[name].amount:
                self._rr.model.setFloatingSpeciesAmounts(i, np.array([value]))
            else:
                self._rr.model.setFloatingSpeciesConcentrations(i, np.array([value]))
        else:
            self._rr.model.setGlobalParameterValues(
                np.array([self._param_index[name]], dtype=np.int32), np.array([value]))
        # A dose is a discontinuity: CVODE must restart from the new state, or it extrapolates
        # its old step history across the jump and can fail its error test down to h = 1e-12
        # (seen with a second oral dose into a depot whose transit chain holds ~1e-26 mg).
        # Re-applying a setting makes libRoadRunner reinitialise the integrator.
        self._rr.integrator.relative_tolerance = self.rtol

    def _get(self, name: str) -> float:
        return float(self._rr.getValue(self._selection(name)))

    def _read(self) -> np.ndarray:
        return np.array([self._rr.getValue(s) for s in self._sel], dtype=float)
