"""The public face of xposim.disease (names load on first use; see __init__.py)."""

from .ctcae import (
    GradingRule as GradingRule,
    anemia_grade as anemia_grade,
    grading_rules as grading_rules,
    hyponatremia_grade as hyponatremia_grade,
    neutrophil_grade as neutrophil_grade,
    platelet_grade as platelet_grade,
    weight_loss_grade as weight_loss_grade,
)
from .dlbcl import (
    dlbcl_module as dlbcl_module,
)
from .myeloma import (
    burden_for_m_protein as burden_for_m_protein,
    myeloma_module as myeloma_module,
)
from .myelosuppression import (
    neutrophil_module as neutrophil_module,
    platelet_module as platelet_module,
)
from .toxicity import (
    GRADED_AES as GRADED_AES,
    graded_ae_module as graded_ae_module,
    sodium_module as sodium_module,
    toxicity_module as toxicity_module,
    weight_module as weight_module,
)
