"""Scenarios: validated sets of facts, with optional expectations.

A scenario file reads as a small legal test case::

    scenario: "earthquake outage: provider not liable, 9.1"
    description: An earthquake destroys the data centre; the cluster is down three days.
    facts:
      - event_kind(quake, earthquake)
      - unforeseeable(quake)
    expect:
      - holds: not_liable(jd_cloud, quake)
        cites: [9.1, 9.2]
      - does_not_hold: liable(jd_cloud, quake)

Facts are written in the rule language's atom syntax and checked against the
vocabulary (predicate, arity, types, real dates). Expectations say what must
hold (optionally with exactly the clause ids its explanation cites) and what
must not.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Union

from .errors import KbError, ScenarioError
from .syntax import parse_atom, parse_clause_ids
from .terms import Atom, Const
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
class Expectation:
    atom: Atom  # pattern; may contain variables
    holds: bool
    cites: tuple[str, ...] | None = None
    line: int = 0


@dataclass(frozen=True)
class Scenario:
    name: str
    facts: tuple[Fact, ...]
    expectations: tuple[Expectation, ...] = ()
    description: str = ""
    file: str = "<scenario>"

    def fact_keys(self) -> frozenset[tuple[str, tuple]]:
        return frozenset(f.key for f in self.facts)

    @property
    def interpretations(self) -> tuple[str, ...]:
        """The named interpretations the scenario switches on, sorted."""
        return tuple(sorted(f.atom.args[0].value for f in self.facts if f.is_interpretation))

    def with_facts(self, atoms: list[Atom], name: str | None = None) -> "Scenario":
        """A copy with ``atoms`` (already validated) as its facts."""
        return Scenario(name or self.name, tuple(Fact(a) for a in atoms), (), self.description, self.file)


def _parse_fact(text: str, vocab: Vocabulary, file: str, line: int) -> Atom:
    atom = parse_atom(text, file=file, line=line, allow_vars=False)
    return vocab.coerce_atom(atom, file=file, line=line, role="input")


def build_scenario(facts: list[Union[str, Atom]], vocab: Vocabulary, *, name: str = "scenario",
                   file: str = "<scenario>") -> Scenario:
    """A scenario from fact strings such as ``"event_kind(quake, earthquake)"`` or Atoms."""
    out: list[Fact] = []
    seen: dict[tuple, int] = {}
    for i, f in enumerate(facts, start=1):
        if isinstance(f, Atom):
            atom = vocab.coerce_atom(f, file=file, line=None, role="input")
            if not atom.is_ground():
                raise ScenarioError(f"fact {atom} has a variable: facts must be ground", file=file)
        elif isinstance(f, str):
            atom = _parse_fact(f, vocab, file, i)
        else:
            raise ScenarioError(f"a fact must be a string such as \"event_kind(quake, earthquake)\", "
                                f"got {type(f).__name__}", file=file)
        fact = Fact(atom, 0)
        if fact.key in seen:
            raise ScenarioError(f"duplicate fact {vocab.render(*fact.key)} (first given as fact {seen[fact.key]})",
                                file=file, line=i)
        seen[fact.key] = i
        out.append(fact)
    return Scenario(name, tuple(out), file=file)


def load_scenario(source: Union[str, Path], vocab: Vocabulary, *, file: str | None = None) -> Scenario:
    """Read and validate a scenario file (a Path) or YAML text (a str)."""
    root = read_yaml(source, file=file)
    name_file = root.file
    if root.value is None:
        raise ScenarioError("the scenario file is empty", file=name_file, line=1)
    top = root.check_keys(("scenario", "description", "interpretations", "facts", "expect"), "a scenario",
                          required=("scenario", "facts"))
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
    expectations = []
    if "expect" in top and top["expect"].value is not None:
        for node in top["expect"].sequence("expect"):
            expectations.append(_load_expectation(node, vocab))
    return Scenario(title, tuple(facts), tuple(expectations), description, name_file)


def _load_expectation(node: Node, vocab: Vocabulary) -> Expectation:
    items = node.check_keys(("holds", "does_not_hold", "cites"), "an expectation")
    kinds = [k for k in ("holds", "does_not_hold") if k in items]
    if len(kinds) != 1:
        raise node.fail("an expectation needs exactly one of 'holds' or 'does_not_hold'")
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
    return Expectation(atom, key == "holds", cites, items[key].line)


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
    return "\n".join(lines) + "\n"


def _yaml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


__all__ = ["Fact", "Expectation", "Scenario", "build_scenario", "load_scenario", "scenario_to_yaml"]
