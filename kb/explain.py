"""Explanations: why a conclusion holds, and why one does not.

:func:`Explainer.explain` rebuilds a derivation tree from the evaluated model: each step names its
rule, the clause ids the rule cites and the quoted clause text, the facts it rests on, the
conditions it checked, and the exceptions that could have defeated it (with why each did not
apply, or which exception defeated it). :func:`Explainer.why_not` reports, for each rule that
could conclude the question, the first condition that fails, or the exception that defeats it.

Every atom is kept in both forms: as written (``exempt_from_liability(jd_cloud, outage)``, the
``atom``) and as the analyst reads it (``JD Cloud is exempt from liability for the failure
outage``, the ``sentence``, from the vocabulary's templates: :mod:`kb.sentences`).

They render as nested reasons: the conclusion as a sentence; ``because`` and the rule's gloss, with
its clause and rule id; the clause quoted; the facts it rests on (stated in the scenario, denied,
in question) and the conditions it checked; the exceptions that did not apply collapsed into one
line (``none of the 11 exceptions applies: 9.1 force majeure, 3.1.10 backup, ...``), listed with
their reasons on demand (``verbose=True``, an HTML ``<details>``, JSON). A sub-derivation that
occurs twice is shown once; the second occurrence says ``(shown above)``.

Renderings: plain text (``to_text(atoms=False, verbose=False)``: stable, for the CLI and nbval;
``atoms=True`` shows atoms where the default shows sentences), HTML (``to_html``, notebooks: the
atom of each sentence in its tooltip), Markdown (``to_markdown``, the memo) and JSON-ready dicts
(``to_json``: both forms of every atom). Every list is sorted, so output never depends on
evaluation order or hash seeds.
"""
from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field

from .clauses import ClauseTree
from .matching import (
    ModelView, Subst, aggregate_solutions, deepest_failure, evaluate_expr, ground, instantiate, match_body, unify,
)
from .program import BLOCKED, FIRES, Program
from .sentences import atom_sentence, decapitalised, open_argument, sentence_case
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

    @property
    def ref(self) -> str:
        """``9.1; rule fm_no_liability``: the clauses and the rule, as a reference."""
        return f"{', '.join(self.cites)}; rule {self.id}" if self.cites else f"rule {self.id}"

    @property
    def because(self) -> str:
        """``because <the gloss>``, the gloss continuing the sentence (no final full stop)."""
        gloss = self.gloss.strip().rstrip(".")
        return f"because {decapitalised(gloss)}" if gloss else "because of this rule"

    def to_json(self) -> dict:
        return {"id": self.id, "gloss": self.gloss, "cites": self.cites,
                "quotes": [{"clause": c, "text": t} for c, t in self.quotes], "location": self.location}


@dataclass
class Step:
    """One node of a derivation: a fact of the scenario, or a conclusion of a rule. ``atom`` is
    the atom as written, ``sentence`` as the analyst reads it (``sentence_html``: escaped, values
    marked); ``conditions`` (atoms) and ``condition_sentences`` are the negations and comparisons
    the rule checked, in both forms; a fact's ``status`` says where it comes from."""

    atom: str
    kind: str  # "fact" | "rule"
    rule: RuleInfo | None = None
    premises: list["Step"] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)  # negations and comparisons that held
    exceptions: list["ExceptionNote"] = field(default_factory=list)
    parameters: list[dict] = field(default_factory=list)  # the numbers from the text the rule used
    sentence: str = ""
    sentence_html: str = ""
    condition_sentences: list[str] = field(default_factory=list)
    status: str = ""  # a fact: "stated in the scenario, line 9", "in question, established in this case"

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

    def rule_ids(self) -> set[str]:
        """Every rule of the derivation: the rules used, and the exceptions considered."""
        ids = {self.rule.id} if self.rule else set()
        for p in self.premises:
            ids |= p.rule_ids()
        for e in self.exceptions:
            ids.add(e.rule.id)
            if e.defeated_by is not None:
                ids |= e.defeated_by.rule_ids()
        return ids

    def to_json(self) -> dict:
        out = {"atom": self.atom, "sentence": self.sentence or self.atom, "kind": self.kind}
        if self.status:
            out["status"] = self.status
        if self.rule:
            out["rule"] = self.rule.to_json()
        if self.conditions:
            out["conditions"] = self.conditions
            out["condition_sentences"] = self.condition_sentences or self.conditions
        if self.exceptions:
            out["exceptions"] = [e.to_json() for e in self.exceptions]
        if self.parameters:
            out["parameters"] = self.parameters
        if self.premises:
            out["premises"] = [p.to_json() for p in self.premises]
        return out


@dataclass
class ExceptionNote:
    """An exception to the rule of a step: it did not apply, or it was itself defeated. ``label``
    names it briefly (``9.1 force majeure``); ``reason`` and ``reason_sentence`` say why it did
    not apply."""

    rule: RuleInfo
    status: str  # "did not apply" | "defeated"
    reason: str = ""
    defeated_by: Step | None = None
    label: str = ""
    reason_sentence: str = ""

    def to_json(self) -> dict:
        out = {"exception": self.rule.to_json(), "status": self.status, "label": self.label or self.rule.id}
        if self.reason:
            out["reason"] = self.reason
            out["reason_sentence"] = self.reason_sentence or self.reason
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

    def to_text(self, atoms: bool = False, verbose: bool = False) -> str:
        lines: list[str] = []
        for item in self.items(atoms):
            _item_text(item, lines, "", "", verbose)
        return "\n".join(lines)

    def to_html(self, atoms: bool = False) -> str:
        items = self.items(atoms)
        head, rest = items[0], items[1:]
        parts = [f"<div class='{self._css}'>", _item_html(head, top=True)]
        parts += [_item_html(item, top=True) for item in rest]
        parts.append("</div>")
        return "".join(parts)

    def to_markdown(self, atoms: bool = False) -> str:
        lines: list[str] = []
        for item in self.items(atoms):
            _item_markdown(item, lines, "", top=True)
        return "\n".join(lines)

    _css = "kb-explanation"

    def items(self, atoms: bool = False) -> list["Item"]:  # pragma: no cover - each class defines it
        raise NotImplementedError


def _clauses_item(clauses: ClauseTree, ids: list[str]) -> "Item":
    return Item("Clauses relied on:", kind="heading",
                children=[Item(f"{cid}: {_clause_text(clauses, cid)}", kind="clause", clause=cid) for cid in ids])


@dataclass(repr=False)
class Explanation(_Renderable):
    """Why a conclusion holds: the derivation tree and the clauses it relied on. ``conclusion``
    is the atom as written, ``sentence`` as the analyst reads it."""

    conclusion: str
    holds: bool
    root: Step | None
    clauses: ClauseTree = field(repr=False, default=None)
    note: str = ""  # e.g. that it holds whatever the facts in question
    sentence: str = ""
    sentence_html: str = ""

    @property
    def atom(self) -> str:
        return self.conclusion

    def clause_ids(self) -> list[str]:
        """Every clause the derivation cites, in document order."""
        ids = self.root.clause_ids() if self.root else set()
        return _in_document_order(ids, self.clauses)

    def rule_ids(self) -> list[str]:
        """Every rule of the derivation (used, or an exception considered), sorted."""
        return sorted(self.root.rule_ids()) if self.root else []

    def to_json(self) -> dict:
        out = {"conclusion": self.conclusion, "sentence": self.sentence or self.conclusion, "holds": self.holds,
               "derivation": self.root.to_json() if self.root else None,
               "clauses": [{"id": c, "text": self.clauses[c].text or self.clauses.full_text(c)}
                           for c in self.clause_ids()]}
        if self.note:
            out["note"] = self.note
        return out

    def items(self, atoms: bool = False) -> list["Item"]:
        shown = self.conclusion if atoms else self.sentence or self.conclusion
        if not self.holds or self.root is None:
            return [Item(f"{_standalone(shown, atoms)[:-1]}: does not hold (ask why_not for the reasons).",
                         _h(f"{_standalone(shown, atoms)[:-1]}: does not hold (ask why_not for the reasons)."),
                         kind="headline")]
        head = _step_item(self.root, atoms, set(), top=True)
        if head.note:  # a fact of the scenario: where it comes from, then the note
            head.text = f"{_standalone(shown, atoms)}  ({head.note})"
            head.note = ""
            self_html = f"{_standalone_html(self, atoms)} ({_h(self.root.status)})"
        else:
            head.text = _standalone(shown, atoms)
            self_html = _standalone_html(self, atoms)
        head.text += f" {self.note}" if self.note else ""
        head.html = self_html + (f" {_h(self.note)}" if self.note else "")
        head.kind = "headline"
        ids = self.clause_ids()
        return [head, _clauses_item(self.clauses, ids)] if ids else [head]


_SOME_RE = re.compile(r"\b(?:the|a|an) some ")  # "among the some category" -> "among some category"
_ATOM_RE = re.compile(r"^(not )?[a-z][A-Za-z0-9_]*(\(.*\))?$", re.DOTALL)


def _standalone(text: str, atoms: bool) -> str:
    """A conclusion standing alone: a sentence capitalised with a full stop; an atom (asked for, or
    shown because its predicate has no template) as written, with a full stop."""
    return f"{text}." if atoms or _ATOM_RE.match(text) else sentence_case(text)


def _standalone_html(explanation, atoms: bool) -> str:
    if atoms or not explanation.sentence_html or explanation.sentence == explanation.conclusion:
        return _h(_standalone(explanation.conclusion if atoms else explanation.sentence or explanation.conclusion,
                              atoms))
    shown = explanation.sentence_html
    if shown[:1].isalpha():
        shown = shown[0].upper() + shown[1:]
    elif shown.startswith("<span") and ">" in shown:  # a value first: capitalise inside its span
        cut = shown.index(">") + 1
        shown = shown[:cut] + shown[cut:cut + 1].upper() + shown[cut + 1:]
    return shown + "."


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
    sentence: str = ""

    _css = "kb-explanation kb-open"

    @property
    def atom(self) -> str:
        return self.conclusion

    def clause_ids(self) -> list[str]:
        ids: set[str] = set()
        for _, inner in self.cases:
            ids |= set(inner.clause_ids())
        return _in_document_order(ids, self.clauses)

    def rule_ids(self) -> list[str]:
        ids: set[str] = set()
        for _, inner in self.cases:
            ids |= set(inner.rule_ids())
        return sorted(ids)

    def to_json(self) -> dict:
        return {"conclusion": self.conclusion, "sentence": self.sentence or self.conclusion, "value": "open",
                "cases": [{"condition": c.to_json(), "holds": inner.holds, "explanation": inner.to_json()}
                          for c, inner in self.cases]}

    def items(self, atoms: bool = False) -> list["Item"]:
        shown = self.conclusion if atoms else self.sentence or self.conclusion
        head = (f"{_standalone(shown, atoms)[:-1]}: open. It holds in some cases of the facts in question and "
                f"not in others.")
        out = [Item(head, kind="headline")]
        for condition, inner in self.cases:
            outcome = "it holds" if inner.holds else "it does not hold"
            case = Item(f"If {condition.to_text(atoms)}, {outcome}:", kind="case")
            case.children = inner.items(atoms)
            out.append(case)
        return out


@dataclass
class Reason:
    """Why one rule does not conclude the question (``failed`` and ``detail`` with atoms,
    ``detail_sentence`` and ``satisfied_sentences`` as the analyst reads them)."""

    rule: RuleInfo
    failed: str  # the condition that fails, as read
    detail: str  # plain-language explanation of the failure
    satisfied: list[str] = field(default_factory=list)  # conditions that did hold before it
    defeated_by: Step | None = None
    nested: list["WhyNot"] = field(default_factory=list)
    detail_sentence: str = ""
    satisfied_sentences: list[str] = field(default_factory=list)

    def rule_ids(self) -> set[str]:
        ids = {self.rule.id}
        if self.defeated_by is not None:
            ids |= self.defeated_by.rule_ids()
        for n in self.nested:
            ids |= set(n.rule_ids())
        return ids

    def to_json(self) -> dict:
        out = {"rule": self.rule.to_json(), "failed": self.failed, "detail": self.detail,
               "detail_sentence": self.detail_sentence or self.detail,
               "satisfied": self.satisfied, "satisfied_sentences": self.satisfied_sentences or self.satisfied}
        if self.defeated_by is not None:
            out["defeated_by"] = self.defeated_by.to_json()
        if self.nested:
            out["nested"] = [n.to_json() for n in self.nested]
        return out


@dataclass(repr=False)
class WhyNot(_Renderable):
    """Why a question has no answer: for each rule that could conclude it, what is missing.
    ``question`` and ``answers`` are atoms; ``question_sentence`` and ``answer_sentences`` the
    same as sentences."""

    question: str
    holds: bool
    answers: list[str]
    reasons: list[Reason]
    note: str = ""
    clauses: ClauseTree = field(repr=False, default=None)
    question_sentence: str = ""
    answer_sentences: list[str] = field(default_factory=list)

    _css = "kb-why-not"

    def clause_ids(self) -> list[str]:
        ids: set[str] = set()
        for r in self.reasons:
            ids |= set(r.rule.cites)
            if r.defeated_by is not None:
                ids |= r.defeated_by.clause_ids()
        order = {cid: i for i, cid in enumerate(self.clauses.ids())}
        return sorted(ids, key=lambda c: order.get(c, len(order)))

    def rule_ids(self) -> list[str]:
        ids: set[str] = set()
        for r in self.reasons:
            ids |= r.rule_ids()
        return sorted(ids)

    def to_json(self) -> dict:
        return {"question": self.question, "question_sentence": self.question_sentence or self.question,
                "holds": self.holds, "answers": self.answers,
                "answer_sentences": self.answer_sentences or self.answers,
                "note": self.note, "reasons": [r.to_json() for r in self.reasons]}

    def items(self, atoms: bool = False) -> list["Item"]:
        return [_why_not_item(self, atoms, set())]


# --- the reasons tree, rendered as text, HTML and Markdown ------------------------------

@dataclass
class Item:
    """One line of a reasons tree, with what hangs under it: the rule that concludes it
    (``because`` and its reference), the clause quotes, the items it rests on. ``hidden``
    children are shown on demand (a closed HTML ``<details>``; in text, only when verbose)."""

    text: str
    html: str = ""  # the same as HTML ("" = the text escaped)
    title: str = ""  # a tooltip: the atom of a sentence (or the sentence of an atom)
    note: str = ""  # where a fact comes from, or a marker such as "shown above"
    because: str = ""
    ref: str = ""  # "9.1; rule fm_no_liability"
    quotes: list[tuple[str, str]] = field(default_factory=list)
    children: list["Item"] = field(default_factory=list)
    hidden: bool = False
    kind: str = "step"  # headline | step | fact | condition | exceptions | heading | clause | case | line
    clause: str = ""  # for a clause item: its id


def _atom_and_sentence(atoms: bool, atom: str, sentence: str, sentence_html: str = "") -> tuple[str, str, str]:
    """(text, html, tooltip) of an atom shown as an atom (``atoms``) or as a sentence."""
    if atoms or not sentence:
        return atom, _h(atom), sentence if sentence and sentence != atom else ""
    return sentence, sentence_html or _h(sentence), atom


def _step_item(step: Step, atoms: bool, seen: set, top: bool = False) -> Item:
    text, shown_html, title = _atom_and_sentence(atoms, step.atom, step.sentence, step.sentence_html)
    if step.kind == "fact":
        return Item(text, shown_html, title, note=step.status, kind="fact")
    if id(step) in seen:
        return Item(text, shown_html, title, note="shown above", kind="step")
    seen.add(id(step))
    item = Item(text, shown_html, title, because=step.rule.because, ref=step.rule.ref, quotes=list(step.rule.quotes))
    conditions = step.conditions if atoms or not step.condition_sentences else step.condition_sentences
    item.children += [Item(c, kind="condition") for c in conditions]
    item.children += _exception_items(step.exceptions, atoms, seen)
    item.children += [_step_item(p, atoms, seen) for p in step.premises]
    return item


def exceptions_line(labels: list[str]) -> str:
    """The one line that stands for the exceptions that did not apply."""
    if len(labels) == 1:
        return f"the exception does not apply: {labels[0]}"
    return f"none of the {len(labels)} exceptions applies: {', '.join(labels)}"


def _exception_items(notes: list[ExceptionNote], atoms: bool, seen: set) -> list[Item]:
    out = []
    idle = [n for n in notes if n.status == "did not apply"]
    if idle:
        details = [Item(f"{n.label or n.rule.id}: {n.reason if atoms or not n.reason_sentence else n.reason_sentence}",
                        ref=n.rule.ref, kind="line") for n in idle]
        out.append(Item(exceptions_line([n.label or n.rule.id for n in idle]), kind="exceptions", children=details,
                        hidden=True))
    for n in notes:
        if n.status == "did not apply":
            continue
        item = Item(f"the exception {n.label or n.rule.id} applies, but is itself defeated", ref=n.rule.ref,
                    kind="exceptions")
        if n.defeated_by is not None:
            item.children.append(_step_item(n.defeated_by, atoms, seen))
        out.append(item)
    return out


def _why_not_item(w: WhyNot, atoms: bool, seen: set) -> Item:
    question = w.question if atoms or not w.question_sentence else w.question_sentence
    if w.holds:
        answers = w.answers if atoms or not w.answer_sentences else w.answer_sentences
        return Item(f"{_standalone(question, atoms)[:-1]}: holds.", kind="headline",
                    children=[Item(a, kind="line") for a in answers])
    head = Item(f"{_standalone(question, atoms)[:-1]}: does not hold{': ' + w.note if w.note else '.'}",
                kind="headline", title=w.question if not atoms else w.question_sentence)
    for r in w.reasons:
        gloss = r.rule.gloss.strip().rstrip(".")
        reason = Item(f"by the rule: {decapitalised(gloss)}" if gloss else "by the rule", ref=r.rule.ref)
        satisfied = r.satisfied if atoms or not r.satisfied_sentences else r.satisfied_sentences
        reason.children += [Item(f"holds: {s}", kind="line") for s in satisfied]
        fails = Item(f"fails: {r.detail if atoms or not r.detail_sentence else r.detail_sentence}", kind="line")
        if r.defeated_by is not None:
            fails.children.append(_step_item(r.defeated_by, atoms, seen))
        for n in r.nested:
            key = ("why-not", n.question)
            shown = n.question if atoms or not n.question_sentence else n.question_sentence
            is_failed_condition = not n.holds and fails.text.startswith(f"fails: {shown}")
            if key in seen:  # the same question, answered above: once is enough
                if is_failed_condition:
                    fails.note = "why: shown above"
                else:
                    fails.children.append(Item(f"why {shown} does not hold", kind="line", note="shown above"))
                continue
            seen.add(key)
            nested = _why_not_item(n, atoms, seen)
            if is_failed_condition:
                # the failed condition is this question: its reasons go right under it, once
                fails.children += nested.children or ([Item(n.note, kind="line")] if n.note else [])
            else:
                fails.children.append(nested)
        reason.children.append(fails)
        head.children.append(reason)
    return head


def _item_text(item: Item, lines: list[str], indent: str, bullet: str, verbose: bool) -> None:
    note = f"  ({item.note})" if item.note else ""
    ref = f" [{item.ref}]" if item.ref and not item.because else ""
    lines.append(f"{indent}{bullet}{item.text}{ref}{note}")
    body = indent + (" " * len(bullet) if bullet else "  ")
    if item.kind in ("heading", "case"):
        body = indent + "  "
    if item.because:
        lines.append(f"{body}{item.because} [{item.ref}]")
    for clause, text in item.quotes:
        lines.append(f'{body}  {clause}: "{text}"')
    if item.hidden and not verbose:
        return
    for child in item.children:
        if item.kind in ("heading", "case"):
            _item_text(child, lines, body, "", verbose) if item.kind == "case" else lines.append(f"{body}{child.text}")
        else:
            _item_text(child, lines, body, "- ", verbose)


def _item_html(item: Item, top: bool = False) -> str:
    shown = item.html or _h(item.text)
    if item.title:
        shown = f"<span class='kb-sentence' title='{_h(item.title)}'>{shown}</span>"
    if item.kind == "headline":
        shown = f"<b>{shown}</b>"
    if item.ref and not item.because:
        shown += f" <span class='kb-ref'>[{_ref_html(item.ref)}]</span>"
    if item.note:
        shown += f" <span class='kb-note'>({_h(item.note)})</span>"
    if item.kind == "heading":
        inner = "".join(f"<li><b>{_h(c.clause)}</b> {_h(c.text.split(': ', 1)[1])}</li>" for c in item.children)
        return f"<p>{_h(item.text)}</p><ul class='kb-clauses'>{inner}</ul>"
    if item.kind == "case":
        inner = "".join(_item_html(c, top=True) for c in item.children)
        return f"<details open class='kb-case'><summary>{shown}</summary>{inner}</details>"
    body = []
    if item.because:
        body.append(f"<div class='kb-because'>{_h(item.because)} <span class='kb-ref'>[{_ref_html(item.ref)}]</span>"
                    f"</div>")
    for clause, text in item.quotes:
        body.append(f"<blockquote class='kb-quote'><b>{_h(clause)}</b> &ldquo;{_h(text)}&rdquo;</blockquote>")
    if item.children:
        body.append("<ul class='kb-reasons'>" + "".join(_item_html(c) for c in item.children) + "</ul>")
    if top:
        return f"<div class='kb-{item.kind}'><p>{shown}</p>{''.join(body)}</div>"
    if not body:
        return f"<li class='kb-{item.kind}'>{shown}</li>"
    opened = "" if item.hidden else " open"
    return f"<li class='kb-{item.kind}'><details{opened}><summary>{shown}</summary>{''.join(body)}</details></li>"


def _ref_html(ref: str) -> str:
    cites, _, rule = ref.rpartition("; rule ")
    if not _:
        return _h(ref)
    return f"{_h(cites)}; rule <code>{_h(rule)}</code>"


def md_escape(text: str) -> str:
    """Plain text safe in Markdown: the characters that would start emphasis, code, links or
    HTML are escaped."""
    out = []
    for ch in text:
        if ch in "\\`*_[]<>|#":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _ref_markdown(ref: str) -> str:
    cites, _, rule = ref.rpartition("; rule ")
    if not _:
        return md_escape(ref)
    return f"{md_escape(cites)}; rule `{rule}`"


def _item_markdown(item: Item, lines: list[str], indent: str, top: bool = False) -> None:
    text = md_escape(item.text)
    if item.kind == "headline":
        text = f"**{text}**"
    if item.ref and not item.because:
        text += f" \\[{_ref_markdown(item.ref)}\\]"
    if item.note:
        text += f" *({md_escape(item.note)})*"
    if item.kind == "heading":
        lines.append("")
        lines.append(text)
        lines.append("")
        for c in item.children:
            lines.append(f"> **{md_escape(c.clause)}** {md_escape(c.text.split(': ', 1)[1])}")
            lines.append(">")
        if item.children:
            lines.pop()
        return
    if item.kind == "case":
        lines.append("")
        lines.append(text)
        lines.append("")
        for c in item.children:
            _item_markdown(c, lines, indent, top=True)
        return
    if top and item.kind == "headline":
        lines.append(text)
        if item.because or item.quotes:
            lines.append("")
        inner = indent
    else:
        lines.append(f"{indent}- {text}")
        inner = indent + "  "
    if item.because:
        lines.append(f"{inner}{md_escape(item.because)} \\[{_ref_markdown(item.ref)}\\]")
    for clause, quote in item.quotes:
        lines.append(f"{inner}> **{md_escape(clause)}** \u201c{md_escape(quote)}\u201d")
    if top and item.kind == "headline" and (item.children or item.quotes):
        lines.append("")
    if item.hidden:
        return
    for child in item.children:
        _item_markdown(child, lines, inner)


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
        self._labels: dict[str, str] | None = None

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

    def sentence(self, pred: str, args: tuple) -> str:
        """The atom (engine values, or variables) as a sentence."""
        return atom_sentence(self.vocab, pred, args)

    def sentence_html(self, pred: str, args: tuple) -> str:
        return atom_sentence(self.vocab, pred, args, html_out=True)

    # -- why
    def explain(self, atom: Atom) -> Explanation:
        args = ground(atom, {})
        text = self.render(atom.pred, args)
        step = self.prove(atom.pred, args, frozenset()) if self.view.holds(atom.pred, args) else None
        return Explanation(text, step is not None, step, self.clauses, sentence=self.sentence(atom.pred, args),
                           sentence_html=self.sentence_html(atom.pred, args))

    def prove(self, pred: str, args: tuple, ancestors: frozenset) -> Step | None:
        key = (pred, args)
        if key in self._proofs:
            return self._proofs[key]
        if pred in self.vocab.inputs:
            if not self.view.holds(pred, args):
                return None
            line = self.fact_lines.get(key)
            where = f"fact of the scenario (line {line})" if line else "fact of the scenario"
            status = f"stated in the scenario, line {line}" if line else "stated in the scenario"
            if key in self.established:
                where = status = "in question, established in this case"
            step = Step(self.render(pred, args), "fact", conditions=[where], sentence=self.sentence(pred, args),
                        sentence_html=self.sentence_html(pred, args), status=status)
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
            described = [self.describe_condition(i, s, rule) for i in body
                         if not (isinstance(i, Literal) and not i.negated)]
            shown = self.render(rule.head.pred, args)
            sentence = self.sentence(rule.head.pred, args)
            sentence_html = self.sentence_html(rule.head.pred, args)
            if rule.negated_head:
                shown, sentence = f"not {shown}", f"it is not the case that {sentence}"
                sentence_html = f"it is not the case that {sentence_html}"
            step = Step(shown, "rule", RuleInfo.of(rule), premises, [a for a, _ in described],
                        sentence=sentence, sentence_html=sentence_html,
                        condition_sentences=[b for _, b in described])
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

    def exception_label(self, exc: Rule) -> str:
        """A short name for an exception, for the one line that lists those that did not apply:
        its first clause and its rule id without the rule file's prefix and without the words
        every exception to the same rule shares (``fm_no_liability`` -> ``9.1 force majeure``,
        ``liab_no_liability_backup`` -> ``3.1.10 backup``)."""
        if self._labels is None:  # computed once per program (the labels depend on the rules only)
            self._labels = getattr(self.program, "_exception_labels", None)
            if self._labels is None:
                self._labels = _exception_labels(self.program)
                try:
                    self.program._exception_labels = self._labels
                except AttributeError:  # a program that takes no attribute: compute per explainer
                    pass
        return self._labels.get(exc.id, exc.id)

    def _exception_notes(self, rule: Rule, args: tuple, ancestors: frozenset) -> list[ExceptionNote]:
        notes = []
        for exc in self.program.exceptions_of(rule.id):
            info = RuleInfo.of(exc)
            label = self.exception_label(exc)
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
                notes.append(ExceptionNote(info, "defeated", "", defeater, label=label))
            else:
                reason, reason_sentence = self.first_failure_both(exc, args) if subst is not None \
                    else ("its conclusion does not match",) * 2
                notes.append(ExceptionNote(info, "did not apply", reason, label=label, reason_sentence=reason_sentence))
        return notes

    def first_failure(self, rule: Rule, args: tuple) -> str:
        return self.first_failure_both(rule, args)[0]

    def first_failure_both(self, rule: Rule, args: tuple) -> tuple[str, str]:
        """The first condition of ``rule`` that fails for ``args``: (with atoms, as a sentence)."""
        subst = unify(rule.head.args, args, {}) or {}
        body = self.program.body_of(rule)
        pos, substs = deepest_failure(body, subst, self.view)
        if pos >= len(body):
            return ("its conditions hold",) * 2
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

    def show_expr(self, e, subst: Subst, kinds: dict[str, str], sentences: bool = False) -> str:
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
            left = self.show_expr(e.left, subst, kinds, sentences)
            right = self.show_expr(e.right, subst, kinds, sentences)
            if isinstance(e.left, BinOp) and _PRECEDENCE[e.left.op] < prec:
                left = f"({left})"
            if isinstance(e.right, BinOp) and _PRECEDENCE[e.right.op] <= prec:
                right = f"({right})"
            return f"{left} {e.op} {right}"
        if isinstance(e, Call):
            return f"{e.name}({', '.join(self.show_expr(a, subst, kinds, sentences) for a in e.args)})"
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

    def show_sentence(self, atom: Atom, subst: Subst) -> str:
        """``atom`` under ``subst`` as a sentence: an argument left open reads ``some <argument>``
        (``some failure``: merged with the noun that introduces it)."""
        decl = self.vocab.predicate(atom.pred)
        names = [a.name for a in decl.args] if decl is not None and decl.arity == atom.arity \
            else [f"argument {i + 1}" for i in range(atom.arity)]
        worded = decl is not None and bool(decl.says)  # an atom without a template keeps its variables
        values = []
        for a, name in zip(atom.args, names):
            if isinstance(a, Var):
                if a.name in subst:
                    values.append(subst[a.name])
                else:
                    values.append(open_argument(name) if worded else a)
            else:
                values.append(a.value)
        return _SOME_RE.sub("some ", self.sentence(atom.pred, tuple(values)))

    def _reading(self, atom: Atom) -> str:
        name = atom.args[0].value if atom.args and isinstance(atom.args[0], Const) else str(atom.args[0])
        interp = self.vocab.interpretations.get(name)
        return f"the reading \u201c{interp.title}\u201d ({name})" if interp is not None and interp.title \
            else f"the interpretation {name}"

    def describe_condition(self, item, subst: Subst, rule: Rule) -> tuple[str, str]:
        """A condition that held (a negation, a comparison): (with atoms, as a sentence)."""
        if isinstance(item, Literal):
            if item.atom.pred == "interpretation":
                return (f"the interpretation {item.atom.args[0]} is not switched on",
                        f"{self._reading(item.atom)} is not adopted")
            status = self.input_status(item.atom.pred, ground(item.atom, subst)) \
                if item.atom.pred in self.vocab.inputs else ""
            return (f"not {self.show_atom(item.atom, subst)}: {status or 'no such fact or conclusion'}",
                    f"it is not the case that {self.show_sentence(item.atom, subst)}  "
                    f"({status or 'no such fact or conclusion'})")
        kinds = self._var_kinds(rule)
        value, value_sentences = self._comparison_value(item, subst, kinds)
        return f"{item} holds: {value}", f"{item} holds: {value_sentences}"

    def _comparison_value(self, item: Comparison, subst: Subst, kinds: dict[str, str]) -> tuple[str, str]:
        left = self.show_expr(item.left, subst, kinds)
        right = self.show_expr(item.right, subst, kinds)
        extra = extra_sentences = ""
        for side in (item.left, item.right):
            if isinstance(side, (BinOp, Call, Aggregate)):
                v = evaluate_expr(side, subst, self.view)
                kind = expr_kind(side, kinds)
                if isinstance(side, Aggregate):
                    items, items_sentences = self._aggregate_items(side, subst, kinds, v)
                    extra += f" ({items})"
                    extra_sentences += f" ({items_sentences})"
                elif v is not None:
                    extra += f" (= {render_value(v, kind)})"
                    extra_sentences += f" (= {render_value(v, kind)})"
                else:
                    extra += " (no value)"
                    extra_sentences += " (no value)"
        return f"{left} {item.op} {right}{extra}", f"{left} {item.op} {right}{extra_sentences}"

    def _aggregate_items(self, agg: Aggregate, subst: Subst, kinds: dict[str, str], value) -> tuple[str, str]:
        """What an aggregate counted, and its value: ``= 65.50 = 30.00 + 30.00 + 5.50 over pay(p1, a, 30.00),
        ...``; sorted, so the text is stable (with atoms, and with sentences)."""
        solutions = aggregate_solutions(agg, subst, self.view)
        positive = [i for i in agg.body if isinstance(i, Literal) and not i.negated]
        atoms = [", ".join(self.show_atom(i.atom, s) for i in positive) for s in solutions]
        sentences = [", ".join(self.show_sentence(i.atom, s) for i in positive) for s in solutions]
        kind = expr_kind(agg, kinds)
        shown = "no value" if value is None else f"= {render_value(value, kind)}"
        if not solutions:
            text = f"{shown}: nothing to {'count' if agg.op == 'count' else agg.op}"
            return text, text
        if agg.op == "sum" and len(solutions) > 1:
            terms = [render_value(s.get(agg.terms[0].name) if isinstance(agg.terms[0], Var) else agg.terms[0].value,
                                  kind) for s in solutions]
            shown += " = " + " + ".join(terms)
        return f"{shown}, over {'; '.join(atoms)}", f"{shown}, over {'; '.join(sentences)}"

    def describe_failure(self, item, subst: Subst, rule: Rule) -> tuple[str, str]:
        """The condition that fails: (with atoms, as a sentence)."""
        if isinstance(item, Literal) and item.atom.pred == "interpretation":
            reading = item.atom.args[0]
            if item.negated:
                return f"the interpretation {reading} is switched on", f"{self._reading(item.atom)} is adopted"
            return f"the interpretation {reading} is not switched on", f"{self._reading(item.atom)} is not adopted"
        if isinstance(item, Literal):
            shown = self.show_atom(item.atom, subst)
            said = self.show_sentence(item.atom, subst)
            if item.negated:
                return f"not {shown} fails: {shown} holds", f"{said}, and the rule requires that it does not hold"
            if item.atom.pred in self.vocab.inputs:
                status = self.input_status(item.atom.pred, ground(item.atom, subst))
                if not status and self.scenario is not None:
                    status = self._pattern_status(item.atom, subst)
                if status:
                    return f"{shown} is {status}", f"{said}: {status}"
                return f"{shown} is not a fact of the scenario", f"{said}: not stated in the scenario"
            return f"{shown} does not hold", f"{said}: does not hold"
        value, value_sentences = self._comparison_value(item, subst, self._var_kinds(rule))
        return f"{item} is false: {value}", f"{item} is false: {value_sentences}"

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
        question_sentence = self.show_sentence(pattern, {})
        answers, answer_sentences = [], []
        for row in self.view.tuples(pattern.pred):
            if len(row) == pattern.arity and unify(pattern.args, row, {}) is not None:
                answers.append(self.render(pattern.pred, row))
                answer_sentences.append(self.sentence(pattern.pred, row))
        if answers:
            return WhyNot(question, True, answers, [], "it holds", self.clauses, question_sentence, answer_sentences)
        if pattern.pred in self.vocab.inputs:
            status = self.input_status(pattern.pred, tuple(_pattern_values(pattern))) if pattern.is_ground() else ""
            note = f"it is an input: {status}" if status else "it is an input: no such fact in the scenario"
            return WhyNot(question, False, [], [], note, self.clauses, question_sentence)
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
        return WhyNot(question, False, [], reasons, note, self.clauses, question_sentence)

    def _rule_reason(self, rule: Rule, subst: Subst, depth: int, seen: frozenset) -> Reason:
        body = self.program.body_of(rule)
        pos, substs = deepest_failure(body, subst, self.view)
        s = substs[0] if substs else subst
        satisfied, satisfied_sentences = [], []
        for i in body[:max(pos, 0)]:
            if isinstance(i, Literal) and not i.negated:
                satisfied.append(self.show_atom(i.atom, s))
                satisfied_sentences.append(self.show_sentence(i.atom, s))
            else:
                a, b = self.describe_condition(i, s, rule)
                satisfied.append(a)
                satisfied_sentences.append(b)
        info = RuleInfo.of(rule)
        if pos >= len(body):
            args = ground(rule.head, s)
            for exc in self.program.exceptions_of(rule.id):
                if args is not None and self.view.holds(FIRES + exc.id, args):
                    proof = self._prove_by(exc, args, frozenset())
                    label = self.exception_label(exc)
                    return Reason(info, f"defeated by exception '{exc.id}'",
                                  f"its conditions hold, but exception '{exc.id}' "
                                  f"({', '.join(exc.cites)}) defeats it", satisfied, proof,
                                  detail_sentence=f"its conditions hold, but the exception {label} "
                                                  f"(rule {exc.id}) defeats it",
                                  satisfied_sentences=satisfied_sentences)
            return Reason(info, "(none)", "its conditions hold", satisfied, detail_sentence="its conditions hold",
                          satisfied_sentences=satisfied_sentences)
        item = body[pos]
        detail, detail_sentence = self.describe_failure(item, s, rule)
        reason = Reason(info, str(item), detail, satisfied, detail_sentence=detail_sentence,
                        satisfied_sentences=satisfied_sentences)
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


_FUNCTION_WORDS = frozenset({"after", "before", "since", "outside", "without", "within", "only", "also", "other"})


def _exception_labels(program: Program) -> dict[str, str]:
    """The short name of every exception (see :meth:`Explainer.exception_label`): the clause it
    cites and the words of its id that tell it from the other exceptions to the same rule (``9.2
    lacks quality``, ``3.1.10 backup``), without the file's prefix (``fm_``, ``liab_``), clause
    numbers spelt in the id (``6_2``) and the word "exception"; a lone short or function word keeps
    the shared ones (``8.3 any breach``, not ``8.3 any``), none left gives the area (``9.1 force
    majeure``)."""
    firsts: dict[str, Counter] = {}
    for rule in program.all_rules():
        firsts.setdefault(rule.file, Counter())[rule.id.split("_", 1)[0]] += 1
    prefixes = {counts.most_common(1)[0][0] for counts in firsts.values() if counts}

    def words_of(rule_id: str) -> list[str]:
        tokens = rule_id.split("_")
        if len(tokens) > 1 and tokens[0] in prefixes:
            tokens = tokens[1:]
        return [t for t in tokens if not t.isdigit() and t not in ("exception", "exceptions")]

    labels: dict[str, str] = {}
    for rule in program.all_rules():
        siblings = program.exceptions_of(rule.id)
        if not siblings:
            continue
        shared = set.intersection(*(set(words_of(e.id)) for e in siblings)) if len(siblings) > 1 else set()
        for exc in siblings:
            if exc.id in labels:
                continue
            words = [w for w in words_of(exc.id) if w not in shared]
            if len(words) == 1 and (len(words[0]) < 4 or words[0] in _FUNCTION_WORDS):
                words = words_of(exc.id)  # "any" alone says nothing: "any breach"
            name = " ".join(words) if words else (exc.area or "").replace("_", " ") or exc.id
            name = re.sub(r"\bjd cloud\b", "JD Cloud", name)
            labels[exc.id] = f"{exc.cites[0]} {name}" if exc.cites else name
    return labels


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


# --- rendering helpers ----------------------------------------------------------------

def _h(s: str) -> str:
    return html.escape(s, quote=True)


def _clause_text(clauses: ClauseTree, cid: str) -> str:
    c = clauses[cid]
    return c.text or c.heading or clauses.full_text(cid)
