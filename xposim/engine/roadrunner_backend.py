"""libRoadRunner backend: LLVM-compiled CVODE on the generated SBML.

Compiled models are cached per process (compiling costs ~0.1-1.7 s; a RoadRunner object
cannot be pickled, so workers receive SBML text and compile once, or the parent's saved
state) and between processes on disk (:func:`compiled_cache_dir`: libRoadRunner's saved
state right after the compile, keyed by :func:`structure_key`, the libRoadRunner
version, the Python build and the processor; ``XPOSIM_CACHE_DIR=off`` switches it off).
Every run loads all
parameter values and the initial state explicitly, so a compiled model carries nothing
from one run to the next, and models that differ only in those values (a preset, a
``with_parameters`` copy, calibrated values) share one compile: the cache key is the SBML
without them (:func:`structure_key`).
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import sys
from collections import OrderedDict
from collections.abc import Callable, Mapping
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import roadrunner

from xposim.engine.backend import Backend, _resolution
from xposim.engine.plan import RunPlan
from xposim.io.disk_cache import cache_read, cache_write
from xposim.model.module import Model

_CACHE_SIZE = 16
#: model.hash -> structure_key (the key costs a pass over the SBML text)
_keys: OrderedDict[str, str] = OrderedDict()

# What a run loads itself, so it is no part of what is compiled: every parameter's value
# (the backend sets all non-assigned global parameters), every species' initial value
# (all floating species are set), the model's id and name, and notes (provenance text).
_RUN_LOADED = (
    (re.compile(r"<notes>.*?</notes>", re.S), ""),
    (re.compile(r'(<parameter\b[^>]*?) value="[^"]*"'), r"\1"),
    (re.compile(r'(<species\b[^>]*?) initial(?:Concentration|Amount)="[^"]*"'), r"\1"),
    (re.compile(r'(<model\b[^>]*?)(?: (?:id|name)="[^"]*")+'), r"\1"),
)


def structure_key(model: Model) -> str:
    """SHA-256 of the model's SBML with the values every run loads removed: models with
    equal keys compile to the same code and can share one RoadRunner."""
    key = _keys.get(model.hash)
    if key is None:
        text = model.sbml
        for pattern, repl in _RUN_LOADED:
            text = pattern.sub(repl, text)
        key = _keys[model.hash] = hashlib.sha256(text.encode()).hexdigest()
        while len(_keys) > 8 * _CACHE_SIZE:
            _keys.popitem(last=False)
    return key


def _getter(names: list[str]) -> Callable[[Mapping[str, float]], tuple[float, ...]]:
    """``values -> tuple(values[n] for n in names)`` in one C-level call."""
    if len(names) == 1:
        one = itemgetter(names[0])
        return lambda values: (one(values),)
    if not names:
        return lambda values: ()
    return itemgetter(*names)  # type: ignore[return-value]


#: Environment variable naming the folder of compiled models kept between processes
#: ("" or "off": none); default ``$XDG_CACHE_HOME/xposim/compiled`` (``~/.cache/...``).
CACHE_ENV = "XPOSIM_CACHE_DIR"
_CACHE_MAX_FILES = 64  # oldest files beyond this are removed (each ~0.2-1 MB)


def compiled_cache_dir() -> Path | None:
    """The folder of compiled models kept between processes (:data:`CACHE_ENV`), or None
    when switched off."""
    where = os.environ.get(CACHE_ENV)
    if where is not None:
        where = where.strip()
        return None if where.lower() in ("", "off", "0", "none") else Path(where)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.join(
        os.path.expanduser("~"), ".cache")
    return Path(base) / "xposim" / "compiled"


@lru_cache(maxsize=1)
def _host_key() -> str:
    """What a saved compile depends on besides the model: the libRoadRunner version (its
    state format and code generator), the Python build and the processor (LLVM emits code
    for the host CPU's features: a folder shared by different machines never serves one
    machine's code to another)."""
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            lines = [ln for ln in f if ln.startswith(("model name", "flags", "Features"))]
        cpu += "".join(dict.fromkeys(lines))  # one line each kind (identical per core)
    except OSError:
        pass
    text = "\n".join((roadrunner.__version__, sys.version, platform.machine(),
                      platform.system(), cpu))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _cache_file(model: Model) -> Path | None:
    folder = compiled_cache_dir()
    if folder is None:
        return None
    return folder / f"{structure_key(model)}-{_host_key()}.rrstate"


def _load_cached(path: Path | None) -> roadrunner.RoadRunner | None:
    """The RoadRunner saved at ``path`` (None if absent or unreadable: compiled anew)."""
    data = cache_read(path)
    if data is None:
        return None
    try:
        rr = roadrunner.RoadRunner()
        rr.loadStateS(data)
        return rr
    except Exception:  # a truncated or foreign file: compile instead (and overwrite it)
        return None


def _save_cached(path: Path | None, rr: roadrunner.RoadRunner) -> None:
    """Save a freshly compiled ``rr`` at ``path`` (xposim.io.disk_cache: atomic; a cache
    that cannot be written is no error, the next process compiles again)."""
    if path is not None:
        cache_write(path, bytes(rr.saveStateS()), _CACHE_MAX_FILES)


class _Compiled:
    """One compiled model structure and the index layout a run loads values through
    (everything here depends on the structure only, so Simulators share it)."""

    def __init__(self, model: Model, state: bytes | None = None) -> None:
        roadrunner.Logger.setLevel(roadrunner.Logger.LOG_ERROR)
        if state is None:
            # compiled by an earlier process on this machine (the same structure, the same
            # libRoadRunner; saved right after its compile): its machine code, ~0.05 s
            # instead of a ~0.2-1.7 s compile; else compiled here and saved
            cached = _cache_file(model)
            rr = _load_cached(cached)
            if rr is None:
                rr = roadrunner.RoadRunner(model.sbml)
                _save_cached(cached, rr)
            self.rr = rr
        else:  # compiled in another process (compiled_state): its machine code, no compile
            self.rr = roadrunner.RoadRunner()
            self.rr.loadStateS(state)
        self.integrator = self.rr.integrator  # kept alive by self.rr
        #: options for libRoadRunner's own simulate call (see RoadRunnerBackend._simulate);
        #: None where this libRoadRunner lacks it (the public wrapper is used)
        self.options = (roadrunner.SimulateOptions()
                        if hasattr(self.rr, "_simulate")
                        and hasattr(self.rr, "_setSimulateOptionsTimes") else None)
        #: tolerances last applied (shared by every Simulator of this structure)
        self.tolerances: tuple[float, float, int] | None = None
        #: time-course selections last set (setting them costs ~0.25 ms for ~170 names,
        #: once per segment when passed to every simulate call)
        self.selections: list[str] | None = None
        #: the parameter array last loaded into the model (by identity; None after a
        #: parameter was set otherwise): a run with the same array does not load ~300
        #: values again (a patient's ~20 segments share one; integration never changes a
        #: parameter: rate rules act on species only)
        self.params_loaded: np.ndarray | None = None
        m = self.rr.model
        species = {s.name: s for s in model.species}
        self.param_ids = list(m.getGlobalParameterIds())
        self.param_index = {n: i for i, n in enumerate(self.param_ids)}
        assigned = {a.name for a in model.assignments}
        loadable = [n for n in self.param_ids if n not in assigned]
        self.load_idx = np.array([self.param_index[n] for n in loadable], dtype=np.int32)
        self.get_loadable = _getter(loadable)
        self.sp_ids = list(m.getFloatingSpeciesIds())
        self.sp_index = {n: i for i, n in enumerate(self.sp_ids)}
        conc = [n for n in self.sp_ids if not species[n].amount]
        amount = [n for n in self.sp_ids if species[n].amount]
        self.conc = (np.array([self.sp_index[n] for n in conc], dtype=np.int32),
                     _getter(conc)) if conc else None
        self.amounts = (np.array([self.sp_index[n] for n in amount], dtype=np.int32),
                        _getter(amount)) if amount else None
        volumes = dict(zip(m.getCompartmentIds(), m.getCompartmentVolumes(), strict=True))
        #: absolute-tolerance scale per species (1 for amounts, its volume for nM)
        self.atol_scale = {n: 1.0 if species[n].amount else float(volumes[species[n].compartment])
                           for n in self.sp_ids}


_compiled: OrderedDict[str, _Compiled] = OrderedDict()


def _compiled_for(model: Model) -> _Compiled:
    key = structure_key(model)
    entry = _compiled.get(key)
    if entry is None:
        entry = _compiled[key] = _Compiled(model)
        while len(_compiled) > _CACHE_SIZE:
            _compiled.popitem(last=False)
    else:
        _compiled.move_to_end(key)
    return entry


def compiled_state(model: Model) -> bytes:
    """``model``'s structure compiled (in this process, on first use) and saved with
    libRoadRunner's ``saveStateS``: another process passing it to :func:`load_compiled`
    gets the same machine code without compiling (~0.04 s instead of ~1 s)."""
    return bytes(_compiled_for(model).rr.saveStateS())


def load_compiled(model: Model, state: bytes) -> None:
    """Put ``model``'s structure, saved by :func:`compiled_state` (in another process, of
    the same libRoadRunner), into this process's cache; nothing if it is there already.
    Runs load every value themselves, so what the saved state held does not matter."""
    key = structure_key(model)
    if key not in _compiled:
        _compiled[key] = _Compiled(model, state)
        while len(_compiled) > _CACHE_SIZE:
            _compiled.popitem(last=False)


def compiled(model: Model) -> roadrunner.RoadRunner:
    """The process-wide compiled RoadRunner for ``model``'s structure (LRU cache).

    Its embedded parameter values are those of the first model of that structure: use it
    through a backend, which loads the values of the model it runs before every run.
    """
    entry = _compiled_for(model)
    entry.selections = None  # the caller may change them: the next run sets its own
    entry.params_loaded = None  # and the parameters: the next run loads its own
    return entry.rr


class RoadRunnerBackend(Backend):
    """CVODE (BDF, stiff) through libRoadRunner."""

    def __init__(self, model: Model, **kwargs: float) -> None:
        super().__init__(model, **kwargs)
        self._c = _compiled_for(model)
        self._rr = self._c.rr
        self._sp_index = self._c.sp_index
        self._param_index = self._c.param_index
        self._selections: dict[tuple[str, ...], list[str]] = {}
        self._one: dict[tuple[str, bool], np.ndarray] = {}  # (name, species) -> [index]
        #: the parameter values last loaded, as the array loaded (runs with the same
        #: resolved values, Backend._resolved_for, reuse it)
        self._loaded: tuple[dict[str, float], np.ndarray] | None = None
        self._m: Any = None  # the executable model of the current run (_start)

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
        c = self._c
        if c.tolerances == key:
            return
        integ = c.integrator
        integ.relative_tolerance = self.rtol
        integ.maximum_num_steps = self.max_steps
        for sid in c.sp_ids:
            integ.setIndividualTolerance(sid, self.atol * c.atol_scale[sid])
        c.tolerances = key

    def _start(self, plan: RunPlan) -> None:
        c = self._c
        self._apply_tolerances()
        # the executable model, read once per run (each ``rr.model`` makes a new SWIG
        # proxy, ~5 us; a dose reads and sets its target through it): a caller of
        # compiled() may reload the RoadRunner between runs, never during one
        m = self._m = c.rr.model
        loaded = self._loaded
        if loaded is None or loaded[0] is not plan.values:  # the same resolved values
            loaded = self._loaded = (plan.values, np.array(c.get_loadable(plan.values)))
        if c.params_loaded is not loaded[1]:
            m.setGlobalParameterValues(c.load_idx, loaded[1])
            c.params_loaded = loaded[1]
        if c.conc is not None:
            index, get = c.conc
            m.setFloatingSpeciesConcentrations(index, np.array(get(plan.initial)))
        if c.amounts is not None:
            index, get = c.amounts
            m.setFloatingSpeciesAmounts(index, np.array(get(plan.initial)))
        m.setTime(plan.t0)
        sel = self._selections.get(plan.outputs)
        if sel is None:
            sel = self._selections[plan.outputs] = [self._selection(n) for n in plan.outputs]
        self._sel = sel
        if c.selections is not sel:
            c.rr.timeCourseSelections = sel
            c.selections = sel

    def _advance(self, t_from: float, t_to: float, record: np.ndarray) -> np.ndarray:
        # CVODE refuses output times closer than its resolution (CV_TOO_CLOSE): merge
        # points within the engine's time resolution and read merged outputs from the
        # kept point
        n = record.size
        if n and self._plan.well_spaced:
            # the usual case, decided on the ends alone: outputs already further apart than
            # the resolution, and the interval's ends either output times or well apart
            head = float(record[0]) - t_from
            tail = t_to - float(record[-1])
            if ((head == 0 or head > _resolution(t_from))
                    and (tail == 0 or tail > _resolution(float(record[-1])))):
                first = int(head > 0)
                grid = record if not (first or tail) else np.concatenate(
                    ([t_from], record, [t_to]) if first and tail
                    else ([t_from], record) if first else (record, [t_to]))
                return self._simulate(grid)[first:first + n]
        points = np.unique(np.concatenate(([t_from], record, [t_to])))
        kept = [float(t_from)]
        for p in points[1:]:
            if p - kept[-1] > _resolution(kept[-1]):
                kept.append(float(p))
        kept[-1] = max(kept[-1], float(t_to)) if len(kept) > 1 else kept[-1]
        grid = np.array(kept)
        if grid.size < 2:
            raise RuntimeError(f"empty integration interval [{t_from}, {t_to}]")
        res = self._simulate(grid)
        if record.size == 0:
            return np.empty((0, len(self._sel)))
        rows = np.clip(np.searchsorted(grid, record - _resolution(t_to)), 0, grid.size - 1)
        return res[rows]

    def _simulate(self, grid: np.ndarray) -> np.ndarray:
        """The selections at the output times ``grid`` (h), integrating from grid[0].

        libRoadRunner's Python ``simulate`` re-reads and lower-cases every selection and
        queries the integrator four times on each call (~20 us of ~100-160 us per
        segment, ~35 segments per trial subject); its compiled ``_simulate`` with a kept
        options object does the same integration (the same output, checked in tests).
        The public call remains where that entry is missing or a variable-step run was
        asked for on the shared compiled model."""
        c = self._c
        o = c.options
        if o is None or c.integrator.getValue("variable_step_size"):
            return np.asarray(self._rr.simulate(times=grid))
        o.reset()
        self._rr._setSimulateOptionsTimes(o, grid.tolist())
        return np.asarray(self._rr._simulate(o))

    def _index(self, name: str, species: bool) -> np.ndarray:
        i = self._one.get((name, species))
        if i is None:
            index = self._sp_index if species else self._param_index
            i = self._one[(name, species)] = np.array([index[name]], dtype=np.int32)
        return i

    def _set(self, name: str, value: float, *, species: bool) -> None:
        i = self._index(name, species)
        m = self._m
        if not species:
            m.setGlobalParameterValues(i, np.array([value]))
            self._c.params_loaded = None  # the next run loads its parameters again
        elif self._species[name].amount:
            m.setFloatingSpeciesAmounts(i, np.array([value]))
        else:
            m.setFloatingSpeciesConcentrations(i, np.array([value]))
        # A dose is a discontinuity: CVODE must restart from the new state, or it extrapolates
        # its old step history across the jump and can fail its error test down to h = 1e-12
        # (seen with a second oral dose into a depot whose transit chain holds ~1e-26 mg).
        # Re-applying a setting makes libRoadRunner reinitialise the integrator (setValue
        # directly: the attribute form re-reads the list of settings every time).
        self._c.integrator.setValue("relative_tolerance", self.rtol)

    def _get(self, name: str) -> float:
        sp = self._species.get(name)
        if sp is not None and name in self._sp_index:
            # by index: getValue parses the name on every call (a dose reads its target)
            m, i = self._m, self._index(name, True)
            get = m.getFloatingSpeciesAmounts if sp.amount else m.getFloatingSpeciesConcentrations
            return float(get(i)[0])
        return float(self._rr.getValue(self._selection(name)))

    def _read(self) -> np.ndarray:
        # the time-course selections are this run's outputs (set in _start): read them in
        # one call (getValue per name costs ~3 us each, ~0.5 ms for a patient's ~90)
        if self._c.selections is self._sel:
            values = np.array(self._rr.getSelectedValues(), dtype=float)
            if values.shape == (len(self._sel),):
                return values
        return np.array([self._rr.getValue(s) for s in self._sel], dtype=float)
