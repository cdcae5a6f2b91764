"""The consistency sweep by clingo (kb/sweep.py): 16 facts, 65,536 combinations, in one solve.

The search asks the solver for a combination that breaks an invariant (the declared constraints and
the sweep's refund check) with the fewest toggles on: on the built-in agreement it proves that none
exists; in a small knowledge base with a planted contradiction it finds the minimal witness, and the
enumeration finds exactly the combinations that break each invariant. The pyDatalog sweep of
tests/test_sweep.py is the differential reference: on the combinations both run, the full models
and the invariants broken are the same (a sample here; all 4,096 with KB_SWEEP_FULL=1 and in
``benchmarks/run.py --only sweep``).
"""
from __future__ import annotations

import itertools
import os
import random

import pytest

from conftest import write_kb

import kb
from kb.sweep import (SWEEP_12, SWEEP_16, SWEEP_CHECKS, ClingoSweep, ExactlyOne, Sweep, compare, pydatalog_check,
                      pydatalog_sweep)


@pytest.fixture(scope="module")
def sweep16(agreement):
    return ClingoSweep(agreement, SWEEP_16)


def test_the_16_fact_sweep_extends_the_12_fact_reference_sweep():
    assert SWEEP_16.base == SWEEP_12.base
    assert list(SWEEP_16.toggles.items())[:12] == list(SWEEP_12.toggles.items())
    assert len(SWEEP_16.toggles) == 16 and SWEEP_16.size == 65_536
    assert SWEEP_16.combinations(12)[:4096] == [c + (False,) * 4 for c in itertools.product((False, True), repeat=12)]


def test_the_four_new_facts_interact_with_the_others(agreement):
    names = list(SWEEP_16.toggles)

    def evaluate(*on):
        return agreement.evaluate(SWEEP_16.facts(tuple(name in on for name in names)))

    quake = ("earthquake", "jd_cloud_suffers_it", "performance_impossible", "outage", "outage_caused_by_quake")
    assert evaluate(*quake).holds("exempt_from_liability(jd_cloud, outage)")
    avoidable = evaluate(*quake, "quake_avoidable", "damages_claimed")  # 9.2: not force majeure; 8.4
    assert avoidable.holds("liable(jd_cloud, outage)")
    assert avoidable.ask("recoverable_amount(outage, A)") == [{"A": "800.00"}]
    assert evaluate(*quake, "damages_claimed").ask("recoverable_amount(outage, A)") == []
    assert evaluate("user_does_not_pay").ask("refund_outcome(t1, R)") == [{"R": "no_refund"}]
    assert evaluate("user_does_not_pay", "nonpayment_found_not_severe").ask("refund_outcome(t1, R)") == [
        {"R": "none_specified"}]
    assert evaluate().holds("disclosure_forbidden(d1)")
    assert evaluate("data_public").ask("disclosure_permitted(d1, G)") == [{"G": "public_domain"}]


def test_no_combination_of_the_16_facts_breaks_an_invariant(sweep16, agreement):
    found = sweep16.search()
    assert found.proved and found.witness is None and found.combinations == 65_536
    names = {i.name for i in sweep16.invariants}
    # the sweep's own checks of tests/test_sweep.py are declared constraints or sweep checks
    assert {"liable_and_exempt", "disclosure_permitted_and_forbidden", "permitted_and_forbidden",
            "one_refund_outcome_per_termination"} <= names
    assert len(sweep16.invariants) == len(agreement.constraints) + len(SWEEP_CHECKS)
    assert found.seconds < 30


def test_the_enumeration_reads_every_one_of_the_65536_combinations(sweep16):
    result = sweep16.enumerate()
    assert result.combinations == 65_536 and result.broken == {}
    assert result.seconds < 60


def test_a_planted_check_gets_a_minimal_witness_that_pydatalog_confirms(agreement):
    # planted: "every breach of JD Cloud is exempt from liability" (false without force majeure)
    planted = ExactlyOne("every_breach_exempt", "Every breach by JD Cloud is exempt.",
                         "exempt_from_liability(P, B)", "B", "P", ("breach(jd_cloud, B)",))
    found = ClingoSweep(agreement, SWEEP_16, SWEEP_CHECKS + (planted,)).search()
    assert not found.proved and found.toggles_on == ["outage"]
    assert [str(v) for v in found.violations] == ["every_breach_exempt('outage',)"]
    witness = agreement.evaluate(SWEEP_16.facts(found.witness))
    assert witness.holds("breach(jd_cloud, outage)") and not witness.holds("exempt_from_liability(P, outage)")
    assert [p.split(":")[0] for p in pydatalog_check(agreement, witness, SWEEP_CHECKS + (planted,))] == [
        "every_breach_exempt"]


def test_clingo_and_pydatalog_agree_on_a_sample_of_the_combinations(sweep16, agreement):
    # the first 6 facts (64 combinations) with the others off, and 24 combinations of all 16
    first = SWEEP_16.combinations(6)
    assert compare(sweep16.models(6), pydatalog_sweep(agreement, SWEEP_16, first)) == []
    rng = random.Random(13)
    sample = [tuple(rng.random() < 0.5 for _ in range(16)) for _ in range(24)]
    assert compare(sweep16.models(combinations=sample), pydatalog_sweep(agreement, SWEEP_16, sample)) == []


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("KB_SWEEP_FULL") != "1",
                    reason="minutes; KB_SWEEP_FULL=1 runs it, and `benchmarks/run.py --only sweep` prints the same comparison")
def test_clingo_and_pydatalog_agree_on_every_combination_of_the_reference_sweep(sweep16, agreement):
    shared = SWEEP_16.combinations(12)
    assert len(shared) == 4096
    assert compare(sweep16.models(12), pydatalog_sweep(agreement, SWEEP_16, shared))[:5] == []


# --- a planted contradiction in a small knowledge base ---------------------------------------

RULES = """
@rule reach_link
@cites 1.1
@gloss A link makes a node reachable.
@quote 1.1 "a path of links leads to it"
reach(X, Y) :- link(X, Y).

@rule flag_node
@cites 1.1
@gloss A node that reaches another is flagged.
@quote 1.1 "a path of links leads to it"
flagged(X) :- node(X), reach(X, _).

@rule isolated_node
@cites 1.2
@gloss A node that is not flagged is isolated.
@quote 1.2 "nothing is reachable from it"
isolated(X) :- node(X), not flagged(X).
"""

PLANTED = """
@rule red_is_isolated
@cites 1.2
@gloss Planted: a red node is isolated, whatever it reaches.
@quote 1.2 "A node is isolated"
isolated(X) :- paint(X, red).
"""

CONSTRAINTS = """
constraints:
  flagged_and_isolated:
    says: A node is never both flagged and isolated.
    clauses: ["1.2"]
    never_both: ["flagged(N)", "isolated(N)"]
  isolated_needs_node:
    says: Only a node is isolated.
    clauses: ["1.2"]
    requires: {if: "isolated(N)", then: "node(N)"}
  one_reached:
    says: A node reaches one other node.
    clauses: ["1.1"]
    unique: {of: "reach(X, Y)", value: Y}
"""

SMALL_SWEEP = Sweep(("node(a)",), {
    "link_ab": ("link(a, b)",), "link_ac": ("link(a, c)",), "a_red": ("paint(a, red)",),
    "b_red": ("paint(b, red)",), "node_b": ("node(b)",), "link_ba": ("link(b, a)",)})


def small_kb(tmp_path, planted: bool) -> kb.KnowledgeBase:
    rules = {"graph": RULES + (PLANTED if planted else "")}
    return kb.load_knowledge_base(write_kb(tmp_path / ("planted" if planted else "clean"), rules,
                                           constraints=CONSTRAINTS))


def expected_violations(on: set[str]) -> set[tuple]:
    """What the planted knowledge base breaks, worked out by hand."""
    out = set()
    flagged_a = "link_ab" in on or "link_ac" in on
    if flagged_a and "a_red" in on:
        out.add(("flagged_and_isolated", ("a",)))
    if "node_b" in on and "link_ba" in on and "b_red" in on:
        out.add(("flagged_and_isolated", ("b",)))
    if "b_red" in on and "node_b" not in on:
        out.add(("isolated_needs_node", ("b",)))
    if "link_ab" in on and "link_ac" in on:
        out.add(("one_reached", ("a", "b", "c")))
    return out


def test_the_search_finds_a_minimal_witness_of_a_planted_contradiction(tmp_path):
    planted = small_kb(tmp_path, planted=True)
    sweep = ClingoSweep(planted, SMALL_SWEEP, checks=())
    found = sweep.search()
    assert not found.proved and found.toggles_on == ["b_red"]  # one toggle: the smallest witness
    assert [(v.invariant, v.values) for v in found.violations] == [("isolated_needs_node", ("b",))]
    # the witness, loaded as a scenario, breaks the constraint in the default engine too
    witness = planted.evaluate(SMALL_SWEEP.facts(found.witness))
    assert [v.constraint.name for v in kb.constraints.violations(witness)] == ["isolated_needs_node"]


def test_the_enumeration_finds_exactly_the_combinations_that_break_each_invariant(tmp_path):
    planted = small_kb(tmp_path, planted=True)
    sweep = ClingoSweep(planted, SMALL_SWEEP, checks=())
    result = sweep.enumerate()
    assert result.combinations == 64
    for combination in SMALL_SWEEP.combinations():
        got = {(v.invariant, v.values) for v in result.broken.get(combination, [])}
        assert got == expected_violations(set(SMALL_SWEEP.on(combination))), SMALL_SWEEP.on(combination)
    assert len(result.broken) == sum(1 for c in SMALL_SWEEP.combinations() if expected_violations(set(SMALL_SWEEP.on(c))))
    # both engines agree on every combination: full models and the invariants broken
    reference = pydatalog_sweep(planted, SMALL_SWEEP, SMALL_SWEEP.combinations(), checks=())
    assert compare(sweep.models(6), reference) == []


def test_without_the_planted_rule_the_contradiction_is_gone(tmp_path):
    clean = small_kb(tmp_path, planted=False)
    sweep = ClingoSweep(clean, SMALL_SWEEP, checks=())
    found = sweep.search()
    assert found.toggles_on == ["link_ab", "link_ac"]  # only the unique reach is left to break
    broken = sweep.enumerate().broken
    assert {v.invariant for vs in broken.values() for v in vs} == {"one_reached"} and len(broken) == 16
