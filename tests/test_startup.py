"""Start-up stays light: the CLI imports a command's dependencies only when it runs.

Checked by the modules a fresh interpreter has imported (never by timing): ``xposim
--help``, every ``xposim COMMAND --help`` and ``import xposim`` load none of the numerical
stack. Also: no module switches the matplotlib backend (only the CLI selects Agg, when it
writes figures), and the lazy public names of ``xposim`` all resolve.
"""

from __future__ import annotations

import ast
import json
import os
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Nothing a --help needs: these load only when a command runs.
HEAVY = ("numpy", "pandas", "scipy", "matplotlib", "roadrunner", "libsbml", "pint", "xarray",
         "pyarrow")


def _loaded_after(code: str, env: dict[str, str] | None = None) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter; it must leave its findings in ``found``."""
    script = textwrap.dedent(code) + "\nimport json, sys\nprint(json.dumps(found))\n"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _commands() -> list[list[str]]:
    """Every command and sub-command of the CLI, as argv prefixes."""
    import typer.main

    from xposim.cli import app

    group = typer.main.get_command(app)
    out: list[list[str]] = []

    def walk(cmd: object, path: list[str]) -> None:
        for name, sub in getattr(cmd, "commands", {}).items():
            out.append([*path, name])
            walk(sub, [*path, name])

    walk(group, [])
    return out


def test_help_imports_no_numerical_library():
    argvs = [["--help"]] + [[*c, "--help"] for c in _commands()]
    found = _loaded_after(f"""
        import contextlib, io, sys
        from xposim.cli import main
        codes = []
        for argv in {argvs!r}:
            with contextlib.redirect_stdout(io.StringIO()):
                try:
                    main(argv)
                    codes.append(0)
                except SystemExit as exc:
                    codes.append(exc.code or 0)
        found = {{"codes": codes,
                  "heavy": sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))}}
    """)
    assert found["codes"] == [0] * len(argvs)
    assert found["heavy"] == [], "a CLI module imports these at module level; move the " \
        "import into the command function"


def test_commands_are_listed():
    """The walk above sees every command (so a new one is covered by the help test)."""
    names = {" ".join(c) for c in _commands()}
    assert {"cell", "ic50", "pk", "synergy", "nm simulate", "regimen show", "params", "sbml",
            "demo"} <= names


def test_import_xposim_is_light():
    found = _loaded_after(f"""
        import sys
        import xposim
        found = sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))
    """)
    assert found == []


#: ``xposim.engine.integrate`` is the documented function (docs/kernel.md); its module is
#: reached with ``importlib.import_module("xposim.engine.integrate")``.
SHADOWING_ALLOWED = {"xposim.engine": {"integrate"}}
FACES = sorted(p.parent for p in (ROOT / "xposim").rglob("__init__.pyi"))


@pytest.mark.parametrize("face", FACES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_name_of_a_package_face_resolves(face: Path):
    """Each face (a package with ``__init__.pyi``) lists its names once, in the stub; every
    one resolves, and nothing else answers."""
    import importlib

    name = ".".join(face.relative_to(ROOT).parts)
    package = importlib.import_module(name)
    stub = ast.parse((face / "__init__.pyi").read_text(encoding="utf-8"))
    listed = {alias.asname or alias.name for node in stub.body
              if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert set(package.__all__) == listed
    for attr in package.__all__:
        assert getattr(package, attr) is not None, f"{name}.{attr}"
    assert set(listed) <= set(dir(package))
    with pytest.raises(AttributeError, match="not_a_name"):
        _ = package.not_a_name
    # a name equal to a submodule's would hide the module from ``import a.b as m``
    submodules = {m.name for m in pkgutil.iter_modules([str(face)])}
    attributes = {alias.asname or alias.name for node in stub.body
                  if isinstance(node, ast.ImportFrom) and node.module for alias in node.names}
    assert attributes & submodules <= SHADOWING_ALLOWED.get(name, set())


def test_no_module_switches_the_matplotlib_backend():
    """Importing every module (and drawing a figure) leaves the user's backend alone."""
    found = _loaded_after("""
        import importlib, pkgutil
        import matplotlib
        import numpy as np
        import xposim
        for m in pkgutil.walk_packages(xposim.__path__, "xposim."):
            importlib.import_module(m.name)
        from xposim.analysis.synergy import CombinationGrid, bliss
        from xposim.report.synergy_plots import plot_excess_heatmap
        c = np.array([0.0, 10.0, 100.0])
        g = CombinationGrid(("a", "b"), c, c, np.full((3, 3), 0.5), kind="viability")
        plot_excess_heatmap(g, bliss(g))
        found = matplotlib.get_backend()
    """, env={"MPLBACKEND": "svg"})
    assert found == "svg"


def test_only_the_cli_selects_a_backend():
    """No ``matplotlib.use`` anywhere in the package but the CLI's one helper."""
    calls = []
    for path in (ROOT / "xposim").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "use"
                    and ast.unparse(node.func.value) == "matplotlib"):
                calls.append(path.relative_to(ROOT).as_posix())
    assert calls == ["xposim/cli/_common.py"]
