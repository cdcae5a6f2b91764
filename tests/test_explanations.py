"""Explanations, why-not, ask and diff on the force-majeure slice of the built-in agreement."""
from __future__ import annotations

import json

import pytest

import kb

QUAKE = [
    "event(quake, earthquake)",
    "suffered(jd_cloud, quake)",
    "affects_performance(quake, impossible)",
    "breach(jd_cloud, outage)",
    "breach_caused_by(outage, quake)",
]


@pytest.fixture(scope="module")
def quake(agreement):
    return agreement.evaluate(QUAKE)


def test_earthquake_outage_conclusions_are_sorted_and_exact(quake):
    assert [c.text for c in quake.specific] == [
        "exempt_from_liability(jd_cloud, outage)",
        "force_majeure(quake)",
        "force_majeure_excuses(jd_cloud, quake)",
    ]


def test_earthquake_outage_provider_not_liable_9_1(quake):
    assert quake.ask("liable(jd_cloud, B)") == []
    assert quake.ask("exempt_from_liability(P, B)") == [{"P": "jd_cloud", "B": "outage"}]
    assert quake.holds("force_majeure(quake)")


def test_explanation_names_rules_clauses_and_quotes(quake):
    explanation = quake.explain("exempt_from_liability(jd_cloud, outage)")
    assert explanation.holds
    # 8.1: the earthquake is the cause that decides (operative_cause), liability following the law
    assert explanation.clause_ids() == ["8.1", "9.1", "9.2"]
    text = explanation.to_text()
    lines = text.splitlines()
    # nested reasons: the conclusion as a sentence; because + the gloss [clause; rule]; the clause quoted
    assert lines[:4] == [
        "JD Cloud is exempt from liability for the failure outage.",
        "  because a party whose failure to perform was caused by force majeure that excuses it (directly, or at "
        "the start of the chain of causes of its stated cause) shall not be held liable for that failure "
        "[9.1; rule fm_exempts_breach]",
        '    9.1: "the party suffering from force majeure or accident shall not be held liable"',
        "  - the exception does not apply: 9.1 concurrent cause no full exemption",
    ]
    assert ("    because a party suffering force majeure that makes performance impossible, unnecessary or "
            "meaningless is excused [9.1, 9.2; rule fm_excuses_party]") in lines
    assert "        because an event of a kind 9.2 lists is force majeure [9.2; rule fm_listed_event]" in lines
    assert "  9.2: Force majeure or accidental events refer to unforeseeable, insurmountable" in text
    # the facts it rests on, as sentences, with where they come from
    assert "        - the event quake is an earthquake (listed in 9.2)  (stated in the scenario)" in lines
    # the exceptions that did not apply: one line, their reasons only when verbose (or in JSON)
    assert "        - none of the 2 exceptions applies: 9.2 lacks quality, 9.2 strict reading" in lines
    assert "the event quake is found not to be some criterion" not in text
    verbose = explanation.to_text(verbose=True)
    assert ("          - 9.2 lacks quality: the event quake is found not to be some criterion: not stated in the scenario "
            "[9.2; rule fm_listed_event_lacks_quality]") in verbose.splitlines()
    # a sub-derivation used twice is shown once: the second time refers back
    assert lines.count("      - the event quake is force majeure") == 1
    assert "    - the event quake is force majeure  (shown above)" in lines
    # atoms on demand
    atoms = explanation.to_text(atoms=True)
    assert atoms.splitlines()[0] == "exempt_from_liability(jd_cloud, outage)."
    assert "        - event(quake, earthquake)  (stated in the scenario)" in atoms.splitlines()
    assert ("          - 9.2 lacks quality: criterion_not_met(quake, _) is not a fact of the scenario "
            "[9.2; rule fm_listed_event_lacks_quality]") in explanation.to_text(atoms=True, verbose=True).splitlines()


def test_explanation_json_and_html(quake):
    explanation = quake.explain("force_majeure(quake)")
    data = json.loads(json.dumps(explanation.to_json()))
    assert data["conclusion"] == "force_majeure(quake)"
    assert data["derivation"]["rule"]["id"] == "fm_listed_event"
    assert [c["id"] for c in data["clauses"]] == ["9.2"]
    assert {p["atom"] for p in data["derivation"]["premises"]} == {
        "event(quake, earthquake)", "listed_event_kind(earthquake, natural_disaster)"}
    assert data["sentence"] == "the event quake is force majeure"
    assert {(p["atom"], p["sentence"]) for p in data["derivation"]["premises"]} == {
        ("event(quake, earthquake)", "the event quake is an earthquake (listed in 9.2)"),
        ("listed_event_kind(earthquake, natural_disaster)",
         "an earthquake (listed in 9.2) is among the natural disasters that 9.2 lists")}
    notes = data["derivation"]["exceptions"]
    assert [(n["label"], n["reason"], n["reason_sentence"]) for n in notes] == [
        ("9.2 lacks quality", "criterion_not_met(quake, _) is not a fact of the scenario",
         "the event quake is found not to be some criterion: not stated in the scenario"),
        ("9.2 strict reading", "the interpretation strict_force_majeure_list is not switched on",
         "the reading \u201cA listed event must still show every quality of 9.2\u201d (strict_force_majeure_list) "
         "is not adopted")]
    html = explanation._repr_html_()
    assert "rule <code>fm_listed_event</code>" in html and "&ldquo;Force majeure or accidental events" in html
    # the sentence shown, its atom in the tooltip; the idle exceptions in a closed <details>
    assert ("<span class='kb-sentence' title='force_majeure(quake)'>The event <span class=\"kb-value kb-id\">quake</span> "
            "is force majeure.</span>") in html
    assert ("<details><summary>none of the 2 exceptions applies: 9.2 lacks quality, 9.2 strict reading</summary>"
            in html)
    assert ("<span class='kb-sentence' title='event(quake, earthquake)'>the event <span class=\"kb-value kb-id\">"
            "quake</span> is <span class=\"kb-value kb-enum\">an earthquake (listed in 9.2)</span></span>") in html


def test_why_not_shows_the_exception_that_defeats_liability(quake):
    why = quake.why_not("liable(jd_cloud, outage)")
    assert not why.holds
    assert len(why.reasons) == 1
    reason = why.reasons[0]
    assert reason.rule.id == "liable_for_breach"
    assert reason.satisfied == ["breach(jd_cloud, outage)"]
    assert reason.failed == "defeated by exception 'fm_no_liability'"
    assert reason.defeated_by.atom == "not liable(jd_cloud, outage)"
    assert reason.defeated_by.rule.cites == ["9.1"]
    assert why.clause_ids() == ["8.1", "9.1", "9.2"]


def test_why_not_names_the_missing_fact(agreement):
    result = agreement.evaluate(["event(quake, earthquake)", "breach(jd_cloud, outage)"])
    why = result.why_not("exempt_from_liability(jd_cloud, outage)")
    assert [r.detail for r in why.reasons] == ["breach_caused_by(outage, E) is not a fact of the scenario"]
    why = result.why_not("force_majeure_excuses(jd_cloud, quake)")
    # three rules could conclude it (9.1): performance affected, a failure the event caused, or a
    # force-majeure event behind the event that itself excuses
    assert [r.detail for r in why.reasons] == ["affects_performance(quake, _) is not a fact of the scenario",
                                               "breach_caused_by(outage, _) is not a fact of the scenario",
                                               "force_majeure_excuses(jd_cloud, C) does not hold"]
    assert [r.rule.id for r in why.reasons] == ["fm_excuses_party", "fm_excuses_failure_it_caused",
                                                "fm_excuses_through_chain"]


def test_why_not_on_a_failed_comparison_shows_the_values(agreement):
    result = agreement.evaluate(["terms_ended_on(2026-03-01)", "assessment_date(2026-03-08)"])
    why = result.why_not("data_no_longer_retained_on(2026-03-08)")
    assert [r.detail for r in why.reasons] == ["D > L is false: 2026-03-08 > 2026-03-08"]
    assert why.reasons[0].satisfied == ["assessment_date(2026-03-08)", "data_retention_period(2026-03-01, 2026-03-08)"]


def test_why_not_on_something_that_holds(quake):
    why = quake.why_not("force_majeure(E)")
    assert why.holds and why.answers == ["force_majeure(quake)"]


def test_explain_of_a_conclusion_that_does_not_hold(quake):
    explanation = quake.explain("liable(jd_cloud, outage)")
    assert not explanation.holds
    assert explanation.to_text() == ("JD Cloud is liable for the failure outage: does not hold "
                                     "(ask why_not for the reasons).")
    assert explanation.to_text(atoms=True) == "liable(jd_cloud, outage): does not hold (ask why_not for the reasons)."


def test_explain_needs_a_ground_conclusion(quake):
    with pytest.raises(kb.KbError, match="explain needs a ground conclusion"):
        quake.explain("force_majeure(E)")


def test_diff_foreseeable_earthquake_flips_liability(agreement, quake):
    foreseen = agreement.evaluate(QUAKE + ["criterion_not_met(quake, unforeseeable)"])
    change = kb.diff(quake, foreseen)
    assert [c.text for c in change.gained] == ["liable(jd_cloud, outage)"]
    assert [c.text for c in change.lost] == [
        "exempt_from_liability(jd_cloud, outage)", "force_majeure(quake)", "force_majeure_excuses(jd_cloud, quake)"]
    assert change.to_text().splitlines() == [
        "+ JD Cloud is liable for the failure outage.",
        "- JD Cloud is exempt from liability for the failure outage.",
        "- The event quake is force majeure.",
        "- The force majeure event quake excuses JD Cloud."]
    assert change.to_text(atoms=True).splitlines()[0] == "+ liable(jd_cloud, outage)"
    assert kb.diff(quake, quake).to_text() == "(no change)"
    assert change.to_json()["gained"] == ["liable(jd_cloud, outage)"]
    assert change.to_json()["gained_sentences"] == [
        {"atom": "liable(jd_cloud, outage)", "sentence": "JD Cloud is liable for the failure outage"}]
    html = change._repr_html_()
    assert "<caption>Gained (1)</caption>" in html and "<td style='text-align:left'>JD Cloud is liable for the failure outage.</td>" in html
    explanation = foreseen.explain("liable(jd_cloud, outage)")
    # the 12 exceptions to liability (8.1), none of which applies: one line, in the order of the rules
    assert ("  - none of the 12 exceptions applies: 9.1 force majeure, 3.1.10 backup, 3.1.5 improper safekeeping, "
            "3.1.9 industry defect, 8.2 maintenance interruption, 3.2.4 outside control, 3.2.3 own os upgrade, "
            "8.2 path blocking, 3.2.1 permitted measure, 3.1.4 pirated software, 3.2.3 upper part, "
            "3.2.4 user reasons") in explanation.to_text().splitlines()
    assert ("    - 9.1 force majeure: JD Cloud is exempt from liability for the failure outage: does not hold "
            "[9.1; rule fm_no_liability]") in explanation.to_text(verbose=True).splitlines()


def test_retention_boundary_day_7_and_day_8(agreement):
    day7 = agreement.evaluate(["terms_ended_on(2026-03-01)", "assessment_date(2026-03-08)"])
    day8 = agreement.evaluate(["terms_ended_on(2026-03-01)", "assessment_date(2026-03-09)"])
    assert day7.ask("must_store_data_on(D)") == [{"D": "2026-03-08"}]
    assert day7.ask("data_no_longer_retained_on(D)") == []
    assert day8.ask("must_store_data_on(D)") == []
    assert day8.ask("data_no_longer_retained_on(D)") == [{"D": "2026-03-09"}]
    assert day7.ask("data_retention_last_day(D)") == [{"D": "2026-03-08"}]


def test_on_the_end_day_itself_the_data_is_still_stored_but_the_day_is_not_counted(agreement):
    # 4.3: JD Cloud "shall continue to store" the data from the end date; art. 201 keeps that day
    # out of the count of 7, so the last day is still the 8th
    same_day = agreement.evaluate(["terms_ended_on(2026-03-01)", "assessment_date(2026-03-01)"])
    assert same_day.ask("must_store_data_on(D)") == [{"D": "2026-03-01"}]
    assert same_day.ask("data_no_longer_retained_on(D)") == []
    assert same_day.ask("data_retention_last_day(D)") == [{"D": "2026-03-08"}]


def test_arithmetic_in_explanations_keeps_parentheses_and_prints_day_counts_as_numbers(make_kb):
    small = make_kb({"graph": """
        @rule paid_early
        @cites 2.1
        @gloss A payment at least 7 days before the due date is on time.
        @quote 2.1 "The fee is due 7 days before the renewal date"
        on_time(D) :- due(D), paid(P), D - (P - 1) >= 8.
        """})
    early = small.evaluate(["due(2026-03-10)", "paid(2026-03-03)"])
    text = early.explain("on_time(2026-03-10)").to_text()
    assert "2026-03-10 - (2026-03-03 - 1) >= 8 (= 8)" in text
    late = small.evaluate(["due(2026-03-10)", "paid(2026-03-04)"])
    assert "2026-03-10 - (2026-03-04 - 1) >= 8 (= 7)" in late.why_not("on_time(2026-03-10)").to_text()
