"""Shared fixtures: small analytic models used to test the kernel and the engine."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from xposim.model import (
    Assignment,
    Compartment,
    Conservation,
    Derived,
    Input,
    Module,
    Parameter,
    Reaction,
    Species,
    compose,
)

# Hypothesis: CI replays a fixed sequence of examples (a red build is always reproducible,
# never a lucky draw); `make validate` (XPOSIM_HYPOTHESIS_EXAMPLES set) explores new ones.
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("explore" if os.environ.get("XPOSIM_HYPOTHESIS_EXAMPLES") else "ci")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Report the inputs the command-line campaign tried (tests/properties/
    test_cli_campaign.py records them as the ``cli_campaign`` user property, which
    pytest-xdist carries back from its workers); also written as JSON to
    $XPOSIM_CAMPAIGN_REPORT when set."""
    rows = [value for key in ("passed", "failed")
            for rep in terminalreporter.stats.get(key, [])
            for name, value in getattr(rep, "user_properties", ()) if name == "cli_campaign"]
    if not rows:
        return
    rows.sort(key=lambda r: r["command"])
    terminalreporter.write_sep("-", "Hypothesis campaign over the command line")
    for r in rows:
        terminalreporter.write_line(f"{r['command']:<22}{r['tried']:>6} inputs: {r['ran']:>5} "
                                    f"ran, {r['refused']:>5} refused with exit 2")
    total = {k: sum(r[k] for r in rows) for k in ("tried", "ran", "refused")}
    terminalreporter.write_line(f"{'total':<22}{total['tried']:>6} inputs: {total['ran']:>5} "
                                f"ran, {total['refused']:>5} refused with exit 2; no "
                                "traceback, no other exit code")
    path = os.environ.get("XPOSIM_CAMPAIGN_REPORT")
    if path:
        import json

        with open(path, "w", encoding="utf-8") as f:
            json.dump({"total": total, "commands": rows}, f, indent=2)


def shuttle_module(kexp_per_s: float = 1e-3) -> Module:
    """A cargo shuttling between nucleus (0.45 pL) and cytoplasm (1.55 pL) with turnover."""
    return Module(
        name="shuttle",
        compartments=[Compartment("nucleus", 0.45, "pL", source="Riddick & Macara 2005"),
                      Compartment("cytoplasm", 1.55, "pL", source="Riddick & Macara 2005")],
        parameters=[
            Parameter("kexp", kexp_per_s, "1/s", "test value", "assumed"),
            Parameter("kimp", 5e-4, "1/s", "test value", "assumed"),
            Parameter("X0", 0.1, "uM", "test value", "assumed"),
            Parameter("kdeg", 0.05, "1/h", "test value", "assumed"),
        ],
        derived=[Derived("ksyn", "X0 * kdeg", "nM/h", "synthesis giving X0 in the cytoplasm "
                         "without transport")],
        species=[Species("Xn", "nucleus", 0.0), Species("Xc", "cytoplasm", "X0")],
        reactions=[
            Reaction("export", "kexp * Xn", {"Xn": 1}, {"Xc": 1}, "nucleus"),
            Reaction("import_", "kimp * Xc", {"Xc": 1}, {"Xn": 1}, "cytoplasm"),
            Reaction("synthesis", "ksyn", (), {"Xc": 1}, "cytoplasm"),
            Reaction("degradation", "kdeg * Xc + u", {"Xc": 1}, (), "cytoplasm"),
        ],
        assignments=[Assignment("nuclear_fraction",
                                "Xn * nucleus / (Xn * nucleus + Xc * cytoplasm)", "1")],
        inputs=[Input("u", "nM/h", 0.0, "extra degradation flux")],
        conservations=[Conservation("cargo", {"Xn": 1, "Xc": 1}, when={"kdeg": 0.0})],
    )


@pytest.fixture
def shuttle():
    return compose(shuttle_module(), name="shuttle_model")


@pytest.fixture
def decay():
    """dA/dt = -k A, amount species (mg): A(t) = A0 exp(-k t)."""
    mod = Module(
        name="decay",
        compartments=[Compartment("body", 1.0, "L")],
        parameters=[Parameter("k", 0.2, "1/h", "test value", "assumed")],
        species=[Species("A", "body", 10.0, unit="mg", amount=True)],
        reactions=[Reaction("elim", "k * A", {"A": 1}, ())],
    )
    return compose(mod, name="decay_model")
