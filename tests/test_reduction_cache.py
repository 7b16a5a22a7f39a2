"""Derived tumour-cell reductions kept on disk between processes (patient/reduction.py,
``reduction_cache_file``): a reduction read from the cache equals a fresh derivation bit
for bit; the key changes with what the derivation reads; a broken file is derived over;
``XPOSIM_CACHE_DIR=off`` switches the cache off."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import xposim.engine.roadrunner_backend as rrb
from xposim.biology.cell import build_cell_model
from xposim.patient import reduction as rd
from xposim.patient.coupling import detailed_tumour_cell
from xposim.presets.cell_lines import get_cell_line

PRESET = "myeloma"
derive = rd.derive_reduction.__wrapped__  # past the per-process cache


def _same(a: rd.Reduction, b: rd.Reduction) -> None:
    """Every field identical: arrays bit for bit (dtype and shape too), mappings with the
    same keys in the same order."""

    def check(x: object, y: object, where: str) -> None:
        if isinstance(x, np.ndarray):
            assert isinstance(y, np.ndarray) and x.dtype == y.dtype and x.shape == y.shape
            assert x.tobytes() == y.tobytes(), where
        elif isinstance(x, tuple | list):
            assert type(x) is type(y) and len(x) == len(y), where
            for i, (u, v) in enumerate(zip(x, y, strict=True)):
                check(u, v, f"{where}[{i}]")
        elif hasattr(x, "keys") and not isinstance(x, frozenset):
            assert type(x) is type(y) and list(x.keys()) == list(y.keys()), where
            for k in x:
                check(x[k], y[k], f"{where}[{k}]")
        else:
            assert type(x) is type(y) and x == y, where

    for f in dataclasses.fields(rd.Reduction):
        check(getattr(a, f.name), getattr(b, f.name), f.name)


def _key_inputs() -> tuple[object, dict[str, str]]:
    return (detailed_tumour_cell(PRESET),
            dict(build_cell_model(get_cell_line(PRESET), fate=True).origins))


@pytest.fixture(scope="module")
def fresh() -> rd.Reduction:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(rrb.CACHE_ENV, "off")
        return derive(PRESET)


def test_cached_reduction_equals_a_fresh_derivation_bit_for_bit(fresh, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setenv(rrb.CACHE_ENV, str(tmp_path))
    written = derive(PRESET)  # derives and writes
    files = list((tmp_path / "reductions").glob("*.pickle"))
    assert len(files) == 1 and files[0] == rd.reduction_cache_file(PRESET, False,
                                                                   *_key_inputs())
    _same(written, fresh)
    stamp = files[0].stat().st_mtime_ns
    loaded = derive(PRESET)  # reads it back
    assert files[0].stat().st_mtime_ns >= stamp
    assert list((tmp_path / "reductions").glob("*.pickle")) == files
    _same(loaded, fresh)
    assert loaded.quasi_steady("p53_n", np.geomspace(1.0, 1e3, 7)).tobytes() == \
        fresh.quasi_steady("p53_n", np.geomspace(1.0, 1e3, 7)).tobytes()


def test_the_key_changes_with_what_the_derivation_reads(tmp_path, monkeypatch):
    monkeypatch.setenv(rrb.CACHE_ENV, str(tmp_path))
    detailed, origins = _key_inputs()
    base = rd.reduction_cache_file(PRESET, False, detailed, origins)
    assert base == rd.reduction_cache_file(PRESET, False, detailed, dict(origins))
    p0 = detailed.parameters[0]
    changed = dataclasses.replace(detailed, parameters=(
        dataclasses.replace(p0, value=p0.value * 1.01 + 1e-9), *detailed.parameters[1:]))
    assert rd.reduction_cache_file(PRESET, False, changed, origins) != base
    assert rd.reduction_cache_file(PRESET, True, detailed, origins) != base
    assert rd.reduction_cache_file("MM.1S", False, detailed, origins) != base


def test_broken_cache_file_is_derived_over(fresh, tmp_path, monkeypatch):
    monkeypatch.setenv(rrb.CACHE_ENV, str(tmp_path))
    path = rd.reduction_cache_file(PRESET, False, *_key_inputs())
    assert path is not None
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x80\x05truncated")
    _same(derive(PRESET), fresh)
    assert rd._load_reduction(path) is not None  # written over with the derivation
    _same(rd._load_reduction(path), fresh)


@pytest.mark.parametrize("off", ["off", "", "none"])
def test_cache_can_be_switched_off(off, tmp_path, monkeypatch):
    monkeypatch.setenv(rrb.CACHE_ENV, off)
    monkeypatch.chdir(tmp_path)
    assert rd.reduction_cache_file(PRESET, False, *_key_inputs()) is None
    rd._save_reduction(None, None)  # type: ignore[arg-type]  # nothing to write
    assert list(tmp_path.iterdir()) == []
