"""Linear compartment models of the NONMEM ADVAN1-4, 11, 12 family, and user ODE systems.

A linear model is dA/dt = K(θ)·A + r(t) with amounts A (one per compartment, NONMEM
numbering from 1) and r the sum of running infusion rates. ``K`` is built per data record
from that record's parameter values (vectorised over records).

Parameterisation (NONMEM TRANS2 / TRANS4, NONMEM Users Guide VI and the ADVAN help
pages): clearances (volume/time), volumes, KA (1/time). ``V`` is accepted for the
central volume of every model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from xposim.errors import InputError

#: a user right-hand side: f(t, A, p) -> dA/dt (without infusion input), p maps name->value
Rhs = Callable[[float, np.ndarray, Mapping[str, float]], np.ndarray]


@dataclass(frozen=True)
class LinearModel:
    """A linear mammillary model: compartments, its parameters and how K is built.

    ``flows`` lists (from, to, clearance-or-rate, volume-or-None): the first-order rate
    constant from compartment ``from`` (1-based) is ``p[rate] / p[volume]`` (or
    ``p[rate]`` when ``volume`` is None); ``to`` = 0 means elimination.
    """

    name: str
    advan: str
    compartments: tuple[str, ...]
    parameters: tuple[str, ...]
    flows: tuple[tuple[int, int, str, str | None], ...]
    central: int
    aliases: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.compartments)
        for src, dst, rate, vol in self.flows:
            if not (1 <= src <= n and 0 <= dst <= n) or rate not in self.parameters \
                    or (vol is not None and vol not in self.parameters):
                raise InputError(f"model {self.name}", "inconsistent flow", got=(src, dst))

    @property
    def n(self) -> int:
        """Number of compartments."""
        return len(self.compartments)

    def canonical(self, name: str) -> str:
        """A parameter name with its alias resolved (``V`` -> the central volume)."""
        return self.aliases.get(name, name)

    def rate_matrix(self, p: Mapping[str, np.ndarray]) -> np.ndarray:
        """K for each record: (records, n, n) from arrays of parameter values (1/time)."""
        size = len(next(iter(p.values())))
        k = np.zeros((size, self.n, self.n))
        for src, dst, rate, vol in self.flows:
            kr = p[rate] / p[vol] if vol is not None else p[rate]
            k[:, src - 1, src - 1] -= kr
            if dst:
                k[:, dst - 1, src - 1] += kr
        return k

    def problems(self, p: Mapping[str, np.ndarray]
                 ) -> list[tuple[np.ndarray, str, np.ndarray]]:
        """(records breaking it, rule, values) for each parameter rule: volumes and KA
        > 0, clearances >= 0."""
        out = []
        for name in self.parameters:
            v = p[name]
            strict = name.startswith(("V", "KA"))
            bad = ~(v > 0) if strict else ~(v >= 0)
            out.append((bad, f"parameter {name} of model {self.name} must be "
                        f"{'>' if strict else '>='} 0", v))
        return out

    def check(self, p: Mapping[str, np.ndarray], rows: np.ndarray) -> None:
        """Parameters must be > 0 (volumes, rates) or >= 0 (clearances); rows 0-based."""
        for bad, problem, v in self.problems(p):
            if bad.any():
                i = int(np.argmax(bad))
                raise InputError(f"row {int(rows[i]) + 1}", problem, got=float(v[i]))

    def rhs(self, k: np.ndarray) -> Rhs:
        """The ODE right-hand side of one record's K (for the ODE path)."""
        return lambda t, a, p: k @ a


def _m(name: str, advan: str, cmts: tuple[str, ...], params: tuple[str, ...],
       flows: tuple[tuple[int, int, str, str | None], ...], central: int,
       aliases: dict[str, str]) -> LinearModel:
    return LinearModel(name, advan, cmts, params, flows, central, aliases)


BUILTIN_MODELS: dict[str, LinearModel] = {
    m.name: m for m in (
        _m("1cmt-iv", "ADVAN1 TRANS2", ("CENTRAL",), ("CL", "V"), ((1, 0, "CL", "V"),), 1,
           {}),
        _m("1cmt-oral", "ADVAN2 TRANS2", ("DEPOT", "CENTRAL"), ("CL", "V", "KA"),
           ((1, 2, "KA", None), (2, 0, "CL", "V")), 2, {}),
        _m("2cmt-iv", "ADVAN3 TRANS4", ("CENTRAL", "PERIPHERAL"), ("CL", "V1", "Q", "V2"),
           ((1, 0, "CL", "V1"), (1, 2, "Q", "V1"), (2, 1, "Q", "V2")), 1, {"V": "V1"}),
        _m("2cmt-oral", "ADVAN4 TRANS4", ("DEPOT", "CENTRAL", "PERIPHERAL"),
           ("CL", "V2", "Q", "V3", "KA"),
           ((1, 2, "KA", None), (2, 0, "CL", "V2"), (2, 3, "Q", "V2"), (3, 2, "Q", "V3")),
           2, {"V": "V2"}),
        _m("3cmt-iv", "ADVAN11 TRANS4", ("CENTRAL", "PERIPHERAL1", "PERIPHERAL2"),
           ("CL", "V1", "Q2", "V2", "Q3", "V3"),
           ((1, 0, "CL", "V1"), (1, 2, "Q2", "V1"), (2, 1, "Q2", "V2"),
            (1, 3, "Q3", "V1"), (3, 1, "Q3", "V3")), 1, {"V": "V1"}),
        _m("3cmt-oral", "ADVAN12 TRANS4", ("DEPOT", "CENTRAL", "PERIPHERAL1", "PERIPHERAL2"),
           ("CL", "V2", "Q3", "V3", "Q4", "V4", "KA"),
           ((1, 2, "KA", None), (2, 0, "CL", "V2"), (2, 3, "Q3", "V2"), (3, 2, "Q3", "V3"),
            (2, 4, "Q4", "V2"), (4, 2, "Q4", "V4")), 2, {"V": "V2"}),
    )
}


@dataclass(frozen=True)
class MatrixModel:
    """A linear model given directly by K (1/time), constant over the dataset.

    Used to run any linear kernel module (e.g. a transit-absorption PK module
    linearised exactly) through the closed-form path.
    """

    name: str
    compartments: tuple[str, ...]
    k: np.ndarray
    parameters: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        k = np.asarray(self.k, dtype=float)
        if k.shape != (len(self.compartments),) * 2:
            raise InputError(f"model {self.name}", "K must be n x n for n compartments",
                             got=k.shape)
        object.__setattr__(self, "k", k)

    @property
    def n(self) -> int:
        return len(self.compartments)

    def canonical(self, name: str) -> str:
        return self.aliases.get(name, name)

    def rate_matrix(self, p: Mapping[str, np.ndarray]) -> np.ndarray:
        size = len(next(iter(p.values()))) if p else 1
        return np.broadcast_to(self.k, (size, self.n, self.n)).copy()

    def problems(self, p: Mapping[str, np.ndarray]
                 ) -> list[tuple[np.ndarray, str, np.ndarray]]:
        return []

    def check(self, p: Mapping[str, np.ndarray], rows: np.ndarray) -> None:
        return None

    def rhs(self, k: np.ndarray) -> Rhs:
        return lambda t, a, p: k @ a


@dataclass(frozen=True)
class OdeModel:
    """A user ODE system: ``rhs(t, A, p)`` gives dA/dt without the infusion input.

    ``parameters`` are the names ``rhs`` reads from ``p`` (per record, NONMEM's NOCB
    rule). Integrated by SciPy ``solve_ivp``; steady states by repeated cycles.
    """

    name: str
    compartments: tuple[str, ...]
    parameters: tuple[str, ...]
    rhs_fn: Rhs
    aliases: Mapping[str, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.compartments)

    def canonical(self, name: str) -> str:
        return self.aliases.get(name, name)

    def problems(self, p: Mapping[str, np.ndarray]
                 ) -> list[tuple[np.ndarray, str, np.ndarray]]:
        return []

    def check(self, p: Mapping[str, np.ndarray], rows: np.ndarray) -> None:
        return None


AnyModel = LinearModel | MatrixModel | OdeModel


def get_model(model: str | AnyModel) -> AnyModel:
    """A built-in model by name (``1cmt-oral``, ``ADVAN2`` ...) or the object itself."""
    if not isinstance(model, str):
        return model
    key = model.strip().lower()
    for m in BUILTIN_MODELS.values():
        if key == m.name or key == m.advan.split()[0].lower():
            return m
    raise InputError("model", "must be one of " + ", ".join(
        f"{m.name} ({m.advan.split()[0]})" for m in BUILTIN_MODELS.values()), got=model)
