"""Formulas of ``nm simulate``: a small, safe expression language evaluated over records.

``CL = 1.1*(WT/70)**0.75*exp(ETA_CL)`` or ``CP = if(A2 > 0, A2/V, 0)``: numbers
(``1``, ``0.5``, ``2.5e-3``), names (parameters, data columns, ETAs, amounts), ``@NAME``
(the data column NAME itself), ``+ - * /``, ``**`` (power, right-associative, binds
tighter than unary minus: ``-x**2`` is ``-(x**2)``), comparisons ``< <= > >= == !=``
(1 if true, else 0), ``and``, ``or``, ``not``, parentheses and the functions
:data:`FUNCTIONS` — ``exp``, ``log`` (natural), ``sqrt``, ``abs``, ``min``, ``max``
(two or more arguments) and ``if(condition, then, else)``.

The text is read by a Pratt (top-down operator precedence) parser into a tree of the node
types below; nothing of the user's text is ever handed to Python's ``eval``. Evaluation
walks the tree with NumPy, so one formula is computed for every record at once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from xposim.errors import InputError

Value = np.ndarray | float


def _if(cond: Value, a: Value, b: Value) -> Value:
    return np.where(np.asarray(cond) != 0, a, b)


def _fold(fn: Callable[[Any, Any], Any]) -> Callable[..., Value]:
    def folded(*args: Value) -> Value:
        out = args[0]
        for x in args[1:]:
            out = fn(out, x)
        return out
    return folded


#: name -> (implementation, number of arguments; None: two or more)
FUNCTIONS: dict[str, tuple[Callable[..., Value], int | None]] = {
    "exp": (np.exp, 1),
    "log": (np.log, 1),
    "sqrt": (np.sqrt, 1),
    "abs": (np.abs, 1),
    "min": (_fold(np.minimum), None),
    "max": (_fold(np.maximum), None),
    "if": (_if, 3),
}

_BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power,
    "<": lambda a, b: np.less(a, b).astype(float),
    "<=": lambda a, b: np.less_equal(a, b).astype(float),
    ">": lambda a, b: np.greater(a, b).astype(float),
    ">=": lambda a, b: np.greater_equal(a, b).astype(float),
    "==": lambda a, b: np.equal(a, b).astype(float),
    "!=": lambda a, b: np.not_equal(a, b).astype(float),
    "and": lambda a, b: ((np.asarray(a) != 0) & (np.asarray(b) != 0)).astype(float),
    "or": lambda a, b: ((np.asarray(a) != 0) | (np.asarray(b) != 0)).astype(float),
}
#: binding power of infix operators (higher binds tighter); ** is right-associative
_INFIX = {"or": 10, "and": 20, "<": 40, "<=": 40, ">": 40, ">=": 40, "==": 40, "!=": 40,
          "+": 50, "-": 50, "*": 60, "/": 60, "**": 80}
_COMPARISONS = {"<", "<=", ">", ">=", "==", "!="}
_UNARY_POWER = 70  # -x binds weaker than ** (NONMEM and Python agree: -2**2 = -4)
_NOT_POWER = 30
_KEYWORDS = {"and", "or", "not"}

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<column>@[A-Za-z_][A-Za-z0-9_]*)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|<=|>=|==|!=|[-+*/<>(),])
""", re.VERBOSE)


# ---- the tree ------------------------------------------------------------------------

@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Name:
    """A symbol; ``column`` = written ``@NAME`` (the data column, never an assignment)."""

    id: str
    column: bool = False


@dataclass(frozen=True)
class Unary:
    op: str  # "-", "+" or "not"
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    fn: str
    args: tuple[Node, ...]


Node = Num | Name | Unary | Binary | Call


# ---- the parser ----------------------------------------------------------------------

class _Parser:
    def __init__(self, text: str, field: str) -> None:
        self.text, self.field = text, field
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                self.fail(f"unexpected character {text[pos]!r} at position {pos + 1}")
            kind = m.lastgroup or ""
            if kind != "space":
                value = m.group()
                if kind == "name" and value in _KEYWORDS:
                    kind = "op"
                self.tokens.append((kind, value, pos + 1))
            pos = m.end()
        self.tokens.append(("end", "", len(text) + 1))
        self.i = 0

    def fail(self, problem: str) -> None:
        raise InputError(self.field, problem + "; allowed: numbers, names, @COLUMN, "
                         "+ - * / **, < <= > >= == !=, and or not, ( ), "
                         + ", ".join(f"{f}()" for f in FUNCTIONS), got=self.text)

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def next(self) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        kind, got, pos = self.next()
        if got != value:
            self.fail(f"expected {value!r} at position {pos}, found "
                      + (repr(got) if kind != "end" else "the end"))

    def parse(self) -> Node:
        if self.peek()[0] == "end":
            self.fail("empty expression")
        node = self.expression(0)
        kind, value, pos = self.peek()
        if kind != "end":
            self.fail(f"unexpected {value!r} at position {pos}")
        return node

    def expression(self, rbp: int) -> Node:
        left = self.prefix()
        while True:
            kind, op, pos = self.peek()
            if kind != "op" or op not in _INFIX or _INFIX[op] <= rbp:
                return left
            self.next()
            power = _INFIX[op]
            right = self.expression(power - 1 if op == "**" else power)
            if op in _COMPARISONS and isinstance(left, Binary) and left.op in _COMPARISONS:
                self.fail(f"chained comparison at position {pos}; write (a < b) and (b < c)")
            left = Binary(op, left, right)

    def prefix(self) -> Node:
        kind, value, pos = self.next()
        if kind == "number":
            x = float(value)
            if not math.isfinite(x):
                self.fail(f"number {value} is not finite")
            return Num(x)
        if kind == "column":
            return Name(value[1:], column=True)
        if kind == "name":
            if self.peek()[1] == "(":
                return self.call(value, pos)
            if value in FUNCTIONS:
                self.fail(f"{value} is a function: call it, e.g. {value}(x)")
            return Name(value)
        if value in ("-", "+"):
            return Unary(value, self.expression(_UNARY_POWER))
        if value == "not":
            return Unary("not", self.expression(_NOT_POWER))
        if value == "(":
            node = self.expression(0)
            self.expect(")")
            return node
        self.fail(f"unexpected {value!r} at position {pos}" if kind != "end"
                  else "the expression ends too early")
        raise AssertionError  # unreachable: fail raises

    def call(self, fn: str, pos: int) -> Node:
        if fn not in FUNCTIONS:
            self.fail(f"unknown function {fn}() at position {pos}")
        self.expect("(")
        args: list[Node] = []
        if self.peek()[1] != ")":
            args.append(self.expression(0))
            while self.peek()[1] == ",":
                self.next()
                args.append(self.expression(0))
        self.expect(")")
        arity = FUNCTIONS[fn][1]
        if (arity is not None and len(args) != arity) or (arity is None and len(args) < 2):
            self.fail(f"{fn}() takes {arity if arity is not None else 'two or more'} "
                      f"argument{'s' if arity != 1 else ''}, got {len(args)}")
        return Call(fn, tuple(args))


# ---- formulas ------------------------------------------------------------------------

@dataclass(frozen=True)
class Formula:
    """A parsed expression. ``names``: symbols read (``@`` columns in ``columns``)."""

    text: str
    tree: Node
    names: frozenset[str]
    columns: frozenset[str]

    def evaluate(self, env: Mapping[str, Value],
                 columns: Mapping[str, Value] | None = None) -> Value:
        """The value for every record: ``env`` maps names to arrays (or scalars);
        ``@NAME`` reads ``columns`` (default ``env``). Division by zero, log of 0 and the
        like give inf/NaN, which callers check."""
        cols = env if columns is None else columns
        with np.errstate(all="ignore"):
            return _eval(self.tree, env, cols)


def _eval(node: Node, env: Mapping[str, Value], cols: Mapping[str, Value]) -> Value:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Name):
        return (cols if node.column else env)[node.id]
    if isinstance(node, Unary):
        x = _eval(node.operand, env, cols)
        if node.op == "-":
            return np.negative(x)
        if node.op == "not":
            return (np.asarray(x) == 0).astype(float)
        return x
    if isinstance(node, Binary):
        return _BINARY[node.op](_eval(node.left, env, cols), _eval(node.right, env, cols))
    return FUNCTIONS[node.fn][0](*(_eval(a, env, cols) for a in node.args))


def _symbols(node: Node, names: set[str], columns: set[str]) -> None:
    if isinstance(node, Name):
        (columns if node.column else names).add(node.id)
    elif isinstance(node, Unary):
        _symbols(node.operand, names, columns)
    elif isinstance(node, Binary):
        _symbols(node.left, names, columns)
        _symbols(node.right, names, columns)
    elif isinstance(node, Call):
        for a in node.args:
            _symbols(a, names, columns)


def parse_formula(text: str, *, field: str = "expression") -> Formula:
    """Parse ``text``; a syntax error is an InputError naming ``field`` and the position."""
    if not isinstance(text, str):
        raise InputError(field, "must be text", got=repr(text))
    tree = _Parser(text, field).parse()
    names: set[str] = set()
    columns: set[str] = set()
    _symbols(tree, names, columns)
    return Formula(text.strip(), tree, frozenset(names), frozenset(columns))
