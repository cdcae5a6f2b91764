"""The explorer's fact lines can be stated, denied or in question: open conclusions appear with
what decides them, denied facts are kept apart, and both survive a save and a load."""
from __future__ import annotations

import yaml

from widgets.explorer import Explorer, conclusions_text

QUAKE_FACTS = ["event(quake, earthquake)", "suffered(jd_cloud, quake)", "affects_performance(quake, impossible)",
               "breach(jd_cloud, outage)", "breach_caused_by(outage, quake)"]
FORESEEABLE = "criterion_not_met(quake, unforeseeable)"


def panel(ex) -> str:
    return conclusions_text(ex.conclusions_panel.value)


def test_a_fact_in_question_makes_liability_open_with_what_decides_it(agreement):
    ex = Explorer(agreement, agreement.scenario(QUAKE_FACTS), graph=False)
    ex.set_fact(FORESEEABLE, status="unknown")
    assert (ex.facts("unknown"), ex.facts("denied")) == ([FORESEEABLE], [])
    text = panel(ex)
    assert "Open: depends on the 1 fact in question" in text
    start = text.splitlines().index("? JD Cloud is liable for the failure outage")
    holds_if, fails_if = text.splitlines()[start + 1:start + 3]
    assert holds_if.startswith("holds if ") and fails_if.startswith("does not hold if ")
    assert "1 in question" in ex.summary.value and ex.status.value == ""
    ex.select("liable(jd_cloud, outage)")
    assert type(ex.explanation).__name__ == "OpenExplanation"
    assert ex.explanation_panel.value == ex.explanation.to_html()
    assert ("JD Cloud is liable for the failure outage", "liable(jd_cloud, outage)") in ex.selector.options
    # the facts panel lists the fact in question as a sentence, tagged
    assert ex.fact_rows()[-1] == "in question: The event quake is found not to be unforeseeable"


def test_changing_a_line_from_in_question_to_denied_settles_the_answer(agreement):
    ex = Explorer(agreement, agreement.scenario(QUAKE_FACTS, unknown=[FORESEEABLE]), graph=False)
    assert ex.evaluation.answer("exempt_from_liability(jd_cloud, outage)").value == "open"
    ex.set_fact(FORESEEABLE, status="denied")
    assert ex.evaluation.answer("exempt_from_liability(jd_cloud, outage)").value == "yes"
    assert "Open:" not in panel(ex)
    ex.set_fact(FORESEEABLE, status="stated")
    assert ex.evaluation.answer("liable(jd_cloud, outage)").value == "yes"


def test_a_denied_line_may_say_any_value_with_an_underscore(agreement):
    ex = Explorer(agreement, agreement.scenario(QUAKE_FACTS), graph=False)
    ex.set_fact("user_consented_to_disclosure(_)", status="denied")
    assert ex.facts("denied") == ["user_consented_to_disclosure(_)"]
    assert ex.status.value == ""
    ex.set_fact("user_consented_to_disclosure(d1)")  # stated while denied for any value: shown as an error
    assert "is both stated and denied" in ex.status.value


def test_save_and_load_keep_denied_facts_and_facts_in_question(agreement, tmp_path):
    scenario = agreement.scenario(QUAKE_FACTS, unknown=[FORESEEABLE], denied=["criterion_not_met(quake, insurmountable)"])
    ex = Explorer(agreement, scenario, graph=False)
    path = ex.save(tmp_path / "s.yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["unknown"] == [FORESEEABLE] and data["denied"] == ["criterion_not_met(quake, insurmountable)"]
    again = Explorer(agreement, graph=False)
    again.load(str(path))
    assert (again.facts(), again.facts("denied"), again.facts("unknown")) == (
        sorted(QUAKE_FACTS), ["criterion_not_met(quake, insurmountable)"], [FORESEEABLE])
    assert again.title.value == scenario.name and not again.changed and again.changed_marker.value == ""
