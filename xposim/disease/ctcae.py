"""CTCAE grades of simulated laboratory values (vectorised, thresholds as cited data).

Thresholds live in ``ctcae_v5.toml`` beside this file with their source. Grades are
integers (0 = none); arrays in, arrays out. Graded symptoms (nausea, fatigue, anorexia)
come out of their Markov chains already as grades (:mod:`xposim.disease.toxicity`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from xposim.disease._common import load_table
from xposim.errors import InputError, ModelError

_FILE = "ctcae_v5.toml"


@dataclass(frozen=True)
class GradingRule:
    """How one adverse-event term is graded from one variable."""

    term: str
    variable: str
    unit: str
    direction: str  # "below" or "above"
    thresholds: tuple[float, ...]
    source: str
    symptomatic_from: int | None = None
    symptomatic_to: int | None = None

    def __post_init__(self) -> None:
        where = f"xposim/disease/{_FILE} [{self.term}]"
        if self.direction not in ("below", "above"):
            raise ModelError(f"{where}: direction must be 'below' or 'above'")
        t = np.asarray(self.thresholds, float)
        if t.size == 0 or not np.all(np.isfinite(t)):
            raise ModelError(f"{where}: thresholds must be finite numbers")
        ordered = np.all(np.diff(t) <= 0) if self.direction == "below" else \
            np.all(np.diff(t) >= 0)
        if not ordered:
            raise ModelError(f"{where}: thresholds must run from mild to severe")

    @property
    def max_grade(self) -> int:
        return len(self.thresholds)

    def grade(self, value: Any, *, symptomatic: Any = False) -> np.ndarray:
        """Grades (int array, same shape as ``value``) of ``value`` in ``unit``."""
        x = np.asarray(value, dtype=float)
        if not np.all(np.isfinite(x)):
            raise InputError(self.variable, f"must be finite numbers in {self.unit} to grade "
                             f"{self.term}")
        t = np.asarray(self.thresholds, float)
        hits = (x[..., None] < t) if self.direction == "below" else (x[..., None] >= t)
        g = hits.sum(axis=-1).astype(np.int64)
        if self.symptomatic_from is not None:
            sym = np.broadcast_to(np.asarray(symptomatic, dtype=bool), g.shape)
            g = np.where(sym & (g == self.symptomatic_from), self.symptomatic_to, g)
        return g


@cache
def grading_rules() -> Mapping[str, GradingRule]:
    """Every grading rule in ``ctcae_v5.toml`` by CTCAE term."""
    out = {}
    for term, entry in load_table("xposim.disease", _FILE).items():
        where = f"xposim/disease/{_FILE} [{term}]"
        try:
            sym = entry.get("symptomatic_grade")
            out[term] = GradingRule(
                term=term, variable=entry["variable"], unit=entry["unit"],
                direction=entry["direction"],
                thresholds=tuple(float(v) for v in entry["thresholds"]),
                source=entry["source"],
                symptomatic_from=None if sym is None else int(sym["from"]),
                symptomatic_to=None if sym is None else int(sym["to"]))
        except KeyError as exc:
            raise ModelError(f"{where}: missing key {exc.args[0]!r}") from exc
    return out


def _rule(term: str) -> GradingRule:
    rules = grading_rules()
    if term not in rules:
        raise InputError("term", f"no CTCAE grading rule; known: {', '.join(rules)}", got=term)
    return rules[term]


def platelet_grade(platelets_1e9_per_l: Any) -> np.ndarray:
    """CTCAE v5.0 platelet count decreased (input 10⁹/L): 4 below 25, 3 below 50, …"""
    return _rule("platelet_count_decreased").grade(platelets_1e9_per_l)


def neutrophil_grade(neutrophils_1e9_per_l: Any) -> np.ndarray:
    """CTCAE v5.0 neutrophil count decreased (input 10⁹/L)."""
    return _rule("neutrophil_count_decreased").grade(neutrophils_1e9_per_l)


def hyponatremia_grade(sodium_mmol_per_l: Any, *, symptomatic: Any = False,
                       version: str = "5.0") -> np.ndarray:
    """CTCAE hyponatremia (input mmol/L); v5.0 by default, ``version="4.03"`` as in STORM.

    Under v5.0, 125-129 mmol/L is grade 2 unless ``symptomatic`` (then 3).
    """
    if version == "5.0":
        return _rule("hyponatremia").grade(sodium_mmol_per_l, symptomatic=symptomatic)
    if version == "4.03":
        return _rule("hyponatremia_v4").grade(sodium_mmol_per_l)
    raise InputError("version", "must be '5.0' or '4.03'", got=version)


def weight_loss_grade(weight_loss_fraction: Any) -> np.ndarray:
    """CTCAE v5.0 weight loss (input: fraction of baseline lost, 0.1 = 10%)."""
    return _rule("weight_loss").grade(weight_loss_fraction)


def anemia_grade(hemoglobin_g_per_dl: Any) -> np.ndarray:
    """CTCAE v5.0 anemia grades 0-3 (input g/dL; grade 4 is clinical, not a lab value)."""
    return _rule("anemia").grade(hemoglobin_g_per_dl)
