"""The engine-neutral form of rules, facts and queries.

Rule files, scenario facts and query strings are all parsed into these small
immutable classes; the checks, the compiler to pyDatalog and the explanations
work on them and never on text. Values are kept in their engine encoding
(``Const.value``): symbols and strings as ``str`` (strings carry a prefix so
that they can never be confused with a symbol), integers, day numbers and
amounts in cents as ``int``.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Union

STRING_PREFIX = "\x1f"  # marks a quoted string in the engine encoding


@dataclass(frozen=True, order=True)
class Var:
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Const:
    """A constant. ``kind`` is one of symbol, string, int, date, amount."""

    value: Union[str, int]
    kind: str = "symbol"

    def __str__(self) -> str:
        return render_value(self.value, self.kind)


@dataclass(frozen=True)
class ParamRef:
    """A reference ``$name`` to a parameter of the knowledge base."""

    name: str

    def __str__(self) -> str:
        return f"${self.name}"


@dataclass(frozen=True)
class BinOp:
    op: str  # + - *
    left: "Expr"
    right: "Expr"

    def __str__(self) -> str:
        # left-associative: parenthesise only where precedence requires it
        prec = _PRECEDENCE[self.op]
        left = f"({self.left})" if isinstance(self.left, BinOp) and _PRECEDENCE[self.left.op] < prec \
            else str(self.left)
        right = f"({self.right})" if isinstance(self.right, BinOp) and _PRECEDENCE[self.right.op] <= prec \
            else str(self.right)
        return f"{left} {self.op} {right}"


Term = Union[Var, Const]
Expr = Union[Var, Const, ParamRef, BinOp]


_PRECEDENCE = {"+": 1, "-": 1, "*": 2}


@dataclass(frozen=True)
class Atom:
    pred: str
    args: tuple[Term, ...] = ()

    @property
    def arity(self) -> int:
        return len(self.args)

    @property
    def key(self) -> str:
        return f"{self.pred}/{self.arity}"

    def variables(self) -> list[str]:
        return _unique(a.name for a in self.args if isinstance(a, Var))

    def is_ground(self) -> bool:
        return all(isinstance(a, Const) for a in self.args)

    def __str__(self) -> str:
        if not self.args:
            return self.pred
        return f"{self.pred}({', '.join(str(a) for a in self.args)})"


@dataclass(frozen=True)
class Literal:
    """A body literal: an atom, possibly negated."""

    atom: Atom
    negated: bool = False

    def __str__(self) -> str:
        return f"not {self.atom}" if self.negated else str(self.atom)


@dataclass(frozen=True)
class Comparison:
    op: str  # = != < <= > >=
    left: Expr
    right: Expr

    def __str__(self) -> str:
        return f"{self.left} {self.op} {self.right}"


BodyItem = Union[Literal, Comparison]


@dataclass(frozen=True)
class Quote:
    clause: str
    text: str
    line: int


@dataclass(frozen=True)
class Rule:
    """One rule (or a group of facts) of a rule file, with its provenance.

    ``negated_head`` marks an exception that concludes the head does *not*
    follow from the rules it ``overrides``.
    """

    id: str
    head: Atom
    body: tuple[BodyItem, ...]
    cites: tuple[str, ...]
    gloss: str
    quotes: tuple[Quote, ...]
    overrides: tuple[str, ...] = ()
    negated_head: bool = False
    file: str = "<text>"
    line: int = 0
    area: str = ""

    @property
    def is_fact(self) -> bool:
        return not self.body

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"

    def __str__(self) -> str:
        head = f"not {self.head}" if self.negated_head else str(self.head)
        if not self.body:
            return f"{head}."
        return f"{head} :- {', '.join(str(b) for b in self.body)}."


@dataclass(frozen=True)
class Param:
    """A number taken from the text, with its citation."""

    name: str
    value: int
    cites: tuple[str, ...]
    gloss: str
    quotes: tuple[Quote, ...]
    file: str = "<text>"
    line: int = 0
    reading: str | None = None  # the interpretation under which this value replaces the default


@dataclass
class RuleFile:
    path: str
    area: str
    rules: list[Rule] = field(default_factory=list)
    params: list[Param] = field(default_factory=list)


def _unique(names) -> list[str]:
    seen: dict[str, None] = {}
    for n in names:
        seen.setdefault(n, None)
    return list(seen)


def expr_variables(e: Expr) -> list[str]:
    if isinstance(e, Var):
        return [e.name]
    if isinstance(e, BinOp):
        return _unique(expr_variables(e.left) + expr_variables(e.right))
    return []


def item_variables(item: BodyItem) -> list[str]:
    if isinstance(item, Literal):
        return item.atom.variables()
    return _unique(expr_variables(item.left) + expr_variables(item.right))


# --- values -------------------------------------------------------------

def render_value(value, kind: str | None = None) -> str:
    """How a value is printed in answers and explanations."""
    if kind == "date" and isinstance(value, int):
        return day_to_iso(value)
    if kind == "amount" and isinstance(value, int):
        sign = "-" if value < 0 else ""
        return f"{sign}{abs(value) // 100}.{abs(value) % 100:02d}"
    if isinstance(value, str) and value.startswith(STRING_PREFIX):
        s = value[len(STRING_PREFIX):]
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def value_sort_key(value) -> tuple:
    """A total order on engine values: numbers before symbols and strings."""
    if isinstance(value, bool):
        return (0, int(value), "")
    if isinstance(value, int):
        return (0, value, "")
    return (1, 0, str(value))


def atom_sort_key(pred: str, args: tuple) -> tuple:
    return (pred, len(args), tuple(value_sort_key(v) for v in args))


def day_to_iso(day: int) -> str:
    try:
        return _dt.date.fromordinal(day).isoformat()
    except (ValueError, OverflowError):
        return f"day {day}"


def iso_to_day(text: str) -> int:
    """Day number of an ISO date (YYYY-MM-DD); ValueError if it is not a real date."""
    return _dt.date.fromisoformat(text).toordinal()
