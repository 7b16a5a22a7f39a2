"""Helpers shared by CLI commands: option parsing with field-named errors, JSON output,
the one output path (checked before work, atomic, with a manifest), progress bars, the
file-only plotting backend.

Imports only the standard library, typer, ``xposim.errors``, ``xposim.io`` and
``xposim.limits`` at module level: every command module imports this one, and ``xposim
--help`` must stay fast (tests/test_startup.py).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from typing import TYPE_CHECKING, Annotated, Any

import typer

from xposim.errors import InputError

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from xposim.io import StagedFile, StagedFolder
    from xposim.model.overrides import Override

#: Help text of the ``--set`` option every simulation command takes.
SET_HELP = ("NAME=VALUE[unit]: run with a model parameter changed (repeatable; names as in "
            "`xposim params`, e.g. XPO1_total0=0.9uM or GR_sel_emax=0; no unit = the "
            "parameter's own unit)")


def parse_set_options(items: list[str] | None) -> tuple[Override, ...]:
    """The ``--set NAME=VALUE[unit]`` options of a command, parsed once for every command
    (the model that runs checks the names and converts the units)."""
    from xposim.model.overrides import parse_overrides

    return parse_overrides(items or [])


#: The command line being run (set by :func:`xposim.cli.main`), for the manifests.
ARGV: ContextVar[tuple[str, ...]] = ContextVar("xposim_argv", default=())

#: Options shared by the commands that write a folder or run for a while.
Overwrite = Annotated[bool, typer.Option(
    "--overwrite", help="replace an output folder that holds another xposim run")]
Quiet = Annotated[bool, typer.Option(
    "--quiet", "-q", help="no progress bar (it is shown on stderr only on a terminal)")]


def finite(field: str, value: float | None, unit: str, *, minimum: float = 0.0,
           inclusive: bool = False) -> float | None:
    """``value`` unchanged if it is a finite number above ``minimum`` (or equal with
    ``inclusive``); otherwise one clear error naming ``field``. None passes through."""
    if value is None:
        return None
    ok = math.isfinite(value) and (value >= minimum if inclusive else value > minimum)
    if not ok:
        sign = ">=" if inclusive else ">"
        raise InputError(field, f"must be {sign} {minimum:g} {unit} (a finite number)",
                         got=value)
    return value


def output_folder(out: str | None, *, command: str, inputs: dict[str, Any],
                  overwrite: bool = False, seed: int | None = None,
                  field: str = "out") -> AbstractContextManager[StagedFolder | None]:
    """The staged output folder of a command (or a null context without ``--out``),
    checked and reserved now, before any work (docs/cli.md, "Output")."""
    if out is None:
        return nullcontext(None)
    from xposim.io import Manifest, StagedFolder

    manifest = Manifest(command=command, inputs=inputs, argv=ARGV.get(), seed=seed)
    return StagedFolder(out, manifest=manifest, overwrite=overwrite, field=field)


def output_file(out: str | None, *, inputs: Iterable[str] = (), field: str = "out",
                command: str | None = None, manifest_inputs: dict[str, Any] | None = None,
                ) -> AbstractContextManager[StagedFile | None]:
    """The staged output file of a command (or a null context), checked and reserved now.
    With ``command``, the result gets a manifest beside it (``STEM.manifest.json``,
    docs/cli.md "The manifest") recording ``manifest_inputs``; ``inputs`` are the input
    files it must not overwrite."""
    if out is None:
        return nullcontext(None)
    from xposim.io import Manifest, StagedFile

    manifest = None if command is None else Manifest(
        command=command, inputs=manifest_inputs or {}, argv=ARGV.get())
    return StagedFile(out, field=field, inputs=inputs, manifest=manifest)


def count_administrations(records: Iterable[Any], until_h: float | None) -> float:
    """Single administrations a regimen's records expand to (before ``until_h``, h),
    counted without expanding them (open-ended records without ``until_h``: inf)."""
    total = 0.0
    for r in records:
        t0, ii, addl = float(r.time_h), float(r.ii_h), r.addl
        if until_h is not None and t0 >= until_h:
            continue
        if ii <= 0:
            total += 1
            continue
        before = math.inf if until_h is None else math.ceil((until_h - t0) / ii)
        total += min(before, math.inf if addl is None else addl + 1)
    return total


def check_regimen_size(regimen: Any, until_h: float | None, field: str = "regimen",
                       *, hint: str = "") -> None:
    """Refuse a regimen whose expansion (to ``until_h``, or its own end) would exceed
    :data:`~xposim.limits.MAX_SIMULATED_DAYS` or :data:`~xposim.limits.MAX_ADMINISTRATIONS`
    (checked on the records, before any dose is expanded)."""
    from xposim.limits import MAX_ADMINISTRATIONS, MAX_SIMULATED_DAYS

    span = until_h if until_h is not None else regimen.end_h
    if span is not None:
        MAX_SIMULATED_DAYS.check(field, span / 24.0, hint=hint)
    MAX_ADMINISTRATIONS.check(field, count_administrations(regimen.records, until_h),
                              hint=hint)


def check_dataset_size(path: str, field: str) -> None:
    """Refuse an input file with more rows than :data:`xposim.limits.MAX_DATASET_ROWS`
    before it is loaded (CSV: lines counted without parsing; Parquet: its metadata)."""
    import os

    from xposim.limits import MAX_DATASET_ROWS

    if not os.path.isfile(path):
        return  # the reader names the missing file
    limit = MAX_DATASET_ROWS.value
    if path.lower().endswith((".parquet", ".pq")):
        try:
            import pyarrow.parquet as pq

            rows = pq.ParquetFile(path).metadata.num_rows
        except Exception:  # not Parquet after all: the reader says so
            return
    else:
        from xposim.io.text import count_lines

        rows = count_lines(path, stop_after=limit + 1) - 1  # the header
    MAX_DATASET_ROWS.check(field, rows, got=path,
                           hint="split the dataset (e.g. by subject) and run the parts")


@contextmanager
def progress(description: str, total: int | None, *, quiet: bool = False
             ) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr (only on a terminal, and not with ``--quiet``); yields
    ``advance(n)``. Off a terminal nothing is drawn, so pipes and logs stay clean."""
    from rich.console import Console

    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        yield lambda n=1: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [SpinnerColumn(), TextColumn("{task.description}")]
    if total is not None:
        columns += [BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)


#: Highest drug concentration a dish command accepts (nM): 1 mM, far above any drug's
#: solubility in medium (selinexor's IC50s are 10-1000 nM); 1e300 nM made the solver fail.
MAX_CONCENTRATION_NM = 1e6


def check_concentration(field: str, value_nM: float, got: str) -> float:
    """``value_nM`` if it is a finite concentration in 0-1 mM, else one clear error."""
    if not (math.isfinite(value_nM) and 0.0 <= value_nM <= MAX_CONCENTRATION_NM):
        raise InputError(field, f"concentration must be between 0 and "
                         f"{MAX_CONCENTRATION_NM:g} nM (1 mM)", got=got)
    return value_nM


def parse_drug_concentration(text: str, *, field: str = "drug") -> tuple[str, float]:
    """``"selinexor=100nM"`` -> ("selinexor", 100.0); mass units need the drug's MW."""
    from xposim.model.units import concentration_to_nM, parse_quantity
    from xposim.presets.drugs import get_drug

    if "=" not in text:
        raise InputError(field, "must be NAME=CONCENTRATION with a unit, e.g. selinexor=100nM",
                         got=text)
    name, _, qty = text.partition("=")
    drug = get_drug(name)
    value, unit = parse_quantity(qty, field=f"{field} {drug.name}", expect="nM")
    if value < 0:
        raise InputError(f"{field} {drug.name}", "concentration must be >= 0", got=qty)
    nM = concentration_to_nM(value, unit, mw_g_per_mol=drug.mw_g_per_mol,
                             field=f"{field} {drug.name}")
    return drug.name, check_concentration(f"{field} {drug.name}", nM, qty)


def json_text(obj: Any) -> str:
    """The JSON text of a result; NaN/inf are refused (they are never valid results).
    Commands that write files compute it before committing them."""

    def check(x: Any) -> Any:
        if isinstance(x, float) and not math.isfinite(x):
            raise InputError("result", "non-finite value in output", got=x)
        if isinstance(x, dict):
            return {k: check(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [check(v) for v in x]
        return x

    return json.dumps(check(obj), indent=2)


def print_json(obj: Any) -> None:
    """Print JSON to stdout; NaN/inf are refused (they are never valid results)."""
    sys.stdout.write(json_text(obj) + "\n")


def use_file_backend() -> None:
    """Select matplotlib's Agg backend before a command draws figures to files.

    Only the CLI does this: it writes figures and never shows them. Library modules leave
    the backend to the user (switching it at import would break inline plots in Jupyter).
    """
    import matplotlib

    matplotlib.use("Agg")
