"""The "what would flip this?" search (kb.whatif.flip_search): which single changes it tries, which
change sets it reports as minimal, and that it stays bounded and deterministic.

Exact flip sets on a small liability knowledge base, and a few searches on the built-in agreements
with no time budget (so that the result does not depend on the machine's speed)."""
from __future__ import annotations

import pytest

import kb
from kb import whatif

TEXT = """**1. Liability**
1.1. The provider is liable for a failure to perform, unless a force majeure event caused it.
1.2. A flood or an earthquake is a force majeure event.
1.3. Damages above the cap are capped.
1.4. A failure must be notified within 48 hours.
1.5. The user pays for the services while any service exists.
"""

VOCABULARY = """
areas:
  liability: Liability
types:
  event_kind:
    kind: enum
    doc: What happened.
    values:
      flood: A flood
      quake: An earthquake
      virus: A computer virus
inputs:
  breach:
    args: {b: id}
    doc: A failure to perform.
    area: liability
  caused_by:
    args: {b: id, e: id}
    doc: The failure was caused by the event.
    area: liability
  event:
    args: {e: id, kind: event_kind}
    doc: An event of this kind.
    area: liability
  claim:
    args: {b: id, amount: amount}
    doc: Damages claimed for the failure.
    area: liability
  cap:
    args: {amount: amount}
    doc: The liability cap.
    area: liability
  notified:
    args: {b: id, hours: integer}
    doc: The failure was notified this many hours after it happened.
    area: liability
  service:
    args: {s: id}
    doc: A service the user has.
    area: liability
conclusions:
  force_majeure:
    args: {e: id}
    doc: The event is force majeure.
    area: liability
  excused:
    args: {b: id}
    doc: The failure is excused.
    area: liability
  liable:
    args: {b: id}
    doc: The provider is liable for the failure.
    area: liability
  capped:
    args: {b: id}
    doc: The damages are capped.
    area: liability
  late:
    args: {b: id}
    doc: The failure was notified late.
    area: liability
  user_pays:
    doc: The user pays.
    area: liability
"""

RULES = {"liability": """
    @rule fm_flood
    @cites 1.2
    @gloss A flood is force majeure.
    @quote 1.2 "A flood or an earthquake is a force majeure event"
    force_majeure(E) :- event(E, flood).

    @rule fm_quake
    @cites 1.2
    @gloss An earthquake is force majeure.
    @quote 1.2 "A flood or an earthquake is a force majeure event"
    force_majeure(E) :- event(E, quake).

    @rule excused
    @cites 1.1
    @gloss A failure caused by force majeure is excused.
    @quote 1.1 "unless a force majeure event caused it"
    excused(B) :- breach(B), caused_by(B, E), force_majeure(E).

    @rule liable
    @cites 1.1
    @gloss The provider is liable for a failure that is not excused.
    @quote 1.1 "The provider is liable for a failure to perform"
    liable(B) :- breach(B), not excused(B).

    @rule capped
    @cites 1.3
    @gloss Damages above the cap are capped.
    @quote 1.3 "Damages above the cap are capped"
    capped(B) :- claim(B, A), cap(C), A > C.

    @rule late
    @cites 1.4
    @gloss A notification after 48 hours is late.
    @quote 1.4 "within 48 hours"
    late(B) :- breach(B), notified(B, H), H > 48.

    @rule user_pays
    @cites 1.5
    @gloss The user pays while any service exists.
    @quote 1.5 "while any service exists"
    user_pays :- service(_).
    """}

STORM = ["breach(outage)", "caused_by(outage, storm)", "event(storm, flood)"]
QUAKE = "force_majeure_earthquake_outage_provider_not_liable.yaml"
QUAKE_FACTS = ["event(quake, earthquake)", "suffered(jd_cloud, quake)", "affects_performance(quake, impossible)",
               "breach(jd_cloud, outage)", "breach_caused_by(outage, quake)"]
NO_REFUND = "termination_severe_breach_nonpayment_no_refund.yaml"
BALANCE_SHORT_TWICE = ["account_balance_insufficient_on(2026-03-01)", "account_balance_insufficient_on(2026-03-15)"]


@pytest.fixture
def small(make_kb):
    return make_kb(RULES, vocabulary=VOCABULARY, text=TEXT)


def flips(knowledge_base, facts, conclusion, **options) -> list[str]:
    scenario = knowledge_base.scenario(facts) if isinstance(facts, list) else knowledge_base.load_scenario(facts)
    result = whatif.flip_search(knowledge_base, scenario, conclusion, time_budget=None, **options)
    return [str(f) for f in result.flips]


# 1. the conclusion's own names and values are tried ------------------------------------------

def test_the_conclusions_own_name_is_tried_add_breach_outage(small):
    assert flips(small, [], "liable(outage)") == ["add breach(outage)"]


def test_liable_jd_cloud_outage_on_an_empty_scenario_adds_the_breach(agreement):
    result = whatif.flip_search(agreement, agreement.scenario([]), "liable(jd_cloud, outage)", time_budget=None)
    assert [str(f) for f in result.flips] == ["add breach(jd_cloud, outage)"]
    assert result.makes_hold and not result.truncated


def test_nothing_to_try_is_said_plainly(small, agreement):
    result = whatif.flip_search(small, small.scenario([]), "user_pays", time_budget=None)
    assert result.candidates == 0 and result.flips == [] and not result.truncated
    assert result.reason == whatif.NOTHING_TO_TRY
    assert result.to_text() == ("What would make “user_pays” hold: no change within the scenario's names and "
                                "values can be tried")
    result = whatif.flip_search(agreement, agreement.scenario([]), "obliged(user, keep_account_balance_sufficient)",
                                time_budget=None)
    assert result.reason == whatif.NOTHING_TO_TRY and "can be tried" in result.to_text()


# 2. integers and amounts move by one unit, as dates move by one day --------------------------

def test_amounts_move_by_one_cent_claim_1000_00_vs_cap_1000_00(small):
    assert flips(small, ["claim(outage, 1000.00)", "cap(1000.00)"], "capped(outage)") == [
        "change cap(1000.00) to cap(999.99)", "change claim(outage, 1000.00) to claim(outage, 1000.01)"]


def test_integers_move_by_one_notified_at_hour_48_vs_49(small):
    assert flips(small, ["breach(outage)", "notified(outage, 48)"], "late(outage)") == [
        "change notified(outage, 48) to notified(outage, 49)"]
    assert flips(small, ["breach(outage)", "notified(outage, 49)"], "late(outage)") == [
        "change notified(outage, 49) to notified(outage, 48)", "remove breach(outage)",
        "remove notified(outage, 49)"]


def test_no_move_below_zero(small):
    changes, _ = whatif.candidate_changes(small, small.scenario(["breach(b)", "notified(b, 0)"]), "late(b)")
    assert "change notified(b, 0) to notified(b, 1)" in [str(c) for c in changes]
    assert not [c for c in changes if "-1" in str(c)]


def test_the_8_4_cap_boundary_1000_00_vs_1000_01(agreement):
    assert flips(agreement, "liability_cap_damages_equal_to_fee.yaml", "liability_capped(outage)") == [
        "change order_page_price(cluster1, 1000.00) to order_page_price(cluster1, 999.99)",
        "change user_claims_damages(outage, direct_damages, 1000.00) to "
        "user_claims_damages(outage, direct_damages, 1000.01)",
        "add prior_liability_for_service(cluster1, 1000.00)"]


def test_dpa_breach_notified_at_hour_48_is_one_hour_from_late():
    dpa = kb.load_agreement("sample_dpa")
    found = flips(dpa, "breach_notified_48_hours_after_awareness_in_time.yaml", "notified_in_time(leak)")
    assert "change customer_notified(leak, 2026-03-04, 14) to customer_notified(leak, 2026-03-04, 15)" in found
    assert "change processor_became_aware(leak, 2026-03-02, 14) to processor_became_aware(leak, 2026-03-02, 13)" \
        in found
    found = flips(dpa, "breach_notified_49_hours_after_awareness_late.yaml", "notified_late(leak)")
    assert "change customer_notified(leak, 2026-03-04, 15) to customer_notified(leak, 2026-03-04, 14)" in found


# 3. closest first, and pairs still tried when the candidate list is cut ----------------------

def test_only_facts_the_conclusion_can_depend_on_are_changed(small):
    scenario = small.scenario(["service(s1)", "cap(1000.00)", "claim(outage, 1000.00)", "notified(outage, 48)"])
    changes, cut = whatif.candidate_changes(small, scenario, "late(outage)")
    assert not cut
    assert [str(c) for c in changes] == [
        "remove notified(outage, 48)", "change notified(outage, 48) to notified(outage, 47)",
        "change notified(outage, 48) to notified(outage, 49)", "add breach(outage)"]


def test_changes_of_the_scenarios_facts_come_first_closest_first(agreement):
    changes, cut = whatif.candidate_changes(agreement, agreement.load_scenario(QUAKE), "liable(jd_cloud, outage)",
                                            max_candidates=4)
    # breach is read by the rule concluding liability; breach_caused_by one rule further down, and the
    # event's kind there too (the exceptions of 8.2 read the kind of a cause of the failure)
    assert [str(c) for c in changes] == [
        "remove breach(jd_cloud, outage)", "change breach(jd_cloud, outage) to breach(user, outage)",
        "remove breach_caused_by(outage, quake)",
        "change event(quake, earthquake) to event(quake, internet_path_blocking)"]
    assert cut
    changes, _ = whatif.candidate_changes(agreement, agreement.load_scenario(QUAKE), "liable(jd_cloud, outage)")
    kinds = ["add" if c.add and not c.remove else "other" for c in changes]
    assert kinds == sorted(kinds, key=lambda k: k == "add")  # every addition after every other change


def test_a_cut_candidate_list_still_gets_its_pairs_balance_insufficient_twice(agreement):
    # violated(user, keep_account_balance_sufficient) holds on either day the balance ran short (7.2)
    scenario = agreement.scenario(BALANCE_SHORT_TWICE)
    result = whatif.flip_search(agreement, scenario, "violated(user, keep_account_balance_sufficient)",
                                time_budget=None, max_candidates=3)
    assert [str(f) for f in result.flips] == [
        "remove account_balance_insufficient_on(2026-03-01); remove account_balance_insufficient_on(2026-03-15)"]
    assert result.truncated and result.reason.startswith("only the 3 single changes closest to the conclusion")
    assert result.pairs_tried > 0
    full = whatif.flip_search(agreement, scenario, "violated(user, keep_account_balance_sufficient)",
                              time_budget=None)
    assert [str(f) for f in full.flips] == [str(f) for f in result.flips] and not full.truncated


def test_a_pair_of_removals_stops_a_conclusion_any_fact_supports(small):
    assert flips(small, ["service(s1)", "service(s2)"], "user_pays") == ["remove service(s1); remove service(s2)"]


# 4. no nonsense candidates -------------------------------------------------------------------

def test_no_second_kind_for_an_event_and_no_failure_caused_by_itself(small):
    changes = [str(c) for c in whatif.candidate_changes(small, small.scenario(STORM), "liable(outage)")[0]]
    assert changes == ["remove breach(outage)", "remove caused_by(outage, storm)", "remove event(storm, flood)",
                       "change event(storm, flood) to event(storm, quake)",
                       "change event(storm, flood) to event(storm, virus)"]
    assert "add event(storm, virus)" not in changes and "add caused_by(outage, outage)" not in changes


def test_no_nonsense_additions_on_the_earthquake(agreement):
    changes = [str(c) for c in whatif.candidate_changes(agreement, agreement.load_scenario(QUAKE),
                                                        "liable(jd_cloud, outage)")[0]]
    assert "change event(quake, earthquake) to event(quake, pirated_software)" in changes
    assert "add event(quake, pirated_software)" not in changes
    assert "add breach_caused_by(outage, outage)" not in changes
    assert not [c for c in changes if c.startswith("add event(")]


# 5. minimal change sets ----------------------------------------------------------------------

def test_a_change_is_not_reported_when_removing_the_fact_alone_flips(small):
    # event(storm, virus) would end the excuse, but so does removing event(storm, flood): the
    # change is that removal and one more (useless) addition
    assert flips(small, STORM, "excused(outage)") == [
        "remove breach(outage)", "remove caused_by(outage, storm)", "remove event(storm, flood)"]


def test_a_date_moved_one_day_is_kept_beside_the_removal(make_kb):
    from conftest import REACH_FLAG_PAID_RULES

    # removing due(2026-03-07) flips too, but the move shows where the boundary is
    small = make_kb(REACH_FLAG_PAID_RULES)
    assert flips(small, ["due(2026-03-07)", "paid(2026-03-07)"], "on_time(2026-03-07)") == [
        "change due(2026-03-07) to due(2026-03-06)", "change due(2026-03-07) to due(2026-03-08)",
        "change paid(2026-03-07) to paid(2026-03-08)", "remove due(2026-03-07)", "remove paid(2026-03-07)"]
    assert flips(small, ["due(2026-03-07)", "paid(2026-03-08)"], "on_time(2026-03-07)") == [
        "change paid(2026-03-08) to paid(2026-03-07)", "add paid(2026-03-06)", "add paid(2026-03-07)"]


def test_the_earthquake_needs_no_change_of_kind_when_removing_the_event_flips(agreement):
    found = flips(agreement, QUAKE, "liable(jd_cloud, outage)")
    assert "remove event(quake, earthquake)" in found
    assert not [f for f in found if f.startswith("change event(quake, earthquake)")]


# 6. the conclusion must be a conclusion ------------------------------------------------------

@pytest.mark.parametrize("target", ["event(q, flood)", "interpretation(strict_force_majeure_list)"])
def test_an_input_as_target_is_a_clear_error(agreement, target):
    with pytest.raises(kb.KbError, match="is a fact of the scenario, not a conclusion: add it to the scenario "
                                         "or remove it directly"):
        whatif.flip_search(agreement, agreement.load_scenario(QUAKE), target)


def test_a_target_with_variables_is_still_an_error(agreement):
    with pytest.raises(kb.KbError, match="no variables"):
        whatif.flip_search(agreement, agreement.load_scenario(QUAKE), "liable(jd_cloud, B)")


# 7. bounded, fast, deterministic, and says what it tried --------------------------------------

def test_the_benchmark_searches_finish_within_a_fixed_number_of_scenarios(agreement):
    quake = agreement.load_scenario(QUAKE)
    result = whatif.flip_search(agreement, quake, "liable(jd_cloud, outage)", time_budget=None, max_evaluations=400)
    assert not result.truncated
    # one change before two; the least material first: a reading (1), then findings added (2), then
    # stated facts removed (3); a reading with a removal comes last, as a pair
    assert [str(f) for f in result.flips] == [
        "add interpretation(strict_force_majeure_list)",
        "add criterion_not_met(quake, insurmountable)", "add criterion_not_met(quake, significant_impact)",
        "add criterion_not_met(quake, unavoidable)", "add criterion_not_met(quake, unforeseeable)",
        "remove breach_caused_by(outage, quake)", "remove event(quake, earthquake)",
        "add interpretation(fm_impossibility_must_be_found); remove affects_performance(quake, impossible)"]
    assert result.evaluations == result.singles_tried + result.pairs_tried <= 400
    assert result.singles_tried == result.candidates
    result = whatif.flip_search(agreement, quake, "exempt_from_liability(jd_cloud, outage)", time_budget=None,
                                max_evaluations=400)
    assert not result.truncated
    assert [str(f) for f in result.flips] == [
        "add interpretation(strict_force_majeure_list)",
        "add criterion_not_met(quake, insurmountable)", "add criterion_not_met(quake, significant_impact)",
        "add criterion_not_met(quake, unavoidable)", "add criterion_not_met(quake, unforeseeable)",
        "remove breach(jd_cloud, outage)", "remove breach_caused_by(outage, quake)",
        "remove event(quake, earthquake)",
        "add interpretation(fm_impossibility_must_be_found); remove affects_performance(quake, impossible)"]
    # the refund outcome reads many facts (the user's promises open the 3.1.3.12 right to terminate):
    # the pairs are cut, the singles all tried, the budget kept, and the four flips all found
    result = whatif.flip_search(agreement, agreement.load_scenario(NO_REFUND), "refund_outcome(t1, no_refund)",
                                time_budget=None, max_evaluations=400)
    assert result.singles_tried == result.candidates and result.evaluations == 400
    assert result.truncated and result.reason == (
        "only the 200 most promising pairs were tried; evaluation budget of 400 scenarios reached")
    assert (result.pairs_found, result.pairs_tried) == (15818, 116)
    assert [str(f) for f in result.flips] == [
        "add interpretation(term_payment_failure_must_be_severe)", "add breach_found_not_severe(unpaid_invoice)", "remove breach(user, unpaid_invoice)",
        "remove jd_cloud_terminated(t1, 2026-04-01)", "remove user_breach_kind(unpaid_invoice, payment_failure)"]


def test_the_text_says_how_many_singles_and_pairs_were_tried(small):
    result = whatif.flip_search(small, small.scenario(["service(s1)", "service(s2)"]), "user_pays", time_budget=None)
    assert result.tried == result.evaluations == 3
    assert result.to_text() == (
        "What would make “user_pays” stop holding: 1 change set\n"
        "  1. remove: service(s1); and remove: service(s2)\n"
        "Tried 3 scenarios: 2 of 2 single changes and 1 of 1 pair whose changes meet in a rule.")
    assert result.to_text(atoms=True).splitlines()[1] == "  1. remove service(s1); remove service(s2)"


def test_the_pair_budget_is_reported(agreement):
    result = whatif.flip_search(agreement, agreement.load_scenario(QUAKE), "liable(jd_cloud, outage)",
                                time_budget=None, max_pairs=5)
    assert result.truncated and result.pairs_tried == 5 and result.pairs_found == 141
    assert result.reason == "only the 5 most promising pairs were tried" and result.reason in result.to_text()
    assert "and 5 of 141 pairs whose changes meet in a rule" in result.to_text()


def test_same_input_same_result(agreement):
    scenario = agreement.load_scenario(NO_REFUND)
    first = whatif.flip_search(agreement, scenario, "refund_due(t1, c1, 0.00)", time_budget=None)
    second = whatif.flip_search(agreement, scenario, "refund_due(t1, c1, 0.00)", time_budget=None)
    assert first.to_text() == second.to_text() and first.evaluations == second.evaluations


# 8. readings, rows of alternatives, materiality, one count ---------------------------------------

DDOS = ["event(att, ddos_attack)", "suffered(user, att)", "breach(jd_cloud, outage)",
        "breach_caused_by(outage, att)", "security_event_effect(att, harm_to_jd_cloud)"]


def test_the_search_also_tries_switching_the_readings_the_conclusion_rests_on(agreement):
    scenario = agreement.scenario(DDOS)
    consulted = whatif.readings_consulted(agreement, "liable(jd_cloud, outage)")
    assert "hackers_listed" in consulted and "strict_force_majeure_list" in consulted
    assert "court_selection_non_exclusive" not in consulted  # jurisdiction: no rule of liability consults it
    result = whatif.flip_search(agreement, scenario, "liable(jd_cloud, outage)", time_budget=None)
    assert str(result.flips[0]) == "add interpretation(hackers_listed)"
    assert result.flips[0].changes[0].kind == "reading"
    # adopted, a reading is proposed for dropping
    adopted = agreement.scenario(DDOS + ["interpretation(hackers_listed)"])
    back = whatif.flip_search(agreement, adopted, "liable(jd_cloud, outage)", time_budget=None)
    assert "remove interpretation(hackers_listed)" in [str(f) for f in back.flips]
    # readings=False: the facts only
    facts_only = whatif.flip_search(agreement, scenario, "liable(jd_cloud, outage)", time_budget=None, readings=False)
    assert not any("interpretation(" in str(f) for f in facts_only.flips)


def test_alternatives_of_one_fact_share_a_row_the_event_is_any_of_these_kinds(agreement):
    result = whatif.flip_search(agreement, agreement.scenario(DDOS), "liable(jd_cloud, outage)", time_budget=None)
    kinds = [g for g in result.groups if len(g.sets) > 1]
    assert len(kinds) == 1
    group = kinds[0]
    assert all(str(s).startswith("change event(att, ddos_attack) to event(att, ") for s in group.sets)
    listed = [s for s in group.sets if "(listed in 9.2)" in
              agreement.vocabulary.types["event_kind"].label(s.changes[0].add.split(", ")[1].rstrip(")"))]
    assert len(listed) >= 10  # the kinds 9.2 lists, in one row
    text = whatif.group_sentence(agreement, group)
    assert text.startswith(f"change: the event att is any of these {len(group.sets)}: ")
    assert text.endswith("rather than a distributed denial-of-service (DDoS) attack")
    assert str(group).startswith("change event(att, ddos_attack) to event(att, any of {")
    # every set is in exactly one row, in order
    assert [s for g in result.groups for s in g.sets] == sorted(result.flips, key=result.flips.index)
    assert len(result.to_text().splitlines()) == 1 + len(result.groups) + 1 + result.truncated


def test_sets_are_ordered_by_size_then_materiality(agreement):
    assert [whatif.MATERIALITY[k] for k in ("reading", "step", "add", "value", "remove")] == [1, 1, 2, 2, 3]
    result = whatif.flip_search(agreement, agreement.load_scenario(QUAKE), "liable(jd_cloud, outage)",
                                time_budget=None)
    keys = [(len(f.changes), f.materiality) for f in result.flips]
    assert keys == sorted(keys)
    assert keys[0] == (1, 1) and keys[-1][0] == 2
    assert whatif.Change(remove="breach(jd_cloud, outage)").materiality == 3
    assert whatif.Change(add="interpretation(hackers_listed)").kind == "reading"
    assert whatif.Change(remove="due(2026-03-07)", add="due(2026-03-08)").kind == "value"


def test_one_consistent_count_of_what_was_tried(agreement):
    result = whatif.flip_search(agreement, agreement.load_scenario(QUAKE), "liable(jd_cloud, outage)",
                                time_budget=None, max_pairs=50)
    assert result.tried == result.evaluations == result.singles_tried + result.pairs_tried
    assert result.singles_tried == result.candidates and result.pairs_tried == 50
    assert result.tried_text() == (f"Tried {result.tried} scenarios: {result.candidates} of {result.candidates} "
                                   f"single changes and 50 of {result.pairs_found} pairs whose changes meet in a rule")
    assert result.tried_text() + "." in result.to_text().splitlines()
