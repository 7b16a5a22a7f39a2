"""SIGINT and SIGTERM as an exception, so an interrupted run unwinds and cleans up.

Inside :func:`signals_raise`, either signal raises :class:`Interrupted` in the main
thread: ``finally`` blocks and context managers run (temporaries are removed, a run
folder records ``interrupted``) and the CLI exits with ``128 + signal`` (130 for SIGINT,
143 for SIGTERM) and one line. :class:`Interrupted` derives from ``BaseException``, like
``KeyboardInterrupt``, so ``except Exception`` in library code does not swallow it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

HANDLED: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """The process received ``signum`` (SIGINT or SIGTERM). ``detail`` says what was kept
    (the CLI's one line; default: nothing was written), e.g. a resumable run folder."""

    def __init__(self, signum: int, detail: str | None = None) -> None:
        self.signum = int(signum)
        self.detail = detail
        super().__init__(signal.Signals(self.signum).name)

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 + the signal number (130 SIGINT, 143 SIGTERM)."""
        return 128 + self.signum


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


@contextmanager
def signals_raise() -> Iterator[None]:
    """Turn SIGINT/SIGTERM into :class:`Interrupted` while the block runs (the previous
    handlers come back afterwards). A signal the parent process set to be ignored (a
    shell's background job ignores SIGINT) stays ignored. Outside the main thread signals
    cannot be handled and the block runs unchanged."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _raise) for s in HANDLED
                if signal.getsignal(s) is not signal.SIG_IGN}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextmanager
def signals_default() -> Iterator[None]:
    """The interpreter's default SIGINT/SIGTERM behaviour while the block runs (SIGINT
    raises ``KeyboardInterrupt``, SIGTERM ends the process), for a command that writes no
    result and stops on a signal by itself: a server (``xposim serve``; uvicorn shuts
    down gracefully and then re-raises the signal it caught, which must end the process
    rather than unwind into a loop still waiting for its worker threads)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    defaults = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}
    previous = {s: signal.signal(s, handler) for s, handler in defaults.items()
                if signal.getsignal(s) is not signal.SIG_IGN}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
