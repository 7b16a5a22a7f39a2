"""Population PK of selinexor, dexamethasone and bortezomib (kernel modules)."""
