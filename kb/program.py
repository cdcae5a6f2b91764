"""Load-time checks and the translation of rules into an engine-ready program.

:func:`build_program` takes the parsed rule files of a knowledge base, checks
them against the clause tree and the vocabulary, and returns a
:class:`Program`: plain Datalog rules (still engine-neutral) in which

* every exception is compiled to explicit conditions: a rule ``r`` that some
  exception ``e`` overrides only fires where ``blocked__r`` does not hold, and
  ``blocked__r`` holds where ``e`` fires (``fires__e``); exceptions can
  themselves be overridden, which gives exceptions to exceptions;
* parameters are substituted by their values;
* body items are ordered so that recursive atoms come first (the engine evaluates
  recursive components itself, round by round, so this order no longer decides
  termination; it keeps the joins on the new tuples first), and negations and
  comparisons come only after the atoms that bind their variables.

Every rejection is a :class:`~kb.errors.KbError` with file and line.
"""
from __future__ import annotations

import re
import weakref
from collections import defaultdict
from dataclasses import dataclass, field

from .clauses import ClauseTree
from .errors import (
    CitationError, KbSyntaxError, OverrideError, StratificationError, UnknownClauseError,
    UnsafeVariableError, ValueTypeError, closest,
)
from .builtins import FUNCTIONS
from .terms import (
    Aggregate, Atom, BinOp, BodyItem, Call, Comparison, Const, Literal, Param, ParamRef, Rule, RuleFile, Var,
    aggregates_of, body_literals, expr_kind, expr_parts, expr_variables, is_computed, item_variables,
)
from .provenance import check_param_value
from .vocabulary import Vocabulary

FIRES = "fires__"
BLOCKED = "blocked__"
VALUE = "value__"  # value__NAME(V): the value a parameter with interpretation variants takes
COMPUTED = "computed__"  # computed__RULE(...): what a rule with a function or aggregate concludes


@dataclass(frozen=True)
class CompiledRule:
    """A plain Datalog rule ready for an engine; ``origin`` is the source rule."""

    head: Atom
    body: tuple[BodyItem, ...]
    origin: Rule
    role: str  # "rule", "fires", "conclude" (head from fires__), "blocked", "param" (value__),
    #            "computed" (a rule with a built-in function or an aggregate, evaluated by the kit)


@dataclass
class Program:
    rules: dict[str, list[Rule]]  # rule id -> the source rules (several for a group of facts)
    params: dict[str, Param]
    compiled: list[CompiledRule]
    vocabulary: Vocabulary
    overrides: dict[str, list[str]]  # rule id -> ids of the exceptions that override it
    derived: list[str]  # every derived predicate, internal ones included, sorted
    strata: dict[str, int]
    ordered_bodies: dict[tuple[str, int], tuple[BodyItem, ...]] = field(default_factory=dict)
    param_variants: dict[str, list[Param]] = field(default_factory=dict)  # name -> values under readings

    def rules_for(self, pred: str) -> list[Rule]:
        """Source rules whose head is ``pred`` (exceptions included), in file order."""
        return [r for group in self.rules.values() for r in group if r.head.pred == pred]

    def all_rules(self) -> list[Rule]:
        return [r for group in self.rules.values() for r in group]

    def body_of(self, rule: Rule) -> tuple[BodyItem, ...]:
        """The rule's body in evaluation order, with parameters still named."""
        return self.ordered_bodies[(rule.file, rule.line)]

    def exceptions_of(self, rule_id: str) -> list[Rule]:
        return [self.rules[e][0] for e in self.overrides.get(rule_id, [])]

    def is_exception(self, rule: Rule) -> bool:
        return bool(rule.overrides)


def internal_owner(pred: str) -> str | None:
    """The rule id behind an internal predicate name, or None for a user predicate."""
    for prefix in (FIRES, BLOCKED, VALUE, COMPUTED):
        if pred.startswith(prefix):
            return pred[len(prefix):]
    return None


def _normalise_quote(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


_HAYSTACKS: "weakref.WeakKeyDictionary[ClauseTree, dict[str, str]]" = weakref.WeakKeyDictionary()


def _clause_haystack(clauses: ClauseTree, clause_id: str) -> str:
    """The clause's text as quotes are matched against it (normalised once per clause tree)."""
    cache = _HAYSTACKS.setdefault(clauses, {})
    if clause_id not in cache:
        clause = clauses[clause_id]
        cache[clause_id] = _normalise_quote(clause.text or clauses.full_text(clause_id))
    return cache[clause_id]


def check_citations(rule_or_param, clauses: ClauseTree, what: str) -> None:
    file, line = rule_or_param.file, rule_or_param.line
    if not rule_or_param.cites:
        raise CitationError(f"{what} has no @cites: every {what.split()[0]} must cite the clause(s) it encodes",
                            file=file, line=line)
    for cid in rule_or_param.cites:
        if cid not in clauses:
            suggestion = closest(cid, clauses.ids())
            raise UnknownClauseError(f"{what} cites clause '{cid}', which does not exist",
                                     file=file, line=line, clause=cid, suggestion=suggestion)
    if not rule_or_param.gloss:
        raise CitationError(f"{what} has no @gloss (a one-line statement of what it says)", file=file, line=line)
    if not rule_or_param.quotes:
        raise CitationError(f"{what} has no @quote of the clause text it encodes", file=file, line=line)
    for quote in rule_or_param.quotes:
        if quote.clause not in clauses:
            raise UnknownClauseError(f"@quote names clause '{quote.clause}', which does not exist",
                                     file=file, line=quote.line, clause=quote.clause,
                                     suggestion=closest(quote.clause, clauses.ids()))
        if quote.clause not in rule_or_param.cites:
            raise CitationError(f"@quote is from clause {quote.clause}, which the {what} does not @cite",
                                file=file, line=quote.line, clause=quote.clause)
        haystack = _clause_haystack(clauses, quote.clause)
        position = 0
        for fragment in (f.strip() for f in _normalise_quote(quote.text).split("...")):
            if not fragment:
                continue
            found = haystack.find(fragment, position)
            if found < 0:
                raise CitationError(f"@quote does not match the text of clause {quote.clause}: \"{fragment}\"",
                                    file=file, line=quote.line, clause=quote.clause)
            position = found + len(fragment)


def build_program(rule_files: list[RuleFile], vocabulary: Vocabulary, clauses: ClauseTree) -> Program:
    """Check the rule files and translate them into a :class:`Program` (see module doc)."""
    params: dict[str, Param] = {}
    variants: dict[str, list[Param]] = {}
    rules: dict[str, list[Rule]] = {}
    for rf in rule_files:
        for p in rf.params:
            if p.reading is None:
                if p.name in params:
                    raise KbSyntaxError(f"parameter '{p.name}' is already defined at {params[p.name].file}:"
                                        f"{params[p.name].line}", file=p.file, line=p.line)
                params[p.name] = p
            else:
                if p.reading not in vocabulary.interpretations:
                    raise KbSyntaxError(f"parameter '{p.name}' is given under '{p.reading}', which is not a "
                                        f"declared interpretation", file=p.file, line=p.line,
                                        suggestion=closest(p.reading, vocabulary.interpretations))
                if any(v.reading == p.reading for v in variants.get(p.name, ())):
                    raise KbSyntaxError(f"parameter '{p.name}' is given twice under '{p.reading}'",
                                        file=p.file, line=p.line)
                if variants.get(p.name):
                    raise KbSyntaxError(f"parameter '{p.name}' already has a value under another interpretation "
                                        f"(only one is supported, so that readings never give two values)",
                                        file=p.file, line=p.line)
                variants.setdefault(p.name, []).append(p)
            check_citations(p, clauses, f"parameter '{p.name}'")
            check_param_value(p)  # the value is a number the quote states, or @differs says why
        for r in rf.rules:
            if r.id in rules and (rules[r.id][0].file, r.is_fact) != (r.file, True):
                first = rules[r.id][0]
                raise KbSyntaxError(f"rule id '{r.id}' is already used at {first.file}:{first.line}",
                                    file=r.file, line=r.line)
            rules.setdefault(r.id, []).append(r)
    for name, vs in variants.items():
        if name not in params:
            raise KbSyntaxError(f"parameter '{name}' has a value under '{vs[0].reading}' but no default value",
                                file=vs[0].file, line=vs[0].line)

    checked: dict[str, list[Rule]] = {}
    for rid, group in rules.items():
        checked[rid] = []
        for r in group:
            check_citations(r, clauses, f"rule '{r.id}'")
            checked[rid].append(_check_rule(r, vocabulary, params))
    rules = checked

    overrides = _check_overrides(rules)
    ordered: dict[tuple[str, int], tuple[BodyItem, ...]] = {}
    # first pass ordering without recursion information, to find strata
    cheap = frozenset(vocabulary.inputs)
    compiled = _compile(rules, overrides, params, variants, ordered, None, cheap)
    scc_of = _check_stratification(compiled, vocabulary)
    if _has_recursion(compiled, scc_of):  # reorder bodies so that recursive atoms come first
        compiled = _compile(rules, overrides, params, variants, ordered, scc_of, cheap)
    derived = sorted({c.head.pred for c in compiled})
    strata = _strata(compiled, scc_of)
    return Program(rules, params, compiled, vocabulary, overrides, derived, strata, ordered, variants)


# --- single rules ---------------------------------------------------------------------

def _check_rule(rule: Rule, vocab: Vocabulary, params: dict[str, Param]) -> Rule:
    f, ln = rule.file, rule.line
    head = vocab.coerce_atom(rule.head, file=f, line=ln, role="conclusion")
    if rule.negated_head and not rule.overrides:
        raise OverrideError(f"rule '{rule.id}' concludes 'not {rule.head.pred}' but overrides nothing: "
                            f"a 'not' head is an exception and must name the rule it defeats with @overrides",
                            file=f, line=ln)
    var_types: dict[str, str] = {}
    body = _check_items(rule.body, rule, vocab, params, var_types)
    _check_arithmetic(body, rule, var_types)
    _check_safety(rule, head, body)
    return Rule(rule.id, head, tuple(body), rule.cites, rule.gloss, rule.quotes, rule.overrides,
                rule.negated_head, rule.file, rule.line, rule.area)


def _check_items(items, rule: Rule, vocab: Vocabulary, params: dict[str, Param], var_types: dict) -> list:
    """The body items with their atoms checked against the vocabulary (inside aggregates too);
    ``var_types`` receives the kind of every variable a positive atom binds."""
    f, ln = rule.file, rule.line
    out: list[BodyItem] = []
    for item in items:
        if isinstance(item, Literal):
            atom = vocab.coerce_atom(item.atom, file=f, line=ln)
            decl = vocab.predicate(atom.pred)
            if not item.negated:
                for arg, spec in zip(atom.args, decl.args):
                    if isinstance(arg, Var):
                        var_types.setdefault(arg.name, spec.type.kind)
            out.append(Literal(atom, item.negated))
            continue
        sides = [_check_expr(side, rule, vocab, params, var_types) for side in (item.left, item.right)]
        out.append(Comparison(item.op, *sides))
    return out


def _check_expr(e, rule: Rule, vocab: Vocabulary, params: dict[str, Param], var_types: dict):
    _check_params(e, params, rule)
    if isinstance(e, Aggregate):
        body = _check_items(e.body, rule, vocab, params, var_types)
        return Aggregate(e.op, e.terms, order_body(tuple(body), set()), e.local)
    if isinstance(e, BinOp):
        return BinOp(e.op, _check_expr(e.left, rule, vocab, params, var_types),
                     _check_expr(e.right, rule, vocab, params, var_types))
    if isinstance(e, Call):
        return Call(e.name, tuple(_check_expr(a, rule, vocab, params, var_types) for a in e.args))
    if isinstance(e, Const) and e.kind == "decimal":  # an amount written in a rule: kept as cents
        from .vocabulary import ValueType, coerce_value

        return coerce_value(e, ValueType("amount", "amount"), f"the amount {e.value} in rule '{rule.id}'",
                            file=rule.file, line=rule.line)
    return e


_NUMERIC = ("date", "amount", "integer")


def _check_arithmetic(body, rule: Rule, var_types: dict[str, str]) -> None:
    """Arithmetic, ordering comparisons, functions and aggregates take numbers: a name, an
    enumeration value or a string in one is a type error."""
    f, ln = rule.file, rule.line
    for item in body:
        if not isinstance(item, Comparison):
            continue
        parts = [p for side in (item.left, item.right) for p in expr_parts(side)]
        numeric = item.op not in ("=", "!=") or any(isinstance(p, (BinOp, Call, Aggregate)) for p in parts)
        if numeric:
            for p in parts:
                if isinstance(p, Var):
                    kind = var_types.get(p.name)
                    if kind is not None and kind not in _NUMERIC:
                        raise ValueTypeError(
                            f"rule '{rule.id}': {p.name} is a {kind} value and cannot be used in "
                            f"arithmetic or an ordering comparison ('{item}')", file=f, line=ln)
                elif isinstance(p, Const) and p.kind in ("symbol", "string"):
                    raise ValueTypeError(f"rule '{rule.id}': {p} is not a number ('{item}')", file=f, line=ln)
        for p in parts:
            if isinstance(p, Call):
                _check_call(p, rule, var_types, item)
        _check_amount_literals(item, rule, var_types)
        for agg in aggregates_of(item):
            _check_arithmetic(agg.body, rule, var_types)
            _check_aggregate(agg, rule, var_types, item)


def _check_amount_literals(item: Comparison, rule: Rule, var_types: dict[str, str]) -> None:
    """An amount added to, subtracted from or compared with a whole number other than 0 is
    ambiguous (yuan or cents?): the rule must write the amount with its decimals (100.00)."""
    pairs = [(item.left, item.right)] if item.op in COMPARISON_OPS else []
    pairs += [(p.left, p.right) for side in (item.left, item.right) for p in expr_parts(side)
              if isinstance(p, BinOp) and p.op in "+-"]
    for a, b in pairs:
        for x, y in ((a, b), (b, a)):
            if expr_kind(x, var_types) == "amount" and isinstance(y, Const) and y.kind == "int" and y.value != 0:
                raise ValueTypeError(f"rule '{rule.id}': {y} next to the amount {x} is ambiguous: write amounts "
                                     f"with their decimals ({y}.00) ('{item}')", file=rule.file, line=rule.line)


COMPARISON_OPS = ("=", "!=", "<", "<=", ">", ">=")


def _check_call(call: Call, rule: Rule, var_types: dict[str, str], item) -> None:
    builtin = FUNCTIONS[call.name]
    for position, (arg, expected) in enumerate(zip(call.args, builtin.params), start=1):
        kind = expr_kind(arg, var_types)
        ok = kind is None or (kind in _NUMERIC if expected == "number" else kind == expected)
        if not ok:
            raise ValueTypeError(f"rule '{rule.id}': argument {position} of {call.name} must be "
                                 f"{'a number' if expected == 'number' else 'a ' + expected}, but {arg} is "
                                 f"a {kind} ('{item}')", file=rule.file, line=rule.line)


def _check_aggregate(agg: Aggregate, rule: Rule, var_types: dict[str, str], item) -> None:
    f, ln = rule.file, rule.line
    if agg.op != "count":
        first = agg.terms[0]
        kind = expr_kind(first, var_types)
        if kind is not None and kind not in _NUMERIC:
            raise ValueTypeError(f"rule '{rule.id}': {agg.op} needs a number as its first term, but {first} is a "
                                 f"{kind} ('{item}')", file=f, line=ln)
    if agg.op == "sum":
        listed = {t.name for t in agg.terms if isinstance(t, Var)}
        merged = sorted(v for v in agg.local if v not in listed and not v.startswith("_"))
        if merged:
            raise UnsafeVariableError(
                f"rule '{rule.id}': sum adds each distinct tuple of its terms once, so items that differ only "
                f"in {', '.join(merged)} would merge when their amounts are equal: list "
                f"{'it' if len(merged) == 1 else 'them'} among the terms, e.g. "
                f"sum({', '.join([str(t) for t in agg.terms] + merged)} : ...)", file=f, line=ln)


def _check_params(e, params, rule) -> None:
    if isinstance(e, ParamRef) and e.name not in params:
        raise KbSyntaxError(f"rule '{rule.id}' uses unknown parameter '${e.name}'", file=rule.file,
                            line=rule.line, suggestion=("$" + s) if (s := closest(e.name, params)) else None)
    if isinstance(e, BinOp):
        _check_params(e.left, params, rule)
        _check_params(e.right, params, rule)
    if isinstance(e, Call):
        for a in e.args:
            _check_params(a, params, rule)
    if isinstance(e, Aggregate):
        for item in e.body:
            if isinstance(item, Comparison):
                _check_params(item.left, params, rule)
                _check_params(item.right, params, rule)


def _display_var(name: str) -> str:
    return "_" if name.startswith("_") else name


def _shown(item) -> str:
    """A body item as it was written: anonymous variables as '_'."""
    return re.sub(r"\b_\d+\b", "_", str(item))


def _check_safety(rule: Rule, head: Atom, body: list[BodyItem]) -> None:
    f, ln = rule.file, rule.line
    bound = _bound_by(body, set())
    for v in head.variables():
        if v not in bound:
            raise UnsafeVariableError(
                f"rule '{rule.id}': variable {_display_var(v)} in the head does not occur in a positive "
                f"body atom (every head variable must be bound by the body)", file=f, line=ln)
    for item in body:
        if isinstance(item, Literal) and item.negated:
            for v in item.atom.variables():
                if v not in bound:
                    shown = _display_var(v)
                    hint = (" An anonymous '_' under 'not' is not allowed: define a helper conclusion "
                            "(has_x(A) :- x(A, _).) and negate that.") if shown == "_" else ""
                    written = Atom(item.atom.pred, tuple(Var(_display_var(a.name)) if isinstance(a, Var) else a
                                                         for a in item.atom.args))
                    raise UnsafeVariableError(
                        f"rule '{rule.id}': variable {shown} in 'not {written}' is not bound by a "
                        f"positive body atom.{hint}", file=f, line=ln)
        if isinstance(item, Comparison):
            for v in item_variables(item):
                if v not in bound:
                    raise UnsafeVariableError(
                        f"rule '{rule.id}': variable {_display_var(v)} in '{item}' is not bound by a "
                        f"positive body atom", file=f, line=ln)
            for agg in aggregates_of(item):
                _check_aggregate_safety(rule, agg, bound)


def _bound_by(body, outer: set[str]) -> set[str]:
    """The variables a body binds, given those bound outside it: its positive atoms' variables,
    then each ``X = expr`` whose expression is bound, until nothing changes."""
    bound = set(outer) | {v for item in body if isinstance(item, Literal) and not item.negated
                          for v in item.atom.variables()}
    pending = [item for item in body if isinstance(item, Comparison)]
    changed = True
    while changed:
        changed = False
        for item in list(pending):
            target = _assignment_target(item, bound)
            if target is not None:
                bound.add(target)
                pending.remove(item)
                changed = True
    return bound


def _check_aggregate_safety(rule: Rule, agg: Aggregate, outer: set[str]) -> None:
    """Inside an aggregate, every variable is bound by the aggregate's own positive atoms (or
    assignments), or is bound outside it."""
    f, ln = rule.file, rule.line
    bound = _bound_by(agg.body, outer)
    for item in agg.body:
        names = item.atom.variables() if isinstance(item, Literal) else item_variables(item)
        for v in names:
            if v not in bound:
                raise UnsafeVariableError(
                    f"rule '{rule.id}': variable {_display_var(v)} in '{_shown(item)}' inside {agg.op}(...) is not bound "
                    f"by a positive atom of the aggregate", file=f, line=ln)
    for t in agg.terms:
        if isinstance(t, Var) and t.name not in bound:
            raise UnsafeVariableError(f"rule '{rule.id}': the term {_display_var(t.name)} of {agg.op}(...) does "
                                      f"not occur in its body", file=f, line=ln)


def _assignment_target(item: Comparison, bound: set[str]) -> str | None:
    """X when ``item`` is ``X = expr`` (or ``expr = X``) with X unbound and expr bound."""
    if item.op != "=":
        return None
    for target, source in ((item.left, item.right), (item.right, item.left)):
        if isinstance(target, Var) and target.name not in bound \
                and all(v in bound for v in expr_variables(source)):
            return target.name
    return None


# --- overrides ---------------------------------------------------------------------

def _check_overrides(rules: dict[str, list[Rule]]) -> dict[str, list[str]]:
    overridden_by: dict[str, list[str]] = defaultdict(list)
    for rid in sorted(rules):
        exc = rules[rid][0]
        for target_id in exc.overrides:
            if target_id not in rules:
                raise OverrideError(f"rule '{exc.id}' overrides '{target_id}', which is not a rule",
                                    file=exc.file, line=exc.line, suggestion=closest(target_id, rules))
            target = rules[target_id][0]
            if target_id == exc.id:
                raise OverrideError(f"rule '{exc.id}' overrides itself", file=exc.file, line=exc.line)
            if (target.head.pred, target.head.arity) != (exc.head.pred, exc.head.arity):
                raise OverrideError(
                    f"exception '{exc.id}' concludes about {exc.head.pred}/{exc.head.arity} but the rule it "
                    f"overrides, '{target_id}', concludes {target.head.pred}/{target.head.arity}",
                    file=exc.file, line=exc.line)
            if target.negated_head == exc.negated_head:
                polarity = "not " if exc.negated_head else ""
                raise OverrideError(
                    f"exception '{exc.id}' must conclude the opposite of '{target_id}' "
                    f"(both conclude '{polarity}{exc.head.pred}')", file=exc.file, line=exc.line)
            overridden_by[target_id].append(exc.id)
    # cycles in the override relation
    graph = {rid: list(rules[rid][0].overrides) for rid in rules}
    state: dict[str, int] = {}
    for start in sorted(graph):
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        if state.get(start):
            continue
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                first = rules[nxt][0]
                raise OverrideError(f"override cycle: {' overrides '.join(cycle)}",
                                    file=first.file, line=first.line)
            if not state.get(nxt):
                state[nxt] = 1
                stack.append((nxt, iter(sorted(graph[nxt]))))
                path.append(nxt)
    return {k: sorted(v) for k, v in overridden_by.items()}


# --- compilation ---------------------------------------------------------------------

def substitute_params(e, params: dict[str, Param], variable: set[str] = frozenset()):
    """``e`` with parameters replaced by their values, or by the variable ``VALUE__name`` for a
    parameter whose value depends on an interpretation (``variable``)."""
    if isinstance(e, ParamRef):
        if e.name in variable:
            return Var(_value_var(e.name))
        return Const(params[e.name].value, "int")
    if isinstance(e, BinOp):
        return BinOp(e.op, substitute_params(e.left, params, variable),
                     substitute_params(e.right, params, variable))
    if isinstance(e, Call):
        return Call(e.name, tuple(substitute_params(a, params, variable) for a in e.args))
    if isinstance(e, Aggregate):
        return Aggregate(e.op, e.terms, tuple(
            Comparison(i.op, substitute_params(i.left, params, variable), substitute_params(i.right, params, variable))
            if isinstance(i, Comparison) else i for i in e.body), e.local)
    return e


def _value_var(name: str) -> str:
    return f"VALUE__{name}"


def _param_refs(e) -> set[str]:
    if isinstance(e, ParamRef):
        return {e.name}
    if isinstance(e, BinOp):
        return _param_refs(e.left) | _param_refs(e.right)
    if isinstance(e, Call):
        return set().union(*(_param_refs(a) for a in e.args))
    if isinstance(e, Aggregate):
        return set().union(*(_param_refs(i.left) | _param_refs(i.right) for i in e.body
                             if isinstance(i, Comparison)))
    return set()


def _param_rules(name: str, default: Param, variants: list[Param]) -> list[CompiledRule]:
    """value__name(V): the default value unless an interpretation switches in its variant."""
    out = []
    head = VALUE + name
    readings = [Literal(Atom("interpretation", (Const(v.reading),)), negated=True) for v in variants]
    origin = Rule(f"param_{name}", Atom(head, (Const(default.value, "int"),)), (), default.cites, default.gloss,
                  default.quotes, file=default.file, line=default.line)
    out.append(CompiledRule(origin.head, tuple(readings), origin, "param"))
    for v in variants:
        origin = Rule(f"param_{name}_under_{v.reading}", Atom(head, (Const(v.value, "int"),)), (), v.cites,
                      v.gloss, v.quotes, file=v.file, line=v.line)
        out.append(CompiledRule(origin.head, (Literal(Atom("interpretation", (Const(v.reading),))),),
                                origin, "param"))
    return out


def order_body(body: tuple[BodyItem, ...], recursive: set[str], cheap: frozenset[str] = frozenset()
               ) -> tuple[BodyItem, ...]:
    """Evaluation order: recursive atoms first (the joins start from the new tuples of a round),
    then atoms of ``cheap`` predicates (scenario facts: a missing one fails the rule before any
    derived predicate is computed), then the other positive atoms, each group in the author's
    order; each negation or comparison right after its variables are bound."""
    positives = [i for i in body if isinstance(i, Literal) and not i.negated]

    def rank(item: Literal) -> int:
        return 0 if item.atom.pred in recursive else 1 if item.atom.pred in cheap else 2

    positives = sorted(positives, key=rank)  # stable: the author's order within a group
    pending = [i for i in body if not (isinstance(i, Literal) and not i.negated)]
    out: list[BodyItem] = []
    bound: set[str] = set()

    def flush() -> None:
        progress = True
        while progress:
            progress = False
            for item in list(pending):
                target = _assignment_target(item, bound) if isinstance(item, Comparison) else None
                if target is not None or all(v in bound for v in item_variables(item)):
                    out.append(item)
                    pending.remove(item)
                    if target is not None:
                        bound.add(target)
                    progress = True

    flush()
    for atom in positives:
        out.append(atom)
        bound.update(atom.atom.variables())
        flush()
    out.extend(pending)  # unreachable for safe rules
    return tuple(out)


def _compile(rules, overrides, params, variants, ordered, sccs, cheap) -> list[CompiledRule]:
    out: list[CompiledRule] = []
    for name in sorted(variants):
        out.extend(_param_rules(name, params[name], variants[name]))
    variable = set(variants)
    exception_ids = {rid for rid, group in rules.items() if group[0].overrides}
    members: dict[int, set[str]] = {}
    for pred, component in (sccs or {}).items():
        members.setdefault(component, set()).add(pred)
    for rid in rules:
        for r in rules[rid]:
            recursive = set()
            if sccs is not None:
                own = FIRES + rid if rid in exception_ids else r.head.pred
                recursive = members.get(sccs[own], set()) if own in sccs else set()
            body = order_body(r.body, recursive, cheap)
            ordered[(r.file, r.line)] = body
            concrete = tuple(
                Comparison(i.op, substitute_params(i.left, params, variable),
                           substitute_params(i.right, params, variable))
                if isinstance(i, Comparison) else i for i in body)
            used = sorted(set().union(*(_param_refs(i.left) | _param_refs(i.right) for i in body
                                        if isinstance(i, Comparison))) & variable)
            if used:  # bind each interpretation-dependent parameter first
                concrete = tuple(Literal(Atom(VALUE + n, (Var(_value_var(n)),))) for n in used) + concrete
            if rid in overrides:
                concrete = concrete + (Literal(Atom(BLOCKED + rid, r.head.args), negated=True),)
            if is_computed(r.body):  # evaluated by the kit; the engine reads its answers
                computed = Atom(COMPUTED + rid, r.head.args)
                out.append(CompiledRule(computed, concrete, r, "computed"))
                concrete = (Literal(computed),)
            if rid in exception_ids:
                fires = Atom(FIRES + rid, r.head.args)
                out.append(CompiledRule(fires, concrete, r, "fires"))
                if not r.negated_head:
                    out.append(CompiledRule(r.head, (Literal(fires),), r, "conclude"))
            else:
                out.append(CompiledRule(r.head, concrete, r, "rule"))
    for target_id in sorted(overrides):
        target = rules[target_id][0]
        xs = tuple(Var(f"A{i}") for i in range(target.head.arity))
        for exc_id in overrides[target_id]:
            out.append(CompiledRule(Atom(BLOCKED + target_id, xs), (Literal(Atom(FIRES + exc_id, xs)),),
                                    rules[exc_id][0], "blocked"))
    return out


def _dependency_edges(compiled: list[CompiledRule]):
    """(head, dependency, strict, rule): ``strict`` when the dependency must be complete before
    the rule is evaluated (read under negation, inside an aggregate, or by a computed rule)."""
    for c in compiled:
        for lit, inside in body_literals(c.body):
            yield c.head.pred, lit.atom.pred, lit.negated or inside or c.role == "computed", c


def _tarjan(nodes: list[str], edges: dict[str, list[str]]) -> dict[str, int]:
    """Strongly connected components: node -> component number (iterative, deterministic)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    comp: dict[str, int] = {}
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            succ = edges.get(node, [])
            if i < len(succ):
                work.append((node, i + 1))
                nxt = succ[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                cid = len(set(comp.values()))
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp[w] = cid
                    if w == node:
                        break
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return comp


def _has_recursion(compiled: list[CompiledRule], component: dict[str, int]) -> bool:
    """Whether some rule's body uses a predicate of the head's own component (recursion)."""
    return any(component.get(head) == component.get(dep) for head, dep, _, _ in _dependency_edges(compiled))


def _describe(pred: str) -> str:
    owner = internal_owner(pred)
    if owner is None:
        return pred
    if pred.startswith(COMPUTED):
        return f"rule '{owner}'"
    return f"exception '{owner}'" if pred.startswith(FIRES) else f"the overrides of '{owner}'"


def _check_stratification(compiled: list[CompiledRule], vocab: Vocabulary) -> dict[str, int]:
    edges: dict[str, list[str]] = defaultdict(list)
    nodes = set()
    for head, dep, _, _ in _dependency_edges(compiled):
        edges[head].append(dep)
        nodes.update((head, dep))
    for k in edges:
        edges[k] = sorted(set(edges[k]))
    comp = _tarjan(sorted(nodes), edges)
    for head, dep, negated, c in _dependency_edges(compiled):
        if negated and comp[head] == comp[dep]:
            cycle = sorted(p for p, s in comp.items() if s == comp[head])
            r = c.origin
            if c.role == "computed":
                raise StratificationError(
                    f"rule '{r.id}': its aggregate or built-in function reads {_describe(dep)}, which depends "
                    f"back on what the rule concludes (recursion through an aggregate or function: "
                    f"{', '.join(_describe(p) for p in cycle if internal_owner(p) != r.id)}); a figure computed "
                    f"from itself has no well-defined value", file=r.file, line=r.line, predicate=r.head.pred)
            raise StratificationError(
                f"rule '{r.id}': {_describe(head)} depends on 'not {_describe(dep)}', and "
                f"{_describe(dep)} depends back on {_describe(head)} (recursive cycle through negation: "
                f"{', '.join(_describe(p) for p in cycle)}); such a program has no well-defined answer",
                file=r.file, line=r.line, predicate=head)
    return comp


def _strata(compiled: list[CompiledRule], comp: dict[str, int]) -> dict[str, int]:
    """Stratum number of every derived predicate (0 = depends on no negation)."""
    stratum: dict[str, int] = {}
    heads = sorted({c.head.pred for c in compiled})
    for _ in range(len(heads) + 1):
        changed = False
        for head, dep, negated, _ in _dependency_edges(compiled):
            need = stratum.get(dep, 0) + (1 if negated else 0)
            if comp.get(head) == comp.get(dep) and not negated:
                need = stratum.get(dep, 0)
            if stratum.get(head, 0) < need:
                stratum[head] = need
                changed = True
        if not changed:
            break
    return {h: stratum.get(h, 0) for h in heads}
