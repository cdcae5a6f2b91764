"""Recursive rule sets always terminate (issue 13, section 3).

pyDatalog's own evaluation of a recursive component terminates or not depending on the order of
the body, and its compiled engine ignores signals. The engine evaluates recursive components with
the kit's own semi-naive fixpoint (kb.engine._Fixpoint), under a time budget that stops a
recursion deriving without end with an EngineError naming the component. Tests that could hang if
that regressed run in a child process killed by its id after a timeout.
"""
from __future__ import annotations

import itertools
import os
import sys
import time
from pathlib import Path

import pytest

from conftest import write_kb
from test_engine_semantics import VOCABULARY, closure, cycle, rules_text, run_bounded

import kb
from kb.clingo_engine import make_engine
from kb.engine import Engine
from kb.errors import EngineError

ROOT = Path(__file__).resolve().parents[1]

THREE_VOCABULARY = """
areas:
  graph: Graph
inputs:
  link:
    args: {from: id, to: id}
    doc: A link.
    area: graph
conclusions:
  p:
    args: {v: id, o: id}
    doc: P.
    area: graph
  m:
    args: {a: id, b: id}
    doc: M.
    area: graph
  r:
    args: {v: id, o: id}
    doc: R.
    area: graph
"""

# the reduction of the hmmer case of the conformance suite: kb check accepted it, kb ask never answered
THREE_RULES = ["p(V, O) :- r(V, O).", "m(A, B) :- p(A, B).", "r(V, O) :- m(O1, O), r(V, O1)."]
SEED = "r(V, O) :- link(V, O)."


def child_env(**extra) -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), **extra)


def test_three_rules_without_facts_answer_at_once(tmp_path):
    root = write_kb(tmp_path / "kb", {"graph": rules_text(*THREE_RULES)}, vocabulary=THREE_VOCABULARY)
    (tmp_path / "empty.yaml").write_text('scenario: "Nothing stated, 1.1"\nfacts: []\n', encoding="utf-8")
    done = run_bounded([sys.executable, "-m", "kb", "--kb", str(root), "ask", str(tmp_path / "empty.yaml"),
                        "--query", "r(X, Y)"], timeout=20, cwd=ROOT, env=child_env())
    assert done is not None, "kb ask did not answer in 20 s (the process was killed)"
    code, out, err = done
    assert (code, err) == (0, "")
    assert out.startswith("No")


GRAPHS = {
    "chain": [("a", "b"), ("b", "c"), ("c", "d")],
    "cycle3": cycle(3),
    "cycle5": cycle(5),
    "lollipop": cycle(3) + [("n2", "t1"), ("t1", "t2"), ("s", "n0")],
}


@pytest.mark.parametrize("graph", sorted(GRAPHS))
@pytest.mark.parametrize("body", list(itertools.permutations(["m(O1, O)", "r(V, O1)"])))
def test_three_rules_with_facts_give_the_closure(make_kb, graph, body):
    # both body orders: pyDatalog hung on the first, the fixpoint does not care
    rules = THREE_RULES[:2] + [f"r(V, O) :- {', '.join(body)}.", SEED]
    base = make_kb({"graph": rules_text(*rules)}, vocabulary=THREE_VOCABULARY)
    edges = GRAPHS[graph]
    model = base.engine.evaluate([("link", e) for e in edges])
    expected = closure(edges)
    assert model["r"] == model["p"] == model["m"] == expected
    if graph.startswith("cycle"):
        n = int(graph[len("cycle"):])
        assert len(expected) == n * n


@pytest.mark.parametrize("form", ["link(X, Z), r(Z, Y)", "r(X, Z), link(Z, Y)", "r(X, Z), r(Z, Y)"])
def test_long_chain(make_kb, form):
    rules = rules_text("r(X, Y) :- link(X, Y).", f"r(X, Y) :- {form}.")
    base = make_kb({"graph": rules}, vocabulary=THREE_VOCABULARY)
    n = 300 if "link" in form else 120  # the non-linear form joins n^3/6 triples
    edges = [(f"n{i:03}", f"n{i + 1:03}") for i in range(n)]
    started = time.perf_counter()
    model = base.engine.evaluate([("link", e) for e in edges])
    assert time.perf_counter() - started < 20
    assert len(model["r"]) == n * (n + 1) // 2
    assert model["r"] == {(f"n{i:03}", f"n{j:03}") for i in range(n + 1) for j in range(i + 1, n + 1)}


COUNTER = rules_text("succ(N, K) :- count(N, K).", "succ(N, K) :- succ(N, J), K = J + 1.")


def counter_kb(make_kb):
    return make_kb({"graph": COUNTER}, vocabulary=VOCABULARY)


def test_budget_stops_a_recursion_without_end(make_kb):
    base = counter_kb(make_kb)
    engine = base.engine
    engine.recursion_budget = 0.5
    started = time.perf_counter()
    with pytest.raises(EngineError) as caught:
        engine.evaluate([("count", ("a", 1))])
    assert time.perf_counter() - started < 5
    message = str(caught.value)
    assert "succ" in message and "--backend clingo" in message and "time budget" in message
    assert "\n" not in message
    # the scenario's facts were retracted: the next evaluation is unaffected
    model = engine.evaluate([("link", ("a", "b"))])
    assert model["count"] == frozenset() and model["succ"] == frozenset()


def test_budget_is_configurable():
    assert Engine.RECURSION_BUDGET == 30.0
    program = kb.load_agreement().program
    assert Engine(program, recursion_budget=2.5).recursion_budget == 2.5


def test_budget_error_exits_2_with_one_line(tmp_path):
    root = write_kb(tmp_path / "kb", {"graph": COUNTER}, vocabulary=VOCABULARY)
    scenario = tmp_path / "count.yaml"
    scenario.write_text('scenario: "A counter, 1.1"\nfacts:\n  - count(a, 1)\n', encoding="utf-8")
    done = run_bounded([sys.executable, "-m", "kb", "--kb", str(root), "ask", str(scenario), "--query",
                        "succ(a, K)"], timeout=30, cwd=ROOT, env=child_env(KB_RECURSION_BUDGET="0.5"))
    assert done is not None, "the budget did not stop the evaluation"
    code, out, err = done
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "engine error: the recursive rules for succ" in err and "--backend clingo" in err


def test_the_agreement_has_recursive_components_evaluated_by_the_fixpoint(agreement):
    recursive = sorted(p for i in agreement.engine._fixpoints for p in agreement.engine._order[i])
    assert "violated" in recursive and "failure_traced_to" in recursive


RECURSIVE_PROGRAMS = {
    "three_rules": (THREE_VOCABULARY, THREE_RULES + [SEED]),
    "right": (VOCABULARY, ["reach(X, Y) :- link(X, Y).", "reach(X, Y) :- link(X, Z), reach(Z, Y).",
                           "unreachable(X, Y) :- node(X), node(Y), not reach(X, Y).",
                           "has_out(X) :- reach(X, _).", "isolated(X) :- node(X), not has_out(X)."]),
    "mutual": (VOCABULARY, ["odd_path(X, Y) :- link(X, Y).", "odd_path(X, Y) :- link(X, Z), even_path(Z, Y).",
                            "even_path(X, Y) :- link(X, Z), odd_path(Z, Y)."]),
    "same_generation": (VOCABULARY, ["sg(X, X) :- person(X).", "sg(X, Y) :- par(X, P), sg(P, Q), par(Y, Q)."]),
    "bounded_counter": (VOCABULARY, ["succ(N, K) :- count(N, K).",
                                     "succ(N, K) :- succ(N, J), K = J + 1, K <= 20."]),
}


def recursive_facts(name: str, edges) -> list[tuple]:
    nodes = sorted({x for e in edges for x in e} | {"z"})
    facts = [("link", e) for e in edges]
    if name != "three_rules":
        facts += [("node", (x,)) for x in nodes] + [("person", (x,)) for x in nodes] + [("par", e) for e in edges]
        facts += [("count", ("a", 3)), ("count", ("b", 19))]
    return facts


@pytest.mark.parametrize("graph", sorted(GRAPHS))
@pytest.mark.parametrize("name", sorted(RECURSIVE_PROGRAMS))
def test_both_backends_agree_on_recursive_programs(make_kb, name, graph):
    vocabulary, rules = RECURSIVE_PROGRAMS[name]
    base = make_kb({"graph": rules_text(*rules)}, vocabulary=vocabulary)
    facts = recursive_facts(name, GRAPHS[graph])
    clingo = make_engine(base.program, "clingo")
    try:
        expected = clingo.evaluate(facts)
    finally:
        clingo.close()
    got = base.engine.evaluate(facts)
    assert set(got) == set(expected)
    for pred in sorted(expected):
        assert got[pred] == expected[pred], pred
    assert any(got[pred] for pred in base.program.derived)
