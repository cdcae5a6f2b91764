"""Textbook Datalog through the kit's own rule language, with exact answer sets.

Recursive programs run in a separate process killed after a timeout: pyDatalog spins
forever on some recursive forms (right recursion on a cycle of 3+ nodes) and its
compiled engine ignores signals, so only killing a process by its id bounds a runaway
query. Non-recursive programs run in this process.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import write_kb

from kb.errors import KbError

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 20  # seconds before a recursive evaluation counts as hung

VOCABULARY = """
areas:
  graph: Graph
  fees: Fees
types:
  colour:
    kind: enum
    doc: A colour.
    values:
      red: red
      blue: blue
inputs:
  node:
    args: {n: id}
    doc: A node.
    area: graph
  link:
    args: {from: id, to: id}
    doc: A link.
    area: graph
  paint:
    args: {n: id, c: colour}
    doc: The node is painted.
    area: graph
  person:
    args: {x: id}
    doc: A person.
    area: graph
  par:
    args: {child: id, parent: id}
    doc: The parent of a child.
    area: graph
  count:
    args: {n: id, k: integer}
    doc: A counter of a node.
    area: graph
  emergency:
    doc: There is an emergency (no arguments).
    area: graph
  due:
    args: {d: date}
    doc: A due date.
    area: fees
  paid:
    args: {d: date}
    doc: A payment date.
    area: fees
conclusions:
  reach:
    args: {from: id, to: id}
    doc: Reachable.
    area: graph
  unreachable:
    args: {from: id, to: id}
    doc: Not reachable.
    area: graph
  has_out:
    args: {n: id}
    doc: Something is reachable from the node.
    area: graph
  isolated:
    args: {n: id}
    doc: Nothing is reachable from the node.
    area: graph
  odd_path:
    args: {from: id, to: id}
    doc: A path of odd length.
    area: graph
  even_path:
    args: {from: id, to: id}
    doc: A path of even length (at least 2).
    area: graph
  sg:
    args: {x: id, y: id}
    doc: Same generation.
    area: graph
  triangle:
    args: {a: id, b: id, c: id}
    doc: A directed triangle.
    area: graph
  sym:
    args: {a: id, b: id}
    doc: Linked both ways.
    area: graph
  self_loop:
    args: {n: id}
    doc: Linked to itself.
    area: graph
  unpainted:
    args: {n: id}
    doc: A node not painted red.
    area: graph
  flagged:
    args: {n: id}
    doc: Flagged.
    area: graph
  marked:
    args: {n: id, c: colour}
    doc: Marked with a colour.
    area: graph
  succ:
    args: {n: id, k: integer}
    doc: The counter plus one.
    area: graph
  pair:
    args: {n: id, a: integer, b: integer}
    doc: The counter minus one, and twice that.
    area: graph
  any_link:
    doc: Some link exists (no arguments).
    area: graph
  quiet:
    doc: No link exists (no arguments).
    area: graph
  alarm:
    doc: An emergency with no red node a (no arguments).
    area: graph
  never:
    args: {n: id}
    doc: A conclusion that no rule derives.
    area: graph
  on_time:
    args: {d: date}
    doc: Paid on time.
    area: fees
  next_day:
    args: {d: date}
    doc: The day after a due date.
    area: fees
  early:
    args: {d: date}
    doc: Paid before a due date.
    area: fees
definitions:
  special:
    args: {n: id}
    doc: Nodes the rule file names.
    area: graph
  unused_table:
    args: {n: id}
    doc: A table the rule files state no fact of.
    area: graph
"""

GRAPH_QUOTE = '1.1 "A node is reachable from another when a path of links leads to it"'
FEE_QUOTE = '2.1 "The fee is due 7 days before the renewal date"'


def rule(rid: str, statement: str, overrides: str | None = None, quote: str = GRAPH_QUOTE) -> str:
    """A statement with the annotations the kit requires."""
    clause = quote.split()[0]
    lines = [f"@rule {rid}", f"@cites {clause}", f"@gloss Rule {rid}.", f"@quote {quote}"]
    if overrides:
        lines.append(f"@overrides {overrides}")
    return "\n".join(lines) + "\n" + textwrap.dedent(statement).strip() + "\n\n"


def rules_text(*statements: str | tuple) -> str:
    """rules_text("p(X) :- q(X).", ("e", "not p(X) :- r(X).", "r0"), ...): ids r0, r1, ... by default."""
    out = []
    for i, s in enumerate(statements):
        if isinstance(s, tuple):
            out.append(rule(*s))
        else:
            out.append(rule(f"r{i}", s))
    return "".join(out)


def answers(evaluation, pattern: str, variables: str) -> set[tuple]:
    names = [v.strip() for v in variables.split(",") if v.strip()]
    got = evaluation.ask(pattern)
    return {tuple(a[n] for n in names) for a in got}


# --- recursive programs, each in its own process -------------------------------------------------

_SCRIPT = r"""
import json, sys
import kb
spec = json.loads(open(sys.argv[1], encoding="utf-8").read())
base = kb.load_knowledge_base(spec["root"])
result = base.evaluate(spec["facts"])
print(json.dumps({q: result.ask(q) for q in spec["queries"]}, sort_keys=True))
"""


def run_bounded(args: list[str], timeout: float, **kwargs) -> tuple[int, str, str] | None:
    """Run a process; on timeout kill it by its pid (SIGKILL: the engine ignores signals it could
    catch) and return None, else (returncode, stdout, stderr)."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None
    return proc.returncode, out, err


def run_isolated(tmp_path: Path, rules: str, facts: list[str], queries: list[str],
                 timeout: float = TIMEOUT) -> dict[str, list[dict]]:
    """Evaluate in a fresh process; fail if it runs over ``timeout`` (the process is killed)."""
    root = write_kb(tmp_path / "kb", {"graph": rules}, vocabulary=VOCABULARY)
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"root": str(root), "facts": facts, "queries": queries}), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = run_bounded([sys.executable, "-c", _SCRIPT, str(spec)], timeout, cwd=ROOT, env=env)
    if done is None:
        pytest.fail(f"evaluation did not finish in {timeout} s (the process was killed)")
    returncode, out, err = done
    assert returncode == 0, err
    return json.loads(out)


def test_runaway_process_is_killed():
    # the safety net itself: a process that ignores SIGINT and SIGTERM and never ends
    spin = "import signal\nfor s in (signal.SIGINT, signal.SIGTERM): signal.signal(s, signal.SIG_IGN)\nwhile True: pass"
    assert run_bounded([sys.executable, "-c", spin], timeout=1) is None


def as_pairs(rows: list[dict], a: str = "X", b: str = "Y") -> set[tuple[str, str]]:
    return {(r[a], r[b]) for r in rows}


def closure(edges) -> set[tuple[str, str]]:
    """Reference transitive closure, computed naively."""
    reach = set(edges)
    while True:
        new = {(x, w) for (x, y) in reach for (z, w) in edges if y == z} - reach
        if not new:
            return reach
        reach |= new


def cycle(n: int) -> list[tuple[str, str]]:
    return [(f"n{i}", f"n{(i + 1) % n}") for i in range(n)]


def clique(n: int) -> list[tuple[str, str]]:
    return [(f"n{i}", f"n{j}") for i in range(n) for j in range(n) if i != j]


GRAPHS = {
    "cycle3": cycle(3),
    "cycle4": cycle(4),
    "cycle5": cycle(5),
    "cycle8": cycle(8),
    "clique5": clique(5),
    "self_loop": [("a", "a"), ("a", "b")],
    "chain": [("a", "b"), ("b", "c"), ("c", "d")],
    # a cycle with a tail leaving it and a node entering it
    "lollipop": cycle(3) + [("n2", "t1"), ("t1", "t2"), ("s", "n0")],
    "two_cycles": cycle(3) + [("m0", "m1"), ("m1", "m0")],
}

BASE = "reach(X, Y) :- link(X, Y)."
CLOSURE_FORMS = {
    "right": [BASE, "reach(X, Y) :- link(X, Z), reach(Z, Y)."],
    "left": [BASE, "reach(X, Y) :- reach(X, Z), link(Z, Y)."],
    "nonlinear": [BASE, "reach(X, Y) :- reach(X, Z), reach(Z, Y)."],
}


def link_facts(edges) -> list[str]:
    return [f"link({a}, {b})" for a, b in edges]


@pytest.mark.parametrize("graph", sorted(GRAPHS))
@pytest.mark.parametrize("form", sorted(CLOSURE_FORMS))
def test_transitive_closure(tmp_path, form, graph):
    edges = GRAPHS[graph]
    got = run_isolated(tmp_path, rules_text(*CLOSURE_FORMS[form]), link_facts(edges), ["reach(X, Y)"])
    expected = closure(edges)
    assert as_pairs(got["reach(X, Y)"]) == expected
    assert len(got["reach(X, Y)"]) == len(expected)  # no duplicates
    if graph.startswith("cycle"):
        n = int(graph[len("cycle"):])
        assert len(expected) == n * n
    if graph == "clique5":
        assert len(expected) == 25


def test_closure_on_cycle_answers_bound_queries(tmp_path):
    got = run_isolated(tmp_path, rules_text(*CLOSURE_FORMS["right"]), link_facts(cycle(4)),
                       ["reach(n0, Y)", "reach(X, n3)", "reach(n1, n1)", "reach(n1, zz)"])
    assert [r["Y"] for r in got["reach(n0, Y)"]] == ["n0", "n1", "n2", "n3"]
    assert [r["X"] for r in got["reach(X, n3)"]] == ["n0", "n1", "n2", "n3"]
    assert got["reach(n1, n1)"] == [{}]
    assert got["reach(n1, zz)"] == []


def test_closure_written_with_both_recursive_rules(tmp_path):
    rules = rules_text(BASE, "reach(X, Y) :- link(X, Z), reach(Z, Y).",
                       "reach(X, Y) :- reach(X, Z), link(Z, Y).")
    got = run_isolated(tmp_path, rules, link_facts(cycle(5)), ["reach(X, Y)"])
    assert as_pairs(got["reach(X, Y)"]) == closure(cycle(5))


def same_generation(persons, par) -> set[tuple[str, str]]:
    sg = {(x, x) for x in persons}
    while True:
        new = {(x, y) for (x, p) in par for (y, q) in par if (p, q) in sg} - sg
        if not new:
            return sg
        sg |= new


SG_RULES = rules_text("sg(X, X) :- person(X).", "sg(X, Y) :- par(X, P), sg(P, Q), par(Y, Q).")


@pytest.mark.parametrize("case", ["tree", "cyclic"])
def test_same_generation(tmp_path, case):
    if case == "tree":
        par = [("b", "a"), ("c", "a"), ("d", "b"), ("e", "c"), ("f", "c"), ("g", "d")]
    else:  # a parent graph with a cycle: a -> b -> c -> a, and d a child of a, e of d
        par = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a"), ("e", "d")]
    persons = sorted({x for edge in par for x in edge})
    facts = [f"person({p})" for p in persons] + [f"par({c}, {p})" for c, p in par]
    got = run_isolated(tmp_path, SG_RULES, facts, ["sg(X, Y)"])
    expected = same_generation(persons, par)
    assert as_pairs(got["sg(X, Y)"]) == expected
    if case == "tree":
        assert ("d", "e") in expected and ("g", "e") not in expected and ("b", "f") not in expected
    else:
        # the cycle a -> b -> c -> a puts no two of a, b, c in one generation; d (child of a) is
        # of c's generation (c is also a child of a), so e (child of d) is of b's (child of c)
        assert expected == {("a", "a"), ("b", "b"), ("c", "c"), ("d", "d"), ("e", "e"),
                            ("c", "d"), ("d", "c"), ("b", "e"), ("e", "b")}


MUTUAL = rules_text(
    "odd_path(X, Y) :- link(X, Y).",
    "odd_path(X, Y) :- link(X, Z), even_path(Z, Y).",
    "even_path(X, Y) :- link(X, Z), odd_path(Z, Y).",
)


@pytest.mark.parametrize("n", [3, 4, 6])
def test_mutual_recursion_on_cycles(tmp_path, n):
    got = run_isolated(tmp_path, MUTUAL, link_facts(cycle(n)), ["odd_path(X, Y)", "even_path(X, Y)"])
    pairs = {(f"n{i}", f"n{j}"): (j - i) % n for i in range(n) for j in range(n)}
    if n % 2:  # an odd cycle has paths of both parities between any two nodes
        odd = even = set(pairs)
    else:
        odd = {p for p, d in pairs.items() if d % 2 == 1}
        even = {p for p, d in pairs.items() if d % 2 == 0}
    assert as_pairs(got["odd_path(X, Y)"]) == odd
    assert as_pairs(got["even_path(X, Y)"]) == even


def test_mutual_recursion_on_a_chain(tmp_path):
    got = run_isolated(tmp_path, MUTUAL, link_facts(GRAPHS["chain"]), ["odd_path(X, Y)", "even_path(X, Y)"])
    assert as_pairs(got["odd_path(X, Y)"]) == {("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")}
    assert as_pairs(got["even_path(X, Y)"]) == {("a", "c"), ("b", "d")}


NEGATION_OVER_RECURSION = rules_text(
    BASE,
    "reach(X, Y) :- link(X, Z), reach(Z, Y).",
    "has_out(X) :- reach(X, Y).",
    "isolated(X) :- node(X), not has_out(X).",
    "unreachable(X, Y) :- node(X), node(Y), not reach(X, Y).",
)


def test_stratified_negation_over_a_recursive_relation(tmp_path):
    edges = cycle(3) + [("n2", "t1"), ("t1", "t2")]
    nodes = ["n0", "n1", "n2", "t1", "t2", "z"]
    facts = [f"node({x})" for x in nodes] + link_facts(edges)
    got = run_isolated(tmp_path, NEGATION_OVER_RECURSION, facts,
                       ["isolated(X)", "has_out(X)", "unreachable(X, Y)"])
    reach = closure(edges)
    assert [r["X"] for r in got["isolated(X)"]] == ["t2", "z"]
    assert [r["X"] for r in got["has_out(X)"]] == ["n0", "n1", "n2", "t1"]
    assert as_pairs(got["unreachable(X, Y)"]) == {(x, y) for x in nodes for y in nodes} - reach


def test_exception_to_a_recursive_rule(tmp_path):
    # red nodes reach only their direct successors: the recursive step is defeated from them
    rules = rules_text(
        ("base", BASE),
        ("step", "reach(X, Y) :- link(X, Z), reach(Z, Y)."),
        ("red_stops", "not reach(X, Y) :- paint(X, red), node(Y).", "step"),
    )
    edges = cycle(4)
    facts = link_facts(edges) + [f"node(n{i})" for i in range(4)] + ["paint(n1, red)"]
    got = run_isolated(tmp_path, rules, facts, ["reach(X, Y)"])
    expected = set(edges)
    while True:  # the step rule, applied only from nodes that are not red
        new = {(x, y) for (x, z) in edges if x != "n1" for (z2, y) in expected if z2 == z} - expected
        if not new:
            break
        expected |= new
    assert as_pairs(got["reach(X, Y)"]) == expected
    assert ("n1", "n2") in expected and ("n1", "n3") not in expected and ("n0", "n3") not in expected


# --- non-recursive programs, in this process ----------------------------------------------------

@pytest.fixture
def small(make_kb):
    def build(*statements):
        return make_kb({"graph": rules_text(*statements)}, vocabulary=VOCABULARY)
    return build


def test_joins_with_shared_variables(small):
    base = small(
        "triangle(X, Y, Z) :- link(X, Y), link(Y, Z), link(Z, X).",
        "sym(X, Y) :- link(X, Y), link(Y, X).",
        "self_loop(X) :- link(X, X).",
    )
    ev = base.evaluate(link_facts([("a", "b"), ("b", "c"), ("c", "a"), ("b", "a"), ("d", "d"), ("d", "e")]))
    assert answers(ev, "triangle(X, Y, Z)", "X, Y, Z") == {
        ("a", "b", "c"), ("b", "c", "a"), ("c", "a", "b"), ("d", "d", "d")}
    assert answers(ev, "sym(X, Y)", "X, Y") == {("a", "b"), ("b", "a"), ("d", "d")}
    assert answers(ev, "self_loop(X)", "X") == {("d",)}
    # a repeated variable in the query pattern
    assert answers(ev, "sym(X, X)", "X") == {("d",)}


def test_stratified_negation_non_recursive(small):
    base = small("has_out(X) :- link(X, Y).", "isolated(X) :- node(X), not has_out(X).")
    ev = base.evaluate(["node(a)", "node(b)", "node(c)", "link(a, b)", "link(c, c)"])
    assert answers(ev, "isolated(X)", "X") == {("b",)}


PAID_RULE = "on_time(D) :- paid(D), due(E), D <= E - 7."


@pytest.mark.parametrize("due, paid, on_time", [
    ("2026-03-10", "2026-03-03", True),   # 7 days before: on time
    ("2026-03-10", "2026-03-04", False),  # 6 days before: late
    ("2026-03-10", "2026-02-01", True),
    ("2026-03-10", "2026-03-10", False),
    ("2026-03-10", "2026-03-20", False),
    ("2026-03-05", "2026-02-26", True),   # across the end of February (28 days in 2026)
    ("2026-03-05", "2026-02-27", False),
    ("2024-03-05", "2024-02-27", True),   # leap year: 29 February lies between
    ("2024-03-05", "2024-02-28", False),
    ("2026-01-03", "2025-12-27", True),   # across the year end
    ("2026-01-03", "2025-12-28", False),
])
def test_date_arithmetic_boundary(small, due, paid, on_time):
    base = small(("ot", PAID_RULE, None, FEE_QUOTE))
    ev = base.evaluate([f"due({due})", f"paid({paid})"])
    assert ev.ask("on_time(D)") == ([{"D": paid}] if on_time else [])


def test_date_boundary_in_one_scenario_and_with_a_parameter(small, make_kb):
    param = ("@param notice_days\n@cites 2.1\n@gloss Days of notice.\n@quote " + FEE_QUOTE
             + "\nparam notice_days = 7.\n\n")
    rules = param + rule("ot", "on_time(D) :- paid(D), due(E), D <= E - $notice_days.", quote=FEE_QUOTE)
    with_param = make_kb({"fees": rules}, vocabulary=VOCABULARY)
    literal = small(("ot", PAID_RULE, None, FEE_QUOTE))
    facts = ["due(2026-03-10)", "paid(2026-03-02)", "paid(2026-03-03)", "paid(2026-03-04)", "paid(2026-03-09)"]
    for base in (with_param, literal):
        ev = base.evaluate(facts)
        assert ev.ask("on_time(D)") == [{"D": "2026-03-02"}, {"D": "2026-03-03"}]
        assert [c.text for c in ev.conclusions] == ["on_time(2026-03-02)", "on_time(2026-03-03)"]


def test_comparison_written_first_is_reordered(small):
    base = small(("early", "early(D) :- D < E, paid(D), due(E).", None, FEE_QUOTE))
    ev = base.evaluate(["due(2026-03-10)", "paid(2026-03-09)", "paid(2026-03-10)", "paid(2026-03-11)"])
    assert ev.ask("early(D)") == [{"D": "2026-03-09"}]


def test_arithmetic_assignment(small):
    base = small(
        "succ(N, K1) :- count(N, K), K1 = K + 1.",
        "pair(N, A, B) :- count(N, K), K - 1 = A, B = A * 2.",  # expression on the left, chained
        ("nd", "next_day(N) :- N = D + 1, due(D).", None, FEE_QUOTE),  # assignment written first
    )
    ev = base.evaluate(["count(a, 3)", "count(b, -7)", "count(c, 0)", "due(2025-12-31)", "due(2026-02-28)"])
    assert answers(ev, "succ(N, K)", "N, K") == {("a", "4"), ("b", "-6"), ("c", "1")}
    assert answers(ev, "pair(N, A, B)", "N, A, B") == {("a", "2", "4"), ("b", "-8", "-16"), ("c", "-1", "-2")}
    assert ev.ask("next_day(D)") == [{"D": "2026-01-01"}, {"D": "2026-03-01"}]
    assert ev.ask("succ(a, 4)") == [{}] and ev.ask("succ(a, 3)") == []


def test_comparisons_between_bound_values(small):
    base = small(
        "sym(X, Y) :- link(X, Y), link(Y, X), X != Y.",
        "self_loop(X) :- link(X, Y), X = Y.",  # '=' between two bound variables is a test
        "flagged(X) :- link(X, Y), Y = b.",
        "unpainted(X) :- node(X), X != a.",
        ("ea", "early(D) :- paid(D), due(E), D >= E - 3, D < E.", None, FEE_QUOTE),
        ("ot", "on_time(D) :- paid(D), due(E), E - D > 6, D != E - 8.", None, FEE_QUOTE),
        "succ(N, K) :- count(N, K), K * 2 = 6.",
        "pair(N, K, J) :- count(N, K), count(N, J), K < J.",
    )
    facts = link_facts([("a", "b"), ("b", "a"), ("c", "c"), ("d", "b")]) + ["node(a)", "node(b)", "due(2026-03-10)"] \
        + [f"paid(2026-03-{d:02d})" for d in range(1, 12)] + ["count(x, 3)", "count(x, 4)", "count(y, -3)", "count(x, 10)"]
    assert [c.text for c in base.evaluate(facts).conclusions] == [
        "early(2026-03-07)", "early(2026-03-08)", "early(2026-03-09)",
        "flagged(a)", "flagged(d)",
        "on_time(2026-03-01)", "on_time(2026-03-03)",
        "pair(x, 3, 4)", "pair(x, 3, 10)", "pair(x, 4, 10)",  # numbers sort by value
        "self_loop(c)", "succ(x, 3)", "sym(a, b)", "sym(b, a)", "unpainted(b)",
    ]


@pytest.mark.parametrize("statement", [
    "unpainted(X) :- not paint(X, red), node(X).",
    "unpainted(X) :- node(X), not paint(X, red).",
])
def test_body_order_independence_under_negation(small, statement):
    base = small(statement)
    ev = base.evaluate(["node(a)", "node(b)", "node(c)", "paint(b, red)", "paint(c, blue)"])
    assert answers(ev, "unpainted(X)", "X") == {("a",), ("c",)}


def test_negation_written_before_every_binding_atom(small):
    base = small("isolated(X) :- not link(X, Y), node(Y), not paint(X, red), node(X).")
    ev = base.evaluate(["node(a)", "node(b)", "link(a, a)", "link(a, b)", "node(c)", "paint(c, red)"])
    # X qualifies when some node Y is not linked from X (a: c; b: any) and X is not red (c is)
    assert answers(ev, "isolated(X)", "X") == {("a",), ("b",)}


def test_constants_in_the_head(small):
    base = small(
        "marked(X, red) :- node(X), not paint(X, blue).",
        "flagged(a) :- link(a, Y).",
    )
    ev = base.evaluate(["node(a)", "node(b)", "paint(b, blue)", "link(a, b)", "link(b, a)"])
    assert answers(ev, "marked(X, C)", "X, C") == {("a", "red")}
    assert ev.ask("marked(X, blue)") == []
    assert ev.ask("flagged(X)") == [{"X": "a"}]
    assert small("flagged(a) :- link(a, Y).").evaluate(["link(b, a)"]).ask("flagged(X)") == []


def test_facts_in_rule_files(small):
    base = small(
        "special(a).\nspecial(c).",
        "flagged(X) :- special(X), node(X).",
        "flagged(zz).",
    )
    ev = base.evaluate(["node(a)", "node(b)"])
    assert answers(ev, "flagged(X)", "X") == {("a",), ("zz",)}
    assert [c.text for c in base.evaluate([]).conclusions] == ["flagged(zz)"]
    # the facts of a definition table are in the model, but are not conclusions
    assert [c.text for c in ev.matching("special(X)")] == ["special(a)", "special(c)"]


def test_zero_ary_conclusions_and_inputs(small):
    base = small(
        "any_link :- link(X, Y).",
        "quiet :- not any_link.",
        "alarm :- emergency, not paint(a, red).",
    )
    ev = base.evaluate([])
    assert ev.ask("any_link") == [] and ev.ask("quiet") == [{}] and ev.ask("alarm") == []
    assert [c.text for c in ev.conclusions] == ["quiet"]
    ev = base.evaluate(["link(a, b)", "emergency"])
    assert ev.ask("any_link") == [{}] and ev.ask("quiet") == [] and ev.ask("alarm") == [{}]
    assert [c.text for c in ev.conclusions] == ["alarm", "any_link"]
    ev = base.evaluate(["emergency", "paint(a, red)"])
    assert [c.text for c in ev.conclusions] == ["quiet"]


# --- defeasible overrides -----------------------------------------------------------------

NODES = ["node(n1)", "node(n2)", "node(n3)"]


def test_exception_defeats_only_where_its_body_holds(small):
    base = small(
        ("r", "flagged(X) :- node(X)."),
        ("e", "not flagged(X) :- node(X), paint(X, red).", "r"),
    )
    assert answers(base.evaluate(NODES + ["paint(n2, red)"]), "flagged(X)", "X") == {("n1",), ("n3",)}
    assert answers(base.evaluate(NODES + ["paint(n2, blue)"]), "flagged(X)", "X") == {("n1",), ("n2",), ("n3",)}
    assert answers(base.evaluate(NODES), "flagged(X)", "X") == {("n1",), ("n2",), ("n3",)}


def test_exception_to_the_exception_restores_the_conclusion(small):
    base = small(
        ("r", "flagged(X) :- node(X)."),
        ("e", "not flagged(X) :- node(X), paint(X, red).", "r"),
        ("e2", "flagged(X) :- node(X), paint(X, red), link(X, X).", "e"),
    )
    facts = NODES + ["paint(n2, red)", "paint(n3, red)", "link(n3, n3)"]
    assert answers(base.evaluate(facts), "flagged(X)", "X") == {("n1",), ("n3",)}
    # without the exception to the exception the same facts defeat both
    assert answers(base.evaluate(NODES + ["paint(n2, red)", "paint(n3, red)"]), "flagged(X)", "X") == {("n1",)}


def test_exception_never_defeats_a_rule_it_does_not_name(small):
    base = small(
        ("r1", "flagged(X) :- node(X)."),
        ("r2", "flagged(X) :- link(X, Y)."),
        ("e", "not flagged(X) :- paint(X, red).", "r1"),
    )
    ev = base.evaluate(NODES + ["paint(n2, red)", "paint(n3, red)", "link(n2, n1)"])
    # n2 is defeated under r1 but still concluded by r2; n3 has only r1
    assert answers(ev, "flagged(X)", "X") == {("n1",), ("n2",)}


def test_exception_naming_two_rules(small):
    base = small(
        ("r1", "flagged(X) :- node(X)."),
        ("r2", "flagged(X) :- link(X, Y)."),
        ("e", "not flagged(X) :- paint(X, red).", "r1, r2"),
    )
    ev = base.evaluate(NODES + ["paint(n2, red)", "link(n2, n1)", "link(n3, n1)"])
    assert answers(ev, "flagged(X)", "X") == {("n1",), ("n3",)}


def test_exception_to_a_rule_with_a_constant_in_its_head(small):
    base = small(
        ("m", "marked(X, red) :- node(X)."),
        ("e", "not marked(X, red) :- link(X, X).", "m"),
        ("b", "marked(X, blue) :- node(X)."),
    )
    ev = base.evaluate(NODES + ["link(n2, n2)"])
    assert answers(ev, "marked(X, C)", "X, C") == {
        ("n1", "red"), ("n3", "red"), ("n1", "blue"), ("n2", "blue"), ("n3", "blue")}


def test_exceptions_to_facts_of_a_rule_file(small):
    base = small(
        ("sp", "special(a).\nspecial(b).\nspecial(c)."),
        ("no_red", "not special(X) :- paint(X, red).", "sp"),
        ("fz", "flagged(zz)."),
        ("calm", "not flagged(zz) :- emergency.", "fz"),
        ("r", "flagged(X) :- node(X)."),
        ("not_n1", "not flagged(n1) :- paint(n1, red).", "r"),  # a ground exception
    )
    ev = base.evaluate([])
    assert [c.text for c in ev.matching("special(X)")] == ["special(a)", "special(b)", "special(c)"]
    assert [c.text for c in ev.conclusions] == ["flagged(zz)"]
    ev = base.evaluate(["paint(b, red)", "emergency", "node(n1)", "node(n2)", "paint(n1, red)"])
    assert [c.text for c in ev.matching("special(X)")] == ["special(a)", "special(c)"]
    assert [c.text for c in ev.conclusions] == ["flagged(n2)"]
    ev = base.evaluate(["node(n1)", "node(n2)"])
    assert [c.text for c in ev.conclusions] == ["flagged(n1)", "flagged(n2)", "flagged(zz)"]


def test_exceptions_are_not_conclusions(small):
    base = small(
        ("r", "flagged(X) :- node(X)."),
        ("e", "not flagged(X) :- node(X), paint(X, red).", "r"),
    )
    ev = base.evaluate(NODES + ["paint(n2, red)"])
    assert [c.text for c in ev.conclusions] == ["flagged(n1)", "flagged(n3)"]


# --- predicates without facts ---------------------------------------------------------------

def test_asking_predicates_without_facts_answers_no(small):
    base = small("has_out(X) :- link(X, Y).", "isolated(X) :- node(X), not has_out(X).")
    ev = base.evaluate([])
    for pattern in ("link(X, Y)", "node(X)", "paint(X, red)", "has_out(X)", "isolated(X)", "reach(X, Y)",
                    "never(X)", "count(a, K)", "emergency", "unused_table(X)"):
        assert ev.ask(pattern) == [], pattern
    assert ev.conclusions == []


def test_negating_inputs_without_facts(small):
    base = small(
        "unpainted(X) :- node(X), not paint(X, red).",
        "quiet :- not any_link.",
        "any_link :- link(X, Y).",
        "alarm :- not emergency, not paint(a, red).",
    )
    ev = base.evaluate(["node(a)", "node(b)"])
    assert answers(ev, "unpainted(X)", "X") == {("a",), ("b",)}
    assert ev.ask("quiet") == [{}] and ev.ask("alarm") == [{}]


def test_negating_a_conclusion_no_rule_derives(small):
    # a declared conclusion (or definition) with no rule yet is empty: negating it holds
    base = small("flagged(X) :- node(X), not never(X), not unused_table(X).")
    ev = base.evaluate(["node(a)"])
    assert ev.ask("flagged(X)") == [{"X": "a"}]
    assert small("flagged(X) :- node(X), never(X).").evaluate(["node(a)"]).ask("flagged(X)") == []


def test_expressions_in_the_head_are_not_rule_syntax(small):
    with pytest.raises(KbError):
        small("succ(N, K + 1) :- count(N, K).")
