"""The benchmark script keeps running (its figures are read by people, so a crash would go unseen),
and the random facts it draws can always be stated together."""
from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

from kb.testing import consistent_random_facts

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ["load", "evaluation", "toggle", "explanation", "why_not", "open answer (8 facts in question)",
           "explorer toggle -> panels", "flip search", "backends", "sweep clingo", "sweep pydatalog",
           "closure clingo", "closure pydatalog", "batch local", "batch dask",
           "engine cache", "conformance clingo", "conformance pydatalog"]


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
    lines = proc.stdout.splitlines()
    assert " 0 disagreements, " in next(line for line in lines if line.startswith("backends: "))
    assert any(line.startswith("sweep clingo: 65536 scenarios in ") for line in lines)
    assert "  differential on the shared 16: 0 disagreements " in proc.stdout
    assert any(line.startswith("closure pydatalog: 300-node chain in ") for line in lines)
    for backend in ("clingo", "pydatalog"):  # the quick run: 6 basic cases, every one passing
        assert any(line.startswith(f"conformance {backend}: 6 pass, 0 fail of 6 cases in ") for line in lines)


def test_only_runs_one_group_of_figures():
    proc = subprocess.run([sys.executable, "benchmarks/run.py", "--quick", "--only", "sweep"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert (proc.returncode, proc.stderr) == (0, "")
    figures = [line for line in proc.stdout.splitlines() if not line.startswith("  ")]
    assert [re.sub(r"in [0-9.]+ s$", "in X s", line) for line in figures] == [
        "sweep clingo: 65536 scenarios in X s", "sweep pydatalog: 16 scenarios in X s"]
    assert "  search: no combination of the 16 facts breaks any of the " in proc.stdout
    assert "  differential on the shared 16: 0 disagreements " in proc.stdout
    bad = subprocess.run([sys.executable, "benchmarks/run.py", "--only", "nothing"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "invalid choice: 'nothing'" in bad.stderr
