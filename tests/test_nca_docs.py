"""docs/nca.md maps every NCA output code to the WinNonlin and PKNCA names the code uses."""

from __future__ import annotations

import re
from pathlib import Path

from xposim.analysis.nca_codes import PARAMETERS

DOC = Path(__file__).resolve().parents[1] / "docs" / "nca.md"


def test_every_output_code_is_in_the_docs_table_with_its_tool_names():
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| `([A-Z0-9]+)`(?: ¹)? \| ([^|]+) \| ([^|]+) \|", line)
        if m:
            rows[m.group(1)] = (m.group(2).strip(), m.group(3).strip().strip("`"))
    for p in PARAMETERS:
        assert p.code in rows, f"{p.code} missing from docs/nca.md"
        assert rows[p.code] == (p.winnonlin, p.pknca), p.code


def test_docs_name_each_auc_method_for_both_tools():
    text = DOC.read_text(encoding="utf-8")
    for phrase in ("Linear Trapezoidal Linear Interpolation", "Linear Up Log Down",
                   "Linear Log", '"lin up/log down"', '"lin-log"', '"linear"',
                   "first=keep,middle=drop,last=keep"):
        assert phrase in text, phrase
