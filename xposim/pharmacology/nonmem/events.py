"""Record semantics: a validated dataset -> per-subject sequences of state-changing steps.

The "system" (closed form or ODE) only has to advance the amounts between steps and apply
five kinds of step: record an output, add a bolus, change an infusion rate, reset, and add
a steady-state state. Every NONMEM rule lives here, once, for both systems; the rules and
their sources are listed in docs/nonmem-semantics.md.

The expansion is vectorised over records (NumPy): additional doses, lagged doses and
infusion ends are generated as arrays, each is assigned the record before which NONMEM
processes it (the first later record of the same subject at or after its time, unless a
reset or SS=1 record cancels it first), and one lexicographic sort orders everything.
Implied events after a subject's last record cannot change any output and are never
generated, so a huge ADDL costs only the doses that fall within the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xposim.errors import InputError, XposimError

OUT, BOLUS, RATE, RESET, SS = 0, 1, 2, 3, 4
NOOP = -1


@dataclass(frozen=True)
class SteadyState:
    """An implied infinite dose train before a record.

    ``kind``: "bolus" (``amount`` into ``cmt``), "infusion" (``rate`` for ``duration``)
    or "constant" (a constant infusion at ``rate`` that has run for ever and stops at the
    record; ii and lag unused). ``cmt`` is 0-based; ``row`` the 0-based record.

    As NONMEM computes it (help, SS dose event record): the steady state of the train
    *without* lag, advanced to :attr:`phase` = II − ALAG of the cycle — clamped at 0 when
    ALAG >= II (the state right after the dose arrives, i.e. the steady-state peak).
    """

    kind: str
    cmt: int
    amount: float
    rate: float
    duration: float
    ii: float
    lag: float
    row: int

    @property
    def phase(self) -> float:
        """Time since the last implied dose arrived (h, in [0, II])."""
        return max(self.ii - self.lag, 0.0)

    def running(self) -> list[float]:
        """Remaining times of the implied infusions still running at the record.

        Those that started less than ``duration`` before the record in the un-lagged cycle
        (``phase + k·II < duration``, k = 0, 1, ...) keep running; implied infusion j = k+1
        ends ``duration − (j·II − ALAG)`` after the record. For ALAG >= II this is longer
        than the duration by ALAG − II, as NONMEM 7.6 does (see docs/nonmem-semantics.md).
        """
        if self.kind != "infusion":
            return []
        out = []
        k = 0
        while self.phase + k * self.ii < self.duration:
            out.append(self.duration - ((k + 1) * self.ii - self.lag))
            k += 1
        return out


@dataclass(frozen=True)
class SubjectFailure:
    """Why a subject could not be simulated: its index in the dataset, its ID, the
    0-based record and the error (whose message names the row and the ID)."""

    index: int
    id: object
    row: int
    error: XposimError


@dataclass
class Steps:
    """Padded step arrays, shape (subjects, max steps); ``NOOP`` pads.

    ``bounds``: first record of each subject and the number of records (subjects + 1);
    ``failed``: subjects left out (no steps, their records get no amounts).
    """

    time: np.ndarray
    kind: np.ndarray
    cmt: np.ndarray
    value: np.ndarray
    prow: np.ndarray
    ref: np.ndarray
    ss: list[SteadyState]
    bounds: np.ndarray
    failed: dict[int, SubjectFailure] = field(default_factory=dict)


def subject_index(ident: np.ndarray) -> np.ndarray:
    """0-based subject of each record: a new subject starts wherever ID changes (NONMEM's
    rule: the same ID later in the file, after another, is another individual)."""
    first = np.r_[True, ident[1:] != ident[:-1]] if len(ident) else np.zeros(0, bool)
    return np.cumsum(first) - 1


def failure(data: pd.DataFrame, row: int, problem: str, got: object = None, *,
            sub: np.ndarray | None = None, rows: np.ndarray | None = None,
            error: XposimError | None = None) -> SubjectFailure:
    """A SubjectFailure for record ``row`` (0-based in ``data``) whose message names the
    row — ``rows[row]`` when ``data`` is a part of a larger dataset — and the ID."""
    ident = data["ID"].iloc[row]
    s = subject_index(data["ID"].to_numpy()) if sub is None else sub
    label = int(rows[row]) if rows is not None else row
    err = error if error is not None else InputError(f"row {label + 1} (ID {ident})",
                                                     problem, got=got)
    return SubjectFailure(int(s[row]), ident, label, err)


def _first_per_subject(sub: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(subjects, their earliest row) among ``rows``."""
    if rows.size == 0:
        return rows, rows
    order = np.argsort(rows, kind="stable")
    s, first = np.unique(sub[rows[order]], return_index=True)
    return s, rows[order][first]


def build_steps(data: pd.DataFrame, n_cmt: int, f: np.ndarray, lag: np.ndarray,
                r_mod: np.ndarray, d_mod: np.ndarray, *,
                failed: dict[int, SubjectFailure] | None = None,
                rows: np.ndarray | None = None) -> Steps:
    """Expand every subject's records into steps (ADDL, lag, F, infusions, SS, resets).

    ``f``, ``lag``, ``r_mod``, ``d_mod``: (rows, n_cmt) dose parameters of each record;
    implied doses (ADDL, lagged doses) use the values of their initiating record (NONMEM
    ADDL help: "exactly like the present ('initiating') dose"). A subject whose records
    break a rule here (or that is already in ``failed``) gets no steps and is listed in
    :attr:`Steps.failed` with its earliest offending record. ``rows``: the 0-based row of
    each record in the whole dataset (for messages), when ``data`` is a part of it.
    """
    n = len(data)
    failed = dict(failed or {})
    ident = data["ID"].to_numpy()
    t = data["TIME"].to_numpy(dtype=float)
    amt = data["AMT"].to_numpy(dtype=float)
    evid = data["EVID"].to_numpy(dtype=np.int64)
    cmt_raw = data["CMT"].to_numpy(dtype=float, na_value=np.nan)
    rate = data["RATE"].to_numpy(dtype=float)
    ii = data["II"].to_numpy(dtype=float)
    addl = data["ADDL"].to_numpy(dtype=np.int64)
    ss = data["SS"].to_numpy(dtype=np.int64)
    sub = subject_index(ident)
    n_sub = int(sub[-1]) + 1 if n else 0
    first = np.r_[True, sub[1:] != sub[:-1]] if n else np.zeros(0, bool)
    bounds = np.r_[np.flatnonzero(first), n]

    # --- dose shape of every dose record (NONMEM UG VI, RATE help): F scales the amount;
    # RATE > 0 or R<n> (RATE = -1) keep the rate, D<n> (RATE = -2) keeps the duration
    di = np.flatnonzero((evid == 1) | (evid == 4))
    cr = cmt_raw[di]
    c = np.where(np.isnan(cr), -1, np.nan_to_num(cr, nan=0.0) - 1).astype(np.int64)
    bad_cmt = (c < 0) | (c >= n_cmt)
    cs = np.where(bad_cmt, 0, c)
    fv, lg = f[di, cs], lag[di, cs]
    rm, dm = r_mod[di, cs], d_mod[di, cs]
    a, rt, iv, sv = amt[di], rate[di], ii[di], ss[di]
    const = (sv > 0) & (a == 0)  # steady-state constant infusion (dataset rules: II=0)
    given = a * fv
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.select([rt == 0, rt > 0, rt == -1], [0.0, rt, rm], default=given / dm)
        dur = np.select([rt == 0, rt > 0, rt == -1], [0.0, given / rt, given / rm],
                        default=dm)
    r = np.where(const, np.where(rt == -1, rm, np.maximum(rt, 0.0)), r)
    checks = [
        (bad_cmt, f"CMT of a dose must be 1..{n_cmt} for this model (negative CMT, "
         "turning a compartment off, is not supported)", cr),
        (~const & ~(fv >= 0), "bioavailability F must be >= 0", fv),
        ((rt == -1) & ~(rm > 0), "RATE=-1 needs the modelled rate R<CMT> > 0 (give "
         "--param R<n>=...)", rm),
        (~const & (rt == -2) & ~(dm > 0), "RATE=-2 needs the modelled duration D<CMT> > 0 "
         "(give --param D<n>=...)", dm),
        (~const & ~(lg >= 0), "absorption lag ALAG must be >= 0", lg),
    ]
    # per subject, the earliest record breaking a rule (rules in the order above)
    bad_rows = np.full(n, -1)
    bad_rule = np.full(n, -1)
    for j in range(len(checks) - 1, -1, -1):
        m = checks[j][0]
        bad_rows[di[m]] = di[m]
        bad_rule[di[m]] = j
    offending = np.flatnonzero(bad_rows >= 0)
    for s, row in zip(*_first_per_subject(sub, offending), strict=True):
        s = int(s)
        label = int(rows[row]) if rows is not None else int(row)
        if s in failed and failed[s].row <= label:
            continue
        _, problem, got = checks[bad_rule[row]]
        value = float(got[np.searchsorted(di, row)])
        shown = int(value) if bad_rule[row] == 0 and np.isfinite(value) else value
        failed[s] = failure(data, int(row), problem, shown, sub=sub, rows=rows)
    ok = np.ones(n, bool)
    if failed:
        ok[np.isin(sub, np.fromiter(failed, dtype=np.int64))] = False
    good = ok[di]
    di, c, r, dur, given, lg = di[good], cs[good], r[good], dur[good], given[good], lg[good]
    rt, iv, sv, const, ad = rt[good], iv[good], sv[good], const[good], addl[di]
    td = t[di]

    # --- runs: stretches of a subject between clearing records (EVID 3/4, SS=1), within
    # which TIME never decreases (dataset rules); pending events die at the next clear
    dose = np.zeros(n, bool)
    dose[di] = True
    clear = ((evid == 3) | (evid == 4) | ((evid == 1) & (ss == 1))) & ok
    run_start = first | clear
    run = np.cumsum(run_start) - 1
    run_first = np.flatnonzero(run_start)
    run_last = np.r_[run_first[1:], n] - 1
    nxt_first = np.r_[run_first[1:], -1]
    nxt_same = (nxt_first >= 0) & (sub[np.maximum(nxt_first, 0)] == sub[run_first])
    # latest time a pending event of the run can be processed at
    horizon = np.where(nxt_same, np.maximum(t[run_last], t[np.maximum(nxt_first, 0)]),
                       t[run_last])

    own: list[tuple[np.ndarray, ...]] = []  # (row, order, sub-order, time, kind, cmt, value, ref)
    pend: list[tuple[np.ndarray, ...]] = []  # (origin, push, time, kind, cmt, value)

    def add_own(rows: np.ndarray, order: int, suborder: np.ndarray | int, kind: int,
                cmt: np.ndarray | int, value: np.ndarray | float, ref: np.ndarray | int
                ) -> None:
        k = len(rows)
        own.append((rows, np.full(k, order), np.broadcast_to(suborder, (k,)), t[rows],
                    np.full(k, kind), np.broadcast_to(cmt, (k,)),
                    np.broadcast_to(value, (k,)).astype(float), np.broadcast_to(ref, (k,))))

    def add_pending(origin: np.ndarray, push: np.ndarray, time: np.ndarray, kind: int,
                    cmt: np.ndarray, value: np.ndarray) -> None:
        k = len(origin)
        pend.append((origin, np.broadcast_to(push, (k,)), time, np.full(k, kind),
                     np.broadcast_to(cmt, (k,)), np.broadcast_to(value, (k,)).astype(float)))

    okrows = np.flatnonzero(ok)
    add_own(okrows[clear[okrows]], 0, 0, RESET, 0, 0.0, -1)
    add_own(okrows, 9, 0, OUT, 0, 0.0, okrows)

    # --- steady-state records (usually few): their spec, running implied infusions
    ss_specs: list[SteadyState] = []
    n_running = np.zeros(len(di), np.int64)
    is_ss = sv > 0
    run_rows, run_m, run_cmt, run_rate, end_origin, end_push, end_time = ([] for _ in range(7))
    for i in np.flatnonzero(is_ss):
        row = int(di[i])
        label = int(rows[row]) if rows is not None else row
        if const[i]:
            spec = SteadyState("constant", int(c[i]), 0.0, float(r[i]), np.inf, 0.0, 0.0,
                               label)
        else:
            spec = SteadyState("infusion" if r[i] > 0 else "bolus", int(c[i]),
                               float(given[i]), float(r[i]), float(dur[i]), float(iv[i]),
                               float(lg[i]), label)
        add_own(np.array([row]), 1, 0, SS, int(c[i]), 0.0, len(ss_specs))
        ss_specs.append(spec)
        for m, left in enumerate(spec.running()):
            run_rows.append(row)
            run_m.append(m)
            run_cmt.append(int(c[i]))
            run_rate.append(float(r[i]))
            end_origin.append(row)
            end_push.append(m)
            end_time.append(t[row] + left)
        n_running[i] = len(spec.running())
    if run_rows:
        rr = np.asarray(run_rows)
        add_own(rr, 2, np.asarray(run_m), RATE, np.asarray(run_cmt), np.asarray(run_rate), -1)
        add_pending(rr, np.asarray(end_push), np.asarray(end_time), RATE, np.asarray(run_cmt),
                    -np.asarray(run_rate))

    # --- the dose itself and its additional doses (j = 0..ADDL) at t + j·II + ALAG
    gives = ~const & (given > 0)
    g = np.flatnonzero(gives)
    hz = horizon[run[di[g]]]
    with np.errstate(divide="ignore", invalid="ignore"):
        jmax = np.where(iv[g] > 0, np.floor((hz - td[g] - lg[g]) / iv[g]), 0.0)
    # one more than the floor suggests, then filtered exactly (rounding of the division)
    count = np.where(td[g] + lg[g] > hz, 1, np.minimum(ad[g], np.maximum(jmax, 0) + 1) + 1)
    count = count.astype(np.int64)
    rep = np.repeat(g, count)
    j = np.arange(rep.size) - np.repeat(np.cumsum(count) - count, count)
    t0 = td[rep] + j * iv[rep] + lg[rep]
    keep = (t0 <= horizon[run[di[rep]]]) | (t0 == td[rep])
    rep, j, t0 = rep[keep], j[keep], t0[keep]
    at_record = t0 == td[rep]
    push0 = n_running[rep] + 2 * j
    bolus = r[rep] == 0
    for kind_mask, kind, value in ((bolus, BOLUS, given), (~bolus, RATE, r)):
        sel = kind_mask & at_record
        add_own(di[rep[sel]], 3, 0, kind, c[rep[sel]], value[rep[sel]], -1)
        sel = kind_mask & ~at_record
        add_pending(di[rep[sel]], push0[sel], t0[sel], kind, c[rep[sel]], value[rep[sel]])
    inf = ~bolus
    add_pending(di[rep[inf]], push0[inf] + 1, t0[inf] + dur[rep[inf]], RATE, c[rep[inf]],
                -r[rep[inf]])

    # --- the record before which each pending event is processed
    cols = [np.concatenate(x) for x in zip(*own, strict=True)]
    o_row, o_ord, o_sub, o_time, o_kind, o_cmt, o_val, o_ref = cols
    if pend:
        e_orig, e_push, e_time, e_kind, e_cmt, e_val = (np.concatenate(x) for x in
                                                        zip(*pend, strict=True))
        proc = _processing_record(t, run, sub, run_first, e_orig, e_time)
        use = proc >= 0
        e_orig, e_push, e_time, e_kind, e_cmt, e_val, proc = (
            x[use] for x in (e_orig, e_push, e_time, e_kind, e_cmt, e_val, proc))
    else:
        e_orig = e_push = e_kind = e_cmt = proc = np.zeros(0, np.int64)
        e_time = e_val = np.zeros(0)
    p_all = np.r_[proc, o_row]
    phase = np.r_[np.zeros(len(proc), np.int64), np.ones(len(o_row), np.int64)]
    time = np.r_[e_time, o_time]
    origin = np.r_[e_orig, o_row]
    order1 = np.r_[np.zeros(len(proc), np.int64), o_ord]
    order2 = np.r_[e_push, o_sub]
    order = np.lexsort((order2, order1, origin, time, phase, p_all))
    p_all, time = p_all[order], time[order]
    kind = np.r_[e_kind, o_kind][order]
    cmt = np.r_[e_cmt, o_cmt][order]
    value = np.r_[e_val, o_val][order]
    ref = np.r_[np.full(len(proc), -1), o_ref][order]

    # --- pad per subject
    s_of = sub[p_all] if len(p_all) else np.zeros(0, np.int64)
    counts = np.bincount(s_of, minlength=n_sub)
    width = max(int(counts.max()) if n_sub else 0, 1)
    offsets = np.cumsum(counts) - counts
    pos = np.arange(len(p_all)) - offsets[s_of]
    shape = (n_sub, width)
    out_time = np.zeros(shape)
    out_kind = np.full(shape, NOOP, dtype=np.int64)
    out_cmt = np.zeros(shape, dtype=np.int64)
    out_value = np.zeros(shape)
    out_prow = np.zeros(shape, dtype=np.int64)
    out_ref = np.full(shape, -1, dtype=np.int64)
    out_time[s_of, pos] = time
    out_kind[s_of, pos] = kind
    out_cmt[s_of, pos] = cmt
    out_value[s_of, pos] = value
    out_prow[s_of, pos] = p_all
    out_ref[s_of, pos] = ref
    has = counts > 0
    last = offsets[has] + counts[has] - 1
    pad = np.arange(width)[None, :] >= counts[has][:, None]
    out_time[has] = np.where(pad, time[last][:, None], out_time[has])
    out_prow[has] = np.where(pad, p_all[last][:, None], out_prow[has])
    return Steps(out_time, out_kind, out_cmt, out_value, out_prow, out_ref, ss_specs, bounds,
                 failed)


def _processing_record(t: np.ndarray, run: np.ndarray, sub: np.ndarray,
                       run_first: np.ndarray, origin: np.ndarray, te: np.ndarray
                       ) -> np.ndarray:
    """For pending events (pushed by record ``origin`` for time ``te``): the record before
    which they are processed, or -1 if a clearing record cancels them first or the
    subject's records end before ``te``.

    An event is popped before the first later record of its run at or after its time
    (NONMEM: implied events at or before a record's time come before that record), or
    before the next run's first record (a reset or SS=1 dose: it pops, then clears) if
    that is at or after ``te``.
    """
    n = len(t)
    key_run = np.r_[run, run[origin]]
    key_t = np.r_[t, te]
    key_tie = np.r_[np.arange(n, dtype=float), origin + 0.5]
    order = np.lexsort((key_tie, key_t, key_run))
    is_rec = order < n
    size = len(order)
    pos = np.arange(size)
    nxt = np.where(is_rec, pos, size)
    nxt = np.minimum.accumulate(nxt[::-1])[::-1]
    ev_pos = np.empty(len(te), np.int64)
    ev_pos[order[~is_rec] - n] = pos[~is_rec]
    nr = nxt[ev_pos]
    cand = np.where(nr < size, order[np.minimum(nr, size - 1)], -1)
    g = run[origin]
    in_run = (cand >= 0) & (run[np.maximum(cand, 0)] == g)
    nxt_start = np.where(g + 1 < len(run_first), run_first[np.minimum(g + 1,
                                                                       len(run_first) - 1)], -1)
    ok_next = (nxt_start >= 0) & (sub[np.maximum(nxt_start, 0)] == sub[origin]) \
        & (t[np.maximum(nxt_start, 0)] >= te)
    return np.where(in_run, cand, np.where(ok_next, nxt_start, -1))
