"""The kit's checked program compiled to ASP, for the clingo back end (:mod:`kb.clingo_engine`).

The ASP text is built from the parsed :class:`~kb.program.Program` only, never from input text:

* predicate names are the vocabulary's checked identifiers (checked again here); variables are
  renamed ``V0``, ``V1`` ... per rule (anonymous ones included); numbers are written by
  ``str(int)`` after a range check;
* every string value (symbols, enumeration values, quoted strings) goes through
  :func:`encode_string`, which leaves printable ASCII other than ``"``, ``\\`` and ``%`` as it is
  and percent-encodes everything else, and is written between double quotes: no value can close
  its string, start a comment, end a rule or open a ``#script``. The same encoding is used for
  scenario facts, which never appear in the text at all: a context function hands them to
  clingo as symbols (``p(V0, V1) :- (V0, V1) = @kb_input(3).``). clingo strings end at a NUL
  character, which the encoding also protects;
* built-in functions are calls of the context object (:class:`AspContext`), which runs the
  kit's own Python functions (:mod:`kb.builtins`): no ``eval``, no ``#script``.

Semantics kept identical to the kit's evaluation (:mod:`kb.matching`):

* aggregates become ``#sum``/``#count``/``#min``/``#max`` over the distinct tuples of their
  terms (the first term is the weight); ``sum`` and ``count`` of nothing are 0, ``min`` and
  ``max`` of nothing have no value (``#sup``/``#inf`` are excluded, so the rule does not fire);
* clingo integers are 32-bit and wrap silently. Values beyond the range are refused before
  they reach clingo (:func:`check_int`, an :class:`~kb.errors.EngineError`); arithmetic that
  could leave the range (a bound computed from the kinds of its operands: dates are at most
  3,652,059) is done by checked context functions; a ``#sum`` is computed as three sums of
  11-bit slices of each weight (exact for up to a million items) and recombined and checked in
  Python.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from . import builtins
from .errors import EngineError
from .program import CompiledRule, Program
from .terms import Aggregate, Atom, BinOp, Call, Comparison, Const, Literal, ParamRef, Var, body_literals, expr_parts

INT_MIN = -(2 ** 31)
INT_MAX = 2 ** 31 - 1
DATE_MAX = _dt.date.max.toordinal()  # 3,652,059: every day number of a real date is at most this
_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) not in '"\\%')
_NAME_RE = re.compile(r"[a-z][A-Za-z0-9_]*\Z")
_SLICE = 2048  # a #sum adds the 11-bit slices of its weights separately (see module doc)


def check_int(value: int, what: str = "a value") -> int:
    """``value`` if clingo can hold it (32-bit), else an EngineError naming it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise EngineError(f"{what} is not an integer: {value!r}")
    if not INT_MIN <= value <= INT_MAX:
        raise EngineError(
            f"{what} is {value}, outside the range of the clingo back end (32-bit integers, "
            f"{INT_MIN} to {INT_MAX}: amounts up to 21,474,836.47); use the default back end for such values")
    return value


def encode_string(value: str) -> str:
    """A string value as the text of a clingo string: printable ASCII except ``"``, ``\\`` and
    ``%`` unchanged, everything else percent-encoded (UTF-8). Injective; :func:`decode_string`
    inverts it."""
    return quote(value, safe=_SAFE, errors="surrogatepass")


def decode_string(text: str) -> str:
    return unquote(text, errors="surrogatepass")


def asp_string(value: str) -> str:
    """A string value as a clingo string constant (quoted)."""
    return '"' + encode_string(value) + '"'


def asp_value(value) -> str:
    """An engine value (int or str) as a clingo constant."""
    if isinstance(value, str):
        return asp_string(value)
    return str(check_int(value, "a number in a rule"))


def asp_name(name: str) -> str:
    """A predicate name, checked to be a plain identifier (it always is, for a checked program)."""
    if not _NAME_RE.match(name) or name == "not":
        raise EngineError(f"cannot compile the predicate name {name!r} to ASP")
    return name


# --- the context object: built-in functions and checked arithmetic -----------------------------

class AspContext:
    """The functions clingo calls while grounding (``@name(...)``): the kit's built-in functions,
    checked arithmetic, the recombination of sums, and the scenario's facts (``kb_input``).

    A function outside its domain, or given a non-number, returns no value (the rule instance
    does not fire, as in the kit); a result outside 32 bits raises EngineError."""

    def __init__(self, inputs: list[list] | None = None):
        self._inputs = inputs or []
        self.error: EngineError | None = None  # the first error raised here (clingo re-wraps it)

    def kb_input(self, index):
        return self._inputs[index.number]

    # arithmetic whose result may not fit in 32 bits
    @staticmethod
    def _ints(*symbols):
        import clingo

        if any(s.type != clingo.SymbolType.Number for s in symbols):
            return None
        return [s.number for s in symbols]

    def _number(self, value: int, what: str):
        import clingo

        try:
            return clingo.Number(check_int(value, what))
        except EngineError as exc:
            if self.error is None:
                self.error = exc
            raise

    def kb_add(self, a, b):
        args = self._ints(a, b)
        return [] if args is None else self._number(args[0] + args[1], f"the sum {args[0]} + {args[1]}")

    def kb_sub(self, a, b):
        args = self._ints(a, b)
        return [] if args is None else self._number(args[0] - args[1], f"the difference {args[0]} - {args[1]}")

    def kb_mul(self, a, b):
        args = self._ints(a, b)
        return [] if args is None else self._number(args[0] * args[1], f"the product {args[0]} * {args[1]}")

    def kb_sum(self, high, middle, low):
        args = self._ints(high, middle, low)
        if args is None:
            return []
        h, m, lo = args
        return self._number((h * _SLICE + m) * _SLICE + lo, "a sum")

    def __getattr__(self, name: str):
        # kb_fn_<builtin>: the kit's built-in functions (kb.builtins), nothing else
        if name.startswith("kb_fn_") and name[len("kb_fn_"):] in builtins.FUNCTIONS:
            fn = name[len("kb_fn_"):]

            def call(*symbols):
                args = self._ints(*symbols)
                if args is None:
                    return []
                value = builtins.call(fn, args)
                return [] if value is None else self._number(value, f"the value of {fn}({', '.join(map(str, args))})")

            return call
        raise AttributeError(name)


# --- compiling rules -------------------------------------------------------------------------

@dataclass(frozen=True)
class AspRule:
    head: str  # the head predicate
    positives: frozenset  # the predicates of its positive body atoms (outside aggregates)
    reads: frozenset  # every (predicate, arity) its body reads, under negation and in aggregates too
    text: str


class _RuleCompiler:
    """One compiled rule to one ASP rule (variables renamed, aggregates lifted out of terms)."""

    def __init__(self, compiler: "AspCompiler", rule: CompiledRule):
        self.compiler = compiler
        self.rule = rule
        self.names: dict[str, str] = {}
        self.lifted: list[str] = []  # aggregate literals that bind fresh variables
        # variable -> kind of value, from the input atoms that bind it (input values are checked
        # when a scenario is evaluated: a date is a real date; derived values are not bounded)
        self.kinds: dict[str, str] = {}
        for lit, _ in body_literals(rule.body):
            if lit.negated:
                continue
            decl = compiler.program.vocabulary.inputs.get(lit.atom.pred)
            if decl is None or decl.arity != lit.atom.arity:
                continue
            for arg, spec in zip(lit.atom.args, decl.args):
                if isinstance(arg, Var):
                    self.kinds.setdefault(arg.name, spec.type.kind)

    def var(self, name: str) -> str:
        return self.names.setdefault(name, f"V{len(self.names)}")

    def fresh(self) -> str:
        name = f"Agg{len(self.lifted)}_{len(self.names)}"
        self.names[f"\x00{name}"] = name
        return name

    def term(self, t) -> str:
        if isinstance(t, Var):
            return self.var(t.name)
        if isinstance(t, Const):
            return asp_value(t.value)
        raise EngineError(f"rule '{self.rule.origin.id}': cannot compile the term {t!r} to ASP")

    def atom(self, a: Atom) -> str:
        name = asp_name(a.pred)
        self.compiler.used.add((a.pred, a.arity))
        if not a.args:
            return name
        return f"{name}({','.join(self.term(x) for x in a.args)})"

    def literal(self, lit: Literal) -> str:
        return ("not " if lit.negated else "") + self.atom(lit.atom)

    # bounds: the largest absolute value an expression can take (None: unknown)
    def bound(self, e) -> int | None:
        if isinstance(e, Const) and isinstance(e.value, int):
            return abs(e.value)
        if isinstance(e, Var):
            return DATE_MAX if self.kinds.get(e.name) == "date" else None
        if isinstance(e, BinOp):
            left, right = self.bound(e.left), self.bound(e.right)
            if left is None or right is None:
                return None
            return left * right if e.op == "*" else left + right
        return None

    def expr(self, e) -> str:
        if isinstance(e, (Var, Const)):
            return self.term(e)
        if isinstance(e, BinOp):
            left, right = self.expr(e.left), self.expr(e.right)
            bound = self.bound(e)
            if bound is not None and bound <= INT_MAX:  # exact in 32 bits whatever the values
                return f"({left}{e.op}{right})"
            fn = {"+": "kb_add", "-": "kb_sub", "*": "kb_mul"}[e.op]
            return f"@{fn}({left},{right})"
        if isinstance(e, Call):
            if e.name not in builtins.FUNCTIONS:
                raise EngineError(f"rule '{self.rule.origin.id}': unknown function {e.name}")
            return f"@kb_fn_{e.name}({','.join(self.expr(a) for a in e.args)})"
        if isinstance(e, Aggregate):
            return self.aggregate(e)
        if isinstance(e, ParamRef):
            raise EngineError(f"rule '{self.rule.origin.id}': parameter ${e.name} was not substituted")
        raise EngineError(f"rule '{self.rule.origin.id}': cannot compile {e!r} to ASP")

    def condition(self, items) -> str:
        parts = []
        for item in items:
            if isinstance(item, Literal):
                parts.append(self.literal(item))
            else:
                if any(isinstance(p, Aggregate) for side in (item.left, item.right) for p in expr_parts(side)):
                    raise EngineError(f"rule '{self.rule.origin.id}': an aggregate inside an aggregate")
                parts.append(self.comparison(item))
        return ",".join(parts)

    def aggregate(self, agg: Aggregate) -> str:
        """Lift the aggregate into body literals binding a fresh variable; returns the term that
        stands for its value."""
        terms = [self.term(t) for t in agg.terms]
        cond = self.condition(agg.body)
        elements = ",".join(terms)
        if agg.op == "count":
            result = self.fresh()
            self.lifted.append(f"{result}=#count{{{elements}:{cond}}}")
            return result
        if agg.op in ("min", "max"):
            result = self.fresh()
            none = "#sup" if agg.op == "min" else "#inf"
            self.lifted.append(f"{result}=#{agg.op}{{{elements}:{cond}}}")
            self.lifted.append(f"{result}!={none}")  # min/max of nothing: no value
            return result
        if agg.op == "sum":
            weight = terms[0]
            slices = (f"{weight}\\{_SLICE}", f"({weight}/{_SLICE})\\{_SLICE}", f"({weight}/{_SLICE})/{_SLICE}")
            names = []
            for s in slices:
                name = self.fresh()
                self.lifted.append(f"{name}=#sum{{{s},{elements}:{cond}}}")
                names.append(name)
            low, middle, high = names
            return f"@kb_sum({high},{middle},{low})"
        raise EngineError(f"rule '{self.rule.origin.id}': unknown aggregate {agg.op}")

    _OPS = {"=": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

    def comparison(self, item: Comparison) -> str:
        left, right = item.left, item.right
        if item.op == "=" and isinstance(right, Var) and not isinstance(left, Var):
            left, right = right, left  # an assignment: the variable on the left
        return f"{self.expr(left)}{self._OPS[item.op]}{self.expr(right)}"

    def compile(self) -> str:
        body = []
        for item in self.rule.body:
            body.append(self.literal(item) if isinstance(item, Literal) else self.comparison(item))
        head = self.atom(self.rule.head)
        body = self.lifted + body
        return f"{head}:-{','.join(body)}." if body else f"{head}."


class AspCompiler:
    """Compiles a :class:`Program` to ASP: one line per rule, per input predicate (its facts come
    from ``@kb_input``), per ``#defined`` and per ``#show`` statement. :meth:`lines_for` picks the
    lines a scenario needs (see there)."""

    def __init__(self, program: Program):
        self.program = program
        self.used: set[tuple[str, int]] = set()
        self.rules: list[AspRule] = []
        for rule in program.compiled:
            text = _RuleCompiler(self, rule).compile()
            positives = frozenset(i.atom.pred for i in rule.body if isinstance(i, Literal) and not i.negated)
            reads = frozenset((lit.atom.pred, lit.atom.arity) for lit, _ in body_literals(rule.body))
            self.rules.append(AspRule(rule.head.pred, positives, reads, text))
        self.inputs = sorted(program.vocabulary.inputs)
        self.input_index = {name: i for i, name in enumerate(self.inputs)}
        self.input_arity = {name: program.vocabulary.inputs[name].arity for name in self.inputs}
        self.head_arity = {c.head.pred: c.head.arity for c in program.compiled}
        self.body_preds: dict[str, set[str]] = {}
        for rule in program.compiled:
            self.body_preds.setdefault(rule.head.pred, set()).update(
                lit.atom.pred for lit, _ in body_literals(rule.body))
        # every line, numbered: rules first, then the inputs, #defined and #show statements
        self.lines: list[str] = [r.text for r in self.rules]
        self.input_line: dict[str, int] = {}
        for name in self.inputs:
            arity, index = self.input_arity[name], self.input_index[name]
            self.input_line[name] = len(self.lines)
            if arity == 0:
                self.lines.append(f"{asp_name(name)}:-1=@kb_input({index}).")
            elif arity == 1:
                self.lines.append(f"{asp_name(name)}(V0):-V0=@kb_input({index}).")
            else:
                vs = ",".join(f"V{i}" for i in range(arity))
                self.lines.append(f"{asp_name(name)}({vs}):-({vs})=@kb_input({index}).")
        self.defined_line: dict[tuple[str, int], int] = {}
        for pred, arity in sorted(self.used | {(p, a) for p, a in self.head_arity.items()}):
            self.defined_line[(pred, arity)] = len(self.lines)
            self.lines.append(f"#defined {asp_name(pred)}/{arity}.")
        self.show_line: dict[str, int] = {}
        for pred in sorted(self.head_arity):
            self.show_line[pred] = len(self.lines)
            self.lines.append(f"#show {asp_name(pred)}/{self.head_arity[pred]}.")

    def lines_for(self, present: frozenset[str], derived: frozenset[str] | None = None
                  ) -> tuple[list[int], frozenset[str]]:
        """The line numbers of the program a scenario needs, and the derived predicates it shows.

        ``present``: the input predicates that have facts; ``derived``: the derived predicates
        asked for (all by default; the set must be closed under dependency). A rule whose
        positive body reads a predicate that cannot hold (an input without facts, or a derived
        predicate none of whose rules can fire) can never fire and is left out; what its kept
        neighbours read but nothing defines is declared ``#defined`` (so ``not p`` holds, a
        ``#count`` over it is 0). The answer is the same; the grounding is much smaller."""
        wanted = set(self.head_arity) if derived is None else set(derived)
        candidates = [i for i, r in enumerate(self.rules) if r.head in wanted]
        live = set(present)
        waiting: dict[str, list[int]] = {}
        missing: dict[int, int] = {}
        ready = []
        for i in candidates:
            need = self.rules[i].positives - live
            missing[i] = len(need)
            for pred in need:
                waiting.setdefault(pred, []).append(i)
            if not need:
                ready.append(i)
        kept = []
        while ready:
            i = ready.pop()
            kept.append(i)
            head = self.rules[i].head
            if head in live:
                continue
            live.add(head)
            for j in waiting.get(head, ()):
                missing[j] -= 1
                if missing[j] == 0:
                    ready.append(j)
        kept.sort()
        heads = {self.rules[i].head for i in kept}
        reads = set().union(*(self.rules[i].reads for i in kept)) if kept else set()
        lines = list(kept)
        lines += [self.input_line[p] for p in sorted({p for p, _ in reads} & present)]
        lines += [self.defined_line[key] for key in sorted(reads) if key[0] not in heads and key[0] not in present]
        lines += [self.show_line[p] for p in sorted(heads)]
        return lines, frozenset(heads)

    def text(self, derived: frozenset[str] | None = None) -> str:
        """The ASP program for the derived predicates ``derived`` (all by default) over any facts:
        their rules, the input rules, ``#defined`` for what nothing defines, ``#show``."""
        lines, _ = self.lines_for(frozenset(self.inputs), derived)
        return "\n".join(self.lines[i] for i in lines) + "\n"


def compile_program(program: Program) -> str:
    """The whole program as ASP text (for reading and debugging; the engine uses
    :class:`AspCompiler` directly)."""
    return AspCompiler(program).text()


__all__ = ["AspCompiler", "AspContext", "INT_MAX", "INT_MIN", "asp_string", "check_int", "compile_program",
           "decode_string", "encode_string"]


def ground(ctl, context: "AspContext") -> None:
    """Ground the ``base`` program of ``ctl`` with ``context``; a value the context refused (a
    number beyond 32 bits) is raised as its EngineError, not as clingo's wrapper."""
    try:
        ctl.ground([("base", [])], context=context)
    except Exception:
        if context.error is not None:
            raise context.error from None
        raise


def single_answer_set(ctl) -> list:
    """The shown symbols of the one answer set of a grounded stratified program (``ctl`` made
    with ``--models=2``, so a second one is seen); an EngineError if there is not exactly one."""
    answers = []
    with ctl.solve(yield_=True) as handle:
        for m in handle:
            answers.append(m.symbols(shown=True))
    if len(answers) != 1:
        raise EngineError(f"clingo found {len(answers)} answer sets for a stratified program (expected one)")
    return answers[0]


def symbol_value(symbol):
    """An argument of an answer as an engine value: a number, or a string decoded
    (:func:`decode_string`); any other symbol is a bug in the kit (EngineError)."""
    import clingo

    if symbol.type == clingo.SymbolType.Number:
        return symbol.number
    if symbol.type == clingo.SymbolType.String:
        return decode_string(symbol.string)
    raise EngineError(f"clingo answered a value the kit does not use: {symbol}")

