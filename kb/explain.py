"""Explanations: why a conclusion holds, and why one does not.

:func:`explain` rebuilds a derivation tree from the evaluated model: each step
names its rule, the clause ids the rule cites and the quoted clause text, the
facts it rests on, the conditions it checked, and the exceptions that could
have defeated it (with why each did not apply, or which exception defeated
it). :func:`why_not` reports, for each rule that could conclude the question,
the first condition that fails, or the exception that defeats it.

Both render as plain text (stable: for the CLI and nbval), HTML (notebooks)
and JSON-ready dicts. Every list is sorted, so output never depends on
evaluation order or hash seeds.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field

from .clauses import ClauseTree
from .matching import (
    ModelView, Subst, aggregate_solutions, deepest_failure, evaluate_expr, ground, instantiate, match_body, unify,
)
from .program import BLOCKED, FIRES, Program
from .terms import (
    _PRECEDENCE, Aggregate, Atom, BinOp, Call, Comparison, Const, Literal, ParamRef, Rule, Var, aggregates_of, body_literals,
    expr_kind, params_of, render_value,
)
from .vocabulary import Vocabulary


# --- data ------------------------------------------------------------------------------

@dataclass
class RuleInfo:
    id: str
    gloss: str
    cites: list[str]
    quotes: list[tuple[str, str]]  # (clause id, quoted text)
    location: str

    @classmethod
    def of(cls, rule: Rule) -> "RuleInfo":
        return cls(rule.id, rule.gloss, list(rule.cites), [(q.clause, q.text) for q in rule.quotes],
                   rule.location)

    def to_json(self) -> dict:
        return {"id": self.id, "gloss": self.gloss, "cites": self.cites,
                "quotes": [{"clause": c, "text": t} for c, t in self.quotes], "location": self.location}


@dataclass
class Step:
    """One node of a derivation: a fact of the scenario, or a conclusion of a rule."""

    atom: str
    kind: str  # "fact" | "rule"
    rule: RuleInfo | None = None
    premises: list["Step"] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)  # negations and comparisons that held
    exceptions: list["ExceptionNote"] = field(default_factory=list)
    parameters: list[dict] = field(default_factory=list)  # the numbers from the text the rule used

    def clause_ids(self) -> set[str]:
        ids = set(self.rule.cites) if self.rule else set()
        for p in self.parameters:  # a number from the text is cited like the rule using it
            ids |= set(p["cites"])
        for p in self.premises:
            ids |= p.clause_ids()
        for e in self.exceptions:
            if e.defeated_by is not None:
                ids |= e.defeated_by.clause_ids()
        return ids

    def to_json(self) -> dict:
        out = {"atom": self.atom, "kind": self.kind}
        if self.rule:
            out["rule"] = self.rule.to_json()
        if self.conditions:
            out["conditions"] = self.conditions
        if self.exceptions:
            out["exceptions"] = [e.to_json() for e in self.exceptions]
        if self.parameters:
            out["parameters"] = self.parameters
        if self.premises:
            out["premises"] = [p.to_json() for p in self.premises]
        return out


@dataclass
class ExceptionNote:
    """An exception to the rule of a step: it did not apply, or it was itself defeated."""

    rule: RuleInfo
    status: str  # "did not apply" | "defeated"
    reason: str = ""
    defeated_by: Step | None = None

    def to_json(self) -> dict:
        out = {"exception": self.rule.to_json(), "status": self.status}
        if self.reason:
            out["reason"] = self.reason
        if self.defeated_by is not None:
            out["defeated_by"] = self.defeated_by.to_json()
        return out


class _Renderable:
    clauses: ClauseTree

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()


@dataclass(repr=False)
class Explanation(_Renderable):
    """Why a conclusion holds: the derivation tree and the clauses it relied on."""

    conclusion: str
    holds: bool
    root: Step | None
    clauses: ClauseTree = field(repr=False, default=None)
    note: str = ""  # e.g. that it holds whatever the facts in question

    def clause_ids(self) -> list[str]:
        """Every clause the derivation cites, in document order."""
        ids = self.root.clause_ids() if self.root else set()
        return _in_document_order(ids, self.clauses)

    def to_json(self) -> dict:
        out = {"conclusion": self.conclusion, "holds": self.holds,
               "derivation": self.root.to_json() if self.root else None,
               "clauses": [{"id": c, "text": self.clauses[c].text or self.clauses.full_text(c)}
                           for c in self.clause_ids()]}
        if self.note:
            out["note"] = self.note
        return out

    def to_text(self) -> str:
        if not self.holds or self.root is None:
            return f"{self.conclusion} does not hold (ask why_not for the reasons)."
        lines = [f"{self.conclusion} holds.{' ' + self.note if self.note else ''}"]
        _step_text(self.root, lines, "  ")
        lines.append("Clauses relied on:")
        for cid in self.clause_ids():
            lines.append(f"  {cid}: {_clause_text(self.clauses, cid)}")
        return "\n".join(lines)

    def to_html(self) -> str:
        if not self.holds or self.root is None:
            return f"<div class='kb-explanation'><b>{_h(self.conclusion)}</b> does not hold.</div>"
        parts = [f"<div class='kb-explanation'><p><b>{_h(self.conclusion)}</b> holds."
                 f"{' ' + _h(self.note) if self.note else ''}</p>",
                 _step_html(self.root), "<p>Clauses relied on:</p><ul>"]
        for cid in self.clause_ids():
            parts.append(f"<li><b>{_h(cid)}</b> {_h(_clause_text(self.clauses, cid))}</li>")
        parts.append("</ul></div>")
        return "".join(parts)


def _in_document_order(ids, clauses: ClauseTree) -> list[str]:
    order = {cid: i for i, cid in enumerate(clauses.ids())}
    return sorted(ids, key=lambda c: order.get(c, len(order)))


@dataclass(repr=False)
class OpenExplanation(_Renderable):
    """Why a conclusion is open: for each smallest set of facts in question under which it
    holds, its derivation in that case; for each under which it does not, why not."""

    conclusion: str
    cases: list  # (condition, Explanation or WhyNot), the conditions under which it holds first
    clauses: ClauseTree = field(repr=False, default=None)
    holds: bool = False  # not in every case

    def clause_ids(self) -> list[str]:
        ids: set[str] = set()
        for _, inner in self.cases:
            ids |= set(inner.clause_ids())
        return _in_document_order(ids, self.clauses)

    def to_json(self) -> dict:
        return {"conclusion": self.conclusion, "value": "open",
                "cases": [{"condition": c.to_json(), "holds": inner.holds, "explanation": inner.to_json()}
                          for c, inner in self.cases]}

    def to_text(self) -> str:
        lines = [f"{self.conclusion} is open: it holds in some cases of the facts in question and not in others."]
        for condition, inner in self.cases:
            outcome = "it holds" if inner.holds else "it does not hold"
            lines.append(f"If {condition}, {outcome}:")
            lines += ["  " + line for line in inner.to_text().splitlines()]
        return "\n".join(lines)

    def to_html(self) -> str:
        parts = [f"<div class='kb-explanation kb-open'><p><b>{_h(self.conclusion)}</b> is <b>open</b>: it holds in "
                 f"some cases of the facts in question and not in others.</p>"]
        for condition, inner in self.cases:
            outcome = "it holds" if inner.holds else "it does not hold"
            parts.append(f"<details open><summary>If {_h(str(condition))}, {outcome}</summary>{inner.to_html()}"
                         f"</details>")
        parts.append("</div>")
        return "".join(parts)


@dataclass
class Reason:
    """Why one rule does not conclude the question."""

    rule: RuleInfo
    failed: str  # the condition that fails, as read
    detail: str  # plain-language explanation of the failure
    satisfied: list[str] = field(default_factory=list)  # conditions that did hold before it
    defeated_by: Step | None = None
    nested: list["WhyNot"] = field(default_factory=list)

    def to_json(self) -> dict:
        out = {"rule": self.rule.to_json(), "failed": self.failed, "detail": self.detail,
               "satisfied": self.satisfied}
        if self.defeated_by is not None:
            out["defeated_by"] = self.defeated_by.to_json()
        if self.nested:
            out["nested"] = [n.to_json() for n in self.nested]
        return out


@dataclass(repr=False)
class WhyNot(_Renderable):
    """Why a question has no answer: for each rule that could conclude it, what is missing."""

    question: str
    holds: bool
    answers: list[str]
    reasons: list[Reason]
    note: str = ""
    clauses: ClauseTree = field(repr=False, default=None)

    def clause_ids(self) -> list[str]:
        ids: set[str] = set()
        for r in self.reasons:
            ids |= set(r.rule.cites)
            if r.defeated_by is not None:
                ids |= r.defeated_by.clause_ids()
        order = {cid: i for i, cid in enumerate(self.clauses.ids())}
        return sorted(ids, key=lambda c: order.get(c, len(order)))

    def to_json(self) -> dict:
        return {"question": self.question, "holds": self.holds, "answers": self.answers,
                "note": self.note, "reasons": [r.to_json() for r in self.reasons]}

    def to_text(self) -> str:
        lines: list[str] = []
        _why_not_text(self, lines, "")
        return "\n".join(lines)

    def to_html(self) -> str:
        return "<div class='kb-why-not'><pre>" + _h(self.to_text()) + "</pre></div>"


# --- building --------------------------------------------------------------------------

class Explainer:
    """Builds explanations against one evaluated model."""

    def __init__(self, program: Program, view: ModelView, clauses: ClauseTree, fact_lines: dict,
                 scenario=None, established: frozenset = frozenset()):
        self.program = program
        self.vocab: Vocabulary = program.vocabulary
        self.view = view
        self.clauses = clauses
        self.fact_lines = fact_lines
        self.scenario = scenario  # for the facts it denies and the facts in question
        self.established = established  # the facts in question established in the case explained
        self._proofs: dict[tuple, Step] = {}

    def input_status(self, pred: str, args: tuple | None) -> str:
        """How the scenario stands on an input fact that is not established: denied (with the
        line), in question, or simply not stated ("")."""
        if self.scenario is None or args is None:
            return ""
        key = (pred, args)
        denial = self.scenario.denial_of(key)
        if denial is not None:
            return f"denied in the scenario{f' (line {denial.line})' if denial.line else ''}"
        if self.scenario.is_unknown(key):
            return "in question, not established in this case"
        return ""

    def render(self, pred: str, args: tuple) -> str:
        return self.vocab.render(pred, args)

    # -- why
    def explain(self, atom: Atom) -> Explanation:
        args = ground(atom, {})
        text = self.render(atom.pred, args)
        step = self.prove(atom.pred, args, frozenset()) if self.view.holds(atom.pred, args) else None
        return Explanation(text, step is not None, step, self.clauses)

    def prove(self, pred: str, args: tuple, ancestors: frozenset) -> Step | None:
        key = (pred, args)
        if key in self._proofs:
            return self._proofs[key]
        if pred in self.vocab.inputs:
            if not self.view.holds(pred, args):
                return None
            line = self.fact_lines.get(key)
            where = f"fact of the scenario (line {line})" if line else "fact of the scenario"
            if key in self.established:
                where = "in question, established in this case"
            step = Step(self.render(pred, args), "fact", conditions=[where])
            self._proofs[key] = step
            return step
        ancestors = ancestors | {key}
        for rule in self.program.rules_for(pred):
            if rule.negated_head:
                continue
            step = self._prove_by(rule, args, ancestors)
            if step is not None:
                self._proofs[key] = step
                return step
        return None

    def _prove_by(self, rule: Rule, args: tuple, ancestors: frozenset) -> Step | None:
        subst = unify(rule.head.args, args, {})
        if subst is None:
            return None
        if rule.id in self.program.overrides and self.view.holds(BLOCKED + rule.id, args):
            return None
        if rule.overrides and not self.view.holds(FIRES + rule.id, args):
            return None
        body = self.program.body_of(rule)
        for s in match_body(body, subst, self.view):
            premises = []
            ok = True
            for item in body:
                if isinstance(item, Literal) and not item.negated:
                    sub_args = ground(item.atom, s)
                    if (item.atom.pred, sub_args) in ancestors:
                        ok = False
                        break
                    p = self.prove(item.atom.pred, sub_args, ancestors)
                    if p is None:
                        ok = False
                        break
                    premises.append(p)
            if ok:
                ok = self._aggregate_premises(body, s, ancestors, premises)
            if not ok:
                continue
            conditions = [self.describe_condition(i, s, rule) for i in body
                          if not (isinstance(i, Literal) and not i.negated)]
            shown = self.render(rule.head.pred, args)
            step = Step(f"not {shown}" if rule.negated_head else shown, "rule", RuleInfo.of(rule),
                        premises, conditions)
            step.exceptions = self._exception_notes(rule, args, ancestors)
            step.parameters = [self.parameter_used(name) for name in params_of(body)]
            return step
        return None

    def parameter_used(self, name: str) -> dict:
        """A parameter a derivation used: its value here (a reading may change it) and the clauses
        of that value."""
        param = self.program.params[name]
        reading = self.view.param_reading(name)
        if reading is not None:
            param = next(v for v in self.program.param_variants[name] if v.reading == reading)
        return {"name": name, "value": param.value, "cites": list(param.cites), "reading": reading}

    def _aggregate_premises(self, body, s: Subst, ancestors: frozenset, premises: list) -> bool:
        """Add the proofs of the atoms each aggregate of ``body`` counted (the items summed or
        counted) to ``premises``; False if one cannot be proved."""
        for item in body:
            for agg in aggregates_of(item):
                for inner in aggregate_solutions(agg, s, self.view):
                    for lit in agg.body:
                        if isinstance(lit, Literal) and not lit.negated:
                            sub_args = ground(lit.atom, inner)
                            if (lit.atom.pred, sub_args) in ancestors:
                                return False
                            p = self.prove(lit.atom.pred, sub_args, ancestors)
                            if p is None:
                                return False
                            if p not in premises:
                                premises.append(p)
        return True

    def _exception_notes(self, rule: Rule, args: tuple, ancestors: frozenset) -> list[ExceptionNote]:
        notes = []
        for exc in self.program.exceptions_of(rule.id):
            info = RuleInfo.of(exc)
            subst = unify(exc.head.args, args, {})
            body = self.program.body_of(exc)
            if subst is not None and any(True for _ in match_body(body, subst, self.view)):
                # its conditions held, so something defeated it
                defeater = None
                for e2 in self.program.exceptions_of(exc.id):
                    if self.view.holds(FIRES + e2.id, args):
                        defeater = self._prove_by(e2, args, ancestors)
                        if defeater is not None:
                            break
                notes.append(ExceptionNote(info, "defeated", "", defeater))
            else:
                reason = self.first_failure(exc, args) if subst is not None else "its conclusion does not match"
                notes.append(ExceptionNote(info, "did not apply", reason))
        return notes

    def first_failure(self, rule: Rule, args: tuple) -> str:
        subst = unify(rule.head.args, args, {}) or {}
        body = self.program.body_of(rule)
        pos, substs = deepest_failure(body, subst, self.view)
        if pos >= len(body):
            return "its conditions hold"
        return self.describe_failure(body[pos], substs[0], rule)

    # -- describing conditions
    def _var_kinds(self, rule: Rule) -> dict[str, str]:
        kinds: dict[str, str] = {}
        for item, _ in body_literals(rule.body):
            if not item.negated:
                decl = self.vocab.predicate(item.atom.pred)
                if decl is None:
                    continue
                for a, spec in zip(item.atom.args, decl.args):
                    if isinstance(a, Var):
                        kinds.setdefault(a.name, spec.type.kind)
        head_decl = self.vocab.predicate(rule.head.pred)
        if head_decl:
            for a, spec in zip(rule.head.args, head_decl.args):
                if isinstance(a, Var):
                    kinds.setdefault(a.name, spec.type.kind)
        # a variable bound by X = expr (an aggregate, a function, arithmetic) has the expression's kind
        changed = True
        while changed:
            changed = False
            for item in rule.body:
                if isinstance(item, Comparison) and item.op == "=":
                    for target, source in ((item.left, item.right), (item.right, item.left)):
                        if isinstance(target, Var) and target.name not in kinds:
                            kind = expr_kind(source, kinds)
                            if kind is not None:
                                kinds[target.name] = kind
                                changed = True
        return kinds

    def show_expr(self, e, subst: Subst, kinds: dict[str, str]) -> str:
        if isinstance(e, Var):
            if e.name in subst:
                return render_value(subst[e.name], kinds.get(e.name))
            return "_" if e.name.startswith("_") else e.name
        if isinstance(e, Const):
            return str(e)
        if isinstance(e, ParamRef):
            p = self.program.params[e.name]
            reading = self.view.param_reading(e.name)
            if reading is not None:
                variant = next(v for v in self.program.param_variants[e.name] if v.reading == reading)
                return f"{variant.value} (${p.name} under interpretation {reading}, {', '.join(variant.cites)})"
            return f"{p.value} (${p.name}, {', '.join(p.cites)})"
        if isinstance(e, BinOp):
            # parenthesise as BinOp.__str__ does, so "D - (P - 1)" keeps its meaning
            prec = _PRECEDENCE[e.op]
            left = self.show_expr(e.left, subst, kinds)
            right = self.show_expr(e.right, subst, kinds)
            if isinstance(e.left, BinOp) and _PRECEDENCE[e.left.op] < prec:
                left = f"({left})"
            if isinstance(e.right, BinOp) and _PRECEDENCE[e.right.op] <= prec:
                right = f"({right})"
            return f"{left} {e.op} {right}"
        if isinstance(e, Call):
            return f"{e.name}({', '.join(self.show_expr(a, subst, kinds) for a in e.args)})"
        if isinstance(e, Aggregate):
            inner = ", ".join(self.show_atom(i.atom, subst) if isinstance(i, Literal) and not i.negated
                              else f"not {self.show_atom(i.atom, subst)}" if isinstance(i, Literal)
                              else f"{self.show_expr(i.left, subst, kinds)} {i.op} {self.show_expr(i.right, subst, kinds)}"
                              for i in e.body)
            return f"{e.op}({', '.join(self.show_expr(t, subst, kinds) for t in e.terms)} : {inner})"
        return str(e)

    def show_atom(self, atom: Atom, subst: Subst) -> str:
        args = ground(atom, subst)
        if args is not None:
            return self.render(atom.pred, args)
        decl = self.vocab.predicate(atom.pred)
        kinds = [a.type.kind for a in decl.args] if decl else [None] * atom.arity
        shown = []
        for a, k in zip(atom.args, kinds):
            if isinstance(a, Var):
                shown.append(render_value(subst[a.name], k) if a.name in subst else
                             ("_" if a.name.startswith("_") else a.name))
            else:
                shown.append(render_value(a.value, k))
        return f"{atom.pred}({', '.join(shown)})" if shown else atom.pred

    def describe_condition(self, item, subst: Subst, rule: Rule) -> str:
        if isinstance(item, Literal):
            if item.atom.pred == "interpretation":
                return f"the interpretation {item.atom.args[0]} is not switched on"
            status = self.input_status(item.atom.pred, ground(item.atom, subst)) \
                if item.atom.pred in self.vocab.inputs else ""
            return f"not {self.show_atom(item.atom, subst)}: {status or 'no such fact or conclusion'}"
        kinds = self._var_kinds(rule)
        value = self._comparison_value(item, subst, kinds)
        return f"{item} holds: {value}"

    def _comparison_value(self, item: Comparison, subst: Subst, kinds: dict[str, str]) -> str:
        left = self.show_expr(item.left, subst, kinds)
        right = self.show_expr(item.right, subst, kinds)
        extra = ""
        for side in (item.left, item.right):
            if isinstance(side, (BinOp, Call, Aggregate)):
                v = evaluate_expr(side, subst, self.view)
                kind = expr_kind(side, kinds)
                if isinstance(side, Aggregate):
                    extra += f" ({self._aggregate_items(side, subst, kinds, v)})"
                elif v is not None:
                    extra += f" (= {render_value(v, kind)})"
                else:
                    extra += " (no value)"
        return f"{left} {item.op} {right}{extra}"

    def _aggregate_items(self, agg: Aggregate, subst: Subst, kinds: dict[str, str], value) -> str:
        """What an aggregate counted, and its value: ``= 65.50 = 30.00 + 30.00 + 5.50 over pay(p1, a, 30.00),
        ...``; sorted, so the text is stable."""
        solutions = aggregate_solutions(agg, subst, self.view)
        atoms = [", ".join(self.show_atom(i.atom, s) for i in agg.body if isinstance(i, Literal) and not i.negated)
                 for s in solutions]
        kind = expr_kind(agg, kinds)
        shown = "no value" if value is None else f"= {render_value(value, kind)}"
        if not solutions:
            return f"{shown}: nothing to {'count' if agg.op == 'count' else agg.op}"
        if agg.op == "sum" and len(solutions) > 1:
            terms = [render_value(s.get(agg.terms[0].name) if isinstance(agg.terms[0], Var) else agg.terms[0].value,
                                  kind) for s in solutions]
            shown += " = " + " + ".join(terms)
        return f"{shown}, over {'; '.join(atoms)}"

    def describe_failure(self, item, subst: Subst, rule: Rule) -> str:
        if isinstance(item, Literal) and item.atom.pred == "interpretation":
            reading = item.atom.args[0]
            return (f"the interpretation {reading} is switched on" if item.negated
                    else f"the interpretation {reading} is not switched on")
        if isinstance(item, Literal):
            shown = self.show_atom(item.atom, subst)
            if item.negated:
                return f"not {shown} fails: {shown} holds"
            if item.atom.pred in self.vocab.inputs:
                status = self.input_status(item.atom.pred, ground(item.atom, subst))
                if not status and self.scenario is not None:
                    status = self._pattern_status(item.atom, subst)
                return f"{shown} is {status}" if status else f"{shown} is not a fact of the scenario"
            return f"{shown} does not hold"
        return f"{item} is false: {self._comparison_value(item, subst, self._var_kinds(rule))}"

    def _pattern_status(self, atom: Atom, subst: Subst) -> str:
        """For an input atom with unbound arguments: whether the scenario denies every fact it
        could match (``migration_notice(m1, _)``)."""
        values = tuple(subst.get(a.name) if isinstance(a, Var) else a.value for a in atom.args)
        for denial in self.scenario.denied:
            if denial.atom.pred == atom.pred and all(
                    isinstance(d, Var) or (v is not None and d.value == v) for d, v in zip(denial.atom.args, values)):
                return f"denied in the scenario{f' (line {denial.line})' if denial.line else ''}"
        return ""

    # -- why not
    def why_not(self, pattern: Atom, depth: int = 0, seen: frozenset = frozenset()) -> WhyNot:
        question = self.show_atom(pattern, {})
        answers = []
        for row in self.view.tuples(pattern.pred):
            if len(row) == pattern.arity and unify(pattern.args, row, {}) is not None:
                answers.append(self.render(pattern.pred, row))
        if answers:
            return WhyNot(question, True, answers, [], "it holds", self.clauses)
        if pattern.pred in self.vocab.inputs:
            status = self.input_status(pattern.pred, tuple(_pattern_values(pattern))) if pattern.is_ground() else ""
            note = f"it is an input: {status}" if status else "it is an input: no such fact in the scenario"
            return WhyNot(question, False, [], [], note, self.clauses)
        seen = seen | {question}
        reasons = []
        for rule in self.program.rules_for(pattern.pred):
            if rule.negated_head:
                continue
            head_subst = unify(rule.head.args, tuple(_pattern_values(pattern)), {}) \
                if pattern.is_ground() else _unify_pattern(rule.head, pattern)
            if head_subst is None:
                continue
            reasons.append(self._rule_reason(rule, head_subst, depth, seen))
        note = "" if reasons else "no rule concludes it"
        return WhyNot(question, False, [], reasons, note, self.clauses)

    def _rule_reason(self, rule: Rule, subst: Subst, depth: int, seen: frozenset) -> Reason:
        body = self.program.body_of(rule)
        pos, substs = deepest_failure(body, subst, self.view)
        s = substs[0] if substs else subst
        satisfied = [self.show_atom(i.atom, s) if isinstance(i, Literal) and not i.negated
                     else self.describe_condition(i, s, rule) for i in body[:max(pos, 0)]]
        info = RuleInfo.of(rule)
        if pos >= len(body):
            args = ground(rule.head, s)
            for exc in self.program.exceptions_of(rule.id):
                if args is not None and self.view.holds(FIRES + exc.id, args):
                    proof = self._prove_by(exc, args, frozenset())
                    return Reason(info, f"defeated by exception '{exc.id}'",
                                  f"its conditions hold, but exception '{exc.id}' "
                                  f"({', '.join(exc.cites)}) defeats it", satisfied, proof)
            return Reason(info, "(none)", "its conditions hold", satisfied)
        item = body[pos]
        reason = Reason(info, str(item), self.describe_failure(item, s, rule), satisfied)
        if isinstance(item, Literal) and not item.negated and item.atom.pred not in self.vocab.inputs \
                and depth < 3:
            sub = instantiate(item.atom, s)
            key = self.show_atom(sub, {})
            if key not in seen:
                reason.nested.append(self.why_not(sub, depth + 1, seen))
        if isinstance(item, Literal) and item.negated:
            args = ground(item.atom, s)
            if args is not None:
                proof = self.prove(item.atom.pred, args, frozenset())
                if proof is not None:
                    reason.defeated_by = proof
        return reason



def _pattern_values(pattern: Atom):
    return [a.value for a in pattern.args]


def _unify_pattern(head: Atom, pattern: Atom) -> Subst | None:
    """Bind the head's variables to the pattern's constants (pattern variables stay free)."""
    subst: Subst = {}
    for h, p in zip(head.args, pattern.args):
        if isinstance(p, Var):
            continue
        if isinstance(h, Var):
            if h.name in subst and subst[h.name] != p.value:
                return None
            subst[h.name] = p.value
        elif h.value != p.value:
            return None
    return subst


# --- rendering ------------------------------------------------------------------------

def _h(s: str) -> str:
    return html.escape(s, quote=True)


def _clause_text(clauses: ClauseTree, cid: str) -> str:
    c = clauses[cid]
    return c.text or c.heading or clauses.full_text(cid)


def _rule_line(rule: RuleInfo) -> str:
    return f"rule {rule.id} [{', '.join(rule.cites)}]: {rule.gloss}"


def _step_text(step: Step, lines: list[str], indent: str) -> None:
    if step.kind == "fact":
        lines.append(f"{indent}{step.atom}  <- {step.conditions[0]}")
        return
    lines.append(f"{indent}{step.atom}")
    lines.append(f"{indent}  by {_rule_line(step.rule)}")
    for clause, text in step.rule.quotes:
        lines.append(f'{indent}    {clause}: "{text}"')
    for cond in step.conditions:
        lines.append(f"{indent}  condition: {cond}")
    for note in step.exceptions:
        head = f"{indent}  exception {note.rule.id} [{', '.join(note.rule.cites)}] {note.status}"
        if note.status == "did not apply":
            lines.append(f"{head}: {note.reason}")
        else:
            lines.append(f"{head} by:")
            if note.defeated_by is not None:
                _step_text(note.defeated_by, lines, indent + "    ")
    for p in step.premises:
        _step_text(p, lines, indent + "  ")


def _step_html(step: Step) -> str:
    if step.kind == "fact":
        return f"<div class='kb-step kb-fact'><code>{_h(step.atom)}</code> &larr; {_h(step.conditions[0])}</div>"
    rule = step.rule
    parts = [f"<details open class='kb-step'><summary><code>{_h(step.atom)}</code> &mdash; rule "
             f"<b>{_h(rule.id)}</b> [{_h(', '.join(rule.cites))}]: {_h(rule.gloss)}</summary>",
             "<div style='margin-left:1.5em'>"]
    for clause, text in rule.quotes:
        parts.append(f"<blockquote><b>{_h(clause)}</b> &ldquo;{_h(text)}&rdquo;</blockquote>")
    for cond in step.conditions:
        parts.append(f"<div>condition: {_h(cond)}</div>")
    for note in step.exceptions:
        parts.append(f"<div>exception <b>{_h(note.rule.id)}</b> [{_h(', '.join(note.rule.cites))}] "
                     f"{_h(note.status)}{': ' + _h(note.reason) if note.reason else ''}</div>")
        if note.defeated_by is not None:
            parts.append(_step_html(note.defeated_by))
    for p in step.premises:
        parts.append(_step_html(p))
    parts.append("</div></details>")
    return "".join(parts)


def _why_not_text(w: WhyNot, lines: list[str], indent: str) -> None:
    if w.holds:
        lines.append(f"{indent}{w.question} holds: {'; '.join(w.answers)}")
        return
    lines.append(f"{indent}{w.question} does not hold{': ' + w.note if w.note else '.'}")
    for r in w.reasons:
        lines.append(f"{indent}  {_rule_line(r.rule)}")
        for s in r.satisfied:
            lines.append(f"{indent}    holds: {s}")
        lines.append(f"{indent}    fails: {r.detail}")
        if r.defeated_by is not None:
            _step_text(r.defeated_by, lines, indent + "      ")
        for n in r.nested:
            _why_not_text(n, lines, indent + "      ")
