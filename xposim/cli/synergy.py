"""``xposim synergy``: score a two-drug combination grid (Bliss, HSA, Loewe, ZIP, CI).

The grid comes from a CSV plate (``--grid``) or from the cell model (``--cell-line`` with
``--drugs A,B`` on each drug's default dish axis, or two explicit ``--drug
NAME=c1,c2,...nM`` axes; optional ``--fixed`` third drugs). ``--json``
prints ``{"bliss": {"mean", "max"}, "hsa": ..., "loewe": ..., "zip": ..., "ci50": x}``
(fractions; ``ci50`` is null when not estimable); ``--out`` writes the grid, the scores
and the plots atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from xposim.cli._common import (
    SET_HELP,
    Overwrite,
    Quiet,
    finite,
    json_text,
    output_folder,
    parse_drug_concentration,
    parse_set_options,
    progress,
    use_file_backend,
)
from xposim.errors import InputError

if TYPE_CHECKING:
    from xposim.analysis.synergy import CombinationGrid
    from xposim.model.overrides import Override


#: Concentrations per axis, 0 included: Loewe, ZIP and the CI fit single-agent Hill curves.
MIN_AXIS = 4
_AXIS_RULE = ("needs 0 and at least 3 positive concentrations (Loewe, ZIP and the "
              "combination index fit single-agent Hill curves)")


def _axis_option(text: str) -> tuple[str, list[float]]:
    """``"selinexor=0,10,30,100nM"`` -> ("selinexor", [0, 10, 30, 100]) in nM."""
    if "=" not in text:
        raise InputError("drug", "must be NAME=C1,C2,...UNIT, e.g. selinexor=0,10,100nM",
                         got=text)
    name, _, values = text.partition("=")
    items = [v.strip() for v in values.split(",") if v.strip()]
    if len(items) < 2:
        raise InputError("drug", f"the axis {_AXIS_RULE}, starting at 0", got=text)
    last = items[-1]
    unit = last.lstrip("0123456789.eE+-")
    out: list[float] = []
    drug = name
    for item in items:
        qty = item if item.lstrip("0123456789.eE+-") else item + unit
        drug, conc = parse_drug_concentration(f"{name}={qty}")
        out.append(conc)
    if out[0] != 0.0:
        raise InputError("drug", f"the {drug} axis must start at 0 (the single-agent wells)",
                         got=text)
    if any(b <= a for a, b in pairwise(out)):
        raise InputError("drug", f"the {drug} concentrations must increase", got=text)
    if len(out) < MIN_AXIS:
        raise InputError("drug", f"the {drug} axis {_AXIS_RULE}", got=text)
    return drug, out


def _default_axes(text: str) -> dict[str, list[float]]:
    """``"selinexor,dexamethasone"`` -> each drug's default dish axis (nM)."""
    from xposim.presets.drugs import get_drug

    names = [n.strip() for n in text.split(",") if n.strip()]
    if len(names) != 2:
        raise InputError("drugs", "give two drugs separated by a comma, e.g. "
                         "selinexor,dexamethasone", got=text)
    axes: dict[str, list[float]] = {}
    for name in names:
        d = get_drug(name)
        if not d.dish_grid_nM:
            raise InputError("drugs", f"{d.name} has no default dish axis; give it with "
                             f"--drug {d.name}=0,...nM", got=text)
        axes[d.name] = list(d.dish_grid_nM)
    if len(axes) != 2:
        raise InputError("drugs", "the two drugs must differ", got=text)
    return axes


def _read_plate(path: Path, fixed: Mapping[str, float]) -> CombinationGrid:
    import numpy as np
    import pandas as pd

    from xposim.analysis.synergy import MAX_ABS_EFFECT, CombinationGrid
    from xposim.limits import MAX_DATASET_ROWS

    if not path.is_file():
        raise InputError("grid", "no such file", got=str(path))
    MAX_DATASET_ROWS.check("grid", _count_lines(path) - 1, got=str(path))
    try:
        df = pd.read_csv(path)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise InputError("grid", f"not a readable CSV ({_first_line(exc)})",
                         got=str(path)) from None
    conc_cols = [c for c in df.columns if str(c).endswith("_nM")]
    resp = [c for c in ("viability", "inhibition") if c in df.columns]
    if len(conc_cols) != 2 or len(resp) != 1:
        raise InputError("grid", "needs two concentration columns named <drug>_nM and one "
                         "'viability' or 'inhibition' column", got=list(map(str, df.columns)))
    for col in [*conc_cols, resp[0]]:
        if not pd.api.types.is_numeric_dtype(df[col]) or df[col].isna().any():
            raise InputError("grid", f"column {col} must be numeric with no blanks")
        values = df[col].to_numpy(dtype=float)
        if not np.isfinite(values).all():
            row = int(np.flatnonzero(~np.isfinite(values))[0]) + 1
            raise InputError("grid", f"column {col}, row {row}: must be finite",
                             got=float(values[row - 1]))
    for col in conc_cols:
        if (df[col] < 0).any():
            raise InputError("grid", f"column {col}: concentrations must be >= 0 nM",
                             got=float(df[col].min()))
        if float(df[col].min()) != 0.0:
            raise InputError("grid", f"column {col}: needs the 0 nM wells (single agents of "
                             "the other drug)", got=float(df[col].min()))
        if df[col].nunique() < MIN_AXIS:
            raise InputError("grid", f"column {col}: {_AXIS_RULE}",
                             got=df[col].nunique() - 1)
    # the same noise band for both kinds: viability v and inhibition 1 - v agree
    lo, hi = 1.0 - MAX_ABS_EFFECT, MAX_ABS_EFFECT
    outside = (df[resp[0]] < lo) | (df[resp[0]] > hi)
    if outside.any():
        row = int(np.flatnonzero(outside.to_numpy())[0]) + 1
        raise InputError("grid", f"column {resp[0]}, row {row}: must be a fraction of the "
                         f"control, 0-1, within the noise band [{lo:g}, {hi:g}] (percent? "
                         "divide by 100)", got=float(df[resp[0]].iloc[row - 1]))
    means = df.groupby(conc_cols)[resp[0]].mean()  # replicate wells averaged
    ca = np.sort(df[conc_cols[0]].unique())
    cb = np.sort(df[conc_cols[1]].unique())
    effect = np.empty((ca.size, cb.size))
    for i, a in enumerate(ca):
        for j, b in enumerate(cb):
            if (a, b) not in means.index:
                raise InputError("grid", f"missing well {conc_cols[0]}={a:g}, "
                                 f"{conc_cols[1]}={b:g}: every pair of concentrations is "
                                 "needed")
            effect[i, j] = means.loc[(a, b)]
    drugs = (conc_cols[0][:-3], conc_cols[1][:-3])
    return CombinationGrid(drugs, ca, cb, effect, kind=resp[0], fixed=fixed)


def _count_lines(path: Path) -> int:
    from xposim.io.text import count_lines
    from xposim.limits import MAX_DATASET_ROWS

    return count_lines(path, stop_after=MAX_DATASET_ROWS.value + 1)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def register(app: typer.Typer) -> None:
    @app.command("synergy")
    def synergy(
        grid: Annotated[Path | None, typer.Option(
            "--grid", help="CSV plate: columns <drugA>_nM, <drugB>_nM and viability or "
            "inhibition (fractions), one row per well")] = None,
        cell_line: Annotated[str | None, typer.Option(
            "--cell-line", help="simulate the grid with this cell preset")] = None,
        drugs: Annotated[str | None, typer.Option(
            "--drugs", help="two drugs A,B on their default dish axes (presets/drugs.toml "
            "dish_grid_nM), e.g. selinexor,dexamethasone")] = None,
        drug: Annotated[list[str] | None, typer.Option(
            "--drug", help="axis NAME=C1,C2,...UNIT starting at 0 (give two), e.g. "
            "selinexor=0,10,30,100nM")] = None,
        fixed: Annotated[list[str] | None, typer.Option(
            "--fixed", help="third drug in every well, NAME=CONCENTRATION, e.g. "
            "bortezomib=2nM")] = None,
        hours: Annotated[float, typer.Option(help="exposure for --cell-line (h)")] = 72.0,
        readout: Annotated[str, typer.Option(
            help="what --cell-line wells report: viability (CTG-like, relative to the "
            "untreated control) or survival (share of cells not killed: Bliss on the "
            "probabilities of death)")] = "viability",
        as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON"),
                           ] = False,
        out: Annotated[str | None, typer.Option(
            help="write grid.csv, scores.csv, the plots and manifest.json into this "
            "folder")] = None,
        set_: Annotated[list[str] | None, typer.Option(
            "--set", help=SET_HELP + "; with --cell-line only")] = None,
        overwrite: Overwrite = False,
        quiet: Quiet = False,
    ) -> None:
        """Bliss, HSA, Loewe and ZIP excess (mean, max) and the combination index."""
        if (grid is None) == (cell_line is None):
            raise InputError("grid", "give either --grid FILE or --cell-line with two "
                             "--drug axes")
        if grid is not None and (drug or drugs):
            raise InputError("drug", "axes come from the --grid file; drop --drug/--drugs")
        if grid is not None and set_:
            raise InputError("set", "changes the simulated cell; a --grid plate is data")
        if grid is not None and readout != "viability":
            raise InputError("readout", "applies to a simulated --cell-line grid; a "
                             "--grid plate states its own column", got=readout)
        if grid is not None and hours != 72.0:
            raise InputError("hours", "applies to simulated grids (--cell-line); a --grid "
                             "plate was measured already", got=hours)
        finite("hours", hours, "h")
        inputs = {"grid": None if grid is None else str(grid), "cell_line": cell_line,
                  "drugs": drugs, "drug": list(drug or []), "fixed": list(fixed or []),
                  "hours": hours, "readout": readout, "set": list(set_ or [])}
        with output_folder(out, command="synergy", inputs=inputs, overwrite=overwrite,
                           ) as dest:
            from xposim.analysis import synergy as syn

            fixed_nm = dict(parse_drug_concentration(f, field="fixed") for f in (fixed or []))
            overrides = parse_set_options(set_)
            if grid is not None:
                g = _read_plate(grid, fixed_nm)  # --fixed records a third drug in every well
            else:
                axes = _default_axes(drugs) if drugs else {}
                axes.update(_axis_option(d) for d in (drug or []))
                if len(axes) != 2:
                    raise InputError("drug", "give exactly two distinct axes, e.g. --drug "
                                     "selinexor=0,10,30,100nM --drug "
                                     "dexamethasone=0,5,50,500nM", got=len(axes))
                g = _simulate(cell_line or "", axes, fixed_nm, hours, quiet, overrides,
                              readout)
            summary = syn.summary(g, effect=0.5)
            text = json_text(summary)
            if dest is not None:
                _write(dest.path, g, 0.5)
                details: dict[str, object] = {"summary": summary}
                if cell_line is not None:
                    from xposim.biology.cell import cell_fate_model

                    dest.record(model_hash=cell_fate_model(cell_line,
                                                           overrides=overrides).hash)
                dest.record(details=details)
        if as_json:
            typer.echo(text)
            return
        from rich.console import Console
        from rich.table import Table

        bg = ", ".join(f"{k} {v:g} nM" for k, v in g.fixed.items())
        table = Table(title=f"{g.drugs[0]} x {g.drugs[1]}" + (f" (with {bg})" if bg else ""))
        for col in ("model", "mean excess", "max excess"):
            table.add_column(col, justify="right" if col != "model" else "left")
        for k in ("bliss", "hsa", "loewe", "zip"):
            table.add_row(k, f"{summary[k]['mean']:+.3f}", f"{summary[k]['max']:+.3f}")
        ci = summary["ci50"]
        Console().print(table)
        Console().print("combination index at 50% inhibition: "
                        + ("not estimable" if ci is None else f"{ci:.3f} (<1 synergy)"))
        outside = int(((g.effect < 0.0) | (g.effect > 1.0)).sum())
        if outside:
            Console().print(f"note: {outside} well(s) outside 0-1 (within the accepted noise "
                            "band), scored as measured")


def _simulate(cell_line: str, axes: dict[str, list[float]], fixed: dict[str, float],
              hours: float, quiet: bool, overrides: tuple[Override, ...] = (),
              readout: str = "viability") -> CombinationGrid:
    from xposim.experiments.combination import combination_grid
    from xposim.limits import MAX_DISH_SIMULATIONS

    try:
        from xposim.experiments.viability import readout_function
    except ImportError as exc:  # the cell-fate layer is optional at this point
        raise InputError("cell-line", "the cell viability model is not available in this "
                         "installation") from exc
    read = readout_function(readout)  # an unknown name is refused before any well
    names = list(axes)
    wells = len(axes[names[0]]) * len(axes[names[1]])
    MAX_DISH_SIMULATIONS.check("drug", wells, hint="one simulation per well: use shorter "
                               "axes", got=" x ".join(str(len(a)) for a in axes.values()))
    with progress(f"{names[0]} x {names[1]} grid", wells, quiet=quiet) as advance:
        def well(conc: dict[str, float]) -> float:
            v = read(cell_line, conc, hours=hours, overrides=overrides)
            advance(1)
            return v

        fn: Callable[[dict[str, float]], float] = well
        return combination_grid(fn, names, axes, fixed, progress=False)


def _write(out: Path, g: CombinationGrid, effect: float) -> None:
    """grid.csv, scores.csv and the figures, into the folder ``out``."""
    use_file_backend()
    import matplotlib.pyplot as plt
    import pandas as pd

    from xposim.analysis import synergy as syn
    from xposim.report.synergy_plots import plot_excess_heatmap, plot_isobologram

    a_name, b_name = (f"{d}_nM" for d in g.drugs)
    rows = []
    scores = {m: f(g) for m, f in (("bliss", syn.bliss), ("hsa", syn.hsa),
                                   ("loewe", syn.loewe), ("zip", syn.zip_scores))}
    for i, a in enumerate(g.conc_a_nM):
        for j, b in enumerate(g.conc_b_nM):
            row = {a_name: a, b_name: b, g.kind: g.effect[i, j]}
            for m, s in scores.items():
                row[f"{m}_excess"] = s.excess[i, j]
            rows.append(row)
    # ``out`` is the caller's staged folder: renamed into place with its manifest
    pd.DataFrame(rows).to_csv(out / "scores.csv", index=False)
    pd.DataFrame(rows)[[a_name, b_name, g.kind]].to_csv(out / "grid.csv", index=False)
    for m, s in scores.items():
        fig = plot_excess_heatmap(g, s)
        fig.savefig(out / f"{m}_excess.png", dpi=110)
        plt.close(fig)
    fig = plot_isobologram(g, effect)
    fig.savefig(out / "isobologram.png", dpi=110)
    plt.close(fig)
