"""Calibrations declared as data: ``xposim/calibration/declarations/<name>.toml``.

A declaration names the parameters a calibration estimates (bounds, start, scale,
optional prior), the targets it fits (a reference figure with its uncertainty or range,
its source, and how the model's value is computed: a registered target function and the
figure it returns) and the preset file it writes. It is validated on load; every error
names the file and the key. The format is documented with a copyable example in
docs/calibration.md.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from xposim.errors import InputError, ModelError
from xposim.model.units import parse_unit

#: Residual forms of a target (``m`` the model's value, ``v`` the target value).
RESIDUALS: tuple[str, ...] = ("relative", "log", "log10", "absolute", "range")
METHODS: tuple[str, ...] = ("least_squares", "powell", "nelder-mead", "l-bfgs-b")
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOP = {"name", "description", "writes", "fitted_to", "method", "options", "tolerance",
        "after", "parameters", "targets"}
_PARAM = {"unit", "bounds", "start", "starts", "scale", "prior", "prior_log_sd",
          "tolerance", "fitted_to"}
_TARGET = {"quantity", "function", "figure", "args", "value", "unit", "sd", "low", "high",
           "residual", "weight", "scale", "margin", "pull", "source", "note"}
_OPTIONS = {"xtol", "ftol", "gtol", "max_evaluations", "diff_step", "penalty"}


def _number(value: object, where: str, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
            value) or (positive and value <= 0):
        raise ModelError(f"{where}: must be a finite number{' > 0' if positive else ''}, "
                         f"got {value!r}")
    return float(value)


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ModelError(f"{where}: must be a non-empty string, got {value!r}")
    return value


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, tuple) and value and all(
            isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) for v in value):
        return {k: _thaw(v) for k, v in value}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class EstimatedParameter:
    """A model parameter the calibration estimates, in ``unit`` (its unit in the model's
    parameter file). ``starts``: one or more starting values (the best fit wins);
    ``scale``: ``log`` or ``linear`` search; ``prior``/``prior_log_sd``: an optional
    log-normal penalty ln(value/prior)/prior_log_sd added to the residuals; ``tolerance``:
    the relative drift ``--check`` accepts (absolute, in ``unit``, on a linear scale)."""

    name: str
    unit: str
    bounds: tuple[float, float]
    starts: tuple[float, ...]
    scale: str = "log"
    prior: float | None = None
    prior_log_sd: float | None = None
    tolerance: float | None = None
    fitted_to: str = ""

    def drift(self, stored: float, refit: float) -> float:
        """Relative change (log scale) or absolute change (linear scale)."""
        if self.scale == "linear":
            return abs(refit - stored)
        return abs(refit / stored - 1.0) if stored != 0 else math.inf


@dataclass(frozen=True)
class Target:
    """A reference figure and how the model's value is computed and compared.

    The model value is ``function(context, **args)[figure]`` (a number, or an array for a
    vector target). Residual, with ``m`` the model value and ``v`` the target ``value``:
    ``relative``: weight·(m/v − 1); ``log``: weight·ln(m/v); ``log10``: weight·log10(m/v);
    ``absolute``: weight·(m − v); ``range``: weight·d/scale + pull·(m/v − 1), with ``d``
    the distance from m to [low + margin, high − margin] (0 inside).
    """

    name: str
    quantity: str
    function: str
    figure: str
    args: tuple[tuple[str, Any], ...]
    unit: str
    source: str
    residual: str
    value: float | None = None
    sd: float | None = None
    low: float | None = None
    high: float | None = None
    weight: float = 1.0
    scale: float | None = None
    margin: float = 0.0
    pull: float = 0.0
    note: str = ""

    @property
    def arguments(self) -> dict[str, Any]:
        return {k: _thaw(v) for k, v in self.args}

    def residuals(self, model: float | np.ndarray) -> np.ndarray:
        """The residual components for the model's value(s)."""
        m = np.atleast_1d(np.asarray(model, float))
        v = self.value
        if self.residual == "range":
            lo = -np.inf if self.low is None else self.low + self.margin
            hi = np.inf if self.high is None else self.high - self.margin
            assert self.scale is not None
            out = self.weight * (m - np.clip(m, lo, hi)) / self.scale
            if self.pull:
                assert v is not None
                out = out + self.pull * (m / v - 1.0)
            return out
        assert v is not None
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.residual == "relative":
                return self.weight * (m / v - 1.0)
            if self.residual == "log":
                return self.weight * np.log(m / v)
            if self.residual == "log10":
                return self.weight * np.log10(m / v)
        return self.weight * (m - v)

    def describe(self) -> str:
        """One line: quantity, figure with its uncertainty or range, unit."""
        parts = []
        if self.value is not None:
            parts.append(f"{self.value:g}")
        if self.sd is not None:
            parts.append(f"SD {self.sd:g}")
        if self.low is not None or self.high is not None:
            lo = "" if self.low is None else f"{self.low:g}"
            hi = "" if self.high is None else f"{self.high:g}"
            parts.append(f"range [{lo}, {hi}]")
        unit = "" if self.unit in ("1", "dimensionless") else f" {self.unit}"
        return f"{self.quantity}: {', '.join(parts)}{unit}"


@dataclass(frozen=True)
class Calibration:
    """A declared calibration (see the module docstring)."""

    name: str
    description: str
    writes: str
    fitted_to: str
    parameters: tuple[EstimatedParameter, ...]
    targets: tuple[Target, ...]
    method: str = "least_squares"
    options: tuple[tuple[str, float], ...] = ()
    tolerance: float = 0.01
    after: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        return f"calibration/declarations/{self.name}.toml"

    def parameter(self, name: str) -> EstimatedParameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise InputError("parameter", f"{self.name} estimates "
                         f"{[p.name for p in self.parameters]}", got=name)

    def tolerance_of(self, p: EstimatedParameter) -> float:
        return self.tolerance if p.tolerance is None else p.tolerance


def _check_keys(entry: object, allowed: frozenset[str] | set[str], where: str) -> None:
    """``entry`` is a TOML table with no key outside ``allowed``."""
    if not isinstance(entry, Mapping):
        raise ModelError(f"{where}: expected a table")
    unknown = set(entry) - allowed
    if unknown:
        raise ModelError(f"{where}: unknown keys {sorted(unknown)}; allowed {sorted(allowed)}")


def _parameter(name: str, entry: Mapping[str, Any], where: str) -> EstimatedParameter:
    if not _KEY.match(name):
        raise ModelError(f"{where}: parameter name must be a model parameter name")
    _check_keys(entry, _PARAM, where)
    unit = _text(entry.get("unit"), f"{where}.unit")
    try:
        parse_unit(unit)
    except ValueError as exc:
        raise ModelError(f"{where}.unit: unknown unit {unit!r}") from exc
    b = entry.get("bounds")
    if not isinstance(b, list) or len(b) != 2:
        raise ModelError(f"{where}.bounds: must be [low, high]")
    lo, hi = (_number(v, f"{where}.bounds") for v in b)
    scale = entry.get("scale", "log")
    if scale not in ("log", "linear"):
        raise ModelError(f"{where}.scale: must be log or linear, got {scale!r}")
    if not lo < hi or (scale == "log" and lo <= 0):
        raise ModelError(f"{where}.bounds: need low < high{' and low > 0 (log scale)' if scale == 'log' else ''}, got {b}")  # noqa: E501
    if ("start" in entry) == ("starts" in entry):
        raise ModelError(f"{where}: give start (one value) or starts (a list), not both "
                         "or neither")
    raw = entry["starts"] if "starts" in entry else [entry["start"]]
    if not isinstance(raw, list) or not raw:
        raise ModelError(f"{where}.starts: must be a non-empty list")
    starts = tuple(_number(v, f"{where}.start") for v in raw)
    for s in starts:
        if not lo <= s <= hi:
            raise ModelError(f"{where}: start {s:g} outside bounds [{lo:g}, {hi:g}]")
    prior = entry.get("prior")
    sd = entry.get("prior_log_sd")
    if (prior is None) != (sd is None):
        raise ModelError(f"{where}: prior and prior_log_sd go together")
    tol = entry.get("tolerance")
    return EstimatedParameter(
        name, unit, (lo, hi), starts, scale,
        None if prior is None else _number(prior, f"{where}.prior", positive=True),
        None if sd is None else _number(sd, f"{where}.prior_log_sd", positive=True),
        None if tol is None else _number(tol, f"{where}.tolerance", positive=True),
        str(entry.get("fitted_to", "")))


def _target(name: str, entry: Mapping[str, Any], where: str) -> Target:
    if not _KEY.match(name):
        raise ModelError(f"{where}: target names must match [A-Za-z_][A-Za-z0-9_]*")
    _check_keys(entry, _TARGET, where)
    for key in ("quantity", "function", "unit", "source"):
        _text(entry.get(key), f"{where}.{key}")
    residual = entry.get("residual", "relative")
    if residual not in RESIDUALS:
        raise ModelError(f"{where}.residual: must be one of {RESIDUALS}, got {residual!r}")
    num = {k: (None if entry.get(k) is None else _number(entry[k], f"{where}.{k}"))
           for k in ("value", "sd", "low", "high", "weight", "scale", "margin", "pull")}
    if residual == "range":
        if num["low"] is None and num["high"] is None:
            raise ModelError(f"{where}: a range residual needs low and/or high")
        if num["scale"] is None or num["scale"] <= 0:
            raise ModelError(f"{where}.scale: a range residual needs scale > 0 (the miss, "
                             f"in {entry['unit']}, that costs 1)")
        if num["pull"] and num["value"] is None:
            raise ModelError(f"{where}: pull needs value (the point it pulls towards)")
    elif num["value"] is None:
        raise ModelError(f"{where}.value: required for a {residual} residual")
    if residual in ("relative", "log", "log10") and num["value"] == 0:
        raise ModelError(f"{where}.value: must be != 0 for a {residual} residual")
    if num["low"] is not None and num["high"] is not None and num["low"] > num["high"]:
        raise ModelError(f"{where}: low must be <= high")
    args = entry.get("args", {})
    if not isinstance(args, Mapping):
        raise ModelError(f"{where}.args: must be a table")
    return Target(
        name=name, quantity=entry["quantity"], function=entry["function"],
        figure=str(entry.get("figure", name)), args=_freeze(args), unit=entry["unit"],
        source=entry["source"], residual=residual, value=num["value"], sd=num["sd"],
        low=num["low"], high=num["high"],
        weight=1.0 if num["weight"] is None else num["weight"], scale=num["scale"],
        margin=num["margin"] or 0.0, pull=num["pull"] or 0.0, note=str(entry.get("note", "")))


def parse_declaration(name: str, data: Mapping[str, Any]) -> Calibration:
    """Validate a parsed declaration (``name``: its file stem)."""
    where = f"calibration/declarations/{name}.toml"
    unknown = set(data) - _TOP
    if unknown:
        raise ModelError(f"{where}: unknown keys {sorted(unknown)}; allowed {sorted(_TOP)}")
    if data.get("name") != name:
        raise ModelError(f"{where}: name must be {name!r} (the file name), got "
                         f"{data.get('name')!r}")
    writes = _text(data.get("writes"), f"{where}.writes")
    if not re.match(r"^presets/calibrated/[a-z][a-z0-9-]*\.toml$", writes):
        raise ModelError(f"{where}.writes: must be presets/calibrated/<name>.toml, got "
                         f"{writes!r}")
    method = data.get("method", "least_squares")
    if method not in METHODS:
        raise ModelError(f"{where}.method: must be one of {METHODS}, got {method!r}")
    options = data.get("options", {})
    if not isinstance(options, Mapping) or set(options) - _OPTIONS:
        raise ModelError(f"{where}.options: allowed keys {sorted(_OPTIONS)}")
    params = data.get("parameters")
    targets = data.get("targets")
    if not isinstance(params, Mapping) or not params:
        raise ModelError(f"{where}: [parameters] must name at least one parameter")
    if not isinstance(targets, Mapping) or not targets:
        raise ModelError(f"{where}: [targets] must name at least one target")
    after = data.get("after", [])
    if not isinstance(after, list) or not all(isinstance(a, str) for a in after):
        raise ModelError(f"{where}.after: must be a list of calibration names")
    return Calibration(
        name=name, description=_text(data.get("description"), f"{where}.description"),
        writes=writes, fitted_to=_text(data.get("fitted_to"), f"{where}.fitted_to"),
        parameters=tuple(_parameter(k, v, f"{where} [parameters.{k}]")
                         for k, v in params.items()),
        targets=tuple(_target(k, v, f"{where} [targets.{k}]") for k, v in targets.items()),
        method=method,
        options=tuple((k, _number(v, f"{where}.options.{k}")) for k, v in options.items()),
        tolerance=_number(data.get("tolerance", 0.01), f"{where}.tolerance", positive=True),
        after=tuple(after))


def declaration_names() -> tuple[str, ...]:
    """Every declared calibration (file stems), sorted."""
    folder = resources.files("xposim.calibration").joinpath("declarations")
    return tuple(sorted(p.name[:-5] for p in folder.iterdir()
                        if p.name.endswith(".toml") and _NAME.match(p.name[:-5])))


@cache
def load_declaration(name: str) -> Calibration:
    """The validated declaration ``name``; InputError lists the known ones."""
    names = declaration_names()
    if name not in names:
        raise InputError("calibration", f"unknown; known: {', '.join(names)}", got=name)
    path = resources.files("xposim.calibration").joinpath("declarations", f"{name}.toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(f"calibration/declarations/{name}.toml: {exc}") from exc
    return parse_declaration(name, data)
