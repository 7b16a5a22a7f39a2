"""The run folder of a trial: manifest, Parquet chunks, resumption — in one place.

Layout (documented in docs/trials.md)::

    OUT/
      manifest.json            what was run (keys: see MANIFEST_KEYS), status
      chunks/<arm>/<chunk>/    one finished chunk: subjects.parquet, time_course.parquet,
                               decisions.parquet, doses.parquet (renamed into place whole)
      endpoints.json           endpoints by arm (written when every chunk is done)
      report.html              written by the CLI (xposim trial report DIR rebuilds it)

Guarantees: the destination is checked before any simulation; a chunk appears only
complete (written in a temporary sibling, then renamed); a folder holding the same run
(same identity: protocol text, n, seed, chunk size, settings, model, version) is resumed,
one holding another run is refused unless ``overwrite``; anything else non-empty is
refused. This module is the one place to adopt the common output path of the CLI (issue
10): files and chunks are written with its atomic primitives (:mod:`xposim.io.atomic`);
the folder's manifest keeps the trial format (``MANIFEST_KEYS``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from xposim.errors import InputError
from xposim.io.atomic import (
    PARTIAL,
    atomic_file,
    make_partial_dir,
    remove,
    signals_deferred,
)

FORMAT = "xposim-trial-run"
FORMAT_VERSION = 1
TABLES: tuple[str, ...] = ("subjects", "time_course", "decisions", "doses")
#: Keys of manifest.json (docs/trials.md "The run folder").
MANIFEST_KEYS: tuple[str, ...] = (
    "format", "format_version", "identity", "status", "created", "finished", "command",
    "protocol", "population", "n_per_arm", "seed", "chunk_size", "settings", "model",
    "contract_version", "xposim_version", "dependencies", "chunks_total", "failures")


def identity_of(parts: Mapping[str, Any]) -> str:
    """sha256 of what decides a run's results (JSON, sorted keys)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _write_json(path: Path, obj: Any, *, sort_keys: bool = True) -> None:
    with atomic_file(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=sort_keys, default=str) + "\n",
                       encoding="utf-8")


@dataclass
class RunFolder:
    """An open run folder (see the module docstring)."""

    path: Path
    manifest: dict[str, Any]
    resumed: bool = False

    @classmethod
    def open(cls, path: str | os.PathLike[str], manifest: Mapping[str, Any], *,
             overwrite: bool = False) -> RunFolder:
        """Create, resume or refuse ``path`` for the run described by ``manifest`` (which
        must carry ``identity``). Nothing is simulated before this succeeds."""
        out = Path(path)
        if str(path).strip() == "":
            raise InputError("out", "must be a folder path")
        if out.exists() and not out.is_dir():
            raise InputError("out", "exists and is not a folder", got=str(out))
        mpath = out / "manifest.json"
        if out.is_dir() and any(out.iterdir()):
            old = _read_manifest(mpath)
            if old is None:  # never deleted, even with overwrite: it may be anything
                raise InputError("out", "is not empty and holds no xposim trial run; "
                                 "choose an empty or new folder", got=str(out))
            if old.get("identity") == manifest["identity"]:
                folder = cls(out, old, resumed=True)
                folder._clean_partial()
                if old.get("status") == "complete":
                    return folder
                folder.manifest.update({"status": "running", "resumed": time.strftime(
                    "%Y-%m-%dT%H:%M:%S%z")})
                _write_json(mpath, folder.manifest)
                return folder
            elif not overwrite:
                raise InputError("out", f"holds another run (protocol "
                                 f"{old.get('protocol', {}).get('name')}, n "
                                 f"{old.get('n_per_arm')} per arm, seed {old.get('seed')}); "
                                 "use another folder or --overwrite", got=str(out))
            for item in out.iterdir():
                remove(item)
        try:
            out.mkdir(parents=True, exist_ok=True)
            probe = out / f".write-test-{os.getpid()}"
            probe.write_text("")
            probe.unlink()
        except OSError as exc:
            raise InputError("out", f"cannot write there ({exc.strerror})", got=str(out)) from None
        m = {**manifest, "format": FORMAT, "format_version": FORMAT_VERSION,
             "status": "running", "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        _write_json(mpath, m)
        return cls(out, m)

    @classmethod
    def existing(cls, path: str | os.PathLike[str]) -> RunFolder:
        """Open a finished (or partial) run for reading, e.g. to rebuild the report."""
        out = Path(path)
        m = _read_manifest(out / "manifest.json")
        if m is None:
            raise InputError("dir", "holds no xposim trial run (no manifest.json)",
                             got=str(out))
        return cls(out, m)

    # -- chunks ----------------------------------------------------------------------

    def chunk_dir(self, arm: str, index: int) -> Path:
        return self.path / "chunks" / arm / f"{index:06d}"

    def completed(self) -> set[tuple[str, int]]:
        """(arm, chunk index) of every chunk on disk."""
        done: set[tuple[str, int]] = set()
        root = self.path / "chunks"
        if not root.is_dir():
            return done
        for arm_dir in root.iterdir():
            for c in arm_dir.iterdir() if arm_dir.is_dir() else ():
                if c.is_dir() and c.name.isdigit():
                    done.add((arm_dir.name, int(c.name)))
        return done

    def write_chunk(self, arm: str, index: int, tables: Mapping[str, pd.DataFrame]) -> None:
        """Write one finished chunk: all its tables appear at once, or none."""
        final = self.chunk_dir(arm, index)
        if final.exists():
            return  # a retried duplicate: the first copy is identical
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = make_partial_dir(final)
        try:
            for name in TABLES:
                tables[name].to_parquet(tmp / f"{name}.parquet", index=False)
            with signals_deferred():
                os.replace(tmp, final)
        finally:
            remove(tmp)

    def _clean_partial(self) -> None:
        """Remove the temporaries an interrupted run left (io's partial siblings)."""
        root = self.path / "chunks"
        for tmp in root.glob(f"*/.*{PARTIAL}*") if root.is_dir() else ():
            remove(tmp)

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
        for arm, idx in sorted(self.completed()):
            if wanted is not None and arm not in wanted:
                continue
            f = self.chunk_dir(arm, idx) / f"{table}.parquet"
            t = pq.read_table(f, columns=cols, filters=filt)
            if t.num_rows:
                frames.append(t.to_pandas())
        if not frames:
            return pd.DataFrame(columns=cols or ["arm", "subject_id"])
        out = pd.concat(frames, ignore_index=True)
        keys = [k for k in ("arm", "subject_id", "day") if k in out.columns]
        return out.sort_values(keys, kind="stable").reset_index(drop=True)

    # -- finishing ---------------------------------------------------------------------

    def write_json(self, name: str, obj: Any) -> Path:
        path = self.path / name
        _write_json(path, obj, sort_keys=False)  # keep the protocol's arm order
        return path

    def read_json(self, name: str) -> Any:
        path = self.path / name
        if not path.exists():
            raise InputError("dir", f"has no {name} (the run is not finished)",
                             got=str(self.path))
        return json.loads(path.read_text(encoding="utf-8"))

    def finish(self, **extra: Any) -> None:
        self.manifest.update(extra)
        self.manifest.update({"status": "complete",
                              "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
        _write_json(self.path / "manifest.json", self.manifest)


def _read_manifest(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    with contextlib.suppress(OSError, ValueError):
        m = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(m, dict) and m.get("format") == FORMAT:
            return m
    return None
