"""Helpers for the parameter-table fixture (tests/fixtures/params_before.json.xz): the
output of `xposim params` and the parameter tables of other models before provenance
moved from Python to presets/params/*.toml."""

from __future__ import annotations

import io
import json
import lzma
from pathlib import Path

import pandas as pd

FIXTURE = Path(__file__).parent / "fixtures" / "params_before.json.xz"


def load_fixture() -> dict[str, str]:
    return json.loads(lzma.decompress(FIXTURE.read_bytes()))


def parse_markdown(text: str) -> pd.DataFrame:
    """The Markdown table of `xposim params` back into rows of strings."""
    lines = [ln for ln in text.splitlines() if ln.startswith("|")]
    split = [[c.strip() for c in _cells(ln)] for ln in lines]
    return pd.DataFrame(split[2:], columns=split[0])


def _cells(line: str) -> list[str]:
    out, cur, i = [], "", 1
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line) and line[i + 1] == "|":
            cur += "|"
            i += 2
            continue
        if ch == "|":
            out.append(cur)
            cur = ""
        else:
            cur += ch
        i += 1
    return out


def parse_csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
