"""The drug registry: molecular weight, plasma unbound fraction, class (presets/drugs.toml)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from xposim.errors import InputError, ModelError
from xposim.model.components import Parameter
from xposim.presets.loader import load_preset_file, parameter_from_toml


@dataclass(frozen=True)
class Drug:
    """A drug with the constants needed to convert doses and concentrations."""

    name: str
    description: str
    mw: Parameter  # g/mol
    fu_plasma: Parameter  # unbound fraction in plasma (0-1)
    xpo1_inhibitor: bool
    aliases: tuple[str, ...] = ()
    dish_grid_nM: tuple[float, ...] = ()  # default combination-grid axis (starts at 0)

    def __post_init__(self) -> None:
        grid = self.dish_grid_nM
        if grid and (grid[0] != 0 or any(b <= a for a, b in pairwise(grid))):
            raise ModelError(f"drug {self.name}: dish_grid_nM must start at 0 and increase")
        if not 0 < self.fu_plasma.value <= 1:
            raise ModelError(f"drug {self.name}: fu_plasma must be in (0, 1]")
        if self.mw.value <= 0:
            raise ModelError(f"drug {self.name}: molecular weight must be > 0")

    @property
    def mw_g_per_mol(self) -> float:
        return self.mw.value

    def ng_per_ml_to_nM(self, value: float) -> float:
        """Mass concentration (ng/mL) -> molar (nM)."""
        return value * 1e3 / self.mw.value

    def nM_to_ng_per_ml(self, value: float) -> float:
        return value * self.mw.value / 1e3


def drug_names() -> tuple[str, ...]:
    return tuple(load_preset_file("drugs.toml"))


def get_drug(name: str) -> Drug:
    """Look up a drug by name or alias (case-insensitive); InputError lists the choices."""
    table = load_preset_file("drugs.toml")
    key = name.strip().lower()
    for drug_name, entry in table.items():
        if key == drug_name or key in [a.lower() for a in entry.get("aliases", [])]:
            where = f"presets/drugs.toml [{drug_name}]"
            return Drug(name=drug_name, description=entry["description"],
                        mw=parameter_from_toml("mw_g_per_mol", entry["mw_g_per_mol"], where),
                        fu_plasma=parameter_from_toml("fu_plasma", entry["fu_plasma"], where),
                        xpo1_inhibitor=bool(entry["xpo1_inhibitor"]),
                        aliases=tuple(entry.get("aliases", ())),
                        dish_grid_nM=tuple(float(v) for v in
                                           entry.get("dish_grid_nM", {}).get("values", ())))
    raise InputError("drug", f"unknown drug; known: {', '.join(drug_names())}", got=name)
