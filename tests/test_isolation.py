"""Evaluations do not leak into one another: across sequences, threads and knowledge bases.

The reference for a scenario is its evaluation alone, in a fresh process: nothing
asserted before can have left a trace there.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import kb
from kb.errors import KbError

ROOT = Path(__file__).resolve().parents[1]

_SNAPSHOT_SRC = '''
def snapshot(evaluation):
    """Conclusions as text, and the whole model (internal predicates included), as JSON-able data."""
    return {
        "conclusions": [c.text for c in evaluation.conclusions],
        "model": {pred: sorted(json.dumps(list(row)) for row in rows)
                  for pred, rows in sorted(evaluation.model.items())},
    }
'''
exec(_SNAPSHOT_SRC)  # defines snapshot() here exactly as in the fresh processes

_FRESH_SCRIPT = "import json, sys\nimport kb\n" + _SNAPSHOT_SRC + '''
facts = json.loads(sys.argv[1])
print(json.dumps(snapshot(kb.load_agreement().evaluate(facts)), sort_keys=True))
'''

_AGREEMENT = kb.load_agreement()
_TYPES = _AGREEMENT.vocabulary.types
KINDS = list(_TYPES["event_kind"].value_names)
CRITERIA = list(_TYPES["fm_criterion"].value_names)
EFFECTS = list(_TYPES["performance_effect"].value_names)
PARTIES = list(_TYPES["party"].value_names)
EVENTS = ["quake", "storm", "hack"]
BREACHES = ["outage", "data_loss"]
DAY0 = date(2026, 2, 20)


def iso(offset: int) -> str:
    return (DAY0 + timedelta(days=offset)).isoformat()


@st.composite
def scenarios(draw) -> tuple[str, ...]:
    """A realistic scenario of the built-in agreement: events with their kind and qualities, who
    suffered them, breaches and their causes, and the dates of the data retention questions."""
    facts: set[str] = set()
    events = draw(st.lists(st.sampled_from(EVENTS), max_size=2, unique=True))
    for e in events:
        for kind in draw(st.sets(st.sampled_from(KINDS), min_size=1, max_size=2)):
            facts.add(f"event({e}, {kind})")
        met = draw(st.sets(st.sampled_from(CRITERIA)))
        for c in met:
            facts.add(f"criterion_met({e}, {c})")
        for c in draw(st.sets(st.sampled_from(CRITERIA), max_size=1)) - met:  # a quality is met or not
            facts.add(f"criterion_not_met({e}, {c})")
        for p in draw(st.sets(st.sampled_from(PARTIES), max_size=2)):
            facts.add(f"suffered({p}, {e})")
        for x in draw(st.sets(st.sampled_from(EFFECTS), max_size=2)):
            facts.add(f"affects_performance({e}, {x})")
    for b in draw(st.lists(st.sampled_from(BREACHES), max_size=2, unique=True)):
        facts.add(f"breach({draw(st.sampled_from(PARTIES))}, {b})")
        if events and draw(st.booleans()):
            facts.add(f"breach_caused_by({b}, {draw(st.sampled_from(events))})")
    if draw(st.booleans()):
        ended = draw(st.integers(0, 20))
        facts.add(f"terms_ended_on({iso(ended)})")
        for offset in draw(st.sets(st.integers(-1, 9), max_size=2)):
            facts.add(f"assessment_date({iso(ended + offset)})")
    return tuple(sorted(facts))


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))


_fresh_cache: dict[tuple[str, ...], dict] = {}


def fresh(batch: list[tuple[str, ...]], timeout: float = 60, parallel: int = 4) -> list[dict]:
    """Each scenario evaluated alone in its own fresh process (a few at a time); killed on timeout."""
    todo = [s for s in dict.fromkeys(batch) if s not in _fresh_cache]
    for start in range(0, len(todo), parallel):
        group = todo[start:start + parallel]
        procs = [subprocess.Popen([sys.executable, "-c", _FRESH_SCRIPT, json.dumps(list(s))], cwd=ROOT,
                                  env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for s in group]
        try:
            for s, proc in zip(group, procs):
                try:
                    out, err = proc.communicate(timeout=timeout)
                except subprocess.TimeoutExpired:
                    pytest.fail(f"fresh evaluation of {list(s)} did not finish in {timeout} s")
                assert proc.returncode == 0, err
                _fresh_cache[s] = json.loads(out)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.communicate()
    return [_fresh_cache[s] for s in batch]


EARTHQUAKE = ("affects_performance(quake, impossible)", "breach(jd_cloud, outage)",
              "breach_caused_by(outage, quake)", "event(quake, earthquake)", "suffered(jd_cloud, quake)")
FORECAST_FLOOD = ("affects_performance(quake, impossible)", "breach(jd_cloud, outage)",
                  "breach_caused_by(outage, quake)", "criterion_not_met(quake, unforeseeable)",
                  "event(quake, flood)", "suffered(jd_cloud, quake)")
STORM = ("affects_performance(storm, impossible)", "breach(user, data_loss)", "breach_caused_by(data_loss, storm)",
         "criterion_met(storm, insurmountable)", "criterion_met(storm, significant_impact)",
         "criterion_met(storm, unavoidable)", "criterion_met(storm, unforeseeable)",
         "event(storm, other_natural_disaster)", "suffered(user, storm)")
RETENTION = ("assessment_date(2026-03-08)", "terms_ended_on(2026-03-01)")


@pytest.mark.slow  # about 8 s: one fresh process per distinct scenario
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(scenarios(), min_size=1, max_size=6))
@example([EARTHQUAKE, FORECAST_FLOOD, EARTHQUAKE, (), STORM, RETENTION])
@example([FORECAST_FLOOD, EARTHQUAKE])
def test_sequence_equals_fresh_process_evaluations(sequence):
    agreement = kb.load_agreement()
    in_sequence = [snapshot(agreement.evaluate(list(s))) for s in sequence]
    alone = fresh(sequence)
    for facts, got, expected in zip(sequence, in_sequence, alone):
        assert got == expected, f"scenario {list(facts)}"


def test_examples_conclude_what_the_agreement_says():
    # the fixed examples above are not vacuous
    agreement = kb.load_agreement()
    assert [c.text for c in agreement.evaluate(list(EARTHQUAKE)).specific] == [
        "exempt_from_liability(jd_cloud, outage)", "force_majeure(quake)", "force_majeure_excuses(jd_cloud, quake)"]
    assert "liable(jd_cloud, outage)" in [c.text for c in agreement.evaluate(list(FORECAST_FLOOD)).specific]
    assert [c.text for c in agreement.evaluate(list(RETENTION)).specific
            if c.pred in ("data_retention_last_day", "must_store_data_on")] == [
        "data_retention_last_day(2026-03-08)", "must_store_data_on(2026-03-08)"]


def test_a_then_b_then_a_again():
    agreement = kb.load_agreement()
    first = snapshot(agreement.evaluate(list(EARTHQUAKE)))
    other = snapshot(agreement.evaluate(list(FORECAST_FLOOD)))
    again = snapshot(agreement.evaluate(list(EARTHQUAKE)))
    assert first == again
    assert first != other
    # only this scenario's facts are in the model
    assert first["model"]["event"] == ['["quake", "earthquake"]']
    assert first["model"]["criterion_not_met"] == []


def test_a_failed_evaluation_leaves_nothing_behind():
    agreement = kb.load_agreement()
    before = snapshot(agreement.evaluate(list(EARTHQUAKE)))
    with pytest.raises(KbError):
        agreement.evaluate(list(FORECAST_FLOOD) + ["event(quake, not_a_kind)"])
    with pytest.raises(KbError):
        agreement.evaluate(["criterion_not_met(quake, unforeseeable)", "liable(jd_cloud, outage)"])
    assert snapshot(agreement.evaluate(list(EARTHQUAKE))) == before


def _deterministic_scenarios(n: int, seed: int = 20260301) -> list[tuple[str, ...]]:
    rng = random.Random(seed)
    return [_draw_with(rng) for _ in range(n)]


def _draw_with(rng: random.Random) -> tuple[str, ...]:
    """A scenario from the same universe as :func:`scenarios`, drawn with ``rng`` (no hypothesis)."""
    facts: set[str] = set()
    events = rng.sample(EVENTS, rng.randint(0, 2))
    for e in events:
        for kind in rng.sample(KINDS, rng.randint(1, 2)):
            facts.add(f"event({e}, {kind})")
        met = rng.sample(CRITERIA, rng.randint(0, len(CRITERIA)))
        for c in met:
            facts.add(f"criterion_met({e}, {c})")
        for c in rng.sample(CRITERIA, rng.randint(0, 1)):
            if c not in met:  # a quality is met or not, not both
                facts.add(f"criterion_not_met({e}, {c})")
        for p in rng.sample(PARTIES, rng.randint(0, 2)):
            facts.add(f"suffered({p}, {e})")
        for x in rng.sample(EFFECTS, rng.randint(0, 2)):
            facts.add(f"affects_performance({e}, {x})")
    for b in rng.sample(BREACHES, rng.randint(0, 2)):
        facts.add(f"breach({rng.choice(PARTIES)}, {b})")
        if events and rng.random() < 0.7:
            facts.add(f"breach_caused_by({b}, {rng.choice(events)})")
    if rng.random() < 0.5:
        ended = rng.randint(0, 20)
        facts.add(f"terms_ended_on({iso(ended)})")
        for offset in rng.sample(range(-1, 10), rng.randint(0, 2)):
            facts.add(f"assessment_date({iso(ended + offset)})")
    return tuple(sorted(facts))


THREAD_SCENARIOS = _deterministic_scenarios(200)


def test_deterministic_scenarios_are_varied():
    agreement = kb.load_agreement()
    distinct = {tuple(c.text for c in agreement.evaluate(list(s)).conclusions) for s in THREAD_SCENARIOS}
    assert len(set(THREAD_SCENARIOS)) > 150 and len(distinct) > 20


def test_worker_threads_give_the_main_thread_answers():
    agreement = kb.load_agreement()
    expected = [snapshot(agreement.evaluate(list(s))) for s in THREAD_SCENARIOS]
    threads_seen = set()

    def work(i: int):
        threads_seen.add(threading.get_ident())
        return snapshot(agreement.evaluate(list(THREAD_SCENARIOS[i])))

    with ThreadPoolExecutor(max_workers=4) as pool:  # 4 threads x 50 evaluations
        got = list(pool.map(work, range(len(THREAD_SCENARIOS))))
    assert threading.get_ident() not in threads_seen and len(threads_seen) >= 2
    for i, (g, e) in enumerate(zip(got, expected)):
        assert g == e, f"scenario {i}: {list(THREAD_SCENARIOS[i])}"


def test_plain_thread_can_load_and_evaluate():
    results: dict[str, object] = {}

    def run():
        try:
            # a knowledge base loaded and first evaluated on a thread that is neither the main
            # thread nor its engine thread
            base = kb.load_knowledge_base(kb.knowledge.AGREEMENTS_DIR / "jcs_kubernetes")
            results["kb"] = base
            results["thread"] = [c.text for c in base.evaluate(list(EARTHQUAKE)).conclusions]
            results["builtin"] = [c.text for c in kb.load_agreement().evaluate(list(STORM)).conclusions]
        except BaseException as exc:  # reported below
            results["error"] = exc

    t = threading.Thread(target=run)
    t.start()
    t.join(60)
    assert not t.is_alive()
    assert "error" not in results, repr(results.get("error"))
    assert results["thread"] == [c.text for c in kb.load_agreement().evaluate(list(EARTHQUAKE)).conclusions]
    assert results["builtin"] == [c.text for c in kb.load_agreement().evaluate(list(STORM)).conclusions]
    # the knowledge base built on the other thread answers on this one too
    assert [c.text for c in results["kb"].evaluate(list(STORM)).conclusions] == results["builtin"]


SMALL_RULES = """
@rule base
@cites 1.1
@gloss A link makes its end reachable.
@quote 1.1 "A node is reachable from another when a path of links leads to it"
reach(X, Y) :- link(X, Y).

@rule step
@cites 1.1
@gloss Reachability is transitive.
@quote 1.1 "a path of links leads to it"
reach(X, Y) :- reach(X, Z), link(Z, Y).

@rule isolated_node
@cites 1.2
@gloss A node from which nothing is reachable is isolated.
@quote 1.2 "A node is isolated when nothing is reachable from it"
isolated(X) :- node(X), not flagged(X).

@rule flag_out
@cites 1.2
@gloss A node with a link out is not isolated.
@quote 1.2 "nothing is reachable from it"
flagged(X) :- link(X, Y).
"""


def test_two_knowledge_bases_evaluated_alternately(make_kb):
    small = make_kb({"graph": SMALL_RULES})
    second = kb.load_knowledge_base(kb.knowledge.AGREEMENTS_DIR / "jcs_kubernetes")
    builtin = kb.load_agreement()
    assert second is not builtin
    small_scenarios = [["node(a)", "node(b)", "link(a, b)"], ["node(c)", "link(c, d)", "link(d, c)"], []]
    small_expected = [
        ["flagged(a)", "isolated(b)", "reach(a, b)"],
        ["flagged(c)", "flagged(d)", "reach(c, c)", "reach(c, d)", "reach(d, c)", "reach(d, d)"],
        [],
    ]
    big = [EARTHQUAKE, FORECAST_FLOOD, STORM, RETENTION, ()]
    big_expected = [snapshot(builtin.evaluate(list(s))) for s in big]
    for round_ in range(3):
        for i in range(6):
            s = small.evaluate(small_scenarios[i % 3])
            assert [c.text for c in s.conclusions] == small_expected[i % 3]
            for base in (builtin, second):
                b = (i + round_) % len(big)
                assert snapshot(base.evaluate(list(big[b]))) == big_expected[b]
    # and from several threads at once
    jobs = [(small, i % 3) for i in range(30)] + [(builtin, i % 5) for i in range(30)] + \
           [(second, i % 5) for i in range(30)]
    random.Random(7).shuffle(jobs)

    def work(job):
        base, i = job
        if base is small:
            return [c.text for c in small.evaluate(small_scenarios[i]).conclusions] == small_expected[i]
        return snapshot(base.evaluate(list(big[i]))) == big_expected[i]

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(work, jobs))


def test_each_knowledge_base_owns_one_engine_thread(make_kb):
    small = make_kb({"graph": SMALL_RULES})
    idents = set()
    for base in (small, kb.load_agreement()):
        base.evaluate([])
        idents.add(base.engine._thread_id)
    assert len(idents) == 2 and threading.get_ident() not in idents
