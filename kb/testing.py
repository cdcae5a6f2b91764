"""Running the expectations of scenario files (``python -m kb test``, and pytest).

A failed expectation is reported with the atoms of the scenario file (where the engineer fixes it)
and, unless ``to_text(atoms=True)``, the expectation read as a sentence on the next line."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import KbError
from .knowledge import KnowledgeBase, _display_path
from .scenario import Expectation, Scenario
from .textsafe import one_line


@dataclass(frozen=True)
class Outcome:
    expectation: Expectation
    ok: bool
    message: str
    sentence: str = ""  # the expectation's atom as a sentence


@dataclass
class ScenarioReport:
    file: str
    name: str
    outcomes: list[Outcome] = field(default_factory=list)
    error: str = ""
    violations: list[str] = field(default_factory=list)  # conclusions that cannot both be true

    @property
    def ok(self) -> bool:
        return not self.error and not self.violations and all(o.ok for o in self.outcomes)


@dataclass
class Report:
    scenarios: list[ScenarioReport]

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.scenarios)

    @property
    def invalid(self) -> list["ScenarioReport"]:
        """The scenario files that did not load (bad input: ``kb test`` exits 2)."""
        return [s for s in self.scenarios if s.error]

    def to_text(self, atoms: bool = False, errors: bool = True) -> str:
        """The report, one line per scenario and one per failed expectation, then the counts. A file
        that did not load is listed as invalid (not as a failed expectation), with its error unless
        ``errors=False`` (the CLI prints those on stderr)."""
        lines = []
        passed = failed = invalid = 0
        for s in self.scenarios:
            status = "ok  " if s.ok else "FAIL"
            lines.append(one_line(f"{status} {s.file}: {s.name}"))  # input never printed raw (kb.textsafe)
            if s.error:
                if errors:
                    lines.append(one_line(f"     {s.error}"))
                invalid += 1
                continue
            for v in s.violations:
                failed += 1
                lines.append(f"     {v}")
            for o in s.outcomes:
                if o.ok:
                    passed += 1
                else:
                    failed += 1
                    lines.append(f"     line {o.expectation.line}: {o.message}")
                    if o.sentence and not atoms:
                        lines.append(f"       in words, {o.sentence}")
        lines.append(f"{passed} passed, {failed} failed" + (f", {invalid} invalid" if invalid else ""))
        return "\n".join(lines)


def check_expectation(kb: KnowledgeBase, result, exp: Expectation) -> Outcome:
    """Whether one expectation holds of an evaluation (yes, no or open, over the facts in question),
    with a readable message when it does not (and the expectation as a sentence)."""
    outcome = _check_expectation(kb, result, exp)
    if outcome.ok:
        return outcome
    said = result.explainer.show_sentence(exp.atom, {})
    what = "to be open" if exp.open else "to hold" if exp.holds else "not to hold"
    return Outcome(exp, False, outcome.message, f"expected {what}: {said}")


def _check_expectation(kb: KnowledgeBase, result, exp: Expectation) -> Outcome:
    shown = kb.vocabulary.render(exp.atom.pred, tuple(getattr(a, "value", a) for a in exp.atom.args)) \
        if exp.atom.is_ground() else str(exp.atom)
    answer = result.answer(exp.atom)
    found = "; ".join(r.text + (" (open)" if r.value == "open" else "") for r in answer.rows)
    if exp.open:
        if answer.value != "open":
            what = f"it holds in every case: {found}" if answer.value == "yes" else "it holds in no case"
            return Outcome(exp, False, f"expected {shown} to be open, but {what}")
        if exp.decided_by is not None and tuple(answer.decided_by()) != exp.decided_by:
            return Outcome(exp, False, f"{shown} is open, decided by [{', '.join(answer.decided_by())}], expected "
                                       f"[{', '.join(exp.decided_by)}]")
        if exp.holds_if is not None:
            got = tuple(c.literals for c in answer.holds_if)
            if got != exp.holds_if:
                return Outcome(exp, False, f"{shown} is open and holds if {_conditions(answer.holds_if)}; expected "
                                           f"holds if {_conditions_of(exp.holds_if)}")
        return Outcome(exp, True, "")
    if not exp.holds:
        if answer.value == "yes":
            return Outcome(exp, False, f"expected {shown} not to hold, but it does: {found}")
        if answer.value == "open":
            return Outcome(exp, False, f"expected {shown} not to hold, but it is open: it holds if "
                                       f"{_conditions(answer.holds_if)}")
        return Outcome(exp, True, "")
    if answer.value == "no":
        return Outcome(exp, False, f"expected {shown} to hold, but it does not")
    if answer.value == "open":
        return Outcome(exp, False, f"expected {shown} to hold, but it is open: it does not hold if "
                                   f"{_conditions(answer.fails_if)}")
    if exp.cites is not None:
        first = next(r for r in answer.rows if r.value == "yes")
        cited = tuple(sorted(result.explain(first.conclusion).clause_ids()))
        if cited != exp.cites:
            return Outcome(exp, False, f"{first.text} holds, but its explanation cites "
                                       f"[{', '.join(cited)}], expected [{', '.join(exp.cites)}]")
    return Outcome(exp, True, "")


def _conditions(conditions) -> str:
    return " or if ".join(c.to_text(atoms=True) for c in conditions)


def _conditions_of(literal_sets) -> str:
    from .answers import Condition

    return _conditions([Condition(c) for c in literal_sets])


def run_scenario(kb: KnowledgeBase, scenario: Scenario) -> ScenarioReport:
    """Every expectation of the scenario, and the knowledge base's constraints: two conclusions
    that cannot both be true fail the scenario, named with the rules that derived them."""
    from .constraints import violations

    report = ScenarioReport(scenario.file, scenario.name)
    result = kb.evaluate(scenario)
    for exp in scenario.expectations:
        report.outcomes.append(check_expectation(kb, result, exp))
    if not scenario.unknown or len(scenario.unknown) <= 8:
        report.violations = [str(v) for v in violations(result)]
    return report


def run_scenario_files(kb: KnowledgeBase, files: list[Path]) -> Report:
    reports = []
    for path in files:
        try:
            scenario = kb.load_scenario(path)
        except KbError as exc:
            reports.append(ScenarioReport(_display_path(path), "(invalid)", error=str(exc)))
            continue
        reports.append(run_scenario(kb, scenario))
    return Report(reports)


def consistent_random_facts(kb: KnowledgeBase, rng, count: int) -> list[str]:
    """Up to ``count`` random facts (:func:`random_facts`) that can all be stated together: each
    fact that would break a constraint between stated facts (two expiry dates of one service) is
    left out, so the result always loads as a scenario. Sorted."""
    kept: list[str] = []
    for fact in random_facts(kb.vocabulary, rng, count):
        try:
            kb.scenario(kept + [fact])
        except KbError:
            continue
        kept.append(fact)
    return sorted(kept)


def random_facts(vocab, rng, count: int, *, ids_per_name: int = 2) -> list[str]:
    """``count`` random, distinct, valid facts over the whole input vocabulary (for benchmarks and sweeps).

    Identifiers are drawn from a small pool per argument name (``event1``, ``event2`` ...), so facts
    about the same kind of thing join; dates fall in March 2026; amounts and integers are small.
    """
    import datetime as dt

    names = sorted(n for n in vocab.inputs if n != "interpretation")
    facts: set[str] = set()
    for _ in range(count * 4):
        if len(facts) >= count:
            break
        decl = vocab.inputs[rng.choice(names)]
        args = []
        for arg in decl.args:
            kind = arg.type.kind
            if kind == "enum":
                args.append(rng.choice(arg.type.value_names))
            elif kind == "id":
                args.append(f"{arg.name}{rng.randint(1, ids_per_name)}")
            elif kind == "date":
                args.append((dt.date(2026, 3, 1) + dt.timedelta(days=rng.randint(0, 27))).isoformat())
            elif kind == "amount":
                args.append(rng.choice(["0", "99.99", "100", "1200.50", "5000"]))
            elif kind == "integer":
                args.append(str(rng.randint(0, 12)))
            else:
                args.append('"text"')
        facts.add(f"{decl.name}({', '.join(args)})" if args else decl.name)
    return sorted(facts)
