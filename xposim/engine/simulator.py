"""The Simulator: one model, one backend, many runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np

from xposim.engine.backend import Backend
from xposim.engine.events import Event
from xposim.engine.results import Result
from xposim.engine.roadrunner_backend import RoadRunnerBackend
from xposim.errors import InputError, SimulationError
from xposim.model.module import Model

BackendName = Literal["roadrunner", "scipy"]


class Simulator:
    """Simulate a composed Model.

    >>> sim = Simulator(model)                       # doctest: +SKIP
    >>> res = sim.run([0, 1, 24], parameters={"k": 0.2})   # doctest: +SKIP

    Per-run ``parameters`` (canonical units) never persist: the next run starts from the
    model's defaults again.
    """

    def __init__(self, model: Model, *, backend: BackendName = "roadrunner",
                 rtol: float = 1e-8, atol: float = 1e-10, max_steps: int = 200_000) -> None:
        if backend not in ("roadrunner", "scipy"):
            raise InputError("backend", "must be one of ['roadrunner', 'scipy']",
                             got=backend)
        kind: type[Backend] = RoadRunnerBackend
        if backend == "scipy":
            # imported here: scipy.integrate costs ~0.3-0.6 s of every process's start-up
            # (three in a 2-worker trial) and only this backend uses it
            from xposim.engine.scipy_backend import ScipyBackend

            kind = ScipyBackend
        self.model = model
        self.backend_name = backend
        self.rtol = rtol
        self.atol = atol
        self._backend = kind(model, rtol=rtol, atol=atol, max_steps=max_steps)

    def run(self, times: Sequence[float] | np.ndarray, *,
            parameters: Mapping[str, float] | None = None,
            initial: Mapping[str, float] | None = None,
            events: Sequence[Event] = (),
            outputs: Sequence[str] | None = None,
            subject: str | int | None = None) -> Result:
        """Outputs at ``times`` (h); see :meth:`Backend.run`."""
        return self._backend.run(times, parameters=parameters, initial=initial,
                                 events=events, outputs=outputs, subject=subject)

    def steady_state(self, *, parameters: Mapping[str, float] | None = None,
                     initial: Mapping[str, float] | None = None,
                     rtol: float = 1e-9, max_time: float = 1e5) -> dict[str, float]:
        """Species values at steady state, reached by integration (h to 1e5 h).

        Integrates over doubling horizons until the relative change over the last horizon
        is below ``rtol``; raises SimulationError if it is not reached by ``max_time``.
        A value below 0 by less than the absolute tolerance is integration noise around
        0 (e.g. -4e-29 nM of a drug never given) and is returned as 0, so the state is
        always a valid initial state.
        """
        species = [s.name for s in self.model.species]
        state = dict(initial or {})
        horizon = 24.0
        elapsed = 0.0
        while elapsed < max_time:
            res = self.run([0.0, horizon / 2, horizon], parameters=parameters, initial=state,
                           outputs=species)
            a, b = res.values[1], res.values[2]
            b = np.where((b < 0) & (b > -self.atol), 0.0, b)
            scale = np.maximum(np.abs(b), 1e-9 * max(1.0, float(np.max(np.abs(b)))))
            state = dict(zip(species, b, strict=True))
            elapsed += horizon
            if np.max(np.abs(b - a) / scale) < rtol:
                return {k: float(v) for k, v in state.items()}
            horizon *= 2
        raise SimulationError(f"model {self.model.name}: no steady state within {max_time:g} h")
