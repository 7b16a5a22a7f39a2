"""``xposim calibrate``: list, run, check and verify the declared calibrations."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from xposim.errors import InputError

if TYPE_CHECKING:
    from xposim.calibration.declaration import Calibration

_SET = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([-+0-9.eE]+)\s*(\S.*)?$")


def parse_set(items: list[str]) -> dict[str, tuple[float, str | None]]:
    """``NAME=VALUE[unit]`` -> {name: (value, unit or None = the parameter's own unit)}."""
    from xposim.model.units import parse_unit

    out: dict[str, tuple[float, str | None]] = {}
    for item in items:
        m = _SET.match(item)
        if m is None:
            raise InputError("set", "must be NAME=VALUE with an optional unit, e.g. "
                             "RanBP3_NES_enhancement=1e6 or XPO1_total0=0.9uM", got=item)
        name, number, unit = m.group(1), m.group(2), m.group(3)
        try:
            value = float(number)
        except ValueError as exc:
            raise InputError(f"set {name}", "value must be a number", got=number) from exc
        if unit is not None:
            try:
                parse_unit(unit.strip())
            except ValueError as exc:
                raise InputError(f"set {name}", "unknown unit", got=unit) from exc
        if name in out:
            raise InputError("set", "given twice", got=name)
        out[name] = (value, unit.strip() if unit else None)
    return out


def _stored_record(name: str) -> dict[str, Any]:
    from xposim.calibration.declaration import load_declaration
    from xposim.calibration.storage import declaration_hash
    from xposim.errors import ModelError
    from xposim.presets.loader import stored_estimates

    cal = load_declaration(name)
    stem = cal.writes.split("/")[-1].removesuffix(".toml")
    try:
        rec = dict(stored_estimates(stem)["calibration"])
    except ModelError:
        return {"date": None, "xposim_version": None, "method": None,
                "declaration_changed": None}
    return {"date": rec.get("date"), "xposim_version": rec.get("xposim_version"),
            "method": rec.get("method"), "cost": rec.get("cost"),
            "declaration_changed": rec.get("declaration_sha256") != declaration_hash(cal)}


def _listing() -> list[dict[str, Any]]:
    from xposim.calibration.declaration import declaration_names, load_declaration

    rows = []
    for name in declaration_names():
        cal = load_declaration(name)
        rows.append({"name": name, "description": cal.description,
                     "parameters": [p.name for p in cal.parameters],
                     "targets": [t.describe() for t in cal.targets],
                     "writes": cal.writes, "after": list(cal.after),
                     "stored": _stored_record(name)})
    return rows


def _print_list(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("calibration", "estimates", "targets", "stored estimates", show_lines=True)
    for r in rows:
        targets = r["targets"]
        shown = "\n".join(targets[:4]) + (f"\n… and {len(targets) - 4} more"
                                          if len(targets) > 4 else "")
        s = r["stored"]
        stored = (f"{str(s['date'])[:10]}\nxposim {s['xposim_version']}\n{s['method']}"
                  + ("\n[red]declaration changed since[/red]" if s["declaration_changed"]
                     else "") if s["date"] else "never written")
        table.add_row(f"{r['name']}\n[dim]{r['description']}[/dim]",
                      "\n".join(r["parameters"]), shown, stored)
    Console(width=150).print(table)


def _progress(enabled: bool) -> Any:
    from contextlib import nullcontext

    from rich.console import Console

    if not enabled:
        return nullcontext(None)
    return Console(stderr=True).status("fitting…")


def _callback(status: Any) -> Any:
    if status is None:
        return None

    def update(n: int, cost: float) -> None:
        status.update(f"fitting… evaluation {n}, cost {cost:.6g}")

    return update


def _estimate_rows(cal: Calibration, stored: dict[str, float] | None,
                   new: dict[str, float]) -> list[dict[str, Any]]:
    rows = []
    for p in cal.parameters:
        row: dict[str, Any] = {"parameter": p.name, "unit": p.unit, "estimate": new[p.name]}
        if stored is not None:
            row["stored"] = stored[p.name]
            row["drift"] = p.drift(stored[p.name], new[p.name])
        rows.append(row)
    return rows


def _fmt(key: str, value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.8g}" if key in ("stored", "refit", "estimate") else f"{value:.4g}"
    return str(value)


def _print_rows(title: str, rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    if not rows:
        return
    table = Table(*rows[0].keys(), title=title)
    for r in rows:
        table.add_row(*(_fmt(k, v) for k, v in r.items()))
    Console(width=160).print(table)


def register(app: typer.Typer) -> None:
    @app.command("calibrate")
    def calibrate(
        name: Annotated[str | None, typer.Argument(help="calibration (see --list)")] = None,
        list_: Annotated[bool, typer.Option("--list", help="every calibration, its targets "
                                            "and when its estimates were produced")] = False,
        check: Annotated[bool, typer.Option("--check", help="refit and report the drift "
                                            "from the stored estimates; write nothing; "
                                            "exit 1 beyond the declared tolerance")] = False,
        verify: Annotated[bool, typer.Option("--verify", help="evaluate the stored "
                                             "estimates only: do they still give the "
                                             "recorded targets? exit 1 if not")] = False,
        out: Annotated[Path | None, typer.Option(help="write the estimates here (required "
                                                 "outside a source checkout)")] = None,
        set_: Annotated[list[str] | None, typer.Option(
            "--set", help="NAME=VALUE[unit]: hold another model parameter at VALUE during "
                          "the fit (repeatable; needs --out or --check)")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    ) -> None:
        """Run a declared calibration and store its estimates (docs/calibration.md)."""
        from xposim.cli._common import print_json

        if list_:
            if name or check or verify or out or set_:
                raise InputError("list", "takes no calibration name or other option")
            rows = _listing()
            print_json(rows) if as_json else _print_list(rows)
            return
        if name is None:
            raise InputError("name", "name a calibration (xposim calibrate --list)")
        if check and verify:
            raise InputError("check", "use --check or --verify, not both")
        if (check or verify) and out is not None:
            raise InputError("out", "--check and --verify write nothing")
        fixed = parse_set(set_ or [])
        if verify and fixed:
            raise InputError("set", "--verify evaluates the stored estimates as shipped")
        from xposim.calibration import runner, storage
        from xposim.calibration.declaration import load_declaration
        from xposim.errors import ModelError

        cal = load_declaration(name)
        stored: dict[str, float] | None = None
        if not check and not verify:  # fail on the write rule before minutes of fitting
            storage.destination(cal, out, overrides=bool(fixed))
            try:
                stored = runner.stored_values(cal)
            except ModelError:  # never written yet
                stored = None
        if verify:
            v = runner.verify(cal)
            rows = [{"target": k, "difference": d, "ok": d <= 1.0}
                    for k, d in v.differences().items()]
            print_json({"calibration": name, "ok": v.ok, "targets": rows}) if as_json \
                else _print_rows(f"{name}: stored estimates vs recorded targets "
                                 "(difference <= 1 matches)", rows)
            if not v.ok:
                raise typer.Exit(1)
            return
        with _progress(not as_json) as status:
            if check:
                if fixed:
                    raise InputError("set", "--check refits the shipped model; use "
                                     "--set with --out")
                c = runner.check(cal, callback=_callback(status))
            else:
                result = runner.fit(cal, fixed=fixed, callback=_callback(status))
        if check:
            rows = c.rows()
            if as_json:
                print_json({"calibration": name, "ok": c.ok, "stored_cost": c.stored_cost,
                            "refit_cost": c.refit.evaluation.cost, "estimates": rows})
            else:
                _print_rows(f"{name}: refit vs stored (cost {c.refit.evaluation.cost:.6g} "
                            f"vs {c.stored_cost:.6g})", rows)
            if not c.ok:
                raise typer.Exit(1)
            return
        path = storage.write(result, out)
        rows = _estimate_rows(cal, stored, result.estimates)
        if as_json:
            print_json({"calibration": name, "written": str(path),
                        "cost": result.evaluation.cost, "converged": result.success,
                        "estimates": rows,
                        "targets": [{k: (v if not hasattr(v, "item") else float(v))
                                     for k, v in r.items()}
                                    for r in runner.target_table(cal, result.evaluation)]})
            return
        _print_rows(f"{name}: estimates (cost {result.evaluation.cost:.6g}, "
                    f"{result.n_evaluations} evaluations)", rows)
        _print_rows("targets", [{k: v for k, v in r.items() if k != "source"}
                                for r in runner.target_table(cal, result.evaluation)])
        print(f"wrote {path}")
