"""Conclusions that cannot both be true, declared once and checked everywhere.

A knowledge base may declare, in ``constraints.yaml`` (manifest key ``constraints``), pairs of
conclusions the agreement never allows together::

    constraints:
      liable_and_exempt:
        says: A party is never both liable for a failure and exempt from liability for it.
        clauses: ["8.1", "9.1"]
        never_both: ["liable(P, B)", "exempt_from_liability(P, B)"]
      reduced_needs_liability:
        says: Liability is reduced only where JD Cloud is liable.
        clauses: ["8.1"]
        requires: {if: "liability_reduced_for_user_contribution(B, G)", then: "liable(jd_cloud, B)"}

      one_refund_outcome:
        says: A termination has one refund outcome.
        clauses: ["7.3"]
        unique: {of: "refund_outcome(T, K)", value: K}

The same file may declare, under ``outcomes:``, the situations the agreement must settle; the
audit (:mod:`kb.audit`) reports a *gap* where one arises and its outcome does not::

    outcomes:
      dispute_has_a_court:
        says: Once negotiation has failed, a party may sue on the dispute in some court.
        clauses: ["10.2"]
        when: ["contract_dispute(D)", "dispute_negotiation_failed_on(D, _)"]
        then: "may_sue(_, D, _)"

``never_both`` is violated where both patterns hold with the same values for their shared
variables; ``requires`` where the first holds and the second does not (a variable of the second that
the first does not bind stands for "some value"); ``unique`` where the pattern holds with two values of the variable named
``value`` for the same values of the others (a figure or a ground that has one value). Patterns are checked against the vocabulary when the knowledge base loads
(file and line on error). :func:`violations` checks an evaluation (every case of its facts in
question), and ``python -m kb test``, ``python -m kb check`` and the consistency sweep use it: a
violation names both conclusions with the rules and clauses that derived them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import KbError, VocabularyError
from .matching import ModelView, ground, match_body
from .syntax import IDENT_RE, parse_atom, parse_clause_ids
from .terms import Atom, Literal, Var, render_value
from .yamlio import Node, read_yaml, yaml_files


class ConstraintError(VocabularyError):
    kind = "constraint error"


@dataclass(frozen=True)
class Constraint:
    name: str
    says: str
    clauses: tuple[str, ...]
    first: Atom
    second: Atom
    requires: bool  # False: never both; True: the first requires the second
    file: str = ""
    line: int = 0
    unique: str | None = None  # the variable with one value (first and second are then the same
    #                            pattern, the second with that variable renamed)
    on_inputs: bool = False  # both patterns are facts a scenario states: checked when it loads

    @property
    def text(self) -> str:
        if self.unique:
            return f"{_shown(self.first)} has one {self.unique}"
        joint = "requires" if self.requires else "never together with"
        return f"{_shown(self.first)} {joint} {_shown(self.second)}"


@dataclass(frozen=True)
class Outcome:
    """A situation (``when``: patterns that hold together) the agreement must settle with a
    conclusion matching ``then`` (a variable of ``then`` not in ``when`` stands for some value)."""
    name: str
    says: str
    clauses: tuple[str, ...]
    when: tuple[Atom, ...]
    then: Atom
    file: str = ""
    line: int = 0

    @property
    def key(self) -> str | None:
        """The variable that names the case (the first of ``then`` that ``when`` binds)."""
        bound = {v for a in self.when for v in a.variables()}
        return next((v for v in self.then.variables() if v in bound and not v.startswith("_")), None)

    def shown_key(self, value, vocabulary) -> str:
        """A value of :attr:`key` as the kit writes it (a date as 2026-03-01)."""
        if self.key is None:
            return ""
        decl = vocabulary.predicate(self.then.pred)
        kind = next(spec.type.kind for a, spec in zip(self.then.args, decl.args)
                    if isinstance(a, Var) and a.name == self.key)
        return render_value(value, kind)

    def unsettled(self, model, kb) -> list[str]:
        """The values of :attr:`key` (as the kit writes them) for which ``when`` holds in
        ``model`` and no ``then`` does, sorted."""
        view = ModelView(model, kb.program)
        out = set()
        for s in match_body(tuple(Literal(a) for a in self.when), {}, view):
            if next(match_body((Literal(self.then),), s, view), None) is None:
                out.add(self.shown_key(s[self.key], kb.vocabulary) if self.key else "")
        return sorted(out)


@dataclass(frozen=True)
class Violation:
    constraint: Constraint
    first: str  # the conclusions as written
    second: str
    first_by: str  # how each was derived: "rule id [clauses]", or "not derived"
    second_by: str
    case: str = ""  # the facts in question established in the case, if any

    def __str__(self) -> str:
        return self.describe()

    def describe(self, said=None) -> str:
        """The violation in one line: its two conclusions as atoms ("X holds but Y does not"), or,
        with ``said`` (an atom's text -> its sentence), as sentences ("X but not that Y")."""
        c = self.constraint
        where = f" (in the case where {self.case})" if self.case else ""
        head = f"constraint {c.name} [{', '.join(c.clauses)}] violated{where}: "
        if said is None:
            if c.requires:
                return head + f"{self.first} holds (by {self.first_by}) but {self.second} does not: {c.says}"
            return head + f"{self.first} (by {self.first_by}) and {self.second} (by {self.second_by}) both hold: {c.says}"
        if c.requires:
            return head + f"{said(self.first)} (by {self.first_by}) but not that {said(self.second)}: {c.says}"
        return head + f"{said(self.first)} (by {self.first_by}) and {said(self.second)} (by {self.second_by}): {c.says}"


def _shown(atom: Atom) -> str:
    args = ["_" if isinstance(a, Var) and a.name.startswith("_") else str(a) for a in atom.args]
    return f"{atom.pred}({', '.join(args)})" if args else atom.pred


def load_constraints(path: Path, vocabulary, clauses, display=str) -> list[Constraint]:
    """Read and check the constraints of the constraints file (or folder of ``*.yaml``); [] when none."""
    return load_constraints_and_outcomes(path, vocabulary, clauses, display)[0]


def load_constraints_and_outcomes(path: Path, vocabulary, clauses, display=str) -> tuple[list[Constraint], list[Outcome]]:
    """Read and check the constraints file (or folder of ``*.yaml``): its constraints and its
    outcomes, each sorted by name."""
    out: list[Constraint] = []
    outcomes: list[Outcome] = []
    seen: dict[str, str] = {}
    for file in yaml_files(path):
        root = read_yaml(file, file=display(file), error=ConstraintError)
        if root.value is None:
            continue
        top = root.check_keys(("constraints", "outcomes"), "the constraints file", required=("constraints",),
                              error=ConstraintError)
        for section in ("constraints", "outcomes"):
            if section not in top:
                continue
            for name, node in top[section].mapping(section, ConstraintError).items():
                if not IDENT_RE.match(name):
                    raise node.fail(f"constraint name '{name}' must be a lowercase identifier", ConstraintError)
                if name in seen:
                    raise node.fail(f"constraint '{name}' is declared twice (first in {seen[name]})", ConstraintError)
                seen[name] = node.file
                if section == "constraints":
                    out.append(_load_one(name, node, vocabulary, clauses))
                else:
                    outcomes.append(_load_outcome(name, node, vocabulary, clauses))
    return sorted(out, key=lambda c: c.name), sorted(outcomes, key=lambda o: o.name)


def _says_and_clauses(name: str, items: dict, node: Node, clauses) -> tuple[str, tuple[str, ...]]:
    says = items["says"].text("says", ConstraintError)
    cnode = items["clauses"]
    raw = [c.text("a clause id", ConstraintError) for c in cnode.sequence("clauses", ConstraintError)]
    ids = parse_clause_ids(", ".join(raw), node.file, cnode.line) if raw else ()
    for cid in ids:
        if cid not in clauses:
            raise cnode.fail(f"constraint '{name}' names clause '{cid}', which does not exist", ConstraintError)
    return says, tuple(ids)


def _load_outcome(name: str, node: Node, vocabulary, clauses) -> Outcome:
    items = node.check_keys(("says", "clauses", "when", "then"), f"outcome '{name}'",
                            required=("says", "clauses", "when", "then"), error=ConstraintError)
    says, ids = _says_and_clauses(name, items, node, clauses)
    when = tuple(_distinct_anonymous(_pattern(n, vocabulary), k)
                 for k, n in enumerate(items["when"].sequence("when (patterns)", ConstraintError)))
    if not when:
        raise items["when"].fail(f"outcome '{name}': 'when' lists at least one pattern", ConstraintError)
    then = _distinct_anonymous(_pattern(items["then"], vocabulary), len(when))
    return Outcome(name, says, ids, when, then, node.file, node.line)


def _distinct_anonymous(atom: Atom, k: int) -> Atom:
    """``atom`` with its anonymous variables renamed apart from those of the other patterns (each
    pattern is parsed alone, so each numbers its own ``_``)."""
    return Atom(atom.pred, tuple(Var(f"_p{k}{a.name}") if isinstance(a, Var) and a.name.startswith("_") else a
                                 for a in atom.args))


def _load_one(name: str, node: Node, vocabulary, clauses) -> Constraint:
    items = node.check_keys(("says", "clauses", "never_both", "requires", "unique"), f"constraint '{name}'",
                            required=("says", "clauses"), error=ConstraintError)
    kinds = [k for k in ("never_both", "requires", "unique") if k in items]
    if len(kinds) != 1:
        raise node.fail(f"constraint '{name}' needs exactly one of 'never_both', 'requires' or 'unique'",
                        ConstraintError)
    says, ids = _says_and_clauses(name, items, node, clauses)
    if kinds[0] == "unique":
        parts = items["unique"].check_keys(("of", "value"), f"the 'unique' of constraint '{name}'",
                                           required=("of", "value"), error=ConstraintError)
        first = _pattern(parts["of"], vocabulary)
        value = parts["value"].text("value (a variable of the pattern)", ConstraintError).strip()
        if value not in first.variables():
            raise parts["value"].fail(f"'{value}' is not a variable of {_shown(first)}", ConstraintError)
        # the value, and every anonymous argument (``_``: any value, not the same one), vary
        second = Atom(first.pred, tuple(Var(a.name + "__other") if isinstance(a, Var) and
                                        (a.name == value or a.name.startswith("_")) else a for a in first.args))
        return Constraint(name, says, tuple(ids), first, second, False, node.file, node.line, value,
                          first.pred in vocabulary.inputs)
    if kinds[0] == "never_both":
        pair = items["never_both"].sequence("never_both (two conclusions)", ConstraintError)
        if len(pair) != 2:
            raise items["never_both"].fail("never_both lists exactly two conclusions", ConstraintError)
        first, second = (_pattern(n, vocabulary) for n in pair)
        requires = False
    else:
        parts = items["requires"].check_keys(("if", "then"), f"the 'requires' of constraint '{name}'",
                                             required=("if", "then"), error=ConstraintError)
        first, second = _pattern(parts["if"], vocabulary), _pattern(parts["then"], vocabulary)
        requires = True
    on_inputs = first.pred in vocabulary.inputs and second.pred in vocabulary.inputs
    return Constraint(name, says, tuple(ids), first, second, requires, node.file, node.line, None, on_inputs)


def _pattern(node: Node, vocabulary) -> Atom:
    text = node.text("a conclusion such as liable(P, B)", ConstraintError)
    try:
        atom = parse_atom(text, file=node.file, line=node.line)
        return vocabulary.coerce_atom(atom, file=node.file, line=node.line)
    except KbError as exc:
        raise ConstraintError(exc.message, file=node.file, line=node.line, suggestion=exc.suggestion) from None


def violations_in(model, kb, constraints: list[Constraint], explainer=None) -> list[Violation]:
    """The violations of ``constraints`` in one model (sorted); ``explainer`` (of the same model)
    names the rules that derived each conclusion."""
    view = ModelView(model, kb.program)
    render = kb.vocabulary.render
    out = []
    for c in constraints:
        if c.requires:
            for s in match_body((Literal(c.first),), {}, view):
                if next(match_body((Literal(c.second),), s, view), None) is None:
                    first = (c.first.pred, ground(c.first, s))
                    out.append(Violation(c, render(*first), _shown(_instantiate(c.second, s, kb)),
                                         _derived_by(explainer, first), "not derived"))
            continue
        body = (Literal(c.first), Literal(c.second))
        for s in match_body(body, {}, view):
            if c.unique and (s[c.unique] == s[c.unique + "__other"] or repr(s[c.unique]) > repr(s[c.unique + "__other"])):
                continue  # the same value, or the same pair the other way round
            first = (c.first.pred, ground(c.first, s))
            second_args = ground(c.second, s)
            second = render(c.second.pred, second_args) if second_args is not None else _shown(c.second)
            out.append(Violation(c, render(*first), second, _derived_by(explainer, first),
                                 "not derived" if c.requires else _derived_by(explainer, (c.second.pred, second_args))))
    return sorted(set(out), key=lambda v: (v.constraint.name, v.first, v.second))


def _instantiate(atom: Atom, s: dict, kb) -> Atom:
    """``atom`` with the variables ``s`` binds shown as the values they take (for messages)."""
    decl = kb.vocabulary.predicate(atom.pred)
    return Atom(atom.pred, tuple(Var(render_value(s[a.name], spec.type.kind)) if isinstance(a, Var) and a.name in s
                                 else a for a, spec in zip(atom.args, decl.args)))


def _derived_by(explainer, key) -> str:
    if explainer is None or key[1] is None:
        return "the rules"
    step = explainer.prove(key[0], key[1], frozenset())
    if step is None or step.rule is None:
        return "a fact of the scenario"
    return f"rule {step.rule.id} [{', '.join(step.rule.cites)}]"


def violations(evaluation) -> list[Violation]:
    """The violations of the knowledge base's constraints on conclusions in an evaluation: in its
    model, and in every case of its facts in question (each named by the facts it establishes).
    (Constraints between facts a scenario states are checked when the scenario is built.)"""
    kb = evaluation.kb
    checked = [c for c in kb.constraints if not c.on_inputs]
    if not checked:
        return []
    found = violations_in(evaluation.model, kb, checked, evaluation.explainer)
    if evaluation.scenario.unknown:
        render = kb.vocabulary.render
        for established, model in evaluation.worlds()[1:]:
            case = " and ".join(sorted(render(*k) for k in established)) + " established"
            for v in violations_in(model, kb, checked):
                found.append(Violation(v.constraint, v.first, v.second, v.first_by, v.second_by, case))
    return found


def check_facts(scenario, kb) -> None:
    """A scenario whose stated facts break a constraint between facts (two creation dates of one
    service, one termination asserted two ways ...) is bad input: a ScenarioError naming both
    facts and their lines. Facts in question count as stated here, each case being possible."""
    from .errors import ScenarioError

    checked = [c for c in kb.constraints if c.on_inputs]
    if not checked:
        return
    facts = list(scenario.facts) + list(scenario.unknown)
    model: dict[str, set] = {}
    lines: dict[tuple, int] = {}
    for f in facts:
        model.setdefault(f.key[0], set()).add(f.key[1])
        lines[f.key] = f.line
    found = violations_in({p: frozenset(rows) for p, rows in model.items()}, kb, checked)
    if found:
        v = found[0]
        render = kb.vocabulary.render
        at = {render(*k): line for k, line in lines.items()}
        where = [at.get(v.first), at.get(v.second)]
        shown = lambda text, line: f"{text} (line {line})" if line else text
        raise ScenarioError(f"{shown(v.first, where[0])} and {shown(v.second, where[1])} cannot both be stated: "
                            f"{v.constraint.says} (constraint {v.constraint.name})",
                            file=scenario.file, line=max(x or 0 for x in where) or None)
