"""Rate-law expressions: parsed once, checked, and emitted as SBML or Python.

Expressions are written in Python syntax over model symbols, e.g.
``"kon * drug * XPO1 - koff * XPO1_drug"``. Allowed: numbers, names, ``+ - * / **``,
unary minus and the functions ``exp, log (natural), sqrt, abs, min, max`` and
``hill(x, k, n)`` (the Hill fraction x^n / (k^n + x^n), for x >= 0 and k > 0). The symbol
``time`` is the simulation time in h. Nothing else is accepted, so every expression can
be written to SBML and evaluated in NumPy with the same meaning.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import CodeType
from typing import Any

import numpy as np

from xposim.errors import ModelError


def _hill(x: Any, k: Any, n: Any) -> Any:
    """x^n / (k^n + x^n), computed as r / (1 + r) with r = (x / k)^n: one power instead
    of three, and ``x`` (often a long expression) evaluated once."""
    r = (x / k) ** n
    return r / (1 + r)


FUNCTIONS: dict[str, tuple[str, Callable[..., Any], int | None]] = {
    # name: (SBML L3 formula name, numpy implementation, arity or None for >= 2)
    "exp": ("exp", np.exp, 1),
    "log": ("ln", np.log, 1),
    "sqrt": ("sqrt", np.sqrt, 1),
    "abs": ("abs", np.abs, 1),
    "min": ("min", lambda *a: _reduce(np.minimum, a), None),
    "max": ("max", lambda *a: _reduce(np.maximum, a), None),
    # an SBML function definition (xposim.model.sbml.FUNCTION_DEFINITIONS), which
    # libRoadRunner compiles as a function: its argument is evaluated once, where an
    # inlined x^n / (k^n + x^n) repeats the whole expression of x (and everything it
    # reads) twice, with three calls to pow
    "hill": ("hill", _hill, 3),
}
#: Symbols every expression may use without defining them.
BUILTIN_SYMBOLS = frozenset({"time"})


def _reduce(fn: Callable[[Any, Any], Any], args: tuple[Any, ...]) -> Any:
    out = args[0]
    for a in args[1:]:
        out = fn(out, a)
    return out


_BINOPS: dict[type, str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/",
                            ast.Pow: "^"}


@dataclass(frozen=True)
class Expression:
    """A validated expression; ``text`` is the Python-syntax source."""

    text: str
    _tree: ast.Expression = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or not self.text.strip():
            raise ModelError(f"expression must be a non-empty string, got {self.text!r}")
        try:
            tree = ast.parse(self.text.strip(), mode="eval")
        except SyntaxError as exc:
            raise ModelError(f"expression {self.text!r} is not valid: {exc.msg}") from exc
        _check(tree.body, self.text)
        object.__setattr__(self, "_tree", tree)

    @cached_property
    def names(self) -> frozenset[str]:
        """Model symbols the expression reads (function names excluded)."""
        out: set[str] = set()
        for node in ast.walk(self._tree):
            if isinstance(node, ast.Name) and node.id not in FUNCTIONS:
                out.add(node.id)
        return frozenset(out)

    @cached_property
    def functions(self) -> frozenset[str]:
        """Functions the expression calls."""
        return frozenset(node.func.id for node in ast.walk(self._tree)
                         if isinstance(node, ast.Call) and isinstance(node.func, ast.Name))

    def sbml_formula(self) -> str:
        """SBML Level 3 infix formula (``^`` for powers, ``ln`` for natural log)."""
        return _to_sbml(self._tree.body)

    @cached_property
    def _code(self) -> CodeType:
        # compiled once per expression: runs and models share it
        return compile(self._tree, f"<expr {self.text}>", "eval")

    def __getstate__(self) -> dict[str, Any]:
        # code objects do not pickle; the receiving process compiles its own
        return {k: v for k, v in self.__dict__.items() if k != "_code"}

    def compile(self) -> Callable[[Mapping[str, Any]], Any]:
        """A function evaluating the expression from a mapping of symbol values."""
        code = self._code

        def evaluate(values: Mapping[str, Any]) -> Any:
            return eval(code, {"__builtins__": {}}, {**_FUNCS, **values})

        return evaluate

    def rename(self, mapping: Mapping[str, str]) -> Expression:
        """The same expression with symbols renamed."""
        tree = ast.parse(self.text.strip(), mode="eval")
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in mapping:
                node.id = mapping[node.id]
        return Expression(ast.unparse(tree))

    def __str__(self) -> str:
        return self.text


_FUNCS: dict[str, Callable[..., Any]] = {name: impl for name, (_, impl, _) in FUNCTIONS.items()}

#: ``evaluate(read, write)``: see :func:`compile_assignments`.
Assignments = Callable[[Mapping[str, Any], MutableMapping[str, Any]], "str | None"]


def compile_assignments(steps: Sequence[tuple[str, Expression]], *,
                        label: str = "assignments") -> Assignments:
    """One compiled function for a sequence of ``name = expression`` steps.

    ``evaluate(read, write)`` sets ``write[name] = float(expression)`` for each step in
    order, reading symbols from ``read`` (pass the same dict twice to let later steps
    read earlier ones), and returns the first name whose value is not finite (else None).
    The arithmetic is that of :meth:`Expression.compile` (same operations, same
    functions), so the values are identical; the gain is compiling once instead of per
    call and no per-expression dict merge.
    """
    namespace: dict[str, Any] = {"__builtins__": {}, **_FUNCS, "_float": float,
                                 "_isfinite": math.isfinite}
    rewrite = _Subscripted(namespace)
    lines = ["def evaluate(_read, _write):"]
    for name, expr in steps:
        body = rewrite.visit(ast.parse(expr.text.strip(), mode="eval")).body
        lines += [f"    _x = _float({ast.unparse(body)})",
                  f"    _write[{name!r}] = _x",
                  f"    if not _isfinite(_x): return {name!r}"]
    lines.append("    return None")
    exec(compile("\n".join(lines) + "\n", f"<xposim {label}>", "exec"), namespace)
    return namespace["evaluate"]  # type: ignore[no-any-return]


class _Subscripted(ast.NodeTransformer):
    """Symbol ``x`` -> ``_read['x']``; a function of numbers only (``log(2)``) -> its value,
    computed once by the same function and kept as the same object (so ``log(2) / x``
    still divides a NumPy float, with NumPy's handling of x = 0)."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in FUNCTIONS:
            return node
        return ast.copy_location(ast.Subscript(value=ast.Name("_read", ast.Load()),
                                               slice=ast.Constant(node.id), ctx=ast.Load()),
                                 node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if not all(isinstance(a, ast.Constant) for a in node.args):
            return node
        assert isinstance(node.func, ast.Name)
        value = _FUNCS[node.func.id](*(a.value for a in node.args))
        if not math.isfinite(value):
            return node  # e.g. log(0): left to run time, as before
        name = f"_k{sum(k.startswith('_k') for k in self.namespace)}"
        self.namespace[name] = value
        return ast.copy_location(ast.Name(name, ast.Load()), node)


def _check(node: ast.AST, text: str) -> None:
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            raise ModelError(f"expression {text!r}: operator {type(node.op).__name__} "
                             "not allowed (use + - * / **)")
        _check(node.left, text)
        _check(node.right, text)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd):
            raise ModelError(f"expression {text!r}: only unary minus/plus allowed")
        _check(node.operand, text)
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise ModelError(f"expression {text!r}: constant {node.value!r} is not a number")
        if not math.isfinite(node.value):
            raise ModelError(f"expression {text!r}: constants must be finite")
    elif isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ModelError(f"expression {text!r}: '{node.id}' is a function, call it")
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise ModelError(f"expression {text!r}: unknown function; allowed: "
                             f"{', '.join(sorted(FUNCTIONS))}")
        if node.keywords:
            raise ModelError(f"expression {text!r}: keyword arguments are not allowed")
        arity = FUNCTIONS[node.func.id][2]
        n = len(node.args)
        if (arity is not None and n != arity) or (arity is None and n < 2):
            raise ModelError(f"expression {text!r}: {node.func.id}() takes "
                             f"{arity if arity is not None else 'two or more'} arguments")
        for arg in node.args:
            _check(arg, text)
    else:
        raise ModelError(f"expression {text!r}: {type(node).__name__} is not allowed")


def _to_sbml(node: ast.AST) -> str:
    if isinstance(node, ast.BinOp):
        return f"({_to_sbml(node.left)} {_BINOPS[type(node.op)]} {_to_sbml(node.right)})"
    if isinstance(node, ast.UnaryOp):
        sign = "-" if isinstance(node.op, ast.USub) else ""
        return f"({sign}{_to_sbml(node.operand)})"
    if isinstance(node, ast.Constant):
        return repr(float(node.value))
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        args = ", ".join(_to_sbml(a) for a in node.args)
        return f"{FUNCTIONS[node.func.id][0]}({args})"
    raise ModelError(f"cannot translate {ast.dump(node)}")  # unreachable after _check


def as_expression(value: str | float | Expression) -> Expression:
    """Accept a string, a number or an Expression."""
    if isinstance(value, Expression):
        return value
    if isinstance(value, bool):
        raise ModelError(f"expected an expression or number, got {value!r}")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ModelError(f"expected a finite number, got {value!r}")
        return Expression(repr(float(value)))
    return Expression(value)
