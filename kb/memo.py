"""A legal memo: the answer to a question about a scenario, written in the classic order.

:meth:`Evaluation.memo` (and ``python -m kb memo SCENARIO.yaml --query PATTERN --out FILE``)
writes, for one or more questions:

1. **Question**: each question as a sentence (the atom beside it);
2. **Short answer**: yes, no or open, in a sentence, with the clauses it rests on;
3. **Facts**: the facts stated in the scenario, those it denies and those in question, as sentences;
4. **Rules applied**: the derivation as nested reasons (or why it does not hold), each clause's
   words quoted (see :mod:`kb.explain`);
5. **Interpretations**: the readings in force that bear on the answer (those consulted by a rule
   the derivation or the why-not reaches), and the answer under the other reading of each: the
   scenario evaluated again with that reading switched (at most ``max_readings`` of them; the
   memo says which it left out);
6. **Open points**: the facts that would change the answer: for an open answer, the facts in
   question that decide it; otherwise the smallest changes found by a bounded, deterministic
   search (:func:`kb.whatif.flip_search`; the memo says how much it tried).

The memo renders as Markdown (:meth:`Memo.to_markdown`) and HTML (:meth:`Memo.to_html`,
escaped; shown by notebooks). The output is deterministic: sorted, no time stamps, nothing that
depends on memory addresses or hash seeds.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Union

from .errors import KbError
from .explain import md_escape
from .sentences import sentence_case, standalone
from .textsafe import one_line

MAX_ROWS = 5  # the answers of a question with variables explained in the memo


@dataclass
class Part:
    """A piece of a section, in both forms."""

    markdown: str
    html: str


@dataclass
class Section:
    title: str
    parts: list[Part] = field(default_factory=list)

    def add(self, markdown: str, html_text: str) -> None:
        self.parts.append(Part(markdown, html_text))


@dataclass(repr=False)
class Memo:
    """A legal memo on one scenario (see the module doc): ``sections`` in the classic order."""

    title: str
    agreement: str
    sections: list[Section]
    answers: list = field(default_factory=list)  # the Answer of each question

    def to_markdown(self) -> str:
        lines = [f"# {md_escape(self.title)}", "", f"*{md_escape(self.agreement)}*", ""]
        for section in self.sections:
            lines += [f"## {section.title}", ""]
            for part in section.parts:
                lines += [part.markdown.rstrip("\n"), ""]
        return "\n".join(lines).rstrip("\n") + "\n"

    def to_html(self) -> str:
        e = html.escape
        parts = ["<article class='kb-memo'>", f"<h1>{e(self.title)}</h1>", f"<p><i>{e(self.agreement)}</i></p>"]
        for section in self.sections:
            parts.append(f"<section><h2>{e(section.title)}</h2>")
            parts += [p.html for p in section.parts]
            parts.append("</section>")
        parts.append("</article>")
        return "\n".join(parts) + "\n"

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_markdown()

    def __repr__(self) -> str:
        return self.to_markdown()

    def save(self, path, *, force: bool = False) -> None:
        """Write the memo to ``path`` (HTML for ``.html``/``.htm``, Markdown for ``.md``); an
        existing file is refused (FileExistsError) unless ``force``. Both are atomic
        (:mod:`kb.files`): a reader never sees half a memo, and of several saves to the same new
        path at once exactly one succeeds."""
        from pathlib import Path

        from .files import write_new, write_replace

        path = Path(path)
        text = self.to_html() if path.suffix.lower() in (".html", ".htm") else self.to_markdown()
        if force:
            write_replace(path, text)
        else:
            write_new(path, text)


# --- building -------------------------------------------------------------------------------

def build_memo(evaluation, queries: Union[str, list], *, max_readings: int = 20, flip_budget: int = 120) -> Memo:
    """The memo answering ``queries`` (a pattern such as ``liable(jd_cloud, B)``, or a list of
    them) on ``evaluation``'s scenario."""
    from .errors import ScenarioError

    if isinstance(queries, str):
        queries = [queries]
    queries = list(queries)
    if not queries:
        raise ScenarioError("a memo needs a question: give at least one query such as 'liable(jd_cloud, B)'")
    kb = evaluation.kb
    answers = [evaluation.answer(q) for q in queries]
    reasons = [_reasons(evaluation, a) for a in answers]
    many = len(queries) > 1

    def heading(i: int, section: Section) -> None:
        if many:
            section.add(f"### Question {i + 1}", f"<h3>Question {i + 1}</h3>")

    question = Section("Question")
    for i, answer in enumerate(answers):
        said = answer.sentence or answer.query
        md = (f"{f'{i + 1}. ' if many else ''}Does it follow from the facts below that "
              f"{md_escape(said)}? (`{answer.query}`)")
        question.add(md, f"<p>{f'{i + 1}. ' if many else ''}Does it follow from the facts below that "
                         f"<span class='kb-sentence' title='{_e(answer.query)}'>{_e(said)}</span>? "
                         f"(<code>{_e(answer.query)}</code>)</p>")

    short = Section("Short answer")
    for i, (answer, found) in enumerate(zip(answers, reasons)):
        heading(i, short)
        _short_answer(short, answer, found, kb)

    facts = Section("Facts")
    _facts(facts, evaluation)

    rules = Section("Rules applied")
    for i, found in enumerate(reasons):
        heading(i, rules)
        for note in found["notes"]:
            rules.add(md_escape(note), f"<p>{_e(note)}</p>")
        for item in found["items"]:
            rules.add(item.to_markdown(), item.to_html())

    readings = Section("Interpretations")
    for i, (answer, found) in enumerate(zip(answers, reasons)):
        heading(i, readings)
        _interpretations(readings, evaluation, answer, found, max_readings)

    open_points = Section("Open points")
    for i, answer in enumerate(answers):
        heading(i, open_points)
        _open_points(open_points, evaluation, answer, flip_budget)

    title = f"Memo: {one_line(evaluation.scenario.name)}"  # one line, nothing raw (kb.textsafe)
    return Memo(title, f"On the {kb.title}.", [question, short, facts, rules, readings, open_points], answers)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _reasons(evaluation, answer) -> dict:
    """The explanations of an answer (or its why-not), the rules and clauses they reach."""
    notes = []
    if answer.value == "no":
        items = [evaluation.why_not(answer.query)]
    else:
        rows = answer.rows
        if len(rows) > MAX_ROWS:
            notes.append(f"The first {MAX_ROWS} of {len(rows)} answers are explained.")
            rows = rows[:MAX_ROWS]
        items = [evaluation.explain(r.conclusion) for r in rows]
    rule_ids = sorted({r for item in items for r in item.rule_ids()})
    clause_ids = []
    for item in items:
        for cid in item.clause_ids():
            if cid not in clause_ids:
                clause_ids.append(cid)
    order = {cid: n for n, cid in enumerate(evaluation.kb.clauses.ids())}
    clause_ids.sort(key=lambda c: order.get(c, len(order)))
    return {"items": items, "rules": rule_ids, "clauses": clause_ids, "notes": notes}


def _short_answer(section: Section, answer, found: dict, kb) -> None:
    section.add(f"**{md_escape(answer.headline())}**", f"<p><b>{_e(answer.headline())}</b></p>")
    bound = [r for r in answer.rows if r.bindings]
    if bound:
        md = "\n".join(f"- {md_escape(standalone(r.sentence, r.text))}{' (open)' if r.value == 'open' else ''}"
                       for r in bound)
        section.add(md, "<ul>" + "".join(f"<li>{_e(standalone(r.sentence, r.text))}"
                                         f"{' (open)' if r.value == 'open' else ''}</li>" for r in bound) + "</ul>")
    if answer.value == "open":
        lines = [f"It holds if {c.to_text()}." for c in answer.holds_if]
        lines += [f"It does not hold if {c.to_text()}." for c in answer.fails_if]
        section.add("\n".join(f"- {md_escape(x)}" for x in lines),
                    "<ul>" + "".join(f"<li>{_e(x)}</li>" for x in lines) + "</ul>")
    if found["clauses"]:
        what = "The answer rests on" if answer.value != "no" else "The rules considered cite"
        text = f"{what} clause{'s' if len(found['clauses']) != 1 else ''} {', '.join(found['clauses'])}."
        section.add(md_escape(text), f"<p>{_e(text)}</p>")


def _facts(section: Section, evaluation) -> None:
    found = evaluation.fact_sentences()
    headings = {"stated": "Stated in the scenario", "denied": "Denied (established as not so)",
                "in question": "In question (may be either)"}
    for key in ("stated", "denied", "in question"):
        items = found[key]
        if key != "stated" and not items:
            continue
        if not items:
            section.add(f"{headings[key]}: none.", f"<p>{headings[key]}: none.</p>")
            continue
        md = f"{headings[key]}:\n\n" + "\n".join(_fact_markdown(a, s) for a, s in items)
        hl = f"<p>{headings[key]}:</p><ul>" + "".join(f"<li>{_fact_html(a, s)}</li>" for a, s in items) + "</ul>"
        section.add(md, hl)


def _fact_markdown(atom: str, sentence: str) -> str:
    """``- The event quake is an earthquake. (`event(quake, earthquake)`)``; an atom without a
    template once."""
    if not sentence or sentence == atom:
        return f"- `{atom}`"
    return f"- {md_escape(standalone(sentence, atom))} (`{atom}`)"


def _fact_html(atom: str, sentence: str) -> str:
    if not sentence or sentence == atom:
        return f"<code>{_e(atom)}</code>"
    return f"<span class='kb-sentence' title='{_e(atom)}'>{_e(standalone(sentence, atom))}</span>"


def _interpretations(section: Section, evaluation, answer, found: dict, max_readings: int) -> None:
    """The readings in force, and the answer under the other reading of each that could change it:
    first those consulted by a rule the derivation (or why-not) reaches, then the others the
    question depends on (nearest first), at most ``max_readings`` evaluated."""
    from .knowledge import _interpretation_users
    from .whatif import readings_consulted

    kb = evaluation.kb
    vocab = kb.vocabulary
    users = _interpretation_users(kb.program)
    reached = set(found["rules"])
    adopted = set(evaluation.scenario.interpretations)
    near = sorted(name for name in vocab.interpretations if users.get(name, set()) & reached)
    depends = readings_consulted(kb, answer.query)
    far = sorted((n for n in depends if n not in near and n in vocab.interpretations), key=lambda n: (depends[n], n))
    candidates = near + far
    if adopted:
        names = ", ".join(f"\u201c{vocab.interpretations[n].title}\u201d ({n})" if n in vocab.interpretations else n
                          for n in sorted(adopted))
        intro = f"The scenario adopts the alternative reading {names}; every other passage is read by its default."
    else:
        intro = "The scenario reads every ambiguous passage by its default reading."
    section.add(md_escape(intro), f"<p>{_e(intro)}</p>")
    if not candidates:
        text = "The question depends on no interpretation: no other reading could change the answer."
        section.add(md_escape(text), f"<p>{_e(text)}</p>")
        return
    tried, left = candidates[:max_readings], candidates[max_readings:]
    changed, same, failed = [], [], []
    for name in tried:
        on = name in adopted
        try:
            switched = kb.vary(evaluation.scenario, remove=[f"interpretation({name})"]) if on \
                else kb.vary(evaluation.scenario, add=[f"interpretation({name})"])
            other = kb.evaluate(switched).answer(answer.query)
        except KbError as exc:  # a reading the scenario's facts rule out
            failed.append((name, str(exc)))
            continue
        if other.value != answer.value or [r.text for r in other.rows] != [r.text for r in answer.rows]:
            changed.append((name, other))
        else:
            same.append(name)
    n = len(candidates)
    text = (f"The question depends on {n} interpretation{'s' if n != 1 else ''}; the scenario was evaluated again "
            f"under the other reading of {'each' if not left else f'{len(tried)} of them'}")
    text += (f" ({len(near)} consulted by the rules above, the others nearest the question first)."
             if near and far else ".")
    section.add(md_escape(text), f"<p>{_e(text)}</p>")
    if changed:
        md, hl = [], []
        for name, other in changed:
            interp = vocab.interpretations[name]
            on = name in adopted
            other_name = "the default reading" if on else f"the alternative \u201c{interp.title}\u201d"
            reading = (interp.default if on else interp.alternative).rstrip(".")
            result = f"the answer would be {other.value}: {other.headline().split(': ', 1)[1].rstrip('.')}"
            in_force = "the alternative" if on else "the default"
            md.append(f"- **{md_escape(name)}** ({md_escape(', '.join(interp.clauses))}): "
                      f"{md_escape(interp.question)} *(In force: {in_force}.)* Under {md_escape(other_name)} "
                      f"({md_escape(reading)}), **{md_escape(result)}**.")
            hl.append(f"<li><b><code>{_e(name)}</code></b> ({_e(', '.join(interp.clauses))}): {_e(interp.question)} "
                      f"<i>(In force: {in_force}.)</i> Under {_e(other_name)} ({_e(reading)}), "
                      f"<b>{_e(result)}</b>.</li>")
        head = "Readings that would change the answer:"
        section.add(f"{head}\n\n" + "\n".join(md), f"<p>{head}</p><ul>{''.join(hl)}</ul>")
    else:
        text = f"No other reading evaluated changes the answer: it stays {answer.value}."
        section.add(md_escape(text), f"<p>{_e(text)}</p>")
    same.sort()
    if same and changed:
        text = f"Under the other reading of each of these, the answer stays {answer.value}: {', '.join(same)}."
        section.add(md_escape(text), f"<p>{_e(text)}</p>")
    elif same:
        text = f"Readings evaluated: {', '.join(same)}."
        section.add(md_escape(text), f"<p>{_e(text)}</p>")
    for name, reason in failed:
        text = f"{name}: the other reading cannot be evaluated with these facts ({reason})."
        section.add(md_escape(text), f"<p>{_e(text)}</p>")
    if left:
        text = f"Not evaluated ({len(left)}; at most {max_readings} are): {', '.join(left)}."
        section.add(md_escape(text), f"<p>{_e(text)}</p>")


def _open_points(section: Section, evaluation, answer, flip_budget: int) -> None:
    from .errors import KbError
    from .whatif import flip_search, group_sentence

    kb = evaluation.kb
    if answer.value == "open":
        said = evaluation._fact_sentence()
        facts = answer.decided_by()
        text = "The answer turns on the facts in question:"
        md = md_escape(text) + "\n\n" + "\n".join(_fact_markdown(f, said.get(f, f)) for f in facts)
        hl = f"<p>{_e(text)}</p><ul>" + "".join(f"<li>{_fact_html(f, said.get(f, f))}</li>" for f in facts) + "</ul>"
        section.add(md, hl)
        return
    atom = kb.parse_pattern(answer.query)
    if atom.pred in kb.vocabulary.inputs:
        text = "The question is a fact of the scenario: stating or removing it changes the answer."
        section.add(md_escape(text), f"<p>{_e(text)}</p>")
        return
    if atom.is_ground():
        targets = [answer.query]
    elif answer.value == "yes":
        targets = [r.text for r in answer.rows[:1]]
    else:
        text = ("The question names no particular case (it has variables): ask about one, such as "
                "a particular failure, for the facts that would make it hold.")
        section.add(md_escape(text), f"<p>{_e(text)}</p>")
        return
    for target in targets:
        try:
            result = flip_search(
                kb, evaluation.scenario, target, max_size=2, max_evaluations=flip_budget, time_budget=None,
                readings=False)
        except KbError as exc:
            text = f"No search for what would change the answer: {exc}"
            section.add(md_escape(text), f"<p>{_e(text)}</p>")
            continue
        goal = "hold" if result.makes_hold else "stop holding"
        ground = kb.parse_pattern(target)
        sentence = kb.conclusion(ground.pred, tuple(a.value for a in ground.args)).sentence
        head = f"What would make it {goal} that {sentence}"
        tried = result.tried_text() + "." if result.candidates else (result.reason or "nothing to try") + "."
        if not result.groups:
            text = f"{head}: no change of one or two facts found. {tried}"
            section.add(md_escape(text), f"<p>{_e(text)}</p>")
            continue
        rows = [sentence_case(group_sentence(kb, g)) for g in result.groups]
        rows_html = [group_sentence(kb, g, html=True) for g in result.groups]
        cut = f" (search cut short: {result.reason})" if result.truncated else ""
        md = (f"{md_escape(head)}:\n\n" + "\n".join(f"{n}. {md_escape(r)}" for n, r in enumerate(rows, 1))
              + f"\n\n{md_escape(tried + cut)}")
        hl = (f"<p>{_e(head)}:</p><ol>" + "".join(f"<li>{r}</li>" for r in rows_html) + "</ol>"
              f"<p>{_e(tried + cut)}</p>")
        section.add(md, hl)
