"""Writing estimates: ``presets/calibrated/<name>.toml``, atomically, never by hand.

The file records what the estimates were fitted to (every target with its reference
figure, source, model value and residual), the fit (method, cost, evaluations), the date,
the package version and a hash of the declaration.

Write rule: ``xposim calibrate NAME`` rewrites the package's own preset file only when
the package runs from a source checkout (an editable install or ``PYTHONPATH`` pointing at
the repository: the folder above ``xposim/`` holds the project's ``pyproject.toml`` and
it is not inside ``site-packages``), and never for a fit made with ``--set`` overrides
(those estimates do not describe the shipped model). Otherwise it refuses and asks for
``--out FILE``; an installed package file is never overwritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import tomllib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from xposim._version import __version__
from xposim.calibration.declaration import Calibration
from xposim.calibration.runner import Evaluation, FitResult
from xposim.errors import InputError
from xposim.io import atomic_file


def package_root() -> Path:
    """The folder of the imported ``xposim`` package."""
    return Path(str(resources.files("xposim"))).resolve()


def source_checkout() -> Path | None:
    """The repository root when ``xposim`` runs from a source checkout, else None."""
    pkg = package_root()
    if any(part in ("site-packages", "dist-packages") for part in pkg.parts):
        return None
    project = pkg.parent / "pyproject.toml"
    try:
        data = tomllib.loads(project.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return pkg.parent if data.get("project", {}).get("name") == "xposim" else None


def package_file(cal: Calibration) -> Path:
    """Where the package keeps ``cal``'s estimates."""
    return package_root() / cal.writes


def destination(cal: Calibration, out: Path | None, *, overrides: bool = False) -> Path:
    """Apply the write rule: ``out`` if given, else the package file from a source
    checkout (InputError otherwise, naming ``--out``)."""
    if out is not None:
        if out.resolve() == package_file(cal).resolve() and (
                overrides or source_checkout() is None):
            raise InputError("out", "is the package's own preset file; see the write rule "
                             "in docs/calibration.md", got=str(out))
        return out
    if overrides:
        raise InputError("out", "estimates fitted with --set overrides do not describe the "
                         "shipped model: write them elsewhere with --out FILE")
    if source_checkout() is None:
        raise InputError("out", f"xposim is installed from a package ({package_root()}), "
                         "whose preset files are never rewritten: write the estimates "
                         "elsewhere with --out FILE")
    return package_file(cal)


def declaration_hash(cal: Calibration) -> str:
    path = resources.files("xposim.calibration").joinpath("declarations",
                                                          f"{cal.name}.toml")
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- TOML text ---------------------------------------------------------------------------

def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, float | np.floating):
        f = float(v)
        if math.isnan(f):
            return "nan"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return repr(f)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, np.ndarray | list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _table(header: str, items: Sequence[tuple[str, Any]]) -> list[str]:
    return [f"[{header}]"] + [f"{k} = {_value(v)}" for k, v in items if v is not None] + [""]


def render(cal: Calibration, estimates: dict[str, float], ev: Evaluation, *,
           fit: dict[str, Any], note: str = "") -> str:
    """The estimates file text (see the module docstring)."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    lines = [f"# Written by `xposim calibrate {cal.name}` from "
             f"xposim/calibration/declarations/{cal.name}.toml. Do not edit by hand:",
             "# model code reads these values; `xposim calibrate --list` shows when they "
             "were produced.", ""]
    lines += _table("calibration", [
        ("name", cal.name), ("description", cal.description), ("fitted_to", cal.fitted_to),
        ("date", now), ("xposim_version", __version__),
        ("declaration_sha256", declaration_hash(cal)), ("note", note or None),
        *fit.items(), ("cost", ev.cost)])
    for p in cal.parameters:
        lines += _table(f"estimates.{p.name}", [
            ("value", estimates[p.name]), ("unit", p.unit), ("bounds", list(p.bounds)),
            ("scale", p.scale), ("fitted_to", p.fitted_to or None)])
    for t in cal.targets:
        m = ev.model[t.name]
        r = ev.residuals[t.name]
        lines += _table(f"targets.{t.name}", [
            ("quantity", t.quantity), ("value", t.value), ("sd", t.sd), ("low", t.low),
            ("high", t.high), ("unit", t.unit), ("residual_form", t.residual),
            ("model", m if np.ndim(m) == 0 else np.asarray(m, float)),
            ("residual", float(r[0]) if r.size == 1 else r), ("source", t.source)])
    for key, r in ev.residuals.items():
        if key.startswith("prior:"):
            lines += _table(f"priors.{key[6:]}", [("residual", float(r[0]))])
    return "\n".join(lines)


def write(result: FitResult, out: Path | None = None, *, note: str = "") -> Path:
    """Write a fit's estimates under the write rule; returns the path written."""
    cal = result.calibration
    path = destination(cal, out, overrides=bool(result.fixed))
    fit = {"method": cal.method, "converged": result.success, "message": result.message,
           "n_evaluations": result.n_evaluations, "seconds": round(result.seconds, 1),
           "overrides": [f"{k}={v}{u or ''}" for k, (v, u) in result.fixed.items()] or None}
    return write_text(path, render(cal, result.estimates, result.evaluation, fit=fit,
                                   note=note))


def write_text(path: Path, text: str) -> Path:
    """Atomic write (a temporary sibling renamed into place); the text must parse."""
    tomllib.loads(text)
    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    os.chmod(path, 0o644)
    return path
