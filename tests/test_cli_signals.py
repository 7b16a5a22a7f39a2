"""Interrupts and progress, with real processes and real signals (issue 10.1, 10.9).

SIGINT and SIGTERM end a run with exit 130/143 and one line; no temporary is left behind
and nothing that looks complete appears. A shell's ``&&`` chain stops. A resumable run
folder records ``interrupted`` and resumes. Progress bars appear on a terminal only.
"""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

XPOSIM = [sys.executable, "-m", "xposim.cli"]
LONG_PK = ["pk", "--regimen", "label:selinexor-dex", "--n", "5000", "--quiet"]


def _default_signals() -> None:
    """The child starts with default SIGINT/SIGTERM (a test runner may ignore them)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _start(argv: list[str], cwd: Path, **kw: object) -> subprocess.Popen[str]:
    return subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=_default_signals, **kw)  # type: ignore[call-overload]


def _wait_for_work(proc: subprocess.Popen[str], folder: Path, timeout: float = 120) -> None:
    """Until the command has reserved its output (a hidden partial sibling exists), plus
    a moment so that the simulation itself is running."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if any(".partial-" in p.name for p in folder.iterdir()):
            time.sleep(1.0)
            return
        if proc.poll() is not None:
            pytest.fail(f"finished before it could be interrupted: {proc.communicate()}")
        time.sleep(0.05)
    proc.kill()
    pytest.fail("the command never started writing")


@pytest.mark.parametrize(("sig", "code", "name"), [(signal.SIGINT, 130, "SIGINT"),
                                                   (signal.SIGTERM, 143, "SIGTERM")])
def test_a_signal_ends_the_run_cleanly(tmp_path, sig, code, name):
    proc = _start([*XPOSIM, *LONG_PK, "--out", "run"], tmp_path)
    _wait_for_work(proc, tmp_path)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert err.strip().splitlines() == [f"error: interrupted by {name}: stopped before "
                                        "completing; no result was written"]
    assert "Traceback" not in err and out == ""
    assert list(tmp_path.iterdir()) == []  # no folder, no temporary


def test_an_interrupted_command_stops_a_shell_and_chain(tmp_path):
    """Issue: ``xposim demo --out X && echo next`` ran ``next`` after Ctrl-C."""
    cmd = " ".join([*XPOSIM, *LONG_PK, "--out", "X"]) + " && echo next"
    # default SIGINT in the shell: one started with SIGINT ignored (a test run launched in
    # the background) cannot trap or reset it, and its children would inherit the ignore
    proc = subprocess.Popen(["bash", "-c", cmd], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=_default_signals)
    _wait_for_work(proc, tmp_path)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
    out, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert "next" not in out
    assert "interrupted by SIGINT" in err
    assert not (tmp_path / "X").exists()


RUNNER = textwrap.dedent("""
    import sys, time
    from xposim.io import Interrupted, Manifest, RunFolder, signals_raise

    manifest = Manifest(command="trial run", inputs={"protocol": "storm", "n": 20})
    try:
        with signals_raise(), RunFolder(sys.argv[1], manifest=manifest) as run:
            print("resumed" if run.resumed else "fresh", flush=True)
            for k in range(4):
                name = f"chunk-{k}.csv"
                if run.has(name):
                    continue
                with run.file(name) as tmp:
                    tmp.write_text(f"subjects of chunk {k}\\n")
                print(f"wrote {name}", flush=True)
                time.sleep(float(sys.argv[2]))
    except Interrupted as exc:
        sys.exit(exc.exit_code)
""")


def test_a_run_folder_is_marked_interrupted_and_resumed_by_the_same_command(tmp_path):
    script = tmp_path / "runner.py"
    script.write_text(RUNNER)
    proc = _start([sys.executable, str(script), "trial", "30"], tmp_path)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "fresh"
    assert proc.stdout.readline().strip() == "wrote chunk-0.csv"
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 143
    m = json.loads((tmp_path / "trial" / "manifest.json").read_text())
    assert m["status"] == "interrupted" and m["files"] == {"chunk-0.csv": 20}
    assert not [p for p in (tmp_path / "trial").iterdir() if ".partial-" in p.name]
    done = subprocess.run([sys.executable, str(script), "trial", "0"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["resumed", "wrote", "chunk-1.csv", "wrote", "chunk-2.csv",
                                   "wrote", "chunk-3.csv"]
    m = json.loads((tmp_path / "trial" / "manifest.json").read_text())
    assert m["status"] == "complete" and len(m["files"]) == 4


def _run_on_a_terminal(argv: list[str], cwd: Path) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal; returns (exit code, what the terminal got)."""
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=slave,
                            env=env, preexec_fn=_default_signals)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(master)
    return proc.wait(timeout=120), b"".join(chunks).decode(errors="replace")


def test_progress_is_drawn_on_a_terminal_and_nowhere_else(tmp_path):
    args = [*XPOSIM, "pk", "--regimen", "selinexor 80 mg PO once", "--n", "30", "--hours",
            "24", "--step", "1"]
    code, screen = _run_on_a_terminal(args, tmp_path)
    assert code == 0
    assert "30 virtual subjects" in screen
    code, screen = _run_on_a_terminal([*args, "--quiet"], tmp_path)
    assert code == 0 and "virtual subjects" not in screen
    piped = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert piped.returncode == 0 and piped.stderr == ""
