"""The presets layer's face: cell-line presets and parameter files (data)."""

from .cell_lines import (
    CellLine as CellLine,
    all_cell_lines as all_cell_lines,
    get_cell_line as get_cell_line,
)
from .loader import parameter_file as parameter_file
