"""One small exception hierarchy for everything the kit rejects.

Every error carries the context a reader needs to fix the input: the file and
line (when the input came from a file), the predicate or clause concerned, and
a suggestion for a misspelt name. ``str(error)`` is one readable line, which is
what the CLI prints on stderr.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterable


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate most similar to ``name``, or None when nothing is close."""
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", text.lower()) if w]


def suggest(name: str, docs: dict[str, str]) -> str | None:
    """The candidate a misspelt or shortened ``name`` most likely meant, searching the names and
    then their documentation: a close spelling (``force_majuere``), a name that starts with it or
    contains all its words (``ddos`` -> ``ddos_attack``, ``user_consent`` ->
    ``user_consented_to_disclosure``), or a name whose documentation uses all its words
    (``court`` -> the value documented as the court). None when nothing fits; the shortest and
    then the first in name order wins a tie, so the answer is stable."""
    names = sorted(docs)

    def best(pool):
        return min(pool, key=lambda n: (len(n), n)) if pool else None

    prefixed = [n for n in names if n.lower().startswith(name.lower())]
    if prefixed:
        return best(prefixed)
    words = _words(name)
    if not words:
        return None
    by_name = [n for n in names if all(any(part.startswith(w) for part in _words(n)) for w in words)]
    if by_name:
        return best(by_name)
    found = closest(name, names)
    if found:
        return found
    by_doc = [n for n in names if all(w in _words(docs[n]) or any(d.startswith(w) for d in _words(docs[n]))
                                      for w in words if len(w) > 2)]
    return best(by_doc) if by_doc and any(len(w) > 2 for w in words) else None


class KbError(Exception):
    """Base class of every error the kit raises on bad input."""

    kind = "error"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        predicate: str | None = None,
        clause: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.predicate = predicate
        self.clause = clause
        self.suggestion = suggestion

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = f"{self.file}:{self.line}: " if self.line is not None else f"{self.file}: "
        hint = f" (did you mean '{self.suggestion}'?)" if self.suggestion else ""
        # one line whatever the input held: a newline in a quoted value is shown as \n, an ESC as
        # \x1b, a bidi override as \u202e (kb.textsafe), so no input reaches the terminal raw
        from .textsafe import one_line

        return one_line(f"{where}{self.kind}: {self.message}{hint}")


class KbSyntaxError(KbError):
    """A rule file, fact or query that does not parse."""

    kind = "syntax error"


class UnknownPredicateError(KbError):
    kind = "unknown predicate"


class ArityError(KbError):
    kind = "wrong arity"


class ValueTypeError(KbError):
    """A value of the wrong type for a typed argument (dates, amounts, enumerations)."""

    kind = "wrong type"


class UnsafeVariableError(KbError):
    kind = "unsafe variable"


class StratificationError(KbError):
    kind = "negation through recursion"


class OverrideError(KbError):
    kind = "override error"


class UnknownClauseError(KbError):
    kind = "unknown clause"


class CitationError(KbError):
    kind = "citation error"


class ScenarioError(KbError):
    kind = "scenario error"


class VocabularyError(KbError):
    kind = "vocabulary error"


class EngineError(KbError):
    """The Datalog engine failed on a program the checks accepted (a kit bug)."""

    kind = "engine error"
