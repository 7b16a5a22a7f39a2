"""The cell model: XPO1 export core plus target engagement, configured by a preset."""

from __future__ import annotations

from functools import lru_cache

from xposim.biology.target import target_module
from xposim.biology.transport import export_module
from xposim.errors import InputError
from xposim.model.module import Model, compose
from xposim.presets.cell_lines import CellLine, get_cell_line
from xposim.presets.drugs import get_drug


def build_cell_model(cell_line: CellLine, *, drug: str = "selinexor") -> Model:
    """Compose the XPO1 core of ``cell_line`` for an XPO1 inhibitor ``drug``."""
    d = get_drug(drug)
    if not d.xpo1_inhibitor:
        raise InputError("drug", f"{d.name} is not an XPO1 inhibitor; the cell core needs one "
                         "(selinexor)", got=drug)
    model = compose(
        export_module(volumes=cell_line.volumes),
        target_module(volumes=cell_line.volumes, covalent=not cell_line.xpo1_c528s),
        name=f"cell_{cell_line.name.replace('-', '_').replace('.', '_')}",
        description=f"{cell_line.description}. {cell_line.distinguishing}.",
    )
    return model.override(*cell_line.parameters)


@lru_cache(maxsize=64)
def cell_model(name: str, drug: str = "selinexor") -> Model:
    """The cell model of a named preset (memoised: models are immutable)."""
    return build_cell_model(get_cell_line(name), drug=drug)
