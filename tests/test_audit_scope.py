"""The audit's scope: rules dead with one name per id are searched again with two on their own
slice of the program; names the rules test for join the domain; the outcomes an agreement must
settle (``outcomes:`` in the constraints file) are gaps where they arise unsettled; interpretation
sensitivity per interpretation, by name."""
from __future__ import annotations

import pytest

from kb.audit import AuditError, Auditor, check_finding, cone, run_audit
from kb.constraints import ConstraintError

from conftest import write_kb
from test_audit import CONSTRAINTS, RULES, SENSITIVE_RULES, SENSITIVE_VOCABULARY, VOCABULARY

EXTRA_CONCLUSIONS = """conclusions:
  fork:
    args: {n: id}
    doc: A node linked to two different nodes.
    area: graph
  hub_linked:
    args: {n: id}
    doc: A node linked to the hub.
    area: graph
"""

FORK_RULE = """
    @rule fork_node
    @cites 1.1
    @gloss A node linked to two different nodes forks.
    @quote 1.1 "a path of links leads to it"
    fork(X) :- link(X, Y), link(X, Z), Y != Z.
    """
HUB_RULE = """
    @rule hub_link
    @cites 1.1
    @gloss A node linked to the hub.
    @quote 1.1 "a path of links leads to it"
    hub_linked(X) :- link(X, hub).
    """

OUTCOME = """
outcomes:
  due_fee_paid_on_time:
    says: A fee that falls due is paid on time.
    clauses: ["2.1"]
    when: ["due(D)"]
    then: "on_time(D)"
"""


def _kb(tmp_path, constraints=CONSTRAINTS, vocabulary=None, rules=None):
    import kb

    vocabulary = vocabulary or VOCABULARY.replace("conclusions:", EXTRA_CONCLUSIONS.rstrip()[len("conclusions:\n"):]
                                                  .join(["conclusions:\n", "\n"]), 1)
    root = write_kb(tmp_path / "kb", rules or {"graph": RULES["graph"] + FORK_RULE + HUB_RULE}, vocabulary=vocabulary,
                    constraints=constraints)
    return kb.load_knowledge_base(root)


def test_rule_needing_two_nodes_is_not_dead_it_fires_with_two_names(tmp_path):
    knowledge_base = _kb(tmp_path, rules={"graph": RULES["graph"] + FORK_RULE})
    report = run_audit(knowledge_base)
    assert [f.name for f in report.of("dead_rule")] == ["orphan_node"]  # dead at any scope
    assert report.scope["alive_only_with_more_names"] == ["fork_node"]
    assert report.scope["dead_rules_searched_with"] == 2
    assert report.of("dead_rule")[0].message.startswith("never fires in the scope, nor with 2 names per id (")


def test_names_the_rules_test_for_join_the_domain(tmp_path):
    knowledge_base = _kb(tmp_path)
    auditor = Auditor(knowledge_base)
    assert auditor.named == {"to": {"hub"}}
    assert ("link", ("x1", "hub")) in auditor.candidates()
    assert ("link", ("hub", "x1")) not in auditor.candidates()  # only the argument the rule tests
    report = run_audit(knowledge_base)
    assert "hub_link" not in [f.name for f in report.of("dead_rule")]


def test_slice_holds_a_rule_and_what_it_depends_on(tmp_path):
    knowledge_base = _kb(tmp_path)
    program = knowledge_base.program
    ids = {i: r.origin.id for i, r in enumerate(program.compiled)}
    orphan = {i for i, rid in ids.items() if rid == "orphan_node"}
    assert sorted({ids[i] for i in cone(program, orphan)}) == ["orphan_node", "reach_link"]


def test_outcome_declared_in_the_constraints_file_is_a_gap_where_unsettled(tmp_path):
    knowledge_base = _kb(tmp_path, constraints=CONSTRAINTS + OUTCOME)
    assert [o.name for o in knowledge_base.outcomes] == ["due_fee_paid_on_time"]
    report = run_audit(knowledge_base)
    gaps = {f.name: f for f in report.of("gap")}
    gap = gaps["due_fee_paid_on_time: 2026-03-01"]
    assert gap.witness == ["due(2026-03-01)"]
    assert gap.message == "not settled for 2026-03-01: A fee that falls due is paid on time."
    assert gap.clauses == ("2.1",)
    assert gap.checked is True and check_finding(knowledge_base, gap)


def test_outcome_is_settled_once_paid_on_time(tmp_path):
    knowledge_base = _kb(tmp_path, constraints=CONSTRAINTS + OUTCOME)
    outcome = knowledge_base.outcomes[0]
    unpaid = knowledge_base.evaluate(knowledge_base.scenario(["due(2026-03-01)"])).model
    paid = knowledge_base.evaluate(knowledge_base.scenario(["due(2026-03-01)", "paid(2026-03-01)"])).model
    assert outcome.unsettled(unpaid, knowledge_base) == ["2026-03-01"]
    assert outcome.unsettled(paid, knowledge_base) == []


@pytest.mark.parametrize("body, message", [
    ('    says: x\n    clauses: ["2.1"]\n    when: ["due(D)"]\n', "'then'"),
    ('    says: x\n    clauses: ["2.1"]\n    when: []\n    then: "on_time(D)"\n', "'when' lists at least one pattern"),
    ('    says: x\n    clauses: ["9.9"]\n    when: ["due(D)"]\n    then: "on_time(D)"\n', "clause '9.9', which does not exist"),
    ('    says: x\n    clauses: ["2.1"]\n    when: ["du(D)"]\n    then: "on_time(D)"\n', "du"),
])
def test_bad_outcome_is_refused_with_its_line(tmp_path, body, message):
    with pytest.raises(ConstraintError) as info:
        _kb(tmp_path, constraints=CONSTRAINTS + "outcomes:\n  broken:\n" + body)
    assert message in str(info.value)
    assert info.value.file.endswith("constraints.yaml") and info.value.line is not None


def test_sensitivity_of_named_interpretations_and_an_unknown_name(tmp_path):
    knowledge_base = _kb(tmp_path, vocabulary=SENSITIVE_VOCABULARY, rules=SENSITIVE_RULES)
    report = run_audit(knowledge_base, sensitivity=["strict_sale"])
    assert [(f.name, f.witness, f.checked) for f in report.of("interpretation")] == [
        ("strict_sale: forbidden", [], True)]
    with pytest.raises(AuditError, match="unknown interpretation 'strict_sal' \\(did you mean 'strict_sale'\\?\\)"):
        run_audit(knowledge_base, sensitivity=["strict_sal"])
