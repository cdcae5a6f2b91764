"""Every shipped scenario file is a regression test: its expectations must hold.

Each test is named after the scenario (a legal proposition)."""
from __future__ import annotations

import pytest

import kb
from kb.testing import run_scenario

AGREEMENT = kb.load_agreement()
FILES = AGREEMENT.scenario_files()


def test_the_agreement_ships_scenarios_with_expectations():
    assert len(FILES) >= 7
    for path in FILES:
        assert AGREEMENT.load_scenario(path).expectations, path.name


@pytest.mark.parametrize("path", FILES, ids=[AGREEMENT.load_scenario(p).name for p in FILES])
def test_scenario(path):
    report = run_scenario(AGREEMENT, AGREEMENT.load_scenario(path))
    failures = [o.message for o in report.outcomes if not o.ok]
    assert failures == []
