"""biology layer."""
