"""The run folder of a trial: the trial's chunks and tables on io's run folder.

Layout (documented in docs/trials.md, "The run folder")::

    OUT/
      manifest.json            io's manifest (xposim.io.manifest), command "trial run"
      chunks/<arm>/<chunk>/    one finished chunk: subjects.parquet, time_course.parquet,
                               decisions.parquet, doses.parquet (renamed into place whole)
      endpoints.json           endpoints by arm (written when every chunk is done)
      report.html              written by the CLI (xposim trial report DIR rebuilds it)

Everything a folder of any long command needs comes from :class:`xposim.io.RunFolder`
(one place): the destination checked before any simulation; the same run (same
fingerprint of the inputs: protocol text, n, seed, chunk size, settings, model, contract
and package version) resumed, its partial temporaries removed; another run refused unless
``overwrite``; a non-empty folder that is not an xposim run never deleted; a folder of an
older xposim refused with a line saying so; ``running``/``complete``/``interrupted``/
``failed`` recorded. This module adds only what is the trial's: chunk folders, their four
Parquet tables, and reading them back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from xposim.errors import InputError
from xposim.io.output import RunFolder as _RunFolder

#: io's command name of a trial run (the manifest's ``command``).
COMMAND = "trial run"
TABLES: tuple[str, ...] = ("subjects", "time_course", "decisions", "doses")
CHUNKS = "chunks"


class TrialFolder(_RunFolder):
    """A trial's run folder (see the module docstring): opened for a run with
    ``TrialFolder(out, manifest=Manifest(command="trial run", ...), overwrite=)`` (as a
    context manager, it records how the run ended) or for reading with
    :meth:`existing`."""

    COMMAND = COMMAND

    # -- chunks ----------------------------------------------------------------------

    def chunk_dir(self, arm: str, index: int) -> Path:
        return self.path / CHUNKS / arm / f"{index:06d}"

    def completed(self) -> set[tuple[str, int]]:
        """(arm, chunk index) of every chunk on disk."""
        done: set[tuple[str, int]] = set()
        root = self.path / CHUNKS
        if not root.is_dir():
            return done
        for arm_dir in root.iterdir():
            for c in arm_dir.iterdir() if arm_dir.is_dir() else ():
                if c.is_dir() and c.name.isdigit():
                    done.add((arm_dir.name, int(c.name)))
        return done

    def write_chunk(self, arm: str, index: int, tables: Mapping[str, pd.DataFrame]) -> None:
        """Write one finished chunk: all its tables appear at once, or none. A chunk
        already on disk is kept (a retried duplicate is identical)."""
        final = self.chunk_dir(arm, index)
        if final.exists():
            return
        with self.folder(final.relative_to(self.path).as_posix()) as tmp:
            for name in TABLES:
                tables[name].to_parquet(tmp / f"{name}.parquet", index=False)

    # -- reading ---------------------------------------------------------------------

    def read(self, table: str, *, columns: Iterable[str] | None = None,
             arms: Iterable[str] | None = None,
             subjects: Iterable[int] | None = None) -> pd.DataFrame:
        """One table of every chunk, sorted by (arm, subject_id[, day]). ``subjects``
        keeps only those subject ids (read filter: memory stays bounded)."""
        import pyarrow.parquet as pq

        if table not in TABLES:
            raise InputError("table", f"must be one of {', '.join(TABLES)}", got=table)
        wanted = None if arms is None else set(arms)
        filt = None if subjects is None else [("subject_id", "in", sorted(set(subjects)))]
        cols = None if columns is None else list(dict.fromkeys(["arm", "subject_id",
                                                                *columns]))
        frames = []
        empty = None  # the schema of an empty read (e.g. an arm without dose rules)
        for arm, idx in sorted(self.completed()):
            if wanted is not None and arm not in wanted:
                continue
            f = self.chunk_dir(arm, idx) / f"{table}.parquet"
            t = pq.read_table(f, columns=cols, filters=filt)
            if t.num_rows:
                frames.append(t.to_pandas())
            elif empty is None:
                empty = t.to_pandas()
        if not frames:
            return (empty.reset_index(drop=True) if empty is not None
                    else pd.DataFrame(columns=cols or ["arm", "subject_id"]))
        out = pd.concat(frames, ignore_index=True)
        keys = [k for k in ("arm", "subject_id", "day") if k in out.columns]
        return out.sort_values(keys, kind="stable").reset_index(drop=True)

    # -- JSON beside the chunks --------------------------------------------------------

    def write_json(self, name: str, obj: Any) -> Path:
        """Write ``name`` (a plain file name) atomically; keys keep their order (the
        protocol's arm order)."""
        with self.file(name) as tmp:
            tmp.write_text(json.dumps(obj, indent=2, default=str) + "\n", encoding="utf-8")
        return self.path / name

    def read_json(self, name: str) -> Any:
        path = self.path / name
        if not path.exists():
            raise InputError("dir", f"has no {name} (the run is not finished)",
                             got=str(self.path))
        return json.loads(path.read_text(encoding="utf-8"))
