"""Dose-modification rules as data, and the evaluator that applies them at a visit.

The rules live in ``dose_rules.toml`` beside this file (or a user file of the same form),
validated on load: an unknown lab, action, key or rule id is an error naming the file,
rule set, rule and field. :func:`dose_rules` binds rule sets to a label regimen's dose
levels (``xposim/presets/label_regimens.toml``) and returns a :class:`DoseRules`, whose
:meth:`~DoseRules.evaluate` takes the labs of one visit and the current
:class:`TreatmentState` and returns the decisions (hold, resume, reduce, discontinue,
supportive) with the rule id, the lab values it read and the new dose, plus the new state.
It is a pure function: the caller owns the state and the time course.

Semantics (the label tables leave them implicit; stated here so they can be checked):

- Reduce and hold rules fire when their condition *becomes* true ("each occurrence"): a
  count that stays at 60 × 10⁹/L for three visits is one reduction, not three.
- At one visit a drug takes the strongest action: discontinue > hold > reduce; several
  reduce rules at once reduce by the largest of their ``levels``, not their sum.
- A held drug is checked only for its resume conditions (and for discontinue rules); it
  resumes when every hold on it has resolved, at the lowest level any of them asks for.
- A hold rule may restart lower on a recurrence ("1st occurrence: same dose; recurrence:
  one level lower"): ``recurrence_resume_levels_lower`` applies from the second time the
  rule holds the drug; the evaluator counts each hold rule's occurrences.
- Past the last reduction step a drug is permanently discontinued (the label's "after
  last").
- ``held_with`` drugs (dexamethasone in Xd) pause, resume and stop with their leader.
- Supportive rules fire at every visit their condition holds.

Execution (how investigators apply the table; Holford et al., Annu Rev Pharmacol Toxicol
2000, "execution model" of a clinical-trial simulation: the deviations of a trial's
conduct from its protocol): every drug rule is ``discretionary`` or mandatory (the
default). A mandatory rule (a hold at a grade >= 3 or life-threatening toxicity, a
discontinuation) is always acted on. A discretionary rule (a dose reduction, a hold at
grade <= 2) is acted on only by an investigator who follows the discretionary rules:
:meth:`DoseRules.initial_state` takes ``adherent``, fixed for the patient's whole
course (the trial layer draws it per patient, :func:`adherence_draw`). A discretionary
rule may name a ``mandatory_when`` part (e.g. grade 3 fatigue within "grade 2 for > 7 days
or grade 3"): for a non-adherent investigator the rule fires when ``when and
mandatory_when`` becomes true. With ``adherent=True`` (the default) every rule fires as
the table says.

Patients' and investigators' own decisions to stop (beyond the table): a per-patient trait,
drawn once from its own stream (:func:`stops_for_toxicity`, the arm's
``toxicity_discontinuation``), "this patient/investigator stops treatment for toxicity at
the first visit with a qualifying adverse event" (the runner checks it after the table's
rules at each lab visit on treatment: any toxicity it grades, platelets, neutrophils,
sodium or a sampled non-haematological event, at CTCAE grade >= 3; it logs a
``discontinue`` of every drug still given under the rule id :data:`PATIENT_CHOICE_RULE`).
"""

from __future__ import annotations

import ast
import copy
import math
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from xposim.errors import InputError
from xposim.pharmacology.label_regimens import DoseReduction, label_regimen

Action = Literal["reduce", "hold", "discontinue", "supportive"]
ACTIONS: tuple[str, ...] = ("reduce", "hold", "discontinue", "supportive")
_PACKAGED = "dose_rules.toml"
_RULE_KEYS = {"id", "when", "action", "levels", "resume_when", "resume_levels_lower",
              "resume_level", "recurrence_resume_levels_lower", "set", "add", "source",
              "discretionary", "mandatory_when"}
#: Spawn-key part of the per-patient adherence draw (its own stream: every other draw of
#: the patient stays as it was).
ADHERENCE_STREAM = 0xAD4E
#: Spawn-key part of the per-patient draw of the toxicity-discontinuation trait (its own
#: stream, as the adherence draw's).
TOXICITY_STOP_STREAM = 0x70C5
#: Rule id of a discontinuation by the patient's or investigator's own decision after a
#: grade >= 3 adverse event (not a rule of the table).
PATIENT_CHOICE_RULE = "patient-choice-toxicity"
_SET_KEYS = {"drug", "description", "source", "held_with", "rules"}
_OPS = {ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
        ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
        ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b}


@dataclass(frozen=True)
class Condition:
    """A condition over labs: comparisons of a lab with a number, joined by and/or/not."""

    text: str
    labs: frozenset[str]
    _tree: ast.expr = field(repr=False, compare=False)
    _code: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def parse(cls, text: object, known: Iterable[str], where: str) -> Condition:
        if not isinstance(text, str) or not text.strip():
            raise InputError(where, "must be a condition such as 'platelets_1e9_per_l < 25'",
                             got=text)
        try:
            tree = ast.parse(text.strip(), mode="eval").body
        except SyntaxError as exc:
            raise InputError(where, f"is not a valid condition ({exc.msg})", got=text) from exc
        labs: set[str] = set()
        _check_condition(tree, set(known), where, text, labs)
        # checked above to be comparisons of labs with numbers joined by and/or/not, so
        # Python's own evaluation of it means the same as _eval, at a visit's speed
        code = compile(ast.Expression(tree), f"<condition {text.strip()!r}>", "eval")
        return cls(text.strip(), frozenset(labs), tree, code)

    def __call__(self, labs: Mapping[str, float]) -> bool:
        if self._code is not None:
            return bool(eval(self._code, {"__builtins__": {}}, labs))
        return bool(_eval(self._tree, labs))


def _check_condition(node: ast.AST, known: set[str], where: str, text: str,
                     labs: set[str]) -> None:
    if isinstance(node, ast.BoolOp):
        for v in node.values:
            _check_condition(v, known, where, text, labs)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check_condition(node.operand, known, where, text, labs)
    elif isinstance(node, ast.Compare):
        if not all(type(op) in _OPS for op in node.ops):
            raise InputError(where, "comparisons must use < <= > >= == !=", got=text)
        for side in (node.left, *node.comparators):
            if isinstance(side, ast.Name):
                if side.id not in known:
                    raise InputError(where, f"unknown lab {side.id!r}; known labs: "
                                     f"{', '.join(sorted(known))}", got=text)
                labs.add(side.id)
            elif not (isinstance(side, ast.Constant) and isinstance(side.value, int | float)
                      and not isinstance(side.value, bool)):
                raise InputError(where, "compare a lab with a number", got=text)
    else:
        raise InputError(where, "must be comparisons of labs with numbers joined by and, "
                         "or, not", got=text)


def _eval(node: ast.AST, labs: Mapping[str, float]) -> bool | float:
    if isinstance(node, ast.BoolOp):
        vals = (_eval(v, labs) for v in node.values)
        return all(vals) if isinstance(node.op, ast.And) else any(vals)
    if isinstance(node, ast.UnaryOp):
        return not _eval(node.operand, labs)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, labs)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _eval(right_node, labs)
            if not _OPS[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Name):
        return labs[node.id]
    assert isinstance(node, ast.Constant)
    return float(node.value)


@dataclass(frozen=True)
class Lab:
    """A quantity the rules may read."""

    name: str
    unit: str
    description: str = ""
    model_output: str = ""


@dataclass(frozen=True)
class Rule:
    """One row of a dose-modification table."""

    id: str
    drug: str
    when: Condition
    action: Action
    source: str
    levels: int = 1
    resume_when: Condition | None = None
    resume_levels_lower: int = 0
    resume_level: int | None = None
    recurrence_resume_levels_lower: int | None = None  # from the 2nd occurrence on
    set: Mapping[str, float] = field(default_factory=dict)
    add: Mapping[str, float] = field(default_factory=dict)
    #: acted on only by an adherent investigator (module docstring, "Execution")
    discretionary: bool = False
    #: the part of a discretionary rule every investigator acts on
    mandatory_when: Condition | None = None

    @property
    def labs(self) -> frozenset[str]:
        out = self.when.labs | (self.resume_when.labs if self.resume_when else frozenset())
        return out | (self.mandatory_when.labs if self.mandatory_when else frozenset())


@dataclass(frozen=True)
class RuleSet:
    """The rules of one drug (or of supportive care)."""

    name: str
    drug: str
    rules: tuple[Rule, ...]
    description: str = ""
    source: str = ""
    held_with: str | None = None


@dataclass(frozen=True)
class RuleBook:
    """A validated rules file: its labs and rule sets."""

    path: str
    labs: Mapping[str, Lab]
    rule_sets: Mapping[str, RuleSet]

    def rule(self, rule_id: str) -> Rule:
        for rs in self.rule_sets.values():
            for r in rs.rules:
                if r.id == rule_id:
                    return r
        raise InputError("rule", "unknown rule id", got=rule_id)


def _int(value: object, where: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InputError(where, f"must be a whole number >= {low}", got=value)
    return value


def _numbers(value: object, where: str) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise InputError(where, "must be a table of name = number", got=value)
    out = {}
    for k, v in value.items():
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise InputError(f"{where}.{k}", "must be a finite number", got=v)
        out[str(k)] = float(v)
    return out


def parse_rule_book(data: Mapping[str, Any], path: str) -> RuleBook:
    """Validate a parsed rules file (errors name ``path``, rule set, rule and field)."""
    labs_table = data.get("labs")
    if not isinstance(labs_table, Mapping) or not labs_table:
        raise InputError(f"{path} [labs]", "must list the labs rules may read")
    labs = {}
    for name, entry in labs_table.items():
        if not isinstance(entry, Mapping) or "unit" not in entry:
            raise InputError(f"{path} [labs].{name}", "must be a table with a unit")
        unknown = set(entry) - {"unit", "description", "model_output"}
        if unknown:
            raise InputError(f"{path} [labs].{name}", f"unknown keys {sorted(unknown)}")
        labs[name] = Lab(name, str(entry["unit"]), str(entry.get("description", "")),
                         str(entry.get("model_output", "")))
    sets: dict[str, RuleSet] = {}
    ids: set[str] = set()
    for set_name, entry in data.items():
        if set_name == "labs":
            continue
        where = f"{path} [{set_name}]"
        if not isinstance(entry, Mapping):
            raise InputError(where, "must be a table")
        unknown = set(entry) - _SET_KEYS
        if unknown:
            raise InputError(where, f"unknown keys {sorted(unknown)}")
        drug = entry.get("drug")
        if not isinstance(drug, str) or not drug:
            raise InputError(f"{where}.drug", "is required (a drug name or 'supportive')")
        rules = []
        for k, r in enumerate(entry.get("rules", ())):
            rules.append(_parse_rule(r, drug, f"{where} rule {k + 1}", labs, ids))
        held_with = entry.get("held_with")
        if held_with is not None and (not isinstance(held_with, str) or drug == "supportive"):
            raise InputError(f"{where}.held_with", "must name the leading drug")
        if not rules and held_with is None:
            raise InputError(where, "has no rules and follows no drug")
        sets[set_name] = RuleSet(set_name, drug, tuple(rules), str(entry.get("description", "")),
                                 str(entry.get("source", "")), held_with)
    return RuleBook(path, MappingProxyType(labs), MappingProxyType(sets))


def _parse_rule(r: object, drug: str, where: str, labs: Mapping[str, Lab],
                ids: set[str]) -> Rule:
    if not isinstance(r, Mapping):
        raise InputError(where, "must be a table")
    rid = r.get("id")
    if not isinstance(rid, str) or not rid:
        raise InputError(f"{where}.id", "is required")
    where = f"{where.rsplit(' rule ', 1)[0]} rule {rid}"
    if rid in ids:
        raise InputError(f"{where}.id", "is used twice")
    ids.add(rid)
    unknown = set(r) - _RULE_KEYS
    if unknown:
        raise InputError(where, f"unknown keys {sorted(unknown)}")
    action = r.get("action")
    if action not in ACTIONS:
        raise InputError(f"{where}.action", f"must be one of {', '.join(ACTIONS)}", got=action)
    if (drug == "supportive") != (action == "supportive"):
        raise InputError(f"{where}.action", "supportive rules belong to the supportive set, "
                         "and only there", got=action)
    source = r.get("source")
    if not isinstance(source, str) or not source.strip():
        raise InputError(f"{where}.source", "must cite the label text or say it is assumed")
    when = Condition.parse(r.get("when"), labs, f"{where}.when")
    resume_when = None
    if action == "hold":
        resume_when = Condition.parse(r.get("resume_when"), labs, f"{where}.resume_when")
    elif "resume_when" in r:
        raise InputError(f"{where}.resume_when", "only hold rules resume")
    if "resume_level" in r and "resume_levels_lower" in r:
        raise InputError(where, "give resume_levels_lower or resume_level, not both")
    recurrence = r.get("recurrence_resume_levels_lower")
    if recurrence is not None:
        if action != "hold":
            raise InputError(f"{where}.recurrence_resume_levels_lower", "only hold rules "
                             "resume", got=recurrence)
        if "resume_level" in r:
            raise InputError(where, "give recurrence_resume_levels_lower with "
                             "resume_levels_lower, not with resume_level")
        recurrence = _int(recurrence, f"{where}.recurrence_resume_levels_lower", 0)
    discretionary = r.get("discretionary", False)
    if not isinstance(discretionary, bool):
        raise InputError(f"{where}.discretionary", "must be true or false", got=discretionary)
    if discretionary and action == "supportive":
        raise InputError(f"{where}.discretionary", "supportive care is not a dose "
                         "modification: only drug rules are discretionary")
    mandatory_when = None
    if "mandatory_when" in r:
        if not discretionary:
            raise InputError(f"{where}.mandatory_when", "only a discretionary rule has a "
                             "mandatory part (set discretionary = true)")
        mandatory_when = Condition.parse(r["mandatory_when"], labs, f"{where}.mandatory_when")
    set_ = _numbers(r.get("set", {}), f"{where}.set")
    add = _numbers(r.get("add", {}), f"{where}.add")
    for lab in add:
        if lab not in labs:
            raise InputError(f"{where}.add.{lab}", "unknown lab")
    if action == "supportive" and not (set_ or add):
        raise InputError(where, "a supportive rule needs 'set' or 'add'")
    return Rule(
        id=rid, drug=drug, when=when, action=action, source=source.strip(),
        levels=_int(r.get("levels", 1), f"{where}.levels", 1),
        resume_when=resume_when,
        resume_levels_lower=_int(r.get("resume_levels_lower", 0),
                                 f"{where}.resume_levels_lower", 0),
        resume_level=(None if "resume_level" not in r
                      else _int(r["resume_level"], f"{where}.resume_level", 0)),
        recurrence_resume_levels_lower=recurrence,
        set=MappingProxyType(set_), add=MappingProxyType(add),
        discretionary=discretionary, mandatory_when=mandatory_when)


def load_rule_book(path: str | Path | None = None) -> RuleBook:
    """Read and validate a rules file; the packaged ``dose_rules.toml`` by default."""
    if path is None:
        where = f"xposim/patient/{_PACKAGED}"
        text = resources.files("xposim.patient").joinpath(_PACKAGED).read_text("utf-8")
    else:
        where = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise InputError("rules", "file not found", got=where) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(where, f"is not valid TOML ({exc})") from exc
    return parse_rule_book(data, where)


# -- state and decisions --------------------------------------------------------------


@dataclass(frozen=True)
class DrugState:
    """One drug: its dose level (0 = label start), holds in force, discontinuation."""

    level: int = 0
    holds: tuple[str, ...] = ()  # ids of the rules holding the drug
    discontinued: bool = False
    resolved: tuple[str, ...] = ()  # holds of this interruption already resolved

    @property
    def held(self) -> bool:
        return bool(self.holds)


@dataclass(frozen=True)
class TreatmentState:
    """What the evaluator remembers between visits."""

    drugs: Mapping[str, DrugState]
    true_at_last_visit: frozenset[str] = frozenset()  # rule ids whose condition held
    occurrences: Mapping[str, int] = field(default_factory=dict)  # holds per rule id
    #: the investigator acts on discretionary rules (module docstring, "Execution")
    adherent: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "drugs", MappingProxyType(dict(self.drugs)))
        object.__setattr__(self, "occurrences", MappingProxyType(dict(self.occurrences)))


@dataclass(frozen=True)
class Decision:
    """One decision at a visit (day in days; levels as in the label reduction steps)."""

    day: float
    drug: str
    rule: str
    action: Literal["hold", "resume", "reduce", "discontinue", "supportive"]
    labs: Mapping[str, float]
    old_level: int | None = None
    new_level: int | None = None
    new_dose: str | None = None  # the regimen text of the new level; None when stopped
    set: Mapping[str, float] = field(default_factory=dict)
    add: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class DoseRules:
    """Rule sets bound to a label regimen's dose levels; see the module docstring."""

    book: RuleBook
    regimen: str
    rule_sets: tuple[RuleSet, ...]
    reductions: Mapping[str, DoseReduction]
    disabled: frozenset[str] = frozenset()

    # Computed once per DoseRules (frozen: they cannot change), not at every visit.
    @cached_property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(r for rs in self.rule_sets for r in rs.rules if r.id not in self.disabled)

    @cached_property
    def _true_now(self) -> Callable[[Mapping[str, float]], frozenset[str]]:
        """``values -> ids of the enabled rules whose condition holds``: the conditions
        (checked comparisons, see :meth:`Condition.parse`) compiled as one tuple, so a
        visit evaluates them in one call (the same expressions, each as Python evaluates
        it alone)."""
        rules = self.rules
        if not rules or any(r.when._code is None for r in rules):
            return lambda values: frozenset(r.id for r in rules if r.when(values))
        ids = tuple(r.id for r in rules)
        tree = ast.Expression(ast.Tuple([copy.deepcopy(r.when._tree) for r in rules],
                                        ast.Load()))
        code = compile(ast.fix_missing_locations(tree), "<visit conditions>", "eval")
        return lambda values: frozenset(
            i for i, hit in zip(ids, eval(code, {"__builtins__": {}}, values), strict=True)
            if hit)

    @cached_property
    def required_labs(self) -> frozenset[str]:
        """Labs every visit must supply (those the enabled rules read)."""
        out: set[str] = set()
        for r in self.rules:
            out |= r.labs
        return frozenset(out)

    @cached_property
    def drugs(self) -> tuple[str, ...]:
        return tuple(rs.drug for rs in self.rule_sets if rs.drug != "supportive")

    @cached_property
    def _known_labs(self) -> frozenset[str]:
        return frozenset(self.book.labs)

    @cached_property
    def _enabled(self) -> dict[str, list[Rule]]:
        """Rule set name -> its enabled rules."""
        return {rs.name: [r for r in rs.rules if r.id not in self.disabled]
                for rs in self.rule_sets}

    @cached_property
    def _supportive(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.action == "supportive")

    @cached_property
    def _mandatory_part(self) -> tuple[tuple[str, Rule], ...]:
        """(pseudo id, rule) of the enabled discretionary rules with a mandatory part."""
        return tuple((f"{r.id}:mandatory", r) for r in self.rules
                     if r.discretionary and r.mandatory_when is not None)

    def initial_state(self, adherent: bool = True) -> TreatmentState:
        """The state before the first visit; ``adherent``: this patient's investigator
        acts on the discretionary rules (fixed for the course)."""
        if not isinstance(adherent, bool):
            raise InputError("adherent", "must be True or False", got=adherent)
        return TreatmentState({d: DrugState() for d in self.drugs}, adherent=adherent)

    def dose_text(self, drug: str, level: int) -> str | None:
        red = self.reductions.get(drug)
        if red is None or level >= len(red.texts):
            return None
        return red.texts[level]

    def _check_labs(self, labs: Mapping[str, float]) -> dict[str, float]:
        given = labs.keys()
        unknown = sorted(given - self._known_labs)
        if unknown:
            raise InputError("labs", f"unknown lab(s) {unknown}; known: "
                             f"{', '.join(sorted(self.book.labs))}")
        missing = sorted(self.required_labs - given)
        if missing:
            raise InputError("labs", f"missing {missing}, read by the enabled rules "
                             "(supply them or disable the rules that read them)")
        out = {}
        for k, v in labs.items():
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise InputError(f"labs.{k}", "must be a finite number", got=v)
            out[k] = float(v)
        return out

    def evaluate(self, labs: Mapping[str, float], state: TreatmentState, *,
                 day: float) -> tuple[list[Decision], TreatmentState]:
        """Decisions at a visit on ``day`` (days) from ``labs``; returns (decisions, state)."""
        if isinstance(day, bool) or not isinstance(day, int | float) or not math.isfinite(day):
            raise InputError("day", "must be a finite number of days", got=day)
        values = self._check_labs(labs)
        unknown = sorted(state.drugs.keys() - set(self.drugs))
        if unknown:
            raise InputError("state", f"has drugs {unknown} that no rule set covers")
        true_now = self._true_now(values)
        if not state.adherent:  # the mandatory parts of discretionary rules have own edges
            true_now = true_now | {pid for pid, r in self._mandatory_part
                                   if r.id in true_now and r.mandatory_when(values)}
        new_edge = true_now - state.true_at_last_visit
        if not new_edge and self._quiet(state, true_now):
            # the usual visit: no rule acts (none newly true), no hold to resolve, no
            # supportive care, followers in step with their leaders; the loops below
            # would decide nothing and change no drug
            return [], TreatmentState(state.drugs, true_now, state.occurrences,
                                      state.adherent)

        def acts(rule: Rule) -> bool:
            """The rule's condition became true and this investigator acts on it."""
            if state.adherent or not rule.discretionary:
                return rule.id in new_edge
            return f"{rule.id}:mandatory" in new_edge
        decisions: list[Decision] = []
        drugs = dict(state.drugs)
        occurrences = dict(state.occurrences)

        def seen(rule: Rule) -> dict[str, float]:
            return {k: values[k] for k in sorted(rule.labs)}

        for rs in self.rule_sets:
            if rs.drug == "supportive" or rs.held_with is not None:
                continue
            d = rs.drug
            st = drugs.get(d, DrugState())
            if st.discontinued:
                continue
            rules = self._enabled[rs.name]
            stops = [r for r in rules if r.action == "discontinue" and acts(r)]
            if stops:
                r = stops[0]
                decisions.append(Decision(day, d, r.id, "discontinue", seen(r), st.level, None,
                                          None))
                drugs[d] = replace(st, holds=(), discontinued=True)
                continue
            if st.held:
                by_id = {r.id: r for r in rules}
                resolved = [h for h in st.holds if h in by_id
                            and by_id[h].resume_when is not None
                            and by_id[h].resume_when(values)]
                remaining = tuple(h for h in st.holds if h not in resolved)
                if remaining:
                    drugs[d] = replace(st, holds=remaining, resolved=st.resolved + tuple(resolved))
                    continue
                # every hold resolved: resume at the lowest level any of them asks for
                released = st.resolved + st.holds
                level = st.level
                for h in released:
                    r = by_id[h]
                    lower = r.resume_levels_lower
                    if (r.recurrence_resume_levels_lower is not None
                            and occurrences.get(h, 0) >= 2):
                        lower = r.recurrence_resume_levels_lower
                    target = (max(st.level, r.resume_level) if r.resume_level is not None
                              else st.level + lower)
                    level = max(level, target)
                read = {k: v for h in released for k, v in seen(by_id[h]).items()}
                drugs[d] = self._move(d, st, level, day, "+".join(released), read, "resume",
                                      decisions)
                continue
            fired = [r for r in rules if r.action in ("hold", "reduce") and acts(r)]
            holds = [r for r in fired if r.action == "hold"]
            if holds:
                for r in holds:
                    decisions.append(Decision(day, d, r.id, "hold", seen(r), st.level,
                                              st.level, None))
                    occurrences[r.id] = occurrences.get(r.id, 0) + 1
                drugs[d] = replace(st, holds=tuple(r.id for r in holds))
                continue
            reduces = [r for r in fired if r.action == "reduce"]
            if reduces:
                r = max(reduces, key=lambda x: x.levels)
                drugs[d] = self._move(d, st, st.level + r.levels, day, r.id, seen(r), "reduce",
                                      decisions)
        # followers pause, resume and stop with their leader
        for rs in self.rule_sets:
            if rs.held_with is None:
                continue
            lead_before = state.drugs.get(rs.held_with, DrugState())
            lead = drugs.get(rs.held_with, DrugState())
            st = drugs.get(rs.drug, DrugState())
            rid = f"{rs.name}:follows-{rs.held_with}"
            if st.discontinued:
                continue
            if lead.discontinued:
                decisions.append(Decision(day, rs.drug, rid, "discontinue", {}, st.level, None,
                                          None))
                drugs[rs.drug] = replace(st, holds=(), discontinued=True)
            elif lead.held and not st.held:
                decisions.append(Decision(day, rs.drug, rid, "hold", {}, st.level, st.level,
                                          None))
                drugs[rs.drug] = replace(st, holds=(rid,))
            elif not lead.held and st.held and lead_before.held:
                decisions.append(Decision(day, rs.drug, rid, "resume", {}, st.level, st.level,
                                          self.dose_text(rs.drug, st.level)
                                          or f"unchanged (with {rs.held_with})"))
                drugs[rs.drug] = replace(st, holds=())
        for r in self._supportive:
            if r.id in true_now:
                decisions.append(Decision(day, "supportive", r.id, "supportive", seen(r),
                                          set=r.set, add=r.add))
        return decisions, TreatmentState(drugs, true_now, occurrences, state.adherent)

    @cached_property
    def _followers(self) -> tuple[tuple[str, str], ...]:
        """(drug, leader) of the rule sets that follow another drug."""
        return tuple((rs.drug, rs.held_with) for rs in self.rule_sets
                     if rs.held_with is not None)

    def _quiet(self, state: TreatmentState, true_now: frozenset[str]) -> bool:
        """Whether a visit without a newly true condition decides nothing: no drug held
        (its resumption is checked at every visit), no supportive rule true, and no
        follower still on while its leader is stopped."""
        drugs = state.drugs
        if any(st.holds for st in drugs.values()):
            return False
        if any(r.id in true_now for r in self._supportive):
            return False
        none = DrugState()
        return all(drugs.get(d, none).discontinued or not drugs.get(lead, none).discontinued
                   for d, lead in self._followers)

    def _move(self, drug: str, st: DrugState, level: int, day: float, rule_id: str,
              labs: Mapping[str, float], action: Literal["resume", "reduce"],
              decisions: list[Decision]) -> DrugState:
        red = self.reductions[drug]
        if level >= len(red.steps):
            decisions.append(Decision(day, drug, rule_id, "discontinue", labs, st.level, None,
                                      None))
            return DrugState(level=level, holds=(), discontinued=True)
        decisions.append(Decision(day, drug, rule_id, action, labs, st.level, level,
                                  red.texts[level]))
        return DrugState(level=level, holds=(), discontinued=False)


def is_probability(value: object) -> bool:
    """A real number (not a bool) in [0, 1]: what a rule adherence may be."""
    return (not isinstance(value, bool) and isinstance(value, int | float)
            and math.isfinite(value) and 0.0 <= value <= 1.0)


def trait_draw(seed: int, stream_key: Iterable[int], stream: int) -> float:
    """A patient's uniform draw in [0, 1) deciding one per-patient trait (it has the trait
    when the draw is below the trait's probability): from the trait's own stream,
    ``SeedSequence(seed, spawn_key=(*stream_key, stream))``, so it depends on (seed,
    patient) only and leaves every other draw unchanged."""
    import numpy as np

    key = tuple(int(k) for k in stream_key)
    return float(np.random.default_rng(np.random.SeedSequence(
        seed, spawn_key=(*key, stream))).random())


def has_trait(probability: float, field: str, seed: int, stream_key: Iterable[int],
              stream: int) -> bool:
    """Whether the patient has a per-patient trait of ``probability`` (the arm setting
    ``field``, validated): always at 1, never at 0 (no draw made), else
    :func:`trait_draw` on the trait's ``stream`` below it."""
    if not is_probability(probability):
        raise InputError(field, "must be a probability in [0, 1]", got=probability)
    if probability >= 1.0:
        return True
    if probability <= 0.0:
        return False
    return trait_draw(seed, stream_key, stream) < probability


def adherence_draw(seed: int, stream_key: Iterable[int]) -> float:
    """The draw deciding whether the patient's investigator follows the discretionary
    rules (:func:`trait_draw` on :data:`ADHERENCE_STREAM`)."""
    return trait_draw(seed, stream_key, ADHERENCE_STREAM)


def toxicity_stop_draw(seed: int, stream_key: Iterable[int]) -> float:
    """The draw deciding the toxicity-discontinuation trait (:func:`trait_draw` on
    :data:`TOXICITY_STOP_STREAM`, independent of the adherence draw)."""
    return trait_draw(seed, stream_key, TOXICITY_STOP_STREAM)


def stops_for_toxicity(toxicity_discontinuation: float, seed: int,
                       stream_key: Iterable[int]) -> bool:
    """Whether the patient (or the investigator) stops treatment at the first visit on
    treatment with an adverse event of CTCAE grade >= 3 (module docstring), with
    probability ``toxicity_discontinuation``. Per patient, not per event: the share
    stopping does not depend on how often the visits grade the events."""
    return has_trait(toxicity_discontinuation, "toxicity_discontinuation", seed,
                     stream_key, TOXICITY_STOP_STREAM)


def follows_discretionary(rule_adherence: float, seed: int, stream_key: Iterable[int]) -> bool:
    """Whether the patient's investigator acts on discretionary rules, with probability
    ``rule_adherence``."""
    return has_trait(rule_adherence, "rule_adherence", seed, stream_key, ADHERENCE_STREAM)


def dose_rules(regimen: str, rule_sets: Iterable[str], *, disabled: Iterable[str] = (),
               book: RuleBook | None = None) -> DoseRules:
    """Bind ``rule_sets`` of ``book`` (the packaged rules by default) to the dose levels
    of the label regimen ``regimen`` (e.g. ``"selinexor-dex"``).

    ``disabled``: rule ids switched off, e.g. rules reading labs the model does not make.
    """
    book = book or load_rule_book()
    lr = label_regimen(regimen)
    chosen = []
    for name in rule_sets:
        if name not in book.rule_sets:
            raise InputError("rule_sets", f"unknown rule set; known: "
                             f"{', '.join(book.rule_sets)}", got=name)
        chosen.append(book.rule_sets[name])
    if not chosen:
        raise InputError("rule_sets", "give at least one rule set")
    known_ids = {r.id for rs in book.rule_sets.values() for r in rs.rules}
    off = frozenset(disabled)
    unknown = sorted(off - known_ids)
    if unknown:
        raise InputError("disabled", f"unknown rule id(s) {unknown}")
    drugs = [rs.drug for rs in chosen if rs.drug != "supportive"]
    if len(set(drugs)) != len(drugs):
        raise InputError("rule_sets", "two rule sets for the same drug")
    for rs in chosen:
        if rs.drug == "supportive":
            continue
        if rs.held_with is not None:
            if rs.held_with not in drugs:
                raise InputError("rule_sets", f"{rs.name} follows {rs.held_with}, which has "
                                 "no rule set here")
            continue
        if rs.drug not in lr.reductions:
            raise InputError("rule_sets", f"{rs.name} modifies {rs.drug}, but label regimen "
                             f"{lr.name} has dose levels only for "
                             f"{', '.join(lr.reductions) or 'no drug'}")
    return DoseRules(book, lr.name, tuple(chosen), MappingProxyType(dict(lr.reductions)), off)
