"""What-if analysis over a knowledge base: the fact form a scenario builder is generated from,
and the search for the smallest changes that would flip a conclusion.

Everything here is plain data over :class:`kb.KnowledgeBase`; the explorer widgets are a thin
view of it, and a notebook or a test can use it without widgets.
"""
from __future__ import annotations

import datetime as dt
import itertools
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Iterable, Union

from .errors import ScenarioError
from .scenario import Scenario
from .terms import Atom, render_value

INTERPRETATION = "interpretation"


# --- the form ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ArgumentField:
    """One argument of an input predicate: its name, the kind of value (``id``, ``enum``,
    ``date``, ``amount``, ``integer``, ``string``), the enum's ``(value, doc)`` options."""
    name: str
    kind: str
    options: tuple[tuple[str, str], ...] = ()
    doc: str = ""


@dataclass(frozen=True)
class PredicateField:
    """An input predicate as a line of the scenario builder."""
    name: str
    area: str
    area_title: str
    doc: str
    args: tuple[ArgumentField, ...]


def fact_form(kb) -> list[PredicateField]:
    """Every input predicate of the vocabulary (interpretations apart: they are toggles), as
    form fields, sorted by area title then name. A predicate added to the vocabulary appears
    here, and so in the explorer, with no other change."""
    vocab = kb.vocabulary
    out = []
    for name, decl in vocab.inputs.items():
        if name == INTERPRETATION:
            continue
        args = tuple(ArgumentField(a.name, a.type.kind, tuple(a.type.values) if a.type.kind == "enum" else (),
                                   a.type.doc) for a in decl.args)
        area = decl.area or "other"
        out.append(PredicateField(name, area, vocab.areas.get(area, area), decl.doc, args))
    return sorted(out, key=lambda f: (f.area_title.lower(), f.name))


def fact_text(name: str, values: Iterable) -> str:
    """A fact as it is written in a scenario file, from form values: ids and enum values as
    names, ``datetime.date`` as YYYY-MM-DD, amounts (int, float, Decimal or text) with cents.
    Values are not trusted: the result is parsed and checked like any scenario fact."""
    parts = []
    for v in values:
        if isinstance(v, dt.date):
            parts.append(v.isoformat())
        elif isinstance(v, bool):
            raise ScenarioError(f"{name}: a yes/no value cannot be an argument")
        elif isinstance(v, float) or isinstance(v, Decimal):
            try:
                parts.append(f"{Decimal(str(v)).quantize(Decimal('0.01'))}")
            except InvalidOperation:
                raise ScenarioError(f"{name}: {v} is not an amount") from None
        elif v is None or (isinstance(v, str) and not v.strip()):
            raise ScenarioError(f"{name}: every argument needs a value")
        else:
            parts.append(str(v).strip())
    return f"{name}({', '.join(parts)})"


def form_values(kb, fact_key: tuple[str, tuple]) -> list:
    """The form values of a scenario fact (the inverse of :func:`fact_text`): dates as
    ``datetime.date``, amounts as float, the rest as they are written."""
    name, args = fact_key
    decl = kb.vocabulary.predicate(name)
    out = []
    for value, spec in zip(args, decl.args):
        kind = spec.type.kind
        if kind == "date":
            out.append(dt.date.fromisoformat(render_value(value, "date")))
        elif kind == "amount":
            out.append(int(value) / 100)
        elif kind == "integer":
            out.append(int(value))
        else:
            out.append(render_value(value, kind))
    return out


# --- what would flip a conclusion? ----------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """One change to a scenario's facts: add a fact, remove one, or replace one by another."""
    remove: str | None = None
    add: str | None = None

    def __str__(self) -> str:
        if self.remove and self.add:
            return f"change {self.remove} to {self.add}"
        return f"add {self.add}" if self.add else f"remove {self.remove}"

    @property
    def sort_key(self) -> tuple:
        return (0 if self.remove and self.add else 1 if self.add else 2, self.remove or "", self.add or "")


@dataclass(frozen=True)
class FlipSet:
    """A set of changes that makes the conclusion hold (or stop holding)."""
    changes: tuple[Change, ...]

    def __str__(self) -> str:
        return "; ".join(str(c) for c in self.changes)

    def apply(self, kb, scenario: Scenario) -> Scenario:
        return apply_changes(kb, scenario, self.changes)


@dataclass
class FlipResult:
    """The flip sets found, smallest first, and whether the bounded search was cut short."""
    target: str
    makes_hold: bool
    flips: list[FlipSet] = field(default_factory=list)
    candidates: int = 0
    evaluations: int = 0
    truncated: bool = False
    reason: str = ""

    def to_text(self) -> str:
        goal = "hold" if self.makes_hold else "stop holding"
        lines = [f"What would make {self.target} {goal}: {len(self.flips)} minimal change set"
                 f"{'s' if len(self.flips) != 1 else ''} ({self.evaluations} scenarios tried"
                 f" out of {self.candidates} single changes and their pairs)"]
        lines += [f"  {i}. {f}" for i, f in enumerate(self.flips, start=1)]
        if self.truncated:
            lines.append(f"  (search cut short: {self.reason})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


def _pred_of(fact: str) -> str:
    return fact.split("(", 1)[0].strip()


def apply_changes(kb, scenario: Scenario, changes: Iterable[Change]) -> Scenario:
    changes = list(changes)
    return kb.vary(scenario, add=[c.add for c in changes if c.add], remove=[c.remove for c in changes if c.remove])


def _reads(kb) -> dict[str, set[str]]:
    uses: dict[str, set[str]] = {}
    for rule in kb.program.all_rules():
        for item in rule.body:
            atom = getattr(item, "atom", None)
            if atom is not None:
                uses.setdefault(rule.head.pred, set()).add(atom.pred)
    return uses


def input_distances(kb, pred: str) -> dict[str, int]:
    """The input predicates a conclusion depends on, directly or through other conclusions,
    each with the number of rules between it and the conclusion (1: read by a rule concluding it)."""
    uses = _reads(kb)
    depth, frontier = {pred: 0}, [pred]
    while frontier:
        nxt = []
        for p in frontier:
            for dep in sorted(uses.get(p, ())):
                if dep not in depth:
                    depth[dep] = depth[p] + 1
                    nxt.append(dep)
        frontier = nxt
    return {p: d for p, d in sorted(depth.items()) if p in kb.vocabulary.inputs and p != INTERPRETATION}


def relevant_inputs(kb, pred: str) -> list[str]:
    """The input predicates a conclusion depends on, directly or through other conclusions."""
    return sorted(input_distances(kb, pred))


def candidate_changes(kb, scenario: Scenario, pred: str, max_candidates: int = 400) -> tuple[list[Change], bool]:
    """The single changes the flip search tries, in a fixed order: remove a fact; move a date
    of a fact one day either way or change one enum value of it; add a fact of an input the
    conclusion depends on, over the scenario's own names, dates and amounts. Returns the
    changes and whether the list was cut at ``max_candidates``."""
    vocab = kb.vocabulary
    facts = sorted((f.key for f in scenario.facts if not f.is_interpretation),
                   key=lambda k: vocab.render(*k))
    have = {vocab.render(*k) for k in facts}
    relevant = set(relevant_inputs(kb, pred))
    out: list[Change] = [Change(remove=vocab.render(*k)) for k in facts if k[0] in relevant]
    # values the scenario already uses, by kind
    pool: dict[str, set] = {"id": set(), "date": set(), "amount": set(), "integer": set(), "string": set()}
    for name, args in facts:
        for value, spec in zip(args, vocab.predicate(name).args):
            if spec.type.kind in pool:
                pool[spec.type.kind].add(value)
    for d in list(pool["date"]):
        pool["date"] |= {d - 1, d + 1}
    for name, args in facts:
        if name not in relevant:
            continue
        decl = vocab.predicate(name)
        for i, (value, spec) in enumerate(zip(args, decl.args)):
            kind = spec.type.kind
            alternatives = []
            if kind == "date":
                alternatives = [value - 1, value + 1]
            elif kind == "enum":
                alternatives = [v for v, _ in spec.type.values if v != value]
            for alt in alternatives:
                new = vocab.render(name, args[:i] + (alt,) + args[i + 1:])
                if new not in have:
                    out.append(Change(remove=vocab.render(name, args), add=new))
    additions = []
    for name in sorted(relevant):
        decl = vocab.predicate(name)
        choices = []
        for spec in decl.args:
            kind = spec.type.kind
            values = [v for v, _ in spec.type.values] if kind == "enum" else sorted(pool.get(kind, ()), key=str)
            choices.append(values)
        if any(not c for c in choices):
            continue
        for combo in itertools.product(*choices):
            text = vocab.render(name, tuple(combo))
            if text not in have:
                additions.append(Change(add=text))
    out += additions
    truncated = len(out) > max_candidates
    return out[:max_candidates], truncated


def flip_search(kb, scenario: Scenario, conclusion: Union[str, Atom], *, max_size: int = 2,
                max_evaluations: int = 1500, time_budget: float | None = 2.0,
                max_candidates: int = 400) -> FlipResult:
    """The smallest sets of changes (at most ``max_size``) to the scenario's facts that make the
    ground ``conclusion`` hold if it does not, or stop holding if it does; ranked by size then
    text. Minimal: a pair is reported only when neither of its changes flips the answer alone.
    The search is bounded (candidates, evaluations, and seconds unless ``time_budget`` is None,
    which makes the result independent of the machine's speed) and says when it was cut short."""
    atom = kb.parse_pattern(conclusion)
    if not atom.is_ground():
        raise ScenarioError(f"choose one conclusion to flip, with no variables: {atom}")
    target = kb.vocabulary.render(atom.pred, tuple(a.value for a in atom.args))
    holds_now = kb.holds_in(scenario, atom)
    result = FlipResult(target, makes_hold=not holds_now)
    candidates, cut = candidate_changes(kb, scenario, atom.pred, max_candidates)
    result.candidates = len(candidates)
    if cut:
        result.truncated, result.reason = True, f"only the first {max_candidates} single changes were tried"
    start = time.perf_counter()

    def flips(changes: tuple[Change, ...]) -> bool | None:
        if result.evaluations >= max_evaluations:
            result.truncated, result.reason = True, f"evaluation budget of {max_evaluations} scenarios reached"
            return None
        if time_budget is not None and time.perf_counter() - start > time_budget:
            result.truncated, result.reason = True, f"time budget of {time_budget:g} s reached"
            return None
        try:
            varied = apply_changes(kb, scenario, changes)
        except ScenarioError:
            return False  # two changes touching the same fact
        result.evaluations += 1
        return kb.holds_in(varied, atom) != holds_now

    singles = []
    for change in candidates:
        answer = flips((change,))
        if answer is None:
            break
        if answer:
            result.flips.append(FlipSet((change,)))
        else:
            singles.append(change)
    if max_size >= 2 and not result.truncated:
        # pairs of the changes closest to the conclusion (fewest rules between) are tried first
        distance = input_distances(kb, atom.pred)

        def closeness(change: Change) -> int:
            return min(distance.get(_pred_of(text), 99) for text in (change.add, change.remove) if text)

        singles.sort(key=closeness)  # stable: the fixed order within one distance
        for a, b in itertools.combinations(singles, 2):
            if a.remove and a.remove in (b.remove,) or (a.add and a.add == b.add):
                continue
            answer = flips((a, b))
            if answer is None:
                break
            if answer:
                result.flips.append(FlipSet(tuple(sorted((a, b), key=lambda c: c.sort_key))))
    result.flips.sort(key=lambda f: (len(f.changes), [c.sort_key for c in f.changes]))
    return result


# --- the answer panel's data ----------------------------------------------------------------

def by_area(kb, conclusions: Iterable) -> list[tuple[str, list]]:
    """Conclusions grouped under their vocabulary area's title; groups sorted by title, each
    group sorted as the conclusions sort."""
    groups: dict[str, list] = {}
    for c in conclusions:
        decl = kb.vocabulary.predicate(c.pred)
        area = decl.area if decl is not None else "other"
        groups.setdefault(kb.vocabulary.areas.get(area, area), []).append(c)
    return [(title, sorted(groups[title])) for title in sorted(groups, key=str.lower)]


def interpretation_effects(kb, scenario: Scenario) -> list[tuple[str, bool, object]]:
    """For each named interpretation (sorted): its name, whether the scenario adopts it, and
    the :class:`kb.Diff` that switching it (on if off, off if on) would make."""
    from .knowledge import diff

    base = kb.evaluate(scenario)
    out = []
    for item in kb.interpretations():
        fact = f"{INTERPRETATION}({item['name']})"
        adopted = item["name"] in scenario.interpretations
        other = kb.vary(scenario, remove=[fact]) if adopted else kb.vary(scenario, add=[fact])
        out.append((item["name"], adopted, diff(base, kb.evaluate(other))))
    return out
