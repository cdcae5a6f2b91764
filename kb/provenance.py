"""A parameter's value must be a number its quoted text states.

Every ``param`` of a rule file carries a ``@quote`` of the clause it comes from (checked against
the clause by :func:`kb.program.check_citations`). This module checks the value against the
quote: ``param disposal_days = 30.`` quoting "Within 30 days after the end of the services"
passes; the same quote with ``= 31``, ``= 300`` or ``= 0`` is a one-line
:class:`~kb.errors.CitationError` naming the parameter, its value, the clause and the numbers the
quote states, at the parameter's file:line.

Numbers are read from the quoted text (every fragment of a ``...`` quote) as ASCII digits
(``30``, ``1,000``, ``2.5``) and as English number words: ``zero`` to ``nineteen``, the tens
``twenty`` to ``ninety``, compounds (``twenty-one``, ``three hundred and sixty-five``),
``hundred`` and ``thousand`` (``a hundred`` = 100), and ``once``/``twice``/``thrice`` (1, 2, 3);
"three times" reads 3 from ``three``.

A value the text does not state as such (a unit the kit derives, such as an offset from the
governing law's day-counting rule) must say why, on the parameter: ``@differs "reason"``. A
``@differs`` on a value the quote does state is refused as well, so that the annotation is never
stale: when an amended text changes the number, the parameter changes with it.
"""
from __future__ import annotations

import re
from decimal import Decimal

from .errors import CitationError
from .terms import Param

__all__ = ["check_param_value", "stated_numbers"]

_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)}
_SCALES = {"hundred": 100, "thousand": 1000}
_ADVERBS = {"once": 1, "twice": 2, "thrice": 3}

_DIGITS_RE = re.compile(r"(?<![0-9.,])[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?(?![0-9])|(?<![0-9.,])[0-9]+(?:\.[0-9]+)?(?![0-9])")
_WORD_RE = re.compile(r"[a-z]+", re.IGNORECASE)


def _word_numbers(text: str) -> list[int]:
    """The numbers written in words in ``text``: each run of number words joined by spaces, hyphens
    or ``and`` after a hundred (``three hundred and sixty-five``) read as one number."""
    found: list[int] = []
    total = current = 0
    active = False

    def close() -> None:
        nonlocal total, current, active
        if active:
            found.append(total + current)
        total = current = 0
        active = False

    previous_end = 0
    for m in _WORD_RE.finditer(text):
        word = m.group(0).lower()
        if active and text[previous_end:m.start()].strip(" -"):
            close()  # punctuation or other text between two number words: two numbers
        previous_end = m.end()
        if word in _UNITS or word in _TENS:
            value = _UNITS.get(word, _TENS.get(word))
            joins = current % 100 == 0 or (value < 10 and current % 10 == 0 and current % 100 >= 20)
            if active and not joins:
                close()  # "seven eight": two numbers
            current += value
            active = True
        elif word in _SCALES:
            if _SCALES[word] == 100:
                current = (current or 1) * 100  # "hundred" alone and "a hundred" are 100
            else:
                total, current = (total + (current or 1)) * 1000, 0
            active = True
        elif word == "and" and active and current % 100 == 0:
            continue  # "three hundred and sixty-five"
        else:
            close()
            if word in _ADVERBS:
                found.append(_ADVERBS[word])
    close()
    return found


def stated_numbers(text: str) -> list:
    """The numbers ``text`` states, in digits or in words, sorted without repeats (integers as
    ``int``, decimals as ``Decimal``)."""
    numbers = set()
    for m in _DIGITS_RE.finditer(text):
        value = Decimal(m.group(0).replace(",", ""))
        numbers.add(int(value) if value == value.to_integral_value() else value)
    numbers.update(_word_numbers(text))
    return sorted(numbers)


def check_param_value(param: Param) -> None:
    """Raise :class:`CitationError` unless ``param``'s value is a number its quotes state, or the
    parameter says why not with ``@differs``; a ``@differs`` on a value the quotes state is an
    error too (see the module doc)."""
    stated = sorted({n for q in param.quotes for n in stated_numbers(q.text.replace("...", " \u2026 "))})
    quotes = "; ".join(f'{q.clause} "{q.text}"' for q in param.quotes)
    clauses = ", ".join(dict.fromkeys(q.clause for q in param.quotes))
    name = f"parameter '{param.name}'" + (f" under {param.reading}" if param.reading else "")
    if param.value in stated:
        if param.differs:
            raise CitationError(f"{name} = {param.value} has @differs, but its @quote of clause {clauses} states "
                                f"{param.value}: remove the @differs", file=param.file, line=param.line)
        return
    if param.differs:
        return
    said = (f"states {', '.join(str(n) for n in stated)}" if stated else "states no number")
    raise CitationError(f"{name} = {param.value}, but its @quote of clause {clauses} {said}: {quotes} "
                        f"(give the value the text states, or say why it differs with @differs \"reason\")",
                        file=param.file, line=param.line, clause=param.quotes[0].clause if param.quotes else None)
