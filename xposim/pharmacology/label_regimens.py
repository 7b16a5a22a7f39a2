"""Named label regimens and the label dose-reduction steps (data in
``xposim/presets/label_regimens.toml``, with citations).

``label_regimen("selinexor-dex").regimen`` is a
:class:`~xposim.pharmacology.regimen.Regimen`;
``.reduced("selinexor", 1)`` the regimen at the first dose reduction of selinexor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from xposim.errors import InputError, ModelError
from xposim.pharmacology.dose import canonical_drug
from xposim.pharmacology.regimen.algebra import Regimen
from xposim.pharmacology.regimen.text import parse_regimen, regimen_to_text
from xposim.presets.loader import load_preset_file

_FILE = "label_regimens.toml"


@dataclass(frozen=True)
class DoseReduction:
    """A drug's label dose levels: ``steps[0]`` the starting regimen of the drug, then
    each reduction; beyond the last step the label says ``after_last``."""

    drug: str
    steps: tuple[Regimen, ...]
    texts: tuple[str, ...]
    after_last: str
    source: str

    @property
    def levels(self) -> int:
        """Number of reductions (steps after the starting dose)."""
        return len(self.steps) - 1

    def step(self, level: int) -> Regimen | None:
        """The drug's regimen at ``level`` (0 = starting dose); None once discontinued."""
        if isinstance(level, bool) or not isinstance(level, int) or level < 0:
            raise InputError("level", "must be a whole number >= 0", got=level)
        return self.steps[level] if level < len(self.steps) else None


@dataclass(frozen=True)
class LabelRegimen:
    """A named regimen of a label, with its dose-reduction steps per drug."""

    name: str
    title: str
    indication: str
    text: str
    regimen: Regimen
    source: str
    cycle_days: float | None = None
    notes: str = ""
    reductions: Mapping[str, DoseReduction] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "reductions", MappingProxyType(dict(self.reductions)))

    def reduced(self, drug: str, level: int, *, from_h: float = 0.0) -> Regimen:
        """The regimen with ``drug`` at dose ``level`` (0 = label start) from ``from_h``
        (h) on; past the last level the drug is stopped (the others continue)."""
        name = canonical_drug(drug)
        if name not in self.reductions:
            raise InputError("drug", f"{self.name} has label dose reductions for "
                             f"{', '.join(self.reductions) or 'no drug'}", got=drug)
        step = self.reductions[name].step(level)
        before = self.regimen.for_drug(name).window(0.0, from_h) if from_h > 0 else None
        rest = self.regimen.without_drug(name)
        parts = [p for p in (rest, before, step.window(from_h) if step is not None else None)
                 if p is not None and p.records]
        out = parts[0]
        for p in parts[1:]:
            out = out + p
        return out


def label_regimen_names() -> tuple[str, ...]:
    """Names of the label regimens (e.g. ``selinexor-dex``)."""
    return tuple(load_preset_file(_FILE))


def label_regimen(name: str) -> LabelRegimen:
    """A named label regimen (``label:`` prefix allowed); InputError lists the names."""
    key = str(name).strip().lower().removeprefix("label:")
    table = load_preset_file(_FILE)
    if key not in table:
        raise InputError("regimen", f"unknown label regimen; known: "
                         f"{', '.join(label_regimen_names())}", got=name)
    return _build(key, table[key])


def read_regimen(regimen: str | Regimen) -> Regimen:
    """A Regimen from itself, a regimen text, or ``label:<name>`` (a label regimen)."""
    if isinstance(regimen, Regimen):
        return regimen
    if not isinstance(regimen, str) or not regimen.strip():
        raise InputError("regimen", "is required, e.g. 'selinexor 80 mg PO once' or "
                         "'label:selinexor-dex'", got=regimen)
    if regimen.strip().lower().startswith("label:"):
        return label_regimen(regimen).regimen
    return parse_regimen(regimen)


def all_label_regimens() -> tuple[LabelRegimen, ...]:
    return tuple(label_regimen(n) for n in label_regimen_names())


def _build(name: str, entry: Mapping[str, Any]) -> LabelRegimen:
    where = f"presets/{_FILE} [{name}]"
    unknown = set(entry) - {"title", "indication", "regimen", "cycle_days", "source",
                            "notes", "reductions"}
    if unknown:
        raise ModelError(f"{where}: unknown keys {sorted(unknown)}")
    try:
        text = " ".join(str(entry["regimen"]).split())
        regimen = parse_regimen(text)
        reductions: dict[str, DoseReduction] = {}
        for red in entry.get("reductions", []):
            drug = canonical_drug(red["drug"])
            texts = tuple(" ".join(str(t).split()) for t in red["steps"])
            steps = tuple(parse_regimen(t) for t in texts)
            if any(s.drugs != (drug,) for s in steps):
                raise ModelError(f"{where}: every {drug} reduction step must dose {drug} only")
            if steps[0] != regimen.for_drug(drug):
                raise ModelError(f"{where}: the first {drug} step must be the starting dose "
                                 f"of the regimen ({regimen_to_text(regimen.for_drug(drug))})")
            reductions[drug] = DoseReduction(drug, steps, texts, str(red["after_last"]),
                                             str(red["source"]))
        return LabelRegimen(name=name, title=str(entry["title"]),
                            indication=str(entry["indication"]), text=text, regimen=regimen,
                            source=str(entry["source"]),
                            cycle_days=entry.get("cycle_days"), notes=entry.get("notes", ""),
                            reductions=reductions)
    except KeyError as exc:
        raise ModelError(f"{where}: missing key {exc.args[0]!r}") from exc
    except InputError as exc:
        raise ModelError(f"{where}: {exc}") from exc
