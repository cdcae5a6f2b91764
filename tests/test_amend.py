"""kb.amend: the redline, the rule changes, the verdict diff and prediction vs outcome for three
amendments of the built-in agreement (4.3 retention 7 -> 30 natural days; 8.4 cap at three times
the fees; 9.2 with the comma restored, "hackers, network congestion"), the CLI, and isolation.

Each amendment is a copy of the built-in folder edited as an analyst would: the clause text, the
quotes of that clause, and the parameter or rules, together (the load checks reject a quote the
text no longer contains, and a parameter whose value its quote does not state)."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil

import pytest

import kb
from kb.amend import AmendError, ClauseRedline, compare, copy_agreement, edit_file, edit_files, evaluated, word_diff
from kb.cli import main
from kb.knowledge import AGREEMENTS_DIR, load_knowledge_base

BUILT_IN = AGREEMENTS_DIR / "jcs_kubernetes"


# --- the three amendments, as an analyst makes them ------------------------------------------

def retention_30_days(root):
    """4.3: JD Cloud stores the data within 30 natural days (the text; the quotes, glosses and
    documentation of 4.3's period in the data retention and survival files; the parameter)."""
    edit_file(root / "terms.md", "store your data within 7 natural days", "store your data within 30 natural days")
    for pattern in ("rules/data_retention.dl", "rules/survival.dl", "vocabulary/data_retention.yaml",
                    "vocabulary/survival.yaml"):
        edit_files(root, pattern, "7 natural days", "30 natural days")
    edit_file(root / "rules/data_retention.dl", "the 7th natural day", "the 30th natural day")
    edit_file(root / "rules/data_retention.dl", "param data_retention_days = 7.", "param data_retention_days = 30.")


CAP_RULES = [
    ("cap_base(S, F) :- service_fee_payable(S, F), not interpretation(cap_on_fees_paid).",
     "cap_base(S, C) :- service_fee_payable(S, F), not interpretation(cap_on_fees_paid), "
     "C = F * $liability_cap_fee_multiple."),
    ("cap_base(S, F) :- amount_paid_for_service(S, F), interpretation(cap_on_fees_paid).",
     "cap_base(S, C) :- amount_paid_for_service(S, F), interpretation(cap_on_fees_paid), "
     "C = F * $liability_cap_fee_multiple."),
    ("not cap_base(S, F) :- service_fee_payable(S, F), cap_from_prevailing_text(S).",
     "not cap_base(S, C) :- service_fee_payable(S, F), cap_from_prevailing_text(S), "
     "C = F * $liability_cap_fee_multiple."),
    ("not cap_base(S, F) :- amount_paid_for_service(S, F), cap_from_prevailing_text(S).",
     "not cap_base(S, C) :- amount_paid_for_service(S, F), cap_from_prevailing_text(S), "
     "C = F * $liability_cap_fee_multiple."),
]

CAP_PARAM = """@param liability_cap_fee_multiple
@cites 8.4
@gloss JD Cloud's total liability for a defaulted service may reach this many times its total service fee.
@quote 8.4 "shall not exceed three times the total service fee of the defaulted service"
param liability_cap_fee_multiple = 3.

"""


def cap_three_times(root):
    """8.4: the cap is three times the total service fee (text, quotes, a new parameter, the
    rules that compute the base of the cap and the exceptions that displace it)."""
    edit_file(root / "terms.md", "shall not exceed the total service fee of the defaulted service.",
              "shall not exceed three times the total service fee of the defaulted service.")
    edit_files(root, "rules/*.dl", "shall not exceed the total service fee",
               "shall not exceed three times the total service fee")
    liability = root / "rules/liability.dl"
    for old, new in CAP_RULES:
        edit_file(liability, old, new)
    edit_file(liability, "@rule liab_cap_base_total_fee\n", CAP_PARAM + "@rule liab_cap_base_total_fee\n")


def comma_restored(root):
    """9.2: "hackers, network congestion", two items: hacker attacks and congestion of any cause
    are listed, so the interpretation hackers_listed has nothing left to decide and goes."""
    edit_file(root / "terms.md", "hackers network congestion", "hackers, network congestion")
    edit_files(root, "rules/*.dl", "hackers network congestion", "hackers, network congestion")
    fm = root / "rules/force_majeure.dl"
    edit_file(fm, "listed_event_kind(K, social_event) :- interpretation(hackers_listed), hacker_attack_kind(K).",
              "listed_event_kind(K, social_event) :- hacker_attack_kind(K).")
    edit_file(fm, "listed_event_kind(network_congestion, social_event) :- interpretation(hackers_listed).",
              "listed_event_kind(network_congestion, social_event).")
    vocabulary = root / "vocabulary/force_majeure.yaml"
    text = vocabulary.read_text(encoding="utf-8")
    edit_file(vocabulary, text[text.index("  hackers_listed:\n"):text.index("  strict_force_majeure_list:\n")], "")


AMENDMENTS = {"retention": retention_30_days, "cap": cap_three_times, "comma": comma_restored}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    out = {}
    for name, edit in AMENDMENTS.items():
        root = copy_agreement(None, tmp_path_factory.mktemp(name) / "jcs_kubernetes")
        edit(root)
        out[name] = root
    return out


@pytest.fixture(scope="module")
def reports(agreement, folders):
    """Each amendment compared with the built-in agreement over the whole scenario library."""
    return {name: compare(agreement, load_knowledge_base(root)) for name, root in folders.items()}


@pytest.fixture(scope="module")
def library(agreement):
    """Every scenario of the library evaluated under the unamended agreement: file name -> evaluation."""
    return {p.name: evaluated(agreement, p) for p in agreement.scenario_files()}  # as the comparisons saw them


def atoms(changes) -> set[str]:
    return {c.atom for c in changes}


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# --- redline ----------------------------------------------------------------------------------

def test_word_diff_marks_whole_words_and_punctuation():
    assert word_diff("within 7 natural days", "within 30 natural days") == (
        ("=", "within "), ("-", "7"), ("+", "30"), ("=", " natural days"))
    assert word_diff("hackers network congestion", "hackers, network congestion") == (
        ("=", "hackers"), ("+", ","), ("=", " network congestion"))


def test_redline_html_escapes_every_text():
    line = ClauseRedline("1.1", "a <b> & c", "a <i> & c", word_diff("a <b> & c", "a <i> & c"))
    assert line.to_text() == "a <[-b-]{+i+}> & c"
    assert line.to_html() == "a &lt;<del>b</del><ins>i</ins>&gt; &amp; c"


# --- 4.3: 7 -> 30 natural days ----------------------------------------------------------------

RETENTION_REWORDED = (
    "must_store_within_period", "ret_default_displaced", "ret_deleted_within_period",
    "ret_deletion_in_period_without_ground", "ret_deletion_violates", "ret_deletion_within_period",
    "ret_end_day_storage_continues", "ret_item_stored", "ret_last_day", "ret_other_arrangement_displaces_7_days",
    "ret_retention_bars_deletion_for_complaint", "ret_retention_bars_deletion_for_violation", "ret_store_obligation",
    "retention_last_day", "surv_data_retention_by_nature")


def test_retention_redline_and_rule_changes(reports):
    report = reports["retention"]
    assert [r.clause for r in report.redline] == ["4.3"]
    assert "continue to store your data within [-7-]{+30+} natural days from the expiration" in \
        report.redline[0].to_text()
    changes = report.rule_changes
    assert changes.params == {"data_retention_days": (7, 30)}
    assert (changes.added, changes.removed, changes.changed) == ((), (), ())
    assert changes.reworded == RETENTION_REWORDED  # only their quotes or glosses of 4.3 changed
    assert report.redline[0].excerpt(20) == "...re your data within [-7-]{+30+} natural days from t..."
    assert changes.clauses == ("4.3",)


def test_retention_every_changed_scenario_is_one_whose_terms_end(reports, library):
    """Every scenario in which the Service Terms end (so a retention last day is computed) changes,
    unless laws or the parties' agreement displace 4.3's period ("Unless otherwise specified ..."):
    an agreed 30 days stays 30 days. No other scenario changes: a longer period changes nothing
    before the terms end."""
    with_retention = {name for name, result in library.items() if result.matching("data_retention_last_day(D)")}
    displaced = {name for name in with_retention if library[name].matching("default_retention_displaced(S)")}
    assert displaced == {
        "data_retention_agreement_keep_data_30_days_displaces_4_3_s_7_days_deletion_day_20.yaml",
        "data_retention_agreed_30_days.yaml", "data_retention_agreed_30_days_deletion_day_20.yaml",
        "data_retention_agreed_30_day_retention_displaces_7_days_4_3_deletion_day_19.yaml",
        "data_retention_law_otherwise_with_period_duty_stands.yaml"}
    assert {v.scenario for v in reports["retention"].verdicts} == with_retention - displaced
    assert len(with_retention - displaced) == 159


def test_retention_last_day_moves_23_days_later_everywhere(reports):
    for v in reports["retention"].verdicts:
        lost = sorted(day(m.group(1)) for c in v.lost if (m := re.fullmatch(r"data_retention_last_day\((.*)\)", c.atom)))
        gained = sorted(day(m.group(1)) for c in v.gained
                        if (m := re.fullmatch(r"data_retention_last_day\((.*)\)", c.atom)))
        assert len(lost) == 1 and gained == [lost[0] + dt.timedelta(days=23)], v.scenario
        assert f"data_no_longer_retained_from({gained[0] + dt.timedelta(days=1)})" in atoms(v.gained)
        assert f"data_no_longer_retained_from({lost[0] + dt.timedelta(days=1)})" in atoms(v.lost)


def test_retention_changes_only_retention_conclusions_none_in_force_majeure_or_jurisdiction(reports):
    """Done-when of issue 14: what changes is data retention (and its consequences for deleting
    data within the period); nothing about jurisdiction or force majeure. Outside the
    data_retention scenarios, only the two retention dates move."""
    report = reports["retention"]
    predicates = {c.atom.split("(")[0] for v in report.verdicts for c in v.gained + v.lost}
    assert predicates == {
        "data_no_longer_retained_from", "data_no_longer_retained_on", "data_retention_last_day",
        "measure_permitted", "measure_without_ground", "must_store_data_item_on", "must_store_data_on",
        "remedy_available", "user_data_deleted_within_retention", "violated"}
    for v in report.verdicts:
        assert not v.scenario.startswith("force_majeure_")
        if not v.scenario.startswith("data_retention_"):
            assert {c.atom.split("(")[0] for c in v.gained + v.lost} == {"data_no_longer_retained_from",
                                                                        "data_retention_last_day"}, v.scenario
        for c in v.gained + v.lost:
            if (v.scenario, c.atom) == ("data_retention_deletion_for_violation_within_period_breaches_4_3_"
                                        "alternative.yaml", "measure_permitted(lottery_posts, user_violation)"):
                # lost because 4.3's period now bars the deletion (an exception): its explanation, under
                # the version where it held, cites only the ground it rested on
                assert c.clauses == ("3.1.3", "3.1.3.6", "3.1.3.6.4", "3.1.3.12")
            else:
                assert "4.3" in c.clauses, (v.scenario, c.atom)
    assert not any(c.area in ("jurisdiction", "force_majeure") for v in report.verdicts for c in v.gained + v.lost)
    assert sorted(report.by_area()) == ["data_retention", "disclosure", "fees", "intellectual_property",
                                        "jurisdiction", "survival", "termination", "user_obligations"]
    assert report.failures == []


def test_retention_pinned_scenarios(reports):
    report = reports["retention"]
    # terms end 1 March 2026 (the day itself not counted): day 7 was the last day, now 31 March
    assert report.verdict("data_retention_day_7.yaml").gained and atoms(report.verdict("data_retention_day_7.yaml")
                                                                         .gained) == {
        "data_no_longer_retained_from(2026-04-01)", "data_retention_last_day(2026-03-31)"}
    assert atoms(report.verdict("data_retention_day_7.yaml").lost) == {
        "data_no_longer_retained_from(2026-03-09)", "data_retention_last_day(2026-03-08)"}
    # deleting the database on day 8 was allowed; within 30 days it breaches 4.3
    v = report.verdict("data_retention_deleted_on_day_8_no_violation.yaml")
    assert atoms(v.gained) == {
        "data_no_longer_retained_from(2026-04-01)", "data_retention_last_day(2026-03-31)",
        "measure_without_ground(database1)", "must_store_data_on(2026-03-09)",
        "remedy_available(user, pursue_legal_liability, store_user_data_after_termination)",
        "user_data_deleted_within_retention(database1, 2026-03-09)",
        "violated(jd_cloud, store_user_data_after_termination)"}
    assert atoms(v.lost) == {
        "data_no_longer_retained_from(2026-03-09)", "data_retention_last_day(2026-03-08)",
        "data_no_longer_retained_on(2026-03-09)", "measure_permitted(database1, retention_period_over)"}
    assert v.expectations_broken  # the scenario expected no violation
    gained = next(c for c in v.gained if c.atom == "violated(jd_cloud, store_user_data_after_termination)")
    assert gained.area == "deontic" and "4.3" in gained.clauses and gained.explanation
    # a lawsuit after the end: 10.2 still binds; only the retention dates move (15 April + 30 days)
    v = report.verdict("jurisdiction_lawsuit_after_end_still_bound_by_10_2.yaml")
    assert (atoms(v.gained), atoms(v.lost)) == (
        {"data_no_longer_retained_from(2026-05-16)", "data_retention_last_day(2026-05-15)"},
        {"data_no_longer_retained_from(2026-04-23)", "data_retention_last_day(2026-04-22)"})
    assert v.area == "jurisdiction" and not v.expectations_broken


def test_retention_prediction_covers_every_change(reports):
    prediction = reports["retention"].prediction
    assert prediction.changed_clauses == ("4.3",)
    assert prediction.outside == ()  # every changed conclusion cites a clause of the impact set
    assert prediction.changed_conclusions == sum(len(v.gained) + len(v.lost) for v in reports["retention"].verdicts)
    assert "4.3" in prediction.predicted_clauses and "4.3" not in prediction.never_changed
    assert {"data_retention_last_day", "must_store_data_on"} <= set(prediction.predicted_predicates)
    assert prediction.predicates_outside == ()


# --- 8.4: three times the fees ----------------------------------------------------------------

CAP_SCENARIOS = {
    "force_majeure_flood_forecast_weeks_ahead_not_unforeseeable_no_force_majeure_jd.yaml",
    "liability_8_4_cap_per_defaulted_service_cheap_cluster_s_cap_not_enlarged.yaml",
    "liability_cap_damages_equal_to_fee.yaml", "liability_cap_damages_one_cent_above_fee.yaml",
    "liability_cap_on_fees_paid_interpretation.yaml", "liability_cap_on_total_fee_by_default.yaml",
    "liability_cap_reduced_by_prior_liability.yaml",
    "liability_default_8_4_cap_whole_fee_cluster_even_if_only_part_has_been.yaml",
    "liability_indirect_damages_and_lost_profits_excluded.yaml",
    "liability_lost_profits_consequential_damages_excluded_8_3_only_direct_loss.yaml",
    "liability_lost_profits_consequential_damages_excluded_direct_damages_capped.yaml",
    "liability_once_jd_cloud_has_borne_more_than_cluster_s_fee_8_4_cap.yaml",
    "liability_only_excluded_damages_nothing_recoverable.yaml", "liability_stamped_text_cap_replaces_8_4_cap.yaml",
    "liability_two_breaches_at_shared_cap_boundary.yaml",
    "liability_two_breaches_one_cluster_share_one_8_4_cap_equal_cluster_s_total.yaml",
    "liability_two_breaches_one_service_share_one_8_4_cap_reduced_what_jd_cloud.yaml",
    "liability_two_breaches_share_one_cap.yaml",
    "liability_under_cap_fees_paid_8_4_cap_what_user_actually_paid_defaulted.yaml",
    "liability_what_jd_cloud_already_bore_same_cluster_uses_up_8_4_cap.yaml",
    "precedence_higher_liability_cap_website_s_service_description_gives_way_8_4.yaml",
    "termination_virus_user_s_cluster_harms_only_another_company_s_servers_does_open_7.yaml",
}


def test_cap_redline_and_rule_changes(reports):
    report = reports["cap"]
    assert [r.clause for r in report.redline] == ["8.4"]
    assert report.redline[0].to_text().endswith("shall not exceed {+three times +}the total service fee of the "
                                                "defaulted service.")
    changes = report.rule_changes
    assert changes.changed == ("liab_cap_base_fees_paid", "liab_cap_base_total_fee", "liab_fees_paid_cap_displaced",
                               "liab_total_fee_cap_displaced")
    assert changes.params == {"liability_cap_fee_multiple": (None, 3)}
    assert (changes.added, changes.removed, changes.interpretations_added) == ((), (), ())


def test_cap_changes_every_scenario_with_an_8_4_cap_and_no_other(reports, library):
    """A scenario changes exactly when JD Cloud is liable for a service whose cap is 8.4's (not a
    prevailing stamped text's)."""
    eight_four = {name for name, r in library.items()
                  if any(not r.holds(f"cap_from_prevailing_text({a['S']})")
                         for a in r.ask("service_cap_available(S, C)"))}
    assert {v.scenario for v in reports["cap"].verdicts} == eight_four == CAP_SCENARIOS
    for v in reports["cap"].verdicts:
        assert {c.atom.split("(")[0] for c in v.gained + v.lost} <= {
            "liability_cap", "liability_capped", "recoverable_amount", "service_cap_available",
            "service_recoverable_total", "shared_cap_exceeded"}


def test_cap_pinned_scenarios(reports):
    report = reports["cap"]
    v = report.verdict("liability_cap_on_total_fee_by_default.yaml")  # fee 12000.00: cap 36000.00
    assert (atoms(v.gained), atoms(v.lost)) == (
        {"liability_cap(outage, 36000.00)", "service_cap_available(cluster1, 36000.00)"},
        {"liability_cap(outage, 12000.00)", "service_cap_available(cluster1, 12000.00)"})
    v = report.verdict("liability_cap_reduced_by_prior_liability.yaml")  # 3 x 1000 - 600; 3 x 200 - 250
    assert {"service_cap_available(cluster1, 2400.00)", "service_cap_available(cluster3, 350.00)",
            "recoverable_amount(outage2, 500.00)", "recoverable_amount(outage3, 100.00)"} <= atoms(v.gained)
    # the stamped cap of c1 (5000.00) stays; c2's 8.4 cap goes from 1000.00 to 3000.00
    v = report.verdict("liability_stamped_text_cap_replaces_8_4_cap.yaml")
    assert (atoms(v.gained), atoms(v.lost)) == (
        {"liability_cap(b2, 3000.00)", "recoverable_amount(b2, 3000.00)", "service_cap_available(c2, 3000.00)",
         "service_recoverable_total(c2, 3000.00)"},
        {"liability_cap(b2, 1000.00)", "liability_capped(b2)", "recoverable_amount(b2, 1000.00)",
         "service_cap_available(c2, 1000.00)", "service_recoverable_total(c2, 1000.00)"})
    # the website's 100000.00 still gives way (11.1); 30000.00 of damages now fit under 36000.00
    v = report.verdict("precedence_higher_liability_cap_website_s_service_description_gives_way_8_4.yaml")
    assert "recoverable_amount(out1, 30000.00)" in atoms(v.gained)
    assert "liability_capped(out1)" in atoms(v.lost) and v.expectations_broken
    assert report.verdict("precedence_stamped_liability_cap_prevails_over_8_4.yaml") is None
    assert report.prediction.outside == () and report.prediction.changed_clauses == ("preamble", "8.4")


# --- 9.2: the comma restored ------------------------------------------------------------------

COMMA_FAILURES = [
    "force_majeure_both_readings_hacker_attack_missing_a_quality.yaml",
    "force_majeure_ddos_attack_listed_under_hackers_listed.yaml",
    "force_majeure_hacker_attack_listed_under_hackers_listed.yaml",
    "force_majeure_network_congestion_listed_under_hackers_listed.yaml",
    "force_majeure_under_hackers_listed_hacker_attack_itself_listed_force_majeure.yaml",
    "liability_even_if_hacker_attacks_listed_force_majeure_attack_made_possible_jd.yaml",
]


COMMA_SCENARIOS = {
    "fees_7_3_4_refunds_only_what_was_paid_beyond_month_rounded_fee.yaml",
    "force_majeure_ddos_attack_not_listed_by_default.yaml",
    "force_majeure_ddos_jd_cloud_s_network_shown_cause_congestion_default_listed_event.yaml",
    "force_majeure_hacker_attack_not_listed_by_default.yaml",
    "force_majeure_hacker_intrusion_causing_no_congestion_not_listed_force_majeure.yaml",
    "force_majeure_hackers_congestion_listed_other_congestion_not.yaml",
    "force_majeure_unlisted_hacker_attack_meeting_all_qualities.yaml",
    "liability_attacker_who_exploits_weakness_jd_cloud_knew_did_patch_causes_data.yaml",
    "liability_attacker_who_gets_user_s_leaked_credentials_causes_data_leak_user.yaml",
    "liability_faults_outside_control_upper_part_or_human_not_cleared.yaml",
    "liability_under_jd_cloud_answers_third_parties_attacker_using_user_s_leaked.yaml",
    "survival_refund_terms_survive_a_7_3_4_termination.yaml",
    "termination_7_3_4_termination_after_ddos_exactly_three_months_after_creation.yaml",
    "termination_7_3_4_termination_one_day_after_third_month_ends_part_month.yaml",
    "termination_7_3_4_termination_security_event_fee_charged_per_month_actual_service.yaml",
    "termination_7_3_4_termination_user_who_paid_less_than_months_charged_gets_refund.yaml",
    "termination_announced_during_harmful_ddos_governed_7_3_4_month.yaml",
    "termination_attack_harming_third_party_servers_no_7_3_4_default.yaml",
    "termination_attack_harming_third_party_servers_opens_7_3_4_alternative.yaml",
    "termination_attack_that_harmed_only_user_s_own_application_does_not_open_7_3.yaml",
    "termination_attack_without_harm_no_7_3_4_right.yaml",
    "termination_breach_and_ddos_breach_prevails.yaml",
    "termination_breach_and_ddos_favours_user.yaml",
    "termination_breach_notice_and_attack_all_grounds.yaml",
    "termination_breach_notice_and_attack_favours_user.yaml",
    "termination_created_31_january_2023_terminated_1_march_2023_under_7_3_4_2.yaml",
    "termination_ddos_31_january_to_1_february_one_month.yaml",
    "termination_ddos_calendar_months_interpretation.yaml",
    "termination_ddos_fee_absorbs_payment_refund_zero.yaml",
    "termination_ddos_less_than_one_month_charged_as_one.yaml",
    "termination_ddos_month_begins_16_february_two_months.yaml",
    "termination_ddos_month_ends_15_february_one_month.yaml",
    "termination_ddos_months_from_creation_not_payment_default.yaml",
    "termination_ddos_months_from_payment_alternative.yaml",
    "termination_ddos_part_month_rounded_up.yaml",
    "termination_ddos_start_day_counts_14_february_one_month.yaml",
    "termination_ddos_start_day_counts_15_february_two_months.yaml",
    "termination_default_month_count_created_31_january_terminated_1_february_one.yaml",
    "termination_hacker_attack_harming_jd_cloud_7_3_4.yaml",
    "termination_if_creation_day_day_1_interpretation_start_day_counts.yaml",
    "termination_jd_cloud_suspends_security_event_later_terminates_default_months.yaml",
    "termination_month_counting_from_31_january_first_month_ends_last_day.yaml",
    "termination_plain_network_congestion_not_7_3_4.yaml",
    "termination_service_created_31_january_terminated_29_february_2024_security_event.yaml",
    "termination_service_period_counts_from_day_service_was_created_later_day_was_paid.yaml",
    "termination_severe_breach_ddos_together_default_severe_breach_ground_governs.yaml",
    "termination_suspension_after_harmful_ddos_permitted_by_7_3_4.yaml",
    "termination_suspension_counts_as_service_alternative.yaml",
    "termination_suspension_ddos_attack_user_encountered_disrupted_jd_cloud_s.yaml",
    "termination_suspension_until_termination_ends_actual_service_default.yaml",
    "termination_terminating_exactly_one_month_after_creation_charges_1_month_one.yaml",
    "termination_two_clusters_ddos_refund_per_cluster.yaml",
    "termination_under_calendar_month_reading_cluster_created_31_january.yaml",
    "termination_under_suspension_counts_service_months_run_termination_date_so_more.yaml",
    "termination_under_term_overlap_favours_user_notice_ground_governs.yaml",
    "termination_under_term_overlap_favours_user_security_event_governs_overlap_month.yaml",
    "termination_user_severe_breach_also_hit_qualifying_ddos_default_severe_breach.yaml",
}

HACKER_KINDS = ("hacker_attack", "network_intrusion", "network_attack_damage", "ddos_attack", "network_congestion")


def test_comma_redline_rule_changes_and_reading_removed(reports):
    report = reports["comma"]
    assert [r.clause for r in report.redline] == ["9.2"]
    assert "trunk lines, hackers{+,+} network congestion, telecommunications" in report.redline[0].to_text()
    changes = report.rule_changes
    assert changes.changed == ("fm_hackers_listed_attack", "fm_hackers_listed_congestion")
    assert changes.reworded == ("fm_hacker_attack_kinds", "listed_social_events")
    assert changes.interpretations_removed == ("hackers_listed",)
    # the scenarios that adopted the reading no longer load: reported, not a crash
    assert [(f.scenario, f.version) for f in report.failures] == [(name, "new") for name in COMMA_FAILURES]
    assert COMMA_FAILURES == sorted(p.name for p in BUILT_IN.glob("scenarios/*.yaml")
                                    if "hackers_listed" in kb.load_agreement().load_scenario(p).interpretations)
    assert "got hackers_listed" in report.failures[0].error


def test_comma_hacker_attacks_become_force_majeure(reports, library):
    report = reports["comma"]
    assert {v.scenario for v in report.verdicts} == COMMA_SCENARIOS
    v = report.verdict("force_majeure_hacker_attack_not_listed_by_default.yaml")
    assert (atoms(v.gained), atoms(v.lost)) == (
        {"exempt_from_liability(jd_cloud, outage)", "force_majeure(hack)", "force_majeure_excuses(jd_cloud, hack)"},
        {"liable(jd_cloud, outage)"})
    assert v.expectations_broken and all("9.2" in c.clauses for c in v.gained)
    v = report.verdict("termination_plain_network_congestion_not_7_3_4.yaml")  # congestion of any cause: listed
    assert (atoms(v.gained), atoms(v.lost)) == ({"force_majeure(cong)"}, set())
    # force majeure takes nothing from 7.3.4: the DDoS termination's refund is unchanged
    v = report.verdict("termination_two_clusters_ddos_refund_per_cluster.yaml")
    assert (atoms(v.gained), atoms(v.lost)) == ({"force_majeure(attack1)"}, set())
    # an expectation can break with no conclusion changed (it was about an open answer)
    v = report.verdict("force_majeure_unlisted_hacker_attack_meeting_all_qualities.yaml")
    assert (v.gained, v.lost) == ((), ()) and v.expectations_broken
    # every scenario that changed has a hacker attack or network congestion among its events
    for v in report.verdicts:
        assert any(library[v.scenario].holds(f"event(E, {kind})") for kind in HACKER_KINDS), v.scenario
    predicates = {c.atom.split("(")[0] for v in report.verdicts for c in v.gained + v.lost}
    assert predicates == {"exempt_from_liability", "force_majeure", "force_majeure_excuses",
                          "liability_reduced_for_user_contribution", "liable", "user_bears_failure"}
    assert report.prediction.outside == ()


# --- outputs, CLI, errors, isolation ----------------------------------------------------------

def test_json_lists_only_changed_scenarios_sorted(reports):
    data = reports["cap"].to_json()
    assert set(data) >= {"redline", "rule_changes", "verdicts", "prediction"}
    names = [v["scenario"] for v in data["verdicts"]]
    assert names == sorted(CAP_SCENARIOS)
    first = data["verdicts"][0]
    assert first["gained"] == ["liability_cap(down2, 18000.00)", "service_cap_available(c1, 18000.00)"]
    assert first["lost"] == ["liability_cap(down2, 6000.00)", "service_cap_available(c1, 6000.00)"]
    assert json.loads(json.dumps(data)) == data


def test_cli_amend_json_html_and_exit_codes(folders, tmp_path, capsys):
    html_file = tmp_path / "report.html"
    assert main(["amend", str(BUILT_IN), str(folders["retention"]), "--json", "--html", str(html_file)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rule_changes"]["params"] == {"data_retention_days": {"old": 7, "new": 30}}
    assert len(data["verdicts"]) == 159
    page = html_file.read_text(encoding="utf-8")
    assert "within <del>7</del><ins>30</ins> natural days" in page
    # bad input: one line, exit 2
    assert main(["amend", str(BUILT_IN), str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a knowledge-base folder" in err
    broken = copy_agreement(None, tmp_path / "broken")
    edit_file(broken / "terms.md", "store your data within 7 natural days", "store your data within 30 natural days")
    assert main(["amend", str(BUILT_IN), str(broken)]) == 2  # its quotes of 4.3 no longer match
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "@quote does not match the text of clause 4.3" in err


def test_text_report_groups_by_area(reports):
    out = reports["comma"].to_text()
    assert "9.2: " in out and "hackers{+,+} network congestion" in out
    assert f"Verdicts: {len(COMMA_SCENARIOS)} of {reports['comma'].compared} scenarios changed" in out
    assert out.index("  [fees]") < out.index("  [force_majeure]") < out.index("  [termination]")
    assert "Scenarios that do not load (6)" in out
    assert "outside the predicted clauses: 0" in out
    full = reports["comma"].to_text(explain=True)
    assert len(full) > len(out) and "9.2" in full[full.index("force_majeure(hack)"):]


def test_edit_helpers_refuse_what_does_not_fit(tmp_path):
    root = copy_agreement(None, tmp_path / "copy")
    with pytest.raises(AmendError, match="expected 1 occurrence"):
        edit_file(root / "terms.md", "no such words in the agreement", "x")
    with pytest.raises(AmendError, match="no file contains"):
        edit_files(root, "rules/*.dl", "no such words in the rules", "x")
    with pytest.raises(AmendError, match="already exists"):
        copy_agreement(None, root)


def test_isolation_amending_a_to_b_then_b_alone_gives_the_same_answers(agreement, reports, folders):
    """Each version runs in its own knowledge base and engine: after the comparison, a fresh load of
    the amended folder, and the unamended agreement itself, answer exactly as the comparison saw."""
    fresh = load_knowledge_base(folders["retention"])
    report = reports["retention"]
    for v in report.verdicts[:40]:
        after = {c.text for c in fresh.evaluate(fresh.scenarios_dir / v.scenario).conclusions}
        before = {c.text for c in agreement.evaluate(v.scenario).conclusions}
        assert after - before == atoms(v.gained) and before - after == atoms(v.lost), v.scenario
    assert agreement.program.params["data_retention_days"].value == 7
    backwards = compare(fresh, agreement, scenarios=[agreement.scenarios_dir / v.scenario for v in report.verdicts])
    assert backwards.changes() == {(s, lost, gained) for s, gained, lost in report.changes()}


def test_witness_folder_is_compared_too(agreement, folders, tmp_path):
    witnesses = tmp_path / "witnesses"
    witnesses.mkdir()
    shutil.copy(BUILT_IN / "scenarios" / "data_retention_day_7.yaml", witnesses / "w1.yaml")
    report = compare(agreement, load_knowledge_base(folders["retention"]), witnesses=[witnesses],
                     scenarios=[BUILT_IN / "scenarios" / "jurisdiction_lawsuit_after_end_still_bound_by_10_2.yaml"])
    assert [v.scenario for v in report.verdicts] == ["jurisdiction_lawsuit_after_end_still_bound_by_10_2.yaml",
                                                     "witnesses/w1.yaml"]
    assert report.compared == 2
    with pytest.raises(AmendError, match="no such folder"):
        compare(agreement, agreement, witnesses=[tmp_path / "none"])


def test_the_same_version_changes_nothing(agreement):
    report = compare(agreement, agreement)
    assert report.redline == [] and report.verdicts == [] and report.failures == [] and report.rule_changes.empty
    assert report.compared == len(agreement.scenario_files()) and report.prediction.changed_clauses == ()


# --- the %%kb_rules cell magic --------------------------------------------------------------

RETENTION_30_CELL = """\
@param data_retention_days
@cites 4.3
@gloss Natural days JD Cloud keeps storing the user's data after the Service Terms end: 30, as negotiated.
@quote 4.3 "JD Cloud shall continue to store your data within 7 natural days"
@differs "a negotiated 30 days, before the text of 4.3 is amended"
param data_retention_days = 30.
"""

DDOS_LISTED_CELL = """\
@rule fm_ddos_listed_by_notebook
@cites 9.2
@gloss A DDoS attack is a listed social event, whatever reading of "hackers network congestion" is adopted.
@quote 9.2 "hackers network congestion"
listed_event_kind(ddos_attack, social_event).
"""


@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "kb")
    yield ip
    for name in ("amended", "ddos", "both"):
        ip.user_ns.pop(name, None)


def test_magic_changes_a_parameter_and_binds_the_amended_kb(shell, agreement):
    import kb.magic

    report = shell.run_cell_magic("kb_rules", "amended --scenario data_retention_day_7.yaml "
                                              "--scenario data_retention_day_8.yaml", RETENTION_30_CELL)
    assert report.changes() == {
        ("data_retention_day_7.yaml",
         ("data_no_longer_retained_from(2026-04-01)", "data_retention_last_day(2026-03-31)"),
         ("data_no_longer_retained_from(2026-03-09)", "data_retention_last_day(2026-03-08)")),
        ("data_retention_day_8.yaml",
         ("data_no_longer_retained_from(2026-04-01)", "data_retention_last_day(2026-03-31)",
          "must_store_data_on(2026-03-09)"),
         ("data_no_longer_retained_from(2026-03-09)", "data_no_longer_retained_on(2026-03-09)",
          "data_retention_last_day(2026-03-08)")),
    }
    assert report.rule_changes.params == {"data_retention_days": (7, 30)} and report.redline == []
    amended = shell.user_ns["amended"]
    assert amended is kb.magic.amended() and amended.program.params["data_retention_days"].value == 30
    assert agreement.program.params["data_retention_days"].value == 7  # the original is untouched
    assert amended.evaluate("data_retention_day_7.yaml").holds("data_retention_last_day(2026-03-31)")
    page = report.to_html()
    assert "<b>Redline</b> (0)" in page and "<code>data_retention_day_8.yaml</code>" in page


def test_magic_adds_a_rule_exact_diff_and_stacks_on_a_base(shell):
    files = "--scenario force_majeure_ddos_attack_not_listed_by_default.yaml " \
            "--scenario force_majeure_hacker_attack_not_listed_by_default.yaml"
    report = shell.run_cell_magic("kb_rules", f"ddos {files}", DDOS_LISTED_CELL)
    assert report.rule_changes.added == ("fm_ddos_listed_by_notebook",)
    assert report.changes() == {
        ("force_majeure_ddos_attack_not_listed_by_default.yaml",
         ("exempt_from_liability(jd_cloud, outage)", "force_majeure(att)", "force_majeure_excuses(jd_cloud, att)"),
         ("liable(jd_cloud, outage)",))}  # a generic hacker attack stays unlisted
    v = report.verdict("force_majeure_ddos_attack_not_listed_by_default.yaml")
    assert "fm_ddos_listed_by_notebook" in v.gained[1].explanation and v.expectations_broken
    # stacked: the 30 days on top of the DDoS rule keeps the rule
    both = shell.run_cell_magic("kb_rules", "both --base ddos --scenario data_retention_day_7.yaml",
                                RETENTION_30_CELL)
    assert [v.scenario for v in both.verdicts] == ["data_retention_day_7.yaml"]
    assert "fm_ddos_listed_by_notebook" in shell.user_ns["both"].program.rules


def test_magic_replaces_a_rule_by_its_id(shell):
    cell = DDOS_LISTED_CELL.replace("fm_ddos_listed_by_notebook", "fm_hackers_listed_attack").replace(
        "listed_event_kind(ddos_attack, social_event).",
        "listed_event_kind(K, social_event) :- interpretation(hackers_listed), hacker_attack_kind(K), K != ddos_attack.")
    report = shell.run_cell_magic("kb_rules", "--scenario force_majeure_ddos_attack_listed_under_hackers_listed.yaml",
                                  cell)
    assert report.rule_changes.changed == ("fm_hackers_listed_attack",) and report.rule_changes.added == ()
    v = report.verdict("force_majeure_ddos_attack_listed_under_hackers_listed.yaml")
    assert "force_majeure(att)" in {c.atom for c in v.lost} and "liable(jd_cloud, outage)" in {c.atom for c in v.gained}


@pytest.mark.parametrize("cell, message", [
    (RETENTION_30_CELL.replace('@differs "a negotiated 30 days, before the text of 4.3 is amended"\n', ""),
     "parameter 'data_retention_days' = 30, but its @quote of clause 4.3 states 7"),
    (DDOS_LISTED_CELL.replace('"hackers network congestion"', '"hackers and network congestion"'),
     "@quote does not match the text of clause 9.2"),
    (DDOS_LISTED_CELL.replace("ddos_attack, social_event", "ddos_atack, social_event"), "ddos_atack"),
    ("@rule x\n@cites 9.2\nforce_majeure(E) :- not event(E, flood).", "<cell>:3"),
    ("% only a comment\n", "the amendment has no rule and no parameter"),
])
def test_magic_errors_are_one_line_and_bind_nothing(shell, capsys, cell, message):
    assert shell.run_cell_magic("kb_rules", "amended --scenario data_retention_day_7.yaml", cell) is None
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err, err
    assert "amended" not in shell.user_ns


@pytest.mark.parametrize("line, message", [
    ("amended --scenario no_such_scenario.yaml", "no_such_scenario.yaml: no such scenario file"),
    ("amended --base nothing_here", "--base nothing_here is not a knowledge base in this notebook"),
    ("amended extra", "unexpected 'extra'"),
    ("amended --scenario", "--scenario needs a value"),
])
def test_magic_line_errors_are_one_line(shell, capsys, line, message):
    assert shell.run_cell_magic("kb_rules", line, RETENTION_30_CELL) is None
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err, err
    assert "amended" not in shell.user_ns
