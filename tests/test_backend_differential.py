"""The differential check: the pyDatalog and the clingo back ends derive the identical full model
(every input and derived predicate, internal ones included) on every shipped scenario of every
built-in agreement, and on seeded random scenarios over the whole vocabulary (a few hundred here,
2,000 in the slow test, 10,000 in ``benchmarks/backends.py``). A disagreement is a bug in one of
them."""
from __future__ import annotations

import random

import pytest

import kb
from kb.clingo_engine import ClingoEngine, model_differences, random_scenario_facts
from kb.knowledge import AGREEMENTS_DIR

AGREEMENTS = sorted(p.name for p in AGREEMENTS_DIR.iterdir() if (p / "agreement.yaml").exists())


@pytest.fixture(scope="module")
def engines():
    """name -> (knowledge base, clingo engine), built once for the module."""
    out = {}
    for name in AGREEMENTS:
        agreement = kb.load_agreement(name)
        out[name] = (agreement, ClingoEngine(agreement.program))
    return out


def disagreements(agreement, clingo_engine, scenarios, only=None) -> list[str]:
    found = []
    for label, facts in scenarios:
        first = agreement.engine.evaluate(facts, only=only)
        second = clingo_engine.evaluate(facts, only=only)
        diff = model_differences(first, second)
        if diff:
            found.append(f"{label}: {'; '.join(diff[:3])}")
    return found


def test_both_built_in_agreements_are_checked():
    assert AGREEMENTS == ["jcs_kubernetes", "sample_dpa"]


@pytest.mark.parametrize("name", AGREEMENTS)
def test_every_shipped_scenario_gives_the_identical_model(engines, name):
    agreement, clingo_engine = engines[name]
    files = agreement.scenario_files()
    assert len(files) >= (150 if name == "jcs_kubernetes" else 20)
    scenarios = [(path.name, [f.key for f in agreement.load_scenario(path).facts]) for path in files]
    assert disagreements(agreement, clingo_engine, scenarios) == []


def random_scenarios(agreement, count: int, seed: int):
    rng = random.Random(seed)
    out = []
    for i in range(count):
        facts = random_scenario_facts(agreement, rng)
        out.append((f"random {seed}/{i} {facts}", [f.key for f in agreement.scenario(facts).facts]))
    return out


@pytest.mark.parametrize("name, count", [("jcs_kubernetes", 250), ("sample_dpa", 100)])
def test_a_seeded_random_sample_gives_the_identical_model(engines, name, count):
    agreement, clingo_engine = engines[name]
    scenarios = random_scenarios(agreement, count, seed=2026)
    assert sum(len(facts) for _, facts in scenarios) > 3 * count  # scenarios with substance
    assert disagreements(agreement, clingo_engine, scenarios) == []


def test_only_gives_the_identical_answer(engines):
    """Asking for a few conclusions (searches do): both back ends derive the same subset."""
    agreement, clingo_engine = engines["jcs_kubernetes"]
    rng = random.Random(99)
    conclusions = sorted(agreement.vocabulary.conclusions)
    for i, (label, facts) in enumerate(random_scenarios(agreement, 40, seed=99)):
        only = rng.sample(conclusions, 2)
        only = [p for p in only if p in agreement.program.derived] or ["liable"]
        assert disagreements(agreement, clingo_engine, [(label, facts)], only=only) == []


@pytest.mark.slow
def test_a_large_random_sample_gives_the_identical_model(engines):
    agreement, clingo_engine = engines["jcs_kubernetes"]
    assert disagreements(agreement, clingo_engine, random_scenarios(agreement, 2000, seed=7)) == []


@pytest.mark.parametrize("name", AGREEMENTS)
def test_open_answers_are_the_same_with_clingo(name):
    """The scenarios with facts in question (whose answers evaluate many cases, asking for a few
    predicates each time) meet every expectation with the clingo engine too: yes, no or open,
    the deciding facts and the smallest sets of facts under which a conclusion holds."""
    from kb.testing import run_scenario_files

    agreement = kb.load_knowledge_base(AGREEMENTS_DIR / name)
    agreement._engine = ClingoEngine(agreement.program)
    files = [p for p in agreement.scenario_files() if "\nunknown:" in p.read_text(encoding="utf-8")]
    if name == "jcs_kubernetes":
        assert len(files) >= 15
    report = run_scenario_files(agreement, files)
    assert report.ok, report.to_text()
