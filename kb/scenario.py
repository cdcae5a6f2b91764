"""Scenarios: validated sets of facts, with optional expectations.

A scenario file reads as a small legal test case::

    scenario: "DDoS outage: liability open on whether the attack was foreseeable, 9.2"
    description: A DDoS attack takes the cluster down; nobody knows yet if it could be foreseen.
    facts:                      # stated: established
      - event(attack, ddos_attack)
      - breach(jd_cloud, outage)
      - breach_caused_by(outage, attack)
    denied:                     # denied: established as not so ("_" stands for any value)
      - migration_notice(m1, _)
    unknown:                    # in question: may turn out either way
      - criterion_not_met(attack, unforeseeable)
    expect:
      - holds: breach(jd_cloud, outage)
      - open: liable(jd_cloud, outage)
        decided_by: ["criterion_not_met(attack, unforeseeable)"]
      - does_not_hold: exempt_from_liability(user, outage)

Facts not mentioned are false, as denied ones are; denied facts are shown as denied in
explanations and never proposed by the flip search. Facts are written in the rule language's
atom syntax and checked against the vocabulary (predicate, arity, types, real dates). A fact
both stated and denied (or in question) is an error. Expectations say what must hold (in every
case of the facts in question; optionally with exactly the clause ids its explanation cites),
what must not (in no case), and what is open (holds in some cases only; optionally with the
facts in question that decide it, ``decided_by``, or the smallest sets of them under which it
holds, ``holds_if``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Union

from .errors import KbError, ScenarioError
from .syntax import parse_atom, parse_clause_ids
from .terms import Atom, Const, Var, render_value
from .vocabulary import Vocabulary
from .yamlio import Node, read_yaml


@dataclass(frozen=True)
class Fact:
    atom: Atom  # ground, values in engine encoding
    line: int = 0

    @property
    def key(self) -> tuple[str, tuple]:
        return (self.atom.pred, tuple(a.value for a in self.atom.args))

    @property
    def is_interpretation(self) -> bool:
        return self.atom.pred == "interpretation"


@dataclass(frozen=True)
class Denial:
    """A fact the scenario denies: ``atom`` may hold anonymous variables, "whatever the value"
    (``migration_notice(m1, _)``: no notice of m1 was given)."""

    atom: Atom
    line: int = 0

    def matches(self, key: tuple[str, tuple]) -> bool:
        pred, values = key
        return pred == self.atom.pred and len(values) == self.atom.arity and all(
            isinstance(a, Var) or a.value == v for a, v in zip(self.atom.args, values))


@dataclass(frozen=True)
class Expectation:
    atom: Atom  # pattern; may contain variables
    holds: bool  # holds in every case (True), or in none (False); see ``open``
    cites: tuple[str, ...] | None = None
    line: int = 0
    open: bool = False  # holds in some cases of the facts in question and not in others
    decided_by: tuple[str, ...] | None = None  # the facts in question that decide it, as written, sorted
    holds_if: tuple[tuple[tuple[str, bool], ...], ...] | None = None  # its smallest deciding sets, sorted

    @property
    def outcome(self) -> str:
        return "open" if self.open else "yes" if self.holds else "no"


@dataclass(frozen=True)
class Scenario:
    name: str
    facts: tuple[Fact, ...]
    expectations: tuple[Expectation, ...] = ()
    description: str = ""
    file: str = "<scenario>"
    denied: tuple[Denial, ...] = ()
    unknown: tuple[Fact, ...] = ()  # facts in question

    def fact_keys(self) -> frozenset[tuple[str, tuple]]:
        return frozenset(f.key for f in self.facts)

    def unknown_keys(self) -> tuple[tuple[str, tuple], ...]:
        return tuple(f.key for f in self.unknown)

    def denial_of(self, key: tuple[str, tuple]) -> Denial | None:
        """The denial that covers this fact, if the scenario denies it."""
        return next((d for d in self.denied if d.matches(key)), None)

    def is_unknown(self, key: tuple[str, tuple]) -> bool:
        return any(f.key == key for f in self.unknown)

    @property
    def interpretations(self) -> tuple[str, ...]:
        """The named interpretations the scenario switches on, sorted."""
        return tuple(sorted(f.atom.args[0].value for f in self.facts if f.is_interpretation))

    def with_facts(self, atoms: list[Atom], name: str | None = None, unknown: list[Atom] | None = None
                   ) -> "Scenario":
        """A copy with ``atoms`` (already validated) as its facts (and ``unknown`` as the facts in
        question, when given); the denials are kept."""
        in_question = self.unknown if unknown is None else tuple(Fact(a) for a in unknown)
        return Scenario(name or self.name, tuple(Fact(a) for a in atoms), (), self.description, self.file,
                        self.denied, in_question)


def _parse_fact(text: str, vocab: Vocabulary, file: str, line: int) -> Atom:
    atom = parse_atom(text, file=file, line=line, allow_vars=False)
    return vocab.coerce_atom(atom, file=file, line=line, role="input")


def build_scenario(facts: list[Union[str, Atom]], vocab: Vocabulary, *, name: str = "scenario",
                   file: str = "<scenario>", denied: list[Union[str, Atom]] = (),
                   unknown: list[Union[str, Atom]] = ()) -> Scenario:
    """A scenario from fact strings such as ``"event(quake, earthquake)"`` or Atoms, with the
    facts it denies (``_`` for any value) and the facts in question."""
    for what, items in (("facts", facts), ("denied", denied), ("unknown", unknown)):
        if isinstance(items, str):
            raise ScenarioError(f"give the {what} as a list of strings, not one string", file=file)
    stated = _build_facts(list(facts), vocab, file, "fact")
    in_question = _build_facts(list(unknown), vocab, file, "fact in question")
    denials = []
    for i, d in enumerate(denied, start=1):
        if isinstance(d, Atom):
            atom = vocab.coerce_atom(d, file=file, line=None, role="input")
        elif isinstance(d, str):
            atom = _parse_denial(d, vocab, file, i)
        else:
            raise ScenarioError(f"a denied fact must be a string such as \"migration_notice(m1, _)\", "
                                f"got {type(d).__name__}", file=file)
        denials.append(Denial(atom, 0))
    scenario = Scenario(name, tuple(stated), file=file, denied=tuple(denials), unknown=tuple(in_question))
    check_consistency(scenario, vocab)
    return scenario


def _build_facts(items: list, vocab: Vocabulary, file: str, what: str) -> list[Fact]:
    out: list[Fact] = []
    seen: dict[tuple, int] = {}
    for i, f in enumerate(items, start=1):
        if isinstance(f, Atom):
            atom = vocab.coerce_atom(f, file=file, line=None, role="input")
            if not atom.is_ground():
                raise ScenarioError(f"{what} {atom} has a variable: facts must be ground", file=file)
        elif isinstance(f, str):
            atom = _parse_fact(f, vocab, file, i)
        else:
            raise ScenarioError(f"a {what} must be a string such as \"event(quake, earthquake)\", "
                                f"got {type(f).__name__}", file=file)
        fact = Fact(atom, 0)
        if fact.key in seen:
            raise ScenarioError(f"duplicate {what} {vocab.render(*fact.key)} (first given as {what} {seen[fact.key]})",
                                file=file, line=i)
        seen[fact.key] = i
        out.append(fact)
    return out


def _parse_denial(text: str, vocab: Vocabulary, file: str, line: int) -> Atom:
    atom = parse_atom(text, file=file, line=line)
    named = [a.name for a in atom.args if isinstance(a, Var) and not a.name.startswith("_")]
    if named:
        raise ScenarioError(f"a denied fact may use '_' for \"any value\", not a named variable ({named[0]})",
                            file=file, line=line)
    if atom.pred == "interpretation":
        raise ScenarioError("an interpretation is switched on under 'interpretations:', not denied", file=file,
                            line=line)
    return vocab.coerce_atom(atom, file=file, line=line, role="input")


def check_consistency(scenario: Scenario, vocab: Vocabulary) -> None:
    """A fact may be stated, denied or in question, not two of these."""
    unknown = {f.key: f for f in scenario.unknown}
    for fact in scenario.facts:
        denial = scenario.denial_of(fact.key)
        if denial is not None:
            raise ScenarioError(f"{vocab.render(*fact.key)} is both stated{_at(fact.line)} and denied{_at(denial.line)}",
                                file=scenario.file, line=max(fact.line, denial.line) or None)
        if fact.key in unknown:
            other = unknown[fact.key]
            raise ScenarioError(f"{vocab.render(*fact.key)} is both stated{_at(fact.line)} and in question"
                                f"{_at(other.line)}", file=scenario.file, line=max(fact.line, other.line) or None)
    for fact in scenario.unknown:
        if fact.is_interpretation:
            raise ScenarioError("an interpretation is switched on under 'interpretations:', not put in question",
                                file=scenario.file, line=fact.line or None)
        denial = scenario.denial_of(fact.key)
        if denial is not None:
            raise ScenarioError(f"{vocab.render(*fact.key)} is both in question{_at(fact.line)} and denied"
                                f"{_at(denial.line)}", file=scenario.file, line=max(fact.line, denial.line) or None)


def _at(line: int) -> str:
    return f" (line {line})" if line else ""


def load_scenario(source: Union[str, Path], vocab: Vocabulary, *, file: str | None = None) -> Scenario:
    """Read and validate a scenario file (a Path) or YAML text (a str)."""
    root = read_yaml(source, file=file)
    name_file = root.file
    if root.value is None:
        raise ScenarioError("the scenario file is empty", file=name_file, line=1)
    top = root.check_keys(("scenario", "description", "interpretations", "facts", "denied", "unknown", "expect"),
                          "a scenario", required=("scenario", "facts"))
    title = top["scenario"].text("scenario (its name)")
    description = top["description"].text("description") if "description" in top and \
        top["description"].value is not None else ""
    facts: list[Fact] = []
    seen: dict[tuple, int] = {}
    fact_nodes = [] if top["facts"].value is None else top["facts"].sequence("facts")
    for node in fact_nodes:
        text = node.text("a fact")
        atom = _parse_fact(text, vocab, node.file, node.line)
        fact = Fact(atom, node.line)
        if fact.key in seen:
            raise ScenarioError(f"duplicate fact {text.strip()} (first given on line {seen[fact.key]})",
                                file=node.file, line=node.line)
        seen[fact.key] = node.line
        facts.append(fact)
    if "interpretations" in top and top["interpretations"].value is not None:
        for node in top["interpretations"].sequence("interpretations"):
            name = node.text("an interpretation name").strip()
            atom = vocab.coerce_atom(Atom("interpretation", (Const(name, "symbol"),)), file=node.file,
                                     line=node.line, role="input") if "interpretation" in vocab.inputs else None
            if atom is None:
                raise node.fail("this knowledge base declares no interpretations")
            fact = Fact(atom, node.line)
            if fact.key in seen:
                raise ScenarioError(f"interpretation '{name}' given twice", file=node.file, line=node.line)
            seen[fact.key] = node.line
            facts.append(fact)
    unknown: list[Fact] = []
    seen_unknown: dict[tuple, int] = {}
    if "unknown" in top and top["unknown"].value is not None:
        for node in top["unknown"].sequence("unknown (the facts in question)"):
            text = node.text("a fact in question")
            fact = Fact(_parse_fact(text, vocab, node.file, node.line), node.line)
            if fact.key in seen_unknown:
                raise ScenarioError(f"{text.strip()} is in question twice (first on line {seen_unknown[fact.key]})",
                                    file=node.file, line=node.line)
            seen_unknown[fact.key] = node.line
            unknown.append(fact)
    denied: list[Denial] = []
    if "denied" in top and top["denied"].value is not None:
        for node in top["denied"].sequence("denied"):
            denied.append(Denial(_parse_denial(node.text("a denied fact"), vocab, node.file, node.line), node.line))
    expectations = []
    if "expect" in top and top["expect"].value is not None:
        for node in top["expect"].sequence("expect"):
            expectations.append(_load_expectation(node, vocab))
    scenario = Scenario(title, tuple(facts), tuple(expectations), description, name_file, tuple(denied),
                        tuple(unknown))
    check_consistency(scenario, vocab)
    return scenario


def _load_expectation(node: Node, vocab: Vocabulary) -> Expectation:
    items = node.check_keys(("holds", "does_not_hold", "open", "cites", "decided_by", "holds_if"), "an expectation")
    kinds = [k for k in ("holds", "does_not_hold", "open") if k in items]
    if len(kinds) != 1:
        raise node.fail("an expectation needs exactly one of 'holds', 'does_not_hold' or 'open'")
    key = kinds[0]
    text = items[key].text(key)
    atom = parse_atom(text, file=node.file, line=items[key].line)
    try:
        atom = vocab.coerce_atom(atom, file=node.file, line=items[key].line)
    except KbError:
        raise
    cites = None
    if "cites" in items:
        if key != "holds":
            raise items["cites"].fail("'cites' goes with 'holds' (what does not hold has no derivation)")
        cnode = items["cites"]
        raw = [c.text("a clause id") for c in cnode.sequence("cites")] if isinstance(cnode.value, list) \
            else [cnode.text("cites")]
        cites = tuple(sorted(parse_clause_ids(", ".join(raw), node.file, cnode.line)))
    for extra in ("decided_by", "holds_if"):
        if extra in items and key != "open":
            raise items[extra].fail(f"'{extra}' goes with 'open' (only an open answer is decided by facts in question)")
    decided_by = None
    if "decided_by" in items:
        dnode = items["decided_by"]
        decided_by = tuple(sorted(vocab.render(*_fact_key(_parse_fact(n.text("a fact in question"), vocab, n.file,
                                                                      n.line)))
                                  for n in dnode.sequence("decided_by (the facts in question that decide it)")))
    holds_if = None
    if "holds_if" in items:
        conditions = []
        for cnode in items["holds_if"].sequence("holds_if (the smallest sets of facts under which it holds)"):
            parts = cnode.sequence("a condition") if isinstance(cnode.value, list) else [cnode]
            literals = []
            for part in parts:
                text = part.text("a fact in question, or 'not' and one").strip()
                on = not text.startswith("not ")
                fact = _parse_fact(text[4:] if not on else text, vocab, part.file, part.line)
                literals.append((vocab.render(*_fact_key(fact)), on))
            conditions.append(tuple(sorted(literals)))
        holds_if = tuple(sorted(conditions, key=lambda c: (len(c), c)))
    return Expectation(atom, key == "holds", cites, items[key].line, key == "open", decided_by, holds_if)


def _fact_key(atom: Atom) -> tuple[str, tuple]:
    return (atom.pred, tuple(a.value for a in atom.args))


def scenario_to_yaml(scenario: Scenario, vocab: Vocabulary) -> str:
    """The scenario as YAML text (facts only, sorted), loadable by :func:`load_scenario`."""
    lines = [f"scenario: {_yaml_str(scenario.name)}"]
    if scenario.description:
        lines.append(f"description: {_yaml_str(scenario.description)}")
    if scenario.interpretations:
        lines.append("interpretations:")
        lines.extend(f"  - {name}" for name in scenario.interpretations)
    lines.append("facts:")
    for key in sorted({f.key for f in scenario.facts if not f.is_interpretation},
                      key=lambda k: (k[0], [str(v) for v in k[1]])):
        lines.append(f"  - {_yaml_str(vocab.render(*key))}")
    if lines[-1] == "facts:":
        lines[-1] = "facts: []"
    if scenario.denied:
        lines.append("denied:")
        lines.extend(f"  - {_yaml_str(text)}" for text in sorted(denial_text(d, vocab) for d in scenario.denied))
    if scenario.unknown:
        lines.append("unknown:")
        lines.extend(f"  - {_yaml_str(text)}" for text in sorted(vocab.render(*f.key) for f in scenario.unknown))
    return "\n".join(lines) + "\n"


def denial_text(denial: Denial, vocab: Vocabulary) -> str:
    """A denied fact as it is written (``_`` for any value)."""
    decl = vocab.predicate(denial.atom.pred)
    shown = ["_" if isinstance(a, Var) else render_value(a.value, spec.type.kind)
             for a, spec in zip(denial.atom.args, decl.args)]
    return f"{denial.atom.pred}({', '.join(shown)})" if shown else denial.atom.pred


def _yaml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


__all__ = ["Denial", "Fact", "Expectation", "Scenario", "build_scenario", "check_consistency", "denial_text",
           "load_scenario", "scenario_to_yaml"]
