"""Scenario validation errors (file and line in every message), and the JSON Schema export.

Scenario files are written into tmp_path, which is the working directory, so
each is displayed by its bare name (``s.yaml:4: ...``).
"""
from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

import kb
import yaml

from kb.errors import ArityError, KbError, KbSyntaxError, ScenarioError, UnknownPredicateError, ValueTypeError

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "kb" / "agreements" / "jcs_kubernetes" / "scenarios").glob("*.yaml"))

# the kinds 9.2 lists come first, in the order of the text; other areas add theirs after
EVENT_KINDS = ", ".join(kb.load_agreement().vocabulary.types["event_kind"].value_names)
assert EVENT_KINDS.startswith("flood, earthquake, plague_epidemic, war, unrest, government_action, "
                              "telecom_trunk_line_interruption, hackers_network_congestion, "
                              "telecom_technology_adjustment, government_regulation, ")


@pytest.fixture
def scenario_error(agreement, tmp_path, monkeypatch):
    """scenario_error(yaml_text, ErrorClass) -> the error loading s.yaml with that text."""
    monkeypatch.chdir(tmp_path)

    def run(text: str, error_type: type[KbError]) -> KbError:
        Path("s.yaml").write_text(text, encoding="utf-8")
        with pytest.raises(error_type) as info:
            agreement.load_scenario("s.yaml")
        assert type(info.value) is error_type
        return info.value

    return run


def test_valid_scenario_loads_with_fact_lines(agreement, tmp_path, monkeypatch):
    """Control: the same layout without a defect loads, and each fact keeps its line."""
    monkeypatch.chdir(tmp_path)
    Path("s.yaml").write_text(
        "scenario: s\nfacts:\n  - event(quake, earthquake)\n  - suffered(jd_cloud, quake)\n", encoding="utf-8")
    s = agreement.load_scenario("s.yaml")
    assert s.name == "s" and s.file == "s.yaml"
    assert [(f.key, f.line) for f in s.facts] == [
        (("event", ("quake", "earthquake")), 3), (("suffered", ("jd_cloud", "quake")), 4)]


# --- facts -------------------------------------------------------------------------

def test_unknown_predicate_in_a_fact_suggests_the_closest_input(scenario_error):
    err = scenario_error("scenario: s\nfacts:\n  - event(quake, earthquake)\n  - sufered(jd_cloud, quake)\n",
                         UnknownPredicateError)
    assert (err.file, err.line, err.suggestion) == ("s.yaml", 4, "suffered")
    assert str(err) == "s.yaml:4: unknown predicate: 'sufered' is not in the vocabulary (did you mean 'suffered'?)"


def test_conclusion_asserted_as_a_fact_is_rejected(scenario_error):
    err = scenario_error("scenario: s\nfacts:\n  - force_majeure(quake)\n", UnknownPredicateError)
    assert str(err) == ("s.yaml:3: unknown predicate: 'force_majeure' is a conclusion derived by the rules, "
                        "not a fact a scenario may assert")


def test_wrong_arity_in_a_fact(scenario_error):
    err = scenario_error("scenario: s\nfacts:\n  - event(quake, earthquake)\n  - suffered(jd_cloud)\n",
                         ArityError)
    assert (err.file, err.line) == ("s.yaml", 4)
    assert str(err) == ("s.yaml:4: wrong arity: 'suffered' takes 2 arguments (suffered(party: party, event: id)), "
                        "got 1")


def test_misspelt_enum_value_in_a_fact_lists_the_values_and_suggests_one(scenario_error):
    err = scenario_error("scenario: s\nfacts:\n  - event(quake, earthquak)\n", ValueTypeError)
    assert (err.file, err.line, err.suggestion) == ("s.yaml", 3, "earthquake")
    assert str(err) == (f"s.yaml:3: wrong type: argument 2 (kind) of event must be one of the event_kind values "
                        f"({EVENT_KINDS}), got earthquak (did you mean 'earthquake'?)")


def test_an_unknown_interpretation_points_to_the_list_instead_of_printing_50_names(scenario_error):
    count = len(kb.load_agreement().vocabulary.types["interpretation"].value_names)
    assert count > 40
    err = scenario_error("scenario: s\ninterpretations: [owner_consent_lifts_confidentiality]\nfacts: []\n", ValueTypeError)
    assert str(err) == (f"s.yaml:2: wrong type: argument 1 (reading) of interpretation must be one of the "
                        f"interpretation values ({count} of them: python -m kb interpretations lists them), "
                        f"got owner_consent_lifts_confidentiality")


def test_a_misspelt_interpretation_is_suggested(scenario_error):
    err = scenario_error("scenario: s\ninterpretations: [hacker_listed]\nfacts: []\n", ValueTypeError)
    assert err.suggestion == "hackers_listed" and str(err).endswith("got hacker_listed (did you mean 'hackers_listed'?)")


def test_name_where_a_date_is_declared_is_a_type_error(scenario_error):
    err = scenario_error("scenario: s\nfacts:\n  - terms_ended_on(yesterday)\n", ValueTypeError)
    assert str(err) == ("s.yaml:3: wrong type: argument 1 (date) of terms_ended_on must be a date written "
                        "YYYY-MM-DD, got yesterday")


def test_date_where_an_id_is_declared_is_a_type_error(scenario_error):
    err = scenario_error("scenario: s\nfacts:\n  - event(2026-03-01, earthquake)\n", ValueTypeError)
    assert str(err) == ("s.yaml:3: wrong type: argument 1 (event) of event must be a lowercase name such as "
                        "quake1, got 2026-03-01")


def test_impossible_calendar_date_is_rejected(scenario_error):
    err = scenario_error("scenario: s\nfacts:\n  - terms_ended_on(2026-03-01)\n  - assessment_date(2026-02-30)\n",
                         KbSyntaxError)
    assert (err.file, err.line) == ("s.yaml", 4)
    assert str(err) == "s.yaml:4: syntax error: '2026-02-30' is not a valid date (YYYY-MM-DD)"


def test_duplicate_fact_names_the_line_of_the_first(scenario_error):
    err = scenario_error(
        "scenario: s\nfacts:\n  - event(quake, earthquake)\n  - suffered(jd_cloud, quake)\n"
        "  - event(quake,  earthquake)\n", ScenarioError)
    assert (err.file, err.line) == ("s.yaml", 5)
    assert str(err) == "s.yaml:5: scenario error: duplicate fact event(quake,  earthquake) (first given on line 3)"


def test_fact_with_a_variable_is_rejected(scenario_error):
    err = scenario_error("scenario: s\nfacts:\n  - event(Q, earthquake)\n", KbSyntaxError)
    assert str(err) == "s.yaml:3: syntax error: variable 'Q' is not allowed here: facts are ground"


def test_fact_with_an_anonymous_variable_is_rejected(scenario_error):
    err = scenario_error("scenario: s\nfacts:\n  - event(quake, _)\n", KbSyntaxError)
    assert str(err) == "s.yaml:3: syntax error: variable '_' is not allowed here: facts are ground"


def test_fact_that_is_a_mapping_is_rejected(scenario_error):
    err = scenario_error("scenario: s\nfacts:\n  - event: quake\n", ScenarioError)
    assert str(err) == "s.yaml:3: scenario error: a fact must be a single value, not a list or mapping"


def test_fact_with_trailing_text_is_a_syntax_error(scenario_error):
    err = scenario_error("scenario: s\nfacts:\n  - event(quake, earthquake) extra\n", KbSyntaxError)
    assert str(err) == "s.yaml:3: syntax error: unexpected 'extra' after event(...)"


# --- the file's structure -------------------------------------------------------------

def test_yaml_syntax_error_gives_the_line(scenario_error):
    err = scenario_error("scenario: s\nfacts:\n  - event(quake, earthquake)\n - suffered(jd_cloud, quake)\n",
                         ScenarioError)
    assert (err.file, err.line) == ("s.yaml", 4)
    assert str(err) == ("s.yaml:4: scenario error: YAML syntax error: expected <block end>, but found "
                        "'<block sequence start>'")


def test_unclosed_flow_list_is_a_yaml_syntax_error(scenario_error):
    err = scenario_error("scenario: s\nfacts: [event(quake, earthquake)\n", ScenarioError)
    assert str(err) == "s.yaml:3: scenario error: YAML syntax error: expected ',' or ']', but got '<stream end>'"


def test_unknown_top_level_key_suggests_the_allowed_key(scenario_error):
    err = scenario_error("scenario: s\nfacts:\n  - event(quake, earthquake)\nexpects:\n  - holds: force_majeure(quake)\n",
                         ScenarioError)
    assert (err.file, err.line, err.suggestion) == ("s.yaml", 5, "expect")
    assert str(err) == ("s.yaml:5: scenario error: unknown key 'expects' in a scenario (allowed: scenario, "
                        "description, interpretations, facts, denied, unknown, expect) (did you mean 'expect'?)")


def test_missing_facts_key_is_an_error(scenario_error):
    err = scenario_error("scenario: s\ndescription: no facts here\n", ScenarioError)
    assert str(err) == "s.yaml:1: scenario error: a scenario needs the key 'facts'"


def test_missing_scenario_name_is_an_error(scenario_error):
    err = scenario_error("facts:\n  - event(quake, earthquake)\n", ScenarioError)
    assert str(err) == "s.yaml:1: scenario error: a scenario needs the key 'scenario'"


def test_duplicate_top_level_key_is_an_error(scenario_error):
    err = scenario_error("scenario: s\nfacts: []\nfacts:\n  - event(quake, earthquake)\n", ScenarioError)
    assert str(err) == "s.yaml:3: scenario error: duplicate key 'facts'"


def test_empty_file_is_an_error(scenario_error):
    err = scenario_error("", ScenarioError)
    assert str(err) == "s.yaml:1: scenario error: the scenario file is empty"


def test_facts_that_are_not_a_list_is_an_error(scenario_error):
    err = scenario_error("scenario: s\nfacts: event(quake, earthquake)\n", ScenarioError)
    assert str(err) == "s.yaml:2: scenario error: facts must be a list"


def test_missing_file_is_a_scenario_error(agreement, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError) as info:
        agreement.load_scenario("nope.yaml")
    assert str(info.value) == "nope.yaml: scenario error: file not found"


# --- expectations ---------------------------------------------------------------------

def test_expectation_with_both_holds_and_does_not_hold_is_rejected(scenario_error):
    err = scenario_error(
        "scenario: s\nfacts:\n  - event(quake, earthquake)\nexpect:\n"
        "  - holds: force_majeure(quake)\n    does_not_hold: liable(jd_cloud, outage)\n", ScenarioError)
    assert (err.file, err.line) == ("s.yaml", 5)
    assert str(err) == "s.yaml:5: scenario error: an expectation needs exactly one of 'holds', 'does_not_hold' or 'open'"


def test_expectation_with_neither_holds_nor_does_not_hold_is_rejected(scenario_error):
    err = scenario_error("scenario: s\nfacts:\n  - event(quake, earthquake)\nexpect:\n  - cites: [9.2]\n",
                         ScenarioError)
    assert str(err) == "s.yaml:5: scenario error: an expectation needs exactly one of 'holds', 'does_not_hold' or 'open'"


def test_cites_with_does_not_hold_is_rejected(scenario_error):
    err = scenario_error(
        "scenario: s\nfacts:\n  - event(quake, earthquake)\nexpect:\n"
        "  - does_not_hold: liable(jd_cloud, outage)\n    cites: [8.1]\n", ScenarioError)
    assert str(err) == ("s.yaml:6: scenario error: 'cites' goes with 'holds' (what does not hold has no derivation)")


def test_unknown_predicate_in_an_expectation_suggests_the_closest(scenario_error):
    err = scenario_error("scenario: s\nfacts:\n  - event(quake, earthquake)\nexpect:\n  - holds: force_majuere(quake)\n",
                         UnknownPredicateError)
    assert str(err) == ("s.yaml:5: unknown predicate: 'force_majuere' is not in the vocabulary "
                        "(did you mean 'force_majeure'?)")


def test_unknown_key_in_an_expectation_suggests_the_allowed_key(scenario_error):
    err = scenario_error("scenario: s\nfacts:\n  - event(quake, earthquake)\nexpect:\n  - hold: force_majeure(quake)\n",
                         ScenarioError)
    assert str(err) == ("s.yaml:5: scenario error: unknown key 'hold' in an expectation (allowed: holds, "
                        "does_not_hold, open, cites, decided_by, holds_if) (did you mean 'holds'?)")


def test_clause_ids_in_cites_stay_as_written(agreement, tmp_path, monkeypatch):
    """9.10 must not become the float 9.1: scalars are read as the strings that were written."""
    monkeypatch.chdir(tmp_path)
    Path("s.yaml").write_text("scenario: s\nfacts: []\nexpect:\n  - holds: force_majeure(quake)\n"
                              "    cites: [9.10, 9.2]\n", encoding="utf-8")
    (exp,) = agreement.load_scenario("s.yaml").expectations
    assert exp.cites == ("9.10", "9.2") and exp.line == 4


# --- scenarios built from a list (no file) ---------------------------------------------

def test_fact_list_errors_give_the_position_of_the_fact_as_line(agreement):
    with pytest.raises(UnknownPredicateError) as info:
        agreement.scenario(["event(quake, earthquake)", "sufered(jd_cloud, quake)"])
    assert str(info.value) == ("<scenario>:2: unknown predicate: 'sufered' is not in the vocabulary "
                               "(did you mean 'suffered'?)")
    with pytest.raises(KbSyntaxError) as info:
        agreement.scenario(["terms_ended_on(2026-02-30)"])
    assert str(info.value) == "<scenario>:1: syntax error: '2026-02-30' is not a valid date (YYYY-MM-DD)"


def test_fact_list_duplicate_names_the_position_of_the_first_and_non_strings_are_rejected(agreement):
    with pytest.raises(ScenarioError) as info:
        agreement.scenario(["event(quake, earthquake)", "suffered(jd_cloud, quake)", "event(quake,earthquake)"])
    assert str(info.value) == ("<scenario>:3: scenario error: duplicate fact event(quake, earthquake) "
                               "(first given as fact 1)")
    with pytest.raises(ScenarioError) as info:
        agreement.scenario([42])
    assert str(info.value) == ('<scenario>: scenario error: a fact must be a string such as '
                               '"event(quake, earthquake)", got int')


# --- the JSON Schema export ------------------------------------------------------------

@pytest.fixture(scope="module")
def validator(agreement):
    schema = agreement.json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_there_are_shipped_scenarios_to_validate():
    names = [p.name for p in SCENARIOS]
    assert len(names) >= 7 and names == sorted(names)
    assert "force_majeure_earthquake_outage_provider_not_liable.yaml" in names
    assert "data_retention_day_7.yaml" in names and "data_retention_day_8.yaml" in names


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_json_schema_accepts_every_shipped_scenario(validator, path):
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert [e.message for e in validator.iter_errors(document)] == []


def test_json_schema_rejects_a_fact_with_an_unknown_predicate(validator):
    document = {"scenario": "s", "facts": ["event(quake, earthquake)", "sufered(jd_cloud, quake)"]}
    errors = list(validator.iter_errors(document))
    assert [(list(e.path), e.validator) for e in errors] == [(["facts", 1], "anyOf")]


def test_json_schema_rejects_a_misspelt_enum_value_and_a_wrong_arity(validator):
    document = {"scenario": "s", "facts": ["event(quake, earthquak)", "suffered(jd_cloud)"]}
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert [(list(e.path), e.validator) for e in errors] == [(["facts", 0], "anyOf"), (["facts", 1], "anyOf")]


def test_json_schema_rejects_an_unknown_key_and_a_double_expectation(validator):
    document = {"scenario": "s", "facts": [], "expects": [],
                "expect": [{"holds": "force_majeure(quake)", "does_not_hold": "liable(jd_cloud, outage)"}]}
    errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.path])
    assert [(list(e.path), e.validator) for e in errors] == [([], "additionalProperties"), (["expect", 0], "oneOf")]


def test_json_schema_requires_scenario_and_facts(validator):
    errors = list(validator.iter_errors({"description": "d"}))
    assert sorted(e.message for e in errors) == ["'facts' is a required property", "'scenario' is a required property"]


def test_error_message_stays_on_one_line_when_the_input_has_a_line_break(scenario_error, agreement):
    """str(error) is one line (the CLI prints it as such): a line break in the input shows as \\n."""
    err = scenario_error('scenario: s\nfacts:\n  - event(quake, earthquake)\n  - "event(quake,\\n earthquake)"\n',
                         ScenarioError)
    assert str(err) == "s.yaml:4: scenario error: duplicate fact event(quake,\\n earthquake) (first given on line 3)"
    with pytest.raises(ValueTypeError) as info:
        agreement.scenario(['event("x\\nimport os", earthquake)'])
    assert str(info.value) == ('<scenario>:1: wrong type: argument 1 (event) of event must be a lowercase name such '
                               'as quake1, got "x\\nimport os"')
