"""The injection corpus of test_injection.py, run again with the clingo back end: every knowledge
base built in these tests (the built-in agreement, the small string-typed ones, the one the CLI
loads) evaluates with :class:`kb.clingo_engine.ClingoEngine`. Each payload must again be
rejected with a KbError or come back verbatim as data, with nothing run; in addition, every ASP
program compiled here holds no ``#script`` or ``#include`` and parses to exactly one statement
per compiled line (no value closed its string constant and added a statement)."""
from __future__ import annotations

import pytest

import kb
import kb.knowledge
from kb.clingo_engine import ClingoEngine

import test_injection
from test_injection import (  # noqa: F401  (fixtures and tests collected here, with the clingo engine)
    BUILTIN, EARTHQUAKE, earthquake, guard, notes_kb,
    test_python_yaml_tag_on_a_plain_fact_is_ignored_and_the_fact_stays_data,
    test_python_yaml_tags_in_a_scenario_construct_nothing,
    test_quoted_payload_as_a_string_fact_is_inert_data,
    test_quoted_payload_as_cli_query_is_answered_as_data,
    test_quoted_payload_for_a_symbol_argument_is_a_type_error,
    test_quoted_payload_in_a_query_is_a_type_error_for_a_symbol_argument,
    test_quoted_payload_in_a_query_over_a_string_argument_is_inert,
    test_quoted_payload_in_a_rule_file_is_inert_string_data,
    test_raw_payload_as_a_query_is_rejected_by_ask_why_not_explain_and_holds,
    test_raw_payload_as_a_scenario_fact_is_rejected,
    test_raw_payload_as_cli_query_exits_2_with_one_error_line,
    test_raw_payload_in_a_rule_file_is_rejected_with_a_kberror,
)

COMPILED: list[ClingoEngine] = []


class RecordingClingoEngine(ClingoEngine):
    def __init__(self, program):
        super().__init__(program)
        COMPILED.append(self)


@pytest.fixture(scope="module")
def clingo_agreement():
    agreement = kb.load_knowledge_base(BUILTIN)
    agreement._engine = RecordingClingoEngine(agreement.program)
    return agreement


@pytest.fixture
def agreement(clingo_agreement):
    return clingo_agreement


@pytest.fixture(autouse=True)
def clingo_everywhere(monkeypatch, clingo_agreement):
    """Every knowledge base made during the test evaluates with clingo (the CLI's built-in one too);
    afterwards, each compiled program is checked."""
    COMPILED.clear()
    monkeypatch.setattr(kb.knowledge, "Engine", RecordingClingoEngine)
    monkeypatch.setattr(kb.knowledge, "_cache", {kb.knowledge.DEFAULT_AGREEMENT: clingo_agreement})
    yield
    for engine in [clingo_agreement._engine, *COMPILED]:
        text = engine.asp_text
        assert "#script" not in text and "#include" not in text
        assert len(engine._statements) == len(engine._compiler.lines)


def test_the_tests_here_use_the_clingo_engine(agreement, notes_kb):
    assert isinstance(agreement.engine, ClingoEngine)
    assert isinstance(notes_kb(test_injection.NOTED_RULE).engine, ClingoEngine)


def test_loading_and_evaluating_the_builtin_agreement_with_clingo_runs_nothing(guard):
    """test_injection's full pass over every scenario, on a sample (the differential tests
    evaluate every scenario with clingo already): compiled under the guard, nothing runs."""
    fresh = kb.load_knowledge_base(BUILTIN)
    assert isinstance(fresh.engine, ClingoEngine)
    for path in fresh.scenario_files()[::25]:
        result = fresh.evaluate(path)
        for c in result.conclusions:
            result.explain(c)
        result.why_not("liable(P, B)")
    result = fresh.evaluate(EARTHQUAKE)
    assert [c.text for c in result.specific] == [
        "exempt_from_liability(jd_cloud, outage)", "force_majeure(quake)", "force_majeure_excuses(jd_cloud, quake)"]
