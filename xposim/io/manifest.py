"""``manifest.json``: how an output folder was made, so a run can be reproduced or resumed.

Every output folder a command writes holds one. Fields (docs/cli.md, "The manifest"):

- ``format`` (1), ``command`` (``"pk"``, ``"nm simulate"``...), ``argv`` (the command line
  as typed), ``inputs`` (the command's resolved inputs, JSON), ``fingerprint`` (SHA-256 of
  command and inputs: two runs with the same fingerprint compute the same thing);
- ``seed`` (null without randomness), ``model_hash`` (SHA-256 of the simulated SBML, or a
  mapping name -> hash when a command simulates several models; null without a model);
- ``details``: facts resolved while running (e.g. the simulated hours); not part of the
  fingerprint. An optional ``details["summary"]`` (a few words, e.g. ``storm, 400 per arm,
  seed 1``) is quoted when a folder holding that run is refused;
- ``versions``: xposim, Python, the platform and every runtime dependency;
- ``started``/``finished`` (UTC, ISO 8601), ``status`` (``running``, ``complete``,
  ``interrupted``, ``failed``), ``files`` (name -> bytes, of a complete run).

A folder whose manifest does not say ``complete`` is not a result.

Manifests written by older xposim versions in another format (:data:`OLDER_FORMATS`: the
trial runner's own ``"xposim-trial-run"`` manifest) are recognised, never misread:
reading one raises :class:`ManifestFormatError`, which says so.

A single-file result whose command records how it was made (``nm simulate``) has the same
manifest beside it, named after the file's stem: ``sim.csv`` -> ``sim.manifest.json``
(:func:`file_manifest_path`); its ``files`` names that one file.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from xposim._version import __version__
from xposim.errors import InputError
from xposim.io.atomic import atomic_file

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
#: Manifest formats of older xposim versions (the value of their ``format`` key) -> what
#: wrote them. Their folders are xposim's (``--overwrite`` may replace them) but unreadable.
OLDER_FORMATS: Mapping[str, str] = MappingProxyType({
    "xposim-trial-run": "trial run folder",
})
Status = Literal["running", "complete", "interrupted", "failed"]
STATUSES: tuple[str, ...] = ("running", "complete", "interrupted", "failed")
#: Runtime dependencies recorded when the installed metadata cannot be read.
_FALLBACK_DEPENDENCIES = ("numpy", "scipy", "pandas", "pyarrow", "xarray", "matplotlib",
                          "pint", "python-libsbml", "libroadrunner", "typer", "rich")


def utc_now() -> str:
    """The current time, UTC, ISO 8601 to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def package_versions() -> dict[str, str]:
    """xposim, Python, the platform and each runtime dependency's installed version (read
    from the package metadata; nothing is imported)."""
    try:
        reqs = metadata.requires("xposim") or []
        names = [re.match(r"[A-Za-z0-9_.\-]+", r).group()  # type: ignore[union-attr]
                 for r in reqs if "extra ==" not in r]
    except metadata.PackageNotFoundError:  # running from a source tree
        names = list(_FALLBACK_DEPENDENCIES)
    out = {"xposim": __version__, "python": platform.python_version(),
           "platform": f"{sys.platform}-{platform.machine()}"}
    for name in sorted(set(names), key=str.lower):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def fingerprint(command: str, inputs: Mapping[str, Any]) -> str:
    """SHA-256 of the command and its inputs (canonical JSON): equal fingerprints, same
    computation. The command line's spelling, the output path and the versions are not
    part of it."""
    text = json.dumps({"command": command, "inputs": inputs}, sort_keys=True,
                      separators=(",", ":"), default=_scalar)
    return hashlib.sha256(text.encode()).hexdigest()


def _scalar(value: Any) -> Any:
    """A numpy scalar as its Python value (duck-typed: numpy is not imported here);
    anything else as text."""
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return item()
        except (TypeError, ValueError):
            pass
    return str(value)


def _plain(value: Any) -> Any:
    """JSON-ready copy of ``value`` (tuples -> lists, numpy scalars -> numbers, paths
    and anything else -> text)."""
    return json.loads(json.dumps(value, default=_scalar))


@dataclass(frozen=True)
class Manifest:
    """What made an output folder (fields in the module docstring)."""

    command: str
    inputs: Mapping[str, Any] = field(default_factory=dict)
    argv: tuple[str, ...] = ()
    seed: int | None = None
    model_hash: str | Mapping[str, str] | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    versions: Mapping[str, str] = field(default_factory=package_versions)
    started: str = field(default_factory=utc_now)
    finished: str | None = None
    status: Status = "running"
    files: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.command, str) or not self.command.strip():
            raise InputError("manifest.command", "must name the command", got=self.command)
        if self.status not in STATUSES:
            raise InputError("manifest.status", f"must be one of {', '.join(STATUSES)}",
                             got=self.status)
        object.__setattr__(self, "inputs", _plain(dict(self.inputs)))
        object.__setattr__(self, "details", _plain(dict(self.details)))
        object.__setattr__(self, "argv", tuple(str(a) for a in self.argv))

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.command, self.inputs)

    @property
    def complete(self) -> bool:
        return self.status == "complete"

    def updated(self, **changes: Any) -> Manifest:
        """A copy with some fields changed (e.g. ``seed``, ``model_hash``)."""
        return replace(self, **changes)

    def finished_as(self, status: Status, folder: Path | None = None) -> Manifest:
        """A copy with the end time, the status and (from ``folder``) the files."""
        files = dict(self.files)
        if folder is not None:
            files = {p.name: p.stat().st_size for p in sorted(folder.iterdir())
                     if p.is_file() and p.name != MANIFEST_NAME}
        return replace(self, finished=utc_now(), status=status, files=files)

    def to_json(self) -> dict[str, Any]:
        return {"format": MANIFEST_FORMAT, "command": self.command, "argv": list(self.argv),
                "inputs": self.inputs, "fingerprint": self.fingerprint, "seed": self.seed,
                "model_hash": self.model_hash, "details": self.details,
                "versions": dict(self.versions),
                "started": self.started, "finished": self.finished, "status": self.status,
                "files": dict(self.files)}

    def to_text(self) -> str:
        """The manifest file's text (indented JSON)."""
        return json.dumps(self.to_json(), indent=2) + "\n"

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Manifest:
        try:
            return cls(command=data["command"], inputs=data.get("inputs", {}),
                       argv=tuple(data.get("argv", ())), seed=data.get("seed"),
                       model_hash=data.get("model_hash"),
                       details=dict(data.get("details", {})),
                       versions=dict(data.get("versions", {})), started=data["started"],
                       finished=data.get("finished"), status=data["status"],
                       files=dict(data.get("files", {})))
        except (KeyError, TypeError, AttributeError) as exc:
            raise InputError("manifest", f"is not an xposim manifest (missing {exc})") from None


class ManifestFormatError(InputError):
    """A manifest written by another xposim version in a format this one does not read;
    ``written_by`` says which (e.g. "an older xposim (trial run folder format
    'xposim-trial-run')")."""

    def __init__(self, path: Path, written_by: str) -> None:
        self.written_by = written_by
        super().__init__("manifest", f"was written by {written_by}, which xposim "
                         f"{__version__} does not read", got=str(path))


def write_manifest(folder: str | os.PathLike[str], manifest: Manifest) -> Path:
    """Write ``folder/manifest.json`` atomically."""
    path = Path(folder) / MANIFEST_NAME
    with atomic_file(path) as tmp:
        tmp.write_text(manifest.to_text(), encoding="utf-8")
    return path


def file_manifest_path(result: str | os.PathLike[str]) -> Path:
    """Where the manifest of a single-file result goes: beside it, ``STEM.manifest.json``
    (``sim.csv`` -> ``sim.manifest.json``)."""
    path = Path(result)
    return path.with_name(f"{path.stem}.manifest.json")


def read_manifest(folder: str | os.PathLike[str]) -> Manifest | None:
    """The manifest of an output folder; None when it has none. An unreadable manifest is
    an :class:`InputError` naming the file."""
    return read_manifest_file(Path(folder) / MANIFEST_NAME)


def read_manifest_file(path: str | os.PathLike[str]) -> Manifest | None:
    """The manifest in the file ``path`` (a folder's ``manifest.json`` or a single-file
    result's :func:`file_manifest_path`); None when there is no such file."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError("manifest", f"cannot be read ({exc})", got=str(path)) from None
    if not isinstance(data, dict):
        raise InputError("manifest", "is not an xposim manifest", got=str(path))
    fmt = data.get("format")
    if isinstance(fmt, str) and fmt in OLDER_FORMATS:
        raise ManifestFormatError(path, f"an older xposim ({OLDER_FORMATS[fmt]} format "
                                        f"{fmt!r})")
    if isinstance(fmt, int) and not isinstance(fmt, bool) and fmt > MANIFEST_FORMAT:
        raise ManifestFormatError(path, f"a newer xposim (manifest format {fmt})")
    return Manifest.from_json(data)
