"""Disease and toxicity in vivo: kernel modules that compose with the PK and target layers.

- :func:`platelet_module`, :func:`neutrophil_module` — Friberg marrow lineages; selinexor
  (XPO1 blockade in progenitors) inhibits proliferation, bortezomib blocks platelet release.
- :func:`myeloma_module` — malignant plasma-cell burden (Simeoni growth, damage transit,
  acquired resistance) and serum M-protein; :func:`burden_for_m_protein`.
- :func:`dlbcl_module` — lymphoma burden and SPD.
- :func:`sodium_module`, :func:`weight_module`, :func:`graded_ae_module`,
  :func:`toxicity_module` — exposure-driven non-haematological toxicities.
- CTCAE grading: :func:`platelet_grade`, :func:`neutrophil_grade`,
  :func:`hyponatremia_grade`, :func:`weight_loss_grade`, :func:`anemia_grade`.

Parameter tables with provenance are the TOML files beside these modules.

The names below load on first use (lazy_loader, SPEC 1); they are listed, with the modules
they come from, in ``__init__.pyi`` beside this file (type checkers read it too).
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
