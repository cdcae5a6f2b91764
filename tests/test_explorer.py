"""The what-if explorer, driven from Python as a user clicks (no browser): panels, diff, pin,
explanations, flip sets, interpretation toggles, save/load and errors shown in the widget."""
from __future__ import annotations

import datetime as dt

import pytest

from conftest import REACH_FLAG_PAID_RULES
from kb import whatif
from kb.sentences import capitalised
from widgets.explorer import Explorer, conclusions_text

QUAKE_FACTS = ["event(quake, earthquake)", "suffered(jd_cloud, quake)", "affects_performance(quake, impossible)",
               "breach(jd_cloud, outage)", "breach_caused_by(outage, quake)"]

SMALL_RULES = REACH_FLAG_PAID_RULES


@pytest.fixture(scope="module")
def explorer(agreement):
    return Explorer(agreement, graph=False)


def panel(ex) -> str:
    return conclusions_text(ex.conclusions_panel.value)


def say(ex, atom: str) -> str:
    """The sentence the explorer shows for an atom (force majeure and deontic templates are final)."""
    a = ex.kb.parse_pattern(atom)
    return capitalised(ex.kb.vocabulary.sentence(a.pred, tuple(x.value for x in a.args)))


def test_earthquake_clicked_in_fact_by_fact_exempts_jd_cloud_9_1(agreement):
    ex = Explorer(agreement, graph=False)
    assert "No conclusion from these facts yet." in panel(ex)
    for fact in QUAKE_FACTS:
        ex.set_fact(fact)
    assert ex.facts() == sorted(QUAKE_FACTS)
    text = panel(ex)
    assert "Force majeure (9.1, 9.2)" in text
    assert "+ " + say(ex, "exempt_from_liability(jd_cloud, outage)") in text
    # the last click (the cause) brought the exemption and took liability away
    assert "- " + say(ex, "liable(jd_cloud, outage)") in text
    assert not ex.evaluation.holds("liable(jd_cloud, outage)")
    assert ex.status.value == ""


def test_the_last_change_is_highlighted_foreseeable_quake_brings_liability_back_9_2(agreement):
    ex = Explorer(agreement, agreement.scenario(QUAKE_FACTS), graph=False)
    ex.set_fact("criterion_not_met(quake, unforeseeable)")
    text = panel(ex)
    assert text.splitlines()[0] == "+1 -3 since the last change"
    assert "+ " + say(ex, "liable(jd_cloud, outage)") in text
    assert "- " + say(ex, "exempt_from_liability(jd_cloud, outage)") in text
    assert "<div class='kb-removed' data-atom='force_majeure(quake)'>- " in ex.conclusions_panel.value
    ex.set_fact("criterion_not_met(quake, unforeseeable)", on=False)
    assert panel(ex).splitlines()[0] == "+3 -1 since the last change"




def test_a_pinned_baseline_is_compared_with_every_later_change(agreement):
    ex = Explorer(agreement, agreement.scenario(QUAKE_FACTS), graph=False)
    ex.pin()
    ex.set_fact("criterion_not_met(quake, unforeseeable)")
    ex.set_fact("criterion_not_met(quake, insurmountable)")
    text = panel(ex)
    assert text.splitlines()[0] == "+1 -3 since the pinned baseline"
    ex.pin(False)
    assert panel(ex).splitlines()[0] == "+0 -0 since the last change"


def test_explanation_and_why_not_panels(agreement):
    ex = Explorer(agreement, agreement.scenario(QUAKE_FACTS), graph=True)
    ex.select("exempt_from_liability(jd_cloud, outage)")
    assert type(ex.explanation).__name__ == "Explanation" and "9.1" in ex.explanation.clause_ids()
    assert ex.explanation_panel.value == ex.explanation.to_html()
    assert ex.graph_view.highlighted == ["8.1", "9.1", "9.2"]
    ex.select("liable(jd_cloud, outage)")
    assert type(ex.explanation).__name__ == "WhyNot" and "does not hold" in ex.explanation_panel.value
    assert "fm_no_liability" in ex.explanation_panel.value
    # the question stays asked: a change that makes liability hold refreshes the panel
    ex.set_fact("criterion_not_met(quake, unforeseeable)")
    assert type(ex.explanation).__name__ == "Explanation"
    assert ex.explanation_panel.value == ex.explanation.to_html()
    assert conclusions_text(ex.explanation_panel.value).startswith(say(ex, "liable(jd_cloud, outage)"))


def test_flip_sets_for_a_small_known_case(make_kb):
    small = make_kb(SMALL_RULES)
    ex = Explorer(small, small.scenario(["paint(a, red)"]), graph=False, flip_time_budget=None)
    result = ex.flip("flagged(a)")
    assert result.makes_hold and not result.truncated
    assert [str(f) for f in result.flips] == ["add link(a, a); add node(a)"]
    ex.load(small.scenario(["node(a)", "link(a, b)"]))
    result = ex.flip("flagged(a)")
    assert [str(f) for f in result.flips] == ["remove link(a, b)", "remove node(a)"]
    # one click applies a flip set
    assert len(ex.flip_actions.children) == len(ex.flip_buttons) == 2  # one row each, each with its Apply
    ex.flip_buttons[0].click()
    assert ex.facts() == ["node(a)"]
    assert not ex.evaluation.holds("flagged(a)") and "- flagged(a)" in panel(ex)


def test_flip_sets_move_a_date_one_day_paid_on_day_7_vs_8(make_kb):
    small = make_kb(SMALL_RULES)
    scenario = small.scenario(["due(2026-03-07)", "paid(2026-03-07)"])
    result = whatif.flip_search(small, scenario, "on_time(2026-03-07)", time_budget=None)
    assert [str(f) for f in result.flips] == [
        "change due(2026-03-07) to due(2026-03-06)", "change due(2026-03-07) to due(2026-03-08)",
        "change paid(2026-03-07) to paid(2026-03-08)",
        "remove due(2026-03-07)", "remove paid(2026-03-07)"]


def test_flip_search_says_when_it_is_cut_short(agreement):
    scenario = agreement.scenario(QUAKE_FACTS)
    result = whatif.flip_search(agreement, scenario, "exempt_from_liability(jd_cloud, outage)",
                                max_evaluations=10, time_budget=None)
    assert result.truncated and result.reason == "evaluation budget of 10 scenarios reached"
    assert result.evaluations == 10
    assert "(search cut short: evaluation budget of 10 scenarios reached)" in result.to_text()


def test_interpretation_toggles_and_what_depends_on_them(agreement):
    ex = Explorer(agreement, agreement.load_scenario(
        "force_majeure_flood_and_own_equipment_failure_partly_exempt.yaml"), graph=False)
    ex.effects_button.click()
    effects = conclusions_text(ex.effects_panel.value.replace("<li", "<div").replace("</li>", "</div>"))
    title = agreement.vocabulary.interpretations["concurrent_cause_full_exemption"].title
    assert (f"{title} (concurrent_cause_full_exemption; adopting it):\n+ "
            + say(ex, "exempt_from_liability(jd_cloud, outage)")) in effects
    assert "defects_deemed_unavoidable" not in effects  # nothing of this scenario depends on it
    ex.toggles["concurrent_cause_full_exemption"].value = True
    assert "interpretation(concurrent_cause_full_exemption)" in ex.facts()
    assert ex.scenario.interpretations == ("concurrent_cause_full_exemption",)
    assert ex.evaluation.holds("exempt_from_liability(jd_cloud, outage)")


def test_save_and_load_round_trip(agreement, tmp_path):
    ex = Explorer(agreement, agreement.scenario(QUAKE_FACTS + ["interpretation(start_day_counts)",
                                                              "service_created_on(c1, 2026-01-10)",
                                                              "service_monthly_fee(c1, 250.00)"]), graph=False)
    path = ex.save(tmp_path / "mine.yaml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.yaml"]  # no temporary file left
    other = Explorer(agreement, graph=False)
    other.path.value = str(path)
    other.load_button.click()
    assert other.facts() == ex.facts()
    assert other.status.value == "<span class='kb-ok'>loaded " + str(path) + "</span>"
    date_line = other.lines["service_created_on"][0]
    assert date_line.controls[1].value == dt.date(2026, 1, 10)
    assert other.lines["service_monthly_fee"][0].controls[1].value == 250.0


def test_a_bad_file_shows_its_error_and_keeps_the_scenario(agreement, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: bad\nfacts:\n  - event(quake, earthqake)\n", encoding="utf-8")
    ex = Explorer(agreement, agreement.scenario(QUAKE_FACTS), graph=False)
    ex.path.value = str(bad)
    ex.load_button.click()
    assert "bad.yaml:3" in ex.status.value and "did you mean &#x27;earthquake&#x27;?" in ex.status.value
    assert ex.facts() == sorted(QUAKE_FACTS)
    broken = tmp_path / "broken.yaml"
    broken.write_text("scenario: [unclosed\n", encoding="utf-8")
    ex.path.value = str(broken)
    ex.load_button.click()
    assert "broken.yaml:" in ex.status.value and "kb-error" in ex.status.value
    assert ex.facts() == sorted(QUAKE_FACTS)


def test_saving_where_it_cannot_shows_the_error_and_writes_nothing(agreement, tmp_path):
    ex = Explorer(agreement, agreement.scenario(QUAKE_FACTS), graph=False)
    cases = [
        (tmp_path / "no_such_folder" / "x.yaml", f"the folder {tmp_path / 'no_such_folder'} does not exist"),
        (tmp_path / "x.txt", "a scenario file name ends in .yaml"),
    ]
    (tmp_path / "d.yaml").mkdir()
    cases.append((tmp_path / "d.yaml", "is a folder; give a file name ending in .yaml"))
    for path, message in cases:
        ex.path.value = str(path)
        ex.save_button.click()
        assert ex.status.value == f"<div class='kb-error'>{path}: scenario error: {message}</div>"
    ex.path.value = ""
    ex.save_button.click()
    assert "type the file to save to (ending in .yaml)" in ex.status.value
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.yaml"]


def test_saving_over_a_file_needs_overwrite_and_keeps_its_permissions(agreement, tmp_path):
    target = tmp_path / "mine.yaml"
    target.write_text("scenario: mine\nfacts: []\nexpect:\n  - does_not_hold: liable(jd_cloud, B)\n")
    target.chmod(0o644)
    ex = Explorer(agreement, agreement.scenario(QUAKE_FACTS), graph=False)
    ex.path.value = str(target)
    ex.save_button.click()
    assert "the file exists; tick &#x27;overwrite&#x27; to replace it" in ex.status.value
    assert "expect:" in target.read_text()
    ex.overwrite.value = True
    ex.save_button.click()
    assert ex.status.value == "<span class='kb-ok'>saved mine.yaml</span>"
    assert "expect:" not in target.read_text() and "event(quake, earthquake)" in target.read_text()
    assert target.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.yaml"]


def test_an_incomplete_line_blocks_saving_a_stale_scenario(agreement, tmp_path):
    ex = Explorer(agreement, agreement.scenario(QUAKE_FACTS), graph=False)
    line = ex.add_line("service_created_on")
    line.checkbox.value = True  # no date picked yet
    ex.path.value = str(tmp_path / "after.yaml")
    ex.save_button.click()
    assert ex.status.value == "<div class='kb-error'>scenario error: service_created_on: every argument needs a value</div>"
    assert not (tmp_path / "after.yaml").exists()


def test_an_incomplete_line_shows_an_error_and_keeps_the_answers(agreement):
    ex = Explorer(agreement, agreement.scenario(QUAKE_FACTS), graph=False)
    before = ex.conclusions_panel.value
    line = ex.add_line("service_created_on")
    line.checkbox.value = True  # no date picked yet
    assert ex.status.value == "<div class='kb-error'>scenario error: service_created_on: every argument needs a value</div>"
    assert ex.conclusions_panel.value == before
    line.controls[0].value = "c1"
    line.controls[1].value = dt.date(2026, 1, 10)
    assert ex.status.value == ""
    assert ex.facts() == sorted(QUAKE_FACTS + ["service_created_on(c1, 2026-01-10)"])
    assert ex.scenario.name == "scenario" and ex.changed  # "(changed)" is a marker, never in the title
    assert ex.changed_marker.value == "<span class='kb-changed'>(changed)</span>" and ex.title.value == "scenario"


def test_the_builder_is_generated_from_the_vocabulary(make_kb):
    small = make_kb(SMALL_RULES)
    ex = Explorer(small, graph=False)
    assert [f.name for f in ex.form] == sorted(small.vocabulary.inputs)
    ex.builder.selected_index = 0  # opening an area builds its lines
    names = [line.field.name for line in ex._lines_boxes["graph"].children]
    assert names == sorted(small.vocabulary.inputs)
    kinds = {line.field.name: [type(c).__name__ for c in line.controls] for line in ex._lines_boxes["graph"].children}
    assert kinds == {"due": ["DatePicker"], "fee": ["BoundedFloatText"], "link": ["Combobox", "Combobox"],
                     "node": ["Combobox"], "paid": ["DatePicker"], "paint": ["Combobox", "Dropdown"]}


def test_two_explorers_do_not_share_state(agreement):
    a = Explorer(agreement, agreement.scenario(QUAKE_FACTS), graph=False)
    b = Explorer(agreement, graph=False)
    b.set_fact("event(flood1, flood)")
    assert a.facts() == sorted(QUAKE_FACTS)
    assert b.facts() == ["event(flood1, flood)"]


def test_flip_sets_of_another_scenario_are_cleared_when_the_facts_change(make_kb):
    small = make_kb(SMALL_RULES)
    ex = Explorer(small, small.scenario(["node(a)", "link(a, b)"]), graph=False, flip_time_budget=None)
    ex.flip("flagged(a)")
    assert len(ex.flip_actions.children) == 2
    ex.flip_buttons[0].click()  # remove link(a, b)
    assert ex.flip_actions.children == () and ex.flip_panel.value == "" and ex.flip_result is None
    assert ex.flip_buttons == []


def test_a_question_with_a_variable_is_answered_with_a_why_not_and_errors_clear(agreement):
    ex = Explorer(agreement, agreement.scenario(QUAKE_FACTS), graph=False)
    ex.question.value = "liable(jd_cloud, B)"
    ex.ask_button.click()
    assert "does not hold" in ex.explanation_panel.value and ex.status.value == ""
    ex.question.value = "liabel(jd_cloud, B)"
    ex.ask_button.click()
    assert "did you mean &#x27;liable&#x27;?" in ex.status.value
    assert ex.explanation_panel.value == "" and ex.explanation is None  # no stale answer beside the error
    ex.question.value = "exempt_from_liability(jd_cloud, outage)"
    ex.ask_button.click()
    assert ex.status.value == "" and type(ex.explanation).__name__ == "Explanation"
    assert ex.explanation_panel.value == ex.explanation.to_html()


def test_setting_a_fact_with_a_variable_is_an_error(agreement):
    ex = Explorer(agreement, graph=False)
    with pytest.raises(Exception, match=r"event\(Q, earthquake\): a fact has no variables; name every argument"):
        ex.set_fact("event(Q, earthquake)")
    assert ex.facts() == []


def test_the_graph_is_redrawn_only_when_the_answer_uses_other_clauses_and_old_drawings_are_closed(agreement):
    from ipywidgets.widgets.widget import _instances  # every live widget

    ex = Explorer(agreement, agreement.scenario(QUAKE_FACTS), graph=True)
    ex.select("exempt_from_liability(jd_cloud, outage)")
    first = ex.graph_view.sigma
    ex.set_fact("breach_type(outage, service_interruption)")  # same answer, same clauses
    assert ex.graph_view.sigma is first
    ex.set_fact("criterion_not_met(quake, unforeseeable)")  # builds the line once
    ex.set_fact("criterion_not_met(quake, unforeseeable)", on=False)
    before = len(_instances)
    for _ in range(5):
        ex.set_fact("criterion_not_met(quake, unforeseeable)")
        ex.set_fact("criterion_not_met(quake, unforeseeable)", on=False)
    assert ex.graph_view.sigma is not first and first.comm is None  # closed
    assert len(_instances) == before
