"""The report layer's public face: figures (matplotlib) of cell, PK and synergy results."""

from .cell_plots import plot_exposure as plot_exposure
from .synergy_plots import (
    plot_dose_response as plot_dose_response,
    plot_excess_heatmap as plot_excess_heatmap,
    plot_isobologram as plot_isobologram,
)
