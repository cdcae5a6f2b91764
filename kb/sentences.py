"""Facts and conclusions as the analyst reads them: sentences filled from the vocabulary's templates.

Every predicate of a vocabulary declares a sentence template, ``says:``, whose placeholders are
its argument names::

    liable:
      args: {party: party, breach: id}
      says: "{party} is liable for the failure {breach}"

and every enumeration value a ``label`` (the words that stand for it inside a sentence: ``JD
Cloud``, ``an earthquake (listed in 9.2)``). A value fills its placeholder as:

* an enumeration value: its label;
* a name (``id``): the name as the scenario writes it (``outage``);
* a date: ``1 March 2026``; an amount: ``1,200.00``; an integer: its digits; a string: quoted;
* a variable of a pattern (``liable(jd_cloud, B)``): its name, ``B``.

The atom stays one call away (:meth:`Vocabulary.render`): sentences are for reading, atoms for
engineers and for everything a program parses.
"""
from __future__ import annotations

import datetime as _dt
import html
import re
from typing import Callable

from .terms import Var, render_value

PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")

Mark = Callable[[str, str], str]  # (filled text, kind of the value) -> text as shown (e.g. HTML)


def template_problem(template: str, arg_names: tuple[str, ...]) -> str | None:
    """Why ``template`` does not fit a predicate with these argument names, or None.

    Every placeholder must name an argument and every argument must have a placeholder (a
    sentence that drops an argument would make two different facts read the same)."""
    if template.count("{") != template.count("}"):
        return "its braces do not pair up"
    used = PLACEHOLDER_RE.findall(template)
    unknown = [p for p in used if p not in arg_names]
    if unknown:
        return (f"placeholder {{{unknown[0]}}} is not an argument "
                f"(arguments: {', '.join(arg_names) or 'none'})")
    missing = [a for a in arg_names if a not in used]
    if missing:
        return f"argument '{missing[0]}' has no placeholder {{{missing[0]}}}"
    return None


def date_phrase(day: int) -> str:
    """A day number as ``1 March 2026``."""
    try:
        d = _dt.date.fromordinal(day)
    except (ValueError, OverflowError):
        return f"day {day}"
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def amount_phrase(cents: int) -> str:
    """Integer cents as ``1,200.00`` (``-50.00`` below zero)."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def value_phrase(value, vtype) -> str:
    """How one value reads inside a sentence (see the module doc)."""
    if isinstance(value, Var):
        return value.name
    kind = vtype.kind if vtype is not None else None
    if kind == "enum":
        return vtype.label(value)
    if kind == "date" and isinstance(value, int):
        return date_phrase(value)
    if kind == "amount" and isinstance(value, int):
        return amount_phrase(value)
    # a string quoted, a name as written; anything unprintable escaped (kb.textsafe)
    return render_value(value)


QUANTIFIERS = ("some", "any")


def _quantified(template: str, decl, args: tuple) -> tuple[str, tuple]:
    """The template and arguments with each open argument (a variable read ``some event`` or
    ``any event``) merged with the noun that introduces it: ``the failure {breach}`` with ``some
    breach`` reads ``some failure``, not ``the failure some breach``."""
    args = list(args)
    for i, (spec, value) in enumerate(zip(decl.args, args)):
        if not isinstance(value, Var) or value.name.split(" ", 1)[0] not in QUANTIFIERS:
            continue
        quantifier = value.name.split(" ", 1)[0]
        pattern = re.compile(r"\b[Tt]he ((?:\w+ ){0,2}\w+) \{" + re.escape(spec.name) + r"\}")
        if pattern.search(template):
            template = pattern.sub(lambda m: f"{quantifier} {m.group(1)}", template)
    return template, tuple(args)


def fill(template: str, decl, args: tuple, mark: Mark | None = None) -> str:
    """``template`` with each placeholder replaced by its argument's phrase (passed through
    ``mark`` with the value's kind, for HTML); an open argument merges with its noun
    (:func:`_quantified`)."""
    template, args = _quantified(template, decl, args)
    phrases = {}
    for spec, value in zip(decl.args, args):
        text = value_phrase(value, spec.type)
        kind = "variable" if isinstance(value, Var) else spec.type.kind
        phrases[spec.name] = mark(text, kind) if mark else text
    return PLACEHOLDER_RE.sub(lambda m: phrases.get(m.group(1), m.group(0)), template)


def capitalised(text: str) -> str:
    """The sentence with its first letter in capitals (``an earthquake happened`` -> ``An ...``)."""
    return text[:1].upper() + text[1:] if text else text


def fill_html(template: str, decl, args: tuple) -> str:
    """``template`` filled as HTML: the template's words escaped, each value escaped and wrapped in
    ``<span class="kb-value kb-KIND">`` (KIND: enum, id, date, amount, integer, string, variable)."""
    def mark(text: str, kind: str) -> str:
        return f'<span class="kb-value kb-{kind}">{html.escape(text)}</span>'

    template, args = _quantified(template, decl, args)
    pieces, last = [], 0
    phrases = {}
    for spec, value in zip(decl.args, args):
        kind = "variable" if isinstance(value, Var) else spec.type.kind
        phrases[spec.name] = mark(value_phrase(value, spec.type), kind)
    for m in PLACEHOLDER_RE.finditer(template):
        pieces.append(html.escape(template[last:m.start()]))
        pieces.append(phrases.get(m.group(1), html.escape(m.group(0))))
        last = m.end()
    pieces.append(html.escape(template[last:]))
    return "".join(pieces)


# --- atoms of every kind, as the kit shows them ----------------------------------------------

SOME = "some"  # an argument a pattern leaves open reads "some <argument>" ("some event")


def open_argument(name: str) -> Var:
    """The variable that stands for an argument a pattern leaves open (a rule's variable, ``_``):
    it reads ``some <argument name>`` (``some event``, ``some criterion``)."""
    return Var(f"{SOME} {name.replace('_', ' ')}")


def atom_sentence(vocab, pred: str, args: tuple, *, html_out: bool = False) -> str:
    """Any atom the kit shows, as a sentence: its template filled (see :func:`fill`), a variable
    by its name, an interpretation as the reading it adopts; the atom itself (escaped and in
    ``<code>`` for HTML) where no template is declared. Never capitalised: see
    :func:`capitalised` for a sentence that stands alone."""
    if pred == "interpretation" and len(args) == 1 and not isinstance(args[0], Var):
        interp = vocab.interpretations.get(args[0])
        if interp is not None and interp.title:
            text = f"the scenario adopts the reading \u201c{interp.title}\u201d ({interp.name})"
            return html.escape(text) if html_out else text
    return vocab.sentence_html(pred, args) if html_out else vocab.sentence(pred, args)


def decapitalised(text: str) -> str:
    """A sentence that will follow other words (``because ...``): its first word in lower case when
    it is an ordinary capitalised word (``A``, ``Force``), kept when it is an acronym or a name
    (``JD``, ``PRC``, ``9.2``, ``Beijing``)."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first[0].isupper() and first[1:].isalpha() and first[1:].islower() \
            and first not in PROPER_NOUNS:
        return text[0].lower() + text[1:]
    if first == "A":
        return "a" + text[1:]
    return text


PROPER_NOUNS = frozenset({"China", "Chinese", "Beijing", "Daxing", "Kubernetes", "Internet"})


def sentence_case(text: str) -> str:
    """A sentence that stands alone: capitalised, ending with a full stop."""
    text = capitalised(text.rstrip())
    return text if not text or text.endswith((".", "?", "!")) else text + "."


def standalone(sentence: str, atom: str = "") -> str:
    """A sentence that stands alone (:func:`sentence_case`); an atom shown because its predicate has
    no template (``sentence == atom``) is kept as written, with a full stop."""
    if not sentence or sentence == atom:
        text = atom or sentence
        return text if text.endswith(".") else text + "."
    return sentence_case(sentence)
