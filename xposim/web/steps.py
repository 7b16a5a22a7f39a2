"""The guided walk's text: each step's title and introduction (data only).

Kept apart from :mod:`xposim.web.views` so the server can list the steps without
importing the model (which takes seconds and would block the event loop).
"""

from __future__ import annotations

#: step number -> (title, introduction shown above the controls)
STEP_TEXT: dict[int, tuple[str, str]] = {
    1: ("XPO1's normal job", (
        "In a normal cell, XPO1 carries proteins that hold a nuclear export signal (NES) out "
        "of the nucleus while importins bring them back. Each cargo settles where import "
        "balances export: tumour suppressors such as p53 sit mostly in the nucleus. Change "
        "the XPO1 level and watch them move.")),
    2: ("A cancer cell with high XPO1", (
        "Myeloma and lymphoma cells make several times more XPO1. The same cargoes are "
        "exported faster, so p53, p21 and FOXO3a are pushed out of the nucleus, where they "
        "cannot stop the cell cycle or trigger apoptosis.")),
    3: ("Selinexor binds XPO1", (
        "Selinexor enters the cell and binds Cys528 in XPO1's cargo groove, first reversibly "
        "and then covalently. Bound XPO1 exports nothing, so the suppressors return to the "
        "nucleus. The C528S mutant, drawn beside it, cannot form the bond.")),
    4: ("Suppressors back in the nucleus: arrest and apoptosis", (
        "Nuclear p53, p21 and FOXO3a halt the cell cycle and, in a primed cancer cell, "
        "trigger apoptosis. A normal cell shifts the same proteins less, arrests reversibly "
        "and survives.")),
    5: ("Dexamethasone and the glucocorticoid receptor", (
        "Selinexor raises glucocorticoid receptor (GR) levels, so dexamethasone kills more "
        "when they are given together. MM.1R lacks GR: the synergy disappears.")),
    6: ("A patient on a regimen", (
        "Tablets taken on the label schedule give plasma selinexor peaks; unbound drug "
        "occupies XPO1, and blocked XPO1 in the marrow's megakaryocyte progenitors lowers "
        "platelets over weeks. The tumour dies from its own cells' death signal (M-protein), "
        "and the label's dose rules hold or reduce doses when platelets fall.")),
}
