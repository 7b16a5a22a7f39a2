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
"""

from xposim.disease.ctcae import (
    GradingRule as GradingRule,
    anemia_grade as anemia_grade,
    grading_rules as grading_rules,
    hyponatremia_grade as hyponatremia_grade,
    neutrophil_grade as neutrophil_grade,
    platelet_grade as platelet_grade,
    weight_loss_grade as weight_loss_grade,
)
from xposim.disease.dlbcl import dlbcl_module as dlbcl_module
from xposim.disease.myeloma import (
    burden_for_m_protein as burden_for_m_protein,
    myeloma_module as myeloma_module,
)
from xposim.disease.myelosuppression import (
    neutrophil_module as neutrophil_module,
    platelet_module as platelet_module,
)
from xposim.disease.toxicity import (
    GRADED_AES as GRADED_AES,
    graded_ae_module as graded_ae_module,
    sodium_module as sodium_module,
    toxicity_module as toxicity_module,
    weight_module as weight_module,
)
