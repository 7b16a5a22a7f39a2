"""Calibrations that couple layers (e.g. PK driving target engagement); rerunnable."""
