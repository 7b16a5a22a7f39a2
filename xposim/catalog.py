"""Named built-in models, for `xposim params` and the docs: name -> builder."""

from __future__ import annotations

from collections.abc import Callable

from xposim.errors import InputError
from xposim.model.module import Model


def _cell(cell_line: str = "normal") -> Model:
    from xposim.biology.cell import cell_model

    return cell_model(cell_line)


def _cell_fate(cell_line: str = "normal") -> Model:
    from xposim.biology.cell import cell_fate_model

    return cell_fate_model(cell_line)


#: Model name -> (builder taking an optional preset name, one-line description).
MODELS: dict[str, tuple[Callable[..., Model], str]] = {
    "cell": (_cell, "XPO1 export core + selinexor target engagement of a cell preset "
             "(what `xposim cell` simulates)"),
    "cell-fate": (_cell_fate, "the cell model with arrest, apoptosis and the cell "
                  "population (what `xposim ic50` and `xposim synergy` simulate)"),
}


def build_model(name: str, **kwargs: str) -> Model:
    if name not in MODELS:
        raise InputError("model", f"unknown model; known: {', '.join(MODELS)}", got=name)
    return MODELS[name][0](**kwargs)
