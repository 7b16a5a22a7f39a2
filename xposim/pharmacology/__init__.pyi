"""The pharmacology layer's face: doses, regimens, BSA, NONMEM, PK models."""

from .bsa import (
    bsa_m2 as bsa_m2,
    dubois_bsa as dubois_bsa,
    mosteller_bsa as mosteller_bsa,
)
from .dose import (
    Dose as Dose,
    DoseRecord as DoseRecord,
)
from .label_regimens import (
    label_regimen as label_regimen,
    label_regimen_names as label_regimen_names,
)
from .nmdata import (
    read_dataset as read_dataset,
    validate_dataset as validate_dataset,
    write_dataset as write_dataset,
)
from .nonmem import (
    LinearModel as LinearModel,
    MatrixModel as MatrixModel,
    OdeModel as OdeModel,
    kernel_model as kernel_model,
    nm_simulate as nm_simulate,
)
from .nonmem.variability import (
    parse_omega as parse_omega,
    parse_sigma as parse_sigma,
)
from .pk import (
    dose_compartments as dose_compartments,
    pk_model as pk_model,
)
from .pk.population import (
    Covariates as Covariates,
    repeated_doses as repeated_doses,
    simulate_population as simulate_population,
)
from .pk.selinexor import selinexor_pk as selinexor_pk
from .regimen import (
    Regimen as Regimen,
    parse_regimen as parse_regimen,
    regimen_from_nonmem as regimen_from_nonmem,
    regimen_to_nonmem as regimen_to_nonmem,
    regimen_to_text as regimen_to_text,
)
