"""Population PK of selinexor, dexamethasone and bortezomib (kernel modules).

``pk_model(drug)`` returns a drug's :class:`~xposim.pharmacology.pk.spec.PKModel`;
``simulate_population`` runs virtual subjects; NCA lives in :mod:`xposim.analysis.nca`;
``dose_compartments(drugs)`` numbers the models' dose compartments for NONMEM datasets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from xposim.errors import InputError
from xposim.pharmacology.pk.spec import PKModel
from xposim.presets.drugs import get_drug


def _builders() -> dict[str, Callable[[], PKModel]]:
    from xposim.pharmacology.pk.bortezomib import bortezomib_pk
    from xposim.pharmacology.pk.dexamethasone import dexamethasone_pk
    from xposim.pharmacology.pk.selinexor import selinexor_pk

    return {"selinexor": selinexor_pk, "dexamethasone": dexamethasone_pk,
            "bortezomib": bortezomib_pk}


def pk_model(drug: str) -> PKModel:
    """The PK model of a drug (name or alias, e.g. ``"dex"``)."""
    name = get_drug(drug).name
    builders = _builders()
    if name not in builders:
        raise InputError("drug", f"no PK model for {name}; have {', '.join(builders)}",
                         got=drug)
    return builders[name]()


def dose_compartments(drugs: Iterable[str]) -> dict[tuple[str, str], int]:
    """NONMEM CMT of each ``(drug, route)`` dose of the drugs' PK models: every model's
    species numbered from 1 in order, the drugs one after another (alphabetical), so a
    single drug's CMT is its dose species' position in the model (as in
    :meth:`PopulationResult.to_nonmem`). For
    :func:`~xposim.pharmacology.regimen.regimen_to_nonmem` and ``regimen_from_nonmem``."""
    out: dict[tuple[str, str], int] = {}
    offset = 0
    for drug in sorted({get_drug(d).name for d in drugs}):
        pk = pk_model(drug)
        species = [s.name for s in pk.module.species]
        for route, target in pk.routes.items():
            out[(pk.drug.name, route)] = offset + species.index(target) + 1
        offset += len(species)
    return out
