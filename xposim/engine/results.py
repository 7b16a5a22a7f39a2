"""Simulation results: wide arrays inside, tidy tables outside."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import xarray as xr


@dataclass(frozen=True)
class Result:
    """Values of ``names`` (units in ``units``) at ``time`` (h); ``values`` is (time, name)."""

    time: np.ndarray
    names: tuple[str, ...]
    units: tuple[str, ...]
    values: np.ndarray
    subject: str | int | None = None
    model_hash: str = ""

    def __post_init__(self) -> None:
        if self.values.shape != (len(self.time), len(self.names)):
            raise ValueError("Result: values must be (n_time, n_names)")
        self.values.setflags(write=False)
        self.time.setflags(write=False)

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.values[:, self.names.index(name)]
        except ValueError:
            raise KeyError(f"no output {name!r}; outputs are {list(self.names)}") from None

    def unit(self, name: str) -> str:
        return self.units[self.names.index(name)]

    @property
    def final(self) -> dict[str, float]:
        """Values at the last output time."""
        return {n: float(v) for n, v in zip(self.names, self.values[-1], strict=True)}

    def wide(self) -> pd.DataFrame:
        """One row per time (column ``time_h``), one column per output."""
        df = pd.DataFrame(self.values, columns=list(self.names))
        df.insert(0, "time_h", self.time)
        df.attrs["units"] = dict(zip(self.names, self.units, strict=True))
        return df

    def to_frame(self) -> pd.DataFrame:
        """Tidy long table: subject, time_h, variable, value, unit."""
        n_t, n_v = self.values.shape
        df = pd.DataFrame({
            "subject": [self.subject] * (n_t * n_v),
            "time_h": np.repeat(self.time, n_v),
            "variable": np.tile(np.array(self.names, dtype=object), n_t),
            "value": self.values.reshape(-1),
            "unit": np.tile(np.array(self.units, dtype=object), n_t),
        })
        return df

    def to_xarray(self) -> xr.Dataset:
        """An xarray Dataset with one variable per output along ``time_h``."""
        import xarray as xr

        return xr.Dataset(
            {n: ("time_h", self.values[:, i], {"units": u})
             for i, (n, u) in enumerate(zip(self.names, self.units, strict=True))},
            coords={"time_h": ("time_h", self.time, {"units": "h"})},
            attrs={"model_hash": self.model_hash, "subject": str(self.subject)},
        )
