"""Issue 10's reproductions, each turned into its correct behaviour (in-process CLI runs;
the signal tests with real processes are in test_cli_signals.py).

Every refusal is one line on stderr naming the field, exit code 2, nothing written.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from clihelp import run_cli

from xposim.io import read_manifest
from xposim.limits import MAX_ADMINISTRATIONS, MAX_OUTPUT_POINTS, MAX_SIMULATED_DAYS

ROOT = Path(__file__).resolve().parents[1]
ONCE = "selinexor 80 mg PO once"


def one_line_refusal(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("error: ")
    for n in needles:
        assert n in err, err


def only(folder: Path, *names: str) -> None:
    """``folder`` holds exactly ``names`` (no temporaries, nothing half-written)."""
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)


# ------------------------------------------------------------------ 2. --out before any work
def test_pk_out_on_an_existing_file_is_refused_before_simulating(tmp_path):
    """Issue: a traceback with exit 1 after the simulation. Now: exit 2, one line, and
    no numerical library (so no simulation) was even loaded."""
    f = tmp_path / "f"
    f.write_text("hi\n")
    script = textwrap.dedent(f"""
        import sys
        from xposim.cli import main
        try:
            main(["pk", "--regimen", {ONCE!r}, "--out", {str(f)!r}])
        except SystemExit as exc:
            code = exc.code
        heavy = sorted({{m.split(".")[0] for m in sys.modules}}
                       & {{"numpy", "pandas", "roadrunner", "scipy"}})
        print(code, heavy)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.stdout.split("\n")[0] == "2 []", proc
    one_line_refusal(2, proc.stderr, "out: exists and is a file, not a folder", str(f))
    assert f.read_text() == "hi\n"
    only(tmp_path, "f")


@pytest.mark.parametrize("command", [
    ["pk", "--regimen", ONCE],
    ["cell", "--cell-line", "myeloma", "--drug", "selinexor=100nM", "--hours", "2"],
    ["ic50", "--cell-line", "MM.1S"],
    ["synergy", "--cell-line", "MM.1S", "--drugs", "selinexor,dexamethasone"],
    ["demo"],
])
def test_folder_outputs_refuse_files_empty_paths_and_paths_under_files(tmp_path, command):
    f = tmp_path / "f"
    f.write_text("hi\n")
    for out, message in ((str(f), "out: exists and is a file, not a folder"),
                         ("", "out: must not be empty"),
                         (str(f / "sub"), "out: cannot be created")):
        code, _, err = run_cli(*command, "--out", out)
        one_line_refusal(code, err, message)
    only(tmp_path, "f")


@pytest.mark.parametrize("command", [
    ["params", "--format", "csv"],
    ["sbml"],
    ["regimen", "show", ONCE],
])
def test_file_outputs_refuse_folders_and_paths_under_files(tmp_path, command):
    (tmp_path / "d").mkdir()
    f = tmp_path / "f"
    f.write_text("hi\n")
    for out, message in ((str(tmp_path / "d"), "out: is a folder; give a file name"),
                         ("", "out: must not be empty"),
                         (str(f / "x.csv"), "out: cannot be created")):
        code, _, err = run_cli(*command, "--out", out)
        one_line_refusal(code, err, message)
    only(tmp_path, "d", "f")


@pytest.mark.skipif(not Path("/sys").is_dir(), reason="needs a read-only /sys")
def test_a_read_only_place_is_refused_in_one_line():
    code, _, err = run_cli("pk", "--regimen", ONCE, "--out", "/sys/xposim-run")
    one_line_refusal(code, err, "out: cannot be")
    code, _, err = run_cli("params", "--out", "/sys/xposim-params.csv")
    one_line_refusal(code, err, "out: cannot be")


def test_nm_simulate_refuses_to_overwrite_its_input(tmp_path):
    src = tmp_path / "data.csv"
    text = "ID,TIME,AMT,EVID,CMT,DV,MDV\n1,0,100,1,1,.,1\n1,1,.,0,2,.,0\n"
    src.write_text(text)
    code, _, err = run_cli("nm", "simulate", str(src), "--model", "1cmt-oral", "--param",
                           "CL=1", "--param", "V=10", "--param", "KA=1", "--output",
                           "CP=A2/V", "--out", str(src))
    one_line_refusal(code, err, "out: is an input file")
    assert src.read_text() == text


# ------------------------------------------------------------------ 3. bounded work
def test_regimen_days_1e300_is_refused_naming_the_limit():
    code, _, err = run_cli("regimen", "show", "selinexor 80 mg PO days 1,3 weekly",
                           "--days", "1e300")
    one_line_refusal(code, err, "days:", f"{MAX_SIMULATED_DAYS.value:,}",
                     "xposim.limits.MAX_SIMULATED_DAYS")


def test_nonmem_addl_of_a_billion_is_refused_naming_the_row(tmp_path):
    src = tmp_path / "addl.csv"
    src.write_text("ID,TIME,AMT,EVID,CMT,II,ADDL,DV,MDV\n1,0,100,1,1,12,1000000000,.,1\n"
                   "1,1,.,0,2,.,.,.,0\n")
    code, _, err = run_cli("nm", "simulate", str(src), "--model", "1cmt-oral", "--param",
                           "CL=1", "--param", "V=10", "--param", "KA=1", "--output",
                           "CP=A2/V", "--out", str(tmp_path / "out.csv"))
    one_line_refusal(code, err, "row 1: ADDL must be <", "MAX_ADMINISTRATIONS")
    only(tmp_path, "addl.csv")
    # the same limit on the library's reader
    from xposim.errors import InputError
    from xposim.pharmacology.nmdata import read_dataset

    with pytest.raises(InputError, match="row 1: ADDL"):
        read_dataset(src)
    ok = src.read_text().replace("1000000000", str(MAX_ADMINISTRATIONS.value - 1))
    src.write_text(ok)
    assert len(read_dataset(src)) == 2


def test_cell_with_a_tiny_step_is_refused_before_allocating(tmp_path):
    code, _, err = run_cli("cell", "--cell-line", "myeloma", "--drug", "selinexor=100nM",
                           "--hours", "672", "--step", "1e-5", "--out", str(tmp_path / "o"))
    one_line_refusal(code, err, "step:", "67,200,001", f"{MAX_OUTPUT_POINTS.value:,}",
                     "use a step of at least 0.00336 h")
    assert list(tmp_path.iterdir()) == []


def test_pk_population_beyond_the_limits_is_refused():
    code, _, err = run_cli("pk", "--regimen", ONCE, "--n", "1000000")
    one_line_refusal(code, err, "n:", "MAX_SUBJECTS")
    code, _, err = run_cli("pk", "--regimen", ONCE, "--n", "100000", "--hours", "2000",
                           "--step", "0.25")
    one_line_refusal(code, err, "n:", "MAX_SUBJECT_TIMES", "--obs-every")


def test_too_many_administrations_are_refused_before_expanding():
    code, _, err = run_cli("regimen", "show", "selinexor 80 mg PO every 0.001 h",
                           "--days", "3000")
    one_line_refusal(code, err, "regimen:", "72,000,000", "MAX_ADMINISTRATIONS")
    code, _, err = run_cli("pk", "--regimen", "selinexor 80 mg PO every 0.0001 h x 2000000 "
                           "doses", "--step", "1")
    one_line_refusal(code, err, "regimen:", "MAX_ADMINISTRATIONS")


@pytest.mark.parametrize("text", [
    "selinexor 80 mg PO every 12 h x 1000000000 doses",  # found by the CLI campaign: the
    "selinexor 80 mg PO every 1e-6 h for 2 weeks",       # parser expanded every dose
    "selinexor 80 mg PO days 1,3 weekly x 60000 cycles",
])
def test_regimen_texts_with_huge_counts_are_refused_while_parsing(text):
    from xposim.errors import InputError
    from xposim.pharmacology.regimen import parse_regimen

    with pytest.raises(InputError, match=r"regimen: administrations .*MAX_ADMINISTRATIONS"):
        parse_regimen(text)
    code, _, err = run_cli("regimen", "show", text)
    one_line_refusal(code, err, "MAX_ADMINISTRATIONS")


def test_long_dose_tables_are_shown_in_part_and_written_whole(tmp_path):
    code, out, err = run_cli("regimen", "show", "dex 20 mg PO q12h", "--days", "365")
    assert code == 0, err
    assert "200 of 730 rows shown; --json or --out gives them all" in " ".join(out.split())
    code, _, err = run_cli("regimen", "show", "dex 20 mg PO q12h", "--days", "365", "--out",
                           str(tmp_path / "all.csv"))
    assert code == 0 and len(pd.read_csv(tmp_path / "all.csv")) == 730


@pytest.mark.parametrize("args", [
    ["cell", "--cell-line", "normal", "--hours", "1", "--drug", "selinexor=1e300nM"],
    ["ic50", "--cell-line", "MM.1S", "--concentrations", "0nM,1nM,10nM,100nM,2mM"],
    ["synergy", "--cell-line", "MM.1S", "--drug", "selinexor=0,1,10,1e9nM", "--drug",
     "dexamethasone=0,1,10,100nM"],
])
def test_absurd_concentrations_are_refused_not_sent_to_the_solver(args):
    # found by the campaign at 500 examples: 1e300 nM made CVODE fail (exit 1)
    code, _, err = run_cli(*args)
    one_line_refusal(code, err, "concentration must be between 0 and 1e+06 nM (1 mM)")


def test_a_dish_series_beyond_the_limit_is_refused():
    series = ",".join(f"{i}nM" for i in range(3000))
    code, _, err = run_cli("ic50", "--cell-line", "MM.1S", "--concentrations", series)
    one_line_refusal(code, err, "concentrations:", "MAX_DISH_SIMULATIONS")
    axis = ",".join(str(i) for i in range(60)) + "nM"
    code, _, err = run_cli("synergy", "--cell-line", "MM.1S", "--drug", f"selinexor={axis}",
                           "--drug", f"dexamethasone={axis}")
    one_line_refusal(code, err, "drug:", "3,600", "MAX_DISH_SIMULATIONS")


# ------------------------------------------------------------------ 4. no silent acceptance
def test_pk_hours_1_flags_the_truncated_profile():
    code, out, err = run_cli("pk", "--regimen", ONCE, "--hours", "1", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["tmax_h"] == 1.0  # Cmax at the end of the window: not the real peak
    assert any("Tmax is not clear" in f for f in data["flags"])
    assert any("terminal phase is not reached" in f for f in data["flags"])
    # a full profile carries no truncation flag
    code, out, _ = run_cli("pk", "--regimen", ONCE, "--json")
    assert not any(f.startswith("truncated") for f in json.loads(out)["flags"])


def test_non_integer_counts_of_weeks_are_refused_not_rounded():
    code, _, err = run_cli("regimen", "show", "selinexor 80 mg PO weekly x 2.5 weeks")
    one_line_refusal(code, err, "the number of weeks must be a whole number", "'2.5'",
                     "x 420 h")
    code, out, err = run_cli("regimen", "show", "selinexor 80 mg PO weekly x 420 h", "--json")
    assert code == 0, err
    assert [r["day"] for r in json.loads(out)["rows"]] == [1, 8, 15]


@pytest.mark.parametrize(("args", "field"), [
    (["--expand"], "expand: applies to NONMEM rows only"),
    (["--id", "3"], "id: applies to NONMEM rows only"),
    (["--weight", "70", "--height", "170"], "weight: sizes mg/m2 doses"),
])
def test_flags_that_would_be_ignored_are_refused(args, field):
    code, _, err = run_cli("regimen", "show", ONCE, *args)
    one_line_refusal(code, err, field)


def test_synergy_plate_values_follow_one_band_for_viability_and_inhibition(tmp_path):
    """Rule (docs/synergy.md): wells are fractions of the control within the noise band
    [-0.5, 1.5], for viability and inhibition alike (v and 1 - v get the same verdict)."""
    def plate(kind: str, value: float) -> Path:
        rows = [{"selinexor_nM": a, "dexamethasone_nM": b, kind: 0.5}
                for a in (0, 10, 100, 1000) for b in (0, 5, 50, 500)]
        rows[5][kind] = value
        path = tmp_path / f"{kind}_{value}.csv"
        pd.DataFrame(rows).to_csv(path, index=False)
        return path

    for v in (-0.2, 1.2, 1.5, -0.5):
        for kind, x in (("viability", v), ("inhibition", 1 - v)):
            code, _, err = run_cli("synergy", "--grid", str(plate(kind, x)), "--json")
            assert code == 0, (kind, x, err)
    for v in (1.7, -0.7, 55.0):
        for kind, x in (("viability", v), ("inhibition", 1 - v)):
            code, _, err = run_cli("synergy", "--grid", str(plate(kind, x)), "--json")
            one_line_refusal(code, err, f"grid: column {kind}, row 6", "[-0.5, 1.5]")


# ------------------------------------------------------------------ 5. permissions
def test_every_written_file_is_readable_by_the_group_and_others(tmp_path):
    old = os.umask(0o022)
    try:
        assert run_cli("pk", "--regimen", ONCE, "--hours", "24", "--out",
                       str(tmp_path / "pk"))[0] == 0
        assert run_cli("params", "--format", "csv", "--out",
                       str(tmp_path / "params.csv"))[0] == 0
        assert run_cli("sbml", "--out", str(tmp_path / "cell.xml"))[0] == 0
        assert run_cli("regimen", "show", "label:selinexor-dex", "--days", "14",
                       "--nonmem", "--out", str(tmp_path / "nm.csv"))[0] == 0
        assert run_cli("nm", "simulate", str(ROOT / "examples" / "nm_1cmt_oral.csv"),
                       "--model", "1cmt-oral",
                       "--param", "CL=10", "--param", "V=100", "--param", "KA=1",
                       "--output", "CP=A2/V", "--out", str(tmp_path / "sim.csv"))[0] == 0
    finally:
        os.umask(old)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    # pk: 4 files, params, SBML, NONMEM dataset, nm output and its manifest
    assert len(files) == 9
    assert {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {
        p.name: "0o644" for p in files}


# ------------------------------------------------------------------ 6. one run per folder
def test_pk_twice_into_one_folder_never_merges_and_the_manifest_says_how(tmp_path):
    out = tmp_path / "run"
    code, _, err = run_cli("pk", "--regimen", ONCE, "--n", "3", "--seed", "4", "--hours",
                           "48", "--step", "1", "--out", str(out))
    assert code == 0, err
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and m["command"] == "pk" and m["seed"] == 4
    assert m["argv"][:3] == ["xposim", "pk", "--regimen"]
    assert m["inputs"]["regimen"] == ONCE and m["inputs"]["n"] == 3
    assert len(m["model_hash"]["selinexor"]) == 64
    assert m["versions"]["xposim"] and m["versions"]["libroadrunner"]
    assert m["started"] <= m["finished"]
    assert set(m["files"]) == {"pk.parquet", "nonmem.csv", "profiles.png"}
    # another regimen into the same folder: refused, the first run untouched
    code, _, err = run_cli("pk", "--regimen", "selinexor 60 mg PO once", "--out", str(out))
    one_line_refusal(code, err, "out: holds another run (xposim pk, complete",
                     "--overwrite")
    assert json.loads((out / "manifest.json").read_text()) == m
    # two drugs with --overwrite: only the new run's files remain
    code, _, err = run_cli("pk", "--regimen", "selinexor 80 mg PO once + dex 20 mg PO once",
                           "--hours", "48", "--out", str(out), "--overwrite")
    assert code == 0, err
    only(out, "manifest.json", "nonmem_dexamethasone.csv", "nonmem_selinexor.csv",
         "pk.parquet", "profiles.png")
    only(tmp_path, "run")


@pytest.mark.parametrize(("command", "files"), [
    (["cell", "--cell-line", "myeloma", "--drug", "selinexor=100nM", "--hours", "4"],
     {"timecourse.parquet", "exposure.png"}),
    (["ic50", "--cell-line", "MM.1S", "--hours", "24", "--concentrations",
      "0nM,10nM,100nM,1uM,10uM"], {"dose_response.parquet", "dose_response.png"}),
])
def test_cell_and_ic50_folders_record_their_inputs_and_model(tmp_path, command, files):
    out = tmp_path / "run"
    code, _, err = run_cli(*command, "--out", str(out))
    assert code == 0, err
    m = read_manifest(out)
    assert m is not None and m.complete and set(m.files) == files
    assert m.inputs["cell_line"] == command[2] and isinstance(m.model_hash, str)
    assert len(m.model_hash) == 64 and m.seed is None


# ------------------------------------------------------------------ 7. messages
@pytest.mark.parametrize(("args", "needles"), [
    (["--hours", "nan"], ["hours: must be > 0 h (a finite number)", "nan"]),
    (["--hours", "inf"], ["hours: must be > 0 h"]),
    (["--step", "nan"], ["step: must be > 0 h"]),
    (["--step", "100"], ["step: gives 1 output time(s) between the first selinexor dose",
                         "at least 3"]),
    (["--seed", "-1"], ["seed: must be >= 0"]),
    (["--weight", "nan"], ["weight: must be > 0 kg"]),
])
def test_pk_messages_blame_the_option_the_user_gave(args, needles):
    code, _, err = run_cli("pk", "--regimen", ONCE, *args)
    one_line_refusal(code, err, *needles)


def test_a_long_regimen_blames_its_length_not_the_step():
    code, _, err = run_cli("pk", "--regimen", "selinexor 80 mg PO weekly x 100000 weeks")
    one_line_refusal(code, err, "regimen: simulated days would be 700,003",
                     "give --hours to simulate its beginning")
    assert "step" not in err


def test_ic50_counts_the_positive_concentrations_it_asks_for():
    code, _, err = run_cli("ic50", "--cell-line", "MM.1S", "--concentrations",
                           "0nM,1nM,10nM,100nM")
    one_line_refusal(code, err, "need at least 4 positive concentrations",
                     "got 3 positive of 4")


def test_synergy_errors_name_the_users_columns_and_options(tmp_path):
    rows = [{"selinexor_nM": a, "dexamethasone_nM": b, "viability": 0.5}
            for a in (5, 10, 20, 40) for b in (0, 5, 10, 20)]
    path = tmp_path / "p.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    code, _, err = run_cli("synergy", "--grid", str(path))
    one_line_refusal(code, err, "grid: column selinexor_nM: needs the 0 nM wells")
    assert "conc_a_nM" not in err
    code, _, err = run_cli("synergy", "--cell-line", "MM.1S", "--drug", "selinexor=5,10nM",
                           "--drug", "dexamethasone=0,5nM")
    one_line_refusal(code, err, "drug: the selinexor axis must start at 0")
    code, _, err = run_cli("synergy", "--cell-line", "MM.1S", "--drug", "selinexor=0,5,10nM",
                           "--drug", "dexamethasone=0,5,10,20nM")
    one_line_refusal(code, err, "drug: the selinexor axis needs 0 and at least 3 positive")
    small = tmp_path / "small.csv"
    pd.DataFrame([{"selinexor_nM": a, "dexamethasone_nM": b, "viability": 0.5}
                  for a in (0, 10) for b in (0, 5, 10, 20)]).to_csv(small, index=False)
    code, _, err = run_cli("synergy", "--grid", str(small))
    one_line_refusal(code, err, "grid: column selinexor_nM: needs 0 and at least 3 positive")
    assert "conc_a_nM" not in err
    code, _, err = run_cli("synergy", "--grid", str(path), "--hours", "48")
    one_line_refusal(code, err, "hours: applies to simulated grids")


@pytest.mark.parametrize(("text", "days"), [
    ("selinexor 80 mg PO once weekly x 3 weeks", [1, 8, 15]),
    ("selinexor 80 mg PO twice weekly x 2 weeks", [1, 3, 8, 10]),
    ("selinexor 80 mg PO QW x 2 weeks", [1, 8]),
    ("selinexor 60 mg PO BIW x 1 weeks", [1, 3]),
    ("selinexor 100 mg PO q3w x 2 cycles", [1, 22]),
    ("dex 20 mg PO QD x 2 days", [1, 2]),
    ("dex 8 mg PO BID x 1 days", [1, 1.5]),
])
def test_clinical_schedule_words_are_understood(text, days):
    code, out, err = run_cli("regimen", "show", text, "--json")
    assert code == 0, err
    assert [r["day"] for r in json.loads(out)["rows"]] == days


# ------------------------------------------------------------------ 8. the PK plot
def test_pk_plot_is_log_scaled_with_plain_ticks_and_no_symlog():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from xposim.pharmacology.pk.pkrun import run_pk
    from xposim.report.pk_plots import plot_profiles

    fig = plot_profiles(run_pk(ONCE, n=3, seed=1, step_h=0.5))
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    lo, hi = ax.get_ylim()
    assert 1e4 <= hi / lo < 2e4  # four decades below the peak: the terminal phase shows
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and all("$" not in t and "^" not in t for t in labels), labels
    assert {"1", "10", "100"} <= set(labels)
    plt.close(fig)


# ------------------------------------------------------------------ 9. conventions
def test_version_and_short_help():
    import typer.main

    from xposim import __version__
    from xposim.cli import app

    code, out, _ = run_cli("--version")
    assert code == 0 and out.strip() == f"xposim {__version__}"
    paths: list[list[str]] = [[]]

    def walk(cmd: object, path: list[str]) -> None:
        for name, sub in getattr(cmd, "commands", {}).items():
            paths.append([*path, name])
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    assert len(paths) > 12
    for path in paths:
        code, out, _ = run_cli(*path, "-h")
        assert code == 0 and "Usage:" in out, path


def test_loewe_on_a_noisy_plate_with_a_steep_single_agent_is_scored(tmp_path):
    """Found by the command-line campaign: a steep fitted Hill curve (slope ~41) whose
    dose for even a trace of effect exceeds the well's dose made Loewe's root search
    fail (scipy ValueError, a traceback). The expected effect there is ~0."""
    viability = [0.158, 0.0, 0.111, 0.410, 0.486, 0.399, 0.103, 1.0, 0.450, 0.95, 1e-13,
                 0.25, 0.0, 0.25, 4.7e-250, 0.193]
    path = tmp_path / "noisy.csv"
    pd.DataFrame({"selinexor_nM": [a for a in (0, 10, 30, 100) for _ in range(4)],
                  "dexamethasone_nM": [0, 3, 10, 30] * 4,
                  "viability": viability}).to_csv(path, index=False)
    code, out, err = run_cli("synergy", "--grid", str(path), "--json")
    assert code == 0, err
    assert set(json.loads(out)) == {"bliss", "hsa", "loewe", "zip", "ci50"}
