"""Every ``xposim ...`` command the README shows runs as written (issue 10.9).

The commands are taken from the README's inline code; each runs in a fresh folder holding
a copy of ``examples/`` (the datasets the README uses ship there), must exit 0, print
valid JSON when it says ``--json`` and write what it says with ``--out``.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from clihelp import run_cli

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = [m.group(1) for m in re.finditer(r"`(xposim [^`]+)`",
                                            (ROOT / "README.md").read_text(encoding="utf-8"))
            if "COMMAND" not in m.group(1)]  # placeholders (``xposim COMMAND -h``)


def test_the_readme_shows_commands():
    assert len(COMMANDS) >= 10
    assert any(c.startswith("xposim nm simulate examples/") for c in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_runs_as_written(command, tmp_path, monkeypatch):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    argv = shlex.split(command)[1:]
    code, out, err = run_cli(*argv)
    assert code == 0, f"{command}: {err}"
    if "--json" in argv:
        json.loads(out)
    if "--out" in argv:
        written = Path(argv[argv.index("--out") + 1])
        assert written.exists(), command
        if written.is_dir():
            assert json.loads((written / "manifest.json").read_text())["status"] == "complete"
