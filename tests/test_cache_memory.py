"""The engine's answer cache is bounded by memory (issue 15, resource use): one least-recently-used
cache for all predicates, at most Engine.CACHE_CELLS cells; evicting never changes an answer; the
process's memory stops growing once the cache is full; the benchmark reports the figure."""
from __future__ import annotations

import random
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import kb
from kb.engine import Engine, _key_cells
from kb.knowledge import AGREEMENTS_DIR, DEFAULT_AGREEMENT
from kb.testing import consistent_random_facts

ROOT = Path(__file__).resolve().parents[1]


def draw(agreement, rng) -> kb.Scenario:
    return agreement.scenario(consistent_random_facts(agreement, rng, rng.randint(5, 30)))


def recount(engine: Engine) -> int:
    """The cache's size in cells, counted from scratch."""
    facts_keys = {id(key[1]): key[1] for key in engine._cache}
    return sum(1 + len(rows) for rows in engine._cache.values()) + sum(_key_cells(k) for k in facts_keys.values())


@pytest.fixture(scope="module")
def small_cache() -> kb.KnowledgeBase:
    fresh = kb.load_knowledge_base(AGREEMENTS_DIR / DEFAULT_AGREEMENT)
    fresh.engine.CACHE_CELLS = 3_000
    yield fresh
    fresh.engine.close()


def test_the_default_bound():
    assert Engine.CACHE_CELLS == 200_000


def test_the_cache_stays_within_its_bound_and_evicting_changes_no_answer(small_cache, agreement):
    rng = random.Random(5)
    scenarios = [draw(agreement, rng) for _ in range(40)]
    engine = small_cache.engine
    for scenario in scenarios + scenarios[:10]:  # the repeats: some answers cached, some evicted
        ours = small_cache.evaluate(small_cache.scenario([agreement.vocabulary.render(*f.key) for f in scenario.facts]))
        assert [c.text for c in ours.conclusions] == [c.text for c in agreement.evaluate(scenario).conclusions]
        entries, cells = engine.cache_size()
        assert 0 < cells <= 3_000
        assert cells == recount(engine)
    assert engine.cache_size()[0] > 100


def test_a_repeated_scenario_is_answered_from_the_cache(agreement):
    fresh = kb.load_knowledge_base(AGREEMENTS_DIR / DEFAULT_AGREEMENT)
    try:
        scenario = fresh.scenario(["event(quake, earthquake)", "suffered(jd_cloud, quake)",
                                   "affects_performance(quake, impossible)", "breach(jd_cloud, outage)",
                                   "breach_caused_by(outage, quake)"])
        first = fresh.evaluate(scenario)
        size = fresh.engine.cache_size()
        asked = []
        original = fresh.engine._answers
        fresh.engine._answers = lambda pred, model: asked.append(pred) or original(pred, model)
        second = fresh.evaluate(scenario)
        assert asked == []  # every answer came from the cache
        assert fresh.engine.cache_size() == size
        assert [c.text for c in second.conclusions] == [c.text for c in first.conclusions]
        assert "exempt_from_liability(jd_cloud, outage)" in [c.text for c in second.conclusions]
    finally:
        fresh.engine.close()


MEMORY_SCRIPT = textwrap.dedent("""
    import gc, random, sys
    sys.path.insert(0, sys.argv[1])
    import kb
    from kb.testing import consistent_random_facts

    def rss():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

    agreement = kb.load_agreement()
    agreement.engine.CACHE_CELLS = 20_000
    rng = random.Random(7)
    def run(n):
        for _ in range(n):
            agreement.evaluate(agreement.scenario(consistent_random_facts(agreement, rng, rng.randint(5, 30))))
    run(60)  # the cache is full after these
    gc.collect()
    before = rss()
    run(340)
    gc.collect()
    print(before, rss(), *agreement.engine.cache_size())
""")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc")
def test_memory_stops_growing_once_the_cache_is_full():
    # before the bound, these 340 evaluations grew RSS by 62 MB (41 -> 103 MB); now by about 1 MB
    proc = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(ROOT)], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    before, after, entries, cells = proc.stdout.split()
    assert float(after) - float(before) < 8, proc.stdout
    assert int(cells) <= 20_000 and int(entries) > 0


def test_the_benchmark_prints_the_cache_figure():
    proc = subprocess.run([sys.executable, "benchmarks/run.py", "--quick", "--only", "cache"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert (proc.returncode, proc.stderr) == (0, "")
    first, second = proc.stdout.splitlines()
    m = re.fullmatch(r"engine cache: RSS (\d+) MB -> (\d+) MB after 200 evaluations \(([\d,]+) answer sets cached, "
                     r"([\d,]+) cells of at most 200,000\)", first)
    assert m, first
    assert int(m.group(4).replace(",", "")) <= 200_000
    assert second.startswith("  evaluation meanwhile: median ")
