"""Output never depends on the hash seed: every printed list is sorted, and the command line
prints byte-identical text under PYTHONHASHSEED=0, 1, 12345 and random.

pyDatalog's answer order changes with the hash seed (joins, recursion, negation), so
each command runs in fresh processes, one per seed.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import kb
from conftest import write_kb
from kb.terms import atom_sort_key

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ["0", "1", "12345", "random"]
TIMEOUT = 60

MANY_EVENTS = """\
scenario: "many events, breaches and dates"
facts:
  - event(quake, earthquake)
  - event(flood1, flood)
  - event(storm, other_natural_disaster)
  - event(hack, hackers_network_congestion)
  - event(zeta, war)
  - event(alpha, government_action)
  - criterion_not_met(flood1, unforeseeable)
  - criterion_met(storm, unforeseeable)
  - criterion_met(storm, insurmountable)
  - criterion_met(storm, unavoidable)
  - criterion_met(storm, significant_impact)
  - criterion_met(hack, unforeseeable)
  - suffered(jd_cloud, quake)
  - suffered(user, quake)
  - suffered(jd_cloud, hack)
  - suffered(user, storm)
  - suffered(jd_cloud, flood1)
  - suffered(jd_cloud, zeta)
  - suffered(jd_cloud, alpha)
  - affects_performance(quake, impossible)
  - affects_performance(quake, meaningless)
  - affects_performance(hack, unnecessary)
  - affects_performance(storm, impossible)
  - affects_performance(flood1, impossible)
  - affects_performance(zeta, impossible)
  - affects_performance(alpha, meaningless)
  - breach(jd_cloud, outage)
  - breach(jd_cloud, slow)
  - breach(user, late_payment)
  - breach(jd_cloud, lost)
  - breach(jd_cloud, b_unrelated)
  - breach(jd_cloud, z_war)
  - breach(jd_cloud, a_gov)
  - breach_caused_by(outage, quake)
  - breach_caused_by(slow, hack)
  - breach_caused_by(late_payment, storm)
  - breach_caused_by(lost, flood1)
  - breach_caused_by(z_war, zeta)
  - breach_caused_by(a_gov, alpha)
  - terms_ended_on(2026-03-01)
  - assessment_date(2026-03-05)
  - assessment_date(2026-03-09)
  - assessment_date(2026-02-27)
"""

GRAPH_RULES = """
@rule base
@cites 1.1
@gloss A link makes its end reachable.
@quote 1.1 "A node is reachable from another when a path of links leads to it"
reach(X, Y) :- link(X, Y).

@rule step
@cites 1.1
@gloss Reachability is transitive.
@quote 1.1 "a path of links leads to it"
reach(X, Y) :- link(X, Z), reach(Z, Y).

@rule has_link
@cites 1.2
@gloss A node with a link out is flagged.
@quote 1.2 "nothing is reachable from it"
flagged(X) :- link(X, Y).

@rule red_not_flagged
@cites 1.2
@gloss A red node is not flagged.
@quote 1.2 "A node is isolated"
@overrides has_link
not flagged(X) :- paint(X, red).

@rule isolated_node
@cites 1.2
@gloss A node that is not flagged is isolated.
@quote 1.2 "A node is isolated when nothing is reachable from it"
isolated(X) :- node(X), not flagged(X).

@rule paid_on_time
@cites 2.1
@gloss Paid at least 7 days before the due date.
@quote 2.1 "The fee is due 7 days before the renewal date"
on_time(D) :- paid(D), due(E), D <= E - 7.
"""

GRAPH_SCENARIO = """\
scenario: "a cycle with a tail, some red nodes"
facts:
""" + "".join(f"  - {f}\n" for f in (
    [f"node(n{i})" for i in range(7)] + ["node(zz)", "node(aa)"]
    + [f"link(n{i}, n{(i + 1) % 5})" for i in range(5)] + ["link(n4, n5)", "link(n5, n6)", "link(aa, n0)"]
    + ["paint(n2, red)", "paint(n6, red)", "paint(zz, blue)"]
    + ["due(2026-03-20)", "paid(2026-03-01)", "paid(2026-03-13)", "paid(2026-03-14)", "paid(2026-02-10)"]))

# 5-cycle n0..n4, tail n4 -> n5 -> n6, aa -> n0: each cycle node reaches the 5 cycle nodes and n5, n6;
# n5 reaches n6; aa reaches n0..n6; n6 and zz reach nothing
GRAPH_REACH_COUNT = 5 * 7 + 1 + 7


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("determinism")
    many = root / "many_events.yaml"
    many.write_text(MANY_EVENTS, encoding="utf-8")
    small = write_kb(root / "small", {"graph": GRAPH_RULES})
    (small / "graph.yaml").write_text(GRAPH_SCENARIO, encoding="utf-8")
    return {"many": str(many), "small": str(small), "graph": str(small / "graph.yaml")}


COMMANDS = {
    "ask_explain": ["ask", "{many}", "--explain"],
    "ask_explain_atoms": ["--atoms", "ask", "{many}", "--explain"],
    "ask_json": ["ask", "{many}", "--json"],
    "ask_json_explain": ["ask", "{many}", "--json", "--explain"],
    "ask_query_explain": ["ask", "{many}", "--query", "liable(P, B)", "--explain"],
    "ask_query_why_not_json": ["ask", "{many}", "--query", "exempt_from_liability(user, B)", "--json", "--explain"],
    "ask_builtin_scenario": ["ask", "force_majeure_earthquake_outage_provider_not_liable.yaml", "--explain"],
    "check": ["check"],
    "test": ["test"],
    "small_ask_explain": ["--kb", "{small}", "ask", "{graph}", "--explain"],
    "small_ask_json": ["--kb", "{small}", "ask", "{graph}", "--json"],
    "small_query_json": ["--kb", "{small}", "ask", "{graph}", "--query", "reach(X, Y)", "--json"],
    "small_why_not": ["--kb", "{small}", "ask", "{graph}", "--query", "flagged(n2)", "--explain"],
    "memo": ["memo", "{many}", "--query", "liable(P, B)", "--query", "exempt_from_liability(jd_cloud, outage)"],
    "small_memo": ["--kb", "{small}", "memo", "{graph}", "--query", "flagged(n2)"],
}


def run_seeds(args: list[str]) -> list[str]:
    """stdout of ``python -m kb ARGS`` under each hash seed (processes run side by side)."""
    procs = []
    for seed in SEEDS:
        env = dict(os.environ, PYTHONHASHSEED=seed,
                   PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        procs.append(subprocess.Popen([sys.executable, "-m", "kb", *args], cwd=ROOT, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    outs = []
    try:
        for seed, proc in zip(SEEDS, procs):
            try:
                out, err = proc.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                pytest.fail(f"python -m kb {' '.join(args)} did not finish in {TIMEOUT} s")
            assert proc.returncode == 0, f"PYTHONHASHSEED={seed}: {err.decode()}"
            assert err == b"", err.decode()
            outs.append(out)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    return [o.decode("utf-8") for o in outs]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_cli_output_identical_across_hash_seeds(files, name):
    args = [a.format(**files) for a in COMMANDS[name]]
    outs = run_seeds(args)
    assert outs[0].strip(), "no output"
    for seed, out in zip(SEEDS[1:], outs[1:]):
        assert out == outs[0], f"PYTHONHASHSEED={seed} differs from PYTHONHASHSEED={SEEDS[0]}"
    check_printed_lists(name, outs[0])


def _is_sorted(items) -> bool:
    items = list(items)
    return items == sorted(items)


def check_printed_lists(name: str, out: str) -> None:
    """The lists the command prints are sorted (identifiers and ISO dates sort as text here)."""
    if name in ("ask_json", "ask_json_explain", "small_ask_json"):
        payload = json.loads(out)
        assert len(payload["conclusions"]) > 5 and _is_sorted(payload["conclusions"])
        if "explanations" in payload:  # one per conclusion, in the same order
            assert [e["conclusion"] for e in payload["explanations"]] == payload["conclusions"]
            assert all(e["holds"] for e in payload["explanations"])
    elif name == "small_query_json":
        payload = json.loads(out)
        pairs = [(a["bindings"]["X"], a["bindings"]["Y"]) for a in payload["answers"][0]["answers"]]
        assert len(pairs) == len(set(pairs)) == GRAPH_REACH_COUNT and _is_sorted(pairs)
    elif name == "ask_explain":  # sentences, in the order of their atoms (ask_explain_atoms: sorted)
        lines = out.split("\n")
        start = next(i for i, line in enumerate(lines) if line.startswith("conclusions from the facts ("))
        count = int(lines[start].split("(")[-1].split(")")[0])
        listed = [line.strip() for line in lines[start + 1:start + 1 + count]]
        assert len(listed) == len(set(listed)) == count >= 3 and all(line.endswith(".") for line in listed)
        assert not any("(" in line.split(" ")[0] for line in listed)  # sentences, not atoms
    elif name in ("ask_explain_atoms", "small_ask_explain"):
        lines = out.split("\n")
        start = next(i for i, line in enumerate(lines) if line.startswith("conclusions from the facts ("))
        count = int(lines[start].split("(")[-1].split(")")[0])
        listed = [line.strip() for line in lines[start + 1:start + 1 + count]]
        assert len(listed) == count >= 3 and _is_sorted(listed)
        start = next(i for i, line in enumerate(lines) if line.startswith("standing conclusions"))
        count = int(lines[start].split("(")[-1].split(")")[0])
        standing = [line.strip() for line in lines[start + 1:start + 1 + count]]
        assert len(standing) == count and _is_sorted(standing)
    elif name == "test":
        lines = [line for line in out.split("\n") if line.startswith(("ok", "FAIL"))]
        assert lines and _is_sorted(line.split(" ", 1)[1].strip() for line in lines)
        assert out.rstrip().endswith(" 0 failed")


# --- in process: sorted lists ---------------------------------------------------------------

def test_conclusions_and_answers_are_sorted(files):
    agreement = kb.load_agreement()
    result = agreement.evaluate(agreement.load_scenario(files["many"]))
    texts = [c.text for c in result.conclusions]
    assert len(texts) > 10 and texts == sorted(texts)
    assert result.conclusions == sorted(result.conclusions)
    for pattern, var in (("liable(P, B)", "B"), ("force_majeure(E)", "E"), ("must_store_data_on(D)", "D"),
                         ("exempt_from_liability(jd_cloud, B)", "B"), ("suffered(P, E)", "E")):
        answers = result.ask(pattern)
        assert len(answers) >= 1, pattern
        keys = [tuple(a.values()) for a in answers]
        assert keys == sorted(keys) and len(set(keys)) == len(keys), pattern
        assert [m.text for m in result.matching(pattern)] == sorted(m.text for m in result.matching(pattern))
    empty = agreement.evaluate([])
    assert kb.diff(result, empty).lost == tuple(sorted(set(result.conclusions) - set(empty.conclusions)))
    assert result.specific == sorted(result.specific) and result.standing == sorted(result.standing)


def test_numbers_sort_by_value_not_as_text(files):
    small = kb.load_knowledge_base(files["small"])
    result = small.evaluate(["due(2026-03-20)"] + [f"paid({d})" for d in
                                                   ("2026-03-02", "2025-12-31", "2026-03-13", "2024-02-29")])
    assert [a["D"] for a in result.ask("on_time(D)")] == ["2024-02-29", "2025-12-31", "2026-03-02", "2026-03-13"]
    rows = [c.args for c in result.conclusions if c.pred == "on_time"]
    assert rows == sorted(rows) and rows == sorted(rows, key=lambda r: atom_sort_key("on_time", r)[2])


def test_answers_on_a_cycle_are_sorted_in_process(files):
    small = kb.load_knowledge_base(files["small"])
    result = small.evaluate(small.load_scenario(files["graph"]))
    pairs = [(a["X"], a["Y"]) for a in result.ask("reach(X, Y)")]
    assert pairs == sorted(pairs) and len(pairs) == GRAPH_REACH_COUNT
    assert [a["Y"] for a in result.ask("reach(n3, Y)")] == ["n0", "n1", "n2", "n3", "n4", "n5", "n6"]
    assert [c.text for c in result.conclusions] == sorted(c.text for c in result.conclusions)
