"""Benchmark of the built-in knowledge base: prints one line per figure.

    python benchmarks/run.py

Figures (milliseconds, on this machine):
  load         parse, check and compile the knowledge base (fresh each time)
  evaluation   assert a scenario, derive all conclusions, retract (>= 200 varied scenarios)
  explanation  explain one conclusion of a scenario (fresh explainer each time)
  why_not      explain why a conclusion does not hold
"""
from __future__ import annotations

import itertools
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import kb  # noqa: E402
from kb.knowledge import AGREEMENTS_DIR, DEFAULT_AGREEMENT, Evaluation  # noqa: E402


def figure(name: str, samples_ms: list[float]) -> None:
    samples = sorted(samples_ms)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    print(f"{name}: median {statistics.median(samples):.2f} ms p95 {p95:.2f} ms  (n={len(samples)})")


def varied_scenarios(agreement: kb.KnowledgeBase, count: int, seed: int = 7) -> list[kb.Scenario]:
    """Deterministic, varied scenarios over the whole input vocabulary."""
    rng = random.Random(seed)
    kinds = agreement.vocabulary.types["event_kind"].value_names
    criteria = agreement.vocabulary.types["fm_criterion"].value_names
    effects = agreement.vocabulary.types["performance_effect"].value_names
    out = []
    for i in range(count):
        facts = []
        events = [f"e{j}" for j in range(rng.randint(1, 4))]
        for e in events:
            facts.append(f"event({e}, {rng.choice(kinds)})")
            for c in criteria:
                r = rng.random()
                if r < 0.3:
                    facts.append(f"criterion_met({e}, {c})")
                elif r < 0.4:
                    facts.append(f"criterion_not_met({e}, {c})")
            for party in ("jd_cloud", "user"):
                if rng.random() < 0.5:
                    facts.append(f"suffered({party}, {e})")
            if rng.random() < 0.7:
                facts.append(f"affects_performance({e}, {rng.choice(effects)})")
        for b in range(rng.randint(0, 3)):
            facts.append(f"breach({rng.choice(['jd_cloud', 'user'])}, b{b})")
            facts.append(f"breach_caused_by(b{b}, {rng.choice(events)})")
        if rng.random() < 0.6:
            facts.append(f"terms_ended_on(2026-03-{rng.randint(1, 20):02d})")
            facts.append(f"assessment_date(2026-03-{rng.randint(1, 28):02d})")
        out.append(agreement.scenario(sorted(set(facts)), name=f"varied {i}"))
    return out


def main() -> None:
    root = AGREEMENTS_DIR / DEFAULT_AGREEMENT
    load = []
    for _ in range(20):
        t = time.perf_counter()
        agreement = kb.load_knowledge_base(root)
        agreement.engine  # compile into pyDatalog as well
        load.append((time.perf_counter() - t) * 1000)
        agreement.engine.close()
    figure("load", load)

    agreement = kb.load_agreement()
    scenarios = varied_scenarios(agreement, 240)
    for s in scenarios[:10]:  # warm-up
        agreement.evaluate(s)
    evaluation, results = [], []
    for s in scenarios:
        t = time.perf_counter()
        results.append(agreement.evaluate(s))
        evaluation.append((time.perf_counter() - t) * 1000)
    figure("evaluation", evaluation)

    explanation, why_not = [], []
    for r in itertools.islice((r for r in results if r.conclusions), 200):
        fresh = Evaluation(agreement, r.scenario, r.model)
        target = max(r.conclusions, key=lambda c: (c.pred in ("liable", "exempt_from_liability"), c.text))
        t = time.perf_counter()
        fresh.explain(target).to_text()
        explanation.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        fresh.why_not("liable(jd_cloud, B)").to_text()
        why_not.append((time.perf_counter() - t) * 1000)
    figure("explanation", explanation)
    figure("why_not", why_not)


if __name__ == "__main__":
    main()
