"""Regimen speed: parsing label texts, expanding a year of doses, NONMEM records.

A 10,000-subject trial expands (and, with dose modifications, rebuilds) a regimen per
subject, so expansion must stay far below the ~20 ms a subject-year of simulation costs.
"""

from __future__ import annotations

import time

from xposim.pharmacology.label_regimens import label_regimen
from xposim.pharmacology.pk import dose_compartments
from xposim.pharmacology.regimen import parse_regimen, regimen_to_nonmem, regimen_to_text

YEAR_H = 365.25 * 24.0


def _per_call_ms(fn, reps: int) -> float:
    fn()
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t0) / reps * 1e3


def run() -> dict[str, dict]:
    vd = label_regimen("bortezomib-dex")
    svd = label_regimen("selinexor-bortezomib-dex").regimen
    cmts = dose_compartments(svd.drugs)
    n_doses = len(vd.regimen.doses(YEAR_H))
    return {
        "parse_label_text_ms": {
            "value": _per_call_ms(lambda: parse_regimen(vd.text), 200), "unit": "ms",
            "note": "Vd text: 2 drugs x (8 x 21-day cycles then 35-day cycles)"},
        "expand_year_ms": {
            "value": _per_call_ms(lambda: vd.regimen.doses(YEAR_H), 100), "unit": "ms",
            "target": "< 5 ms", "note": f"Vd, one year: {n_doses} doses"},
        "reduce_and_expand_year_ms": {
            "value": _per_call_ms(lambda: label_regimen("selinexor-bortezomib-dex").reduced(
                "selinexor", 1, from_h=28 * 24.0).doses(YEAR_H), 50), "unit": "ms",
            "note": "XVd with the first selinexor reduction from day 29 (incl. TOML lookup)"},
        "to_nonmem_year_ms": {
            "value": _per_call_ms(lambda: regimen_to_nonmem(
                svd, cmt_for_route=cmts, until_h=YEAR_H, bsa_m2=1.8), 50),
            "unit": "ms", "note": "XVd, one year, validated by nmdata"},
        "to_text_ms": {"value": _per_call_ms(lambda: regimen_to_text(vd.regimen), 100),
                       "unit": "ms",
                       "note": "Vd (writes, then re-reads to check the end time)"},
    }
