"""The explorer as an analyst who has never seen it meets it (issue 12, section 2), driven from
Python as clicks drive it: sentences on the lines, labels in the dropdowns, names offered, the
facts panel with its Remove buttons, the title and its separate "(changed)" marker, Blank,
readings grouped by area, every panel recomputed or cleared when the scenario changes, and the
flip rows with their own Apply buttons."""
from __future__ import annotations

import ipywidgets as ipw
import pytest

from kb import whatif
from widgets.explorer import Explorer, conclusions_text, panel_atoms

DDOS = ["event(att, ddos_attack)", "suffered(user, att)", "breach(jd_cloud, outage)",
        "breach_caused_by(outage, att)", "security_event_effect(att, harm_to_jd_cloud)"]
QUAKE = "force_majeure_earthquake_outage_provider_not_liable.yaml"


def open_area(ex, area: str) -> None:
    ex.builder.selected_index = [a for _, a in ex._areas].index(area)


def words(line) -> list[str]:
    """What a builder line shows, in order: its words, and each control as [its type]."""
    out = []
    for w in line.children[2:]:
        out.append(w.value if isinstance(w, ipw.HTML) else f"[{type(w).__name__}]")
    return out


def test_a_line_reads_as_its_sentence_with_the_controls_in_place_and_the_doc_as_tooltip(agreement):
    ex = Explorer(agreement, graph=False)
    open_area(ex, "force_majeure")
    line = ex.lines["event"][0]
    assert words(line) == ["The event", "[Combobox]", "is", "[Dropdown]"]  # "the event {event} is {kind}"
    decl = agreement.vocabulary.predicate("event")
    assert all(w.tooltip == f"event: {decl.doc}" for w in line.words) and line.checkbox.tooltip == f"event: {decl.doc}"
    assert line.checkbox.description == ""  # the sentence is the label, not the predicate's name
    # the dropdown shows the labels; its value is the value's name
    kind = line.controls[1]
    assert ("an earthquake (listed in 9.2)", "earthquake") in kind.options
    assert ("a distributed denial-of-service (DDoS) attack", "ddos_attack") in kind.options
    # a name box starts empty, its placeholder the argument's name
    name = line.controls[0]
    assert (name.value, name.placeholder, name.options) == ("", "event", ())
    open_area(ex, "liability")
    assert words(ex.lines["breach_caused_by"][0]) == ["The failure", "[Combobox]", "was caused by the event",
                                                      "[Combobox]"]


def test_filling_a_sentence_states_it_and_its_names_are_offered_everywhere(agreement):
    ex = Explorer(agreement, graph=False)
    open_area(ex, "force_majeure")
    event = ex.lines["event"][0]
    event.controls[1].value = "ddos_attack"
    assert not event.checked and ex.facts() == []  # the name is still missing
    event.controls[0].value = "att"
    assert event.checked and ex.facts() == ["event(att, ddos_attack)"]
    open_area(ex, "liability")
    caused = ex.lines["breach_caused_by"][0]
    assert caused.controls[0].options == ("att",) == caused.controls[1].options
    caused.controls[0].value = "outage"
    assert not caused.checked  # the event's name is still missing
    caused.controls[1].value = "att"
    assert caused.checked and ex.lines["event"][0].controls[0].options == ("att", "outage")
    assert ex.status.value == ""


def test_the_facts_panel_lists_every_fact_as_a_sentence_and_removes_it(agreement):
    scenario = agreement.scenario(DDOS[:2], denied=["criterion_not_met(att, unforeseeable)"],
                                  unknown=["affects_performance(att, impossible)"])
    ex = Explorer(agreement, scenario, graph=False)  # loading shows the facts at once, no area opened
    ex.set_fact("interpretation(hackers_listed)")
    title = agreement.vocabulary.interpretations["hackers_listed"].title
    assert ex.fact_rows() == [
        "The event att is a distributed denial-of-service (DDoS) attack",
        "The user suffered the event att",
        "denied: The event att is found not to be unforeseeable",
        "in question: Because of the event att, performing the Service Terms became impossible",
        f"reading: The scenario adopts the reading \u201c{title}\u201d (hackers_listed)"]
    assert "Facts of this scenario</b> (5)" in ex.facts_title.value
    # the areas say how many facts they hold
    fm = dict(zip([a for _, a in ex._areas], ex.builder.titles))["force_majeure"]
    assert fm == "Force majeure (9.1, 9.2) \u2014 5 facts"
    # each row's Remove button takes its fact out
    rows = ex.facts_panel.children
    rows[2].children[1].click()  # the denied fact
    assert ex.facts("denied") == [] and ex.status.value == ""
    ex.facts_panel.children[-1].children[1].click()  # the reading
    assert not ex.toggles["hackers_listed"].value
    ex.facts_panel.children[0].children[1].click()
    assert ex.facts() == ["suffered(user, att)"] and ex.facts("unknown") == ["affects_performance(att, impossible)"]
    assert len(ex.fact_rows()) == 2


def test_a_denied_fact_for_any_value_reads_any_and_is_removable(agreement):
    ex = Explorer(agreement, graph=False)
    ex.set_fact("criterion_not_met(_, unforeseeable)", status="denied")
    assert ex.fact_rows() == ["denied: Any event is found not to be unforeseeable"]
    ex.facts_panel.children[0].children[1].click()
    assert ex.facts("denied") == [] and ex.fact_rows() == []


def test_the_title_is_edited_and_changed_is_a_separate_marker_never_saved(agreement, tmp_path):
    ex = Explorer(agreement, QUAKE, graph=False)
    name = agreement.load_scenario(QUAKE).name
    assert ex.title.value == name and ex.changed_marker.value == "" and not ex.changed
    ex.set_fact("criterion_not_met(quake, unforeseeable)")
    assert ex.changed and "(changed)" in ex.changed_marker.value
    assert ex.title.value == name and ex.scenario.name == name  # never appended to the title
    ex.set_fact("criterion_not_met(quake, unforeseeable)", on=False)
    assert not ex.changed and ex.changed_marker.value == ""  # back to the facts loaded
    ex.set_fact("criterion_not_met(quake, unforeseeable)")
    ex.title.value = "Foreseeable quake"
    assert ex.scenario.name == "Foreseeable quake"
    path = ex.save(tmp_path / "q.yaml")
    text = path.read_text(encoding="utf-8")
    assert text.startswith('scenario: "Foreseeable quake"') or text.startswith("scenario: Foreseeable quake")
    assert "changed" not in text and not ex.changed and ex.changed_marker.value == ""
    other = Explorer(agreement, graph=False)
    other.load(str(path))
    assert other.title.value == "Foreseeable quake" and not other.changed


def test_blank_clears_every_line_reading_and_the_title(agreement):
    ex = Explorer(agreement, QUAKE, graph=False)
    ex.set_fact("interpretation(hackers_listed)")
    extra = ex.add_line("event")
    extra.controls[0].value = "flood1"  # a second event, a flood (the first kind): ticked once named
    assert "event(flood1, flood)" in ex.facts()
    before = [c.text for c in ex.evaluation.specific]
    ex.blank_button.click()
    assert ex.facts() == [] and ex.facts("denied") == [] and ex.fact_rows() == []
    assert ex.title.value == "" and ex.scenario.name == "untitled scenario" and not ex.changed
    for lines in ex.lines.values():
        assert len(lines) == 1
        for line in lines:
            assert not line.checked and line.status.value == "stated"
            assert all(c.value in ("", None, 0, 0.0) or isinstance(c, ipw.Dropdown) for c in line.controls)
    assert ex.lines["event"][0].controls[0].value == ""
    assert not any(box.value for box in ex.toggles.values())
    assert all("\u2014" not in t for t in ex.builder.titles)
    assert list(ex.evaluation.specific) == [] and panel_atoms(ex.conclusions_panel.value) == []
    assert panel_atoms(ex.conclusions_panel.value, "kb-removed") == sorted(before)  # what Blank took away


def test_readings_are_listed_by_title_and_question_under_their_area(agreement):
    ex = Explorer(agreement, graph=False)
    areas = [a for _, a in ex._areas]
    fm = ex._area_boxes["force_majeure"].children
    texts = [row.children[1].value for row in fm[2:]]
    interp = agreement.vocabulary.interpretations["hackers_listed"]
    expected = [t for t in texts if interp.title.replace('"', "&quot;") in t]
    assert len(expected) == 1 and "[9.2]" in expected[0] and "hackers_listed" in expected[0]
    # every reading is under exactly one area, and the one of its vocabulary file
    placed = [row.children[0] for a in areas for row in ex._area_boxes[a].children[2:]]
    assert len(placed) == len(agreement.vocabulary.interpretations) == len(ex.toggles)
    assert ex.toggles["hackers_listed"] in [row.children[0] for row in fm[2:]]
    # never cut off: the title is an HTML block that wraps, not a checkbox description
    assert all(box.description == "" for box in ex.toggles.values())


def test_every_panel_that_depends_on_the_scenario_is_recomputed_or_cleared(agreement):
    ex = Explorer(agreement, agreement.scenario(DDOS), graph=True, flip_time_budget=None)
    ex.select("liable(jd_cloud, outage)")
    ex.effects_button.click()
    ex.flip()
    assert ex.effects_panel.value and ex.flip_panel.value and ex.flip_actions.children
    assert type(ex.explanation).__name__ == "Explanation" and ex.graph_view.nodes
    ex.set_fact("interpretation(hackers_listed)")  # liability goes
    assert ex.effects_panel.value == ""  # the effects of the readings on another scenario: cleared
    assert ex.flip_panel.value == "" and ex.flip_actions.children == () and ex.flip_buttons == []
    assert type(ex.explanation).__name__ == "WhyNot"  # the question asked is answered again
    assert ex.explanation_panel.value == ex.explanation.to_html()
    assert "liable(jd_cloud, outage)" in [v for _, v in ex.selector.options]  # lost: still selectable
    assert panel_atoms(ex.conclusions_panel.value, "kb-removed") == ["liable(jd_cloud, outage)"]
    assert ex.fact_rows()[-1].startswith("reading:")
    # loading another file clears the question's panel, the graph, the effects and the flips
    ex.question.value = ""
    ex.load(QUAKE)
    assert ex.explanation is None and ex.explanation_panel.value == "" and ex.graph_view.nodes == []
    lost = panel_atoms(ex.conclusions_panel.value, "kb-removed")  # lost by the load, still selectable
    assert "liable(jd_cloud, outage)" not in lost  # it no longer held before the load
    assert [v for _, v in ex.selector.options] == [c.text for c in ex.evaluation.specific] + lost
    assert panel_atoms(ex.conclusions_panel.value) == [c.text for c in ex.evaluation.specific]


def test_flip_rows_group_alternatives_each_with_its_apply(agreement):
    ex = Explorer(agreement, agreement.scenario(DDOS), graph=False, flip_time_budget=None)
    result = ex.flip("liable(jd_cloud, outage)")
    assert len(ex.flip_actions.children) == len(result.groups) == len(ex.flip_buttons)
    assert len(result.groups) < len(result.flips)  # alternatives of one fact share a row
    first = conclusions_text(ex.flip_actions.children[0].children[0].value)
    assert first.startswith("1. adopt the reading") and "hackers_listed" not in first
    kinds = next(i for i, g in enumerate(result.groups) if len(g.sets) > 1)
    row = ex.flip_actions.children[kinds]
    text = conclusions_text(row.children[0].value)
    n = len(result.groups[kinds].sets)
    assert f"the event att is any of these {n}" in text and "rather than a distributed denial-of-service" in text
    choice = row.children[1]
    assert isinstance(choice, ipw.Dropdown) and len(choice.options) == n
    assert "Tried " in ex.flip_panel.value and f"{result.tried:,} scenarios" in ex.flip_panel.value
    # the row's Apply applies the alternative chosen on that row
    choice.value = n - 1
    chosen = result.groups[kinds].sets[n - 1]
    row.children[2].click()
    assert ex.status.value == ""
    added = chosen.changes[0].add
    assert added in ex.facts() and "event(att, ddos_attack)" not in ex.facts()
    assert not ex.evaluation.holds("liable(jd_cloud, outage)")
    assert ex.changed and ex.flip_actions.children == ()


def test_the_answer_panel_stays_in_view_and_nothing_is_clipped(agreement):
    ex = Explorer(agreement, graph=False)
    columns = ex.children[5].children
    builder, answer = columns
    assert builder.layout.max_height and builder.layout.overflow == "auto"  # the builder scrolls in its box
    assert "kb-answer-column" in answer._dom_classes and "position: sticky" in ex.children[0].value
    assert ex.facts_panel in answer.children and ex.conclusions_panel in answer.children
    open_area(ex, "liability")
    for line in ex.lines["breach"]:
        assert line.layout.flex_flow == "row wrap"  # a long sentence wraps, it is not cut


def test_errors_in_callbacks_are_shown_in_the_status_line(agreement):
    ex = Explorer(agreement, graph=False)
    ex._removable = ["no_such_predicate(x)"]
    ex._fact_rows = ex._fact_rows or []
    ex.set_fact("event(att, ddos_attack)")
    ex._removable = ["event(zz, flood)"]
    ex.facts_panel.children[0].children[1].click()
    assert "kb-error" in ex.status.value and "is not in the scenario" in ex.status.value


def test_the_explorer_notebook_opens_on_a_clean_explorer_and_demonstrates_on_a_second():
    import re
    from pathlib import Path

    import nbformat

    nb = nbformat.read(Path(__file__).resolve().parent.parent / "notebooks" / "10_whatif_explorer.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "explorer = Explorer(agreement)\nexplorer" in code[0].source  # blank: no scenario, no click
    for cell in code[1:]:  # the demonstrations drive `demo`, never the explorer shown at the top
        assert not re.search(r"\bexplorer\b", cell.source), cell.source
        assert not any(o.get("output_type") == "error" for o in cell.get("outputs", []))
    assert "demo = Explorer(" in code[1].source
    for output in code[0].get("outputs", []):
        assert output.get("output_type") != "stream" and "Traceback" not in str(output)
