"""The cell model: XPO1 export core plus target engagement (and, when asked, cell fate),
configured by a preset and, optionally, per-run parameter overrides (``--set``).

``cell_model(name)`` is the XPO1 core (export, target, and the signalling modules);
``cell_fate_model(name)`` adds :mod:`xposim.biology.fate`. The fate layer reads nuclear
tumour suppressors against a *common* absolute reference (fixed constants, the same for
every line, presets/params/fate.toml), so a line that keeps them out of the nucleus with
more XPO1 needs more drug to reach the same signal. The readouts that stay relative to the
line's own untreated cell (``<X>_ref``: NF-kB activity, oncogene-mRNA and oncoprotein
levels - each line's survival and division are normalised to its own untreated state)
are set to that preset's untreated steady state when the model is built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from xposim.biology.cargoes import CELL_CARGOES, CELL_COMPLEXES
from xposim.biology.fate import fate_module
from xposim.biology.signaling.eif4e import eif4e_module
from xposim.biology.signaling.gr import gr_module
from xposim.biology.signaling.nfkb import nfkb_module
from xposim.biology.target import target_module
from xposim.biology.transport import CellVolumes, export_module
from xposim.engine import Simulator
from xposim.errors import InputError, ModelError
from xposim.model.module import Model, Module, compose
from xposim.model.overrides import Override, resolve_overrides
from xposim.presets.cell_lines import CellLine, get_cell_line
from xposim.presets.drugs import get_drug

#: Signalling modules of every cell model (name, builder taking ``volumes``). Imported
#: directly: a missing or failing module is an error naming it, never a silently smaller
#: model.
SIGNALLING: tuple[tuple[str, Callable[..., Module]], ...] = (
    ("gr", gr_module), ("nfkb", nfkb_module), ("eif4e", eif4e_module))

Overrides = tuple[Override, ...]


def signalling_modules(volumes: CellVolumes) -> tuple[Module, ...]:
    """The GR, NF-kB/proteasome and eIF4E modules for a cell of ``volumes``."""
    out = []
    for name, make in SIGNALLING:
        try:
            out.append(make(volumes=volumes))
        except Exception as exc:
            raise ModelError(f"signalling module {name} ({make.__module__}.{make.__name__}) "
                             f"failed to build: {exc}") from exc
    return tuple(out)


def cell_volumes(cell_line: CellLine) -> CellVolumes:
    """The compartments of a preset's (plain-data) volumes."""
    return CellVolumes.of(cell_line.volumes)


def _core(cell_line: CellLine, drug: str) -> list[Module]:
    d = get_drug(drug)
    if not d.xpo1_inhibitor:
        raise InputError("drug", f"{d.name} is not an XPO1 inhibitor; the cell core needs one "
                         "(selinexor)", got=drug)
    volumes = cell_volumes(cell_line)
    # the IkBa/NF-kB shuttle is carried by the Lipniacki core of the nfkb module
    return [export_module(CELL_CARGOES, CELL_COMPLEXES, volumes=volumes),
            target_module(volumes=volumes, covalent=not cell_line.xpo1_c528s),
            *signalling_modules(volumes)]


def _model_name(cell_line: CellLine, suffix: str = "") -> str:
    return "cell_" + cell_line.name.replace("-", "_").replace(".", "_") + suffix


def _line_overrides(model: Model, cell_line: CellLine) -> Model:
    """The preset's biology, then its explicit parameters (these win on a clash)."""
    known = {p.name for p in model.parameters}
    params = [p for p in (*cell_line.model_parameters(), *cell_line.parameters)
              if p.name in known]
    return model.override(*params)


def _compose(cell_line: CellLine, drug: str, fate: bool,
             overrides: Overrides = ()) -> Model:
    extra = [fate_module(volumes=cell_volumes(cell_line))] if fate else []
    model = compose(*_core(cell_line, drug), *extra,
                    name=_model_name(cell_line, "_fate" if fate else ""),
                    description=f"{cell_line.description}"
                                f"{' with cell fate' if fate else ''}. "
                                f"{cell_line.distinguishing}.")
    model = _line_overrides(model, cell_line)
    if overrides:
        what = (f"the {'cell-fate' if fate else 'cell'} model of {cell_line.name} "
                f"(xposim params --model {'cell-fate' if fate else 'cell'})")
        model = model.override(*resolve_overrides(model, overrides, what=what))
    return model


@lru_cache(maxsize=4)
def core_parameter_names(drug: str = "selinexor") -> frozenset[str]:
    """Parameter names of the XPO1 core (every preset's core has the same names); the
    rest of a cell-fate model's parameters are fate constants."""
    return frozenset(p.name for p in _compose(get_cell_line("myeloma"), drug, False).parameters)


def _core_overrides(drug: str, overrides: Overrides) -> Overrides:
    """The overrides that change the core (the rest are fate constants)."""
    return tuple(o for o in overrides if o.name in core_parameter_names(drug))


def _with_references(model: Model, cell_line: CellLine, drug: str,
                     overrides: Overrides = ()) -> Model:
    """Set every ``<X>_ref`` parameter whose ``X`` the core defines to its untreated
    steady-state value (readouts relative to the line's own untreated cell)."""
    baseline = core_baseline(cell_line, drug, _core_overrides(drug, overrides))
    refs = [p.with_value(baseline[p.name[:-4]], source=f"untreated steady state of the "
                         f"{cell_line.name} core (xposim.biology.cell.core_baseline)",
                         kind="derived")
            for p in model.parameters if p.name.endswith("_ref") and p.name[:-4] in baseline]
    return model.override(*refs)


def build_cell_model(cell_line: CellLine, *, drug: str = "selinexor",
                     fate: bool = False, overrides: Sequence[Override] = ()) -> Model:
    """Compose the cell of ``cell_line`` for an XPO1 inhibitor ``drug``: export core,
    target engagement and the signalling modules; ``fate=True`` adds arrest, apoptosis
    and the cell population. ``overrides`` (``--set``) replace parameter values before the
    untreated references are computed, so e.g. ``XPO1_total0`` moves the line's untreated
    state as a different line would; an unknown name is an InputError."""
    ov = tuple(overrides)
    return _with_references(_compose(cell_line, drug, fate, ov), cell_line, drug, ov)


def _structure(model: Model) -> tuple[object, ...]:
    """Everything but parameter values: models equal here share one compiled SBML."""
    return (model.compartments, model.derived, model.species, model.reactions,
            model.rate_rules, model.assignments, model.inputs,
            tuple(p.name for p in model.parameters))


@lru_cache(maxsize=8)
def _template(drug: str, fate: bool) -> tuple[tuple[object, ...], Simulator]:
    model = _compose(get_cell_line("myeloma"), drug, fate)
    return _structure(model), Simulator(model)


def simulator_for(model: Model, *, drug: str = "selinexor", fate: bool = False,
                  ) -> tuple[Simulator, dict[str, float]]:
    """A simulator for ``model`` and the per-run parameter values that make it ``model``.

    Presets differ only in parameter values, so they share the compiled model of the
    reference myeloma cell (one ~0.5 s compile per process instead of one per preset);
    a model of another structure gets its own simulator.
    """
    structure, sim = _template(drug, fate)
    if _structure(model) != structure:
        return Simulator(model), {}
    defaults = sim.model.default_values()
    return sim, {p.name: p.canonical_value for p in model.parameters
                 if p.canonical_value != defaults[p.name]}


@lru_cache(maxsize=128)
def core_baseline(cell_line: CellLine, drug: str = "selinexor",
                  overrides: Overrides = ()) -> dict[str, float]:
    """Untreated steady state of a line's core (with ``overrides``), species and
    assignments (memoised)."""
    model = _compose(cell_line, drug, fate=False, overrides=overrides)
    sim, values = simulator_for(model, drug=drug)
    state = sim.steady_state(parameters=values)
    names = [a.name for a in model.assignments]
    res = sim.run([0.0, 1e-3], initial=state, outputs=names, parameters=values)
    out = dict(state)
    out.update({n: float(v) for n, v in zip(names, res.values[0], strict=True)})
    return out


@lru_cache(maxsize=128)
def cell_model(name: str, drug: str = "selinexor", overrides: Overrides = ()) -> Model:
    """The XPO1-core cell model of a named preset (memoised: models are immutable)."""
    return build_cell_model(get_cell_line(name), drug=drug, overrides=overrides)


@lru_cache(maxsize=128)
def cell_fate_model(name: str, drug: str = "selinexor", overrides: Overrides = ()) -> Model:
    """The cell model of a named preset with arrest, apoptosis and population (memoised)."""
    return build_cell_model(get_cell_line(name), drug=drug, fate=True, overrides=overrides)


def fate_state(model: Model, baseline: dict[str, float]) -> dict[str, float]:
    """Initial state of a fate model: the untreated core steady state ``baseline``, seeded
    proliferating cells, no arrested or dying cells, threshold at ``T0``."""
    values = model.default_values()
    out = {s.name: baseline[s.name] for s in model.species if s.name in baseline}
    out.update({"fate_proliferating": values["cells_seeded"], "fate_arrested": 0.0,
                "fate_dying1": 0.0, "fate_dying2": 0.0, "fate_dying3": 0.0,
                "fate_dead": 0.0, "apo_drive": 0.0,
                "apo_threshold": values["T0"] * values["signal_unit"]})
    return out


def fate_initial_state(name: str, drug: str = "selinexor",
                       overrides: Overrides = ()) -> dict[str, float]:
    """Initial state of :func:`cell_fate_model` (see :func:`fate_state`)."""
    cl = get_cell_line(name)
    model = cell_fate_model(name, drug, overrides)
    return fate_state(model, core_baseline(cl, drug, _core_overrides(drug, overrides)))
