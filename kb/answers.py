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

An answer reads as a sentence (``Yes: the event quake is force majeure.``, ``No: it does not follow that
...``, ``Open: whether ... depends on the facts in question.``) and the conditions as sentences
(``it is not established that the event attack is found to be unforeseeable``); ``to_text(atoms=True)``
gives the atoms as before, and ``to_json()`` both.
"""
from __future__ import annotations

import html
import itertools
from dataclasses import dataclass, field

from .errors import ScenarioError
from .sentences import standalone

MAX_IN_QUESTION = 8


@dataclass(frozen=True, order=True)
class Condition:
    """Facts in question, each established (True) or not (False): one way an answer is decided."""

    literals: tuple[tuple[str, bool], ...]  # (fact as written, established?), sorted by fact
    sentences: tuple[str, ...] = field(default=(), compare=False)  # each fact as a sentence ("" = none)

    def __str__(self) -> str:
        return self.to_text()

    def to_text(self, atoms: bool = False) -> str:
        """``the event quake was foreseeable is established and ...`` (``atoms``: the facts as
        written, ``foreseeable(quake) is established``)."""
        if not self.literals:
            return "whatever the facts in question"
        if atoms or len(self.sentences) != len(self.literals):
            return " and ".join(f"{fact} is {'established' if on else 'not established'}"
                                for fact, on in self.literals)
        return " and ".join(f"it is {'' if on else 'not '}established that {fact}"
                            for fact, on in zip(self._shown(False), (on for _, on in self.literals)))

    def to_html(self) -> str:
        if not self.literals:
            return "whatever the facts in question"
        return " and ".join(
            f"it is {'' if on else 'not '}established that "
            f"<span class='kb-sentence' title='{html.escape(fact)}'>{html.escape(shown)}</span>"
            for (fact, on), shown in zip(self.literals, self._shown(False)))

    def _shown(self, atoms: bool) -> list[str]:
        if atoms or len(self.sentences) != len(self.literals):
            return [f for f, _ in self.literals]
        return [s or f for s, (f, _) in zip(self.sentences, self.literals)]

    @property
    def facts(self) -> tuple[str, ...]:
        return tuple(f for f, _ in self.literals)

    def to_json(self) -> list[dict]:
        return [{"fact": f, "sentence": shown, "established": on}
                for (f, on), shown in zip(self.literals, self._shown(False))]

    def with_sentences(self, sentence_of) -> "Condition":
        """The same condition, each fact also as a sentence (``sentence_of(fact as written)``)."""
        return Condition(self.literals, tuple(sentence_of(f) for f, _ in self.literals))


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
        """The answer as written (the atom)."""
        return self.conclusion.text

    @property
    def sentence(self) -> str:
        """The answer as the analyst reads it."""
        return getattr(self.conclusion, "sentence", "") or self.text

    def to_text(self, atoms: bool = False) -> str:
        lines = [f"{self.text if atoms else standalone(self.sentence, self.text)}"
                 + ("" if self.value == "yes" else f" ({self.value})")]
        if self.value == "open":
            lines += _conditions_text(self, "  ", atoms)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        return _row_html(self)

    def to_json(self) -> dict:
        out = {"answer": self.text, "atom": self.text, "sentence": self.sentence, "bindings": self.bindings,
               "value": self.value}
        if self.value == "open":
            out["holds_if"] = [c.to_json() for c in self.holds_if]
            out["fails_if"] = [c.to_json() for c in self.fails_if]
        return out


@dataclass(repr=False)
class Answer:
    """The three-valued answer to a question: ``value`` is "yes", "no" or "open" (for a question
    with variables: whether some answer exists); ``rows`` the answers found, each yes or open;
    ``in_question`` the facts in question the answer was computed over (those it can depend on).
    ``query`` is the question as written, ``sentence`` as the analyst reads it (an argument the
    question leaves open reads "some failure")."""

    query: str
    value: str
    rows: list[AnswerRow]
    holds_if: list[Condition] = field(default_factory=list)
    fails_if: list[Condition] = field(default_factory=list)
    in_question: list[str] = field(default_factory=list)
    sentence: str = ""

    @property
    def yes(self) -> bool:
        return self.value == "yes"

    def decided_by(self) -> list[str]:
        """The facts in question that decide an open answer (those its conditions name), sorted."""
        return sorted({f for c in self.holds_if + self.fails_if for f in c.facts})

    def headline(self) -> str:
        """The answer in one sentence: ``Yes: JD Cloud is exempt from liability for the failure
        outage.``, ``No: it does not follow that JD Cloud is liable for some failure.``, ``Open:
        whether ... depends on the facts in question.``"""
        said = self.sentence or self.query
        if self.value == "yes":
            return f"Yes: {said}."
        if self.value == "no":
            return f"No: it does not follow that {said}."
        return f"Open: whether {said} depends on the facts in question."

    def to_text(self, atoms: bool = False) -> str:
        """As sentences (default): the headline, then each answer found and what decides an open
        one. ``atoms=True``: ``Q: no``, ``Q: yes``, ``Q: X = a; X = b`` (each answer holds in every
        case), or, when something is open, the value and then each answer with its value and what
        decides it."""
        bound = [r for r in self.rows if r.bindings]
        if not atoms:
            lines = [self.headline()]
            if self.value == "open":
                lines += _conditions_text(self, "  ", False)
            for row in bound:
                shown = f"  - {standalone(row.sentence, row.text)[:-1]} ({_bindings(row)})"
                lines.append(shown + (": open" if row.value == "open" else ""))
                if row.value == "open":
                    lines += _conditions_text(row, "      ", False)
            return "\n".join(lines)
        if self.value == "no" or (self.value == "yes" and not bound):
            return f"{self.query}: {self.value}"
        if self.value == "yes" and all(r.value == "yes" for r in bound):
            return f"{self.query}: " + "; ".join(_bindings(r) for r in bound)
        lines = [f"{self.query}: {self.value}"]
        if self.value == "open":
            lines += _conditions_text(self, "  ", True)
        for row in bound:
            lines.append(f"  {_bindings(row)}: {row.value}")
            if row.value == "open":
                lines += _conditions_text(row, "    ", True)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    def to_html(self) -> str:
        """The answer as HTML: the headline, each answer as a sentence (its atom in the tooltip),
        and what decides an open one."""
        e = html.escape
        parts = [f"<div class='kb-answer'><p><b title='{e(self.query)}'>{e(self.headline())}</b></p>"]
        if self.value == "open":
            parts.append(_conditions_html(self))
        bound = [r for r in self.rows if r.bindings]
        if bound:
            parts.append("<ul>" + "".join(f"<li>{_row_html(r)}</li>" for r in bound) + "</ul>")
        parts.append("</div>")
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_json(self) -> dict:
        out = {"query": self.query, "sentence": self.sentence or self.query, "headline": self.headline(),
               "value": self.value, "answers": [r.to_json() for r in self.rows], "in_question": self.in_question}
        if self.value == "open":
            out["holds_if"] = [c.to_json() for c in self.holds_if]
            out["fails_if"] = [c.to_json() for c in self.fails_if]
        return out


def _bindings(row: AnswerRow) -> str:
    return ", ".join(f"{k} = {v}" for k, v in row.bindings.items())


def _conditions_text(item, indent: str, atoms: bool = False) -> list[str]:
    out = [f"{indent}holds if {c.to_text(atoms)}" for c in item.holds_if]
    out += [f"{indent}does not hold if {c.to_text(atoms)}" for c in item.fails_if]
    return out


def _conditions_html(item) -> str:
    lines = [f"<li>holds if {c.to_html()}</li>" for c in item.holds_if]
    lines += [f"<li>does not hold if {c.to_html()}</li>" for c in item.fails_if]
    return f"<ul class='kb-conditions'>{''.join(lines)}</ul>" if lines else ""


def _row_html(row: AnswerRow) -> str:
    e = html.escape
    shown = f"<span class='kb-sentence' title='{e(row.text)}'>{e(standalone(row.sentence, row.text))}</span>"
    if row.bindings:
        shown += f" <span class='kb-bindings'>({e(_bindings(row))})</span>"
    if row.value == "open":
        shown += " <b>open</b>" + _conditions_html(row)
    return shown


def three_valued(truth: list[bool]) -> str:
    """yes, no or open, from the truth of something in every world."""
    if all(truth):
        return "yes"
    return "open" if any(truth) else "no"


def minimal_conditions(facts: list[str], truth: list[bool], want: bool,
                       sentences: list[str] | None = None) -> list[Condition]:
    """The smallest partial assignments of ``facts`` (fact i is bit i of a world's index) under
    which every world gives ``want``: the prime implicants, smallest first, then by text.
    4^n checks at most (65,536 for the 8 facts allowed). ``sentences``: each fact as a sentence,
    carried by the conditions."""
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
                    chosen_sorted = sorted(literals, key=lambda x: (facts[x[0]], x[1]))
                    found.append((literals, Condition(
                        tuple((facts[i], on) for i, on in chosen_sorted),
                        tuple(sentences[i] for i, _ in chosen_sorted) if sentences else ())))
    return sorted((c for _, c in found), key=lambda c: (len(c.literals), c.literals))


def check_in_question(count: int, what: str) -> None:
    if count > MAX_IN_QUESTION:
        raise ScenarioError(
            f"{count} facts in question bear on {what}: at most {MAX_IN_QUESTION} can be evaluated in every "
            f"combination (2^{MAX_IN_QUESTION} cases); state or deny some of them, or ask a narrower question")
