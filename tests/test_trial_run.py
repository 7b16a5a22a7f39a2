"""Execution guarantees of the trial runner, with the test double (tests/trial_double.py)
standing in for the patient model (never a model).

- serial and 2-process runs with the same seed give identical tables and endpoints
  (Dask: tests/test_trial_dask.py, slow);
- results do not depend on the chunk size;
- an interrupted run is recorded as interrupted, resumes from its folder (its partial
  temporaries removed) and ends identical to an uninterrupted one;
- a folder holding another run is refused (untouched), --overwrite replaces it; a folder
  that is not an xposim run is never deleted; a folder of the older trial format is
  refused (named as such), never misread;
- the manifest is io's: inputs (what decides the results, fingerprinted), details;
- a solver failure in one subject is recorded with subject and time, the rest completes.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from trial_double import make_double

from xposim.errors import InputError
from xposim.io import read_manifest
from xposim.io.manifest import fingerprint
from xposim.trials.protocol import load_protocol
from xposim.trials.run import run_trial
from xposim.trials.store import TrialFolder

N = 12


def _tables(path) -> dict[str, pd.DataFrame]:
    f = TrialFolder.existing(path)
    return {t: f.read(t) for t in ("subjects", "time_course", "decisions", "doses")}


def _same(a, b) -> None:
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    run = run_trial("boston", n=N, seed=4, out=out, simulator=make_double(), chunk_size=5)
    return run


def test_an_empty_read_keeps_the_tables_columns(serial_run):
    """An arm without dose rules logs no decision: its read is empty but keeps the columns
    the report's plots select (it returned only arm and subject_id: KeyError 'action')."""
    f = TrialFolder.existing(serial_run.path)
    full = f.read("decisions")
    empty = f.read("decisions", subjects=[10**6])
    assert len(empty) == 0 and list(empty.columns) == list(full.columns)
    assert "action" in empty.columns


def test_serial_run_writes_chunks_endpoints_and_manifest(serial_run):
    m = json.loads((serial_run.path / "manifest.json").read_text())
    assert m["format"] == 1 and m["command"] == "trial run" and m["status"] == "complete"
    inputs = m["inputs"]
    assert set(inputs) == {"protocol_text", "n_per_arm", "seed", "chunk_size", "settings",
                           "model", "contract_version", "xposim_version"}
    assert inputs["n_per_arm"] == N and inputs["seed"] == 4 == m["seed"]
    assert inputs["protocol_text"] == load_protocol("boston").text
    assert inputs["model"]["name"] == "trial-test-double" and inputs["contract_version"] == 2
    assert m["model_hash"] == inputs["model"]["hash"]
    details = m["details"]
    assert details["chunks_total"] == 6  # 2 arms x ceil(12 / 5)
    assert details["failures"] == 0 and details["protocol"]["name"] == "boston"
    assert details["population"]["name"] == load_protocol("boston").population.name
    assert "distributed" in m["versions"] and m["files"]["endpoints.json"] > 0
    # the identity of a run is io's fingerprint of the command and these inputs
    assert m["fingerprint"] == fingerprint("trial run", inputs)
    ep = json.loads((serial_run.path / "endpoints.json").read_text())
    assert set(ep["arms"]) == {"XVd", "Vd"} and ep["hazard_ratio_pfs"] is not None
    subjects = TrialFolder.existing(serial_run.path).read("subjects")
    assert len(subjects) == 2 * N and subjects.groupby("arm").size().tolist() == [N, N]


def test_two_processes_give_identical_results(serial_run, tmp_path):
    run = run_trial("boston", n=N, seed=4, out=tmp_path / "p2", simulator=make_double(),
                    chunk_size=5, backend="processes", workers=2)
    assert run.endpoints == serial_run.endpoints
    _same(_tables(serial_run.path), _tables(run.path))


def test_results_do_not_depend_on_chunk_size(serial_run, tmp_path):
    run = run_trial("boston", n=N, seed=4, out=tmp_path / "c", simulator=make_double(),
                    chunk_size=3)
    assert run.endpoints == serial_run.endpoints
    _same(_tables(serial_run.path), _tables(run.path))


def test_an_interrupted_run_resumes_and_ends_identical(serial_run, tmp_path, monkeypatch):
    out = tmp_path / "resume"
    calls = {"n": 0}
    original = TrialFolder.write_chunk

    def write_then_stop(self, arm, index, tables):
        if calls["n"] == 2:
            raise KeyboardInterrupt  # Ctrl-C after two chunks are on disk
        calls["n"] += 1
        original(self, arm, index, tables)

    monkeypatch.setattr(TrialFolder, "write_chunk", write_then_stop)
    with pytest.raises(KeyboardInterrupt):
        run_trial("boston", n=N, seed=4, out=out, simulator=make_double(), chunk_size=5)
    stopped = TrialFolder.existing(out)
    assert len(stopped.completed()) == 2 and stopped.manifest.status == "interrupted"
    assert not (out / "endpoints.json").exists()
    # what a kill during a chunk's write leaves: temporaries, never a result
    half = out / "chunks" / "XVd" / ".000004.partial-0123abcd"
    half.mkdir()
    (half / "subjects.parquet").write_bytes(b"half")
    (out / ".endpoints.partial-0123abcd.json").write_text("{")
    monkeypatch.setattr(TrialFolder, "write_chunk", original)
    run = run_trial("boston", n=N, seed=4, out=out, simulator=make_double(), chunk_size=5)
    assert run.resumed_chunks == 2 and run.simulated_chunks == 4
    assert run.endpoints == serial_run.endpoints
    _same(_tables(serial_run.path), _tables(out))
    assert not [p for p in out.rglob("*") if ".partial-" in p.name]
    done = TrialFolder.existing(out).manifest
    assert done.status == "complete" and done.started == stopped.manifest.started


def test_a_folder_holding_another_run_is_refused_untouched(serial_run, tmp_path):
    before = {p: p.stat().st_mtime_ns for p in serial_run.path.rglob("*")}
    with pytest.raises(InputError, match=r"out: holds another run \(xposim trial run of "
                       r"protocol boston with 12 subjects per arm and seed 4, complete, "
                       r"started .*\); give --overwrite"):
        run_trial("boston", n=N, seed=5, out=serial_run.path, simulator=make_double(),
                  chunk_size=5)
    assert before == {p: p.stat().st_mtime_ns for p in serial_run.path.rglob("*")}
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    for overwrite in (False, True):  # --overwrite never deletes a folder that is not a run
        with pytest.raises(InputError, match="not empty and holds no xposim run"):
            run_trial("storm", n=2, seed=5, out=other, simulator=make_double(),
                      overwrite=overwrite)
    assert (other / "notes.txt").read_text() == "mine"
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        run_trial("storm", n=2, seed=5, out=a_file, simulator=make_double())


def test_overwrite_replaces_another_run(tmp_path):
    out = tmp_path / "o"
    run_trial("storm", n=3, seed=1, out=out, simulator=make_double())
    run = run_trial("storm", n=4, seed=2, out=out, simulator=make_double(), overwrite=True)
    assert run.endpoints["arms"]["Xd"]["n"] == 4
    assert len(TrialFolder.existing(out).read("subjects")) == 4  # no chunk of the old run


OLD_MANIFEST = {"format": "xposim-trial-run", "format_version": 1, "identity": "ab" * 32,
                "status": "complete", "created": "2026-11-30T10:00:00+0000",
                "command": "xposim trial run storm --n 3", "n_per_arm": 3, "seed": 1}


def test_a_folder_of_the_older_trial_format_is_refused_never_misread(tmp_path):
    old = tmp_path / "old"
    (old / "chunks" / "Xd" / "000000").mkdir(parents=True)
    (old / "manifest.json").write_text(json.dumps(OLD_MANIFEST))
    before = {p: p.stat().st_mtime_ns for p in old.rglob("*")}
    with pytest.raises(InputError, match=r"^dir: was written by an older xposim \(trial run "
                       r"folder format 'xposim-trial-run'\).*run it again.*got '.*old'$"):
        TrialFolder.existing(old)
    with pytest.raises(InputError, match=r"^out: holds a run written by an older xposim .*"
                       r"give --overwrite to replace it, or another folder, got '.*old'$"):
        run_trial("storm", n=3, seed=1, out=old, simulator=make_double())
    assert before == {p: p.stat().st_mtime_ns for p in old.rglob("*")}
    run = run_trial("storm", n=3, seed=1, out=old, simulator=make_double(), overwrite=True)
    assert run.simulated_chunks == 1 and read_manifest(old).command == "trial run"  # type: ignore[union-attr]


def test_a_finished_run_rerun_is_a_no_op(serial_run):
    run = run_trial("boston", n=N, seed=4, out=serial_run.path, simulator=make_double(),
                    chunk_size=5)
    assert run.simulated_chunks == 0 and run.endpoints == serial_run.endpoints


def test_solver_failures_are_recorded_and_the_rest_completes(tmp_path):
    run = run_trial("storm", n=8, seed=1, out=tmp_path / "f",
                    simulator=make_double(fail_subjects=(2,), raise_subjects=(5,)),
                    chunk_size=4)
    assert len(run.failures) == 2
    assert any("subject 2" in f and "t = 100 h" in f for f in run.failures)
    assert any("subject 5" in f and "t = 12.5 h" in f for f in run.failures)
    arm = run.endpoints["arms"]["Xd"]
    assert arm["n"] == 6 and arm["n_failed"] == 2
    assert json.loads((run.path / "manifest.json").read_text())["details"]["failures"] == 2


@pytest.mark.parametrize("kwargs, field", [
    ({"n": -1}, "n"), ({"n": 0}, "n"), ({"seed": -3}, "seed"), ({"chunk_size": 0}, "chunk"),
    ({"backend": "gpu"}, "backend"), ({"settings": {"XPO1_totl0": 1.0}}, "XPO1_totl0"),
    ({"settings": {"pk_iiv.nope.omega": 1.0}}, "nope"),
])
def test_bad_arguments_are_refused_before_any_folder(tmp_path, kwargs, field):
    args = {"n": 2, "seed": 1, **kwargs}
    with pytest.raises(InputError, match=field):
        run_trial("storm", out=tmp_path / "x", simulator=make_double(), **args)
    assert not (tmp_path / "x").exists()
