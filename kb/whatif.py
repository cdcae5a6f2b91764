"""What-if analysis over a knowledge base: the fact form a scenario builder is generated from,
and the search for the smallest changes that would flip a conclusion.

Everything here is plain data over :class:`kb.KnowledgeBase`; the explorer widgets are a thin
view of it, and a notebook or a test can use it without widgets.
"""
from __future__ import annotations

import datetime as dt
import itertools
import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Iterable, Union

from .errors import ScenarioError
from .knowledge import atom_key
from .program import internal_owner
from .scenario import Scenario
from .terms import Atom, Const, Literal, Var, body_literals, render_value
from .vocabulary import INTERPRETATION



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

NOTHING_TO_TRY = "no change within the scenario's names and values can be tried"

# How material a change is: how far it departs from the case as the analyst stated it. A reading of
# a clause adopted or dropped, or a date, amount or number moved by one step, leaves the story as
# told (the answer turns on the law, or sits on a boundary): 1. A finding the story does not state
# added, or one value of a stated fact changed (another kind of event, another effect), adds to or
# corrects the story: 2. A fact the story states taken away contradicts it: 3. Flip sets are ordered
# by how few changes they make, then by the sum of their changes' materiality, then by kind and text.
MATERIALITY = {"reading": 1, "step": 1, "add": 2, "value": 2, "remove": 3}


@dataclass(frozen=True)
class Change:
    """One change to a scenario's facts: add a fact, remove one, or replace one by another.
    ``kind`` says which, for the order of flip sets (:data:`MATERIALITY`): ``add``, ``remove``,
    ``value`` (another value of a stated fact), ``step`` (a date, amount or number moved by one
    step) or ``reading`` (an interpretation adopted or dropped: ``interpretation(name)`` added or
    removed). A change built without ``kind`` gets it from its fields."""
    remove: str | None = None
    add: str | None = None
    kind: str = field(default="", compare=False)

    def __post_init__(self):
        if not self.kind:
            fact = self.add or self.remove or ""
            kind = ("reading" if _pred_of(fact) == INTERPRETATION else
                    "value" if self.remove and self.add else "add" if self.add else "remove")
            object.__setattr__(self, "kind", kind)

    def __str__(self) -> str:
        if self.remove and self.add:
            return f"change {self.remove} to {self.add}"
        return f"add {self.add}" if self.add else f"remove {self.remove}"

    @property
    def materiality(self) -> int:
        return MATERIALITY[self.kind]

    @property
    def sort_key(self) -> tuple:
        return (0 if self.kind == "reading" else 1 if self.remove and self.add else 2 if self.add else 3,
                self.remove or "", self.add or "")


@dataclass(frozen=True)
class FlipSet:
    """A set of changes that makes the conclusion hold (or stop holding)."""
    changes: tuple[Change, ...]

    def __str__(self) -> str:
        return "; ".join(str(c) for c in self.changes)

    @property
    def materiality(self) -> int:
        """The sum of its changes' materiality (:data:`MATERIALITY`)."""
        return sum(c.materiality for c in self.changes)

    @property
    def sort_key(self) -> tuple:
        """Fewest changes first, then the least material, then by kind and text."""
        return (len(self.changes), self.materiality, [c.sort_key for c in self.changes])

    def apply(self, kb, scenario: Scenario) -> Scenario:
        return apply_changes(kb, scenario, self.changes)


@dataclass(frozen=True)
class FlipGroup:
    """Flip sets that differ only in one value of one added fact, shown as one row: ``the event
    att is any of 13 values rather than a DDoS attack``. ``varying`` is the index of that change
    in each set's changes and ``position`` the index of the argument that varies in its added
    fact (both None for a group of one set). The sets keep their order."""
    sets: tuple[FlipSet, ...]
    varying: int | None = None
    position: int | None = None

    @property
    def first(self) -> FlipSet:
        return self.sets[0]

    def __str__(self) -> str:
        if len(self.sets) == 1:
            return str(self.first)
        parts = []
        for j, change in enumerate(self.first.changes):
            if j != self.varying:
                parts.append(str(change))
                continue
            values = [_args_of(s.changes[j].add)[self.position] for s in self.sets]
            any_of = f"any of {{{', '.join(values)}}}"
            args = _args_of(change.add)
            args[self.position] = any_of
            added = f"{_pred_of(change.add)}({', '.join(args)})"
            parts.append(f"change {change.remove} to {added}" if change.remove else f"add {added}")
        return "; ".join(parts)


def group_flips(kb, flips: list[FlipSet]) -> list[FlipGroup]:
    """The flip sets as rows: sets that differ only in one value of one added fact (another kind
    of event, another effect, another name) make one group; the largest groups are formed first,
    each set joins at most one; the rows are in the order of their first set."""
    keyed: dict[tuple, list[int]] = {}
    for n, flip in enumerate(flips):
        for j, change in enumerate(flip.changes):
            if not change.add or change.kind in ("step", "reading"):
                continue
            args = _args_of(change.add)
            others = tuple(str(c) for k, c in enumerate(flip.changes) if k != j)
            for i in range(len(args)):
                key = (others, j, change.remove, _pred_of(change.add), tuple(args[:i]), tuple(args[i + 1:]), i)
                keyed.setdefault(key, []).append(n)
    taken: dict[int, tuple] = {}
    for key, members in sorted(keyed.items(), key=lambda kv: (-len(kv[1]), kv[1][0], str(kv[0]))):
        free = [n for n in members if n not in taken]
        if len(free) >= 2:
            for n in free:
                taken[n] = key
    rows: list[FlipGroup] = []
    seen: set = set()
    for n, flip in enumerate(flips):
        if n not in taken:
            rows.append(FlipGroup((flip,)))
        elif taken[n] not in seen:
            key = taken[n]
            seen.add(key)
            rows.append(FlipGroup(tuple(flips[m] for m in range(len(flips)) if taken.get(m) == key),
                                  varying=key[1], position=key[-1]))
    return rows


def _args_of(fact: str) -> list[str]:
    """The arguments of a fact as written (``event(att, flood)`` -> ``['att', 'flood']``);
    quoted strings may hold commas."""
    inner = fact[fact.index("(") + 1:fact.rindex(")")] if "(" in fact else ""
    out, current, quoted, escaped = [], "", False, False
    for ch in inner:
        if quoted:
            current += ch
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted, current = True, current + ch
        elif ch == ",":
            out.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip() or out:
        out.append(current.strip())
    return out


@dataclass
class FlipResult:
    """The flip sets found, ordered (:attr:`FlipSet.sort_key`), the rows they are shown in
    (:func:`group_flips`), and one count of what the bounded search tried: ``candidates`` single
    changes were found and ``singles_tried`` of them tried alone; ``pairs_found`` pairs of them
    were worth trying (their changes meet in a rule) and ``pairs_tried`` of them tried. Every
    scenario tried counts once: ``tried`` = ``singles_tried + pairs_tried`` = ``evaluations``
    (a pair whose facts cannot both be stated is tried and found no scenario). ``truncated`` says
    the search was cut short, ``reason`` why (or, with no candidate at all, that there was
    nothing to try)."""
    target: str
    makes_hold: bool
    flips: list[FlipSet] = field(default_factory=list)
    candidates: int = 0
    evaluations: int = 0
    truncated: bool = False
    reason: str = ""
    singles_tried: int = 0
    pairs_tried: int = 0
    pairs_found: int = 0
    max_size: int = 2
    groups: list[FlipGroup] = field(default_factory=list)
    kb: object = field(default=None, repr=False, compare=False)

    @property
    def tried(self) -> int:
        return self.singles_tried + self.pairs_tried

    def tried_text(self) -> str:
        """The one count of what was tried: ``Tried 293 scenarios: 93 of 93 single changes and 200
        of 1,028 pairs whose changes meet in a rule``."""
        n = self.tried
        text = (f"Tried {n:,} scenario{'s' if n != 1 else ''}: {self.singles_tried:,} of {self.candidates:,} "
                f"single change{'s' if self.candidates != 1 else ''}")
        if self.max_size >= 2:
            s = "s" if self.pairs_found != 1 else ""
            text += (f" and {self.pairs_tried:,} of {self.pairs_found:,} pair{s} whose changes meet in a rule"
                     if self.pairs_found else " and no pair (no two changes meet in a rule)")
        return text

    def heading(self, atoms: bool = False) -> str:
        goal = "hold" if self.makes_hold else "stop holding"
        target = self.target if atoms or self.kb is None else f"“{sentence_of(self.kb, self.target)}”"
        return f"What would make {target} {goal}"

    def to_text(self, atoms: bool = False) -> str:
        """The result as text: sentences (atoms with ``atoms=True``), one line per row."""
        head = self.heading(atoms)
        if not self.candidates:
            return f"{head}: {self.reason or NOTHING_TO_TRY}"
        n, rows = len(self.flips), self.groups or [FlipGroup((f,)) for f in self.flips]
        found = f"{n} change set{'s' if n != 1 else ''}"
        if len(rows) != n:
            found += f" in {len(rows)} row{'s' if len(rows) != 1 else ''}"
        lines = [f"{head}: {found}"]
        for i, row in enumerate(rows, start=1):
            lines.append(f"  {i}. {row if atoms or self.kb is None else group_sentence(self.kb, row)}")
        lines.append(self.tried_text() + ".")
        if self.truncated:
            lines.append(f"(search cut short: {self.reason})")
        return "\n".join(lines)

    def to_html(self) -> str:
        from html import escape

        head = escape(self.heading())
        if not self.candidates:
            return f"<div class='kb-flip-head'>{head}: {escape(self.reason or NOTHING_TO_TRY)}</div>"
        rows = "".join(f"<li>{group_sentence(self.kb, row, html=True)}</li>" for row in self.groups)
        cut = f"<div class='kb-flip-cut'>(search cut short: {escape(self.reason)})</div>" if self.truncated else ""
        return (f"<div class='kb-flip-head'>{head}: {len(self.flips)} change sets</div><ol>{rows}</ol>"
                f"<div class='kb-flip-tried'>{escape(self.tried_text())}.</div>{cut}")

    def _repr_html_(self) -> str:
        return self.to_html() if self.kb is not None else f"<pre>{self.to_text(atoms=True)}</pre>"

    def __str__(self) -> str:
        return self.to_text()


# --- flip sets as sentences ------------------------------------------------------------------

def sentence_of(kb, fact: str, *, html: bool = False, replace: dict | None = None) -> str:
    """A fact or conclusion written as an atom (``event(att, flood)``), as its sentence; the
    phrases of some arguments replaced (``replace``: position -> text, already HTML when
    ``html``). The atom itself where the predicate has no sentence template."""
    import html as _html

    from .sentences import PLACEHOLDER_RE, value_phrase

    atom = kb.parse_pattern(fact)
    vocab = kb.vocabulary
    decl = vocab.predicate(atom.pred)
    values = [a.value if isinstance(a, Const) else a for a in atom.args]
    replace = replace or {}
    if decl is None or not decl.says:
        shown = [replace.get(i, _html.escape(str(a)) if html else str(a)) for i, a in enumerate(atom.args)]
        text = f"{atom.pred}({', '.join(shown)})" if shown else atom.pred
        return f"<code class='kb-atom'>{text}</code>" if html else text
    phrases = {}
    for i, (spec, value) in enumerate(zip(decl.args, values)):
        if i in replace:
            phrases[spec.name] = replace[i]
            continue
        text = value_phrase(value, spec.type)
        phrases[spec.name] = (f"<span class='kb-value kb-{spec.type.kind}'>{_html.escape(text)}</span>"
                              if html else text)
    template = decl.says
    if not html:
        return PLACEHOLDER_RE.sub(lambda m: phrases.get(m.group(1), m.group(0)), template)
    pieces, last = [], 0
    for m in PLACEHOLDER_RE.finditer(template):
        pieces += [_html.escape(template[last:m.start()]), phrases.get(m.group(1), _html.escape(m.group(0)))]
        last = m.end()
    pieces.append(_html.escape(template[last:]))
    return "".join(pieces)


def value_phrases(kb, fact: str) -> list[str]:
    """How each argument of a fact written as an atom reads inside its sentence (enumeration
    values as their labels, dates as ``1 March 2026``, names as written)."""
    from .sentences import value_phrase

    atom = kb.parse_pattern(fact)
    decl = kb.vocabulary.predicate(atom.pred)
    return [value_phrase(a.value if isinstance(a, Const) else a, spec.type) for a, spec in zip(atom.args, decl.args)]


def reading_title(kb, name: str) -> str:
    """The short title of a named interpretation (its name where it has none)."""
    interp = kb.vocabulary.interpretations.get(name)
    return (interp.title if interp is not None and interp.title else name)


def change_sentence(kb, change: Change, *, html: bool = False, alternatives: list[str] | None = None,
                    position: int | None = None) -> str:
    """One change as the analyst reads it: ``add: ...``, ``remove: ...``, ``change: the event
    quake is a flood (listed in 9.2) rather than an earthquake (listed in 9.2)``, ``adopt the
    reading "..."``. With ``alternatives`` (the added fact's other values at ``position``), the
    varying value reads ``any of these 13: ...``."""
    import html as _html

    esc = _html.escape if html else (lambda s: s)
    if change.kind == "reading":
        name = _args_of(change.add or change.remove)[0]
        import re

        # quotes inside the title nest as single quotes: adopt the reading “‘Hackers’ and ...”
        title = re.sub(r'"([^"]*)"', "\u2018\\1\u2019", reading_title(kb, name))
        verb = "adopt the reading" if change.add else "drop the reading"
        return f"{verb} “{esc(title)}” ({esc(name)})" if not html else \
            f"{verb} “<span class='kb-reading'>{esc(title)}</span>”"
    replace: dict[int, str] = {}
    if alternatives is not None:
        listed = "; ".join(alternatives)
        text = f"any of these {len(alternatives)}: {listed}"
        # in HTML the list is the tooltip and a <details> at the end of the row: the sentence stays short
        replace[position] = (f"<b class='kb-any' title='{esc(listed)}'>any of these {len(alternatives)}</b>"
                             if html else text)
    if change.add and change.remove:
        old, new = value_phrases(kb, change.remove), value_phrases(kb, change.add)
        differ = [i for i, (a, b) in enumerate(zip(old, new)) if a != b or i in replace]
        if len(differ) == 1:
            i = differ[0]
            shown = replace.get(i, f"<b>{esc(new[i])}</b>" if html else new[i])
            replace[i] = f"{shown} rather than {esc(old[i])}"
            return "change: " + sentence_of(kb, change.add, html=html, replace=replace)
        return ("change: " + sentence_of(kb, change.remove, html=html) + " to: "
                + sentence_of(kb, change.add, html=html, replace=replace))
    if change.add:
        return "add: " + sentence_of(kb, change.add, html=html, replace=replace)
    return "remove: " + sentence_of(kb, change.remove, html=html)


def group_sentence(kb, group: FlipGroup, *, html: bool = False) -> str:
    """A row of the flip panel: its changes as sentences joined by ``and``; in HTML, the values a
    group's row stands for follow in a collapsed list (and in the tooltip of "any of these N")."""
    parts, lists = [], []
    for j, change in enumerate(group.first.changes):
        if len(group.sets) > 1 and j == group.varying:
            values = [value_phrases(kb, s.changes[j].add)[group.position] for s in group.sets]
            parts.append(change_sentence(kb, change, html=html, alternatives=values, position=group.position))
            if html:
                import html as _html

                listed = "".join(f"<li>{_html.escape(v)}</li>" for v in values)
                lists.append(f"<details class='kb-alternatives'><summary>show the {len(values)}</summary>"
                             f"<ul>{listed}</ul></details>")
        else:
            parts.append(change_sentence(kb, change, html=html))
    return "; and ".join(parts) + "".join(lists)


def _pred_of(fact: str) -> str:
    return fact.split("(", 1)[0].strip()


def apply_changes(kb, scenario: Scenario, changes: Iterable[Change]) -> Scenario:
    changes = list(changes)
    return kb.vary(scenario, add=[c.add for c in changes if c.add], remove=[c.remove for c in changes if c.remove])


def _reads(kb) -> dict[str, set[str]]:
    uses: dict[str, set[str]] = {}
    for rule in kb.program.all_rules():
        for item, _ in body_literals(rule.body):
            uses.setdefault(rule.head.pred, set()).add(item.atom.pred)
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


Pattern = tuple  # (predicate, values): a value, or None where any value may stand


def input_patterns(kb, conclusion: Union[str, Atom], interpretations: Iterable[str] | None = None
                   ) -> dict[Pattern, int]:
    """The input facts a ground conclusion can depend on, as patterns ``(pred, values)`` (None
    for any value), each with the number of rules between it and the conclusion (the fewest).

    Goal-directed: from the conclusion, only the rules whose head matches it are followed, with
    their variables bound by the match, and so on down to the inputs; exceptions (compiled to
    ``fires__``/``blocked__`` conditions) count as rules concluding what they override. A fact
    that matches no pattern cannot change whether the conclusion holds: the relevance is
    :func:`input_distances`' narrowed to the rules that could derive this very atom. Given the
    ``interpretations`` a scenario adopts (all of them), the rules that need another reading
    (``interpretation(x)`` it does not adopt, or ``not interpretation(x)`` it does) are left out:
    in that scenario, whatever its other facts, they do not fire."""
    inputs = kb.vocabulary.inputs
    depth = _pattern_depths(kb, conclusion, interpretations)
    return {p: d for p, d in sorted(depth.items(), key=lambda x: (x[0][0], [str(v) for v in x[0][1]]))
            if p[0] in inputs and p[0] != INTERPRETATION}


def readings_consulted(kb, conclusion: Union[str, Atom]) -> dict[str, int]:
    """The named interpretations that rules which could derive the ground ``conclusion`` consult
    (directly, or through the rules below them, whatever reading the scenario adopts), each with
    the number of rules between it and the conclusion; sorted by name. Switching any other
    reading cannot change whether the conclusion holds."""
    depth = _pattern_depths(kb, conclusion, None)
    found: dict[str, int] = {}
    for (pred, values), d in depth.items():
        if pred == INTERPRETATION and values and values[0] is not None:
            found[values[0]] = min(d, found.get(values[0], d))
    return dict(sorted(found.items()))


def _pattern_depths(kb, conclusion: Union[str, Atom], interpretations: Iterable[str] | None) -> dict:
    """Every pattern (input, derived or internal) the goal-directed walk of :func:`input_patterns`
    reaches from the conclusion, with its distance in rules."""
    adopted = None if interpretations is None else set(interpretations)
    atom = kb.parse_pattern(conclusion)
    by_head: dict[str, list] = {}
    for rule in kb.program.compiled:
        by_head.setdefault(rule.head.pred, []).append(rule)
    start = (atom.pred, tuple(a.value if isinstance(a, Const) else None for a in atom.args))
    depth = {start: 0}
    queue = deque([start])
    while queue:  # 0-1 breadth first: internal predicates (fires__, blocked__) add no rule
        pattern = queue.popleft()
        pred, values = pattern
        for rule in by_head.get(pred, ()):
            binding = _match_head(rule.head.args, values)
            if binding is None or (adopted is not None and not _reading_fits(rule.body, adopted)):
                continue
            for item, _ in body_literals(rule.body):
                body = (item.atom.pred, tuple(
                    t.value if isinstance(t, Const) else binding.get(t.name) if isinstance(t, Var) else None
                    for t in item.atom.args))
                step = 0 if internal_owner(item.atom.pred) is not None else 1
                d = depth[pattern] + step
                if d < depth.get(body, d + 1):
                    depth[body] = d
                    queue.appendleft(body) if step == 0 else queue.append(body)
    return depth


def _reading_fits(body: tuple, adopted: set) -> bool:
    """Whether a rule body's interpretation conditions hold under the readings ``adopted``."""
    for item in body:
        if isinstance(item, Literal) and item.atom.pred == INTERPRETATION and item.atom.args \
                and isinstance(item.atom.args[0], Const) and (item.atom.args[0].value in adopted) == item.negated:
            return False
    return True


def _match_head(args: tuple, values: tuple) -> dict | None:
    """The variable binding under which a rule head matches a pattern, or None."""
    binding: dict = {}
    for term, value in zip(args, values):
        if isinstance(term, Const):
            if value is not None and term.value != value:
                return None
        elif isinstance(term, Var) and value is not None:
            if binding.setdefault(term.name, value) != value:
                return None
    return binding


def _matches(values: tuple, pattern_values: tuple) -> bool:
    return all(p is None or p == v for v, p in zip(values, pattern_values))


@dataclass(frozen=True)
class _Candidate:
    """A single change with what the search needs to know of it: its fact operations (for
    minimality: ``("-", X)``, ``("+", Y)``, or ``("~", X, Y)`` for a one-step move of a date
    or number, which is kept whole), its closeness to the conclusion, and the facts it touches."""
    change: Change
    ops: frozenset
    distance: int
    existing: bool
    facts: tuple
    values: frozenset = frozenset()


_ROLES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _id_roles(kb):
    """The role of each argument position, as ``role(pred, i)``: positions that some rule joins
    through a shared variable play the same role (``breach_caused_by(B, E), event(E, K)``: the
    cause of a failure is an event). Computed once per knowledge base."""
    if kb not in _ROLES:
        parent: dict = {}

        def find(x):
            parent.setdefault(x, x)
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for rule in kb.program.compiled:
            first: dict[str, tuple] = {}
            for atom in [rule.head] + [item.atom for item, inside in body_literals(rule.body) if not inside]:
                for i, term in enumerate(atom.args):
                    if isinstance(term, Var) and not term.name.startswith("_"):
                        a, b = find(first.setdefault(term.name, (atom.pred, i))), find((atom.pred, i))
                        if a != b:
                            parent[max(a, b)] = min(a, b)
        roles = {x: find(x) for x in list(parent)}
        _ROLES[kb] = lambda pred, i: roles.get((pred, i), (pred, i))
    return _ROLES[kb]


def _kind_rank(change: Change) -> int:
    return 0 if change.remove and not change.add else 1 if change.remove else 2


def _candidates(kb, scenario: Scenario, target: Atom, readings: bool = True) -> list[_Candidate]:
    """Every single change the flip search may try, closest to the conclusion first (see
    :func:`candidate_changes`)."""
    vocab = kb.vocabulary
    patterns: dict[str, list[tuple[tuple, int]]] = {}
    for (pred, values), d in input_patterns(kb, target, scenario.interpretations).items():
        patterns.setdefault(pred, []).append((values, d))

    def distance(key: tuple) -> int | None:
        found = [d for values, d in patterns.get(key[0], ()) if _matches(key[1], values)]
        return min(found) if found else None

    facts = sorted((f.key for f in scenario.facts if not f.is_interpretation), key=lambda k: vocab.render(*k))
    have = {vocab.render(*k) for k in facts}
    # the values the scenario and the conclusion use, by kind
    pool: dict[str, set] = {"id": set(), "date": set(), "amount": set(), "integer": set(), "string": set()}
    for name, args in facts + [(target.pred, tuple(getattr(a, "value", None) for a in target.args))]:
        for value, spec in zip(args, vocab.predicate(name).args):
            if spec.type.kind in pool and value is not None:
                pool[spec.type.kind].add(value)
    for d in list(pool["date"]):
        pool["date"] |= {d - 1, d + 1}
    out: list[_Candidate] = []
    for key in facts:  # removals
        d = distance(key)
        if d is not None:
            text = vocab.render(*key)
            out.append(_Candidate(Change(remove=text), frozenset({("-", text)}), d, True, (text,), frozenset(key[1])))
    for name, args in facts:  # changes: a date or number one step either way, another enum value
        if name not in patterns:
            continue
        old = vocab.render(name, args)
        for i, (value, spec) in enumerate(zip(args, vocab.predicate(name).args)):
            kind = spec.type.kind
            if kind in ("date", "integer", "amount"):  # one day, one unit, one cent
                alternatives = [v for v in (value - 1, value + 1) if kind == "date" or v >= 0 or value < 0]
                move = True
            elif kind == "enum":
                alternatives, move = [v for v, _ in spec.type.values if v != value], False
            else:
                continue
            for alt in alternatives:
                key = (name, args[:i] + (alt,) + args[i + 1:])
                new = vocab.render(*key)
                ds = [d for d in (distance((name, args)), distance(key)) if d is not None]
                if new in have or not ds or scenario.denial_of(key) is not None:
                    continue
                ops = frozenset({("~", old, new)}) if move else frozenset({("-", old), ("+", new)})
                out.append(_Candidate(Change(remove=old, add=new, kind="step" if move else "value"), ops, min(ds),
                                      True, (old, new), frozenset(args) | {alt}))
    switches: list[_Candidate] = []
    if readings:  # another reading of a clause the conclusion rests on: adopt it, or drop it
        adopted = set(scenario.interpretations)
        for name, d in readings_consulted(kb, target).items():
            text = f"{INTERPRETATION}({name})"
            change = Change(remove=text, kind="reading") if name in adopted else Change(add=text, kind="reading")
            if change.add and scenario.denial_of((INTERPRETATION, (name,))) is not None:
                continue
            switches.append(_Candidate(change, frozenset({("-" if change.remove else "+", text)}), d, True,
                                       (text,), frozenset()))
    # the names fit for each role: a name fills a role the rules link to one it plays in the
    # scenario or the conclusion (quake, an event, is no termination); a role no name plays takes
    # any name, in a fact that gives another of its names a role it plays
    role = _id_roles(kb)
    plays: dict[str, set] = {}
    for name, args in facts + [(target.pred, tuple(getattr(a, "value", None) for a in target.args))]:
        for i, (value, spec) in enumerate(zip(args, vocab.predicate(name).args)):
            if spec.type.kind == "id" and value is not None:
                plays.setdefault(value, set()).add(role(name, i))
    single_id = len(pool["id"]) == 1
    firsts = {(name, args[0]) for name, args in facts if args}
    additions: dict[str, _Candidate] = {}
    for name in sorted(patterns):
        decl = vocab.predicate(name)
        kinds = [a.type.kind for a in decl.args]
        id_roles = [role(name, i) for i, k in enumerate(kinds) if k == "id"]
        # a predicate that states an attribute of an id (its kind, its date, its amount ...): a
        # second fact of the same id is a change of the first, which is tried as such
        one_per_id = len(kinds) > 1 and kinds[0] == "id" and "id" not in kinds[1:]
        for values, d in sorted(patterns[name], key=lambda x: (x[1], [str(v) for v in x[0]])):
            choices = []
            for i, (value, spec) in enumerate(zip(values, decl.args)):
                kind = spec.type.kind
                if value is not None:
                    choices.append([value])
                elif kind == "enum":
                    choices.append([v for v, _ in spec.type.values])
                elif kind == "id":
                    fit = [v for v in pool["id"] if role(name, i) in plays.get(v, ())]
                    choices.append(sorted(fit or pool["id"]))
                else:
                    choices.append(sorted(pool.get(kind, ()), key=str))
            for combo in itertools.product(*choices):
                text = vocab.render(name, combo)
                if text in have or text in additions or scenario.denial_of((name, combo)) is not None:
                    continue  # a denied fact is never proposed
                if one_per_id and (name, combo[0]) in firsts:
                    continue
                ids = [v for v, k in zip(combo, kinds) if k == "id"]
                if len(set(ids)) < len(ids) and not single_id:
                    continue  # the same name in two roles: breach_caused_by(outage, outage)
                if ids and not any(r in plays.get(v, ()) for v, r in zip(ids, id_roles)):
                    continue  # no name in a role it plays: event(database, flood)
                additions[text] = _Candidate(Change(add=text), frozenset({("+", text)}),
                                             distance((name, combo)), False, (text,), frozenset(combo))
    out += switches
    out += sorted(additions.values(), key=lambda c: (c.distance, c.change.add))
    # a change that makes the scenario state facts that cannot both be stated (kb.constraints:
    # a second creation date, one termination asserted two ways) is no possible scenario
    out = [c for c in out if _possible(kb, scenario, (c.change,))]
    order = {id(c): i for i, c in enumerate(out)}
    # the scenario's own facts first, then the readings, then additions; closest first within each
    tier = {id(c): 1 for c in switches}
    return sorted(out, key=lambda c: (tier.get(id(c), 0 if c.existing else 2), c.distance, _kind_rank(c.change),
                                      order[id(c)]))


def _possible(kb, scenario: Scenario, changes) -> bool:
    """Whether the changes give a scenario the knowledge base accepts (its facts consistent)."""
    if not kb.constraints:
        return True
    try:
        apply_changes(kb, scenario, changes)
    except ScenarioError:
        return False
    return True


def candidate_changes(kb, scenario: Scenario, pred: Union[str, Atom], max_candidates: int = 400,
                      readings: bool = True) -> tuple[list[Change], bool]:
    """The single changes the flip search tries, in a fixed order: changes of the scenario's
    own facts first (remove one; move a date one day, an integer by one or an amount by one
    cent either way, never below zero; change one enum value), then (with ``readings``) the
    other reading of each interpretation the conclusion's rules consult (:func:`readings_consulted`:
    adopt it, or drop it if the scenario adopts it), then additions; within each, the facts
    closest to the conclusion (fewest rules between) first.

    Only facts the conclusion can depend on are touched, as :func:`input_patterns` finds them
    (a fact no rule that could derive this very conclusion reads cannot flip it). ``pred`` is
    the conclusion (``"liable(jd_cloud, outage)"`` or an Atom), or just its predicate name (then
    any fact of an input it depends on counts).

    A fact the scenario denies is never proposed (neither added nor changed to). Additions are
    built over the values the scenario and the conclusion use: their names, dates
    (and the days either side), amounts and integers (so ``liable(jd_cloud, outage)`` on an
    empty scenario tries ``add breach(jd_cloud, outage)``). Those that make no sense are left
    out: a second fact stating an attribute of an id the scenario already states
    (``event(quake, flood)`` beside ``event(quake, earthquake)``, or a second creation date of
    a service: the change of the first is tried instead); a fact naming the same id in two
    roles (``breach_caused_by(outage, outage)``, unless the scenario and the conclusion name a
    single id, when it is the only such fact there is); a name in a role the rules never link
    to one it plays (a failure is no event: a role is the set of argument positions that rules
    join through a shared variable; a role no name plays may take any name, in a fact that also
    gives one of its names a role it plays).

    Returns the changes and whether the list was cut at ``max_candidates``."""
    if isinstance(pred, str) and "(" not in pred:
        decl = kb.vocabulary.predicate(pred)
        if decl is None:
            raise ScenarioError(f"'{pred}' is not in the vocabulary")
        target = Atom(pred, tuple(Var(f"_{i}") for i in range(decl.arity)))
    else:
        target = kb.parse_pattern(pred)
    out = _candidates(kb, scenario, target, readings)
    return [c.change for c in out[:max_candidates]], len(out) > max_candidates


def _valid_pair(a: _Candidate, b: _Candidate, single_ops: set) -> bool:
    """Two changes that can be made together, and are not one single change in two parts."""
    removed = [c.change.remove for c in (a, b) if c.change.remove]
    added = [c.change.add for c in (a, b) if c.change.add]
    if len(set(removed)) < len(removed) or len(set(added)) < len(added):
        return False  # both touch the same fact
    return (a.ops | b.ops) not in single_ops  # remove X + add Y is the change of X to Y


_PARENTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _parents(kb) -> dict[str, frozenset]:
    """For each predicate, the predicates concluded by the rules that read it; for each
    ``interpretation(name)``, those concluded by the rules that consult that reading."""
    if kb not in _PARENTS:
        out: dict[str, set] = {}
        for rule in kb.program.compiled:
            for item, _ in body_literals(rule.body):
                out.setdefault(item.atom.pred, set()).add(rule.head.pred)
                if item.atom.pred == INTERPRETATION and item.atom.args and isinstance(item.atom.args[0], Const):
                    out.setdefault(f"{INTERPRETATION}({item.atom.args[0].value})", set()).add(rule.head.pred)
        _PARENTS[kb] = {p: frozenset(s) for p, s in out.items()}
    return _PARENTS[kb]


def _removes(c: _Candidate) -> bool:
    return bool(c.change.remove and not c.change.add)


def _pair_plan(kb, base: list[_Candidate], effects: dict, single_ops: set) -> list[tuple]:
    """The pairs worth trying, most promising first.

    Which: two changes can flip the answer together, when neither does alone, only where their
    effects meet: some rule concludes a predicate from what each of them changes (its own facts
    or the derived atoms it changed, ``effects``), or two rules conclude the same predicate from
    them. So each change gets the set of predicates concluded by the rules that read what it
    changes, and only pairs whose sets intersect are kept.

    In what order: by a score, two points if the two changes name a common value (their facts
    can join in a rule), one for each change that removes a fact, one for each change that moved
    something (changed a derived atom the conclusion depends on) without flipping it; ties go to
    the pairs closest to the conclusion (fewest rules between), then to the single changes'
    order. (Measured on every expectation of the built-in scenarios: this order finds most
    of the pairs that flip within the first 200.)"""
    parents = _parents(kb)
    empty: frozenset = frozenset()
    up = []
    for c in base:
        reach = set()
        for text in c.facts:  # a reading: the rules that consult it, not every rule that consults one
            reach |= parents.get(text if _pred_of(text) == INTERPRETATION else _pred_of(text), empty)
        for pred in effects[c]:
            reach |= parents.get(pred, empty)
        up.append(reach)
    scored = []
    for j in range(len(base)):
        for i in range(j):
            a, b = base[i], base[j]
            if up[i] & up[j] and _valid_pair(a, b, single_ops):
                score = (2 * bool(a.values & b.values) + _removes(a) + _removes(b)
                         + bool(effects[a]) + bool(effects[b]))
                scored.append(((-score, a.distance + b.distance, j, i), (a, b)))
    scored.sort(key=lambda x: x[0])
    return [pair for _, pair in scored]


def flip_search(kb, scenario: Scenario, conclusion: Union[str, Atom], *, max_size: int = 2,
                max_evaluations: int = 1500, time_budget: float | None = 2.0,
                max_candidates: int = 400, max_pairs: int | None = 200, readings: bool = True) -> FlipResult:
    """The smallest sets of changes (at most ``max_size``: 1 or 2) to the scenario's facts, and
    (with ``readings``) to the interpretations it adopts, that make the ground ``conclusion``
    hold if it does not, or stop holding if it does; ordered by how few and how material the
    changes are (:attr:`FlipSet.sort_key`, :data:`MATERIALITY`), and shown in rows where sets
    differ only in one value of one fact (:func:`group_flips`).

    Singles: the changes of :func:`candidate_changes` (at most ``max_candidates``, those closest
    to the conclusion first), each tried alone. Each try derives only what the conclusion depends
    on (as :meth:`KnowledgeBase.holds_in` does), which also tells which derived predicates the
    change moved without flipping the answer.

    Pairs: not all of them. Two changes can flip the answer together, when neither does alone,
    only if their effects meet in some rule (their facts, or the derived atoms they moved, are
    read by rules concluding the same predicate); only such pairs are tried, the most promising
    first (sharing a value, removing facts, moving derived atoms; then closest to the
    conclusion), at most ``max_pairs`` of them (see :func:`_pair_plan`).

    Minimal: a set is reported only when no smaller set found is part of it. A pair is reported
    only when neither of its changes flips the answer alone; "change X to Y" is not reported
    when "remove X" alone flips it (nor is a pair with it), except for a date, integer or amount
    moved by one step, which is kept beside the removal: it shows where the boundary lies.

    Bounded and deterministic: by ``max_candidates``, ``max_pairs``, ``max_evaluations``
    scenarios and ``time_budget`` seconds; with ``time_budget=None`` the result depends only on
    the input, not on the machine's speed. The result counts what was tried once
    (:meth:`FlipResult.tried_text`) and, when the search was cut short, says why; when there is
    nothing to try, it says so.

    A conclusion with variables, or one that is an input (a fact a scenario states, to be added
    or removed directly), is a ScenarioError."""
    vocab = kb.vocabulary
    atom = kb.parse_pattern(conclusion)
    if atom.pred in vocab.inputs:
        raise ScenarioError(f"{atom} is a fact of the scenario, not a conclusion: add it to the scenario or "
                            f"remove it directly")
    if not atom.is_ground():
        raise ScenarioError(f"choose one conclusion to flip, with no variables: {atom}")
    row = atom_key(atom)[1]
    target = vocab.render(atom.pred, row)
    derived = atom.pred in kb.program.derived

    patterns: dict[str, list] = {}
    if derived:  # under every reading when readings are switched: a superset is always right
        for (pred, values) in input_patterns(kb, atom, None if readings else scenario.interpretations):
            patterns.setdefault(pred, []).append(values)

    def model_of(s: Scenario) -> dict:
        # only the facts the conclusion can depend on (and the readings adopted): the same answer,
        # derived from fewer facts
        facts = [f.key for f in s.facts
                 if f.is_interpretation or any(_matches(f.key[1], p) for p in patterns.get(f.key[0], ()))]
        return kb.engine.evaluate(facts, only=[atom.pred]) if derived else {atom.pred: frozenset()}

    base_model = model_of(scenario)
    holds_now = row in base_model[atom.pred]
    result = FlipResult(target, makes_hold=not holds_now, max_size=max_size, kb=kb)
    everything = _candidates(kb, scenario, atom, readings) if derived else []
    pool = everything[:max_candidates]
    result.candidates = len(everything)
    if not pool:
        result.reason = NOTHING_TO_TRY
        return result
    reasons = []
    if len(everything) > max_candidates:
        reasons.append(f"only the {max_candidates} single changes closest to the conclusion were tried")
    watched = [p for p in base_model if p not in vocab.inputs]
    start = time.perf_counter()
    exhausted = False

    def evaluate(changes: tuple[_Candidate, ...]) -> dict | None:
        """The model of the scenario with the changes; {} for facts that cannot be stated
        together; None once a budget is spent. Every call that returns a dict counts as tried."""
        nonlocal exhausted
        if result.evaluations >= max_evaluations:
            reasons.append(f"evaluation budget of {max_evaluations} scenarios reached")
        elif time_budget is not None and time.perf_counter() - start > time_budget:
            reasons.append(f"time budget of {time_budget:g} s reached")
        else:
            result.evaluations += 1
            if len(changes) > 1 and not _possible(kb, scenario, [c.change for c in changes]):
                return {}  # two changes that together state contradicting facts: not a scenario
            return model_of(apply_changes(kb, scenario, [c.change for c in changes]))
        exhausted = True
        return None

    flipped: list[tuple[_Candidate, ...]] = []
    tried: list[_Candidate] = []
    effects: dict[_Candidate, frozenset] = {}
    for cand in pool:
        model = evaluate((cand,))
        if model is None:
            break
        result.singles_tried += 1
        if (row in model[atom.pred]) != holds_now:
            flipped.append((cand,))
        else:
            tried.append(cand)
            effects[cand] = frozenset(p for p in watched if model[p] != base_model[p])
    flip_ops = [c[0].ops for c in flipped]
    if max_size >= 2 and not exhausted:
        # a change that contains a flipping change (X to Y when removing X flips) is not minimal,
        # and neither is any pair with it
        base = [c for c in tried if not any(ops < c.ops for ops in flip_ops)]
        plan = _pair_plan(kb, base, effects, {c.ops for c in pool})
        result.pairs_found = len(plan)
        if max_pairs is not None and len(plan) > max_pairs:
            reasons.append(f"only the {max_pairs} most promising pairs were tried")
            plan = plan[:max_pairs]
        for pair in plan:
            model = evaluate(pair)
            if model is None:
                break
            result.pairs_tried += 1
            if model and (row in model[atom.pred]) != holds_now:
                flipped.append(pair)
    all_ops = [frozenset().union(*(c.ops for c in f)) for f in flipped]
    for f, ops in zip(flipped, all_ops):
        if not any(other < ops for other in all_ops):
            result.flips.append(FlipSet(tuple(sorted((c.change for c in f), key=lambda c: c.sort_key))))
    result.flips.sort(key=lambda f: f.sort_key)
    result.groups = group_flips(kb, result.flips)
    if reasons:
        result.truncated, result.reason = True, "; ".join(reasons)
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
