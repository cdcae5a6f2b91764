"""A second agreement as pure data: the Sample Data Processing Addendum (kb/agreements/sample_dpa).

It loads with the same engine as the built-in agreement, accounts for every clause, passes its
own scenarios, gives the answers its text requires on both sides of each deadline, and does not
leak into (or pick up anything from) the JCS for Kubernetes knowledge base evaluated beside it.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import kb
from kb.cli import main as cli_main
from kb.testing import run_scenario, run_scenario_files

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "kb" / "agreements" / "sample_dpa"
DPA = kb.load_agreement("sample_dpa")
FILES = DPA.scenario_files()

PERSONAL_DATA = ["relates_to_identifiable_person(crm_contacts)", "processed_for_customer(crm_contacts)"]
LEAK = PERSONAL_DATA + ["security_breach_led_to(leak, unauthorised_disclosure, crm_contacts)",
                        "breach_occurred_on(leak, 2026-03-02)", "processor_became_aware(leak, 2026-03-02, 14)"]


def answers(facts, pattern):
    return DPA.evaluate(list(facts)).ask(pattern)


def cited(facts, conclusion):
    return DPA.evaluate(list(facts)).explain(conclusion).clause_ids()


# --- loading and checks ----------------------------------------------------------------------

def test_the_sample_agreement_loads_by_name_and_from_its_folder():
    assert DPA.name == "sample_dpa"
    assert DPA.title == "Sample Data Processing Addendum"
    assert kb.load_agreement("sample_dpa") is DPA  # loaded once per process
    again = kb.load_knowledge_base(FOLDER)
    assert again is not DPA and again.name == DPA.name
    assert len(DPA.clauses.numbered_ids()) == 28
    assert DPA.clause("5.1").text.endswith("within 48 hours after becoming aware of it.")
    assert repr(DPA) == "<KnowledgeBase sample_dpa: 28 numbered clauses, 80 rules>"


def test_the_folder_holds_only_data():
    suffixes = {p.suffix for p in FOLDER.rglob("*") if p.is_file()}
    assert suffixes == {".yaml", ".md", ".dl"}


def test_every_clause_is_encoded_or_omitted_with_a_reason():
    coverage = DPA.coverage()
    assert coverage.accounted_percent == 100.0
    assert coverage.by_status("unaccounted") == [] and coverage.by_status("pending") == []
    omitted = {e.clause for e in coverage.by_status("omitted")}
    assert omitted == {"preamble", "1", "2", "4", "5", "6", "6.2", "8", "9"}


def test_the_cli_check_reports_full_coverage(capsys):
    assert cli_main(["--kb", str(FOLDER), "check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Sample Data Processing Addendum: 28 numbered clauses, 80 rules, 6 parameters, ")
    assert "unaccounted: 0" in out and "accounted: 100.0%" in out


def test_the_cli_test_passes_every_scenario_of_the_folder():
    proc = subprocess.run([sys.executable, "-m", "kb", "--kb", "kb/agreements/sample_dpa", "test"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.rstrip().endswith(" passed, 0 failed")
    assert "FAIL" not in proc.stdout


# --- scenarios -------------------------------------------------------------------------------

def test_the_agreement_ships_scenarios_with_cited_expectations():
    assert len(FILES) >= 12
    for path in FILES:
        scenario = DPA.load_scenario(path)
        assert scenario.expectations, path.name
        assert any(e.cites for e in scenario.expectations), path.name
    assert run_scenario_files(DPA, FILES).ok


@pytest.mark.parametrize("path", FILES, ids=[DPA.load_scenario(p).name for p in FILES])
def test_scenario(path):
    report = run_scenario(DPA, DPA.load_scenario(path))
    assert [o.message for o in report.outcomes if not o.ok] == []


# --- key answers, on both sides of each deadline ----------------------------------------------

def test_breach_notified_at_hour_48_is_in_time_and_at_hour_49_late():
    at_48 = LEAK + ["customer_notified(leak, 2026-03-04, 14)"]
    at_49 = LEAK + ["customer_notified(leak, 2026-03-04, 15)"]
    assert answers(at_48, "hours_to_notification(leak, N)") == [{"N": "48"}]
    assert answers(at_48, "notified_in_time(B)") == [{"B": "leak"}]
    assert answers(at_48, "violated(processor, C)") == []
    assert cited(at_48, "notified_in_time(leak)") == ["1.1", "1.2", "1.4", "5.1"]
    assert answers(at_49, "hours_to_notification(leak, N)") == [{"N": "49"}]
    assert answers(at_49, "notified_in_time(B)") == []
    assert answers(at_49, "violated(processor, C)") == [{"C": "notify_personal_data_breach"}]
    assert cited(at_49, "violated(processor, notify_personal_data_breach)") == ["1.1", "1.2", "1.4", "5.1"]


def test_hours_count_across_midnight():
    late_evening = PERSONAL_DATA + ["security_breach_led_to(leak, loss, crm_contacts)",
                                    "processor_became_aware(leak, 2026-03-02, 23)"]
    assert answers(late_evening + ["customer_notified(leak, 2026-03-04, 23)"], "notified_in_time(B)") == [{"B": "leak"}]
    assert answers(late_evening + ["customer_notified(leak, 2026-03-05, 0)"], "notified_late(B)") == [{"B": "leak"}]


def test_an_unnotified_breach_is_overdue_only_once_the_48_hours_have_ended():
    assert answers(LEAK + ["assessment_date(2026-03-04)"], "notification_overdue(B)") == []
    assert answers(LEAK + ["assessment_date(2026-03-05)"], "notification_overdue(B)") == [{"B": "leak"}]


def test_objection_on_day_14_is_in_time_and_on_day_15_late():
    base = PERSONAL_DATA + ["engaged_to_process(mailhost, crm_contacts)", "sub_processor_notice(mailhost, 2026-03-01)",
                            "processor_engaged(mailhost, 2026-03-20)"]
    in_time = base + ["objection(mailhost, 2026-03-15)"]
    late = base + ["objection(mailhost, 2026-03-16)"]
    assert answers(in_time, "objection_deadline(mailhost, D)") == [{"D": "2026-03-15"}]
    assert answers(in_time, "objection_in_time(T)") == [{"T": "mailhost"}]
    assert answers(in_time, "unauthorised_engagement(T)") == [{"T": "mailhost"}]
    assert cited(in_time, "objection_in_time(mailhost)") == ["1.4", "4.2"]
    assert answers(late, "objection_late(T)") == [{"T": "mailhost"}]
    assert answers(late, "deemed_authorisation(mailhost, D)") == [{"D": "2026-03-16"}]
    assert answers(late, "unauthorised_engagement(T)") == []


def test_engagement_needs_the_objection_window_to_have_ended():
    base = PERSONAL_DATA + ["engaged_to_process(mailhost, crm_contacts)", "sub_processor_notice(mailhost, 2026-03-01)"]
    on_day_14 = base + ["processor_engaged(mailhost, 2026-03-15)"]
    on_day_15 = base + ["processor_engaged(mailhost, 2026-03-16)"]
    assert answers(on_day_14, "violated(processor, C)") == [{"C": "engage_sub_processors_only_with_authorisation"}]
    assert cited(on_day_14, "unauthorised_engagement(mailhost)") == ["1.1", "1.3", "4.1"]
    assert answers(on_day_15, "violated(processor, C)") == []


def test_deletion_on_day_30_is_in_time_and_on_day_31_late():
    base = PERSONAL_DATA + ["services_ended_on(2026-03-01)"]
    day_30 = base + ["personal_data_deleted_on(crm_contacts, 2026-03-31)"]
    day_31 = base + ["personal_data_deleted_on(crm_contacts, 2026-04-01)"]
    assert answers(day_30, "must_delete_or_return_by(crm_contacts, D)") == [{"D": "2026-03-31"}]
    assert answers(day_30, "disposed_in_time(D)") == [{"D": "crm_contacts"}]
    assert cited(day_30, "disposed_in_time(crm_contacts)") == ["1.1", "1.4", "7"]
    assert answers(day_31, "disposed_late(D)") == [{"D": "crm_contacts"}]
    assert answers(day_31, "violated(processor, C)") == [{"C": "delete_or_return_personal_data"}]


def test_storage_required_by_law_defeats_the_deletion_duty():
    facts = PERSONAL_DATA + ["services_ended_on(2026-03-01)", "law_requires_storage(crm_contacts)",
                             "assessment_date(2026-05-01)"]
    result = DPA.evaluate(facts)
    assert result.ask("must_delete_or_return_by(D, L)") == []
    reasons = result.why_not("must_delete_or_return_by(crm_contacts, L)").to_text()
    assert "exception 'del_law_requires_storage' (7) defeats it" in result.why_not(
        "must_delete_or_return_by(crm_contacts, L)").to_text(atoms=True)
    assert "- fails: its conditions hold, but the exception 7 law requires storage (rule del_law_requires_storage) " \
        "defeats it" in reasons


def test_audit_notice_and_frequency_boundaries():
    notice_30 = ["audit_notice_given(a, 2026-03-01)", "audit_begins(a, 2026-03-31)"]
    notice_29 = ["audit_notice_given(a, 2026-03-01)", "audit_begins(a, 2026-03-30)"]
    assert answers(notice_30, "must_allow_audit(A)") == [{"A": "a"}]
    assert answers(notice_29, "audit_not_required(A, G)") == [{"A": "a", "G": "notice_too_short"}]
    first = ["audit_begins(first, 2026-03-01)", "audit_notice_given(second, 2027-01-15)"]
    assert answers(first + ["audit_begins(second, 2027-02-28)"], "audit_not_required(second, G)") == \
        [{"G": "too_frequent"}]
    assert answers(first + ["audit_begins(second, 2027-03-01)"], "must_allow_audit(second)") == [{}]


def test_the_liability_cap_and_its_exception():
    capped = ["claim(c, processor, 50000)", "fees_paid_in_prior_12_months(c, 12000)"]
    assert answers(capped, "maximum_liability(c, A)") == [{"A": "12000.00"}]
    assert cited(capped, "maximum_liability(c, 12000)") == ["9.1"]
    outside = capped + PERSONAL_DATA + ["processing_operation(export, crm_contacts)",
                                        "claim_arises_from_processing(c, export)"]
    assert answers(outside, "maximum_liability(c, A)") == [{"A": "50000.00"}]
    assert cited(outside, "maximum_liability(c, 50000)") == ["1.1", "2.1", "9.2"]
    instructed = outside + ["documented_instruction(export)"]
    assert answers(instructed, "maximum_liability(c, A)") == [{"A": "12000.00"}]


# --- the interpretation ----------------------------------------------------------------------

OLD_BREACH_AUDIT = PERSONAL_DATA + [
    "security_breach_led_to(leak, unauthorised_access, crm_contacts)", "breach_occurred_on(leak, 2026-01-10)",
    "audit_begins(march, 2026-03-01)", "audit_notice_given(september, 2026-07-15)",
    "audit_begins(september, 2026-09-01)"]


def test_the_interpretation_fact_switches_the_reading_of_8_3():
    default = DPA.evaluate(OLD_BREACH_AUDIT)
    assert default.ask("audit_too_frequent(A)") == [{"A": "september"}]
    alternative = DPA.evaluate(OLD_BREACH_AUDIT + ["interpretation(any_breach_lifts_audit_limit)"])
    assert alternative.ask("audit_too_frequent(A)") == []
    assert alternative.ask("must_allow_audit(A)") == [{"A": "september"}]
    assert [c.text for c in kb.diff(default, alternative).gained] == [
        "must_allow_audit(september)", "obliged(processor, allow_audits)"]
    assert [c.text for c in kb.diff(default, alternative).lost] == [
        "audit_not_required(september, too_frequent)", "audit_too_frequent(september)"]


def test_a_breach_since_the_previous_audit_lifts_the_limit_on_both_readings():
    recent = [f.replace("2026-01-10", "2026-06-10") for f in OLD_BREACH_AUDIT]
    for extra in ([], ["interpretation(any_breach_lifts_audit_limit)"]):
        assert answers(recent + extra, "must_allow_audit(A)") == [{"A": "september"}]


def test_every_interpretation_has_scenarios_and_is_documented():
    switched = set()
    for path in FILES:
        switched.update(DPA.load_scenario(path).interpretations)
    listing = DPA.interpretations()
    assert switched == {i["name"] for i in listing} == {"any_breach_lifts_audit_limit"}
    assert listing[0]["rules"] == ["audit_any_breach"]
    readme = (FOLDER / "README.md").read_text(encoding="utf-8")
    for item in listing:
        assert f"### `{item['name']}` ({', '.join(item['clauses'])})" in readme
        assert item["default"] in readme and item["alternative"] in readme


def test_a_what_if_varies_one_fact():
    scenario = DPA.load_scenario("breach_notified_48_hours_after_awareness_in_time.yaml")
    later = DPA.vary(scenario, add=["customer_notified(leak, 2026-03-04, 15)"],
                     remove=["customer_notified(leak, 2026-03-04, 14)"], name="one hour later")
    change = kb.diff(DPA.evaluate(scenario), DPA.evaluate(later))
    data = change.to_json()
    assert {k: data[k] for k in ("gained", "lost")} == {
        "gained": ["hours_to_notification(leak, 49)", "notified_late(leak)",
                   "violated(processor, notify_personal_data_breach)"],
        "lost": ["hours_to_notification(leak, 48)", "notified_in_time(leak)"],
    }
    assert [c["atom"] for c in data["gained_sentences"]] == data["gained"]
    assert data["gained_sentences"][0]["sentence"] == (
        "the Processor notified the Customer of the Personal Data Breach leak 49 hours after becoming aware of it")


# --- two knowledge bases side by side -----------------------------------------------------------

def snapshot(evaluation):
    """Conclusions as text and the whole model (internal predicates included) as JSON-able data."""
    return {
        "conclusions": [c.text for c in evaluation.conclusions],
        "model": {pred: sorted(json.dumps(list(row)) for row in rows)
                  for pred, rows in sorted(evaluation.model.items())},
    }


JCS_FILES = ["force_majeure_earthquake_outage_provider_not_liable.yaml", "data_retention_day_7.yaml",
             "liability_cap_damages_one_cent_above_fee.yaml"]
DPA_FILES = ["breach_notified_48_hours_after_awareness_in_time.yaml", "audits_any_breach_lifts_limit_interpretation.yaml",
             "deletion_law_requires_storage_no_duty_to_delete.yaml"]


def test_the_two_agreements_keep_their_vocabularies_apart():
    jcs = kb.load_agreement()
    assert "personal_data" not in jcs.vocabulary.all_predicates()
    assert "force_majeure" not in DPA.vocabulary.all_predicates()
    with pytest.raises(kb.KbError):
        jcs.evaluate(["relates_to_identifiable_person(crm_contacts)"])
    with pytest.raises(kb.KbError):
        DPA.evaluate(["event(quake, earthquake)"])


def test_evaluating_the_two_agreements_alternately_gives_the_answers_of_each_alone():
    # the reference: each scenario evaluated once, on freshly loaded knowledge bases of its own
    alone_jcs = [snapshot(kb.load_knowledge_base(kb.knowledge.AGREEMENTS_DIR / "jcs_kubernetes").evaluate(f))
                 for f in JCS_FILES]
    alone_dpa = [snapshot(kb.load_knowledge_base(FOLDER).evaluate(f)) for f in DPA_FILES]
    jcs, dpa = kb.load_agreement(), kb.load_knowledge_base(FOLDER)  # shared engines, evaluated in turn
    for round_ in range(3):
        for i in range(len(JCS_FILES)):
            j = (i + round_) % len(JCS_FILES)
            assert snapshot(jcs.evaluate(JCS_FILES[j])) == alone_jcs[j]
            assert snapshot(dpa.evaluate(DPA_FILES[j])) == alone_dpa[j]
    # the same facts as a list, so that no answer cache of the engines can serve them
    for i, name in enumerate(DPA_FILES):
        facts = DPA.facts_of(DPA.load_scenario(name)) + ["assessment_date(2030-01-01)"]
        mixed = snapshot(dpa.evaluate(facts))
        assert snapshot(jcs.evaluate(JCS_FILES[i])) == alone_jcs[i]
        assert mixed == snapshot(kb.load_knowledge_base(FOLDER).evaluate(facts))
