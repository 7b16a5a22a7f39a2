"""Closed-form advance of linear models, vectorised over subjects.

Between steps the input r (running infusions) is constant, so exactly
A(t+h) = e^{Kh}·A(t) + G(h)·r with G(h) = ∫₀ʰ e^{Ks} ds. With K = V·diag(λ)·V⁻¹ both are
diagonal in eigen-coordinates: e^{λh} and (e^{λh} − 1)/λ. Records whose K has (nearly)
repeated eigenvalues (e.g. KA = CL/V, or an Erlang transit chain) use the matrix
exponential of the augmented matrix [[K, r], [0, 0]]·h instead (Van Loan 1978).

Steady state (implied doses at t + lag − k·II, k ≥ 1, superposed):
bolus b: Σ_k e^{K(kτ−L)} b = e^{K(τ−L)} (I − e^{Kτ})⁻¹ b;
infusion (rate R for D): the implied infusions still running at t contribute
Σ G(kτ − L) R (kτ − L < D), the finished ones e^{K((m+1)τ−L−D)} (I − e^{Kτ})⁻¹ G(D) R;
constant infusion: −K⁻¹ R.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import expm

from xposim.errors import InputError
from xposim.pharmacology.nonmem.events import BOLUS, OUT, RATE, RESET, SS, SteadyState, Steps


def _propagate(k: np.ndarray, h: float, r: np.ndarray, x: np.ndarray) -> np.ndarray:
    """e^{Kh} x + G(h) r for one K (augmented matrix exponential)."""
    n = k.shape[0]
    m = np.zeros((n + 1, n + 1))
    m[:n, :n] = k * h
    m[:n, n] = r * h
    e = expm(m)
    return e[:n, :n] @ x + e[:n, n]


def steady_state_linear(k: np.ndarray, spec: SteadyState) -> np.ndarray:
    """Amounts at the record time due to the implied dose train (closed form)."""
    n = k.shape[0]
    e_c = np.zeros(n)
    e_c[spec.cmt] = 1.0
    zero = np.zeros(n)
    if spec.kind == "constant":
        try:
            return -np.linalg.solve(k, spec.rate * e_c)
        except np.linalg.LinAlgError:
            raise InputError(f"row {spec.row + 1}", "a steady-state constant infusion needs "
                             "a model that eliminates (K invertible)") from None
    tau, lag = spec.ii, spec.lag
    e_tau = expm(k * tau)
    try:
        geo = np.linalg.inv(np.eye(n) - e_tau)
    except np.linalg.LinAlgError:
        raise InputError(f"row {spec.row + 1}", "steady state does not exist: the model "
                         "does not eliminate from the dosed compartment") from None
    if spec.kind == "bolus":
        return expm(k * (tau - lag)) @ (geo @ (spec.amount * e_c))
    rate, dur = spec.rate, spec.duration
    running = zero.copy()
    j = 1
    while j * tau - lag < dur:
        running += _propagate(k, j * tau - lag, rate * e_c, zero)
        j += 1
    g_d = _propagate(k, dur, rate * e_c, zero)
    tail = expm(k * (j * tau - lag - dur)) @ (geo @ g_d)
    return running + tail


class LinearSystem:
    """Closed-form propagation of many subjects at once, K per data record."""

    def __init__(self, k_rows: np.ndarray, *, gap: float = 1e-5) -> None:
        self.k = k_rows
        # decompose each distinct K once (records of a subject usually share it)
        flat = k_rows.reshape(len(k_rows), -1)
        uniq, back = np.unique(flat, axis=0, return_inverse=True)
        self._init_unique(uniq.reshape(-1, *k_rows.shape[1:]), gap)
        back = back.ravel()
        self.lam, self.vec, self.inv = self.lam[back], self.vec[back], self.inv[back]
        self.defective = self.defective[back]

    def _init_unique(self, k_rows: np.ndarray, gap: float) -> None:
        lam, vec = np.linalg.eig(k_rows)
        n = k_rows.shape[1]
        scale = np.maximum(np.abs(lam).max(axis=1), 1e-300)
        d = np.where(np.eye(n, dtype=bool)[None], np.inf,
                     np.abs(lam[:, :, None] - lam[:, None, :]))
        defective = d.reshape(len(lam), -1).min(axis=1) < gap * scale
        with np.errstate(all="ignore"):
            inv = np.linalg.inv(np.where(defective[:, None, None], np.eye(n), vec))
        cond = np.linalg.cond(np.where(defective[:, None, None], np.eye(n), vec))
        defective |= ~np.isfinite(cond) | (cond > 1e8)
        real = np.all(np.abs(lam.imag) == 0)
        self.lam = lam.real if real else lam
        self.vec = vec.real if real else vec
        self.inv = inv.real if real else inv
        self.defective = defective

    def advance(self, a: np.ndarray, r: np.ndarray, h: np.ndarray, rows: np.ndarray
                ) -> np.ndarray:
        """Amounts after ``h`` for subjects with current amounts ``a`` and inputs ``r``."""
        out = np.empty_like(a)
        bad = self.defective[rows]
        good = ~bad
        if good.any():
            rw, hh = rows[good], h[good]
            inv, vec, lam = self.inv[rw], self.vec[rw], self.lam[rw]
            ca = np.einsum("sij,sj->si", inv, a[good])
            cr = np.einsum("sij,sj->si", inv, r[good])
            lh = lam * hh[:, None]
            with np.errstate(divide="ignore", invalid="ignore"):
                phi = np.where(np.abs(lh) > 1e-8, np.expm1(lh) / np.where(lam == 0, 1, lam),
                               hh[:, None] * (1 + lh / 2))
            res = np.einsum("sij,sj->si", vec, np.exp(lh) * ca + phi * cr)
            out[good] = res.real if np.iscomplexobj(res) else res
        for i in np.flatnonzero(bad):
            out[i] = _propagate(self.k[rows[i]], float(h[i]), r[i], a[i])
        return out

    def steady_state(self, spec: SteadyState, row: int) -> np.ndarray:
        """The implied dose train's amounts at the record (eigen-coordinates when K is
        diagonalisable, matrix exponentials otherwise)."""
        lam = self.lam[row]
        if self.defective[row] or np.any(lam.real >= 0):
            return steady_state_linear(self.k[row], spec)
        vec, inv = self.vec[row], self.inv[row]
        c = inv[:, spec.cmt]  # V⁻¹·e_cmt
        if spec.kind == "constant":
            y = -spec.rate * c / lam
        elif spec.kind == "bolus":
            y = np.exp(lam * (spec.ii - spec.lag)) / (1 - np.exp(lam * spec.ii)) \
                * spec.amount * c
        else:
            tau, lag, dur = spec.ii, spec.lag, spec.duration
            y = np.zeros_like(c)
            j = 1
            while j * tau - lag < dur:
                y = y + np.expm1(lam * (j * tau - lag)) / lam * spec.rate * c
                j += 1
            y = y + np.exp(lam * (j * tau - lag - dur)) * np.expm1(lam * dur) / lam \
                / (1 - np.exp(lam * tau)) * spec.rate * c
        x = vec @ y
        return x.real if np.iscomplexobj(x) else x


def run_steps(system: LinearSystem, steps: Steps, n_rows: int, n: int) -> np.ndarray:
    """Amounts (records, n) after each record's event, all subjects at once."""
    n_sub, width = steps.time.shape
    a = np.zeros((n_sub, n))
    r = np.zeros((n_sub, n))
    out = np.full((n_rows, n), np.nan)
    tprev = steps.time[:, 0].copy()
    sub = np.arange(n_sub)
    for j in range(width):
        tj = steps.time[:, j]
        h = tj - tprev
        adv = h > 0
        if adv.any():
            idx = sub[adv]
            a[idx] = system.advance(a[idx], r[idx], h[idx], steps.prow[idx, j])
        tprev = tj
        kind = steps.kind[:, j]
        m = kind == BOLUS
        if m.any():
            a[sub[m], steps.cmt[m, j]] += steps.value[m, j]
        m = kind == RATE
        if m.any():
            r[sub[m], steps.cmt[m, j]] += steps.value[m, j]
        m = kind == RESET
        if m.any():
            a[m] = 0.0
            r[m] = 0.0
        m = kind == SS
        if m.any():
            for s in sub[m]:
                a[s] += system.steady_state(steps.ss[steps.ref[s, j]], int(steps.prow[s, j]))
        m = kind == OUT
        if m.any():
            out[steps.ref[m, j]] = a[m]
    return out
