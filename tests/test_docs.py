"""Every ```python block in docs/*.md runs, so the documentation cannot rot.

Blocks of one page run in order in one namespace, inside a temporary working directory.
A block fenced as ```python no-run is shown but not executed (use sparingly).
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCK = re.compile(r"^```python(?P<flags>[^\n]*)\n(?P<code>.*?)^```", re.S | re.M)
PAGES = sorted(p for p in DOCS.glob("*.md") if BLOCK.search(p.read_text(encoding="utf-8")))


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_doc_examples_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for match in BLOCK.finditer(page.read_text(encoding="utf-8")):
        if "no-run" in match.group("flags"):
            continue
        code = compile(match.group("code"), f"{page.name}", "exec")
        exec(code, namespace)
