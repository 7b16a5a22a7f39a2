"""One patient: the clinical model, treatment that reacts, response and dose rules.

- :class:`ClinicalPatientSimulator` — the patient simulator of the trial contract
  (:mod:`xposim.patient.outcome`): visit to visit with the label's dose rules;
  :func:`default_arm`, :func:`typical_patient` for one patient without a protocol;
- :func:`patient_model` — PK + tumour cell (the cell layer's, or its quasi-steady-state
  reduction, :mod:`xposim.patient.reduction`) + marrow + disease + toxicities, coupled in
  :mod:`xposim.patient.coupling`;
- :func:`assess_imwg`, :func:`imwg_response` — IMWG response from serum M-protein;
  :func:`assess_lugano`, :func:`lugano_response` — Lugano-style response from SPD.
- :func:`dose_rules`, :func:`load_rule_book` — label dose-modification tables as data
  (``dose_rules.toml``) and the evaluator that turns one visit's labs into decisions;
  :func:`follows_discretionary` — the per-patient draw of the execution model (does this
  patient's investigator act on the discretionary rules?); :func:`stops_for_toxicity` —
  the per-patient trait "stops treatment at the first grade >= 3 adverse event".

The names below load on first use (lazy_loader, SPEC 1); they are listed, with the modules
they come from, in ``__init__.pyi`` beside this file (type checkers read it too).
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
