"""Building what-if variations of a scenario: KnowledgeBase.vary and facts_of."""
from __future__ import annotations

import pytest

import kb

QUAKE = "force_majeure_earthquake_outage_provider_not_liable.yaml"


def test_facts_of_lists_the_facts_sorted_as_written(agreement):
    quake = agreement.load_scenario(QUAKE)
    assert agreement.facts_of(quake) == [
        "affects_performance(quake, impossible)", "breach(jd_cloud, outage)", "breach_caused_by(outage, quake)",
        "event(quake, earthquake)", "suffered(jd_cloud, quake)"]


def test_a_foreseeable_earthquake_brings_liability_back_9_2(agreement):
    quake = agreement.load_scenario(QUAKE)
    foreseen = agreement.vary(quake, add=["criterion_not_met(quake, unforeseeable)"], name="foreseen")
    assert foreseen.name == "foreseen" and foreseen.expectations == ()
    change = kb.diff(agreement.evaluate(quake), agreement.evaluate(foreseen))
    assert [c.text for c in change.gained] == ["liable(jd_cloud, outage)"]
    assert [c.text for c in change.lost] == ["exempt_from_liability(jd_cloud, outage)", "force_majeure(quake)",
                                             "force_majeure_excuses(jd_cloud, quake)"]
    assert [str(c) for c in change.gained] == ["JD Cloud is liable for the failure outage"]
    assert [str(c) for c in change.lost] == ["JD Cloud is exempt from liability for the failure outage",
                                             "the event quake is force majeure", "the force majeure event quake excuses JD Cloud"]
    back = agreement.vary(foreseen, remove=["criterion_not_met(quake, unforeseeable)"])
    assert agreement.facts_of(back) == agreement.facts_of(quake)


def test_interpretations_are_added_as_facts(agreement):
    quake = agreement.load_scenario(QUAKE)
    strict = agreement.vary(quake, add=["interpretation(start_day_counts)"])
    assert strict.interpretations == ("start_day_counts",)


@pytest.mark.parametrize("change, message", [
    ({"remove": ["criterion_not_met(quake, unforeseeable)"]},
     "<remove>: scenario error: cannot remove criterion_not_met(quake, unforeseeable): the scenario does not have it"),
    ({"add": ["event(quake, earthquake)"]},
     "<add>: scenario error: cannot add event(quake, earthquake): the scenario already has it"),
    ({"add": "event(quake, flood)"}, "scenario error: give the facts to add or remove as a list of strings"),
])
def test_a_what_if_that_changes_nothing_is_an_error(agreement, change, message):
    with pytest.raises(kb.KbError) as err:
        agreement.vary(agreement.load_scenario(QUAKE), **change)
    assert str(err.value) == message


def test_a_misspelt_value_in_a_what_if_is_caught_with_a_suggestion(agreement):
    with pytest.raises(kb.KbError, match=r"<add>:1: .*got earthqake \(did you mean 'earthquake'\?\)"):
        agreement.vary(agreement.load_scenario(QUAKE), add=["event(quake2, earthqake)"])


def test_ask_can_leave_out_the_standing_terms(agreement):
    result = agreement.evaluate(agreement.load_scenario(QUAKE))
    assert {"C": "transfer_terms_to_affiliates"} in result.ask("permitted(jd_cloud, C)")
    assert result.ask("permitted(jd_cloud, C)", standing=False) == []
    assert result.ask("governing_law(L)", standing=False) == []
    assert result.ask("exempt_from_liability(P, B)", standing=False) == [{"P": "jd_cloud", "B": "outage"}]
