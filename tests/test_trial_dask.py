"""Execution on real processes that are killed (slow: `make validate`).

The test double (tests/trial_double.py) stands in for the patient model (never a model).

- serial, 2-process and Dask (LocalCluster, 2 workers) runs give identical endpoints;
- a Dask worker killed mid-chunk: its chunk is retried, results identical;
- a process-pool worker killed mid-chunk: the pool is rebuilt, results identical;
- the CLI killed (SIGKILL) midway and rerun with the same command completes with results
  identical to an uninterrupted run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from trial_double import make_double

from xposim.trials.run import run_trial
from xposim.trials.store import TrialFolder

pytestmark = pytest.mark.slow
TESTS = Path(__file__).resolve().parent
N = 12


def _subjects(path) -> pd.DataFrame:
    return TrialFolder.existing(path).read("subjects")


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    return run_trial("boston", n=N, seed=9, out=tmp_path_factory.mktemp("s"),
                     simulator=make_double(), chunk_size=4)


def test_dask_local_cluster_gives_identical_results(serial, tmp_path):
    run = run_trial("boston", n=N, seed=9, out=tmp_path / "d", simulator=make_double(),
                    chunk_size=4, backend="dask", workers=2)
    assert run.endpoints == serial.endpoints
    pd.testing.assert_frame_equal(_subjects(serial.path), _subjects(run.path))


def test_a_killed_dask_worker_is_retried_with_identical_results(serial, tmp_path):
    marker = tmp_path / "marker"
    marker.mkdir()
    run = run_trial("boston", n=N, seed=9, out=tmp_path / "k", chunk_size=4,
                    simulator=make_double(die_once=str(marker), die_subject=5),
                    backend="dask", workers=2)
    assert (marker / "died").exists()  # a worker really died mid-chunk
    assert run.endpoints == serial.endpoints
    pd.testing.assert_frame_equal(_subjects(serial.path), _subjects(run.path))


def test_a_killed_process_worker_is_retried_with_identical_results(serial, tmp_path):
    marker = tmp_path / "marker"
    marker.mkdir()
    run = run_trial("boston", n=N, seed=9, out=tmp_path / "p", chunk_size=4,
                    simulator=make_double(die_once=str(marker), die_subject=5),
                    backend="processes", workers=2)
    assert (marker / "died").exists()
    assert run.endpoints == serial.endpoints


def test_cli_killed_midway_resumes_to_identical_results(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(TESTS),
           "XPOSIM_PATIENT_MODEL": "trial_double:make_slow_double"}
    args = [sys.executable, "-c", "from xposim.cli import main; main()", "trial", "run",
            "storm", "--n", "24", "--seed", "3", "--chunk-size", "3", "--no-report", "--json"]
    out = tmp_path / "run"
    proc = subprocess.Popen([*args, "--out", str(out)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.time() + 240
    while time.time() < deadline:
        if out.exists() and len(TrialFolder.existing(out).completed()) >= 2:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed = TrialFolder.existing(out)
    done = len(killed.completed())
    assert 2 <= done < 8, done  # killed midway
    assert killed.manifest.status == "running"  # SIGKILL cannot be recorded: not a result
    again = subprocess.run([*args, "--out", str(out)], env=env, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    fresh = subprocess.run([*args, "--out", str(tmp_path / "fresh")], env=env,
                           capture_output=True, text=True, timeout=300)
    assert json.loads(again.stdout) == json.loads(fresh.stdout)
    pd.testing.assert_frame_equal(_subjects(out), _subjects(tmp_path / "fresh"))


def test_ctrl_c_exits_130_with_a_message_and_leaves_a_resumable_folder(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(TESTS),
           "XPOSIM_PATIENT_MODEL": "trial_double:make_slow_double"}
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-c", "from xposim.cli import main; main()", "trial", "run", "storm",
         "--n", "60", "--chunk-size", "3", "--no-report", "--json", "--out", str(out)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 240
    while time.time() < deadline:
        if out.exists() and len(TrialFolder.existing(out).completed()) >= 1:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert "run the same command to resume" in err
    assert TrialFolder.existing(out).manifest.status == "interrupted"
    assert not (out / "endpoints.json").exists()
