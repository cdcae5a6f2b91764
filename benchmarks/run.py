"""Benchmark of the built-in knowledge base: prints one line per figure.

    python benchmarks/run.py            (python benchmarks/run.py --quick: few samples, a smoke run)
    python benchmarks/run.py --only sweep [--only closure ...]    (one group of figures)

Figures (milliseconds, on this machine):
  load         parse, check and compile the knowledge base (fresh each time)
  evaluation   assert a scenario, derive all conclusions, retract (>= 200 varied scenarios)
  toggle       re-evaluate after adding or removing one fact (the what-if explorer's step)
  explanation  explain one conclusion the scenario's facts bring (fresh explainer each time)
  why_not      explain why a conclusion does not hold
  open answer  answer a question over 8 facts in question (256 cases, pruned to what it reads)
  explorer ... the explorer's refresh after a click, and the flip search (kernel side)
  backends     seeded random scenarios evaluated by both back ends: the disagreements (must be 0)
               and the seconds each took (benchmarks/backends.py)
  sweep        the consistency sweep: 65,536 combinations of 16 facts by clingo in one solve, and
               the 4,096 of the first 12 by pyDatalog (seconds each), with what the search for a
               combination breaking an invariant found and the disagreements of the two on the
               shared 4,096 (must be 0) (benchmarks/scale.py, kb/sweep.py)
  closure      the transitive closure of a 2,000-node chain through the kit, by each back end, in a
               child process killed at a time limit (reported as "> T s") (benchmarks/scale.py)
  batch        100,000 synthetic incident tickets through kb batch: the local process pool and a
               2-worker Dask LocalCluster (seconds each, results identical, peak memory)
               (benchmarks/portfolio.py; KB_BATCH_RECORDS sets the number)
  conformance  the whole public Datalog conformance suite through the kit on both back ends, the
               largest programs (lubm, hmmer) included: pass / rejected / budget / fail counts
               (benchmarks/conformance.py; the quick run: 6 basic cases)
  engine cache the process's resident memory (RSS) before and after 2,000 evaluations of varied
               scenarios on a freshly loaded knowledge base, with the answer cache's size against
               its bound (Engine.CACHE_CELLS) and the evaluation times meanwhile

Groups (--only NAME, repeatable): load, evaluation, toggle, explanation (with why_not), open,
explorer (with flip search), backends, sweep, closure, batch, cache, conformance. The quick run samples the
pyDatalog sweep (16 of the 4,096), uses a 300-node chain, 2,000 tickets and 200 evaluations for the
engine cache, and 6 cases of the basic conformance suite.
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
from kb.testing import consistent_random_facts  # noqa: E402


def figure(name: str, samples_ms: list[float]) -> None:
    samples = sorted(samples_ms)
    if not samples:
        print(f"{name}: no sample")
        return
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    print(f"{name}: median {statistics.median(samples):.2f} ms p95 {p95:.2f} ms  (n={len(samples)})")


def varied_scenarios(agreement: kb.KnowledgeBase, count: int, seed: int = 7) -> list[kb.Scenario]:
    """Deterministic, varied scenarios drawn from the whole input vocabulary (5 to 30 facts each)."""
    rng = random.Random(seed)
    return [agreement.scenario(consistent_random_facts(agreement, rng, rng.randint(5, 30)), name=f"varied {i}")
            for i in range(count)]


GROUPS = ("load", "evaluation", "toggle", "explanation", "open", "explorer", "backends", "sweep", "closure", "batch",
          "cache", "conformance")


def main(quick: bool = False, only: list[str] | None = None) -> None:
    """Print every figure (or those of the groups ``only``, in the usual order); ``quick`` takes a
    few samples of each (a smoke run, not a measure)."""
    n = (lambda full, small: small if quick else full)
    selected = set(GROUPS if not only else only)
    root = AGREEMENTS_DIR / DEFAULT_AGREEMENT
    if "load" in selected:
        load = []
        for _ in range(n(20, 2)):
            t = time.perf_counter()
            agreement = kb.load_knowledge_base(root)
            agreement.engine  # compile into pyDatalog as well
            load.append((time.perf_counter() - t) * 1000)
            agreement.engine.close()
        figure("load", load)

    agreement = kb.load_agreement()
    if selected & {"evaluation", "toggle", "explanation", "open"}:
        scenarios = varied_scenarios(agreement, n(240, 12))
        for s in scenarios[:10]:  # warm-up
            agreement.evaluate(s)
        evaluation, results = [], []
        for s in scenarios:
            t = time.perf_counter()
            results.append(agreement.evaluate(s))
            evaluation.append((time.perf_counter() - t) * 1000)
        if "evaluation" in selected:
            figure("evaluation", evaluation)

    if "toggle" in selected:
        # what-if toggling: one fact added or removed at a time, as the explorer does
        toggle = []
        rng = random.Random(11)
        base = [f"{agreement.vocabulary.render(*f.key)}" for f in scenarios[0].facts]
        pool = consistent_random_facts(agreement, rng, 40)
        current = list(base)
        for i in range(n(200, 10)):
            fact = pool[i % len(pool)]
            toggled = [f for f in current if f != fact] if fact in current else current + [fact]
            try:
                scenario = agreement.scenario(toggled)
            except kb.KbError:  # a fact that cannot be stated with the others: the explorer refuses it too
                continue
            current = toggled
            t = time.perf_counter()
            agreement.evaluate(scenario)
            toggle.append((time.perf_counter() - t) * 1000)
        figure("toggle", toggle)

    if "explanation" in selected:
        explanation, why_not = [], []
        for r in itertools.islice((r for r in results if r.specific), n(200, 5)):
            fresh = Evaluation(agreement, r.scenario, r.model)
            target = r.specific[len(r.specific) // 2]  # one the facts bring (standing terms have no body)
            t = time.perf_counter()
            fresh.explain(target).to_text()
            explanation.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            fresh.why_not("liable(jd_cloud, B)").to_text()
            why_not.append((time.perf_counter() - t) * 1000)
        figure("explanation", explanation)
        figure("why_not", why_not)
    if "open" in selected:
        open_answer_figures(agreement, scenarios, n(30, 2))
    if "explorer" in selected:
        explorer_figures(agreement, n(100, 5))

    if "backends" in selected:
        from backends import differential  # benchmarks/backends.py: pyDatalog and clingo on the same scenarios

        print(differential(agreement, count=n(10_000, 20))[0])

    from scale import closure_figures, sweep_figures  # benchmarks/scale.py: sweeps and recursion at scale

    if "sweep" in selected:
        sweep_figures(agreement, quick=quick)
    if "closure" in selected:
        closure_figures(quick=quick, nodes=n(2000, 300))
    if "batch" in selected:
        from portfolio import batch_figures  # benchmarks/portfolio.py: kb batch, local pool and Dask

        batch_figures(quick=quick)
    if "cache" in selected:
        cache_figures(root, n(2000, 200))
    if "conformance" in selected:
        from conformance import main as conformance_figures  # benchmarks/conformance.py

        conformance_figures(quick=quick)


def rss_mb() -> float:
    """This process's resident memory in MB (Linux /proc; elsewhere the peak from getrusage)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def cache_figures(root: Path, count: int) -> None:
    """RSS before and after ``count`` evaluations of varied scenarios (drawn one at a time, so only
    the engine's answer cache can hold on to memory) on a fresh knowledge base."""
    import gc

    agreement = kb.load_knowledge_base(root)
    engine = agreement.engine
    rng = random.Random(7)

    def draw() -> kb.Scenario:
        return agreement.scenario(consistent_random_facts(agreement, rng, rng.randint(5, 30)))

    for _ in range(10):  # warm-up: the first evaluations import and build what every later one uses
        agreement.evaluate(draw())
    gc.collect()
    before = rss_mb()
    times = []
    for _ in range(count):
        scenario = draw()
        t = time.perf_counter()
        agreement.evaluate(scenario)
        times.append((time.perf_counter() - t) * 1000)
    gc.collect()
    entries, cells = engine.cache_size()
    print(f"engine cache: RSS {before:.0f} MB -> {rss_mb():.0f} MB after {count} evaluations "
          f"({entries:,} answer sets cached, {cells:,} cells of at most {engine.CACHE_CELLS:,})")
    figure("  evaluation meanwhile", times)
    engine.close()


QUESTIONS = ["liable(jd_cloud, B)", "violated(user, C)", "remedy_available(jd_cloud, R, C)", "obliged(jd_cloud, C)"]


def open_answer_figures(agreement: kb.KnowledgeBase, scenarios: list[kb.Scenario], count: int = 30) -> None:
    """A question over 8 facts in question: 8 facts of a varied scenario that the question can
    depend on are put in question, and the three-valued answer (with the deciding conditions) is
    computed over their 256 cases; the target is p95 <= 2 s."""
    from kb.whatif import input_patterns

    samples, values = [], {}
    for scenario in scenarios:
        if len(samples) >= count:
            break
        for question in QUESTIONS:
            patterns = input_patterns(agreement, question, scenario.interpretations)
            relevant = [f for f in scenario.facts if not f.is_interpretation and any(
                p[0] == f.key[0] and all(v is None or v == x for v, x in zip(p[1], f.key[1])) for p in patterns)]
            if len(relevant) < 8:
                continue
            chosen = relevant[:8]
            render = agreement.vocabulary.render
            facts = [render(*f.key) for f in scenario.facts if f not in chosen]
            unknown = [render(*f.key) for f in chosen]
            case = agreement.scenario(facts, name=scenario.name, unknown=unknown)
            t = time.perf_counter()
            answer = agreement.evaluate(case).answer(question)
            samples.append((time.perf_counter() - t) * 1000)
            values[answer.value] = values.get(answer.value, 0) + 1
            break
    figure("open answer (8 facts in question)", samples)
    print(f"  answers: {', '.join(f'{v} {n}' for v, n in sorted(values.items()))}")


def explorer_figures(agreement: kb.KnowledgeBase, clicks: int = 100) -> None:
    """The explorer, kernel side: a tick or untick of a builder line until every panel is
    refreshed (conclusions and diff, the facts panel and the areas' counts, the names offered,
    the "(changed)" marker, the selector, the asked question's explanation, its graph);
    then the flip search for typical conclusions, as the button runs it (2 s time budget)."""
    from kb import whatif
    from widgets.explorer import Explorer

    explorer = Explorer(agreement, "force_majeure_earthquake_outage_provider_not_liable.yaml")
    explorer.select("exempt_from_liability(jd_cloud, outage)")
    lines = [explorer.lines[p][0] for p in ("event", "suffered", "affects_performance", "breach", "breach_caused_by")]
    refresh = []
    for i in range(clicks):
        line = lines[i % len(lines)]
        t = time.perf_counter()
        line.checkbox.value = not line.checkbox.value
        refresh.append((time.perf_counter() - t) * 1000)
        assert explorer.status.value == "", explorer.status.value
    figure("explorer toggle -> panels", refresh)

    flips = []
    for name, target in [("force_majeure_earthquake_outage_provider_not_liable.yaml", "liable(jd_cloud, outage)"),
                         ("force_majeure_earthquake_outage_provider_not_liable.yaml",
                          "exempt_from_liability(jd_cloud, outage)"),
                         ("termination_severe_breach_nonpayment_no_refund.yaml", "refund_outcome(t1, no_refund)")]:
        scenario = agreement.load_scenario(name)
        t = time.perf_counter()
        result = whatif.flip_search(agreement, scenario, target)
        flips.append((time.perf_counter() - t) * 1000)
        print(f"  flip {target}: {len(result.flips)} sets, {result.evaluations} scenarios"
              f"{', cut: ' + result.reason if result.truncated else ''}")
    figure("flip search", flips)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few samples of each figure (a smoke run)")
    parser.add_argument("--only", action="append", choices=GROUPS, metavar="NAME",
                        help=f"run one group of figures (repeatable): {', '.join(GROUPS)}")
    args = parser.parse_args()
    main(quick=args.quick, only=args.only)
