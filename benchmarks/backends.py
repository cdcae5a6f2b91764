"""The differential check of the two back ends, at scale: prints one line,

    backends: 10000 random scenarios, 0 disagreements, clingo X s, pydatalog Y s

Seeded random scenarios over the whole input vocabulary of the built-in agreement (1 to 30 facts
that can be stated together, each named interpretation adopted with probability 0.1: see
kb.clingo_engine.random_scenario_facts) are evaluated by the pyDatalog engine and by the clingo
engine; every pair of full models (every input and derived predicate, internal ones included)
must be identical. The times are the evaluations alone (drawing the scenarios is not counted).
A disagreement is printed on stderr and the exit status is 1.

    python benchmarks/backends.py [--count 10000] [--seed 2026] [--agreement jcs_kubernetes]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import kb  # noqa: E402
from kb.clingo_engine import ClingoEngine, model_differences, random_scenario_facts  # noqa: E402


def differential(agreement: kb.KnowledgeBase | None = None, count: int = 10_000, seed: int = 2026,
                 report=None) -> tuple[str, int]:
    """(the figure's line, the number of disagreements); ``report(text)`` receives each one."""
    agreement = agreement if agreement is not None else kb.load_agreement()
    pydatalog = agreement.engine
    clingo_engine = ClingoEngine(agreement.program)
    rng = random.Random(seed)
    disagreements = 0
    clingo_s = pydatalog_s = 0.0
    try:
        for i in range(count):
            facts = random_scenario_facts(agreement, rng)
            keys = [f.key for f in agreement.scenario(facts).facts]
            t = time.perf_counter()
            first = pydatalog.evaluate(keys)
            pydatalog_s += time.perf_counter() - t
            t = time.perf_counter()
            second = clingo_engine.evaluate(keys)
            clingo_s += time.perf_counter() - t
            diff = model_differences(first, second)
            if diff:
                disagreements += 1
                if report is not None:
                    report(f"scenario {i} (seed {seed}) {facts}: {'; '.join(diff[:5])}")
    finally:
        clingo_engine.close()
    line = (f"backends: {count} random scenarios, {disagreements} disagreements, "
            f"clingo {clingo_s:.1f} s, pydatalog {pydatalog_s:.1f} s")
    return line, disagreements


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--agreement", default=None, help="a built-in agreement (default: the kit's)")
    args = parser.parse_args(argv)
    agreement = kb.load_agreement(args.agreement) if args.agreement else kb.load_agreement()
    line, disagreements = differential(agreement, args.count, args.seed,
                                       report=lambda text: print(text, file=sys.stderr))
    print(line)
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
