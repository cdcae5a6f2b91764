"""Known, denied and in question: three-valued answers.

A scenario states facts, denies facts and leaves facts in question; a question is answered yes,
no or open, and an open answer says which facts in question decide it (the smallest sets of
them, each established or not, under which it holds, and under which it does not)."""
from __future__ import annotations

import itertools

import pytest

import kb
from kb.answers import Condition, minimal_conditions
from kb.errors import ScenarioError
from kb.testing import run_scenario
from kb.whatif import candidate_changes

ATTACK = ["event(attack, ddos_attack)", "suffered(jd_cloud, attack)", "affects_performance(attack, impossible)",
          "breach(jd_cloud, outage)", "breach_caused_by(outage, attack)", "criterion_met(attack, insurmountable)",
          "criterion_met(attack, unavoidable)", "criterion_met(attack, significant_impact)"]
UNFORESEEABLE = "criterion_met(attack, unforeseeable)"


def truth_table(n: int, fn) -> list[bool]:
    return [fn(*[(w >> i) & 1 == 1 for i in range(n)]) for w in range(1 << n)]


def conditions(found: list[Condition]) -> list[list[tuple[str, bool]]]:
    return [list(c.literals) for c in found]


# --- the deciding conditions ----------------------------------------------------------------

def test_one_fact_decides_both_ways():
    truth = truth_table(1, lambda a: a)
    assert conditions(minimal_conditions(["a"], truth, True)) == [[("a", True)]]
    assert conditions(minimal_conditions(["a"], truth, False)) == [[("a", False)]]


def test_a_conjunction_fails_on_either_missing_fact():
    truth = truth_table(2, lambda a, b: a and not b)
    assert conditions(minimal_conditions(["a", "b"], truth, True)) == [[("a", True), ("b", False)]]
    assert conditions(minimal_conditions(["a", "b"], truth, False)) == [[("a", False)], [("b", True)]]


def test_a_fact_that_decides_nothing_is_never_named():
    truth = truth_table(3, lambda a, b, c: a or c)
    assert conditions(minimal_conditions(["a", "b", "c"], truth, True)) == [[("a", True)], [("c", True)]]
    assert conditions(minimal_conditions(["a", "b", "c"], truth, False)) == [[("a", False), ("c", False)]]


def test_exclusive_or_needs_both_facts_in_every_condition():
    truth = truth_table(2, lambda a, b: a != b)
    assert conditions(minimal_conditions(["a", "b"], truth, True)) == [
        [("a", False), ("b", True)], [("a", True), ("b", False)]]


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_every_condition_found_decides_and_is_minimal(n):
    names = [f"f{i}" for i in range(n)]
    for bits in range(1 << (1 << n)) if n <= 3 else [0b1011_0110_0101_1100]:
        truth = [(bits >> w) & 1 == 1 for w in range(1 << n)]
        for want in (True, False):
            found = minimal_conditions(names, truth, want)
            for cond in found:
                fixed = {names.index(f): on for f, on in cond.literals}
                worlds = [w for w in range(1 << n) if all(((w >> i) & 1 == 1) == on for i, on in fixed.items())]
                assert all(truth[w] == want for w in worlds)
                for drop in fixed:  # no literal can be left out
                    rest = {i: on for i, on in fixed.items() if i != drop}
                    more = [w for w in range(1 << n) if all(((w >> i) & 1 == 1) == on for i, on in rest.items())]
                    assert not all(truth[w] == want for w in more)
            covered = {w for w in range(1 << n) for c in found
                       if all(((w >> names.index(f)) & 1 == 1) == on for f, on in c.literals)}
            assert covered == {w for w in range(1 << n) if truth[w] == want}


# --- answers over the agreement ---------------------------------------------------------------

def test_an_unknown_quality_leaves_liability_open(agreement):
    result = agreement.evaluate(agreement.scenario(ATTACK, unknown=[UNFORESEEABLE]))
    answer = result.answer("liable(jd_cloud, outage)")
    assert answer.value == "open"
    assert [str(c) for c in answer.holds_if] == ["it is not established that the event attack is found to be unforeseeable"]
    assert [str(c) for c in answer.fails_if] == ["it is established that the event attack is found to be unforeseeable"]
    assert [c.to_text(atoms=True) for c in answer.holds_if] == [f"{UNFORESEEABLE} is not established"]
    assert [c.to_text(atoms=True) for c in answer.fails_if] == [f"{UNFORESEEABLE} is established"]
    assert answer.to_text() == (
        "Open: whether JD Cloud is liable for the failure outage depends on the facts in question.\n"
        "  holds if it is not established that the event attack is found to be unforeseeable\n"
        "  does not hold if it is established that the event attack is found to be unforeseeable")
    assert answer.to_json()["fails_if"] == [[{"fact": UNFORESEEABLE, "sentence": "the event attack is found to be unforeseeable",
                                              "established": True}]]
    assert answer.decided_by() == [UNFORESEEABLE]
    assert not result.holds("liable(jd_cloud, outage)")
    assert "liable(jd_cloud, outage)" not in [c.text for c in result.conclusions]
    assert "liable(jd_cloud, outage)" in [r.text for r in result.open_conclusions]


def test_stating_or_denying_the_fact_closes_the_question(agreement):
    stated = agreement.evaluate(ATTACK + [UNFORESEEABLE])
    denied = agreement.evaluate(agreement.scenario(ATTACK, denied=[UNFORESEEABLE]))
    assert stated.answer("liable(jd_cloud, outage)").value == "no"
    assert denied.answer("liable(jd_cloud, outage)").value == "yes"


def test_a_fact_in_question_the_question_does_not_depend_on_is_left_out(agreement):
    result = agreement.evaluate(agreement.scenario(ATTACK, unknown=[UNFORESEEABLE, "user_consented_to_disclosure(d1)"]))
    answer = result.answer("breach(jd_cloud, B)")
    assert (answer.value, answer.in_question) == ("yes", [])
    assert result.answer("liable(jd_cloud, outage)").in_question == [UNFORESEEABLE]


def test_a_certain_conclusion_is_explained_with_a_note(agreement):
    result = agreement.evaluate(agreement.scenario(ATTACK, unknown=["user_consented_to_disclosure(d1)"]))
    explanation = result.explain("breach(jd_cloud, outage)")
    assert explanation.to_text() == (
        "JD Cloud failed to perform an obligation of the Service Terms (the failure outage).  (stated in the scenario) "
        "It holds whatever the 1 fact in question turn out to be.")
    assert explanation.to_text(atoms=True) == (
        "breach(jd_cloud, outage).  (stated in the scenario) It holds whatever the 1 fact in question turn out to be.")


def test_an_open_conclusion_is_explained_case_by_case(agreement):
    result = agreement.evaluate(agreement.scenario(ATTACK, unknown=[UNFORESEEABLE]))
    explanation = result.explain("exempt_from_liability(jd_cloud, outage)")
    text = explanation.to_text()
    assert text.splitlines()[:2] == [
        "JD Cloud is exempt from liability for the failure outage: open. It holds in some cases of the facts in "
        "question and not in others.",
        "If it is established that the event attack is found to be unforeseeable, it holds:"]
    assert "          - the event attack is found to be unforeseeable  (in question, established in this case)" in text.splitlines()
    assert "If it is not established that the event attack is found to be unforeseeable, it does not hold:" in text
    assert "- fails: the event attack is found to be unforeseeable: in question, not established in this case" in text
    atoms = explanation.to_text(atoms=True)
    assert f"If {UNFORESEEABLE} is established, it holds:" in atoms
    assert f"- fails: {UNFORESEEABLE} is in question, not established in this case" in atoms
    assert explanation.clause_ids() == ["8.1", "9.1", "9.2"]


def test_a_denied_fact_is_named_in_the_why_not(agreement):
    result = agreement.evaluate(agreement.scenario(ATTACK, denied=[UNFORESEEABLE]))
    text = result.why_not("force_majeure(attack)").to_text()
    assert "    - fails: the event attack is found to be unforeseeable: denied in the scenario" in text.splitlines()
    assert ("    - fails: a distributed denial-of-service (DDoS) attack is among some category that 9.2 lists: "
            "does not hold") in text.splitlines()
    assert "fails: criterion_met(attack, unforeseeable) is denied in the scenario" in result.why_not(
        "force_majeure(attack)").to_text(atoms=True)


def test_the_flip_search_never_proposes_a_denied_fact(agreement):
    scenario = agreement.scenario(ATTACK, denied=[UNFORESEEABLE])
    changes, _ = candidate_changes(agreement, scenario, "exempt_from_liability(jd_cloud, outage)")
    assert [str(c) for c in changes if str(c).endswith(UNFORESEEABLE)] == []
    plain, _ = candidate_changes(agreement, agreement.scenario(ATTACK), "exempt_from_liability(jd_cloud, outage)")
    assert f"change criterion_met(attack, unavoidable) to {UNFORESEEABLE}" in [str(c) for c in plain]


def test_establishing_a_fact_in_question_by_a_what_if(agreement):
    scenario = agreement.scenario(ATTACK, unknown=[UNFORESEEABLE])
    varied = agreement.vary(scenario, add=[UNFORESEEABLE])
    assert varied.unknown == () and agreement.evaluate(varied).answer("liable(jd_cloud, outage)").value == "no"
    with pytest.raises(ScenarioError) as info:
        agreement.vary(agreement.scenario(ATTACK, denied=[UNFORESEEABLE]), add=[UNFORESEEABLE])
    assert str(info.value) == f"<add>: scenario error: cannot add {UNFORESEEABLE}: the scenario denies it"


def test_up_to_eight_facts_in_question_and_a_clear_error_beyond(agreement):
    facts = [f for f in ATTACK if not f.startswith("criterion_met")]  # the qualities are in question
    kinds = ["unforeseeable", "insurmountable", "unavoidable", "significant_impact"]
    unknown = [f"criterion_met(attack, {k})" for k in kinds]
    unknown += ["interruption_short(outage)", "interruption_not_necessary(outage)",
                "defect_unavoidable_at_industry_level(attack)", "breach_type(outage, slow_access)"]
    answer = agreement.evaluate(agreement.scenario(facts, unknown=unknown)).answer("liable(jd_cloud, outage)")
    assert answer.value == "open" and len(answer.in_question) == 8
    with pytest.raises(ScenarioError) as info:
        agreement.evaluate(agreement.scenario(facts, unknown=unknown + ["event(attack2, ddos_attack)"])).answer(
            "liable(jd_cloud, outage)")
    assert str(info.value) == (
        "scenario error: 9 facts in question bear on liable(jd_cloud, outage): at most 8 can be evaluated in every "
        "combination (2^8 cases); state or deny some of them, or ask a narrower question")


# --- scenario files ---------------------------------------------------------------------------

def load(agreement, tmp_path, text: str):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return agreement.load_scenario(path)


def test_a_fact_both_stated_and_denied_is_an_error(agreement, tmp_path):
    with pytest.raises(ScenarioError) as info:
        load(agreement, tmp_path, "scenario: s\nfacts:\n  - breach(jd_cloud, outage)\ndenied:\n  - breach(jd_cloud, _)\n")
    assert str(info.value).endswith("s.yaml:5: scenario error: breach(jd_cloud, outage) is both stated (line 3) and "
                                    "denied (line 5)")


def test_a_fact_both_stated_and_in_question_is_an_error(agreement, tmp_path):
    with pytest.raises(ScenarioError) as info:
        load(agreement, tmp_path, "scenario: s\nfacts:\n  - breach(jd_cloud, outage)\nunknown:\n"
                                  "  - breach(jd_cloud, outage)\n")
    assert str(info.value).endswith("s.yaml:5: scenario error: breach(jd_cloud, outage) is both stated (line 3) "
                                    "and in question (line 5)")


def test_a_denied_fact_with_a_named_variable_is_an_error(agreement, tmp_path):
    with pytest.raises(ScenarioError) as info:
        load(agreement, tmp_path, "scenario: s\nfacts: []\ndenied:\n  - breach(jd_cloud, B)\n")
    assert str(info.value).endswith("s.yaml:4: scenario error: a denied fact may use '_' for \"any value\", not a "
                                    "named variable (B)")


def test_open_expectations_pass_and_fail_with_a_message(agreement, tmp_path):
    body = "scenario: s\nfacts:\n" + "".join(f"  - {f}\n" for f in ATTACK) + f"unknown:\n  - {UNFORESEEABLE}\n"
    scenario = load(agreement, tmp_path, body + (
        "expect:\n"
        "  - open: liable(jd_cloud, outage)\n"
        f"    decided_by: [\"{UNFORESEEABLE}\"]\n"
        "  - open: exempt_from_liability(jd_cloud, outage)\n"
        f"    holds_if: [[\"{UNFORESEEABLE}\"]]\n"
        "  - holds: breach(jd_cloud, outage)\n"
        "  - holds: liable(jd_cloud, outage)\n"
        "  - does_not_hold: force_majeure(attack)\n"
        "  - open: breach(jd_cloud, outage)\n"
        "  - open: liable(jd_cloud, outage)\n"
        f"    holds_if: [[\"{UNFORESEEABLE}\"]]\n"))
    report = run_scenario(agreement, scenario)
    assert [o.message for o in report.outcomes] == [
        "", "", "",
        f"expected liable(jd_cloud, outage) to hold, but it is open: it does not hold if {UNFORESEEABLE} is "
        f"established",
        f"expected force_majeure(attack) not to hold, but it is open: it holds if {UNFORESEEABLE} is established",
        "expected breach(jd_cloud, outage) to be open, but it holds in every case: breach(jd_cloud, outage)",
        f"liable(jd_cloud, outage) is open and holds if {UNFORESEEABLE} is not established; expected holds if "
        f"{UNFORESEEABLE} is established",
    ]


def test_the_scenario_writes_back_its_denied_facts_and_facts_in_question(agreement):
    from kb.scenario import load_scenario, scenario_to_yaml

    scenario = agreement.scenario(ATTACK, denied=["criterion_not_met(attack, _)"], unknown=[UNFORESEEABLE])
    text = scenario_to_yaml(scenario, agreement.vocabulary)
    assert text.endswith(f'denied:\n  - "criterion_not_met(attack, _)"\nunknown:\n  - "{UNFORESEEABLE}"\n')
    again = load_scenario(text, agreement.vocabulary)
    assert again.unknown_keys() == scenario.unknown_keys()
    assert again.denial_of(("criterion_not_met", ("attack", "unforeseeable"))) is not None


def test_a_conclusion_with_a_date_is_explained_when_facts_are_in_question(agreement):
    result = agreement.evaluate(agreement.scenario(["jd_cloud_terminated(t1, 2026-03-10)"],
                                                   unknown=["termination_announced_or_notified(t1)"]))
    dated = next(c for c in result.conclusions if c.pred == "terms_terminated_early")
    assert dated.text == "terms_terminated_early(t1, 2026-03-10)"
    explanation = result.explain(dated)
    assert explanation.holds and explanation.to_text().startswith(
        "The Service Terms were terminated in advance on 10 March 2026 (the termination t1). It holds whatever the 1 "
        "fact in question turn out to be.")
    assert explanation.to_text(atoms=True).startswith("terms_terminated_early(t1, 2026-03-10). It holds")
