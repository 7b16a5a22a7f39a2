"""The cell model: XPO1 export core plus target engagement (and, when asked, cell fate),
configured by a preset.

``cell_model(name)`` is the XPO1 core (export, target, and the signalling modules once
present); ``cell_fate_model(name)`` adds :mod:`xposim.biology.fate`, whose reference
levels (``p53_n_ref``...) are the untreated steady state of that same core, so every line's
signals start at 0.
"""

from __future__ import annotations

from collections.abc import Callable
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
from xposim.presets.cell_lines import CellLine, get_cell_line
from xposim.presets.drugs import get_drug

#: Signalling modules of every cell model (name, builder taking ``volumes``). Imported
#: directly: a missing or failing module is an error naming it, never a silently smaller
#: model.
SIGNALLING: tuple[tuple[str, Callable[..., Module]], ...] = (
    ("gr", gr_module), ("nfkb", nfkb_module), ("eif4e", eif4e_module))


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
    known = {p.name for p in model.parameters}
    params = [p for p in (*cell_line.parameters, *cell_line.model_parameters())
              if p.name in known]
    return model.override(*params)


def _compose(cell_line: CellLine, drug: str, fate: bool) -> Model:
    extra = [fate_module(volumes=cell_volumes(cell_line))] if fate else []
    model = compose(*_core(cell_line, drug), *extra,
                    name=_model_name(cell_line, "_fate" if fate else ""),
                    description=f"{cell_line.description}"
                                f"{' with cell fate' if fate else ''}. "
                                f"{cell_line.distinguishing}.")
    return _line_overrides(model, cell_line)


def _with_references(model: Model, cell_line: CellLine, drug: str) -> Model:
    """Set every ``<X>_ref`` parameter whose ``X`` the core defines to its untreated
    steady-state value, so each line's signals are relative to its own untreated cell."""
    baseline = core_baseline(cell_line, drug)
    refs = [p.with_value(baseline[p.name[:-4]], source=f"untreated steady state of the "
                         f"{cell_line.name} core (xposim.biology.cell.core_baseline)",
                         kind="derived")
            for p in model.parameters if p.name.endswith("_ref") and p.name[:-4] in baseline]
    return model.override(*refs)


def build_cell_model(cell_line: CellLine, *, drug: str = "selinexor",
                     fate: bool = False) -> Model:
    """Compose the cell of ``cell_line`` for an XPO1 inhibitor ``drug``: export core,
    target engagement and the signalling modules present; ``fate=True`` adds arrest,
    apoptosis and the cell population. Reference levels (``*_ref``) are the line's own
    untreated steady state."""
    return _with_references(_compose(cell_line, drug, fate), cell_line, drug)


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


@lru_cache(maxsize=64)
def core_baseline(cell_line: CellLine, drug: str = "selinexor") -> dict[str, float]:
    """Untreated steady state of a line's core, species and assignments (memoised)."""
    model = _compose(cell_line, drug, fate=False)
    sim, values = simulator_for(model, drug=drug)
    state = sim.steady_state(parameters=values)
    names = [a.name for a in model.assignments]
    res = sim.run([0.0, 1e-3], initial=state, outputs=names, parameters=values)
    out = dict(state)
    out.update({n: float(v) for n, v in zip(names, res.values[0], strict=True)})
    return out


@lru_cache(maxsize=64)
def cell_model(name: str, drug: str = "selinexor") -> Model:
    """The XPO1-core cell model of a named preset (memoised: models are immutable)."""
    return build_cell_model(get_cell_line(name), drug=drug)


@lru_cache(maxsize=64)
def cell_fate_model(name: str, drug: str = "selinexor") -> Model:
    """The cell model of a named preset with arrest, apoptosis and population (memoised)."""
    return build_cell_model(get_cell_line(name), drug=drug, fate=True)


def fate_initial_state(name: str, drug: str = "selinexor") -> dict[str, float]:
    """Initial state of :func:`cell_fate_model`: the untreated core steady state, seeded
    proliferating cells, no arrested or dying cells, threshold at ``T0``."""
    model = cell_fate_model(name, drug)
    base = core_baseline(get_cell_line(name), drug)
    values = model.default_values()
    out = {s.name: base[s.name] for s in model.species if s.name in base}
    out.update({"fate_proliferating": values["cells_seeded"], "fate_arrested": 0.0,
                "fate_dying1": 0.0, "fate_dying2": 0.0, "fate_dying3": 0.0,
                "fate_dead": 0.0, "apo_drive": 0.0,
                "apo_threshold": values["T0"] * values["signal_unit"]})
    return out
