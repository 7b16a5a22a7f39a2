"""pharmacology layer."""
