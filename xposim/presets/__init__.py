"""presets layer."""
