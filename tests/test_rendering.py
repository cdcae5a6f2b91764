"""What a notebook prints: the kit's objects as sentences (text/plain) and tables (HTML), the atoms
one tooltip away, lists that still behave as lists."""
from __future__ import annotations

import pytest

import kb

QUAKE = ["event(quake, earthquake)", "suffered(jd_cloud, quake)", "affects_performance(quake, impossible)",
         "breach(jd_cloud, outage)", "breach_caused_by(outage, quake)"]
ATTACK = ["event(attack, ddos_attack)", "suffered(jd_cloud, attack)", "affects_performance(attack, impossible)",
          "breach(jd_cloud, outage)", "breach_caused_by(outage, attack)", "criterion_met(attack, insurmountable)",
          "criterion_met(attack, unavoidable)", "criterion_met(attack, significant_impact)"]


@pytest.fixture(scope="module")
def quake(agreement):
    return agreement.evaluate(QUAKE)


def test_a_conclusion_has_its_atom_and_its_sentence(quake):
    c = quake.specific[0]
    assert (c.text, c.atom, c.sentence) == ("exempt_from_liability(jd_cloud, outage)",
                                            "exempt_from_liability(jd_cloud, outage)",
                                            "JD Cloud is exempt from liability for the failure outage")
    assert str(c) == "JD Cloud is exempt from liability for the failure outage"
    assert repr(c) == "Conclusion(exempt_from_liability(jd_cloud, outage))"
    assert c._repr_html_() == ("<span class='kb-sentence' title='exempt_from_liability(jd_cloud, outage)'>"
                               "JD Cloud is exempt from liability for the failure outage.</span>")
    assert c.to_json() == {"atom": "exempt_from_liability(jd_cloud, outage)",
                           "sentence": "JD Cloud is exempt from liability for the failure outage"}


def test_conclusion_lists_print_as_sentences_and_stay_lists(quake):
    specific = quake.specific
    assert isinstance(specific, list) and len(specific) == 3 and specific == sorted(specific)
    assert specific[1:] == quake.specific[1:] and specific + [] == list(specific)
    assert str(specific) == ("JD Cloud is exempt from liability for the failure outage.\n"
                             "The event quake is force majeure.\n"
                             "The force majeure event quake excuses JD Cloud.")
    assert specific.to_text(atoms=True) == ("exempt_from_liability(jd_cloud, outage)\nforce_majeure(quake)\n"
                                            "force_majeure_excuses(jd_cloud, quake)")
    page = specific._repr_html_()
    assert page.startswith("<table class='kb-conclusions'><thead><tr><th style='text-align:left'>Conclusion</th>"
                           "<th style='text-align:left'>Atom</th></tr></thead>")
    assert ("<tr><td style='text-align:left'>The event quake is force majeure.</td>"
            "<td style='text-align:left'><code>force_majeure(quake)</code></td></tr>") in page
    assert quake.conclusions[:1] == quake.standing[:1]  # slicing still works on every list


def test_an_evaluation_prints_sentences_and_shows_tables(quake):
    assert quake.to_text().splitlines()[:1] == [
        "The court the parties agreed for their lawsuits is daxing_district_peoples_court_beijing."]
    assert "The event quake is force majeure." in str(quake).splitlines()
    assert "force_majeure(quake)" in quake.to_text(atoms=True).splitlines()
    page = quake._repr_html_()
    assert page.startswith("<div class='kb-evaluation'><p><b>scenario</b></p><table class='kb-conclusions'>"
                           "<caption>Conclusions from the facts (3)</caption>")
    assert "<details><summary>Standing conclusions, which hold without any fact (56)</summary>" in page
    assert "[{" not in page and "Conclusion(" not in page


def test_open_conclusions_show_what_decides_them(agreement):
    result = agreement.evaluate(agreement.scenario(ATTACK, unknown=["criterion_met(attack, unforeseeable)"]))
    rows = result.open_conclusions
    assert isinstance(rows, list) and len(rows) == 4
    assert str(rows).splitlines()[:3] == [
        "JD Cloud is exempt from liability for the failure outage. (open)",
        "  holds if it is established that the event attack is found to be unforeseeable",
        "  does not hold if it is not established that the event attack is found to be unforeseeable"]
    page = rows._repr_html_()
    assert page.startswith("<ul class='kb-open-conclusions'><li><span class='kb-sentence' "
                           "title='exempt_from_liability(jd_cloud, outage)'>JD Cloud is exempt from liability for "
                           "the failure outage.</span> <b>open</b><ul class='kb-conditions'><li>holds if it is "
                           "established that <span class='kb-sentence' title='criterion_met(attack, unforeseeable)'>"
                           "the event attack is found to be unforeseeable</span></li>")
    assert "In question" not in page
    fact_page = result._repr_html_()
    assert ("<p>Facts in question (1):</p><ul><li><span class='kb-sentence' title='criterion_met(attack, "
            "unforeseeable)'>The event attack is found to be unforeseeable.</span></li></ul>") in fact_page


def test_an_answer_prints_a_sentence_and_shows_html(quake):
    answer = quake.answer("exempt_from_liability(P, B)")
    assert str(answer) == ("Yes: some party is exempt from liability for some failure.\n"
                           "  - JD Cloud is exempt from liability for the failure outage (P = jd_cloud, B = outage)")
    assert answer._repr_html_() == (
        "<div class='kb-answer'><p><b title='exempt_from_liability(P, B)'>Yes: some party is exempt from liability for "
        "some failure.</b></p><ul><li><span class='kb-sentence' title='exempt_from_liability(jd_cloud, outage)'>JD Cloud "
        "is exempt from liability for the failure outage.</span> <span class='kb-bindings'>(P = jd_cloud, "
        "B = outage)</span></li></ul></div>")
    assert quake.answer("liable(jd_cloud, outage)").headline() == \
        "No: it does not follow that JD Cloud is liable for the failure outage."


def test_interpretations_are_a_list_of_dicts_shown_as_a_table(agreement):
    readings = agreement.interpretations()
    assert isinstance(readings, list) and all(isinstance(r, dict) for r in readings)
    assert [r["name"] for r in readings] == sorted(r["name"] for r in readings)
    strict = next(r for r in readings if r["name"] == "strict_force_majeure_list")
    assert strict["title"] == "A listed event must still show every quality of 9.2"
    page = readings._repr_html_()
    assert page.startswith("<table class='kb-interpretations'><thead><tr><th style='text-align:left'>Name</th>"
                           "<th style='text-align:left'>Clauses</th>")
    td = "<td style='text-align:left'>"
    assert f"{td}<code>strict_force_majeure_list</code></td>{td}9.2</td>{td}<b>A listed event must still show " \
           "every quality of 9.2</b><br>" in page
    assert str(readings).splitlines()[0].startswith("advance_announcement_needs_reasonable_time (3.1.1): ")


def test_a_diff_shows_gained_and_lost_as_tables(agreement, quake):
    foreseen = agreement.evaluate(QUAKE + ["criterion_not_met(quake, unforeseeable)"])
    page = kb.diff(quake, foreseen)._repr_html_()
    assert page.startswith("<div class='kb-diff'><table class='kb-conclusions'><caption>Gained (1)</caption>")
    assert "<caption>Lost (3)</caption>" in page
    assert kb.diff(quake, quake)._repr_html_() == "<p class='kb-diff'><i>no change</i></p>"


def test_why_not_html_keeps_atoms_in_tooltips(quake):
    page = quake.why_not("liable(jd_cloud, outage)")._repr_html_()
    assert page.startswith("<div class='kb-why-not'><div class='kb-headline'><p><b><span class='kb-sentence' "
                           "title='liable(jd_cloud, outage)'>JD Cloud is liable for the failure outage: does not "
                           "hold.</span></b></p>")
    assert "<pre>" not in page


def test_why_not_json_carries_both_forms(quake):
    data = quake.why_not("liable(jd_cloud, outage)").to_json()
    assert (data["question"], data["question_sentence"]) == (
        "liable(jd_cloud, outage)", "JD Cloud is liable for the failure outage")
    reason = data["reasons"][0]
    assert reason["satisfied"] == ["breach(jd_cloud, outage)"]
    assert reason["satisfied_sentences"] == ["JD Cloud failed to perform an obligation of the Service Terms "
                                             "(the failure outage)"]
    assert reason["detail"] == "its conditions hold, but exception 'fm_no_liability' (9.1) defeats it"
    assert reason["detail_sentence"] == ("its conditions hold, but the exception 9.1 force majeure "
                                         "(rule fm_no_liability) defeats it")


def test_a_shared_why_not_is_shown_once(agreement):
    result = agreement.evaluate(agreement.scenario(ATTACK + ["criterion_not_met(attack, unforeseeable)"]))
    text = result.why_not("exempt_from_liability(jd_cloud, outage)").to_text()
    lines = text.splitlines()
    # the failed condition is answered right under it the first time; later it points back
    first = lines.index("        - fails: the event attack is force majeure: does not hold")
    assert lines[first + 1] == "          - by the rule: an event of a kind 9.2 lists is force majeure [9.2; rule fm_listed_event]"
    assert lines.count("        - fails: the event attack is force majeure: does not hold  (why: shown above)") == 1
    assert text.count("is force majeure: does not hold") == 4


def test_a_violated_constraint_reads_as_sentences(tmp_path):
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    from conftest import SMALL_VOCABULARY, write_kb
    from kb.cli import violation_sentence
    from kb.constraints import violations
    from test_constraints import CONSTRAINTS, ISOLATED_TOO

    vocabulary = SMALL_VOCABULARY.replace(
        "    doc: Isolated.\n", "    doc: Isolated.\n    says: \"the node {n} is isolated\"\n").replace(
        "    doc: Flagged.\n", "    doc: Flagged.\n    says: \"the node {n} is flagged\"\n")
    folder = write_kb(tmp_path / "small", {"graph": textwrap.dedent(ISOLATED_TOO)}, vocabulary=vocabulary,
                      constraints=CONSTRAINTS)
    small = kb.load_knowledge_base(folder)
    result = small.evaluate(["node(a)", "link(a, b)"])
    found = violations(result)
    assert [violation_sentence(result, v) for v in found] == [
        "constraint flagged_nodes_are_isolated [1.2] violated: the node a is flagged (by rule flag_node [1.2]) and "
        "the node a is isolated (by rule isolated_node [1.2]): A flagged node is never isolated."]
    scenario = folder / "case.yaml"
    scenario.write_text("scenario: a linked node\nfacts:\n  - node(a)\n  - link(a, b)\n", encoding="utf-8")
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-m", "kb", "--kb", str(folder), "ask", str(scenario)], cwd=root,
                         capture_output=True, text=True, timeout=120).stdout.splitlines()
    at = out.index("INCONSISTENT: conclusions that cannot both be true (1):")
    assert out[at + 1] == "  " + violation_sentence(result, found[0])
    atoms = subprocess.run([sys.executable, "-m", "kb", "--kb", str(folder), "--atoms", "ask", str(scenario)],
                           cwd=root, capture_output=True, text=True, timeout=120).stdout.splitlines()
    assert atoms[atoms.index("INCONSISTENT: conclusions that cannot both be true (1):") + 1] == "  " + str(found[0])
