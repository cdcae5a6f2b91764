"""Parser of the kit's rule language, scenario facts and query patterns.

A rule file is literate Datalog. Each statement is preceded by annotation
lines that carry its provenance::

    % comments run from % to the end of the line
    @rule fm_not_liable
    @cites 9.1
    @gloss A party prevented by force majeure from performing is not liable.
    @quote 9.1 "the party suffering from force majeure or accident shall not be held liable"
    @overrides liable_for_non_performance
    not liable(P, E) :- affected(P, E), force_majeure(E).

    @param data_retention_days
    @cites 4.3
    @gloss Natural days JD Cloud keeps the user's data after the terms end.
    @quote 4.3 "within 7 natural days"
    param data_retention_days = 7.

A parameter may take another value under a named interpretation
(``param period_start_offset = 0 under start_day_counts.``, with its own annotations).

Statements: facts ``p(a, 1).``, rules ``head :- item, item.``, exceptions
``not head :- ...`` (with ``@overrides``) and parameters ``param name = 7.``.
Body items are atoms, ``not`` atoms, and comparisons between integer
expressions (``=  !=  <  <=  >  >=``, ``+ - *``, parentheses, ``$param``).
Lowercase names are predicates and symbols, capitalised names variables, ``_``
an anonymous variable; dates are written ``2026-03-01``, amounts ``1200.50``,
strings ``"..."``. The parser builds :mod:`kb.terms` objects; nothing it reads
is ever evaluated as Python.

Only ASCII digits are numbers, of at most ``MAX_NUMBER_DIGITS`` digits. A statement is cut from
the token stream in one pass (linear in its length) and may hold ``MAX_STATEMENT_TOKENS``
tokens and ``MAX_BODY_ITEMS`` body items; an expression ``MAX_NESTING`` levels of parentheses,
calls and minus signs and ``MAX_EXPR_OPERATORS`` operators per side. Past a limit the parser
raises a one-line KbSyntaxError with file and line, never a RecursionError.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .builtins import AGGREGATES, FUNCTIONS, RESERVED
from .errors import KbSyntaxError, closest
from .terms import (
    Aggregate, Atom, BinOp, Call, Comparison, Const, Literal, Param, ParamRef, Quote, Rule, RuleFile,
    STRING_PREFIX, Var, aggregate_variables, aggregates_of, all_expr_variables, iso_to_day,
)

# Limits on one statement and one number: past them the parser stops with a one-line error
# (README, "Limits"); a longer statement, deeper expression or longer number is never needed.
MAX_STATEMENT_TOKENS = 20_000  # tokens in one statement (the longest shipped rule has about 120)
MAX_BODY_ITEMS = 500  # atoms and comparisons in one rule body (the longest shipped body has 11)
MAX_NESTING = 32  # nested parentheses, function calls and unary minus signs in one expression
MAX_EXPR_OPERATORS = 200  # operators and function calls in one side of a comparison
MAX_NUMBER_DIGITS = 15  # digits in a number (1200.50 has 6); 15 digits hold any real amount in cents

IDENT_RE = re.compile(r"[a-z][a-z0-9_]*\Z")
VAR_RE = re.compile(r"[A-Z][A-Za-z0-9_]*\Z")
CLAUSE_ID_RE = re.compile(r"(preamble|[0-9]+(\.[0-9]+)*(\.[a-z])?)\.?\Z")

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>[ \t\r]+)
  | (?P<comment>%[^\n]*)
  | (?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2}(?![\w-]))
  | (?P<baddate>[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{4}(?![\w.-])
               |[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}(?![\w.-])|[0-9]{4}-[0-9]{1,2}(?![\w.-]))
  | (?P<grouped>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?(?!\w|\.[0-9]))
  | (?P<decimal>[0-9]+\.[0-9]+(?!\w|\.[0-9]))
  | (?P<int>[0-9]+(?![\w]))
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<param>\$[a-z][a-z0-9_]*)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>:-|!=|<=|>=|[=<>+\-*(),.:])
    """,
    re.VERBOSE | re.ASCII,  # only ASCII digits are numbers: '١٢٠٠' is an unexpected character
)

COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
KEYWORDS = ("not", "param")


@dataclass(frozen=True)
class Token:
    kind: str  # name, var, int, decimal, date, string, param, op, end
    text: str
    line: int
    col: int


def tokenize(text: str, file: str, first_line: int = 1) -> list[Token]:
    """Split Datalog text into tokens; raises KbSyntaxError on a stray character."""
    tokens: list[Token] = []
    for offset, line_text in enumerate(text.split("\n")):
        lineno = first_line + offset
        pos = 0
        while pos < len(line_text):
            m = _TOKEN_RE.match(line_text, pos)
            if not m:
                ch = line_text[pos]
                if ch == '"':
                    raise KbSyntaxError("unterminated string", file=file, line=lineno)
                if ch.isdigit() or ch.isnumeric():
                    raise KbSyntaxError(f"unexpected character {ch!r} at column {pos + 1}: numbers are written "
                                        f"with the ASCII digits 0-9", file=file, line=lineno)
                raise KbSyntaxError(f"unexpected character {ch!r} at column {pos + 1}", file=file, line=lineno)
            kind = m.lastgroup
            tok = m.group(kind)
            if kind in ("baddate", "grouped"):
                raise KbSyntaxError(_malformed(kind, tok), file=file, line=lineno)
            if kind in ("int", "decimal") and len(tok) - tok.count(".") > MAX_NUMBER_DIGITS:
                raise KbSyntaxError(f"number too long: {len(tok) - tok.count('.'):,} digits at column {pos + 1} "
                                    f"(at most {MAX_NUMBER_DIGITS} digits are allowed)", file=file, line=lineno)
            if kind == "name":
                if tok == "_" or tok[0].isupper():
                    kind = "var"
                    if "__" in tok:
                        raise KbSyntaxError(f"'{tok}': names may not contain '__' (reserved for the kit)",
                                            file=file, line=lineno)
                elif tok[0] == "_":
                    raise KbSyntaxError(
                        f"'{tok}': names may not start with '_' (use '_' alone for an anonymous variable)",
                        file=file, line=lineno)
            if kind not in ("ws", "comment"):
                tokens.append(Token(kind, tok, lineno, pos + 1))
            pos = m.end()
    return tokens


def _malformed(kind: str, text: str) -> str:
    """The message for a date not written YYYY-MM-DD or a number with thousands separators."""
    import datetime as dt

    if kind == "grouped":
        return f"'{text}': thousands separators are not allowed in numbers: write {text.replace(',', '')}"
    parts = [int(p) for p in re.split(r"[-/.]", text)]
    expected = "is not a date written YYYY-MM-DD"
    if len(parts) == 2:
        return f"'{text}' is a month, not a date: write the day too, as YYYY-MM-DD (e.g. {parts[0]:04d}-{parts[1]:02d}-01)"
    candidates = []
    if parts[0] > 31:  # year first
        candidates = [(parts[0], parts[1], parts[2])]
    else:  # year last: day-month or month-day
        candidates = [(parts[2], parts[1], parts[0]), (parts[2], parts[0], parts[1])]
    real = []
    for y, m, d in candidates:
        try:
            real.append(dt.date(y, m, d).isoformat())
        except ValueError:
            pass
    real = sorted(set(real))
    if len(real) == 1:
        return f"'{text}' {expected}: write {real[0]}"
    if len(real) == 2:
        return f"'{text}' {expected} (is it {real[0]} or {real[1]}?)"
    return f"'{text}' {expected}"


def _unescape(token: str) -> str:
    body = token[1:-1]
    # \n \t \r, and \xHH \uHHHH (as kb.textsafe prints control characters; a surrogate, which no
    # text file can hold, is read as the letters), else the character itself
    def char(m: re.Match) -> str:
        esc = m.group(1)
        if len(esc) == 1:
            return {"n": "\n", "t": "\t", "r": "\r"}.get(esc, esc)
        code = int(esc[1:], 16)
        return esc if 0xD800 <= code <= 0xDFFF else chr(code)

    return re.sub(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)", char, body)


class _Parser:
    """Recursive-descent parser over a token list."""

    def __init__(self, tokens: list[Token], file: str, last_line: int):
        self.toks = tokens
        self.i = 0
        self.file = file
        self.last_line = last_line
        self.anon = 0
        self.in_aggregate = False
        self.depth = 0  # nested parentheses, calls and unary minus signs being parsed

    def enter(self, tok: Token) -> None:
        """One level deeper into an expression; past ``MAX_NESTING`` a syntax error (the parser
        recurses per level, so this bounds its recursion)."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.error(f"expression nested too deeply: more than {MAX_NESTING} levels of parentheses, "
                             f"function calls or minus signs", tok)

    # -- helpers
    def peek(self, ahead: int = 0) -> Token:
        j = self.i + ahead
        if j < len(self.toks):
            return self.toks[j]
        line = self.toks[-1].line if self.toks else self.last_line
        return Token("end", "", line, 0)

    def next(self) -> Token:
        tok = self.peek()
        self.i += 1
        return tok

    def error(self, message: str, tok: Token | None = None) -> KbSyntaxError:
        tok = tok or self.peek()
        return KbSyntaxError(message, file=self.file, line=tok.line)

    def expect(self, text: str) -> Token:
        tok = self.peek()
        if tok.kind != "op" or tok.text != text:
            found = "end of input" if tok.kind == "end" else f"'{tok.text}'"
            raise self.error(f"expected '{text}' but found {found}")
        return self.next()

    def at_op(self, text: str) -> bool:
        tok = self.peek()
        return tok.kind == "op" and tok.text == text

    def at_end(self) -> bool:
        return self.peek().kind == "end"

    # -- terms
    def term(self, allow_vars: bool = True) -> Var | Const:
        tok = self.next()
        if tok.kind == "var":
            if not allow_vars:
                raise self.error(f"variable '{tok.text}' is not allowed here: facts are ground", tok)
            if tok.text == "_":
                self.anon += 1
                return Var(f"_{self.anon}")
            return Var(tok.text)
        if tok.kind == "op" and tok.text == "-" and self.peek().kind in ("int", "decimal"):
            inner = self.term(allow_vars)
            if inner.kind == "int":
                return Const(-inner.value, "int")
            return Const("-" + inner.value, "decimal")
        return self.constant(tok)

    def constant(self, tok: Token) -> Const:
        if tok.kind == "name":
            if tok.text in KEYWORDS:
                raise self.error(f"'{tok.text}' is a keyword and cannot be used as a constant", tok)
            if "__" in tok.text:
                raise self.error(f"'{tok.text}': names may not contain '__' (reserved for the kit)", tok)
            return Const(tok.text, "symbol")
        if tok.kind == "int":
            return Const(int(tok.text), "int")
        if tok.kind == "decimal":
            return Const(tok.text, "decimal")
        if tok.kind == "date":
            try:
                return Const(iso_to_day(tok.text), "date")
            except ValueError:
                raise self.error(f"'{tok.text}' is not a valid date (YYYY-MM-DD)", tok) from None
        if tok.kind == "string":
            return Const(STRING_PREFIX + _unescape(tok.text), "string")
        found = "end of input" if tok.kind == "end" else f"'{tok.text}'"
        raise self.error(f"expected a term but found {found}", tok)

    def atom(self, allow_vars: bool = True) -> Atom:
        tok = self.next()
        if tok.kind != "name":
            if tok.kind == "var":
                raise self.error(
                    f"'{tok.text}' starts with a capital letter: predicates are lowercase", tok)
            found = "end of input" if tok.kind == "end" else f"'{tok.text}'"
            raise self.error(f"expected a predicate name but found {found}", tok)
        if tok.text in KEYWORDS:
            raise self.error(f"'{tok.text}' is a keyword and cannot be a predicate name", tok)
        if "__" in tok.text:
            raise self.error(f"'{tok.text}': names may not contain '__' (reserved for the kit)", tok)
        args: list = []
        if self.at_op("("):
            self.next()
            if not self.at_op(")"):
                args.append(self.term(allow_vars))
                while self.at_op(","):
                    self.next()
                    args.append(self.term(allow_vars))
            self.expect(")")
        return Atom(tok.text, tuple(args))

    # -- expressions
    def expr(self):
        left = self.mul()
        while self.peek().kind == "op" and self.peek().text in ("+", "-"):
            op = self.next().text
            left = BinOp(op, left, self.mul())
        return left

    def mul(self):
        left = self.unary()
        while self.at_op("*"):
            self.next()
            left = BinOp("*", left, self.unary())
        return left

    def unary(self):
        if self.at_op("-"):
            self.enter(self.next())
            try:
                return BinOp("-", Const(0, "int"), self.unary())
            finally:
                self.depth -= 1
        return self.primary()

    def primary(self):
        tok = self.peek()
        if tok.kind == "name" and self.peek(1).kind == "op" and self.peek(1).text == "(":
            self.enter(tok)
            try:
                return self.call()
            finally:
                self.depth -= 1
        if self.at_op("("):
            self.enter(self.next())
            try:
                e = self.expr()
                self.expect(")")
            finally:
                self.depth -= 1
            return e
        if tok.kind == "param":
            self.next()
            return ParamRef(tok.text[1:])
        if tok.kind == "var":
            return self.term()
        self.next()
        return self.constant(tok)

    def _expression_ahead(self) -> bool:
        """Whether the body item starting with a name is a comparison (``X = b``,
        ``greatest(A, B) > 0``) rather than an atom: what follows the name, or the parentheses
        after it, is a comparison or arithmetic operator."""
        after = self.peek(1)
        if after.kind == "op" and after.text == "(":
            close, _ = self._scan_parentheses(self.i + 1)
            after = self.toks[close + 1] if close + 1 < len(self.toks) else Token("end", "", 0, 0)
        return after.kind == "op" and (after.text in COMPARISONS or after.text in ("+", "-", "*"))

    def _scan_parentheses(self, start: int) -> tuple[int, bool]:
        """From the '(' at token ``start``: the index of its ')' (or the end), and whether a ':'
        stands at its own level (an aggregate)."""
        depth, colon, j = 0, False, start
        while j < len(self.toks):
            t = self.toks[j]
            if t.kind == "op" and t.text == "(":
                depth += 1
            elif t.kind == "op" and t.text == ")":
                depth -= 1
                if depth == 0:
                    return j, colon
            elif t.kind == "op" and t.text == ":" and depth == 1:
                colon = True
            j += 1
        return j, colon

    def call(self):
        """A built-in function call ``name(expr, ...)`` or an aggregate ``op(T, ... : body)``."""
        tok = self.next()
        if tok.text in AGGREGATES and self._scan_parentheses(self.i)[1]:
            return self.aggregate(tok)
        if tok.text in AGGREGATES:
            raise self.error(f"{tok.text}(...) is an aggregate: list the terms, then ':' and the body, "
                             f"e.g. {tok.text}(A, P : payment(P, A))", tok)
        if tok.text not in FUNCTIONS:
            raise KbSyntaxError(
                f"'{tok.text}(...)' in an expression is not a built-in function (functions: "
                f"{', '.join(sorted(FUNCTIONS))}; aggregates: {', '.join(AGGREGATES)})",
                file=self.file, line=tok.line, suggestion=closest(tok.text, RESERVED))
        self.expect("(")
        args = [self.expr()]
        while self.at_op(","):
            self.next()
            args.append(self.expr())
        self.expect(")")
        arity = len(FUNCTIONS[tok.text].params)
        if len(args) != arity:
            raise self.error(f"{tok.text} takes {arity} argument{'s' if arity != 1 else ''}, got {len(args)}", tok)
        return Call(tok.text, tuple(args))

    def aggregate(self, tok: Token) -> Aggregate:
        if self.in_aggregate:
            raise self.error(f"an aggregate inside an aggregate ({tok.text}) is not supported: conclude the inner "
                             f"one in a rule of its own", tok)
        self.expect("(")
        terms = []
        while not self.at_op(":"):
            t = self.peek()
            if t.kind not in ("var", "name", "int", "decimal", "date", "string"):
                found = "end of input" if t.kind == "end" else f"'{t.text}'"
                raise self.error(f"{tok.text}(...) lists the terms to aggregate, then ':' and the body "
                                 f"(e.g. {tok.text}(A, P : payment(P, A))), found {found}", t)
            terms.append(self.term())
            if not self.at_op(":"):
                self.expect(",")
        if not terms:
            raise self.error(f"{tok.text}(...) needs at least one term before ':'", tok)
        self.expect(":")
        self.in_aggregate = True
        try:
            body = [self.body_item()]
            while self.at_op(","):
                self.next()
                body.append(self.body_item())
        finally:
            self.in_aggregate = False
        self.expect(")")
        return Aggregate(tok.text, tuple(terms), tuple(body))

    # -- body and statements
    def body_item(self):
        tok = self.peek()
        if tok.kind == "name" and tok.text == "not":
            self.next()
            return Literal(self.atom(), negated=True)
        if tok.kind == "name" and not self._expression_ahead():
            return Literal(self.atom())
        left = self.expr()
        op_tok = self.next()
        if op_tok.kind != "op" or op_tok.text not in COMPARISONS:
            found = "end of input" if op_tok.kind == "end" else f"'{op_tok.text}'"
            raise self.error(f"expected a comparison ({' '.join(COMPARISONS)}) but found {found}", op_tok)
        right = self.expr()
        for side in (left, right):
            if _operator_count(side) > MAX_EXPR_OPERATORS:
                raise self.error(f"expression too long: more than {MAX_EXPR_OPERATORS} operators and function "
                                 f"calls on one side of a comparison (split it with intermediate conclusions)", tok)
        return Comparison(op_tok.text, left, right)

    def statement(self):
        """One statement: ('param', name, value, line) or ('rule', negated, head, body, line)."""
        start = self.peek()
        if start.kind == "name" and start.text == "param":
            self.next()
            name = self.next()
            if name.kind != "name" or not IDENT_RE.match(name.text):
                raise self.error("expected a lowercase parameter name after 'param'", name)
            self.expect("=")
            value = self.term(allow_vars=False)
            if value.kind != "int":
                raise self.error(f"parameter '{name.text}' must be an integer", name)
            if value.value < 0:
                raise self.error(f"parameter '{name.text}' is {value.value}: parameters are numbers from the text "
                                 f"(periods, counts, amounts) and may not be negative", name)
            reading = None
            if self.peek().kind == "name" and self.peek().text == "under":
                self.next()
                tok = self.next()
                if tok.kind != "name" or not IDENT_RE.match(tok.text):
                    raise self.error("expected an interpretation name after 'under'", tok)
                reading = tok.text
            self.expect(".")
            return ("param", name.text, value.value, reading, start.line)
        negated = False
        if start.kind == "name" and start.text == "not":
            self.next()
            negated = True
        head = self.atom()
        body: list = []
        if self.at_op(":-"):
            self.next()
            body.append(self.body_item())
            while self.at_op(","):
                self.next()
                if len(body) >= MAX_BODY_ITEMS:
                    raise self.error(f"rule body too long: more than {MAX_BODY_ITEMS} atoms and comparisons "
                                     f"(split it with intermediate conclusions)", start)
                body.append(self.body_item())
        if self.peek().kind == "end":
            raise self.error(f"statement starting with '{head.pred}' is not terminated by '.'", start)
        self.expect(".")
        return ("rule", negated, head, with_aggregate_locals(head, tuple(body)), start.line)


def _operator_count(expr) -> int:
    """The operators and function calls of an expression, counted without recursion (aggregate
    bodies are body items of their own and are not counted)."""
    count, stack = 0, [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, BinOp):
            count += 1
            stack += [e.left, e.right]
        elif isinstance(e, Call):
            count += 1
            stack += list(e.args)
    return count


def with_aggregate_locals(head: Atom, body: tuple) -> tuple:
    """The body with each aggregate's local variables recorded: those written in it and nowhere
    else in the rule (they range over its solutions; the others are bound outside)."""
    if not any(aggregates_of(item) for item in body):
        return body
    out = []
    for index, item in enumerate(body):
        if not aggregates_of(item):
            out.append(item)
            continue
        elsewhere = set(head.variables())
        for j, other in enumerate(body):
            if j == index:
                continue
            elsewhere |= set(other.atom.variables()) if isinstance(other, Literal) else \
                set(all_expr_variables(other.left) + all_expr_variables(other.right))
        sides = []
        for side in (item.left, item.right):
            # the other side of the comparison counts as "elsewhere" for this side's aggregate
            other_side = item.right if side is item.left else item.left
            outside = elsewhere | set(all_expr_variables(other_side))
            sides.append(_localise(side, outside))
        out.append(Comparison(item.op, *sides))
    return tuple(out)


def _localise(e, outside: set):
    if isinstance(e, Aggregate):
        return Aggregate(e.op, e.terms, e.body, frozenset(v for v in aggregate_variables(e) if v not in outside))
    if isinstance(e, BinOp):
        return BinOp(e.op, _localise(e.left, outside | set(all_expr_variables(e.right))),
                     _localise(e.right, outside | set(all_expr_variables(e.left))))
    if isinstance(e, Call):
        return Call(e.name, tuple(_localise(a, outside | {v for b in e.args if b is not a
                                                          for v in all_expr_variables(b)}) for a in e.args))
    return e


def parse_atom(text: str, *, file: str = "<query>", line: int = 1, allow_vars: bool = True) -> Atom:
    """Parse one atom such as ``liable(jd_cloud, E)`` (a trailing '.' is allowed)."""
    p = _Parser(tokenize(text, file, line), file, line)
    if p.at_end():
        raise KbSyntaxError("empty pattern: expected an atom such as liable(jd_cloud, E)", file=file, line=line)
    atom = p.atom(allow_vars=allow_vars)
    if p.at_op("."):
        p.next()
    if not p.at_end():
        raise p.error(f"unexpected '{p.peek().text}' after {atom.pred}(...)")
    return atom


# --- rule files -----------------------------------------------------------------

_ANNOTATIONS = ("rule", "param", "cites", "gloss", "quote", "overrides", "differs")


def parse_clause_ids(text: str, file: str, line: int) -> tuple[str, ...]:
    ids = [c.strip() for c in text.split(",")]
    if not ids or any(not c for c in ids):
        raise KbSyntaxError("@cites needs a comma-separated list of clause ids", file=file, line=line)
    for c in ids:
        if not CLAUSE_ID_RE.match(c):
            raise KbSyntaxError(f"'{c}' is not a clause id (such as 9.2 or preamble)", file=file, line=line)
    return tuple(c.rstrip(".") for c in ids)


def parse_rule_file(text: str, file: str, area: str = "") -> RuleFile:
    """Parse a rule file into rules and parameters, each with its provenance."""
    result = RuleFile(path=file, area=area)
    notes: dict[str, list] = {}
    note_line: int | None = None
    pending: list[Token] = []  # tokens of statements not yet terminated by '.'
    seen_ids: dict[str, int] = {}
    scanned, depth = 0, 0  # tokens of ``pending`` already searched for the statement's '.', and the
    #                        parenthesis depth there: each token is scanned once (linear time)

    def flush_statements(final: bool) -> None:
        """Parse every complete statement at the start of ``pending``."""
        nonlocal pending, notes, note_line, scanned, depth
        while pending:
            end = None
            for j in range(scanned, len(pending)):  # a statement is complete only when its '.' is present
                t = pending[j]
                if t.kind == "op":
                    depth += (t.text == "(") - (t.text == ")")
                    if t.text == "." and depth <= 0:
                        end = j
                        break
            if end is None:
                scanned = len(pending)
                if scanned > MAX_STATEMENT_TOKENS:
                    raise KbSyntaxError(f"statement too long: more than {MAX_STATEMENT_TOKENS:,} tokens without "
                                        f"its final '.'", file=file, line=pending[0].line)
                if not final:
                    return
            elif end + 1 > MAX_STATEMENT_TOKENS:
                raise KbSyntaxError(f"statement too long: {end + 1:,} tokens (at most {MAX_STATEMENT_TOKENS:,})",
                                    file=file, line=pending[0].line)
            p = _Parser(pending if end is None else pending[:end + 1], file, pending[-1].line)
            stmt = p.statement()  # without its '.', raises the 'not terminated' error
            pending = pending[end + 1:] if end is not None else []
            scanned, depth = 0, 0
            _make_statement(stmt, notes, note_line, file, area, result, seen_ids)
            notes, note_line = {}, None

    for lineno, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip()
        if stripped.startswith("@"):
            if pending:
                raise KbSyntaxError("annotation inside an unfinished statement (missing '.' above?)",
                                    file=file, line=lineno)
            m = re.match(r"@([a-z_]+)\s*(.*)\Z", stripped)
            if not m or m.group(1) not in _ANNOTATIONS:
                word = m.group(1) if m else stripped
                raise KbSyntaxError(
                    f"unknown annotation '@{word}' (expected one of: {', '.join('@' + a for a in _ANNOTATIONS)})",
                    file=file, line=lineno)
            key, value = m.group(1), m.group(2).strip()
            if note_line is None:
                note_line = lineno
            notes.setdefault(key, []).append((value, lineno))
            continue
        pending.extend(tokenize(raw, file, lineno))
        flush_statements(final=False)
    flush_statements(final=True)
    if notes:
        raise KbSyntaxError("annotations are not followed by a statement", file=file, line=note_line)
    return result


def _single(notes, key, file):
    """The one (value, line) given for an annotation, or None."""
    values = notes.get(key, [])
    if len(values) > 1:
        raise KbSyntaxError(f"@{key} given twice", file=file, line=values[1][1])
    return values[0] if values else None


def _make_statement(stmt, notes, note_line, file, area, result: RuleFile, seen_ids) -> None:
    kind = stmt[0]
    line = stmt[-1]
    quotes = []
    for value, qline in notes.get("quote", []):
        m = re.match(r"(\S+)\s+(\".*\")\s*\Z", value)
        if not m:
            raise KbSyntaxError('@quote needs a clause id and a quoted text: @quote 9.2 "..."', file=file, line=qline)
        cid = parse_clause_ids(m.group(1), file, qline)[0]
        quotes.append(Quote(cid, _unescape(m.group(2)), qline))
    cites = ()
    cite_note = _single(notes, "cites", file)
    if cite_note:
        cites = parse_clause_ids(cite_note[0], file, cite_note[1])
    gloss_note = _single(notes, "gloss", file)
    gloss = gloss_note[0].strip('"') if gloss_note else ""

    if kind == "param":
        _, name, value, reading, _ = stmt
        declared = _single(notes, "param", file)
        if declared and declared[0] != name:
            raise KbSyntaxError(f"@param says '{declared[0]}' but the statement defines '{name}'", file=file, line=line)
        for bad in ("rule", "overrides"):
            if bad in notes:
                raise KbSyntaxError(f"@{bad} does not apply to a parameter", file=file, line=notes[bad][0][1])
        differs = _single(notes, "differs", file)  # why the value is not a number the quote states
        if differs and not re.fullmatch(r'"[^"]*\S[^"]*"', differs[0]):
            raise KbSyntaxError('@differs needs the reason in double quotes: @differs "..."', file=file, line=differs[1])
        result.params.append(Param(name, value, cites, gloss, tuple(quotes), file, line, reading,
                                   differs=differs[0][1:-1].strip() if differs else ""))
        return

    _, negated, head, body, _ = stmt
    previous = result.rules[-1] if result.rules else None
    if not notes and not body and previous is not None and previous.is_fact \
            and previous.head.pred == head.pred and not negated:
        # a further fact of the group annotated just above: same rule id and provenance
        result.rules.append(Rule(
            id=previous.id, head=head, body=(), cites=previous.cites, gloss=previous.gloss,
            quotes=previous.quotes, file=file, line=line, area=area))
        return
    for only in ("param", "differs"):
        if only in notes:
            raise KbSyntaxError(f"@{only} annotates a 'param' statement, not a rule", file=file, line=notes[only][0][1])
    rule_note = _single(notes, "rule", file)
    if not rule_note:
        raise KbSyntaxError(f"statement '{head.pred}' has no @rule id above it", file=file, line=line)
    rule_id = rule_note[0]
    if not IDENT_RE.match(rule_id) or "__" in rule_id:
        raise KbSyntaxError(f"rule id '{rule_id}' must be a lowercase identifier", file=file, line=rule_note[1])
    overrides: tuple[str, ...] = ()
    for value, oline in notes.get("overrides", []):
        for name in (v.strip() for v in value.split(",")):
            if not IDENT_RE.match(name):
                raise KbSyntaxError(f"@overrides needs rule ids, got '{name}'", file=file, line=oline)
            overrides += (name,)
    if rule_id in seen_ids:
        raise KbSyntaxError(f"rule id '{rule_id}' is already used at line {seen_ids[rule_id]}",
                            file=file, line=rule_note[1])
    result.rules.append(Rule(
        id=rule_id, head=head, body=body, cites=cites, gloss=gloss, quotes=tuple(quotes),
        overrides=overrides, negated_head=negated, file=file, line=line, area=area,
    ))
    seen_ids.setdefault(rule_id, line)
