"""``python -m kb audit``: a planted contradiction, gap and dead rule are found, each with a
witness that shows the finding with the default engine; the command's exit codes."""
from __future__ import annotations

import json

import pytest

from kb.audit import check_finding, run_audit
from kb.cli import main

from conftest import write_kb

VOCABULARY = """
areas:
  graph: Graph
types:
  party:
    kind: enum
    doc: A party.
    values:
      user: the user
  conduct:
    kind: enum
    doc: Something a party may do.
    exhaustive: [sell]
    values:
      sell: sell the node
      paint: paint the node
inputs:
  node:
    args: {n: id}
    doc: A node.
    area: graph
  link:
    args: {from: id, to: id}
    doc: A link.
    area: graph
  due:
    args: {d: date}
    doc: A due date.
    area: graph
  paid:
    args: {d: date}
    doc: A payment date.
    area: graph
  sale_agreed:
    doc: The sale was agreed.
    area: graph
conclusions:
  reach:
    args: {from: id, to: id}
    doc: Reachable.
    area: graph
  orphan:
    args: {n: id}
    doc: A node linked to one it cannot reach.
    area: graph
  on_time:
    args: {d: date}
    doc: Paid on time.
    area: graph
  late:
    args: {d: date}
    doc: Paid late.
    area: graph
  permitted:
    args: {party: party, conduct: conduct}
    doc: The party may do this.
    area: graph
  forbidden:
    args: {party: party, conduct: conduct}
    doc: The party must not do this.
    area: graph
"""

RULES = {"graph": """
    @rule reach_link
    @cites 1.1
    @gloss A link makes a node reachable.
    @quote 1.1 "a path of links leads to it"
    reach(X, Y) :- link(X, Y).
    @rule orphan_node
    @cites 1.2
    @gloss A node linked to a node it cannot reach (never: a link makes it reachable).
    @quote 1.2 "nothing is reachable from it"
    orphan(X) :- node(X), link(X, Y), not reach(X, Y).
    @rule paid_on_time
    @cites 2.1
    @gloss A payment by the due date is on time.
    @quote 2.1 "The fee is due"
    on_time(D) :- due(D), paid(P), P <= D.
    @rule paid_late
    @cites 2.1
    @gloss A payment after the due date is late.
    @quote 2.1 "The fee is due"
    late(D) :- due(D), paid(P), P > D.
    @rule sale_permitted
    @cites 1.1
    @gloss An agreed sale is permitted.
    @quote 1.1 "a path of links leads to it"
    permitted(user, sell) :- sale_agreed.
    """}

CONSTRAINTS = """constraints:
  on_time_and_late:
    says: A fee is paid on time or late, not both.
    clauses: ["2.1"]
    never_both: ["on_time(D)", "late(D)"]
"""


@pytest.fixture
def planted(tmp_path):
    import kb

    root = write_kb(tmp_path / "planted", RULES, vocabulary=VOCABULARY, constraints=CONSTRAINTS)
    return kb.load_knowledge_base(root), root


def test_audit_finds_the_planted_contradiction_gap_and_dead_rule(planted, tmp_path):
    knowledge_base, _ = planted
    report = run_audit(knowledge_base)
    found = {(f.kind, f.name): f for f in report.findings}
    contradiction = found[("contradiction", "on_time_and_late")]
    assert contradiction.witness == ["due(2026-03-01)", "paid(2026-03-01)", "paid(2026-03-02)"]
    gap = found[("gap", "conduct: sell")]
    assert gap.witness == []  # nothing permits or forbids selling unless a sale is agreed
    assert ("dead_rule", "orphan_node") in found
    assert [f.name for f in report.of("dead_rule")] == ["orphan_node"]
    assert ("gap", "conduct: paint") not in found  # only the conduct declared exhaustive
    # each witness loads as a scenario and shows its finding with the default engine
    for f in (contradiction, gap):
        assert f.checked is True
        assert check_finding(knowledge_base, f)
    paths = report.write_witnesses(tmp_path / "witnesses", knowledge_base)
    assert len(paths) == 2
    for f in (contradiction, gap):
        scenario = knowledge_base.load_scenario(f.witness_file)
        facts = sorted(knowledge_base.vocabulary.render(*fact.key) for fact in scenario.facts)
        assert facts == f.witness
    assert report.counts()["unread_input"] == 0
    text = report.to_text(timing=False)
    assert "on_time_and_late" in text and "orphan_node" in text
    assert "<table>" in report._repr_html_()


def test_audit_command_exit_codes(planted, capsys):
    _, root = planted
    assert main(["--kb", str(root), "audit", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["counts"]["contradiction"] == 1 and out["counts"]["gap"] == 1 and out["counts"]["dead_rule"] == 1
    assert main(["--kb", str(root), "audit", "--scope", "nine"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--scope" in err
    assert main(["--kb", str(root), "audit", "--scope", "9"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["--kb", str(root / "missing"), "audit"]) == 2


def test_exhaustive_marker_is_checked(tmp_path):
    import kb
    from kb.errors import KbError

    root = write_kb(tmp_path / "bad", RULES, vocabulary=VOCABULARY.replace("exhaustive: [sell]", "exhaustive: [sel]"))
    with pytest.raises(KbError, match="'sel' is listed as exhaustive but is not a value of 'conduct'"):
        kb.load_knowledge_base(root)


SENSITIVE_VOCABULARY = VOCABULARY.replace(
    "conclusions:", "interpretations:\n  strict_sale:\n    clauses: ['1.1']\n    question: Is a sale forbidden?\n"
                    "    default: No.\n    alternative: Yes.\nconclusions:")
SENSITIVE_RULES = {"graph": RULES["graph"] + """
    @rule sale_forbidden_strict
    @cites 1.1
    @gloss Under the strict reading a sale is forbidden.
    @quote 1.1 "a path of links leads to it"
    forbidden(user, sell) :- interpretation(strict_sale).
    """}


def test_interpretation_sensitivity_has_a_witness(tmp_path):
    import kb

    knowledge_base = kb.load_knowledge_base(write_kb(tmp_path / "sens", SENSITIVE_RULES,
                                                     vocabulary=SENSITIVE_VOCABULARY))
    report = run_audit(knowledge_base, sensitivity=True)
    assert [(f.name, f.witness, f.checked) for f in report.of("interpretation")] == [
        ("strict_sale: forbidden", [], True)]
