"""Pieces shared by the disease modules: parameter tables beside the code, one container.

Parameter tables are TOML files in this folder; each entry is
``{value, unit, source, kind, bounds?, fitted_to?, description?}`` (see
:mod:`xposim.presets.loader`). :func:`load_parameters` reads one table and checks that it
holds exactly the parameters the module needs, naming the file and section on any error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from xposim.errors import ModelError
from xposim.model import Compartment, Parameter
from xposim.presets.loader import parameter_from_toml, read_packaged_toml

#: Amount species of every disease module (cells, mg) sit in this nominal compartment;
#: volumes that matter are named parameters, so its size is unused.
DISEASE_COMPARTMENT = Compartment(
    "patient", 1.0, "L", description="nominal container of disease amount species (size "
    "unused: volumes that matter are parameters)",
    source="convention: as the PK compartment, sizes enter through named parameters")


@cache
def load_table(package: str, filename: str) -> Mapping[str, Any]:
    """Parse a TOML data file shipped in ``package`` (cached; read-only)."""
    return read_packaged_toml(package, filename)


def load_parameters(filename: str, section: str, expected: Iterable[str],
                    package: str = "xposim.disease") -> tuple[Parameter, ...]:
    """The parameters of ``[section]`` in ``filename``, exactly the names ``expected``."""
    where = f"{package.replace('.', '/')}/{filename} [{section}]"
    table = load_table(package, filename).get(section)
    if not isinstance(table, Mapping):
        raise ModelError(f"{where}: section missing")
    wanted = list(expected)
    missing = [n for n in wanted if n not in table]
    extra = sorted(set(table) - set(wanted))
    if missing:
        raise ModelError(f"{where}: missing parameter(s) {missing}")
    if extra:
        raise ModelError(f"{where}: unknown parameter(s) {extra}")
    return tuple(parameter_from_toml(n, table[n], where) for n in wanted)
