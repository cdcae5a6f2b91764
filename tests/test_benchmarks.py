"""The benchmark script keeps running (its figures are read by people, so a crash would go unseen),
and the random facts it draws can always be stated together."""
from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

from kb.testing import consistent_random_facts

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ["load", "evaluation", "toggle", "explanation", "why_not", "open answer (8 facts in question)",
           "explorer toggle -> panels", "flip search", "backends"]


def test_consistent_random_facts_always_load_as_a_scenario(agreement):
    rng = random.Random(3)
    for _ in range(40):
        facts = consistent_random_facts(agreement, rng, 30)
        assert facts == sorted(facts) and len(facts) >= 20
        agreement.scenario(facts)  # raises on facts that cannot both be stated


def test_the_benchmark_runs_and_prints_every_figure():
    proc = subprocess.run([sys.executable, "benchmarks/run.py", "--quick"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert (proc.returncode, proc.stderr) == (0, "")
    names = [line.split(":")[0] for line in proc.stdout.splitlines() if not line.startswith("  ")]
    assert names == FIGURES
    assert " 0 disagreements, " in proc.stdout.splitlines()[-1]
