"""Exceptions raised by xposim.

Every error meant for a person names the offending field and what is allowed, e.g.
``InputError("dose.amount", "must be > 0 mg", got="-80 mg")``. The CLI prints it as one
line and exits with code 2.
"""

from __future__ import annotations


class XposimError(Exception):
    """Base class of every xposim error."""


class InputError(XposimError, ValueError):
    """A user input (argument, file, preset, dataset row) is invalid.

    ``field`` names the input; the message says what is allowed and what was given.
    """

    def __init__(self, field: str, problem: str, *, got: object = None) -> None:
        self.field = field
        self.problem = problem
        self.got = got
        message = f"{field}: {problem}"
        if got is not None:
            message += f", got {got!r}" if isinstance(got, str) else f", got {got}"
        super().__init__(message)


class ModelError(XposimError, ValueError):
    """A model description is inconsistent (clashing names, unknown symbols, bad units)."""


class SimulationError(XposimError, RuntimeError):
    """The integrator failed; the message names the subject and the time interval."""
