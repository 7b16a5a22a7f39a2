"""The public face of xposim.web (names load on first use; see __init__.py)."""

from .app import (
    create_app as create_app,
)
from .cells import (
    CellSpec as CellSpec,
    cell_timecourse as cell_timecourse,
)
from .views import (
    render_view as render_view,
    step_h as step_h,
)
