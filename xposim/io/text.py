"""Cheap facts about text files, read before a file is loaded into memory."""

from __future__ import annotations

import os

_CHUNK = 1 << 20


def count_lines(path: str | os.PathLike[str], *, stop_after: int | None = None) -> int:
    """Number of lines of a text file (a last line without a newline counts), read in
    1 MiB blocks without decoding; with ``stop_after``, counting stops as soon as the
    count exceeds it (enough to refuse a file that is too large)."""
    lines = 0
    last = b"\n"
    with open(path, "rb") as f:
        while block := f.read(_CHUNK):
            lines += block.count(b"\n")
            last = block[-1:]
            if stop_after is not None and lines > stop_after:
                return lines
    return lines + (last != b"\n")
