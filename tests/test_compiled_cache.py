"""Compiled models kept on disk between processes (engine/roadrunner_backend.py): a model
loaded from the cache runs bit for bit like one compiled anew; a broken file is compiled
over; the cache can be switched off."""

from __future__ import annotations

import numpy as np

import xposim.engine.roadrunner_backend as rrb
from xposim.engine import Bolus
from xposim.model import Compartment, Module, Parameter, Reaction, Species, compose


def _model() -> object:
    return compose(Module(
        name="m", compartments=[Compartment("c", 1.0, "L", source="t")],
        parameters=[Parameter("k", 0.3, "1/h", "t", "assumed")],
        species=[Species("A", "c", 1.0), Species("B", "c", 0.0)],
        reactions=[Reaction("r", "k * A", {"A": 1}, {"B": 1}, "c")]), name="m")


def _run(compiled: rrb._Compiled, model: object) -> np.ndarray:
    backend = rrb.RoadRunnerBackend(model)  # type: ignore[arg-type]
    backend._c, backend._rr = compiled, compiled.rr  # this very compile
    res = backend.run(np.linspace(0.0, 10.0, 11), parameters={"k": 0.45},
                      events=[Bolus(2.0, "A", 0.5)], outputs=["A", "B"])
    return res.values


def test_cached_compile_runs_bit_for_bit_like_a_fresh_one(tmp_path, monkeypatch):
    monkeypatch.setenv(rrb.CACHE_ENV, str(tmp_path))
    model = _model()
    fresh = rrb._Compiled(model)  # compiles and saves
    files = list(tmp_path.glob("*.rrstate"))
    assert len(files) == 1 and rrb.structure_key(model) in files[0].name
    loaded = rrb._Compiled(model)  # loads the saved state
    assert np.array_equal(_run(loaded, model), _run(fresh, model))


def test_broken_cache_file_is_compiled_over(tmp_path, monkeypatch):
    monkeypatch.setenv(rrb.CACHE_ENV, str(tmp_path))
    model = _model()
    path = rrb._cache_file(model)
    assert path is not None
    path.write_bytes(b"not a saved state")
    compiled = rrb._Compiled(model)
    assert _run(compiled, model)[-1, 1] > 0
    assert path.stat().st_size > 1000  # overwritten with the compile


def test_cache_switched_off(monkeypatch):
    for off in ("", "off"):
        monkeypatch.setenv(rrb.CACHE_ENV, off)
        assert rrb.compiled_cache_dir() is None
        assert rrb._cache_file(_model()) is None
