"""``xposim nca DATA``: non-compartmental analysis of observed concentration-time data.

DATA is a NONMEM-style file (ID, TIME, DV, AMT, EVID/MDV, RATE/DUR, CMT; any case; '.'
missing) or a tidy CSV/Parquet table whose columns are named with ``--id-col``,
``--time-col``, ``--conc-col``. Output: one row per subject and dosing interval with CDISC
PP codes as columns and a unit for each; ``--json`` prints rows, units and summary
statistics; ``--out FILE.csv|.parquet`` and ``--plots DIR`` write files atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from xposim.cli._common import Overwrite, Quiet
from xposim.errors import InputError

if TYPE_CHECKING:
    from xposim.analysis.nca_table import NCAResults


def _quantity(text: str, field: str, unit: str) -> float:
    """``"320mg"`` or ``"320"`` (in ``unit``) -> value in ``unit``."""
    from xposim.model.units import UREG, parse_quantity, parse_unit

    t = text.strip()
    try:
        return float(t)
    except ValueError:
        pass
    value, given = parse_quantity(t, field=field)
    try:
        return float(UREG.Quantity(value, parse_unit(given)).to(parse_unit(unit)).magnitude)
    except Exception as exc:  # pint's DimensionalityError and friends
        raise InputError(field, f"unit must convert to {unit}", got=text) from exc


def _lambda_z(items: list[str], time_unit: str) -> dict[object, object]:
    """``ID:range=LO-HI``, ``ID:times=T1,T2,T3``, ``ID:exclude=T1,T2`` (ID ``*`` = all)."""
    from xposim.analysis.nca import LambdaZSpec

    out: dict[object, dict[str, object]] = {}
    for item in items:
        sid, sep, rest = item.partition(":")
        key, eq, val = rest.partition("=")
        if not sep or not eq or key.strip() not in ("range", "times", "exclude"):
            raise InputError("lambda-z", "must be ID:range=LO-HI, ID:times=T1,T2,T3 or "
                             "ID:exclude=T1,T2 (ID * for every subject)", got=item)
        try:
            if key.strip() == "range":
                lo, _, hi = val.partition("-")
                value: object = (float(lo), float(hi))
            else:
                value = tuple(float(v) for v in val.split(",") if v.strip())
        except ValueError as exc:
            raise InputError("lambda-z", f"times must be numbers in {time_unit}",
                             got=item) from exc
        name = {"range": "time_range", "times": "times", "exclude": "exclude"}[key.strip()]
        sid = sid.strip()
        out.setdefault(_id(sid), {})[name] = value
    return {k: LambdaZSpec(**v) for k, v in out.items()}  # type: ignore[arg-type]


def _id(text: str) -> object:
    try:
        f = float(text)
    except ValueError:
        return text
    return int(f) if f.is_integer() else f


def _partial(items: list[str]) -> tuple[tuple[float, float], ...]:
    out = []
    for item in items:
        lo, sep, hi = item.partition("-")
        try:
            out.append((float(lo), float(hi)))
        except ValueError as exc:
            raise InputError("partial-auc", "must be START-END in the time unit, e.g. 0-24",
                             got=item) from exc
        if not sep:
            raise InputError("partial-auc", "must be START-END, e.g. 0-24", got=item)
    return tuple(out)


def _superposition(text: str, time_unit: str) -> float:
    key, eq, val = text.partition("=")
    if key.strip().lower() != "tau" or not eq:
        raise InputError("superposition", "must be tau=INTERVAL, e.g. tau=24h", got=text)
    return _quantity(val, "superposition", time_unit)


def register(app: typer.Typer) -> None:
    @app.command("nca")
    def nca_command(
        data: Annotated[Path, typer.Argument(help="NONMEM-style or tidy CSV/Parquet file")],
        route: Annotated[str | None, typer.Option(
            help="extravascular, iv-bolus or iv-infusion (default: iv-infusion when the "
            "dose records have RATE/DUR, else extravascular)")] = None,
        auc_method: Annotated[str, typer.Option(
            help="linear | linear-up-log-down | linear-log (WinNonlin 'Linear Trapezoidal "
            "Linear Interpolation' / 'Linear Up Log Down' / 'Linear Log'; PKNCA 'linear' "
            "/ 'lin up/log down' / 'lin-log')")] = "linear-up-log-down",
        dose: Annotated[str | None, typer.Option(
            help="dose at time 0 when the file has no dose records, e.g. 320mg")] = None,
        duration: Annotated[str | None, typer.Option(
            help="infusion duration when the dose records have no RATE/DUR, e.g. 0.5h")
        ] = None,
        time_unit: Annotated[str, typer.Option(help="unit of TIME")] = "h",
        conc_unit: Annotated[str, typer.Option(help="unit of the concentrations")
                             ] = "ng/mL",
        dose_unit: Annotated[str, typer.Option(help="unit of AMT / --dose")] = "mg",
        id_col: Annotated[str | None, typer.Option(help="subject column (default ID)")
                          ] = None,
        time_col: Annotated[str | None, typer.Option(help="time column (default TIME)")
                            ] = None,
        conc_col: Annotated[str | None, typer.Option(
            help="concentration column (default DV, CONC)")] = None,
        amt_col: Annotated[str | None, typer.Option(help="dose amount column (AMT)")
                           ] = None,
        blq_col: Annotated[str | None, typer.Option(
            help="BLQ flag column, 1 = below LLOQ (default BLQ, CENS if present)")] = None,
        obs_cmt: Annotated[int | None, typer.Option(
            help="use only observations in this CMT")] = None,
        lloq: Annotated[float | None, typer.Option(
            help="concentrations below this are BLQ (zeros always are)")] = None,
        blq: Annotated[str, typer.Option(
            help="BLQ rule by position, PKNCA's default: first=keep,middle=drop,last=keep "
            "(keep = as 0, drop, or a number)")] = "first=keep,middle=drop,last=keep",
        lambda_z: Annotated[list[str] | None, typer.Option(
            "--lambda-z", help="per-subject λz: ID:range=LO-HI, ID:times=T1,T2,T3 or "
            "ID:exclude=T1,T2 (ID * = all); repeatable")] = None,
        tmax_in_lambda_z: Annotated[str, typer.Option(
            help="auto (WinNonlin: IV bolus only), yes or no (PKNCA)")] = "auto",
        partial_auc: Annotated[list[str] | None, typer.Option(
            "--partial-auc", help="partial AUC START-END, e.g. 0-24; repeatable")] = None,
        superposition: Annotated[str | None, typer.Option(
            help="predict the steady state of dosing every tau from dose 1, e.g. tau=24h")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
        out: Annotated[str | None, typer.Option(
            help="write the table to FILE.csv or FILE.parquet (columns 'CODE (unit)')")
        ] = None,
        plots: Annotated[str | None, typer.Option(
            help="write one PNG per subject and interval with the λz points marked, and "
            "manifest.json, into this folder")] = None,
        overwrite: Overwrite = False,
        quiet: Quiet = False,
    ) -> None:
        """NCA of observed data: CDISC PP parameters per subject and dosing interval."""
        from xposim.cli._common import check_dataset_size, json_text, output_file, output_folder

        # destinations first, before any work or heavy import
        if out is not None and Path(out).suffix.lower() not in (".csv", ".parquet"):
            raise InputError("out", "must end in .csv or .parquet", got=out)
        inputs = {"data": str(data), "route": route, "auc_method": auc_method, "dose": dose,
                  "duration": duration, "time_unit": time_unit, "conc_unit": conc_unit,
                  "dose_unit": dose_unit, "id_col": id_col, "time_col": time_col,
                  "conc_col": conc_col, "amt_col": amt_col, "blq_col": blq_col,
                  "obs_cmt": obs_cmt, "lloq": lloq, "blq": blq,
                  "lambda_z": list(lambda_z or []), "tmax_in_lambda_z": tmax_in_lambda_z,
                  "partial_auc": list(partial_auc or []), "superposition": superposition}
        with output_file(out, inputs=[str(data)]) as table_file, output_folder(
                plots, command="nca", inputs=inputs, overwrite=overwrite,
                field="plots") as plot_folder:
            check_dataset_size(str(data), "data")
            results = _analyse(data, quiet=quiet, **{k: v for k, v in inputs.items()
                                                     if k != "data"})
            text = json_text(results.to_json()) if as_json else None
            if table_file is not None:
                from xposim.analysis.nca_table import write_results

                write_results(results, table_file.path)
            if plot_folder is not None:
                _write_plots(results, plot_folder.path)
        if text is not None:
            typer.echo(text)
        else:
            _print_table(results)


def _analyse(data: Path, *, route: str | None, auc_method: str, dose: str | None,
             duration: str | None, time_unit: str, conc_unit: str, dose_unit: str,
             id_col: str | None, time_col: str | None, conc_col: str | None,
             amt_col: str | None, blq_col: str | None, obs_cmt: int | None,
             lloq: float | None, blq: str, lambda_z: list[str], tmax_in_lambda_z: str,
             partial_auc: list[str], superposition: str | None, quiet: bool
             ) -> NCAResults:
    """Read ``data`` and run the NCA with the command's options."""
    from xposim.analysis.nca_codes import check_units
    from xposim.analysis.nca_data import BLQRule, Columns, read_nca_data
    from xposim.analysis.nca_table import NCAOptions, run_nca
    from xposim.cli._common import progress

    tu, cu, du = check_units(time_unit, conc_unit, dose_unit)
    tmax = {"auto": None, "yes": True, "no": False}.get(tmax_in_lambda_z.lower(), "bad")
    if tmax == "bad":
        raise InputError("tmax-in-lambda-z", "must be auto, yes or no", got=tmax_in_lambda_z)
    options = NCAOptions(
        route=route, auc_method=auc_method, blq=BLQRule.parse(blq),
        lambda_z=_lambda_z(lambda_z, tu),  # type: ignore[arg-type]
        tmax_in_lambda_z=tmax,  # type: ignore[arg-type]
        dose=None if dose is None else _quantity(dose, "dose", du),
        duration=None if duration is None else _quantity(duration, "duration", tu),
        time_unit=tu, conc_unit=cu, dose_unit=du, partial=_partial(partial_auc),
        superposition_tau=(None if superposition is None
                           else _superposition(superposition, tu)))
    with progress("non-compartmental analysis", None, quiet=quiet):
        dataset = read_nca_data(data, columns=Columns(id=id_col, time=time_col, conc=conc_col,
                                                      amt=amt_col, blq=blq_col),
                                lloq=lloq, obs_cmt=obs_cmt)
        return run_nca(dataset, options)


def _write_plots(results: NCAResults, folder: Path) -> None:
    """One PNG per subject and interval into ``folder`` (the caller's staged folder)."""
    from xposim.cli._common import use_file_backend

    use_file_backend()
    import matplotlib.pyplot as plt

    from xposim.report.nca_plots import plot_profile

    opt = results.options
    assert opt is not None
    for p in results.profiles:
        label = ("steady state (superposition)" if p.kind == "superposition"
                 else f"dose {p.interval}")
        fig = plot_profile(p.result, title=f"ID {p.id}, {label}",
                           time_unit=opt.time_unit, conc_unit=opt.conc_unit)
        name = (f"ID{p.id}_ss.png" if p.kind == "superposition"
                else f"ID{p.id}_dose{p.interval}.png")
        fig.savefig(folder / _safe(name), dpi=100)
        plt.close(fig)


def _safe(name: str) -> str:
    """A file name from subject IDs that may hold any text (no separators)."""
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)


def _print_table(res: NCAResults) -> None:
    from rich.console import Console
    from rich.table import Table

    from xposim.analysis.nca_table import summarise

    shown = [c for c in ("CMAX", "TMAX", "AUCLST", "AUCIFO", "LAMZHL", "R2ADJ", "CLFO",
                         "CLO", "AUCTAU", "ACCR") if c in res.frame.columns]
    table = Table(title="NCA (all columns: --json or --out)")
    for c in ("ID", "INTERVAL", *shown):
        u = res.units.get(c, "")
        table.add_column(f"{c}\n{u}" if u else c, justify="right")
    for _, row in res.frame.iterrows():
        cells = [str(row["ID"]), "ss" if row["KIND"] == "superposition"
                 else str(row["INTERVAL"])]
        cells += ["-" if row[c] is None else f"{float(row[c]):.4g}" for c in shown]
        table.add_row(*cells)
    console = Console()
    console.print(table)
    summ = summarise(res)
    st = Table(title="summary across subjects")
    for c in ("PARAM", "UNIT", "N", "GEOMEAN", "GEOCV", "MEDIAN", "MIN", "MAX"):
        st.add_column(c, justify="right")
    for _, r in summ[summ.PARAM.isin(shown) & (summ.KIND == "observed")].iterrows():
        st.add_row(*[("-" if r[c] is None else f"{r[c]:.4g}" if isinstance(r[c], float)
                      else str(r[c])) for c in ("PARAM", "UNIT", "N", "GEOMEAN", "GEOCV",
                                                 "MEDIAN", "MIN", "MAX")])
    console.print(st)
