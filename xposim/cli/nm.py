"""``xposim nm simulate``: simulate a NONMEM dataset with a linear PK model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xposim.errors import InputError

nm_app = typer.Typer(name="nm", help="NONMEM datasets: simulate with NONMEM-exact events.",
                     no_args_is_help=True)


@nm_app.command("simulate")
def simulate(
    data: Annotated[Path, typer.Argument(help="NONMEM dataset (CSV with a header)")],
    model: Annotated[str, typer.Option(help="1cmt-iv, 1cmt-oral, 2cmt-iv, 2cmt-oral, "
                                       "3cmt-iv, 3cmt-oral (or ADVAN1/2/3/4/11/12)")],
    out: Annotated[Path, typer.Option(help="output CSV: the input with the output "
                                      "columns added (same rows, same order)")],
    param: Annotated[list[str] | None, typer.Option(
        "--param", help="NAME=VALUE or NAME=@COLUMN, e.g. CL=1.1, F2=@BIOAV; repeat")] = None,
    output: Annotated[list[str] | None, typer.Option(
        "--output", help="NAME=EXPRESSION over A1..An, parameters and columns, e.g. "
        "'CP=A2/V*1000'; repeat")] = None,
    method: Annotated[str, typer.Option(help="closed-form (default) or ode")] = "closed-form",
) -> None:
    """Simulate every record of DATA and write the dataset with the outputs added."""
    from xposim.cli._common import check_dataset_size
    from xposim.io import check_destination

    check_destination(out, kind="file", inputs=[data])  # before any work
    check_dataset_size(str(data), "data")
    import numpy as np
    import pandas as pd

    from xposim.io import atomic_file
    from xposim.pharmacology.nonmem import nm_simulate
    from xposim.pharmacology.nonmem.params import parse_output

    if not data.is_file():
        raise InputError("data", "file not found", got=str(data))
    specs = [parse_output(o) for o in (output or [])]
    if not specs:
        raise InputError("output", "give at least one --output NAME=EXPRESSION, e.g. "
                         "'CP=A2/V*1000'")
    if method not in ("closed-form", "ode"):
        raise InputError("method", "must be closed-form or ode", got=method)
    result = nm_simulate(data, model, list(param or []), specs, method=method)  # type: ignore[arg-type]
    raw = pd.read_csv(data, dtype=str, keep_default_na=False)
    for s in specs:
        values = result[s.name].to_numpy(dtype=float)
        raw[s.name] = ["." if not np.isfinite(v) else repr(float(v)) for v in values]
    with atomic_file(out) as tmp:
        raw.to_csv(tmp, index=False)
    typer.echo(f"wrote {out} ({len(raw)} records, outputs {', '.join(s.name for s in specs)})")


def register(app: typer.Typer) -> None:
    app.add_typer(nm_app, name="nm")
