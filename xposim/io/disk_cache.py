"""Content-keyed files kept between processes (compiled models, derived reductions).

A cache file is only ever an optimisation: one that cannot be read is None (the caller
computes anew and writes over it), one that cannot be written is no error. Writes are
atomic (a temporary sibling renamed into place: concurrent writers of one key write the
same bytes), and a folder keeps only its ``keep`` most recently used files of a suffix.
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

from xposim.io.atomic import make_partial_file, remove


def cache_read(path: Path | None) -> bytes | None:
    """The bytes kept at ``path``, marked recently used (None if absent or unreadable)."""
    if path is None or not path.is_file():
        return None
    try:
        data = path.read_bytes()
        os.utime(path)  # recently used: kept when the folder is pruned
        return data
    except OSError:
        return None


def cache_write(path: Path | None, data: bytes, keep: int) -> None:
    """Keep ``data`` at ``path`` (atomic), then remove all but the ``keep`` most recently
    used files with its suffix in its folder."""
    if path is None:
        return
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = make_partial_file(path)
        tmp.write_bytes(data)
        os.replace(tmp, path)
        tmp = None
        files = sorted(path.parent.glob(f"*{path.suffix}"), key=lambda p: p.stat().st_mtime)
        for old in files[:-keep]:
            with suppress(OSError):
                old.unlink()
    except OSError:
        if tmp is not None:
            remove(tmp)
