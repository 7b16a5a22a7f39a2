"""One patient: response assessment and dose-modification rules (the runner comes later).

- :func:`assess_imwg`, :func:`imwg_response` — IMWG response from serum M-protein;
  :func:`assess_lugano`, :func:`lugano_response` — Lugano-style response from SPD.
- :func:`dose_rules`, :func:`load_rule_book` — label dose-modification tables as data
  (``dose_rules.toml``) and the evaluator that turns one visit's labs into decisions.
"""

from xposim.patient.response import (
    CATEGORIES as CATEGORIES,
    Response as Response,
    ResponseTable as ResponseTable,
    assess_imwg as assess_imwg,
    assess_lugano as assess_lugano,
    imwg_response as imwg_response,
    lugano_response as lugano_response,
)
from xposim.patient.rules import (
    Decision as Decision,
    DoseRules as DoseRules,
    DrugState as DrugState,
    RuleBook as RuleBook,
    TreatmentState as TreatmentState,
    dose_rules as dose_rules,
    load_rule_book as load_rule_book,
    parse_rule_book as parse_rule_book,
)
