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

from .textsafe import quoted_string, shown

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


@dataclass(frozen=True)
class Call:
    """A call of a built-in function (:mod:`kb.builtins`) in an expression: ``months_started(C, E)``."""

    name: str
    args: tuple["Expr", ...]

    def __str__(self) -> str:
        return f"{self.name}({', '.join(str(a) for a in self.args)})"


@dataclass(frozen=True)
class Aggregate:
    """``op(T1, ..., Tn : body)``: ``op`` (sum, count, min, max) over the distinct tuples
    ``(T1, ..., Tn)`` of the solutions of ``body``; ``sum``, ``min`` and ``max`` take the first
    term of each tuple. ``local`` holds the variables that occur nowhere else in the rule (they
    range over the solutions); the others are bound outside and group the aggregate."""

    op: str
    terms: tuple["Term", ...]
    body: tuple["BodyItem", ...]
    local: frozenset = frozenset()

    def __str__(self) -> str:
        return f"{self.op}({', '.join(str(t) for t in self.terms)} : {', '.join(str(b) for b in self.body)})"


Term = Union[Var, Const]
Expr = Union[Var, Const, ParamRef, BinOp, Call, Aggregate]


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
    differs: str = ""  # @differs: why the value is not a number the quoted text states (kb.provenance)


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
    """The variables an expression needs bound before it can be evaluated (an aggregate's
    local variables excluded: it binds them itself)."""
    if isinstance(e, Var):
        return [e.name]
    if isinstance(e, BinOp):
        return _unique(expr_variables(e.left) + expr_variables(e.right))
    if isinstance(e, Call):
        return _unique([v for a in e.args for v in expr_variables(a)])
    if isinstance(e, Aggregate):
        return [v for v in aggregate_variables(e) if v not in e.local]
    return []


def aggregate_variables(agg: Aggregate) -> list[str]:
    """Every variable written in an aggregate (its terms and its body), local or not."""
    names = [t.name for t in agg.terms if isinstance(t, Var)]
    for item in agg.body:
        if isinstance(item, Literal):
            names += item.atom.variables()
        else:
            names += all_expr_variables(item.left) + all_expr_variables(item.right)
    return _unique(names)


def all_expr_variables(e: Expr) -> list[str]:
    """Every variable written in an expression, inside aggregates too."""
    if isinstance(e, Aggregate):
        return aggregate_variables(e)
    if isinstance(e, BinOp):
        return _unique(all_expr_variables(e.left) + all_expr_variables(e.right))
    if isinstance(e, Call):
        return _unique([v for a in e.args for v in all_expr_variables(a)])
    return expr_variables(e)


def expr_parts(e: Expr):
    """The sub-expressions of ``e`` (itself included), depth first, not entering aggregates."""
    yield e
    if isinstance(e, BinOp):
        yield from expr_parts(e.left)
        yield from expr_parts(e.right)
    elif isinstance(e, Call):
        for a in e.args:
            yield from expr_parts(a)


def params_of(body) -> list[str]:
    """The parameters (``$name``) a body uses, in order of first use, inside functions and
    aggregates too."""
    names: list[str] = []

    def walk(e) -> None:
        if isinstance(e, ParamRef):
            names.append(e.name)
        elif isinstance(e, BinOp):
            walk(e.left)
            walk(e.right)
        elif isinstance(e, Call):
            for a in e.args:
                walk(a)
        elif isinstance(e, Aggregate):
            for item in e.body:
                if isinstance(item, Comparison):
                    walk(item.left)
                    walk(item.right)

    for item in body:
        if isinstance(item, Comparison):
            walk(item.left)
            walk(item.right)
    return _unique(names)


def aggregates_of(item: "BodyItem") -> list[Aggregate]:
    """The aggregates written in a body item (a comparison's sides)."""
    if isinstance(item, Comparison):
        return [p for side in (item.left, item.right) for p in expr_parts(side) if isinstance(p, Aggregate)]
    return []


def is_computed(body: tuple["BodyItem", ...]) -> bool:
    """Whether a body uses a built-in function or an aggregate: such a rule is evaluated by the
    kit itself, after everything its body reads is complete, not by the Datalog engine."""
    return any(isinstance(p, (Call, Aggregate)) for item in body if isinstance(item, Comparison)
               for side in (item.left, item.right) for p in expr_parts(side))


def body_literals(body) -> list[tuple[Literal, bool]]:
    """Every literal a body reads, with whether it is read inside an aggregate (such a
    dependency, like a negation, must be complete first)."""
    out = []
    for item in body:
        if isinstance(item, Literal):
            out.append((item, False))
        for agg in aggregates_of(item):
            out += [(lit, True) for lit, _ in body_literals(agg.body)]
    return out


def item_variables(item: BodyItem) -> list[str]:
    """The variables a body item needs bound (or binds): an aggregate's local ones excluded."""
    if isinstance(item, Literal):
        return item.atom.variables()
    return _unique(expr_variables(item.left) + expr_variables(item.right))


_CONST_KINDS = {"int": "integer", "date": "date", "amount": "amount", "decimal": "amount"}


def expr_kind(e, kinds: dict[str, str]) -> str | None:
    """The kind of value an integer expression stands for, so that it is printed as what it is:
    a date plus or minus days is a date, the difference of two dates a number of days, amounts
    added or scaled stay amounts; a built-in function or an aggregate has the kind it returns;
    anything else is a plain number (None: unknown). ``kinds`` maps variables to their kinds."""
    from .builtins import FUNCTIONS

    if isinstance(e, Var):
        return kinds.get(e.name)
    if isinstance(e, Const):
        return _CONST_KINDS.get(e.kind)
    if isinstance(e, ParamRef):
        return "integer"
    if isinstance(e, Call):
        return FUNCTIONS[e.name].result_kind([expr_kind(a, kinds) for a in e.args])
    if isinstance(e, Aggregate):
        return "integer" if e.op == "count" else expr_kind(e.terms[0], kinds)
    if isinstance(e, BinOp):
        left, right = expr_kind(e.left, kinds), expr_kind(e.right, kinds)
        if e.op == "-" and left == right == "date":
            return "integer"
        if e.op in "+-" and "date" in (left, right):
            return "date"
        if "amount" in (left, right) and "date" not in (left, right):
            return "amount"
        return "integer" if left or right else None
    return None


# --- values -------------------------------------------------------------

def render_value(value, kind: str | None = None) -> str:
    """How a value is printed in answers and explanations: a date as YYYY-MM-DD, an amount as
    ``1200.50``, a string in double quotes with its control and bidi characters escaped
    (:mod:`kb.textsafe`; the rule language reads the escapes back), a name as written (quoted if
    it held anything unprintable)."""
    if kind == "date" and isinstance(value, int):
        return day_to_iso(value)
    if kind == "amount" and isinstance(value, int):
        sign = "-" if value < 0 else ""
        return f"{sign}{abs(value) // 100}.{abs(value) % 100:02d}"
    if isinstance(value, str) and value.startswith(STRING_PREFIX):
        # quoted, and control or bidi characters escaped: a value never prints as another line
        return quoted_string(value[len(STRING_PREFIX):])
    return shown(value) if isinstance(value, str) else str(value)


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
