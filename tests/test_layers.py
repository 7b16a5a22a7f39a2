"""The package's import graph keeps the layer order of DESIGN.md.

Built from the source with ``ast`` (every ``import`` statement, function-level ones
included; ``if TYPE_CHECKING:`` blocks excluded): no file-level import cycle, no import
from a higher layer, and no private (underscore) name imported from another folder.

Layer order (DESIGN.md "Layers"; a module may import its own layer or any lower one):
``cli`` > ``web`` > ``report`` > ``trials``, ``calibration`` > ``patient``,
``experiments`` > ``disease`` > ``biology``, ``pharmacology`` > ``engine``, ``presets``,
``analysis`` > ``model`` > ``errors``, ``io``. Top-level helper modules: ``_version``
and ``limits`` (the named bounds on work, docs/cli.md) sit with ``errors``; ``testing``
and ``catalog`` (which read every layer) with ``cli``.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "xposim"

RANK: dict[str, int] = {
    "errors": 0, "io": 0, "_version": 0, "limits": 0,
    "model": 1,
    "engine": 2, "presets": 2, "analysis": 2,
    "biology": 3, "pharmacology": 3,
    "disease": 4,
    "patient": 5, "experiments": 5,
    "trials": 6, "calibration": 6,
    "report": 7,
    "web": 8,
    "cli": 9, "testing": 9, "catalog": 9,
}

# No upward import is tolerated: presets are data and import nothing above model.
KNOWN_UPWARD: set[tuple[str, str]] = set()


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The module a dotted name lives in (``pkg.mod.Name`` -> ``pkg.mod``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(sub) for sub in ast.walk(node))
    return skip


def _imports(module: str, path: Path) -> list[tuple[str, list[str]]]:
    """(imported module, imported names) of every import statement of a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_nodes(tree)
    is_pkg = path.name == "__init__.py"
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out.extend((a.name, []) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".") if is_pkg else module.split(".")[:-1]
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([base] if base else []))
            names = [a.name for a in node.names]
            out.append((base, names))
            # ``from pkg import submodule`` imports the submodule itself
            out.extend((f"{base}.{n}", []) for n in names if f"{base}.{n}" in MODULES)
    return out


def _graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        for target, _ in _imports(module, path):
            resolved = _resolve(target) if target.startswith("xposim") else None
            if resolved and resolved not in (module, "xposim") and module != "xposim":
                edges[module].add(resolved)
    return edges


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_every_module_belongs_to_a_layer():
    unknown = sorted({_layer(m) for m in MODULES if m != "xposim"} - set(RANK))
    assert not unknown, f"folders or modules without a layer in DESIGN.md order: {unknown}"


def test_no_import_cycles_between_files():
    cycles = _cycles(_graph())
    assert not cycles, "import cycles (function-level imports count):\n" + "\n".join(
        " <-> ".join(c) for c in cycles)


def test_imports_only_go_down_the_layers():
    upward = {(m, t) for m, targets in _graph().items() for t in targets
              if RANK[_layer(t)] > RANK[_layer(m)]}
    unexpected = sorted(upward - KNOWN_UPWARD)
    assert not unexpected, "upward imports:\n" + "\n".join(f"{m} -> {t}"
                                                           for m, t in unexpected)


def test_no_private_name_is_imported_from_another_folder():
    found = []
    for module, path in MODULES.items():
        folder = module.rpartition(".")[0] if path.name != "__init__.py" else module
        for target, names in _imports(module, path):
            source = _resolve(target) if target.startswith("xposim") else None
            if source is None:
                continue
            source_path = MODULES[source]
            source_folder = (source.rpartition(".")[0] if source_path.name != "__init__.py"
                             else source)
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            private += [p for p in target.split(".") if p.startswith("_")
                        and not p.startswith("__") and p != "_version"]
            if private and source_folder != folder:
                found.append(f"{module} imports {', '.join(private)} from {source}")
    assert not found, "private names used across folders:\n" + "\n".join(found)


def test_the_checker_sees_cycles_and_upward_imports():
    # the graph code itself: a cycle and a long one are found, a chain is not
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert RANK[_layer("xposim.cli.pk")] > RANK[_layer("xposim.pharmacology.dose")]
    # a function-level import is an edge: regimen/algebra must not reach the text module
    edges = _graph()
    assert "xposim.pharmacology.regimen.text" not in edges[
        "xposim.pharmacology.regimen.algebra"]
    assert "xposim.pharmacology.regimen.algebra" in edges["xposim.pharmacology.regimen.text"]
