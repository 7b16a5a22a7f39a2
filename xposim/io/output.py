"""The one output path of every command: checked before work, written atomically, with a
manifest (docs/cli.md).

- :func:`check_destination` validates a destination **before any work** (no writes): not
  empty, the right kind (a folder where a folder is expected, a file where a file is),
  inside a folder that exists or can be created and is writable, never an input file.
- :class:`StagedFolder` reserves a hidden temporary sibling (``.NAME.partial-XXXXXXXX``) at
  once — the real proof that the destination is writable — and the command writes into
  it; on success ``manifest.json`` (status ``complete``) is added and the folder is renamed
  into place; on any error or interrupt it is removed. A non-empty destination is
  refused unless it holds a run of the same command and inputs (same fingerprint: the
  same result, replaced) or ``overwrite`` is given; a non-empty folder without a manifest
  is never replaced.
- :class:`StagedFile` does the same for a single-file result (a CSV, SBML, a table). An
  existing file is replaced, as ``-o`` conventionally does; a folder or an input file is
  refused. A command that records how the file was made (``nm simulate``) gives it a
  manifest, written beside it as ``STEM.manifest.json`` and renamed into place with it.
- :class:`RunFolder` is for long runs written chunk by chunk (the trial runner builds its
  :class:`~xposim.trials.TrialFolder` on it): the folder is written in place with a
  manifest saying ``running``; each file or chunk folder is written atomically; an
  interrupt records ``interrupted`` and a failure ``failed``. Opening it again with the
  same command and inputs resumes (finished chunks are kept, temporaries an interrupted
  run left are removed); another run is refused unless ``overwrite``.
  :meth:`RunFolder.existing` opens one for reading.

A folder written by an older xposim in another manifest format
(:class:`~xposim.io.manifest.ManifestFormatError`) is refused with a line saying so;
``overwrite`` replaces it (it is xposim's). A non-empty folder without an xposim manifest
is never replaced.

Errors name the field (``out`` by default) and say what to do, as one line.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import ClassVar, Literal, Self

from xposim.errors import InputError
from xposim.io.atomic import (
    PARTIAL,
    atomic_file,
    make_partial_dir,
    make_partial_file,
    partial_name,
    remove,
    signals_deferred,
)
from xposim.io.interrupts import Interrupted
from xposim.io.manifest import (
    MANIFEST_NAME,
    Manifest,
    ManifestFormatError,
    file_manifest_path,
    read_manifest,
    read_manifest_file,
    write_manifest,
)

Kind = Literal["folder", "file"]


def check_destination(path: str | os.PathLike[str] | None, *, kind: Kind,
                      field: str = "out", inputs: Iterable[str | os.PathLike[str]] = ()
                      ) -> Path:
    """The absolute destination, after checking it can take a ``kind`` result (no writes).

    Refused (:class:`InputError` naming ``field``): an empty path; a file where a folder is
    expected or a folder where a file is; a path under an existing file; a folder that
    cannot be written in; for files, one of ``inputs``.
    """
    raw = "" if path is None else os.fspath(path)
    if not isinstance(raw, str) or not raw.strip():
        raise InputError(field, "must not be empty: give a path", got=raw)
    if "\0" in raw:
        raise InputError(field, "must not contain a NUL character", got=raw)
    target = Path(os.path.abspath(raw))
    if target.parent == target:
        raise InputError(field, "must not be the root folder", got=raw)
    if kind == "folder":
        if target.exists() and not target.is_dir():
            raise InputError(field, "exists and is a file, not a folder; give a folder path",
                             got=raw)
    else:
        if target.is_dir():
            raise InputError(field, "is a folder; give a file name", got=raw)
        if target.exists() and not target.is_file():
            raise InputError(field, "exists and is not a regular file", got=raw)
        for source in inputs:
            if _same_file(target, Path(os.path.abspath(os.fspath(source)))):
                raise InputError(field, "is an input file: write the result elsewhere",
                                 got=raw)
    ancestor = target.parent
    while not ancestor.exists() and ancestor.parent != ancestor:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InputError(field, f"cannot be created: {ancestor} is a file, not a folder",
                         got=raw)
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise InputError(field, f"cannot be written: no permission to write in {ancestor}",
                         got=raw)
    return target


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a == b or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _write_error(field: str, raw: str, exc: OSError) -> InputError:
    reason = exc.strerror or type(exc).__name__
    return InputError(field, f"cannot be written ({reason})", got=raw)


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return those created, deepest last."""
    missing = []
    p = folder
    while not p.exists():
        missing.append(p)
        p = p.parent
    created = []
    for d in reversed(missing):
        os.mkdir(d, 0o777)
        created.append(d)
    return created


def _remove_empty(created: list[Path]) -> None:
    for d in reversed(created):
        try:
            d.rmdir()
        except OSError:
            break


def _describe(m: Manifest) -> str:
    summary = m.details.get("summary")
    what = f"xposim {m.command}" + (f" {summary}" if isinstance(summary, str) and summary
                                    else "")
    return f"{what}, {m.status}, started {m.started}"


def _check_reuse(target: Path, manifest: Manifest, overwrite: bool, field: str,
                 raw: str) -> Manifest | None:
    """Whether an existing folder may take this run; returns its manifest (None if the
    folder is missing or empty, or holds an older xposim's run that ``overwrite``
    replaces)."""
    if not target.is_dir() or not any(target.iterdir()):
        return None
    try:
        old = read_manifest(target)
    except ManifestFormatError as exc:  # xposim's, but not readable by this version
        if overwrite:
            return None
        raise InputError(field, f"holds a run written by {exc.written_by}, which this "
                         "xposim does not read; give --overwrite to replace it, or another "
                         "folder", got=raw) from None
    except InputError:
        old = None
    if old is None:
        raise InputError(field, "is a folder that is not empty and holds no xposim run (no "
                         f"{MANIFEST_NAME}); give a new or empty folder", got=raw)
    if old.fingerprint != manifest.fingerprint and not overwrite:
        raise InputError(field, f"holds another run ({_describe(old)}); give --overwrite to "
                         "replace it, or another folder", got=raw)
    return old


class _Staged:
    """Common life cycle: reserved at construction, committed or discarded once."""

    target: Path
    path: Path
    _created: list[Path]
    _state: str = "open"

    def __enter__(self) -> _Staged:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            try:
                self.commit()
            except BaseException:
                self.discard()
                raise
        else:
            self.discard()

    def _reserve(self, make_partial: Callable[[Path], Path], field: str, raw: str) -> None:
        """Create the missing parent folders and the temporary sibling of ``target``; a
        failure removes what was created and names ``field``."""
        try:
            self._created = _make_parents(self.target.parent)
        except OSError as exc:
            raise _write_error(field, raw, exc) from None
        try:
            self.path = make_partial(self.target)
        except OSError as exc:
            _remove_empty(self._created)
            raise _write_error(field, raw, exc) from None

    def commit(self) -> Path:  # pragma: no cover - overridden
        raise NotImplementedError

    def discard(self) -> None:
        """Remove the temporary (and any folders created for it); nothing is left."""
        if self._state == "open":
            with signals_deferred():
                remove(self.path)
                _remove_empty(self._created)
            self._state = "discarded"


class StagedFolder(_Staged):
    """A result folder written into a temporary sibling, renamed into place with its
    manifest on :meth:`commit` (or on leaving the ``with`` block without an error)."""

    def __init__(self, path: str | os.PathLike[str], *, manifest: Manifest,
                 overwrite: bool = False, field: str = "out") -> None:
        raw = os.fspath(path)
        self.target = check_destination(raw, kind="folder", field=field)
        self.manifest = manifest
        self.replaces = _check_reuse(self.target, manifest, overwrite, field, raw)
        self._reserve(make_partial_dir, field, raw)

    def record(self, **fields: object) -> None:
        """Add to the manifest (``seed=``, ``model_hash=``, ``details=``); the inputs, and
        so the fingerprint, are fixed when the folder is reserved."""
        if "inputs" in fields:
            raise ValueError("the inputs of a run are fixed when its folder is reserved")
        self.manifest = self.manifest.updated(**fields)

    def commit(self) -> Path:
        """Write the manifest (status complete) and move the folder into place."""
        if self._state != "open":
            raise RuntimeError(f"output already {self._state}")
        final = self.manifest.finished_as("complete", self.path)
        write_manifest(self.path, final)
        aside = None
        with signals_deferred():
            if self.target.is_dir() and any(self.target.iterdir()):
                aside = partial_name(self.target)
                os.rename(self.target, aside)
            os.replace(self.path, self.target)
            self._state = "committed"
        if aside is not None:
            remove(aside)
        self.manifest = final
        return self.target


class StagedFile(_Staged):
    """A single result file written into a temporary sibling (same suffix) and renamed
    into place on :meth:`commit`.

    With a ``manifest``, the result's manifest (status ``complete``, ``files``: this one
    file) is written beside it as :func:`~xposim.io.manifest.file_manifest_path` and
    renamed into place with it. Without one, a manifest left beside an older result of
    the same name (one that lists it) is removed with it: it described the replaced file.
    """

    def __init__(self, path: str | os.PathLike[str], *, field: str = "out",
                 inputs: Iterable[str | os.PathLike[str]] = (),
                 manifest: Manifest | None = None) -> None:
        raw = os.fspath(path)
        inputs = list(inputs)
        self.target = check_destination(raw, kind="file", field=field, inputs=inputs)
        self.manifest = manifest
        self.manifest_target = file_manifest_path(self.target)
        if manifest is not None:
            check_destination(self.manifest_target, kind="file", field=field, inputs=inputs)
            if self.manifest_target == self.target:  # pragma: no cover - "x.manifest" ...
                raise InputError(field, "is named like its own manifest; give another name",
                                 got=raw)
        self._reserve(make_partial_file, field, raw)

    def record(self, **fields: object) -> None:
        """Add to the manifest (``seed=``, ``model_hash=``, ``details=``), as
        :meth:`StagedFolder.record`."""
        if self.manifest is None:
            raise ValueError("this output has no manifest")
        if "inputs" in fields:
            raise ValueError("the inputs of a run are fixed when its output is reserved")
        self.manifest = self.manifest.updated(**fields)

    def commit(self) -> Path:
        if self._state != "open":
            raise RuntimeError(f"output already {self._state}")
        manifest_tmp = None
        if self.manifest is not None:
            final = self.manifest.finished_as("complete").updated(
                files={self.target.name: self.path.stat().st_size})
            manifest_tmp = make_partial_file(self.manifest_target)
            try:
                manifest_tmp.write_text(final.to_text(), encoding="utf-8")
            except BaseException:
                remove(manifest_tmp)
                raise
            self.manifest = final
        stale = manifest_tmp is None and _describes(self.manifest_target, self.target.name)
        with signals_deferred():
            os.replace(self.path, self.target)
            if manifest_tmp is not None:
                os.replace(manifest_tmp, self.manifest_target)
            elif stale:
                remove(self.manifest_target)
            self._state = "committed"
        return self.target


def _describes(manifest_file: Path, name: str) -> bool:
    """Whether ``manifest_file`` is an xposim manifest of a single-file result ``name``
    (anything else there is the user's and is left alone)."""
    try:
        old = read_manifest_file(manifest_file)
    except InputError:
        return False
    return old is not None and list(old.files) == [name]


def _is_partial(name: str) -> bool:
    return name.startswith(".") and PARTIAL in name


class RunFolder:
    """A folder written in place, chunk by chunk, that a rerun of the same command resumes.

    ``resumed`` says whether an earlier run of the same fingerprint was found (its
    finished files and chunk folders are kept: :meth:`has` tells which; the temporaries
    an interrupted run left are removed). Use as a context manager: leaving normally
    records ``complete``; :class:`~xposim.io.interrupts.Interrupted` or
    ``KeyboardInterrupt`` records ``interrupted``; another exception ``failed``.

    A subclass for one command sets :attr:`COMMAND`: its folders then hold only that
    command's runs (:meth:`existing` refuses others).
    """

    #: The command whose runs this class reads and writes (None: any command).
    COMMAND: ClassVar[str | None] = None

    target: Path
    path: Path
    manifest: Manifest
    resumed: bool
    writable: bool

    def __init__(self, path: str | os.PathLike[str], *, manifest: Manifest,
                 overwrite: bool = False, field: str = "out") -> None:
        if self.COMMAND is not None and manifest.command != self.COMMAND:
            raise ValueError(f"a {type(self).__name__} holds runs of {self.COMMAND!r}, "
                             f"not {manifest.command!r}")
        raw = os.fspath(path)
        self.target = self.path = check_destination(raw, kind="folder", field=field)
        old = _check_reuse(self.target, manifest, overwrite, field, raw)
        self.resumed = old is not None and old.fingerprint == manifest.fingerprint
        self.writable = True
        try:
            if self.resumed:
                self._remove_partials()
            elif self.target.is_dir():  # --overwrite of another (xposim) run
                for item in self.target.iterdir():
                    remove(item)
            _make_parents(self.target)
        except OSError as exc:
            raise _write_error(field, raw, exc) from None
        if old is not None and self.resumed:
            manifest = manifest.updated(started=old.started)
        self.manifest = manifest.updated(status="running", finished=None)
        try:
            write_manifest(self.target, self.manifest)
        except OSError as exc:
            raise _write_error(field, raw, exc) from None

    @classmethod
    def existing(cls, path: str | os.PathLike[str]) -> Self:
        """The run in the folder ``path``, opened for reading (nothing is written; any
        status: a running or interrupted run's finished chunks can be read).

        Refused (:class:`InputError` naming ``dir``): no folder, no manifest, a manifest
        of another xposim version, or (with :attr:`COMMAND`) another command's run.
        """
        raw = os.fspath(path)
        target = Path(os.path.abspath(raw))
        what = f"xposim {cls.COMMAND}" if cls.COMMAND else "xposim run"
        if not target.is_dir():
            raise InputError("dir", f"is not a folder holding an {what}", got=raw)
        try:
            manifest = read_manifest(target)
        except ManifestFormatError as exc:
            raise InputError("dir", f"was written by {exc.written_by}, which this xposim "
                             "does not read: run it again with this version",
                             got=raw) from None
        if manifest is None:
            raise InputError("dir", f"holds no {what} (no {MANIFEST_NAME})", got=raw)
        if cls.COMMAND is not None and manifest.command != cls.COMMAND:
            raise InputError("dir", f"holds no {what} (it holds {_describe(manifest)})",
                             got=raw)
        folder = cls.__new__(cls)
        folder.target = folder.path = target
        folder.manifest = manifest
        folder.resumed = False
        folder.writable = False
        return folder

    def _remove_partials(self) -> None:
        """Remove the temporaries (``.NAME.partial-XXXXXXXX``) an interrupted run left
        anywhere in the folder: they were never results."""
        for top, dirs, files in os.walk(self.target):
            for name in [*files, *(d for d in dirs if _is_partial(d))]:
                if _is_partial(name):
                    remove(Path(top) / name)
            dirs[:] = [d for d in dirs if not _is_partial(d)]

    def _check_writable(self) -> None:
        if not self.writable:
            raise RuntimeError(f"{self.target} was opened for reading")

    def has(self, name: str) -> bool:
        """Whether a finished file ``name`` is in the folder (written by :meth:`file`)."""
        return (self.target / name).is_file()

    @contextmanager
    def file(self, name: str) -> Iterator[Path]:
        """A temporary path renamed to ``name`` in the folder when the block succeeds."""
        if Path(name).name != name or name == MANIFEST_NAME:
            raise InputError("file", "must be a plain file name other than the manifest",
                             got=name)
        self._check_writable()
        with atomic_file(self.target / name) as tmp:
            yield tmp

    @contextmanager
    def folder(self, name: str) -> Iterator[Path]:
        """A temporary folder renamed whole to ``name`` (a relative path inside the run
        folder, e.g. ``chunks/A/000003``) when the block succeeds: a chunk of several
        files appears complete or not at all. If ``name`` exists by then, the new copy is
        dropped: it is a retried duplicate of a chunk already written."""
        parts = PurePosixPath(name).parts
        if (not parts or PurePosixPath(name).is_absolute() or parts[0] == MANIFEST_NAME
                or any(p in ("", ".", "..") or _is_partial(p) for p in parts)):
            raise InputError("folder", "must be a relative path inside the run folder",
                             got=name)
        self._check_writable()
        final = self.target.joinpath(*parts)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = make_partial_dir(final)
        try:
            yield tmp
            with signals_deferred():
                if not final.exists():
                    os.replace(tmp, final)
        finally:
            remove(tmp)

    def record(self, **fields: object) -> None:
        """Add to the manifest (``seed=``, ``model_hash=``, ``details=``), written when the
        run finishes; the inputs, and so the fingerprint, are fixed at opening."""
        if "inputs" in fields or "command" in fields:
            raise ValueError("the inputs of a run are fixed when its folder is opened")
        self.manifest = self.manifest.updated(**fields)

    def finish(self, status: Literal["complete", "interrupted", "failed"]) -> None:
        """Record the end time and ``status`` (and the folder's files) in the manifest."""
        self._check_writable()
        self.manifest = self.manifest.finished_as(status, self.target)
        write_manifest(self.target, self.manifest)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.finish("complete")
        elif issubclass(exc_type, Interrupted | KeyboardInterrupt):
            with signals_deferred():
                self.finish("interrupted")
        else:
            self.finish("failed")
