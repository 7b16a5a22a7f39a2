"""A Hypothesis campaign over the command line (issue 10): generated arguments for every
command — regimen texts, concentrations, datasets, plates, output paths — must either run
or be refused with exit code 2 and one line; never a traceback, never another exit code,
never exit 0 with a missing, partial, wrong or silently truncated result.

For every input: exit 0 or 2; stderr is empty or one ``error: ...`` line; a refusal
leaves the working folder exactly as it was (pre-existing files unchanged); a success
leaves no ``.partial-`` temporary, puts its output where ``--out`` says (folders with a
complete manifest) and passes the command's own consistency check (a dose table has as
many rows as the regimen has doses before the horizon, a PK summary without a half-life
says the profile is truncated, fractions lie in 0-1, a simulated dataset keeps its rows).

Runs in-process through ``xposim.cli.main``. CI replays a small derandomised sample
(tests/conftest.py); ``make validate`` sets XPOSIM_HYPOTHESIS_EXAMPLES and explores more.
The inputs tried per command are printed at the end of the pytest run ("Hypothesis
campaign over the command line") and written to $XPOSIM_CAMPAIGN_REPORT when it is set.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from clihelp import run_cli
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

N = int(os.environ.get("XPOSIM_HYPOTHESIS_EXAMPLES", "25"))
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large,
           HealthCheck.function_scoped_fixture]
#: Commands that only parse, read or analyse: the full number of examples.
CHEAP = settings(max_examples=N, deadline=None, suppress_health_check=_HEALTH)
#: Commands that fit curves and draw figures (synergy plates, NCA with plots, ~1 s an
#: example): a third of the examples, no shrinking (the failing arguments are printed).
FITS = settings(max_examples=max(N // 3, 6), deadline=None, suppress_health_check=_HEALTH,
                phases=[Phase.explicit, Phase.reuse, Phase.generate])
#: Commands that simulate (0.1-3 s an example when they run): fewer, and no shrinking
#: (the failing arguments are printed and reproduce the failure directly).
COSTLY = settings(max_examples=max(N // 3, 6), deadline=None, suppress_health_check=_HEALTH,
                  phases=[Phase.explicit, Phase.reuse, Phase.generate])
SLOW = settings(max_examples=max(N // 8, 3), deadline=None, suppress_health_check=_HEALTH,
                phases=[Phase.explicit, Phase.reuse, Phase.generate])


@dataclass
class Tally:
    """Inputs tried, and how they ended, for one command."""

    command: str
    tried: int = 0
    ran: int = 0
    refused: int = 0
    fields: dict[str, int] = field(default_factory=dict)

    def report(self) -> dict[str, object]:
        return {"command": self.command, "tried": self.tried, "ran": self.ran,
                "refused": self.refused, "refused_by_field": dict(sorted(self.fields.items()))}


# ------------------------------------------------------------------ output paths
PATH_KINDS = ("none", "fresh", "nested", "existing_file", "empty_dir", "foreign_dir",
              "other_run", "under_file", "empty_string", "spaces")
GOOD_PATHS = ("none", "fresh", "nested", "empty_dir", "spaces")


def pick(draw: st.DrawFn, ok: bool, good: list | tuple, bad: list | tuple = ()) -> object:
    """A value from ``good`` when the example is meant to run (``ok``), else from both:
    half the examples exercise the working path, half mix in the refusals."""
    return draw(st.sampled_from(list(good) if ok else [*good, *bad]))


def prepare_out(kind: str, work: Path, suffix: str = "") -> str | None:
    """Create the situation ``kind`` in ``work``; the ``--out`` value to pass."""
    if kind == "none":
        return None
    if kind == "fresh":
        return str(work / f"result{suffix}")
    if kind == "nested":
        return str(work / "a" / "b" / f"result{suffix}")
    if kind == "existing_file":
        (work / f"taken{suffix}").write_text("precious\n")
        return str(work / f"taken{suffix}")
    if kind == "empty_dir":
        (work / "empty").mkdir()
        return str(work / "empty")
    if kind == "foreign_dir":
        (work / "mine").mkdir()
        (work / "mine" / "notes.txt").write_text("precious\n")
        return str(work / "mine")
    if kind == "other_run":
        (work / "old").mkdir()
        (work / "old" / "manifest.json").write_text(json.dumps({
            "format": 1, "command": "other", "inputs": {}, "argv": [], "started": "t",
            "status": "complete"}))
        (work / "old" / "x.csv").write_text("1\n")
        return str(work / "old")
    if kind == "under_file":
        (work / "plain").write_text("precious\n")
        return str(work / "plain" / f"result{suffix}")
    if kind == "empty_string":
        return ""
    return str(work / f"my results ü{suffix}")


def snapshot(work: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(work)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(work.rglob("*"))}


def exercise(tally: Tally, argv: list[str], work: Path, out: str | None, kind: str,
             check: Callable[[str], None] | None = None) -> None:
    """Run ``xposim ARGV`` and check the promises; ``kind`` is "folder" or "file"."""
    before = snapshot(work)
    code, stdout, err = run_cli(*argv)
    tally.tried += 1
    assert code in (0, 2), f"exit {code} for {argv}:\n{err}"
    assert "Traceback" not in err, f"{argv}:\n{err}"
    if code == 2:
        tally.refused += 1
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), f"{argv}:\n{err}"
        name = lines[0][len("error: "):].split(":")[0].split(" ")[0]
        tally.fields[name] = tally.fields.get(name, 0) + 1
        assert snapshot(work) == before, f"a refusal changed the folder: {argv}"
        return
    tally.ran += 1
    assert err == "", f"{argv}: exit 0 with stderr {err!r}"
    assert not [p for p in work.rglob("*") if ".partial-" in p.name], argv
    for name, data in before.items():  # inputs and unrelated files untouched
        if out is None or not (work / name).resolve().is_relative_to(Path(out).resolve()):
            assert (work / name).exists() and (
                data is None or (work / name).read_bytes() == data), (argv, name)
    if out is not None:
        target = Path(out)
        if kind == "folder":
            manifest = json.loads((target / "manifest.json").read_text())
            assert manifest["status"] == "complete", argv
            assert set(manifest["files"]) == {p.name for p in target.iterdir()} - {
                "manifest.json"}, argv
        else:
            assert target.is_file() and target.stat().st_size > 0, argv
    if check is not None:
        check(stdout)


def campaign(command: str, strategy: st.SearchStrategy, run: Callable[..., None],
             config: settings, record_property: Callable[[str, object], None]) -> None:
    """Run ``run(tally, work, **example)`` for generated examples, each in a fresh folder."""
    tally = Tally(command)
    base = Path(tempfile.mkdtemp(prefix="xposim-campaign-"))
    try:
        @config
        @given(example=strategy)
        def one(example: dict) -> None:
            work = Path(tempfile.mkdtemp(dir=base))
            try:
                run(tally, work, **example)
            finally:
                shutil.rmtree(work, ignore_errors=True)

        one()
    finally:
        shutil.rmtree(base, ignore_errors=True)
        record_property("cli_campaign", tally.report())
    assert tally.tried > 0


# ------------------------------------------------------------------ regimen texts
NUMBERS = st.one_of(st.sampled_from(["80", "1.3", "0", "-5", "1e300", "nan", "inf", "2.5",
                                     "eighty", "1e-9", "100000"]),
                    st.floats(0.01, 500).map(lambda x: f"{x:.3g}"))
SCHEDULES = st.sampled_from([
    "once", "daily", "weekly", "biw", "twice weekly", "once weekly", "QW", "BIW", "q3w",
    "q21d", "q0d", "q12h", "bid", "tid", "qod", "every 12 h", "every 0 h", "every 1e-6 h",
    "days 1,3 weekly", "days 1-2,4-5 q21d", "days 3,1 weekly", "days 1,9 weekly",
    "days 1,4,8,11 of each 21-day cycle", "weekly 4 weeks on 1 week off", "once on day 3",
    "once at 6 h", "three times weekly", "once every 3 weeks", "sometimes", ""])
REPEATS = st.sampled_from(["", "", "x 4 doses", "x 2 cycles", "x 3 weeks", "x 2.5 weeks",
                           "x 10 days", "x 36 h", "x 0 doses", "x 100000 weeks",
                           "x 1000000000 doses", "for 2 weeks", "x -1 weeks"])


@st.composite
def segments(draw: st.DrawFn) -> str:
    drug = draw(st.sampled_from(["selinexor", "selinexor", "dex", "dexamethasone",
                                 "bortezomib", "btz", "aspirin", "80"]))
    unit = draw(st.sampled_from(["mg", "mg", "mg/m2", "g", "ug", "nM", ""]))
    route = draw(st.sampled_from(["PO", "PO", "IV", "SC", "IM", "oral", ""]))
    option = draw(st.sampled_from(["", "", "", "from day 8", "lag 0.5 h", "F 0.8",
                                   "over 1 h", "rate 10 mg/h", "ss 1", "from day 0"]))
    words = [drug, draw(NUMBERS), unit, route, option, draw(SCHEDULES), draw(REPEATS)]
    return " ".join(w for w in words if w)


@st.composite
def good_segments(draw: st.DrawFn) -> str:
    """Regimen texts that should be accepted."""
    drug, unit, route = draw(st.sampled_from([("selinexor", "mg", "PO"), ("dex", "mg", "PO"),
                                              ("dexamethasone", "mg", "IV"),
                                              ("bortezomib", "mg/m2", "SC")]))
    amount = draw(st.sampled_from(["80", "60", "20", "1.3", "100", "0.5"]))
    schedule = draw(st.sampled_from([
        "once", "daily x 5 days", "weekly x 3 weeks", "biw x 2 weeks", "twice weekly x 4 weeks",
        "once weekly", "QW x 2 weeks", "q3w x 2 cycles", "bid x 3 days", "qod x 4 doses",
        "days 1,3 weekly", "days 1-2,4-5 q21d x 1 cycles", "once on day 3", "every 12 h x 6 doses",
        "weekly 4 weeks on 1 week off x 1 cycles", "three times weekly x 1 weeks"]))
    return f"{drug} {amount} {unit} {route} {schedule}"


GOOD_REGIMENS = st.one_of(good_segments(), st.builds(lambda a, b: f"{a} + {b}",
                                                     good_segments(), good_segments()),
                          st.sampled_from(["label:selinexor-dex", "label:dlbcl"]))
REGIMENS = st.one_of(
    segments(), segments(),
    st.builds(lambda a, b: f"{a} + {b}", segments(), segments()),
    st.builds(lambda a, b: f"{a} then {b}", segments(), segments()),
    st.sampled_from(["label:selinexor-dex", "label:dlbcl", "label:bortezomib-dex",
                     "label:nonsense", "", "   ", "selinexor 80 mg PO once ; end at 5 h"]),
    st.text(max_size=30),
)


def label_or_text_doses(text: str, until_h: float | None) -> int:
    from xposim.pharmacology.label_regimens import read_regimen

    return len(read_regimen(text).doses(until_h))


# ------------------------------------------------------------------ regimen show
@st.composite
def regimen_show_args(draw: st.DrawFn) -> dict:
    ok = draw(st.booleans())
    nonmem = draw(st.booleans())
    return {"text": draw(GOOD_REGIMENS if ok else REGIMENS),
            "days": pick(draw, ok, [None, "14", "28", "0.5", "3650"],
                         ["0", "-1", "nan", "inf", "1e300", "3651"]),
            "nonmem": nonmem,
            "expand": nonmem and draw(st.booleans()) if ok else draw(st.booleans()),
            "ident": pick(draw, ok, [None, "3"] if nonmem else [None], ["-1", "3"]),
            "size": pick(draw, ok, [None, ("70", "170")],
                         [("nan", "170"), ("70", None)]),
            "as_json": draw(st.booleans()),
            "out_kind": pick(draw, ok, GOOD_PATHS, PATH_KINDS)}


def run_regimen_show(tally: Tally, work: Path, *, text: str, days: str | None,
                     nonmem: bool, expand: bool, ident: str | None,
                     size: tuple | None, as_json: bool, out_kind: str) -> None:
    out = prepare_out(out_kind, work, ".csv")
    argv = ["regimen", "show", text]
    argv += [] if days is None else ["--days", days]
    argv += ["--nonmem"] if nonmem else []
    argv += ["--expand"] if expand else []
    argv += [] if ident is None else ["--id", ident]
    if size is not None:
        argv += ["--weight", size[0]] + ([] if size[1] is None else ["--height", size[1]])
    argv += ["--json"] if as_json else []
    argv += [] if out is None else ["--out", out]

    def check(stdout: str) -> None:
        if not as_json:
            return
        rows = json.loads(stdout)["rows"]
        until = None if days is None else float(days) * 24.0
        if not nonmem:  # one row per administration before the horizon
            assert len(rows) == label_or_text_doses(text, until), argv
            assert all(until is None or r["time_h"] < until for r in rows), argv
        elif expand:
            assert sum(r["EVID"] == 1 for r in rows) == label_or_text_doses(text, until)

    exercise(tally, argv, work, out, "file", check)


def test_regimen_show_campaign(record_property):
    campaign("regimen show", regimen_show_args(), run_regimen_show, CHEAP, record_property)


# ------------------------------------------------------------------ pk
@st.composite
def pk_args(draw: st.DrawFn) -> dict:
    ok = draw(st.booleans())
    return {"text": draw(st.sampled_from([
                "selinexor 80 mg PO once", "selinexor 60 mg PO BIW x 2 weeks",
                "dex 20 mg PO once + selinexor 80 mg PO once", "label:dlbcl",
                "dex 8 mg PO BID x 2 days"])) if ok else draw(REGIMENS),
            "hours": pick(draw, ok, [None, "1", "24", "48", "200"],
                          ["0.1", "nan", "-1", "1e6"]),
            "step": pick(draw, ok, [None, "0.5", "1"], ["100", "1e-7", "0", "nan", "3"]),
            "n": pick(draw, ok, [None, None, "2"], ["0", "-1", "1000000"]),
            "seed": pick(draw, ok, [None, "1"], ["-1"]),
            "cov": pick(draw, ok, [[], ["--weight", "50"], ["--sex", "F"],
                                   ["--weight", "70", "--height", "170"]],
                        [["--weight", "5"], ["--sex", "Q"], ["--height", "nan"]]),
            "out_kind": pick(draw, ok, GOOD_PATHS, PATH_KINDS)}


def run_pk(tally: Tally, work: Path, *, text: str, hours: str | None, step: str | None,
           n: str | None, seed: str | None, cov: list[str], out_kind: str) -> None:
    out = prepare_out(out_kind, work)
    argv = ["pk", "--regimen", text, "--json", *cov]
    for opt, value in (("--hours", hours), ("--step", step), ("--n", n), ("--seed", seed),
                       ("--out", out)):
        argv += [] if value is None else [opt, value]

    def check(stdout: str) -> None:
        data = json.loads(stdout)
        summaries = [data] if "cmax_ng_ml" in data else list(data.values())
        for s in summaries:
            assert s["cmax_ng_ml"] > 0 and math.isfinite(s["cmax_ng_ml"]), argv
            if s["half_life_h"] is None:  # never a silently truncated profile
                assert any(f.startswith("truncated") for f in s["flags"]), (argv, s)

    exercise(tally, argv, work, out, "folder", check)


def test_pk_campaign(record_property):
    campaign("pk", pk_args(), run_pk, COSTLY, record_property)


# ------------------------------------------------------------------ cell
@st.composite
def cell_args(draw: st.DrawFn) -> dict:
    ok = draw(st.booleans())
    return {"line": pick(draw, ok, ["myeloma", "normal", "dlbcl", "MM.1S"], ["hela2", ""]),
            "drug": pick(draw, ok, [["selinexor=100nM"], ["selinexor=1uM"], ["selinexor=0nM"],
                                    ["selinexor=44ng/mL"]],
                         [["selinexor=-1nM"], ["dex=5nM"], ["selinexor=100"],
                          ["selinexor=nan nM"], ["selinexor=1e300nM"], ["selinexor"],
                          ["aspirin=1nM"], [], ["selinexor=1nM", "selinexor=2nM"]]),
            "hours": pick(draw, ok, ["0.5", "2", "6", "24"], ["0", "-1", "nan", "1e9"]),
            "step": pick(draw, ok, [None, "0.25", "1"], ["1e-5", "0", "10", "inf"]),
            "washout": pick(draw, ok, [None, "0.25"], ["30", "nan"]),
            "out_kind": pick(draw, ok, GOOD_PATHS, PATH_KINDS)}


def run_cell(tally: Tally, work: Path, *, line: str, drug: list[str], hours: str,
             step: str | None, washout: str | None, out_kind: str) -> None:
    out = prepare_out(out_kind, work)
    argv = ["cell", "--cell-line", line, "--hours", hours, "--json"]
    for d in drug:
        argv += ["--drug", d]
    for opt, value in (("--step", step), ("--washout-at", washout), ("--out", out)):
        argv += [] if value is None else [opt, value]

    def check(stdout: str) -> None:
        data = json.loads(stdout)
        assert 0.0 <= data["occupancy"] <= 1.0, argv
        assert all(0.0 <= v <= 1.0 for v in data["nuclear_fraction"].values()), argv

    exercise(tally, argv, work, out, "folder", check)


def test_cell_campaign(record_property):
    campaign("cell", cell_args(), run_cell, COSTLY, record_property)


# ------------------------------------------------------------------ ic50
@st.composite
def ic50_args(draw: st.DrawFn) -> dict:
    ok = draw(st.booleans())
    good_conc = st.lists(st.sampled_from(["1nM", "10nM", "30nM", "100nM", "300nM", "1uM",
                                          "10uM"]), min_size=4, max_size=6, unique=True
                         ).map(lambda c: ",".join(["0nM", *c]))
    bad_conc = st.lists(st.sampled_from(
        ["0nM", "1nM", "10nM", "100nM", "-1nM", "5", "nan nM", "1e300nM", "2ng/mL"]),
        min_size=1, max_size=7).map(",".join)
    return {"line": pick(draw, ok, ["MM.1S", "myeloma", "normal"], ["hela2"]),
            "conc": draw(st.one_of(st.none(), good_conc) if ok else bad_conc),
            "hours": pick(draw, ok, ["24", "48"], ["0", "nan", "1e4"]),
            "fixed": pick(draw, ok, [[], ["--fixed", "dexamethasone=100nM"]],
                          [["--fixed", "dex=-1nM"]]),
            "out_kind": pick(draw, ok, GOOD_PATHS, PATH_KINDS)}


def run_ic50(tally: Tally, work: Path, *, line: str, conc: str | None, hours: str,
             fixed: list[str], out_kind: str) -> None:
    out = prepare_out(out_kind, work)
    argv = ["ic50", "--cell-line", line, "--hours", hours, "--json", *fixed]
    for opt, value in (("--concentrations", conc), ("--out", out)):
        argv += [] if value is None else [opt, value]

    def check(stdout: str) -> None:
        data = json.loads(stdout)
        assert 0.0 <= data["min_viability"] <= 1.0 + 1e-9, argv
        assert data["ic50_nm"] is None or data["ic50_nm"] > 0, argv

    exercise(tally, argv, work, out, "folder", check)


def test_ic50_campaign(record_property):
    campaign("ic50", ic50_args(), run_ic50, SLOW, record_property)


# ------------------------------------------------------------------ synergy
@st.composite
def plates(draw: st.DrawFn) -> dict:
    ok = draw(st.booleans())
    kind = pick(draw, ok, ["viability", "inhibition"], ["percent"])
    a_axis = pick(draw, ok, [[0, 10, 30, 100], [0, 10, 30, 100, 300]],
                  [[5, 10, 30, 100], [0, 10], [0, -1, 10, 30]])
    b_axis = pick(draw, ok, [[0, 3, 10, 30], [0, 1, 2, 4, 8]], [[0, 3]])
    size = len(a_axis) * len(b_axis)  # type: ignore[arg-type]
    cells = st.floats(0.0, 1.0) if ok else st.one_of(st.floats(-1.0, 2.0), st.sampled_from(
        [math.nan, 50.0, 0.0, 1.0]))
    values = draw(st.lists(cells, min_size=size, max_size=size))
    rows = [{"selinexor_nM": a, "dexamethasone_nM": b, kind: v}
            for (a, b), v in zip([(a, b) for a in a_axis for b in b_axis], values,  # type: ignore[union-attr]
                                 strict=True)]
    drop = pick(draw, ok, [None], [3])
    if drop is not None:
        rows.pop(drop)  # type: ignore[arg-type]
    return {"rows": rows,
            "fixed": pick(draw, ok, [[], ["--fixed", "bortezomib=2nM"]],
                          [["--fixed", "bortezomib=2"]]),
            "extra": pick(draw, ok, [[]], [["--hours", "48"],
                                           ["--drugs", "selinexor,dexamethasone"]]),
            "out_kind": pick(draw, ok, GOOD_PATHS, PATH_KINDS)}


def run_synergy(tally: Tally, work: Path, *, rows: list[dict], fixed: list[str],
                extra: list[str], out_kind: str) -> None:
    plate = work / "plate.csv"
    pd.DataFrame(rows).to_csv(plate, index=False)
    out = prepare_out(out_kind, work)
    argv = ["synergy", "--grid", str(plate), "--json", *fixed, *extra]
    argv += [] if out is None else ["--out", out]

    def check(stdout: str) -> None:
        data = json.loads(stdout)
        assert set(data) == {"bliss", "hsa", "loewe", "zip", "ci50"}, argv

    exercise(tally, argv, work, out, "folder", check)


def test_synergy_plate_campaign(record_property):
    campaign("synergy --grid", plates(), run_synergy, FITS, record_property)


@st.composite
def synergy_cell_args(draw: st.DrawFn) -> dict:
    ok = draw(st.booleans())
    axis = st.sampled_from(["0,10,30,100nM", "0,0.01,0.03,0.1uM"] if ok else [
        "0,10,30,100nM", "0,10nM", "5,10,30,100nM", "0,30,10,100nM", "0,1,2,x nM"])
    good = [["--drug", f"selinexor={draw(axis)}", "--drug", f"dexamethasone={draw(axis)}"],
            ["--drugs", "selinexor,dexamethasone"]]
    return {"drugs": pick(draw, ok, good, [["--drugs", "selinexor,selinexor"],
                                           ["--drugs", "selinexor,aspirin"],
                                           ["--drug", "selinexor=0,10,30,100nM"]]),
            "line": pick(draw, ok, ["MM.1S"], ["hela2"]),
            "hours": pick(draw, ok, ["24", "72"], ["0", "nan"]),
            "out_kind": pick(draw, ok, GOOD_PATHS, PATH_KINDS)}


def run_synergy_cell(tally: Tally, work: Path, *, drugs: list[str], line: str, hours: str,
                     out_kind: str) -> None:
    out = prepare_out(out_kind, work)
    argv = ["synergy", "--cell-line", line, "--hours", hours, "--json", *drugs]
    argv += [] if out is None else ["--out", out]
    exercise(tally, argv, work, out, "folder", lambda stdout: json.loads(stdout))


def test_synergy_cell_campaign(record_property):
    campaign("synergy --cell-line", synergy_cell_args(), run_synergy_cell, SLOW,
             record_property)


# ------------------------------------------------------------------ nm simulate
@st.composite
def nm_datasets(draw: st.DrawFn) -> dict:
    ok = draw(st.booleans())
    rows = []
    t = 0.0
    for k in range(draw(st.integers(2, 8))):
        t += pick(draw, ok, [0.0, 0.5, 1.0, 12.0], [-1.0])  # type: ignore[operator]
        dose = k == 0 or draw(st.booleans())
        if dose:
            ii = pick(draw, ok, [".", 0, 12], [-1])
            rows.append({"ID": pick(draw, ok, [1], [2, "x"]), "TIME": t,
                         "AMT": pick(draw, ok, [100, 50], [0, -5, "."]),
                         "EVID": pick(draw, ok, [1], [4, 7, 0]), "CMT": pick(draw, ok, [1],
                                                                              [0, 9]),
                         "II": ii, "ADDL": pick(draw, ok, [".", 0] if ii in (".", 0)
                                                else [".", 0, 3, 99_999],
                                                [1_000_000_000, 3]),
                         "SS": pick(draw, ok, [".", 0], [1, 3]),
                         "RATE": pick(draw, ok, [".", 0], [50, -2]), "DV": ".", "MDV": 1})
        else:
            rows.append({"ID": 1, "TIME": t, "AMT": ".", "EVID": pick(draw, ok, [0], [2, 0]),
                         "CMT": pick(draw, ok, [2], [9, 0]), "II": ".", "ADDL": ".",
                         "SS": ".", "RATE": ".", "DV": ".", "MDV": 0})
    return {"rows": rows,
            "columns": pick(draw, ok, [None], [["ID", "AMT"],
                                               ["TIME", "ID", "AMT", "EVID", "CMT", "DV"]]),
            "out_kind": pick(draw, ok, ("fresh", "nested", "spaces", "existing_file"),
                             (*PATH_KINDS, "input"))}


def run_nm(tally: Tally, work: Path, *, rows: list[dict], columns: list[str] | None,
           out_kind: str) -> None:
    data = work / "data.csv"
    df = pd.DataFrame(rows)
    (df if columns is None else df[columns]).to_csv(data, index=False)
    out = str(data) if out_kind == "input" else (prepare_out(out_kind, work, ".csv")
                                                 or str(work / "out.csv"))
    argv = ["nm", "simulate", str(data), "--model", "1cmt-oral", "--param", "CL=1.1",
            "--param", "V=20", "--param", "KA=1.5", "--output", "CP=A2/V*1000",
            "--out", out]

    def check(stdout: str) -> None:
        back = pd.read_csv(out, dtype=str, keep_default_na=False)
        assert len(back) == len(df) and "CP" in back.columns, argv

    exercise(tally, argv, work, out, "file", check)


def test_nm_simulate_campaign(record_property):
    campaign("nm simulate", nm_datasets(), run_nm, CHEAP, record_property)


# ------------------------------------------------------------------ nca
@st.composite
def nca_datasets(draw: st.DrawFn) -> dict:
    ok = draw(st.booleans())
    rows = []
    for sid in range(1, draw(st.integers(1, 3)) + 1):
        rows.append({"ID": sid, "TIME": 0.0, "DV": ".", "EVID": 1,
                     "AMT": pick(draw, ok, [320, 100], [0, -1, "."])})
        if ok:
            times = [0.5, 1, 2, 4, 8, 12, 24][: draw(st.integers(3, 7))]
            concs = draw(st.lists(st.floats(0.1, 20), min_size=len(times),
                                  max_size=len(times)))
        else:
            times = draw(st.lists(st.sampled_from([0.0, 0.25, 1, 2, 8, 24, -1]), max_size=8))
            concs = draw(st.lists(st.one_of(st.floats(0, 20), st.sampled_from(
                [0.0, -1.0, math.nan, "."])), min_size=len(times), max_size=len(times)))
        rows += [{"ID": sid, "TIME": t, "DV": c, "AMT": ".", "EVID": 0}
                 for t, c in zip(times, concs, strict=True)]
    return {"rows": rows,
            "route": pick(draw, ok, [None, "extravascular"], ["iv-bolus", "oral"]),
            "extra": pick(draw, ok, [[], ["--partial-auc", "0-12"],
                                     ["--superposition", "tau=24h"],
                                     ["--auc-method", "linear"]],
                          [["--lambda-z", "*:range=2-24"], ["--lloq", "nan"],
                           ["--partial-auc", "12-0"]]),
            "out_kind": pick(draw, ok, GOOD_PATHS, PATH_KINDS),
            "plots": pick(draw, ok, [None, "fresh"], ["existing_file"])}


def run_nca(tally: Tally, work: Path, *, rows: list[dict], route: str | None,
            extra: list[str], out_kind: str, plots: str | None) -> None:
    data = work / "data.csv"
    pd.DataFrame(rows).to_csv(data, index=False)
    out = prepare_out(out_kind, work, ".csv")
    argv = ["nca", str(data), "--json", *extra]
    argv += [] if route is None else ["--route", route]
    argv += [] if out is None else ["--out", out]
    if plots == "fresh":
        argv += ["--plots", str(work / "plots")]
    elif plots == "existing_file":
        (work / "plots.png").write_text("precious\n")
        argv += ["--plots", str(work / "plots.png")]

    def check(stdout: str) -> None:
        assert json.loads(stdout)["subjects"], argv

    exercise(tally, argv, work, out, "file", check)


def test_nca_campaign(record_property):
    campaign("nca", nca_datasets(), run_nca, FITS, record_property)


# ------------------------------------------------------------------ params, sbml, demo
@st.composite
def table_args(draw: st.DrawFn) -> dict:
    ok = draw(st.booleans())
    return {"command": draw(st.sampled_from(["params", "sbml"])),
            "model": pick(draw, ok, ["cell"], ["nonsense", ""]),
            "line": pick(draw, ok, [None, "myeloma"], ["hela2"]),
            "fmt": pick(draw, ok, [None, "csv", "md"], ["xlsx"]),
            "out_kind": pick(draw, ok, GOOD_PATHS, PATH_KINDS)}


def run_table(tally: Tally, work: Path, *, command: str, model: str, line: str | None,
              fmt: str | None, out_kind: str) -> None:
    out = prepare_out(out_kind, work, ".txt")
    argv = [command, "--model", model]
    argv += [] if line is None else ["--cell-line", line]
    argv += [] if fmt is None or command == "sbml" else ["--format", fmt]
    argv += [] if out is None else ["--out", out]
    exercise(tally, argv, work, out, "file")


def test_params_and_sbml_campaign(record_property):
    campaign("params / sbml", table_args(), run_table, CHEAP, record_property)


def run_demo(tally: Tally, work: Path, *, out_kind: str) -> None:
    out = prepare_out(out_kind, work) or str(work / "demo")
    # a 2-patient serial arm: the demo's whole path (model, trial, report, folder) in
    # seconds; `make demo` runs the full arm
    exercise(tally, ["demo", "--n", "2", "--workers", "1", "--out", out, "--quiet"], work,
             out, "folder")


def test_demo_campaign(record_property):
    kinds = st.sampled_from([k for k in PATH_KINDS if k != "none"])
    campaign("demo", st.fixed_dictionaries({"out_kind": kinds}), run_demo,
             settings(SLOW, max_examples=max(N // 8, 3)), record_property)
