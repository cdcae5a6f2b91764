"""The rule language's figures: built-in functions (months of service, prorating, least and
greatest) and aggregates (sum, count, min, max), their load-time checks and their
explanations, on a small knowledge base."""
from __future__ import annotations

import datetime as dt

import pytest

import kb
from conftest import SMALL_VOCABULARY
from kb import builtins

VOCABULARY = SMALL_VOCABULARY.replace("inputs:\n", """inputs:
  payment:
    args: {payment: id, account: id, amount: amount}
    doc: A payment into an account.
    area: graph
  opened:
    args: {account: id, on: date}
    doc: The account was opened on this date.
    area: graph
  closed:
    args: {account: id, on: date}
    doc: The account was closed on this date.
    area: graph
""", 1).replace("conclusions:\n", """conclusions:
  paid_total:
    args: {account: id, amount: amount}
    doc: What was paid into the account.
    area: graph
  months_open:
    args: {account: id, months: integer}
    doc: Months the account was open, every month begun counted.
    area: graph
  payments_made:
    args: {account: id, count: integer}
    doc: How many payments the account received.
    area: graph
  largest_payment:
    args: {account: id, amount: amount}
    doc: The largest payment into the account.
    area: graph
  refund:
    args: {account: id, amount: amount}
    doc: What is refunded.
    area: graph
  busy:
    args: {account: id}
    doc: The account received two payments or more.
    area: graph
  doubled:
    args: {account: id, amount: amount}
    doc: Twice what was paid.
    area: graph
""", 1)

Q = '@cites 2.1\n@gloss A test rule.\n@quote 2.1 "The fee is due"\n'

RULES = {"graph": f"""
@rule total
{Q}paid_total(A, T) :- opened(A, _), T = sum(X, P : payment(P, A, X)).

@rule months
{Q}months_open(A, N) :- opened(A, O), closed(A, C), N = months_started(O, C).

@rule how_many
{Q}payments_made(A, N) :- opened(A, _), N = count(P : payment(P, A, _)).

@rule largest
{Q}largest_payment(A, M) :- opened(A, _), M = max(X, P : payment(P, A, X)).

@rule refund_rest
{Q}refund(A, R) :- paid_total(A, T), months_open(A, N), R = greatest(T - N * 100.00, 0).

@rule two_or_more
{Q}busy(A) :- opened(A, _), count(P : payment(P, A, _)) >= 2.

@rule twice
{Q}doubled(A, D) :- opened(A, _), S = sum(X, P : payment(P, A, X)), D = S * 2.
"""}


@pytest.fixture(scope="module")
def accounts(tmp_path_factory):
    from conftest import write_kb

    return kb.load_knowledge_base(write_kb(tmp_path_factory.mktemp("acc"), RULES, vocabulary=VOCABULARY))


def day(text: str) -> int:
    return dt.date.fromisoformat(text).toordinal()


# --- the functions --------------------------------------------------------------------------

@pytest.mark.parametrize("start, end, months", [
    ("2026-01-15", "2026-01-15", 1),   # the first day: one month begun
    ("2026-01-15", "2026-02-15", 1),   # the last day of month 1
    ("2026-01-15", "2026-02-16", 2),   # month 2 begun on its first day
    ("2026-01-31", "2026-02-28", 1),   # 31 January plus one month is 28 February (art. 202)
    ("2026-01-31", "2026-03-01", 2),
    ("2024-02-29", "2025-02-28", 12),  # a leap day's anniversary
    ("2026-01-15", "2027-01-16", 13),
])
def test_months_started_counts_every_month_begun(start, end, months):
    assert builtins.months_started(day(start), day(end)) == months


def test_calendar_months_counts_both_end_months():
    assert builtins.calendar_months(day("2026-01-31"), day("2026-02-01")) == 2
    assert builtins.calendar_months(day("2026-01-01"), day("2026-01-31")) == 1


def test_functions_outside_their_domain_have_no_value():
    assert builtins.call("months_started", [day("2026-02-01"), day("2026-01-31")]) is None
    assert builtins.call("prorate", [1000, 1, 0]) is None
    assert builtins.call("add_months", [day("9999-12-01"), 1]) is None
    assert builtins.call("least", ["a", 1]) is None


def test_prorate_rounds_half_up_to_the_cent():
    assert builtins.prorate(100000, 10, 31) == 32258  # 322.580645 -> 322.58
    assert builtins.prorate(1001, 1, 2) == 501        # 5.005 -> 5.01
    assert builtins.prorate(1000, 1, 2) == 500


# --- aggregates and functions in rules ------------------------------------------------------

def test_sum_keeps_equal_payments_apart_and_is_zero_for_none(accounts):
    result = accounts.evaluate(["opened(a, 2026-01-15)", "opened(b, 2026-01-15)", "payment(p1, a, 30.00)",
                                "payment(p2, a, 30.00)", "payment(p3, a, 5.50)"])
    assert result.ask("paid_total(A, T)") == [{"A": "a", "T": "65.50"}, {"A": "b", "T": "0.00"}]
    assert result.ask("payments_made(A, N)") == [{"A": "a", "N": "3"}, {"A": "b", "N": "0"}]
    assert result.ask("largest_payment(A, M)") == [{"A": "a", "M": "30.00"}]  # max of nothing: no value


def test_a_comparison_on_an_aggregate_pins_its_threshold_on_both_sides(accounts):
    one = accounts.evaluate(["opened(a, 2026-01-15)", "payment(p1, a, 1.00)"])
    two = accounts.evaluate(["opened(a, 2026-01-15)", "payment(p1, a, 1.00)", "payment(p2, a, 1.00)"])
    assert not one.holds("busy(a)") and two.holds("busy(a)")


@pytest.mark.parametrize("closed, months, refund", [
    ("2026-02-15", 1, "900.00"), ("2026-02-16", 2, "800.00"), ("2026-12-20", 12, "0.00")])
def test_months_and_refund_follow_the_dates(accounts, closed, months, refund):
    result = accounts.evaluate(["opened(a, 2026-01-15)", f"closed(a, {closed})", "payment(p1, a, 1000.00)"])
    assert result.ask("months_open(a, N)") == [{"N": str(months)}]
    assert result.ask("refund(a, R)") == [{"R": refund}]


def test_the_explanation_shows_the_arithmetic_and_the_items(accounts):
    result = accounts.evaluate(["opened(a, 2026-01-15)", "closed(a, 2026-02-16)", "payment(p1, a, 600.00)",
                                "payment(p2, a, 400.00)"])
    text = result.explain("refund(a, 800.00)").to_text()
    assert "R = greatest(T - N * 100.00, 0) holds: 800.00 = greatest(1000.00 - 2 * 100.00, 0) (= 800.00)" in text
    assert ("T = sum(X, P : payment(P, A, X)) holds: 1000.00 = sum(X, P : payment(P, a, X)) "
            "(= 1000.00 = 600.00 + 400.00, over payment(p1, a, 600.00); payment(p2, a, 400.00))") in text
    assert "N = months_started(O, C) holds: 2 = months_started(2026-01-15, 2026-02-16) (= 2)" in text
    assert "    - payment(p1, a, 600.00)  (stated in the scenario)" in text.splitlines()  # the items summed: premises


def test_a_figure_bound_by_an_aggregate_is_shown_as_an_amount(accounts):
    result = accounts.evaluate(["opened(a, 2026-01-15)", "payment(p1, a, 10.50)"])
    text = result.explain("doubled(a, 21.00)").to_text()
    assert "D = S * 2 holds: 21.00 = 10.50 * 2 (= 21.00)" in text
    assert "S = sum(X, P : payment(P, A, X)) holds: 10.50 = sum(X, P : payment(P, a, X))" in text


def test_evaluations_with_aggregates_stay_isolated(accounts):
    a = ["opened(a, 2026-01-15)", "payment(p1, a, 10.00)"]
    b = ["opened(a, 2026-01-15)", "payment(p2, a, 20.00)", "payment(p3, a, 20.00)"]
    alone = accounts.evaluate(b).conclusions
    accounts.evaluate(a)
    assert accounts.evaluate(b).conclusions == alone


# --- load-time checks -------------------------------------------------------------------------

def rule_error(make_kb, body: str) -> str:
    with pytest.raises(kb.KbError) as info:
        make_kb({"graph": f"@rule r\n{Q}{body}\n"}, vocabulary=VOCABULARY)
    return str(info.value)


def test_a_sum_that_would_merge_equal_amounts_is_rejected(make_kb):
    message = rule_error(make_kb, "paid_total(A, T) :- opened(A, _), T = sum(X : payment(P, A, X)).")
    assert message.endswith(
        "rules/graph.dl:5: unsafe variable: rule 'r': sum adds each distinct tuple of its terms once, so items "
        "that differ only in P would merge when their amounts are equal: list it among the terms, e.g. "
        "sum(X, P : ...)")


def test_an_unknown_function_suggests_the_built_in_one(make_kb):
    message = rule_error(make_kb, "months_open(A, N) :- opened(A, O), closed(A, C), N = month_started(O, C).")
    assert message.endswith("(did you mean 'months_started'?)")
    assert "rules/graph.dl:5: syntax error: 'month_started(...)' in an expression is not a built-in function" in message


def test_a_function_on_the_wrong_kind_of_value_is_a_type_error(make_kb):
    message = rule_error(make_kb, "months_open(A, N) :- opened(A, O), payment(_, A, X), N = months_started(O, X).")
    assert message.endswith("wrong type: rule 'r': argument 2 of months_started must be a date, but X is a amount "
                            "('N = months_started(O, X)')")


def test_a_function_with_the_wrong_number_of_arguments_is_an_error(make_kb):
    message = rule_error(make_kb, "months_open(A, N) :- opened(A, O), N = months_started(O).")
    assert message.endswith("syntax error: months_started takes 2 arguments, got 1")


def test_an_aggregate_over_its_own_conclusion_is_rejected(make_kb):
    message = rule_error(make_kb, "paid_total(A, T) :- opened(A, _), T = sum(X, B : paid_total(B, X)).")
    assert "negation through recursion: rule 'r': its aggregate or built-in function reads paid_total, which " \
           "depends back on what the rule concludes (recursion through an aggregate or function" in message


def test_an_unbound_variable_inside_an_aggregate_is_unsafe(make_kb):
    message = rule_error(make_kb, "busy(A) :- opened(A, _), count(P : not payment(P, A, _)) >= 1.")
    assert "unsafe variable: rule 'r': variable P in 'not payment(P, A, _)' inside count(...) is not bound" in message


def test_an_aggregate_inside_an_aggregate_is_not_supported(make_kb):
    message = rule_error(make_kb, "busy(A) :- opened(A, _), count(P : payment(P, A, X), X > sum(Y, Q : "
                                  "payment(Q, A, Y))) >= 1.")
    assert "an aggregate inside an aggregate (sum) is not supported" in message


def test_an_amount_beside_a_whole_number_is_ambiguous(make_kb):
    message = rule_error(make_kb, "refund(A, R) :- paid_total(A, T), R = T - 100.")
    assert message.endswith("wrong type: rule 'r': 100 next to the amount T is ambiguous: write amounts with their "
                            "decimals (100.00) ('R = T - 100')")


def test_an_aggregate_needs_its_colon(make_kb):
    message = rule_error(make_kb, "paid_total(A, T) :- opened(A, _), T = sum(X, payment(P, A, X)).")
    assert "syntax error: sum(...) is an aggregate: list the terms, then ':' and the body" in message


@pytest.mark.parametrize("ending", [".", " ."])
def test_an_amount_may_end_a_rule(ending):
    from kb.syntax import parse_rule_file
    from kb.terms import Const

    parsed = parse_rule_file(f"@rule big\n@cites 1\np(S) :- q(S, T), T > 3000.00{ending}\n", "x.dl")
    assert parsed.rules[0].body[-1].right == Const("3000.00", "decimal")


def test_a_number_with_two_decimal_points_is_still_an_error():
    from kb.errors import KbError
    from kb.syntax import parse_rule_file

    with pytest.raises(KbError, match=r"x\.dl:3: "):
        parse_rule_file("@rule big\n@cites 1\np(S) :- q(S, T), T > 1.2.3.\n", "x.dl")
