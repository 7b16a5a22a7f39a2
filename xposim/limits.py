"""Bounds on the work a user can make large, as named constants (docs/cli.md, "Limits").

Every quantity a command line, a regimen text or a dataset can make arbitrarily large is
checked against one of these before any work starts; a request beyond a limit is refused
with :class:`~xposim.errors.InputError` naming the field, the amount asked for and the
limit (the CLI prints it as one line and exits with code 2). They are ceilings against
runaway memory and time (``--days 1e300``, ``ADDL=1000000000``, ``--step 1e-5``), set well
above anything a clinical or dish question needs; work that is legitimately larger is
streamed (``pk --n`` and the trial runner write their subjects in chunks).

This module sits at the bottom of the layers with ``errors`` and ``io``: any layer may
use it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from xposim.errors import InputError


@dataclass(frozen=True)
class Limit:
    """A ceiling ``value`` on an amount of ``what`` (the constant's name is ``name``)."""

    name: str
    value: int
    what: str

    def check(self, field: str, amount: float, *, hint: str = "", got: object = None) -> None:
        """Refuse ``amount`` above the limit (or not a number), naming ``field``."""
        if not amount <= self.value:  # NaN fails this test too
            text = (f"{amount:,.0f}" if math.isfinite(amount) and amount < 1e15
                    else f"{amount:.3g}")
            raise InputError(field, f"{self.what} would be {text}, more than the limit of "
                             f"{self.value:,} (xposim.limits.{self.name})"
                             + (f"; {hint}" if hint else ""), got=got)


#: Output times of one simulation (one subject, one cell): 200,001 is a year at a
#: 2.6-minute step, or four weeks of a dish every 12 s.
MAX_OUTPUT_POINTS = Limit("MAX_OUTPUT_POINTS", 200_001, "output times of one simulation")

#: Simulated time span in days: 10 years (a trial's longest follow-up is ~5).
MAX_SIMULATED_DAYS = Limit("MAX_SIMULATED_DAYS", 3_650, "simulated days")

#: Single administrations expanded from one regimen, or from one NONMEM dose record
#: (ADDL + 1): ten years of hourly dosing is 87,600.
MAX_ADMINISTRATIONS = Limit("MAX_ADMINISTRATIONS", 100_000,
                            "administrations expanded from one regimen or record")

#: Rows of an input dataset held in memory, counting the dose events ADDL expands to.
MAX_DATASET_ROWS = Limit("MAX_DATASET_ROWS", 2_000_000, "dataset rows held in memory")

#: Virtual subjects of one population run (``xposim pk --n``). Their time courses are
#: streamed (simulated in chunks, written as they finish); what stays in memory per
#: subject is its NCA row, its covariates and a thinned copy of its profile for the plot.
MAX_SUBJECTS = Limit("MAX_SUBJECTS", 100_000, "virtual subjects of one population run")

#: Subject-times (subjects x recorded times) one population run simulates and writes;
#: each becomes a handful of rows of pk.parquet and one of the NONMEM file. A run this
#: size is streamed; the limit bounds its time and its files.
MAX_SUBJECT_TIMES = Limit("MAX_SUBJECT_TIMES", 100_000_000,
                          "subject-times (subjects x recorded times) of one population run")

#: Dish simulations one command runs (an IC50 series, the wells of a combination grid);
#: each is a compiled 72 h run of a cell preset, ~0.05-0.1 s.
MAX_DISH_SIMULATIONS = Limit("MAX_DISH_SIMULATIONS", 2_500, "dish simulations")

#: Every limit, for the documentation and the tests.
ALL_LIMITS: tuple[Limit, ...] = (MAX_OUTPUT_POINTS, MAX_SIMULATED_DAYS, MAX_ADMINISTRATIONS,
                                 MAX_DATASET_ROWS, MAX_SUBJECTS, MAX_SUBJECT_TIMES,
                                 MAX_DISH_SIMULATIONS)
