"""``xposim nm simulate``: simulate a NONMEM dataset with a linear PK model."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from xposim.cli._common import Quiet
from xposim.errors import InputError

nm_app = typer.Typer(name="nm", help="NONMEM datasets: simulate with NONMEM-exact events.",
                     no_args_is_help=True)


@nm_app.command("simulate")
def simulate(
    data: Annotated[Path, typer.Argument(help="NONMEM dataset (CSV with a header)")],
    model: Annotated[str, typer.Option(help="1cmt-iv, 1cmt-oral, 2cmt-iv, 2cmt-oral, "
                                       "3cmt-iv, 3cmt-oral (or ADVAN1/2/3/4/11/12)")],
    out: Annotated[str, typer.Option(help="output CSV: the input with the output columns "
                                     "added (same rows, same order); its manifest "
                                     "OUT.manifest.json is written beside it")],
    param: Annotated[list[str] | None, typer.Option(
        "--param", help="NAME=FORMULA, evaluated on every record in the order given, over "
        "numbers, earlier parameters, data columns and ETAs, e.g. CL=1.1, F2=@BIOAV, "
        "'CL=1.1*(WT/70)**0.75*exp(ETA_CL)'; functions exp log sqrt abs min max "
        "if(cond,a,b); repeat")] = None,
    output: Annotated[list[str] | None, typer.Option(
        "--output", help="NAME=FORMULA over A1..An, parameters, columns, ETAs, EPSs and "
        "earlier outputs, e.g. 'CP=A2/V*1000', 'DV_SIM=CP*(1+EPS_PROP)'; repeat")] = None,
    omega: Annotated[list[str] | None, typer.Option(
        "--omega", help="between-subject variance of ETA_<NAME>, e.g. CL=0.09 or "
        "CL=0.09,V=0.04, or a CSV file with a covariance block (header: the ETA names); "
        "repeat")] = None,
    sigma: Annotated[list[str] | None, typer.Option(
        "--sigma", help="residual-error variances of EPS_<NAME>, drawn per record, e.g. "
        "prop=0.04,add=0.1")] = None,
    nsub: Annotated[int | None, typer.Option(
        "--nsub", help="replicate the dataset's subjects K times (column IREP)")] = None,
    seed: Annotated[int | None, typer.Option(help="random seed (default 0) of ETAs and "
                                             "EPSs")] = None,
    on_error: Annotated[str, typer.Option(
        "--on-error", help="raise (default): a subject that cannot be simulated stops the "
        "run; skip: leave it out (outputs '.'), list it on stderr and in the manifest")
    ] = "raise",
    method: Annotated[str, typer.Option(help="closed-form (default) or ode")] = "closed-form",
    quiet: Quiet = False,
) -> None:
    """Simulate every record of DATA and write the dataset with the outputs added."""
    import os

    from xposim.cli._common import check_dataset_size, output_file, progress

    if not data.is_file():
        raise InputError("data", "file not found", got=str(data))
    if method not in ("closed-form", "ode"):
        raise InputError("method", "must be closed-form or ode", got=method)
    if on_error not in ("raise", "skip"):
        raise InputError("on-error", "must be raise or skip", got=on_error)
    check_dataset_size(str(data), "data")
    files = [str(data)] + [o for o in (omega or []) if os.path.isfile(o)]
    inputs = {"data": str(data), "model": model, "method": method,
              "params": list(param or []), "outputs": list(output or []),
              "omega": list(omega or []), "sigma": list(sigma or []), "nsub": nsub,
              "seed": seed, "on_error": on_error}
    # checked and reserved before any numerical work (tests/test_startup.py)
    with output_file(out, inputs=files, command="nm simulate",
                     manifest_inputs=inputs) as dest:
        assert dest is not None
        import pandas as pd

        from xposim.pharmacology.nonmem.params import parse_output
        from xposim.pharmacology.nonmem.simulate import iter_chunks, prepare, skip_record
        from xposim.pharmacology.nonmem.variability import parse_omega, parse_sigma

        specs = [parse_output(o) for o in (output or [])]
        if not specs:
            raise InputError("output", "give at least one --output NAME=EXPRESSION, e.g. "
                             "'CP=A2/V*1000'")
        om = parse_omega(omega or [])
        sg = parse_sigma(sigma or [])
        if om is None and sg is None:
            if seed is not None:
                raise InputError("seed", "nothing is random without --omega or --sigma")
            if nsub is not None and nsub > 1:
                raise InputError("nsub", "replicates would be identical without --omega or "
                                 "--sigma", got=nsub)
        setup = prepare(data, model, list(param or []), specs,  # type: ignore[arg-type]
                        method=method, omega=om, sigma=sg,  # type: ignore[arg-type]
                        seed=0 if seed is None else seed, nsub=1 if nsub is None else nsub,
                        on_error=on_error)  # type: ignore[arg-type]
        raw = pd.read_csv(data, dtype=str, keep_default_na=False)
        if len(raw) != len(setup.data):
            raise InputError("data", "could not align the raw rows with the dataset")
        total = len(setup.data) * setup.nsub
        skipped: list[dict[str, object]] = []
        with dest.path.open("w", encoding="utf-8", newline="") as fh, \
                progress("nm simulate: records", total, quiet=quiet) as advance:
            header = True
            for chunk in iter_chunks(setup):
                part = raw.iloc[chunk.rows].reset_index(drop=True)
                if setup.nsub > 1:
                    part["IREP"] = str(chunk.rep)
                for s in specs:
                    part[s.name] = _format(chunk.frame[s.name].to_numpy(dtype=float))
                part.to_csv(fh, index=False, header=header)
                header = False
                for f in chunk.failed:
                    rec = skip_record(f, chunk.rep, setup.nsub)
                    skipped.append(rec)
                    print(f"skipped: {rec['reason']}", file=sys.stderr)
                advance(len(chunk.rows))
        random = om is not None or sg is not None
        dest.record(seed=(0 if seed is None else seed) if random else None, details={
            "omega": None if om is None else {"names": list(om.names),
                                              "matrix": om.matrix.tolist()},
            "sigma": None if sg is None else dict(zip(sg.names, sg.variances, strict=True)),
            "nsub": setup.nsub, "records": len(setup.data),
            "subjects": int(setup.n_subjects), "skipped": skipped})
    note = f", {len(skipped)} subject(s) skipped" if skipped else ""
    typer.echo(f"wrote {out} ({total} records, outputs "
               f"{', '.join(s.name for s in specs)}{note})")


def _format(values: object) -> object:
    """Floats as the shortest text that reads back exactly; missing as '.' (NONMEM)."""
    import numpy as np
    import pyarrow as pa

    v = np.asarray(values, dtype=float)
    text = pa.array(v, from_pandas=True).cast(pa.string()).to_numpy(zero_copy_only=False)
    return np.where(np.isfinite(v), text, ".")


def register(app: typer.Typer) -> None:
    app.add_typer(nm_app, name="nm")
