"""Parse an agreement written in markdown into a tree of citable clauses.

The markdown conventions (those of ``kb/agreements/*/terms.md``):

* A line holding nothing but whitespace is blank and is ignored.
* Every other line is first made *plain*: links ``[label](url)`` become their
  label, bold markers ``**`` are removed, runs of whitespace collapse to one
  space and the line is stripped.
* A plain line starting with a clause number is a *numbered* line.  A clause
  number is ``N.`` for a section (one component; the dot is required) or
  ``N.M``, ``N.M.K`` ... for a clause (the trailing dot is optional), followed
  by whitespace or the end of the line.  So ``**9. Force Majeure**``,
  ``3.1.3.10. Do not ...``, `` 3.1.3.2 Except ...`` and ``7.3.4  You ...`` are
  numbered lines with ids ``9``, ``3.1.3.10``, ``3.1.3.2`` and ``7.3.4``.
  The parent of a numbered clause is its number without the last component
  (``9.2`` -> ``9``; a section has no parent); the parent must already have
  appeared and every id must be unique, otherwise :class:`KbSyntaxError`.
* The rest of a numbered line is a *heading* when it looks like one: it does
  not end with ``. ; : , ! ?`` and it is either a section's title or at most
  twelve words long (``2.2.1. Pay-In-Advance``, ``3.1. Your Rights and
  Obligations``).  The clause's own ``text`` is then ``""`` until an unnumbered
  paragraph gives it one (``2.2.2. Pay-As-You-Go`` followed by ``You can select
  ...``).  Otherwise the rest of the line is the clause's text.
* The first unnumbered line before the first numbered line starts the
  ``preamble`` (kind ``"preamble"``, not numbered).
* Any other unnumbered line attaches to the clause before it (the last clause
  created, in document order; possibly the preamble):

  - **items** -- when that clause's text ends with ``:`` (``... including but
    not limited to the following:``), the line becomes a derived *item* child
    of that clause, with id ``<clause>.a``; the next letters ``b``, ``c``, ...
    (then ``aa``, ``ab``, ... after ``z``) number the following items;
  - the list goes on while the previous item ends with a list separator
    (``;`` or ``,``, optionally followed by ``and``/``or``): the next unnumbered
    line is the next item;
  - an item ending otherwise (normally with ``.``) is the last item; each
    unnumbered line after it (until the next numbered line) is a derived
    closing *paragraph* child of the same clause, taking the next letter
    (``3.1.3.1.g`` "You understand and acknowledge ...", kind ``"paragraph"``);
  - in every other case the line is a further paragraph of the previous
    clause's text (paragraphs are joined with ``"\\n"``); when that text was
    still ``""`` (a heading-only clause or a section) the line becomes its text.

  Every unnumbered line therefore attaches somewhere; the syntax errors are a
  numbered clause whose parent number is missing, a duplicate id, a file that
  is not UTF-8 and a file without any clause.  Nested unnumbered lists are not
  recognised (an item ending with ``:`` simply ends the list).

Clause kinds: ``"preamble"``, ``"section"`` (one-component numbers),
``"clause"`` (other numbered clauses), ``"item"`` and ``"paragraph"`` (derived,
unnumbered).  Everything is in document order, the order of the file.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from kb.errors import KbSyntaxError, UnknownClauseError, closest

__all__ = ["Clause", "ClauseTree", "parse_agreement", "parse_agreement_text"]

PREAMBLE = "preamble"

_LINK = re.compile(r"\[([^\]]*)\]\([^)\s]*\)")
_BOLD = re.compile(r"\*\*")
_SPACE = re.compile(r"\s+")
_NUMBERED = re.compile(r"^(\d+(?:\.\d+)*)(\.?)(?:\s+(.*))?$")
_HEADING_END = (".", ";", ":", ",", "!", "?")
_LIST_GOES_ON = re.compile(r"[;,](\s*(and|or))?$", re.IGNORECASE)
_MAX_HEADING_WORDS = 12


def plain(markdown: str) -> str:
    """One line of markdown as plain text: link labels, no bold, collapsed spaces."""
    text = _LINK.sub(r"\1", markdown)
    text = _BOLD.sub("", text)
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Clause:
    """One citable unit of an agreement (see the module docstring)."""

    id: str
    heading: str | None
    text: str
    parent: str | None
    children: tuple[str, ...]
    line: int
    numbered: bool
    kind: str = "clause"

    @property
    def section(self) -> str:
        """The top-level section id ("3" for "3.1.3.6.1", "preamble" for the preamble)."""
        return self.id.split(".", 1)[0]

    @property
    def title(self) -> str:
        """A short display label: ``"<id> <heading>"`` or just the id."""
        return f"{self.id} {self.heading}" if self.heading else self.id


class ClauseTree:
    """The clauses of one agreement, indexed by id, in document order."""

    def __init__(self, source: str, clauses: list[Clause]) -> None:
        self.source = source
        self._order: tuple[str, ...] = tuple(c.id for c in clauses)
        self._clauses: dict[str, Clause] = {c.id: c for c in clauses}
        self._position: dict[str, int] = {cid: i for i, cid in enumerate(self._order)}

    # -- lookup ---------------------------------------------------------
    @staticmethod
    def _key(raw: str) -> str:
        key = raw.strip()
        while key.endswith(".") and len(key) > 1:
            key = key[:-1].rstrip()
        return key.lower()

    def normalise_id(self, raw: str) -> str:
        """The canonical id for ``raw`` ("9.2." and " 9.2 " give "9.2")."""
        if not isinstance(raw, str):
            raise UnknownClauseError(f"clause id must be a string, not {raw!r}", file=self.source)
        key = self._key(raw)
        if key in self._clauses:
            return key
        raise UnknownClauseError(
            f"no clause '{key or raw}' in {self.source}",
            clause=key or raw,
            suggestion=closest(key, self._order) if key else None,
        )

    def __getitem__(self, clause_id: str) -> Clause:
        return self._clauses[self.normalise_id(clause_id)]

    def __contains__(self, clause_id: object) -> bool:
        return isinstance(clause_id, str) and self._key(clause_id) in self._clauses

    def __iter__(self) -> Iterator[Clause]:
        return (self._clauses[cid] for cid in self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __repr__(self) -> str:
        return f"ClauseTree({self.source!r}, {len(self)} clauses)"

    # -- structure ------------------------------------------------------
    def ids(self) -> list[str]:
        return list(self._order)

    def numbered_ids(self) -> list[str]:
        return [cid for cid in self._order if self._clauses[cid].numbered]

    def descendants(self, clause_id: str) -> list[str]:
        """All clauses below ``clause_id``, in document order, without itself."""
        root = self.normalise_id(clause_id)
        found: set[str] = set()
        stack = list(self._clauses[root].children)
        while stack:
            cid = stack.pop()
            found.add(cid)
            stack.extend(self._clauses[cid].children)
        return sorted(found, key=self._position.__getitem__)

    def ancestors(self, clause_id: str) -> list[str]:
        """The parents of ``clause_id``, nearest first."""
        result: list[str] = []
        parent = self._clauses[self.normalise_id(clause_id)].parent
        while parent is not None:
            result.append(parent)
            parent = self._clauses[parent].parent
        return result

    def full_text(self, clause_id: str) -> str:
        """The clause's text then its descendants' texts, joined with "\\n" (empty texts skipped)."""
        cid = self.normalise_id(clause_id)
        texts = [self._clauses[c].text for c in [cid, *self.descendants(cid)]]
        return "\n".join(t for t in texts if t)


# -- parsing ------------------------------------------------------------
@dataclass
class _Draft:
    id: str
    heading: str | None
    paragraphs: list[str]
    parent: str | None
    line: int
    numbered: bool
    kind: str
    children: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    def freeze(self) -> Clause:
        return Clause(
            id=self.id,
            heading=self.heading,
            text=self.text,
            parent=self.parent,
            children=tuple(self.children),
            line=self.line,
            numbered=self.numbered,
            kind=self.kind,
        )


def _letters(index: int) -> str:
    """0 -> "a", 25 -> "z", 26 -> "aa", 27 -> "ab", ..."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def _looks_like_heading(rest: str, is_section: bool) -> bool:
    if not rest or rest.endswith(_HEADING_END):
        return False
    return is_section or len(rest.split()) <= _MAX_HEADING_WORDS


def parse_agreement_text(text: str, source: str = "<text>") -> ClauseTree:
    """Parse agreement markdown (see the module docstring for the conventions)."""
    drafts: dict[str, _Draft] = {}
    order: list[_Draft] = []

    def add(draft: _Draft) -> _Draft:
        drafts[draft.id] = draft
        order.append(draft)
        if draft.parent is not None:
            drafts[draft.parent].children.append(draft.id)
        return draft

    def add_derived(owner: _Draft, kind: str, body: str, lineno: int) -> _Draft:
        derived_id = f"{owner.id}.{_letters(len(owner.children))}"
        if derived_id in drafts:  # a numbered child cannot clash (digits only), but be safe
            raise KbSyntaxError(f"duplicate clause {derived_id}", file=source, line=lineno)
        return add(_Draft(derived_id, None, [body], owner.id, lineno, False, kind))

    current: _Draft | None = None
    lines = text.removeprefix("\ufeff").split("\n")
    for lineno, raw in enumerate(lines, start=1):
        line = plain(raw.rstrip("\r"))
        if not line:
            continue
        match = _NUMBERED.match(line)
        if match and (match.group(2) or "." in match.group(1)):
            number, rest = match.group(1), (match.group(3) or "").strip()
            if number in drafts:
                raise KbSyntaxError(
                    f"duplicate clause {number} (first at line {drafts[number].line})",
                    file=source,
                    line=lineno,
                    clause=number,
                )
            parent = number.rsplit(".", 1)[0] if "." in number else None
            if parent is not None and parent not in drafts:
                raise KbSyntaxError(
                    f"clause {number} has no parent clause {parent}",
                    file=source,
                    line=lineno,
                    clause=number,
                )
            is_section = parent is None
            heading = rest if _looks_like_heading(rest, is_section) else None
            paragraphs = [rest] if rest and heading is None else []
            kind = "section" if is_section else "clause"
            current = add(_Draft(number, heading, paragraphs, parent, lineno, True, kind))
        elif current is None:
            current = add(_Draft(PREAMBLE, None, [line], None, lineno, False, "preamble"))
        elif current.kind in ("item", "paragraph"):
            owner = drafts[current.parent]  # type: ignore[index]
            goes_on = current.kind == "item" and _LIST_GOES_ON.search(current.text)
            current = add_derived(owner, "item" if goes_on else "paragraph", line, lineno)
        elif current.text.endswith(":"):
            current = add_derived(current, "item", line, lineno)
        else:
            current.paragraphs.append(line)

    if not order:
        raise KbSyntaxError("no clauses found (the agreement is empty)", file=source)
    return ClauseTree(source, [d.freeze() for d in order])


def parse_agreement(path: str | os.PathLike) -> ClauseTree:
    """Read and parse the agreement markdown file at ``path``."""
    from pathlib import Path

    from .yamlio import read_source_text  # size limit, UTF-8 with the line of a bad byte, BOM, controls

    source = os.fspath(path)
    text = read_source_text(Path(source), source, KbSyntaxError)
    return parse_agreement_text(text, source=source)
