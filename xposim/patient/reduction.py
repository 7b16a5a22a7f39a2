"""Quasi-steady-state clinical reduction of the tumour cell's nuclear transport.

Why: in the composed patient the cell's export core (18 cargo states whose transport
relaxes in seconds to minutes) is the stiffest and largest part of the model; with it a
24-week patient costs ~4x the target (docs/patient.md, "Speed"). DESIGN.md and the
ROADMAP ask for a reduced transport law in the clinical model, checked against the
detailed cell.

How (everything derived from the cell layer's own modules, re-derivable after a
revision by calling :func:`derive_reduction` again; nothing is hand-copied):

1. **The block.** Symbols of the detailed tumour cell that come from the modules in
   :data:`BLOCK_MODULES` (export core, eIF4E translation), plus outside assignments that
   read only block species and constants (the NF-κB feedback on IκBα synthesis). The
   block reads the rest of the cell through a few *slow inputs* (free XPO1, proteasome
   activity), found from the dependencies, and the rest reads a few *block outputs*
   (nuclear p53, p21, FOXO3a, NF-κB, survival translation).
2. **Quasi-steady state.** The block alone (:func:`~xposim.patient._moduletools.prune`
   with the slow inputs cut into parameters) is brought to steady state on a grid of
   the slow inputs (:data:`GRIDS`: free XPO1 on a log grid, proteasome activity on a
   linear one), by integration with continuation. Each output becomes a piecewise-linear
   table in log free XPO1 (and linear in proteasome activity where it depends on it by
   more than :data:`Y_TOLERANCE`).
3. **The slower part.** Cargo turnover (hours) is not fast next to the PK: after a dose
   the nuclear level jumps part of the way at once (transport) and creeps the rest
   (synthesis and degradation). Each output is therefore
   ``w·Q(x, y) + (1 - w)·L`` with ``dL/dt = k·(Q - L)``: ``w`` and ``k`` are fitted by
   least squares to the detailed cell's response to the reference exposure
   (:data:`REFERENCE_REGIMEN`, selinexor PK driving the detailed cell). Outputs with
   ``w`` ≈ 1 or ``k`` above :data:`K_INSTANT` carry no state.

The reduced module provides the block outputs under their own names, so the fate
signals and the coupling read them unchanged. Its initial state is the untreated
quasi-steady state of the patient's own cell (the tables at the untreated inputs,
written as expressions of the patient's parameters, e.g. ``XPO1_total0``), so a patient
needs no steady-state solve. ``tests/test_patient_reduction.py`` states the agreement
with the detailed cell under other exposures.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType

import numpy as np

from xposim.errors import ModelError, SimulationError
from xposim.io.disk_cache import cache_read, cache_write
from xposim.model import (
    Assignment,
    Compartment,
    Derived,
    Input,
    Module,
    Parameter,
    RateRule,
    Species,
)
from xposim.model.module import compose, merge_modules
from xposim.patient._moduletools import prune

#: Cell-layer modules whose symbols form the fast block (by the module that defined them).
BLOCK_MODULES: tuple[str, ...] = ("xpo1_export", "eif4e")
#: With ``nfkb_core`` (a patient model without bortezomib): further cell-layer modules
#: whose symbols join the block, except the ones named with these prefixes: the Lipniacki
#: NF-kB core (IKK, IkBa, NF-kB, A20) joins; the proteasome and its bortezomib binding stay
#: outside as the block's second input, which without bortezomib is constant (all sites
#: free: activity 1, its only grid point, :data:`GRIDS_WITHOUT_BORTEZOMIB`).
NFKB_CORE_BLOCK: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "nfkb": ("proteasome", "btz_", "C_btz", "proteotoxic", "pi_resistance",
             "conservation proteasome", "nfkb_survival"),
})
#: Grids replaced when the NF-kB core is in the block: no bortezomib, so the proteasome
#: is all free (activity 1) and the tables need that point only.
GRIDS_WITHOUT_BORTEZOMIB: Mapping[str, tuple[str, float, float, int]] = MappingProxyType({
    "proteasome_activity": ("lin", 1.0, 1.0, 1),
})
#: Grid of each slow input: (spacing, low, high, points). A block reading another slow
#: input needs a grid here (the derivation says which).
GRIDS: Mapping[str, tuple[str, float, float, int]] = MappingProxyType({
    "XPO1_free": ("log", 1.0, 20000.0, 27),
    "proteasome_activity": ("lin", 0.05, 1.0, 6),
})
#: An output whose quasi-steady state changes by less than this (relative) over the
#: second input is tabulated in the first only.
Y_TOLERANCE = 0.01
#: A 2-D table is represented by the fewest products a(y)·b(x) within this share of its
#: range (singular value decomposition): a rank-1 table costs one 1-D function.
RANK_TOLERANCE = 0.005
#: Number of basis functions x/(x + K_k) (K_k geometric over the grid) that represent a
#: table along free XPO1: smooth (a piecewise-linear table has a kink at every knot, and
#: each kink crossed after a dose costs the stiff solver a step cut) and cheap (one
#: addition and one division per term; least-squares weights).
BASIS_SIZE = 10
#: Lag rates above this (1/h) are taken as instantaneous (no lag state).
K_INSTANT = 15.0
#: Rate (1/h) at which the "instant" part follows the quasi-steady state: a state, so
#: the table is evaluated in one rate rule instead of inlined into every expression that
#: reads the output (libRoadRunner inlines assignment rules: the first version, with
#: the tables as assignments, generated 1.4e5 inlined nodes and would not compile).
K_FAST = 20.0
#: Instant shares above this are taken as 1 (no state).
W_INSTANT = 0.98
#: The exposure the lag constants are fitted to: selinexor mg on days (0-based) of each
#: week, for weeks; sampled every step_h hours.
REFERENCE_REGIMEN: Mapping[str, object] = MappingProxyType(
    {"drug": "selinexor", "mg": 80.0, "days": (0, 2), "weeks": 2, "step_h": 0.25})
_STEADY_H = 400.0  # integration horizon per grid point (h); checked for convergence
_STEADY_RTOL = 1e-6


@dataclass(frozen=True)
class Reduction:
    """A derived reduction of one preset's tumour-cell block (see the module docstring).

    ``tables[o]``: (len(y), len(x)) quasi-steady values of output ``o`` (its unit in
    ``units``), or (1, len(x)) when it does not depend on the second input.
    ``factors[o]``: what the model evaluates: a sum of products ``a_r(y)·b_r(x)`` (rank-R
    approximation of the table, R the smallest within :data:`RANK_TOLERANCE`), each
    ``b_r(x) = c0 + Σ_k c_k·x/(x + K_k)`` over the shared basis (``centres`` K_k;
    ``hill`` = 1), and ``a_r(y)`` a polynomial (coefficients from
    the constant term up); ``table_error[o]``: the representation's largest error on the
    grid, as a share of the table's range. ``w`` and ``k`` (1/h): the lag of
    each output; ``fit_error``: RMS error / range of each output on the reference
    exposure. ``untreated``: each slow input at the untreated state, as an expression of
    the tumour cell's parameters. ``proportional``: outputs represented as
    ``x·r(x)`` (``factors`` then describe ``r``): an output nearly proportional to free
    XPO1 (the export capacity ``XPO1_eff``) is smooth in that form, not in its own.
    """

    preset: str
    outputs: tuple[str, ...]
    units: Mapping[str, str]
    inputs: tuple[str, ...]
    x: np.ndarray
    y: np.ndarray
    tables: Mapping[str, np.ndarray]
    centres: np.ndarray
    hill: float
    factors: Mapping[str, tuple[tuple[np.ndarray, np.ndarray], ...]]
    w: Mapping[str, float]
    k: Mapping[str, float]
    fit_error: Mapping[str, float] = field(default_factory=dict)
    untreated: Mapping[str, str] = field(default_factory=dict)
    symbol_units: Mapping[str, str] = field(default_factory=dict)
    preset_values: Mapping[str, float] = field(default_factory=dict)
    table_error: Mapping[str, float] = field(default_factory=dict)
    proportional: frozenset[str] = frozenset()

    def quasi_steady(self, output: str, x: np.ndarray | float, y: np.ndarray | float = 1.0
                     ) -> np.ndarray:
        """The quasi-steady value of ``output`` at slow inputs (x, y), exactly as the model
        evaluates it (``y`` clamped to its grid)."""
        return self._quasi_steady(output, x, *self._basis(x, y))

    def _basis(self, x: np.ndarray | float, y: np.ndarray | float
               ) -> tuple[np.ndarray, np.ndarray]:
        """The basis at ``x`` and ``y`` clamped to its grid: what every output at one
        input shares."""
        sig = _sigmoids(np.atleast_1d(np.asarray(x, float)), self.centres, self.hill)
        yy = np.clip(np.broadcast_to(np.asarray(y, float), np.shape(x)), self.y[0],
                     self.y[-1])
        return sig, yy

    def _quasi_steady(self, output: str, x: np.ndarray | float, sig: np.ndarray,
                      yy: np.ndarray) -> np.ndarray:
        """:meth:`quasi_steady` from the basis ``sig`` and clamped ``yy`` at ``x`` (what
        the outputs at one input share)."""
        out = np.zeros(np.shape(x))
        for a, c in self.factors[output]:
            bx = (c[0] + sig @ c[1:]).reshape(np.shape(x))
            out = out + np.polynomial.polynomial.polyval(yy, a) * bx
        if output in self.proportional:
            out = out * np.maximum(np.asarray(x, float), 0.0).reshape(np.shape(x))
        if self.nonnegative(output):
            out = np.maximum(out, 0.0)
        return out

    def nonnegative(self, output: str) -> bool:
        """True when every tabulated value of ``output`` is >= 0 (a concentration or a
        share): its representation is then clamped at 0 (the least-squares fit may dip a
        hair below where the table is ~0)."""
        return bool(np.all(self.tables[output] >= 0.0))

    def untreated_inputs(self, values: Mapping[str, float]) -> dict[str, float]:
        """The slow inputs of the untreated cell for canonical parameter ``values``."""
        return {i: float(_untreated_expression(self.untreated[i])(values))
                for i in self.inputs}

    def initial_state(self, values: Mapping[str, float]) -> dict[str, float]:
        """Initial values of the reduced block's states (nM) for a patient whose
        canonical parameter values are ``values``: its own untreated quasi-steady state."""
        ins = self.untreated_inputs(values)
        x = ins[self.inputs[0]]
        y = ins[self.inputs[1]] if len(self.inputs) == 2 else 1.0
        sig, yy = self._basis(x, y)  # computed once for all outputs
        out = {}
        for o in self.outputs:
            q = float(self._quasi_steady(o, x, sig, yy))
            out[f"qss_{o}_fast"] = q
            if self.w[o] < 1.0:
                out[f"qss_{o}_lag"] = q
        return out


@lru_cache(maxsize=64)
def _untreated_expression(text: str) -> Callable[[Mapping[str, float]], object]:
    """An untreated input's expression, compiled once (a pure function of its text)."""
    from xposim.model.expressions import Expression

    return Expression(text).compile()


def _sigmoids(x: np.ndarray, centres: np.ndarray, hill: float) -> np.ndarray:
    """(n, k) values of the basis x/(x + K_k) at x >= 0 (``hill`` is 1: kept as a field
    so a steeper basis can be tried without changing the data layout)."""
    xx = np.maximum(x, 0.0)[:, None]
    if hill == 1.0:
        return xx / (xx + centres[None, :])
    z = (xx / centres[None, :]) ** hill
    return z / (1.0 + z)


def _hill_basis(x: np.ndarray) -> tuple[np.ndarray, float]:
    """Centres (geometric, inside the grid) of the Michaelis-Menten basis x/(x + K):
    smooth, and one addition and one division per term (a Hill exponent would cost a
    power per term in every right-hand-side evaluation)."""
    return np.geomspace(2 * x[0], x[-1] / 2, BASIS_SIZE), 1.0


def _factorise(table: np.ndarray, x: np.ndarray, y: np.ndarray, centres: np.ndarray,
               hill: float) -> tuple[tuple[tuple[np.ndarray, np.ndarray], ...], float]:
    """A smooth representation of a table (rows: y knots, columns: x knots): the fewest
    products a_r(y)·b_r(x) (singular value decomposition) within RANK_TOLERANCE of the
    range, b_r fitted on the Hill basis, a_r a polynomial in y. Returns (factors, error
    as a share of the range)."""
    design = np.hstack([np.ones((x.size, 1)), _sigmoids(x, centres, hill)])
    span = max(float(table.max() - table.min()), 1e-300)
    if table.shape[0] == 1:
        c, *_ = np.linalg.lstsq(design, table[0], rcond=None)
        err = float(np.max(np.abs(design @ c - table[0]))) / span
        return ((np.ones(1), c),), err
    u, sv, vt = np.linalg.svd(table, full_matrices=False)
    for rank in range(1, sv.size + 1):
        if np.max(np.abs((u[:, :rank] * sv[:rank]) @ vt[:rank] - table)) <= \
                RANK_TOLERANCE * span:
            break
    factors = []
    approx = np.zeros_like(table)
    for r in range(rank):
        c, *_ = np.linalg.lstsq(design, vt[r], rcond=None)
        deg = min(3, y.size - 1)
        a = np.polynomial.polynomial.polyfit(y, u[:, r] * sv[r], deg)
        factors.append((a, c))
        approx += np.outer(np.polynomial.polynomial.polyval(y, a), design @ c)
    return tuple(factors), float(np.max(np.abs(approx - table))) / span


# -- the block ---------------------------------------------------------------------


def _expression_names(item: object) -> frozenset[str]:
    expr = getattr(item, "rate", None) or getattr(item, "expression", None)
    return expr.names if expr is not None else frozenset()


def _block(detailed: Module, origins: Mapping[str, str], nfkb_core: bool = False
           ) -> tuple[set[str], tuple[str, ...], tuple[str, ...]]:
    """(block symbols, slow inputs, block outputs) of the detailed tumour module (with
    ``nfkb_core``, the NF-kB core too: :data:`NFKB_CORE_BLOCK`)."""
    defs = detailed.definitions
    partial = NFKB_CORE_BLOCK if nfkb_core else {}
    block = {n for n in defs if origins.get(n) in BLOCK_MODULES or (
        origins.get(n) in partial and not n.startswith(partial[origins[n]]))}
    if not any(isinstance(defs[n], Species) for n in block):
        raise ModelError(f"reduction: no species of {BLOCK_MODULES} in the tumour cell; "
                         "update xposim.patient.reduction.BLOCK_MODULES")
    constants = {n for n, item in defs.items() if isinstance(item, Parameter | Derived)} | {
        c.name for c in detailed.compartments} | {i.name for i in detailed.inputs}

    def reads(n: str) -> frozenset[str]:
        item = defs[n]
        if isinstance(item, Species):
            names: set[str] = set()
            for r in detailed.reactions:
                if n in r.species:
                    names |= r.rate.names
            for rr in detailed.rate_rules:
                if rr.species == n:
                    names |= rr.expression.names
            return frozenset(names)
        return _expression_names(item)

    def support(n: str, seen: frozenset[str] = frozenset()) -> set[str]:
        """Species an assignment depends on through assignments."""
        item = defs.get(n)
        if isinstance(item, Species):
            return {n}
        if not isinstance(item, Assignment) or n in seen:
            return set()
        out: set[str] = set()
        for m in item.expression.names:
            out |= support(m, seen | {n})
        return out

    # absorb outside assignments read by the block that depend only on block species
    changed = True
    while changed:
        changed = False
        for n in [m for b in list(block) for m in reads(b)]:
            if n in block or n in constants or not isinstance(defs.get(n), Assignment):
                continue
            if support(n) <= block:
                block.add(n)
                changed = True
    slow = sorted({m for b in block for m in reads(b)} - block - constants)
    if not 1 <= len(slow) <= 2:
        raise ModelError(f"reduction: the block reads {len(slow)} slow inputs {slow}; the "
                         "tables support 1 or 2")
    order = sorted(slow, key=lambda s: (s != "XPO1_free", s))
    for s in order:
        if s not in GRIDS:
            raise ModelError(f"reduction: no grid for slow input {s!r}; add it to "
                             "xposim.patient.reduction.GRIDS")
    outside = [item for n, item in defs.items() if n not in block]
    outside += [r for r in detailed.reactions if not set(r.species) & block]
    outside += [rr for rr in detailed.rate_rules if rr.species not in block]
    read_out = set()
    for item in outside:
        read_out |= _expression_names(item) & block
        if isinstance(item, Species):
            read_out |= item.initial.names & block
    from xposim.patient.coupling import TUMOUR_READOUTS

    read_out |= set(TUMOUR_READOUTS) & block
    # constants the block defines (compartments, rate constants) stay shared, not tabulated
    outputs = tuple(sorted(read_out - constants))
    return block, tuple(order), outputs


def _grid(name: str, nfkb_core: bool = False) -> np.ndarray:
    kind, lo, hi, n = (GRIDS_WITHOUT_BORTEZOMIB.get(name) if nfkb_core else None) \
        or GRIDS[name]
    return np.geomspace(lo, hi, n) if kind == "log" else np.linspace(lo, hi, n)


# -- derivation ----------------------------------------------------------------------


@cache
def derive_reduction(preset: str, nfkb_core: bool = False) -> Reduction:
    """Derive the reduction of preset ``preset``'s tumour cell (cached per process, and
    on disk between processes: :func:`reduction_cache_file`).

    ``nfkb_core``: also reduce the Lipniacki NF-kB core (for a patient model without
    bortezomib, whose proteasome is then all free; see :data:`NFKB_CORE_BLOCK`)."""
    from xposim.biology.cell import build_cell_model
    from xposim.patient.coupling import detailed_tumour_cell
    from xposim.presets.cell_lines import get_cell_line

    detailed = detailed_tumour_cell(preset)
    origins = dict(build_cell_model(get_cell_line(preset), fate=True).origins)
    path = reduction_cache_file(preset, nfkb_core, detailed, origins)
    hit = _load_reduction(path)
    if hit is not None:
        return hit
    reduction = _derive(preset, nfkb_core, detailed, origins)
    _save_reduction(path, reduction)
    return reduction


# -- the on-disk cache of derivations ----------------------------------------------------

#: Source files whose code decides a derivation's numbers (besides the inputs' content,
#: which the key holds as text): this module, pruning, composition, the engine.
_DERIVATION_CODE = ("patient/reduction.py", "patient/_moduletools.py", "model/module.py",
                    "engine/simulator.py", "engine/roadrunner_backend.py")
_CACHE_MAX_FILES = 32  # oldest files beyond this are removed (each ~50 kB)


def reduction_cache_file(preset: str, nfkb_core: bool, detailed: Module,
                         origins: Mapping[str, str]) -> Path | None:
    """Where the derivation of ``preset``'s reduction is kept between processes: in the
    compiled-model folder's ``reductions`` subfolder (``XPOSIM_CACHE_DIR``; None when
    switched off), named by a hash of everything the derivation reads: the detailed
    tumour cell (structure and every value, as its full text), the module origins, the
    selinexor PK model of the reference exposure, the derivation settings (``preset``,
    ``nfkb_core``, and this module's constants, grids and code: its source), the source of
    the code it runs on, and the versions of xposim, NumPy, libRoadRunner and Python. A
    changed preset, parameter or code therefore never serves a stale reduction."""
    import hashlib
    import sys

    import roadrunner

    from xposim import __version__
    from xposim.engine.roadrunner_backend import compiled_cache_dir
    from xposim.pharmacology.pk import pk_model

    folder = compiled_cache_dir()
    if folder is None:
        return None
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    for name in _DERIVATION_CODE:
        h.update((root / name).read_bytes())
    pk = pk_model("selinexor")
    for part in ("xposim-reduction-1", __version__, np.__version__, roadrunner.__version__,
                 sys.version, preset, repr(bool(nfkb_core)), repr(detailed),
                 repr(sorted(origins.items())), repr(pk.module), pk.dose_target("PO")):
        h.update(b"\0" + str(part).encode())
    return folder / "reductions" / f"{h.hexdigest()[:32]}.pickle"


def _load_reduction(path: Path | None) -> Reduction | None:
    """The reduction kept at ``path`` (None if absent, unreadable or not a reduction:
    derived anew, and written over)."""
    import pickle

    data = cache_read(path)
    if data is None:
        return None
    try:
        plain = pickle.loads(data)
        return Reduction(**{k: MappingProxyType(v) if isinstance(v, dict) else v
                            for k, v in plain.items()})
    except Exception:  # a truncated or foreign file
        return None


def _save_reduction(path: Path | None, red: Reduction) -> None:
    """Keep ``red`` at ``path`` (xposim.io.disk_cache: atomic; a folder that cannot be
    written is no error, the next process derives again)."""
    import dataclasses
    import pickle

    if path is None:
        return
    plain = {f.name: getattr(red, f.name) for f in dataclasses.fields(red)}
    plain = {k: dict(v) if isinstance(v, MappingProxyType) else v for k, v in plain.items()}
    cache_write(path, pickle.dumps(plain, protocol=pickle.HIGHEST_PROTOCOL), _CACHE_MAX_FILES)


def _derive(preset: str, nfkb_core: bool, detailed: Module, origins: Mapping[str, str]
            ) -> Reduction:
    """The derivation itself (:func:`derive_reduction`)."""
    from xposim.engine import Simulator

    block, inputs, outputs = _block(detailed, origins, nfkb_core)
    sub = prune(detailed, outputs, cut=inputs, name="tumour_block")
    leaked = [s.name for s in sub.species if s.name not in block]
    if leaked:
        raise ModelError(f"reduction: the block's steady state needs species outside it "
                         f"{leaked}; widen BLOCK_MODULES or cut there")
    model = compose(sub, name=f"tumour_block_{preset.replace('-', '_').replace('.', '_')}")
    sim = Simulator(model, rtol=1e-9, atol=1e-12)
    species = [s.name for s in model.species]
    units = {o: model.unit_of(o) for o in outputs}
    for o, u in units.items():
        if u not in ("nM", "1"):
            raise ModelError(f"reduction: block output {o} is in {u}; the reduction handles "
                             "nM and dimensionless outputs")
    x = _grid(inputs[0], nfkb_core)
    y = _grid(inputs[1], nfkb_core) if len(inputs) == 2 else np.array([1.0])

    def steady(params: Mapping[str, float], start: Mapping[str, float] | None
               ) -> tuple[dict[str, float], np.ndarray]:
        state = dict(start or {})
        for _ in range(6):
            res = sim.run([0.0, _STEADY_H / 2, _STEADY_H], parameters=params,
                          initial=state, outputs=[*species, *outputs])
            a, b = res.values[1], res.values[2]
            state = {n: max(float(v), 0.0) for n, v in zip(species, b, strict=False)}
            scale = np.maximum(np.abs(b), 1e-9 * max(1.0, float(np.abs(b).max())))
            if np.max(np.abs(b - a) / scale) < _STEADY_RTOL:
                return state, b[len(species):]
        raise ModelError(f"reduction of {preset}: the block has no steady state at "
                         f"{dict(params)}")

    def row(yv: float) -> np.ndarray:
        values = np.empty((x.size, len(outputs)))
        state = None
        for i in range(x.size - 1, -1, -1):  # continuation from the uninhibited end
            params = {inputs[0]: float(x[i])}
            if len(inputs) == 2:
                params[inputs[1]] = float(yv)
            state, values[i] = steady(params, state)
        return values

    top = row(y[-1])
    rows = {y.size - 1: top}
    if y.size > 1:
        rows[0] = row(y[0])
    depends = [np.max(np.abs(rows[0][:, j] - top[:, j]) /
                      np.maximum(np.abs(top[:, j]), 1e-12)) > Y_TOLERANCE
               if y.size > 1 else False for j in range(len(outputs))]
    if any(depends):
        for j in range(1, y.size - 1):
            rows[j] = row(y[j])
    tables = {}
    for j, o in enumerate(outputs):
        if depends[j]:
            tables[o] = np.array([rows[i][:, j] for i in range(y.size)])
        else:
            tables[o] = top[None, :, j].copy()
    centres, hill = _hill_basis(x)
    fitted, proportional = {}, set()
    for o, t in tables.items():
        fitted[o] = _factorise(t, x, y, centres, hill)
        if t.shape[0] == 1 and units[o] == "nM" and np.all(t >= 0.0):
            # the same basis for the ratio to free XPO1; kept when it represents the
            # table better (its error judged on the table itself)
            ratio, _ = _factorise(t / x[None, :], x, y, centres, hill)
            _, c = ratio[0]
            design = np.hstack([np.ones((x.size, 1)), _sigmoids(x, centres, hill)])
            err = float(np.max(np.abs(x * (design @ c) - t[0]))) / max(float(np.ptp(t)),
                                                                       1e-300)
            if err < fitted[o][1]:
                fitted[o] = (ratio, err)
                proportional.add(o)
    factors = MappingProxyType({o: f for o, (f, _) in fitted.items()})
    table_error = MappingProxyType({o: e for o, (_, e) in fitted.items()})
    reduction = Reduction(preset, outputs, MappingProxyType(units), inputs, x, y,
                          MappingProxyType(tables), centres, hill, factors, {}, {},
                          proportional=frozenset(proportional))
    w, k, err = _fit_lags(reduction, detailed)
    untreated = _untreated_inputs(detailed, inputs)
    names = set(inputs)
    for text in untreated.values():
        names |= {n.id for n in ast.walk(ast.parse(text, mode="eval"))
                  if isinstance(n, ast.Name)}
    symbol_units = {n: detailed.unit_of(n) for n in sorted(names)}
    if symbol_units[inputs[0]] != "nM":
        raise ModelError(f"reduction: {inputs[0]} must be in nM to be tabulated in log "
                         f"nM, got {symbol_units[inputs[0]]}")
    return Reduction(preset, outputs, MappingProxyType(units), inputs, x, y,
                     MappingProxyType(tables), centres, hill, factors, MappingProxyType(w),
                     MappingProxyType(k),
                     MappingProxyType(err), MappingProxyType(untreated),
                     MappingProxyType(symbol_units),
                     MappingProxyType({n: compose(detailed, name="defaults").constant_values()[n]
                                       for n in symbol_units if n not in inputs}),
                     table_error, frozenset(proportional))


def reference_exposure(detailed: Module, preset: str, *, mg: float, days: tuple[int, ...],
                       weeks: int, step_h: float, outputs: tuple[str, ...],
                       parameters: Mapping[str, float] | None = None
                       ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The detailed tumour cell under selinexor PK (mg on ``days`` of each week), from its
    untreated steady state: (times h, {name: values}) every ``step_h``."""
    from xposim.engine import Bolus, Simulator
    from xposim.pharmacology.pk import pk_model

    pk = pk_model("selinexor")
    model = compose(pk.module, detailed, name="tumour_reference_exposure")
    sim = Simulator(model, rtol=1e-8, atol=1e-10)
    state = untreated_state(sim, parameters)
    t = np.arange(0.0, weeks * 7 * 24.0 + step_h / 2, step_h)
    events = [Bolus(24.0 * (7 * w + d), pk.dose_target("PO"), mg) for w in range(weeks)
              for d in days]
    res = sim.run(t, parameters=parameters, initial=state, events=events, outputs=outputs)
    return t, {n: np.asarray(res[n]) for n in outputs}


def untreated_state(sim: object, parameters: Mapping[str, float] | None = None,
                    horizon_h: float = 2000.0, *, initial: Mapping[str, float] | None = None,
                    subject: str | int | None = None,
                    ignore: Callable[[str], bool] | None = None) -> dict[str, float]:
    """Species at the untreated steady state of a simulator's model, integrated from
    ``initial`` (clipped at 0; a few horizons until the relative change is below 1e-7).
    Species for which ``ignore`` is true (e.g. a disease held still, whose cumulative
    counters keep rising) do not enter the test. No steady state within 8 horizons is a
    :class:`SimulationError` naming ``subject``."""
    species = [s.name for s in sim.model.species]  # type: ignore[attr-defined]
    tested = np.array([not (ignore and ignore(n)) for n in species])
    state: dict[str, float] = dict(initial or {})
    for _ in range(8):
        res = sim.run([0.0, horizon_h / 2, horizon_h], parameters=parameters,  # type: ignore[attr-defined]
                      initial=state, outputs=species, subject=subject)
        a, b = res.values[1][tested], res.values[2][tested]
        state = {n: max(float(v), 0.0) for n, v in zip(species, res.values[2], strict=True)}
        scale = np.maximum(np.abs(b), 1e-9 * max(1.0, float(np.abs(b).max())))
        if np.max(np.abs(b - a) / scale) < 1e-7:
            return state
    who = "" if subject is None else f"subject {subject}: "
    raise SimulationError(f"{who}no untreated steady state within {8 * horizon_h:g} h")


def _fit_lags(red: Reduction, detailed: Module
              ) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    ref = REFERENCE_REGIMEN
    t, series = reference_exposure(
        detailed, red.preset, mg=float(ref["mg"]), days=tuple(ref["days"]),  # type: ignore[arg-type]
        weeks=int(ref["weeks"]), step_h=float(ref["step_h"]),  # type: ignore[call-overload]
        outputs=(*red.inputs, *red.outputs))
    dt = float(t[1] - t[0])
    x = series[red.inputs[0]]
    y = series[red.inputs[1]] if len(red.inputs) == 2 else np.ones_like(x)
    w_out, k_out, err = {}, {}, {}
    for o in red.outputs:
        q = red.quasi_steady(o, x, y)
        d = series[o]
        span = float(d.max() - d.min())
        if span <= 1e-12 * max(1.0, abs(float(d.max()))):
            w_out[o], k_out[o], err[o] = 1.0, 0.0, 0.0
            continue
        q = _lag(q, K_FAST, dt, float(d[0]))  # the instant part's ~3 min follower
        w, k, sse = _best_lag(q, d, dt)
        if w >= W_INSTANT or k >= K_INSTANT:
            w, k = 1.0, 0.0
            sse = float(np.sum((q - d) ** 2))
        w_out[o], k_out[o] = w, k
        err[o] = math.sqrt(sse / d.size) / span
    return w_out, k_out, err


def _lag(q: np.ndarray, k: float, dt: float, start: float) -> np.ndarray:
    """Exact discrete first-order lag of a piecewise-linear input (dL/dt = k(q - L))."""
    out = np.empty_like(q)
    out[0] = start
    e = math.exp(-k * dt)
    c = (1 - e) / (k * dt) if k * dt > 1e-12 else 1.0
    # exact for q linear over the step: out[i] = q[i] - (q[i] - q[i-1])·c + (out[i-1] -
    # q[i-1])·e. The part without out[i-1] is computed for every step at once (NumPy's
    # element-wise operations are the same IEEE operations, in the same order, as the
    # scalar expression) and the recurrence runs on Python floats: the same numbers as
    # the loop over array elements, ~5x faster (~2500 lags per derivation, the largest
    # share of a process's start-up)
    head = (q[1:] - (q[1:] - q[:-1]) * c).tolist()
    prev = q[:-1].tolist()
    lagged = out[0].item()
    values = []
    for h, p in zip(head, prev, strict=True):
        lagged = h + (lagged - p) * e
        values.append(lagged)
    out[1:] = values
    return out


def _best_lag(q: np.ndarray, d: np.ndarray, dt: float) -> tuple[float, float, float]:
    """(w, k, sse) minimising |w·q + (1-w)·lag(q, k) - d|²; w by least squares per k."""
    def solve(k: float) -> tuple[float, float]:
        lag = _lag(q, k, dt, float(d[0]))
        a, b = q - lag, d - lag
        denom = float(a @ a)
        w = min(max(float(a @ b) / denom, 0.0), 1.0) if denom > 0 else 1.0
        r = w * a - b
        return w, float(r @ r)

    ks = np.geomspace(1e-3, 2 * K_INSTANT, 61)
    sses = [solve(float(k))[1] for k in ks]
    i = int(np.argmin(sses))
    lo, hi = math.log(ks[max(i - 1, 0)]), math.log(ks[min(i + 1, ks.size - 1)])
    for _ in range(40):  # golden-section refinement in log k
        a = hi - (hi - lo) / 1.618
        b = lo + (hi - lo) / 1.618
        if solve(math.exp(a))[1] < solve(math.exp(b))[1]:
            hi = b
        else:
            lo = a
    k = math.exp((lo + hi) / 2)
    w, sse = solve(k)
    return w, k, sse


# -- the untreated inputs as expressions of parameters --------------------------------


class _Substitute(ast.NodeTransformer):
    def __init__(self, table: Mapping[str, ast.expr]) -> None:
        self.table = table

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return self.table.get(node.id, node)


def _untreated_inputs(detailed: Module, inputs: tuple[str, ...]) -> dict[str, str]:
    """Each slow input at the untreated state, as an expression of parameters: species
    replaced by their initial values (every cell-layer module starts at its untreated
    state), assignments expanded."""
    defs = detailed.definitions

    def expand(name: str, depth: int = 0) -> ast.expr:
        if depth > 50:
            raise ModelError(f"reduction: cannot expand {name} (cycle)")
        item = defs.get(name)
        if isinstance(item, Species):
            tree = ast.parse(item.initial.text, mode="eval").body
        elif isinstance(item, Assignment):
            tree = ast.parse(item.expression.text, mode="eval").body
        else:
            return ast.Name(name, ast.Load())
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        table = {n: expand(n, depth + 1) for n in names
                 if isinstance(defs.get(n), Species | Assignment)}
        return _Substitute(table).visit(tree)

    return {i: ast.unparse(expand(i)) for i in inputs}


# -- the reduced module --------------------------------------------------------------


def _knot(v: float) -> float:
    return float(f"{v:.12g}")


def _hat(var: str, j: int, n: int) -> str:
    """Piecewise-linear interpolation weight of knot ``j`` of ``qss_y0..qss_y{n-1}``."""
    if n == 1:
        return "1"
    if j == 0:
        return f"max(0, min(1, (qss_y1 - {var}) / (qss_y1 - qss_y0)))"
    if j == n - 1:
        return f"max(0, min(1, ({var} - qss_y{n - 2}) / (qss_y{n - 1} - qss_y{n - 2})))"
    return (f"max(0, min(({var} - qss_y{j - 1}) / (qss_y{j} - qss_y{j - 1}), "
            f"(qss_y{j + 1} - {var}) / (qss_y{j + 1} - qss_y{j})))")


def reduced_module(red: Reduction, name: str = "tumour_block_qss") -> Module:
    """The block outputs as interpolated tables of the slow inputs, with their lags: a
    Module that reads the slow inputs and provides the block outputs under their own
    names. Its states live in the tumour cell's ``cell`` compartment (a placeholder
    here, replaced when merged with the rest of the cell). Every table value is a plain
    parameter (``derived``): no derived-parameter chains, no tables inlined twice."""
    src = (f"derived: quasi-steady state of the {red.preset} tumour cell's "
           f"{'/'.join(BLOCK_MODULES)} block (xposim.patient.reduction)")
    params: list[Parameter] = [
        Parameter("qss_conc_unit", 1.0, "nM", "convention: states of dimensionless "
                  "outputs are held in units of 1 nM", "convention",
                  "unit of the states of dimensionless outputs"),
        Parameter("qss_k_fast", K_FAST, "1/h", "convention: the instant share of a block "
                  "output follows its quasi-steady state with a 3 min time constant: "
                  "instant next to the PK (hours), and the table is evaluated in one rate "
                  "rule instead of being inlined into every expression that reads the "
                  "output (libRoadRunner inlines assignment rules)", "convention",
                  "rate of the instant part of the reduced block outputs"),
    ]
    if red.hill != 1.0:
        raise ModelError("reduction: the model form supports the basis x/(x + K) only")
    assignments: list[Assignment] = [
        Assignment("qss_x", f"max({red.inputs[0]}, 0)", red.units.get(red.inputs[0], "nM")
                   if red.inputs[0] in red.units else "nM",
                   f"{red.inputs[0]}, never below 0")]
    for k, centre in enumerate(red.centres):
        params.append(Parameter(f"qss_K{k}", _knot(float(centre)), "nM", "convention: "
                                "centres of the basis, geometric inside the grid "
                                "(xposim.patient.reduction.BASIS_SIZE)",
                                "convention", f"centre of basis function {k}"))
        assignments.append(Assignment(f"qss_g{k}", f"qss_x / (qss_x + qss_K{k})", "1",
                                      f"basis function {k}: x/(x + K{k})"))
    two_d = len(red.inputs) == 2
    if two_d:
        params += [Parameter("qss_y_low", _knot(float(red.y[0])), "dimensionless",
                             f"convention: lowest {red.inputs[1]} of the grid", "convention",
                             f"{red.inputs[1]} below this is read as this"),
                   Parameter("qss_y_high", _knot(float(red.y[-1])), "dimensionless",
                             f"convention: highest {red.inputs[1]} of the grid",
                             "convention", f"{red.inputs[1]} above this is read as this")]
        assignments.append(Assignment("qss_y", f"min(max({red.inputs[1]}, qss_y_low), "
                                      "qss_y_high)", "1",
                                      f"{red.inputs[1]} clamped to the grid"))

    def function_of_x(tag: str, c: np.ndarray, unit: str, what: str) -> str:
        params.append(Parameter(f"{tag}_c", _knot(float(c[0])), unit, f"{src}: {what}, "
                                "constant term (least squares on the grid)", "derived",
                                f"{what}: constant term"))
        terms = [f"{tag}_c"]
        for k in range(1, c.size):
            params.append(Parameter(f"{tag}_c{k - 1}", _knot(float(c[k])), unit,
                                    f"{src}: {what}, weight of sigmoid {k - 1} (least "
                                    "squares on the grid)", "derived",
                                    f"{what}: weight of basis sigmoid {k - 1}"))
            terms.append(f"{tag}_c{k - 1} * qss_g{k - 1}")
        return " + ".join(terms)

    def function_of_y(tag: str, a: np.ndarray, what: str) -> str:
        for d, coeff in enumerate(a):
            params.append(Parameter(f"{tag}_p{d}", _knot(float(coeff)), "dimensionless",
                                    f"{src}: {what}, polynomial coefficient of degree {d}",
                                    "derived", f"{what}: coefficient of y^{d}"))
        text = f"{tag}_p{a.size - 1}"
        for d in range(a.size - 2, -1, -1):  # Horner
            text = f"{tag}_p{d} + qss_y * ({text})"
        return text

    species: list[Species] = []
    rules: list[RateRule] = []
    for o in red.outputs:
        unit = red.units[o]
        parts = []
        for r, (a, c) in enumerate(red.factors[o]):
            bx = function_of_x(f"qss_{o}_b{r}", c,
                               "dimensionless" if o in red.proportional else unit,
                               f"{o}{' per unit free XPO1' if o in red.proportional else ''}"
                               f", factor {r} over {red.inputs[0]}")
            if a.size > 1:
                ay = function_of_y(f"qss_{o}_a{r}", a, f"{o}, factor {r} over "
                                   f"{red.inputs[1]}")
                parts.append(f"({ay}) * ({bx})")
            else:
                parts.append(f"({bx})")  # one-dimensional: a(y) = 1
        expr = " + ".join(parts)
        if o in red.proportional:
            expr = f"qss_x * ({expr})"
        if red.nonnegative(o):
            expr = f"max({expr}, 0)"
        assignments.append(Assignment(f"qss_{o}_ss", expr, unit,
                                      f"quasi-steady {o} at the current slow inputs"))
        scale = " * qss_conc_unit" if unit == "1" else ""
        unscale = " / qss_conc_unit" if unit == "1" else ""
        start = _knot(float(red.quasi_steady(o, *_preset_inputs(red))))
        species.append(Species(f"qss_{o}_fast", "cell", start, "nM",
                               f"{o} following its quasi-steady state (reduced block; "
                               "initial value: the preset's untreated cell, the runner sets "
                               "each patient's own)"))
        rules.append(RateRule(f"qss_{o}_fast", f"qss_k_fast * (qss_{o}_ss{scale} - "
                              f"qss_{o}_fast)", "follows the quasi-steady state at once"))
        w, k = red.w[o], red.k[o]
        if w >= 1.0:
            assignments.append(Assignment(o, f"qss_{o}_fast{unscale}", unit,
                                          f"{o} (quasi-steady; reduced block)"))
            continue
        params += [
            Parameter(f"qss_{o}_w", _knot(w), "dimensionless", f"{src}: fitted to the "
                      "detailed cell's response to the reference exposure", "derived",
                      f"share of {o} that follows its quasi-steady state at once"),
            Parameter(f"qss_{o}_k", _knot(k), "1/h", f"{src}: fitted to the detailed cell's "
                      "response to the reference exposure", "derived",
                      f"rate at which the rest of {o} follows"),
        ]
        species.append(Species(f"qss_{o}_lag", "cell", start, "nM",
                               f"slow part of {o} (lag state; reduced block)"))
        rules.append(RateRule(f"qss_{o}_lag", f"qss_{o}_k * (qss_{o}_fast - qss_{o}_lag)",
                              "the slow part follows"))
        assignments.append(Assignment(
            o, f"(qss_{o}_w * qss_{o}_fast + (1 - qss_{o}_w) * qss_{o}_lag){unscale}", unit,
            f"{o} (reduced block: instant share plus lag)"))
    return Module(
        name=name,
        description=f"Quasi-steady-state reduction of the {red.preset} tumour cell's "
                    f"{'/'.join(BLOCK_MODULES)} block (tables of {', '.join(red.inputs)} "
                    "with fitted lags)",
        compartments=(Compartment("cell", 1.0, "pL", "placeholder of the tumour cell's "
                                  "compartment (replaced on merge)", "convention"),),
        parameters=tuple(params), species=tuple(species), rate_rules=tuple(rules),
        assignments=tuple(assignments),
        inputs=tuple(Input(n, red.symbol_units[n], 0.0, "slow input of the reduced block "
                           "(from the rest of the tumour cell)") for n in red.inputs),
    )


def _preset_inputs(red: Reduction) -> tuple[float, float]:
    """The preset's untreated slow inputs (x, y) at its parameter defaults."""
    ins = red.untreated_inputs(red.preset_values)
    return ins[red.inputs[0]], ins[red.inputs[1]] if len(red.inputs) == 2 else 1.0


@cache
def reduced_tumour_cell(preset: str, nfkb_core: bool = False) -> Module:
    """The tumour cell of ``preset`` with its block replaced by the reduction (same
    outputs under the same names; ``nfkb_core``: see :func:`derive_reduction`)."""
    from xposim.patient.coupling import TUMOUR_READOUTS, TUMOUR_SIGNALS, detailed_tumour_cell

    detailed = detailed_tumour_cell(preset)
    red = derive_reduction(preset, nfkb_core)
    keep = [n for n in (*TUMOUR_SIGNALS, *TUMOUR_READOUTS, *red.symbol_units)
            if n not in red.outputs]
    rest = prune(detailed, keep, cut=red.outputs, name="tumour_cell_slow")
    qss = reduced_module(red)
    cell = next(c for c in rest.compartments if c.name == "cell")
    qss = replace(qss, compartments=(cell,))
    return merge_modules("tumour_cell", (rest, qss),
                         f"tumour cell ({preset} preset) with the quasi-steady-state "
                         "reduction of its nuclear transport")
