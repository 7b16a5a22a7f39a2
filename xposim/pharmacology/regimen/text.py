"""The regimen text form, for the command line and protocol files.

Examples::

    selinexor 80 mg PO once
    selinexor 80 mg PO days 1,3 weekly x 12 weeks
    selinexor 100 mg PO weekly + bortezomib 1.3 mg/m2 SC weekly 4 on 1 off
        + dex 20 mg PO days 1,2 weekly
    bortezomib 1.3 mg/m2 SC days 1,4,8,11 q21d x 8 cycles
        then bortezomib 1.3 mg/m2 SC days 1,8,15,22 q35d

Grammar (words are case-insensitive; ``N`` a number)::

    regimen  := chain { "+" chain } [ ";" "end at" N "h" ]
    chain    := segment { "then" [ "after" N (h|days|weeks) ] segment }
    segment  := DRUG AMOUNT UNIT ROUTE { option } SCHEDULE [ REPEAT ] { option }
    UNIT     := mg | mg/m2 (or another mass or mass-per-area unit: g, ug, mg/m^2)
    ROUTE    := PO | IV | SC   (oral, intravenous, subcutaneous also read)
    option   := from day N | from N h     start of the segment (default 0 h)
              | over N h                  infusion duration
              | rate N UNIT/TIME          infusion rate (e.g. mg/h, g/h, mg/m2/h)
              | lag N h | F N             absorption lag, bioavailable fraction
              | into NAME                 dose compartment (species) other than the route's
              | ss 1|2                    NONMEM steady-state flag
    SCHEDULE := once [ on day N | at N h ]
              | daily | qd | once daily                         every 24 h
              | bid | twice daily | tid | qid                   every 12, 8, 6 h
              | qod | every other day                           every 48 h
              | weekly | qw | once weekly                       day 1 of each week
              | biw | twice weekly                              days 1,3 of each week
              | tiw | three times weekly                        days 1,3,5 of each week
              | qNw                                             day 1 of each N-week cycle
              | qNd | qNh | every N (h|days|weeks)
              | days LIST PERIOD          LIST: 1,3 or 1-2,4-5 (day 1 = segment start)
              | (weekly|biw|days LIST weekly) N weeks on M weeks off
                ("daily"/"weekly" may also read "a day"/"a week" or "per day"/"per week")
    PERIOD   := weekly | qNd | qNw | every N days | of each N-day cycle
    REPEAT   := (x|for) N (doses|cycles|weeks|days|h)
                without it a repeating schedule is open-ended ("until progression")

``x N days``/``x N weeks`` give the doses before that time; ``x N cycles`` whole cycles.
Counts of doses, cycles, weeks and days are whole numbers (``x 2.5 weeks`` is refused:
write ``x 420 h`` for a time that is not a whole number of days).
A segment after ``then`` starts when the previous one ends (its last cycle's end).
Every error names the offending word.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, replace

from xposim.errors import InputError
from xposim.limits import MAX_ADMINISTRATIONS
from xposim.model.units import HOURS_PER_DAY, conversion_factor, convert_to_one_of
from xposim.pharmacology.dose import Dose, canonical_drug
from xposim.pharmacology.regimen.algebra import Regimen

_ROUTE_WORDS = {"po": "PO", "oral": "PO", "orally": "PO", "iv": "IV", "intravenous": "IV",
                "intravenously": "IV", "sc": "SC", "subcutaneous": "SC",
                "subcutaneously": "SC", "sq": "SC"}
_SCHEDULE_HELP = ("once, daily, bid, weekly, biw, q3w, qNd, qNh, every N h|days|weeks, "
                  "'days 1,3 weekly', 'days 1,4,8,11 q21d'")
#: Schedules with one dosing interval (h), as clinicians write them.
_INTERVAL_WORDS = {"daily": 24.0, "qd": 24.0, "bid": 12.0, "tid": 8.0, "qid": 6.0,
                   "qod": 48.0}
#: Weekly day patterns: days of each 7-day cycle.
_WEEKLY_WORDS = {"weekly": [1], "qw": [1], "biw": [1, 3], "tiw": [1, 3, 5]}
#: "once/twice/three times daily|weekly" (also "a day", "per week" ...).
_TIMES = {"once": 1, "twice": 2, "thrice": 3}


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_NUMBER_UNIT = re.compile(r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)([a-zA-Zµμ/].*)")


class _Tokens:
    """A cursor over the words of one segment, for errors naming the word."""

    def __init__(self, text: str) -> None:
        # unit spellings (mg/m², mg/m^2) are left to xposim.model.units
        t = text.replace("×", " x ")
        t = re.sub(r"\s*,\s*", ",", t)
        t = re.sub(r"(?<=\d)\s*-\s*(?=\d)", "-", t)
        t = re.sub(r"\bon\s*/\s*(?=\d)", "on ", t, flags=re.I)  # 4 weeks on / 1 off
        words = []
        for w in t.split():  # 80mg -> 80 mg (but not q21d, 1e-05, 21-day)
            m = None if _NUMBER.fullmatch(w) else _NUMBER_UNIT.fullmatch(w)
            words.extend([m.group(1), m.group(2)] if m else [w])
        self.text = text.strip()
        self.words = words
        self.i = 0

    def peek(self, k: int = 0) -> str | None:
        j = self.i + k
        return self.words[j].lower() if j < len(self.words) else None

    def take(self, what: str) -> str:
        if self.i >= len(self.words):
            raise self.error(f"{what} is missing")
        w = self.words[self.i]
        self.i += 1
        return w

    def error(self, problem: str, word: str | None = None) -> InputError:
        where = f" in '{self.text}'"
        if word is not None:
            return InputError("regimen", f"{problem}: '{word}'{where}")
        return InputError("regimen", problem + where)

    def number(self, what: str) -> float:
        w = self.take(what)
        try:
            v = float(w)
        except ValueError:
            raise self.error(f"{what} must be a number", w) from None
        if not math.isfinite(v):
            raise self.error(f"{what} must be finite", w)
        return v

    def whole(self, what: str) -> int:
        w = self.words[self.i] if self.i < len(self.words) else None
        v = self.number(what)
        if not v.is_integer() or v < 1:
            raise self.error(f"{what} must be a whole number >= 1", w)
        return int(v)

    def expect(self, *options: str) -> str:
        w = self.take("/".join(options))
        if w.lower() not in options:
            raise self.error(f"expected {' or '.join(repr(o) for o in options)}", w)
        return w.lower()


#: Time words of the grammar and the unit each names (converted by xposim.model.units).
_TIME_WORDS = {"h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour",
               "d": "day", "day": "day", "days": "day", "w": "week", "wk": "week",
               "wks": "week", "week": "week", "weeks": "week"}


def _hours(value: float, word: str) -> float:
    """``value`` in the time unit a grammar word names (h, days, weeks), in h."""
    return value * conversion_factor(_TIME_WORDS[word], "h")


def _duration_h(tok: _Tokens, what: str) -> float:
    v = tok.number(what)
    unit = tok.take(f"unit of {what} (h, days, weeks)").lower()
    if unit not in _TIME_WORDS:
        raise tok.error("unit must be h, days or weeks", unit)
    return _hours(v, unit)


def _day_list(tok: _Tokens) -> list[int]:
    w = tok.take("list of days (e.g. 1,3)")
    days: list[int] = []
    for part in w.split(","):
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise tok.error("days must be whole numbers like 1,3 or 1-2,4-5", w)
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if hi < lo:
            raise tok.error("day ranges must increase", w)
        days.extend(range(lo, hi + 1))
    if not days or days[0] < 1 or days != sorted(set(days)):
        raise tok.error("days must be increasing whole numbers >= 1", w)
    return days


def _period_days(tok: _Tokens) -> float:
    """weekly | qNd | every N days | of each N-day cycle."""
    w = tok.peek()
    if w in ("weekly", "qw"):
        tok.take("period")
        return 7.0
    if w is not None and re.fullmatch(r"q\d+(\.\d+)?d", w):
        tok.take("period")
        return float(w[1:-1])
    if w is not None and re.fullmatch(r"q\d+w", w):
        tok.take("period")
        return 7.0 * float(w[1:-1])
    if w == "every":
        tok.take("period")
        return _duration_h(tok, "cycle length") / HOURS_PER_DAY
    if w == "of":
        tok.take("period")
        if tok.peek() in ("a", "each", "every"):
            tok.take("cycle")
        c = tok.take("cycle length (e.g. 21-day)")
        m = re.fullmatch(r"(\d+(?:\.\d+)?)-?days?", c.lower())
        if not m:
            raise tok.error("cycle length must read like 21-day", c)
        if tok.peek() in ("cycle", "cycles"):
            tok.take("cycle")
        return float(m.group(1))
    raise tok.error("after the days, give the period: weekly, q21d, every N days or "
                    "'of each 21-day cycle'", tok.words[tok.i] if w else None)


@dataclass
class _Options:
    start_h: float = 0.0
    duration_h: float | None = None
    rate: float | None = None
    rate_unit: str | None = None
    lag_h: float = 0.0
    f: float = 1.0
    cmt: str | None = None
    ss: int = 0


def _option(tok: _Tokens, opts: _Options) -> bool:
    """Read one option if the next word starts one."""
    w = tok.peek()
    if w == "from":
        tok.take("from")
        if tok.peek() == "day":
            tok.take("day")
            d = tok.number("start day")
            if d < 1:
                raise tok.error("start day must be >= 1", str(d))
            opts.start_h = (d - 1) * HOURS_PER_DAY
        else:
            opts.start_h = _duration_h(tok, "start time")
        return True
    if w == "over":
        tok.take("over")
        opts.duration_h = _duration_h(tok, "infusion duration")
        return True
    if w == "rate":
        tok.take("rate")
        opts.rate = tok.number("infusion rate")
        opts.rate_unit = tok.take("rate unit (e.g. mg/h)")  # checked against the dose unit
        return True
    if w == "lag":
        tok.take("lag")
        opts.lag_h = _duration_h(tok, "lag time")
        return True
    if w == "f":
        tok.take("F")
        opts.f = tok.number("bioavailable fraction F")
        return True
    if w == "into":
        tok.take("into")
        opts.cmt = tok.take("compartment name")
        return True
    if w == "ss":
        tok.take("ss")
        v = tok.take("steady-state flag (1 or 2)")
        if v not in ("1", "2"):
            raise tok.error("ss must be 1 or 2", v)
        opts.ss = int(v)
        return True
    return False


@dataclass
class _Repeat:
    kind: str  # doses | cycles | hours
    n: float


def _repeat(tok: _Tokens) -> _Repeat | None:
    if tok.peek() not in ("x", "for"):
        return None
    tok.take("x")
    w = tok.words[tok.i] if tok.i < len(tok.words) else None
    n = tok.number("number of repeats")
    if n <= 0:
        raise tok.error("the number of repeats must be > 0", w)
    unit = tok.take("repeat unit (doses, cycles, weeks, days)").lower()
    if unit in ("dose", "doses", "times"):
        kind = "doses"
    elif unit in ("cycle", "cycles"):
        kind = "cycles"
    elif unit in ("week", "weeks", "wk", "wks", "day", "days", "d"):
        if not n.is_integer():  # 'x 2.5 weeks' is ambiguous: whole units, or hours
            raise tok.error(f"the number of {_TIME_WORDS[unit]}s must be a whole number "
                            f"(for part of a {_TIME_WORDS[unit]} write the time in h, e.g. "
                            f"'x {_num(_hours(n, unit))} h')", w)
        return _Repeat("hours", _hours(n, unit))
    elif unit in ("h", "hr", "hrs", "hours", "hour"):
        return _Repeat("hours", _hours(n, unit))
    else:
        raise tok.error("repeat unit must be doses, cycles, weeks or days", unit)
    if not n.is_integer():
        raise tok.error(f"the number of {kind} must be a whole number", w)
    return _Repeat(kind, n)


def _segment(text: str) -> Regimen:
    tok = _Tokens(text)
    if not tok.words:
        raise InputError("regimen", "has an empty part (check '+' and 'then')", got=text)
    drug = tok.take("drug")
    if re.fullmatch(r"[-+.]?\d.*", drug):
        raise tok.error("start with the drug name, e.g. 'selinexor 80 mg PO once'", drug)
    amount_word = tok.words[tok.i] if tok.i < len(tok.words) else None
    amount = tok.number("amount")
    unit = tok.take("amount unit (mg or mg/m2)")
    route_word = tok.take("route (PO, IV or SC)")
    route = _ROUTE_WORDS.get(route_word.lower(), route_word)
    opts = _Options()
    # the steady-state flag shapes the records (an ii is kept for ss doses): read it first
    for j in range(tok.i, len(tok.words) - 1):
        if tok.words[j].lower() == "ss":
            tok.i, k = j, tok.i
            _option(tok, opts)
            del tok.words[j:j + 2]
            tok.i = k
            break
    while _option(tok, opts):
        pass
    drug_name = canonical_drug(drug)
    try:
        dose = Dose(drug_name, amount, unit, route, opts.start_h, cmt=opts.cmt,
                    duration_h=opts.duration_h, lag_h=opts.lag_h, f=opts.f)
        rate = _rate(tok, opts, dose.unit)  # in the dose's unit per h
        if rate is not None:
            dose = replace(dose, rate=rate)
    except InputError as exc:
        if exc.field == "dose":
            raise InputError("dose", exc.problem, got=f"{amount_word} {unit}") from None
        raise
    reg = _schedule(tok, dose, opts.ss)
    start = opts.start_h
    while _option(tok, opts):  # options may also follow the schedule
        if opts.start_h != start:
            raise tok.error("give 'from' before the schedule", "from")
    rate = _rate(tok, opts, dose.unit)
    changed = (opts.lag_h, opts.f, opts.cmt, opts.duration_h, rate) != (
        dose.lag_h, dose.f, dose.cmt, dose.duration_h, dose.rate)
    if changed:
        recs = [replace(r, cmt=opts.cmt, rate=rate, duration_h=opts.duration_h,
                        lag_h=opts.lag_h, f=opts.f) for r in reg.records]
        reg = Regimen(tuple(recs), end=reg.end)
    if tok.i < len(tok.words):
        raise tok.error("unexpected word", tok.words[tok.i])
    return reg


def _rate(tok: _Tokens, opts: _Options, unit: str) -> float | None:
    """The option's infusion rate in ``unit`` per h (None without one)."""
    if opts.rate is None or opts.rate_unit is None:
        return None
    try:
        value, _ = convert_to_one_of(opts.rate, opts.rate_unit, (f"{unit}/h",), field="rate")
    except InputError:
        raise tok.error(f"the rate unit must be {unit}/h (or another {unit} per time unit)",
                        opts.rate_unit) from None
    return value


def _frequency(tok: _Tokens) -> str | None:
    """Read "once|twice|three times|thrice" + "daily|weekly|a day|a week|per day|per week"
    as the schedule word it means (daily, bid, tid, weekly, biw, tiw). "once" before
    another repeating schedule ("once every 3 weeks", "once q21d") is dropped. None
    (nothing read) otherwise."""
    w0 = tok.peek()
    if w0 == "three" and tok.peek(1) == "times":
        times, k = 3, 2
    elif w0 in _TIMES:
        times, k = _TIMES[w0], 1
    else:
        return None
    w1 = tok.peek(k)
    if w1 in ("daily", "weekly"):
        unit, span = ("week" if w1 == "weekly" else "day"), k + 1
    elif w1 in ("a", "per") and tok.peek(k + 1) in ("day", "week"):
        unit, span = tok.peek(k + 1), k + 2
    else:
        if times == 1 and w1 is not None and (w1 == "every" or re.fullmatch(
                r"q\d+(\.\d+)?[dhw]|qod|qw|biw|tiw|bid|tid|qid|qd", w1)):
            tok.take("once")  # "once every 3 weeks" = "every 3 weeks"
        return None
    word = {("day", 1): "daily", ("day", 2): "bid", ("day", 3): "tid",
            ("week", 1): "weekly", ("week", 2): "biw", ("week", 3): "tiw"}[(unit, times)]
    for _ in range(span):
        tok.take(word)
    return word


def _schedule(tok: _Tokens, dose: Dose, ss: int = 0) -> Regimen:
    w = tok.peek()
    if w is None:
        raise tok.error(f"the schedule is missing; use {_SCHEDULE_HELP}")
    raw = tok.words[tok.i]
    word = _frequency(tok)  # consumed when not None
    if word is None:
        w = tok.peek()
        if w is None:
            raise tok.error(f"the schedule is missing after 'once'; use {_SCHEDULE_HELP}")
        raw = tok.words[tok.i]
    if word is None and w == "once":
        tok.take("once")
        if tok.peek() == "on":
            tok.take("on")
            tok.expect("day")
            d = tok.number("day")
            if d < 1:
                raise tok.error("day must be >= 1", str(d))
            dose = dose.at(dose.time_h + (d - 1) * HOURS_PER_DAY)
        elif tok.peek() == "at":
            tok.take("at")
            dose = dose.at(dose.time_h + _duration_h(tok, "dose time"))
        if tok.peek() in ("x", "for"):
            raise tok.error("'once' cannot repeat", tok.words[tok.i])
        if ss:
            raise tok.error("a steady-state dose needs a dosing interval", "ss")
        return Regimen.of(dose)
    if word is None:
        word = tok.take("schedule").lower() if w != "every" and w not in ("days", "day") \
            else w
    # single-offset interval schedules
    ii_h: float | None = None
    days: list[int] | None = None
    period_days: float | None = None
    if word in _INTERVAL_WORDS:
        ii_h = _INTERVAL_WORDS[word]
    elif word in _WEEKLY_WORDS:
        days, period_days = list(_WEEKLY_WORDS[word]), 7.0
    elif re.fullmatch(r"q\d+w", word):
        days, period_days = [1], 7.0 * float(word[1:-1])
    elif re.fullmatch(r"q\d+(\.\d+)?d", word):
        ii_h = float(word[1:-1]) * HOURS_PER_DAY
    elif re.fullmatch(r"q\d+(\.\d+)?h", word):
        ii_h = float(word[1:-1])
    elif word == "every":
        tok.take("every")
        if tok.peek() == "other" and tok.peek(1) == "day":
            tok.take("other")
            tok.take("day")
            ii_h = 2 * HOURS_PER_DAY
        else:
            ii_h = _duration_h(tok, "dosing interval")
    elif word in ("days", "day"):
        tok.take("days")
        days = _day_list(tok)
        period_days = _period_days(tok)
    else:
        raise tok.error(f"unknown schedule (use {_SCHEDULE_HELP})", raw)
    if period_days is not None and period_days <= 0:
        raise tok.error("the cycle must be > 0 days", raw)
    if ii_h is not None and ii_h <= 0:
        raise tok.error("the dosing interval must be > 0", raw)
    # N weeks on M weeks off
    if _on_off_follows(tok):
        if days is None or period_days != 7.0:
            raise tok.error("'N weeks on M off' needs a weekly schedule (weekly, biw, "
                            "days 1,3 weekly)", tok.words[tok.i])
        on = tok.whole("weeks on")
        if tok.peek() in ("week", "weeks", "wk", "wks"):
            tok.take("weeks")
        tok.expect("on")
        off_word = tok.words[tok.i] if tok.i < len(tok.words) else None
        off = tok.number("weeks off")
        if off < 0 or not off.is_integer():
            raise tok.error("weeks off must be a whole number >= 0", off_word)
        if tok.peek() in ("week", "weeks", "wk", "wks"):
            tok.take("weeks")
        tok.expect("off")
        days = [7 * k + d for k in range(on) for d in days]
        period_days = 7.0 * (on + int(off))
    rep = _repeat(tok)
    if rep is not None:  # refused before any record is built, let alone expanded
        per_cycle = 1 if days is None else len(days)
        every = ii_h if ii_h is not None else (period_days or 1.0) * HOURS_PER_DAY
        count = (rep.n * (per_cycle if rep.kind == "cycles" else 1)
                 if rep.kind in ("doses", "cycles")
                 else math.ceil(rep.n / every) * per_cycle)
        MAX_ADMINISTRATIONS.check("regimen", count, got=tok.text)
    try:
        if days is not None and period_days is not None:
            if rep is None:
                return Regimen.schedule(dose, days=days, every_days=period_days, ss=ss)
            if rep.kind == "cycles":
                return Regimen.schedule(dose, days=days, every_days=period_days,
                                        cycles=int(rep.n), ss=ss)
            if rep.kind == "doses":
                if len(days) != 1:
                    raise tok.error("count cycles, weeks or days when a cycle has several "
                                    "doses", "doses")
                return Regimen.schedule(dose, days=days, every_days=period_days,
                                        cycles=int(rep.n), ss=ss)
            return Regimen.schedule(dose, days=days, every_days=period_days,
                                    for_days=rep.n / HOURS_PER_DAY, ss=ss)
        assert ii_h is not None
        if rep is None:
            return Regimen.of(dose, ii_h=ii_h, forever=True, ss=ss)
        if rep.kind in ("doses", "cycles"):
            n = int(rep.n)
            return Regimen(Regimen.of(dose, ii_h=ii_h, addl=n - 1, ss=ss).records,
                           end=dose.time_h + n * ii_h)
        return Regimen.of(dose, ii_h=ii_h, until_h=dose.time_h + rep.n, ss=ss)
    except InputError as exc:
        if exc.field in ("days", "every", "cycles", "for", "ii", "until"):
            raise tok.error(exc.problem, raw) from None
        raise


def _on_off_follows(tok: _Tokens) -> bool:
    w0, w1, w2 = tok.peek(), tok.peek(1), tok.peek(2)
    if w0 is None or not re.fullmatch(r"\d+", w0):
        return False
    return w1 == "on" or (w1 in ("week", "weeks", "wk", "wks") and w2 == "on")


def _split_plus(text: str) -> list[str]:
    return re.split(r"\s*(?<!\d[eE])\+\s*", text)


def parse_regimen(text: str) -> Regimen:
    """The :class:`~xposim.pharmacology.regimen.Regimen` of a regimen text (grammar in
    this module's docstring)."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("regimen", "is required, e.g. 'selinexor 80 mg PO once'", got=text)
    body, end = text, None
    m = re.search(r";\s*end\s+at\s+(\S+)\s*h\s*$", text, flags=re.I)
    if m:
        body = text[: m.start()]
        try:
            end = float(m.group(1))
        except ValueError:
            raise InputError("regimen", f"end time must be a number: '{m.group(1)}'",
                             got=text) from None
    elif ";" in text:
        raise InputError("regimen", "after ';' only 'end at N h' is allowed", got=text)
    total: Regimen | None = None
    for chain_text in _split_plus(body):
        chain: Regimen | None = None
        for k, seg_text in enumerate(re.split(r"\s+then\s+", chain_text, flags=re.I)):
            gap = 0.0
            mg = re.match(r"\s*after\s+(\S+)\s+(\S+)\s+", seg_text, flags=re.I)
            if mg:
                if k == 0:
                    raise InputError("regimen", "'after' belongs after 'then'", got=seg_text)
                t = _Tokens(f"{mg.group(1)} {mg.group(2)}")
                gap = _duration_h(t, "gap after 'then'")
                seg_text = seg_text[mg.end():]
            seg = _segment(seg_text)
            chain = seg if chain is None else chain.then(seg, gap_h=gap)
        assert chain is not None
        total = chain if total is None else total + chain
    assert total is not None
    if end is not None:
        return Regimen(total.records, end=end, name=text.strip())
    return Regimen(total.records, end=total.end_h if not total.open_ended else None,
                   name=text.strip())


# --------------------------------------------------------------------------- writing
def _num(x: float) -> str:
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def _dose_words(d: Dose) -> str:
    words = [d.drug, _num(d.amount), d.unit, d.route]
    if d.duration_h is not None:
        words += ["over", _num(d.duration_h), "h"]
    if d.rate is not None:
        words += ["rate", _num(d.rate), f"{d.unit}/h"]
    if d.lag_h:
        words += ["lag", _num(d.lag_h), "h"]
    if d.f != 1.0:
        words += ["F", _num(d.f)]
    if d.cmt is not None:
        words += ["into", d.cmt]
    return " ".join(words)


def _start_words(t: float) -> list[str]:
    if t == 0:
        return []
    if t % HOURS_PER_DAY == 0 and HOURS_PER_DAY * (t / HOURS_PER_DAY) == t:
        return ["from", "day", _num(t / HOURS_PER_DAY + 1.0)]
    return ["from", _num(t), "h"]


def _record_text(r: Dose) -> str:
    d = r
    words = [_dose_words(d)]
    ss = ["ss", str(r.ss)] if r.ss else []
    if r.addl == 0 and not r.ss:
        return " ".join([*words, "once", *(["at", _num(d.time_h), "h"] if d.time_h else [])])
    words += _start_words(d.time_h)
    words += ["every", _num(r.ii_h), "h"]
    if r.addl is not None:
        words += ["x", str(r.addl + 1), "doses"]
    return " ".join(words + ss)


def _group_text(recs: list[Dose]) -> str | None:
    """One 'days ... every P days' segment for records that differ only in time."""
    r0 = recs[0]
    ii = r0.ii_h
    times = sorted(r.time_h for r in recs)
    if ii <= 0 or len(set(times)) != len(times):
        return None
    period = ii / HOURS_PER_DAY
    if not period.is_integer() or HOURS_PER_DAY * period != ii:
        return None
    start = times[0]
    days = []
    for t in times:
        k = (t - start) / HOURS_PER_DAY
        if not k.is_integer() or start + HOURS_PER_DAY * k != t:
            return None
        days.append(int(k) + 1)
    if days[-1] > period:
        return None
    words = [_dose_words(r0), *_start_words(start)]
    p = _num(period)
    onoff = _on_off_words(days, period)
    if onoff is not None:
        words += onoff
    elif days == [1]:
        words += ["daily"] if period == 1 else ["weekly"] if period == 7 else [f"q{p}d"]
    else:
        words += ["days", ",".join(str(d) for d in days), "weekly" if period == 7 else f"q{p}d"]
    if r0.addl is not None:
        count = {1.0: "days", 7.0: "weeks"}.get(period, "cycles")
        words += ["x", str(r0.addl + 1), count]
    if r0.ss:
        words += ["ss", str(r0.ss)]
    return " ".join(words)


def _on_off_words(days: list[int], period: float) -> list[str] | None:
    """'weekly 4 weeks on 1 week off' when the days are day 1 of each of the first weeks
    of a whole-week cycle, with at least one week off (other patterns keep the label
    style 'days 1,4,8,11 q21d')."""
    if period % 7 or len(days) < 2:
        return None
    weeks = int(period // 7)
    on = len(days)
    if on >= weeks or days != [7 * w + 1 for w in range(on)]:
        return None
    return ["weekly", str(on), "weeks" if on > 1 else "week", "on", str(weeks - on),
            "weeks" if weeks - on > 1 else "week", "off"]


def regimen_to_text(regimen: Regimen) -> str:
    """The text of a regimen; :func:`parse_regimen` of it gives the same regimen."""
    if not regimen.records:
        raise InputError("regimen", "is empty: nothing to write")
    groups: dict[Dose, list[Dose]] = defaultdict(list)
    for r in regimen.records:
        key = replace(r, time_h=0.0)  # the same dose and repetition at other times
        groups[key].append(r)
    parts: list[str] = []
    for recs in groups.values():
        text = _group_text(recs) if len(recs) > 1 or recs[0].addl != 0 else None
        if text is not None and _segment(text).records == tuple(recs):
            parts.append(text)
        else:
            parts.extend(_record_text(r) for r in recs)
    text = " + ".join(parts)
    if parse_regimen(text).end_h != regimen.end_h:
        text += f" ; end at {_num(regimen.end_h)} h"  # type: ignore[arg-type]
    return text

