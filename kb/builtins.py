"""The built-in functions and aggregates of the rule language.

Rules compute the figures the text lets them compute (months of service, refunds, caps) with
these, never through ``eval``: each function is a small Python function over engine values
(dates are day numbers, amounts integer cents, integers plain ``int``)::

    N = months_started(C, E)          % months counted from C needed to reach E (7.1)
    R = greatest(P - D, 0)            % the larger of two numbers
    T = sum(A, P : fee_payment(P, S, _, A))   % an aggregate over the body's solutions

A function whose arguments are outside its domain (a date out of range, a division by a
non-positive number) has no value: the condition fails and the rule does not conclude.

Aggregates: ``sum(V, K... : body)``, ``count(K... : body)``, ``min(V, K... : body)``,
``max(V, K... : body)``: over the distinct tuples of terms of the body's solutions, so
listing the terms that tell the items apart keeps equal amounts of different items from
merging. ``sum`` and ``count`` of nothing are 0; ``min`` and ``max`` of nothing have no value.
"""
from __future__ import annotations

import calendar
import datetime as _dt
from dataclasses import dataclass
from typing import Callable

AGGREGATES = ("sum", "count", "min", "max")


@dataclass(frozen=True)
class Builtin:
    name: str
    params: tuple[str, ...]  # the kind of each argument: date, integer, amount or number
    result: str  # the kind of the value, or "same" (the kind of the first argument)
    fn: Callable
    doc: str

    def result_kind(self, arg_kinds: list[str | None]) -> str | None:
        if self.result == "same":
            return next((k for k in arg_kinds if k is not None), None)
        return self.result


def _date(day: int) -> _dt.date:
    return _dt.date.fromordinal(day)


def add_months(day: int, months: int) -> int:
    """The day ``months`` months after ``day``: the same day of that month, or the month's last
    day when it has no such day (PRC Civil Code art. 202: 31 January plus one month is
    28 or 29 February)."""
    d = _date(day)
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return _dt.date(year, month, min(d.day, last)).toordinal()


def months_started(start: int, end: int) -> int:
    """Months counted from ``start`` needed to reach ``end``: month k ends on the day k months
    after ``start`` (:func:`add_months`), every month begun counts as a whole one, and at least
    one is counted (no value when ``end`` is before ``start``). From 15 January: 15 February is in month 1, 16 February starts month 2."""
    if end < start:
        raise ValueError("months_started: the end is before the start")
    d0, d1 = _date(start), _date(end)
    n = max(1, (d1.year - d0.year) * 12 + (d1.month - d0.month) - 1)
    while add_months(start, n) >= end and n > 1:
        n -= 1
    while add_months(start, n) < end:
        n += 1
    return n


def calendar_months(start: int, end: int) -> int:
    """Calendar months from the month of ``start`` to the month of ``end``, both counted
    (2026-01-31 to 2026-02-01 is 2); no value when the end is before the start."""
    if end < start:
        raise ValueError("calendar_months: the end is before the start")
    d0, d1 = _date(start), _date(end)
    return max(1, (d1.year - d0.year) * 12 + (d1.month - d0.month) + 1)


def prorate(amount: int, part: int, whole: int) -> int:
    """``amount * part / whole``, rounded half up to a whole unit (a cent for amounts)."""
    if whole <= 0:
        raise ValueError("prorate: the whole must be positive")
    numerator = amount * part
    q, r = divmod(abs(numerator), whole)
    if 2 * r >= whole:
        q += 1
    return q if numerator >= 0 else -q


FUNCTIONS: dict[str, Builtin] = {b.name: b for b in (
    Builtin("months_started", ("date", "date"), "integer", months_started,
            "months counted from the first date needed to reach the second, every month begun counted "
            "as one, at least one"),
    Builtin("calendar_months", ("date", "date"), "integer", calendar_months,
            "calendar months from the month of the first date to the month of the second, both counted"),
    Builtin("add_months", ("date", "integer"), "date", add_months,
            "the date that many months later (the same day, or the month's last day)"),
    Builtin("prorate", ("number", "integer", "integer"), "same", prorate,
            "amount * part / whole, rounded half up (no value when the whole is not positive)"),
    Builtin("least", ("number", "number"), "same", min, "the smaller of two numbers"),
    Builtin("greatest", ("number", "number"), "same", max, "the larger of two numbers"),
)}

RESERVED = frozenset(FUNCTIONS) | frozenset(AGGREGATES)


def call(name: str, args: list[int]) -> int | None:
    """The value of a built-in function, or None outside its domain (or for a non-number)."""
    if any(not isinstance(a, int) or isinstance(a, bool) for a in args):
        return None
    try:
        return FUNCTIONS[name].fn(*args)
    except (ValueError, OverflowError):
        return None


def aggregate(op: str, rows: set[tuple]) -> int | None:
    """The aggregate of the distinct term tuples ``rows`` (None: no value)."""
    if op == "count":
        return len(rows)
    values = [r[0] for r in rows]
    if any(not isinstance(v, int) or isinstance(v, bool) for v in values):
        return None
    if op == "sum":
        return sum(values)
    if not values:
        return None
    return min(values) if op == "min" else max(values)
