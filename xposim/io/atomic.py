"""Writing results safely: all or nothing, with the user's file permissions.

A result is written into a temporary sibling of its destination and renamed into place
only when complete, so an error or an interrupt never leaves a half-written result behind.
Temporaries are created with mode 0666/0777 filtered by the process umask (what ``open``
and ``mkdir`` give), never ``mkstemp``'s 0600: a colleague who can read the folder can
read the result.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

#: Marker in the names of temporaries (``.NAME.partial-XXXXXXXX``): never a result.
PARTIAL = ".partial-"


def partial_name(target: Path) -> Path:
    """A fresh hidden sibling name for ``target``, keeping its suffix (writers that pick
    a format from the extension, e.g. Parquet or PNG, still see it)."""
    return target.with_name(f".{target.stem}{PARTIAL}{secrets.token_hex(4)}{target.suffix}")


def make_partial_dir(target: Path) -> Path:
    """Create an empty temporary sibling directory of ``target`` (mode 0777 & ~umask)."""
    while True:
        tmp = partial_name(target)
        try:
            os.mkdir(tmp, 0o777)
            return tmp
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue


def make_partial_file(target: Path) -> Path:
    """Create an empty temporary sibling file of ``target`` (mode 0666 & ~umask)."""
    while True:
        tmp = partial_name(target)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:  # pragma: no cover
            continue
        os.close(fd)
        return tmp


def remove(path: Path) -> None:
    """Remove a file or a directory tree if it exists (errors ignored)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with suppress(FileNotFoundError):
            path.unlink()


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM while a few renames complete (main thread only), so an
    interrupt lands before or after them, never between."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
            signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextmanager
def atomic_dir(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary directory whose files move into ``path`` on success.

    Files written into the yielded directory appear in ``path`` only if the block
    finishes without an exception; existing files of the same name are replaced. (The
    commands use :class:`xposim.io.output.StagedFolder`, which also refuses a folder
    holding another run and writes a manifest.)
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = make_partial_dir(target)
    try:
        yield tmp
        with signals_deferred():
            target.mkdir(exist_ok=True)
            for item in tmp.iterdir():
                os.replace(item, target / item.name)
    finally:
        remove(tmp)


@contextmanager
def atomic_file(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary file path (same folder, same suffix) renamed to ``path`` on
    success; nothing is left behind on error."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = make_partial_file(target)
    try:
        yield tmp
        with signals_deferred():
            os.replace(tmp, target)
    finally:
        remove(tmp)
