"""The docs use the package faces only: ``from xposim import ...`` or ``from
xposim.LAYER import ...`` with names the face lists (issue 9: docs that import only from
the public face, so implementation modules can move without breaking a user's code)."""

from __future__ import annotations

import ast
import importlib
import re
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md"))
BLOCK = re.compile(r"```(python|pycon)\n(.*?)```", re.S)


def _code(block: str, kind: str) -> str:
    if kind == "python":
        return block
    lines = [ln[4:] for ln in block.splitlines() if ln.startswith((">>> ", "... "))]
    return "\n".join(lines)


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    found = []
    for kind, block in BLOCK.findall(path.read_text(encoding="utf-8")):
        for node in ast.walk(ast.parse(_code(block, kind))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("xposim"):
                found.append((node.module, [a.name for a in node.names]))
            elif isinstance(node, ast.Import):
                found += [(a.name, []) for a in node.names if a.name.startswith("xposim.")]
    return found


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_docs_import_only_from_the_package_faces(page: Path):
    wrong = []
    for module, names in _imports(page):
        if module.count(".") > 1:
            wrong.append(f"from {module} import {', '.join(names)}")
            continue
        face = importlib.import_module(module)
        public = set(getattr(face, "__all__", None) or (  # else its explicit re-exports
            n for n, v in vars(face).items()
            if not n.startswith("_") and not isinstance(v, types.ModuleType)))
        wrong += [f"{module}.{n} is not in the face" for n in names if n not in public]
    assert wrong == [], f"{page.name}: import these from `xposim` or its layer face"
