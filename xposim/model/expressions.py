"""Rate-law expressions: parsed once, checked, and emitted as SBML or Python.

Expressions are written in Python syntax over model symbols, e.g.
``"kon * drug * XPO1 - koff * XPO1_drug"``. Allowed: numbers, names, ``+ - * / **``,
unary minus and the functions ``exp, log (natural), sqrt, abs, min, max``. The symbol
``time`` is the simulation time in h. Nothing else is accepted, so every expression can
be written to SBML and evaluated in NumPy with the same meaning.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from xposim.errors import ModelError

FUNCTIONS: dict[str, tuple[str, Callable[..., Any], int | None]] = {
    # name: (SBML L3 formula name, numpy implementation, arity or None for >= 2)
    "exp": ("exp", np.exp, 1),
    "log": ("ln", np.log, 1),
    "sqrt": ("sqrt", np.sqrt, 1),
    "abs": ("abs", np.abs, 1),
    "min": ("min", lambda *a: _reduce(np.minimum, a), None),
    "max": ("max", lambda *a: _reduce(np.maximum, a), None),
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

    def sbml_formula(self) -> str:
        """SBML Level 3 infix formula (``^`` for powers, ``ln`` for natural log)."""
        return _to_sbml(self._tree.body)

    def compile(self) -> Callable[[Mapping[str, Any]], Any]:
        """A function evaluating the expression from a mapping of symbol values."""
        code = compile(self._tree, f"<expr {self.text}>", "eval")
        funcs = {name: impl for name, (_, impl, _) in FUNCTIONS.items()}

        def evaluate(values: Mapping[str, Any]) -> Any:
            return eval(code, {"__builtins__": {}}, {**funcs, **values})

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
