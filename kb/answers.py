"""Answers that can be open: yes, no, or open on the facts in question.

A scenario may say that some facts are in question (``unknown:``): each may turn out true or
false. A question is answered in every case of them (every *world*), pruned to the facts in
question it can depend on:

* **yes** when it holds in every world, **no** when in none;
* **open** when it holds in some and not in others. An open answer says what decides it: the
  smallest sets of facts in question, each established or not, under which it holds
  (``holds_if``), and under which it does not (``fails_if``), computed exactly over the worlds
  (the prime implicants of the answer as a function of those facts).

Up to :data:`MAX_IN_QUESTION` facts in question are evaluated exhaustively (2^8 = 256
evaluations, each deriving only what the question depends on); more is an error that says so.
"""
from __future__ import annotations

import html
import itertools
from dataclasses import dataclass, field

from .errors import ScenarioError

MAX_IN_QUESTION = 8


@dataclass(frozen=True, order=True)
class Condition:
    """Facts in question, each established (True) or not (False): one way an answer is decided."""

    literals: tuple[tuple[str, bool], ...]  # (fact as written, established?), sorted by fact

    def __str__(self) -> str:
        if not self.literals:
            return "whatever the facts in question"
        return " and ".join(f"{fact} is {'established' if on else 'not established'}" for fact, on in self.literals)

    @property
    def facts(self) -> tuple[str, ...]:
        return tuple(f for f, _ in self.literals)

    def to_json(self) -> list[dict]:
        return [{"fact": f, "established": on} for f, on in self.literals]


@dataclass
class AnswerRow:
    """One answer to a question (its variables bound), with its value in the worlds."""

    conclusion: object  # a kb.Conclusion
    bindings: dict[str, str]
    value: str  # "yes" or "open"
    holds_if: list[Condition] = field(default_factory=list)
    fails_if: list[Condition] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.conclusion.text

    def to_json(self) -> dict:
        out = {"answer": self.text, "bindings": self.bindings, "value": self.value}
        if self.value == "open":
            out["holds_if"] = [c.to_json() for c in self.holds_if]
            out["fails_if"] = [c.to_json() for c in self.fails_if]
        return out


@dataclass(repr=False)
class Answer:
    """The three-valued answer to a question: ``value`` is "yes", "no" or "open" (for a question
    with variables: whether some answer exists); ``rows`` the answers found, each yes or open;
    ``in_question`` the facts in question the answer was computed over (those it can depend on)."""

    query: str
    value: str
    rows: list[AnswerRow]
    holds_if: list[Condition] = field(default_factory=list)
    fails_if: list[Condition] = field(default_factory=list)
    in_question: list[str] = field(default_factory=list)

    @property
    def yes(self) -> bool:
        return self.value == "yes"

    def decided_by(self) -> list[str]:
        """The facts in question that decide an open answer (those its conditions name), sorted."""
        return sorted({f for c in self.holds_if + self.fails_if for f in c.facts})

    def to_text(self) -> str:
        """``Q: no``, ``Q: yes``, ``Q: X = a; X = b`` (each answer holds in every case), or, when
        something is open, the value and then each answer with its value and what decides it."""
        bound = [r for r in self.rows if r.bindings]
        if self.value == "no" or (self.value == "yes" and not bound):
            return f"{self.query}: {self.value}"
        if self.value == "yes" and all(r.value == "yes" for r in bound):
            return f"{self.query}: " + "; ".join(_bindings(r) for r in bound)
        lines = [f"{self.query}: {self.value}"]
        if self.value == "open":
            lines += _conditions_text(self, "  ")
        for row in bound:
            lines.append(f"  {_bindings(row)}: {row.value}")
            if row.value == "open":
                lines += _conditions_text(row, "    ")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        return f"<pre class='kb-answer'>{html.escape(self.to_text())}</pre>"

    def to_json(self) -> dict:
        out = {"query": self.query, "value": self.value, "answers": [r.to_json() for r in self.rows],
               "in_question": self.in_question}
        if self.value == "open":
            out["holds_if"] = [c.to_json() for c in self.holds_if]
            out["fails_if"] = [c.to_json() for c in self.fails_if]
        return out


def _bindings(row: AnswerRow) -> str:
    return ", ".join(f"{k} = {v}" for k, v in row.bindings.items())


def _conditions_text(item, indent: str) -> list[str]:
    out = [f"{indent}holds if {c}" for c in item.holds_if]
    out += [f"{indent}does not hold if {c}" for c in item.fails_if]
    return out


def three_valued(truth: list[bool]) -> str:
    """yes, no or open, from the truth of something in every world."""
    if all(truth):
        return "yes"
    return "open" if any(truth) else "no"


def minimal_conditions(facts: list[str], truth: list[bool], want: bool) -> list[Condition]:
    """The smallest partial assignments of ``facts`` (fact i is bit i of a world's index) under
    which every world gives ``want``: the prime implicants, smallest first, then by text.
    4^n checks at most (65,536 for the 8 facts allowed)."""
    n = len(facts)
    everything = (1 << n) - 1
    found: list[tuple[frozenset, Condition]] = []
    for size in range(n + 1):
        for chosen in itertools.combinations(range(n), size):
            fixed = sum(1 << i for i in chosen)
            free = everything & ~fixed
            for values in itertools.product((True, False), repeat=size):
                literals = frozenset(zip(chosen, values))
                if any(f <= literals for f, _ in found):
                    continue
                base = sum(1 << i for i, on in zip(chosen, values) if on)
                sub, ok = free, True
                while True:  # every completion of the partial assignment
                    if truth[base | sub] != want:
                        ok = False
                        break
                    if sub == 0:
                        break
                    sub = (sub - 1) & free
                if ok:
                    found.append((literals, Condition(tuple(sorted((facts[i], on) for i, on in literals)))))
    return sorted((c for _, c in found), key=lambda c: (len(c.literals), c.literals))


def check_in_question(count: int, what: str) -> None:
    if count > MAX_IN_QUESTION:
        raise ScenarioError(
            f"{count} facts in question bear on {what}: at most {MAX_IN_QUESTION} can be evaluated in every "
            f"combination (2^{MAX_IN_QUESTION} cases); state or deny some of them, or ask a narrower question")
