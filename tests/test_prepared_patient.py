"""A prepared patient, the simulator shipped to worker processes, chunks run in parts.

Kind: interface laws — :meth:`ClinicalPatientSimulator.prepare` gives exactly what a
simulation starts from; a simulator pickled for local workers (models built, code
compiled) simulates bit for bit as the one that shipped it, in a fresh process; a chunk
simulated in parts has the same tables as in one piece.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from xposim import ClinicalPatientSimulator, PreparedPatient
from xposim.patient.arm import default_arm
from xposim.patient.outcome import VirtualPatient
from xposim.trials.protocol import load_protocol
from xposim.trials.run import (
    Chunk,
    ChunkTask,
    _units,
    chunk_tables,
    simulate_chunk,
    simulate_part,
)

TESTS = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def sim() -> ClinicalPatientSimulator:
    return ClinicalPatientSimulator()


@pytest.fixture(scope="module")
def arm():
    return default_arm("label:selinexor-dex", "myeloma", 8)


def _patient(subject: int = 3) -> VirtualPatient:
    return VirtualPatient(subject_id=subject, arm="Xd", disease="myeloma",
                          covariates={"weight_kg": 70.0, "height_cm": 170.0, "sex": "M",
                                      "platelets_1e9_per_l": 150.0, "m_protein_g_dl": 2.5},
                          parameters={"XPO1_total0": 1500.0})


def test_prepare_gives_what_the_simulation_starts_from(sim, arm):
    p = sim.prepare(_patient(), arm, seed=2)
    assert isinstance(p, PreparedPatient)
    assert p.model.disease == "myeloma" and set(p.model.drugs) == {"selinexor",
                                                                     "dexamethasone"}
    assert set(p.initial_state) == set(p.model.species)
    assert p.parameters["XPO1_total0"] == 1500.0
    assert "death_drive_untreated" in p.parameters  # the coupling's untreated references
    assert p.tolerances == (sim.rtol, sim.atol)
    assert p.rules is not None and p.bsa_m2 == pytest.approx(np.sqrt(70.0 * 170.0 / 3600))
    # the outcome's baseline is the prepared state read at day 0
    out = sim.simulate(_patient(), arm, seed=2)
    base = p.run([0.0], outputs=["m_protein_g_per_dl", "plt_1e9_per_l"]).values[0]
    assert base[0] == out.summary.baseline["m_protein_g_dl"]
    assert base[1] == out.summary.baseline["platelets_1e9_per_l"]
    with pytest.raises(TypeError):
        p.parameters["XPO1_total0"] = 1.0  # type: ignore[index]


_FRESH = """
import pickle, sys
from xposim.patient.arm import default_arm
from xposim.patient.outcome import VirtualPatient
sim = pickle.load(open(sys.argv[1], "rb"))
arm = default_arm("label:selinexor-dex", "myeloma", 8)
p = VirtualPatient(subject_id=3, arm="Xd", disease="myeloma",
                   covariates={"weight_kg": 70.0, "height_cm": 170.0, "sex": "M",
                               "platelets_1e9_per_l": 150.0, "m_protein_g_dl": 2.5},
                   parameters={"XPO1_total0": 1500.0})
out = sim.simulate(p, arm, seed=2)
pickle.dump((repr(out.summary), out.time_course, sim.model_hash()), sys.stdout.buffer)
"""


def test_a_shipped_simulator_simulates_bit_for_bit_in_a_fresh_process(sim, arm, tmp_path):
    sim.model_for_arm(arm, "myeloma")  # built and compiled: shipped with its code
    sim.parameter_values()  # the reference models too
    path = tmp_path / "sim.pickle"
    path.write_bytes(pickle.dumps(sim))
    here = sim.simulate(_patient(), arm, seed=2)
    proc = subprocess.run([sys.executable, "-c", _FRESH, str(path)], capture_output=True,
                          check=True, timeout=300)
    summary, tc, model_hash = pickle.loads(proc.stdout)
    assert summary == repr(here.summary)
    pd.testing.assert_frame_equal(tc, here.time_course, check_exact=True)
    assert model_hash == sim.model_hash()


def test_a_chunk_in_parts_has_the_tables_of_the_whole_chunk():
    sys.path.insert(0, str(TESTS))
    from trial_double import make_double

    proto = load_protocol("storm")
    task = ChunkTask(make_double().recipe, proto.text, proto.where, (), 5,
                     Chunk("Xd", 0, 0, 7))
    whole = simulate_chunk(task)
    parts = chunk_tables(task, [simulate_part(task, 0, 2), simulate_part(task, 2, 3),
                                simulate_part(task, 3, 7)])
    assert set(whole) == set(parts)
    for name in whole:
        pd.testing.assert_frame_equal(whole[name], parts[name], check_exact=True)


@pytest.mark.parametrize(("n_chunks", "size", "workers"), [(1, 25, 2), (16, 25, 2), (3, 4, 4)])
def test_work_units_cover_every_subject_once(n_chunks, size, workers):
    proto = load_protocol("storm")
    tasks = [ChunkTask(None, proto.text, proto.where, (), 1,  # type: ignore[arg-type]
                       Chunk("Xd", i, i * size, (i + 1) * size)) for i in range(n_chunks)]
    units = _units(tasks, workers)
    for t in tasks:
        mine = sorted((a, b) for u, a, b in units if u is t)
        covered = [s for a, b in mine for s in range(a, b)]
        assert covered == list(range(t.chunk.start, t.chunk.stop))
    whole = sum(1 for u, a, b in units if (a, b) == (u.chunk.start, u.chunk.stop))
    assert whole >= n_chunks - 2 * workers  # only the tail is split


@pytest.mark.slow
def test_a_process_pool_trial_of_the_clinical_model_is_bit_identical_to_serial(tmp_path):
    """The shipped simulator (one worker builds the arm's model, the parent adopts it and
    ships it with its own) and the tail in parts change nothing (~1 minute)."""
    from xposim.trials.run import run_trial

    kw = {"n": 6, "seed": 3, "chunk_size": 2, "simulator": ClinicalPatientSimulator(
        disease=None)}
    serial = run_trial("storm", out=tmp_path / "s", **kw)
    two = run_trial("storm", out=tmp_path / "p", backend="processes", workers=2, **kw)
    assert two.endpoints == serial.endpoints
    for table in ("subjects", "time_course", "decisions", "doses"):
        pd.testing.assert_frame_equal(serial.folder.read(table), two.folder.read(table),
                                      check_exact=True)
