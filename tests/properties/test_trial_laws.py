"""Laws of the trial runner: splitting a population into chunks does not change any
subject's result; a subject's patient depends only on (seed, arm, id).

Uses the test double (tests/trial_double.py) as a stand-in patient model (never a model).
"""

from __future__ import annotations

import os
from itertools import pairwise

import pandas as pd
from hypothesis import given, settings, strategies as st
from trial_double import make_double

from xposim.trials.protocol import load_protocol
from xposim.trials.run import Chunk, ChunkTask, make_patient, simulate_chunk

EXAMPLES = int(os.environ.get("XPOSIM_HYPOTHESIS_EXAMPLES", "3"))
PROTOCOL = load_protocol("storm")
RECIPE = make_double().recipe


def _run(cuts: list[int], n: int, seed: int) -> pd.DataFrame:
    edges = [0, *sorted(c for c in set(cuts) if 0 < c < n), n]
    frames = [simulate_chunk(ChunkTask(RECIPE, PROTOCOL.text, PROTOCOL.where, (), seed,
                                       Chunk("Xd", i, a, b)))["subjects"]
              for i, (a, b) in enumerate(pairwise(edges))]
    return pd.concat(frames, ignore_index=True)


@settings(max_examples=min(EXAMPLES, 40), deadline=None)  # each example runs 12 subjects
@given(cuts=st.lists(st.integers(1, 5), max_size=3), seed=st.integers(0, 2**32))
def test_chunking_does_not_change_any_subject(cuts, seed):
    whole = _run([], 6, seed)
    pd.testing.assert_frame_equal(_run(cuts, 6, seed), whole, check_exact=True)


@settings(max_examples=EXAMPLES * 5, deadline=None)
@given(sid=st.integers(0, 10**6), seed=st.integers(0, 2**63 - 1))
def test_a_patient_depends_only_on_seed_arm_and_id(sid, seed):
    a, _ = make_patient(PROTOCOL, "Xd", sid, seed)
    b, _ = make_patient(PROTOCOL, "Xd", sid, seed)
    assert a == b
    boston = load_protocol("boston")
    x, _ = make_patient(boston, "XVd", sid, seed)
    y, _ = make_patient(boston, "Vd", sid, seed)
    assert x.covariates != y.covariates  # randomised: distinct patients per arm
