"""Population PK of selinexor, dexamethasone and bortezomib (kernel modules).

``pk_model(drug)`` returns a drug's :class:`~xposim.pharmacology.pk.spec.PKModel`;
``simulate_population`` runs virtual subjects; NCA lives in :mod:`xposim.analysis.nca`.
"""

from __future__ import annotations

from collections.abc import Callable

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
