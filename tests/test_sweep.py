"""Consistency sweep: every combination of 12 interacting yes/no facts, with invariants.

The facts span force majeure and liability, disclosure and confidentiality, termination and
refunds, and a request for data after the terms end. For each of the 4,096 combinations:
  * no party is both liable and exempt from liability for one breach;
  * no disclosure is both permitted and forbidden, and no party both permitted and forbidden
    the same conduct (the declared overrides always leave one winner);
  * every termination has exactly one refund outcome;
  * every conclusion has an explanation that cites at least one clause;
  * no constraint the knowledge base declares (constraints.yaml) is violated.
"""
from __future__ import annotations

import itertools

import pytest

import kb

BASE = [
    # a disclosure of the user's data by JD Cloud to a third party
    "information_kind_of(data1, user_data)",
    "information_provided_by(data1, user)",
    "information_disclosure(d1, jd_cloud, data1, third_party)",
    "disclosure_made(d1)",
    # an early termination by JD Cloud, with the facts a refund is computed from (a cluster created
    # on 5 January and prepaid 1200.00 for a year: 2 months and 5 days of service at the termination)
    "jd_cloud_terminated(t1, 2026-03-10)",
    "service_created_on(c1, 2026-01-05)",
    "order_page_price(c1, 1200.00)",
    "prepaid_service_expires_on(c1, 2027-01-05)",
    "fee_payment(p1, c1, 2026-01-05, 1200.00)",
    "terms_ended_on(2026-03-10)",
]

TOGGLES = {
    "earthquake": ["event(quake, earthquake)"],
    "jd_cloud_suffers_it": ["suffered(jd_cloud, quake)"],
    "performance_impossible": ["affects_performance(quake, impossible)"],
    "outage": ["breach(jd_cloud, outage)"],
    "outage_caused_by_quake": ["breach_caused_by(outage, quake)"],
    "quake_foreseeable": ["criterion_not_met(quake, unforeseeable)"],
    "user_consents": ["user_consented_to_disclosure(d1)"],
    "court_requires_disclosure": ["state_demand_for_disclosure(d1, judicial_authority, mandatory_requirement)"],
    "strict_confidentiality_reading": ["interpretation(confidentiality_limits_user_data_disclosure)"],
    "termination_notified": ["termination_announced_or_notified(t1)"],
    "user_does_not_pay": ["breach(user, unpaid)", "user_breach_kind(unpaid, payment_failure)"],
    "ddos_harms_jd_cloud": ["event(attack1, ddos_attack)", "suffered(user, attack1)",
                            "security_event_effect(attack1, harm_to_jd_cloud)"],
}

COMBINATIONS = list(itertools.product((False, True), repeat=len(TOGGLES)))


def facts_of(combination) -> list[str]:
    facts = list(BASE)
    for on, group in zip(combination, TOGGLES.values()):
        if on:
            facts.extend(group)
    return facts


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


def check_invariants(result) -> list[str]:
    from kb.constraints import violations

    problems = [str(v) for v in violations(result)]  # the declared constraints (constraints.yaml)
    for row in result.matching("liable(P, B)"):
        if result.holds(f"exempt_from_liability({row.args[0]}, {row.args[1]})"):
            problems.append(f"both liable and exempt: {row.text}")
    if result.holds("disclosure_forbidden(d1)") and result.holds("disclosure_permitted(d1, G)"):
        problems.append("d1 both permitted and forbidden")
    for row in result.matching("permitted(P, C)"):
        if result.holds(f"forbidden({row.args[0]}, {row.args[1]})"):
            problems.append(f"both permitted and forbidden: {row.text}")
    outcomes = result.ask("refund_outcome(t1, R)")
    if len(outcomes) != 1:
        problems.append(f"termination t1 has {len(outcomes)} refund outcomes: {outcomes}")
    for conclusion in result.conclusions:
        explanation = result.explain(conclusion)
        if not explanation.holds or not explanation.clause_ids():
            problems.append(f"no explanation citing a clause for {conclusion.text}")
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(8))
def test_invariants_hold_for_every_combination(agreement, chunk):
    failures = []
    for combination in COMBINATIONS[chunk::8]:
        result = agreement.evaluate(facts_of(combination))
        for problem in check_invariants(result):
            on = [name for name, flag in zip(TOGGLES, combination) if flag]
            failures.append(f"{problem} (facts on: {', '.join(on) or 'none'})")
    assert failures[:10] == []
