"""Named built-in models, for `xposim params` and the docs: name -> builder."""

from __future__ import annotations

from collections.abc import Callable

from xposim.errors import InputError
from xposim.model.module import Model


def _cell(cell_line: str = "normal") -> Model:
    from xposim.biology.cell import cell_model

    return cell_model(cell_line)


#: Model name -> (builder taking an optional preset name, one-line description).
MODELS: dict[str, tuple[Callable[..., Model], str]] = {
    "cell": (_cell, "XPO1 export core + selinexor target engagement of a cell preset"),
}


def build_model(name: str, **kwargs: str) -> Model:
    if name not in MODELS:
        raise InputError("model", f"unknown model; known: {', '.join(MODELS)}", got=name)
    return MODELS[name][0](**kwargs)
