"""Conclusions that cannot both be true: declared in constraints.yaml, checked on every shipped
scenario (kb test), in kb check, in the sweep; facts that contradict each other are refused when
a scenario loads."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import kb
from conftest import REACH_FLAG_PAID_RULES, write_kb
from kb.constraints import violations
from kb.testing import run_scenario

ROOT = Path(__file__).resolve().parents[1]

CONSTRAINTS = """
constraints:
  flagged_nodes_are_isolated:
    says: A flagged node is never isolated.
    clauses: ["1.2"]
    never_both: ["flagged(N)", "isolated(N)"]
  flags_need_reach:
    says: A node is flagged only if it reaches some node.
    clauses: ["1.1"]
    requires: {if: "flagged(N)", then: "reach(N, M)"}
  one_colour:
    says: A node is painted one colour.
    clauses: ["1.1"]
    unique: {of: "paint(N, C)", value: C}
  one_due_date_on_time:
    says: One payment is on time.
    clauses: ["2.1"]
    unique: {of: "on_time(D)", value: D}
"""

ISOLATED_TOO = REACH_FLAG_PAID_RULES["graph"] + """
    @rule isolated_node
    @cites 1.2
    @gloss A node with a link is (wrongly) called isolated.
    @quote 1.2 "A node is isolated"
    isolated(X) :- node(X), link(X, _).
    """


def build(root: Path, rules: str, constraints: str = CONSTRAINTS) -> kb.KnowledgeBase:
    return kb.load_knowledge_base(write_kb(root, {"graph": textwrap.dedent(rules)}, constraints=constraints))


def test_two_conclusions_that_cannot_both_hold_are_named_with_their_derivations(tmp_path):
    small = build(tmp_path / "a", ISOLATED_TOO)
    result = small.evaluate(["node(a)", "link(a, b)"])
    assert [str(v) for v in violations(result)] == [
        "constraint flagged_nodes_are_isolated [1.2] violated: flagged(a) (by rule flag_node [1.2]) and isolated(a) "
        "(by rule isolated_node [1.2]) both hold: A flagged node is never isolated."]
    report = run_scenario(small, result.scenario)
    assert not report.ok and report.violations == [str(violations(result)[0])]


def test_a_consistent_knowledge_base_has_no_violation(tmp_path):
    small = build(tmp_path / "a", REACH_FLAG_PAID_RULES["graph"])
    result = small.evaluate(["node(a)", "link(a, b)", "due(2026-03-10)", "paid(2026-03-09)"])
    assert violations(result) == []
    # two payments before two due dates: on_time holds for both due dates, so it has two values
    two = small.evaluate(["due(2026-03-10)", "due(2026-03-11)", "paid(2026-03-09)"])
    assert [v.constraint.name for v in violations(two)] == ["one_due_date_on_time"]
    assert str(violations(two)[0]).startswith(
        "constraint one_due_date_on_time [2.1] violated: on_time(2026-03-10) (by rule paid_on_time [2.1]) and "
        "on_time(2026-03-11) (by rule paid_on_time [2.1]) both hold")


def test_contradicting_facts_are_refused_when_the_scenario_loads(tmp_path):
    small = build(tmp_path / "a", REACH_FLAG_PAID_RULES["graph"])
    path = tmp_path / "s.yaml"
    path.write_text("scenario: two colours\nfacts:\n  - node(a)\n  - paint(a, red)\n  - paint(a, blue)\n",
                    encoding="utf-8")
    with pytest.raises(kb.KbError) as info:
        small.load_scenario(path)
    assert str(info.value).endswith(
        "s.yaml:5: scenario error: paint(a, blue) (line 5) and paint(a, red) (line 4) cannot both be stated: "
        "A node is painted one colour. (constraint one_colour)")
    with pytest.raises(kb.KbError):
        small.scenario(["paint(a, red)", "paint(a, blue)"])


def test_a_requires_constraint_reports_what_is_missing(tmp_path):
    rules = REACH_FLAG_PAID_RULES["graph"].replace("flagged(X) :- node(X), reach(X, _).", "flagged(X) :- node(X).")
    small = build(tmp_path / "a", rules)
    found = [str(v) for v in violations(small.evaluate(["node(a)"]))]
    assert found == ["constraint flags_need_reach [1.1] violated: flagged(a) holds (by rule flag_node [1.2]) but "
                     "reach(a, M) does not: A node is flagged only if it reaches some node."]


@pytest.mark.parametrize("bad, message", [
    ('never_both: ["flagged(N)", "isolatd(N)"]',
     "constraint error: 'isolatd' is not in the vocabulary (did you mean 'isolated'?)"),
    ('never_both: ["flagged(N)", "isolated(N)"]\n    clauses: ["9.9"]', "duplicate key 'clauses'"),
    ('unique: {of: "paint(N, C)", value: X}', "'X' is not a variable of paint(N, C)"),
    ('never_both: ["flagged(N)"]', "never_both lists exactly two conclusions"),
])
def test_a_broken_constraint_is_a_load_error_with_file_and_line(tmp_path, bad, message):
    text = f"""
constraints:
  broken:
    says: Something.
    clauses: ["1.2"]
    {bad}
"""
    with pytest.raises(kb.KbError) as info:
        build(tmp_path / "a", REACH_FLAG_PAID_RULES["graph"], text)
    assert "constraints.yaml:" in str(info.value) and message in str(info.value)


def test_the_built_in_agreement_declares_constraints_and_no_shipped_scenario_violates_them(agreement):
    names = {c.name for c in agreement.constraints}
    assert {"liable_and_exempt", "liable_and_user_bears_failure", "reduced_liability_needs_liability",
            "permitted_and_forbidden", "obliged_and_forbidden", "disclosure_permitted_and_forbidden",
            "one_refund_outcome", "one_agreed_court"} <= names
    proc = subprocess.run([sys.executable, "-m", "kb", "check"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0
    line = next(line for line in proc.stdout.splitlines() if line.startswith("constraints ("))
    assert line.endswith("0 violations over " + str(len(agreement.scenario_files())) + " shipped scenarios")


def test_a_user_cause_with_jd_clouds_own_cause_is_not_the_users_failure(agreement):
    # issue 11: liable(jd_cloud, B) was stated together with user_bears_failure(B, ...)
    result = agreement.evaluate(["event(ua, user_act)", "event(gen, equipment_failure)", "breach(jd_cloud, o)",
                                 "breach_caused_by(o, ua)", "breach_caused_by(o, gen)"])
    assert result.holds("liable(jd_cloud, o)") and result.holds("liability_reduced_for_user_contribution(o, user_reasons)")
    assert not result.holds("user_bears_failure(o, G)") and violations(result) == []


def test_two_termination_channels_for_one_termination_are_refused(agreement):
    with pytest.raises(kb.KbError) as info:
        agreement.scenario(["terminated_by_consensus(t1, 2026-03-01)", "jd_cloud_terminated(t1, 2026-03-02)"])
    assert "cannot both be stated: A termination is agreed by the parties (7.3.1) or imposed by JD Cloud" in \
        str(info.value)


@pytest.mark.parametrize("first, second, says", [
    ("user_closed_service(c1, 2026-03-01)", "user_closed_service(c1, 2026-03-08)", "The user closes a service once (7.1)."),
    ("vm_migration(m1, 2026-03-01)", "vm_migration(m1, 2026-03-08)", "A computer-room migration takes place on one day"),
    ("rights_transferred(t1, jd_cloud_affiliate)", "rights_transferred(t1, non_affiliate)",
     "A transfer goes to one kind of transferee"),
    ("payg_published_billing_amount(c1, 0.00)", "payg_published_billing_amount(c1, 200.00)",
     "The published pay-as-you-go billing gives one charge"),
    ("terminated_by_consensus(t1, 2026-03-01)", "terminated_by_consensus(t1, 2026-03-02)",
     "A termination agreed by the parties takes effect on one day"),
    # '_' in a unique pattern: any value, each side its own (another recipient does not make it another disclosure)
    ("information_disclosure(d1, jd_cloud, i1, administrative_authority)",
     "information_disclosure(d1, user, i1, other_state_agency)", "A named disclosure is made by one party"),
])
def test_one_input_stated_with_two_values_is_refused(agreement, first, second, says):
    """The audit's witnesses of contradictions that came from one input stated twice (issue 13)."""
    with pytest.raises(kb.KbError) as info:
        agreement.scenario([first, second])
    assert "cannot both be stated: " + says in str(info.value)
    agreement.scenario([first])  # one value alone is a scenario


def test_one_discloser_still_allows_one_disclosure_of_two_items(agreement):
    agreement.scenario(["information_disclosure(d1, jd_cloud, i1, administrative_authority)",
                        "information_disclosure(d1, jd_cloud, i2, other_state_agency)"])
