"""Consistency sweeps: every combination of interacting yes/no facts, with invariants.

A first sweep toggles 12 facts (4,096 combinations), a second 10 more (1,024: measures, chains
of causes, prevailing texts; see below).

The facts span force majeure and liability, disclosure and confidentiality, termination and
refunds, and a request for data after the terms end. For each combination of either sweep,
kb.sweep.pydatalog_check (the checks the clingo sweep also makes) finds nothing broken:
  * no constraint the knowledge base declares (constraints.yaml) is violated: among them, no party
    is both liable and exempt from liability for one breach, no disclosure is both permitted and
    forbidden, no party both permitted and forbidden the same conduct (test_constraints pins
    that these are declared);
  * every early termination has exactly one refund outcome;
  * every conclusion has an explanation that cites at least one clause.
"""
from __future__ import annotations

import itertools

import pytest

import kb
from kb.sweep import BASE as SWEEP_BASE, TOGGLES_12, pydatalog_check

# the base and the 12 toggles are those of kb.sweep (the clingo sweep extends them to 16)
BASE = list(SWEEP_BASE)
TOGGLES = {name: list(facts) for name, facts in TOGGLES_12.items()}

COMBINATIONS = list(itertools.product((False, True), repeat=len(TOGGLES)))


def facts_of(combination, base=BASE, toggles=TOGGLES) -> list[str]:
    """The base facts plus the group of each toggle that is on in ``combination``."""
    facts = list(base)
    for on, group in zip(combination, toggles.values()):
        if on:
            facts.extend(group)
    return facts


def sweep_failures(agreement, combinations, toggles, base) -> list[str]:
    """Every invariant broken over ``combinations``, each naming the toggles that were on."""
    failures = []
    for combination in combinations:
        result = agreement.evaluate(facts_of(combination, base, toggles))
        for problem in pydatalog_check(agreement, result):
            on = [name for name, flag in zip(toggles, combination) if flag]
            failures.append(f"{problem} (facts on: {', '.join(on) or 'none'})")
    return failures


def test_the_sweep_covers_4096_combinations_of_12_facts():
    assert len(TOGGLES) == 12 and len(COMBINATIONS) == 4096


def test_the_sweep_reaches_the_interesting_cases(agreement):
    everything = agreement.evaluate(facts_of((True,) * 12))
    nothing = agreement.evaluate(facts_of((False,) * 12))
    assert nothing.ask("refund_outcome(t1, R)") == [{"R": "none_specified"}]
    assert everything.ask("refund_outcome(t1, R)") == [{"R": "no_refund"}]
    assert everything.ask("refund_due(t1, S, A)") == [{"S": "c1", "A": "0.00"}]
    ddos_only = agreement.evaluate(facts_of((False,) * 11 + (True,)))
    # 5 January to 10 March: 3 months begun, at 1200.00 / 12 = 100.00 a month (7.1, 7.3.4)
    assert ddos_only.ask("refund_due(t1, S, A)") == [{"S": "c1", "A": "900.00"}]
    assert nothing.ask("refund_due(t1, S, A)") == []
    assert agreement.evaluate(facts_of((True,) * 5 + (False,) * 7)).holds("exempt_from_liability(jd_cloud, outage)")
    assert nothing.holds("disclosure_forbidden(d1)")
    assert not nothing.holds("disclosure_permitted(d1, G)")


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(8))
def test_invariants_hold_for_every_combination(agreement, chunk):
    assert sweep_failures(agreement, COMBINATIONS[chunk::8], TOGGLES, BASE)[:10] == []


# --- a second sweep: the facts of measures, chains of causes and prevailing texts -------------
# 10 interacting yes/no facts (1,024 combinations): a suspension by JD Cloud and the grounds that
# may permit it, a chain of causes behind an outage (an epidemic, a lockdown, a third party, a
# staff error), a data loss without backup, a stamped text naming another court and cap, and a
# disclosure of usage records JD Cloud generated. Every combination must respect the declared
# constraints and explain each conclusion.

BASE_MEASURES = [
    "service_created_on(c1, 2026-01-01)",
    "service_purchased(c1, pay_in_advance, 2026-01-01)",
    "order_page_price(c1, 1200.00)",
    # half the fee paid: the order awaits payment unless the rest is stated overdue (fee_overdue);
    # paying it all and stating it overdue would be facts that cannot both be true
    "fee_payment(p1, c1, 2026-01-01, 600.00)",
    "jd_cloud_suspended_service(susp1, c1, 2026-03-05)",
    "breach(jd_cloud, outage)",
    "breach_concerns_service(outage, c1)",
    "breach_caused_by(outage, lockdown)",
    "event(lockdown, other_event)",
    "user_claims_damages(outage, direct_damages, 800.00)",
    "information_generated_by_jd_cloud(usage_log)",
    "information_disclosure(d2, jd_cloud, usage_log, third_party)",
    "disclosure_made(d2)",
]

TOGGLES_MEASURES = {
    "spam_before_suspension": ["user_engaged_in(spam1, bulk_unsolicited_email)", "act_date(spam1, 2026-03-01)"],
    "fee_overdue": ["prepaid_fee_overdue(c1)"],
    "suspension_caused_the_outage": ["breach_caused_by(outage, susp1)"],
    "epidemic_behind_the_lockdown": ["event(epi, plague_epidemic)", "event_caused_by(lockdown, epi)",
                                     "suffered(jd_cloud, lockdown)", "affects_performance(lockdown, impossible)"],
    "third_party_cut": ["event(cut, third_party_act)", "breach_caused_by(outage, cut)"],
    "staff_error": ["event(err, jd_cloud_staff_error)", "breach_caused_by(outage, err)"],
    "data_lost_without_backup": ["breach(jd_cloud, loss1)", "breach_type(loss1, data_loss)",
                                 "breach_caused_by(loss1, err2)", "event(err2, equipment_failure)",
                                 "user_data_not_backed_up(loss1)"],
    "stamped_court_and_cap": ["document_provides(dispute_court, stamped_text, haidian_court)",
                              "document_liability_cap(stamped_text, c1, 500.00)"],
    "user_consents_to_disclosure": ["user_consented_to_disclosure(d2)"],
    "lawsuit_in_daxing": ["contract_dispute(dispute1)", "dispute_negotiation_failed_on(dispute1, 2026-03-20)",
                          "lawsuit_filed(user, dispute1, daxing_district_peoples_court_beijing, 2026-03-21)"],
}

COMBINATIONS_MEASURES = list(itertools.product((False, True), repeat=len(TOGGLES_MEASURES)))


def test_the_second_sweep_reaches_the_interesting_cases(agreement):
    assert len(TOGGLES_MEASURES) == 10 and len(COMBINATIONS_MEASURES) == 1024
    names = list(TOGGLES_MEASURES)

    def evaluate(*on):
        return agreement.evaluate(facts_of(tuple(name in on for name in names), BASE_MEASURES, TOGGLES_MEASURES))

    nothing = evaluate()
    assert nothing.holds("measure_without_ground(susp1)") and nothing.holds("prepaid_payment_pending(c1)")
    assert evaluate("fee_overdue").ask("measure_permitted(susp1, G)") == [{"G": "unpaid_fee"}]
    spam = evaluate("spam_before_suspension", "suspension_caused_the_outage")
    assert spam.holds("measure_permitted(susp1, G)") and not spam.holds("liable(jd_cloud, outage)")
    assert evaluate("epidemic_behind_the_lockdown").holds("exempt_from_liability(jd_cloud, outage)")
    assert evaluate("epidemic_behind_the_lockdown", "staff_error").holds("liable(jd_cloud, outage)")
    stamped = evaluate("stamped_court_and_cap", "lawsuit_in_daxing")
    assert stamped.holds("agreed_court(haidian_court)") and not stamped.holds("agreed_court(daxing_district_peoples_court_beijing)")
    assert stamped.holds("recoverable_amount(outage, 500.00)")


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(4))
def test_invariants_hold_for_every_combination_of_measures_causes_and_texts(agreement, chunk):
    assert sweep_failures(agreement, COMBINATIONS_MEASURES[chunk::4], TOGGLES_MEASURES, BASE_MEASURES)[:10] == []
